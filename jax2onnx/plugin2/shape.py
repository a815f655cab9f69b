"""Shape manipulation (onnx_ir pipeline): reshape, broadcast, squeeze, transpose, rev,
pad, concatenate, split, iota, identities and dim_as_value."""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.dims import same_dim
from ..plugin.registry import register

PIPELINE = "onnx_ir"
_INT64_MIN = np.iinfo(np.int64).min


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


@register(PIPELINE, "reshape")
def reshape(ctx, x, *dyn, new_sizes, dimensions=None, **_):
    """Reshape (after a Transpose when ``dimensions`` reorders the input)."""
    in_shape = tuple(ctx.in_avals[0].shape)
    if dimensions is not None and tuple(dimensions) != tuple(range(len(in_shape))):
        x = ctx.op("Transpose", x, perm=list(dimensions))
    elif in_shape == tuple(new_sizes):
        return x
    # a literal 0 in the shape means "copy the input dim" unless allowzero=1
    zero = any(not isinstance(d, str) and _is_zero(d) for d in new_sizes)
    return ctx.op("Reshape", x, ctx.shape(new_sizes), allowzero=1 if zero else None)


def _is_zero(d):
    try:
        return int(d) == 0
    except Exception:  # symbolic
        return False


@register(PIPELINE, "broadcast_in_dim")
def broadcast_in_dim(ctx, x, *dyn, shape, broadcast_dimensions, **_):
    """Unsqueeze the new axes, then Expand where sizes differ."""
    in_shape = ctx.in_avals[0].shape
    missing = [i for i in range(len(shape)) if i not in broadcast_dimensions]
    if missing:  # broadcast_dimensions is increasing: new axes are plain insertions
        x = ctx.op("Unsqueeze", x, _axes(ctx, missing))
    inter = [1] * len(shape)
    for src, dst in enumerate(broadcast_dimensions):
        inter[dst] = in_shape[src]
    if all(same_dim(a, b) for a, b in zip(inter, shape)):
        return x
    # Expand broadcasts: where x already has the target size, 1 suffices (no runtime dim)
    target = [1 if same_dim(a, b) else b for a, b in zip(inter, shape)]
    return ctx.op("Expand", x, ctx.shape(target))


@register(PIPELINE, "squeeze")
def squeeze(ctx, x, *, dimensions, **_):
    """Squeeze the listed unit axes (none: no node)."""
    if not dimensions:
        return x
    return ctx.op("Squeeze", x, _axes(ctx, dimensions))


@register(PIPELINE, "expand_dims")
def expand_dims(ctx, x, *, dimensions, **_):
    """Unsqueeze at the given axes."""
    return ctx.op("Unsqueeze", x, _axes(ctx, dimensions))


@register(PIPELINE, "transpose")
def transpose(ctx, x, *, permutation, **_):
    """Transpose (the identity permutation emits nothing)."""
    if tuple(permutation) == tuple(range(len(permutation))):
        return x
    return ctx.op("Transpose", x, perm=list(permutation))


@register(PIPELINE, "rev")
def rev(ctx, x, *, dimensions, **_):
    """A Slice with step -1 from the last element: needs no runtime dims."""
    if not dimensions:
        return x
    n = len(dimensions)
    return ctx.op("Slice", x, _axes(ctx, [-1] * n), _axes(ctx, [_INT64_MIN] * n),
                  _axes(ctx, dimensions), _axes(ctx, [-1] * n))


@register(PIPELINE, "pad")
def pad(ctx, x, padval, *, padding_config, **_):
    """lax.pad: interior padding by reshape tricks, then one Pad (negative = crop)."""
    shape = list(ctx.in_avals[0].shape)
    rank = len(shape)
    dtype = np.dtype(ctx.in_avals[0].dtype)
    narrow = dtype.name in ("int16", "uint16")  # ORT's Pad has no 16-bit int kernel
    if narrow:
        x, padval = (ctx.op("Cast", v, to=ir.DataType.INT32) for v in (x, padval))
    out = _pad(ctx, x, padval, padding_config, shape, rank)
    return ctx.op("Cast", out, to=ir.DataType.from_numpy(dtype)) if narrow else out


