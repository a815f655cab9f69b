"""Elementwise math for the legacy pipeline: a table of 1:1 ops plus small rewrites.

Kernel gaps in onnxruntime's CPU provider are bridged by computing in a wider
dtype: bfloat16 → float32, Max/Min on int16/uint16 → int32, Neg on unsigned →
``0 - x``, Where on bool/int16/uint16/uint64 → uint8/int32/int64. Special functions
live in ``elementwise_special.py``.
"""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"

_FLOAT_OK = ("float16", "float32", "float64")
_INT_OK = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
#: per dtype-support kind: the dtypes ORT has kernels for
KERNELS = {
    "arith": _FLOAT_OK + _INT_OK,
    "minmax": _FLOAT_OK + ("int8", "int32", "int64", "uint8", "uint32", "uint64"),
    "neg": _FLOAT_OK + ("int8", "int16", "int32", "int64"),
    "where": _FLOAT_OK + ("int8", "int32", "int64", "uint8", "uint32"),
    "float": _FLOAT_OK,
    # composite float math: float16 computes in float32 (like XLA) for 1-ulp results
    "float32+": ("float32", "float64"),
}
#: dtype -> the dtype it is computed in when ORT has no kernel for it
WIDEN = {"bfloat16": "float32", "int16": "int32", "uint16": "int32", "bool": "uint8", "uint64": "int64"}


def compute_dtype(dtype, kind: str) -> np.dtype:
    """``dtype`` if ORT has ``kind`` kernels for it, else the dtype it is computed in."""
    dtype = np.dtype(dtype)
    if dtype.name in KERNELS[kind]:
        return dtype
    return np.dtype(WIDEN.get(dtype.name, "float32"))


def cast_to(ctx, name: str, dtype, out=None) -> str:
    """Cast ``name`` to ``dtype``; writes ``out`` when given."""
    to = onnx_elem_type(dtype)
    if out is None:
        return ctx.node1("Cast", [name], to=to)
    ctx.node("Cast", [name], [out], to=to)
    return out


def emit_in(ctx, kind: str, dtype, build, inputs, out: str) -> None:
    """Run ``build(inputs, out=...)`` in a dtype ORT supports; the result lands in ``out``.

    ``build`` writes its last node to ``out`` when given one (no cast needed), else
    returns a fresh name that is cast back to ``dtype`` into ``out``.
    """
    dtype = np.dtype(dtype)
    comp = compute_dtype(dtype, kind)
    if comp == dtype:
        build(list(inputs), out=out)
        return
    res = build([cast_to(ctx, n, comp) for n in inputs], out=None)
    cast_to(ctx, res, dtype, out)


def emit(ctx, op, inputs, out=None, **attrs) -> str:
    """One node; its output is ``out`` when given, else fresh."""
    if out is None:
        return ctx.node1(op, inputs, **attrs)
    ctx.node(op, inputs, [out], **attrs)
    return out


def where_any(ctx, cond: str, a: str, b: str, dtype, out=None) -> str:
    """``Where`` for every dtype (casts around ORT's missing kernels)."""
    comp = compute_dtype(dtype, "where")
    if comp == np.dtype(dtype):
        return emit(ctx, "Where", [cond, a, b], out)
    r = ctx.node1("Where", [cond, cast_to(ctx, a, comp), cast_to(ctx, b, comp)])
    return cast_to(ctx, r, dtype, out)


def const(ctx, value, dtype) -> str:
    """A constant of ``dtype`` (numpy cast semantics: -1 is all ones when unsigned)."""
    return ctx.const(np.asarray(value).astype(dtype))


def _in_dtype(eqn, i=0) -> np.dtype:
    return np.dtype(eqn.invars[i].aval.dtype)


