"""Catalog: ``jax.nn`` components kept whole as custom primitives (plain, vmap, grad)."""

import jax
import jax.numpy as jnp
import numpy as np

from ..testcase import component, testcase

F = "components_nn"
_D = "https://docs.jax.dev/en/latest/_autosummary/jax.nn.{}.html"


def _sum_grad(f):
    """``jax.grad`` of ``sum(f(x))`` (the gradient goes through the custom primitive's JVP)."""
    return jax.grad(lambda x: jnp.sum(f(x) * jnp.arange(1.0, 1.0 + x.shape[-1])))


# name -> (fn, ONNX ops expected, f64: True (same op in float64), "decomposed" (float64 is
# spelled with simpler ops: ORT has no double kernel for the macro op) or False). Functions are called through the module
# attribute at call time (a lambda), since that is what the conversion patches.
_ACTIVATIONS = {
    "relu": (lambda x: jax.nn.relu(x), ("Relu",), True),
    "relu6": (lambda x: jax.nn.relu6(4 * x), ("Clip",), True),
    "gelu_tanh": (lambda x: jax.nn.gelu(x, approximate=True), ("Gelu",), True),
    "gelu_exact": (lambda x: jax.nn.gelu(x, approximate=False), ("Gelu",), "decomposed"),
    "silu": (lambda x: jax.nn.silu(x), ("Sigmoid", "Mul"), True),
    "swish": (lambda x: jax.nn.swish(x), ("Sigmoid", "Mul"), False),
    "sigmoid": (lambda x: jax.nn.sigmoid(x), ("Sigmoid",), True),
    "softplus": (lambda x: jax.nn.softplus(10 * x), ("Softplus",), "decomposed"),
    "soft_sign": (lambda x: jax.nn.soft_sign(x), ("Softsign",), "decomposed"),
    "elu": (lambda x: jax.nn.elu(x, alpha=0.7), ("Elu",), "decomposed"),
    "selu": (lambda x: jax.nn.selu(x), ("Selu",), "decomposed"),
    "celu": (lambda x: jax.nn.celu(x, 1.3), ("Celu",), "decomposed"),
    "leaky_relu": (lambda x: jax.nn.leaky_relu(x, negative_slope=0.2), ("LeakyRelu",), "decomposed"),
    "mish": (lambda x: jax.nn.mish(x), ("Mish",), "decomposed"),
    "hard_tanh": (lambda x: jax.nn.hard_tanh(2 * x), ("Clip",), True),
    "log_sigmoid": (lambda x: jax.nn.log_sigmoid(x), ("Softplus",), "decomposed"),
    "softmax": (lambda x: jax.nn.softmax(x, axis=-1), ("Softmax",), True),
    "log_softmax": (lambda x: jax.nn.log_softmax(x, axis=-1), ("LogSoftmax",), True),
    "standardize": (lambda x: jax.nn.standardize(x, axis=-1), ("LayerNormalization",), False),
    "logsumexp": (lambda x: jax.nn.logsumexp(x, axis=-1, keepdims=True), ("ReduceLogSumExp",), True),
}

for _name, (_fn, _ops, _f64) in _ACTIVATIONS.items():
    _comp = "jax.nn." + ("gelu" if _name.startswith("gelu") else _name)
    component(_comp, onnx_ops=_ops, docs=_D.format(_comp.split(".")[-1]))
    testcase(F, f"nn_{_name}", _comp, fn=_fn, inputs=[("B", 5)], f64=_f64 is True, expect_ops=_ops)
    if _f64 == "decomposed":
        testcase(F, f"nn_{_name}_double", _comp, fn=_fn, inputs=[("B", 5)], f64=True, static=False)
    testcase(F, f"nn_{_name}_vmap", _comp, fn=jax.vmap(_fn), inputs=[("B", 3, 5)])
    testcase(F, f"nn_{_name}_grad", _comp, fn=_sum_grad(_fn), inputs=[("B", 5)], rtol=1e-4, atol=1e-5)

testcase(F, "nn_gelu_exact_opset19", "jax.nn.gelu", fn=lambda x: jax.nn.gelu(x, approximate=False),
         inputs=[("B", 5)], opset=19, expect_ops=("Erf",), forbid_ops=("Gelu",))
testcase(F, "nn_gelu_tanh_opset19", "jax.nn.gelu", fn=lambda x: jax.nn.gelu(x), inputs=[("B", 5)], opset=19, f64=True,
         expect_ops=("Tanh",), forbid_ops=("Gelu",))
