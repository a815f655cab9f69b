"""Elementwise math for the onnx_ir pipeline: a table of 1:1 ops plus small rewrites.

ORT kernel gaps are handled by computing in a wider dtype and casting back:
bfloat16 → float32 everywhere; Max/Min have no int16/uint16 kernels; Neg has no
unsigned kernels; Where has no bool/int16/uint16/uint64 kernels. The special
functions (erf family, gamma family, inverse trig/hyperbolic with their float64
fallbacks) live in ``elementwise_special.py``.
"""

from __future__ import annotations

import numpy as np

from ..converter2.context import ir_dtype
from ..plugin.registry import register

PIPELINE = "onnx_ir"

_FLOATS = {"float16", "float32", "float64"}
_INTS = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
#: dtypes ORT has kernels for, per op (probed on onnxruntime's CPU provider)
_SUPPORTED = {
    "arith": _FLOATS | _INTS,
    "Max": _FLOATS | {"int8", "int32", "int64", "uint8", "uint32", "uint64"},
    "Neg": _FLOATS | {"int8", "int16", "int32", "int64"},
    "Where": _FLOATS | {"int8", "int32", "int64", "uint8", "uint32"},
    "float": _FLOATS,
    # composite float math: float16 computes in float32 (as XLA does) to keep 1-ulp results
    "float32+": {"float32", "float64"},
}
#: the wider dtype an unsupported dtype is computed in (the result is cast back)
_WIDER = {"bfloat16": np.float32, "int16": np.int32, "uint16": np.int32, "bool": np.uint8,
          "uint64": np.int64}


def _dt(aval) -> np.dtype:
    return np.dtype(aval.dtype)


#: 8/16-bit integers joined Add/Sub/Mul/Div at opset 14
_SMALL_INTS = {"int8", "int16", "uint8", "uint16"}
_ARITH_SMALL_INTS_SINCE = 14


def _compute_dtype(dtype: np.dtype, kind: str, opset: int = _ARITH_SMALL_INTS_SINCE) -> np.dtype:
    if kind == "arith" and opset < _ARITH_SMALL_INTS_SINCE and dtype.name in _SMALL_INTS:
        return np.dtype(np.int32)  # the cast back wraps, as the narrow arithmetic does
    return dtype if dtype.name in _SUPPORTED[kind] else np.dtype(_WIDER.get(dtype.name, np.float32))


def cast(ctx, x, dtype):
    """One ``Cast`` node to ``dtype``."""
    return ctx.op("Cast", x, to=ir_dtype(dtype))


def computed_in(ctx, kind: str, fn, *xs, dtype=None):
    """Run ``fn(*xs)`` in a dtype ORT supports for ``kind``; cast the result back."""
    dtype = np.dtype(dtype or ctx.in_avals[0].dtype)
    comp = _compute_dtype(dtype, kind, ctx.opset)
    if comp == dtype:
        return fn(*xs)
    return cast(ctx, fn(*(cast(ctx, x, comp) for x in xs)), dtype)


def where(ctx, cond, a, b, dtype):
    """``Where`` for any dtype (ORT lacks bool/int16/uint16/uint64 kernels)."""
    return computed_in(ctx, "Where", lambda p, q: ctx.op("Where", cond, p, q), a, b, dtype=dtype)


def const(ctx, value, dtype):
    """A constant of ``dtype`` (values wrap like numpy casts, e.g. -1 -> all ones unsigned)."""
    return ctx.const(np.asarray(value).astype(dtype))


# ---- table: 1:1 ops -----------------------------------------------------------------
#: primitive -> (ONNX op, dtype support kind)
ONE_TO_ONE = {
    "add_any": ("Add", "arith"),  # gradient accumulation (jax.grad)
    "add": ("Add", "arith"), "sub": ("Sub", "arith"), "mul": ("Mul", "arith"),
    "max": ("Max", "Max"), "min": ("Min", "Max"),
    "abs": ("Abs", "arith"), "sign": ("Sign", "arith"),
    "floor": ("Floor", "float"), "ceil": ("Ceil", "float"), "exp": ("Exp", "float"),
    "log": ("Log", "float"), "sqrt": ("Sqrt", "float"), "tanh": ("Tanh", "float"),
    "logistic": ("Sigmoid", "float"), "sin": ("Sin", "float"), "cos": ("Cos", "float"),
}


