"""Convolutions and window reductions (legacy pipeline).

conv_general_dilated: Transposes from the dimension numbers to NCHW/OIHW, zero
insertion for ``lhs_dilation``, a Slice for negative padding, batch groups folded
into channel groups, then one Conv. ORT's Conv only has float32/float16 kernels, so
other dtypes (float64, integers) are convolved exactly by an Einsum over the strided
window slices of the padded input.

reduce_window_{max,min,sum}: windowed axes moved last and the others folded into one
channel axis for MaxPool (min = -MaxPool(-x)) or a ones-kernel Conv (sum, zero
padding); dtypes without those kernels sum the strided window slices in place.
"""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"

_INT64_MAX = np.iinfo(np.int64).max
_CONV_OK = ("float32", "float16")  # ORT Conv kernels
_MAXPOOL_OK = ("float32", "float64", "float16", "int8", "uint8")  # ORT MaxPool kernels


def _i64(v):
    return np.asarray(v, dtype=np.int64)


def _permute(ctx, x, perm, dims):
    """Transpose unless ``perm`` is the identity; returns (name, permuted dims)."""
    perm = [int(p) for p in perm]
    if perm == list(range(len(perm))):
        return x, list(dims)
    return ctx.node1("Transpose", [x], perm=perm), [dims[p] for p in perm]


def _interleave(ctx, x, dims, axis, factor, fill):
    """Spread ``x`` along ``axis`` by ``factor``, filling the gaps with ``fill``."""
    if factor == 1:
        return x, dims
    grown = ctx.node1("Unsqueeze", [x, ctx.const(_i64([axis + 1]))])
    grown = ctx.node1("Pad", [grown, ctx.const(_i64([0, factor - 1])), fill, ctx.const(_i64([axis + 1]))])
    flat = list(dims)
    flat[axis] = dims[axis] * factor
    grown = ctx.node1("Reshape", [grown, ctx.shape(flat)])
    trimmed = ctx.node1("Slice", [grown, ctx.const(_i64([0])), ctx.const(_i64([1 - factor])),
                                  ctx.const(_i64([axis]))])
    flat[axis] = (dims[axis] - 1) * factor + 1
    return trimmed, flat


def _known(v) -> bool:
    return isinstance(v, (int, np.integer))


def _runtime_pads(pairs) -> bool:
    """True when some amount is symbolic (SAME padding of a symbolic length)."""
    return any(not (_known(lo) and _known(hi)) for lo, hi in pairs)


def _explicit_pad(ctx, x, dims, axes, pairs, fill):
    if not _runtime_pads(pairs) and all(tuple(p) == (0, 0) for p in pairs):
        return x, dims
    amounts = [lo for lo, _ in pairs] + [hi for _, hi in pairs]
    x = ctx.node1("Pad", [x, ctx.shape(amounts), fill, ctx.const(_i64(axes))])
    dims = list(dims)
    for a, (lo, hi) in zip(axes, pairs):
        dims[a] = dims[a] + lo + hi
    return x, dims


def _drop_negative(ctx, x, dims, axes, pairs):
    """Crop the negative parts of ``pairs``; return the remaining non-negative padding.
    (Symbolic amounts only arise from SAME padding and are never negative.)"""
    pairs = [tuple(p) for p in pairs]

    def cut(v):
        return _known(v) and v < 0

    if not any(cut(lo) or cut(hi) for lo, hi in pairs):
        return x, dims, pairs
    begins = [-lo if cut(lo) else 0 for lo, _ in pairs]
    ends = [hi if cut(hi) else _INT64_MAX for _, hi in pairs]
    x = ctx.node1("Slice", [x, ctx.const(_i64(begins)), ctx.const(_i64(ends)), ctx.const(_i64(axes))])
    dims = list(dims)
    for a, (lo, hi) in zip(axes, pairs):
        dims[a] = dims[a] + (lo if cut(lo) else 0) + (hi if cut(hi) else 0)
    return x, dims, [(0 if cut(lo) else lo, 0 if cut(hi) else hi) for lo, hi in pairs]


