"""Catalog: bit-level float functions (frexp, ldexp, copysign, spacing, nextafter,
bitcast_convert_type between equal widths) at opsets below and at 26, and clz.

Below opset 26 ``bitcast_convert_type`` is rebuilt arithmetically (``plugin2/float_bits.py``)
and is bit-exact for every non-NaN value; cases compare with rtol = atol = 0.
XLA:CPU flushes subnormals to zero in arithmetic (so JAX's own ``frexp``/``ldexp``/
``spacing`` give FTZ answers there) while the ONNX graph keeps IEEE subnormals: the
frexp/ldexp/spacing inputs stay in the normal range; the bitcast cases include
subnormals (a reinterpretation, where JAX is exact too).
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import LEGACY_FROZEN
from .elementwise import _fill, testcase

F = "float_bits"
I32, F32 = np.int32, np.float32
#: opset 17 is not accepted by to_onnx yet (the opsets work lands it); 18 is the lowest now


def _specials(dtype, subnormals: bool):
    fi = np.finfo(dtype)
    vals = [0.0, -0.0, 1.0, -1.0, 0.5, -3.0, np.inf, -np.inf, np.nan, float(fi.max), -float(fi.max),
            float(fi.tiny), -float(fi.tiny), 2.0 ** 10, 1.0 + float(fi.eps), 1e-3, 123.456]
    if subnormals:
        vals += [float(fi.smallest_subnormal), -float(fi.smallest_subnormal), float(fi.tiny) * 0.75]
    return vals


def floats(subnormals=False, nan=True, ulp_normal=False):
    """input_gen: log-uniform magnitudes of both signs over the whole normal range (with
    ``ulp_normal``: only where one ulp is a normal number too), edge values first."""
    def gen(rng, shapes, dtypes):
        out = []
        for s, d in zip(shapes, dtypes):
            d = np.dtype(d)
            tiny = float(np.finfo(d).tiny) * (2.0 ** (np.finfo(d).nmant + 1) if ulp_normal else 1.0)
            lo, hi = np.log(tiny), np.log(np.finfo(d).max)
            mag = np.exp(rng.uniform(lo * 0.98, hi * 0.98, s))
            arr = (mag * rng.choice([-1.0, 1.0], s)).astype(d)
            sp = [v for v in _specials(d, subnormals) if (nan or not np.isnan(v))
                  and (not ulp_normal or not abs(v) < tiny)]
            out.append(_fill(arr, sp))
        return out
    return gen


def _bits_of(fdtype):
    """input_gen for integer bit patterns: the patterns of ``floats`` plus random words."""
    def gen(rng, shapes, dtypes):
        out = []
        for s, d in zip(shapes, dtypes):
            d = np.dtype(d)
            f = np.dtype({2: np.float16, 4: np.float32, 8: np.float64}[d.itemsize])
            pats = floats(subnormals=True)(rng, [s], [f])[0].view(d)
            rand = rng.integers(np.iinfo(d).min, np.iinfo(d).max, s, dtype=d, endpoint=True)
            keep = np.isfinite(rand.view(f))  # NaN patterns decode to the canonical NaN
            out.append(np.where(np.arange(rand.size).reshape(s) % 2 == 1, np.where(keep, rand, pats), pats))
        return out
    return gen


_TO_INT = {"float32": jnp.int32, "float64": jnp.int64, "float16": jnp.int16}
_TO_UINT = {"float32": jnp.uint32, "float64": jnp.uint64, "float16": jnp.uint16}
_TO_FLOAT = {"int32": jnp.float32, "int64": jnp.float64, "uint32": jnp.float32, "uint64": jnp.float64,
             "int16": jnp.float16, "uint16": jnp.float16}


def _f2i(table):
    return lambda x: lax.bitcast_convert_type(x, table[x.dtype.name])


def _i2f(x):
    return lax.bitcast_convert_type(x, _TO_FLOAT[x.dtype.name])  # same width as x


def _u64_to_f64(hi, lo):
    """uint64 words from two uint32 halves (the f64 variant; without x64 JAX narrows to uint32)."""
    u64 = jnp.uint64 if jax.config.jax_enable_x64 else jnp.uint32
    return _i2f((hi.astype(u64) << 32) | lo.astype(u64))


def _halves(rng, shapes, dtypes):
    words = _bits_of(np.float64)(rng, shapes[:1], [np.dtype(np.uint64)])[0]
    return [(words >> np.uint64(32)).astype(np.uint32), (words & np.uint64(0xFFFFFFFF)).astype(np.uint32)]


_EXACT = dict(rtol=0.0, atol=0.0, ir_only=LEGACY_FROZEN)

# ---- bitcast_convert_type between equal widths ---------------------------------------------------
for _opset in (18, 23, 26):
    _sfx = "" if _opset == 23 else f"_opset{_opset}"
    _forbid = ("BitCast",) if _opset < 26 else ()
    _expect = ("BitCast",) if _opset == 26 else ()
    kw = dict(_EXACT, opset=_opset, forbid_ops=_forbid, expect_ops=_expect)
    testcase(F, f"bitcast_f2i{_sfx}", "lax.bitcast_convert_type", fn=_f2i(_TO_INT), inputs=[("B", 16)],
             f64=True, input_gen=floats(subnormals=True), **kw)
    testcase(F, f"bitcast_f2u{_sfx}", "lax.bitcast_convert_type", fn=_f2i(_TO_UINT), inputs=[("B", 16)],
             f64=True, input_gen=floats(subnormals=True), **kw)
    testcase(F, f"bitcast_i2f{_sfx}", "lax.bitcast_convert_type", fn=_i2f, inputs=[("B", 16)],
             input_dtypes=[I32], f64=True, input_gen=_bits_of(F32), **kw)
    testcase(F, f"bitcast_u2f{_sfx}", "lax.bitcast_convert_type", fn=_i2f, inputs=[("B", 16)],
             input_dtypes=[np.uint32], input_gen=_bits_of(F32), **kw)
    testcase(F, f"bitcast_u64_to_f64{_sfx}", "lax.bitcast_convert_type", fn=_u64_to_f64, inputs=[(32,), (32,)],
             input_dtypes=[np.uint32, np.uint32], f64=True, input_gen=_halves, **kw)
    testcase(F, f"bitcast_f16_to_i16{_sfx}", "lax.bitcast_convert_type", fn=_f2i(_TO_INT), inputs=[(24,)],
             input_dtypes=[np.float16], input_gen=floats(subnormals=True), **kw)
    testcase(F, f"bitcast_u16_to_f16{_sfx}", "lax.bitcast_convert_type", fn=_i2f, inputs=[(24,)],
             input_dtypes=[np.uint16], input_gen=_bits_of(np.float16), **kw)

# ---- jnp functions that trace to bitcast + shifts + masks -----------------------------------------
def _exps(rng, shapes, dtypes):
    x = floats(nan=True)(rng, shapes[:1], dtypes[:1])[0]
    fi = np.finfo(x.dtype)
    # shifts that stay normal or overflow (XLA:CPU flushes subnormal results to zero)
    lo_room = np.floor(np.log2(np.maximum(np.abs(x).astype(np.float64), float(fi.tiny)))) - np.log2(float(fi.tiny))
    e = np.minimum(rng.integers(-40, 40, shapes[1]), 300).astype(np.float64)
    e = np.where(np.isfinite(lo_room), np.maximum(e, -lo_room), e)
    return [x, e.astype(dtypes[1])]


_FUNCS = {
    "frexp": (jnp.frexp, [("B", 16)], None, floats()),
    "copysign": (jnp.copysign, [("B", 16), ("B", 16)], None, floats()),
    # spacing of |x| < 2^(emin + p) is subnormal (flushed to zero by XLA:CPU)
    "spacing": (jnp.spacing, [("B", 16)], None, floats(ulp_normal=True)),
    "ldexp": (jnp.ldexp, [("B", 16), ("B", 16)], [F32, I32], _exps),
    "nextafter": (jnp.nextafter, [("B", 16), ("B", 16)], None, floats()),
}
for _opset in (17, 18, 23, 26):
    _sfx = "" if _opset == 23 else f"_opset{_opset}"
    for _name, (_fn, _inputs, _dts, _gen) in _FUNCS.items():
        testcase(F, f"{_name}{_sfx}", f"jnp.{_name}", fn=_fn, inputs=_inputs, input_dtypes=_dts, f64=True,
                 input_gen=_gen, opset=_opset, forbid_ops=("BitCast",) if _opset < 26 else (),
                 **_EXACT)
testcase(F, "frexp_f16", "jnp.frexp", fn=jnp.frexp, inputs=[(24,)], input_dtypes=[np.float16],
         input_gen=floats(), **_EXACT)
testcase(F, "copysign_f16", "jnp.copysign", fn=jnp.copysign, inputs=[(24,), (24,)],
         input_dtypes=[np.float16, np.float16], input_gen=floats(), **_EXACT)
testcase(F, "spacing_f16", "jnp.spacing", fn=jnp.spacing, inputs=[(24,)], input_dtypes=[np.float16],
         # spacing(65504) is inf in JAX; onnxruntime's CPU float16 Cast elimination keeps 32
         input_gen=lambda rng, s, d: [np.asarray([v for v in floats(ulp_normal=True)(rng, s, d)[0]
                                                  if abs(v) != 65504] + [1.0] * 2, np.float16)[:24]], **_EXACT)

# ---- clz ----------------------------------------------------------------------------------------
def _words(rng, shapes, dtypes):
    out = []
    for s, d in zip(shapes, dtypes):
        ii = np.iinfo(d)
        r = rng.integers(ii.min, ii.max, s, dtype=d, endpoint=True)
        r = r >> rng.integers(0, ii.bits, s).astype(d)  # every leading-zero count shows up
        out.append(_fill(r, [0, 1, ii.max, ii.min, -1 if ii.min < 0 else 2]))
    return out


testcase(F, "clz", "lax.clz", fn=lax.clz, inputs=[("B", 16)], input_dtypes=[I32], f64=True,
         input_gen=_words, **_EXACT)
testcase(F, "clz_uint8", "lax.clz", fn=lax.clz, inputs=[(16,)], input_dtypes=[np.uint8],
         input_gen=_words, **_EXACT)

# ---- bfloat16 (an ml_dtypes float: numpy kind 'V') and float16 <-> bfloat16 ---------------------
testcase(F, "bitcast_bf16_to_i16", "lax.bitcast_convert_type", inputs=[("B", 16)], input_gen=floats(),
         fn=lambda x: lax.bitcast_convert_type(x.astype(jnp.bfloat16), jnp.int16), **_EXACT)
testcase(F, "bitcast_u16_to_bf16", "lax.bitcast_convert_type", inputs=[("B", 16)], input_gen=floats(),
         fn=lambda x: lax.bitcast_convert_type(lax.bitcast_convert_type(x.astype(jnp.bfloat16), jnp.uint16),
                                               jnp.bfloat16).astype(jnp.float32), **_EXACT)
testcase(F, "bitcast_f16_bf16", "lax.bitcast_convert_type", inputs=[(24,)], input_gen=floats(),
         fn=lambda x: (lax.bitcast_convert_type(x.astype(jnp.float16), jnp.bfloat16).astype(jnp.float32),
                       lax.bitcast_convert_type(x.astype(jnp.bfloat16), jnp.float16).astype(jnp.float32)),
         **_EXACT)
