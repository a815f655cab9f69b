"""Graph statistics on a ModelProto: op histograms including functions and subgraphs."""

from __future__ import annotations

from collections import Counter
from typing import Iterator

__all__ = ["iter_nodes", "op_histogram", "node_count"]


def _graph_nodes(graph) -> Iterator:
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.HasField("g"):
                yield from _graph_nodes(attr.g)
            for g in attr.graphs:
                yield from _graph_nodes(g)


def iter_nodes(model) -> Iterator:
    """Every node of the main graph, its subgraphs and the model's functions."""
    yield from _graph_nodes(model.graph)
    for fn in model.functions:
        for node in fn.node:
            yield node
            for attr in node.attribute:
                if attr.HasField("g"):
                    yield from _graph_nodes(attr.g)


def op_histogram(model) -> dict[str, int]:
    return dict(sorted(Counter(n.op_type for n in iter_nodes(model)).items()))


def node_count(model) -> int:
    return sum(1 for _ in iter_nodes(model))
