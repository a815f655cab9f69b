"""Bit-level float and integer functions without ``BitCast`` / ``Bitwise*`` (onnx_ir).

``jnp.frexp``, ``jnp.ldexp``, ``jnp.copysign`` and ``jnp.spacing`` trace to
``bitcast_convert_type`` plus integer shifts and masks. ONNX has ``BitCast`` from
opset 26 and ``BitwiseAnd/Or/Xor/Not`` from 18, so below those this module
rebuilds them from arithmetic that exists at opset 13 (Log, Floor, Pow, Div, Cast,
Where, BitShift — the last from opset 11).

**float -> bits** (same width; float16 computes in float32): with ``a = |x|``,
``e = floor(log2 a)`` from ``Floor(Log(a) / ln 2)`` corrected by one exact
comparison with ``2^e`` on each side and clamped to ``[emin, emax]``, the fraction
``a / 2^e`` (division by a power of two is exact) gives the biased exponent and
the mantissa as exact integers; they are assembled in int64 (``E * 2^p + M``), the
sign comes from ``x < 0 or 1/x < 0`` (signed zero included). ±inf map to their exact
patterns. ~35 nodes.

**bits -> float**: the int64 view is split by exact integer division into sign,
biased exponent and mantissa; the value is ``(1 + M 2^-p) 2^(E - bias)`` or the
subnormal ``M 2^-p 2^emin``, both exact; ``E`` all ones gives ±inf / NaN. ~30 nodes.

Bit-exact: every finite value (normals, subnormals, ±0) and ±inf, both directions,
for float16/bfloat16/float32/float64 with signed or unsigned integers (and float16 <->
bfloat16 through the 16-bit pattern). Not bit-exact: NaN
payloads — any NaN becomes the canonical positive quiet NaN (``0x7fc00000`` for
float32), and every NaN bit pattern decodes to a NaN. (Subnormals need a runtime that
does not flush denormals; onnxruntime's CPU provider does not by default.)

**bitwise and/or/xor below opset 18**: the unsigned view is split into its bits
along a new trailing axis (one broadcast ``BitShift`` by ``[0..w-1]``), combined
with ``a*b``, ``a+b-ab``, ``a+b-2ab`` and summed back with weights ``2^k``
(int64; 64-bit words as two 32-bit halves): ~10 nodes, exact. ``not`` is ``-1 - x`` / ``max - x``.

**clz** (any opset): ``w - max_k (k + 1) bit_k`` over the same bit split; exact.
"""

from __future__ import annotations

import math

import numpy as np

from ..plugin.registry import register
from .elementwise import _FORMATS, cast, const

PIPELINE = "onnx_ir"

__all__ = ["float_to_bits", "bits_to_float", "bitcast_fallback", "bitwise_fallback", "not_fallback",
           "xor_mask", "popcount_fallback", "clz"]

_INT64_MIN = np.iinfo(np.int64).min


def _fmt(fdtype: np.dtype):
    """(compute dtype, mantissa bits, emin, emax, width in bits) of a float format."""
    mant, emin, emax = _FORMATS[fdtype.name]
    comp = np.dtype(np.float64) if fdtype == np.float64 else np.dtype(np.float32)
    return comp, mant, emin, emax, fdtype.itemsize * 8


def _i64(ctx, v):
    return ctx.const(np.asarray(v, dtype=np.int64))


# ---- bitcast_convert_type -------------------------------------------------------------------
def float_to_bits(ctx, x, src: np.dtype, dst: np.dtype):
    """The bit pattern of float ``x`` (dtype ``src``) as integer dtype ``dst`` (same width)."""
    comp, mant, emin, emax, w = _fmt(src)

    def c(v):
        return const(ctx, v, comp)

    if comp != src:
        x = cast(ctx, x, comp)
    finite = ctx.op("Equal", ctx.op("Sub", x, x), c(0))  # False for NaN and ±inf
    a = ctx.op("Where", finite, ctx.op("Abs", x), c(0))  # non-finite handled below
    e = ctx.op("Floor", ctx.op("Mul", ctx.op("Log", a), c(1 / math.log(2))))
    e = ctx.op("Min", ctx.op("Max", e, c(emin)), c(emax))  # log(0) = -inf -> emin
    p2 = ctx.op("Pow", c(2), e)
    e = ctx.op("Sub", e, cast(ctx, ctx.op("Greater", p2, a), comp))  # Log one too high
    e = ctx.op("Max", e, c(emin))
    e = ctx.op("Add", e, cast(ctx, ctx.op("LessOrEqual", ctx.op("Pow", c(2), ctx.op("Add", e, c(1))), a), comp))
    e = ctx.op("Min", e, c(emax))
    frac = ctx.op("Div", a, ctx.op("Pow", c(2), e))  # [1, 2) normal, [0, 1) subnormal: exact
    normal = cast(ctx, ctx.op("GreaterOrEqual", frac, c(1)), comp)
    mbits = ctx.op("Mul", ctx.op("Sub", frac, normal), c(2.0 ** mant))  # exact integer
    biased = ctx.op("Mul", ctx.op("Add", e, c(emax)), normal)  # 0 for subnormals and zero
    u = ctx.op("Add", ctx.op("Mul", cast(ctx, biased, np.int64), _i64(ctx, 1 << mant)),
               cast(ctx, mbits, np.int64))
    top = (1 << (w - 1 - mant)) - 1  # exponent field all ones
    u = ctx.op("Where", ctx.op("IsInf", x), _i64(ctx, top << mant), u)
    u = ctx.op("Where", ctx.op("IsNaN", x), _i64(ctx, (top << mant) | (1 << (mant - 1))), u)
    zero = ctx.op("Equal", x, c(0))
    neg = ctx.op("Or", ctx.op("Less", x, c(0)),
                 ctx.op("And", zero, ctx.op("Less", ctx.op("Reciprocal", x), c(0))))
    if dst.kind == "u" and w < 64:
        v = ctx.op("Add", u, ctx.op("Mul", cast(ctx, neg, np.int64), _i64(ctx, 1 << (w - 1))))
    else:  # signed view (uint64: the int64 pattern, reinterpreted by a wrapping Cast)
        v = ctx.op("Where", neg, ctx.op("Add", u, _i64(ctx, -(1 << (w - 1)))), u)
    return cast(ctx, v, dst)


