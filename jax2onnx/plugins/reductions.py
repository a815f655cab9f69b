"""Reductions (legacy pipeline)."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "legacy"

REDUCE_OPS = {"reduce_sum": "ReduceSum", "reduce_max": "ReduceMax", "reduce_min": "ReduceMin",
              "reduce_prod": "ReduceProd"}


def _reduce(op_type):
    def lower(ctx, eqn):
        axes = eqn.params["axes"]
        if not axes:
            ctx.node("Identity", ctx.inputs(eqn), ctx.outputs(eqn))
            return
        ax = ctx.const(np.asarray(list(axes), dtype=np.int64))
        ctx.node(op_type, [ctx.inputs(eqn)[0], ax], ctx.outputs(eqn), keepdims=0)

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, _op in REDUCE_OPS.items():
    register(PIPELINE, _prim)(_reduce(_op))
