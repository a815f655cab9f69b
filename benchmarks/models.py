"""The benchmark models: defined here, random weights, symbolic batch ``"B"``.

Each entry of :data:`MODELS` builds ``(callable, input_specs, make_inputs)``:
``input_specs`` is what ``to_onnx`` gets (shape tuples with ``"B"``, or
``jax.ShapeDtypeStruct``-like ``(shape, dtype)`` pairs), and ``make_inputs(b, seed)``
returns concrete numpy inputs for batch ``b``.

Models (sizes chosen to match the issue):

* ``mlp``     — the README MLP (Linear → BatchNorm → Dropout → gelu → Linear).
* ``cnn``     — a small CNN on 32×32×3 (two Conv + pooling, a Linear head).
* ``vit_s16`` — a ViT-S/16-like encoder (224×224×3, dim 384, depth 12, 6 heads; ≈22 M params).
* ``gpt2``    — a GPT-2-small-like decoder (12 layers, d=768, 12 heads, vocab 50257,
  context 128, int32 tokens, tied embeddings; ≈124 M params).
* ``bert``    — a Hugging Face-style BERT encoder written in plain Flax Linen (2 layers,
  d=256, 4 heads, seq 128, exact erf GELU, attention as einsum + softmax, LayerNorm
  by hand): no component patch applies, so every macro op comes from pattern fusion.
* ``physics``  — the issue's stepper: a scan of 50 steps on a 64×64 grid, each step a
  ``fori_loop`` (4 heat-equation sub-steps), a ``cond`` and a ``while_loop``.
* ``particles`` — 64 symplectic-Euler steps of particles in a learned force field
  (``lax.scan``; this row was called ``physics`` before).
* ``gru``      — ``nnx.RNN(nnx.GRUCell)`` over 50 steps, hidden 32, a Linear head.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["MODELS", "ModelEntry", "weight_bytes"]


@dataclass(frozen=True)
class ModelEntry:
    """How to build one benchmark model."""

    name: str
    build: Callable  # () -> (callable, input_specs, make_inputs)
    description: str


def weight_bytes(model) -> int:
    """Bytes of all arrays held by an ``nnx.Module`` (0 for plain functions)."""
    from flax import nnx

    if not isinstance(model, nnx.Module):
        return 0
    import jax

    leaves = jax.tree_util.tree_leaves(nnx.state(model, nnx.Param, nnx.BatchStat))
    return int(sum(np.asarray(x).nbytes for x in leaves))


# ---------------------------------------------------------------------------- MLP
def _build_mlp():
    from jax2onnx.plugin.cases.examples import readme_mlp  # the README quickstart model

    model = readme_mlp()

    def make_inputs(b, seed=0):
        return [np.random.default_rng(seed).standard_normal((b, 30)).astype(np.float32)]

    return model, [("B", 30)], make_inputs


# ---------------------------------------------------------------------------- CNN
def _build_cnn():
    from flax import nnx

    class CNN(nnx.Module):
        def __init__(self, *, rngs):
            self.conv1 = nnx.Conv(3, 16, kernel_size=(3, 3), rngs=rngs)
            self.conv2 = nnx.Conv(16, 32, kernel_size=(3, 3), rngs=rngs)
            self.head = nnx.Linear(8 * 8 * 32, 10, rngs=rngs)

        def __call__(self, x):
            x = nnx.max_pool(nnx.relu(self.conv1(x)), window_shape=(2, 2), strides=(2, 2))
            x = nnx.avg_pool(nnx.relu(self.conv2(x)), window_shape=(2, 2), strides=(2, 2))
            return self.head(x.reshape(x.shape[0], -1))

    model = CNN(rngs=nnx.Rngs(0))

    def make_inputs(b, seed=0):
        return [np.random.default_rng(seed).standard_normal((b, 32, 32, 3)).astype(np.float32)]

    return model, [("B", 32, 32, 3)], make_inputs


# ---------------------------------------------------------------------------- transformer bits
def _block_classes():
    from flax import nnx

    class MLPBlock(nnx.Module):
        def __init__(self, dim, hidden, *, rngs):
            self.fc1 = nnx.Linear(dim, hidden, rngs=rngs)
            self.fc2 = nnx.Linear(hidden, dim, rngs=rngs)

        def __call__(self, x):
            return self.fc2(nnx.gelu(self.fc1(x)))

    class Block(nnx.Module):
        """Pre-norm transformer block (attention + MLP), optional causal mask."""

        def __init__(self, dim, heads, *, rngs):
            self.ln1 = nnx.LayerNorm(dim, rngs=rngs)
            self.attn = nnx.MultiHeadAttention(
                num_heads=heads, in_features=dim, decode=False, deterministic=True, rngs=rngs
            )
            self.ln2 = nnx.LayerNorm(dim, rngs=rngs)
            self.mlp = MLPBlock(dim, 4 * dim, rngs=rngs)

        def __call__(self, x, mask=None):
            x = x + self.attn(self.ln1(x), mask=mask)
            return x + self.mlp(self.ln2(x))

    return Block


def _build_vit():
    import jax.numpy as jnp
    from flax import nnx

    Block = _block_classes()
    dim, depth, heads, patch, size = 384, 12, 6, 16, 224
    n_patches = (size // patch) ** 2

    class ViT(nnx.Module):
        def __init__(self, *, rngs):
            self.patch = nnx.Conv(3, dim, kernel_size=(patch, patch), strides=(patch, patch),
                                  padding="VALID", rngs=rngs)
            self.cls = nnx.Param(jax_normal(rngs, (1, 1, dim)))
            self.pos = nnx.Param(jax_normal(rngs, (1, n_patches + 1, dim)))
            self.blocks = nnx.List([Block(dim, heads, rngs=rngs) for _ in range(depth)])
            self.norm = nnx.LayerNorm(dim, rngs=rngs)
            self.head = nnx.Linear(dim, 1000, rngs=rngs)

        def __call__(self, x):
            x = self.patch(x)  # (B, 14, 14, dim)
            b = x.shape[0]
            x = x.reshape(b, n_patches, dim)
            cls = jnp.broadcast_to(self.cls[...], (b, 1, dim))
            x = jnp.concatenate([cls, x], axis=1) + self.pos[...]
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.norm(x[:, 0]))

    model = ViT(rngs=nnx.Rngs(0))

    def make_inputs(b, seed=0):
        return [np.random.default_rng(seed).standard_normal((b, size, size, 3)).astype(np.float32)]

    return model, [("B", size, size, 3)], make_inputs


def jax_normal(rngs, shape, scale=0.02):
    import jax

    return scale * jax.random.normal(rngs.params(), shape)


def _build_gpt2():
    import jax
    import jax.numpy as jnp
    from flax import nnx

    Block = _block_classes()
    vocab, ctx, dim, depth, heads = 50257, 128, 768, 12, 12
    positions = np.arange(ctx, dtype=np.int32)
    causal = np.tril(np.ones((ctx, ctx), dtype=bool))[None, None]

    class GPT2(nnx.Module):
        def __init__(self, *, rngs):
            self.wte = nnx.Embed(vocab, dim, rngs=rngs)
            self.wpe = nnx.Embed(ctx, dim, rngs=rngs)
            self.blocks = nnx.List([Block(dim, heads, rngs=rngs) for _ in range(depth)])
            self.ln_f = nnx.LayerNorm(dim, rngs=rngs)

        def __call__(self, tokens):
            # positions and the causal mask are fixed buffers (as in GPT-2's own code)
            x = self.wte(tokens) + self.wpe(jnp.asarray(positions))[None]
            mask = jnp.asarray(causal)
            for blk in self.blocks:
                x = blk(x, mask=mask)
            return self.wte.attend(self.ln_f(x))  # tied LM head

    model = GPT2(rngs=nnx.Rngs(0))

    def make_inputs(b, seed=0):
        return [np.random.default_rng(seed).integers(0, vocab, (b, ctx)).astype(np.int32)]

    return model, [jax.ShapeDtypeStruct((_sym("B"), ctx), jnp.int32)], make_inputs


def _sym(name: str):
    """A symbolic dimension for ``jax.ShapeDtypeStruct`` specs (int32 token input)."""
    from jax import export

    return export.symbolic_shape(name)[0]


# ---------------------------------------------------------------------------- physics
def _build_physics():
    """The issue's stepper: a scan of 50 steps on a 64×64 grid, each step a fori_loop of
    4 explicit heat-equation sub-steps, a cond (rescale when the maximum exceeds 1) and a
    while_loop (fixed-point iteration of an implicit reaction term, ≤ 10 iterations)."""
    import jax.numpy as jnp
    from jax import lax

    from jax2onnx.plugin.cases.examples_control_flow import _heat_step  # the catalog's stencil

    def physics(u0):
        def step(u, _):
            u = lax.fori_loop(0, 4, lambda i, v: _heat_step(v), u)
            m = jnp.max(u)
            u = lax.cond(m > 1.0, lambda v: v / m, lambda v: v, u)

            def unconverged(s):
                _, k, r = s
                return jnp.logical_and(k < 10, r > 1e-5)

            def relax(s):
                w, k, _ = s
                wn = u + 0.05 * jnp.sin(w)
                return wn, k + 1, jnp.max(jnp.abs(wn - w))

            w, _, _ = lax.while_loop(unconverged, relax, (u, jnp.int32(0), jnp.float32(1.0)))
            return w, jnp.mean(w)

        return lax.scan(step, u0, None, length=50)

    def make_inputs(b, seed=0):
        u = np.zeros((b, 64, 64), dtype=np.float32)
        u[:, 20:44, 20:44] = 1.5  # a hot square (so the cond rescales early on)
        u[:, 0, :] = 0.5
        return [u + 0.01 * np.random.default_rng(seed).random(u.shape).astype(np.float32)]

    return physics, [("B", 64, 64)], make_inputs


def _build_particles():
    import jax
    import jax.numpy as jnp
    from flax import nnx

    n, steps, dt = 32, 64, 0.01

    class Stepper(nnx.Module):
        """Particles (positions, velocities) pushed by a small learned force field."""

        def __init__(self, *, rngs):
            self.f1 = nnx.Linear(2 * n, 64, rngs=rngs)
            self.f2 = nnx.Linear(64, n, rngs=rngs)
            self.damping = nnx.Param(jnp.full((n,), 0.1))

        def __call__(self, state):
            def step(carry, _):
                q, p = carry
                force = self.f2(jnp.tanh(self.f1(jnp.concatenate([q, p], axis=-1)))) - q
                p = p + dt * (force - self.damping[...] * p)
                q = q + dt * p
                return (q, p), jnp.sum(p * p, axis=-1)

            (q, p), energy = jax.lax.scan(step, tuple(jnp.split(state, 2, axis=-1)), None, length=steps)
            return jnp.concatenate([q, p], axis=-1), energy

    model = Stepper(rngs=nnx.Rngs(0))

    def make_inputs(b, seed=0):
        return [np.random.default_rng(seed).standard_normal((b, 2 * n)).astype(np.float32)]

    return model, [("B", 2 * n)], make_inputs


# ---------------------------------------------------------------------------- BERT (plain Linen)
#: the BERT benchmark's configuration (benchmarks/fusion_bench.py reads it)
BERT = dict(vocab=8192, seq=128, hidden=256, heads=4, inter=1024, layers=2, eps=1e-12)


def bert_linen():
    """A BERT encoder the way Hugging Face's Flax BERT computes it, in plain Linen with
    ``self.param`` and ``jax.numpy`` only (no ``nn.Dense``/``nn.LayerNorm``/``jax.nn``)."""
    import jax.numpy as jnp
    from flax import linen as nn
    from jax import lax

    c = BERT
    init = nn.initializers.normal(0.02)

    class Dense(nn.Module):
        features: int

        @nn.compact
        def __call__(self, x):
            w = self.param("kernel", init, (x.shape[-1], self.features))
            b = self.param("bias", nn.initializers.normal(0.02), (self.features,))
            return x @ w + b

    class LayerNorm(nn.Module):
        @nn.compact
        def __call__(self, x):
            g = self.param("scale", nn.initializers.ones, (x.shape[-1],))
            b = self.param("bias", nn.initializers.zeros, (x.shape[-1],))
            mean = jnp.mean(x, -1, keepdims=True)
            var = jnp.mean(jnp.square(x - mean), -1, keepdims=True)
            return (x - mean) / jnp.sqrt(var + c["eps"]) * g + b

    class SelfAttention(nn.Module):
        @nn.compact
        def __call__(self, x, bias):
            b, t, d = x.shape
            h = d // c["heads"]
            q, k, v = (Dense(d, name=n)(x).reshape(b, t, c["heads"], h) for n in ("query", "key", "value"))
            s = jnp.einsum("bqhd,bkhd->bhqk", q, k) / jnp.sqrt(jnp.float32(h)) + bias
            e = jnp.exp(s - lax.stop_gradient(jnp.max(s, -1, keepdims=True)))
            p = e / jnp.sum(e, -1, keepdims=True)
            return jnp.einsum("bhqk,bkhd->bqhd", p, v).reshape(b, t, d)

    class Layer(nn.Module):
        @nn.compact
        def __call__(self, x, bias):
            a = Dense(x.shape[-1], name="attn_out")(SelfAttention(name="attention")(x, bias))
            x = LayerNorm(name="ln_attn")(a + x)
            h = Dense(c["inter"], name="intermediate")(x)
            h = 0.5 * h * (1.0 + lax.erf(h / jnp.sqrt(2.0)))  # exact GELU, as HF's "gelu"
            return LayerNorm(name="ln_out")(Dense(x.shape[-1], name="output")(h) + x)

    class Bert(nn.Module):
        @nn.compact
        def __call__(self, ids, mask):
            d = c["hidden"]
            words = self.param("word_embeddings", init, (c["vocab"], d))
            pos = self.param("position_embeddings", init, (c["seq"], d))
            types = self.param("token_type_embeddings", init, (2, d))
            x = words[ids] + pos[None, : ids.shape[1]] + types[0]
            x = LayerNorm(name="ln_emb")(x)
            # HF: the padding mask as an additive bias over the keys
            bias = jnp.where(mask[:, None, None, :] > 0, 0.0, jnp.finfo(jnp.float32).min)
            for i in range(c["layers"]):
                x = Layer(name=f"layer_{i}")(x, bias)
            return x

    return Bert()


def _build_bert():
    import jax
    import jax.numpy as jnp

    c = BERT
    module = bert_linen()
    ids0 = jnp.zeros((1, c["seq"]), jnp.int32)
    variables = module.init(jax.random.PRNGKey(0), ids0, jnp.ones_like(ids0))

    def bert(ids, mask):
        return module.apply(variables, ids, mask)

    def make_inputs(b, seed=0):
        rng = np.random.default_rng(seed)
        ids = rng.integers(0, c["vocab"], (b, c["seq"])).astype(np.int32)
        mask = np.ones((b, c["seq"]), np.int32)
        mask[:, c["seq"] - 16:] = 0  # some padding
        return [ids, mask]

    spec = jax.ShapeDtypeStruct((_sym("B"), c["seq"]), jnp.int32)
    return bert, [spec, spec], make_inputs


# ---------------------------------------------------------------------------- GRU
def _build_gru():
    """``nnx.RNN(nnx.GRUCell)`` over 50 steps (16 features in, hidden 32), a Linear head."""
    import jax.numpy as jnp
    from flax import nnx

    t, d_in, hidden = 50, 16, 32

    class GRUSeq(nnx.Module):
        def __init__(self, *, rngs):
            self.rnn = nnx.RNN(nnx.GRUCell(d_in, hidden, rngs=rngs))
            self.head = nnx.Linear(hidden, 4, rngs=rngs)

        def __call__(self, x):
            h0 = jnp.zeros((x.shape[0], hidden), x.dtype)
            return self.head(self.rnn(x, initial_carry=h0))

    model = GRUSeq(rngs=nnx.Rngs(0))

    def make_inputs(b, seed=0):
        return [np.random.default_rng(seed).standard_normal((b, t, d_in)).astype(np.float32)]

    return model, [("B", t, d_in)], make_inputs


MODELS: dict[str, ModelEntry] = {
    e.name: e
    for e in [
        ModelEntry("mlp", _build_mlp, "README MLP (30→20→10, BatchNorm, Dropout, gelu)"),
        ModelEntry("cnn", _build_cnn, "small CNN, 32×32×3, 2 conv + pool, linear head"),
        ModelEntry("vit_s16", _build_vit, "ViT-S/16-like, 224×224×3, d=384, 12 blocks, 6 heads"),
        ModelEntry("gpt2", _build_gpt2, "GPT-2-small-like, 12 layers, d=768, 12 heads, vocab 50257, ctx 128"),
        ModelEntry("bert", _build_bert, "BERT encoder in plain Linen, 2 layers, d=256, 4 heads, seq 128"),
        ModelEntry("physics", _build_physics, "scan of 50 steps on a 64×64 grid: fori_loop, cond, while_loop per step"),
        ModelEntry("particles", _build_particles, "lax.scan stepper, 64 steps, 32 particles, learned force"),
        ModelEntry("gru", _build_gru, "nnx.RNN(GRUCell) over 50 steps, 16 → 32 hidden, Linear head"),
    ]
}