# ---- table: 1:1 ops -------------------------------------------------------------------
#: primitive -> (ONNX op, dtype-support kind)
ONE_TO_ONE = {
    "add_any": ("Add", "arith"),  # gradient accumulation (jax.grad)
    "add": ("Add", "arith"), "sub": ("Sub", "arith"), "mul": ("Mul", "arith"),
    "max": ("Max", "minmax"), "min": ("Min", "minmax"), "abs": ("Abs", "arith"),
    "sign": ("Sign", "arith"), "floor": ("Floor", "float"), "ceil": ("Ceil", "float"),
    "exp": ("Exp", "float"), "log": ("Log", "float"), "sqrt": ("Sqrt", "float"),
    "tanh": ("Tanh", "float"), "logistic": ("Sigmoid", "float"), "sin": ("Sin", "float"),
    "cos": ("Cos", "float"),
}


def _one_to_one(op_type: str, kind: str):
    def lower(ctx, eqn):
        emit_in(ctx, kind, _in_dtype(eqn), lambda xs, out: emit(ctx, op_type, xs, out),
                ctx.inputs(eqn), ctx.outputs(eqn)[0])

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, (_op, _kind) in ONE_TO_ONE.items():
    register(PIPELINE, _prim)(_one_to_one(_op, _kind))


# ---- rewrites -----------------------------------------------------------------------------
@register(PIPELINE, "neg")
def neg(ctx, eqn):
    """-x (0 - x for unsigned types)."""
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dtype = _in_dtype(eqn)
    if dtype.kind == "u":  # ORT has no unsigned Neg; 0 - x wraps the same way JAX does
        ctx.node("Sub", [const(ctx, 0, dtype), x], [out])
        return
    emit_in(ctx, "neg", dtype, lambda xs, out: emit(ctx, "Neg", xs, out), [x], out)


@register(PIPELINE, "div")
def div(ctx, eqn):
    """Integer division truncates. XLA defines ``x / 0 = -1`` (all ones unsigned) and
    ``INT_MIN / -1 = INT_MIN``; ORT traps on both, so those divisors become 1 and
    the quotient is patched (``-x`` for -1: Neg wraps INT_MIN to itself)."""
    (x, y), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dtype = _in_dtype(eqn)
    if dtype.kind not in "iu":
        emit_in(ctx, "arith", dtype, lambda xs, out: emit(ctx, "Div", xs, out), [x, y], out)
        return
    zero = ctx.node1("Equal", [y, const(ctx, 0, dtype)])
    bad = zero
    if dtype.kind == "i":
        minus_one = ctx.node1("Equal", [y, const(ctx, -1, dtype)])
        bad = ctx.node1("Or", [zero, minus_one])
    q = ctx.node1("Div", [x, where_any(ctx, bad, const(ctx, 1, dtype), y, dtype)])
    if dtype.kind == "i":
        q = where_any(ctx, minus_one, ctx.node1("Neg", [x]), q, dtype)
    where_any(ctx, zero, const(ctx, -1, dtype), q, dtype, out)


@register(PIPELINE, "rem")
def rem(ctx, eqn):
    """``Mod(fmod=1)``: the result takes the dividend's sign, like C fmod and JAX.

    For integers XLA defines ``x % 0 = x``; divisors 0 and -1 (INT_MIN % -1 traps in
    C) are swapped for 1 before the Mod.
    """
    (x, y), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dtype = _in_dtype(eqn)
    if dtype.kind not in "iu":
        emit_in(ctx, "float", dtype, lambda xs, out: emit(ctx, "Mod", xs, out, fmod=1), [x, y], out)
        return
    zero = ctx.node1("Equal", [y, const(ctx, 0, dtype)])
    bad = zero
    if dtype.kind == "i":
        bad = ctx.node1("Or", [zero, ctx.node1("Equal", [y, const(ctx, -1, dtype)])])
    safe = where_any(ctx, bad, const(ctx, 1, dtype), y, dtype)
    # unsigned: fmod=0 is the same remainder in integer arithmetic (onnxruntime 1.31's fmod=1
    # rounds uint64 dividends above 2**53 through double: wrong numbers on the oldest set)
    r = ctx.node1("Mod", [x, safe], fmod=0 if dtype.kind == "u" else 1)
    where_any(ctx, zero, x, r, dtype, out)


