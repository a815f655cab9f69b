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


def _typed(vi) -> bool:
    t = vi.type.tensor_type
    return t.elem_type != 0 and t.HasField("shape")


def value_info_coverage(model) -> tuple[int, int, list[str]]:
    """(typed, total, untyped names) over every node output in graphs, subgraphs and functions."""
    typed = total = 0
    missing: list[str] = []

    def visit(nodes, infos, scope):
        nonlocal typed, total
        for node in nodes:
            for out in node.output:
                if not out:
                    continue
                total += 1
                if out in infos and _typed(infos[out]):
                    typed += 1
                else:
                    missing.append(f"{scope}:{out}")
            for attr in node.attribute:
                for g in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                    visit(g.node, {**infos, **_infos(g)}, f"{scope}/{g.name}")

    def _infos(g):
        return {vi.name: vi for vi in list(g.value_info) + list(g.output) + list(g.input)}

    visit(model.graph.node, _infos(model.graph), "main")
    for fn in model.functions:
        infos = {vi.name: vi for vi in fn.value_info}
        visit(fn.node, infos, fn.name)
    return typed, total, missing