def bits_to_float(ctx, x, src: np.dtype, dst: np.dtype):
    """The float of dtype ``dst`` whose bit pattern is integer ``x`` (dtype ``src``)."""
    comp, mant, emin, emax, w = _fmt(dst)

    def c(v):
        return const(ctx, v, comp)

    v = x if src == np.int64 else cast(ctx, x, np.int64)  # uint64 wraps: same bits
    if src.kind == "i" or w == 64:
        neg = ctx.op("Less", v, _i64(ctx, 0))
        if w == 64:  # v + 2^63 in two steps (no int64 overflow)
            half = _i64(ctx, 1 << 62)
            lifted = ctx.op("Add", ctx.op("Add", v, half), half)
        else:
            lifted = ctx.op("Add", v, _i64(ctx, 1 << (w - 1)))
        u = ctx.op("Where", neg, lifted, v)
    else:
        neg = ctx.op("GreaterOrEqual", v, _i64(ctx, 1 << (w - 1)))
        u = ctx.op("Where", neg, ctx.op("Sub", v, _i64(ctx, 1 << (w - 1))), v)
    scale = _i64(ctx, 1 << mant)
    biased = ctx.op("Div", u, scale)  # u >= 0: floor
    m = cast(ctx, ctx.op("Sub", u, ctx.op("Mul", biased, scale)), comp)
    ef = cast(ctx, biased, comp)
    frac = ctx.op("Mul", m, c(2.0 ** -mant))  # exact
    is_sub = ctx.op("Equal", ef, c(0))
    normal = ctx.op("Mul", ctx.op("Add", frac, c(1)),
                    ctx.op("Pow", c(2), ctx.op("Max", ctx.op("Sub", ef, c(emax)), c(emin))))
    sub = ctx.op("Mul", frac, c(2.0 ** emin))
    val = ctx.op("Where", is_sub, sub, normal)
    special = ctx.op("Equal", ef, c((1 << (w - 1 - mant)) - 1))
    inf_or_nan = ctx.op("Where", ctx.op("Equal", m, c(0)), c(np.inf), c(np.nan))
    val = ctx.op("Where", special, inf_or_nan, val)
    val = ctx.op("Mul", val, ctx.op("Where", neg, c(-1), c(1)))  # -1 * 0 = -0
    return val if comp == dst else cast(ctx, val, dst)


def bitcast_fallback(ctx, x, src: np.dtype, dst: np.dtype):
    """Same-width float <-> integer reinterpretation without ``BitCast`` (bfloat16 included)."""
    src_f, dst_f = src.name in _FORMATS, dst.name in _FORMATS
    if src_f and dst.kind in "iu":
        return float_to_bits(ctx, x, src, dst)
    if src.kind in "iu" and dst_f:
        return bits_to_float(ctx, x, src, dst)
    if src.kind in "iu" and dst.kind in "iu":
        return cast(ctx, x, dst)  # integer <-> integer of one width: Cast wraps bit-exactly
    if src_f and dst_f:  # float16 <-> bfloat16: through the 16-bit pattern
        return bits_to_float(ctx, float_to_bits(ctx, x, src, np.dtype(np.int32)), np.dtype(np.int32), dst)
    raise NotImplementedError(f"bitcast {src} -> {dst} below opset 26")


# ---- bits along a trailing axis -----------------------------------------------------------------
def _unsigned_view(ctx, x, dtype: np.dtype):
    """(zero-extended unsigned view: uint32 for <= 32 bits, uint64 for 64; its dtype; width)."""
    bits = dtype.itemsize * 8
    same = np.dtype(f"uint{bits}")
    wide = np.dtype(np.uint64 if bits == 64 else np.uint32)
    if dtype != same:
        x = cast(ctx, x, same)
    if same != wide:
        x = cast(ctx, x, wide)
    return x, wide, bits