def _pad(ctx, x, padval, padding_config, shape, rank):
    for axis, (_, _, interior) in enumerate(padding_config):
        if interior <= 0:
            continue
        # [.., n, ..] -> [.., n, 1, ..] -> pad to [.., n, 1+i, ..] -> [.., n*(1+i), ..] -> drop last i
        x = ctx.op("Unsqueeze", x, _axes(ctx, [axis + 1]))
        pads = [0] * (2 * (rank + 1))
        pads[rank + 1 + axis + 1] = interior
        x = ctx.op("Pad", x, _axes(ctx, pads), padval)
        merged = shape[:axis] + [shape[axis] * (1 + interior)] + shape[axis + 1:]
        x = ctx.op("Reshape", x, ctx.shape(merged), allowzero=1)
        x = ctx.op("Slice", x, _axes(ctx, [0]), _axes(ctx, [-interior]), _axes(ctx, [axis]))
        shape[axis] = shape[axis] * (1 + interior) - interior
    lows = [int(lo) for lo, _, _ in padding_config]
    highs = [int(hi) for _, hi, _ in padding_config]
    if not any(lows) and not any(highs):
        return x
    return ctx.op("Pad", x, _axes(ctx, lows + highs), padval)


@register(PIPELINE, "concatenate")
def concatenate(ctx, *xs, dimension, **_):
    """Concat along ``dimension``."""
    if len(xs) == 1:
        return xs[0]
    return ctx.op("Concat", *xs, axis=int(dimension))


@register(PIPELINE, "stack")
def stack(ctx, *xs, axis, **_):
    """lax stack (jnp.stack since JAX 0.10): Unsqueeze each operand at ``axis``, Concat."""
    axes = ctx.const(np.array([int(axis)], np.int64))
    parts = [ctx.op("Unsqueeze", x, axes) for x in xs]
    return parts[0] if len(parts) == 1 else ctx.op("Concat", *parts, axis=int(axis))


@register(PIPELINE, "unstack")
def unstack(ctx, x, *, axis, **_):
    """lax unstack: Split into ``shape[axis]`` (static) pieces, Squeeze each."""
    n = len(ctx.out_avals)
    axes = ctx.const(np.array([int(axis)], np.int64))
    ones = ctx.const(np.ones(n, np.int64))
    pieces = (x,) if n == 1 else ctx.op("Split", x, ones, axis=int(axis), num_outputs=n)
    return tuple(ctx.op("Squeeze", p, axes) for p in pieces)


@register(PIPELINE, "stop_gradient", "copy", "copy_p")
def identity(ctx, x, **_):
    """copy / stop_gradient: the input value itself."""
    return x  # values are immutable in ONNX; no node needed


@register(PIPELINE, "tile")
def tile(ctx, x, *, reps, **_):
    """lax.tile (e.g. in the gradient of jnp.linalg.det): ONNX Tile; reps may be symbolic."""
    return ctx.op("Tile", x, ctx.shape(tuple(reps)))


@register(PIPELINE, "split")
def split(ctx, x, *, sizes, axis, **_):
    """lax.split into pieces of ``sizes`` (possibly symbolic)."""
    # lax.split (e.g. the transpose of concatenate under jax.grad); sizes may be symbolic
    if len(sizes) == 1:
        return (x,)
    return ctx.op("Split", x, ctx.shape(sizes), axis=int(axis), num_outputs=len(sizes))


@register(PIPELINE, "iota")
def iota(ctx, *dyn, dtype, shape, dimension, **_):
    """Range in int64 (ORT's Range lacks most dtypes), Cast, then broadcast to ``shape``."""
    n = shape[dimension]
    r = ctx.op("Range", ctx.const(np.array(0, np.int64)), ctx.scalar_dim(n),
               ctx.const(np.array(1, np.int64)))
    if np.dtype(dtype) != np.int64:
        r = ctx.op("Cast", r, to=ir.DataType.from_numpy(np.dtype(dtype)))
    rank = len(shape)
    if rank == 1:
        return r
    others = [i for i in range(rank) if i != dimension]
    r = ctx.op("Unsqueeze", r, _axes(ctx, others))
    if all(same_dim(shape[i], 1) for i in others):
        return r
    return ctx.op("Expand", r, ctx.shape([1 if i == dimension else d for i, d in enumerate(shape)]))


@register(PIPELINE, "dim_as_value")
def dim_as_value(ctx, *, dim, **_):
    """A symbolic dimension used as a number (``x.shape[0] * 2.0``)."""
    return ctx.scalar_dim(dim, dtype=ctx.out_avals[0].dtype)
