"""Catalog: Equinox layers (inference mode, weights as initializers).

Equinox layers take one example; the symbolic-batch cases wrap a layer in a
small ``eqx.Module`` that ``jax.vmap``s it (weights stay initializers), and the
``vmap_fn`` cases convert ``jax.vmap(model)`` itself (a plain function: weights
are captured as constants).
"""

from __future__ import annotations

import numpy as np

from ..testcase import component, testcase

F = "eqx"


def _key(i=0):
    import jax

    return jax.random.key(i)


def _randomize(model, seed=1):
    """Perturb every float array leaf (zero biases / unit weights hide bugs)."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(seed)

    def perturb(x):
        if eqx.is_array(x) and jnp.issubdtype(x.dtype, jnp.floating):
            return jnp.asarray(x + 0.1 * rng.standard_normal(x.shape), x.dtype)
        return x

    return jax.tree_util.tree_map(perturb, model)


def batched(ctor, randomize=True):
    """build=: ``Batched(layer)`` whose ``__call__`` vmaps the layer over axis 0."""

    def build():
        import equinox as eqx
        import jax

        class Batched(eqx.Module):
            layer: eqx.Module

            def __call__(self, x):
                return jax.vmap(self.layer)(x)

        layer = ctor(eqx.nn, _key())
        return Batched(_randomize(layer) if randomize else layer)

    return build


def single(ctor):
    """build=: the layer itself, called on one unbatched example."""

    def build():
        import equinox as eqx

        return _randomize(ctor(eqx.nn, _key()))

    return build


def _case(name, component, build, inputs, **kw):
    kw.setdefault("rtol", 1e-4)
    kw.setdefault("atol", 1e-4)
    testcase(F, name, component, build=build, inputs=inputs, **kw)


# --- Linear / MLP / Sequential -------------------------------------------------------------
_case("linear_vmap", "eqx.nn.Linear", batched(lambda nn, k: nn.Linear(8, 6, key=k)), [("B", 8)],
      expect_ops=("Gemm",), markers=("ir_smoke",))
_case("linear_single", "eqx.nn.Linear", single(lambda nn, k: nn.Linear(8, 6, key=k)), [(8,)],
      expect_ops=("MatMul",))
_case("linear_no_bias_vmap", "eqx.nn.Linear",
      batched(lambda nn, k: nn.Linear(8, 6, use_bias=False, key=k)), [("B", 8)], expect_ops=("Gemm",))
_case("linear_scalar_in", "eqx.nn.Linear", batched(lambda nn, k: nn.Linear("scalar", 4, key=k)), [("B",)])
_case("mlp", "eqx.nn.MLP", batched(lambda nn, k: nn.MLP(6, 3, width_size=8, depth=2, key=k)), [("B", 6)],
      expect_ops=("Gemm",))


def _sequential(nn, k):
    import jax

    k1, k2 = jax.random.split(k)
    return nn.Sequential([nn.Linear(6, 8, key=k1), nn.Lambda(jax.nn.relu), nn.Dropout(0.5),
                          nn.Linear(8, 2, key=k2)])


_case("sequential", "eqx.nn.Sequential", batched(_sequential), [("B", 6)],
      forbid_ops=("RandomUniform", "RandomUniformLike", "Dropout"))

# --- convolutions (channels first, unbatched: (C, spatial...)) -------------------------------
_case("conv_1d", "eqx.nn.Conv1d", batched(lambda nn, k: nn.Conv1d(2, 3, 3, padding=1, key=k)),
      [("B", 2, 8)], expect_ops=("Conv",))
_case("conv_2d", "eqx.nn.Conv2d",
      batched(lambda nn, k: nn.Conv2d(3, 4, 3, stride=2, padding="SAME", key=k)), [("B", 3, 7, 7)],
      expect_ops=("Conv",))
_case("conv_2d_groups_dilation", "eqx.nn.Conv2d",
      batched(lambda nn, k: nn.Conv2d(4, 4, 3, dilation=2, groups=2, padding=2, key=k)), [("B", 4, 6, 6)],
      expect_ops=("Conv",))
_case("conv_3d", "eqx.nn.Conv3d", batched(lambda nn, k: nn.Conv3d(2, 2, 2, key=k)), [("B", 2, 4, 4, 4)],
      expect_ops=("Conv",))
_case("conv_2d_single", "eqx.nn.Conv2d", single(lambda nn, k: nn.Conv2d(2, 3, 3, key=k)), [(2, 5, 5)],
      expect_ops=("Conv",))
_case("conv_transpose_2d", "eqx.nn.ConvTranspose2d",
      batched(lambda nn, k: nn.ConvTranspose2d(3, 2, 3, stride=2, key=k)), [("B", 3, 4, 4)])
_case("conv_transpose_1d", "eqx.nn.ConvTranspose1d",
      batched(lambda nn, k: nn.ConvTranspose1d(2, 2, 3, padding=1, key=k)), [("B", 2, 6)])

# --- normalization -------------------------------------------------------------------------
_case("layer_norm", "eqx.nn.LayerNorm", batched(lambda nn, k: nn.LayerNorm(8)), [("B", 8)],
      expect_ops=("LayerNormalization",))
_case("layer_norm_2d_shape", "eqx.nn.LayerNorm", batched(lambda nn, k: nn.LayerNorm((4, 8))),
      [("B", 4, 8)], expect_ops=("LayerNormalization",))
_case("layer_norm_no_affine", "eqx.nn.LayerNorm",
      batched(lambda nn, k: nn.LayerNorm(8, use_weight=False, use_bias=False)), [("B", 8)],
      expect_ops=("LayerNormalization",))
_case("rms_norm", "eqx.nn.RMSNorm", batched(lambda nn, k: nn.RMSNorm(8)), [("B", 8)],
      expect_ops=("RMSNormalization",))
_case("rms_norm_no_bias_2d", "eqx.nn.RMSNorm",
      batched(lambda nn, k: nn.RMSNorm((3, 8), use_bias=False)), [("B", 3, 8)], expect_ops=("RMSNormalization",))
_case("group_norm", "eqx.nn.GroupNorm", batched(lambda nn, k: nn.GroupNorm(2, 6)), [("B", 6, 4)])


def _batch_norm_model():
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    bn, state = eqx.nn.make_with_state(eqx.nn.BatchNorm)(4, axis_name="batch", mode="ema")
    rng = np.random.default_rng(3)
    # give the running statistics real values (the buffers start uninitialized)
    state = state.set(bn.ema_state_index, (jnp.asarray(rng.standard_normal(4), jnp.float32),
                                           jnp.asarray(rng.uniform(0.5, 2.0, 4), jnp.float32)))
    state = state.set(bn.ema_first_time_index, jnp.array(False))

    class BNInference(eqx.Module):
        bn: eqx.nn.BatchNorm
        state: eqx.nn.State

        def __call__(self, x):
            return jax.vmap(lambda xi: self.bn(xi, self.state)[0], axis_name="batch")(x)

    return BNInference(_randomize(bn), state)


_case("batch_norm_inference", "eqx.nn.BatchNorm", _batch_norm_model, [("B", 4, 3)])

# --- dropout, embedding, attention, recurrent cells ----------------------------------------
_case("dropout_inference", "eqx.nn.Dropout", batched(lambda nn, k: nn.Dropout(0.5)), [("B", 8)],
      forbid_ops=("RandomUniform", "RandomUniformLike", "Dropout"))


def _tokens(rng, shapes, dtypes):
    return [rng.integers(0, 12, s).astype(d) for s, d in zip(shapes, dtypes)]


_case("embedding", "eqx.nn.Embedding", batched(lambda nn, k: nn.Embedding(12, 6, key=k)), [("B",)],
      input_dtypes=[np.int32], input_gen=_tokens, expect_ops=("Gather",))


def _mha():
    import equinox as eqx
    import jax

    class SelfAttention(eqx.Module):
        attn: eqx.nn.MultiheadAttention

        def __call__(self, x):
            return jax.vmap(lambda xi: self.attn(xi, xi, xi))(x)

    return SelfAttention(_randomize(eqx.nn.MultiheadAttention(2, 8, key=_key())))


_case("multihead_attention", "eqx.nn.MultiheadAttention", _mha, [("B", 5, 8)])


def _cell(kind):
    def build():
        import equinox as eqx
        import jax
        import jax.numpy as jnp

        cell = _randomize(getattr(eqx.nn, kind)(4, 6, key=_key()))

        class Step(eqx.Module):
            cell: eqx.Module

            def __call__(self, x):
                h = jnp.zeros((x.shape[0], 6), x.dtype)
                hidden = h if kind == "GRUCell" else (h, h + 0.5)
                out = jax.vmap(self.cell)(x, hidden)
                return out if kind == "GRUCell" else out[0] + out[1]

        return Step(cell)

    return build


_case("gru_cell", "eqx.nn.GRUCell", _cell("GRUCell"), [("B", 4)])
_case("lstm_cell", "eqx.nn.LSTMCell", _cell("LSTMCell"), [("B", 4)])

# --- pooling -----------------------------------------------------------------------------
_case("max_pool_2d", "eqx.nn.MaxPool2d", batched(lambda nn, k: nn.MaxPool2d(2, stride=2)), [("B", 3, 6, 6)])
_case("avg_pool_2d", "eqx.nn.AvgPool2d", batched(lambda nn, k: nn.AvgPool2d(3, stride=1, padding=1)),
      [("B", 2, 5, 5)])
_case("max_pool_1d", "eqx.nn.MaxPool1d", batched(lambda nn, k: nn.MaxPool1d(3, stride=2)), [("B", 2, 9)])


# --- static fields, filtered leaves, jax.vmap(model) ------------------------------------------
def _with_static():
    import equinox as eqx
    import jax

    class Scaled(eqx.Module):
        linear: eqx.nn.Linear
        activation: callable = eqx.field(static=True)
        factor: float = eqx.field(static=True)
        name: str = "scaled"  # a non-array leaf: filtered out, stays Python

        def __call__(self, x):
            return jax.vmap(lambda xi: self.activation(self.linear(xi)) * self.factor)(x)

    return Scaled(_randomize(eqx.nn.Linear(5, 3, key=_key())), jax.nn.tanh, 2.5)


_case("static_fields", "eqx.Module", _with_static, [("B", 5)], expect_ops=("Gemm",))


def _vmap_fn():
    import equinox as eqx
    import jax

    mlp = _randomize(eqx.nn.MLP(4, 2, width_size=6, depth=1, key=_key()))
    return jax.vmap(mlp)


_case("vmap_fn", "jax.vmap(eqx.Module)", _vmap_fn, [("B", 4)], expect_ops=("Gemm",))


# --- component metadata (macro ops come from plugin/components/eqx.py) ----------------------
for _comp, _ops in (
    ("eqx.nn.Linear", ("Gemm", "MatMul", "Add")), ("eqx.nn.MLP", ("Gemm",)), ("eqx.nn.Sequential", ()),
    ("eqx.nn.Conv1d", ("Conv",)), ("eqx.nn.Conv2d", ("Conv",)), ("eqx.nn.Conv3d", ("Conv",)),
    ("eqx.nn.ConvTranspose1d", ("Conv",)), ("eqx.nn.ConvTranspose2d", ("Conv", "Pad", "Slice")),
    ("eqx.nn.LayerNorm", ("LayerNormalization",)), ("eqx.nn.RMSNorm", ("RMSNormalization", "Add")),
    ("eqx.nn.GroupNorm", ("ReduceSum", "Sqrt", "Div")), ("eqx.nn.BatchNorm", ("Sub", "Div", "Mul", "Add")),
    ("eqx.nn.Dropout", ("Identity",)), ("eqx.nn.Embedding", ("Gather",)),
    ("eqx.nn.MultiheadAttention", ("Einsum", "MatMul", "Exp", "ReduceSum")),
    ("eqx.nn.GRUCell", ("Einsum", "Sigmoid", "Tanh")), ("eqx.nn.LSTMCell", ("Einsum", "Sigmoid", "Tanh")),
    ("eqx.nn.MaxPool1d", ("MaxPool",)), ("eqx.nn.MaxPool2d", ("MaxPool",)), ("eqx.nn.AvgPool2d", ("Conv", "Div")),
):
    component(_comp, onnx_ops=_ops, docs="https://docs.kidger.site/equinox/api/nn/")
