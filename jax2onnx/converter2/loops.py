"""Loop optimizer: ``Scan``/``Loop`` rewrites after which onnxruntime runs control flow faster.

onnxruntime pays per loop iteration (about 1 µs to run a body once, more for ``Loop``
than for ``Scan``) and per node (0.3–0.6 µs); JAX's jit fuses a loop body into a few
kernels. The rules below cut both without changing a number:

1. **dead state** — a state variable whose final value nobody reads and which feeds
   nothing but its own update is dropped (a static ``fori_loop``'s counter).
2. **hoisting** — a body node whose inputs, and the values its own subgraphs capture,
   all come from outside the body (or from hoisted nodes) moves in front of the loop.
   Random ops stay; so do nodes whose result is a body output. A nested loop's
   invariants move out one level per enclosing loop, innermost first.
   **Sinking**, its mirror image: row-wise work (elementwise ops, reductions over
   non-stacked axes) that only feeds one stacked ``Scan`` output and depends on one
   per-step value ``v`` runs once after the loop on the stacked ``v`` (``sum(p * p)``
   per step → one ``ReduceSum`` over all steps); when ``v`` is also the state, only if
   copying it per step is cheap (≤ 1024 elements).
3. **unrolling** — a ``Scan`` over a static length (``lax.scan``, a static ``fori_loop``)
   becomes copies of its body when
   ``trip count × body nodes`` (nested subgraphs counted) is at most the budget
   (``JAX2ONNX_LOOP_UNROLL``, default :data:`jax2onnx.flags.LOOP_UNROLL_BUDGET`; ``0`` keeps
   every loop). Scan inputs are pre-split once (``Split`` + ``Squeeze``; constants are
   sliced in numpy) instead of gathered per iteration; scan outputs are stacked by one
   ``Concat``. Copies of the same invariant work merge later in CSE.
4. **flattening** — a static ``Scan`` whose body is nothing but another static ``Scan``
   over the same state (a ``fori_loop`` nest, no inputs read per outer step) becomes one
   ``Scan`` over the product of the lengths.

A loop with a symbolic trip count (a ``Scan`` over a symbolic length, a ``while_loop``)
keeps its loop; rules 1 and 2 still apply to it. So does a ``Loop`` with a constant trip
count: those come from the algorithm modules (``plugin2/linalg_*``), whose docstrings
state their node cost as one body per loop. A recurrent cell scanned over a
sequence may instead become one ONNX ``GRU`` (:mod:`jax2onnx.converter2.loop_rnn`).
Every graph of the model is visited (If branches, loop bodies); function bodies
are not (a function cannot read the main graph's initializers these rules create). A model without
``Loop``/``Scan`` never reaches this module (:func:`jax2onnx.converter2.passes.optimize`
checks its op-type set).
"""

from __future__ import annotations

import math

import numpy as np
import onnx_ir as ir

from .. import flags
from .passes import subgraphs

__all__ = ["optimize_loops", "LOOP_OPS"]

#: op types this module rewrites
LOOP_OPS = frozenset({"Loop", "Scan"})

