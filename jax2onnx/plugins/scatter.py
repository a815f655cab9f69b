"""lax.scatter and its reducing variants (legacy pipeline) via one ScatterND.

Operand dims that need indices go first (Transpose), updates are arranged as
``[scatter batch..., windows of those dims..., untouched full dims...]``.
CLIP clamps window starts. FILL_OR_DROP drops windows that do not fit: reducing
scatters swap such updates for the reduction's identity element; a plain
scatter sends them into a padding block past the end that is sliced away.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register
from .gather import compute_dtype

PIPELINE = "legacy"

_KIND = {"scatter": "none", "scatter-add": "add", "scatter-sub": "add", "scatter-mul": "mul",
         "scatter-min": "min", "scatter-max": "max"}
_ELEMENTWISE = {"add": "Add", "mul": "Mul", "min": "Min", "max": "Max"}


def _i64(ctx, values):
    return ctx.const(np.asarray(list(values), dtype=np.int64))


def _eq(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def _identity_element(kind, dtype):
    dt = np.dtype(dtype)
    if kind in ("add", "mul"):
        return np.asarray(0 if kind == "add" else 1).astype(dt)
    high = kind == "min"
    if dt == np.bool_:
        return np.asarray(high)
    if np.issubdtype(dt, np.floating):
        return np.asarray(np.inf if high else -np.inf, dt)
    info = np.iinfo(dt)
    return np.asarray(info.max if high else info.min, dt)


def _select(ctx, cond, a, b, dtype, out=None):
    """Where for any dtype (ORT lacks Where kernels for bool, f16, 8/16-bit ints)."""
    outs = [out] if out else 1
    wide = compute_dtype(dtype)
    if wide == np.dtype(dtype):
        return ctx.node("Where", [cond, a, b], outs)[0]
    aw = ctx.node1("Cast", [a], to=onnx_elem_type(wide))
    bw = ctx.node1("Cast", [b], to=onnx_elem_type(wide))
    return ctx.node("Cast", [ctx.node1("Where", [cond, aw, bw])], outs, to=onnx_elem_type(dtype))[0]


def _ramp(ctx, n):
    return ctx.node1("Range", [ctx.const(np.array(0, np.int64)), ctx.scalar_dim(n), ctx.const(np.array(1, np.int64))])


@register(PIPELINE, *_KIND)
def scatter(ctx, eqn):
    """Lower any scatter primitive as one ScatterND (see the module docstring)."""
    x, indices, upd = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    prim = eqn.primitive.name
    kind = _KIND[prim]
    if prim == "scatter-sub":
        upd = ctx.node1("Neg", [upd])
    dn = eqn.params["dimension_numbers"]
    mode = str(eqn.params.get("mode")).upper()
    oaval, iaval, uaval = (v.aval for v in eqn.invars)
    oshape, ishape, ushape = oaval.shape, iaval.shape, uaval.shape
    rank, nb = len(oshape), len(ishape) - 1
    uwd, sdod = tuple(dn.update_window_dims), tuple(dn.scatter_dims_to_operand_dims)
    ob, ib = tuple(dn.operand_batching_dims), tuple(dn.scatter_indices_batching_dims)
    kept = [d for d in range(rank) if d not in dn.inserted_window_dims and d not in ob]
    extent = {d: 1 for d in range(rank)}
    extent.update({d: ushape[uwd[j]] for j, d in enumerate(kept)})
    whole = [d for d in kept if _eq(extent[d], oshape[d])]
    lead = [d for d in range(rank) if d not in whole]

    if not lead and nb == 0 and rank:  # the single window is the whole operand
        res = upd if kind == "none" else ctx.node1(_ELEMENTWISE[kind], [x, upd])
        if "FILL" in mode and sdod:  # kept only when every start is 0
            i64 = ctx.node1("Cast", [indices], to=TensorProto.INT64)
            mx = ctx.node1("ReduceMax", [ctx.node1("Abs", [i64])], keepdims=0)
            ok = ctx.node1("Equal", [mx, ctx.const(np.array(0, np.int64))])
            _select(ctx, ok, res, x, oaval.dtype, out)
        else:
            ctx.node("Identity", [res], [out])
        return
    if not lead:  # ScatterND must index at least one dim
        lead = [whole.pop(0)]
    spans = [d for d in lead if d in kept]

    idx = indices if np.dtype(iaval.dtype) == np.int64 else ctx.node1("Cast", [indices], to=TensorProto.INT64)
    upper = [oshape[d] - extent[d] for d in sdod]
    fits = None
    if "FILL" in mode and sdod:
        lo = ctx.node1("GreaterOrEqual", [idx, _i64(ctx, [0])])
        hi = ctx.node1("LessOrEqual", [idx, ctx.shape(upper)])
        if len(sdod) == 1:
            fits = ctx.node1("Squeeze", [ctx.node1("And", [lo, hi]), _i64(ctx, [-1])])
        else:
            both = ctx.node1("Cast", [ctx.node1("And", [lo, hi])], to=TensorProto.INT32)
            fits = ctx.node1("Cast", [ctx.node1("ReduceMin", [both, _i64(ctx, [-1])], keepdims=0)],
                             to=TensorProto.BOOL)
    if sdod and ("CLIP" in mode or fits is not None):
        idx = ctx.node1("Max", [ctx.node1("Min", [idx, ctx.shape(upper)]), _i64(ctx, [0])])

    grid = list(ishape[:nb]) + [extent[d] for d in spans]
    g = len(grid)
    trash = fits is not None and kind == "none"
    fits_g = fits
    if fits is not None and g > nb:
        fits_g = ctx.node1("Unsqueeze", [fits, _i64(ctx, range(nb, g))])
    cols = []
    direct = lead == list(sdod) and not spans  # index vectors usable by ScatterND as they are
    for d in ([] if direct else lead):
        col = None
        if d in sdod:
            col = ctx.node1("Gather", [idx, ctx.const(np.array(sdod.index(d), np.int64))], axis=nb)
            if g > nb:
                col = ctx.node1("Unsqueeze", [col, _i64(ctx, range(nb, g))])
        elif d in ob:
            ax = ib[ob.index(d)]
            col = ctx.node1("Unsqueeze", [_ramp(ctx, oshape[d]), _i64(ctx, [t for t in range(g) if t != ax])])
        if trash and d == lead[0]:
            # a window that does not fit is written past the end, into padding
            base = col if col is not None else ctx.const(np.array(0, np.int64))
            col = ctx.node1("Where", [fits_g, base, ctx.scalar_dim(oshape[d])])
        if d in spans:
            ax = nb + spans.index(d)
            ramp = _ramp(ctx, extent[d])
            if g > 1:
                ramp = ctx.node1("Unsqueeze", [ramp, _i64(ctx, [t for t in range(g) if t != ax])])
            col = ramp if col is None else ctx.node1("Add", [col, ramp])
        if col is None:
            col = ctx.const(np.zeros([1] * g, np.int64))
        if g:
            col = ctx.node1("Expand", [col, ctx.shape(grid)])
        cols.append(ctx.node1("Unsqueeze", [col, _i64(ctx, [g])]))
    if direct:
        nd = idx
        if trash:  # a window that does not fit goes to the padding block of the first dim
            away = ctx.shape([oshape[lead[0]]] + [0] * (len(sdod) - 1))
            nd = ctx.node1("Where", [ctx.node1("Unsqueeze", [fits, _i64(ctx, [nb])]), idx, away])
    else:
        nd = cols[0] if len(cols) == 1 else ctx.node1("Concat", cols, axis=-1)

    perm = lead + whole
    moved = perm != list(range(rank))
    xt = ctx.node1("Transpose", [x], perm=perm) if moved else x
    scatter_axes = [q for q in range(len(ushape)) if q not in uwd]
    uperm = scatter_axes + [uwd[kept.index(d)] for d in spans] + [uwd[kept.index(d)] for d in whole]
    ut = upd if uperm == list(range(len(ushape))) else ctx.node1("Transpose", [upd], perm=uperm)
    dtype = np.dtype(oaval.dtype)
    # ORT lacks reducing ScatterND for f16/bool and Pad (the drop block) for 16-bit ints
    widen = kind != "none" or (trash and dtype.name in ("int16", "uint16", "bfloat16"))
    work = compute_dtype(dtype) if widen else dtype
    if work != dtype:
        xt = ctx.node1("Cast", [xt], to=onnx_elem_type(work))
        ut = ctx.node1("Cast", [ut], to=onnx_elem_type(work))
    if fits is not None and not trash:
        fu = fits if len(ushape) == nb else ctx.node1("Unsqueeze", [fits, _i64(ctx, range(nb, len(ushape)))])
        ut = ctx.node1("Where", [fu, ut, ctx.const(_identity_element(kind, work))])
    if trash:
        pieces = [_i64(ctx, [0] * rank), ctx.dim(extent[lead[0]])]
        if rank > 1:
            pieces.append(_i64(ctx, [0] * (rank - 1)))
        xt = ctx.node1("Pad", [xt, ctx.node1("Concat", pieces, axis=0), ctx.const(np.zeros((), work))])
    # what follows the ScatterND; the last step writes the eqn's output name
    tail = []
    if work != dtype:
        tail.append(("Cast", [], {"to": onnx_elem_type(dtype)}))
    if trash:
        tail.append(("Slice", [_i64(ctx, [0]), ctx.dim(oshape[lead[0]]), _i64(ctx, [0])], {}))
    if moved:
        tail.append(("Transpose", [], {"perm": [perm.index(d) for d in range(rank)]}))
    res = ctx.node("ScatterND", [xt, nd, ut], 1 if tail else [out], reduction=None if kind == "none" else kind)[0]
    for k, (op, extra, attrs) in enumerate(tail):
        res = ctx.node(op, [res] + extra, [out] if k == len(tail) - 1 else 1, **attrs)[0]