def _one_to_one(op_type: str, kind: str):
    def lower(ctx, *xs, **_):
        return computed_in(ctx, kind, lambda *ys: ctx.op(op_type, *ys), *xs)

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, (_op, _kind) in ONE_TO_ONE.items():
    register(PIPELINE, _prim)(_one_to_one(_op, _kind))


# ---- small rewrites --------------------------------------------------------------------
@register(PIPELINE, "neg")
def neg(ctx, x, **_):
    """-x; unsigned types as 0 - x (no unsigned Neg kernel)."""
    dtype = _dt(ctx.in_avals[0])
    if dtype.kind == "u":  # no unsigned Neg kernel: 0 - x wraps exactly like JAX
        return ctx.op("Sub", const(ctx, 0, dtype), x)
    return computed_in(ctx, "Neg", lambda y: ctx.op("Neg", y), x)


@register(PIPELINE, "div")
def div(ctx, x, y, **_):
    """Float division, or integer division truncating toward zero.

    XLA defines integer ``x / 0`` as -1 (all ones when unsigned) and ``INT_MIN / -1``
    as INT_MIN; ORT traps (SIGFPE) on both, so divisors 0 and -1 are replaced by 1
    and the results patched (``x / -1`` is ``-x``, which wraps INT_MIN to itself).
    """
    dtype = _dt(ctx.in_avals[0])
    if dtype.kind not in "iu":
        return computed_in(ctx, "arith", lambda a, b: ctx.op("Div", a, b), x, y)
    comp = _compute_dtype(dtype, "arith", ctx.opset)
    if comp != dtype:  # opset 13 has no 8/16-bit Div: int32, wrapped back
        return cast(ctx, _int_div(ctx, cast(ctx, x, comp), cast(ctx, y, comp), comp), dtype)
    return _int_div(ctx, x, y, dtype)


def _int_div(ctx, x, y, dtype):
    is_zero = ctx.op("Equal", y, const(ctx, 0, dtype))
    if dtype.kind == "u":
        safe = where(ctx, is_zero, const(ctx, 1, dtype), y, dtype)
        return where(ctx, is_zero, const(ctx, -1, dtype), ctx.op("Div", x, safe), dtype)
    is_m1 = ctx.op("Equal", y, const(ctx, -1, dtype))
    safe = where(ctx, ctx.op("Or", is_zero, is_m1), const(ctx, 1, dtype), y, dtype)
    q = where(ctx, is_m1, ctx.op("Neg", x), ctx.op("Div", x, safe), dtype)
    return where(ctx, is_zero, const(ctx, -1, dtype), q, dtype)


@register(PIPELINE, "rem")
def rem(ctx, x, y, **_):
    """C ``fmod`` semantics (sign of the dividend): ONNX ``Mod(fmod=1)``.

    Integers: XLA defines ``x % 0 = x``; ORT would trap on 0 (and on INT_MIN % -1),
    so 0 and -1 divisors are replaced by 1 (``x % -1 == x % 1 == 0``). Unsigned: ``fmod=0``,
    the same remainder without signs, kept in integer arithmetic (onnxruntime 1.31's
    ``fmod=1`` rounds uint64 dividends above 2**53 through double).
    """
    dtype = _dt(ctx.in_avals[0])
    if dtype.kind not in "iu":
        return computed_in(ctx, "float", lambda a, b: ctx.op("Mod", a, b, fmod=1), x, y)
    is_zero = ctx.op("Equal", y, const(ctx, 0, dtype))
    bad = is_zero if dtype.kind == "u" else ctx.op("Or", is_zero, ctx.op("Equal", y, const(ctx, -1, dtype)))
    safe = where(ctx, bad, const(ctx, 1, dtype), y, dtype)
    return where(ctx, is_zero, x, ctx.op("Mod", x, safe, fmod=0 if dtype.kind == "u" else 1), dtype)


