"""Older target opsets on the onnx_ir pipeline: what Keras 3's JAX backend exports
(``model.export(format="onnx", opset_version=17 or 18)`` calls ``to_onnx(..., opset=k)``)
written in plain JAX, and the per-opset rewrites that must not leak newer ops.

Real conversions: onnx.checker (full), onnxruntime vs JAX.
"""

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from jax2onnx import to_onnx
from jax2onnx.testing.graph import iter_nodes

_R = np.random.default_rng(0)


def _w(*shape):
    return jnp.asarray(_R.standard_normal(shape).astype(np.float32) * 0.3)


# Keras-layer equivalents, as the JAX backend traces them (channels-last images)
CONV_K, CONV_B = _w(3, 3, 3, 8), _w(8)
BN_MEAN, BN_VAR, BN_G, BN_B = _w(8), jnp.abs(_w(8)) + 0.5, _w(8), _w(8)
LN_G, LN_B = _w(8), _w(8)
DENSE_K, DENSE_B = _w(8, 16), _w(16)
LSTM_WX, LSTM_WH, LSTM_B = _w(16, 4 * 6), _w(6, 4 * 6), _w(4 * 6)
GRU_WX, GRU_WH, GRU_B = _w(6, 3 * 5), _w(5, 3 * 5), _w(3 * 5)


def keras_like(img):
    """Conv2D(same) → BatchNorm(inference) → ReLU → MaxPool2D → LayerNorm → Dense → LSTM → GRU."""
    y = jax.lax.conv_general_dilated(img, CONV_K, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    y = y + CONV_B
    y = (y - BN_MEAN) * jax.lax.rsqrt(BN_VAR + 1e-3) * BN_G + BN_B
    y = jax.nn.relu(y)
    y = jax.lax.reduce_window(y, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    n, h, w, c = y.shape
    seq = y.reshape(n, h * w, c)  # (N, T, C)
    mu = seq.mean(-1, keepdims=True)
    var = ((seq - mu) ** 2).mean(-1, keepdims=True)
    seq = (seq - mu) / jnp.sqrt(var + 1e-3) * LN_G + LN_B
    seq = seq @ DENSE_K + DENSE_B

    def lstm_step(carry, x):
        hh, cc = carry
        z = x @ LSTM_WX + hh @ LSTM_WH + LSTM_B
        i, f, g, o = jnp.split(z, 4, axis=-1)
        cc = jax.nn.sigmoid(f) * cc + jax.nn.sigmoid(i) * jnp.tanh(g)
        hh = jax.nn.sigmoid(o) * jnp.tanh(cc)
        return (hh, cc), hh

    zeros = jnp.zeros((n, 6), seq.dtype)
    _, hs = jax.lax.scan(lstm_step, (zeros, zeros), jnp.swapaxes(seq, 0, 1))

    def gru_step(hh, x):
        zx, zh = x @ GRU_WX, hh @ GRU_WH
        xz, xr, xn = jnp.split(zx + GRU_B, 3, axis=-1)
        hz, hr, hn = jnp.split(zh, 3, axis=-1)
        z, r = jax.nn.sigmoid(xz + hz), jax.nn.sigmoid(xr + hr)
        hh = z * hh + (1 - z) * jnp.tanh(xn + r * hn)
        return hh, hh

    last, _ = jax.lax.scan(gru_step, jnp.zeros((n, 5), seq.dtype), hs)
    return last


def _check(model, fn, arrays, tol=1e-4):
    onnx.checker.check_model(model, full_check=True)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {i.name: a for i, a in zip(model.graph.input, arrays)})
    ref = fn(*[jnp.asarray(a) for a in arrays])
    ref = ref if isinstance(ref, (tuple, list)) else [ref]
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, np.asarray(r), rtol=tol, atol=tol)


