"""Give every value a dtype and shape (Netron, checker), without touching the weights.

The converter stamps every eqn output from the jaxpr; what remains untyped are
helper values a lowering creates internally (the Sqrt inside rsqrt, a dim Concat).
The most frequent ops are typed by the Python rules of :mod:`.type_rules`
(microseconds each); the rest node by node with ONNX's own per-op inference
(``onnx.shape_inference.infer_node_outputs``), fed the types of the node's inputs
and the values of its small constant inputs (Reshape targets, axes) — only the
nodes that need it, so a model is never serialized for this. Anything still
untyped afterwards (an op without a schema, a failed inference) gets one
whole-model ``ShapeInferencePass`` on a weight-free view, as before.
"""

from __future__ import annotations

import logging

import onnx_ir as ir

from . import type_rules
from .passes import all_nodes

__all__ = ["fill_missing_types"]

log = logging.getLogger("jax2onnx.ir")

#: constant inputs up to this many elements are handed to inference as data
_DATA_MAX_ELEMENTS = 64


def _untyped(value: ir.Value) -> bool:
    return value.type is None or value.shape is None


def _infer_node(node: ir.Node, opsets: dict[str, int]) -> bool:
    """Type ``node``'s untyped outputs from its inputs; False when that was not possible."""
    from .serialize import infer_node_output_types

    if node.domain not in ("", "ai.onnx") or any(v is not None and _untyped(v) for v in node.inputs):
        return False
    data = {}
    for v in node.inputs:
        const = None if v is None else ir.convenience.get_const_tensor(v)
        if const is not None and const.size <= _DATA_MAX_ELEMENTS:
            data[v.name] = const
    try:
        inferred = infer_node_output_types(node, opsets, data)
    except Exception as e:  # inference is best effort: types are advisory, never fatal
        log.debug("per-node inference of %s failed: %s", node.op_type, e)
        return False
    for o in node.outputs:
        if o.name in inferred:
            dtype, shape = inferred[o.name]
            if o.type is None:
                o.type = dtype
            if o.shape is None:
                o.shape = shape
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
    for node in all_nodes(model):
        if any(_untyped(o) for o in node.outputs) and not (type_rules.infer(node) or _infer_node(node, opsets)):
            complete = False
    if not complete:
        _whole_model_pass(model)
