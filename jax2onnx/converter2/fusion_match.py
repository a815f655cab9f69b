"""Matching helpers shared by the fusion rules (:mod:`.fusion`, :mod:`.fusion_attention`).

A rule looks at an anchor node and walks to producers and consumers through these
helpers; every walk stays in the anchor's graph and looks only at default-domain
nodes. Constants are read from initializers, ``Constant`` nodes and small chains of
shape/arithmetic ops on them (``Sqrt(2.0)``, ``Unsqueeze(eps)``), evaluated in the
tensor's own dtype as the runtime would.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from .passes import FOLDABLE, fold

__all__ = ["producer", "consumers", "only_consumer", "single_use", "const", "scalar", "close",
           "mul_leaves", "mul_roots", "axes_of", "keepdims_reduce", "mean_of", "new_node", "new_const",
           "replace", "commuted", "static_dims"]

def _slice(x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[int(a) % x.ndim] = slice(int(s), int(e), int(st))
    return x[tuple(index)]


_EXTRA_EVAL = {"Sqrt": np.sqrt, "Reciprocal": np.reciprocal, "Exp": np.exp, "Slice": _slice}
_MAX_CONST = 1 << 12  # constants evaluated here are small (scalars, axes, masks)


def producer(v: ir.Value | None, graph, *ops: str) -> ir.Node | None:
    """``v``'s producer when it is one of ``ops`` (any op when none given) in ``graph``."""
    if v is None:
        return None
    p = v.producer()
    if p is None or p.graph is not graph or p.domain != "" or (ops and p.op_type not in ops):
        return None
    return p


def consumers(v: ir.Value) -> list[ir.Node]:
    return [u.node for u in v.uses()]


def single_use(v: ir.Value) -> bool:
    return not v.is_graph_output() and len(v.uses()) == 1


def only_consumer(v: ir.Value, *ops: str) -> ir.Node | None:
    """The one node reading ``v`` (once), when it is one of ``ops`` and ``v`` is no graph output."""
    if not single_use(v):
        return None
    n = v.uses()[0].node
    return n if n.domain == "" and n.op_type in ops else None


def const(v: ir.Value | None, depth: int = 0) -> np.ndarray | None:
    """The value of a small constant expression, else ``None``."""
    if v is None or depth > 6:
        return None
    t = v.const_value
    if t is not None:
        if t.size > _MAX_CONST:
            return None
        return t.numpy()
    p = v.producer()
    if p is None or p.domain != "" or len(p.outputs) != 1:
        return None
    if p.op_type == "Constant":
        a = p.attributes.get("value")
        return None if a is None or a.value.size > _MAX_CONST else a.value.numpy()
    if p.op_type not in FOLDABLE and p.op_type not in _EXTRA_EVAL:
        return None
    args = [const(i, depth + 1) if i is not None else None for i in p.inputs]
    if any(a is None for a, i in zip(args, p.inputs) if i is not None):
        return None
    if p.op_type in _EXTRA_EVAL:
        with np.errstate(all="ignore"):
            return np.asarray(_EXTRA_EVAL[p.op_type](*args))
    return fold(p.op_type, p, [ir.Tensor(a) if a is not None else None for a in args], p.inputs)


def scalar(v: ir.Value | None) -> float | None:
    c = const(v)
    if c is None or c.size != 1 or c.dtype.kind != "f":
        return None
    return float(c.reshape(-1)[0])


def close(c: float | None, ref: float, rtol: float = 2e-6) -> bool:
    return c is not None and abs(c - ref) <= rtol * abs(ref)


def commuted(node: ir.Node, v: ir.Value) -> ir.Value | None:
    """The other input of a two-input commutative ``node`` one of whose inputs is ``v``."""
    a, b = node.inputs[0], node.inputs[1]
    if a is v:
        return b
    if b is v:
        return a
    return None


def mul_leaves(v: ir.Value, graph, limit: int = 6) -> list[ir.Value]:
    """Factors of the product tree of single-use ``Mul`` nodes rooted at ``v``."""
    p = producer(v, graph, "Mul")
    if p is None or limit <= 0:
        return [v]
    out = []
    for i in p.inputs:
        if producer(i, graph, "Mul") is not None and single_use(i):
            out.extend(mul_leaves(i, graph, limit - 1))
        else:
            out.append(i)
    return out


def mul_roots(v: ir.Value, depth: int = 3):
    """The ``Mul`` nodes above ``v`` (its consumer, that one's consumer, …), nearest first."""
    cur = v
    for _ in range(depth):
        n = only_consumer(cur, "Mul")
        if n is None:
            return
        yield n
        cur = n.outputs[0]


def split_product(v: ir.Value, graph) -> tuple[list[ir.Value], float] | None:
    """``v`` as (non-constant factors, product of constant scalar factors)."""
    factors, k = [], 1.0
    for leaf in mul_leaves(v, graph):
        c = scalar(leaf)
        if c is not None:
            k *= c
        elif const(leaf) is not None:
            return None  # a non-scalar constant factor: not a pattern of ours
        else:
            factors.append(leaf)
    return factors, k


def static_dims(v: ir.Value) -> list | None:
    if v.shape is None:
        return None
    return [d if isinstance(d, int) else None for d in v.shape.dims]


def axes_of(node: ir.Node, rank: int) -> tuple[int, ...] | None:
    """A Reduce*/Unsqueeze node's axes (input or attribute), normalized; None if unknown."""
    if len(node.inputs) > 1 and node.inputs[1] is not None:
        a = const(node.inputs[1])
        if a is None:
            return None
        axes = [int(x) for x in a.reshape(-1)]
    else:
        attr = node.attributes.get("axes")
        if attr is None:
            return None if node.op_type == "Unsqueeze" else tuple(range(rank))
        axes = list(attr.value)
    return tuple(sorted(a % rank for a in axes))


