"""lax.gather (legacy pipeline).

Chooses the cheapest ONNX form: Slice (no batch dims: one window at runtime
starts), Gather (take along one axis), GatherElements (take_along_axis), else a
general GatherND over the indexed operand dims moved to the front. Starts are
clamped like XLA; FILL_OR_DROP additionally masks slices whose start was out of
bounds with the fill value (JAX defaults: NaN / int min / uint max / True).
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"


def _i64(ctx, values):
    return ctx.const(np.asarray(list(values), dtype=np.int64))


def _eq(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


#: value dtypes without an ORT Where / reducing-ScatterND kernel -> exact wider stand-in
_COMPUTE_AS = {"float16": np.float32, "bfloat16": np.float32, "bool": np.uint8, "int8": np.int32,
               "int16": np.int32, "uint16": np.int32, "uint32": np.int64}


def compute_dtype(dtype):
    """dtype in which to select (Where) or reduce values of ``dtype`` on ORT."""
    return np.dtype(_COMPUTE_AS.get(np.dtype(dtype).name, dtype))


def _fill_value(dtype, given):
    dt = np.dtype(dtype)
    if given is not None:
        return np.asarray(given).astype(dt)
    if np.issubdtype(dt, np.inexact):
        return np.asarray(np.nan, dt)
    if dt == np.bool_:
        return np.asarray(True)
    info = np.iinfo(dt)
    return np.asarray(info.min if np.issubdtype(dt, np.signedinteger) else info.max, dt)


def _ramp(ctx, n):
    return ctx.node1("Range", [ctx.const(np.array(0, np.int64)), ctx.scalar_dim(n), ctx.const(np.array(1, np.int64))])


def _valid(ctx, idx, upper):
    """bool [batch...]: all components of each index vector are in [0, upper]."""
    lo = ctx.node1("GreaterOrEqual", [idx, _i64(ctx, [0])])
    hi = ctx.node1("LessOrEqual", [idx, ctx.shape(upper)])
    if len(upper) == 1:  # single component: drop the vector axis instead of reducing
        return ctx.node1("Squeeze", [ctx.node1("And", [lo, hi]), _i64(ctx, [-1])])
    both = ctx.node1("Cast", [ctx.node1("And", [lo, hi])], to=TensorProto.INT32)
    return ctx.node1("Cast", [ctx.node1("ReduceMin", [both, _i64(ctx, [-1])], keepdims=0)], to=TensorProto.BOOL)


@register(PIPELINE, "gather")
def gather(ctx, eqn):
    """Lower lax.gather (see the module docstring for the forms and modes)."""
    x, indices = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    p = eqn.params
    dn, sizes = p["dimension_numbers"], tuple(p["slice_sizes"])
    operand, iaval = eqn.invars[0].aval, eqn.invars[1].aval
    oshape = operand.shape
    nb = len(iaval.shape) - 1
    smap = tuple(dn.start_index_map)
    mode = str(p.get("mode")).upper()
    idx = indices if np.dtype(iaval.dtype) == np.int64 else ctx.node1("Cast", [indices], to=TensorProto.INT64)
    upper = [oshape[d] - sizes[d] for d in smap]
    valid = _valid(ctx, idx, upper) if "FILL" in mode and smap else None
    if smap:  # XLA clamps starts; ORT rejects out-of-range indices
        idx = ctx.node1("Max", [ctx.node1("Min", [idx, ctx.shape(upper)]), _i64(ctx, [0])])
    if nb == 0 and not dn.operand_batching_dims:
        res = _as_slice(ctx, x, idx, dn, oshape, sizes)
    else:
        res = (_as_gather(ctx, x, idx, dn, oshape, sizes, nb)
               or _as_gather_elements(ctx, x, idx, dn, sizes, len(oshape), nb)
               or _as_gather_nd(ctx, x, idx, dn, oshape, sizes, nb, iaval.shape))
    if valid is not None:
        if dn.offset_dims:
            valid = ctx.node1("Unsqueeze", [valid, _i64(ctx, dn.offset_dims)])
        fill = _fill_value(operand.dtype, p.get("fill_value"))
        wide = compute_dtype(operand.dtype)
        if wide == np.dtype(operand.dtype):
            ctx.node("Where", [valid, res, ctx.const(fill)], [out])
        else:  # ORT has no Where kernel for this dtype: select in a wider one
            rw = ctx.node1("Cast", [res], to=onnx_elem_type(wide))
            w = ctx.node1("Where", [valid, rw, ctx.const(fill.astype(wide))])
            ctx.node("Cast", [w], [out], to=onnx_elem_type(operand.dtype))
    else:
        ctx.node("Identity", [res], [out])


def _as_slice(ctx, x, idx, dn, oshape, sizes):
    smap = list(dn.start_index_map)
    fixed = [d for d in range(len(oshape)) if d not in smap and not _eq(sizes[d], oshape[d])]
    axes = smap + fixed
    res = x
    if axes:
        begin = idx if not fixed else ctx.node1("Concat", [idx, _i64(ctx, [0] * len(fixed))], axis=0)
        end = ctx.node1("Add", [begin, ctx.shape([sizes[d] for d in axes])])
        res = ctx.node1("Slice", [x, begin, end, _i64(ctx, axes)])
    if dn.collapsed_slice_dims:
        res = ctx.node1("Squeeze", [res, _i64(ctx, sorted(dn.collapsed_slice_dims))])
    return res


def _reorder(ctx, res, tags, offset_dims):
    """Transpose axes tagged 'o'/'b' so offset axes land at ``offset_dims``."""
    o = [i for i, t in enumerate(tags) if t == "o"]
    b = [i for i, t in enumerate(tags) if t == "b"]
    perm = [(o if q in offset_dims else b).pop(0) for q in range(len(tags))]
    return res if perm == list(range(len(perm))) else ctx.node1("Transpose", [res], perm=perm)


def _as_gather(ctx, x, idx, dn, oshape, sizes, nb):
    if dn.operand_batching_dims or len(dn.collapsed_slice_dims) != 1:
        return None
    axis = dn.collapsed_slice_dims[0]
    if tuple(dn.start_index_map) != (axis,):
        return None
    for d, (s, n) in enumerate(zip(sizes, oshape)):
        if not _eq(s, 1 if d == axis else n):
            return None
    res = ctx.node1("Gather", [x, ctx.node1("Squeeze", [idx, _i64(ctx, [nb])])], axis=axis)
    tags = ["o"] * axis + ["b"] * nb + ["o"] * (len(oshape) - axis - 1)
    return _reorder(ctx, res, tags, dn.offset_dims)


def _as_gather_elements(ctx, x, idx, dn, sizes, rank, nb):
    smap = tuple(dn.start_index_map)
    if nb != rank or len(smap) != 1 or tuple(dn.collapsed_slice_dims) != smap or dn.offset_dims:
        return None
    rest = tuple(d for d in range(rank) if d != smap[0])
    if tuple(dn.operand_batching_dims) != rest or tuple(dn.start_indices_batching_dims) != rest:
        return None
    if not all(_eq(s, 1) for s in sizes):
        return None
    return ctx.node1("GatherElements", [x, ctx.node1("Squeeze", [idx, _i64(ctx, [nb])])], axis=smap[0])


def _as_gather_nd(ctx, x, idx, dn, oshape, sizes, nb, ishape):
    rank = len(oshape)
    smap, collapsed = tuple(dn.start_index_map), set(dn.collapsed_slice_dims)
    ob, ib = tuple(dn.operand_batching_dims), tuple(dn.start_indices_batching_dims)
    kept = [d for d in range(rank) if d not in collapsed and d not in ob]  # appear in the output
    whole = [d for d in kept if _eq(sizes[d], oshape[d])]
    lead = [d for d in range(rank) if d not in whole]  # dims GatherND indexes
    spans = [d for d in lead if d in kept]  # indexed dims with a window
    grid = list(ishape[:nb]) + [sizes[d] for d in spans]
    g = len(grid)
    cols = []
    direct = lead == list(smap) and not spans  # index vectors usable by GatherND as they are
    for d in ([] if direct else lead):
        col = None
        if d in smap:
            col = ctx.node1("Gather", [idx, ctx.const(np.array(smap.index(d), np.int64))], axis=nb)
            if g > nb:
                col = ctx.node1("Unsqueeze", [col, _i64(ctx, range(nb, g))])
        elif d in ob:
            ax = ib[ob.index(d)]
            col = ctx.node1("Unsqueeze", [_ramp(ctx, oshape[d]), _i64(ctx, [t for t in range(g) if t != ax])])
        if d in spans:
            ax = nb + spans.index(d)
            ramp = _ramp(ctx, sizes[d])
            if g > 1:
                ramp = ctx.node1("Unsqueeze", [ramp, _i64(ctx, [t for t in range(g) if t != ax])])
            col = ramp if col is None else ctx.node1("Add", [col, ramp])
        if col is None:
            col = ctx.const(np.zeros([1] * g, np.int64))
        col = ctx.node1("Expand", [col, ctx.shape(grid)])
        cols.append(ctx.node1("Unsqueeze", [col, _i64(ctx, [g])]))
    nd = idx if direct else cols[0] if len(cols) == 1 else ctx.node1("Concat", cols, axis=-1)
    perm = lead + whole
    xt = x if perm == list(range(rank)) else ctx.node1("Transpose", [x], perm=perm)
    res = ctx.node1("GatherND", [xt, nd])
    # res axes: batch, windows of `spans`, then `whole`; JAX orders offset dims by operand dim
    src = {d: nb + spans.index(d) for d in spans}
    src.update({d: nb + len(spans) + whole.index(d) for d in whole})
    offs = [src[d] for d in sorted(src)]
    bats = list(range(nb))
    perm_out = [(offs if q in dn.offset_dims else bats).pop(0) for q in range(nb + len(src))]
    return res if perm_out == list(range(len(perm_out))) else ctx.node1("Transpose", [res], perm=perm_out)