def _strided_windows(ctx, x, axes, window, strides, dilation, out_sizes):
    """One strided Slice per window offset: the elements that offset contributes."""
    views = []
    for offset in np.ndindex(*window):
        first = [o * d for o, d in zip(offset, dilation)]
        last = [f + (n - 1) * s + 1 for f, n, s in zip(first, out_sizes, strides)]
        views.append(ctx.node1("Slice", [x, ctx.const(_i64(first)), ctx.shape(last), ctx.const(_i64(axes)),
                                         ctx.const(_i64(strides))]))
    return views


def _einsum_conv(ctx, x, w, x_dims, w_dims, strides, dilation, groups, out_sizes, out):
    """Exact grouped convolution without Conv: stacked window slices x kernel (Einsum)."""
    nsp = len(x_dims) - 2
    views = _strided_windows(ctx, x, list(range(2, 2 + nsp)), w_dims[2:], strides, dilation, out_sizes)
    cols = ctx.node1("Concat", [ctx.node1("Unsqueeze", [v, ctx.const(_i64([2]))]) for v in views], axis=2)
    per_group = x_dims[1] // groups
    cols = ctx.node1("Reshape", [cols, ctx.shape([x_dims[0], groups, per_group, len(views)] + list(out_sizes))])
    # channels can be symbolic (a weight gradient contracts over the batch)
    kern = ctx.node1("Reshape", [w, ctx.shape([groups, w_dims[0] // groups, per_group, len(views)])])
    spatial = "uvwxyz"[:nsp]
    y = ctx.node1("Einsum", [cols, kern], equation=f"bgck{spatial},gock->bgo{spatial}")
    ctx.node("Reshape", [y, ctx.shape([x_dims[0], w_dims[0]] + list(out_sizes))], [out])


@register(PIPELINE, "conv_general_dilated")
def conv_general_dilated(ctx, eqn):
    """Convolution in any layout and rank (see the module docstring)."""
    p = eqn.params
    lhs_spec, rhs_spec, out_spec = p["dimension_numbers"]
    la, ra = (v.aval for v in eqn.invars)
    out_aval = eqn.outvars[0].aval
    out_dtype = np.dtype(out_aval.dtype)
    work = np.dtype(np.float32) if out_dtype.name == "bfloat16" else out_dtype
    lhs, rhs = ctx.inputs(eqn)
    if np.dtype(la.dtype) != work:
        lhs = ctx.node1("Cast", [lhs], to=onnx_elem_type(work))
    if np.dtype(ra.dtype) != work:
        rhs = ctx.node1("Cast", [rhs], to=onnx_elem_type(work))
    x, x_dims = _permute(ctx, lhs, lhs_spec, la.shape)
    w, w_dims = _permute(ctx, rhs, rhs_spec, ra.shape)
    nsp = len(x_dims) - 2
    spatial = list(range(2, 2 + nsp))
    groups = p.get("feature_group_count", 1)
    bg = p.get("batch_group_count", 1)
    if bg > 1:
        # batch = group * (N / bg) + n  ->  channels = group * C + c, then grouped Conv
        x = ctx.node1("Reshape", [x, ctx.shape([bg, x_dims[0] // bg] + x_dims[1:])])
        x = ctx.node1("Transpose", [x], perm=[1, 0] + list(range(2, 3 + nsp)))
        x_dims = [x_dims[0] // bg, bg * x_dims[1]] + x_dims[2:]
        x = ctx.node1("Reshape", [x, ctx.shape(x_dims)])
        groups = bg
    zero = ctx.const(np.array(0, work))
    for a, d in zip(spatial, p["lhs_dilation"]):
        x, x_dims = _interleave(ctx, x, x_dims, a, d, zero)
    x, x_dims, pairs = _drop_negative(ctx, x, x_dims, spatial, p["padding"])
    out_sizes = [out_aval.shape[out_spec[2 + i]] for i in range(nsp)]
    back = [int(i) for i in np.argsort(out_spec)]
    needs_transpose = back != list(range(len(back)))
    final = ctx.outputs(eqn)[0]
    y = ctx.fresh("conv") if (needs_transpose or work != out_dtype) else final
    if _runtime_pads(pairs):  # Conv wants static pads: pad explicitly
        x, x_dims = _explicit_pad(ctx, x, x_dims, spatial, pairs, zero)
        pairs = [(0, 0)] * nsp
    if work.name in _CONV_OK:
        ctx.node("Conv", [x, w], [y], strides=list(p["window_strides"]),
                 pads=[lo for lo, _ in pairs] + [hi for _, hi in pairs], dilations=list(p["rhs_dilation"]),
                 group=groups)
    else:
        x, x_dims = _explicit_pad(ctx, x, x_dims, spatial, pairs, zero)
        _einsum_conv(ctx, x, w, x_dims, w_dims, list(p["window_strides"]), list(p["rhs_dilation"]), groups,
                     out_sizes, y)
    if needs_transpose:
        y2 = final if work == out_dtype else ctx.fresh("conv_t")
        ctx.node("Transpose", [y], [y2], perm=back)
        y = y2
    if work != out_dtype:
        ctx.node("Cast", [y], [final], to=onnx_elem_type(out_dtype))


# ---- reduce_window ---------------------------------------------------------------------

def _neutral(kind, dtype):
    """JAX's padding value for the reduction (its identity) in ``dtype``."""
    dtype = np.dtype(dtype)
    if kind == "sum":
        return np.array(0, dtype)
    if np.issubdtype(dtype, np.floating):
        return np.array(-np.inf if kind == "max" else np.inf, dtype)
    return np.array(np.iinfo(dtype).min if kind == "max" else np.iinfo(dtype).max, dtype)


#: dtypes without Max/Min/Add kernels in ORT, for the strided-slices path
_FOLD_WIDER = {"int16": np.int32, "uint16": np.int32, "bool": np.int32}


def _window_reducer(kind):
    def lower(ctx, eqn):
        p = eqn.params
        aval, out_aval = eqn.invars[0].aval, eqn.outvars[0].aval
        rank = len(aval.shape)
        wd, ws, pad = p["window_dimensions"], p["window_strides"], p["padding"]
        bd, wdl = p["base_dilation"], p["window_dilation"]
        active = [a for a in range(rank)
                  if wd[a] != 1 or ws[a] != 1 or tuple(pad[a]) != (0, 0) or bd[a] != 1]
        (x,) = ctx.inputs(eqn)
        (out,) = ctx.outputs(eqn)
        if not active:
            ctx.node("Identity", [x], [out])  # windows of one element
            return
        dtype = np.dtype(aval.dtype)
        pooled = len(active) <= 3 and (kind != "sum" or dtype.name in _CONV_OK)  # pools: <= 3 axes
        if not pooled:
            work = np.dtype(_FOLD_WIDER.get(dtype.name, dtype))
            pad_value = _neutral(kind, work)
        elif kind == "sum":
            work, pad_value = dtype, _neutral(kind, dtype)
        else:
            # min = -MaxPool(-x) needs a signed float; integers run in float64 (exact below
            # 2**53), padded with the integer's own extreme so empty windows stay JAX's identity
            allowed = _MAXPOOL_OK if kind == "max" else ("float32", "float64", "float16")
            work = dtype if dtype.name in allowed else np.dtype(np.float64)
            pad_value = _neutral(kind, dtype).astype(work)
            if kind == "min":
                pad_value = -pad_value
        rest = [a for a in range(rank) if a not in active]
        order = rest + active if pooled else list(range(rank))
        axes = [order.index(a) for a in active]
        win = [wd[a] for a in active]
        strides = [ws[a] for a in active]
        wdil = [wdl[a] for a in active]
        out_win = [out_aval.shape[a] for a in active]
        y, dims = _permute(ctx, x, order, aval.shape)
        if work != dtype:
            y = ctx.node1("Cast", [y], to=onnx_elem_type(work))
        negate = kind == "min" and pooled
        if negate:
            y = ctx.node1("Neg", [y])
        fill = ctx.const(pad_value)
        for ax, a in zip(axes, active):
            y, dims = _interleave(ctx, y, dims, ax, bd[a], fill)
        y, dims, pairs = _drop_negative(ctx, y, dims, axes, [pad[a] for a in active])
        if pooled:
            if _runtime_pads(pairs) or kind != "sum" and any(lo >= k or hi >= k for (lo, hi), k in zip(pairs, win)):
                # pool pads must be static, and ORT's MaxPool insists on pads smaller than the kernel
                y, dims = _explicit_pad(ctx, y, dims, axes, pairs, fill)
                pairs = [(0, 0)] * len(pairs)
            lead = ctx.const(_i64([-1, 1] if kind == "sum" else [1, -1]))
            y = ctx.node1("Reshape", [y, ctx.node1("Concat", [lead, ctx.shape(dims[len(rest):])], axis=0)])
            pads = [lo for lo, _ in pairs] + [hi for _, hi in pairs]
            if kind == "sum":
                kernel = ctx.const(np.ones([1, 1] + win, work))
                y = ctx.node1("Conv", [y, kernel], strides=strides, pads=pads, dilations=wdil)
            else:
                y = ctx.node1("MaxPool", [y], kernel_shape=win, strides=strides, pads=pads, dilations=wdil)
                if work == dtype and np.issubdtype(work, np.floating):
                    # ORT's MaxPool accumulates from the lowest finite value: a window holding
                    # only -inf returns it instead of -inf (so does a true maximum equal to it)
                    floor = ctx.const(np.array(np.finfo(work).min, work))
                    y = ctx.node1("Where", [ctx.node1("Equal", [y, floor]),
                                            ctx.const(np.array(-np.inf, work)), y])
            y = ctx.node1("Reshape", [y, ctx.shape([out_aval.shape[a] for a in rest] + out_win)])
        else:
            y, dims = _explicit_pad(ctx, y, dims, axes, pairs, fill)
            views = _strided_windows(ctx, y, axes, win, strides, wdil, out_win)
            fold = {"sum": "Add", "max": "Max", "min": "Min"}[kind]
            y = views[0]
            for v in views[1:]:
                y = ctx.node1(fold, [y, v])
        if negate:
            y = ctx.node1("Neg", [y])
        if work != dtype:
            y = ctx.node1("Cast", [y], to=onnx_elem_type(dtype))
        y, _ = _permute(ctx, y, np.argsort(order), [None] * rank)
        ctx.node("Identity", [y], [out])

    lower.__name__ = f"lower_reduce_window_{kind}"
    lower.__doc__ = f"Windowed {kind} (pooling): strides, padding, base and window dilation."
    return lower


for _kind in ("max", "min", "sum"):
    register(PIPELINE, f"reduce_window_{_kind}")(_window_reducer(_kind))


#: computations reduce_window can fold with one ONNX binary op
_BINARY = {"add": "Add", "mul": "Mul", "max": "Max", "min": "Min", "and": "And", "or": "Or"}


@register(PIPELINE, "reduce_window")
def reduce_window(ctx, eqn):
    """reduce_window whose computation is one binary primitive (e.g. mul, or add/max/min
    with a non-identity init): the accumulator starts at ``init`` and folds every window
    element; padding and base-dilation holes hold ``init``, as in XLA."""
    p = eqn.params
    body = p["jaxpr"]
    prim = body.eqns[0].primitive.name if len(body.eqns) == 1 else None
    if len(eqn.invars) != 2 or prim not in _BINARY or p.get("consts") or \
            list(body.eqns[0].invars) != list(body.invars):
        raise NotImplementedError(
            f"reduce_window supports one operand with a computation in {sorted(_BINARY)}; "
            f"got {[e.primitive.name for e in body.eqns]}")
    aval, out_aval = eqn.invars[0].aval, eqn.outvars[0].aval
    op = _BINARY[prim]
    if op in ("And", "Or") and np.dtype(aval.dtype) != np.bool_:
        op = "Bitwise" + op
    x, init = ctx.inputs(eqn)
    rank = len(aval.shape)
    wd, ws, bd = p["window_dimensions"], p["window_strides"], p["base_dilation"]
    axes = [a for a in range(rank) if wd[a] != 1 or ws[a] != 1 or tuple(p["padding"][a]) != (0, 0) or bd[a] != 1]
    dims = list(aval.shape)
    for a in axes:
        x, dims = _interleave(ctx, x, dims, a, bd[a], init)
    x, dims, pairs = _drop_negative(ctx, x, dims, axes, [p["padding"][a] for a in axes])
    x, dims = _explicit_pad(ctx, x, dims, axes, pairs, init)
    views = _strided_windows(ctx, x, axes, [wd[a] for a in axes], [ws[a] for a in axes],
                             [p["window_dilation"][a] for a in axes], [out_aval.shape[a] for a in axes]) \
        if axes else [x]
    acc = init
    for i, v in enumerate(views):
        if i == len(views) - 1:
            ctx.node(op, [acc, v], ctx.outputs(eqn))
        else:
            acc = ctx.node1(op, [acc, v])


@register(PIPELINE, "select_and_scatter_add")
def select_and_scatter_add(ctx, eqn):
    """Max/min-pooling gradient: every window adds its ``source`` value where its first
    maximum (``ge``) or minimum (``le``) sits. MaxPool's Indices output (flat positions
    in the padded operand; ORT keeps the first maximum) feeds one ScatterElements(add).
    """
    p = eqn.params
    src_aval, aval = eqn.invars[0].aval, eqn.invars[1].aval
    dtype = np.dtype(aval.dtype)
    rank = len(aval.shape)
    wd, ws, pad = p["window_dimensions"], p["window_strides"], p["padding"]
    active = [a for a in range(rank) if wd[a] != 1 or ws[a] != 1 or tuple(pad[a]) != (0, 0)]
    source, operand = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    if not active:
        ctx.node("Identity", [source], [out])  # single-element windows select themselves
        return
    prim = p["select_prim"].name
    if len(active) > 3 or dtype.name not in ("float32", "float64") or prim not in ("ge", "le"):
        raise NotImplementedError(
            f"select_and_scatter_add over {len(active)} axes / {dtype} / {prim} (supported: up to 3 "
            f"windowed axes, float32/float64, ge or le)")
    rest = [a for a in range(rank) if a not in active]
    order = rest + active
    x, dims = _permute(ctx, operand, order, aval.shape)
    src, _ = _permute(ctx, source, order, src_aval.shape)
    if prim == "le":
        x = ctx.node1("Neg", [x])  # first minimum of x == first maximum of -x
    axes = list(range(len(rest), rank))
    pairs = [tuple(pad[a]) for a in active]
    x, padded = _explicit_pad(ctx, x, dims, axes, pairs, ctx.const(np.array(-np.inf, dtype)))
    pooled_shape = ctx.node1("Concat", [ctx.const(_i64([1, -1])), ctx.shape(padded[len(rest):])], axis=0)
    x = ctx.node1("Reshape", [x, pooled_shape])
    _, argmax = ctx.node("MaxPool", [x], 2, kernel_shape=[int(wd[a]) for a in active],
                         strides=[int(ws[a]) for a in active])
    total = 1
    for d in padded:
        total = total * d
    zeros = ctx.node1("Expand", [ctx.const(np.array(0, dtype)), ctx.shape([total])])
    scattered = ctx.node1("ScatterElements", [zeros, ctx.node1("Reshape", [argmax, ctx.const(_i64([-1]))]),
                                              ctx.node1("Reshape", [src, ctx.const(_i64([-1]))])],
                          axis=0, reduction="add")
    y = ctx.node1("Reshape", [scattered, ctx.shape(padded)])
    if any(lo or hi for lo, hi in pairs):
        y = ctx.node1("Slice", [y, ctx.shape([lo for lo, _ in pairs]),
                                ctx.shape([lo + dims[a] for (lo, _), a in zip(pairs, axes)]), ctx.const(_i64(axes))])
    y, _ = _permute(ctx, y, np.argsort(order), [None] * rank)
    ctx.node("Identity", [y], [out])
