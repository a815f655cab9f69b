"""Reductions, arg-reductions, cumulative ops and reduce_precision (onnx_ir pipeline).

ORT's CPU kernels cover only some dtypes per op (ReduceSum has no int8 kernel, CumSum
no float16 one, ...), so operands are widened to a dtype the kernel has and the result
is cast back. The widening is exact for max/min/argmax and wraps like JAX for integer
sums and products (the narrowing Cast truncates modulo 2**bits).
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.dtypes import ORT_KERNEL_DTYPE
from ..plugin.registry import register
from .opset_compat import bitwise, reduce_logsumexp

PIPELINE = "onnx_ir"

REDUCE_OPS = {"reduce_sum": "ReduceSum", "reduce_max": "ReduceMax", "reduce_min": "ReduceMin",
              "reduce_prod": "ReduceProd"}

#: dtype -> dtype an ORT kernel exists for (applied before, undone after, the op)
_WIDEN = ORT_KERNEL_DTYPE["Reduce"]


def _i64(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def _cast(ctx, x, dtype):
    return ctx.op("Cast", x, to=ir.DataType.from_numpy(np.dtype(dtype)))


def _widen(ctx, x, dtype):
    """(value, compute dtype): ``x`` cast to a dtype the ORT kernels accept."""
    target = _WIDEN.get(np.dtype(dtype).name)
    if target is None:
        return x, np.dtype(dtype)
    return _cast(ctx, x, target), np.dtype(target)


def _narrow(ctx, y, compute_dtype, out_dtype):
    return y if np.dtype(compute_dtype) == np.dtype(out_dtype) else _cast(ctx, y, out_dtype)


def _reduce(op_type):
    def lower(ctx, x, *, axes, **_):
        if not axes:
            return x  # reducing over no axis is the identity
        out_dtype = ctx.out_avals[0].dtype
        xw, cdt = _widen(ctx, x, ctx.in_avals[0].dtype)
        ax = ctx.const(_i64(axes))
        y = ctx.op(op_type, xw, ax, keepdims=0)
        if op_type in ("ReduceMax", "ReduceMin") and np.issubdtype(cdt, np.floating):
            # JAX's max/min propagate NaN, ORT's ReduceMax/Min skip it: the sum of the
            # NaN entries (NaN, or 0 when there is none) tells whether to return NaN
            nans = ctx.op("ReduceSum", ctx.op("Where", ctx.op("IsNaN", xw), xw, ctx.const(np.array(0, cdt))),
                          ax, keepdims=0)
            y = ctx.op("Where", ctx.op("IsNaN", nans), nans, y)
        return _narrow(ctx, y, cdt, out_dtype)

    lower.__name__ = f"lower_{op_type.lower()}"
    lower.__doc__ = f"Lower a JAX reduction to ONNX {op_type} (keepdims=0)."
    return lower


for _prim, _op in REDUCE_OPS.items():
    register(PIPELINE, _prim)(_reduce(_op))

_BITWISE = {"reduce_and": "BitwiseAnd", "reduce_or": "BitwiseOr", "reduce_xor": "BitwiseXor"}


def _bitwise_reduce(ctx, x, prim, axes):
    """Integer and/or/xor reduction: pairwise halving (log2 n Bitwise ops per axis).

    ONNX has no bitwise Reduce op; the halving needs each axis length statically.
    """
    aval = ctx.in_avals[0]
    dtype = np.dtype(aval.dtype)
    ident = np.array(0, dtype)
    if prim == "reduce_and":  # all bits set
        ident = np.array(-1 if np.issubdtype(dtype, np.signedinteger) else np.iinfo(dtype).max, dtype)
    fill = ctx.const(ident)
    rank = len(aval.shape)
    for axis in sorted(axes, reverse=True):
        n = aval.shape[axis]
        if not isinstance(n, int):
            raise NotImplementedError(f"{prim} of integers over a symbolic axis length ({n}) is not supported")
        ax = ctx.const(_i64([axis]))
        if n == 0:
            x, n = ctx.op("Pad", x, ctx.const(_i64([0, 1])), fill, ax, _rank=rank), 1
        while n > 1:
            if n % 2:
                x, n = ctx.op("Pad", x, ctx.const(_i64([0, 1])), fill, ax, _rank=rank), n + 1
            half = n // 2
            lo = ctx.op("Slice", x, ctx.const(_i64([0])), ctx.const(_i64([half])), ax)
            hi = ctx.op("Slice", x, ctx.const(_i64([half])), ctx.const(_i64([n])), ax)
            x, n = bitwise(ctx, _BITWISE[prim], lo, hi, dtype=dtype), half
        x = ctx.op("Squeeze", x, ax)
        rank -= 1
    return x


def _logical(prim, bool_op):
    def lower(ctx, x, *, axes, **_):
        if not axes:
            return x
        if np.dtype(ctx.in_avals[0].dtype) != np.bool_:
            return _bitwise_reduce(ctx, x, prim, axes)
        return bool_op(ctx, x, axes)

    lower.__name__ = f"lower_{prim}"
    lower.__doc__ = f"Lower {prim}: booleans via integer min/max/sum, integers bitwise."
    return lower


def _bool_and(ctx, x, axes):
    return _cast(ctx, ctx.op("ReduceMin", _cast(ctx, x, np.int32), ctx.const(_i64(axes)), keepdims=0), np.bool_)


def _bool_or(ctx, x, axes):
    return _cast(ctx, ctx.op("ReduceMax", _cast(ctx, x, np.int32), ctx.const(_i64(axes)), keepdims=0), np.bool_)


def _bool_xor(ctx, x, axes):
    """Parity of the number of True values."""
    s = ctx.op("ReduceSum", _cast(ctx, x, np.int32), ctx.const(_i64(axes)), keepdims=0)
    return _cast(ctx, ctx.op("Mod", s, ctx.const(np.array(2, np.int32))), np.bool_)


register(PIPELINE, "reduce_and")(_logical("reduce_and", _bool_and))
register(PIPELINE, "reduce_or")(_logical("reduce_or", _bool_or))
register(PIPELINE, "reduce_xor")(_logical("reduce_xor", _bool_xor))


# ---- argmax / argmin -----------------------------------------------------------------

def _arg(op_type):
    def lower(ctx, x, *, axes, index_dtype, **_):
        axis = int(axes[0])  # vmap may hand numpy integers; ONNX attributes want int
        xw, cdt = _widen(ctx, x, ctx.in_avals[0].dtype)
        # select_last_index=0: the first extremal index, as JAX returns
        idx = ctx.op(op_type, xw, axis=axis, keepdims=0, select_last_index=0)
        if np.issubdtype(cdt, np.floating):
            # JAX treats NaN as the extremum (first NaN wins); ORT's kernels skip NaNs
            nan = _cast(ctx, ctx.op("IsNaN", xw), np.int32)
            nan_idx = ctx.op("ArgMax", nan, axis=axis, keepdims=0, select_last_index=0)
            any_nan = ctx.op("ReduceMax", nan, ctx.const(_i64([axis])), keepdims=0)
            idx = ctx.op("Where", _cast(ctx, any_nan, np.bool_), nan_idx, idx)
        return _cast(ctx, idx, index_dtype)

    lower.__name__ = f"lower_{op_type.lower()}"
    lower.__doc__ = f"Lower a JAX {op_type.lower()} (first index on ties, NaN counts as extremum)."
    return lower


register(PIPELINE, "argmax")(_arg("ArgMax"))
register(PIPELINE, "argmin")(_arg("ArgMin"))


# ---- cumulative ops --------------------------------------------------------------------

@register(PIPELINE, "cumsum")
def cumsum(ctx, x, *, axis, reverse=False, **_):
    """ONNX CumSum (inclusive) with its ``reverse`` attribute."""
    dtype = ctx.in_avals[0].dtype
    xw, cdt = _widen(ctx, x, dtype)
    y = ctx.op("CumSum", xw, ctx.const(np.array(int(axis), np.int64)), reverse=int(bool(reverse)))
    return _narrow(ctx, y, cdt, dtype)


def _identity(kind, dtype):
    dtype = np.dtype(dtype)
    if kind == "prod":
        return np.array(1, dtype)
    if np.issubdtype(dtype, np.floating):
        return np.array(np.inf if kind == "min" else -np.inf, dtype)
    info = np.iinfo(dtype)
    return np.array(info.max if kind == "min" else info.min, dtype)


def _dtype_like(ctx):
    return _WIDEN.get(np.dtype(ctx.in_avals[0].dtype).name, np.dtype(ctx.in_avals[0].dtype))


def _logaddexp(ctx, a, b):
    """log(exp(a) + exp(b)) without overflow; infinities pass through."""
    m = ctx.op("Max", a, b)
    # log1p(exp(d)) with d <= 0; ORT's Softplus has no float64 kernel
    e = ctx.op("Exp", ctx.op("Sub", ctx.op("Min", a, b), m))
    s = ctx.op("Add", m, ctx.op("Log", ctx.op("Add", e, ctx.const(np.array(1, _dtype_like(ctx))))))
    return ctx.op("Where", ctx.op("IsInf", m), m, s)


_COMBINE = {"prod": lambda c, a, b: c.op("Mul", a, b), "max": lambda c, a, b: c.op("Max", a, b),
            "min": lambda c, a, b: c.op("Min", a, b), "logsumexp": _logaddexp}
_REDUCE_FOR = {"prod": "ReduceProd", "max": "ReduceMax", "min": "ReduceMin",
               "logsumexp": "ReduceLogSumExp"}


def _cumulative_static(ctx, x, kind, axis, n, reverse, ident):
    """Log-depth inclusive scan (Hillis-Steele): ceil(log2 n) shifted combines."""
    ax = ctx.const(_i64([axis]))
    y, k = x, 1
    while k < n:
        if reverse:
            part = ctx.op("Slice", y, ctx.const(_i64([k])), ctx.const(_i64([n])), ax)
            pads = _i64([0, k])
        else:
            part = ctx.op("Slice", y, ctx.const(_i64([0])), ctx.const(_i64([n - k])), ax)
            pads = _i64([k, 0])
        shifted = ctx.op("Pad", part, ctx.const(pads), ident, ax, mode="constant", _rank=len(ctx.in_avals[0].shape))
        y = _COMBINE[kind](ctx, y, shifted)
        k *= 2
    return y


def _cumulative_symbolic(ctx, x, kind, axis, n, rank, reverse, ident):
    """Scan over a symbolic-length axis: mask an [n, n] triangle and reduce it."""
    r = ctx.op("Range", ctx.const(np.array(0, np.int64)), ctx.scalar_dim(n), ctx.const(np.array(1, np.int64)))
    i = ctx.op("Unsqueeze", r, ctx.const(_i64([1])))
    j = ctx.op("Unsqueeze", r, ctx.const(_i64([0])))
    mask = ctx.op("GreaterOrEqual" if reverse else "LessOrEqual", j, i)  # [i, j]: j contributes to i
    trailing = list(range(2, rank + 1 - axis))
    if axis or trailing:
        mask = ctx.op("Unsqueeze", mask, ctx.const(_i64(list(range(axis)) + [a + axis for a in trailing])))
    xu = ctx.op("Unsqueeze", x, ctx.const(_i64([axis])))
    masked = ctx.op("Where", mask, xu, ident)
    if kind == "logsumexp":
        return reduce_logsumexp(ctx, masked, [axis + 1], False, _dtype_like(ctx))
    return ctx.op(_REDUCE_FOR[kind], masked, ctx.const(_i64([axis + 1])), keepdims=0)


def _cumulative(kind):
    def lower(ctx, x, *, axis, reverse=False, **_):
        aval = ctx.in_avals[0]
        xw, cdt = _widen(ctx, x, aval.dtype)
        axis = int(axis) % len(aval.shape)
        n = aval.shape[axis]
        ident = ctx.const(_identity(kind if kind != "logsumexp" else "max", cdt))
        if isinstance(n, int):
            y = _cumulative_static(ctx, xw, kind, axis, n, reverse, ident)
        else:
            y = _cumulative_symbolic(ctx, xw, kind, axis, n, len(aval.shape), reverse, ident)
        if y is xw:
            return x
        return _narrow(ctx, y, cdt, aval.dtype)

    lower.__name__ = f"lower_cum{kind}"
    lower.__doc__ = (f"Inclusive cumulative {kind}: log-depth doubling for a static axis length, "
                     f"a masked triangle reduction for a symbolic one.")
    return lower


for _kind in ("prod", "max", "min", "logsumexp"):
    register(PIPELINE, f"cum{_kind}")(_cumulative(_kind))


# ---- reduce_precision ---------------------------------------------------------------------

#: (exponent_bits, mantissa_bits) of the float formats
_FORMATS = {"float16": (5, 10), "bfloat16": (8, 7), "float32": (8, 23), "float64": (11, 52)}
#: (source dtype, target format) -> ONNX type whose Cast rounds exactly like XLA (one rounding)
_ROUND_THROUGH = {("float32", (5, 10)): ir.DataType.FLOAT16, ("float32", (8, 7)): ir.DataType.BFLOAT16,
                  ("float64", (8, 23)): ir.DataType.FLOAT}


def _round_arithmetic(ctx, x, dtype, exponent_bits, mantissa_bits):
    """Round-to-nearest-even to ``mantissa_bits`` and clamp to ``exponent_bits`` with
    exact float arithmetic: scale by the power of two of x's binade, Round (half to even),
    scale back. The binade comes from Log and is corrected by comparisons, so it is exact.
    Overflow becomes signed inf; the flush to zero is applied by the caller.
    """
    finfo = np.finfo(dtype)
    src_e = _FORMATS[dtype.name][0]
    c = lambda v: ctx.const(np.array(v, dtype))  # noqa: E731
    y = x
    if mantissa_bits < finfo.nmant:
        ax = ctx.op("Abs", x)
        two = c(2.0)
        lowest = c(float(finfo.minexp))  # below it the source's own subnormal quantum rules
        ex = ctx.op("Max", ctx.op("Floor", ctx.op("Div", ctx.op("Log", ax), c(np.log(2.0)))), lowest)
        too_big = ctx.op("Greater", ctx.op("Pow", two, ex), ax)
        ex = ctx.op("Max", ctx.op("Sub", ex, ctx.op("Cast", too_big, to=ir.DataType.from_numpy(dtype))), lowest)
        too_small = ctx.op("LessOrEqual", ctx.op("Mul", ctx.op("Pow", two, ex), two), ax)
        ex = ctx.op("Add", ex, ctx.op("Cast", too_small, to=ir.DataType.from_numpy(dtype)))
        scale = ctx.op("Pow", two, ctx.op("Sub", ex, c(float(mantissa_bits))))
        y = ctx.op("Mul", ctx.op("Round", ctx.op("Div", x, scale)), scale)
    if exponent_bits < src_e:
        bias = 2 ** (exponent_bits - 1) - 1
        largest = (2 - 2.0 ** -mantissa_bits) * 2.0 ** bias
        signed_inf = ctx.op("Mul", ctx.op("Sign", x), c(np.inf))
        y = ctx.op("Where", ctx.op("Greater", ctx.op("Abs", y), c(largest)), signed_inf, y)
    # zeros, infinities and NaN pass through unchanged (Log / Div above mangle them)
    keep = ctx.op("Or", ctx.op("IsNaN", x), ctx.op("IsInf", x))
    return ctx.op("Where", ctx.op("Or", keep, ctx.op("Equal", x, c(0.0))), x, y)


@register(PIPELINE, "reduce_precision")
def reduce_precision(ctx, x, *, exponent_bits, mantissa_bits, **_):
    """Emulate a narrower float format exactly, as XLA does (round to nearest even,
    overflow to inf, results below the narrow smallest normal flushed to signed zero).

    A Cast round trip where ONNX has the format and one rounding suffices (f32 -> f16 /
    bf16, f64 -> f32); otherwise exact power-of-two scaling around Round.
    """
    in_dtype = np.dtype(ctx.in_avals[0].dtype)
    src_e, src_m = _FORMATS[in_dtype.name]
    if exponent_bits >= src_e and mantissa_bits >= src_m:
        return x  # the format already fits: nothing to round
    dtype = in_dtype if in_dtype.name in ("float32", "float64") else np.dtype(np.float32)
    xw = x if dtype == in_dtype else _cast(ctx, x, dtype)
    through = _ROUND_THROUGH.get((dtype.name, (exponent_bits, mantissa_bits)))
    if through is not None:
        y = _cast(ctx, ctx.op("Cast", xw, to=through), dtype)
    else:
        y = _round_arithmetic(ctx, xw, dtype, exponent_bits, mantissa_bits)
    if exponent_bits < _FORMATS[dtype.name][0]:
        # XLA rounds the mantissa first and flushes what is still below the smallest
        # normal: inputs under this threshold (the smallest normal less half an ulp of
        # the narrow mantissa) become zero
        tiny = ctx.const(np.array(2.0 ** (2 - 2 ** (exponent_bits - 1)) * (1 - 2.0 ** -(mantissa_bits + 2)),
                                  dtype))
        zero = ctx.op("Mul", xw, ctx.const(np.array(0, dtype)))  # keeps the sign of x
        y = ctx.op("Where", ctx.op("Less", ctx.op("Abs", xw), tiny), zero, y)
    return y if dtype == in_dtype else _cast(ctx, y, in_dtype)
