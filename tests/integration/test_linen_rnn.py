"""Flax Linen recurrent layers: ``nn.RNN(nn.LSTMCell)``, ``nn.RNN(nn.GRUCell)``, ``nn.Bidirectional``.

Converted as ``lambda x: module.apply(variables, x)`` on batch-major sequences
``("B", T, F)``. ``nn.RNN`` without ``initial_carry`` (as Flax's docs write it)
builds its carry from a fixed ``random.key(0)`` that the zero carry
initializers never read, so its jaxpr holds a dead
``random_seed``/``random_split``; the same layers with an explicit
``initial_carry`` have no random ops at all. Both are tested.
CI runs the default-carry LSTM; the rest are ``slow``.
"""

from __future__ import annotations

import numpy as np
import pytest

import flax.linen as nn
import jax
import jax.numpy as jnp

from ._check import check, convert, randn, spec

LIB = "flax.linen"
SEQ, FEAT, HID = 6, 8, 16

def _make(b):
    return [randn(np.random.default_rng(b), b, SEQ, FEAT)]


def _run(record_property, name, fn, fused=()):
    model, secs = convert(fn, [spec(("B", SEQ, FEAT))])
    return check(record_property, LIB, name, model, fn, _make, seconds=secs, fused=fused)


def _cells():
    return {"LSTM": lambda: nn.LSTMCell(HID), "GRU": lambda: nn.GRUCell(HID)}


def _carry(kind, x):
    zeros = jnp.zeros((x.shape[0], HID), x.dtype)
    return (zeros, zeros) if kind == "LSTM" else zeros


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_rnn_explicit_carry(record_property, kind):
    """nn.RNN(cell) with initial_carry=zeros of shape (B, hidden): a lax.scan over time."""
    rnn = nn.RNN(_cells()[kind]())
    x0 = np.zeros((1, SEQ, FEAT), np.float32)
    v = rnn.init(jax.random.PRNGKey(0), x0, initial_carry=_carry(kind, x0))
    fn = lambda x: rnn.apply(v, x, initial_carry=_carry(kind, x))  # noqa: E731
    _run(record_property, f"RNN({kind}Cell), explicit carry", fn, fused=("GRU",) if kind == "GRU" else ())


@pytest.mark.parametrize("kind", ["LSTM", pytest.param("GRU", marks=pytest.mark.slow)])
def test_rnn_default_carry(record_property, kind):
    """nn.RNN(cell) as written in Flax's docs: the carry is built inside (from a dead key)."""
    rnn = nn.RNN(_cells()[kind]())
    v = rnn.init(jax.random.PRNGKey(0), np.zeros((1, SEQ, FEAT), np.float32))
    _run(record_property, f"RNN({kind}Cell)", lambda x: rnn.apply(v, x), fused=("GRU",) if kind == "GRU" else ())


class _BiExplicit(nn.Module):
    """nn.Bidirectional(LSTM forward, GRU backward) fed explicit zero carries."""

    @nn.compact
    def __call__(self, x):
        bi = nn.Bidirectional(nn.RNN(nn.LSTMCell(HID)), nn.RNN(nn.GRUCell(HID)))
        return bi(x, initial_carry=(_carry("LSTM", x), _carry("GRU", x)))


@pytest.mark.slow
def test_bidirectional_explicit_carry(record_property):
    """nn.Bidirectional: forward LSTM scan + reversed GRU scan, outputs concatenated."""
    m = _BiExplicit()
    v = m.init(jax.random.PRNGKey(0), np.zeros((1, SEQ, FEAT), np.float32))
    _run(record_property, "Bidirectional(LSTM, GRU), explicit carry", lambda x: m.apply(v, x))


@pytest.mark.slow
def test_bidirectional_default_carry(record_property):
    """nn.Bidirectional(nn.RNN(LSTMCell), nn.RNN(GRUCell)) as in Flax's docs."""
    m = nn.Bidirectional(nn.RNN(nn.LSTMCell(HID)), nn.RNN(nn.GRUCell(HID)))
    v = m.init(jax.random.PRNGKey(0), np.zeros((1, SEQ, FEAT), np.float32))
    _run(record_property, "Bidirectional(LSTM, GRU)", lambda x: m.apply(v, x))
