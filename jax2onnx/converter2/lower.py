"""Walk a jaxpr and lower each equation with its ``plugin2`` lowering."""

from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir

from ..errors import ConversionError, LoweringError
from ..frontend.source import name_stack, source_line, type_str
from ..plugin.index import FAMILY_OF
from ..plugin.registry import lookup_eqn
from . import keys
from .context import IrContext

__all__ = ["lower_eqns", "value_of"]

log = logging.getLogger("jax2onnx.converter2")
PIPELINE = "onnx_ir"


def value_of(ctx: IrContext, atom) -> ir.Value:
    """The ir.Value for a jaxpr Var or Literal (literals become constants)."""
    if hasattr(atom, "val"):  # Literal
        return ctx.const(np.asarray(atom.val, dtype=atom.aval.dtype))
    c = ctx
    while c is not None:
        if atom in c.env:
            return c.env[atom]
        c = c.parent
    raise ConversionError("lower", f"internal: jaxpr variable {atom} used before it was defined")


def _stamp(value: ir.Value, aval) -> None:
    """Give a freshly produced value the dtype/shape the jaxpr says it has."""
    if value.type is None or value.shape is None:
        dtype, dims = keys.onnx_type_dims(aval)  # typed PRNG keys: their uint32 key data
        if value.type is None:
            value.type = ir.TensorType(dtype)
        if value.shape is None:
            value.shape = ir.Shape(dims)


def _scope_of(eqn) -> str:
    stack = name_stack(eqn)
    return f"{stack}/" if stack else ""


def lower_eqn(ctx: IrContext, eqn) -> None:
    prim = eqn.primitive.name
    fn = lookup_eqn(PIPELINE, eqn)
    if isinstance(fn, str):  # the up-front scan normally reports these all at once
        from ..errors import UnsupportedPrimitiveError

        raise UnsupportedPrimitiveError(PIPELINE, find_unsupported_for(eqn))
    args = [value_of(ctx, v) for v in eqn.invars]
    saved = ctx.eqn, ctx.scope, ctx.metadata
    ctx.eqn = eqn
    ctx.scope = _scope_of(eqn) or saved[1]
    src = source_line(eqn, fallback=(saved[2] or {}).get("jax2onnx.source"))  # inside a library jit
    ctx.metadata = {"jax2onnx.primitive": prim, "jax2onnx.lowering": f"{fn.__module__}.{fn.__name__}"}
    if src:
        ctx.metadata["jax2onnx.source"] = src
    try:
        if keys.touches_keys(eqn) and FAMILY_OF.get(prim) not in keys.KEY_AWARE_FAMILIES:
            out = keys.lower_physical(ctx, eqn, args)  # slice/squeeze/... of typed keys
        else:
            out = fn(ctx, *args, **eqn.params)
    except ConversionError:
        raise
    except Exception as e:
        raise LoweringError(PIPELINE, prim, [type_str(v.aval) for v in eqn.invars], src, e) from e
    finally:
        ctx.eqn, ctx.scope, ctx.metadata = saved
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if len(outs) != len(eqn.outvars):
        raise LoweringError(
            PIPELINE, prim, [type_str(v.aval) for v in eqn.invars], src,
            RuntimeError(f"lowering returned {len(outs)} values for {len(eqn.outvars)} outputs"),
        )
    for var, val in zip(eqn.outvars, outs):
        if type(var).__name__ == "DropVar":
            continue
        _stamp(val, var.aval)
        ctx.env[var] = val


def find_unsupported_for(eqn):
    from ..errors import UnsupportedSite

    return [UnsupportedSite(eqn.primitive.name, str(lookup_eqn(PIPELINE, eqn)),
                            tuple(type_str(v.aval) for v in eqn.invars), source_line(eqn))]


def lower_eqns(ctx: IrContext, jaxpr, args, consts) -> list[ir.Value]:
    """Bind ``args``/``consts`` to the jaxpr's inputs, lower every eqn, return the outputs."""
    for var, val in zip(jaxpr.constvars, consts):
        ctx.env[var] = val if isinstance(val, ir.Value) else ctx.const(np.asarray(keys.host_value(val)))
    for var, val in zip(jaxpr.invars, args):
        ctx.env[var] = val
    for eqn in jaxpr.eqns:
        lower_eqn(ctx, eqn)
    return [value_of(ctx, v) for v in jaxpr.outvars]
