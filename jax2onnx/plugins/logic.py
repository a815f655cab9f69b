"""Comparisons, logic, select and dtype conversion (legacy pipeline)."""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"

COMPARISONS = {"eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual"}


def _compare(op_type):
    def lower(ctx, eqn):
        ctx.node(op_type, ctx.inputs(eqn), ctx.outputs(eqn))

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, _op in COMPARISONS.items():
    register(PIPELINE, _prim)(_compare(_op))


@register(PIPELINE, "ne")
def ne(ctx, eqn):
    eq = ctx.node1("Equal", ctx.inputs(eqn))
    ctx.node("Not", [eq], ctx.outputs(eqn))


@register(PIPELINE, "select_n")
def select_n(ctx, eqn):
    which, *cases = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    pred_dtype = np.dtype(eqn.invars[0].aval.dtype)
    if len(cases) == 1:
        ctx.node("Identity", [cases[0]], [out])
        return
    if len(cases) == 2:
        cond = which if pred_dtype == np.bool_ else ctx.node1("Cast", [which], to=onnx_elem_type(np.bool_))
        ctx.node("Where", [cond, cases[1], cases[0]], [out])
        return
    acc = cases[-1]
    for i in range(len(cases) - 2, -1, -1):
        is_i = ctx.node1("Equal", [which, ctx.const(np.asarray(i, dtype=pred_dtype))])
        acc = ctx.node("Where", [is_i, cases[i], acc], [out] if i == 0 else 1)[0]


@register(PIPELINE, "convert_element_type")
def convert_element_type(ctx, eqn):
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    src, dst = np.dtype(eqn.invars[0].aval.dtype), np.dtype(eqn.params["new_dtype"])
    if src == dst:
        ctx.node("Identity", [x], [out])
    elif dst == np.bool_:
        eq = ctx.node1("Equal", [x, ctx.const(np.zeros((), dtype=src))])
        ctx.node("Not", [eq], [out])
    else:
        ctx.node("Cast", [x], [out], to=onnx_elem_type(dst))
