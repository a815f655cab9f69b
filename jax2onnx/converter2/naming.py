"""Unique value names (SSA) around the user's graph input and output names.

The front end guarantees that the user's input and output names are distinct;
everything else a conversion names (weights, constants, ``dim_B``, node outputs,
subgraph values) may collide with them or with each other. :func:`unique_names`
renames those, never a graph input or output.
"""

from __future__ import annotations

import onnx_ir as ir

from .passes import subgraphs

__all__ = ["unique_names"]


def unique_names(model: ir.Model) -> None:
    """Make every value name unique (SSA), keeping graph input and output names exactly.

    ``common.NameFixPass`` gives graph inputs, then outputs, precedence; initializers
    (weights such as ``linear1.kernel``) and internal values that collide with them or
    with each other are renamed (``linear1.kernel_1``).
    """
    from onnx_ir.passes.common import NameFixPass

    if _names_unique(model):  # the common case: one cheap scan, nothing to rename
        return
    NameFixPass()(model)


def _collect_names(graph: ir.Graph, names: list) -> None:
    names.extend(v.name for v in graph.inputs)
    for node in graph:
        names.extend(v.name for v in node.outputs)
        for sub in subgraphs(node):
            _collect_names(sub, names)


def _names_unique(model: ir.Model) -> bool:
    for graph in [model.graph] + [fn.graph for fn in model.functions.values()]:
        names = list(graph.initializers)
        _collect_names(graph, names)
        if len(set(names)) != len(names) or None in names:
            return False
        if len({id(v) for v in graph.outputs}) != len(graph.outputs):  # one value twice among the outputs
            return False
    return True
