"""Catalog: Flax Linen layers, applied directly and through ``nnx.bridge.ToNNX``.

Direct: the user converts ``lambda x: module.apply(variables, x)``; the arrays of
``variables`` (params and batch_stats) are captured as constants. Bridge: the
user converts ``ToNNX(module).lazy_init(x)``; the adapter reads the wrapper's
variables and traces a pure ``apply`` (weights become named initializers).
"""

from __future__ import annotations

import numpy as np

from ..testcase import component, testcase

F = "linen"


def _randomized(variables, seed=1):
    """Non-trivial values for every float leaf (zero biases and unit stats hide bugs)."""
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(seed)

    def perturb(path, x):
        if not jnp.issubdtype(x.dtype, jnp.floating):
            return x
        name = jax.tree_util.keystr(path)
        if "var" in name or "scale" in name:
            return jnp.asarray(rng.uniform(0.5, 1.5, x.shape), x.dtype)
        return jnp.asarray(x + 0.1 * rng.standard_normal(x.shape), x.dtype)

    return jax.tree_util.tree_map_with_path(perturb, variables)


def _sample(shape, dtype):
    """A concrete sample for init (symbols replaced by 1)."""
    import jax.numpy as jnp

    return jnp.ones(tuple(1 if isinstance(d, str) else d for d in shape), dtype)


def direct(ctor, shape, dtype=np.float32, **apply_kw):
    """build= factory: ``lambda x: module.apply(variables, x)`` with initialized variables."""

    def build():
        import jax
        from flax import linen as nn

        module = ctor(nn)
        variables = _randomized(module.init(jax.random.key(0), _sample(shape, dtype), **apply_kw))

        def apply(x):
            return module.apply(variables, x, **apply_kw)

        return apply

    return build


def bridged(ctor, shape, dtype=np.float32):
    """build= factory: ``nnx.bridge.ToNNX(module).lazy_init(x)`` with randomized variables."""

    def build():
        from flax import linen as nn
        from flax import nnx

        wrapper = nnx.bridge.ToNNX(ctor(nn), rngs=nnx.Rngs(0)).lazy_init(_sample(shape, dtype))
        state = nnx.state(wrapper, nnx.Any(nnx.Param, nnx.BatchStat))
        nnx.update(wrapper, _randomized(state))
        return wrapper

    return build


def _case(name, component, build, inputs, **kw):
    kw.setdefault("rtol", 1e-4)
    kw.setdefault("atol", 1e-4)
    testcase(F, name, component, build=build, inputs=inputs, **kw)


# --- direct Linen apply ----------------------------------------------------------------
_case("dense", "linen.Dense", direct(lambda nn: nn.Dense(6), ("B", 8)), [("B", 8)],
      expect_ops=("Gemm",), markers=("ir_smoke",))
_case("dense_3d", "linen.Dense", direct(lambda nn: nn.Dense(6), ("B", 4, 8)), [("B", 4, 8)])
_case("dense_general", "linen.DenseGeneral",
      direct(lambda nn: nn.DenseGeneral((2, 3), axis=(-2, -1)), ("B", 4, 5)), [("B", 4, 5)])
_case("conv_2d", "linen.Conv", direct(lambda nn: nn.Conv(4, (3, 3)), ("B", 6, 6, 3)), [("B", 6, 6, 3)],
      expect_ops=("Conv",))
_case("conv_1d_strided_valid", "linen.Conv",
      direct(lambda nn: nn.Conv(4, (3,), strides=2, padding="VALID"), ("B", 9, 2)), [("B", 9, 2)],
      expect_ops=("Conv",))
_case("conv_transpose_2d", "linen.ConvTranspose",
      direct(lambda nn: nn.ConvTranspose(3, (3, 3), strides=(2, 2)), ("B", 4, 4, 2)), [("B", 4, 4, 2)])
_case("batch_norm", "linen.BatchNorm",
      direct(lambda nn: nn.BatchNorm(use_running_average=True), ("B", 6)), [("B", 6)],
      expect_ops=("BatchNormalization",))
_case("batch_norm_4d", "linen.BatchNorm",
      direct(lambda nn: nn.BatchNorm(use_running_average=True), ("B", 3, 3, 4)), [("B", 3, 3, 4)])
_case("layer_norm", "linen.LayerNorm", direct(lambda nn: nn.LayerNorm(), ("B", 5, 8)), [("B", 5, 8)],
      expect_ops=("LayerNormalization",))
