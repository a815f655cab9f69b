"""General (non-symmetric) eigendecomposition of real matrices in ONNX ops (onnx_ir
pipeline): ``eig`` (LAPACK ``geev``), on the complex (re, im) carrier.

**Algorithm.** The real Schur form ``A = Z T Zᵀ`` of :mod:`.linalg_schur` (Hessenberg
reduction + Francis double-shift QR, one ``Loop``; its docstring states the iteration
rule and cost) gives the eigenvalues: T's diagonal for 1×1 blocks, ``a ± i·sqrt(|b|·|c|)``
for a standardized 2×2 block ``[[a, b], [c, a]]`` (the ``+`` one first, as LAPACK). The
eigenvalues come in T's diagonal order: the order is implementation-defined (LAPACK's
own order differs, since it balances and deflates differently).

Right eigenvectors are LAPACK ``dtrevc``'s back substitution, for all n eigenvalues at
once: one ``Loop`` over the rows of T from the bottom (n iterations, ~160 body nodes,
O(n²) work each), solving a 1×1 or, at a 2×2 block, a 2×2 complex system (Cramer's rule)
per column, with ``dtrevc``'s perturbation of a (nearly) singular diagonal to
``smin = max(ulp·|λ|, safmin·n/ulp)`` (so repeated eigenvalues give a finite basis) and a
rescaling of each column whenever it grows past 1 (no overflow); then ``x = Z y``. Left
eigenvectors (``uᴴ A = λ uᴴ``) are the same substitution on the index-reversed ``Tᵀ``,
``u = Z·conj(q)``.

**Normalization** (as ``geev``): every eigenvector has unit 2-norm and its
largest-magnitude component is real; here that component is also made **positive**
(LAPACK leaves its sign to the iteration, so JAX's vectors may differ from these by a
factor -1; for a repeated eigenvalue the basis of its eigenspace is unspecified, as in
JAX). A complex-conjugate eigenvalue pair has exactly conjugate eigenvectors.

Accuracy: eigenvalues to their condition number times n·eps·‖A‖ (no balancing: badly
scaled matrices lose accuracy that LAPACK's ``gebal`` would keep); eigenvectors to
n·eps·‖A‖ over the gap to the nearest other eigenvalue. NaN/inf input, or a QR
iteration that does not converge, gives all-NaN outputs (JAX's failure convention).
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register, register_complex
from .linalg_loop import as_vector, axes, loop, real_float_dtype, row_ids
from .linalg_schur import _Ops, nan_where_failed, real_schur

PIPELINE = "onnx_ir"


def _carrier(ctx, re, im):
    """(re, im) parts as one complex carrier (trailing axis of 2)."""
    return ctx.op("Concat", ctx.op("Unsqueeze", re, axes(ctx, -1)), ctx.op("Unsqueeze", im, axes(ctx, -1)), axis=-1)


def _shift_next(ctx, v, n):
    """v[..., (j+1) % n] (the last slot reads slot 0)."""
    return ctx.op("Gather", v, ctx.const((np.arange(n, dtype=np.int64) + 1) % n), axis=-1)


def _cdiv(o, nr, ni, dr, di):
    """(nr + i·ni) / (dr + i·di), scaled by max(|dr|, |di|) (no under/overflow of |d|²)."""
    s = o.safe(o.Max(o.Abs(dr), o.Abs(di)))
    dr, di, nr, ni = o.Div(dr, s), o.Div(di, s), o.Div(nr, s), o.Div(ni, s)
    den = o.Add(o.Mul(dr, dr), o.Mul(di, di))
    re = o.Div(o.Add(o.Mul(nr, dr), o.Mul(ni, di)), den)
    im = o.Div(o.Sub(o.Mul(ni, dr), o.Mul(nr, di)), den)
    return re, im


def _cmul(o, ar, ai, br, bi):
    return o.Sub(o.Mul(ar, br), o.Mul(ai, bi)), o.Add(o.Mul(ar, bi), o.Mul(ai, br))


def triangular_vectors(ctx, t, wr, wi, shape, dt):
    """(yr, yi) ``(..., n, n)``: column j solves ``(T - λ_j) y = 0`` for quasi-upper-triangular,
    standardized ``t`` and λ_j = wr_j + i·wi_j (T's own eigenvalues), y zero below λ_j's block."""
    n = shape[-1]
    o = _Ops(ctx, dt)
    o.n = n
    eps = float(np.finfo(dt).eps)
    smlnum = float(np.finfo(dt).tiny) * (n / eps)
    rows = ctx.const(row_ids(n))
    zero, one = o.f(0), o.f(1)
    sq = lambda x, ax: ctx.op("Squeeze", x, axes(ctx, ax))  # noqa: E731
    low = sq(o.diag(t, -1, -1), -1)                 # (..., n): t[j, j-1]
    up = sq(o.diag(t, 1, -2), -2)                   # (..., n): t[j-1, j]
    low_n, up_n = _shift_next(ctx, low, n), _shift_next(ctx, up, n)
    bot = o.Not(o.Equal(low, zero))
    top = o.Not(o.Equal(low_n, zero))
    blk = o.Or(top, bot)
    start = o.Sub(ctx.const(np.arange(n, dtype=np.int64)), o.Cast(bot, to=7))   # block start s_j
    bsel, csel = o.where(top, up_n, up), o.where(top, low_n, low)
    bigb = o.GreaterOrEqual(o.Abs(bsel), o.Abs(csel))
    yp_re = o.where(blk, o.where(bigb, one, o.Neg(o.Div(wi, o.safe(csel)))), one)
    yq_im = o.where(bigb, o.Div(wi, o.safe(bsel)), one)

    def row(x):
        return ctx.op("Unsqueeze", x, axes(ctx, -2))

    s_row = row(start)
    yr0 = o.where(o.Equal(rows, s_row), row(yp_re), zero)
    yi0 = o.where(o.And(o.Equal(rows, o.Add(s_row, o.i(1))), row(blk)), row(yq_im), zero)
    wr_r, wi_r = row(wr), row(wi)
    smin = o.Max(o.Mul(o.Add(o.Abs(wr_r), o.Abs(wi_r)), o.f(eps)), o.f(smlnum))     # (..., 1, n)
    top_r, bot_r = row(top), row(bot)
    batch = tuple(shape[:-2])
    last = ctx.const(np.array(n - 1, np.int64))

    def body(sub, it, yr, yi):
        q = _Ops(sub, dt)
        q.n = n
        i = q.Sub(last, it)
        im1 = q.Max(q.Sub(i, q.i(1)), q.i(0))
        idx = q.Concat(as_vector(sub, im1), as_vector(sub, i), axis=0)
        tr = q.Gather(t, idx, axis=-2)                                   # rows i-1, i: (..., 2, n)
        rr, ri = q.MatMul(tr, yr), q.MatMul(tr, yi)
        r1r, r2r = q.Split(rr, q.i([1, 1]), axis=-2, num_outputs=2)
        r1i, r2i = q.Split(ri, q.i([1, 1]), axis=-2, num_outputs=2)
        t2 = q.Gather(tr, idx, axis=-1)                                  # (..., 2, 2)
        ta, tb = q.Split(t2, q.i([1, 1]), axis=-2, num_outputs=2)
        t11, t12 = q.Split(ta, q.i([1, 1]), axis=-1, num_outputs=2)
        t21, t22 = q.Split(tb, q.i([1, 1]), axis=-1, num_outputs=2)
        i1 = as_vector(sub, i)
        bot_i, top_i = q.Gather(bot_r, i1, axis=-1), q.Gather(top_r, i1, axis=-1)   # (..., 1, 1)
        # 1x1: y_i = -r_i / (t_ii - λ)
        dr, di = q.Sub(t22, wr_r), q.Neg(wi_r)
        tiny = q.Less(q.Sqrt(q.Add(q.Mul(dr, dr), q.Mul(di, di))), smin)
        dr, di = q.where(tiny, smin, dr), q.where(tiny, q.f(0), di)
        ysr, ysi = _cdiv(q, q.Neg(r2r), q.Neg(r2i), dr, di)
        # 2x2 block (i-1, i): Cramer's rule on [[t11 - λ, t12], [t21, t22 - λ]] y = -r
        a11r, a22r = q.Sub(t11, wr_r), q.Sub(t22, wr_r)
        ai = q.Neg(wi_r)
        detr = q.Sub(q.Sub(q.Mul(a11r, a22r), q.Mul(ai, ai)), q.Mul(t12, t21))
        deti = q.Mul(ai, q.Add(a11r, a22r))
        cmax = q.Max(q.Max(q.Max(q.Abs(a11r), q.Abs(a22r)), q.Max(q.Abs(t12), q.Abs(t21))), q.Abs(ai))
        thr = q.Mul(smin, q.Max(cmax, smin))
        sing = q.Less(q.Sqrt(q.Add(q.Mul(detr, detr), q.Mul(deti, deti))), thr)
        detr, deti = q.where(sing, thr, detr), q.where(sing, q.f(0), deti)
        pr, pi = _cmul(q, a22r, ai, r1r, r1i)
        n1r, n1i = q.Sub(q.Mul(t12, r2r), pr), q.Sub(q.Mul(t12, r2i), pi)
        pr, pi = _cmul(q, a11r, ai, r2r, r2i)
        n2r, n2i = q.Sub(q.Mul(t21, r1r), pr), q.Sub(q.Mul(t21, r1i), pi)
        y1r, y1i = _cdiv(q, n1r, n1i, detr, deti)
        y2r, y2i = _cdiv(q, n2r, n2i, detr, deti)
        active = q.Greater(s_row, i)                                     # (..., 1, n)
        upd_i = q.And(q.Equal(rows, i), q.And(active, q.Not(top_i)))
        upd_m = q.And(q.Equal(rows, q.Sub(i, q.i(1))), q.And(active, bot_i))
        yr = q.where(upd_i, q.where(bot_i, y2r, ysr), q.where(upd_m, y1r, yr))
        yi = q.where(upd_i, q.where(bot_i, y2i, ysi), q.where(upd_m, y1i, yi))
        big = q.Max(q.ReduceMax(q.Max(q.Abs(yr), q.Abs(yi)), axes(sub, -2), keepdims=1), q.f(1))
        return [q.Div(yr, big), q.Div(yi, big)]

    mat = (dt, batch + (n, n))
    if n == 1:
        return yr0, yi0
    yr, yi = loop(ctx, ctx.const(np.array(n, np.int64)), [yr0, yi0], [mat, mat], body, "dtrevc")
    return yr, yi


def normalize(ctx, xr, xi, dt, n):
    """Unit 2-norm columns whose largest-magnitude entry is real and positive."""
    o = _Ops(ctx, dt)
    mag2 = o.Add(o.Mul(xr, xr), o.Mul(xi, xi))
    norm = o.Sqrt(o.ReduceSum(mag2, axes(ctx, -2), keepdims=1))
    idx = o.ArgMax(mag2, axis=-2, keepdims=1)                          # (..., 1, n), first maximum
    pr, pi = o.GatherElements(xr, idx, axis=-2), o.GatherElements(xi, idx, axis=-2)
    scale = o.safe(o.Mul(norm, o.Sqrt(o.Add(o.Mul(pr, pr), o.Mul(pi, pi)))))
    re = o.Div(o.Add(o.Mul(xr, pr), o.Mul(xi, pi)), scale)
    im = o.Div(o.Sub(o.Mul(xi, pr), o.Mul(xr, pi)), scale)
    im = o.where(o.Equal(ctx.const(row_ids(n)), idx), o.f(0), im)    # that entry exactly real
    return re, im


@register(PIPELINE, "eig")
@register_complex("eig")
def eig(ctx, a, *, compute_left_eigenvectors=True, compute_right_eigenvectors=True, **_):
    """``(w, [vl], [vr])`` as ``lax.linalg.eig`` for real float input, on the complex carrier."""
    aval = ctx.in_avals[0]
    dt = real_float_dtype(aval, "eig")
    shape = tuple(aval.shape)
    n = shape[-1]
    rank = len(shape)
    want = compute_left_eigenvectors or compute_right_eigenvectors
    t, z, ok, _, wr, wi, sc = real_schur(ctx, a, shape, dt, want)   # t, wr, wi of a / sc
    w = _carrier(ctx, wr, wi)
    outs = [nan_where_failed(ctx, ok, ctx.op("Mul", w, sc), dt)]
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    if compute_left_eigenvectors:
        rev = ctx.const(np.arange(n - 1, -1, -1, dtype=np.int64))
        tt = ctx.op("Gather", ctx.op("Gather", ctx.op("Transpose", t, perm=perm), rev, axis=-2), rev, axis=-1)
        qr, qi = triangular_vectors(ctx, tt, ctx.op("Gather", wr, rev, axis=-1), ctx.op("Gather", wi, rev, axis=-1),
                                    shape, dt)
        qr = ctx.op("Gather", ctx.op("Gather", qr, rev, axis=-2), rev, axis=-1)
        qi = ctx.op("Gather", ctx.op("Gather", qi, rev, axis=-2), rev, axis=-1)
        ur, ui = normalize(ctx, ctx.op("MatMul", z, qr), ctx.op("Neg", ctx.op("MatMul", z, qi)), dt, n)
        outs.append(nan_where_failed(ctx, ok, _carrier(ctx, ur, ui), dt, extra_axes=1))
    if compute_right_eigenvectors:
        yr, yi = triangular_vectors(ctx, t, wr, wi, shape, dt)
        xr, xi = normalize(ctx, ctx.op("MatMul", z, yr), ctx.op("MatMul", z, yi), dt, n)
        outs.append(nan_where_failed(ctx, ok, _carrier(ctx, xr, xi), dt, extra_axes=1))
    return tuple(outs)
