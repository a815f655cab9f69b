"""Catalog: pattern fusion (jax2onnx/converter2/fusion.py) — macro ops written by hand in
plain ``jax.numpy`` come out as the ONNX op of the target opset."""

from __future__ import annotations

import numpy as np

from ..testcase import LEGACY_FROZEN, testcase

F = "fusion"
_W = np.random.default_rng(7)
_G16 = (1.0 + 0.1 * _W.standard_normal(16)).astype(np.float32)
_B16 = (0.1 * _W.standard_normal(16)).astype(np.float32)
_WQ, _WK, _WV = (0.2 * _W.standard_normal((16, 16))).astype(np.float32), \
    (0.2 * _W.standard_normal((16, 16))).astype(np.float32), (0.2 * _W.standard_normal((16, 16))).astype(np.float32)


def _case(name, fn, inputs, expect, forbid, **kw):
    testcase(F, name, "fusion", fn=fn, inputs=inputs, expect_ops=expect, forbid_ops=forbid,
             ir_only=LEGACY_FROZEN, **kw)


def layer_norm(x):
    import jax.numpy as jnp

    mean = jnp.mean(x, -1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), -1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + 1e-12) * _G16 + _B16


def layer_norm_rsqrt(x):
    import jax.numpy as jnp
    from jax import lax

    return (x - jnp.mean(x, -1, keepdims=True)) * lax.rsqrt(jnp.var(x, -1, keepdims=True) + 1e-5)


def rms_norm(x):
    import jax.numpy as jnp
    from jax import lax

    return x * lax.rsqrt(jnp.mean(x * x, -1, keepdims=True) + 1e-6) * _G16


def gelu_erf(x):
    import jax.numpy as jnp
    from jax import lax

    return 0.5 * x * (1.0 + lax.erf(x / jnp.sqrt(2.0)))


def gelu_tanh(x):
    import jax.numpy as jnp

    return 0.5 * x * (1.0 + jnp.tanh(jnp.sqrt(2.0 / jnp.pi) * (x + 0.044715 * x ** 3)))


def silu(x):
    import jax.numpy as jnp

    return x / (1.0 + jnp.exp(-x))


def softmax(x):
    import jax.numpy as jnp

    e = jnp.exp(x - jnp.max(x, -1, keepdims=True))
    return e / jnp.sum(e, -1, keepdims=True)


def _softmax(s):
    import jax.numpy as jnp

    e = jnp.exp(s - jnp.max(s, -1, keepdims=True))
    return e / jnp.sum(e, -1, keepdims=True)


def attention_einsum(q, k, v):
    import jax.numpy as jnp

    s = jnp.einsum("bqhd,bkhd->bhqk", q, k) / jnp.sqrt(8.0)
    return jnp.einsum("bhqk,bkhd->bqhd", _softmax(s), v)


def attention_bias_mask(q, k, v, bias, mask):
    import jax.numpy as jnp

    s = jnp.einsum("bqhd,bkhd->bhqk", q, k) * 0.25 + bias
    s = jnp.where(mask, s, -1e9)
    return jnp.einsum("bhqk,bkhd->bqhd", _softmax(s), v)


_CAUSAL = np.tril(np.ones((6, 6), dtype=bool))


def attention_causal_matmul(q, k, v):
    """Heads-first operands, MatMul with a transposed key, a constant causal mask."""
    import jax.numpy as jnp

    s = (q @ jnp.swapaxes(k, -1, -2)) * (1.0 / jnp.sqrt(8.0))
    s = jnp.where(_CAUSAL, s, jnp.finfo(jnp.float32).min)
    return _softmax(s) @ v


def attention_projected(x):
    """A BERT-style self-attention: projections, split heads, attention, merge heads."""
    import jax.numpy as jnp

    b, t, d = x.shape
    q, k, v = ((x @ w).reshape(b, t, 2, 8) for w in (_WQ, _WK, _WV))
    s = jnp.einsum("bqhd,bkhd->bhqk", q, k) / jnp.sqrt(8.0)
    return jnp.einsum("bhqk,bkhd->bqhd", _softmax(s), v).reshape(b, t, d)