@register(PIPELINE, "clamp")
def clamp(ctx, eqn):
    """``clamp(lo, x, hi)`` as Min(Max(x, lo), hi): bounds may be arrays, NaN propagates."""
    (lo, x, hi), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)

    def build(xs, out):
        return emit(ctx, "Min", [ctx.node1("Max", [xs[1], xs[0]]), xs[2]], out)

    emit_in(ctx, "minmax", _in_dtype(eqn, 1), build, [lo, x, hi], out)


@register(PIPELINE, "is_finite")
def is_finite(ctx, eqn):
    """``x - x == 0``: False for NaN and ±inf only."""
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dtype = _in_dtype(eqn)
    comp = compute_dtype(dtype, "float")
    if comp != dtype:
        x = cast_to(ctx, x, comp)
    ctx.node("Equal", [ctx.node1("Sub", [x, x]), const(ctx, 0, comp)], [out])


@register(PIPELINE, "square")
def square(ctx, eqn):
    """x * x."""
    emit_in(ctx, "arith", _in_dtype(eqn), lambda xs, out: emit(ctx, "Mul", [xs[0], xs[0]], out),
            ctx.inputs(eqn), ctx.outputs(eqn)[0])


@register(PIPELINE, "rsqrt")
def rsqrt(ctx, eqn):
    """Reciprocal(Sqrt(x))."""
    emit_in(ctx, "float", _in_dtype(eqn),
            lambda xs, out: emit(ctx, "Reciprocal", [ctx.node1("Sqrt", xs)], out),
            ctx.inputs(eqn), ctx.outputs(eqn)[0])


@register(PIPELINE, "exp2")
def exp2(ctx, eqn):
    """2 ** x with Pow (exact powers of two at integer x)."""
    comp = compute_dtype(_in_dtype(eqn), "float32+")
    emit_in(ctx, "float32+", _in_dtype(eqn),
            lambda xs, out: emit(ctx, "Pow", [const(ctx, 2, comp), xs[0]], out),
            ctx.inputs(eqn), ctx.outputs(eqn)[0])


@register(PIPELINE, "cbrt")
def cbrt(ctx, eqn):
    """Real cube root: ``sign(x) * |x| ** (1/3)`` (Pow of a negative base is NaN)."""
    comp = compute_dtype(_in_dtype(eqn), "float32+")

    def build(xs, out):
        mag = ctx.node1("Pow", [ctx.node1("Abs", xs), const(ctx, 1 / 3, comp)])
        return emit(ctx, "Mul", [ctx.node1("Sign", xs), mag], out)

    emit_in(ctx, "float32+", _in_dtype(eqn), build, ctx.inputs(eqn), ctx.outputs(eqn)[0])


@register(PIPELINE, "round")
def round_(ctx, eqn):
    """Half-to-even is ONNX Round. Half-away-from-zero: floor(|x|) + (frac >= 0.5), signed
    (the fraction |x| - floor(|x|) is exact, unlike floor(|x| + 0.5))."""
    dtype = _in_dtype(eqn)
    comp = compute_dtype(dtype, "float")
    if int(eqn.params.get("rounding_method", 0)) == 1:
        emit_in(ctx, "float", dtype, lambda xs, out: emit(ctx, "Round", xs, out),
                ctx.inputs(eqn), ctx.outputs(eqn)[0])
        return

    def build(xs, out):
        a = ctx.node1("Abs", xs)
        f = ctx.node1("Floor", [a])
        up = ctx.node1("GreaterOrEqual", [ctx.node1("Sub", [a, f]), const(ctx, 0.5, comp)])
        r = ctx.node1("Add", [f, cast_to(ctx, up, comp)])
        neg = ctx.node1("Less", [xs[0], const(ctx, 0, comp)])
        return emit(ctx, "Where", [neg, ctx.node1("Neg", [r]), r], out)

    emit_in(ctx, "float", dtype, build, ctx.inputs(eqn), ctx.outputs(eqn)[0])


@register(PIPELINE, "pow")
def pow_(ctx, eqn):
    """Float base, float or integer exponent: ONNX Pow(T, T1) takes both."""
    (x, y), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dtype, ydt = _in_dtype(eqn), _in_dtype(eqn, 1)
    comp = compute_dtype(dtype, "float")
    if comp == dtype:
        ctx.node("Pow", [x, y], [out])
        return
    y = cast_to(ctx, y, comp) if ydt == dtype else y
    cast_to(ctx, ctx.node1("Pow", [cast_to(ctx, x, comp), y]), dtype, out)


