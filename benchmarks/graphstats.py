"""Graph statistics of an ``onnx_ir.Model``: node counts, op histogram, shape bookkeeping.

Everything counts nodes of the main graph, every subgraph (If/Loop/Scan bodies)
and every model-local function (and their subgraphs).

A node is *shape bookkeeping* when it computes shapes rather than data: a
``Shape``/``Size`` node, or one of :data:`SHAPE_OPS` whose inputs are all shape
values or constants (and whose result is an integer tensor), e.g. the
``Gather``/``Concat``/``Unsqueeze`` chains that rebuild a Reshape target from a
symbolic batch dimension.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

import onnx_ir as ir

__all__ = ["iter_nodes", "graph_stats", "SHAPE_OPS", "is_constant"]

#: ops that take part in shape arithmetic when their inputs are shapes/constants
SHAPE_OPS = frozenset({
    "Gather", "Concat", "Reshape", "Unsqueeze", "Squeeze", "Slice", "Cast",
    "Add", "Sub", "Mul", "Div", "Max", "Min", "Expand", "Range", "ConstantOfShape",
    "Identity",
})
_INT_TYPES = {ir.DataType.INT64, ir.DataType.INT32}


def _graphs_of(node: ir.Node) -> Iterator[ir.Graph]:
    for attr in node.attributes.values():
        if attr.type == ir.AttributeType.GRAPH:
            yield attr.value
        elif attr.type == ir.AttributeType.GRAPHS:
            yield from attr.value


def _walk(nodes) -> Iterator[ir.Node]:
    for node in nodes:
        yield node
        for sub in _graphs_of(node):
            yield from _walk(sub)


def iter_nodes(model: ir.Model) -> Iterator[ir.Node]:
    """Every node of the main graph, subgraphs and functions, depth first."""
    yield from _walk(model.graph)
    for fn in model.functions.values():
        yield from _walk(fn)


def is_constant(value: ir.Value | None) -> bool:
    """An initializer, a ``Constant`` node output, or an omitted optional input."""
    if value is None:
        return True
    if value.const_value is not None or value.is_initializer():
        return True
    producer = value.producer()
    return producer is not None and producer.op_type == "Constant"


def _is_int(value: ir.Value) -> bool:
    return value.dtype in _INT_TYPES


def shape_bookkeeping_nodes(model: ir.Model) -> list[ir.Node]:
    """The nodes that only compute shapes (see the module docstring)."""
    shape_values: set[int] = set()
    found = []
    for node in iter_nodes(model):
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            continue
        if op in ("Shape", "Size"):
            hit = True
        elif op in SHAPE_OPS:
            ins = [v for v in node.inputs]
            from_shape = any(v is not None and id(v) in shape_values for v in ins)
            all_known = all(v is None or id(v) in shape_values or is_constant(v) for v in ins)
            outs_int = all(o.dtype is None or _is_int(o) for o in node.outputs)
            hit = all_known and outs_int and (from_shape or op in ("Concat", "Cast", "Unsqueeze", "Squeeze"))
        else:
            hit = False
        if hit:
            found.append(node)
            shape_values.update(id(o) for o in node.outputs)
    return found


def graph_stats(model: ir.Model) -> dict:
    """Node count, op histogram, shape-bookkeeping count/share, initializer stats."""
    hist: Counter = Counter()
    total = 0
    for node in iter_nodes(model):
        total += 1
        key = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}:{node.op_type}"
        hist[key] += 1
    book = shape_bookkeeping_nodes(model)
    inits = list(model.graph.initializers.values())
    init_bytes = 0
    for v in inits:
        t = v.const_value
        if t is not None:
            init_bytes += t.nbytes
    return {
        "nodes": total,
        "main_graph_nodes": len(model.graph),
        "functions": len(model.functions),
        "op_histogram": dict(sorted(hist.items(), key=lambda kv: (-kv[1], kv[0]))),
        "shape_nodes": len(book),
        "shape_share": (len(book) / total) if total else 0.0,
        "shape_ops": dict(Counter(n.op_type for n in book)),
        "initializers": len(inits),
        "initializer_bytes": init_bytes,
    }
