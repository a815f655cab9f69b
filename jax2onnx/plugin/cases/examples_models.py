"""Catalog: small whole models in every module system (converted and compared at two batch sizes).

NNX CNN, transformer block, ViT and a GPT-style decoder; Linen MLP/CNN applied
directly and a Linen CNN and ResNet block through ``nnx.bridge.ToNNX``; Equinox
MLP and CNN. Sizes are tiny (d=32, 2 layers) to keep the tests fast.
"""

from __future__ import annotations

import numpy as np

from ..testcase import testcase
from .eqx import _randomize as _eqx_randomize
from .linen import _randomized as _linen_randomized
from .nnx import _randomize as _nnx_randomize

F = "examples_models"
_TOL = {"rtol": 1e-4, "atol": 1e-4}


# --- Flax NNX ---------------------------------------------------------------------------
def nnx_cnn():
    """Conv → BatchNorm → relu → avg_pool → Conv → relu → max_pool → flatten → Linear."""
    from flax import nnx

    class CNN(nnx.Module):
        def __init__(self, rngs):
            self.conv1 = nnx.Conv(1, 8, (3, 3), rngs=rngs)
            self.bn = nnx.BatchNorm(8, rngs=rngs)
            self.conv2 = nnx.Conv(8, 16, (3, 3), rngs=rngs)
            self.dropout = nnx.Dropout(0.2, rngs=rngs)
            self.head = nnx.Linear(16 * 2 * 2, 10, rngs=rngs)

        def __call__(self, x):
            x = nnx.avg_pool(nnx.relu(self.bn(self.conv1(x))), (2, 2), strides=(2, 2))
            x = nnx.max_pool(nnx.relu(self.conv2(x)), (2, 2), strides=(2, 2))
            x = x.reshape(x.shape[0], -1)
            return self.head(self.dropout(x))

    return _nnx_randomize(CNN(nnx.Rngs(0)))


testcase(F, "nnx_cnn", "nnx.Module", build=nnx_cnn, inputs=[("B", 8, 8, 1)],
         expect_ops=("Conv", "BatchNormalization", "Gemm"), sizes={"B": (1, 5)}, **_TOL)


def _block_cls(nnx):
    class Block(nnx.Module):
        """Pre-norm transformer block: x + MHA(LN(x)); x + MLP(LN(x))."""

        def __init__(self, d, heads, rngs):
            self.ln1 = nnx.LayerNorm(d, rngs=rngs)
            self.attn = nnx.MultiHeadAttention(num_heads=heads, in_features=d, decode=False, rngs=rngs)
            self.ln2 = nnx.LayerNorm(d, rngs=rngs)
            self.fc1 = nnx.Linear(d, 2 * d, rngs=rngs)
            self.fc2 = nnx.Linear(2 * d, d, rngs=rngs)
            self.drop = nnx.Dropout(0.1, rngs=rngs)

        def __call__(self, x, mask=None):
            x = x + self.drop(self.attn(self.ln1(x), mask=mask))
            return x + self.drop(self.fc2(nnx.gelu(self.fc1(self.ln2(x)))))

    return Block


def nnx_transformer_block():
    from flax import nnx

    return _nnx_randomize(_block_cls(nnx)(32, 4, nnx.Rngs(0)))


testcase(F, "nnx_transformer_block", "nnx.Module", build=nnx_transformer_block, inputs=[("B", 6, 32)],
         expect_ops=("LayerNormalization", "MatMul"), sizes={"B": (1, 4)}, **_TOL)


def nnx_vit():
    """Patchify with a strided Conv, prepend a class token, 2 blocks, LayerNorm, classify."""
    import jax.numpy as jnp
    from flax import nnx

    Block = _block_cls(nnx)

    class ViT(nnx.Module):
        def __init__(self, rngs, d=32, patch=4, image=16, layers=2, classes=5):
            self.patch = nnx.Conv(3, d, (patch, patch), strides=(patch, patch), padding="VALID", rngs=rngs)
            n = (image // patch) ** 2
            self.cls = nnx.Param(jnp.zeros((1, 1, d)))
            self.pos = nnx.Param(0.02 * jnp.ones((1, n + 1, d)))
            self.blocks = nnx.List([Block(d, 4, rngs) for _ in range(layers)])
            self.norm = nnx.LayerNorm(d, rngs=rngs)
            self.head = nnx.Linear(d, classes, rngs=rngs)

        def __call__(self, images):
            x = self.patch(images)
            b = x.shape[0]
            x = x.reshape(b, -1, x.shape[-1])
            cls = jnp.broadcast_to(self.cls[...], (b, 1, x.shape[-1]))
            x = jnp.concatenate([cls, x], axis=1) + self.pos[...]
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.norm(x)[:, 0])

    return _nnx_randomize(ViT(nnx.Rngs(0)))


