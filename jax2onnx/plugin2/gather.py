"""lax.gather (onnx_ir pipeline).

Forms, cheapest first: no batch dims -> Slice with runtime starts; one collapsed
axis -> Gather; ``take_along_axis`` -> GatherElements; anything else -> GatherND
over the indexed operand dims moved to the front. Modes: CLIP and
PROMISE_IN_BOUNDS clamp starts like XLA; FILL_OR_DROP clamps and then replaces
every slice whose start was out of bounds with the fill value (NaN for floats,
min int for signed, max for unsigned, True for bool — JAX's defaults).
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


def default_fill(dtype, fill_value):
    """JAX's fill value for FILL_OR_DROP gathers."""
    dt = np.dtype(dtype)
    if fill_value is not None:
        return np.asarray(fill_value).astype(dt)
    if np.issubdtype(dt, np.inexact):
        return np.asarray(np.nan, dt)
    if dt == np.bool_:
        return np.asarray(True)
    return np.asarray(np.iinfo(dt).min if np.issubdtype(dt, np.signedinteger) else np.iinfo(dt).max, dt)


def _mode(mode):
    m = str(mode).upper()
    return "fill" if "FILL" in m else "clip" if "CLIP" in m else "promise"


def _in_bounds(ctx, idx, upper):
    """bool [batch...]: every start of the index vector (last axis) lies in [0, upper]."""
    ok = ctx.op("And", ctx.op("GreaterOrEqual", idx, _i64(ctx, [0])), ctx.op("LessOrEqual", idx, ctx.shape(upper)))
    if len(upper) == 1:  # one component: no reduction needed
        return ctx.op("Squeeze", ok, _i64(ctx, [-1]))
    ok = ctx.op("Cast", ok, to=ir.DataType.INT32)
    ok = ctx.op("ReduceMin", ok, _i64(ctx, [-1]), keepdims=0)
    return ctx.op("Cast", ok, to=ir.DataType.BOOL)


#: dtypes ORT's Where / reducing ScatterND lack -> the type to compute in (exact round trip)
_WIDER = {"float16": np.float32, "bfloat16": np.float32, "bool": np.uint8, "int8": np.int32,
          "int16": np.int32, "uint16": np.int32, "uint32": np.int64}


def work_dtype(dtype):
    """The dtype to run Where (and reducing ScatterND) in for values of ``dtype``."""
    return np.dtype(_WIDER.get(np.dtype(dtype).name, dtype))


def where_const(ctx, cond, x, other, dtype):
    """Where(cond, x, constant ``other``) for any dtype, casting around ORT's gaps."""
    work = work_dtype(dtype)
    if work == np.dtype(dtype):
        return ctx.op("Where", cond, x, ctx.const(np.asarray(other, dtype)))
    wx = ctx.op("Cast", x, to=ir.DataType.from_numpy(work))
    w = ctx.op("Where", cond, wx, ctx.const(np.asarray(other).astype(work)))
    return ctx.op("Cast", w, to=ir.DataType.from_numpy(np.dtype(dtype)))


def _fill(ctx, out, mask, mask_axes, out_aval, fill_value):
    """Where(mask, out, fill) with the mask unsqueezed at ``mask_axes`` of the output."""
    if mask_axes:
        mask = ctx.op("Unsqueeze", mask, _i64(ctx, mask_axes))
    return where_const(ctx, mask, out, default_fill(out_aval.dtype, fill_value), out_aval.dtype)


def _arange(ctx, n):
    return ctx.op("Range", ctx.const(np.array(0, np.int64)), ctx.scalar_dim(n), ctx.const(np.array(1, np.int64)))


@register(PIPELINE, "gather")
def gather(ctx, x, indices, *, dimension_numbers, slice_sizes, mode=None, fill_value=None, **_):
    """Lower lax.gather (see the module docstring for the forms and modes)."""
    dn = dimension_numbers
    operand, idx_aval = ctx.in_avals
    out_aval = ctx.out_avals[0]
    oshape, sizes = operand.shape, tuple(slice_sizes)
    rank, nb = len(oshape), len(idx_aval.shape) - 1
    sim, collapsed = tuple(dn.start_index_map), set(dn.collapsed_slice_dims)
    obatch = tuple(dn.operand_batching_dims)
    md = _mode(mode)
    idx = indices if np.dtype(idx_aval.dtype) == np.int64 else ctx.op("Cast", indices, to=I64)
    upper = [oshape[d] - sizes[d] for d in sim]
    mask = _in_bounds(ctx, idx, upper) if md == "fill" and sim else None
    if sim:  # XLA clamps starts in every mode; ORT would fail on out-of-range indices
        idx = ctx.op("Max", ctx.op("Min", idx, ctx.shape(upper)), _i64(ctx, [0]))

    if nb == 0 and not obatch:
        out = _gather_as_slice(ctx, x, idx, oshape, sizes, sim, collapsed)
    else:
        out = _single_axis(ctx, x, idx, dn, oshape, sizes, nb)
        if out is None:
            out = _take_along(ctx, x, idx, dn, sizes, rank, nb)
        if out is None:
            out = _gather_nd(ctx, x, idx, dn, oshape, sizes, nb, idx_aval.shape)
    if mask is not None:
        out = _fill(ctx, out, mask, list(dn.offset_dims), out_aval, fill_value)
    return out