def keepdims_reduce(v: ir.Value, graph, ops: tuple[str, ...]) -> tuple[ir.Value, tuple[int, ...], ir.Node] | None:
    """``v == Reduce(x, axes, keepdims=1)`` or ``Unsqueeze(Reduce(x, axes, keepdims=0), axes)``:
    ``(x, axes, reduce node)``."""
    p = producer(v, graph, "Unsqueeze", *ops)
    if p is None:
        return None
    if p.op_type == "Unsqueeze":
        r = producer(p.inputs[0], graph, *ops)
        if r is None or r.attributes.get("keepdims") is None or r.attributes["keepdims"].value != 0:
            return None
        x = r.inputs[0]
        rank = None if x.shape is None else len(x.shape)
        if rank is None:
            return None
        axes, uaxes = axes_of(r, rank), axes_of(p, rank)
        return (x, axes, r) if axes is not None and axes == uaxes else None
    keep = p.attributes.get("keepdims")
    if keep is not None and keep.value != 1:
        return None
    x = p.inputs[0]
    if x.shape is None:
        return None
    axes = axes_of(p, len(x.shape))
    return None if axes is None else (x, axes, p)


def mean_of(v: ir.Value, graph) -> tuple[ir.Value, tuple[int, ...]] | None:
    """``v`` as a keepdims mean ``(x, axes)`` over static axes: ``ReduceMean``, or a sum
    divided by (or multiplied by the reciprocal of) the element count."""
    v = _through_true_where(v, graph)
    got = keepdims_reduce(v, graph, ("ReduceMean",))
    if got is not None:
        return got[0], got[1]
    p = producer(v, graph, "Div", "Mul")
    if p is None:
        return None
    for i, s in enumerate(p.inputs):
        if p.op_type == "Div" and i == 1:
            break
        k = scalar(p.inputs[1 - i])
        got = keepdims_reduce(s, graph, ("ReduceSum",))
        if got is None or k is None:
            continue
        x, axes, _ = got
        dims = static_dims(x)
        if dims is None or any(dims[a] is None for a in axes):
            return None
        n = float(np.prod([dims[a] for a in axes]))
        if close(k if p.op_type == "Div" else 1.0 / k, n):
            return x, axes
    return None


def _through_true_where(v: ir.Value, graph) -> ir.Value:
    """``Where(all-true constant, a, b)`` (jnp.var's ``ddof`` guard) is ``a`` when shapes agree."""
    p = producer(v, graph, "Where")
    if p is None:
        return v
    c = const(p.inputs[0])
    if c is not None and c.dtype == np.bool_ and bool(np.all(c)) and _same_static(p.inputs[1], v):
        return p.inputs[1]
    return v


def _same_static(a: ir.Value, b: ir.Value) -> bool:
    da, db = static_dims(a), static_dims(b)
    return da is not None and da == db and None not in da or (
        a.shape is not None and b.shape is not None and list(a.shape.dims) == list(b.shape.dims))


def new_const(graph, model_graph, arr: np.ndarray, name: str, before: ir.Node) -> ir.Value:
    """A constant for ``graph``: an initializer of the main graph, else a ``Constant`` node."""
    arr = np.ascontiguousarray(arr)
    if graph is model_graph:
        while name in graph.initializers:
            name += "_c"
        val = ir.Value(name=name, shape=ir.Shape(arr.shape), type=ir.TensorType(ir.DataType.from_numpy(arr.dtype)),
                       const_value=ir.Tensor(arr, name=name))
        graph.register_initializer(val)
        return val
    node = ir.Node("", "Constant", [], [ir.AttrTensor("value", ir.Tensor(arr, name=name))], name=name)
    graph.insert_before(before, node)
    out = node.outputs[0]
    out.name, out.shape = name, ir.Shape(arr.shape)
    out.type = ir.TensorType(ir.DataType.from_numpy(arr.dtype))
    return out


def new_node(sweep, before: ir.Node, op: str, inputs, attrs=(), name: str = "", num_outputs: int = 1) -> ir.Node:
    """Insert ``op`` before ``before`` in its graph; the sweep learns of it."""
    name = name or f"{before.name or op}_{op}"
    node = ir.Node("", op, list(inputs), list(attrs), num_outputs=num_outputs, name=name)
    for i, o in enumerate(node.outputs):
        o.name = f"{name}_out" if num_outputs == 1 else f"{name}_out{i}"
    before.graph.insert_before(before, node)
    sweep.nodes.append(node)
    if op not in sweep.op_types:
        sweep.op_types = sweep.op_types | {op}
    return node


def replace(old: ir.Value, new: ir.Value) -> None:
    """Every use of ``old`` (graph outputs included) reads ``new``; ``new`` takes its type and name."""
    if new.type is None:
        new.type = old.type
    if new.shape is None and old.shape is not None:
        new.shape = old.shape
    if old.is_graph_output():
        name = old.name
        ir.convenience.replace_all_uses_with(old, new, replace_graph_outputs=True)
        old.name = None
        new.name = name
    else:
        ir.convenience.replace_all_uses_with(old, new)
    prune(old.producer())


def prune(node: ir.Node | None) -> None:
    """Remove ``node`` and then its producers while nothing reads their outputs (so later
    rules see the true use counts); what stays shared stays."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or n.graph is None or any(o.uses() or o.is_graph_output() for o in n.outputs):
            continue
        if any(a.type in (ir.AttributeType.GRAPH, ir.AttributeType.GRAPHS) for a in n.attributes.values()):
            continue
        ins = [i.producer() for i in n.inputs if i is not None]
        n.graph.remove(n, safe=True)
        stack.extend(p for p in ins if p is not None)