#: ops whose result differs from run to run: never moved out of a loop
_NONDETERMINISTIC = frozenset({"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                               "Multinomial", "Bernoulli"})

#: largest per-step value (static elements) copied to sink work after a loop
_SINK_COPY_MAX_ELEMENTS = 1024

#: largest constant a flattened nest may tile (elements)
_TILE_MAX_ELEMENTS = 1 << 16


# ---------------------------------------------------------------------------- graph helpers
def _count_nodes(graph) -> int:
    return sum(1 + sum(_count_nodes(s) for s in subgraphs(n)) for n in graph)


def _captured(graph, out: set) -> set:
    """Values ``graph`` (nested subgraphs included) reads from enclosing scopes."""
    own = set(graph.inputs) | set(graph.initializers.values())
    for node in graph:
        for v in node.inputs:
            if v is not None and v not in own:
                out.add(v)
        for sub in subgraphs(node):
            out.update(v for v in _captured(sub, set()) if v not in own)
        own.update(node.outputs)
    return out


def _reads(node: ir.Node) -> list:
    """Everything ``node`` depends on: its inputs and what its subgraphs capture."""
    reads = [v for v in node.inputs if v is not None]
    for sub in subgraphs(node):
        reads.extend(_captured(sub, set()))
    return reads


def _ints(node: ir.Node, name: str, default):
    attr = node.attributes.get(name)
    return list(default) if attr is None else [int(v) for v in attr.as_ints()]


def _static_len(value: ir.Value | None) -> int | None:
    shape = value.shape if value is not None else None
    if shape is None or len(shape) == 0:
        return None
    d = shape.dims[0]
    return d if isinstance(d, int) else None


def _const_array(value: ir.Value | None):
    if value is None or not value.is_initializer() or value.const_value is None:
        return None
    return value.const_value.numpy()


class _Builder:
    """Initializers (in the main graph) and typed nodes inserted before one node."""

    def __init__(self, model: ir.Model):
        self.model = model
        self._cache: dict[tuple, ir.Value] = {}

    def const(self, arr, name: str) -> ir.Value:
        arr = np.ascontiguousarray(arr)
        key = (arr.dtype.str, arr.shape, arr.tobytes()) if arr.size <= 64 else None
        if key is not None and key in self._cache:
            return self._cache[key]
        graph = self.model.graph
        while name in graph.initializers:
            name += "_c"
        val = ir.Value(name=name, shape=ir.Shape(arr.shape), type=ir.TensorType(ir.DataType.from_numpy(arr.dtype)),
                       const_value=ir.Tensor(arr, name=name))
        graph.register_initializer(val)
        if key is not None:
            self._cache[key] = val
        return val

    def node(self, before: ir.Node, op: str, inputs, outputs, name: str, **attrs) -> list[ir.Value]:
        """Insert ``op`` before ``before``; ``outputs``: (type, dims) per output."""
        values = [ir.Value(name=f"{name}_out{i}" if len(outputs) > 1 else f"{name}_out", type=t,
                           shape=None if dims is None else ir.Shape(dims)) for i, (t, dims) in enumerate(outputs)]
        ir_attrs = [ir.AttrInt64s(k, v) if isinstance(v, (list, tuple)) else ir.AttrInt64(k, v)
                    for k, v in attrs.items()]
        node = ir.Node("", op, list(inputs), ir_attrs, outputs=values, name=name)
        before.graph.insert_before(before, node)
        return values


def _dims(value: ir.Value):
    return None if value.shape is None else list(value.shape.dims)


def replace_outputs(node: ir.Node, finals, build: _Builder) -> None:
    """Rewire every use of ``node``'s outputs to ``finals`` (graph outputs keep their names)."""
    graph = node.graph
    for old, new in zip(node.outputs, finals):
        if old.is_graph_output():
            own = new.producer() is not None and new.producer().graph is graph
            if own and not new.is_graph_output():
                name = old.name
                old.replace_all_uses_with(new, replace_graph_outputs=True)
                old.name, new.name = None, name
                continue
            (copy,) = build.node(node, "Identity", [new], [(old.type, _dims(old))], f"{old.name}_copy")
            name = old.name
            old.replace_all_uses_with(copy, replace_graph_outputs=True)
            old.name, copy.name = None, name
        elif old.uses():
            old.replace_all_uses_with(new)


def discard(node: ir.Node) -> None:
    """Remove ``node`` and stop its subgraphs' nodes from using outer values (else those
    values would keep stale uses: dead initializers, wrong single-use tests)."""
    for sub in subgraphs(node):
        for inner in list(sub):
            discard_nodes_of(inner)
    node.graph.remove(node, safe=True)


def discard_nodes_of(node: ir.Node) -> None:
    for sub in subgraphs(node):
        for inner in list(sub):
            discard_nodes_of(inner)
    for i in range(len(node.inputs)):
        node.replace_input_with(i, None)


def _rebuild(node: ir.Node, inputs, keep_outputs: list[int], attrs: dict, build: _Builder) -> ir.Node:
    """``node`` again with other inputs, only the outputs ``keep_outputs``, attributes replaced."""
    new_attrs = dict(node.attributes)
    new_attrs.update(attrs)
    outs = [ir.Value(name=node.outputs[k].name, type=node.outputs[k].type, shape=node.outputs[k].shape)
            for k in keep_outputs]
    for k in keep_outputs:
        node.outputs[k].name = None
    new = ir.Node(node.domain, node.op_type, list(inputs), list(new_attrs.values()), outputs=outs,
                  name=node.name, metadata_props=dict(node.metadata_props))
    node.graph.insert_before(node, new)
    for k, out in zip(keep_outputs, outs):
        old = node.outputs[k]
        if old.is_graph_output() or old.uses():
            name = out.name
            old.replace_all_uses_with(out, replace_graph_outputs=True)
            out.name = name
    node.graph.remove(node, safe=True)
    return new


# ---------------------------------------------------------------------------- loop views
class _Loop:
    """Where state, per-step inputs and stacked outputs sit in a ``Scan`` or ``Loop``.

    ``state``: (node input, body input, body output, node output) per state variable;
    ``steps``: node inputs sliced per step (Scan) with their body inputs and directions;
    ``stacked``: (body output, node output, direction) per scan output.
    """

    def __init__(self, node: ir.Node):
        self.node = node
        self.body = node.attributes["body"].as_graph()
        body, ins, outs = self.body, list(node.inputs), list(node.outputs)
        if node.op_type == "Scan":
            m = node.attributes["num_scan_inputs"].as_int()
            n = len(ins) - m
            self.first_state_in, self.first_state_body = 0, 0
            self.steps = list(zip(ins[n:], body.inputs[n:], _ints(node, "scan_input_directions", [0] * m)))
            k = len(outs) - n
            self.stacked = list(zip(body.outputs[n:], outs[n:], _ints(node, "scan_output_directions", [0] * k)))
            self.axes_ok = (not any(_ints(node, "scan_input_axes", [0] * m))
                            and not any(_ints(node, "scan_output_axes", [0] * k)))
            self.state = list(zip(ins[:n], body.inputs[:n], body.outputs[:n], outs[:n]))
        else:
            n = len(ins) - 2
            self.first_state_in, self.first_state_body = 2, 2
            self.steps = []
            self.stacked = [(b, o, 0) for b, o in zip(body.outputs[1 + n:], outs[n:])]
            self.axes_ok = True
            self.state = list(zip(ins[2:], body.inputs[2:], body.outputs[1:1 + n], outs[:n]))

    def trip_count(self) -> int | None:
        """The static number of steps of a ``Scan`` (None: symbolic, or a ``Loop``)."""
        if self.node.op_type != "Scan":
            return None
        lens = {_static_len(x) for x, _, _ in self.steps}
        return lens.pop() if len(lens) == 1 and None not in lens else None


# ---------------------------------------------------------------------------- 1. dead state
def _drop_dead_state(loop: _Loop, build: _Builder) -> tuple[_Loop, bool]:
    """Remove state variables that only feed their own update and whose result is unused."""
    body = loop.body
    dead = []
    for k, (_, b_in, b_out, out) in enumerate(loop.state):
        if out.uses() or out.is_graph_output():
            continue
        reach, frontier = set(), [b_in]
        values = {b_in}
        while frontier:  # every node that (transitively) reads this state variable
            v = frontier.pop()
            for user, _ in v.uses():
                top = user
                while top is not None and top.graph is not body:  # a use inside a nested subgraph
                    top = _owner(top.graph, body)
                if top is None or top in reach:
                    continue
                reach.add(top)
                values.update(top.outputs)
                frontier.extend(top.outputs)
        other_outputs = [o for o in body.outputs if o is not b_out]
        if any(o in values for o in other_outputs):
            continue
        dead.append(k)
    if not dead:
        return loop, False
    node = loop.node
    keep = [k for k in range(len(loop.state)) if k not in dead]
    n = len(loop.state)
    fi = loop.first_state_in
    inputs = list(node.inputs[:fi]) + [loop.state[k][0] for k in keep] + list(node.inputs[fi + n:])
    n_out_extra = len(node.outputs) - n
    keep_outputs = keep + list(range(n, n + n_out_extra))
    fb, fo = loop.first_state_body, 1 if node.op_type == "Loop" else 0
    for k in sorted(dead, reverse=True):
        del body.outputs[fo + k]
        del body.inputs[fb + k]
    new = _rebuild(node, inputs, keep_outputs, {}, build)
    _remove_dead_nodes(body)  # the dropped updates (they read only removed inputs now)
    return _Loop(new), True


def _owner(graph, stop) -> ir.Node | None:
    """The node whose attribute holds ``graph`` (searching ``stop`` and its subgraphs)."""
    for node in stop:
        for sub in subgraphs(node):
            if sub is graph:
                return node
            found = _owner(graph, sub)
            if found is not None:
                return node
    return None


def _remove_dead_nodes(graph) -> None:
    outputs = set(graph.outputs)
    for node in reversed(list(graph)):
        if not any(o in outputs or o.uses() for o in node.outputs):
            graph.remove(node, safe=True)


# ---------------------------------------------------------------------------- 2. hoisting
def _hoist(loop: _Loop, pure_domains) -> bool:
    """Move loop-invariant body nodes in front of the loop, in their order."""
    body = loop.body
    inside = set(body.inputs)
    outputs = set(body.outputs)
    moved = []
    for node in body:
        if (node.op_type in _NONDETERMINISTIC or node.domain not in pure_domains
                or any(o in outputs for o in node.outputs)
                or any(v in inside for v in _reads(node))):
            inside.update(node.outputs)
            continue
        moved.append(node)
    if not moved:
        return False
    body.remove(moved)
    loop.node.graph.insert_before(loop.node, moved)
    return True


# ---------------------------------------------------------------------------- 2b. sinking
#: ops that compute each stacked row on its own (constants broadcast from the right)
_ROWWISE = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Neg", "Abs", "Exp", "Log", "Sqrt",
                      "Tanh", "Sigmoid", "Relu", "Cast", "Sin", "Cos", "Erf", "Reciprocal", "Not", "And", "Or",
                      "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "IsNaN", "Where"})
_REDUCE = frozenset({"ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceSumSquare",
                     "ReduceL1", "ReduceL2"})


def _rank(v: ir.Value):
    return None if v.shape is None else len(v.shape)


def _sinkable(node: ir.Node, body) -> bool:
    if node.graph is not body or node.domain != "" or len(node.outputs) != 1:
        return False
    if node.op_type in _REDUCE:
        axes = node.inputs[1] if len(node.inputs) > 1 else None
        return (_const_array(axes) is not None or node.attributes.get("axes") is not None) \
            and not (node.attributes.get("noop_with_empty_axes") and node.attributes["noop_with_empty_axes"].value)
    if node.op_type not in _ROWWISE:
        return False
    out_rank = _rank(node.outputs[0])
    # a constant may not add leading axes (it would broadcast across the stacked axis)
    return out_rank is not None and all(_const_array(v) is None or v.const_value.numpy().ndim <= out_rank
                                        for v in node.inputs if v is not None)


def _sink(loop: _Loop, build: _Builder) -> bool:
    """Per-step work that only feeds one stacked output (``sum(p * p)`` per step) runs once
    after the loop on the stacked input of that work (a reduction's axes shift by one)."""
    body, node = loop.body, loop.node
    if node.op_type != "Scan":
        return False
    changed = False
    for j, (y, out, _) in enumerate(loop.stacked):
        if not out.uses() and not out.is_graph_output():
            continue
        if sum(1 for o in body.outputs if o is y) != 1:
            continue
        cone, frontier = [], {y}
        grown = True
        while grown:
            grown = False
            for v in list(frontier):
                p = v.producer()
                if p is None or not _sinkable(p, body) or (v is not y and v.is_graph_output()):
                    continue
                if any(user not in cone for user, _ in v.uses()):
                    continue
                cone.append(p)
                frontier.discard(v)
                frontier.update(i for i in p.inputs if i is not None and _const_array(i) is None)
                grown = True
        if len(frontier) != 1 or not cone:
            continue
        (f,) = frontier
        if f.producer() is None or f.producer().graph is not body or f.shape is None:
            continue  # a body input or an outer value: nothing per step to save
        needs_copy = f.is_graph_output()
        per_row = math.prod(d for d in f.shape.dims if isinstance(d, int))
        if needs_copy and (len(cone) < 2 or per_row > _SINK_COPY_MAX_ELEMENTS):
            continue  # a copy per step (the value is also the state) must stay cheap
        src = f
        if needs_copy:
            (src,) = build.node(next(iter(cone[::-1])), "Identity", [f], [(f.type, _dims(f))], f"{f.name}_stacked")
        k = list(body.outputs).index(y)
        body.outputs[k] = src
        steps = out.shape.dims[0] if out.shape is not None else None
        stacked = ir.Value(type=f.type, shape=ir.Shape([steps, *f.shape.dims]))  # stands for ``out``
        mapping = {f: stacked}
        after = []
        for p in reversed(cone):  # producers first
            inputs = [mapping.get(v, v) for v in p.inputs]
            attrs = dict(p.attributes)
            if p.op_type in _REDUCE:
                if len(p.inputs) > 1 and p.inputs[1] is not None:
                    axes = _const_array(p.inputs[1]).reshape(-1)
                    inputs[1] = build.const(np.where(axes >= 0, axes + 1, axes).astype(np.int64), "axes_sunk")
                else:
                    axes = [int(a) for a in p.attributes["axes"].as_ints()]
                    attrs["axes"] = ir.AttrInt64s("axes", [a + 1 if a >= 0 else a for a in axes])
            o = p.outputs[0]
            new_out = ir.Value(name=f"{o.name}_rows", type=o.type,
                               shape=None if o.shape is None else ir.Shape([steps, *o.shape.dims]))
            after.append(ir.Node("", p.op_type, inputs, list(attrs.values()), outputs=[new_out], name=f"{p.name}_rows"))
            mapping[o] = new_out
        final = mapping[y]
        out.replace_all_uses_with(final, replace_graph_outputs=True)
        if out.is_graph_output() or final.is_graph_output():
            name = out.name
            out.name, final.name = f"{name}_rows_in", name
        node.outputs[len(loop.state) + j].type = stacked.type
        node.outputs[len(loop.state) + j].shape = stacked.shape
        node.graph.insert_after(node, after)
        for n_ in after:  # the Scan output (now the stacked frontier) feeds the sunk nodes
            for i, v in enumerate(n_.inputs):
                if v is stacked:
                    n_.replace_input_with(i, out)
        _remove_dead_nodes(body)
        changed = True
    return changed


# ---------------------------------------------------------------------------- 3. unrolling
def _inline_copy(body, node: ir.Node, bound: list, suffix: str) -> list:
    """A copy of ``body`` inserted before ``node``, its inputs bound to ``bound`` (None:
    an input the body does not read); returns the copy's outputs.

    A flat body is copied node by node (attributes, types and shapes copied, tensors
    shared); one holding subgraphs goes through onnx_ir's cloner, which also rebinds
    what the nested graphs read (about 20x the cost per node)."""
    if any(subgraphs(n) for n in body):
        return _inline_clone(body, node, bound, suffix)
    env = {inp: val for inp, val in zip(body.inputs, bound) if val is not None}
    copies = []
    for n in body:
        attrs = [ir.Attr(a.name, a.type, a.value, ref_attr_name=a.ref_attr_name, doc_string=a.doc_string)
                 for a in n.attributes.values()]
        c = ir.Node(n.domain, n.op_type, [None if v is None else env.get(v, v) for v in n.inputs],
                    attributes=attrs, num_outputs=len(n.outputs), overload=n.overload, version=n.version,
                    name=f"{n.name}{suffix}" if n.name else None,
                    metadata_props=dict(n.metadata_props) or None)
        for o, co in zip(n.outputs, c.outputs):
            co.name = f"{o.name}{suffix}" if o.name else None
            co.type = ir.TensorType(o.type.dtype) if isinstance(o.type, ir.TensorType) else o.type
            co.shape = None if o.shape is None else o.shape.copy()
            env[o] = co
        copies.append(c)
    node.graph.insert_before(node, copies)
    return [env.get(o, o) for o in body.outputs]


def _inline_clone(body, node: ir.Node, bound: list, suffix: str) -> list:
    copy = body.clone(allow_outer_scope_values=True)
    subst = {}
    for inp, val in zip(copy.inputs, bound):
        if val is None:
            continue
        subst[inp] = val
        inp.replace_all_uses_with(val)
    outs = [subst.get(o, o) for o in copy.outputs]
    nodes = list(copy)
    copy.outputs.clear()
    copy.inputs.clear()
    copy.remove(nodes)
    for n in nodes:
        n.name = f"{n.name}{suffix}" if n.name else None
        for o in n.outputs:
            o.name = f"{o.name}{suffix}" if o.name else None
    node.graph.insert_before(node, nodes)
    return outs


def _pieces(loop: _Loop, length: int, build: _Builder) -> list:
    """Per scan input: its ``length`` slices in step order (None when the body ignores it)."""
    node, result = loop.node, []
    for j, (x, b_in, direction) in enumerate(loop.steps):
        if not b_in.uses():
            result.append(None)
            continue
        arr = _const_array(x)
        if arr is not None:
            pieces = [build.const(arr[i], f"{x.name}_{i}") for i in range(length)]
        else:
            rest = _dims(x)[1:] if x.shape is not None else None
            axes0 = build.const(np.array([0], dtype=np.int64), "axes_0")
            if length == 1:
                parts = [x]
            else:
                sizes = build.const(np.ones(length, dtype=np.int64), f"ones_{length}")
                parts = build.node(node, "Split", [x, sizes], [(x.type, None if rest is None else [1, *rest])] * length,
                                   f"{node.name}_split{j}", axis=0)
            pieces = [build.node(node, "Squeeze", [p, axes0], [(x.type, rest)], f"{node.name}_x{j}_{i}")[0]
                      for i, p in enumerate(parts)]
        result.append(pieces[::-1] if direction else pieces)
    return result


def _stack(node: ir.Node, values: list, build: _Builder, name: str) -> ir.Value:
    axes0 = build.const(np.array([0], dtype=np.int64), "axes_0")
    rows = []
    for i, v in enumerate(values):
        dims = _dims(v)
        rows.append(build.node(node, "Unsqueeze", [v, axes0], [(v.type, None if dims is None else [1, *dims])],
                               f"{name}_row{i}")[0])
    if len(rows) == 1:
        return rows[0]
    dims = _dims(values[0])
    return build.node(node, "Concat", rows, [(values[0].type, None if dims is None else [len(rows), *dims])],
                      f"{name}_stack", axis=0)[0]


def _unroll(loop: _Loop, length: int, build: _Builder) -> None:
    node = loop.node
    states = [s[0] for s in loop.state]
    pieces = _pieces(loop, length, build)
    stacked = [[] for _ in loop.stacked]
    n = len(states)
    for i in range(length):
        bound = states + [p[i] if p is not None else None for p in pieces]
        outs = _inline_copy(loop.body, node, bound, f"_u{i}")
        states = outs[:n]
        for j, y in enumerate(outs[n:]):
            stacked[j].append(y)
    finals = states + [_stack(node, ys[::-1] if d else ys, build, f"{node.name}_y{j}")
                       for j, (ys, (_, _, d)) in enumerate(zip(stacked, loop.stacked))]
    replace_outputs(node, finals, build)
    discard(node)


# ---------------------------------------------------------------------------- 4. flattening
def _flatten(loop: _Loop, outer_len: int, build: _Builder) -> ir.Node | None:
    """``Scan_M1(s){ Scan_M2(s){body} }`` → ``Scan_{M1·M2}(s){body}`` (a perfect static nest);
    returns the new Scan, or None when the nest is not perfect."""
    body = loop.body
    if loop.node.op_type != "Scan" or loop.stacked or len(body) != 1:
        return None
    inner_node = next(iter(body))
    if inner_node.op_type != "Scan" or inner_node.domain != "" or any(b.uses() for _, b, _ in loop.steps):
        return None
    inner = _Loop(inner_node)
    inner_len = inner.trip_count()
    if inner_len is None or inner.stacked or not inner.axes_ok or len(inner.state) != len(loop.state):
        return None
    for (_, b_in, b_out, _), (i_in, _, _, i_out) in zip(loop.state, inner.state):
        if i_in is not b_in or i_out is not b_out:
            return None
    if set(body.inputs) & _captured(inner.body, set()):
        return None  # the inner body reads the outer step's values
    xs = []
    for x, b_in, direction in inner.steps:
        if not b_in.uses():
            xs.append(None)
            continue
        arr = _const_array(x)
        if arr is None or arr.size * outer_len > _TILE_MAX_ELEMENTS:
            return None
        xs.append(build.const(np.concatenate([arr[::-1] if direction else arr] * outer_len), f"{x.name}_tiled"))
    total = outer_len * inner_len
    flag = build.const(np.zeros(total, dtype=np.bool_), f"steps_{total}")
    xs = [flag if x is None else x for x in xs]
    node = loop.node
    inputs = [s[0] for s in loop.state] + xs
    attrs = {"num_scan_inputs": ir.AttrInt64("num_scan_inputs", len(xs)),
             "scan_input_directions": ir.AttrInt64s("scan_input_directions", [0] * len(xs))}
    body.remove(inner_node)  # its body moves to the new node; its inputs are let go
    for i in range(len(inner_node.inputs)):
        inner_node.replace_input_with(i, None)
    new = _rebuild(node, inputs, list(range(len(loop.state))), {}, build)
    new.attributes["body"] = ir.AttrGraph("body", inner.body)
    new.attributes.update(attrs)
    return new


# ---------------------------------------------------------------------------- driver
def _optimize(model, node: ir.Node, build: _Builder, budget: int, pure_domains) -> bool:
    loop = _Loop(node)
    if not loop.axes_ok:
        return False
    loop, changed = _drop_dead_state(loop, build)
    changed |= _hoist(loop, pure_domains)
    changed |= _sink(loop, build)
    if loop.node.op_type == "Scan":
        from .loop_rnn import fuse_rnn  # only models with a Scan pay for the import

        if fuse_rnn(loop, build):
            return True
    length = loop.trip_count()
    if length is None:
        return changed
    flat = _flatten(loop, length, build)  # before unrolling: one Scan beats copies of a Scan
    if flat is not None:
        loop, length, changed = _Loop(flat), _Loop(flat).trip_count(), True
    if 1 <= length and length * max(1, _count_nodes(loop.body)) <= budget:
        _unroll(loop, length, build)
        return True
    return changed


def _visit(model, graph, build: _Builder, budget: int, pure_domains) -> bool:
    changed = False
    for node in list(graph):
        if node.graph is not graph:  # removed or moved by an earlier rewrite
            continue
        for sub in list(subgraphs(node)):
            changed |= _visit(model, sub, build, budget, pure_domains)
        if node.op_type in LOOP_OPS and node.domain == "":
            changed |= _optimize(model, node, build, budget, pure_domains)
    return changed


def optimize_loops(model: ir.Model) -> bool:
    """Apply the rules above to every ``Loop``/``Scan`` of ``model``, in place; True when
    anything changed."""
    build = _Builder(model)
    budget = flags.loop_unroll_budget()
    pure_domains = {"", "ai.onnx", *(fn.domain for fn in model.functions.values())}  # functions: pure
    return _visit(model, model.graph, build, budget, pure_domains)
