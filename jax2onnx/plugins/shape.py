"""Shape manipulation (legacy pipeline)."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "legacy"


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


@register(PIPELINE, "reshape")
def reshape(ctx, eqn):
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dims = eqn.params.get("dimensions")
    if dims is not None:
        x = ctx.node1("Transpose", [x], perm=list(dims))
    ctx.node("Reshape", [x, ctx.shape(eqn.params["new_sizes"])], [out])


@register(PIPELINE, "broadcast_in_dim")
def broadcast_in_dim(ctx, eqn):
    x = ctx.inputs(eqn)[0]
    (out,) = ctx.outputs(eqn)
    shape, bdims = eqn.params["shape"], eqn.params["broadcast_dimensions"]
    in_shape = eqn.invars[0].aval.shape
    inter = [1] * len(shape)
    for src, dst in enumerate(bdims):
        inter[dst] = in_shape[src]
    missing = [i for i in range(len(shape)) if i not in bdims]
    if tuple(inter) == tuple(shape):
        if missing:
            ctx.node("Unsqueeze", [x, _axes(ctx, missing)], [out])
        else:
            ctx.node("Identity", [x], [out])
        return
    if missing:
        x = ctx.node1("Unsqueeze", [x, _axes(ctx, missing)])
    ctx.node("Expand", [x, ctx.shape(shape)], [out])


@register(PIPELINE, "squeeze")
def squeeze(ctx, eqn):
    ctx.node("Squeeze", [ctx.inputs(eqn)[0], _axes(ctx, eqn.params["dimensions"])], ctx.outputs(eqn))


@register(PIPELINE, "expand_dims")
def expand_dims(ctx, eqn):
    ctx.node("Unsqueeze", [ctx.inputs(eqn)[0], _axes(ctx, eqn.params["dimensions"])], ctx.outputs(eqn))


@register(PIPELINE, "transpose")
def transpose(ctx, eqn):
    ctx.node("Transpose", ctx.inputs(eqn), ctx.outputs(eqn), perm=list(eqn.params["permutation"]))


@register(PIPELINE, "concatenate")
def concatenate(ctx, eqn):
    ctx.node("Concat", ctx.inputs(eqn), ctx.outputs(eqn), axis=int(eqn.params["dimension"]))


@register(PIPELINE, "stop_gradient", "copy", "copy_p")
def identity(ctx, eqn):
    ctx.names[eqn.outvars[0]] = ctx.inputs(eqn)[0]


@register(PIPELINE, "split")
def split(ctx, eqn):
    # lax.split (e.g. the transpose of concatenate under jax.grad); sizes may be symbolic
    ctx.node("Split", [ctx.inputs(eqn)[0], ctx.shape(eqn.params["sizes"])], ctx.outputs(eqn),
             axis=int(eqn.params["axis"]))
