"""Real Schur decomposition by the Francis double-shift QR iteration in ONNX ops (onnx_ir
pipeline): ``schur``, and the shared iteration behind ``eig`` (:mod:`.linalg_geev`).

**Algorithm.** The matrix is divided by a power of two near its largest entry (exact; the
scale goes back on T and the eigenvalues), then ``A = Q H Qᵀ`` by Householder reduction to upper Hessenberg form (the
``hessenberg`` lowering of :mod:`.linalg_reduce`, Q accumulated by
:func:`.linalg_qr.householder_values`), then LAPACK ``dlahqr``'s implicit double-shift
(Francis) QR on the whole matrix (``wantt``/``wantz``: the full quasi-triangular T and
``Z = Q·P₁·P₂…``), written as **two nested ONNX ``Loop``s in which every matrix of the
batch has its own state** (bottom ``hi`` of its active block, sweeps since its last
deflation). One *outer* iteration does, per matrix:

* the deflation test: subdiagonal entries with ``|h[j,j-1]| ≤ safmin·n/ulp``, or
  ``≤ ulp·(|h[j-1,j-1]| + |h[j,j]|)`` and passing the Ahues–Tisseur refinement (as
  ``dlahqr``), at or above ``hi`` are set to 0; ``lo`` is the top of the unreduced block
  ending at ``hi``;
* a block of size 1 or 2 deflates (``hi ← lo-1``); a larger one starts a sweep: the bulge
  at ``lo`` from the first column of ``(H-σ₁)(H-σ₂)``, σ the eigenvalues of the trailing
  2×2 (a real pair replaced by the one closer to ``h[hi,hi]``, twice, as ``dlahqr``), with
  ``dlahqr``'s exceptional shifts after every 10 sweeps without deflation;
* the *inner* loop chases the bulges of all sweeping matrices down, one 3-row (2-row at
  ``k = hi-1``) Householder reflector per step, ``k = lo+1 … hi-1`` (as many steps as the
  widest active block of the batch needs).

Each step is a similarity ``H ← P H P``, ``Z ← Z P`` with ``P = I - τ v vᵀ`` applied to
the whole matrix by rank-1 updates (outer body ~200 nodes, inner body ~45; O(n²) work per
step, no per-element unrolling; batch dims, a symbolic ``B`` included, vectorised). The
outer loop stops when every matrix has deflated completely, or after ``30·max(10, n) + n``
iterations (``dlahqr``'s ``30·max(10, n)`` sweeps, plus the deflations); a matrix that did
not converge, or has a NaN/inf entry, gives all-NaN outputs (JAX's LAPACK ``gees``/``geev`` failure convention). After the loop the
2×2 blocks are standardized at once by ``dlanv2`` (vectorised over all positions): a
block with real eigenvalues is split (``c = 0``), a complex pair gets equal diagonals
and ``b·c < 0``, exactly as LAPACK leaves T.

Cost: random Gaussian matrices need about 2n outer iterations (deflations included;
measured 13–19 for n = 8, 64–67 for n = 32, 122–129 for n = 64), so ≈ n²/2 chase steps;
no balancing (LAPACK's ``gebal`` in ``geev``) is done, so badly scaled matrices lose
accuracy that LAPACK would keep.

Accuracy: backward stable like ``dlahqr`` (‖A - Z T Zᵀ‖ ≈ n·eps·‖A‖, ‖ZᵀZ - I‖ ≈ n·eps);
an eigenvalue's error is its condition number times that. The Schur form is unique only
up to the order of the eigenvalues on its diagonal and the signs of Z's columns; the
order here is the QR iteration's (deflation from the bottom), not necessarily LAPACK's.
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register
from .linalg_loop import axes, col_ids, loop, real_float_dtype, row_ids
from .linalg_qr import householder_values
from .linalg_reduce import _reduce

PIPELINE = "onnx_ir"
#: dlahqr's iteration budget: this many sweeps per max(10, n)
SWEEPS_PER_ROW = 30
_EXC_L, _EXC_H = 0.75, -0.4375  # dlahqr's DAT1, DAT2


class _Ops:
    """Terse builders on one (sub)context."""

    def __init__(self, ctx, dt):
        self.c, self.dt = ctx, dt

    def __getattr__(self, name):  # o.Add(a, b) -> ctx.op("Add", a, b)
        c = self.c
        return lambda *args, **kw: c.op(name, *args, **kw)

    def f(self, v):
        return self.c.const(np.array(v, self.dt))

    def i(self, v):
        return self.c.const(np.array(v, np.int64))

    def where(self, m, a, b):
        return self.c.op("Where", m, a, b)

    def pick_rows(self, vec, mask):
        """(..., 1, 1): the entry of column vector ``vec`` (..., n, 1) where ``mask`` holds."""
        return self.c.op("ReduceSum", self.c.op("Where", mask, vec, self.f(0)), axes(self.c, -2), keepdims=1)

    def pick_cols(self, vec, mask):
        return self.c.op("ReduceSum", self.c.op("Where", mask, vec, self.f(0)), axes(self.c, -1), keepdims=1)

    def diag(self, m, k, axis):
        """The ``k``-th diagonal of ``m`` as a column (axis -1) or row (axis -2) vector."""
        n = self.n
        mask = self.c.const(np.eye(n, k=k, dtype=bool))
        return self.c.op("ReduceSum", self.c.op("Where", mask, m, self.f(0)), axes(self.c, axis), keepdims=1)

    def sign(self, x):
        """Fortran SIGN(1, x): +1 for x >= 0."""
        return self.where(self.GreaterOrEqual(x, self.f(0)), self.f(1), self.f(-1))

    def safe(self, x):
        """``x`` with zeros replaced by 1 (a divisor used only where it is nonzero)."""
        return self.where(self.Equal(x, self.f(0)), self.f(1), x)


def hessenberg_qz(ctx, a, shape, dt, want_z):
    """(H upper Hessenberg, Q or None) with ``a = Q H Qᵀ``."""
    n = shape[-1]
    batch = tuple(shape[:-2])
    rank = len(shape)
    if n <= 2:
        q = ctx.op("Expand", ctx.const(np.eye(n, dtype=dt)), ctx.shape(batch + (n, n))) if want_z else None
        return a, q
    h, store, taus = _reduce(ctx, a, shape, dt, symmetric=False)
    if not want_z:
        return h, None
    # reflector i has v[i+1] = 1 and its tail in store[i+2:, i]: shift to the (n-1)x(n-1) geqrf layout
    packed = ctx.op("Slice", store, ctx.const(np.array([1, 0], np.int64)), ctx.const(np.array([n, n - 1], np.int64)),
                    axes(ctx, -2, -1))
    q1 = householder_values(ctx, packed, taus, batch + (n - 1, n - 1), n - 1, dt)
    pads = [0] * (2 * rank)
    pads[rank - 2], pads[rank - 1] = 1, 1
    q = ctx.op("Pad", q1, ctx.const(np.array(pads, np.int64)), ctx.const(np.array(0, dt)))
    q = ctx.op("Add", q, ctx.const(np.eye(n, dtype=dt) * (np.arange(n) == 0)[:, None]))
    return h, q


def _finite(ctx, a):
    """(..., 1, 1) bool: every entry of the matrix is finite."""
    bad = ctx.op("Not", ctx.op("IsInf", a))
    fin = ctx.op("And", bad, ctx.op("Not", ctx.op("IsNaN", a)))
    return ctx.op("Cast", ctx.op("ReduceMin", ctx.op("Cast", fin, to=1), axes(ctx, -2, -1), keepdims=1), to=9)


def _reflect(o, sub, hm, zm, x, p, rows, perm):
    """Householder reflector (``dlarfg``) of column ``x`` (..., n, 1) at pivot row ``p``
    (..., 1, 1), applied as a similarity to ``hm`` and from the right to ``zm``; ``x = 0``
    gives the identity. Returns (hm, zm, beta)."""
    m_p = o.Equal(rows, p)
    alpha = o.pick_rows(x, m_p)
    xb = o.where(o.Greater(rows, p), x, o.f(0))
    xn2 = o.ReduceSumSquare(xb, axes(sub, -2), keepdims=1)
    nrm = o.Sqrt(o.Add(o.Mul(alpha, alpha), xn2))
    trivial = o.Equal(xn2, o.f(0))
    beta = o.where(trivial, alpha, o.Neg(o.Mul(o.sign(alpha), nrm)))
    tau = o.where(trivial, o.f(0), o.Div(o.Sub(beta, alpha), o.safe(beta)))
    v = o.where(m_p, o.f(1), o.Div(xb, o.where(trivial, o.f(1), o.Sub(alpha, beta))))
    vt = o.Transpose(v, perm=perm)
    tvt = o.Mul(vt, tau)
    hm = o.Sub(hm, o.Mul(o.Transpose(tvt, perm=perm), o.MatMul(vt, hm)))      # P H
    hm = o.Sub(hm, o.Mul(o.MatMul(hm, v), tvt))                                # (P H) P
    if zm is not None:
        zm = o.Sub(zm, o.Mul(o.MatMul(zm, v), tvt))
    return hm, zm, beta


def francis_qr(ctx, h, z, shape, dt):
    """Run the double-shift QR iteration on Hessenberg ``h`` (``z`` accumulated unless None).

    Two nested ``Loop``s: the outer one does, per matrix, the deflation test and either a
    deflation or the first step of a sweep (~150 body nodes); the inner one chases the
    bulges of all sweeping matrices down (~45 body nodes per step, as many steps as the
    widest active block of the batch needs).
    Returns (T unstandardized quasi-triangular, Z or None, converged (..., 1, 1) bool)."""
    n = shape[-1]
    batch = tuple(shape[:-2])
    rank = len(shape)
    fin = _finite(ctx, h)
    hi0 = ctx.op("Where", fin, ctx.const(np.array(n - 1, np.int64)), ctx.const(np.array(-1, np.int64)))
    if n <= 2:
        return h, z, fin
    its0 = ctx.op("Mul", hi0, ctx.const(np.array(0, np.int64)))
    eps = float(np.finfo(dt).eps)
    smlnum = float(np.finfo(dt).tiny) * (n / eps)
    want_z = z is not None
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    mat = (dt, batch + (n, n))
    scal = (np.int64, batch + (1, 1))

    def chase(sub, lo, hi, sweep, hm, zm):
        """Inner loop: steps k = lo+1 .. hi-1 of every sweeping matrix."""
        o = _Ops(sub, dt)
        o.n = n
        i1 = o.i(1)
        width = o.where(sweep, o.Sub(o.Sub(hi, lo), i1), o.i(0))
        trip = o.ReduceMax(width, keepdims=0)

        def step(s2, it, hm, *zrest):
            q = _Ops(s2, dt)
            q.n = n
            zm = zrest[0] if zrest else None
            rows, cols = s2.const(row_ids(n)), s2.const(col_ids(n))
            k = q.Add(q.Add(lo, q.i(1)), it)                                  # (..., 1, 1)
            on = q.And(sweep, q.Less(k, hi))
            km1 = q.Sub(k, q.i(1))
            colk = q.ReduceSum(q.where(q.Equal(cols, km1), hm, q.f(0)), axes(s2, -1), keepdims=1)
            inwin = q.And(q.And(q.GreaterOrEqual(rows, k), q.LessOrEqual(rows, q.Min(q.Add(k, q.i(2)), hi))), on)
            x = q.where(inwin, colk, q.f(0))
            hm, zm, beta = _reflect(q, s2, hm, zm, x, k, rows, perm)
            # the chased column becomes (beta, 0, 0) exactly
            clean = q.And(on, q.And(q.Equal(cols, km1), q.GreaterOrEqual(rows, k)))
            hm = q.where(clean, q.where(q.Equal(rows, k), beta, q.f(0)), hm)
            return [hm, zm] if want_z else [hm]

        init = [hm, zm] if want_z else [hm]
        res = loop(sub, trip, init, [mat] * len(init), step, "bulge_chase")
        return res[0], (res[1] if want_z else None)

    def body(sub, it, hm, *rest):
        o = _Ops(sub, dt)
        o.n = n
        if want_z:
            zm, hi, its = rest
        else:
            zm, (hi, its) = None, rest
        rows, cols = sub.const(row_ids(n)), sub.const(col_ids(n))
        i0, i1, i2 = o.i(0), o.i(1), o.i(2)
        live = o.GreaterOrEqual(hi, i0)                                           # (..., 1, 1)
        # -- deflation test (dlahqr's, with the Ahues-Tisseur refinement)
        s = o.diag(hm, -1, -1)                                                      # s_j = h[j, j-1]
        d = o.diag(hm, 0, -1)
        prev, nxt = o.i(np.maximum(np.arange(n) - 1, 0)), o.i((np.arange(n) + 1) % n)
        dprev = o.Gather(d, prev, axis=-2)
        ad, adp, a21 = o.Abs(d), o.Abs(dprev), o.Abs(s)
        tst = o.Add(ad, adp)
        tst = o.where(o.Equal(tst, o.f(0)), o.Add(o.Abs(o.Gather(s, prev, axis=-2)), o.Abs(o.Gather(s, nxt, axis=-2))),
                      tst)
        u = o.diag(hm, 1, -2)                                                       # (..., 1, n): h[j-1, j]
        a12 = o.Abs(o.Transpose(u, perm=perm))
        ab, ba = o.Max(a21, a12), o.Min(a21, a12)
        dd_ = o.Abs(o.Sub(dprev, d))
        aa, bb = o.Max(ad, dd_), o.Min(ad, dd_)
        s_at = o.safe(o.Add(aa, ab))
        at = o.LessOrEqual(o.Mul(ba, o.Div(ab, s_at)), o.Max(o.f(smlnum), o.Mul(o.f(eps), o.Mul(bb, o.Div(aa, s_at)))))
        small = o.Or(o.LessOrEqual(a21, o.f(smlnum)), o.And(o.LessOrEqual(a21, o.Mul(tst, o.f(eps))), at))
        zap = o.And(small, o.LessOrEqual(rows, hi))                                # (..., n, 1)
        hm = o.where(o.And(zap, sub.const(np.eye(n, k=-1, dtype=bool))), o.f(0), hm)
        s = o.where(zap, o.f(0), s)
        top = o.And(o.Equal(s, o.f(0)), o.LessOrEqual(rows, hi))
        lo = o.ReduceMax(o.where(top, rows, i0), axes(sub, -2), keepdims=1)        # (..., 1, 1)
        size = o.Add(o.Sub(hi, lo), i1)
        three = sub.const(np.array(3, np.int64))
        sweep = o.And(live, o.GreaterOrEqual(size, three))
        deflate = o.And(live, o.Less(size, three))
        # -- shifts from the trailing 2x2 (exceptional ones every 10 sweeps without deflation)
        m_hi, m_hi1 = o.Equal(rows, hi), o.Equal(rows, o.Sub(hi, i1))
        m_lo, m_lo1, m_lo2 = o.Equal(rows, lo), o.Equal(rows, o.Add(lo, i1)), o.Equal(rows, o.Add(lo, i2))
        h22, h11, h21 = o.pick_rows(d, m_hi), o.pick_rows(d, m_hi1), o.pick_rows(s, m_hi)
        h12 = o.pick_cols(u, o.Equal(cols, hi))
        ten = sub.const(np.array(10, np.int64))
        exc = o.And(o.Greater(its, i0), o.Equal(o.Mod(its, ten), i0))
        exc_l = o.And(exc, o.Equal(o.Mod(its, sub.const(np.array(20, np.int64))), ten))
        s_lo1, s_lo2, d_lo = o.pick_rows(s, m_lo1), o.pick_rows(s, m_lo2), o.pick_rows(d, m_lo)
        sx = o.where(exc_l, o.Add(o.Abs(s_lo1), o.Abs(s_lo2)),
                     o.Add(o.Abs(h21), o.Abs(o.pick_rows(s, m_hi1))))
        ex11 = o.Add(o.Mul(o.f(_EXC_L), sx), o.where(exc_l, d_lo, h22))
        h11 = o.where(exc, ex11, h11)
        h22 = o.where(exc, ex11, h22)
        h12 = o.where(exc, o.Mul(o.f(_EXC_H), sx), h12)
        h21 = o.where(exc, sx, h21)
        sc = o.Add(o.Add(o.Abs(h11), o.Abs(h12)), o.Add(o.Abs(h21), o.Abs(h22)))
        scs = o.safe(sc)
        h11, h12, h21, h22 = (o.Div(x, scs) for x in (h11, h12, h21, h22))
        tr = o.Mul(o.Add(h11, h22), o.f(0.5))
        det = o.Sub(o.Mul(o.Sub(h11, tr), o.Sub(h22, tr)), o.Mul(h12, h21))
        rtdisc = o.Sqrt(o.Abs(det))
        cpx = o.GreaterOrEqual(det, o.f(0))
        r1, r2 = o.Add(tr, rtdisc), o.Sub(tr, rtdisc)
        closer = o.LessOrEqual(o.Abs(o.Sub(r1, h22)), o.Abs(o.Sub(r2, h22)))
        rr = o.Mul(o.where(cpx, tr, o.where(closer, r1, r2)), sc)                   # both shifts' real part
        ri = o.Mul(o.where(cpx, rtdisc, o.f(0)), sc)                                # +/- imaginary part
        # first column of (H - s1)(H - s2) at rows lo, lo+1, lo+2 (dlahqr's scaling)
        hmm1 = o.pick_cols(u, o.Equal(cols, o.Add(lo, i1)))
        hm1m1 = o.pick_rows(d, m_lo1)
        dm = o.Sub(d_lo, rr)
        ss = o.safe(o.Add(o.Add(o.Abs(dm), o.Abs(ri)), o.Abs(s_lo1)))
        h21s = o.Div(s_lo1, ss)
        v1 = o.Add(o.Mul(h21s, hmm1), o.Div(o.Add(o.Mul(dm, dm), o.Mul(ri, ri)), ss))
        v2 = o.Mul(h21s, o.Sub(o.Add(d_lo, hm1m1), o.Add(rr, rr)))
        v3 = o.Mul(h21s, s_lo2)
        x = o.where(sweep, o.where(m_lo, v1, o.where(m_lo1, v2, o.where(m_lo2, v3, o.f(0)))), o.f(0))
        hm, zm, _ = _reflect(o, sub, hm, zm, x, lo, rows, perm)
        hm, zm = chase(sub, lo, hi, sweep, hm, zm)
        # state
        its = o.where(deflate, i0, o.where(sweep, o.Add(its, i1), its))
        hi = o.where(deflate, o.Sub(lo, i1), hi)
        keep = o.GreaterOrEqual(o.ReduceMax(hi, keepdims=0), i0)
        state = [hm, zm, hi, its] if want_z else [hm, hi, its]
        return keep, state

    init = [h, z, hi0, its0] if want_z else [h, hi0, its0]
    avals = [mat, mat, scal, scal] if want_z else [mat, scal, scal]
    trip = ctx.const(np.array(SWEEPS_PER_ROW * max(10, n) + n, np.int64))
    keep0 = ctx.op("GreaterOrEqual", ctx.op("ReduceMax", hi0, keepdims=0), ctx.const(np.array(0, np.int64)))
    res = loop(ctx, trip, init, avals, body, "francis_qr", cond=keep0)
    if want_z:
        t, z, hi = res[0], res[1], res[2]
    else:
        t, hi = res[0], res[1]
    ok = ctx.op("And", fin, ctx.op("Less", hi, ctx.const(np.array(0, np.int64))))
    return t, z, ok


# ---- dlanv2: standardize every 2x2 block at once ------------------------------------------
def dlanv2(o, a, b, c, d, dt):
    """LAPACK ``dlanv2`` elementwise: (a, b, c, d, cs, sn) of the standardized block
    ``[[a, b], [c, d]] = [[cs, -sn], [sn, cs]] · new · [[cs, sn], [-sn, cs]]``."""
    eps = float(np.finfo(dt).eps)
    zero, one, half = o.f(0), o.f(1), o.f(0.5)
    w = o.where
    c0 = o.Equal(c, zero)
    b0 = o.Equal(b, zero)
    temp = o.Sub(a, d)
    sb, sc_ = o.sign(b), o.sign(c)
    case3 = o.And(o.Equal(temp, zero), o.Not(o.Equal(sb, sc_)))
    p = o.Mul(temp, half)
    ab, ac = o.Abs(b), o.Abs(c)
    bcmax = o.Max(ab, ac)
    bcmis = o.Mul(o.Mul(o.Min(ab, ac), sb), sc_)
    scale = o.Max(o.Abs(p), bcmax)
    scs = o.safe(scale)
    zz = o.Add(o.Mul(o.Div(p, scs), p), o.Mul(o.Div(bcmax, scs), bcmis))
    real4 = o.GreaterOrEqual(zz, o.f(4 * eps))
    # 4a: real eigenvalues, well separated
    z4 = o.Add(p, o.Mul(o.sign(p), o.Mul(o.Sqrt(scale), o.Sqrt(o.Max(zz, zero)))))
    z4s = o.safe(z4)
    a4a = o.Add(d, z4)
    d4a = o.Sub(d, o.Mul(o.Div(bcmax, z4s), bcmis))
    tau4 = o.safe(o.Sqrt(o.Add(o.Mul(c, c), o.Mul(z4, z4))))
    cs4a, sn4a = o.Div(z4, tau4), o.Div(c, tau4)
    b4a = o.Sub(b, c)
    # 4b: complex or nearly equal real eigenvalues: equalize the diagonal
    sigma = o.Add(b, c)
    taub = o.safe(o.Sqrt(o.Add(o.Mul(sigma, sigma), o.Mul(temp, temp))))
    cs = o.Sqrt(o.Mul(half, o.Add(one, o.Div(o.Abs(sigma), taub))))
    sn = o.Mul(o.Neg(o.Div(p, o.Mul(taub, cs))), o.sign(sigma))
    aa, bb = o.Add(o.Mul(a, cs), o.Mul(b, sn)), o.Add(o.Neg(o.Mul(a, sn)), o.Mul(b, cs))
    cc, dd = o.Add(o.Mul(c, cs), o.Mul(d, sn)), o.Add(o.Neg(o.Mul(c, sn)), o.Mul(d, cs))
    b2 = o.Add(o.Mul(bb, cs), o.Mul(dd, sn))
    c2 = o.Add(o.Neg(o.Mul(aa, sn)), o.Mul(cc, cs))
    tm = o.Mul(half, o.Add(o.Add(o.Mul(aa, cs), o.Mul(cc, sn)), o.Add(o.Neg(o.Mul(bb, sn)), o.Mul(dd, cs))))
    c2nz, b2nz = o.Not(o.Equal(c2, zero)), o.Not(o.Equal(b2, zero))
    split = o.And(o.And(c2nz, b2nz), o.Equal(o.sign(b2), o.sign(c2)))
    swap2 = o.And(c2nz, o.Not(b2nz))
    sab, sac = o.Sqrt(o.Abs(b2)), o.Sqrt(o.Abs(c2))
    pp = o.Mul(o.sign(c2), o.Mul(sab, sac))
    t1 = o.Div(one, o.Sqrt(o.safe(o.Abs(o.Add(b2, c2)))))
    cs1, sn1 = o.Mul(sab, t1), o.Mul(sac, t1)
    a4b = w(split, o.Add(tm, pp), tm)
    d4b = w(split, o.Sub(tm, pp), tm)
    b4b = w(split, o.Sub(b2, c2), w(swap2, o.Neg(c2), b2))
    c4b = w(o.Or(split, swap2), zero, c2)
    cs4b = w(split, o.Sub(o.Mul(cs, cs1), o.Mul(sn, sn1)), w(swap2, o.Neg(sn), cs))
    sn4b = w(split, o.Add(o.Mul(cs, sn1), o.Mul(sn, cs1)), w(swap2, cs, sn))
    # combine: identity (c = 0 or already standard) / swap (b = 0) / general
    ident = o.Or(c0, case3)
    gen_ = o.And(o.Not(ident), o.Not(b0))
    sw = o.And(o.Not(ident), b0)

    def pick(orig, swapped, ga, gb):
        return w(gen_, w(real4, ga, gb), w(sw, swapped, orig))

    na = pick(a, d, a4a, a4b)
    nd = pick(d, a, d4a, d4b)
    nb = pick(b, o.Neg(c), b4a, b4b)
    nc = pick(c, zero, zero, c4b)
    ncs = pick(one, zero, cs4a, cs4b)
    nsn = pick(zero, one, sn4a, sn4b)
    return na, nb, nc, nd, ncs, nsn


def standardize(ctx, t, z, shape, dt):
    """(T with every 2x2 block in LAPACK's standard form, Z updated, top mask (..., n) bool,
    wr (..., n), wi (..., n)): the eigenvalues in T's diagonal order."""
    n = shape[-1]
    rank = len(shape)
    o = _Ops(ctx, dt)
    o.n = n
    zero = o.f(0)
    if n == 1:
        wr = ctx.op("Squeeze", t, axes(ctx, -1))
        return t, z, None, wr, ctx.op("Mul", wr, zero)
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]

    def vec(m, k):  # diagonal k (-1, 0, 1) as (..., n - |k|): m[p+1, p] / m[p, p] / m[p, p+1]
        ax = -2 if k > 0 else -1
        full = ctx.op("Squeeze", o.diag(m, k, ax), axes(ctx, ax))
        lo_, hi_ = (abs(k), n)
        return ctx.op("Slice", full, ctx.const(np.array([lo_], np.int64)), ctx.const(np.array([hi_], np.int64)),
                      axes(ctx, -1))

    dg = vec(t, 0)
    a = ctx.op("Slice", dg, o.i([0]), o.i([n - 1]), axes(ctx, -1))
    d = ctx.op("Slice", dg, o.i([1]), o.i([n]), axes(ctx, -1))
    b = vec(t, 1)                 # t[p, p+1], p = 0..n-2
    c = vec(t, -1)                # t[p+1, p]
    na, nb, nc, nd, cs, sn = dlanv2(o, a, b, c, d, dt)

    def pad(x, front, value, dtype=dt):
        pads = [0] * (2 * (rank - 1))
        if front:
            pads[rank - 2] = 1
        else:
            pads[2 * (rank - 1) - 1] = 1
        return ctx.op("Pad", x, ctx.const(np.array(pads, np.int64)), ctx.const(np.array(value, dtype)))

    def mask_pad(m, front):
        return ctx.op("Cast", pad(ctx.op("Cast", m, to=6), front, 0, np.int32), to=9)

    def col(x):
        return ctx.op("Unsqueeze", x, axes(ctx, -1))

    gdiag = ctx.op("Mul", pad(cs, False, 1), pad(cs, True, 1))
    g = ctx.op("Add", ctx.op("Mul", col(gdiag), ctx.const(np.eye(n, dtype=dt))),
               ctx.op("Add", ctx.op("Mul", col(pad(ctx.op("Neg", sn), False, 0)), ctx.const(np.eye(n, k=1, dtype=dt))),
                      ctx.op("Mul", col(pad(sn, True, 0)), ctx.const(np.eye(n, k=-1, dtype=dt)))))
    t = ctx.op("MatMul", ctx.op("Transpose", g, perm=perm), ctx.op("MatMul", t, g))
    if z is not None:
        z = ctx.op("MatMul", z, g)
    blk = ctx.op("Not", ctx.op("Equal", c, zero))          # (..., n-1): a block starts at p (before)
    top, bot = mask_pad(blk, False), mask_pad(blk, True)
    newd = ctx.op("Where", top, pad(na, False, 0), ctx.op("Where", bot, pad(nd, True, 0), vec(t, 0)))
    t = ctx.op("Where", ctx.const(np.eye(n, dtype=bool)), col(newd), t)
    # superdiagonal at block tops, subdiagonal everywhere (0 outside blocks), below it 0
    sup_row = ctx.op("Unsqueeze", pad(nb, True, 0), axes(ctx, -2))              # (..., 1, n) by column j = p+1
    sup_mask = ctx.op("And", ctx.op("Unsqueeze", bot, axes(ctx, -2)), ctx.const(np.eye(n, k=1, dtype=bool)))
    t = ctx.op("Where", sup_mask, sup_row, t)
    sub_col = col(pad(ctx.op("Where", blk, nc, zero), True, 0))                  # (..., n, 1) by row p+1
    t = ctx.op("Where", ctx.const(np.eye(n, k=-1, dtype=bool)), sub_col, t)
    t = ctx.op("Where", ctx.const(np.tril(np.ones((n, n), bool), -2)), zero, t)
    # eigenvalues
    blk2 = ctx.op("And", blk, ctx.op("Not", ctx.op("Equal", nc, zero)))
    top = mask_pad(blk2, False)
    omega = ctx.op("Where", blk2, ctx.op("Mul", ctx.op("Sqrt", ctx.op("Abs", nb)), ctx.op("Sqrt", ctx.op("Abs", nc))),
                   zero)
    wi = ctx.op("Sub", pad(omega, False, 0), pad(omega, True, 0))
    wr = vec(t, 0)
    return t, z, top, wr, wi


