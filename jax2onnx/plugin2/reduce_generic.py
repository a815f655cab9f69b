"""The generic variadic ``reduce`` (``lax.reduce`` with a user computation) and
``approx_top_k`` (``lax.approx_max_k`` / ``approx_min_k``).

``reduce``: when the computation is a monoid per operand (output ``i`` is
``op(lhs_i, rhs_i)`` with ``op`` one of add, mul, max, min, and, or, xor) each
operand becomes one ONNX Reduce node combined once with its init value. Any
other computation (pairs reduced together, e.g. a value/index argmax) falls back
to a sequential fold: the reduced axes move to the front and flatten to ``N``,
and a ``scan`` (ONNX ``Loop``, one iteration per reduced element, O(1) nodes)
applies the computation, vmapped over the kept elements, starting from the init
values. Both are exact (the fold in JAX's own order).

``approx_top_k``: the exact top-k (``TopK`` on the reduction axis, recall 1.0),
which JAX itself computes on CPU. Minimum-k of floats uses ``-x``.
Both lower by tracing the equivalent JAX function at the equation's abstract
values and inlining it, so existing lowerings (reductions, scan, top_k) do the work.
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "onnx_ir"

_MONOIDS = {
    "add": "reduce_sum", "mul": "reduce_prod", "max": "reduce_max", "min": "reduce_min",
    "and": "reduce_and", "or": "reduce_or", "xor": "reduce_xor",
}


def _wide(avals) -> bool:
    return any(np.dtype(a.dtype).itemsize == 8 and np.dtype(a.dtype).kind in "fiu" for a in avals)


def _inline_traced(ctx, fn, args):
    import jax

    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in ctx.in_avals]
    with jax.enable_x64(_wide(ctx.in_avals + ctx.out_avals)):
        closed = jax.make_jaxpr(fn)(*specs)
    return tuple(ctx.inline(closed.jaxpr, args, closed.consts))


def monoid_ops(closed) -> list[str] | None:
    """Per operand, the binary primitive of a monoid computation; None if not one."""
    jaxpr = closed.jaxpr if hasattr(closed, "jaxpr") else closed
    n = len(jaxpr.outvars)
    lhs, rhs = jaxpr.invars[:n], jaxpr.invars[n:]
    by_out = {}
    for eqn in jaxpr.eqns:
        if (eqn.primitive.name not in _MONOIDS or len(eqn.invars) != 2 or len(eqn.outvars) != 1):
            return None
        by_out[eqn.outvars[0]] = eqn
    ops = []
    for i, out in enumerate(jaxpr.outvars):
        eqn = by_out.get(out)
        if eqn is None or set(eqn.invars) != {lhs[i], rhs[i]} or len(set(eqn.invars)) != 2:
            return None
        ops.append(eqn.primitive.name)
    return ops if len(by_out) == n else None


def _fold(closed, dimensions, operands, inits):
    """Sequential fold of the computation over ``dimensions`` (a scan)."""
    import jax
    import jax.numpy as jnp
    from jax.extend.core import jaxpr_as_fun

    comp = jaxpr_as_fun(closed)
    n = len(operands)
    kept = [d for d in range(operands[0].ndim) if d not in dimensions]
    perm = tuple(dimensions) + tuple(kept)
    kept_shape = tuple(operands[0].shape[d] for d in kept)
    xs = [jnp.transpose(x, perm).reshape((-1,) + kept_shape) for x in operands]
    carry0 = [jnp.broadcast_to(i, kept_shape) for i in inits]
    step = comp
    for _ in kept_shape:
        step = jax.vmap(step)

    def body(carry, x):
        return list(step(*carry, *x)), None

    out, _ = jax.lax.scan(body, carry0, xs)
    return tuple(out[:n])


@register(PIPELINE, "reduce")
def reduce(ctx, *args, jaxpr, dimensions, **_):
    import jax.lax as lax
    from jax._src.lax import lax as lax_internal  # the reduce_* primitives themselves

    n = len(args) // 2
    ops = monoid_ops(jaxpr)
    dims = tuple(dimensions)

    def fn(*xs):
        operands, inits = xs[:n], xs[n:]
        if ops is None:
            return _fold(jaxpr, dims, operands, inits)
        outs = []
        for op, x, init in zip(ops, operands, inits):
            red = getattr(lax_internal, f"{_MONOIDS[op]}_p").bind(x, axes=dims, out_sharding=None)
            outs.append(getattr(lax, {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor"}
                                .get(op, op))(init, red))
        return tuple(outs)

    return _inline_traced(ctx, fn, args)


@register(PIPELINE, "approx_top_k")
def approx_top_k(ctx, x, *, reduction_dimension, is_max_k, **_):
    import jax.lax as lax
    import jax.numpy as jnp

    rank = len(ctx.in_avals[0].shape)
    dim = reduction_dimension % rank
    k = ctx.out_avals[0].shape[dim]

    def fn(v):
        v = jnp.moveaxis(v, dim, -1)
        vals, idx = lax.top_k(v if is_max_k else -v, k)
        vals = vals if is_max_k else -vals
        return jnp.moveaxis(vals, -1, dim), jnp.moveaxis(idx, -1, dim)

    return _inline_traced(ctx, fn, (x,))
