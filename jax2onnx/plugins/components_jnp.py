"""``jax.numpy`` components kept whole (legacy pipeline): Concat, Reshape, Split, Einsum, ...

The custom primitives are declared in :mod:`jax2onnx.plugin.components.jnp`.
"""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


def _cast(ctx, name, aval, dtype):
    """``name`` cast to ``dtype`` when its aval differs."""
    if np.dtype(aval.dtype) == np.dtype(dtype):
        return name
    return ctx.node1("Cast", [name], to=onnx_elem_type(dtype))


def _io(ctx, eqn):
    return ctx.inputs(eqn), ctx.outputs(eqn), [v.aval for v in eqn.invars], [v.aval for v in eqn.outvars]


@register(PIPELINE, "jnp.concatenate")
def concatenate(ctx, eqn):
    xs, outs, avals, oavals = _io(ctx, eqn)
    dt = oavals[0].dtype
    xs = [_cast(ctx, x, a, dt) for x, a in zip(xs, avals)]
    ctx.node("Concat", xs, outs, axis=eqn.params["axis"] % len(oavals[0].shape))


@register(PIPELINE, "jnp.stack")
def stack(ctx, eqn):
    xs, outs, avals, oavals = _io(ctx, eqn)
    dt = oavals[0].dtype
    ax = eqn.params["axis"] % len(oavals[0].shape)
    parts = [ctx.node1("Unsqueeze", [_cast(ctx, x, a, dt), _axes(ctx, [ax])]) for x, a in zip(xs, avals)]
    ctx.node("Concat", parts, outs, axis=ax)


@register(PIPELINE, "jnp.reshape")
def reshape(ctx, eqn):
    (x,), outs, _, oavals = _io(ctx, eqn)
    ctx.node("Reshape", [x, ctx.shape(oavals[0].shape)], outs)


@register(PIPELINE, "jnp.squeeze")
def squeeze(ctx, eqn):
    (x,), (aval,) = ctx.inputs(eqn), [v.aval for v in eqn.invars]
    axis = eqn.params["axis"]
    if axis is None:
        axes = [i for i, d in enumerate(aval.shape) if isinstance(d, (int, np.integer)) and d == 1]
    else:
        axes = sorted(a % len(aval.shape) for a in axis)
    if axes:
        ctx.node("Squeeze", [x, _axes(ctx, axes)], ctx.outputs(eqn))
    else:  # nothing to squeeze: the output is the input
        ctx.names[eqn.outvars[0]] = x


@register(PIPELINE, "jnp.transpose")
def transpose(ctx, eqn):
    (x,), outs, (aval,), _ = _io(ctx, eqn)
    rank, axes = len(aval.shape), eqn.params["axes"]
    perm = [a % rank for a in axes] if axes is not None else list(reversed(range(rank)))
    ctx.node("Transpose", [x], outs, perm=perm)


@register(PIPELINE, "jnp.tile")
def tile(ctx, eqn):
    (x,), outs, (aval,), (oaval,) = _io(ctx, eqn)
    rank_in, rank = len(aval.shape), len(oaval.shape)
    if rank > rank_in:  # numpy semantics: leading unit axes first
        x = ctx.node1("Unsqueeze", [x, _axes(ctx, range(rank - rank_in))])
    reps = (1,) * (rank - len(eqn.params["reps"])) + tuple(eqn.params["reps"])
    ctx.node("Tile", [x, ctx.shape(reps)], outs)


@register(PIPELINE, "jnp.split")
def split(ctx, eqn):
    (x,), (aval,) = ctx.inputs(eqn), [v.aval for v in eqn.invars]
    ax = eqn.params["axis"] % len(aval.shape)
    if len(eqn.outvars) == 1:  # one piece: the input itself
        ctx.names[eqn.outvars[0]] = x
        return
    sizes = [v.aval.shape[ax] for v in eqn.outvars]
    ctx.node("Split", [x, ctx.shape(sizes)], ctx.outputs(eqn), axis=ax)