def nan_where_failed(ctx, ok, x, dt, extra_axes=0):
    """``x`` with NaN for the matrices whose ``ok`` (..., 1, 1) is False."""
    m = ok
    for _ in range(extra_axes):
        m = ctx.op("Unsqueeze", m, axes(ctx, -1))
    return ctx.op("Where", m, x, ctx.const(np.array(np.nan, dt)))


def pow2_scale(ctx, a, dt):
    """(..., 1, 1): 2^floor(log2(max|a|)) (1 for a zero or non-finite matrix). Dividing by it
    is exact and brings the entries to [1, 2) at most, so no square in the algorithms
    overflows or underflows (LAPACK's ``geev`` scales by ``dlascl`` for the same reason)."""
    amax = ctx.op("ReduceMax", ctx.op("Abs", a), axes(ctx, -2, -1), keepdims=1)
    e = ctx.op("Floor", ctx.op("Div", ctx.op("Log", amax), ctx.const(np.array(np.log(2.0), dt))))
    sc = ctx.op("Pow", ctx.const(np.array(2, dt)), e)
    good = ctx.op("And", ctx.op("Greater", amax, ctx.const(np.array(0, dt))),
                  ctx.op("And", ctx.op("Not", ctx.op("IsInf", sc)), ctx.op("Greater", sc, ctx.const(np.array(0, dt)))))
    return ctx.op("Where", good, sc, ctx.const(np.array(1, dt)))


