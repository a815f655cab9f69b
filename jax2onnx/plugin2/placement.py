"""Placement, scheduling and wrapper primitives that are the identity in one ONNX graph.

``optimization_barrier``, ``device_put``, ``sharding_constraint``,
``layout_constraint``, ``reshard``, ``pvary`` and ``name`` (``checkpoint_name``)
only steer XLA's scheduling, placement or rematerialization; on one device they
return their operands. ``shard_map`` over a mesh of one device runs its body once
on the whole arrays, so the body is inlined (meshes of more devices are refused:
their collectives have no single-graph meaning). ``composite``,
``custom_vmap_call`` and ``call`` carry a body (the composite's decomposition),
which is inlined.
"""

from __future__ import annotations

import math

from ..plugin.jaxpr_utils import closed_parts
from ..plugin.registry import register

PIPELINE = "onnx_ir"


@register(PIPELINE, "optimization_barrier", "device_put", "sharding_constraint",
          "layout_constraint", "reshard", "pvary", "name")
def identity(ctx, *operands, **_):
    """Every output is its operand (no node at all)."""
    return operands if ctx.eqn.primitive.multiple_results else operands[0]


@register(PIPELINE, "shard_map")
def shard_map(ctx, *args, mesh, jaxpr, **_):
    """Single-device ``shard_map``: the body sees the whole arrays; inline it."""
    size = math.prod(getattr(mesh, "axis_sizes", ()) or (1,))
    if size != 1:
        raise NotImplementedError(
            f"shard_map over a mesh of {size} devices: an ONNX model runs on one device; "
            "convert the per-device function, or use a mesh of one device")
    body, consts = closed_parts(jaxpr)
    return tuple(ctx.inline(body, args, consts))


@register(PIPELINE, "composite", "custom_vmap_call", "call")
def inline_body(ctx, *args, **params):
    """Calls whose body is a jaxpr (a composite's decomposition): inline it."""
    body = next(params[k] for k in ("jaxpr", "call_jaxpr", "fun_jaxpr", "call") if k in params)
    jaxpr, consts = closed_parts(body)
    outs = tuple(ctx.inline(jaxpr, args[len(args) - len(jaxpr.invars):], consts))
    return outs if ctx.eqn.primitive.multiple_results else outs[0]