testcase(F, "nn_softmax_axis0", "jax.nn.softmax", fn=lambda x: jax.nn.softmax(x, axis=0), inputs=[("B", 4)],
         expect_ops=("Softmax",))
testcase(F, "nn_standardize_leading_axis", "jax.nn.standardize", fn=lambda x: jax.nn.standardize(x, axis=0),
         inputs=[(6, "B")], f64=True, expect_ops=("ReduceMean",), rtol=1e-4, atol=1e-4)
testcase(F, "nn_standardize_two_axes", "jax.nn.standardize", fn=lambda x: jax.nn.standardize(x, axis=(1, 2)),
         inputs=[("B", 3, 4)], expect_ops=("LayerNormalization",), rtol=1e-4, atol=1e-4)
testcase(F, "nn_logsumexp_all", "jax.nn.logsumexp", fn=lambda x: jax.nn.logsumexp(x), inputs=[("B", 4)],
         expect_ops=("ReduceLogSumExp",))
testcase(F, "nn_logsumexp_large", "jax.nn.logsumexp", fn=lambda x: jax.nn.logsumexp(400 * x, axis=1),
         inputs=[("B", 6)], expect_ops=("ReduceLogSumExp",), rtol=1e-5, atol=1e-3)


# ---- one_hot (not differentiable by design) ------------------------------------------------
def _labels(rng, shapes, dtypes):
    return [rng.integers(-2, 6, shapes[0]).astype(dtypes[0])]  # some negative/out of range


component("jax.nn.one_hot", onnx_ops=("OneHot",), docs=_D.format("one_hot"), differentiable=False)
testcase(F, "nn_one_hot", "jax.nn.one_hot", fn=lambda i: jax.nn.one_hot(i, 5), inputs=[("B", 3)],
         input_dtypes=[np.int32], input_gen=_labels, f64=True, expect_ops=("OneHot",))
testcase(F, "nn_one_hot_axis0", "jax.nn.one_hot", fn=lambda i: jax.nn.one_hot(i, 4, axis=0, dtype=jnp.int32),
         inputs=[("B",)], input_dtypes=[np.int32], input_gen=_labels, expect_ops=("OneHot",))
testcase(F, "nn_one_hot_float_input", "jax.nn.one_hot", fn=lambda x: jax.nn.one_hot(jnp.floor(x * 2) / 2, 3),
         inputs=[("B", 4)], expect_ops=("Equal",))
testcase(F, "nn_one_hot_vmap", "jax.nn.one_hot", fn=jax.vmap(lambda i: jax.nn.one_hot(i, 6)),
         inputs=[("B", 3)], input_dtypes=[np.int32], input_gen=_labels)
testcase(F, "nn_one_hot_grad_other_arg", "jax.nn.one_hot",
         fn=jax.grad(lambda x, i: jnp.sum(jnp.sin(x) * jax.nn.one_hot(i, 5))), inputs=[("B", 5), ("B",)],
         input_dtypes=[np.float32, np.int32],
         input_gen=lambda rng, s, d: [rng.standard_normal(s[0]).astype(d[0]), rng.integers(0, 5, s[1]).astype(d[1])])


# ---- dot_product_attention ---------------------------------------------------------------
def _qkv_mask(rng, shapes, dtypes):
    """q, k, v (+ bias) normal; the boolean mask keeps the diagonal so no row is fully masked."""
    out = []
    for s, d in zip(shapes, dtypes):
        if np.dtype(d) == np.bool_:
            m = rng.integers(0, 2, s).astype(bool)
            m |= np.eye(s[-2], s[-1], dtype=bool)
            out.append(m)
        else:
            out.append(rng.standard_normal(s).astype(d))
    return out


_DPA = "jax.nn.dot_product_attention"
_QKV = [("B", 4, 2, 8)] * 3
_TOL = {"rtol": 1e-4, "atol": 1e-5}
component(_DPA, onnx_ops=("Attention", "MatMul", "Softmax"), docs=_D.format("dot_product_attention"))
testcase(F, "dpa", _DPA, fn=lambda q, k, v: jax.nn.dot_product_attention(q, k, v), inputs=_QKV,
         expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_double", _DPA, fn=lambda q, k, v: jax.nn.dot_product_attention(q, k, v), inputs=_QKV,
         f64=True, static=False, **_TOL)  # float64: MatMul-Softmax-MatMul (ORT Attention is float only)
