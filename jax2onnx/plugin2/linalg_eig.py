"""Symmetric eigendecomposition and SVD by parallel cyclic Jacobi in ONNX ops (onnx_ir
pipeline): ``eigh``, ``svd``.

**Schedule.** The matrix (padded to an even size N with a zero row/column, which no
rotation ever touches) is kept in a "tournament" ordering where row/column i of the
top half pairs with row/column i of the bottom half. One *round* rotates all N/2
disjoint pairs at once with elementwise ops on the halves, then applies one fixed
permutation so the next round meets new pairs (round-robin / Brent–Luk ordering);
N-1 rounds are one sweep, covering every pair once. One ONNX ``Loop`` runs the
rounds (~60 body nodes, O(N²) work per round; no matrix products).

**eigh** (two-sided Jacobi on the symmetrized ``lower`` triangle): the rotation of a
pair zeroes its off-diagonal entry (``t = 2 a_pq sign(d)/(|d| + sqrt(d² + 4 a_pq²))``,
``d = a_qq - a_pp``). The loop stops when the off-diagonal Frobenius norm of every
matrix in the batch is ≤ N·eps·‖A‖_F, or after 16 sweeps. Eigenvalues are sorted
ascending as JAX's; ``subset_by_index`` slices the sorted result. Eigenvalues are
accurate to a few eps·‖A‖; an eigenvector to eps·‖A‖/gap. Sign (and, for repeated
eigenvalues, the basis) of eigenvectors is not defined by JAX/LAPACK either.

**svd** (one-sided Hestenes Jacobi on ``A`` or ``Aᵀ``, whichever is tall): each pair of
columns is rotated to be orthogonal, ``V`` accumulates the rotations; the loop stops
after a sweep in which every pair had ``|g_p·g_q| ≤ N·eps·‖g_p‖‖g_q‖``, or after 16
sweeps. Singular values are the column norms, sorted descending as JAX's; U comes
from a Householder QR of the orthogonalized columns (so U is orthonormal also for
zero singular values and ``full_matrices=True``), with signs making ``R``'s diagonal
non-negative. Singular values have high relative accuracy (a few eps); vectors as
for eigh, signs not defined.

Both work on ``(..., n, n)``/``(..., m, n)`` with any batch dims, symbolic ones included.
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register
from .linalg_loop import axes, cast, loop, real_float_dtype, swap_last, tri_mask
from .linalg_qr import qr_values

PIPELINE = "onnx_ir"
MAX_SWEEPS = 16


def _schedule(N: int):
    """(initial ordering, per-round permutation σ) of the round-robin pairing on N (even)."""
    h = N // 2
    pos = list(range(h)) + [N - 1 - j for j in range(h)]          # ordering slot j -> circle position
    inv = {p: j for j, p in enumerate(pos)}
    rho = [0, N - 1] + list(range(1, N - 1))                        # circle rotation (0 stays)
    sigma = [inv[rho[pos[j]]] for j in range(N)]
    return np.array(pos, np.int64), np.array(sigma, np.int64)


def _halves(ctx, x, h, axis):
    return ctx.op("Split", x, ctx.const(np.array([h, h], np.int64)), axis=axis, num_outputs=2)


def _diag(ctx, block, h, dt):
    return ctx.op("ReduceSum", ctx.op("Where", ctx.const(np.eye(h, dtype=bool)), block, ctx.const(np.array(0, dt))),
                  axes(ctx, -1), keepdims=0)                               # (..., h)


def _rotation(ctx, app, aqq, apq, dt):
    """(c, s) zeroing a_pq of [[a_pp, a_pq], [a_pq, a_qq]]; identity where a_pq == 0."""
    zero, one = ctx.const(np.array(0, dt)), ctx.const(np.array(1, dt))
    d = ctx.op("Sub", aqq, app)
    sgn = ctx.op("Where", ctx.op("GreaterOrEqual", d, zero), one, ctx.const(np.array(-1, dt)))
    two_apq = ctx.op("Add", apq, apq)
    root = ctx.op("Sqrt", ctx.op("Add", ctx.op("Mul", d, d), ctx.op("Mul", two_apq, two_apq)))
    den = ctx.op("Add", ctx.op("Abs", d), root)
    nil = ctx.op("Equal", apq, zero)
    t = ctx.op("Where", nil, zero, ctx.op("Div", ctx.op("Mul", sgn, two_apq), ctx.op("Where", nil, one, den)))
    c = ctx.op("Div", one, ctx.op("Sqrt", ctx.op("Add", one, ctx.op("Mul", t, t))))
    return c, ctx.op("Mul", t, c)


def _rotate(ctx, x, c, s, h, axis):
    """Columns (axis -1) or rows (axis -2) p, q -> c·p - s·q, s·p + c·q, pairwise over halves."""
    lo, hi = _halves(ctx, x, h, axis)
    new_lo = ctx.op("Sub", ctx.op("Mul", lo, c), ctx.op("Mul", hi, s))
    new_hi = ctx.op("Add", ctx.op("Mul", lo, s), ctx.op("Mul", hi, c))
    return ctx.op("Concat", new_lo, new_hi, axis=axis)


def _pad_square(ctx, x, rank, rows, cols, dt):
    if not rows and not cols:
        return x
    pads = [0] * (2 * rank)
    pads[2 * rank - 2], pads[2 * rank - 1] = rows, cols
    return ctx.op("Pad", x, ctx.const(np.array(pads, np.int64)), ctx.const(np.array(0, dt)))


def _permute(ctx, x, perm, axis):
    return ctx.op("Gather", x, ctx.const(perm), axis=axis)


def _gather_cols(ctx, x, idx, shape):
    """Columns of ``x`` (``(..., r, c)``) picked per matrix by ``idx`` (``(..., k)``)."""
    full = ctx.op("Expand", ctx.op("Unsqueeze", idx, axes(ctx, -2)), ctx.shape(tuple(shape[:-1]) + (shape[-1],)))
    return ctx.op("GatherElements", x, full, axis=-1)


def _nan_if_any_nan(ctx, a, outs, dt):
    """Every output all-NaN for a matrix holding a NaN (JAX's LAPACK results for a dense matrix)."""
    bad = ctx.op("Cast", ctx.op("ReduceMax", ctx.op("Cast", ctx.op("IsNaN", a), to=1), axes(ctx, -2, -1), keepdims=1),
                 to=9)                                                          # (..., 1, 1)
    nan = ctx.const(np.array(np.nan, dt))
    res = []
    for x, vec in outs:
        res.append(ctx.op("Where", bad if vec else ctx.op("Squeeze", bad, axes(ctx, -1)), nan, x))
    return res


def _eps(dt):
    return float(np.finfo(dt).eps)


# ---- eigh ---------------------------------------------------------------------------------
def jacobi_eigh(ctx, a, shape, dt):
    """(eigenvalues ``(..., N)`` unsorted, eigenvectors ``(..., n, N)``, padding mask) of symmetric ``a``."""
    n = shape[-1]
    batch = tuple(shape[:-2])
    rank = len(shape)
    N = n + (n % 2)
    h = N // 2
    pos, sigma = _schedule(N)
    m = _permute(ctx, _permute(ctx, _pad_square(ctx, a, rank, N - n, N - n, dt), pos, -2), pos, -1)
    v0 = ctx.op("Expand", ctx.const(np.eye(N, dtype=dt)[:, pos]), ctx.shape(batch + (N, N)))
    norm2 = ctx.op("ReduceSumSquare", m, axes(ctx, -2, -1), keepdims=1)
    tol2 = ctx.op("Mul", norm2, ctx.const(np.array((N * _eps(dt)) ** 2, dt)))
    offdiag = ctx.const(~np.eye(N, dtype=bool))
    zero = ctx.const(np.array(0, dt))

    def not_done(c, x):
        off2 = c.op("ReduceSumSquare", c.op("Where", offdiag, x, zero), axes(c, -2, -1), keepdims=1)
        return c.op("Cast", c.op("ReduceMax", c.op("Cast", c.op("Greater", off2, tol2), to=1), keepdims=0), to=9)

    def body(sub, it, x, v):
        top, bot = _halves(sub, x, h, -2)
        tl, tr = _halves(sub, top, h, -1)
        _, br = _halves(sub, bot, h, -1)
        c, s = _rotation(sub, _diag(sub, tl, h, dt), _diag(sub, br, h, dt), _diag(sub, tr, h, dt), dt)
        c_col, s_col = sub.op("Unsqueeze", c, axes(sub, -1)), sub.op("Unsqueeze", s, axes(sub, -1))
        x = _rotate(sub, x, c_col, s_col, h, -2)                    # rows:   J^T x
        c_row, s_row = sub.op("Unsqueeze", c, axes(sub, -2)), sub.op("Unsqueeze", s, axes(sub, -2))
        x = _rotate(sub, x, c_row, s_row, h, -1)                    # columns: (J^T x) J
        v = _rotate(sub, v, c_row, s_row, h, -1)
        x = _permute(sub, _permute(sub, x, sigma, -2), sigma, -1)
        v = _permute(sub, v, sigma, -1)
        return not_done(sub, x), [x, v]

    if N > 1:
        trip = ctx.const(np.array(MAX_SWEEPS * (N - 1), np.int64))
        m, v = loop(ctx, trip, [m, v0], [(dt, batch + (N, N)), (dt, batch + (N, N))], body, "jacobi_eigh",
                    cond=not_done(ctx, m))
    else:
        v = v0
    w = _diag(ctx, m, N, dt)
    if N != n:
        # the padding row of v is e_pad in the padding column: push that eigenvalue last
        pad_row = ctx.op("Gather", v, ctx.const(np.array(n, np.int64)), axis=-2)     # (..., N)
        w = ctx.op("Where", ctx.op("Equal", pad_row, ctx.const(np.array(1, dt))), ctx.const(np.array(np.inf, dt)), w)
        v = ctx.op("Slice", v, ctx.const(np.array([0], np.int64)), ctx.const(np.array([n], np.int64)), axes(ctx, -2))
    return w, v, N


@register(PIPELINE, "eigh")
def eigh(ctx, a, *, lower=True, sort_eigenvalues=True, subset_by_index=None, **_):
    """``(v, w)`` as ``lax.linalg.eigh``: eigenvectors in columns, eigenvalues ascending."""
    aval = ctx.in_avals[0]
    dt = real_float_dtype(aval, "eigh")
    shape = tuple(aval.shape)
    n = shape[-1]
    rank = len(shape)
    tri = ctx.op("Where", ctx.const(tri_mask(n, lower)), a, ctx.const(np.array(0, dt)))
    strict = ctx.op("Where", ctx.const(tri_mask(n, lower, strict=True)), a, ctx.const(np.array(0, dt)))
    sym = ctx.op("Add", tri, swap_last(ctx, strict, rank))
    w, v, N = jacobi_eigh(ctx, sym, shape, dt)
    batch = shape[:-2]
    _, order = ctx.op("TopK", w, ctx.const(np.array([N], np.int64)), axis=-1, largest=0, sorted=1, num_outputs=2)
    lo, hi = (0, n) if subset_by_index is None else (int(subset_by_index[0]), int(subset_by_index[1]))
    if (lo, hi) != (0, N):
        order = ctx.op("Slice", order, ctx.const(np.array([lo], np.int64)), ctx.const(np.array([hi], np.int64)),
                       axes(ctx, -1))
    w = ctx.op("GatherElements", w, order, axis=-1)
    v = _gather_cols(ctx, v, order, batch + (n, hi - lo))
    v, w = _nan_if_any_nan(ctx, a, [(v, True), (w, False)], dt)
    return v, w


# ---- svd ----------------------------------------------------------------------------------
def jacobi_columns(ctx, g, shape, dt):
    """One-sided Jacobi: (``g`` with orthogonal columns ``(..., m, N)``, ``v`` ``(..., N, N)``)."""
    m, n = shape[-2:]
    batch = tuple(shape[:-2])
    rank = len(shape)
    N = n + (n % 2)
    h = N // 2
    pos, sigma = _schedule(N)
    g = _permute(ctx, _pad_square(ctx, g, rank, 0, N - n, dt), pos, -1)
    v0 = ctx.op("Expand", ctx.const(np.eye(N, dtype=dt)[:, pos]), ctx.shape(batch + (N, N)))
    if N == 1:
        return g, v0, N
    tol = ctx.const(np.array(N * _eps(dt), dt))
    last_round = ctx.const(np.array(N - 2, np.int64))
    rounds = ctx.const(np.array(N - 1, np.int64))

    def body(sub, it, x, v, worst):
        lo, hi = _halves(sub, x, h, -1)
        alpha = sub.op("ReduceSumSquare", lo, axes(sub, -2), keepdims=0)
        beta = sub.op("ReduceSumSquare", hi, axes(sub, -2), keepdims=0)
        gamma = sub.op("ReduceSum", sub.op("Mul", lo, hi), axes(sub, -2), keepdims=0)
        c, s = _rotation(sub, alpha, beta, gamma, dt)
        c_row, s_row = sub.op("Unsqueeze", c, axes(sub, -2)), sub.op("Unsqueeze", s, axes(sub, -2))
        x = _permute(sub, _rotate(sub, x, c_row, s_row, h, -1), sigma, -1)
        v = _permute(sub, _rotate(sub, v, c_row, s_row, h, -1), sigma, -1)
        # |gamma| > tol*sqrt(alpha*beta) anywhere in this sweep means another sweep
        big = sub.op("Greater", sub.op("Abs", gamma), sub.op("Mul", tol, sub.op("Sqrt", sub.op("Mul", alpha, beta))))
        worst = sub.op("Max", worst, sub.op("ReduceMax", sub.op("Cast", big, to=1), keepdims=0))
        end = sub.op("Equal", sub.op("Mod", it, rounds), last_round)
        again = sub.op("Not", sub.op("And", end, sub.op("Equal", worst, sub.const(np.array(0, np.float32)))))
        worst = sub.op("Where", end, sub.const(np.array(0, np.float32)), worst)
        return again, [x, v, worst]

    trip = ctx.const(np.array(MAX_SWEEPS * (N - 1), np.int64))
    g, v, _ = loop(ctx, trip, [g, v0, ctx.const(np.array(0, np.float32))],
                   [(dt, batch + (m, N)), (dt, batch + (N, N)), (np.float32, ())], body, "jacobi_svd",
                   cond=ctx.const(np.array(True)))
    return g, v, N


@register(PIPELINE, "svd")
def svd(ctx, a, *, full_matrices=True, compute_uv=True, subset_by_index=None, **_):
    """``s`` or ``(s, u, vt)`` as ``lax.linalg.svd``; singular values descending."""
    aval = ctx.in_avals[0]
    dt = real_float_dtype(aval, "svd")
    shape = tuple(aval.shape)
    rank = len(shape)
    batch = shape[:-2]
    m0, n0 = shape[-2:]
    wide = m0 < n0
    g = swap_last(ctx, a, rank) if wide else a
    m, n = (n0, m0) if wide else (m0, n0)                       # now m >= n
    k = n
    g, v, N = jacobi_columns(ctx, g, batch + (m, n), dt)
    norms = ctx.op("Sqrt", ctx.op("ReduceSumSquare", g, axes(ctx, -2), keepdims=0))      # (..., N)
    if N != n:  # the zero padding column sorts last (its norm is exactly 0; push it below real zeros)
        pad_row = ctx.op("Gather", v, ctx.const(np.array(n, np.int64)), axis=-2)
        norms = ctx.op("Where", ctx.op("Equal", pad_row, ctx.const(np.array(1, dt))), ctx.const(np.array(-1, dt)),
                       norms)
    s, order = ctx.op("TopK", norms, ctx.const(np.array([N], np.int64)), axis=-1, largest=1, sorted=1, num_outputs=2)
    lo, hi = (0, k) if subset_by_index is None else (int(subset_by_index[0]), int(subset_by_index[1]))
    hi = min(hi, k)
    s = ctx.op("Slice", s, ctx.const(np.array([lo], np.int64)), ctx.const(np.array([hi], np.int64)), axes(ctx, -1))
    if not compute_uv:
        return _nan_if_any_nan(ctx, a, [(s, False)], dt)[0]
    order_k = ctx.op("Slice", order, ctx.const(np.array([0], np.int64)), ctx.const(np.array([k], np.int64)),
                     axes(ctx, -1))
    g = _gather_cols(ctx, g, order_k, batch + (m, k))
    v = ctx.op("Slice", v, ctx.const(np.array([0], np.int64)), ctx.const(np.array([n], np.int64)), axes(ctx, -2))
    v = _gather_cols(ctx, v, order_k, batch + (n, k))
    q, r = qr_values(ctx, g, batch + (m, k), dt, full_matrices)
    r_rows = m if full_matrices else k
    rdiag = ctx.op("ReduceSum", ctx.op("Where", ctx.const(np.eye(r_rows, k, dtype=bool)), r, ctx.const(np.array(0, dt))),
                   axes(ctx, -2), keepdims=1)                                    # (..., 1, k)
    sign = ctx.op("Where", ctx.op("Less", rdiag, ctx.const(np.array(0, dt))), ctx.const(np.array(-1, dt)),
                  ctx.const(np.array(1, dt)))
    if full_matrices and m > k:
        sign = ctx.op("Pad", sign, ctx.const(np.array([0] * (2 * rank - 1) + [m - k], np.int64)),
                      ctx.const(np.array(1, dt)))
    u = ctx.op("Mul", q, sign)                                     # (..., m, m or k)
    if (lo, hi) != (0, k):
        u = ctx.op("Slice", u, ctx.const(np.array([lo], np.int64)), ctx.const(np.array([hi], np.int64)), axes(ctx, -1))
        v = ctx.op("Slice", v, ctx.const(np.array([lo], np.int64)), ctx.const(np.array([hi], np.int64)), axes(ctx, -1))
    if wide:  # svd(a^T) = u s vt  ->  a = vt^T s u^T
        u, vt = v, swap_last(ctx, u, rank)
    else:
        vt = swap_last(ctx, v, rank)
    return tuple(_nan_if_any_nan(ctx, a, [(s, False), (u, True), (vt, True)], dt))
