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
| ``tridiagonal_solve`` | LAPACK ``gtsv``: elimination with neighbour-row pivoting, then back substitution; singular → NaN as JAX. ``perturb_singular=True``: JAX's CPU kernel (``xLAGTF`` + ``xLAGTS``, tiny pivots perturbed) | ~45 + ~15 (~50 + ~45) | 2 loops of m iterations |
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
def _backward_rows(s, it, top):
    """Row ``i = top - it`` of a backward sweep (scalar), and rows i, i+1, i+2 (clamped to
    ``top``) as length-1 index vectors."""
    i = s.op("Sub", top, it)
    nxt = [as_vector(s, s.op("Min", s.op("Add", i, s.const(np.array(k, np.int64))), top)) for k in (1, 2)]
    return i, as_vector(s, i), nxt[0], nxt[1]


@register(PIPELINE, "tridiagonal_solve")
def tridiagonal_solve(ctx, dl, d, du, b, *, perturb_singular=False, **_):
    """LAPACK ``gtsv``: Gaussian elimination with partial pivoting between neighbouring
    rows (fill-in on the second superdiagonal), then back substitution; a singular
    system gives NaN as JAX's CPU lowering. One ``Loop`` for each phase (~45 / ~15 body
    nodes). ``perturb_singular=True``: :func:`tridiagonal_solve_perturbed`."""
    d_aval, b_aval = ctx.in_avals[1], ctx.in_avals[3]
    dt = real_float_dtype(b_aval, "tridiagonal_solve")
    if perturb_singular:
        return tridiagonal_solve_perturbed(ctx, dl, d, du, b, dt)
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
        i, i1, j1, k1 = _backward_rows(s, it, top)
        r = s.op("Sub", take_row(s, bb, i1), s.op("Mul", s.op("Unsqueeze", pick(s, uu, i1), axes(s, -1)),
                                                 take_row(s, x, j1)))
        r = s.op("Sub", r, s.op("Mul", s.op("Unsqueeze", pick(s, u2, i1), axes(s, -1)), take_row(s, x, k1)))
        r = s.op("Div", r, s.op("Unsqueeze", pick(s, dd, i1), axes(s, -1)))
        return [s.op("Where", s.op("Equal", rows, i), r, x)]

    x, = loop(ctx, ctx.const(np.array(m, np.int64)), [zeros(ctx, b_aval.shape, dt)], [(dt, tuple(b_aval.shape))],
              back, "gtsv_solve")
    return ctx.op("Where", ctx.op("Unsqueeze", ok, axes(ctx, -1)), x, ctx.const(np.array(np.nan, dt)))


def _perturb_pivot(s, p, row, perturb, dt, divide=False):
    """JAX's ``MaybePerturbPivot`` (from LAPACK ``xLAGTS``) in closed form: a pivot with
    ``|p| < min(1, max|row|·safemin)`` (zero included) grows by ``P, 2P, 4P, …``
    (``P = max(perturb, safemin)`` with p's sign) until it is not; a tiny nonzero pivot
    that is large enough relative to the row is scaled by ``1/safemin`` with the row.
    Returns ``row · (1/p)`` (``row / p`` with ``divide``, as the kernel's 1×1 case)."""
    fi = np.finfo(dt)
    safemin = float(fi.tiny)
    one, zero = s.const(np.array(1, dt)), s.const(np.array(0, dt))
    ap = s.op("Abs", p)
    # copysign(., p) reads p's sign bit (1/-0 = -inf); but a -0.0 computed in the graph
    # usually reaches here as +0.0 (onnxruntime's Where drops the sign of zero)
    sign = s.op("Where", s.op("Less", s.op("Reciprocal", p), zero), s.const(np.array(-1, dt)), one)
    big_p = s.op("Max", s.op("Abs", perturb), s.const(np.array(safemin, dt)))
    mf = s.op("ReduceMax", s.op("Abs", row), axes(s, -1), keepdims=0)           # (..., 1)
    thr = s.op("Min", one, s.op("Mul", mf, s.const(np.array(safemin, dt))))
    scale = s.op("And", s.op("And", s.op("Less", ap, s.const(np.array(safemin, dt))), s.op("Not", s.op("Equal", ap, zero))),
                 s.op("GreaterOrEqual", ap, s.op("Mul", mf, s.const(np.array(safemin, dt)))))
    grow = s.op("And", s.op("Not", scale), s.op("Or", s.op("Equal", ap, zero), s.op("Less", ap, thr)))
    steps = s.op("Ceil", s.op("Div", s.op("Log", s.op("Add", s.op("Div", s.op("Max", s.op("Sub", thr, ap), zero), big_p), one)),
                                s.const(np.array(np.log(2.0), dt))))
    steps = s.op("Max", steps, one)
    g = s.op("Add", ap, s.op("Mul", big_p, s.op("Sub", s.op("Pow", s.const(np.array(2, dt)), steps), one)))
    steps = s.op("Where", s.op("Less", g, thr), s.op("Add", steps, one), steps)     # log rounding, one fix-up
    g = s.op("Add", ap, s.op("Mul", big_p, s.op("Sub", s.op("Pow", s.const(np.array(2, dt)), steps), one)))
    bignum = s.const(np.array(1 / safemin, dt))
    p = s.op("Where", grow, s.op("Mul", sign, g), s.op("Where", scale, s.op("Mul", p, bignum), p))
    row = s.op("Where", s.op("Unsqueeze", scale, axes(s, -1)), s.op("Mul", row, bignum), row)
    if divide:
        return s.op("Div", row, s.op("Unsqueeze", p, axes(s, -1)))
    return s.op("Mul", row, s.op("Unsqueeze", s.op("Reciprocal", p), axes(s, -1)))