def _newest_since(model) -> int:
    """The highest since-version of any op used: must not exceed the model's opset."""
    opset = model.opset_import[0].version
    worst = 0
    for node in iter_nodes(model):
        if node.domain in ("", "ai.onnx") and not any(f.name == node.op_type for f in model.functions):
            worst = max(worst, onnx.defs.get_schema(node.op_type, opset, "").since_version)
    return worst


@pytest.mark.parametrize("opset", [17, 18])
def test_keras_like_layers_at_keras_opsets(opset):
    model = to_onnx(keras_like, [("B", 8, 8, 3)], use_onnx_ir=True, opset=opset)
    assert model.opset_import[0].version == opset
    assert _newest_since(model) <= opset
    for n in (1, 3):
        _check(model, keras_like, [_R.standard_normal((n, 8, 8, 3)).astype(np.float32)])


_CASES = {
    # op an older opset lacks or spells differently → the function that reaches it
    "reduce_max_axes_attr": (lambda x: jnp.max(x, axis=1), [(3, 4)], np.float32),
    "pad_axes_input": (lambda x: jnp.pad(x, ((0, 0), (1, 2))), [("B", 4)], np.float32),
    "shape_start_end": (lambda x: x.reshape(x.shape[0], 2, 2) * 2.0, [("B", 4)], np.float32),
    "bitwise_int64": (lambda a, b: (a & b) ^ ~(a | b), [(5,), (5,)], np.int64),
    "bitwise_uint32": (lambda a, b: (a & b) ^ ~(a | b), [(5,), (5,)], np.uint32),
    "scatter_max_dups": (lambda x, i: x.at[i].max(x[:3] * 3.0), [(6,), (3,)], None),
    "layer_norm": (lambda x: jax.nn.standardize(x, axis=-1), [("B", 6)], np.float32),
}


@pytest.mark.parametrize("opset", [13, 15])
@pytest.mark.parametrize("name", sorted(_CASES))
def test_old_opset_rewrites(name, opset):
    fn, shapes, dtype = _CASES[name]
    if name == "scatter_max_dups":
        specs = [jax.ShapeDtypeStruct((6,), np.float32), jax.ShapeDtypeStruct((3,), np.int32)]
        arrays = [_R.standard_normal(6).astype(np.float32), np.array([1, 4, 1], np.int32)]
    else:
        specs = [jax.ShapeDtypeStruct(tuple(2 if d == "B" else d for d in s), dtype) for s in shapes]
        if dtype == np.float32:
            arrays = [_R.standard_normal(s.shape).astype(dtype) for s in specs]
        else:
            info = np.iinfo(dtype)
            arrays = [_R.integers(info.min, info.max, s.shape, dtype=dtype, endpoint=True) for s in specs]
        if any(d == "B" for s in shapes for d in s):
            specs = [(*s,) for s in shapes]
    with jax.enable_x64(dtype == np.int64):
        model = to_onnx(fn, specs, use_onnx_ir=True, opset=opset, enable_double_precision=dtype == np.int64)
        assert _newest_since(model) <= opset
        _check(model, fn, arrays, tol=1e-5)


def test_opset_matrix_spans_the_supported_range():
    from jax2onnx.plugin.opset_matrix import OPSET_MATRIX, REPRESENTATIVES
    from jax2onnx.plugin.testcase import all_cases, families
    from jax2onnx.user_interface import SUPPORTED_OPSETS

    assert OPSET_MATRIX[0] == SUPPORTED_OPSETS.start and OPSET_MATRIX[-1] == SUPPORTED_OPSETS.stop - 1
    assert set(REPRESENTATIVES) <= set(families())
    for case in all_cases():
        assert all(k in SUPPORTED_OPSETS for k in case.opsets), case.name
        assert set(case.opset_xfail) <= set(case.opsets), f"{case.name}: opset_xfail for an opset it does not run"
    with_variants = {(c.family, c.name) for c in all_cases() if c.opsets}
    assert {(f, n) for f, names in REPRESENTATIVES.items() for n in names} <= with_variants
