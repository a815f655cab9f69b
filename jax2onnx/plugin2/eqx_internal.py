"""Equinox's internal primitives (``equinox.internal``), as diffrax solves emit them.

Each is defined by Equinox through a pure-JAX implementation (the one Equinox
itself lowers to StableHLO with ``mlir.lower_fun``), so the lowering traces that
implementation at the equation's abstract values (symbolic dims included) and
inlines the resulting jaxpr of ordinary primitives:

- ``unvmap_any`` / ``unvmap_all`` / ``unvmap_max``: ``jnp.any`` / ``all`` / ``max`` of
  the whole (possibly batched) operand — one Reduce.
- ``nonbatchable``, ``nondifferentiable_backward``: the identity.
- ``select_if_vmap``: ``lax.select`` (Where); ``maybe_set``: a guarded ``.at[i].set``.
- ``vprim``: a ``maybe_set``/``select_if_vmap`` under ``jax.vmap`` (the batched while
  loop of ``eqxi.while_loop``): the implementation is its vmapped inner rule.
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "onnx_ir"


def _wide(avals) -> bool:
    return any(np.dtype(a.dtype).itemsize == 8 and np.dtype(a.dtype).kind in "fiu" for a in avals)


def lower_impl(ctx, *args, **params):
    """Trace ``primitive.impl`` at the eqn's avals and inline it."""
    import jax

    prim = ctx.eqn.primitive
    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in ctx.in_avals]
    with jax.enable_x64(_wide(ctx.in_avals + ctx.out_avals)):
        closed = jax.make_jaxpr(lambda *xs: prim.impl(*xs, **params))(*specs)
    if any(e.primitive is prim for e in closed.jaxpr.eqns):
        raise NotImplementedError(f"{prim.name}: its implementation binds itself again")
    outs = ctx.inline(closed.jaxpr, args, closed.consts)
    return tuple(outs) if prim.multiple_results else outs[0]


register(PIPELINE, "unvmap_any", "unvmap_all", "unvmap_max", "nonbatchable",
         "nondifferentiable_backward", "select_if_vmap", "maybe_set", "vprim")(lower_impl)
