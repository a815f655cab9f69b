"""Decompositions the Approach-A rules (vmap, JVP) trace instead of the JAX original.

They compute the same function as the original with primitives both pipelines
lower (exp, log, max, select_n, dot_general, reduce_*), avoiding ``log1p``,
``expm1``, ``square``, ``is_finite`` and ``iota``. They run with interception
suspended, so ``jnp`` calls here are the real ones.
"""

from __future__ import annotations

import numpy as np


def _positions(n: int, dtype):
    """0..n-1 through the custom Range primitive (converts where lax.iota does not)."""
    import jax.numpy as jnp

    from .jnp import ARANGE

    if isinstance(n, (int, np.integer)):
        return ARANGE.bind((), {"start": int(n), "stop": None, "step": None, "dtype": np.dtype(dtype).name})
    return jnp.arange(n, dtype=dtype)


def softplus(x):
    import jax.numpy as jnp

    return jnp.maximum(x, 0) + jnp.log(1 + jnp.exp(-jnp.abs(x)))


def log_sigmoid(x):
    return -softplus(-x)


def mish(x):
    import jax.numpy as jnp

    return x * jnp.tanh(softplus(x))


def elu(x, alpha=1.0):
    import jax.numpy as jnp

    pos = x > 0
    # exp of the clamped value: no inf in the unused branch (its gradient would be nan)
    return jnp.where(pos, x, alpha * (jnp.exp(jnp.where(pos, 0, x)) - 1))


def celu(x, alpha=1.0):
    import jax.numpy as jnp

    return jnp.maximum(x, 0) + alpha * (jnp.exp(jnp.minimum(x, 0) / alpha) - 1)


def selu(x):
    return 1.0507009873554805 * elu(x, 1.6732632423543772)


UNARY = {"softplus": softplus, "log_sigmoid": log_sigmoid, "mish": mish, "selu": selu}
PARAMETRIC = {"elu": lambda x, alpha: elu(x, alpha), "celu": lambda x, alpha: celu(x, alpha)}


def standardize(x, *, axes, epsilon, algorithm):
    import jax.numpy as jnp

    mean = jnp.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = jnp.mean(centered * centered, axis=axes, keepdims=True)
    return centered / jnp.sqrt(var + epsilon)


def logsumexp(a, *, axes, keepdims):
    import jax
    import jax.numpy as jnp

    m = jax.lax.stop_gradient(jnp.max(a, axis=axes, keepdims=True))
    out = jnp.log(jnp.sum(jnp.exp(a - m), axis=axes, keepdims=True)) + m
    if not keepdims:
        axes_ = tuple(range(a.ndim)) if axes is None else tuple(ax % a.ndim for ax in axes)
        out = jnp.squeeze(out, axis=axes_)
    return out


def one_hot(x, *, num_classes, dtype, axis):
    import jax.numpy as jnp

    dt = dtype or jnp.float32
    hot = (x[..., None] == _positions(num_classes, x.dtype)).astype(dt)
    return jnp.moveaxis(hot, -1, axis % (x.ndim + 1))


def dot_product_attention(q, k, v, *rest, has_bias, has_mask, scale, is_causal):
    """MatMul-softmax-MatMul with JAX's masking value; rank 3 or 4, same head count."""
    import jax
    import jax.numpy as jnp

    rest = list(rest)
    bias = rest.pop(0) if has_bias else None
    mask = rest.pop(0) if has_mask else None
    squeeze = q.ndim == 3
    if squeeze:
        q, k, v = q[None], k[None], v[None]
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = jnp.einsum("btnh,bsnh->bnts", q, k) * jnp.asarray(scale, q.dtype)
    if bias is not None:
        logits = logits + bias.astype(logits.dtype)
    keep = mask
    if is_causal:
        t, s = logits.shape[-2], logits.shape[-1]
        causal = _positions(t, np.int32)[:, None] >= _positions(s, np.int32)[None, :]
        keep = causal if keep is None else jnp.logical_and(keep, causal)
    if keep is not None:
        big_neg = jnp.asarray(-0.7 * np.finfo(np.dtype(logits.dtype)).max, logits.dtype)
        logits = jnp.where(keep, logits, big_neg)
    m = jax.lax.stop_gradient(jnp.max(logits, axis=-1, keepdims=True))
    e = jnp.exp(logits - m)
    probs = e / jnp.sum(e, axis=-1, keepdims=True)
    out = jnp.einsum("bnts,bsnh->btnh", probs, v)
    return out[0] if squeeze else out


def relu6(x):
    import jax.numpy as jnp

    return jnp.minimum(jnp.maximum(x, 0), 6)


def gelu(x, *, approximate):
    import jax

    if approximate:
        inner = np.sqrt(2 / np.pi).astype(x.dtype) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1 + jax.numpy.tanh(inner))
    return 0.5 * x * (1 + jax.lax.erf(x / np.sqrt(2.0).astype(x.dtype)))


UNARY["relu6"] = relu6


def gelu_derivative(x, *, approximate):
    """d gelu / dx, with primitives that convert (no ``square``/``erfc``)."""
    import jax
    import jax.numpy as jnp

    if approximate:
        c = np.sqrt(2 / np.pi).astype(x.dtype)
        th = jnp.tanh(c * (x + 0.044715 * (x * x * x)))
        return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * c * (1 + 3 * 0.044715 * (x * x))
    cdf = 0.5 * (1 + jax.lax.erf(x / np.sqrt(2.0).astype(x.dtype)))
    pdf = jnp.exp(-0.5 * (x * x)) / np.sqrt(2 * np.pi).astype(x.dtype)
    return cdf + x * pdf
