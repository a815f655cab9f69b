"""``to_onnx(..., inputs_as_nchw=..., outputs_as_nchw=...)``: channels-first model interfaces
for channels-last JAX functions (onnx_ir pipeline), and the opset range checks.

Real conversions: onnx.checker (full), onnxruntime on channels-first inputs vs JAX on
the channels-last originals.
"""

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from jax2onnx import to_onnx
from jax2onnx.testing.graph import op_histogram


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def _run(model, *arrays):
    onnx.checker.check_model(model, full_check=True)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {i.name: a for i, a in zip(model.graph.input, arrays)})


def _rng_kernel(shape, seed=0):
    return jnp.asarray(np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * 0.3)


W1, B1 = _rng_kernel((3, 3, 3, 8), 1), _rng_kernel((8,), 2)
W2, B2 = _rng_kernel((3, 3, 8, 4), 3), _rng_kernel((4,), 4)


def two_convs(x):
    """NHWC conv (SAME) + bias + relu, then a strided conv + bias: a typical image stem."""
    dn = ("NHWC", "HWIO", "NHWC")
    y = jax.lax.conv_general_dilated(x, W1, (1, 1), "SAME", dimension_numbers=dn) + B1
    y = jax.nn.relu(y)
    return jax.lax.conv_general_dilated(y, W2, (2, 2), "SAME", dimension_numbers=dn) + B2


def _nhwc(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("opset", [17, 23])
def test_conv_stem_nchw_in_and_out_static(opset):
    model = to_onnx(two_convs, [(2, 16, 12, 3)], use_onnx_ir=True, opset=opset,
                    inputs_as_nchw=[0], outputs_as_nchw=[0])
    assert _dims(model.graph.input[0]) == [2, 3, 16, 12]
    assert _dims(model.graph.output[0]) == [2, 4, 8, 6]
    hist = op_histogram(model)
    # the layout transposes cancel against the convolutions' own: none is left
    assert "Transpose" not in hist, hist
    assert hist["Conv"] == 2
    x = _nhwc((2, 16, 12, 3))
    (y,) = _run(model, x.transpose(0, 3, 1, 2))
    ref = np.asarray(two_convs(x)).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_conv_stem_symbolic_batch_height_width():
    model = to_onnx(two_convs, [("B", "H", "W", 3)], use_onnx_ir=True,
                    inputs_as_nchw=["x"], outputs_as_nchw=["out_0"])
    assert _dims(model.graph.input[0]) == ["B", 3, "H", "W"]
    assert _dims(model.graph.output[0])[:2] == ["B", 4]
    assert "Transpose" not in op_histogram(model)
    for shape in [(1, 9, 7, 3), (3, 16, 20, 3)]:
        x = _nhwc(shape, seed=shape[1])
        (y,) = _run(model, x.transpose(0, 3, 1, 2))
        ref = np.asarray(two_convs(x)).transpose(0, 3, 1, 2)
        np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_only_input_channels_first_and_no_conv():
    """No convolution to fold into: one Transpose stays at the input; other inputs untouched."""
    def fn(img, scale):
        return jnp.mean(img, axis=(1, 2)) * scale

    model = to_onnx(fn, [("B", 5, 6, 4), (4,)], use_onnx_ir=True, inputs_as_nchw=[0])
    assert _dims(model.graph.input[0]) == ["B", 4, 5, 6]
    assert _dims(model.graph.input[1]) == [4]
    img, scale = _nhwc((3, 5, 6, 4)), _nhwc((4,), 1)
    (y,) = _run(model, img.transpose(0, 3, 1, 2), scale)
    np.testing.assert_allclose(y, np.asarray(fn(img, scale)), rtol=1e-5, atol=1e-6)


def test_rank3_output_channels_first():
    def fn(x):
        return jnp.tanh(x) * 2.0  # (N, L, C)

    model = to_onnx(fn, [(2, 7, 3)], use_onnx_ir=True, outputs_as_nchw=[0])
    assert _dims(model.graph.output[0]) == [2, 3, 7]
    x = _nhwc((2, 7, 3))
    (y,) = _run(model, x)
    np.testing.assert_allclose(y, np.asarray(fn(x)).transpose(0, 2, 1), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(inputs_as_nchw=["nope"]), "no input named 'nope'"),
    (dict(inputs_as_nchw=[3]), "index 3 is out of range"),
    (dict(outputs_as_nchw=["out_9"]), "no output named 'out_9'"),
    (dict(inputs_as_nchw=[1]), "rank 1"),
])
def test_layout_arguments_are_validated(kwargs, match):
    def fn(x, v):
        return x * 2.0, v

    with pytest.raises(ValueError, match=match):
        to_onnx(fn, [(1, 4, 4, 2), (3,)], use_onnx_ir=True, **kwargs)


def test_layout_options_need_onnx_ir():
    with pytest.raises(ValueError, match="onnx_ir pipeline"):
        to_onnx(two_convs, [(1, 8, 8, 3)], use_onnx_ir=False, inputs_as_nchw=[0])


def test_opset_range():
    f = lambda x: jnp.sin(x) + 1.0  # noqa: E731
    for opset in (12, 29):
        with pytest.raises(ValueError, match="opset must be an int from 13 to 28"):
            to_onnx(f, [(2,)], use_onnx_ir=True, opset=opset)
    with pytest.raises(ValueError, match="legacy pipeline .* supports opsets 18 to 26"):
        to_onnx(f, [(2,)], use_onnx_ir=False, opset=13)
    model = to_onnx(f, [(2,)], use_onnx_ir=True, opset=13)
    assert model.opset_import[0].version == 13 and model.ir_version == 7