def real_schur(ctx, a, shape, dt, want_z):
    """(T standardized, Z or None, ok (..., 1, 1), top (..., n) or None, wr, wi, scale) of real
    ``a``: T, wr and wi are those of ``a / scale`` (:func:`pow2_scale`); multiply them by
    ``scale`` (..., 1, 1) for ``a``'s."""
    sc = pow2_scale(ctx, a, dt)
    h, q = hessenberg_qz(ctx, ctx.op("Div", a, sc), shape, dt, want_z)
    t, z, ok = francis_qr(ctx, h, q, shape, dt)
    t, z, top, wr, wi = standardize(ctx, t, z, shape, dt)
    return t, z, ok, top, wr, wi, sc


@register(PIPELINE, "schur")
def schur(ctx, a, *, compute_schur_vectors=True, sort_eig_vals=False, select_callable=None, **_):
    """``(T, Z)`` or ``T`` as ``lax.linalg.schur`` for real input: ``a = Z T Zᵀ``."""
    if sort_eig_vals or select_callable is not None:
        raise NotImplementedError("schur with sort_eig_vals/select_callable is not supported "
                                  "(JAX's CPU lowering refuses it too)")
    aval = ctx.in_avals[0]
    dt = real_float_dtype(aval, "schur")
    shape = tuple(aval.shape)
    t, z, ok, _, _, _, sc = real_schur(ctx, a, shape, dt, compute_schur_vectors)
    t = nan_where_failed(ctx, ok, ctx.op("Mul", t, sc), dt)
    if not compute_schur_vectors:
        return (t,)
    return t, nan_where_failed(ctx, ok, z, dt)
