"""Fuzz reshape, transpose, squeeze, expand_dims and broadcast_in_dim on both pipelines."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from jax import lax

from jax2onnx.testing.strategies import Shape, axes, permutations, shapes

from .harness import check_both


@given(data=st.data(), shape=shapes(min_rank=1, symbolic=False))
def test_reshape(data, shape):
    # regroup the same elements: a random ordering of the prime-ish factors of each dim
    factors = []
    for d in shape.dims:
        factors.extend([2] * (d // 2) if d in (2, 4) else [d])
    order = data.draw(st.permutations(factors), label="order")
    cut = data.draw(st.integers(0, len(order)), label="cut")
    new = tuple(x for x in (int(np.prod(order[:cut])), int(np.prod(order[cut:]))))
    check_both(lambda x: lax.reshape(x, new), [shape])


@given(data=st.data(), shape=shapes(min_rank=1))
def test_reshape_keeps_symbolic_batch(data, shape):
    rest = int(np.prod(shape.dims[1:]))
    check_both(lambda x: x.reshape(x.shape[0], rest), [shape])


@given(data=st.data(), shape=shapes())
def test_transpose(data, shape):
    perm = data.draw(permutations(shape.rank), label="perm")
    check_both(lambda x: lax.transpose(x, perm), [shape])


@given(data=st.data(), shape=shapes(max_rank=3))
def test_expand_then_squeeze(data, shape):
    k = data.draw(st.integers(1, 2), label="k")
    lo = 1 if shape.symbolic else 0  # keep the symbolic batch on axis 0
    new_axes = tuple(sorted(data.draw(st.lists(st.integers(lo, shape.rank + k - 1), min_size=k, max_size=k,
                                               unique=True), label="new_axes")))

    def fn(x):
        y = lax.expand_dims(x, new_axes)
        return y * 2.0, lax.squeeze(y, new_axes)

    check_both(fn, [shape])


@given(data=st.data(), shape=shapes(max_rank=3, symbolic=False))
def test_broadcast_in_dim(data, shape):
    extra = data.draw(st.lists(st.integers(1, 4), min_size=0, max_size=2), label="extra")
    out_rank = shape.rank + len(extra)
    dims = data.draw(axes(out_rank, min_size=shape.rank, max_size=shape.rank), label="dims")
    out = [0] * out_rank
    for d, a in zip(shape.dims, dims):
        out[a] = d
    free = iter(extra)
    out = tuple(o if i in dims else next(free) for i, o in enumerate(out))
    # a broadcast dim may also stretch a size-1 input dim
    check_both(lambda x: lax.broadcast_in_dim(x, out, dims), [Shape(shape.dims)])


@given(data=st.data(), shape=shapes(min_rank=1, symbolic=False))
def test_pad_and_rev(data, shape):
    cfg = tuple((data.draw(st.integers(-1, 2), label="lo") if d > 1 else data.draw(st.integers(0, 2), label="lo"),
                 data.draw(st.integers(0, 2), label="hi"), data.draw(st.integers(0, 1), label="interior"))
                for d in shape.dims)
    rev = data.draw(axes(shape.rank), label="rev")
    check_both(lambda x: lax.rev(lax.pad(x, np.float32(0.5), cfg), rev), [shape])


@given(shape=shapes(min_rank=1))
def test_iota_plus_input(shape):
    check_both(lambda x: x + lax.broadcasted_iota(np.float32, x.shape, x.ndim - 1), [shape])
