"""Fuzz slicing, static indexing, concatenate and split on both pipelines."""

import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from jax import lax

from jax2onnx.testing.strategies import Shape, axis, shapes, slice_specs

from .harness import check_both


@given(data=st.data(), shape=shapes(min_rank=1, symbolic=False))
def test_slice(data, shape):
    start, limit, strides = data.draw(slice_specs(shape.dims), label="slice")
    check_both(lambda x: lax.slice(x, start, limit, strides), [shape])


@given(data=st.data(), shape=shapes(min_rank=2, symbolic=False))
def test_static_indexing(data, shape):
    i = data.draw(st.integers(-shape.dims[0], shape.dims[0] - 1), label="i")
    step = data.draw(st.integers(1, 2), label="step")
    check_both(lambda x: x[i, ::step], [shape])


@given(data=st.data(), shape=shapes(min_rank=1), n=st.integers(1, 3))
def test_concatenate(data, shape, n):
    lo = 1 if shape.symbolic and shape.rank > 1 else 0
    if shape.symbolic and shape.rank == 1:
        shape = Shape(shape.dims)
    ax = data.draw(st.integers(lo, shape.rank - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n), label="sizes")
    parts = [Shape(shape.dims[:ax] + (s,) + shape.dims[ax + 1:], shape.symbolic) for s in sizes]
    check_both(lambda *xs: lax.concatenate(xs, ax), parts)


@given(data=st.data(), shape=shapes(min_rank=1, symbolic=False))
def test_split(data, shape):
    ax = data.draw(axis(shape.rank), label="axis")
    d = shape.dims[ax]
    cuts = sorted(data.draw(st.lists(st.integers(0, d), max_size=2), label="cuts"))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [d])]
    check_both(lambda x: tuple(lax.split(x, sizes, axis=ax)), [shape])


@given(data=st.data(), shape=shapes(min_rank=1, symbolic=False))
def test_dynamic_slice_clamps_like_jax(data, shape):
    sizes = tuple(data.draw(st.integers(1, d), label="size") for d in shape.dims)
    # the start comes in at run time (values in [-3, 3]): JAX clamps it into range
    check_both(lambda x, i: lax.dynamic_slice(x, (i,) + (0,) * (shape.rank - 1), sizes),
               [shape, Shape(())], [np.float32, np.int32])


@given(shape=shapes(min_rank=1, max_rank=3, min_dim=4), k=st.integers(1, 4))
def test_gather_rows(shape, k):
    # indices in [-3, 3] and axis 0 of size >= 4: in bounds, negatives normalized like numpy
    check_both(lambda x, idx: x[idx], [shape, Shape((k,))], [np.float32, np.int32])


@given(shape=shapes(min_rank=1, max_rank=3, min_dim=4, symbolic=False), k=st.integers(1, 4),
       how=st.sampled_from(["set", "add", "max"]))
def test_scatter_rows(shape, k, how):
    def fn(x, idx, y):
        ref = jnp.asarray(x).at[idx]  # the JAX reference is called with numpy arrays
        return getattr(ref, how)(y)

    # duplicate indices make "set" order-dependent; keep them unique for "set"
    idx_shape = Shape((1,)) if how == "set" else Shape((k,))
    upd = Shape(idx_shape.dims + shape.dims[1:])
    check_both(fn, [shape, idx_shape, upd], [np.float32, np.int32, np.float32])
