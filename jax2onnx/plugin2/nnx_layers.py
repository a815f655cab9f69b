"""Layer macro ops (onnx_ir pipeline) for the NNX, Linen and Equinox components.

Operand conventions are those of :mod:`jax2onnx.plugin.components._layers`:
linear → ``Gemm`` (2-D input) or ``MatMul``+``Add``; layer_norm →
``LayerNormalization``; rms_norm → ``RMSNormalization``; group_norm →
``GroupNormalization`` (channels moved to axis 1); batch_norm (inference) → ``BatchNormalization`` with the
feature axis moved to position 1; embed → ``Gather``.
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register
from .opset_compat import GROUP_NORM_SINCE, LAYER_NORM_SINCE, RMS_NORM_SINCE, group_norm_nhwc, normalize

PIPELINE = "onnx_ir"

LINEAR = ("nnx.Linear", "linen.Dense", "eqx.nn.Linear")
LAYER_NORM = ("nnx.LayerNorm", "linen.LayerNorm", "eqx.nn.LayerNorm")
RMS_NORM = ("nnx.RMSNorm", "linen.RMSNorm", "eqx.nn.RMSNorm")
GROUP_NORM = ("nnx.GroupNorm", "linen.GroupNorm")
BATCH_NORM = ("nnx.BatchNorm", "linen.BatchNorm")
EMBED = ("nnx.Embed", "linen.Embed", "eqx.nn.Embedding")

#: dtypes with an ORT Gemm kernel; others use MatMul + Add
_GEMM_DTYPES = {np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16)}


@register(PIPELINE, *LINEAR)
def linear(ctx, x, kernel, *bias, transpose_kernel=False):
    """``x @ kernel + bias`` over the last axis of ``x``."""
    x_aval = ctx.in_avals[0]
    if len(x_aval.shape) == 2 and np.dtype(x_aval.dtype) in _GEMM_DTYPES:
        return ctx.op("Gemm", x, kernel, *bias, transB=int(bool(transpose_kernel)))
    if transpose_kernel:
        kernel = ctx.op("Transpose", kernel, perm=[1, 0])
    y = ctx.op("MatMul", x, kernel)
    return ctx.op("Add", y, bias[0]) if bias else y


def _ones(ctx, aval_shape, dtype, value):
    return ctx.const(np.full(tuple(aval_shape), value, dtype=np.dtype(dtype)))


@register(PIPELINE, *LAYER_NORM)
def layer_norm(ctx, x, *wb, axis, epsilon, has_scale, has_bias, fast_variance=True):
    """LayerNormalization over ``x.shape[axis:]`` (Scale is required by ONNX: ones if absent)."""
    x_aval = ctx.in_avals[0]
    norm_shape = tuple(x_aval.shape[len(x_aval.shape) + axis:])
    rest = list(wb)
    scale = rest.pop(0) if has_scale else _ones(ctx, norm_shape, x_aval.dtype, 1.0)
    bias = rest.pop(0) if has_bias else None
    if has_scale and tuple(ctx.in_avals[1].shape) != norm_shape:
        scale = ctx.op("Reshape", scale, ctx.const(np.asarray(norm_shape, np.int64)))
    if bias is not None and tuple(ctx.in_avals[-1].shape) != norm_shape:
        bias = ctx.op("Reshape", bias, ctx.const(np.asarray(norm_shape, np.int64)))
    if ctx.opset < LAYER_NORM_SINCE:
        rank = len(x_aval.shape)
        return normalize(ctx, x, range(rank + axis, rank), epsilon, x_aval.dtype, scale, bias)
    inputs = (x, scale, bias) if bias is not None else (x, scale)
    return ctx.op("LayerNormalization", *inputs, axis=int(axis), epsilon=float(epsilon))


@register(PIPELINE, *RMS_NORM)
def rms_norm(ctx, x, *wb, axis, epsilon, has_scale, has_bias=False):
    """RMSNormalization (opset 23) over ``x.shape[axis:]``; ones as Scale when absent; + bias."""
    x_aval = ctx.in_avals[0]
    norm_shape = tuple(x_aval.shape[len(x_aval.shape) + axis:])
    target = None

    def fit(value, aval):
        nonlocal target
        if tuple(aval.shape) == norm_shape:
            return value
        target = target or ctx.const(np.asarray(norm_shape, np.int64))
        return ctx.op("Reshape", value, target)

    rest, avals = list(wb), list(ctx.in_avals[1:])
    s = fit(rest.pop(0), avals.pop(0)) if has_scale else _ones(ctx, norm_shape, x_aval.dtype, 1.0)
    if ctx.opset < RMS_NORM_SINCE:
        rank = len(x_aval.shape)
        y = normalize(ctx, x, range(rank + axis, rank), epsilon, x_aval.dtype, s, center=False)
    else:
        y = ctx.op("RMSNormalization", x, s, axis=int(axis), epsilon=float(epsilon))
    # ONNX RMSNormalization has no bias input (Equinox's RMSNorm has one)
    return ctx.op("Add", y, fit(rest.pop(0), avals.pop(0))) if has_bias else y


def _channels_first(ctx, x, rank):
    return ctx.op("Transpose", x, perm=[0, rank - 1] + list(range(1, rank - 1)))


def _channels_last(ctx, y, rank):
    return ctx.op("Transpose", y, perm=[0] + list(range(2, rank)) + [1])


@register(PIPELINE, *GROUP_NORM)
def group_norm(ctx, x, *wb, num_groups, epsilon, has_scale, has_bias, fast_variance=True):
    """GroupNormalization (opset 21: per-channel scale/bias) on the channels-first view."""
    x_aval = ctx.in_avals[0]
    rank, channels = len(x_aval.shape), x_aval.shape[-1]
    rest = list(wb)
    scale = rest.pop(0) if has_scale else _ones(ctx, (channels,), x_aval.dtype, 1.0)
    bias = rest.pop(0) if has_bias else _ones(ctx, (channels,), x_aval.dtype, 0.0)
    if ctx.opset < GROUP_NORM_SINCE:  # GroupNormalization-18 scales per group: another op
        return group_norm_nhwc(ctx, x, x_aval.shape, int(num_groups), float(epsilon), x_aval.dtype, scale, bias)
    y = ctx.op("GroupNormalization", _channels_first(ctx, x, rank), scale, bias,
               num_groups=int(num_groups), epsilon=float(epsilon))
    return _channels_last(ctx, y, rank)


@register(PIPELINE, *BATCH_NORM)
def batch_norm(ctx, x, mean, var, *wb, epsilon, has_scale, has_bias):
    """BatchNormalization in inference mode; ONNX wants channels at axis 1, Flax has them last."""
    x_aval = ctx.in_avals[0]
    rank = len(x_aval.shape)
    channels = x_aval.shape[-1]
    rest = list(wb)
    scale = rest.pop(0) if has_scale else _ones(ctx, (channels,), x_aval.dtype, 1.0)
    bias = rest.pop(0) if has_bias else _ones(ctx, (channels,), x_aval.dtype, 0.0)
    if rank > 2:
        x = _channels_first(ctx, x, rank)
    y = ctx.op("BatchNormalization", x, scale, bias, mean, var, epsilon=float(epsilon))
    return _channels_last(ctx, y, rank) if rank > 2 else y


@register(PIPELINE, *EMBED)
def embed(ctx, table, indices):
    """Rows of the table: ``Gather(axis=0)`` (indices are assumed in range, as in training)."""
    return ctx.op("Gather", table, indices, axis=0)
