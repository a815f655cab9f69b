"""The loop optimizer (converter2/loops.py, converter2/loop_rnn.py): structure and numbers.

Each test converts with the optimizer's knob at two settings (``JAX2ONNX_LOOP_UNROLL``)
or compares against what the rule removes, and checks the ORT result against JAX.
"""

from __future__ import annotations

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from jax import lax

from jax2onnx import flags, to_onnx


def _nodes(graph, depth=0):
    for n in graph.node:
        yield depth, n
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from _nodes(a.g, depth + 1)


def _count(model, op, depth=None):
    return sum(1 for d, n in _nodes(model.graph) if n.op_type == op and (depth is None or d == depth))


def _run(model, *xs):
    onnx.checker.check_model(model, full_check=True)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs)})


def _close(model, fn, *xs, tol=1e-5):
    got = _run(model, *xs)
    want = jax.tree_util.tree_leaves(fn(*[jnp.asarray(x) for x in xs]))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=tol, atol=tol)


def _scan8(c, xs):
    return lax.scan(lambda c, x: (jnp.tanh(c * x) + 0.5, c - x), c, xs)


RNG = np.random.default_rng(0)
C = RNG.standard_normal((2, 3)).astype(np.float32)
XS = RNG.standard_normal((8, 2, 3)).astype(np.float32)


def test_budget_decides_unrolling(monkeypatch):
    """8 steps × 4 body nodes: kept at budget 0 and 31, unrolled at 32 (and by default)."""
    for budget, scans in (("0", 1), ("31", 1), ("32", 0), (None, 0)):
        if budget is None:
            monkeypatch.delenv("JAX2ONNX_LOOP_UNROLL", raising=False)
        else:
            monkeypatch.setenv("JAX2ONNX_LOOP_UNROLL", budget)
        model = to_onnx(_scan8, [(2, 3), (8, 2, 3)])
        assert _count(model, "Scan") == scans, budget
        assert _count(model, "Gather") == 0  # sliced by Scan, or pre-split when unrolled
        _close(model, _scan8, C, XS)


def test_symbolic_length_keeps_scan():
    model = to_onnx(_scan8, [(2, 3), ("T", 2, 3)])
    assert _count(model, "Scan", depth=0) == 1
    _close(model, _scan8, C, XS)
    _close(model, _scan8, C, XS[:3])


def test_budget_flag_rejects_garbage(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_LOOP_UNROLL", "lots")
    with pytest.raises(ValueError, match="JAX2ONNX_LOOP_UNROLL"):
        flags.loop_unroll_budget()


def test_invariant_moves_out_of_while_and_scan():
    """cos(y) sits in a while body inside a scan body; it ends up in the main graph once."""

    def f(y, c, xs):
        def step(c, x):
            v = lax.while_loop(lambda v: jnp.max(jnp.abs(v)) > 1.0, lambda v: v * 0.5 * jnp.cos(y), c + x)
            return v, v.sum()

        return lax.scan(step, c, xs)

    y = RNG.standard_normal(3).astype(np.float32)
    model = to_onnx(f, [(3,), (2, 3), ("T", 2, 3)])
    assert _count(model, "Cos", depth=0) == 1 and _count(model, "Cos") == 1
    assert _count(model, "Loop", depth=1) == 1
    _close(model, f, y, C * 3, XS * 3)


def test_nest_flattened(monkeypatch):
    """fori(6) of fori(40): two Scans become one (flattening does not depend on the budget)."""

    def f(x):
        return lax.fori_loop(0, 6, lambda i, c: lax.fori_loop(0, 40, lambda j, d: jnp.sin(d) * 0.9 + 0.1, c), x)

    monkeypatch.setenv("JAX2ONNX_LOOP_UNROLL", "0")
    model = to_onnx(f, [(2, 3)])
    assert _count(model, "Scan") == 1
    scan = next(n for n in model.graph.node if n.op_type == "Scan")
    steps = next(i for i in model.graph.initializer if i.name == scan.input[-1])
    assert list(steps.dims) == [240]
    _close(model, f, C)


def test_unused_counter_dropped(monkeypatch):
    """A static fori_loop's counter is loop state nobody reads: the Scan carries x only."""
    monkeypatch.setenv("JAX2ONNX_LOOP_UNROLL", "0")

    def f(x):
        return lax.fori_loop(0, 5, lambda i, c: c * 0.5 + 1.0, x)

    model = to_onnx(f, [(2, 3)])
    (scan,) = [n for n in model.graph.node if n.op_type == "Scan"]
    assert len(scan.input) == 2 and len(scan.output) == 1
    _close(model, f, C)


def test_gru_cell_becomes_gru_op():
    from flax import nnx

    class Seq(nnx.Module):
        def __init__(self, rngs):
            self.rnn = nnx.RNN(nnx.GRUCell(4, 6, rngs=rngs))

        def __call__(self, x):
            return self.rnn(x, initial_carry=jnp.zeros((x.shape[0], 6), x.dtype))

    model = Seq(nnx.Rngs(0))
    onnx_model = to_onnx(model, [("B", "T", 4)])
    assert _count(onnx_model, "GRU") == 1 and _count(onnx_model, "Scan") == 0
    x = RNG.standard_normal((3, 11, 4)).astype(np.float32)
    graphdef, state = nnx.split(model)
    _close(onnx_model, lambda x: nnx.merge(graphdef, state)(x), x, tol=1e-5)


def test_no_loop_no_cost():
    """A model without Loop/Scan never imports the loop optimizer (its early exit is free)."""
    code = ("import sys, jax.numpy as jnp; from jax2onnx import to_onnx; "
            "to_onnx(lambda x: jnp.tanh(x) * 2.0, [('B', 3)]); "
            "print('jax2onnx.converter2.loops' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
