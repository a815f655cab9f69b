"""``jax.numpy`` components kept whole (onnx_ir pipeline): Concat, Reshape, Split, Einsum, ...

The custom primitives are declared in :mod:`jax2onnx.plugin.components.jnp`;
their params are the static configuration, their avals come from abstract_eval.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.registry import register

PIPELINE = "onnx_ir"


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


def _as(ctx, x, aval, dtype):
    """Cast ``x`` (whose aval is ``aval``) to ``dtype`` when they differ."""
    if np.dtype(aval.dtype) == np.dtype(dtype):
        return x
    return ctx.op("Cast", x, to=ir.DataType.from_numpy(np.dtype(dtype)))


def _out_dtype(ctx, i=0):
    return ctx.out_avals[i].dtype


@register(PIPELINE, "jnp.concatenate")
def concatenate(ctx, *xs, axis):
    dt = _out_dtype(ctx)
    rank = len(ctx.out_avals[0].shape)
    xs = [_as(ctx, x, a, dt) for x, a in zip(xs, ctx.in_avals)]
    return ctx.op("Concat", *xs, axis=axis % rank)


@register(PIPELINE, "jnp.stack")
def stack(ctx, *xs, axis):
    dt = _out_dtype(ctx)
    ax = axis % len(ctx.out_avals[0].shape)
    xs = [ctx.op("Unsqueeze", _as(ctx, x, a, dt), _axes(ctx, [ax])) for x, a in zip(xs, ctx.in_avals)]
    return xs[0] if len(xs) == 1 else ctx.op("Concat", *xs, axis=ax)


@register(PIPELINE, "jnp.reshape")
def reshape(ctx, x, *, shape):
    # the target comes from the output aval: -1 resolved, symbolic dims as expressions
    return ctx.op("Reshape", x, ctx.shape(ctx.out_avals[0].shape))


@register(PIPELINE, "jnp.squeeze")
def squeeze(ctx, x, *, axis):
    shape = ctx.in_avals[0].shape
    if axis is None:
        axes = [i for i, d in enumerate(shape) if isinstance(d, (int, np.integer)) and d == 1]
    else:
        axes = sorted(a % len(shape) for a in axis)
    return ctx.op("Squeeze", x, _axes(ctx, axes)) if axes else x


@register(PIPELINE, "jnp.transpose")
def transpose(ctx, x, *, axes):
    rank = len(ctx.in_avals[0].shape)
    perm = [a % rank for a in axes] if axes is not None else list(reversed(range(rank)))
    return ctx.op("Transpose", x, perm=perm)


@register(PIPELINE, "jnp.tile")
def tile(ctx, x, *, reps):
    rank_in = len(ctx.in_avals[0].shape)
    rank = len(ctx.out_avals[0].shape)
    if rank > rank_in:  # numpy semantics: the input gains leading unit axes
        x = ctx.op("Unsqueeze", x, _axes(ctx, range(rank - rank_in)))
    reps = (1,) * (rank - len(reps)) + tuple(reps)
    return ctx.op("Tile", x, ctx.shape(reps))


@register(PIPELINE, "jnp.split")
def split(ctx, x, *, indices_or_sections, axis):
    ax = axis % len(ctx.in_avals[0].shape)
    sizes = [a.shape[ax] for a in ctx.out_avals]
    if len(sizes) == 1:
        return (x,)
    return ctx.op("Split", x, ctx.shape(sizes), axis=ax, num_outputs=len(sizes))


@register(PIPELINE, "jnp.where")
def where(ctx, c, x, y):
    dt = _out_dtype(ctx)
    ac, ax, ay = ctx.in_avals
    c = _as(ctx, c, ac, np.bool_)  # jnp.where treats a non-bool condition as != 0
    from .elementwise import where as typed_where  # ORT lacks bool/int16 Where kernels

    return typed_where(ctx, c, _as(ctx, x, ax, dt), _as(ctx, y, ay, dt), dt)


@register(PIPELINE, "jnp.clip")
def clip(ctx, x, *bounds, has_min, has_max):
    dt = _out_dtype(ctx)
    avals = ctx.in_avals
    x = _as(ctx, x, avals[0], dt)
    bounds = [_as(ctx, b, a, dt) for b, a in zip(bounds, avals[1:])]
    it = iter(zip(bounds, avals[1:]))
    lo = next(it) if has_min else None
    hi = next(it) if has_max else None
    if all(b is None or len(b[1].shape) == 0 for b in (lo, hi)):
        return ctx.op("Clip", x, lo[0] if lo else None, hi[0] if hi else None)
    # array bounds broadcast elementwise: Clip only takes scalars
    if lo is not None:
        x = ctx.op("Max", x, lo[0])
    if hi is not None:
        x = ctx.op("Min", x, hi[0])
    return x


@register(PIPELINE, "jnp.take")
def take(ctx, a, idx, *, axis, mode):
    a_aval, i_aval = ctx.in_avals
    if axis is None:
        a = ctx.op("Reshape", a, ctx.const(np.array([-1], dtype=np.int64)))
        n, ax = None, 0
    else:
        ax = axis % len(a_aval.shape)
        n = a_aval.shape[ax]
    if mode == "clip":
        if n is None:
            n = int(np.prod([d for d in a_aval.shape])) if all(isinstance(d, int) for d in a_aval.shape) else None
        if n is None:
            raise NotImplementedError("take(mode='clip', axis=None) with symbolic dims")
        lo = ctx.const(np.array(0, dtype=i_aval.dtype))
        idx = ctx.op("Clip", idx, lo, ctx.scalar_dim(n - 1, i_aval.dtype))
    return ctx.op("Gather", a, idx, axis=ax)


@register(PIPELINE, "jnp.einsum")
def einsum(ctx, *ops, equation, as_matmul):
    if as_matmul:  # a batched matmul: runtimes run MatMul faster than a generic Einsum
        return ctx.op("MatMul", *ops)
    return ctx.op("Einsum", *ops, equation=equation)


@register(PIPELINE, "jnp.matmul")
def matmul(ctx, a, b):
    return ctx.op("MatMul", a, b)


@register(PIPELINE, "jnp.arange")
def arange(ctx, *, start, stop, step, dtype):
    if stop is None:
        start, stop = 0, start
    dt = _out_dtype(ctx)
    vals = [ctx.const(np.array(v, dtype=dt)) for v in (start, stop, 1 if step is None else step)]
    return ctx.op("Range", *vals)


@register(PIPELINE, "jnp.linspace")
def linspace(ctx, *, start, stop, num, endpoint, dtype):
    dt = _out_dtype(ctx)
    div = (num - 1) if endpoint else num
    step = (stop - start) / div if div > 0 else 0.0
    r = ctx.op("Range", ctx.const(np.array(0, dt)), ctx.const(np.array(num, dt)), ctx.const(np.array(1, dt)))
    return ctx.op("Add", ctx.op("Mul", r, ctx.const(np.array(step, dt))), ctx.const(np.array(start, dt)))
