"""Catalog: elementwise arithmetic, rounding, exp/log/trig basics, pow, rem, clamp."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase as _declare

F = "elementwise"


def f64_end_to_end(model):
    """In a float64 model (double inputs), no float32/float16 tensor appears anywhere."""
    import onnx

    graph = model.graph
    if not any(v.type.tensor_type.elem_type == onnx.TensorProto.DOUBLE for v in graph.input):
        return
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph
    types = {v.name: v.type.tensor_type.elem_type for v in [*inferred.value_info, *inferred.output]}
    types.update({t.name: t.data_type for t in inferred.initializer})
    narrow = {n: t for n, t in types.items() if t in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16)}
    assert not narrow, f"float64 graph computes in a narrower float: {sorted(narrow)[:5]}"


def testcase(family, name, component, **kw):
    """Declare a case; float64 variants also check the graph stays float64 throughout."""
    if kw.get("f64") and "check" not in kw:
        kw["check"] = f64_end_to_end
    return _declare(family, name, component, **kw)

I32, F16, F32 = np.int32, np.float16, np.float32


def _fill(arr, specials):
    """Overwrite the first entries of ``arr`` with ``specials`` (edge values)."""
    flat = arr.reshape(-1)
    k = min(flat.size, len(specials))
    with np.errstate(over="ignore"):  # 1e10 in float16 is inf on purpose
        flat[:k] = np.asarray(specials[:k]).astype(arr.dtype)
    return flat.reshape(arr.shape)


def uniform(lo, hi, specials=()):
    """input_gen: uniform floats in [lo, hi) for every input, with edge values first."""
    def gen(rng, shapes, dtypes):
        return [_fill(rng.uniform(lo, hi, s).astype(d), specials) for s, d in zip(shapes, dtypes)]
    return gen


def ints(lo, hi, specials=()):
    def gen(rng, shapes, dtypes):
        return [_fill(rng.integers(lo, hi, s).astype(d), specials) for s, d in zip(shapes, dtypes)]
    return gen


def fixed(*arrays):
    return lambda rng, shapes, dtypes: [np.asarray(a).astype(d) for a, d in zip(arrays, dtypes)]


# ---- binary arithmetic ----------------------------------------------------------------------
for _name, _fn in {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (jnp.abs(y) + 0.5), "max": lax.max, "min": lax.min,
    "pow": lambda x, y: lax.pow(jnp.abs(x) + 0.1, y),
}.items():
    testcase(F, _name, f"lax.{_name}", fn=_fn, inputs=[("B", 3), ("B", 3)], f64=True)

testcase(F, "add_broadcast_scalar", "lax.add", fn=lambda x: x + 1.5, inputs=[("B", 4)])
testcase(F, "add_broadcast_row", "lax.add", fn=lambda x, y: x + y, inputs=[("B", 4), (4,)], f64=True)
testcase(F, "add_size0", "lax.add", fn=lambda x, y: x + y, inputs=[(0, 3), (3,)])
testcase(F, "add_int32", "lax.add", fn=lambda x, y: x + y, inputs=[(3, 4), (3, 4)],
         input_dtypes=[I32, I32], f64=True)
for _dt in ("int8", "uint8", "int16", "uint16", "uint32", "float16"):
    testcase(F, f"mul_{_dt}", "lax.mul", fn=lambda x, y: x * y, inputs=[("B", 5), ("B", 5)],
             input_dtypes=[_dt, _dt], rtol=1e-3)
    testcase(F, f"max_{_dt}", "lax.max", fn=lax.max, inputs=[("B", 5), ("B", 5)],
             input_dtypes=[_dt, _dt])
    testcase(F, f"min_{_dt}", "lax.min", fn=lax.min, inputs=[(5,), (5,)], input_dtypes=[_dt, _dt])
testcase(F, "max_nan", "lax.max", fn=lax.max, inputs=[(4,), (4,)], f64=True,
         input_gen=fixed([np.nan, 1.0, -2.0, np.inf], [0.0, np.nan, -1.0, 3.0]))
testcase(F, "min_int32", "lax.min", fn=lax.min, inputs=[("B", 3), ("B", 3)],
         input_dtypes=[I32, I32], f64=True)
testcase(F, "div_int32_truncates", "lax.div", fn=lambda x, y: lax.div(x, y), inputs=[(6,), (6,)],
         input_dtypes=[I32, I32], f64=True,
         input_gen=fixed([7, -7, 9, -9, 3, 0], [2, 2, -4, -4, 5, 1]))
testcase(F, "div_int_by_zero", "lax.div", fn=lambda x, y: lax.div(x, y), inputs=[(6,), (6,)],
         input_dtypes=[I32, I32], f64=True,
         input_gen=fixed([7, -7, 0, 3, -2 ** 31, 5], [0, 0, 0, 2, -1, -1]))
testcase(F, "div_int8_edges", "lax.div", fn=lambda x, y: lax.div(x, y), inputs=[(5,), (5,)],
         input_dtypes=["int8", "int8"], input_gen=fixed([-128, -128, 7, 100, -9], [-1, 0, -1, 3, 2]))
testcase(F, "sub_int32", "lax.sub", fn=lambda x, y: x - y, inputs=[("B", 3), ("B", 3)],
         input_dtypes=[I32, I32], f64=True)
testcase(F, "add_any_grad", "lax.add_any", fn=lambda x: __import__("jax").grad(
    lambda v: (v * v + jnp.sin(v)).sum())(x), inputs=[("B", 3)], f64=True, expect_ops=("Add",))
testcase(F, "bfloat16_math", "lax.exp", inputs=[("B", 4)], rtol=1e-2, atol=1e-2,
         fn=lambda x: (lambda b: (jnp.exp(b) + lax.max(b, b + b) - jnp.floor(b))
                       .astype(jnp.float32))(x.astype(jnp.bfloat16)))
testcase(F, "div_uint8_by_zero", "lax.div", fn=lambda x, y: lax.div(x, y), inputs=[(4,), (4,)],
         input_dtypes=["uint8", "uint8"], input_gen=fixed([7, 200, 0, 3], [0, 3, 0, 2]))

# ---- unary --------------------------------------------------------------------------------------
testcase(F, "neg", "lax.neg", fn=lambda x: -x, inputs=[("B", 3)], f64=True, markers=("ir_smoke",))
testcase(F, "neg_int32", "lax.neg", fn=lambda x: -x, inputs=[("B", 3)], input_dtypes=[I32], f64=True)
testcase(F, "neg_uint32", "lax.neg", fn=lax.neg, inputs=[(4,)], input_dtypes=["uint32"])
testcase(F, "neg_int16", "lax.neg", fn=lax.neg, inputs=[(4,)], input_dtypes=["int16"])
for _name, _fn in {"abs": lax.abs, "sign": lax.sign, "square": lax.square}.items():
    testcase(F, _name, f"lax.{_name}", fn=_fn, inputs=[("B", 5)], f64=True,
             input_gen=uniform(-3, 3, [0.0, -0.0, 2.5]))
    testcase(F, f"{_name}_int32", f"lax.{_name}", fn=_fn, inputs=[("B", 5)], input_dtypes=[I32],
             f64=True, input_gen=ints(-5, 5))
    testcase(F, f"{_name}_int8", f"lax.{_name}", fn=_fn, inputs=[(5,)], input_dtypes=["int8"],
             input_gen=ints(-5, 5))
testcase(F, "sign_nan", "lax.sign", fn=lax.sign, inputs=[(4,)], f64=True,
         input_gen=fixed([np.nan, -np.inf, np.inf, 0.0]))

_UNARY = {
    "exp": (jnp.exp, uniform(-5, 5)), "tanh": (jnp.tanh, None), "logistic": (lax.logistic, None),
    "log": (jnp.log, uniform(0.01, 10, [1.0])), "sqrt": (jnp.sqrt, uniform(0, 10, [0.0, 4.0])),
    "rsqrt": (lax.rsqrt, uniform(0.01, 10, [4.0])), "sin": (jnp.sin, uniform(-10, 10)),
    "cos": (jnp.cos, uniform(-10, 10)), "floor": (jnp.floor, uniform(-5, 5, [-0.5, 2.0, -2.0])),
    "ceil": (jnp.ceil, uniform(-5, 5, [-0.5, 2.0, -2.0])), "exp2": (jnp.exp2, uniform(-10, 10, [3.0, -2.0])),
    "cbrt": (lax.cbrt, uniform(-30, 30, [-8.0, 27.0, 0.0])),
}
for _name, (_fn, _gen) in _UNARY.items():
    testcase(F, _name, f"lax.{_name}", fn=_fn, inputs=[("B", 5)], f64=True, input_gen=_gen,
             rtol=1e-5, atol=1e-6)
    testcase(F, f"{_name}_f16", f"lax.{_name}", fn=_fn, inputs=[(6,)], input_dtypes=[F16],
             input_gen=_gen, rtol=4e-3, atol=2e-3)  # JAX rounds exp2 in float16 (~2 ulp)
testcase(F, "exp_size0", "lax.exp", fn=jnp.exp, inputs=[(2, 0)])

_HALVES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, -0.49999997, 3.7, -3.7, 0.0, 1e8 + 1]
testcase(F, "round_half_even", "lax.round", fn=jnp.round, inputs=[(12,)], f64=True,
         input_gen=fixed(_HALVES), expect_ops=("Round",))
testcase(F, "round_away_from_zero", "lax.round",
         fn=lambda x: lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO), inputs=[(12,)], f64=True,
         input_gen=fixed(_HALVES))
testcase(F, "round_dynamic", "lax.round", fn=lax.round, inputs=[("B", 3)], f64=True,
         input_gen=uniform(-4, 4, [0.5, -2.5]))
testcase(F, "round_special", "lax.round", fn=lambda x: (lax.round(x), jnp.round(x)), inputs=[(3,)],
         input_gen=fixed([np.nan, np.inf, -np.inf]))

# ---- pow / integer_pow ----------------------------------------------------------------------
testcase(F, "pow_float_int", "lax.pow", fn=lambda x, n: lax.pow(x, n), inputs=[("B", 4), ("B", 4)],
         input_dtypes=[F32, I32], f64=True,
         input_gen=lambda rng, s, d: [rng.uniform(-2, 2, s[0]).astype(d[0]),
                                      rng.integers(-3, 4, s[1]).astype(d[1])])
testcase(F, "pow_scalar_exponent", "lax.pow", fn=lambda x: lax.pow(x, 2.5), inputs=[("B", 4)],
         f64=True, input_gen=uniform(0, 4, [0.0]))
testcase(F, "pow_f16", "lax.pow", fn=lax.pow, inputs=[(4,), (4,)], input_dtypes=[F16, F16],
         input_gen=uniform(0.5, 2), rtol=2e-3)
for _y in (0, 1, 2, 3, 5, -2, -3):
    testcase(F, f"integer_pow_{_y}".replace("-", "m"), "lax.integer_pow",
             fn=lambda x, _y=_y: lax.integer_pow(x + 2.0, _y), inputs=[("B", 3)], f64=True, rtol=1e-5)
testcase(F, "integer_pow_int32", "lax.integer_pow", fn=lambda x: lax.integer_pow(x, 7),
         inputs=[("B", 3)], input_dtypes=[I32], f64=True, input_gen=ints(-3, 4))
testcase(F, "integer_pow_uint8", "lax.integer_pow", fn=lambda x: lax.integer_pow(x, 3),
         inputs=[(4,)], input_dtypes=["uint8"], input_gen=ints(0, 255))

# ---- rem / clamp / is_finite ---------------------------------------------------------------
testcase(F, "rem_float", "lax.rem", fn=lax.rem, inputs=[("B", 4), ("B", 4)], f64=True,
         input_gen=lambda rng, s, d: [rng.uniform(-10, 10, s[0]).astype(d[0]),
                                      _fill(rng.uniform(0.5, 3, s[1]) * rng.choice([-1, 1], s[1]),
                                            [2.0, -2.0]).astype(d[1])])
testcase(F, "rem_float_sign", "lax.rem", fn=lambda x, y: jnp.fmod(x, y), inputs=[(4,), (4,)],
         f64=True, input_gen=fixed([5.5, -5.5, 5.5, -5.5], [2.0, 2.0, -2.0, -2.0]))
testcase(F, "rem_int32", "lax.rem", fn=lax.rem, inputs=[(6,), (6,)], input_dtypes=[I32, I32],
         f64=True, input_gen=fixed([7, -7, 7, -7, 5, -2 ** 31], [2, 2, -2, -2, 0, -1]))
testcase(F, "rem_int_dynamic", "lax.rem", fn=lax.rem, inputs=[("B", 3), ("B", 3)],
         input_dtypes=[I32, I32], input_gen=lambda rng, s, d: [rng.integers(-20, 20, s[0]).astype(d[0]),
                                                                rng.integers(1, 6, s[1]).astype(d[1])])
for _dt in ("int8", "uint16", "float16"):
    testcase(F, f"rem_{_dt}", "lax.rem", fn=lax.rem, inputs=[(4,), (4,)], input_dtypes=[_dt, _dt],
             input_gen=fixed([7, 9, 100, 0], [2, 4, 7, 3]))
testcase(F, "clamp_scalar_bounds", "lax.clamp", fn=lambda x: lax.clamp(-0.5, x, 0.5),
         inputs=[("B", 5)], f64=True, input_gen=uniform(-1, 1, [np.nan]))
testcase(F, "clamp_array_bounds", "lax.clamp", fn=lambda lo, x, hi: lax.clamp(lo, x, hi),
         inputs=[("B", 4), ("B", 4), ("B", 4)], f64=True,
         input_gen=lambda rng, s, d: [np.full(s[0], -0.5, d[0]), rng.standard_normal(s[1]).astype(d[1]),
                                      np.full(s[2], 0.7, d[2])])
testcase(F, "clamp_int32", "lax.clamp", fn=lambda x: lax.clamp(1, x, 3), inputs=[("B", 5)],
         input_dtypes=[I32], f64=True)
testcase(F, "clamp_int16", "lax.clamp", fn=lambda x: lax.clamp(np.int16(1), x, np.int16(3)),
         inputs=[(5,)], input_dtypes=["int16"])
testcase(F, "is_finite", "lax.is_finite", fn=lax.is_finite, inputs=[("B", 4)], f64=True,
         input_gen=uniform(-1, 1, [np.nan, np.inf, -np.inf, 1e30]))
testcase(F, "is_finite_f16", "lax.is_finite", fn=lax.is_finite, inputs=[(4,)], input_dtypes=[F16],
         input_gen=fixed([np.nan, np.inf, 65504.0, 1.0]))
_NX = [1.0, 1.0, -1.0, 0.0, 0.0, 2.0, 2.0, np.inf, np.nan, 3.0, -2.0, -4.0, 0.75]
_NY = [2.0, 0.0, 0.0, 1.0, -1.0, 0.0, 3.0, 0.0, 1.0, 3.0, 0.0, -5.0, np.nan]
for _dt in ("float32", "float16", "bfloat16"):
    testcase(F, f"nextafter_{_dt}", "lax.nextafter", inputs=[(13,), (13,)], rtol=0, atol=0,
             fn=lambda x, y, _dt=_dt: lax.nextafter(x.astype(_dt), y.astype(_dt)).astype(jnp.float32),
             input_gen=fixed(_NX, _NY), f64=_dt == "float32", check=None)  # casts on purpose
testcase(F, "nextafter_dynamic", "lax.nextafter", fn=lax.nextafter, inputs=[("B", 4), ("B", 4)],
         rtol=0, atol=0, f64=True)
testcase(F, "max_min_bool", "lax.max", fn=lambda a, b: (lax.max(a, b), lax.min(a, b)),
         inputs=[("B", 4), ("B", 4)], input_dtypes=[np.bool_, np.bool_])
testcase(F, "clamp_bool", "lax.clamp", fn=lambda x: lax.clamp(False, x, True), inputs=[(4,)],
         input_dtypes=[np.bool_])

_BX = [np.inf, 5.0, 5.0, np.nan, -np.inf, 0.0, 0.0, -8.0, 2.0, -0.0, 1.0, -3.5]
_BY = [2.0, np.inf, 0.0, 1.0, 3.0, -1.0, 0.0, 1 / 3, np.nan, -np.inf, np.inf, -2.0]
testcase(F, "binary_special_values", "lax.rem", inputs=[(12,), (12,)], f64=True, input_gen=fixed(_BX, _BY),
         fn=lambda x, y: (lax.rem(x, y), lax.pow(x, y), lax.max(x, y), lax.min(x, y),
                          lax.clamp(-1.0, x, 1.0), lax.div(x, y)))
