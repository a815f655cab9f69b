"""Catalog: the loop optimizer (``converter2/loops.py``, ``converter2/loop_rnn.py``).

Each case checks the structural effect on the onnx_ir graph (``check=``) besides the
numbers: small static scans unrolled (no ``Scan`` left, scan inputs pre-split), a
symbolic or long scan kept, a ``fori_loop`` nest flattened into one ``Scan``,
invariant work moved out of ``Scan``/``Loop`` bodies (also two levels out), per-step
work on a stacked output sunk after the loop, an unused
loop counter dropped, GRU cells scanned over a sequence turned into one ``GRU``.
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import LEGACY_FROZEN, testcase

F = "loop_optimization"


# ---- structure helpers (ModelProto) ----------------------------------------------------------
def _subgraphs(node):
    import onnx

    for a in node.attribute:
        if a.type == onnx.AttributeProto.GRAPH:
            yield a.g
        elif a.type == onnx.AttributeProto.GRAPHS:
            yield from a.graphs


def _nodes(graph, depth=0):
    """(depth, node) for every node; depth 0 is the main graph."""
    for n in graph.node:
        yield depth, n
        for g in _subgraphs(n):
            yield from _nodes(g, depth + 1)


def _ops(model, depth=None):
    return [n.op_type for d, n in _nodes(model.graph) if depth is None or d == depth]


def _no_loops(model):
    ops = _ops(model)
    assert "Scan" not in ops and "Loop" not in ops, f"a static scan within the budget is unrolled: {ops}"


def _scan_kept(model):
    assert "Scan" in _ops(model, 0), f"a scan with a symbolic or long length keeps its Scan: {_ops(model)}"


def _only_main(*op_types):
    def check(model):
        for op in op_types:
            assert op in _ops(model, 0), f"{op} hoisted into the main graph: {_ops(model, 0)}"
            inner = [n.op_type for d, n in _nodes(model.graph) if d > 0]
            assert op not in inner, f"{op} left in a loop body: {inner}"
    return check


# ---- unrolling -------------------------------------------------------------------------------
def scan_small(c, xs):
    """4 steps of a 3-node body: unrolled, xs split once instead of gathered per step."""
    return lax.scan(lambda c, x: (jnp.tanh(c * x + 1.0), c - x), c, xs)


def scan_reverse_small(c, xs):
    return lax.scan(lambda c, x: (c * 0.5 + x, jnp.sin(c)), c, xs, reverse=True)


def scan_with_cond(c, xs):
    """A cond inside a small static scan: the If and its branches are copied per step."""

    def body(c, x):
        c = lax.cond(jnp.sum(x) > 0, lambda v: v + x, lambda v: v - x, c)
        return c, c.sum()

    return lax.scan(body, c, xs)


def scan_symbolic(c, xs):
    return lax.scan(lambda c, x: (jnp.tanh(c * x + 1.0), c - x), c, xs)


def scan_long(c):
    """200 steps × a few nodes exceeds the default budget (64 nodes): the Scan stays."""
    return lax.scan(lambda c, _: (c * 0.99 + 0.01, jnp.sum(c)), c, None, length=200)


def _split_not_gather(model):
    _no_loops(model)
    ops = _ops(model)
    assert "Split" in ops and "Gather" not in ops, f"xs pre-split, not gathered: {ops}"


testcase(F, "unroll_static_scan", "lax.scan", fn=scan_small, inputs=[("B", 3), (4, "B", 3)], f64=True,
         check=_split_not_gather, ir_only=LEGACY_FROZEN)
testcase(F, "unroll_reverse_scan", "lax.scan", fn=scan_reverse_small, inputs=[("B", 2), (5, "B", 2)], f64=True,
         check=_no_loops, ir_only=LEGACY_FROZEN)
testcase(F, "unroll_scan_with_cond", "lax.scan", fn=scan_with_cond, inputs=[(3,), (3, 3)], f64=True,
         check=_no_loops, expect_ops=("If",), ir_only=LEGACY_FROZEN)
testcase(F, "symbolic_length_scan_kept", "lax.scan", fn=scan_symbolic, inputs=[("B", 3), ("T", "B", 3)],
         sizes={"T": (2, 6)}, static=False, check=_scan_kept, ir_only=LEGACY_FROZEN)
testcase(F, "long_scan_kept", "lax.scan", fn=scan_long, inputs=[("B", 3)], check=_scan_kept, ir_only=LEGACY_FROZEN)


# ---- dead state and flattening --------------------------------------------------------------------
def fori_long(x):
    """A static fori_loop too long to unroll: its counter (unused by the body) is dropped."""
    return lax.fori_loop(0, 300, lambda i, c: c * 0.99 + 0.01, x)


def _counter_dropped(model):
    scans = [n for _, n in _nodes(model.graph) if n.op_type == "Scan"]
    assert len(scans) == 1 and len(scans[0].input) == 2, \
        f"one state (the carry) and one placeholder scan input: {[list(n.input) for n in scans]}"


def fori_nest(x):
    """fori(8) of fori(30): the inner one too long to unroll (30 × 7 nodes), a perfect
    nest → one Scan of 240 steps."""

    def inner(j, d):
        return jnp.tanh(d * 0.9 + 0.05) * 1.05 + jnp.sin(d) * 0.01

    return lax.fori_loop(0, 8, lambda i, c: lax.fori_loop(0, 30, inner, c), x)


def _flattened(model):
    ops = _ops(model)
    assert ops.count("Scan") == 1 and "Scan" in _ops(model, 0), f"one Scan for the nest: {ops}"


testcase(F, "fori_counter_dropped", "lax.fori_loop", fn=fori_long, inputs=[("B", 3)], f64=True,
         check=_counter_dropped, ir_only=LEGACY_FROZEN)
testcase(F, "nested_fori_flattened", "lax.fori_loop", fn=fori_nest, inputs=[("B", 3)], f64=True,
         check=_flattened, ir_only=LEGACY_FROZEN)


# ---- hoisting ----------------------------------------------------------------------------------
def scan_invariant(y, c, xs):
    """``sin(y)`` (an outer input) is computed once, not once per step."""
    return lax.scan(lambda c, x: (c * jnp.sin(y) + x, c), c, xs)


def while_invariant(y, x):
    """``exp(y)`` is invariant in the while body: it moves in front of the Loop."""
    return lax.while_loop(lambda v: jnp.max(jnp.abs(v)) > 0.1, lambda v: v * 0.5 + jnp.exp(y) * 1e-3, x)


def nested_invariant(y, c, xs):
    """A while_loop inside a symbolic-length scan: ``cos(y)`` leaves both bodies."""

    def step(c, x):
        v = lax.while_loop(lambda v: jnp.max(jnp.abs(v)) > 1.0, lambda v: v * 0.5 * jnp.cos(y), c + x)
        return v, v.sum()

    return lax.scan(step, c, xs)


testcase(F, "scan_invariant_hoisted", "lax.scan", fn=scan_invariant, inputs=[("B", 3), ("B", 3), ("T", "B", 3)],
         static=False, f64=True, check=lambda m: (_scan_kept(m), _only_main("Sin")(m)), ir_only=LEGACY_FROZEN)
testcase(F, "while_invariant_hoisted", "lax.while_loop", fn=while_invariant, inputs=[("B", 3), ("B", 3)],
         f64=True, expect_ops=("Loop",), check=_only_main("Exp"), ir_only=LEGACY_FROZEN)
testcase(F, "nested_invariant_hoisted", "lax.scan", fn=nested_invariant,
         inputs=[(3,), ("B", 3), ("T", "B", 3)], static=False, expect_ops=("Scan", "Loop"),
         check=_only_main("Cos"), ir_only=LEGACY_FROZEN)


def scan_energy(c):
    """``sum(p * p)`` per step only feeds the stacked output: one ReduceSum after the loop."""

    def step(c, _):
        c = jnp.tanh(c * 0.9 + 0.1) * 1.1
        return c, jnp.sum(c * c, axis=-1)

    return lax.scan(step, c, None, length=60)


testcase(F, "stacked_reduction_sunk", "lax.scan", fn=scan_energy, inputs=[("B", 5)], f64=True,
         check=lambda m: (_scan_kept(m), _only_main("ReduceSum")(m)), ir_only=LEGACY_FROZEN)


# ---- GRU cells over a sequence ----------------------------------------------------------------------
def _gru_nnx():
    import jax.numpy as jnp
    from flax import nnx

    class Model(nnx.Module):
        def __init__(self, rngs):
            self.rnn = nnx.RNN(nnx.GRUCell(5, 8, rngs=rngs))

        def __call__(self, x):
            return self.rnn(x, initial_carry=jnp.zeros((x.shape[0], 8), x.dtype))

    return Model(nnx.Rngs(0))


def _gru_linen():
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    cell = nn.GRUCell(features=6)
    params = cell.init(jax.random.key(1), jnp.zeros((1, 6)), jnp.zeros((1, 4)))
    rng = np.random.default_rng(3)
    params = jax.tree_util.tree_map(lambda p: p + 0.2 * rng.standard_normal(p.shape).astype(p.dtype), params)

    def run(xs):  # (T, B, 4): linen's GRUCell scanned by lax.scan
        h0 = jnp.zeros((xs.shape[1], 6), xs.dtype)
        return lax.scan(lambda h, x: cell.apply(params, h, x), h0, xs)

    return run


def _gru_fused(model):
    ops = _ops(model)
    assert "GRU" in ops and "Scan" not in ops and "Loop" not in ops, f"one GRU for the scanned cell: {ops}"


testcase(F, "gru_nnx_rnn", "nnx.RNN", build=_gru_nnx, inputs=[("B", "T", 5)], sizes={"T": (3, 7)},
         rtol=1e-4, atol=1e-5, check=_gru_fused, ir_only=LEGACY_FROZEN)
testcase(F, "gru_linen_cell_scan", "lax.scan", build=_gru_linen, inputs=[("T", "B", 4)], sizes={"T": (2, 5)},
         rtol=1e-4, atol=1e-5, check=_gru_fused, ir_only=LEGACY_FROZEN)