@register(PIPELINE, "integer_pow")
def integer_pow(ctx, eqn):
    """Square-and-multiply chain like XLA; negative exponents take the reciprocal."""
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    y = int(eqn.params["y"])
    aval = eqn.invars[0].aval
    if y == 0:
        ctx.node("Expand", [const(ctx, 1, aval.dtype), ctx.shape(aval.shape)], [out])
        return
    if y == 1:
        ctx.node("Identity", [x], [out])
        return

    def build(xs, out):
        acc, base, n = None, xs[0], abs(y)
        while n:
            if n & 1:
                acc = base if acc is None else ctx.node1("Mul", [acc, base])
            n >>= 1
            if n:
                base = ctx.node1("Mul", [base, base])
        if y < 0:
            return emit(ctx, "Reciprocal", [acc], out)
        if out is not None:  # |y| >= 2: the last Mul made acc; let it write out directly
            ctx.nodes[-1].output[0] = out
            return out
        return acc

    emit_in(ctx, "arith", aval.dtype, build, [x], out)


#: dtype name -> (mantissa bits, smallest normal exponent, largest exponent)
FLOAT_FORMATS = {"float16": (10, -14, 15), "bfloat16": (7, -126, 127), "float32": (23, -126, 127),
                 "float64": (52, -1022, 1023)}


@register(PIPELINE, "nextafter")
def nextafter(ctx, eqn):
    """x stepped by one unit in the last place toward y, computed arithmetically.

    The step is 2^(e - mantissa_bits) for e = floor(log2|x|) (corrected by one where
    Log rounds across a power of two, and clamped at the subnormal exponent); from an
    exact power of two toward zero the step halves. 0 steps to ±smallest subnormal,
    ±inf to ±max, x == y gives y, NaN in either gives NaN. Half types run in float32
    with their own constants: the result is exact in the narrow type.
    """
    (x, y), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dtype = _in_dtype(eqn)
    mant, emin, emax = FLOAT_FORMATS[dtype.name]
    comp = compute_dtype(dtype, "float32+")

    def k(v):
        return const(ctx, v, comp)

    def n(op, *ins, **attrs):
        return ctx.node1(op, list(ins), **attrs)

    def as_float(b):
        return n("Cast", b, to=onnx_elem_type(comp))

    def build(xs, out):
        xv, yv = xs
        a = n("Abs", xv)
        e = n("Max", n("Floor", n("Mul", n("Log", a), k(1 / np.log(2)))), k(emin))
        e = n("Max", n("Sub", e, as_float(n("Greater", n("Pow", k(2), e), a))), k(emin))
        e = n("Add", e, as_float(n("LessOrEqual", n("Pow", k(2), n("Add", e, k(1))), a)))
        step = n("Pow", k(2), n("Sub", e, k(mant)))
        rising = n("Greater", yv, xv)
        toward_zero = n("Not", n("Equal", rising, n("Greater", xv, k(0))))
        exact_pow2 = n("And", n("Equal", n("Pow", k(2), e), a), n("Greater", e, k(emin)))
        step = n("Where", n("And", exact_pow2, toward_zero), n("Mul", step, k(0.5)), step)
        r = n("Add", xv, n("Where", rising, step, n("Neg", step)))
        tiny = k(2.0 ** (emin - mant))
        r = n("Where", n("Equal", a, k(0)), n("Where", rising, tiny, n("Neg", tiny)), r)
        r = n("Where", n("Equal", a, k(np.inf)), n("Mul", n("Sign", xv), k((2 - 2.0 ** -mant) * 2.0 ** emax)), r)
        r = n("Where", n("Equal", xv, yv), yv, r)
        nan = n("Or", n("IsNaN", xv), n("IsNaN", yv))
        return emit(ctx, "Where", [nan, n("Add", xv, yv), r], out)

    emit_in(ctx, "float32+", dtype, build, [x, y], out)
