"""Give every value a dtype and shape (Netron, checker), without touching the weights.

The converter stamps every eqn output from the jaxpr; what remains untyped are
helper values a lowering creates internally (the Sqrt inside rsqrt, a dim Concat).
Only when such values exist, ONNX shape inference runs on a weight-free view of
the model (``onnx_ir``'s ShapeInferencePass strips large initializers), and on each
function body as a small temporary model.
"""

from __future__ import annotations

import logging

import onnx_ir as ir
from onnx_ir.passes.common import ShapeInferencePass

__all__ = ["fill_missing_types"]

log = logging.getLogger("jax2onnx.ir")


def _untyped(graph_like) -> bool:
    return any(o.type is None or o.shape is None for node in graph_like.all_nodes() for o in node.outputs)


def _infer(model: ir.Model) -> None:
    try:
        ShapeInferencePass(check_type=False, strict_mode=False, data_prop=True)(model)
    except Exception as e:  # inference is best effort: types are advisory, never fatal
        log.debug("shape inference skipped: %s", e)


def fill_missing_types(model: ir.Model) -> None:
    if _untyped(model.graph):
        _infer(model)
    for fn in list(model.functions.values()):
        if not _untyped(fn):
            continue
        temp = ir.Model(fn.graph, ir_version=model.ir_version,
                        functions=[f for f in model.functions.values() if f is not fn])
        _infer(temp)
