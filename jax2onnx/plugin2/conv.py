"""Convolutions and window reductions (onnx_ir pipeline).

``conv_general_dilated`` is brought to ONNX's layout (lhs NCHW..., rhs OIHW...) with
Transposes taken from its dimension numbers, ``lhs_dilation`` becomes explicit
zero-insertion, negative padding a Slice, ``batch_group_count`` a regrouping of the
batch into channels; then one Conv. ORT's Conv has only float/float16 kernels, so
float64 and integer convolutions use an exact fallback: the strided window slices of
the padded input contracted with the kernel by one Einsum.

``reduce_window_{max,min,sum}`` move the windowed axes last, fold the others into
one channel axis, and use MaxPool (min = -MaxPool(-x)) or a Conv with a ones kernel
(zero padding, so the sum is exact); for dtypes ORT lacks those kernels for, the sum
of the strided window slices.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.registry import register
from .opset_compat import SCATTER_REDUCTION_SINCE, bitwise, scatter_nd

PIPELINE = "onnx_ir"

_END = np.iinfo(np.int64).max
#: dtypes ORT's Conv / MaxPool kernels accept
_CONV_DTYPES = ("float32", "float16")
_POOL_DTYPES = ("float32", "float64", "float16", "int8", "uint8")


def _i64(v):
    return np.asarray(v, dtype=np.int64)


def _cast(ctx, x, dtype):
    return ctx.op("Cast", x, to=ir.DataType.from_numpy(np.dtype(dtype)))


def _transpose(ctx, x, perm, dims):
    perm = [int(p) for p in perm]
    if perm == sorted(perm):
        return x, list(dims)
    return ctx.op("Transpose", x, perm=perm), [dims[p] for p in perm]


def _dilate(ctx, x, dims, axis, factor, fill):
    """Insert ``factor - 1`` copies of ``fill`` between neighbours along ``axis``."""
    if factor == 1:
        return x, dims
    x = ctx.op("Unsqueeze", x, ctx.const(_i64([axis + 1])))
    x = ctx.op("Pad", x, ctx.const(_i64([0, factor - 1])), fill, ctx.const(_i64([axis + 1])), _rank=len(dims) + 1)
    merged = dims[:axis] + [dims[axis] * factor] + dims[axis + 1:]
    x = ctx.op("Reshape", x, ctx.shape(merged))
    x = ctx.op("Slice", x, ctx.const(_i64([0])), ctx.const(_i64([-(factor - 1)])), ctx.const(_i64([axis])))
    out = dims[:axis] + [(dims[axis] - 1) * factor + 1] + dims[axis + 1:]
    return x, out


def _static(v) -> bool:
    return isinstance(v, (int, np.integer))


def _symbolic_pads(padding) -> bool:
    """SAME padding of a symbolic length is itself symbolic (known only at run time)."""
    return not all(_static(lo) and _static(hi) for lo, hi in padding)


def _pad(ctx, x, dims, axes, padding, fill):
    """Pad (or crop, for negative amounts) ``axes`` explicitly with ``fill``."""
    if not _symbolic_pads(padding) and all(lo == 0 and hi == 0 for lo, hi in padding):
        return x, dims
    pads = [lo for lo, _ in padding] + [hi for _, hi in padding]
    x = ctx.op("Pad", x, ctx.shape(pads), fill, ctx.const(_i64(axes)), _rank=len(dims))
    dims = list(dims)
    for a, (lo, hi) in zip(axes, padding):
        dims[a] = dims[a] + lo + hi
    return x, dims


def _crop_negative(ctx, x, dims, axes, padding):
    """Apply the negative part of ``padding`` as a Slice; return the non-negative rest.

    Symbolic amounts come from SAME padding, which is never negative."""
    def neg(v):
        return _static(v) and v < 0

    if not any(neg(lo) or neg(hi) for lo, hi in padding):
        return x, dims, list(padding)
    starts = [-lo if neg(lo) else 0 for lo, _ in padding]
    ends = [hi if neg(hi) else _END for _, hi in padding]
    x = ctx.op("Slice", x, ctx.const(_i64(starts)), ctx.const(_i64(ends)), ctx.const(_i64(axes)))
    dims = list(dims)
    for a, (lo, hi) in zip(axes, padding):
        dims[a] = dims[a] + (lo if neg(lo) else 0) + (hi if neg(hi) else 0)
    return x, dims, [(0 if neg(lo) else lo, 0 if neg(hi) else hi) for lo, hi in padding]


def _window_slices(ctx, x, axes, window, strides, dilation, out_sizes):
    """For every window offset, the strided slice of (padded) ``x`` it reads."""
    slices = []
    for offset in np.ndindex(*window):
        starts = [o * d for o, d in zip(offset, dilation)]
        ends = [s + (n - 1) * st + 1 for s, n, st in zip(starts, out_sizes, strides)]
        slices.append(ctx.op("Slice", x, ctx.const(_i64(starts)), ctx.shape(ends), ctx.const(_i64(axes)),
                             ctx.const(_i64(strides))))
    return slices


def _conv_by_einsum(ctx, x, w, x_dims, w_dims, strides, dilation, groups, out_sizes):
    """Exact Conv for dtypes without an ORT Conv kernel: window slices + one Einsum.

    ``x`` is padded [N, C, S...], ``w`` is [O, C/groups, K...].
    """
    nsp = len(x_dims) - 2
    axes = list(range(2, 2 + nsp))
    patches = _window_slices(ctx, x, axes, w_dims[2:], strides, dilation, out_sizes)
    stacked = ctx.op("Concat", *[ctx.op("Unsqueeze", p, ctx.const(_i64([2]))) for p in patches], axis=2)
    k = len(patches)
    # [N, C, K, S_out...] -> [N, G, C/G, K, S_out...]; kernel [O, C/G, K...] -> [G, O/G, C/G, K]
    cg = x_dims[1] // groups
    stacked = ctx.op("Reshape", stacked, ctx.shape([x_dims[0], groups, cg, k] + list(out_sizes)))
    w = ctx.op("Reshape", w, ctx.shape([groups, w_dims[0] // groups, cg, k]))  # C may be symbolic (weight grads)
    sp = "pqrstuvw"[:nsp]
    y = ctx.op("Einsum", stacked, w, equation=f"ngck{sp},gock->ngo{sp}")
    return ctx.op("Reshape", y, ctx.shape([x_dims[0], w_dims[0]] + list(out_sizes)))


@register(PIPELINE, "conv_general_dilated")
def conv_general_dilated(ctx, lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                         dimension_numbers, feature_group_count=1, batch_group_count=1, **_):
    """Any-layout, any-rank convolution (see the module docstring)."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    la, ra = ctx.in_avals
    out_aval = ctx.out_avals[0]
    out_dtype = np.dtype(out_aval.dtype)
    compute = np.float32 if out_dtype.name == "bfloat16" else out_dtype
    if np.dtype(la.dtype) != compute:
        lhs = _cast(ctx, lhs, compute)
    if np.dtype(ra.dtype) != compute:
        rhs = _cast(ctx, rhs, compute)
    x, x_dims = _transpose(ctx, lhs, lhs_spec, la.shape)
    w, w_dims = _transpose(ctx, rhs, rhs_spec, ra.shape)
    nsp = len(x_dims) - 2
    sp_axes = list(range(2, 2 + nsp))
    groups = feature_group_count
    if batch_group_count > 1:
        g = batch_group_count
        # batch index = group * (N / g) + n: move the groups next to the channels
        x = ctx.op("Reshape", x, ctx.shape([g, x_dims[0] // g] + x_dims[1:]))
        x = ctx.op("Transpose", x, perm=[1, 0] + list(range(2, 3 + nsp)))
        x_dims = [x_dims[0] // g, g * x_dims[1]] + x_dims[2:]
        x = ctx.op("Reshape", x, ctx.shape(x_dims))
        groups = g
    zero = ctx.const(np.array(0, compute))
    for a, d in zip(sp_axes, lhs_dilation):
        x, x_dims = _dilate(ctx, x, x_dims, a, d, zero)
    x, x_dims, padding = _crop_negative(ctx, x, x_dims, sp_axes, padding)
    out_sizes = [out_aval.shape[out_spec[2 + i]] for i in range(nsp)]
    if _symbolic_pads(padding):  # Conv's pads attribute must be static
        x, x_dims = _pad(ctx, x, x_dims, sp_axes, padding, zero)
        padding = [(0, 0)] * nsp
    if np.dtype(compute).name in _CONV_DTYPES:
        pads = [lo for lo, _ in padding] + [hi for _, hi in padding]
        y = ctx.op("Conv", x, w, strides=[int(v) for v in window_strides], pads=[int(v) for v in pads],
                   dilations=[int(v) for v in rhs_dilation], group=int(groups))
    else:
        x, x_dims = _pad(ctx, x, x_dims, sp_axes, padding, zero)
        y = _conv_by_einsum(ctx, x, w, x_dims, w_dims, list(window_strides), list(rhs_dilation), groups,
                            out_sizes)
    y, _ = _transpose(ctx, y, list(np.argsort(out_spec)), [None] * len(out_spec))
    return y if compute == out_dtype else _cast(ctx, y, out_dtype)


# ---- reduce_window ---------------------------------------------------------------------

def _identity(kind, dtype):
    """The reduction's identity (JAX's padding value) in ``dtype``."""
    dtype = np.dtype(dtype)
    if kind == "sum":
        return np.array(0, dtype)
    if np.issubdtype(dtype, np.floating):
        return np.array(-np.inf if kind == "max" else np.inf, dtype)
    info = np.iinfo(dtype)
    return np.array(info.min if kind == "max" else info.max, dtype)


#: dtypes the Max/Min/Add kernels lack, for the window-slices fallback
_SLICE_WIDEN = {"int16": np.int32, "uint16": np.int32, "bool": np.int32}


def _reduce_window(kind):
    def lower(ctx, x, *, window_dimensions, window_strides, padding, base_dilation, window_dilation, **_):
        aval, out_aval = ctx.in_avals[0], ctx.out_avals[0]
        rank = len(aval.shape)
        active = [a for a in range(rank) if window_dimensions[a] != 1 or window_strides[a] != 1
                  or tuple(padding[a]) != (0, 0) or base_dilation[a] != 1]
        if not active:
            return x  # every window is a single element
        dtype = np.dtype(aval.dtype)
        rest = [a for a in range(rank) if a not in active]
        win = [int(window_dimensions[a]) for a in active]
        strides = [int(window_strides[a]) for a in active]
        wdil = [int(window_dilation[a]) for a in active]
        pad = [tuple(padding[a]) for a in active]
        out_act = [out_aval.shape[a] for a in active]
        if len(active) > 3:  # ONNX pools have at most 3 spatial axes
            use_pool = False
        elif kind == "sum":
            use_pool = dtype.name in _CONV_DTYPES
        else:
            use_pool = True
        if not use_pool:
            compute = np.dtype(_SLICE_WIDEN.get(dtype.name, dtype))
            fill_value = _identity(kind, compute)
        elif kind == "sum":
            compute, fill_value = dtype, _identity("sum", dtype)
        else:
            # MaxPool kernels: floats and int8/uint8; min is -MaxPool(-x), so it needs a signed
            # float. Integers go through float64 (exact below 2**53) padded with their own
            # extreme value, so an all-padding window still yields JAX's integer identity.
            ok = _POOL_DTYPES if kind == "max" else ("float32", "float64", "float16")
            compute = dtype if dtype.name in ok else np.dtype(np.float64)
            fill_value = _identity(kind, dtype).astype(compute)
            if kind == "min":
                fill_value = -fill_value
        # pools want the windowed axes last; the slice fallback works in place
        perm = rest + active if use_pool else list(range(rank))
        sp = [perm.index(a) for a in active]
        y, dims = _transpose(ctx, x, perm, aval.shape)
        if compute != dtype:
            y = _cast(ctx, y, compute)
        negate = kind == "min" and use_pool
        if negate:
            y = ctx.op("Neg", y)
        fill = ctx.const(fill_value)
        for ax, a in zip(sp, active):
            y, dims = _dilate(ctx, y, dims, ax, base_dilation[a], fill)
        y, dims, pad = _crop_negative(ctx, y, dims, sp, pad)
        if use_pool and (_symbolic_pads(pad) or kind != "sum" and any(
                lo >= w or hi >= w for (lo, hi), w in zip(pad, win))):
            # pool attributes need static pads, and ORT's MaxPool rejects pads as large as
            # the window: pad explicitly instead
            y, dims = _pad(ctx, y, dims, sp, pad, fill)
            pad = [(0, 0)] * len(pad)
        if use_pool:
            # [batch, channels, window axes...] is already a pool's layout (the NHWC pooling of
            # a CNN: the Transposes then cancel against the neighbouring Conv's); otherwise
            # the other axes are folded into one
            as_is = len(rest) == 2 and (kind != "sum" or _static(dims[1]))
            if not as_is:
                lead = [1, -1] if kind != "sum" else [-1, 1]
                shape = ctx.op("Concat", ctx.const(_i64(lead)), ctx.shape(dims[len(rest):]), axis=0)
                y = ctx.op("Reshape", y, shape)
            pads = [int(lo) for lo, _ in pad] + [int(hi) for _, hi in pad]
            if kind == "sum":  # a ones kernel per channel: the exact window sum
                channels = int(dims[1]) if as_is else 1
                ones = ctx.const(np.ones([channels, 1] + win, compute))
                y = ctx.op("Conv", y, ones, strides=strides, pads=pads, dilations=wdil, group=channels)
            else:
                y = ctx.op("MaxPool", y, kernel_shape=win, strides=strides, pads=pads, dilations=wdil)
                if compute == dtype and np.issubdtype(compute, np.floating):
                    # ORT's MaxPool starts from the lowest finite value, so a window of -inf
                    # only (padding, dilation holes or real -inf) comes out finite; map it back
                    # (a window whose true maximum is exactly that lowest value reads -inf)
                    lowest = ctx.const(np.array(np.finfo(compute).min, compute))
                    y = ctx.op("Where", ctx.op("Equal", y, lowest), ctx.const(np.array(-np.inf, compute)), y)
            if not as_is:
                y = ctx.op("Reshape", y, ctx.shape([out_aval.shape[a] for a in rest] + out_act))
        else:
            y, dims = _pad(ctx, y, dims, sp, pad, fill)
            parts = _window_slices(ctx, y, sp, win, strides, wdil, out_act)
            fold = {"sum": "Add", "max": "Max", "min": "Min"}[kind]
            y = parts[0]
            for part in parts[1:]:
                y = ctx.op(fold, y, part)
        if negate:
            y = ctx.op("Neg", y)
        if compute != dtype:
            y = _cast(ctx, y, dtype)
        y, _ = _transpose(ctx, y, np.argsort(perm), [None] * rank)
        return y

    lower.__name__ = f"lower_reduce_window_{kind}"
    lower.__doc__ = f"Windowed {kind} (pooling) with strides, padding and base/window dilation."
    return lower


for _kind in ("max", "min", "sum"):
    register(PIPELINE, f"reduce_window_{_kind}")(_reduce_window(_kind))


#: single-primitive reduce_window computations -> the ONNX op folding two windows
_FOLD = {"add": "Add", "mul": "Mul", "max": "Max", "min": "Min", "and": "And", "or": "Or"}


@register(PIPELINE, "reduce_window")
def reduce_window(ctx, x, init, *, jaxpr, consts=(), window_dimensions, window_strides, padding,
                  base_dilation, window_dilation, **_):
    """reduce_window with a one-primitive computation (mul, or add/max/min with an init
    value that is not the identity): XLA's accumulator semantics, ``init`` combined with
    every window element, padding and base-dilation holes filled with ``init``."""
    eqns = jaxpr.eqns
    prim = eqns[0].primitive.name if len(eqns) == 1 else None
    if prim not in _FOLD or consts or list(eqns[0].invars) != list(jaxpr.invars):
        raise NotImplementedError(
            "reduce_window supports a single operand and a computation that is one of "
            f"{sorted(_FOLD)}; got {[e.primitive.name for e in eqns]}")
    aval, out_aval = ctx.in_avals[0], ctx.out_avals[0]
    op = _FOLD[prim]
    if op in ("And", "Or") and np.dtype(aval.dtype) != np.bool_:
        op = "Bitwise" + op
    rank = len(aval.shape)
    active = [a for a in range(rank) if window_dimensions[a] != 1 or window_strides[a] != 1
              or tuple(padding[a]) != (0, 0) or base_dilation[a] != 1]
    y, dims = x, list(aval.shape)
    for a in active:
        y, dims = _dilate(ctx, y, dims, a, base_dilation[a], init)
    y, dims, pad = _crop_negative(ctx, y, dims, active, [tuple(padding[a]) for a in active])
    y, dims = _pad(ctx, y, dims, active, pad, init)
    acc = init
    if active:
        parts = _window_slices(ctx, y, active, [window_dimensions[a] for a in active],
                               [window_strides[a] for a in active], [window_dilation[a] for a in active],
                               [out_aval.shape[a] for a in active])
    else:
        parts = [y]
    for part in parts:
        acc = bitwise(ctx, op, acc, part, dtype=aval.dtype) if op.startswith("Bitwise") else ctx.op(op, acc, part)
    return acc


@register(PIPELINE, "select_and_scatter_add")
def select_and_scatter_add(ctx, source, operand, *, select_prim, window_dimensions, window_strides, padding,
                           **_):
    """Gradient of max/min pooling: each window's ``source`` value is added at the
    position its max (``ge``) or min (``le``) came from, the first one on ties.

    MaxPool's Indices output gives that position (flat, into the padded operand; ORT
    keeps the first maximum), then one ScatterElements with reduction="add".
    """
    aval, src_aval = ctx.in_avals[1], ctx.in_avals[0]
    dtype = np.dtype(aval.dtype)
    rank = len(aval.shape)
    active = [a for a in range(rank) if window_dimensions[a] != 1 or window_strides[a] != 1
              or tuple(padding[a]) != (0, 0)]
    if not active:
        return source  # every window is one element, which selects itself
    if len(active) > 3 or dtype.name not in ("float32", "float64") or select_prim.name not in ("ge", "le"):
        raise NotImplementedError(
            f"select_and_scatter_add over {len(active)} axes / {dtype} / {select_prim} (supported: up to 3 "
            f"windowed axes, float32/float64, ge or le)")
    rest = [a for a in range(rank) if a not in active]
    perm = rest + active
    x, dims = _transpose(ctx, operand, perm, aval.shape)
    src, _ = _transpose(ctx, source, perm, src_aval.shape)
    if select_prim.name == "le":
        x = ctx.op("Neg", x)  # the first minimum is the first maximum of -x
    sp = list(range(len(rest), rank))
    pad = [tuple(padding[a]) for a in active]
    x, pdims = _pad(ctx, x, dims, sp, pad, ctx.const(np.array(-np.inf, dtype)))
    x = ctx.op("Reshape", x, ctx.op("Concat", ctx.const(_i64([1, -1])), ctx.shape(pdims[len(rest):]), axis=0))
    _, where = ctx.op("MaxPool", x, kernel_shape=[int(window_dimensions[a]) for a in active],
                      strides=[int(window_strides[a]) for a in active], num_outputs=2)
    numel = 1
    for d in pdims:
        numel = numel * d
    zeros = ctx.op("Expand", ctx.const(np.array(0, dtype)), ctx.shape([numel]))
    flat_idx = ctx.op("Reshape", where, ctx.const(_i64([-1])))
    flat_src = ctx.op("Reshape", src, ctx.const(_i64([-1])))
    if ctx.opset >= SCATTER_REDUCTION_SINCE["add"]:
        y = ctx.op("ScatterElements", zeros, flat_idx, flat_src, axis=0, reduction="add")
    else:  # 1-D ScatterElements is ScatterND with one index per row
        y = scatter_nd(ctx, zeros, ctx.op("Unsqueeze", flat_idx, ctx.const(_i64([1]))), flat_src, "add",
                       dtype=dtype, index_depth=1)
    y = ctx.op("Reshape", y, ctx.shape(pdims))
    if any(lo or hi for lo, hi in pad):
        ends = [lo + dims[a] for (lo, _), a in zip(pad, sp)]
        y = ctx.op("Slice", y, ctx.shape([lo for lo, _ in pad]), ctx.shape(ends), ctx.const(_i64(sp)))
    y, _ = _transpose(ctx, y, np.argsort(perm), [None] * rank)
    return y
