"""Factorizations and solves in ONNX ops (onnx_ir pipeline): ``cholesky``, ``lu``,
``lu_pivots_to_permutation``, ``triangular_solve``, ``tridiagonal_solve``,
``cholesky_update``, ``symmetric_product``.

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
| ``tridiagonal_solve`` | LAPACK ``gtsv``: elimination with neighbour-row pivoting, then back substitution; singular → NaN as JAX | ~45 + ~15 | 2 loops of m iterations |
| ``cholesky_update`` | one Givens rotation (JAX's ``drotg``) per row | ~25 | n iterations |
| ``symmetric_product`` | ``alpha a aᵀ + beta c`` (one MatMul) | – | – |

Accuracy: the same rounding class as LAPACK's unblocked kernels (a different
summation order than the blocked BLAS JAX calls): in the catalog, max relative
error vs JAX ~1e-6 (float32) / ~1e-14 (float64) for well-conditioned input, growing
with the condition number like LAPACK's own error. ``conjugate_a`` is a no-op for
real input (complex linear algebra is not supported).
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register
from .linalg_loop import (as_vector, axes, cast, col_ids, loop, real_float_dtype, row_ids, select_row, swap_last,
                          take_col, take_row, tri_mask, zeros)

PIPELINE = "onnx_ir"




# ---- cholesky ----------------------------------------------------------------------------
@register(PIPELINE, "cholesky")
def cholesky(ctx, a, **_):
    """Lower Cholesky factor; the strict upper triangle is the input's (LAPACK ``potrf``
    leaves it untouched; ``lax.linalg.cholesky`` zeroes it with ``tril`` afterwards)."""
    aval = ctx.in_avals[0]
    dt = real_float_dtype(aval, "cholesky")
    n = aval.shape[-1]
    batch = tuple(aval.shape[:-2])
    rows, cols = ctx.const(row_ids(n)), ctx.const(col_ids(n))
    zero = ctx.const(np.array(0, dt))

    def body(sub, it, w, lo, ok):
        k1 = as_vector(sub, it)
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
    dt = real_float_dtype(aval, "lu")
    m, n = aval.shape[-2:]
    kmax = min(m, n)
    batch = tuple(aval.shape[:-2])
    rows, cols, kcols = ctx.const(row_ids(m)), ctx.const(col_ids(n)), ctx.const(col_ids(kmax))
    zero = ctx.const(np.array(0, dt))

    def body(sub, it, w, piv, perm):
        k1 = as_vector(sub, it)
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
            k1 = as_vector(sub, it)
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
    dt = real_float_dtype(a_aval, "triangular_solve")
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
        k1 = as_vector(sub, k)
        r = sub.op("Sub", take_row(sub, b, k1), sub.op("MatMul", take_row(sub, tm, k1), x))
        if diag is not None:
            r = sub.op("Div", r, take_row(sub, diag, k1))
        return [sub.op("Where", sub.op("Equal", rows, k), r, x)]

    if n == 0:
        return b if not right else swap_last(ctx, b, rank)
    x, = loop(ctx, ctx.const(np.array(n, np.int64)), [zeros(ctx, x_shape, dt)], [(dt, x_shape)], body,
              "triangular_solve")
    return swap_last(ctx, x, rank) if right else x


# ---- symmetric_product / cholesky_update ---------------------------------------------------
@register(PIPELINE, "symmetric_product")
def symmetric_product(ctx, a, c, *, alpha=1.0, beta=0.0, **_):
    """``alpha a aᵀ + beta c`` (the whole matrix, as JAX's CPU lowering computes it)."""
    a_aval, _ = ctx.in_avals
    dt = np.dtype(a_aval.dtype)
    prod = ctx.op("MatMul", a, swap_last(ctx, a, len(a_aval.shape)))
    return ctx.op("Add", ctx.op("Mul", ctx.const(np.array(alpha, dt)), prod),
                  ctx.op("Mul", ctx.const(np.array(beta, dt)), c))


@register(PIPELINE, "cholesky_update")
def cholesky_update(ctx, r, w, **_):
    """Upper factor of ``RᵀR + w wᵀ``: one Givens rotation (``drotg`` as JAX) per row,
    one ``Loop`` iteration each (~25 body nodes)."""
    r_aval, _ = ctx.in_avals
    dt = real_float_dtype(r_aval, "cholesky_update")
    n = r_aval.shape[-1]
    rows = ctx.const(row_ids(n))
    zero, one = ctx.const(np.array(0, dt)), ctx.const(np.array(1, dt))
    z0 = ctx.op("Unsqueeze", w, axes(ctx, 0))                         # (1, n)

    def body(sub, it, rm, z):
        k1 = as_vector(sub, it)
        row = take_row(sub, rm, k1)                                   # (1, n)
        x, y = take_col(sub, row, k1), take_col(sub, z, k1)           # (1, 1)
        ax, ay = sub.op("Abs", x), sub.op("Abs", y)
        den = sub.op("Max", ax, ay)
        flat = sub.op("Equal", y, zero)
        den = sub.op("Where", flat, one, den)
        xs, ys = sub.op("Div", x, den), sub.op("Div", y, den)
        rh = sub.op("Div", one, sub.op("Sqrt", sub.op("Add", sub.op("Mul", xs, xs), sub.op("Mul", ys, ys))))
        c = sub.op("Where", flat, one, sub.op("Mul", xs, rh))
        s = sub.op("Where", flat, zero, sub.op("Neg", sub.op("Mul", ys, rh)))
        new_row = sub.op("Sub", sub.op("Mul", c, row), sub.op("Mul", s, z))
        z = sub.op("Add", sub.op("Mul", c, z), sub.op("Mul", s, row))
        return [sub.op("Where", sub.op("Equal", rows, it), new_row, rm), z]

    out, _ = loop(ctx, ctx.const(np.array(n, np.int64)), [r, z0], [(dt, (n, n)), (dt, (1, n))], body,
                  "cholesky_update")
    return out


# ---- tridiagonal_solve ---------------------------------------------------------------------
@register(PIPELINE, "tridiagonal_solve")
def tridiagonal_solve(ctx, dl, d, du, b, *, perturb_singular=False, **_):
    """LAPACK ``gtsv``: Gaussian elimination with partial pivoting between neighbouring
    rows (fill-in on the second superdiagonal), then back substitution; a singular
    system gives NaN as JAX's CPU lowering. One ``Loop`` for each phase (~45 / ~15 body
    nodes). ``perturb_singular=True`` is not supported."""
    if perturb_singular:
        raise NotImplementedError("tridiagonal_solve(perturb_singular=True) is not supported")
    d_aval, b_aval = ctx.in_avals[1], ctx.in_avals[3]
    dt = real_float_dtype(b_aval, "tridiagonal_solve")
    m = d_aval.shape[-1]
    batch = tuple(d_aval.shape[:-1])
    zero = ctx.const(np.array(0, dt))
    idx = ctx.const(np.arange(m, dtype=np.int64))                      # (m,)
    rows = ctx.const(row_ids(m))
    # sub[i] = A[i+1, i] (LAPACK's DL), the last superdiagonal entry is not part of A
    sub_d = ctx.op("Concat", ctx.op("Slice", dl, ctx.const(np.array([1], np.int64)), ctx.const(np.array([m], np.int64)),
                                    axes(ctx, -1)), ctx.op("Expand", zero, ctx.shape(batch + (1,))), axis=-1)
    up = ctx.op("Where", ctx.const(np.arange(m) < m - 1), du, zero)
    vec = (dt, batch + (m,))
    if m == 1:
        x = ctx.op("Div", b, ctx.op("Unsqueeze", d, axes(ctx, -1)))
        return x

    def pick(s, v, i1):
        return s.op("Gather", v, i1, axis=-1)                          # (..., 1)

    def put(s, v, i, val):
        return s.op("Where", s.op("Equal", idx, i), val, v)

    def fwd(s, it, dd, uu, u2, lo, bb, ok):
        i1, j = as_vector(s, it), s.op("Add", it, s.const(np.array(1, np.int64)))
        j1 = as_vector(s, j)
        di, dj, ui, uj, li = pick(s, dd, i1), pick(s, dd, j1), pick(s, uu, i1), pick(s, uu, j1), pick(s, lo, i1)
        bi, bj = take_row(s, bb, i1), take_row(s, bb, j1)              # (..., 1, n)
        keep = s.op("GreaterOrEqual", s.op("Abs", di), s.op("Abs", li))  # no interchange
        ok = s.op("And", ok, s.op("Not", s.op("And", keep, s.op("Equal", di, zero))))
        one = s.const(np.array(1, dt))
        f_keep = s.op("Div", li, s.op("Where", s.op("Equal", di, zero), one, di))
        f_swap = s.op("Div", di, s.op("Where", s.op("Equal", li, zero), one, li))
        # no interchange: row j -= f row i
        dj_k = s.op("Sub", dj, s.op("Mul", f_keep, ui))
        bj_k = s.op("Sub", bj, s.op("Mul", s.op("Unsqueeze", f_keep, axes(s, -1)), bi))
        # interchange: row i <- row j, row j <- old row i - f row j
        dj_s = s.op("Sub", ui, s.op("Mul", f_swap, dj))
        u2_s = uj
        uj_s = s.op("Neg", s.op("Mul", f_swap, uj))
        bj_s = s.op("Sub", bi, s.op("Mul", s.op("Unsqueeze", f_swap, axes(s, -1)), bj))
        dd = put(s, put(s, dd, it, s.op("Where", keep, di, li)), j, s.op("Where", keep, dj_k, dj_s))
        u2 = put(s, u2, it, s.op("Where", keep, zero, u2_s))
        uu = put(s, put(s, uu, it, s.op("Where", keep, ui, dj)), j, s.op("Where", keep, uj, uj_s))
        keep_b = s.op("Unsqueeze", keep, axes(s, -1))
        new_bi = s.op("Where", keep_b, bi, bj)
        new_bj = s.op("Where", keep_b, bj_k, bj_s)
        bb = s.op("Where", s.op("Equal", rows, it), new_bi, s.op("Where", s.op("Equal", rows, j), new_bj, bb))
        return [dd, uu, u2, lo, bb, ok]

    ok0 = ctx.op("Expand", ctx.const(np.array(True)), ctx.shape(batch + (1,)))
    dd, uu, u2, _, bb, ok = loop(
        ctx, ctx.const(np.array(m - 1, np.int64)), [d, up, ctx.op("Expand", zero, ctx.shape(batch + (m,))), sub_d, b, ok0],
        [vec, vec, vec, vec, (dt, tuple(b_aval.shape)), (np.bool_, batch + (1,))], fwd, "gtsv_factor")
    last_d = ctx.op("Gather", dd, ctx.const(np.array([m - 1], np.int64)), axis=-1)
    ok = ctx.op("And", ok, ctx.op("Not", ctx.op("Equal", last_d, zero)))
    top = ctx.const(np.array(m - 1, np.int64))

    def back(s, it, x):
        i = s.op("Sub", top, it)
        i1 = as_vector(s, i)
        j1 = as_vector(s, s.op("Min", s.op("Add", i, s.const(np.array(1, np.int64))), top))
        k1 = as_vector(s, s.op("Min", s.op("Add", i, s.const(np.array(2, np.int64))), top))
        r = s.op("Sub", take_row(s, bb, i1), s.op("Mul", s.op("Unsqueeze", pick(s, uu, i1), axes(s, -1)),
                                                 take_row(s, x, j1)))
        r = s.op("Sub", r, s.op("Mul", s.op("Unsqueeze", pick(s, u2, i1), axes(s, -1)), take_row(s, x, k1)))
        r = s.op("Div", r, s.op("Unsqueeze", pick(s, dd, i1), axes(s, -1)))
        return [s.op("Where", s.op("Equal", rows, i), r, x)]

    x, = loop(ctx, ctx.const(np.array(m, np.int64)), [zeros(ctx, b_aval.shape, dt)], [(dt, tuple(b_aval.shape))],
              back, "gtsv_solve")
    return ctx.op("Where", ctx.op("Unsqueeze", ok, axes(ctx, -1)), x, ctx.const(np.array(np.nan, dt)))
