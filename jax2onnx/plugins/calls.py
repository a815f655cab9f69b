"""Call-like primitives (jit, remat, custom_jvp/vjp): inline the body (legacy pipeline)."""

from __future__ import annotations

from ..plugin.jaxpr_utils import closed_parts
from ..plugin.registry import register

PIPELINE = "legacy"


@register(PIPELINE, "jit", "pjit", "closed_call", "core_call", "remat2", "checkpoint",
          "custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr", "named_call")
def inline_call(ctx, eqn):
    p = eqn.params
    body = p.get("jaxpr", p.get("call_jaxpr", p.get("fun_jaxpr")))
    jaxpr, consts = closed_parts(body)
    args = ctx.inputs(eqn)
    outs = ctx.inline(jaxpr, args[len(args) - len(jaxpr.invars):], consts)
    for var, name in zip(eqn.outvars, outs):
        if type(var).__name__ != "DropVar":
            ctx.names[var] = name