def tridiagonal_solve_perturbed(ctx, dl, d, du, b, dt):
    """``tridiagonal_solve(perturb_singular=True)`` as JAX's CPU kernel (LAPACK ``xLAGTF`` +
    ``xLAGTS``): elimination with row interchanges chosen by scaled pivots
    (``|u_kk|/scale_k`` vs ``|l_k+1|/scale_k+1``), the forward solve fused into it, then back
    substitution in which a (nearly) zero pivot is perturbed by ``eps·max|U|``
    (:func:`_perturb_pivot`), so numerically singular systems give a finite solution
    (inverse iteration). Two ``Loop``s of m-1 / m iterations (~60 / ~45 body nodes).
    Bit-exact with JAX in the catalog; one known difference: a pivot that is exactly
    -0.0 is perturbed towards + (JAX: towards -), because onnxruntime's ``Where`` does not
    keep the sign of a zero, so that solution component has the opposite sign."""
    d_aval, b_aval = ctx.in_avals[1], ctx.in_avals[3]
    m = d_aval.shape[-1]
    batch = tuple(d_aval.shape[:-1])
    zero, one = ctx.const(np.array(0, dt)), ctx.const(np.array(1, dt))
    eps = float(np.finfo(dt).eps)
    idx = ctx.const(np.arange(m, dtype=np.int64))
    rows = ctx.const(row_ids(m))
    vec, sc = (dt, batch + (m,)), (dt, batch + (1,))

    def pick(s, v, i1):
        return s.op("Gather", v, i1, axis=-1)                                  # (..., 1)

    def put(s, v, i, val):
        return s.op("Where", s.op("Equal", idx, i), val, v)

    if m == 1:
        row = b                                                                # (..., 1, n)
        p = d                                                                  # (..., 1)
        return _perturb_pivot(ctx, p, row, ctx.op("Mul", ctx.op("Abs", p), ctx.const(np.array(eps, dt))), dt, divide=True)

    d0 = ctx.op("Gather", d, ctx.const(np.array([0], np.int64)), axis=-1)
    du0 = ctx.op("Gather", du, ctx.const(np.array([0], np.int64)), axis=-1)
    maxu0 = ctx.op("Max", ctx.op("Abs", d0), ctx.op("Abs", du0))
    scale0 = ctx.op("Add", ctx.op("Abs", d0), ctx.op("Abs", du0))
    u1_0 = ctx.op("Where", ctx.const(np.arange(m) == 0), du, zero)
    last_k = ctx.const(np.array(m - 2, np.int64))

    def fwd(s, it, u0, u1, u2, x, scale1, maxu):
        i1, j = as_vector(s, it), s.op("Add", it, s.const(np.array(1, np.int64)))
        j1 = as_vector(s, j)
        dk1, sk1, supk1 = pick(s, d, j1), pick(s, dl, j1), pick(s, du, j1)
        inner = s.op("Less", it, last_k)                                       # k < n-2
        scale2 = s.op("Add", s.op("Abs", sk1), s.op("Abs", dk1))
        scale2 = s.op("Add", scale2, s.op("Where", inner, s.op("Abs", supk1), zero))
        uk0, uk1 = pick(s, u0, i1), pick(s, u1, i1)
        xk, xk1 = take_row(s, x, i1), take_row(s, x, j1)                        # (..., 1, n)
        no_sub = s.op("Equal", sk1, zero)
        piv1 = s.op("Where", s.op("Equal", uk0, zero), zero, s.op("Div", s.op("Abs", uk0), s.op("Where", s.op("Equal", scale1, zero), one, scale1)))
        piv2 = s.op("Div", s.op("Abs", sk1), s.op("Where", s.op("Equal", scale2, zero), one, scale2))
        keep = s.op("And", s.op("Not", no_sub), s.op("LessOrEqual", piv2, piv1))
        swap = s.op("And", s.op("Not", no_sub), s.op("Not", keep))
        f_keep = s.op("Div", sk1, s.op("Where", s.op("Equal", uk0, zero), one, uk0))
        f_swap = s.op("Div", uk0, s.op("Where", no_sub, one, sk1))
        # row k+1 (and k on a swap)
        n_uk0 = s.op("Where", swap, sk1, uk0)
        n_uk1 = s.op("Where", swap, dk1, uk1)
        n_uk2 = s.op("Where", s.op("And", swap, inner), supk1, zero)
        uj0_keep, uj0_swap = s.op("Sub", dk1, s.op("Mul", f_keep, uk1)), s.op("Sub", uk1, s.op("Mul", f_swap, dk1))
        n_uj0 = s.op("Where", keep, uj0_keep, s.op("Where", swap, uj0_swap, dk1))
        n_uj1 = s.op("Where", swap, s.op("Where", inner, s.op("Neg", s.op("Mul", f_swap, supk1)), zero), supk1)
        fk_row, fs_row = s.op("Unsqueeze", f_keep, axes(s, -1)), s.op("Unsqueeze", f_swap, axes(s, -1))
        keep_r, swap_r = s.op("Unsqueeze", keep, axes(s, -1)), s.op("Unsqueeze", swap, axes(s, -1))
        n_xk1 = s.op("Where", keep_r, s.op("Sub", xk1, s.op("Mul", fk_row, xk)),
                     s.op("Where", swap_r, s.op("Sub", xk, s.op("Mul", fs_row, xk1)), xk1))
        n_xk = s.op("Where", swap_r, xk1, xk)
        scale1 = s.op("Where", swap, s.op("Add", s.op("Abs", n_uj0), s.op("Abs", n_uj1)), scale2)
        u0 = put(s, put(s, u0, it, n_uk0), j, n_uj0)
        u1 = put(s, put(s, u1, it, n_uk1), j, n_uj1)
        u2 = put(s, u2, it, n_uk2)
        x = s.op("Where", s.op("Equal", rows, it), n_xk, s.op("Where", s.op("Equal", rows, j), n_xk1, x))
        rowmax = s.op("Max", s.op("Max", s.op("Abs", n_uk0), s.op("Abs", n_uk1)), s.op("Abs", n_uk2))
        maxu = s.op("Where", inner, s.op("Max", maxu, rowmax), maxu)
        return [u0, u1, u2, x, scale1, maxu]

    u0, u1, u2, x, _, maxu = loop(
        ctx, ctx.const(np.array(m - 1, np.int64)),
        [d, u1_0, ctx.op("Expand", zero, ctx.shape(batch + (m,))), b, scale0, maxu0],
        [vec, vec, vec, (dt, tuple(b_aval.shape)), sc, sc], fwd, "lagtf")
    last = ctx.op("Gather", u0, ctx.const(np.array([m - 1], np.int64)), axis=-1)
    perturb = ctx.op("Mul", ctx.op("Max", maxu, ctx.op("Abs", last)), ctx.const(np.array(eps, dt)))
    top = ctx.const(np.array(m - 1, np.int64))

    def back(s, it, xs):
        i, i1, j1, k1 = _backward_rows(s, it, top)
        c1 = s.op("Where", s.op("Equal", i, top), zero, pick(s, u1, i1))
        r = s.op("Sub", take_row(s, x, i1), s.op("Mul", s.op("Unsqueeze", c1, axes(s, -1)), take_row(s, xs, j1)))
        r = s.op("Sub", r, s.op("Mul", s.op("Unsqueeze", pick(s, u2, i1), axes(s, -1)), take_row(s, xs, k1)))
        r = _perturb_pivot(s, pick(s, u0, i1), r, perturb, dt)
        return [s.op("Where", s.op("Equal", rows, i), r, xs)]

    out, = loop(ctx, ctx.const(np.array(m, np.int64)), [zeros(ctx, b_aval.shape, dt)], [(dt, tuple(b_aval.shape))],
                back, "lagts")
    return out