@register(PIPELINE, "clamp")
def clamp(ctx, lo, x, hi, **_):
    """``clamp(lo, x, hi)``; Max/Min (not Clip: JAX allows array bounds). NaN propagates."""
    dtype = _dt(ctx.in_avals[1])
    return computed_in(ctx, "Max", lambda a, b, c: ctx.op("Min", ctx.op("Max", b, a), c),
                       lo, x, hi, dtype=dtype)


@register(PIPELINE, "is_finite")
def is_finite(ctx, x, **_):
    """``x - x == 0`` is False exactly for NaN and ±inf (two nodes, any float dtype)."""
    dtype = _compute_dtype(_dt(ctx.in_avals[0]), "float")
    if dtype != _dt(ctx.in_avals[0]):
        x = cast(ctx, x, dtype)
    return ctx.op("Equal", ctx.op("Sub", x, x), const(ctx, 0, dtype))


@register(PIPELINE, "square")
def square(ctx, x, **_):
    """x * x (any numeric dtype)."""
    return computed_in(ctx, "arith", lambda y: ctx.op("Mul", y, y), x)


@register(PIPELINE, "rsqrt")
def rsqrt(ctx, x, **_):
    """1 / sqrt(x)."""
    return computed_in(ctx, "float", lambda y: ctx.op("Reciprocal", ctx.op("Sqrt", y)), x)


@register(PIPELINE, "exp2")
def exp2(ctx, x, **_):
    """``Pow(2, x)``: exact at integers, unlike ``Exp(x * ln 2)``."""
    dtype = _compute_dtype(_dt(ctx.in_avals[0]), "float32+")
    return computed_in(ctx, "float32+", lambda y: ctx.op("Pow", const(ctx, 2, dtype), y), x)


@register(PIPELINE, "cbrt")
def cbrt(ctx, x, **_):
    """``sign(x) * |x| ** (1/3)``: Pow alone gives NaN for negative bases."""
    dtype = _compute_dtype(_dt(ctx.in_avals[0]), "float32+")

    def body(y):
        mag = ctx.op("Pow", ctx.op("Abs", y), const(ctx, 1 / 3, dtype))
        return ctx.op("Mul", ctx.op("Sign", y), mag)

    return computed_in(ctx, "float32+", body, x)


@register(PIPELINE, "round")
def round_(ctx, x, *, rounding_method=0, **_):
    """TO_NEAREST_EVEN is ONNX ``Round``; AWAY_FROM_ZERO adds 1 to ``floor(|x|)`` when
    the (exact) fractional part is >= 0.5, then restores the sign."""
    dtype = _compute_dtype(_dt(ctx.in_avals[0]), "float")
    if int(rounding_method) == 1:
        return computed_in(ctx, "float", lambda y: ctx.op("Round", y), x)

    def away(y):
        a = ctx.op("Abs", y)
        f = ctx.op("Floor", a)
        up = ctx.op("GreaterOrEqual", ctx.op("Sub", a, f), const(ctx, 0.5, dtype))
        r = ctx.op("Add", f, ctx.op("Cast", up, to=ir_dtype(dtype)))
        return ctx.op("Where", ctx.op("Less", y, const(ctx, 0, dtype)), ctx.op("Neg", r), r)

    return computed_in(ctx, "float", away, x)


@register(PIPELINE, "pow")
def pow_(ctx, x, y, **_):
    """``x ** y`` for float ``x`` and float or integer ``y`` (ONNX Pow(T, T1))."""
    dtype = _dt(ctx.in_avals[0])
    comp = _compute_dtype(dtype, "float")
    if comp == dtype:
        return ctx.op("Pow", x, y)
    ydt = _dt(ctx.in_avals[1])
    y = cast(ctx, y, comp) if ydt == dtype else y
    return cast(ctx, ctx.op("Pow", cast(ctx, x, comp), y), dtype)