testcase(F, "nnx_vit", "nnx.Module", build=nnx_vit, inputs=[("B", 16, 16, 3)],
         expect_ops=("Conv", "LayerNormalization", "Gemm"), sizes={"B": (1, 3)}, **_TOL)


def nnx_gpt():
    """Token + position embeddings, 2 causal blocks, final LayerNorm, logits over the vocab."""
    import jax.numpy as jnp
    from flax import nnx

    Block = _block_cls(nnx)

    class GPT(nnx.Module):
        def __init__(self, rngs, vocab=50, d=32, ctx=16, layers=2):
            self.tok = nnx.Embed(vocab, d, rngs=rngs)
            self.pos = nnx.Embed(ctx, d, rngs=rngs)
            self.blocks = nnx.List([Block(d, 4, rngs) for _ in range(layers)])
            self.norm = nnx.LayerNorm(d, rngs=rngs)
            self.lm_head = nnx.Linear(d, vocab, use_bias=False, rngs=rngs)

        def __call__(self, tokens):
            t = tokens.shape[1]
            x = self.tok(tokens) + self.pos(jnp.arange(t, dtype=jnp.int32))[None]
            mask = nnx.make_causal_mask(tokens)
            for blk in self.blocks:
                x = blk(x, mask=mask)
            return self.lm_head(self.norm(x))

    return _nnx_randomize(GPT(nnx.Rngs(0)))


def _tokens(vocab):
    return lambda rng, shapes, dtypes: [rng.integers(0, vocab, shapes[0]).astype(dtypes[0])]


testcase(F, "nnx_gpt", "nnx.Module", build=nnx_gpt, inputs=[("B", 8)], input_dtypes=[np.int32],
         input_gen=_tokens(50), expect_ops=("Gather", "LayerNormalization"),
         sizes={"B": (1, 3)}, **_TOL)


# --- Flax Linen: direct apply ------------------------------------------------------------------
def _linen_apply(module, sample_shape, **kw):
    import jax
    import jax.numpy as jnp

    variables = _linen_randomized(module.init(jax.random.key(0), jnp.ones(sample_shape), **kw))
    return lambda x: module.apply(variables, x, **kw)


