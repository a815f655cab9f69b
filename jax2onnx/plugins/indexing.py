"""Slicing (legacy pipeline): slice, dynamic_slice, dynamic_update_slice.

Gather is in ``gather.py``, scatter in ``scatter.py``.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ..plugin.registry import register

PIPELINE = "legacy"


def _i64(ctx, values):
    return ctx.const(np.asarray(list(values), dtype=np.int64))


def _eq(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


@register(PIPELINE, "slice")
def slice_(ctx, eqn):
    """Static Slice; limits may be symbolic."""
    p = eqn.params
    n = len(p["start_indices"])
    steps = p.get("strides") or [1] * n
    ctx.node("Slice", [ctx.inputs(eqn)[0], _i64(ctx, p["start_indices"]), ctx.shape(p["limit_indices"]),
                       _i64(ctx, range(n)), _i64(ctx, steps)], ctx.outputs(eqn))


def start_vector(ctx, names, upper):
    """int64 [n] of the scalar starts ``names``, clamped into ``[0, upper]`` as JAX does."""
    pieces = []
    for s in names:
        s64 = ctx.node1("Cast", [s], to=TensorProto.INT64)
        pieces.append(ctx.node1("Unsqueeze", [s64, _i64(ctx, [0])]))
    vec = pieces[0] if len(pieces) == 1 else ctx.node1("Concat", pieces, axis=0)
    vec = ctx.node1("Min", [vec, ctx.shape(upper)])
    return ctx.node1("Max", [vec, _i64(ctx, [0])])


@register(PIPELINE, "dynamic_slice")
def dynamic_slice(ctx, eqn):
    """Slice whose runtime starts are clamped so that the whole window is inside."""
    x, *starts = ctx.inputs(eqn)
    shape = eqn.invars[0].aval.shape
    sizes = eqn.params["slice_sizes"]
    if not shape:
        ctx.names[eqn.outvars[0]] = x
        return
    r = len(shape)
    begin = start_vector(ctx, starts[:r], [shape[a] - sizes[a] for a in range(r)])
    end = ctx.node1("Add", [begin, ctx.shape(sizes)])
    ctx.node("Slice", [x, begin, end, _i64(ctx, range(r))], ctx.outputs(eqn))


def _positions(ctx, begin, extent, k):
    """int64 [extent[0..k-1]..., k]: begin[a] + offset along axis a (ScatterND indices)."""
    cols = []
    for a in range(k):
        ramp = ctx.node1("Range", [ctx.const(np.array(0, np.int64)), ctx.scalar_dim(extent[a]),
                                   ctx.const(np.array(1, np.int64))])
        b = ctx.node1("Gather", [begin, ctx.const(np.array(a, np.int64))], axis=0)
        col = ctx.node1("Add", [ramp, b])
        rest = [t for t in range(k) if t != a]
        if rest:
            col = ctx.node1("Unsqueeze", [col, _i64(ctx, rest)])
            col = ctx.node1("Expand", [col, ctx.shape([1 if t == a else extent[t] for t in range(k)])])
        cols.append(ctx.node1("Unsqueeze", [col, _i64(ctx, [k])]))
    return cols[0] if k == 1 else ctx.node1("Concat", cols, axis=-1)


@register(PIPELINE, "dynamic_update_slice")
def dynamic_update_slice(ctx, eqn):
    """ScatterND over the clamped window; trailing dims the update fully covers need no index."""
    x, upd, *starts = ctx.inputs(eqn)
    shape, ushape = eqn.invars[0].aval.shape, eqn.invars[1].aval.shape
    k = 0
    for a in range(len(shape)):
        if not _eq(shape[a], ushape[a]):
            k = a + 1
    if k == 0:
        ctx.names[eqn.outvars[0]] = upd
        return
    begin = start_vector(ctx, starts[:k], [shape[a] - ushape[a] for a in range(k)])
    ctx.node("ScatterND", [x, _positions(ctx, begin, ushape, k), upd], ctx.outputs(eqn))
