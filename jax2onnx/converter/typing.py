"""Legacy pipeline: value_info for every intermediate value, inferred without the weights.

The converter records value_info for every eqn output; helper values created
inside lowerings get theirs from ONNX shape inference run on a light copy of the
model (initializers replaced by typed inputs), and on each function body.
"""

from __future__ import annotations

import logging

import onnx
from onnx import helper

__all__ = ["fill_value_info"]

log = logging.getLogger("jax2onnx.converter")


def _known(graph) -> set[str]:
    return {vi.name for vi in list(graph.value_info) + list(graph.input) + list(graph.output)}


_SMALL = 1024  # bytes: small initializers (axes, shapes) stay, so inference sees their values


def _infer_graph(model, graph, extra_inputs, functions, small=()) -> onnx.GraphProto | None:
    light = helper.make_model(
        helper.make_graph(graph.node, graph.name or "g", list(graph.input) + extra_inputs,
                          graph.output, value_info=graph.value_info, initializer=small),
        opset_imports=model.opset_import, ir_version=model.ir_version, functions=functions,
    )
    try:
        return onnx.shape_inference.infer_shapes(light, strict_mode=False, data_prop=True).graph
    except Exception as e:  # advisory only
        log.debug("shape inference skipped: %s", e)
        return None


def fill_value_info(model: onnx.ModelProto) -> None:
    g = model.graph
    produced = {o for n in g.node for o in n.output if o}
    if produced - _known(g) - {i.name for i in g.initializer}:
        small = [t for t in g.initializer if t.ByteSize() <= _SMALL]
        weights = [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                   for t in g.initializer if t.ByteSize() > _SMALL]
        inferred = _infer_graph(model, g, weights, model.functions, small)
        if inferred is not None:
            known = _known(g)
            g.value_info.extend(vi for vi in inferred.value_info if vi.name not in known)
            if len(inferred.node) == len(g.node):  # inferred subgraphs carry their value_info
                del g.node[:]
                g.node.extend(inferred.node)
    for fn in model.functions:
        infos = {vi.name: vi for vi in fn.value_info}
        if all(o in infos for n in fn.node for o in n.output if o):
            continue
        inputs = [infos[i] for i in fn.input if i in infos]
        outputs = [infos[o] for o in fn.output if o in infos]
        body = helper.make_graph(fn.node, fn.name, inputs, outputs, value_info=list(fn.value_info))
        inferred = _infer_graph(model, body, [], [f for f in model.functions if f is not fn])
        if inferred is not None:
            fn.value_info.extend(vi for vi in inferred.value_info if vi.name not in infos)
