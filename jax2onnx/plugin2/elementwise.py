"""Elementwise math for the onnx_ir pipeline: a table of 1:1 ops plus a few rewrites."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "onnx_ir"

#: JAX primitive -> ONNX op with the same semantics (inputs in the same order)
ONE_TO_ONE = {
    "add_any": "Add",  # gradient accumulation (jax.grad)
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "neg": "Neg", "max": "Max", "min": "Min",
    "abs": "Abs", "sign": "Sign", "floor": "Floor", "ceil": "Ceil",
    "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "tanh": "Tanh", "logistic": "Sigmoid",
    "sin": "Sin", "cos": "Cos", "tan": "Tan", "asin": "Asin", "acos": "Acos", "atan": "Atan",
    "sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh",
    "erf": "Erf", "pow": "Pow",
}


def _one_to_one(op_type: str):
    def lower(ctx, *xs, **_):
        return ctx.op(op_type, *xs)

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, _op in ONE_TO_ONE.items():
    register(PIPELINE, _prim)(_one_to_one(_op))


def _scalar(ctx, value, aval):
    return ctx.const(np.asarray(value, dtype=aval.dtype))


@register(PIPELINE, "rsqrt")
def rsqrt(ctx, x, **_):
    return ctx.op("Reciprocal", ctx.op("Sqrt", x))


@register(PIPELINE, "integer_pow")
def integer_pow(ctx, x, *, y, **_):
    aval = ctx.in_avals[0]
    if y == 0:
        return ctx.op("Expand", _scalar(ctx, 1, aval), ctx.shape(aval.shape))
    if y == 1:
        return ctx.op("Identity", x)
    if y == 2:
        return ctx.op("Mul", x, x)
    if y == -1:
        return ctx.op("Reciprocal", x)
    if np.issubdtype(np.dtype(aval.dtype), np.integer):
        out = x
        for _ in range(abs(y) - 1):
            out = ctx.op("Mul", out, x)
        return out
    return ctx.op("Pow", x, _scalar(ctx, y, aval))
