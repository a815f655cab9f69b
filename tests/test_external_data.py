"""``return_mode="file"`` with external data, and the atomic write (issue 9).

The fast tests write small models with ``external_data=True/False/None`` on both
pipelines and run the files in onnxruntime against JAX. The slow test builds a
model whose weights exceed protobuf's 2 GB limit and checks that ``None`` puts
them into one ``.data`` file beside the ``.onnx`` (relative location) that
onnxruntime loads and runs.
"""

from __future__ import annotations

import os

import jax.numpy as jnp
import numpy as np
import onnx
import pytest
from flax import nnx

from jax2onnx import allclose, to_onnx
from jax2onnx.writer import data_file_pattern


class _MLP(nnx.Module):
    def __init__(self, *, rngs):
        self.l1 = nnx.Linear(16, 64, rngs=rngs)
        self.l2 = nnx.Linear(64, 8, rngs=rngs)

    def __call__(self, x):
        return self.l2(nnx.relu(self.l1(x)))


def _locations(proto) -> set[str]:
    return {e.value for t in proto.graph.initializer for e in t.external_data if e.key == "location"}


@pytest.mark.parametrize("use_ir", [True, False], ids=["onnx_ir", "legacy"])
@pytest.mark.parametrize("external", [True, False, None])
def test_small_model_file_modes(tmp_path, use_ir, external):
    model = _MLP(rngs=nnx.Rngs(0))
    path = tmp_path / "mlp.onnx"
    out = to_onnx(model, [("B", 16)], use_onnx_ir=use_ir, return_mode="file",
                  output_path=str(path), external_data=external)
    assert out == str(path)
    # nothing but the outputs is left in the directory (temp files cleaned up); the data
    # file's name is unique to the write (mlp.onnx.<8 hex>.data), see jax2onnx/writer.py
    files = sorted(os.listdir(tmp_path))
    datas = [f for f in files if data_file_pattern("mlp.onnx").fullmatch(f)]
    assert files == sorted(["mlp.onnx"] + datas) and len(datas) == int(bool(external))
    proto = onnx.load(str(path), load_external_data=False)
    if external:
        data = tmp_path / datas[0]
        assert _locations(proto) == {datas[0]}  # relative, beside the model
        assert os.path.getsize(data) >= (16 * 64 + 64 * 8) * 4 > os.path.getsize(path)
    else:
        assert _locations(proto) == set()
    onnx.checker.check_model(str(path), full_check=True)
    for b in (1, 5):
        x = np.random.default_rng(b).standard_normal((b, 16)).astype(np.float32)
        rec = allclose(model, str(path), [x])
        assert bool(rec), rec.summary()


def test_rewrite_replaces_both_files(tmp_path):
    """A second export over the same path replaces model and data file together."""
    path = str(tmp_path / "m.onnx")
    a, b = _MLP(rngs=nnx.Rngs(1)), _MLP(rngs=nnx.Rngs(2))
    to_onnx(a, [("B", 16)], use_onnx_ir=True, return_mode="file", output_path=path, external_data=True)
    to_onnx(b, [("B", 16)], use_onnx_ir=True, return_mode="file", output_path=path, external_data=True)
    x = np.ones((2, 16), np.float32)
    assert bool(allclose(b, path, [x]))
    assert not bool(allclose(a, path, [x]))
    # the first write's data file went with its model: one pair is left
    assert len([f for f in os.listdir(tmp_path) if f.endswith(".data")]) == 1


def test_streamed_single_file_keeps_every_weight(tmp_path):
    """The inline writer appends weights as separate records; they must parse back exactly."""
    model = _MLP(rngs=nnx.Rngs(3))
    path = str(tmp_path / "s.onnx")
    to_onnx(model, [("B", 16)], use_onnx_ir=True, return_mode="file", output_path=path, external_data=False)
    proto = onnx.load(path)
    got = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    np.testing.assert_array_equal(got["l1.kernel"], np.asarray(model.l1.kernel[...]))
    np.testing.assert_array_equal(got["l2.bias"], np.asarray(model.l2.bias[...]))


def test_external_data_argument_is_validated():
    with pytest.raises(TypeError, match="external_data"):
        to_onnx(lambda x: x + 1.0, [(2,)], external_data="yes")


class _Huge(nnx.Module):
    """Three distinct constant-filled (8192 × 25000) float32 matrices: ≈ 2.46 GB of weights."""

    values = (1e-3, 2e-3, -5e-4)

    def __init__(self):
        self.w = nnx.List([nnx.Param(jnp.full((8192, 25000), v, jnp.float32)) for v in self.values])

    def __call__(self, x):
        return sum(x @ w[...] for w in self.w)


@pytest.mark.slow
def test_model_over_2gb_uses_external_data(tmp_path):
    model = _Huge()
    weight_bytes = sum(int(np.prod(w.shape)) * 4 for w in model.w)
    assert weight_bytes > 2**31
    path = str(tmp_path / "huge.onnx")
    to_onnx(model, [("B", 8192)], use_onnx_ir=True, return_mode="file", output_path=path)  # None: by size
    (name,) = [f for f in os.listdir(tmp_path) if data_file_pattern("huge.onnx").fullmatch(f)]
    data = str(tmp_path / name)
    assert os.path.exists(data) and os.path.getsize(data) >= weight_bytes
    assert os.path.getsize(path) < 1 << 20
    assert _locations(onnx.load(path, load_external_data=False)) == {name}
    onnx.checker.check_model(path)
    del model  # free the JAX copies before onnxruntime maps the data

    import onnxruntime as ort

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((2, 8192)).astype(np.float32)
    (got,) = sess.run(None, {sess.get_inputs()[0].name: x})
    expected = x.astype(np.float64).sum(axis=1, keepdims=True) * sum(_Huge.values)
    assert got.shape == (2, 25000)
    np.testing.assert_allclose(got, np.broadcast_to(expected, got.shape), rtol=1e-4, atol=1e-4)
