"""Which family module lowers which JAX primitive (both pipelines use the same names).

The registry imports ``jax2onnx.plugins.<family>`` (legacy) or
``jax2onnx.plugin2.<family>`` (onnx_ir) on the first lookup of a primitive, so
``import jax2onnx`` stays cheap. A policy test checks this index against what the
family modules actually register.
"""

from __future__ import annotations

_FAMILIES: dict[str, tuple[str, ...]] = {
    "elementwise": (
        "add", "sub", "mul", "div", "neg", "max", "min", "abs", "sign", "floor", "ceil",
        "round", "exp", "exp2", "log", "sqrt", "rsqrt", "cbrt", "square", "tanh", "logistic",
        "sin", "cos", "pow", "integer_pow", "rem", "clamp", "nextafter", "is_finite", "add_any",
    ),
    "elementwise_special": (
        "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "atan2",
        "log1p", "expm1", "erf", "erfc", "erf_inv", "lgamma", "digamma",
    ),
    "logic": (
        "and", "or", "not", "xor", "shift_left", "shift_right_logical",
        "shift_right_arithmetic", "population_count", "eq", "ne", "lt", "le", "gt", "ge", "le_to", "lt_to",
        "select_n", "convert_element_type", "bitcast_convert_type",
    ),
    "shape": (
        "reshape", "broadcast_in_dim", "squeeze", "expand_dims", "transpose", "rev", "pad",
        "concatenate", "split", "stack", "unstack", "iota", "copy", "copy_p", "stop_gradient", "dim_as_value",
        "tile",
    ),
    "indexing": ("slice", "dynamic_slice", "dynamic_update_slice"),
    "gather": ("gather",),
    "scatter": ("scatter", "scatter-add", "scatter-sub", "scatter-mul", "scatter-min", "scatter-max"),
    "reductions": (
        "reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_and", "reduce_or",
        "reduce_xor", "argmax", "argmin", "cumsum", "cumprod", "cummax", "cummin",
        "cumlogsumexp", "reduce_precision",
    ),
    "linalg": ("dot_general",),
    "conv": (
        "conv_general_dilated", "reduce_window_max", "reduce_window_min",
        "reduce_window_sum", "reduce_window", "select_and_scatter_add",
    ),
    "sorting": ("sort", "top_k"),
    "calls": ("jit", "pjit", "closed_call", "core_call", "remat2", "checkpoint",
              "custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr", "named_call"),
    "control_flow": ("cond", "while", "scan", "custom_linear_solve", "platform_index"),
    "complex": ("complex", "real", "imag", "conj"),
    "fft": ("fft",),
    "random": ("random_seed", "random_wrap", "random_unwrap", "random_clone", "random_bits",
               "random_split", "random_fold_in", "threefry2x32", "iota_2x32_shape"),
    "float_bits": ("clz",),
    "special_functions": ("igamma", "igammac", "igamma_grad_a", "regularized_incomplete_beta",
                          "zeta", "polygamma", "bessel_i0e", "bessel_i1e"),
    "linalg_factor": ("cholesky", "lu", "lu_pivots_to_permutation", "triangular_solve", "symmetric_product",
                      "cholesky_update", "tridiagonal_solve"),
    "linalg_qr": ("geqrf", "householder_product", "qr", "ormqr", "geqp3"),
    "linalg_eig": ("eigh", "svd"),
    "linalg_reduce": ("hessenberg", "tridiagonal"),
    "linalg_schur": ("schur",),
    "linalg_geev": ("eig",),
    # onnx_ir only (legacy frozen after the flip)
    "placement": ("optimization_barrier", "device_put", "sharding_constraint", "layout_constraint",
                  "reshard", "pvary", "name", "shard_map", "composite", "custom_vmap_call", "call"),
    "stacking": ("tile",),
    "total_order": ("eq_to",),
    "callbacks": ("debug_print", "pure_callback"),
    "eqx_internal": ("unvmap_any", "unvmap_all", "unvmap_max", "nonbatchable",
                     "nondifferentiable_backward", "select_if_vmap", "maybe_set", "vprim"),
    "reduce_generic": ("reduce", "approx_top_k"),
}

#: primitive name -> family module name
FAMILY_OF: dict[str, str] = {
    prim: family for family, prims in _FAMILIES.items() for prim in prims
}


def add_family(family: str, primitives: tuple[str, ...]) -> None:
    """Extend the index at run time (custom primitives declared by components)."""
    for prim in primitives:
        FAMILY_OF[prim] = family
