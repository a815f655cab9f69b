"""Orthogonal similarity reductions in ONNX ops (onnx_ir pipeline): ``hessenberg``
(LAPACK ``gehrd``) and ``tridiagonal`` (LAPACK ``sytrd``).

Both run one ``Loop`` over the column index (n-1 iterations, ~45 body nodes, O(n²)
work each, no per-element unrolling; batch dims vectorised). Column i's reflector
``H_i = I - tau v vᵀ`` is LAPACK's ``dlarfg`` of ``A[i+1:, i]`` (v[i+1] = 1; the same
convention as :mod:`.linalg_qr`), applied from both sides. The outputs are packed as
LAPACK packs them, so they compare directly with JAX's:

* ``hessenberg``: (upper Hessenberg H with the reflectors below its subdiagonal, taus);
* ``tridiagonal`` with ``lower=True``: the lower triangle read (as ``dsytd2``), the
  diagonal/subdiagonal replaced by T's, the reflectors below, the strict upper
  triangle the input's; ``lower=False`` is the same algorithm on the index-reversed
  matrix (``dsytd2('U')`` is exactly that mirror image), with the outputs mirrored back.

Accuracy: backward stable like LAPACK's unblocked code; in the catalog the outputs
match JAX to ~1e-6 (float32) / ~1e-14 (float64) relative.
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register
from .linalg_loop import as_vector, axes, col_ids, loop, real_float_dtype, row_ids, swap_last, take_col, tri_mask
from .linalg_qr import reflector

PIPELINE = "onnx_ir"




def _reduce(ctx, a, shape, dt, symmetric):
    """(clean reduced matrix, reflector store (v below row i+1 in column i), taus ``(..., 1, n-1)``)."""
    n = shape[-1]
    batch = tuple(shape[:-2])
    rank = len(shape)
    rows, cols, kcols = ctx.const(row_ids(n)), ctx.const(col_ids(n)), ctx.const(col_ids(n - 1))
    zero = ctx.const(np.array(0, dt))
    one_i = ctx.const(np.array(1, np.int64))
    half = ctx.const(np.array(0.5, dt))

    def body(sub, it, w, store, taus):
        j = sub.op("Add", it, one_i)                                     # pivot row i+1
        col = take_col(sub, w, as_vector(sub, it))
        beta, tau, v, v_below = reflector(sub, col, j, as_vector(sub, j), rows, dt)
        vt = swap_last(sub, v, rank)
        if symmetric:   # W <- H W H = W - v wᵀ - w vᵀ, w = p - tau/2 (pᵀv) v, p = tau W v
            p = sub.op("Mul", tau, sub.op("MatMul", w, v))
            pv = sub.op("ReduceSum", sub.op("Mul", p, v), axes(sub, -2), keepdims=1)
            ww = sub.op("Sub", p, sub.op("Mul", sub.op("Mul", half, sub.op("Mul", tau, pv)), v))
            w = sub.op("Sub", w, sub.op("Add", sub.op("MatMul", v, swap_last(sub, ww, rank)),
                                        sub.op("MatMul", ww, vt)))
        else:           # W <- W H (all rows), then H W (rows below i)
            w = sub.op("Sub", w, sub.op("MatMul", sub.op("Mul", tau, sub.op("MatMul", w, v)), vt))
            vt_w = sub.op("MatMul", vt, w)
            w = sub.op("Sub", w, sub.op("Mul", sub.op("Mul", tau, v), vt_w))
        # column i (and row i when symmetric) become (..., beta at i+1, zeros below)
        new_col = sub.op("Where", sub.op("Equal", rows, j), beta,
                         sub.op("Where", sub.op("Greater", rows, j), zero, col))
        is_col = sub.op("Equal", cols, it)
        w = sub.op("Where", is_col, new_col, w)
        if symmetric:
            w = sub.op("Where", sub.op("Equal", rows, it), swap_last(sub, new_col, rank), w)
        store = sub.op("Where", is_col, v_below, store)
        taus = sub.op("Where", sub.op("Equal", kcols, it), tau, taus)
        return [w, store, taus]

    store0 = ctx.op("Expand", zero, ctx.shape(batch + (n, n)))
    taus0 = ctx.op("Expand", zero, ctx.shape(batch + (1, n - 1)))
    return loop(ctx, ctx.const(np.array(n - 1, np.int64)), [a, store0, taus0],
                [(dt, tuple(shape)), (dt, tuple(shape)), (dt, batch + (1, n - 1))], body, "reduce")


def _packed(ctx, w, store, n):
    """The reduced matrix with the reflectors stored below its first subdiagonal."""
    return ctx.op("Where", ctx.const(np.tril(np.ones((n, n), bool), -2)), store, w)


@register(PIPELINE, "hessenberg")
def hessenberg(ctx, a, **_):
    aval = ctx.in_avals[0]
    dt = real_float_dtype(aval, "hessenberg")
    n = aval.shape[-1]
    if n <= 1:
        return a, ctx.op("Expand", ctx.const(np.array(0, dt)), ctx.shape(tuple(aval.shape[:-2]) + (0,)))
    w, store, taus = _reduce(ctx, a, aval.shape, dt, symmetric=False)
    return _packed(ctx, w, store, n), ctx.op("Squeeze", taus, axes(ctx, -2))


@register(PIPELINE, "tridiagonal")
def tridiagonal(ctx, a, *, lower=True, **_):
    """``(arr, d, e, taus)`` as ``lax.linalg.tridiagonal``."""
    aval = ctx.in_avals[0]
    dt = real_float_dtype(aval, "tridiagonal")
    shape = tuple(aval.shape)
    n = shape[-1]
    rank = len(shape)
    batch = shape[:-2]
    rev = np.arange(n - 1, -1, -1, dtype=np.int64)
    x = a if lower else ctx.op("Gather", ctx.op("Gather", a, ctx.const(rev), axis=-2), ctx.const(rev), axis=-1)
    zero = ctx.const(np.array(0, dt))
    tri = ctx.op("Where", ctx.const(tri_mask(n, True)), x, zero)
    strict = ctx.op("Where", ctx.const(tri_mask(n, True, strict=True)), x, zero)
    sym = ctx.op("Add", tri, swap_last(ctx, strict, rank))
    if n > 1:
        w, store, taus = _reduce(ctx, sym, shape, dt, symmetric=True)
        taus = ctx.op("Squeeze", taus, axes(ctx, -2))
    else:
        w, store = sym, sym
        taus = ctx.op("Expand", zero, ctx.shape(batch + (0,)))
    d = ctx.op("ReduceSum", ctx.op("Where", ctx.const(np.eye(n, dtype=bool)), w, zero), axes(ctx, -1), keepdims=0)
    if n > 1:
        e = ctx.op("ReduceSum", ctx.op("Where", ctx.const(np.eye(n, k=-1, dtype=bool)[:, :n - 1]),
                                       ctx.op("Slice", w, ctx.const(np.array([0], np.int64)),
                                              ctx.const(np.array([n - 1], np.int64)), axes(ctx, -1)), zero),
                   axes(ctx, -2), keepdims=0)
    else:  # no off-diagonal (onnxruntime 1.31 keeps the reduced axis of an empty ReduceSum)
        e = ctx.op("Expand", zero, ctx.shape(batch + (0,)))
    # lower part (diagonal and below) from the reduction, strict upper the input's
    arr = ctx.op("Where", ctx.const(tri_mask(n, True)), _packed(ctx, w, store, n), x)
    if not lower:
        r1 = ctx.const(np.arange(n - 2, -1, -1, dtype=np.int64))
        arr = ctx.op("Gather", ctx.op("Gather", arr, ctx.const(rev), axis=-2), ctx.const(rev), axis=-1)
        d = ctx.op("Gather", d, ctx.const(rev), axis=-1)
        e = ctx.op("Gather", e, r1, axis=-1)
        taus = ctx.op("Gather", taus, r1, axis=-1)
    return arr, d, e, taus
