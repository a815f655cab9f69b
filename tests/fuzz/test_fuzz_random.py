"""Fuzz jax.random.bits (onnx_ir only: legacy is frozen): shapes, bit widths, both counter
layouts, random key words — ONNX must equal JAX bit for bit."""

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jax2onnx import allclose, to_onnx

pytestmark = pytest.mark.slow  # each example compiles its own JAX reference


@given(shape=st.lists(st.integers(1, 9), min_size=0, max_size=3).map(tuple),
       width=st.sampled_from(["uint8", "uint16", "uint32"]), partitionable=st.booleans(),
       words=st.lists(st.integers(0, 2 ** 32 - 1), min_size=2, max_size=2))
def test_bits_bit_identical(shape, width, partitionable, words):
    def fn(k):
        with jax.threefry_partitionable(partitionable):
            return jax.random.bits(k, shape, width)

    model = to_onnx(fn, [jax.ShapeDtypeStruct((2,), np.uint32)], use_onnx_ir=True)
    record = allclose(fn, model, [np.array(words, np.uint32)], rtol=0, atol=0)
    assert record, record.summary()
