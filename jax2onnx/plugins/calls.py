"""Call-like primitives (jit, remat, custom_jvp/vjp): inline the body (legacy pipeline)."""

from __future__ import annotations

from ..plugin.jaxpr_utils import closed_parts
from ..converter.functions import call_function
from ..functions import spec_for
from ..plugin.registry import register

PIPELINE = "legacy"


@register(PIPELINE, "jit", "pjit", "closed_call", "core_call", "remat2", "checkpoint",
          "custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr", "named_call")
def inline_call(ctx, eqn):
    p = eqn.params
    body = p.get("jaxpr", p.get("call_jaxpr", p.get("fun_jaxpr")))
    spec = spec_for(str(p.get("name", "")))
    if spec is not None:  # an @onnx_function call: keep it as an ONNX function
        call_function(ctx, spec, body, eqn)
        return
    jaxpr, consts = closed_parts(body)
    args = ctx.inputs(eqn)
    outs = ctx.inline(jaxpr, args[len(args) - len(jaxpr.invars):], consts)
    for var, name in zip(eqn.outvars, outs):
        if type(var).__name__ != "DropVar":
            ctx.names[var] = name