def _bit_planes(ctx, x, dtype: np.dtype):
    """(bits of ``x`` as int64 along a new last axis (bit k at index k), width)."""
    xu, wide, w = _unsigned_view(ctx, x, dtype)
    xe = ctx.op("Unsqueeze", xu, ctx.const(np.array([-1], dtype=np.int64)))
    s = ctx.op("BitShift", xe, ctx.const(np.arange(w, dtype=wide)), direction="RIGHT")
    half = ctx.op("BitShift", s, ctx.const(np.asarray(1, dtype=wide)), direction="RIGHT")
    bit = ctx.op("Sub", s, ctx.op("Add", half, half))
    return cast(ctx, bit, np.int64), w


def _from_planes(ctx, bits, w: int, dtype: np.dtype):
    """sum_k bits[..., k] 2^k as ``dtype``; 64-bit words are summed as two exact 32-bit halves
    (onnxruntime's int64 ReduceSum is not exact beyond 2^53)."""
    axis = ctx.const(np.array([-1], dtype=np.int64))

    def total(planes, n):
        weights = ctx.const(np.array([1 << k for k in range(n)], dtype=np.int64))
        return ctx.op("ReduceSum", ctx.op("Mul", planes, weights), axis, keepdims=0)

    if w == 64:
        def half(start):
            return ctx.op("Slice", bits, ctx.const(np.array([start], dtype=np.int64)),
                          ctx.const(np.array([start + 32], dtype=np.int64)), axis)

        lo, hi = total(half(0), 32), total(half(32), 32)
        v = ctx.op("Add", ctx.op("Mul", hi, _i64(ctx, 1 << 32)), lo)  # int64 wraps like uint64
        return v if dtype == np.int64 else cast(ctx, v, dtype)
    v = cast(ctx, total(bits, w), np.uint32)  # < 2^32: exact
    same = np.dtype(f"uint{w}")
    if same != np.uint32:
        v = cast(ctx, v, same)
    return v if dtype == same else cast(ctx, v, dtype)


def bitwise_fallback(ctx, kind: str, a, b, dtype: np.dtype):
    """Integer ``and``/``or``/``xor`` from bit planes (opsets without ``Bitwise*``)."""
    pa, w = _bit_planes(ctx, a, dtype)
    pb, _ = _bit_planes(ctx, b, dtype)
    both = ctx.op("Mul", pa, pb)
    if kind == "and":
        r = both
    elif kind == "or":
        r = ctx.op("Sub", ctx.op("Add", pa, pb), both)
    else:
        r = ctx.op("Sub", ctx.op("Add", pa, pb), ctx.op("Add", both, both))
    return _from_planes(ctx, r, w, dtype)


def not_fallback(ctx, x, dtype: np.dtype):
    """Integer ``not`` without ``BitwiseNot``: ``-1 - x`` (signed), ``max - x`` (unsigned)."""
    comp = dtype if dtype.itemsize == 8 else np.dtype(np.int64)  # opset 13 Sub lacks 8/16-bit
    v = x if comp == dtype else cast(ctx, x, comp)
    top = np.iinfo(dtype).max if dtype.kind == "u" else -1
    r = ctx.op("Sub", const(ctx, top, comp), v)
    return r if comp == dtype else cast(ctx, r, dtype)


def xor_mask(ctx, v, flag, ones, wide: np.dtype):
    """``v ^ (flag ? ones : 0)`` for unsigned ``v <= ones``: ``flag (ones - v) + (1 - flag) v``."""
    t = cast(ctx, flag, wide)
    one = ctx.const(np.asarray(1, dtype=wide))
    return ctx.op("Add", ctx.op("Mul", t, ctx.op("Sub", ones, v)), ctx.op("Mul", ctx.op("Sub", one, t), v))


def popcount_fallback(ctx, x, dtype: np.dtype):
    bits, _ = _bit_planes(ctx, x, dtype)
    n = ctx.op("ReduceSum", bits, ctx.const(np.array([-1], dtype=np.int64)), keepdims=0)
    return cast(ctx, n, dtype)


@register(PIPELINE, "clz")
def clz(ctx, x, **_):
    """Count leading zeros: ``w - max_k (k + 1) bit_k`` over the bit planes (exact, any opset)."""
    dtype = np.dtype(ctx.in_avals[0].dtype)
    bits, w = _bit_planes(ctx, x, dtype)
    pos = ctx.op("ReduceMax", ctx.op("Mul", bits, ctx.const(np.arange(1, w + 1, dtype=np.int64))),
                 ctx.const(np.array([-1], dtype=np.int64)) if ctx.opset >= 18 else None,
                 keepdims=0, **({} if ctx.opset >= 18 else {"axes": [-1]}))
    return cast(ctx, ctx.op("Sub", _i64(ctx, w), pos), dtype)

