"""Typed PRNG keys at the model boundary (onnx_ir): uint32 key data, documented; clear errors."""

import jax
import numpy as np
import pytest

from jax2onnx import allclose, to_onnx


def _dims(vi):
    return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]


def test_typed_key_input_and_output_are_uint32_key_data():
    key = jax.random.key(0)
    spec = jax.ShapeDtypeStruct(jax.export.symbolic_shape("B"), key.dtype)
    fn = jax.vmap(lambda k: jax.random.split(k, 3))
    model = to_onnx(fn, [spec], use_onnx_ir=True)
    (inp,), (out,) = model.graph.input, model.graph.output
    assert inp.type.tensor_type.elem_type == 12 and _dims(inp) == ["B", 2]  # UINT32
    assert out.type.tensor_type.elem_type == 12 and _dims(out) == ["B", 3, 2]
    assert "key data" in inp.doc_string and "key data" in out.doc_string
    keys = jax.random.split(jax.random.key(7), 4)
    assert allclose(fn, model, [keys], rtol=0, atol=0)


def test_raw_and_typed_keys_give_the_same_model_numbers():
    f_raw = lambda k: jax.random.normal(k, (5,))  # noqa: E731
    f_typed = lambda k: jax.random.normal(jax.random.wrap_key_data(k), (5,))  # noqa: E731
    raw = np.asarray(jax.random.key_data(jax.random.key(3)))
    from jax2onnx.testing.ort import run

    a = run(to_onnx(f_raw, [jax.ShapeDtypeStruct((2,), np.uint32)], use_onnx_ir=True), [raw])[0]
    b = run(to_onnx(f_typed, [jax.ShapeDtypeStruct((2,), np.uint32)], use_onnx_ir=True), [raw])[0]
    assert np.array_equal(a, b)


def test_non_threefry_keys_are_reported():
    key = jax.random.key(0, impl="rbg")
    with pytest.raises(Exception, match="threefry2x32"):
        to_onnx(lambda k: jax.random.bits(k, (3,)), [jax.ShapeDtypeStruct((), key.dtype)], use_onnx_ir=True)