testcase(F, "dpa_cross_lengths", _DPA, fn=lambda q, k, v: jax.nn.dot_product_attention(q, k, v),
         inputs=[("B", 3, 2, 8), ("B", 5, 2, 8), ("B", 5, 2, 8)], expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_causal_cross_lengths", _DPA,
         fn=lambda q, k, v: jax.nn.dot_product_attention(q, k, v, is_causal=True),
         inputs=[("B", 3, 2, 8), ("B", 5, 2, 8), ("B", 5, 2, 8)], expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_causal", _DPA, fn=lambda q, k, v: jax.nn.dot_product_attention(q, k, v, is_causal=True),
         inputs=_QKV, expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_bias", _DPA, fn=lambda q, k, v, b: jax.nn.dot_product_attention(q, k, v, bias=b),
         inputs=_QKV + [(2, 4, 4)], expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_mask", _DPA, fn=lambda q, k, v, m: jax.nn.dot_product_attention(q, k, v, mask=m, scale=0.3),
         inputs=_QKV + [("B", 1, 4, 4)], input_dtypes=[np.float32] * 3 + [np.bool_], input_gen=_qkv_mask,
         expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_bias_mask_causal", _DPA,
         fn=lambda q, k, v, b, m: jax.nn.dot_product_attention(q, k, v, b, m, is_causal=True),
         inputs=_QKV + [("B", 2, 4, 4), (4, 4)], input_dtypes=[np.float32] * 4 + [np.bool_],
         input_gen=_qkv_mask, expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_rank3", _DPA, fn=lambda q, k, v: jax.nn.dot_product_attention(q, k, v), inputs=[("T", 2, 8)] * 3,
         expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_opset22_decomposed", _DPA,
         fn=lambda q, k, v, m: jax.nn.dot_product_attention(q, k, v, mask=m, is_causal=True),
         inputs=_QKV + [(4, 4)], input_dtypes=[np.float32] * 3 + [np.bool_], input_gen=_qkv_mask, opset=22,
         expect_ops=("MatMul", "Softmax"), forbid_ops=("Attention",), **_TOL)
# issue regressions: vmap over per-sample (T, N, H) inputs, vmap over rank-4 inputs, grad
testcase(F, "dpa_vmap_tnh", _DPA, fn=jax.vmap(lambda q, k, v: jax.nn.dot_product_attention(q, k, v)),
         inputs=_QKV, expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_vmap_rank4", _DPA, fn=jax.vmap(lambda q, k, v: jax.nn.dot_product_attention(q, k, v)),
         inputs=[("B", 2, 4, 2, 8)] * 3, expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_vmap_unmapped_mask_causal", _DPA,
         fn=jax.vmap(lambda q, k, v, m: jax.nn.dot_product_attention(q, k, v, mask=m, is_causal=True),
                     in_axes=(0, 0, 0, None)),
         inputs=_QKV + [(1, 4, 4)], input_dtypes=[np.float32] * 3 + [np.bool_], input_gen=_qkv_mask,
         expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_vmap_mapped_bias_axis1", _DPA,
         fn=jax.vmap(lambda q, k, v, b: jax.nn.dot_product_attention(q, k, v, bias=b), in_axes=(0, 0, 0, 1)),
         inputs=_QKV + [(2, "B", 4, 4)], expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_vmap_rank4_mask_bias", _DPA,
         fn=jax.vmap(lambda q, k, v, b, m: jax.nn.dot_product_attention(q, k, v, b, m), in_axes=(0, 0, 0, 0, None)),
         inputs=[("B", 2, 4, 2, 8)] * 3 + [("B", 1, 2, 4, 4), (4, 4)],
         input_dtypes=[np.float32] * 4 + [np.bool_], input_gen=_qkv_mask, expect_ops=("Attention",), **_TOL)
testcase(F, "dpa_grad", _DPA,
         fn=jax.grad(lambda q, k, v: jnp.sum(jax.nn.dot_product_attention(q, k, v) ** 2), argnums=(0, 1, 2)),
         inputs=_QKV, **_TOL)
testcase(F, "dpa_grad_causal_bias", _DPA,
         fn=jax.grad(lambda q, k, v, b: jnp.sum(jnp.tanh(jax.nn.dot_product_attention(q, k, v, b, is_causal=True)))),
         inputs=_QKV + [(1, 2, 4, 4)], **_TOL)
