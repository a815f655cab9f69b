"""Comparisons, boolean/bitwise logic, select and dtype conversion (onnx_ir pipeline)."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register
from ..converter2.context import ir_dtype

PIPELINE = "onnx_ir"

COMPARISONS = {"eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual"}


def _compare(op_type):
    def lower(ctx, x, y, **_):
        return ctx.op(op_type, x, y)

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, _op in COMPARISONS.items():
    register(PIPELINE, _prim)(_compare(_op))


@register(PIPELINE, "ne")
def ne(ctx, x, y, **_):
    return ctx.op("Not", ctx.op("Equal", x, y))


@register(PIPELINE, "select_n")
def select_n(ctx, which, *cases, **_):
    """``select_n(p, a, b)`` picks ``a`` where p is 0/False, ``b`` where 1/True."""
    if len(cases) == 1:
        return ctx.op("Identity", cases[0])
    pred_dtype = np.dtype(ctx.in_avals[0].dtype)
    if len(cases) == 2:
        cond = which if pred_dtype == np.bool_ else ctx.op(
            "Cast", which, to=ir_dtype(np.bool_))
        return ctx.op("Where", cond, cases[1], cases[0])
    # N cases: a chain of Where on which == i, from the last case down
    out = cases[-1]
    for i in range(len(cases) - 2, -1, -1):
        is_i = ctx.op("Equal", which, ctx.const(np.asarray(i, dtype=pred_dtype)))
        out = ctx.op("Where", is_i, cases[i], out)
    return out


@register(PIPELINE, "convert_element_type")
def convert_element_type(ctx, x, *, new_dtype, **_):
    src = np.dtype(ctx.in_avals[0].dtype)
    dst = np.dtype(new_dtype)
    if src == dst:
        return ctx.op("Identity", x)
    if np.issubdtype(src, np.floating) and np.issubdtype(dst, np.integer):
        # JAX truncates toward zero; ONNX Cast does too for in-range values
        return ctx.op("Cast", x, to=ir_dtype(dst))
    if dst == np.bool_:
        return ctx.op("Not", ctx.op("Equal", x, ctx.const(np.zeros((), dtype=src))))
    return ctx.op("Cast", x, to=ir_dtype(dst))
