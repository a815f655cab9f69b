"""Catalog: comparisons, boolean/bitwise logic, shifts, popcount, select, conversions."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from .elementwise import fixed, ints, testcase

F = "logic"
I32, F32, B = np.int32, np.float32, np.bool_

_CMP = {"eq": lax.eq, "ne": lax.ne, "lt": lax.lt, "le": lax.le, "gt": lax.gt, "ge": lax.ge}
for _name, _fn in _CMP.items():
    testcase(F, _name, f"lax.{_name}", fn=_fn, inputs=[("B", 4), ("B", 4)],
             input_dtypes=[I32, I32], f64=True)
    testcase(F, f"{_name}_float_nan", f"lax.{_name}", fn=_fn, inputs=[(5,), (5,)], f64=True,
             input_gen=fixed([np.nan, 1.0, 2.0, np.inf, -0.0], [np.nan, np.nan, 1.0, np.inf, 0.0]))
    testcase(F, f"{_name}_bool", f"lax.{_name}", fn=_fn, inputs=[(4,), (4,)], input_dtypes=[B, B],
             input_gen=fixed([False, False, True, True], [False, True, False, True]))
    testcase(F, f"{_name}_uint16", f"lax.{_name}", fn=_fn, inputs=[(5,), (5,)],
             input_dtypes=["uint16", "uint16"])
testcase(F, "lt_broadcast_scalar", "lax.lt", fn=lambda x: x < 0.5, inputs=[("B", 3)], f64=True)
testcase(F, "eq_size0", "lax.eq", fn=lax.eq, inputs=[(0, 2), (0, 2)])

# ---- and / or / xor / not -------------------------------------------------------------------
_LOGIC = {"and": lax.bitwise_and, "or": lax.bitwise_or, "xor": lax.bitwise_xor}
for _name, _fn in _LOGIC.items():
    testcase(F, f"{_name}_bool", f"lax.{_name}", fn=_fn, inputs=[("B", 4), ("B", 4)], input_dtypes=[B, B])
    testcase(F, f"{_name}_int32", f"lax.{_name}", fn=_fn, inputs=[("B", 4), ("B", 4)],
             input_dtypes=[I32, I32], f64=True, input_gen=ints(-100, 100))
    testcase(F, f"{_name}_uint8", f"lax.{_name}", fn=_fn, inputs=[(4,), (4,)],
             input_dtypes=["uint8", "uint8"], input_gen=ints(0, 256))
testcase(F, "not_bool", "lax.not", fn=lax.bitwise_not, inputs=[("B", 4)], input_dtypes=[B])
testcase(F, "not_int32", "lax.not", fn=lax.bitwise_not, inputs=[("B", 4)], input_dtypes=[I32], f64=True,
         input_gen=ints(-100, 100))
testcase(F, "not_uint16", "lax.not", fn=lax.bitwise_not, inputs=[(4,)], input_dtypes=["uint16"])
testcase(F, "logical_and_where", "lax.and", fn=lambda x: jnp.where((x > 0) & (x < 1), x, -x),
         inputs=[("B", 6)], f64=True)


# ---- shifts / population_count ----------------------------------------------------------------
def _shift_gen(signed):
    """Values over the whole range; amounts in [0, bits) plus bits, bits+3 and (signed) -1."""
    def gen(rng, shapes, dtypes):
        bits = np.dtype(dtypes[0]).itemsize * 8
        lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
        x = rng.integers(lo, hi, shapes[0], dtype=np.int64 if hi <= 1 << 63 else np.uint64)
        amounts = [0, 1, bits - 1, bits, bits + 3] + ([-1] if signed else [])
        s = rng.integers(0, bits, shapes[1])
        flat = s.reshape(-1)
        flat[:len(amounts)] = amounts[:flat.size]
        return [x.astype(dtypes[0]), flat.reshape(shapes[1]).astype(dtypes[1])]
    return gen


_SHIFTS = {"shift_left": lax.shift_left, "shift_right_logical": lax.shift_right_logical,
           "shift_right_arithmetic": lax.shift_right_arithmetic}
for _name, _fn in _SHIFTS.items():
    testcase(F, f"{_name}_int32", f"lax.{_name}", fn=_fn, inputs=[("B", 8), ("B", 8)],
             input_dtypes=[I32, I32], input_gen=_shift_gen(True), sizes={"B": (8, 11)}, f64=True)
    for _dt in ("int8", "uint8", "int16", "uint16", "uint32"):
        testcase(F, f"{_name}_{_dt}", f"lax.{_name}", fn=_fn, inputs=[(8,), (8,)],
                 input_dtypes=[_dt, _dt], input_gen=_shift_gen(_dt.startswith("int")))

testcase(F, "population_count_int32", "lax.population_count", fn=lax.population_count,
         inputs=[("B", 6)], input_dtypes=[I32], f64=True,
         input_gen=ints(-(1 << 31), (1 << 31) - 1, [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 255]))
for _dt, _lo, _hi in (("uint8", 0, 256), ("int8", -128, 128), ("uint16", 0, 1 << 16),
                      ("uint32", 0, 1 << 32)):
    testcase(F, f"population_count_{_dt}", "lax.population_count", fn=lax.population_count,
             inputs=[(6,)], input_dtypes=[_dt], input_gen=ints(_lo, _hi, [0, _hi - 1, 1]))

# ---- select_n -----------------------------------------------------------------------------------
testcase(F, "select_n_bool", "lax.select_n", fn=lambda p, a, b: lax.select_n(p, a, b),
         inputs=[("B", 3), ("B", 3), ("B", 3)], input_dtypes=[B, F32, F32], f64=True)
testcase(F, "select_n_int32_pred", "lax.select_n", fn=lambda p, a, b: lax.select_n(p, a, b),
         inputs=[("B", 4), ("B", 4), ("B", 4)], input_dtypes=[I32, F32, F32],
         input_gen=lambda rng, s, d: [rng.integers(0, 2, s[0]).astype(d[0])]
         + [rng.standard_normal(x).astype(t) for x, t in zip(s[1:], d[1:])])
testcase(F, "where", "lax.select_n", fn=lambda x: jnp.where(x > 0, x, 0.1 * x), inputs=[("B", 6)], f64=True)
testcase(F, "select_n_three", "lax.select_n", fn=lambda i, a, b, c: lax.select_n(i, a, b, c),
         inputs=[(5,), (5,), (5,), (5,)], input_dtypes=[I32, F32, F32, F32], f64=True,
         input_gen=lambda rng, s, d: [np.array([0, 1, 2, 1, 0], d[0])] + [rng.standard_normal(5).astype(t) for t in d[1:]])
testcase(F, "select_n_four_dynamic", "lax.select_n", fn=lambda i, a, b, c, e: lax.select_n(i, a, b, c, e),
         inputs=[("B", 3)] * 5, input_dtypes=[I32, I32, I32, I32, I32],
         input_gen=lambda rng, s, d: [rng.integers(0, 4, s[0]).astype(d[0])]
         + [rng.integers(-9, 9, x).astype(t) for x, t in zip(s[1:], d[1:])])
for _dt in ("bool", "int16", "uint16", "int8", "float16"):
    testcase(F, f"select_n_cases_{_dt}", "lax.select_n", fn=lambda p, a, b: lax.select_n(p, a, b),
             inputs=[(5,), (5,), (5,)], input_dtypes=[B, _dt, _dt])
testcase(F, "select_n_three_bool_cases", "lax.select_n", fn=lambda i, a, b, c: lax.select_n(i, a, b, c),
         inputs=[(6,)] * 4, input_dtypes=[I32, B, B, B],
         input_gen=lambda rng, s, d: [np.array([0, 1, 2, 2, 1, 0], d[0])] + [rng.integers(0, 2, 6).astype(bool) for _ in d[1:]])
testcase(F, "select_n_scalar_pred", "lax.select_n", fn=lambda p, a, b: lax.select_n(p, a, b),
         inputs=[(), ("B", 3), ("B", 3)], input_dtypes=[B, F32, F32])

# ---- convert_element_type ----------------------------------------------------------------------
# float -> int only with in-range values: JAX saturates and maps NaN to 0 there, ONNX Cast
# leaves those undefined (ORT returns INT_MIN), see the lowering docstrings
testcase(F, "convert_f32_to_i32", "lax.convert_element_type", fn=lambda x: (x * 3).astype(jnp.int32),
         inputs=[("B", 4)], f64=True)
testcase(F, "convert_f32_to_i32_truncates", "lax.convert_element_type", fn=lambda x: x.astype(jnp.int32),
         inputs=[(6,)], f64=True, input_gen=fixed([2.7, -2.7, 0.5, -0.5, 1e9, -1e9]))
testcase(F, "convert_i32_to_f32", "lax.convert_element_type", fn=lambda x: x.astype(jnp.float32),
         inputs=[("B", 4)], input_dtypes=[I32])
testcase(F, "convert_f32_to_bool", "lax.convert_element_type", fn=lambda x: jnp.round(x).astype(bool),
         inputs=[(3, 4)], f64=True)
testcase(F, "convert_f32_to_bool_special", "lax.convert_element_type", fn=lambda x: x.astype(bool),
         inputs=[(5,)], input_gen=fixed([np.nan, 0.0, -0.0, np.inf, 1e-30]))
testcase(F, "convert_i32_to_bool", "lax.convert_element_type", fn=lambda x: x.astype(bool),
         inputs=[("B", 4)], input_dtypes=[I32], f64=True, input_gen=ints(-2, 3))
testcase(F, "convert_bool_to_f32_i32", "lax.convert_element_type",
         fn=lambda b: (b.astype(jnp.float32), b.astype(jnp.int32), b.astype(jnp.uint8)),
         inputs=[("B", 4)], input_dtypes=[B])
testcase(F, "convert_i32_to_i8_wraps", "lax.convert_element_type", fn=lambda x: x.astype(jnp.int8),
         inputs=[(5,)], input_dtypes=[I32], input_gen=fixed([300, -300, 127, 128, -129]))
testcase(F, "convert_f32_to_u8", "lax.convert_element_type", fn=lambda x: x.astype(jnp.uint8),
         inputs=[(5,)], input_gen=fixed([0.0, 1.9, 254.9, 100.5, 7.0]))
testcase(F, "convert_f32_f16_roundtrip", "lax.convert_element_type",
         fn=lambda x: (x.astype(jnp.float16), x.astype(jnp.float16).astype(jnp.float32)),
         inputs=[("B", 3)])
testcase(F, "convert_f64_to_f32", "lax.convert_element_type",
         fn=lambda x: x.astype(jnp.float32) + 1, inputs=[("B", 3)], f64=True,
         check=None)  # narrows on purpose
testcase(F, "convert_u16_to_f32", "lax.convert_element_type", fn=lambda x: x.astype(jnp.float32),
         inputs=[(4,)], input_dtypes=["uint16"], input_gen=fixed([0, 1, 65535, 300]))

# ---- bitcast_convert_type (ONNX BitCast exists from opset 26) ------------------------------------
testcase(F, "bitcast_f32_to_i32", "lax.bitcast_convert_type",
         fn=lambda x: lax.bitcast_convert_type(x, jnp.int32), inputs=[("B", 4)], opset=26,
         expect_ops=("BitCast",))
testcase(F, "bitcast_i32_to_f32", "lax.bitcast_convert_type",
         fn=lambda x: lax.bitcast_convert_type(x, jnp.float32), inputs=[("B", 4)], input_dtypes=[I32],
         opset=26, input_gen=ints(0, 1 << 30))
testcase(F, "bitcast_u16_to_f16", "lax.bitcast_convert_type",
         fn=lambda x: lax.bitcast_convert_type(x, jnp.float16), inputs=[(4,)], input_dtypes=["uint16"],
         opset=26, input_gen=fixed([0x3C00, 0x4000, 0xC000, 0x0001]))
testcase(F, "bfloat16_compare_select", "lax.lt", inputs=[("B", 4), ("B", 4)],
         fn=lambda x, y: (lambda a, b: (a < b, a != b, lax.select_n(a < b, a, b).astype(jnp.float32)))(
             x.astype(jnp.bfloat16), y.astype(jnp.bfloat16)))


def _u64_ops(x, s):
    """Under x64 (the f64 variant) these run on uint64; otherwise JAX narrows to uint32."""
    u, n = x.astype(jnp.uint64), s.astype(jnp.uint64)
    return (lax.shift_left(u, n), lax.shift_right_logical(u, n), lax.shift_right_arithmetic(u, n),
            lax.population_count(u), lax.max(u, n), lax.select_n(x > s, u, n), lax.rem(u, n + 1),
            lax.div(u, n), lax.neg(u))


testcase(F, "uint64_bit_ops", "lax.shift_left", fn=_u64_ops, inputs=[("B", 8), ("B", 8)],
         input_dtypes=[I32, I32], f64=True, sizes={"B": (8, 9)},
         input_gen=lambda rng, s, d: [rng.integers(-(1 << 31), 1 << 31, s[0]).astype(d[0]),
                                      _fill_amounts(rng.integers(0, 70, s[1]), [0, 1, 31, 63, 64, 65, -1]).astype(d[1])])


def _fill_amounts(a, vals):
    flat = a.reshape(-1)
    flat[:len(vals)] = vals[:flat.size]
    return flat.reshape(a.shape)


# ---- after the flip (onnx_ir only) ----------------------------------------------------------------
from ..testcase import LEGACY_FROZEN  # noqa: E402
from jax._src.lax.lax import le_to_p, lt_to_p  # noqa: E402  (total-order compares: no public wrapper)


def _bits_then_zero_sign(dtype):
    """bitcast, plus ±inf where the result is a zero, so -0.0 vs +0.0 is checked too (the
    zero test is on the bits: XLA's CPU arithmetic treats subnormals as zero)."""
    def f(x):
        v = lax.bitcast_convert_type(x, dtype)
        return v, jnp.where(lax.shift_left(x, jnp.ones_like(x)) == 0, 1 / v, 0)
    return f


_F32_BITS = [0, 0x80000000, 1, 0x807FFFFF, 0x00800000, 0x3F800000, 0xC0200000, 0x7F7FFFFF, 0x7F800000,
             0xFF800000, 0x7FC00000, 0x3FFFFFFF]
testcase(F, "bitcast_u32_to_f32_opset23", "lax.bitcast_convert_type", fn=_bits_then_zero_sign(jnp.float32),
         inputs=[(12,)], input_dtypes=[np.uint32], input_gen=fixed(_F32_BITS), rtol=0.0, atol=0.0,
         forbid_ops=("BitCast",), ir_only=LEGACY_FROZEN)
testcase(F, "bitcast_i32_to_f32_opset23", "lax.bitcast_convert_type", fn=_bits_then_zero_sign(jnp.float32),
         inputs=[("B", 4)], input_dtypes=[I32], input_gen=ints(-(1 << 31), (1 << 31) - 1), rtol=0.0, atol=0.0,
         ir_only=LEGACY_FROZEN)
testcase(F, "bitcast_u16_to_f16_opset23", "lax.bitcast_convert_type", fn=_bits_then_zero_sign(jnp.float16),
         inputs=[(6,)], input_dtypes=["uint16"], input_gen=fixed([0x3C00, 0x8000, 0x0001, 0xFC00, 0x7E00, 0x03FF]),
         rtol=0.0, atol=0.0, ir_only=LEGACY_FROZEN)
testcase(F, "bitcast_u64_to_f64_opset23", "lax.bitcast_convert_type",
         fn=lambda x: _bits_then_zero_sign(jnp.float64)(x.astype(jnp.uint64)) if x.dtype == jnp.int64 else x,
         inputs=[(6,)], input_dtypes=[I32], f64=True, rtol=0.0, atol=0.0, ir_only=LEGACY_FROZEN,
         input_gen=fixed([0, -(1 << 63), 1, 0x3FF0000000000000, 0x7FF0000000000000, -1]))

_TOTAL = fixed([-0.0, 0.0, np.nan, -np.inf, 1.0, 0.0, -0.0, np.nan],
               [0.0, -0.0, 1.0, -np.inf, np.nan, 0.0, -1.0, np.nan])
testcase(F, "le_to_float", "lax.le_to", fn=le_to_p.bind, inputs=[(8,), (8,)], input_gen=_TOTAL, f64=True,
         ir_only=LEGACY_FROZEN)
testcase(F, "lt_to_float", "lax.lt_to", fn=lt_to_p.bind, inputs=[(8,), (8,)], input_gen=_TOTAL, f64=True,
         ir_only=LEGACY_FROZEN)
testcase(F, "le_to_int", "lax.le_to", fn=le_to_p.bind, inputs=[("B", 4), ("B", 4)], input_dtypes=[I32, I32],
         ir_only=LEGACY_FROZEN)