_case("group_norm", "linen.GroupNorm", direct(lambda nn: nn.GroupNorm(num_groups=2), ("B", 4, 4, 6)),
      [("B", 4, 4, 6)], expect_ops=("GroupNormalization",))
_case("rms_norm", "linen.RMSNorm", direct(lambda nn: nn.RMSNorm(), ("B", 5, 8)), [("B", 5, 8)],
      expect_ops=("RMSNormalization",))
_case("dropout_deterministic", "linen.Dropout",
      direct(lambda nn: nn.Dropout(0.5, deterministic=True), ("B", 8)), [("B", 8)],
      forbid_ops=("RandomUniform", "RandomUniformLike", "Dropout"))


def _tokens(rng, shapes, dtypes):
    return [rng.integers(0, 16, s).astype(d) for s, d in zip(shapes, dtypes)]


_case("embed", "linen.Embed", direct(lambda nn: nn.Embed(16, 8), ("B", 5), np.int32), [("B", 5)],
      input_dtypes=[np.int32], input_gen=_tokens, expect_ops=("Gather",))
_case("mha", "linen.MultiHeadDotProductAttention",
      direct(lambda nn: nn.MultiHeadDotProductAttention(num_heads=2, qkv_features=8), ("B", 5, 8)),
      [("B", 5, 8)])


def _pool(kind, **kw):
    def fn(x):
        from flax import linen as nn

        return getattr(nn, kind)(x, **kw)

    return fn


testcase(F, "avg_pool", "linen.avg_pool", fn=_pool("avg_pool", window_shape=(2, 2), strides=(2, 2)),
         inputs=[("B", 6, 6, 3)])
testcase(F, "max_pool", "linen.max_pool", fn=_pool("max_pool", window_shape=(3, 3), padding="SAME"),
         inputs=[("B", 5, 5, 2)])

def _linen():
    from flax import linen as nn

    return nn


testcase(F, "gelu_one_op", "linen.gelu", fn=lambda x: _linen().gelu(x), inputs=[("B", 6)],
         expect_ops=("Gelu",), forbid_ops=("Tanh",))  # the jax.nn component, via the re-export


# --- through nnx.bridge.ToNNX ----------------------------------------------------------
_case("bridge_dense", "nnx.bridge.ToNNX", bridged(lambda nn: nn.Dense(6), ("B", 10)), [("B", 10)],
      expect_ops=("Gemm",), markers=("ir_smoke",))
_case("bridge_conv", "nnx.bridge.ToNNX", bridged(lambda nn: nn.Conv(4, (3, 3)), ("B", 6, 6, 3)),
      [("B", 6, 6, 3)], expect_ops=("Conv",))
_case("bridge_layer_norm", "nnx.bridge.ToNNX", bridged(lambda nn: nn.LayerNorm(), ("B", 5, 8)),
      [("B", 5, 8)], expect_ops=("LayerNormalization",))
_case("bridge_batch_norm", "nnx.bridge.ToNNX",
      bridged(lambda nn: nn.BatchNorm(use_running_average=True), ("B", 6)), [("B", 6)],
      expect_ops=("BatchNormalization",))


# --- component metadata (macro ops come from plugin/components/linen.py) -------------------
_LINEN_DOCS = "https://flax.readthedocs.io/en/latest/api_reference/flax.linen/layers.html"
for _comp, _ops in (
    ("linen.Dense", ("Gemm", "MatMul", "Add")), ("linen.DenseGeneral", ("Einsum", "Add")),
    ("linen.Conv", ("Conv", "Transpose")), ("linen.ConvTranspose", ("Conv", "Transpose", "Pad", "Slice")),
    ("linen.BatchNorm", ("BatchNormalization", "Transpose")), ("linen.LayerNorm", ("LayerNormalization",)),
    ("linen.GroupNorm", ("GroupNormalization", "Transpose")), ("linen.RMSNorm", ("RMSNormalization",)),
    ("linen.Dropout", ("Identity",)), ("linen.Embed", ("Gather",)),
    ("linen.MultiHeadDotProductAttention", ("Einsum", "Softmax")),
    ("linen.avg_pool", ("Conv", "Div")), ("linen.max_pool", ("MaxPool",)),
    ("nnx.bridge.ToNNX", ("(as the wrapped Linen module)",)),
):
    component(_comp, onnx_ops=_ops, docs=_LINEN_DOCS)