_HEAD_MASK = np.ones((2,), np.float32)


def attention_flax_style(q, k, v):
    """As Flax's dot_product_attention / Hugging Face's Flax BERT spell it: the query scaled
    first, ``...`` equations, and a (default, all-ones) head mask multiplied in."""
    import jax.numpy as jnp

    q = q / jnp.sqrt(jnp.float32(q.shape[-1]))
    p = _softmax(jnp.einsum("...qhd,...khd->...hqk", q, k))
    p = jnp.einsum("...hqk,h->...hqk", p, _HEAD_MASK)
    return jnp.einsum("...hqk,...khd->...qhd", p, v)


def attention_gqa(q, k, v):
    """Grouped-query attention: 4 query heads share 2 key/value heads (jnp.repeat)."""
    import jax.numpy as jnp

    k, v = jnp.repeat(k, 2, axis=2), jnp.repeat(v, 2, axis=2)
    s = jnp.einsum("bqhd,bkhd->bhqk", q, k) / jnp.sqrt(8.0)
    return jnp.einsum("bhqk,bkhd->bqhd", _softmax(s), v)


def gemm(x, w):
    return x @ w + _B16


_case("layer_norm_by_hand", layer_norm, [("B", 5, 16)], ["LayerNormalization"],
      ["ReduceSum", "ReduceMean", "Sqrt", "Div"])
_case("layer_norm_var_rsqrt", layer_norm_rsqrt, [(3, 16)], ["LayerNormalization"], ["Sqrt", "Reciprocal"])
_case("rms_norm_by_hand", rms_norm, [(3, 16)], ["RMSNormalization"], ["Sqrt", "ReduceSum"])
_case("gelu_erf_by_hand", gelu_erf, [(3, 16)], ["Gelu"], ["Erf"])
_case("gelu_tanh_by_hand", gelu_tanh, [(3, 16)], ["Gelu"], ["Tanh"])
_case("silu_by_hand", silu, [(3, 16)], ["Sigmoid", "Mul"], ["Exp", "Div"])
_case("silu_by_hand_op24", silu, [(3, 16)], ["Swish"], ["Exp", "Sigmoid"], opset=24)
_case("softmax_by_hand", softmax, [("B", 16)], ["Softmax"], ["Exp", "ReduceMax", "IsNaN"])
_case("attention_einsum", attention_einsum, [("B", 5, 2, 8)] * 3, ["Attention"], ["Einsum", "Softmax"])
_case("attention_bias_mask", attention_bias_mask, [(2, 5, 2, 8)] * 3 + [(2, 1, 1, 5), (2, 1, 5, 5)],
      ["Attention"], ["Einsum", "Softmax"],
      input_dtypes=[np.float32] * 4 + [np.bool_])
_case("attention_causal_matmul", attention_causal_matmul, [(2, 2, 6, 8)] * 3, ["Attention"], ["Softmax", "MatMul"],
      check=lambda model: _assert_attr(model, "Attention", "is_causal", 1))
_case("attention_projected", attention_projected, [("B", 6, 16)], ["Attention"], ["Softmax", "Transpose", "Einsum"])
_case("attention_flax_style", attention_flax_style, [("B", 5, 2, 8)] * 3, ["Attention"], ["Einsum", "Softmax", "Div"])
_case("attention_gqa", attention_gqa, [("B", 5, 4, 8), ("B", 5, 2, 8), ("B", 5, 2, 8)], ["Attention"],
      ["Einsum", "Softmax", "Expand"])
_case("gemm_2d", gemm, [("B", 16), (16, 16)], ["Gemm"], ["MatMul"])


def _assert_attr(model, op, name, value):
    nodes = [n for n in model.graph.node if n.op_type == op]
    got = [a.i for n in nodes for a in n.attribute if a.name == name]
    assert got and all(g == value for g in got), f"{op}.{name}: {got}, want {value}"
