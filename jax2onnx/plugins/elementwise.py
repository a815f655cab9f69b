"""Elementwise math for the legacy pipeline: a table of 1:1 ops plus a few rewrites."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "legacy"

#: JAX primitive -> ONNX op with the same semantics (inputs in the same order)
ONE_TO_ONE = {
    "add_any": "Add",  # gradient accumulation (jax.grad)
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "neg": "Neg", "max": "Max",
    "min": "Min", "abs": "Abs", "sign": "Sign", "floor": "Floor", "ceil": "Ceil",
    "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "tanh": "Tanh", "logistic": "Sigmoid",
    "sin": "Sin", "cos": "Cos", "tan": "Tan", "asin": "Asin", "acos": "Acos", "atan": "Atan",
    "sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh",
    "erf": "Erf", "pow": "Pow",
}


def _one_to_one(op_type: str):
    def lower(ctx, eqn):
        ctx.node(op_type, ctx.inputs(eqn), ctx.outputs(eqn))

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, _op in ONE_TO_ONE.items():
    register(PIPELINE, _prim)(_one_to_one(_op))


@register(PIPELINE, "rsqrt")
def rsqrt(ctx, eqn):
    s = ctx.node1("Sqrt", ctx.inputs(eqn))
    ctx.node("Reciprocal", [s], ctx.outputs(eqn))


@register(PIPELINE, "integer_pow")
def integer_pow(ctx, eqn):
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    y = eqn.params["y"]
    aval = eqn.invars[0].aval
    if y == 0:
        one = ctx.const(np.asarray(1, dtype=aval.dtype))
        ctx.node("Expand", [one, ctx.shape(aval.shape)], [out])
    elif y == 1:
        ctx.node("Identity", [x], [out])
    elif y == -1:
        ctx.node("Reciprocal", [x], [out])
    elif np.issubdtype(np.dtype(aval.dtype), np.integer) or y == 2:
        acc = x
        for i in range(abs(y) - 1):
            acc = ctx.node("Mul", [acc, x], [out] if i == abs(y) - 2 else 1)[0]
    else:
        ctx.node("Pow", [x, ctx.const(np.asarray(y, dtype=aval.dtype))], [out])
