"""Keras 3 on the JAX backend: ``model.export(path, format="onnx")`` itself.

On the JAX backend Keras's exporter (``keras/src/export/onnx.py``,
``_export_onnx_jax``) flattens ``input_signature``, turns every ``None`` dim into
a string symbol (``"batch"`` for axis 0, ``"dim_<input>_<axis>"`` otherwise),
builds ``jax.ShapeDtypeStruct`` inputs and calls
``jax2onnx.to_onnx(predict_fn, inputs=..., input_names=..., return_mode="file",
output_path=..., [opset=opset_version])`` where ``predict_fn`` repacks the flat
arguments and calls ``model(..., training=False)``. It passes no pipeline
flag, so these tests select onnx_ir with ``JAX2ONNX_USE_ONNX_IR=1``.

Every model gets random weights (BatchNorm moving variances positive), is
exported by Keras, and is checked by :func:`._check.check` against
``model(x, training=False)`` at B=1 and B=3.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras", reason="keras is not installed (pip install -e '.[integration]')")
if keras.backend.backend() != "jax":
    pytest.skip(f"keras was imported with the {keras.backend.backend()!r} backend; these tests need "
                "KERAS_BACKEND=jax set before keras is first imported", allow_module_level=True)

from keras import layers  # noqa: E402

from ._check import check  # noqa: E402

LIB = "keras"


@pytest.fixture(autouse=True)
def onnx_ir(monkeypatch):
    """Keras calls to_onnx without a pipeline flag: select onnx_ir through the environment."""
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "1")


def _zeros(shape, dtype=None):
    return np.zeros(shape, dtype=dtype or "float32")


@pytest.fixture(autouse=True)
def cheap_initializers(monkeypatch):
    """Build every weight from numpy zeros (``randomize`` sets the values afterwards).

    Keras's default initializers run ``jax.random`` eagerly, one XLA compilation per
    weight shape (seconds each on a loaded 2-core machine); the values are
    overwritten anyway, so the tests skip that cost. Nothing else changes.
    """
    original = keras.layers.Layer.add_weight

    def add_weight(self, *args, **kwargs):
        kwargs["initializer"] = _zeros
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.layers.Layer, "add_weight", add_weight)


def randomize(model, seed: int = 0) -> None:
    """Random weights everywhere; moving variances in [0.5, 1.5] so BatchNorm stays sane."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        shape = tuple(v.shape)
        if "variance" in v.path:
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = 0.4 * rng.standard_normal(shape)
        v.assign(value.astype(v.dtype))


def export(model, tmp_path, example=None, **kwargs):
    """``model.export(..., format="onnx")`` (after one call on ``example``: Keras exports only
    models that were called); returns (path, seconds)."""
    if example is not None:
        model(example[0] if len(example) == 1 else list(example), training=False)
    path = tmp_path / "model.onnx"
    t0 = time.perf_counter()
    model.export(str(path), format="onnx", verbose=False, **kwargs)
    return path, time.perf_counter() - t0


def reference(model):
    """``model(x, training=False)`` under one ``jax.jit`` (one compilation per batch size,
    not one per op as eager Keras would)."""
    import jax

    return jax.jit(lambda *xs: model(xs[0] if len(xs) == 1 else list(xs), training=False))


def _jit(fn):
    import jax

    return jax.jit(fn)


def _rand(*shape):
    def make(b, _shape=shape):
        rng = np.random.default_rng(b)
        return [rng.standard_normal((b, *_shape)).astype(np.float32)]
    return make


# --- model kinds --------------------------------------------------------------------


def test_sequential_mlp(tmp_path, record_property):
    """Sequential Dense-relu-Dropout-Dense-softmax; Dropout is the identity at inference."""
    model = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"), layers.Dropout(0.5),
                              layers.Dense(4, activation="softmax")])
    randomize(model)
    path, secs = export(model, tmp_path, _rand(8)(1))
    check(record_property, LIB, "Sequential MLP + Dropout", path, reference(model), _rand(8), seconds=secs)


def test_functional_two_inputs_list(tmp_path, record_property):
    """Functional model with a list of two inputs (concatenate, Dense); Keras flattens them in order."""
    a, b = keras.Input((6,), name="a"), keras.Input((3,), name="b")
    x = layers.Concatenate()([layers.Dense(8, activation="tanh")(a), b])
    model = keras.Model([a, b], layers.Dense(2)(x))
    randomize(model)
    path, secs = export(model, tmp_path, [np.zeros((1, 6), np.float32), np.zeros((1, 3), np.float32)])

    def make(bs):
        rng = np.random.default_rng(bs)
        return [rng.standard_normal((bs, 6)).astype(np.float32), rng.standard_normal((bs, 3)).astype(np.float32)]

    check(record_property, LIB, "functional, list of 2 inputs", path, reference(model), make, seconds=secs, input_names=["a", "b"])


