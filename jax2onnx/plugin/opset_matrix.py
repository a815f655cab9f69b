"""The catalog's opset dimension: a representative subset of every family, converted
again at each opset of :data:`OPSET_MATRIX` (variants ``op13``, ``op17``, ``op28``).

The cases stay declared once, in their family modules; this table only names them.
The variants run on the onnx_ir pipeline (tests2); the legacy tree lists them as
skipped (legacy is frozen). A case may also set ``Testcase.opsets`` itself.
"""

from __future__ import annotations

__all__ = ["OPSET_MATRIX", "REPRESENTATIVES", "apply"]

#: oldest supported; the last opset before LayerNormalization and the Reduce/Pad/Split
#: signature changes (what Keras exports); the newest onnxruntime 1.32 loads
OPSET_MATRIX = (13, 17, 28)

#: family -> cases; each reaches an op whose spelling or existence depends on the opset
REPRESENTATIVES = {
    "elementwise": ("add", "mul_int8", "div_int8_edges"),  # 8-bit Mul/Div arrive at 14
    "logic": ("and_int32", "not_int32", "shift_right_arithmetic_int8", "population_count_int32"),  # Bitwise* 18
    "shape": ("reshape_merge_batch", "pad_interior", "split_symbolic_axis", "broadcast_to_symbolic"),
    "indexing": ("dynamic_slice_symbolic", "dynamic_update_slice"),
    "gather": ("gather_symbolic_rows", "take_fill_nan"),
    "scatter": ("at_add_repeated", "at_mul", "at_max", "at_min"),  # reductions at 16 / 18
    "reductions": ("reduce_max", "reduce_and_int32_bitwise", "argmax_nan", "cummax"),
    "linalg": ("matmul", "dot_projection_to_heads"),
    "conv": ("conv_same_stride2_symbolic_hw", "conv_transpose", "max_pool_nhwc_same", "max_pool_grad",
             "min_pool_grad"),
    "sorting": ("sort", "top_k", "argsort_stable_ties"),
    "control_flow": ("cond_basic", "scan_carry_and_ys", "while_halving", "fori_loop_dynamic"),
    "components_nn": ("nn_gelu_exact", "nn_gelu_tanh", "nn_mish", "nn_standardize", "dpa_causal"),
    "nnx": ("layer_norm", "rms_norm", "group_norm", "conv_2d_same", "batch_norm_4d", "mha_causal_mask"),
    "examples_models": ("nnx_cnn",),
    "random": ("uniform",),  # threefry's xor / rotl below opset 18
}


def apply(cases: dict) -> None:
    """Give the representative cases (``cases[family][name]``) their opset variants."""
    for family, names in REPRESENTATIVES.items():
        for name in names:
            case = cases[family][name]
            if not case.opsets:
                case.opsets = OPSET_MATRIX
