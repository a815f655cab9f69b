"""Framework-neutral semantics of the layer macro primitives (NNX, Linen, Equinox).

Every framework's layer is unpacked into the same normalized operand lists, so
one lowering per pipeline serves all three:

========== ======================================== ===========================================
primitive  operands                                 params
========== ======================================== ===========================================
linear     ``x[..., in], kernel[, bias]``           ``transpose_kernel`` (kernel is ``[out, in]``)
layer_norm ``x[, scale][, bias]``                   ``axis`` (negative: first normalized axis),
                                                    ``epsilon``, ``has_scale``, ``has_bias``,
                                                    ``fast_variance``
rms_norm   ``x[, scale][, bias]``                   ``axis``, ``epsilon``, ``has_scale``,
                                                    ``has_bias`` (Equinox only; default False)
group_norm ``x[N, ..., C][, scale][, bias]``           ``num_groups``, ``epsilon``, ``has_scale``,
                                                    ``has_bias``, ``fast_variance``
batch_norm ``x[..., C], mean, var[, scale][, bias]`` ``epsilon``, ``has_scale``, ``has_bias``
embed      ``table[V, D], indices``                 ``{}``
========== ======================================== ===========================================

The ``apply_*`` functions are the reference semantics (``apply`` of
:func:`jax2onnx.plugin.custom.declare`); they never look at the module object.
"""

from __future__ import annotations

import functools

__all__ = ["apply_linear", "apply_layer_norm", "apply_rms_norm", "apply_group_norm", "apply_batch_norm", "apply_embed",
           "data_batching", "same_float_dtype"]


def apply_linear(original, x, kernel, *bias, transpose_kernel=False):
    """``x @ kernel (+ bias)`` contracting the last axis of ``x``."""
    from jax import lax

    k = kernel.T if transpose_kernel else kernel
    y = lax.dot_general(x, k, (((x.ndim - 1,), (0,)), ((), ())))
    return y + bias[0] if bias else y


def apply_layer_norm(original, x, *wb, axis, epsilon, has_scale, has_bias, fast_variance):
    """Normalize over the trailing axes ``x.shape[axis:]``, then scale and shift."""
    import jax.numpy as jnp
    from jax import lax

    axes = tuple(range(x.ndim + axis, x.ndim))
    mean = jnp.mean(x, axes, keepdims=True)
    if fast_variance:  # Flax's default: E[x^2] - E[x]^2, clipped at 0
        var = jnp.maximum(0.0, jnp.mean(lax.square(x), axes, keepdims=True) - lax.square(mean))
    else:
        var = jnp.mean(lax.square(x - mean), axes, keepdims=True)
    y = (x - mean) * lax.rsqrt(var + epsilon)
    rest = list(wb)
    norm_shape = x.shape[x.ndim + axis:]
    if has_scale:
        y = y * rest.pop(0).reshape(norm_shape)
    if has_bias:
        y = y + rest.pop(0).reshape(norm_shape)
    return y


def apply_rms_norm(original, x, *wb, axis, epsilon, has_scale, has_bias=False):
    """``x / sqrt(mean(x^2) + eps)`` over ``x.shape[axis:]``, then scale (and shift: Equinox)."""
    import jax.numpy as jnp
    from jax import lax

    axes = tuple(range(x.ndim + axis, x.ndim))
    y = x * lax.rsqrt(jnp.mean(lax.square(x), axes, keepdims=True) + epsilon)
    rest = list(wb)
    norm_shape = x.shape[x.ndim + axis:]
    if has_scale:
        y = y * rest.pop(0).reshape(norm_shape)
    if has_bias:
        y = y + rest.pop(0).reshape(norm_shape)
    return y


def apply_group_norm(original, x, *wb, num_groups, epsilon, has_scale, has_bias, fast_variance):
    """Per example and group of channels (last axis), normalize over all non-batch axes."""
    import jax.numpy as jnp
    from jax import lax

    channels = x.shape[-1]
    g = x.reshape(x.shape[:-1] + (num_groups, channels // num_groups))
    axes = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    mean = jnp.mean(g, axes, keepdims=True)
    if fast_variance:
        var = jnp.maximum(0.0, jnp.mean(lax.square(g), axes, keepdims=True) - lax.square(mean))
    else:
        var = jnp.mean(lax.square(g - mean), axes, keepdims=True)
    y = ((g - mean) * lax.rsqrt(var + epsilon)).reshape(x.shape)
    rest = list(wb)
    if has_scale:
        y = y * rest.pop(0)
    if has_bias:
        y = y + rest.pop(0)
    return y


def apply_batch_norm(original, x, mean, var, *wb, epsilon, has_scale, has_bias):
    """Inference batch norm over the last (feature) axis with running statistics."""
    from jax import lax

    mul = lax.rsqrt(var + epsilon)
    rest = list(wb)
    if has_scale:
        mul = mul * rest.pop(0)
    y = (x - mean) * mul
    if has_bias:
        y = y + rest.pop(0)
    return y


def apply_embed(original, table, indices):
    """Rows of ``table`` picked by integer ``indices`` (in range)."""
    import jax.numpy as jnp

    return jnp.take(table, indices, axis=0)


def same_float_dtype(*arrays) -> bool:
    """True when all arrays share one floating dtype (the macro ops do not promote)."""
    import jax.numpy as jnp

    dts = {a.dtype for a in arrays if a is not None}
    return len(dts) == 1 and jnp.issubdtype(next(iter(dts)), jnp.floating)


def data_batching(holder: dict, data_index: int):
    """Approach B batching: only the data operand batched → move the batch axis first, rebind.

    Valid for the primitives above because each acts on the trailing axes of its
    data operand (linear, layer_norm, batch_norm) or maps every index (embed).
    When a weight is batched too, fall back to vmapping the reference semantics.
    ``holder["comp"]`` is filled with the component after :func:`declare` returns.
    """

    def rule(args, dims, **params):
        import jax
        import jax.numpy as jnp

        from ..custom import suspended

        comp = holder["comp"]
        if all(d is None for i, d in enumerate(dims) if i != data_index):
            new = list(args)
            new[data_index] = jnp.moveaxis(args[data_index], dims[data_index], 0)
            return comp.primitive.bind(*new, **params), 0
        with suspended():
            fn = functools.partial(comp.apply, comp.original, **params)
            return jax.vmap(fn, in_axes=tuple(dims))(*args), 0

    return rule