def test_functional_dict_inputs(tmp_path, record_property):
    """Functional model called with a dict of inputs and two outputs."""
    img = keras.Input((8, 8, 3), name="image")
    meta = keras.Input((4,), name="meta")
    h = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3, padding="same", activation="relu")(img))
    h = layers.Concatenate()([h, meta])
    model = keras.Model({"image": img, "meta": meta},
                        [layers.Dense(3, name="cls")(h), layers.Dense(1, name="reg")(h)])
    randomize(model)
    sig = [{"image": keras.InputSpec(shape=(None, 8, 8, 3), name="image"),
            "meta": keras.InputSpec(shape=(None, 4), name="meta")}]
    path, secs = export(model, tmp_path, input_signature=sig)

    # keras.tree flattens dicts by sorted key: image, meta
    def make(bs):
        rng = np.random.default_rng(bs)
        return [rng.standard_normal((bs, 8, 8, 3)).astype(np.float32), rng.standard_normal((bs, 4)).astype(np.float32)]

    check(record_property, LIB, "functional, dict inputs, 2 outputs", path,
          _jit(lambda i, m: model({"image": i, "meta": m}, training=False)), make, seconds=secs,
          input_names=["image", "meta"])


class _TwoTower(keras.Model):
    """Subclassed model taking a tuple (x, y)."""

    def __init__(self):
        super().__init__()
        self.fx = layers.Dense(8, activation="gelu")
        self.fy = layers.Dense(8, activation="sigmoid")
        self.norm = layers.LayerNormalization()
        self.out = layers.Dense(2)

    def call(self, inputs, training=False):
        x, y = inputs
        return self.out(self.norm(self.fx(x) * self.fy(y)))


def test_subclassed_tuple_inputs(tmp_path, record_property):
    """Subclassed model, tuple input, LayerNormalization and a gelu activation."""
    model = _TwoTower()
    model((np.zeros((1, 5), np.float32), np.zeros((1, 7), np.float32)))
    randomize(model)
    sig = [(keras.InputSpec(shape=(None, 5)), keras.InputSpec(shape=(None, 7)))]
    path, secs = export(model, tmp_path, input_signature=sig)

    def make(bs):
        rng = np.random.default_rng(bs)
        return [rng.standard_normal((bs, 5)).astype(np.float32), rng.standard_normal((bs, 7)).astype(np.float32)]

    check(record_property, LIB, "subclassed, tuple inputs", path,
          _jit(lambda x, y: model((x, y), training=False)), make, seconds=secs,
          input_names=["input_0", "input_1"], fused=("LayerNormalization", "Gelu"))


@pytest.mark.parametrize("length", [5, 11])
def test_dynamic_axes_input_signature(tmp_path, record_property, length):
    """``input_signature`` with two dynamic axes (batch and sequence): both stay symbolic."""
    inp = keras.Input((None, 6))
    x = layers.Conv1D(8, 3, padding="same", activation="relu")(inp)
    x = layers.Dense(4)(x)
    model = keras.Model(inp, layers.GlobalMaxPooling1D()(x))
    randomize(model)
    path, secs = export(model, tmp_path, input_signature=[keras.InputSpec(shape=(None, None, 6), name="seq")])
    import onnx

    dims = [d.dim_param for d in onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim]
    assert dims[:2] == ["batch", "dim_0_1"], dims
    check(record_property, LIB, f"dynamic batch and length (T={length})", path, reference(model),
          lambda b: [np.random.default_rng(b).standard_normal((b, length, 6)).astype(np.float32)],
          seconds=secs, input_names=["seq"])


@pytest.mark.parametrize("opset", [17, 18])
def test_opset_version(tmp_path, record_property, opset):
    """``opset_version=`` is passed to to_onnx as ``opset``; the model declares it (below opset 20
    there is no ONNX Gelu: the exact gelu comes out as Erf arithmetic)."""
    model = keras.Sequential([keras.Input((4, 4, 2)), layers.Conv2D(3, 2, activation="relu"),
                              layers.BatchNormalization(), layers.Flatten(), layers.Dense(6, activation="gelu"),
                              layers.LayerNormalization(), layers.Dense(2)])
    randomize(model)
    path, secs = export(model, tmp_path, _rand(4, 4, 2)(1), opset_version=opset)
    import onnx

    declared = {o.domain: o.version for o in onnx.load(str(path)).opset_import}
    assert declared.get("", declared.get("ai.onnx")) == opset, declared
    check(record_property, LIB, f"Conv+BN+gelu+LayerNorm, opset {opset}", path, reference(model), _rand(4, 4, 2),
          seconds=secs)


def test_custom_input_names(tmp_path, record_property):
    """Input names come from ``keras.Input(name=...)`` / ``InputSpec(name=...)``."""
    inp = keras.Input((10,), name="features")
    model = keras.Model(inp, layers.Dense(3)(inp))
    randomize(model)
    path, secs = export(model, tmp_path, _rand(10)(1))
    check(record_property, LIB, "custom input name", path, reference(model), _rand(10), seconds=secs,
          input_names=["features"])


