"""Give every value a dtype and shape (Netron, checker), without touching the weights.

The converter stamps every eqn output from the jaxpr; what remains untyped are
helper values a lowering creates internally (the Sqrt inside rsqrt, a dim Concat).
Those are typed node by node with ONNX's own per-op inference
(``onnx.shape_inference.infer_node_outputs``), fed the types of the node's inputs
and the values of its small constant inputs (Reshape targets, axes) — only the
nodes that need it, so a model is never serialized for this. Anything still
untyped afterwards (an op without a schema, a failed inference) gets one
whole-model ``ShapeInferencePass`` on a weight-free view, as before.
"""

from __future__ import annotations

import logging

import onnx_ir as ir

__all__ = ["fill_missing_types"]

log = logging.getLogger("jax2onnx.ir")

#: constant inputs up to this many elements are handed to inference as data
_DATA_MAX_ELEMENTS = 64


def _untyped(value: ir.Value) -> bool:
    return value.type is None or value.shape is None


def _graphs(model: ir.Model):
    """Every graph of the model (subgraphs included) and every function body."""
    yield from model.graphs()
    for fn in model.functions.values():
        yield fn.graph
        for node in ir.traversal.RecursiveGraphIterator(fn.graph):
            for attr in node.attributes.values():
                if attr.type == ir.AttributeType.GRAPH:
                    yield attr.value
                elif attr.type == ir.AttributeType.GRAPHS:
                    yield from attr.value


def _type_proto(value: ir.Value):
    import onnx

    proto = onnx.TypeProto()
    ir.serde.serialize_type_into(proto, value.type)
    if value.shape is not None:
        ir.serde.serialize_shape_into(proto, value.shape)
    return proto


def _infer_node(node: ir.Node, opsets: dict[str, int]) -> bool:
    """Type ``node``'s untyped outputs from its inputs; False when that was not possible."""
    import onnx

    if node.domain not in ("", "ai.onnx") or any(v is not None and _untyped(v) for v in node.inputs):
        return False
    try:
        schema = onnx.defs.get_schema(node.op_type, opsets.get("", 1), "")
        types, data = {}, {}
        for v in node.inputs:
            if v is None:
                continue
            types[v.name] = _type_proto(v)
            const = ir.convenience.get_const_tensor(v)
            if const is not None and const.size <= _DATA_MAX_ELEMENTS:
                data[v.name] = ir.serde.serialize_tensor(const)
        out = onnx.shape_inference.infer_node_outputs(
            schema, ir.serde.serialize_node(node), types, data,
            opset_imports=[onnx.helper.make_opsetid(d, v) for d, v in opsets.items()])
    except Exception as e:  # inference is best effort: types are advisory, never fatal
        log.debug("per-node inference of %s failed: %s", node.op_type, e)
        return False
    for o in node.outputs:
        proto = out.get(o.name)
        if proto is None or not _untyped(o):
            continue
        if o.type is None:
            o.type = ir.serde.deserialize_type_proto_for_type(proto)
        if o.shape is None:
            o.shape = ir.serde.deserialize_type_proto_for_shape(proto)
    return not any(_untyped(o) for o in node.outputs)


def _whole_model_pass(model: ir.Model) -> None:
    from onnx_ir.passes.common import ShapeInferencePass

    for graph_like in [model] + [ir.Model(fn.graph, ir_version=model.ir_version,
                                          functions=[f for f in model.functions.values() if f is not fn])
                                 for fn in model.functions.values()]:
        try:
            ShapeInferencePass(check_type=False, strict_mode=False, data_prop=True)(graph_like)
        except Exception as e:
            log.debug("shape inference skipped: %s", e)


def fill_missing_types(model: ir.Model) -> None:
    """Type the helper values of ``model`` in place (never raises)."""
    opsets = dict(model.graph.opset_imports)
    complete = True
    for graph in _graphs(model):
        for node in graph:
            if any(_untyped(o) for o in node.outputs) and not _infer_node(node, opsets):
                complete = False
    if not complete:
        _whole_model_pass(model)
