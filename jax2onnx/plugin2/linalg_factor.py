"""Factorizations and triangular solves in ONNX ops (onnx_ir pipeline): ``cholesky``,
``lu``, ``lu_pivots_to_permutation``, ``triangular_solve``.

Every algorithm is one ONNX ``Loop`` over the pivot / row index whose body is a
fixed handful of nodes (graph size O(1) in the matrix size), working on whole
``(..., m, n)`` tensors with index masks, so leading batch dims — symbolic ones
included — are vectorised, never unrolled. float32 and float64.

| primitive | algorithm | body nodes | work |
|---|---|---|---|
| ``cholesky`` | right-looking (outer-product) Cholesky on the lower triangle; a matrix with a pivot ≤ 0 (not positive definite) becomes all-NaN, as JAX's LAPACK lowering returns; a NaN entry propagates to the entries depending on it, as in JAX | ~20 | n iterations, O(n²) each |
| ``lu`` | Gaussian elimination with partial pivoting (LAPACK ``getrf``: first max-\\|·\\| row wins, NaN never chosen unless in the first slot; a zero pivot column is left unscaled, so singular input gives finite LU as in LAPACK) | ~35 | min(m,n) iterations, O(mn) each |
| ``lu_pivots_to_permutation`` | the row swaps applied to ``iota`` | ~12 | k iterations |
| ``triangular_solve`` | reduced to a left, non-transposed solve (transposes of ``a``/``b``), then forward or backward substitution, one row of the solution per iteration | ~10 | n iterations, O(n·nrhs) each |

Accuracy: the same rounding class as LAPACK's unblocked kernels (a different
summation order than the blocked BLAS JAX calls): in the catalog, max relative
error vs JAX ~1e-6 (float32) / ~1e-14 (float64) for well-conditioned input, growing
with the condition number like LAPACK's own error. ``conjugate_a`` is a no-op for
real input (complex linear algebra is not supported).
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register
from .linalg_loop import (axes, cast, col_ids, loop, row_ids, select_row, swap_last, take_col, take_row,
                          tri_mask, zeros)

PIPELINE = "onnx_ir"


def _k1(sub, it):
    return sub.op("Unsqueeze", it, axes(sub, 0))


def _real_dtype(aval, what):
    dt = np.dtype(aval.dtype)
    if not np.issubdtype(dt, np.floating):
        raise NotImplementedError(f"{what} of {dt.name} input: only real floating point is supported")
    return dt


# ---- cholesky ----------------------------------------------------------------------------
@register(PIPELINE, "cholesky")
def cholesky(ctx, a, **_):
    """Lower Cholesky factor; the strict upper triangle is the input's (LAPACK ``potrf``
    leaves it untouched; ``lax.linalg.cholesky`` zeroes it with ``tril`` afterwards)."""
    aval = ctx.in_avals[0]
    dt = _real_dtype(aval, "cholesky")
    n = aval.shape[-1]
    batch = tuple(aval.shape[:-2])
    rows, cols = ctx.const(row_ids(n)), ctx.const(col_ids(n))
    zero = ctx.const(np.array(0, dt))

    def body(sub, it, w, lo, ok):
        k1 = _k1(sub, it)
        col = take_col(sub, w, k1)                       # (..., n, 1)
        akk = take_row(sub, col, k1)                     # (..., 1, 1)
        ok = sub.op("And", ok, sub.op("Not", sub.op("LessOrEqual", akk, zero)))  # NaN propagates, as in JAX
        d = sub.op("Sqrt", akk)
        below = sub.op("Greater", rows, it)              # (n, 1)
        l = sub.op("Where", below, sub.op("Div", col, d), zero)
        w = sub.op("Sub", w, sub.op("MatMul", l, swap_last(sub, l, len(aval.shape))))
        lk = sub.op("Where", sub.op("Equal", rows, it), d, l)
        lo = sub.op("Where", sub.op("Equal", cols, it), lk, lo)
        return [w, lo, ok]

    ok0 = ctx.op("Expand", ctx.const(np.array(True)), ctx.shape(batch + (1, 1)))
    w, lo, ok = loop(ctx, ctx.const(np.array(n, np.int64)), [a, zeros(ctx, aval.shape, dt), ok0],
                     [(dt, aval.shape), (dt, aval.shape), (np.bool_, batch + (1, 1))], body, "cholesky")
    out = ctx.op("Where", ctx.const(tri_mask(n, lower=False, strict=True)), a, lo)
    return ctx.op("Where", ok, out, ctx.const(np.array(np.nan, dt)))


# ---- lu ----------------------------------------------------------------------------------
def _swap_rows(sub, x, is_k, is_p, row_k, row_p):
    """Rows k and p of ``x`` exchanged (``is_k``/``is_p`` masks ``(..., m, 1)``)."""
    return sub.op("Where", is_k, row_p, sub.op("Where", is_p, row_k, x))


@register(PIPELINE, "lu")
def lu(ctx, a, **_):
    """``(lu, pivots, permutation)`` as JAX: unit-lower L below the diagonal, U on and
    above it; int32 0-based pivots (row swapped with row k at step k) and the
    resulting row permutation."""
    aval = ctx.in_avals[0]
    dt = _real_dtype(aval, "lu")
    m, n = aval.shape[-2:]
    kmax = min(m, n)
    batch = tuple(aval.shape[:-2])
    rows, cols, kcols = ctx.const(row_ids(m)), ctx.const(col_ids(n)), ctx.const(col_ids(kmax))
    zero = ctx.const(np.array(0, dt))

    def body(sub, it, w, piv, perm):
        k1 = _k1(sub, it)
        col = take_col(sub, w, k1)                                   # (..., m, 1)
        # BLAS i_amax: the first max |.|; a NaN is never chosen, except in the first slot
        absc = sub.op("Abs", col)
        cand = sub.op("Where", sub.op("And", sub.op("GreaterOrEqual", rows, it), sub.op("Not", sub.op("IsNaN", absc))),
                      absc, sub.const(np.array(-1, dt)))
        p = sub.op("ArgMax", cand, axis=-2, keepdims=1)              # (..., 1, 1), first max
        p = sub.op("Where", sub.op("IsNaN", take_row(sub, col, k1)), it, p)
        is_k, is_p = sub.op("Equal", rows, it), sub.op("Equal", rows, p)
        row_k, row_p = take_row(sub, w, k1), select_row(sub, w, is_p, dt)
        w = _swap_rows(sub, w, is_k, is_p, row_k, row_p)
        perm_k = take_row(sub, perm, k1)
        perm_p = select_row(sub, perm, is_p, np.int64)
        perm = _swap_rows(sub, perm, is_k, is_p, perm_k, perm_p)
        piv = sub.op("Where", sub.op("Equal", kcols, it), p, piv)
        pivot = take_col(sub, row_p, k1)                             # (..., 1, 1)
        col = take_col(sub, w, k1)
        # LAPACK leaves a zero pivot column unscaled (it is all zeros below the pivot)
        scaled = sub.op("Where", sub.op("Equal", pivot, zero), col, sub.op("Div", col, pivot))
        below = sub.op("Greater", rows, it)
        l = sub.op("Where", below, scaled, zero)
        right = sub.op("Greater", cols, it)
        u = sub.op("Where", right, row_p, zero)
        upd = sub.op("Sub", w, sub.op("MatMul", l, u))
        w = sub.op("Where", below, sub.op("Where", right, upd, sub.op("Where", sub.op("Equal", cols, it), l, w)),
                   w)
        return [w, piv, perm]

    perm0 = ctx.op("Expand", ctx.const(row_ids(m)), ctx.shape(batch + (m, 1)))
    piv0 = zeros(ctx, batch + (1, kmax), np.int64)
    w, piv, perm = loop(ctx, ctx.const(np.array(kmax, np.int64)), [a, piv0, perm0],
                        [(dt, aval.shape), (np.int64, batch + (1, kmax)), (np.int64, batch + (m, 1))],
                        body, "lu")
    piv = cast(ctx, ctx.op("Squeeze", piv, axes(ctx, -2)), ctx.out_avals[1].dtype)
    perm = cast(ctx, ctx.op("Squeeze", perm, axes(ctx, -1)), ctx.out_avals[2].dtype)
    return w, piv, perm


@register(PIPELINE, "lu_pivots_to_permutation")
def lu_pivots_to_permutation(ctx, pivots, *, permutation_size, **_):
    """Apply the swaps ``k <-> pivots[k]`` in order to ``0..permutation_size-1``."""
    aval = ctx.in_avals[0]
    k = aval.shape[-1]
    m = permutation_size
    batch = tuple(aval.shape[:-1])
    rows = ctx.const(row_ids(m))
    piv = ctx.op("Unsqueeze", cast(ctx, pivots, np.int64), axes(ctx, -2))   # (..., 1, k)
    perm0 = ctx.op("Expand", ctx.const(row_ids(m)), ctx.shape(batch + (m, 1)))
    if k == 0:
        perm = perm0
    else:
        def body(sub, it, perm):
            k1 = _k1(sub, it)
            p = take_col(sub, piv, k1)                                # (..., 1, 1)
            is_k, is_p = sub.op("Equal", rows, it), sub.op("Equal", rows, p)
            return [_swap_rows(sub, perm, is_k, is_p, take_row(sub, perm, k1), select_row(sub, perm, is_p, np.int64))]

        perm, = loop(ctx, ctx.const(np.array(k, np.int64)), [perm0], [(np.int64, batch + (m, 1))], body,
                     "lu_pivots")
    return cast(ctx, ctx.op("Squeeze", perm, axes(ctx, -1)), ctx.out_avals[0].dtype)


# ---- triangular_solve --------------------------------------------------------------------
@register(PIPELINE, "triangular_solve")
def triangular_solve(ctx, a, b, *, left_side=False, lower=False, transpose_a=False, conjugate_a=False,
                     unit_diagonal=False, **_):
    """``op(a) x = b`` (left) or ``x op(a) = b`` (right), only ``a``'s ``lower`` triangle read.

    ``x op(a) = b`` is ``op(a)^T x^T = b^T``, so the solve runs as a left solve with
    ``t = a`` when ``transpose_a == right`` and ``t = a^T`` otherwise.
    """
    del conjugate_a  # real input only
    a_aval, b_aval = ctx.in_avals
    dt = _real_dtype(a_aval, "triangular_solve")
    rank = len(b_aval.shape)
    n = a_aval.shape[-1]
    right = not left_side
    if len(a_aval.shape) < rank:  # a shared by a batch of right-hand sides: broadcast in MatMul
        a = ctx.op("Reshape", a, ctx.const(np.array([1] * (rank - len(a_aval.shape)) + [n, n], np.int64)))
    t, t_lower = (a, lower) if transpose_a == right else (swap_last(ctx, a, rank), not lower)
    if right:
        b = swap_last(ctx, b, rank)
    zero = ctx.const(np.array(0, dt))
    tm = ctx.op("Where", ctx.const(tri_mask(n, t_lower, strict=True)), t, zero)
    if unit_diagonal:
        diag = None
    else:
        diag = ctx.op("ReduceSum", ctx.op("Where", ctx.const(np.eye(n, dtype=bool)), t, zero), axes(ctx, -1),
                      keepdims=1)                                      # (..., n, 1)
    x_shape = tuple(b_aval.shape) if not right else tuple(b_aval.shape[:-2]) + (b_aval.shape[-1], b_aval.shape[-2])
    rows = ctx.const(row_ids(n))
    last = ctx.const(np.array(n - 1, np.int64))

    def body(sub, it, x):
        k = it if t_lower else sub.op("Sub", last, it)
        k1 = _k1(sub, k)
        r = sub.op("Sub", take_row(sub, b, k1), sub.op("MatMul", take_row(sub, tm, k1), x))
        if diag is not None:
            r = sub.op("Div", r, take_row(sub, diag, k1))
        return [sub.op("Where", sub.op("Equal", rows, k), r, x)]

    if n == 0:
        return b if not right else swap_last(ctx, b, rank)
    x, = loop(ctx, ctx.const(np.array(n, np.int64)), [zeros(ctx, x_shape, dt)], [(dt, x_shape)], body,
              "triangular_solve")
    return swap_last(ctx, x, rank) if right else x
