"""Fuzz reductions (axes, keepdims) and arg-reductions on both pipelines."""

import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from jax2onnx.testing.strategies import axes, axis, shapes

from .harness import check_both

REDUCE = [("sum", jnp.sum), ("max", jnp.max), ("min", jnp.min), ("prod", jnp.prod), ("mean", jnp.mean)]


@given(data=st.data(), op=st.sampled_from(REDUCE), shape=shapes(min_rank=1), keepdims=st.booleans())
def test_reduce(data, op, shape, keepdims):
    name, red = op
    ax = data.draw(axes(shape.rank), label="axes")
    check_both(lambda x: red(x, axis=ax, keepdims=keepdims), [shape], rtol=1e-4, atol=1e-5)


@given(data=st.data(), shape=shapes(min_rank=1), use_int=st.booleans(), which=st.sampled_from(["argmax", "argmin"]))
def test_arg_reduce(data, shape, use_int, which):
    ax = data.draw(axis(shape.rank), label="axis")
    fn = getattr(jnp, which)
    check_both(lambda x: fn(x, axis=ax), [shape], [np.int32 if use_int else np.float32])


@given(data=st.data(), shape=shapes(min_rank=1, max_rank=3))
def test_cumsum(data, shape):
    ax = data.draw(axis(shape.rank), label="axis")
    check_both(lambda x: jnp.cumsum(x, axis=ax), [shape], rtol=1e-4, atol=1e-5)


@given(data=st.data(), shape=shapes(min_rank=1), which=st.sampled_from(["all", "any"]))
def test_boolean_reduce(data, shape, which):
    ax = data.draw(axes(shape.rank, min_size=1), label="axes")
    red = getattr(jnp, which)
    check_both(lambda x: red(x > 0.3, axis=ax).astype(jnp.float32), [shape])
