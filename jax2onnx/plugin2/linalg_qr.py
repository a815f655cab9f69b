"""Householder QR in ONNX ops (onnx_ir pipeline): ``geqrf``, ``householder_product``, ``qr``
(``pivoting`` both ways), ``ormqr``, ``geqp3``.

``geqrf`` is LAPACK's unblocked Householder QR, one ``Loop`` iteration per column
(~35 body nodes, O(mn) work each): the reflector of column k follows ``dlarfg`` —
``beta = -sign(alpha)·‖(alpha, x)‖`` with sign(0) = +1, ``tau = (beta - alpha)/beta``,
``v = x/(alpha - beta)`` with an implicit leading 1, and ``tau = 0`` (H = I) when
``x = 0`` — so R's signs, the packed reflectors and ``taus`` are LAPACK's, i.e.
JAX's, and Q and R compare directly. ``householder_product`` accumulates
``Q = H_0 … H_{k-1}`` applied to the leading columns of I, backwards (``dorg2r``),
one iteration per reflector (~15 body nodes). ``qr`` composes the two as JAX's own
``_qr_lowering`` does (``full_matrices`` both ways, wide and tall matrices).
``ormqr`` applies the reflectors to a matrix from either side, transposed or not,
one per iteration (~15 body nodes), without forming Q. ``geqp3`` (and ``qr(pivoting=True)``)
is LAPACK's column-pivoted QR, ``dlaqp2``: one ``Loop`` iteration per column (~55 body
nodes) picking the column of largest downdated partial norm (see :func:`geqp3_values`).

Accuracy: backward stable like LAPACK; in the catalog Q and R match JAX to ~1e-6
(float32) / ~1e-14 (float64) for well-conditioned input. Batch dims (symbolic too)
are vectorised.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.registry import register
from .linalg_loop import (as_vector, axes, col_ids, loop, real_float_dtype, row_ids, take_col, take_row,
                          tri_mask, zeros)

PIPELINE = "onnx_ir"



def reflector(sub, col, k, k1, rows, dt):
    """LAPACK ``dlarfg`` for ``col[k:]`` (a ``(..., m, 1)`` column, pivot row ``k``):
    (beta, tau, v with v[k] = 1 and zeros above, v's part below row k)."""
    zero, one = sub.const(np.array(0, dt)), sub.const(np.array(1, dt))
    alpha = take_row(sub, col, k1)                                      # (..., 1, 1)
    x = sub.op("Where", sub.op("Greater", rows, k), col, zero)
    xnorm2 = sub.op("ReduceSumSquare", x, axes(sub, -2), keepdims=1)
    nrm = sub.op("Sqrt", sub.op("Add", sub.op("Mul", alpha, alpha), xnorm2))
    sgn = sub.op("Where", sub.op("GreaterOrEqual", alpha, zero), one, sub.const(np.array(-1, dt)))
    trivial = sub.op("Equal", xnorm2, zero)
    beta = sub.op("Where", trivial, alpha, sub.op("Neg", sub.op("Mul", sgn, nrm)))
    safe_beta = sub.op("Where", trivial, one, beta)
    tau = sub.op("Where", trivial, zero, sub.op("Div", sub.op("Sub", beta, alpha), safe_beta))
    denom = sub.op("Where", trivial, one, sub.op("Sub", alpha, beta))
    v_below = sub.op("Div", x, denom)
    return beta, tau, sub.op("Where", sub.op("Equal", rows, k), one, v_below), v_below


def geqrf_values(ctx, a, shape, dt):
    """(packed R and reflectors ``(..., m, n)``, taus ``(..., 1, k)``) of ``a``."""
    m, n = shape[-2:]
    batch = tuple(shape[:-2])
    k = min(m, n)
    rows, cols, kcols = ctx.const(row_ids(m)), ctx.const(col_ids(n)), ctx.const(col_ids(k))
    zero, one = ctx.const(np.array(0, dt)), ctx.const(np.array(1, dt))

    def body(sub, it, w, taus):
        k1 = as_vector(sub, it)
        col = take_col(sub, w, k1)                                      # (..., m, 1)
        below = sub.op("Greater", rows, it)
        beta, tau, v, v_below = reflector(sub, col, it, k1, rows, dt)
        # H w = w - tau v (v^T w), on the columns right of k
        vt_w = sub.op("ReduceSum", sub.op("Mul", v, w), axes(sub, -2), keepdims=1)   # (..., 1, n)
        upd = sub.op("Sub", w, sub.op("Mul", sub.op("Mul", v, tau), vt_w))
        w_right = sub.op("Where", sub.op("Greater", cols, it), upd, w)
        new_col = sub.op("Where", sub.op("Equal", rows, it), beta, sub.op("Where", below, v_below, col))
        w = sub.op("Where", sub.op("Equal", cols, it), new_col, w_right)
        taus = sub.op("Where", sub.op("Equal", kcols, it), tau, taus)
        return [w, taus]

    taus0 = ctx.op("Expand", zero, ctx.shape(batch + (1, k)))
    if k == 0:
        return a, taus0
    w, taus = loop(ctx, ctx.const(np.array(k, np.int64)), [a, taus0],
                   [(dt, tuple(shape)), (dt, batch + (1, k))], body, "geqrf")
    return w, taus


def _swap_cols(sub, x, cols, i, j, dtype, on=None):
    """``x`` (..., r, n) with columns ``i`` and ``j`` (int64, broadcastable) exchanged where ``on``."""
    zero = sub.const(np.array(0, dtype))
    mi, mj = sub.op("Equal", cols, i), sub.op("Equal", cols, j)
    if on is not None:
        mi, mj = sub.op("And", mi, on), sub.op("And", mj, on)
    ci = sub.op("ReduceSum", sub.op("Where", sub.op("Equal", cols, i), x, zero), axes(sub, -1), keepdims=1)
    cj = sub.op("ReduceSum", sub.op("Where", sub.op("Equal", cols, j), x, zero), axes(sub, -1), keepdims=1)
    return sub.op("Where", mi, cj, sub.op("Where", mj, ci, x))


def geqp3_values(ctx, a, shape, dt, jpvt=None):
    """(packed R and reflectors, 0-based column permutation ``(..., 1, n)`` int64, taus
    ``(..., 1, k)``): LAPACK ``dgeqp3`` (its unblocked ``dlaqp2``, which LAPACK itself uses
    below 128 columns). Columns with a nonzero ``jpvt`` entry are moved to the front first
    and factored without pivoting; then step i swaps in the remaining column of largest
    partial norm (first of equals, as ``idamax``), applies ``dlarfg``'s reflector, and
    downdates the partial norms with LAPACK's cancellation guard (recomputed when
    ``(1 - (|r_ij|/vn1_j)²)(vn1_j/vn2_j)² <= sqrt(eps)``)."""
    m, n = shape[-2:]
    batch = tuple(shape[:-2])
    k = min(m, n)
    rows, cols, kcols = ctx.const(row_ids(m)), ctx.const(col_ids(n)), ctx.const(col_ids(k))
    zero, one = ctx.const(np.array(0, dt)), ctx.const(np.array(1, dt))
    tol3z = float(np.sqrt(np.finfo(dt).eps / 2))
    perm0 = ctx.op("Add", zeros(ctx, batch + (1, n), np.int64),
                   ctx.const(np.arange(n, dtype=np.int64).reshape(1, n)))      # (..., 1, n) identity (batch-shaped)
    nf0 = ctx.op("ReduceMin", perm0, axes(ctx, -1), keepdims=1)                 # (..., 1, 1) zeros
    if jpvt is not None:   # move the fixed columns to the front, as dgeqp3 does
        fixed = ctx.op("Unsqueeze", ctx.op("Not", ctx.op("Equal", jpvt, ctx.const(np.array(0, np.int64)))),
                       axes(ctx, -2))                                            # (..., 1, n)

        def front(sub, it, w, perm, nf):
            f = sub.op("Gather", fixed, as_vector(sub, it), axis=-1)             # (..., 1, 1)
            w = _swap_cols(sub, w, cols, it, nf, dt, f)
            perm = _swap_cols(sub, perm, cols, it, nf, np.int64, f)
            return [w, perm, sub.op("Add", nf, sub.op("Cast", f, to=7))]

        a, perm0, nf0 = loop(ctx, ctx.const(np.array(n, np.int64)), [a, perm0, nf0],
                             [(dt, tuple(shape)), (np.int64, batch + (1, n)), (np.int64, batch + (1, 1))],
                             front, "geqp3_fixed")
    norms0 = ctx.op("Sqrt", ctx.op("ReduceSumSquare", a, axes(ctx, -2), keepdims=1))

    def body(sub, it, w, perm, vn1, vn2, taus):
        k1 = as_vector(sub, it)
        right = sub.op("GreaterOrEqual", cols, it)
        # first free step: the partial norms of rows >= it, fresh
        fresh = sub.op("Sqrt", sub.op("ReduceSumSquare", sub.op("Where", sub.op("GreaterOrEqual", rows, it), w, zero),
                                      axes(sub, -2), keepdims=1))
        first = sub.op("Equal", nf0, it)
        vn1 = sub.op("Where", first, fresh, vn1)
        vn2 = sub.op("Where", first, fresh, vn2)
        cand = sub.op("Where", right, vn1, sub.const(np.array(-1, dt)))
        pvt = sub.op("ArgMax", cand, axis=-1, keepdims=1)                        # (..., 1, 1)
        pvt = sub.op("Where", sub.op("Less", it, nf0), sub.op("Add", sub.op("Mul", pvt, sub.const(np.array(0, np.int64))), it),
                     pvt)
        w = _swap_cols(sub, w, cols, it, pvt, dt)
        perm = _swap_cols(sub, perm, cols, it, pvt, np.int64)
        vn1 = _swap_cols(sub, vn1, cols, it, pvt, dt)
        vn2 = _swap_cols(sub, vn2, cols, it, pvt, dt)
        col = take_col(sub, w, k1)
        below = sub.op("Greater", rows, it)
        beta, tau, v, v_below = reflector(sub, col, it, k1, rows, dt)
        vt_w = sub.op("ReduceSum", sub.op("Mul", v, w), axes(sub, -2), keepdims=1)
        upd = sub.op("Sub", w, sub.op("Mul", sub.op("Mul", v, tau), vt_w))
        later = sub.op("Greater", cols, it)
        w_right = sub.op("Where", later, upd, w)
        new_col = sub.op("Where", sub.op("Equal", rows, it), beta, sub.op("Where", below, v_below, col))
        w = sub.op("Where", sub.op("Equal", cols, it), new_col, w_right)
        taus = sub.op("Where", sub.op("Equal", kcols, it), tau, taus)
        # partial norm downdate of the columns right of it (free steps only)
        rij = sub.op("Abs", take_row(sub, w, k1))                                 # (..., 1, n)
        nz = sub.op("Not", sub.op("Equal", vn1, zero))
        safe1 = sub.op("Where", nz, vn1, one)
        t = sub.op("Div", rij, safe1)
        temp = sub.op("Max", sub.op("Sub", one, sub.op("Mul", t, t)), zero)
        r12 = sub.op("Div", vn1, sub.op("Where", nz, vn2, one))
        temp2 = sub.op("Mul", temp, sub.op("Mul", r12, r12))
        below_n = sub.op("Sqrt", sub.op("ReduceSumSquare", sub.op("Where", below, w, zero), axes(sub, -2), keepdims=1))
        recompute = sub.op("LessOrEqual", temp2, sub.const(np.array(tol3z, dt)))
        new1 = sub.op("Where", recompute, below_n, sub.op("Mul", vn1, sub.op("Sqrt", temp)))
        new2 = sub.op("Where", recompute, below_n, vn2)
        mask = sub.op("And", sub.op("And", later, nz), sub.op("GreaterOrEqual", it, nf0))
        return [w, perm, sub.op("Where", mask, new1, vn1), sub.op("Where", mask, new2, vn2), taus]

    taus0 = ctx.op("Expand", zero, ctx.shape(batch + (1, k)))
    if k == 0:
        return a, perm0, taus0
    w, perm, _, _, taus = loop(ctx, ctx.const(np.array(k, np.int64)), [a, perm0, norms0, norms0, taus0],
                               [(dt, tuple(shape)), (np.int64, batch + (1, n)), (dt, batch + (1, n)),
                                (dt, batch + (1, n)), (dt, batch + (1, k))], body, "geqp3")
    return w, perm, taus


def householder_values(ctx, a, taus, shape, k, dt):
    """``H_0 … H_{k-1}`` times the first ``n`` columns of I_m; ``taus`` is ``(..., 1, k)``."""
    m, n = shape[-2:]
    batch = tuple(shape[:-2])
    rows = ctx.const(row_ids(m))
    zero, one = ctx.const(np.array(0, dt)), ctx.const(np.array(1, dt))
    q0 = ctx.op("Expand", ctx.const(np.eye(m, n, dtype=dt)), ctx.shape(batch + (m, n)))
    if k == 0:
        return q0
    last = ctx.const(np.array(k - 1, np.int64))

    def body(sub, it, q):
        j = sub.op("Sub", last, it)
        j1 = as_vector(sub, j)
        col = take_col(sub, a, j1)
        v = sub.op("Where", sub.op("Equal", rows, j), one, sub.op("Where", sub.op("Greater", rows, j), col, zero))
        tau = take_col(sub, taus, j1)                                   # (..., 1, 1)
        vt_q = sub.op("ReduceSum", sub.op("Mul", v, q), axes(sub, -2), keepdims=1)
        return [sub.op("Sub", q, sub.op("Mul", sub.op("Mul", v, tau), vt_q))]

    q, = loop(ctx, ctx.const(np.array(k, np.int64)), [q0], [(dt, batch + (m, n))], body, "householder")
    return q


def _slice_last2(ctx, x, rows, cols):
    return ctx.op("Slice", x, ctx.const(np.array([0, 0], np.int64)), ctx.const(np.array([rows, cols], np.int64)),
                  axes(ctx, -2, -1))


def _pad_cols(ctx, x, rank, extra, dt):
    pads = [0] * (2 * rank)
    pads[2 * rank - 1] = extra
    return ctx.op("Pad", x, ctx.const(np.array(pads, np.int64)), ctx.const(np.array(0, dt)))


def qr_values(ctx, a, shape, dt, full_matrices, pivoting=False):
    """(q, r) exactly as ``lax.linalg.qr`` (JAX's composition of geqrf + householder_product);
    with ``pivoting`` (q, r, 0-based permutation ``(..., 1, n)``) from geqp3."""
    m, n = shape[-2:]
    batch = tuple(shape[:-2])
    rank = len(shape)
    if pivoting:
        w, perm, taus = geqp3_values(ctx, a, shape, dt)
    else:
        w, taus = geqrf_values(ctx, a, shape, dt)
    k = min(m, n)
    if m < n:
        q = householder_values(ctx, _slice_last2(ctx, w, m, m), taus, batch + (m, m), k, dt)
    elif full_matrices:
        padded = w if m == n else _pad_cols(ctx, w, rank, m - n, dt)
        q = householder_values(ctx, padded, taus, batch + (m, m), k, dt)
    else:
        q = householder_values(ctx, w, taus, shape, k, dt)
        w = _slice_last2(ctx, w, n, n)
    r_rows = m if (m < n or full_matrices) else n
    r = ctx.op("Where", ctx.const(tri_mask(max(r_rows, n), lower=False)[:r_rows, :n]), w,
               ctx.const(np.array(0, dt)))
    return (q, r, perm) if pivoting else (q, r)



@register(PIPELINE, "geqrf")
def geqrf(ctx, a, **_):
    aval = ctx.in_avals[0]
    w, taus = geqrf_values(ctx, a, aval.shape, real_float_dtype(aval, "geqrf"))
    return w, ctx.op("Squeeze", taus, axes(ctx, -2))


@register(PIPELINE, "householder_product")
def householder_product(ctx, a, taus, **_):
    aval, t_aval = ctx.in_avals
    dt = real_float_dtype(aval, "householder_product")
    taus = ctx.op("Unsqueeze", taus, axes(ctx, -2))
    return householder_values(ctx, a, taus, aval.shape, t_aval.shape[-1], dt)


@register(PIPELINE, "qr")
def qr(ctx, a, *, pivoting=False, full_matrices=True, **_):
    aval = ctx.in_avals[0]
    res = qr_values(ctx, a, aval.shape, real_float_dtype(aval, "qr"), full_matrices, pivoting)
    if not pivoting:
        return res
    q, r, perm = res
    return q, r, ctx.op("Cast", ctx.op("Squeeze", perm, axes(ctx, -2)), to=6)


@register(PIPELINE, "geqp3")
def geqp3(ctx, a, jpvt, **_):
    """``(a, jpvt, taus)`` as LAPACK ``geqp3`` (jpvt 1-based, nonzero entries = fixed columns)."""
    aval, p_aval = ctx.in_avals
    dt = real_float_dtype(aval, "geqp3")
    jp = ctx.op("Cast", jpvt, to=7)
    w, perm, taus = geqp3_values(ctx, a, aval.shape, dt, jp)
    out = ctx.op("Add", ctx.op("Squeeze", perm, axes(ctx, -2)), ctx.const(np.array(1, np.int64)))
    return w, ctx.op("Cast", out, to=ir.DataType.from_numpy(np.dtype(p_aval.dtype))), \
        ctx.op("Squeeze", taus, axes(ctx, -2))


@register(PIPELINE, "ormqr")
def ormqr(ctx, a, taus, c, *, left=True, transpose=False, **_):
    """``Q c``, ``Qᵀ c``, ``c Q`` or ``c Qᵀ`` from geqrf's reflectors, one reflector per
    ``Loop`` iteration (~15 body nodes); Q is never formed."""
    a_aval, t_aval, c_aval = ctx.in_avals
    dt = real_float_dtype(a_aval, "ormqr")
    m = a_aval.shape[-2]
    k = t_aval.shape[-1]
    if k == 0:
        return c
    rows = ctx.const(row_ids(m))
    zero, one = ctx.const(np.array(0, dt)), ctx.const(np.array(1, dt))
    taus = ctx.op("Unsqueeze", taus, axes(ctx, -2))                     # (..., 1, k)
    reverse = left != transpose
    last = ctx.const(np.array(k - 1, np.int64))
    rank = len(c_aval.shape)

    def body(sub, it, x):
        j = sub.op("Sub", last, it) if reverse else it
        j1 = as_vector(sub, j)
        col = take_col(sub, a, j1)
        v = sub.op("Where", sub.op("Equal", rows, j), one, sub.op("Where", sub.op("Greater", rows, j), col, zero))
        tau = take_col(sub, taus, j1)
        if left:   # x - tau v (v^T x)
            vt_x = sub.op("ReduceSum", sub.op("Mul", v, x), axes(sub, -2), keepdims=1)
            upd = sub.op("Mul", v, vt_x)
        else:      # x - tau (x v) v^T
            xv = sub.op("MatMul", x, v)
            upd = sub.op("MatMul", xv, sub.op("Transpose", v, perm=list(range(rank - 2)) + [rank - 1, rank - 2]))
        return [sub.op("Sub", x, sub.op("Mul", tau, upd))]

    x, = loop(ctx, ctx.const(np.array(k, np.int64)), [c], [(dt, tuple(c_aval.shape))], body, "ormqr")
    return x