def test_cnn_conv_pool_batchnorm_dropout(tmp_path, record_property):
    """Conv2D / MaxPooling2D / AveragePooling2D / BatchNormalization / Dropout / GlobalAveragePooling2D."""
    model = keras.Sequential([
        keras.Input((16, 16, 3)),
        layers.Conv2D(8, 3, padding="same"), layers.BatchNormalization(), layers.ReLU(),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, strides=2, padding="valid", activation="relu"),
        layers.DepthwiseConv2D(3, padding="same"),
        layers.AveragePooling2D(2, padding="same"), layers.Dropout(0.3),
        layers.GlobalAveragePooling2D(), layers.Dense(5),
    ])
    randomize(model)
    path, secs = export(model, tmp_path, _rand(16, 16, 3)(1))
    check(record_property, LIB, "CNN conv/pool/BN/dropout", path, reference(model), _rand(16, 16, 3),
          seconds=secs)


# --- recurrent layers ---------------------------------------------------------------


def _rnn_model(layer):
    model = keras.Sequential([keras.Input((7, 5)), layer, layers.Dense(3)])
    randomize(model)
    return model


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "Bidirectional(LSTM)", "LSTM return_sequences"])
def test_recurrent(tmp_path, record_property, kind):
    """LSTM and GRU (last state), Bidirectional(LSTM) (a reversed scan), LSTM returning sequences."""
    layer = {
        "LSTM": lambda: layers.LSTM(6),
        "GRU": lambda: layers.GRU(6),
        "Bidirectional(LSTM)": lambda: layers.Bidirectional(layers.LSTM(6, return_sequences=True)),
        "LSTM return_sequences": lambda: layers.LSTM(6, return_sequences=True),
    }[kind]()
    model = _rnn_model(layer)
    path, secs = export(model, tmp_path, _rand(7, 5)(1))
    check(record_property, LIB, kind, path, reference(model), _rand(7, 5), seconds=secs)


def test_masked_recurrent_stack(tmp_path, record_property):
    """Masking → SimpleRNN → Bidirectional(GRU, merge "sum") → LSTM(go_backwards); padded steps masked."""
    inp = keras.Input((7, 5))
    x = layers.Masking(mask_value=0.0)(inp)
    x = layers.SimpleRNN(6, return_sequences=True)(x)
    x = layers.Bidirectional(layers.GRU(4, return_sequences=True), merge_mode="sum")(x)
    model = keras.Model(inp, layers.LSTM(5, go_backwards=True)(x))
    randomize(model)

    def make(b):
        x = np.random.default_rng(b).standard_normal((b, 7, 5)).astype(np.float32)
        x[b // 2:, 5:] = 0.0  # trailing padding on the last examples: the mask matters
        return [x]

    path, secs = export(model, tmp_path, make(1))
    check(record_property, LIB, "Masking/SimpleRNN/Bi-GRU/LSTM backwards", path, reference(model), make,
          seconds=secs)


def test_transformer_block(tmp_path, record_property):
    """Embedding → MultiHeadAttention (causal) → residual LayerNormalization → gelu MLP → pooling."""
    inp = keras.Input((10,), dtype="int32")
    x = layers.Embedding(50, 16)(inp)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8)(x, x, use_causal_mask=True)
    x = layers.LayerNormalization()(x + a)
    x = layers.Dense(16)(layers.Dense(32, activation="gelu")(x))
    model = keras.Model(inp, layers.GlobalAveragePooling1D()(x))
    randomize(model)

    def make(b):
        return [np.random.default_rng(b).integers(0, 50, (b, 10)).astype(np.int32)]

    path, secs = export(model, tmp_path, make(1))
    check(record_property, LIB, "transformer block (MHA causal)", path, reference(model), make, seconds=secs,
          fused=("LayerNormalization", "Gelu"))


def test_conv_zoo(tmp_path, record_property):
    """ZeroPadding2D, SeparableConv2D, Conv2DTranspose, UpSampling2D, Reshape, Permute, causal Conv1D."""
    inp = keras.Input((16, 16, 3))
    x = layers.SeparableConv2D(8, 3, activation="relu")(layers.ZeroPadding2D(1)(inp))
    x = layers.UpSampling2D(2)(layers.Conv2DTranspose(8, 3, strides=2, padding="same")(x))
    x = layers.Permute((2, 1))(layers.Reshape((-1, 4))(layers.Conv2D(4, 3, strides=4)(x)))
    model = keras.Model(inp, layers.Flatten()(layers.Conv1D(6, 3, padding="causal")(x)))
    randomize(model)
    path, secs = export(model, tmp_path, _rand(16, 16, 3)(1))
    check(record_property, LIB, "conv zoo (separable/transpose/upsample)", path, reference(model),
          _rand(16, 16, 3), seconds=secs)