@register(PIPELINE, "integer_pow")
def integer_pow(ctx, x, *, y, **_):
    """Exponentiation by squaring (like XLA), ``1 / x**|y|`` for negative ``y``."""
    dtype = _dt(ctx.in_avals[0])
    if y == 0:
        return ctx.op("Expand", const(ctx, 1, dtype), ctx.shape(ctx.in_avals[0].shape))
    if y == 1:
        return x

    def body(v):
        acc, base, n = None, v, abs(y)
        while n:
            if n & 1:
                acc = base if acc is None else ctx.op("Mul", acc, base)
            n >>= 1
            if n:
                base = ctx.op("Mul", base, base)
        return ctx.op("Reciprocal", acc) if y < 0 else acc

    return computed_in(ctx, "arith", body, x)


#: float format -> (explicit mantissa bits, minimum normal exponent, maximum exponent)
_FORMATS = {"float16": (10, -14, 15), "bfloat16": (7, -126, 127), "float32": (23, -126, 127),
            "float64": (52, -1022, 1023)}


@register(PIPELINE, "nextafter")
def nextafter(ctx, x, y, **_):
    """The next representable value after ``x`` toward ``y``, by arithmetic (no bitcast
    before opset 26): step = 2^(e - p) with e = exponent of |x| (clamped to the
    subnormal range), halved when stepping toward zero from an exact power of two.
    float16/bfloat16 compute in float32 with their own format constants (the result
    is exactly representable, so the cast back is exact)."""
    dtype = _dt(ctx.in_avals[0])
    mant, emin, emax = _FORMATS[dtype.name]
    comp = _compute_dtype(dtype, "float32+")
    fmax = (2 - 2.0 ** -mant) * 2.0 ** emax

    def c(v):
        return const(ctx, v, comp)

    def body(a_, b_):
        a = ctx.op("Abs", a_)
        e = ctx.op("Floor", ctx.op("Mul", ctx.op("Log", a), c(1 / np.log(2))))
        e = ctx.op("Max", e, c(emin))  # subnormals (and log(0) = -inf) share the smallest step
        # Log may be one off near powers of two: fix e so that 2^e <= |x| < 2^(e+1)
        e = ctx.op("Sub", e, ctx.op("Cast", ctx.op("Greater", ctx.op("Pow", c(2), e), a), to=ir_dtype(comp)))
        e = ctx.op("Max", e, c(emin))
        up = ctx.op("LessOrEqual", ctx.op("Pow", c(2), ctx.op("Add", e, c(1))), a)
        e = ctx.op("Add", e, ctx.op("Cast", up, to=ir_dtype(comp)))
        step = ctx.op("Pow", c(2), ctx.op("Sub", e, c(mant)))
        rising = ctx.op("Greater", b_, a_)
        away = ctx.op("Equal", rising, ctx.op("Greater", a_, c(0)))
        at_pow2 = ctx.op("And", ctx.op("Equal", ctx.op("Pow", c(2), e), a), ctx.op("Greater", e, c(emin)))
        toward_half = ctx.op("And", at_pow2, ctx.op("Not", away))
        step = ctx.op("Where", toward_half, ctx.op("Mul", step, c(0.5)), step)
        r = ctx.op("Add", a_, ctx.op("Where", rising, step, ctx.op("Neg", step)))
        tiny = c(2.0 ** (emin - mant))
        r = ctx.op("Where", ctx.op("Equal", a, c(0)), ctx.op("Where", rising, tiny, ctx.op("Neg", tiny)), r)
        r = ctx.op("Where", ctx.op("Equal", a, c(np.inf)),
                   ctx.op("Mul", ctx.op("Sign", a_), c(fmax)), r)
        r = ctx.op("Where", ctx.op("Equal", a_, b_), b_, r)
        unordered = ctx.op("Or", ctx.op("IsNaN", a_), ctx.op("IsNaN", b_))
        return ctx.op("Where", unordered, ctx.op("Add", a_, b_), r)

    return computed_in(ctx, "float32+", body, x, y)
