"""Slicing (onnx_ir pipeline): slice, dynamic_slice, dynamic_update_slice.

Gather lives in ``gather.py`` and scatter in ``scatter.py``.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.dims import same_dim
from ..plugin.registry import register

PIPELINE = "onnx_ir"
I64 = ir.DataType.INT64


def _i64(ctx, values):
    return ctx.const(np.asarray(list(values), dtype=np.int64))


@register(PIPELINE, "slice")
def slice_(ctx, x, *, start_indices, limit_indices, strides=None, **_):
    """Static Slice over the axes it narrows (an axis taken whole, a symbolic batch say,
    needs no runtime limit); limits may be symbolic (built with ctx.shape)."""
    dims = ctx.in_avals[0].shape
    steps = list(strides) if strides is not None else [1] * len(start_indices)
    axes = [i for i, (s, lim, st, d) in enumerate(zip(start_indices, limit_indices, steps, dims))
            if s != 0 or st != 1 or not _same_dim(lim, d)]
    if not axes:
        return x
    pick = lambda seq: [seq[i] for i in axes]  # noqa: E731
    return ctx.op("Slice", x, _i64(ctx, pick(start_indices)), ctx.shape(pick(limit_indices)), _i64(ctx, axes),
                  _i64(ctx, pick(steps)))


def _same_dim(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:  # an inconclusive symbolic comparison: keep the axis
        return False


def clamped_starts(ctx, starts, upper):
    """Concat scalar starts into an int64 vector clamped to ``[0, upper]`` (JAX clamps, never wraps)."""
    parts = [ctx.op("Unsqueeze", ctx.op("Cast", s, to=I64), _i64(ctx, [0])) for s in starts]
    vec = parts[0] if len(parts) == 1 else ctx.op("Concat", *parts, axis=0)
    return ctx.op("Max", ctx.op("Min", vec, ctx.shape(upper)), _i64(ctx, [0]))


@register(PIPELINE, "dynamic_slice")
def dynamic_slice(ctx, x, *starts, slice_sizes, **_):
    """Slice with runtime starts clamped so the window stays inside the operand."""
    shape = ctx.in_avals[0].shape
    rank = len(shape)
    if rank == 0:
        return x
    st = clamped_starts(ctx, starts[:rank], [shape[d] - slice_sizes[d] for d in range(rank)])
    ends = ctx.op("Add", st, ctx.shape(slice_sizes))
    return ctx.op("Slice", x, st, ends, _i64(ctx, range(rank)))


def window_grid(ctx, starts_vec, sizes, k):
    """int64 [sizes[0], .., sizes[k-1], k] with start[d] + position along d (ScatterND indices)."""
    comps = []
    for d in range(k):
        r = ctx.op("Range", ctx.const(np.array(0, np.int64)), ctx.scalar_dim(sizes[d]),
                   ctx.const(np.array(1, np.int64)))
        s = ctx.op("Gather", starts_vec, ctx.const(np.array(d, np.int64)), axis=0)
        c = ctx.op("Add", r, s)
        others = [a for a in range(k) if a != d]
        if others:
            c = ctx.op("Unsqueeze", c, _i64(ctx, others))
            c = ctx.op("Expand", c, ctx.shape([sizes[a] if a != d else 1 for a in range(k)]))
        comps.append(ctx.op("Unsqueeze", c, _i64(ctx, [k])))
    return comps[0] if k == 1 else ctx.op("Concat", *comps, axis=-1)


@register(PIPELINE, "dynamic_update_slice")
def dynamic_update_slice(ctx, x, update, *starts, **_):
    """ScatterND of ``update`` over the clamped window; trailing full dims ride along as slices."""
    shape, ushape = ctx.in_avals[0].shape, ctx.in_avals[1].shape
    rank = len(shape)
    # only the leading dims up to the last partial one need explicit indices
    k = max([d + 1 for d in range(rank) if not same_dim(shape[d], ushape[d])], default=0)
    if k == 0:
        return update
    st = clamped_starts(ctx, starts[:k], [shape[d] - ushape[d] for d in range(k)])
    idx = window_grid(ctx, st, ushape, k)
    return ctx.op("ScatterND", x, idx, update)


