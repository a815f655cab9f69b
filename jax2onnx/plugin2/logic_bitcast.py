"""Integer bits → IEEE float without ONNX ``BitCast`` (opsets before 26), exactly (onnx_ir).

``bitcast_convert_type`` from an int/uint of width w to the float of the same width
(float16/32/64) decodes the IEEE-754 fields with integer ops and rebuilds the value
with one exact multiplication:

    u = bits (unsigned view)   t = u >> M   (sign and exponent, E+1 bits)   m = u & (2^M - 1)
    f = float(m) + I[t]         I[t] = 0 for a zero exponent, else 2^M (the implicit bit)
    v = f * T[t]                T[t] = ±2^(max(e, 1) - bias - M),  ±inf for e = 2^E - 1
    result = NaN where v is inf and m != 0, else v

(M mantissa bits, E exponent bits, e = t mod 2^E, sign = t >> E; I and T are Gathers
from constant tables of 2^(E+1) floats: 64, 512 or 4096.) ``float(m)`` (a Cast) and
``f`` are exact because they have at most M+1 bits; ``T[t]`` is a signed power of two
the float type holds (subnormal ones included), and ``f * T[t]`` is the exact value
the bits encode, so the product is exact too: every finite value, both signed zeros,
subnormals and infinities come out bit-identical. NaN payloads and NaN signs are not
kept (the result is the canonical NaN). This assumes the runtime does not flush
subnormals (ORT's default). Cost: 13 nodes (14–15 for signed or 16-bit sources).
The uniform draws of ``jax.random`` go through here (``(bits >> 9) | 0x3F800000`` as
a float32 in [1, 2)).
"""

from __future__ import annotations

import numpy as np

from ..converter2.context import ir_dtype

__all__ = ["int_bits_to_float"]


def _tables(dst: np.dtype, nexp: int, nmant: int, bias: int) -> tuple[np.ndarray, np.ndarray]:
    """Indexed by the bits above the mantissa (sign, exponent): the signed power of two
    ``T`` and the implicit leading bit ``I``."""
    idx = np.arange(2 ** (nexp + 1))
    expo, sign = idx % 2 ** nexp, np.where(idx >= 2 ** nexp, -1.0, 1.0)
    powers = np.maximum(expo, 1) - bias - nmant
    scale = sign * np.array([np.ldexp(1.0, int(p)) for p in powers], dtype=np.float64)
    scale[expo == 2 ** nexp - 1] = sign[expo == 2 ** nexp - 1] * np.inf
    implicit = np.where(expo == 0, 0.0, 2.0 ** nmant)
    return scale.astype(dst), implicit.astype(dst)


def int_bits_to_float(ctx, x, src: np.dtype, dst: np.dtype):
    """The float ``dst`` whose bits are ``x`` (an integer tensor of the same width)."""
    info = np.finfo(dst)
    width, nmant, nexp = dst.itemsize * 8, int(info.nmant), int(info.nexp)
    bias = 2 ** (nexp - 1) - 1
    udt = np.dtype(f"uint{width}")
    if width == 16:  # ORT's BitShift has no uint16 kernel: shift the zero-extended bits
        udt = np.dtype(np.uint32)
    u = x if src == udt else ctx.op("Cast", x, to=ir_dtype(udt))
    if src.kind == "i" and width == 16:  # int16 -> uint32 sign-extends: keep the low 16 bits
        u = ctx.op("BitwiseAnd", u, ctx.const(np.array(0xFFFF, udt)))
    fdt = ir_dtype(dst)
    mant = ctx.op("BitwiseAnd", u, ctx.const(np.array(2 ** nmant - 1, udt)))
    top = ctx.op("Cast", ctx.op("BitShift", u, ctx.const(np.array(nmant, udt)), direction="RIGHT"),
                 to=ir_dtype(np.int64))  # sign and exponent
    scale, implicit = _tables(dst, nexp, nmant, bias)
    frac = ctx.op("Add", ctx.op("Cast", mant, to=fdt), ctx.op("Gather", ctx.const(implicit), top, axis=0))
    value = ctx.op("Mul", frac, ctx.op("Gather", ctx.const(scale), top, axis=0))
    has_mant = ctx.op("Not", ctx.op("Equal", mant, ctx.const(np.array(0, udt))))
    is_nan = ctx.op("And", ctx.op("IsInf", value), has_mant)
    return ctx.op("Where", is_nan, ctx.const(np.array(np.nan, dst)), value)
