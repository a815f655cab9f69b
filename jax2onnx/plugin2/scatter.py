"""lax.scatter / scatter-add / -sub / -mul / -min / -max (onnx_ir pipeline) as ScatterND.

Indexed operand dims move to the front, updates are transposed to
``[scatter batch..., windows of indexed dims..., full dims...]`` and one
ScatterND (with its ``reduction``) writes them. Modes: CLIP clamps window
starts; FILL_OR_DROP drops every window that does not fit (as XLA does):
reductions get their neutral element instead, plain ``scatter`` redirects the
window into one padding block that is sliced off afterwards.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.dims import same_dim
from ..plugin.registry import register
from .gather import work_dtype
from .opset_compat import scatter_nd

PIPELINE = "onnx_ir"
I64 = ir.DataType.INT64

_REDUCTION = {"scatter": "none", "scatter-add": "add", "scatter-sub": "add", "scatter-mul": "mul",
              "scatter-min": "min", "scatter-max": "max"}


def _i64(ctx, values):
    return ctx.const(np.asarray(list(values), dtype=np.int64))


def _arange(ctx, n):
    return ctx.op("Range", ctx.const(np.array(0, np.int64)), ctx.scalar_dim(n), ctx.const(np.array(1, np.int64)))


def neutral(reduction, dtype):
    """The element a dropped update becomes so that it changes nothing."""
    dt = np.dtype(dtype)
    if reduction == "add":
        return np.zeros((), dt)
    if reduction == "mul":
        return np.ones((), dt)
    big = reduction == "min"  # min: +largest, max: -largest
    if dt == np.bool_:
        return np.asarray(big)
    if np.issubdtype(dt, np.floating):
        return np.asarray(np.inf if big else -np.inf, dt)
    info = np.iinfo(dt)
    return np.asarray(info.max if big else info.min, dt)


@register(PIPELINE, *_REDUCTION)
def scatter(ctx, x, indices, updates, *, dimension_numbers, mode=None, **_):
    """Lower any scatter primitive as one ScatterND (see the module docstring)."""
    prim = ctx.eqn.primitive.name
    reduction = _REDUCTION[prim]
    if prim == "scatter-sub":
        updates = ctx.op("Neg", updates)
    dn = dimension_numbers
    oaval, iaval, uaval = ctx.in_avals
    oshape, ishape, ushape = oaval.shape, iaval.shape, uaval.shape
    rank, nb = len(oshape), len(ishape) - 1
    uwd, iwd, sdod = tuple(dn.update_window_dims), set(dn.inserted_window_dims), tuple(dn.scatter_dims_to_operand_dims)
    obatch, ibatch = tuple(dn.operand_batching_dims), tuple(dn.scatter_indices_batching_dims)
    win_dims = [d for d in range(rank) if d not in iwd and d not in obatch]
    wsize = {d: 1 for d in range(rank)}
    wsize.update({d: ushape[uwd[j]] for j, d in enumerate(win_dims)})
    full = [d for d in win_dims if same_dim(wsize[d], oshape[d])]
    indexed = [d for d in range(rank) if d not in full]
    m = str(mode).upper()
    if not indexed and nb == 0 and rank:  # one window covering the whole operand
        out = _combine(ctx, reduction, x, updates)
        if "FILL" in m and sdod:  # dropped unless every start is 0
            ok = ctx.op("Equal", ctx.op("ReduceMax", ctx.op("Abs", ctx.op("Cast", indices, to=I64)), keepdims=0),
                        ctx.const(np.array(0, np.int64)))
            work = work_dtype(oaval.dtype)
            if work == np.dtype(oaval.dtype):
                out = ctx.op("Where", ok, out, x)
            else:  # ORT's Where lacks this dtype
                to_w = ir.DataType.from_numpy(work)
                w = ctx.op("Where", ok, ctx.op("Cast", out, to=to_w), ctx.op("Cast", x, to=to_w))
                out = ctx.op("Cast", w, to=ir.DataType.from_numpy(np.dtype(oaval.dtype)))
        return out
    if not indexed:  # ScatterND needs at least one indexed dim
        indexed = [full.pop(0)]
    win = [d for d in indexed if d in win_dims]
    idx = indices if np.dtype(iaval.dtype) == np.int64 else ctx.op("Cast", indices, to=I64)
    upper = [oshape[d] - wsize[d] for d in sdod]
    mask = None
    if "FILL" in m and sdod:
        ok = ctx.op("And", ctx.op("GreaterOrEqual", idx, _i64(ctx, [0])), ctx.op("LessOrEqual", idx, ctx.shape(upper)))
        if len(sdod) == 1:
            mask = ctx.op("Squeeze", ok, _i64(ctx, [-1]))
        else:
            ok = ctx.op("ReduceMin", ctx.op("Cast", ok, to=ir.DataType.INT32), _i64(ctx, [-1]), keepdims=0)
            mask = ctx.op("Cast", ok, to=ir.DataType.BOOL)  # [batch...]: window fits
    if sdod and ("CLIP" in m or mask is not None):
        idx = ctx.op("Max", ctx.op("Min", idx, ctx.shape(upper)), _i64(ctx, [0]))
    grid = list(ishape[:nb]) + [wsize[d] for d in win]
    ng = len(grid)
    mask_g = mask
    if mask is not None and ng > nb:
        mask_g = ctx.op("Unsqueeze", mask, _i64(ctx, range(nb, ng)))
    redirect = mask is not None and reduction == "none"
    comps = []
    if indexed == list(sdod) and not win:  # the index vectors already are ScatterND's indices
        if redirect:  # a dropped window goes to the padding block of the first dim
            target = ctx.shape([oshape[indexed[0]]] + [0] * (len(sdod) - 1))
            idx = ctx.op("Where", ctx.op("Unsqueeze", mask, _i64(ctx, [nb])), idx, target)
        comps, indexed_iter = [idx], []
    else:
        indexed_iter = indexed
    for d in indexed_iter:
        start = None
        if d in sdod:
            start = ctx.op("Gather", idx, ctx.const(np.array(sdod.index(d), np.int64)), axis=nb)
            if ng > nb:
                start = ctx.op("Unsqueeze", start, _i64(ctx, range(nb, ng)))
        elif d in obatch:
            b = ibatch[obatch.index(d)]
            start = ctx.op("Unsqueeze", _arange(ctx, oshape[d]), _i64(ctx, [a for a in range(ng) if a != b]))
        if redirect and d == indexed[0]:
            # a dropped window lands in the padding block past the end of this dim
            start = ctx.op("Where", mask_g, start if start is not None else ctx.const(np.array(0, np.int64)),
                           ctx.scalar_dim(oshape[d]))
        if d in win:
            a = nb + win.index(d)
            r = _arange(ctx, wsize[d])
            r = ctx.op("Unsqueeze", r, _i64(ctx, [t for t in range(ng) if t != a])) if ng > 1 else r
            start = r if start is None else ctx.op("Add", start, r)
        if start is None:
            start = ctx.const(np.zeros([1] * ng, np.int64))
        if ng:
            start = ctx.op("Expand", start, ctx.shape(grid))
        comps.append(ctx.op("Unsqueeze", start, _i64(ctx, [ng])))
    nd_idx = comps[0] if len(comps) == 1 else ctx.op("Concat", *comps, axis=-1)
    perm = indexed + full
    xt = x if perm == list(range(rank)) else ctx.op("Transpose", x, perm=perm)
    upd_scatter = [p for p in range(len(ushape)) if p not in uwd]
    uperm = upd_scatter + [uwd[win_dims.index(d)] for d in win] + [uwd[win_dims.index(d)] for d in full]
    ut = updates if uperm == list(range(len(ushape))) else ctx.op("Transpose", updates, perm=uperm)
    dtype = np.dtype(oaval.dtype)
    # ORT lacks reducing ScatterND for f16/bool and Pad (the drop block) for 16-bit ints
    widen = reduction != "none" or (redirect and dtype.name in ("int16", "uint16", "bfloat16"))
    work = work_dtype(dtype) if widen else dtype
    if work != dtype:
        xt = ctx.op("Cast", xt, to=ir.DataType.from_numpy(work))
        ut = ctx.op("Cast", ut, to=ir.DataType.from_numpy(work))
    if mask is not None and not redirect:
        mu = mask if len(ushape) == nb else ctx.op("Unsqueeze", mask, _i64(ctx, range(nb, len(ushape))))
        ut = ctx.op("Where", mu, ut, ctx.const(neutral(reduction, work)))
    if redirect:
        pads = [_i64(ctx, [0] * rank), ctx.dim(wsize[indexed[0]])] + ([_i64(ctx, [0] * (rank - 1))] if rank > 1 else [])
        xt = ctx.op("Pad", xt, ctx.op("Concat", *pads, axis=0), ctx.const(np.zeros((), work)))
    out = scatter_nd(ctx, xt, nd_idx, ut, reduction, dtype=work, index_depth=len(indexed))
    if work != dtype:
        out = ctx.op("Cast", out, to=ir.DataType.from_numpy(dtype))
    if redirect:
        out = ctx.op("Slice", out, _i64(ctx, [0]), ctx.dim(oshape[indexed[0]]), _i64(ctx, [0]))
    if perm != list(range(rank)):
        out = ctx.op("Transpose", out, perm=[perm.index(d) for d in range(rank)])
    return out


def _combine(ctx, reduction, x, u):
    """Scatter whose single window is the whole operand: a plain elementwise op."""
    op = {"none": None, "add": "Add", "mul": "Mul", "min": "Min", "max": "Max"}[reduction]
    return u if op is None else ctx.op(op, x, u)

