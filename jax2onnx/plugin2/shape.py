"""Shape manipulation (onnx_ir pipeline): reshape, broadcast, squeeze, transpose, concat."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "onnx_ir"


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


@register(PIPELINE, "reshape")
def reshape(ctx, x, *, new_sizes, dimensions=None, **_):
    if dimensions is not None and tuple(dimensions) != tuple(range(len(ctx.in_avals[0].shape))):
        x = ctx.op("Transpose", x, perm=list(dimensions))
    if tuple(ctx.in_avals[0].shape) == tuple(new_sizes) and dimensions is None:
        return ctx.op("Identity", x)
    return ctx.op("Reshape", x, ctx.shape(new_sizes))


@register(PIPELINE, "broadcast_in_dim")
def broadcast_in_dim(ctx, x, *dyn, shape, broadcast_dimensions, **_):
    in_shape = ctx.in_avals[0].shape
    missing = [i for i in range(len(shape)) if i not in broadcast_dimensions]
    if missing:  # broadcast_dimensions is increasing: new axes are plain insertions
        x = ctx.op("Unsqueeze", x, _axes(ctx, missing))
    inter = [1] * len(shape)
    for src, dst in enumerate(broadcast_dimensions):
        inter[dst] = in_shape[src]
    if tuple(inter) == tuple(shape):
        return x
    # Expand broadcasts: where x already has the target size, 1 suffices (no runtime dim)
    target = [1 if a == b else b for a, b in zip(inter, shape)]
    return ctx.op("Expand", x, ctx.shape(target))


@register(PIPELINE, "squeeze")
def squeeze(ctx, x, *, dimensions, **_):
    return ctx.op("Squeeze", x, _axes(ctx, dimensions))


@register(PIPELINE, "expand_dims")
def expand_dims(ctx, x, *, dimensions, **_):
    return ctx.op("Unsqueeze", x, _axes(ctx, dimensions))


@register(PIPELINE, "transpose")
def transpose(ctx, x, *, permutation, **_):
    return ctx.op("Transpose", x, perm=list(permutation))


@register(PIPELINE, "concatenate")
def concatenate(ctx, *xs, dimension, **_):
    return ctx.op("Concat", *xs, axis=int(dimension))


@register(PIPELINE, "stop_gradient", "copy", "copy_p")
def identity(ctx, x, **_):
    return x  # values are immutable in ONNX; no node needed


@register(PIPELINE, "split")
def split(ctx, x, *, sizes, axis, **_):
    # lax.split (e.g. the transpose of concatenate under jax.grad); sizes may be symbolic
    return ctx.op("Split", x, ctx.shape(sizes), axis=int(axis), num_outputs=len(sizes))
