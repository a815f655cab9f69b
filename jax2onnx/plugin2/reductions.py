"""Reductions (onnx_ir pipeline)."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "onnx_ir"

REDUCE_OPS = {"reduce_sum": "ReduceSum", "reduce_max": "ReduceMax", "reduce_min": "ReduceMin",
              "reduce_prod": "ReduceProd"}


def _reduce(op_type):
    def lower(ctx, x, *, axes, **_):
        if not axes:
            return ctx.op("Identity", x)
        return ctx.op(op_type, x, ctx.const(np.asarray(list(axes), dtype=np.int64)), keepdims=0)

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, _op in REDUCE_OPS.items():
    register(PIPELINE, _prim)(_reduce(_op))