def _linen_mlp_module():
    from flax import linen as nn

    class MLP(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.relu(nn.Dense(32)(x))
            x = nn.Dropout(0.1, deterministic=True)(x)
            x = nn.LayerNorm()(nn.gelu(nn.Dense(16)(x)))
            return nn.Dense(4)(x)

    return MLP()


def linen_mlp():
    return _linen_apply(_linen_mlp_module(), (1, 12))


testcase(F, "linen_mlp", "linen.Module", build=linen_mlp, inputs=[("B", 12)],
         expect_ops=("Gemm", "LayerNormalization"), **_TOL)


def _linen_cnn_module():
    from flax import linen as nn

    class CNN(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.relu(nn.BatchNorm(use_running_average=True)(nn.Conv(8, (3, 3))(x)))
            x = nn.avg_pool(x, (2, 2), strides=(2, 2))
            x = nn.max_pool(nn.relu(nn.Conv(8, (3, 3))(x)), (2, 2), strides=(2, 2))
            return nn.Dense(5)(x.reshape((x.shape[0], -1)))

    return CNN()


def linen_cnn():
    return _linen_apply(_linen_cnn_module(), (1, 8, 8, 2))


testcase(F, "linen_cnn", "linen.Module", build=linen_cnn, inputs=[("B", 8, 8, 2)],
         expect_ops=("Conv", "BatchNormalization", "Gemm"), **_TOL)


# --- Flax Linen through nnx.bridge.ToNNX ---------------------------------------------------------
def _bridge(module, sample_shape):
    import jax.numpy as jnp
    from flax import nnx

    wrapper = nnx.bridge.ToNNX(module, rngs=nnx.Rngs(0)).lazy_init(jnp.ones(sample_shape))
    state = nnx.state(wrapper, nnx.Any(nnx.Param, nnx.BatchStat))
    nnx.update(wrapper, _linen_randomized(state))
    return wrapper


def bridge_linen_cnn():
    return _bridge(_linen_cnn_module(), (1, 8, 8, 2))


testcase(F, "bridge_linen_cnn", "nnx.bridge.ToNNX", build=bridge_linen_cnn, inputs=[("B", 8, 8, 2)],
         expect_ops=("Conv", "BatchNormalization", "Gemm"), **_TOL)


def bridge_linen_resnet_block():
    """A Linen ResNet basic block (conv-bn-relu-conv-bn + projection shortcut) via ToNNX."""
    from flax import linen as nn

    class ResNetBlock(nn.Module):
        filters: int = 8
        strides: tuple = (2, 2)

        @nn.compact
        def __call__(self, x):
            norm = lambda: nn.BatchNorm(use_running_average=True)  # noqa: E731
            y = nn.relu(norm()(nn.Conv(self.filters, (3, 3), self.strides, use_bias=False)(x)))
            y = norm()(nn.Conv(self.filters, (3, 3), use_bias=False)(y))
            shortcut = norm()(nn.Conv(self.filters, (1, 1), self.strides, use_bias=False)(x))
            return nn.relu(y + shortcut)

    return _bridge(ResNetBlock(), (1, 8, 8, 4))


testcase(F, "bridge_linen_resnet_block", "nnx.bridge.ToNNX", build=bridge_linen_resnet_block,
         inputs=[("B", 8, 8, 4)], expect_ops=("Conv", "BatchNormalization"), **_TOL)


def nnx_with_linen_resnet_block():
    """An NNX model holding a Linen ResNet block through ToNNX as a submodule."""
    from flax import nnx

    class Hybrid(nnx.Module):
        def __init__(self, rngs):
            self.stem = nnx.Conv(3, 4, (3, 3), rngs=rngs)
            self.block = bridge_linen_resnet_block()
            self.head = nnx.Linear(8, 2, rngs=rngs)

        def __call__(self, x):
            y = self.block(nnx.relu(self.stem(x)))
            return self.head(y.mean(axis=(1, 2)))

    return _nnx_randomize(Hybrid(nnx.Rngs(0)))


testcase(F, "nnx_with_linen_resnet_block", "nnx.bridge.ToNNX", build=nnx_with_linen_resnet_block,
         inputs=[("B", 8, 8, 3)], expect_ops=("Conv", "BatchNormalization", "Gemm"), **_TOL)


# --- Equinox -----------------------------------------------------------------------------
def eqx_mlp():
    import equinox as eqx
    import jax

    class BatchedMLP(eqx.Module):
        mlp: eqx.nn.MLP

        def __call__(self, x):
            return jax.vmap(self.mlp)(x)

    mlp = eqx.nn.MLP(10, 3, width_size=32, depth=2, activation=jax.nn.gelu, key=jax.random.key(0))
    return BatchedMLP(_eqx_randomize(mlp))


testcase(F, "eqx_mlp", "eqx.Module", build=eqx_mlp, inputs=[("B", 10)], expect_ops=("Gemm",), **_TOL)


def eqx_cnn():
    import equinox as eqx
    import jax

    class CNN(eqx.Module):
        conv1: eqx.nn.Conv2d
        conv2: eqx.nn.Conv2d
        pool: eqx.nn.MaxPool2d
        norm: eqx.nn.LayerNorm
        head: eqx.nn.Linear
        drop: eqx.nn.Dropout

        def __init__(self, key):
            k1, k2, k3 = jax.random.split(key, 3)
            self.conv1 = eqx.nn.Conv2d(1, 4, 3, padding=1, key=k1)
            self.conv2 = eqx.nn.Conv2d(4, 8, 3, stride=2, key=k2)
            self.pool = eqx.nn.MaxPool2d(2, stride=2)
            self.norm = eqx.nn.LayerNorm(8 * 1 * 1)
            self.head = eqx.nn.Linear(8, 3, key=k3)
            self.drop = eqx.nn.Dropout(0.3)

        def __call__(self, images):
            def one(x):
                x = self.pool(jax.nn.relu(self.conv1(x)))
                x = jax.nn.relu(self.conv2(x)).reshape(-1)
                return self.head(self.drop(self.norm(x)))

            return jax.vmap(one)(images)

    return _eqx_randomize(CNN(jax.random.key(0)))


testcase(F, "eqx_cnn", "eqx.Module", build=eqx_cnn, inputs=[("B", 1, 8, 8)],
         expect_ops=("Conv", "LayerNormalization", "Gemm"), **_TOL)