def _gather_as_slice(ctx, x, idx, oshape, sizes, sim, collapsed):
    """One slice (e.g. ``x[:, 2:5]``): Slice with the (clamped) runtime starts."""
    extra = [d for d in range(len(oshape)) if d not in sim and not same_dim(sizes[d], oshape[d])]
    axes = list(sim) + extra
    out = x
    if axes:
        starts = idx if not extra else ctx.op("Concat", idx, _i64(ctx, [0] * len(extra)), axis=0)
        ends = ctx.op("Add", starts, ctx.shape([sizes[d] for d in axes]))
        out = ctx.op("Slice", x, starts, ends, _i64(ctx, axes))
    if collapsed:
        out = ctx.op("Squeeze", out, _i64(ctx, sorted(collapsed)))
    return out


def _single_axis(ctx, x, idx, dn, oshape, sizes, nb):
    """``take`` along one axis (what most jnp indexing emits) as ONNX Gather."""
    if dn.operand_batching_dims or len(dn.collapsed_slice_dims) != 1:
        return None
    axis = dn.collapsed_slice_dims[0]
    if tuple(dn.start_index_map) != (axis,):
        return None
    if any(not same_dim(s, 1 if i == axis else d) for i, (s, d) in enumerate(zip(sizes, oshape))):
        return None
    out = ctx.op("Gather", x, ctx.op("Squeeze", idx, _i64(ctx, [nb])), axis=axis)
    # ONNX puts index dims at `axis`; JAX puts the operand's kept dims at offset_dims
    kinds = ["o"] * axis + ["b"] * nb + ["o"] * (len(oshape) - 1 - axis)
    return _to_jax_order(ctx, out, kinds, dn.offset_dims)


def _to_jax_order(ctx, out, kinds, offset_dims):
    """Transpose ``out`` whose axes are tagged 'o' (offset) / 'b' (batch) into JAX's order."""
    pos = {"o": [i for i, k in enumerate(kinds) if k == "o"], "b": [i for i, k in enumerate(kinds) if k == "b"]}
    perm = [pos["o" if p in offset_dims else "b"].pop(0) for p in range(len(kinds))]
    return out if perm == sorted(perm) else ctx.op("Transpose", out, perm=perm)


def _take_along(ctx, x, idx, dn, sizes, rank, nb):
    """``take_along_axis``: every other operand dim is a batching dim -> GatherElements."""
    sim = tuple(dn.start_index_map)
    if nb != rank or len(sim) != 1 or tuple(dn.collapsed_slice_dims) != sim or dn.offset_dims:
        return None
    others = tuple(d for d in range(rank) if d != sim[0])
    if tuple(dn.operand_batching_dims) != others or tuple(dn.start_indices_batching_dims) != others:
        return None
    if any(not same_dim(s, 1) for s in sizes):
        return None
    return ctx.op("GatherElements", x, ctx.op("Squeeze", idx, _i64(ctx, [nb])), axis=sim[0])


def _gather_nd(ctx, x, idx, dn, oshape, sizes, nb, ishape):
    """General form: move indexed dims first, build full start+window indices, GatherND."""
    rank = len(oshape)
    sim, collapsed = tuple(dn.start_index_map), set(dn.collapsed_slice_dims)
    obatch, ibatch = tuple(dn.operand_batching_dims), tuple(dn.start_indices_batching_dims)
    windowed = [d for d in range(rank) if d not in collapsed and d not in obatch]
    full = [d for d in windowed if same_dim(sizes[d], oshape[d])]
    indexed = [d for d in range(rank) if d not in full]
    win = [d for d in indexed if d in windowed]
    bshape = list(ishape[:nb])
    grid = bshape + [sizes[d] for d in win]
    ng = len(grid)
    comps = []
    if indexed == list(sim) and not win:  # the index vectors already are GatherND's indices
        comps, indexed_iter = [idx], []
    else:
        indexed_iter = indexed
    for d in indexed_iter:
        if d in sim:
            start = ctx.op("Gather", idx, ctx.const(np.array(sim.index(d), np.int64)), axis=nb)
            if len(win):
                start = ctx.op("Unsqueeze", start, _i64(ctx, range(nb, ng)))
        elif d in obatch:
            b = ibatch[obatch.index(d)]
            start = ctx.op("Unsqueeze", _arange(ctx, oshape[d]), _i64(ctx, [a for a in range(ng) if a != b]))
        else:
            start = None
        if d in win:
            a = nb + win.index(d)
            r = _arange(ctx, sizes[d])
            r = ctx.op("Unsqueeze", r, _i64(ctx, [t for t in range(ng) if t != a])) if ng > 1 else r
            start = r if start is None else ctx.op("Add", start, r)
        if start is None:  # a collapsed dim that is not indexed: start 0
            start = ctx.const(np.zeros([1] * ng, np.int64))
        start = ctx.op("Expand", start, ctx.shape(grid))
        comps.append(ctx.op("Unsqueeze", start, _i64(ctx, [ng])))
    nd_idx = comps[0] if len(comps) == 1 else ctx.op("Concat", *comps, axis=-1)
    perm = indexed + full
    xt = x if perm == list(range(rank)) else ctx.op("Transpose", x, perm=perm)
    out = ctx.op("GatherND", xt, nd_idx)
    # out axes: batch (nb), window dims of `win`, then `full`; JAX wants offset dims sorted
    offset_src = {d: nb + win.index(d) for d in win}
    offset_src.update({d: nb + len(win) + full.index(d) for d in full})
    offsets = [offset_src[d] for d in sorted(offset_src)]
    batch = list(range(nb))
    perm_out = [offsets.pop(0) if p in dn.offset_dims else batch.pop(0) for p in range(nb + len(offset_src))]
    return out if perm_out == sorted(perm_out) else ctx.op("Transpose", out, perm=perm_out)
