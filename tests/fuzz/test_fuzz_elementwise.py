"""Fuzz elementwise unary and binary (broadcasting) ops on both pipelines."""

import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from jax import lax

from jax2onnx.testing.strategies import broadcast_pairs, shapes

from .harness import check_both

# (name, fn, needs positive inputs)
UNARY = [
    ("abs", jnp.abs, False), ("neg", lax.neg, False), ("exp", jnp.exp, False), ("log", jnp.log, True),
    ("sqrt", jnp.sqrt, True), ("rsqrt", lax.rsqrt, True), ("sin", jnp.sin, False), ("cos", jnp.cos, False),
    ("tanh", jnp.tanh, False), ("logistic", lax.logistic, False), ("floor", jnp.floor, False),
    ("ceil", jnp.ceil, False), ("sign", jnp.sign, False), ("square", lambda x: x ** 2, False),
    ("tan", jnp.tan, False), ("sinh", jnp.sinh, False), ("cosh", jnp.cosh, False), ("asinh", jnp.arcsinh, False),
    ("atan", jnp.arctan, False), ("erf", lax.erf, False), ("expm1", jnp.expm1, False), ("log1p", jnp.log1p, True),
    ("round", jnp.round, False), ("cbrt", jnp.cbrt, False),
    ("is_finite", lambda x: jnp.where(jnp.isfinite(1.0 / x), x, 0.0), False),
]

BINARY = [
    ("add", lambda x, y: x + y, False), ("sub", lambda x, y: x - y, False), ("mul", lambda x, y: x * y, False),
    ("div", lambda x, y: x / y, True), ("max", jnp.maximum, False), ("min", jnp.minimum, False),
    ("pow", jnp.power, True), ("rem", lax.rem, True), ("atan2", jnp.arctan2, True),
    ("logic", lambda x, y: jnp.where(((x > 0) & (y < 0)) | ~(x < y) ^ (y > 1), x, y), False),
    ("where_lt", lambda x, y: jnp.where(x < y, x, y), False),
    # 'and'/'or'/'not' are not lowered by both pipelines yet: comparisons go through select_n
    ("ge_ne_select", lambda x, y: jnp.where(x >= y, jnp.where(x != y, x, 0.0), y), False),
]


@given(op=st.sampled_from(UNARY), shape=shapes())
def test_unary(op, shape):
    name, fn, positive = op
    check_both(fn, [shape], positive=positive, rtol=1e-5, atol=1e-5)


@given(op=st.sampled_from(BINARY), pair=broadcast_pairs())
def test_binary_broadcasting(op, pair):
    name, fn, positive = op
    check_both(fn, list(pair), positive=positive, nonzero=positive, rtol=1e-5, atol=1e-5)


@given(pair=broadcast_pairs(max_rank=3), use_int=st.booleans())
def test_binary_int_and_f64(pair, use_int):
    dt = np.int32 if use_int else np.float64
    check_both(lambda x, y: x * y - y, list(pair), [dt, dt], x64=not use_int)


@given(shape=shapes(), lo=st.floats(-1.0, 0.0, width=32), width=st.floats(0.0, 1.5, width=32))
def test_clamp(shape, lo, width):
    check_both(lambda x: lax.clamp(np.float32(lo), x, np.float32(lo + width)), [shape])


@given(pair=broadcast_pairs(max_rank=3), op=st.sampled_from(["and", "or", "xor"]))
def test_bitwise_int(pair, op):
    fn = {"and": lambda x, y: x & y, "or": lambda x, y: x | y, "xor": lambda x, y: x ^ y}[op]
    check_both(fn, list(pair), [np.int32, np.int32])
