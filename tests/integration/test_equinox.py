"""Equinox: per-example modules under ``jax.vmap``, as Equinox users batch them.

``eqx.nn.MultiheadAttention`` with a causal mask, an ``eqx.nn.GRUCell`` driven
by ``lax.scan``, and a conv stack (``Conv2d``/``MaxPool2d``/``AvgPool2d``) —
each converted as ``jax.vmap(module)`` with a symbolic batch. Checked by
:func:`._check.check` at B=1 and B=3. CI runs the attention; the rest are ``slow``.
"""

from __future__ import annotations

import numpy as np
import pytest

eqx = pytest.importorskip("equinox", reason="equinox is not installed")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from ._check import check, convert, randn, spec  # noqa: E402

LIB = "equinox"


def _run(record_property, name, fn, shape, **kw):
    def make(b):
        return [randn(np.random.default_rng(b), b, *shape[1:])]

    model, secs = convert(fn, [spec(shape)])
    return check(record_property, LIB, name, model, fn, make, seconds=secs, **kw)


def test_multihead_attention_masked(record_property):
    """eqx.nn.MultiheadAttention(4 heads, 16 features), self-attention with a causal boolean mask."""
    att = eqx.nn.MultiheadAttention(num_heads=4, query_size=16, key=jax.random.PRNGKey(0))
    mask = jnp.tril(jnp.ones((6, 6), bool))
    fn = jax.vmap(lambda x: att(x, x, x, mask=mask))
    _run(record_property, "MultiheadAttention, causal mask", fn, ("B", 6, 16))


@pytest.mark.slow
def test_gru_cell_under_scan(record_property):
    """eqx.nn.GRUCell(8 → 16) stepped by lax.scan over 6 time steps; all hidden states returned."""
    cell = eqx.nn.GRUCell(8, 16, key=jax.random.PRNGKey(0))

    def sequence(xs):
        def step(h, x):
            h = cell(x, h)
            return h, h
        return jax.lax.scan(step, jnp.zeros(16, xs.dtype), xs)[1]

    _run(record_property, "GRUCell under lax.scan", jax.vmap(sequence), ("B", 6, 8))


@pytest.mark.slow
def test_conv_stack(record_property):
    """Conv2d(pad 1) → relu → MaxPool2d(2) → Conv2d(stride 2) → relu → AvgPool2d(2, stride 1)."""
    k = jax.random.split(jax.random.PRNGKey(0), 2)
    net = eqx.nn.Sequential([
        eqx.nn.Conv2d(3, 8, 3, padding=1, key=k[0]), eqx.nn.Lambda(jax.nn.relu), eqx.nn.MaxPool2d(2, 2),
        eqx.nn.Conv2d(8, 16, 3, stride=2, key=k[1]), eqx.nn.Lambda(jax.nn.relu), eqx.nn.AvgPool2d(2, 1),
    ])
    _run(record_property, "conv stack (Conv2d/MaxPool2d/AvgPool2d)", jax.vmap(net), ("B", 3, 16, 16))