@register(PIPELINE, "jnp.where")
def where(ctx, eqn):
    (c, x, y), outs, (ac, ax, ay), (oaval,) = _io(ctx, eqn)
    dt = oaval.dtype
    ctx.node("Where", [_cast(ctx, c, ac, np.bool_), _cast(ctx, x, ax, dt), _cast(ctx, y, ay, dt)], outs)


@register(PIPELINE, "jnp.clip")
def clip(ctx, eqn):
    names, outs, avals, (oaval,) = _io(ctx, eqn)
    dt = oaval.dtype
    x = _cast(ctx, names[0], avals[0], dt)
    bounds = [(_cast(ctx, n, a, dt), a) for n, a in zip(names[1:], avals[1:])]
    it = iter(bounds)
    lo = next(it) if eqn.params["has_min"] else None
    hi = next(it) if eqn.params["has_max"] else None
    if all(b is None or len(b[1].shape) == 0 for b in (lo, hi)):
        ctx.node("Clip", [x, lo[0] if lo else "", hi[0] if hi else ""], outs)
        return
    # array bounds broadcast elementwise: Clip only takes scalars
    if lo is not None:
        x = ctx.node1("Max", [x, lo[0]]) if hi is not None else ctx.node("Max", [x, lo[0]], outs)[0]
    if hi is not None:
        ctx.node("Min", [x, hi[0]], outs)


@register(PIPELINE, "jnp.take")
def take(ctx, eqn):
    (a, idx), outs, (a_aval, i_aval), _ = _io(ctx, eqn)
    axis, mode = eqn.params["axis"], eqn.params["mode"]
    if axis is None:
        a = ctx.node1("Reshape", [a, ctx.const(np.array([-1], dtype=np.int64))])
        ax, n = 0, (int(np.prod(a_aval.shape)) if all(isinstance(d, int) for d in a_aval.shape) else None)
    else:
        ax = axis % len(a_aval.shape)
        n = a_aval.shape[ax]
    if mode == "clip":
        if n is None:
            raise NotImplementedError("take(mode='clip', axis=None) with symbolic dims")
        lo = ctx.const(np.array(0, dtype=i_aval.dtype))
        idx = ctx.node1("Clip", [idx, lo, ctx.scalar_dim(n - 1, i_aval.dtype)])
    ctx.node("Gather", [a, idx], outs, axis=ax)


@register(PIPELINE, "jnp.einsum")
def einsum(ctx, eqn):
    if eqn.params["as_matmul"]:  # a batched matmul: runtimes run MatMul faster than Einsum
        ctx.node("MatMul", ctx.inputs(eqn), ctx.outputs(eqn))
        return
    ctx.node("Einsum", ctx.inputs(eqn), ctx.outputs(eqn), equation=eqn.params["equation"])


@register(PIPELINE, "jnp.matmul")
def matmul(ctx, eqn):
    ctx.node("MatMul", ctx.inputs(eqn), ctx.outputs(eqn))


@register(PIPELINE, "jnp.arange")
def arange(ctx, eqn):
    p = eqn.params
    start, stop, step = p["start"], p["stop"], p["step"]
    if stop is None:
        start, stop = 0, start
    dt = eqn.outvars[0].aval.dtype
    vals = [ctx.const(np.array(v, dtype=dt)) for v in (start, stop, 1 if step is None else step)]
    ctx.node("Range", vals, ctx.outputs(eqn))


@register(PIPELINE, "jnp.linspace")
def linspace(ctx, eqn):
    p = eqn.params
    dt = eqn.outvars[0].aval.dtype
    div = (p["num"] - 1) if p["endpoint"] else p["num"]
    step = (p["stop"] - p["start"]) / div if div > 0 else 0.0
    r = ctx.node1("Range", [ctx.const(np.array(0, dt)), ctx.const(np.array(p["num"], dt)),
                            ctx.const(np.array(1, dt))])
    scaled = ctx.node1("Mul", [r, ctx.const(np.array(step, dt))])
    ctx.node("Add", [scaled, ctx.const(np.array(p["start"], dt))], ctx.outputs(eqn))
