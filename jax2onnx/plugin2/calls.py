"""Call-like primitives (jit, remat, custom_jvp/vjp, named calls): inline the body."""

from __future__ import annotations

from ..plugin.jaxpr_utils import closed_parts
from ..converter2.functions import call_function
from ..functions import spec_for
from ..plugin.registry import register

PIPELINE = "onnx_ir"


@register(PIPELINE, "jit", "pjit", "closed_call", "core_call", "remat2", "checkpoint",
          "custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr", "named_call")
def inline_call(ctx, *args, **params):
    body = params.get("jaxpr", params.get("call_jaxpr", params.get("fun_jaxpr")))
    spec = spec_for(str(params.get("name", "")))
    if spec is not None:  # an @onnx_function call: keep it as an ONNX function
        return tuple(call_function(ctx, spec, body, args))
    jaxpr, consts = closed_parts(body)
    # custom_jvp/vjp carry the primal body; only the primal is exported
    return tuple(ctx.inline(jaxpr, args[len(args) - len(jaxpr.invars):], consts))
