"""Walk a jaxpr and lower each equation with its legacy ``plugins`` lowering."""

from __future__ import annotations

import numpy as np

from ..errors import ConversionError, LoweringError, UnsupportedPrimitiveError, UnsupportedSite
from ..frontend.source import name_stack, source_line, type_str
from ..plugin.registry import lookup
from .context import LegacyContext

__all__ = ["lower_eqns", "PIPELINE"]

PIPELINE = "legacy"


def lower_eqn(ctx: LegacyContext, eqn) -> None:
    prim = eqn.primitive.name
    fn = lookup(PIPELINE, prim)
    in_types = [type_str(v.aval) for v in eqn.invars]
    src = source_line(eqn)
    if isinstance(fn, str):
        raise UnsupportedPrimitiveError(PIPELINE, [UnsupportedSite(prim, fn, tuple(in_types), src)])
    saved = ctx.eqn, ctx.scope, ctx.metadata
    stack = name_stack(eqn)
    ctx.eqn, ctx.scope = eqn, (f"{stack}/" if stack else saved[1])
    ctx.metadata = {"jax2onnx.primitive": prim, "jax2onnx.lowering": f"{fn.__module__}.{fn.__name__}"}
    if src:
        ctx.metadata["jax2onnx.source"] = src
    try:
        fn(ctx, eqn)
    except ConversionError:
        raise
    except Exception as e:
        raise LoweringError(PIPELINE, prim, in_types, src, e) from e
    finally:
        ctx.eqn, ctx.scope, ctx.metadata = saved
    for var in eqn.outvars:
        if type(var).__name__ == "DropVar":
            continue
        if var not in ctx.names:
            raise LoweringError(PIPELINE, prim, in_types, src,
                                RuntimeError(f"lowering did not produce output {var}"))
        ctx.record_type(ctx.names[var], var.aval)


def lower_eqns(ctx: LegacyContext, jaxpr, args, consts) -> list[str]:
    for var, val in zip(jaxpr.constvars, consts):
        ctx.names[var] = val if isinstance(val, str) else ctx.const(np.asarray(val))
    for var, name in zip(jaxpr.invars, args):
        ctx.names[var] = name
    for eqn in jaxpr.eqns:
        # a sub-jaxpr inlined twice (the same jit called twice) reuses its Var objects:
        # forget their previous names so each inlining writes fresh (SSA) outputs
        for v in eqn.outvars:
            ctx.names.pop(v, None)
        lower_eqn(ctx, eqn)
    return [ctx.name_of(v) for v in jaxpr.outvars]
