"""The complex-number convention (docs/complex.md) on both pipelines.

onnx_ir carries complex values as (re, im) float pairs, inputs and outputs included;
legacy (frozen) refuses complex values with an error that names the fix. Nothing ever
narrows a complex value silently (issue: a complex input cast to float lost its
imaginary part).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax2onnx import allclose, to_onnx
from jax2onnx.errors import ConversionError, UnsupportedPrimitiveError
from jax2onnx.plugin.complex_repr import DOC_STRING, carrier_shape, pack, unpack
from jax2onnx.testing import ort

C64 = np.complex64


def _z(shape=(2, 3), dtype=C64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def test_pack_unpack_roundtrip():
    z = _z(dtype=np.complex128)
    p = pack(z)
    assert p.dtype == np.float64 and p.shape == (2, 3, 2)
    assert np.array_equal(unpack(p), z)
    assert carrier_shape(("B", 3), C64) == ("B", 3, 2)


def test_onnx_ir_keeps_the_imaginary_part_at_inputs_and_outputs():
    fn = lambda z: z * 1j  # noqa: E731
    model = to_onnx(fn, [jax.ShapeDtypeStruct(jax.export.symbolic_shape("B, 3"), C64)], use_onnx_ir=True)
    for v in (model.graph.input[0], model.graph.output[0]):
        assert v.doc_string == DOC_STRING
        assert v.type.tensor_type.elem_type == 1  # float32
        dims = [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
        assert dims == ["B", 3, 2]
    z = _z()
    out = unpack(ort.run(model, [pack(z)])[0])
    np.testing.assert_allclose(out, z * 1j, rtol=1e-6)
    assert allclose(fn, model, [z])  # allclose packs and unpacks on its own


def test_legacy_refuses_complex_inputs_with_the_fix():
    with pytest.raises(ConversionError, match=r"x: complex64.*use_onnx_ir=True"):
        to_onnx(lambda x: x, [jax.ShapeDtypeStruct((3,), C64)], use_onnx_ir=False)


def test_legacy_refuses_complex_values_inside_the_function():
    with pytest.raises(UnsupportedPrimitiveError, match=r"complex.*legacy.*use_onnx_ir=True"):
        to_onnx(lambda x: jnp.abs(jnp.fft.fft(x)), [(8,)], use_onnx_ir=False)


def test_a_complex_op_without_lowering_is_reported_not_narrowed():
    with pytest.raises(UnsupportedPrimitiveError, match=r"'sin \(complex\)'.*complex64\[3\]"):
        to_onnx(lambda z: jnp.sin(z), [jax.ShapeDtypeStruct((3,), C64)], use_onnx_ir=True)


def test_complex_constants_are_carried():
    w = _z((3,), seed=1)
    fn = lambda z: z * w + jnp.asarray(2 - 1j, C64)  # noqa: E731
    model = to_onnx(fn, [jax.ShapeDtypeStruct((2, 3), C64)], use_onnx_ir=True)
    assert allclose(fn, model, [_z()])


def test_fft_too_long_for_a_dft_matrix_below_opset_20_is_a_clear_error():
    with pytest.raises(ConversionError, match=r"opset >= 20"):
        to_onnx(jnp.fft.fft, [jax.ShapeDtypeStruct((1025,), C64)], use_onnx_ir=True, opset=18)


def test_long_prime_fft_is_bluestein_on_power_of_two_dfts():
    model = to_onnx(jnp.fft.rfft, [(2, 2003)], use_onnx_ir=True)
    assert sum(n.op_type == "DFT" for n in model.graph.node) == 2
    assert not any(n.op_type == "MatMul" for n in model.graph.node)
    x = np.random.default_rng(0).standard_normal((2, 2003)).astype(np.float32)
    got = unpack(ort.run(model, [x])[0])
    ref = np.fft.rfft(x.astype(np.float64))
    assert np.abs(got - ref).max() / np.abs(ref).max() < 2e-6


def test_complex_weights_of_an_nnx_module():
    from flax import nnx

    w = _z((3, 4), seed=2)

    class Mix(nnx.Module):
        def __init__(self):
            self.w = nnx.Param(jnp.asarray(w))

        def __call__(self, x):
            return x @ self.w[...]

    m = Mix()
    model = to_onnx(m, [jax.ShapeDtypeStruct(("B", 3), C64)], use_onnx_ir=True)
    assert not any(t.data_type in (14, 15) for t in model.graph.initializer)  # carried as float pairs
    assert allclose(m, model, [_z((2, 3))], rtol=1e-5, atol=1e-5)
