"""Special functions for the onnx_ir pipeline: erf family, gamma family, log1p/expm1,
inverse trig and hyperbolic functions.

ORT has Tan/Asin/Acos/Atan/Sinh/Cosh/Asinh/Acosh/Atanh/Erf kernels for float16/32
only, so float64 gets decompositions written in float64 (the graph stays float64
end to end). float16/bfloat16 are computed in float32 and cast back. Functions with
no ONNX op at all (erfc, erf_inv, lgamma, digamma, log1p, expm1, atan2) are
decomposed for every float dtype; fit coefficients come from ``plugin/special.py``.
Tested accuracy: float32 rtol 1e-5 (erf_inv/lgamma/digamma: stated per testcase),
float64 ~1e-13 relative (checked against JAX offline).
"""

from __future__ import annotations

import math

import numpy as np

from ..plugin import special
from ..plugin.registry import register
from .elementwise import cast

PIPELINE = "onnx_ir"


class _Math:
    """Terse graph arithmetic in one float dtype; python numbers become constants."""

    def __init__(self, ctx, dtype):
        self.ctx, self.dtype = ctx, np.dtype(dtype)

    def v(self, a):
        return self.ctx.const(np.asarray(a, dtype=self.dtype)) if isinstance(a, (int, float)) else a

    def op(self, name, *xs, **attrs):
        return self.ctx.op(name, *(self.v(x) for x in xs), **attrs)

    def add(self, a, b): return self.op("Add", a, b)
    def sub(self, a, b): return self.op("Sub", a, b)
    def mul(self, a, b): return self.op("Mul", a, b)
    def div(self, a, b): return self.op("Div", a, b)
    def neg(self, a): return self.op("Neg", a)
    def abs(self, a): return self.op("Abs", a)
    def exp(self, a): return self.op("Exp", a)
    def log(self, a): return self.op("Log", a)
    def sqrt(self, a): return self.op("Sqrt", a)
    def lt(self, a, b): return self.op("Less", a, b)
    def le(self, a, b): return self.op("LessOrEqual", a, b)
    def eq(self, a, b): return self.op("Equal", a, b)
    def where(self, c, a, b): return self.op("Where", c, a, b)
    def min(self, a, b): return self.op("Min", a, b)

    def signed(self, x, mag):
        """``mag`` with the sign of ``x`` (mag >= 0)."""
        return self.where(self.lt(x, 0.0), self.neg(mag), mag)

    def horner(self, t, coeffs):
        """sum coeffs[k] t^k."""
        acc = self.v(float(coeffs[-1]))
        for c in reversed(coeffs[:-1]):
            acc = self.add(self.mul(acc, t), float(c))
        return acc

    def cheb(self, v, fit):
        """Clenshaw evaluation of a ``special.ChebFit`` at ``v``."""
        scale = 2.0 / (fit.b - fit.a)
        u = self.add(self.mul(v, scale), -1.0 - fit.a * scale)
        two_u = self.mul(u, 2.0)
        c = fit.coeffs
        b2 = self.v(float(c[-1]))  # b_n
        b1 = self.add(self.mul(two_u, b2), float(c[-2]))  # b_{n-1}
        for k in range(len(c) - 3, 0, -1):
            b1, b2 = self.add(self.sub(self.mul(two_u, b1), b2), float(c[k])), b1
        return self.add(self.sub(self.mul(u, b1), b2), float(c[0]))


def _in_float(ctx, body, *xs):
    """Run ``body(m, *xs)`` in float32 for half types, natively for float32/float64."""
    dtype = np.dtype(ctx.in_avals[0].dtype)
    comp = dtype if dtype.name in ("float32", "float64") else np.dtype(np.float32)
    m = _Math(ctx, comp)
    if comp == dtype:
        return body(m, *xs)
    return cast(ctx, body(m, *(cast(ctx, x, comp) for x in xs)), dtype)


def _native_or(op_type, f64_body):
    """ONNX ``op_type`` for float16/32 (bfloat16 via float32), ``f64_body`` for float64."""
    def lower(ctx, x, **_):
        def body(m, y):
            return f64_body(m, y) if m.dtype == np.float64 else m.op(op_type, y)
        dtype = np.dtype(ctx.in_avals[0].dtype)
        if dtype.name == "float16":
            return ctx.op(op_type, x)
        return _in_float(ctx, body, x)

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


# ---- log1p / expm1 (Kahan's tricks: exact for any correctly-rounding-ish exp/log) ----
def _log1p(m, x):
    u = m.add(x, 1.0)
    kahan = m.where(m.eq(u, 1.0), x, m.mul(m.log(u), m.div(x, m.sub(u, 1.0))))
    # away from 0, log(1 + x) loses nothing (and the trick would give inf/inf at inf)
    return m.where(m.lt(m.abs(x), 0.5), kahan, m.log(u))


def _expm1(m, x):
    u = m.exp(x)
    d = m.sub(u, 1.0)
    kahan = m.where(m.eq(u, 1.0), x, m.div(m.mul(d, x), m.log(u)))
    return m.where(m.lt(m.abs(x), 1.0), kahan, d)


# ---- float64 inverse trig / hyperbolic -----------------------------------------------
def _atan64(m, x):
    """|x| -> min(|x|, 1/|x|), two half-angle steps to |r| <= tan(pi/16), then 12 terms."""
    a = m.abs(x)
    inv = m.lt(1.0, a)
    r = m.where(inv, m.div(1.0, a), a)
    for _ in range(2):
        r = m.div(r, m.add(1.0, m.sqrt(m.add(1.0, m.mul(r, r)))))
    r2 = m.mul(r, r)
    series = m.mul(r, m.horner(r2, [(-1) ** n / (2 * n + 1) for n in range(12)]))
    v = m.mul(series, 4.0)
    return m.signed(x, m.where(inv, m.sub(math.pi / 2, v), v))


def _asin64(m, x):
    return _atan64(m, m.div(x, m.sqrt(m.mul(m.sub(1.0, x), m.add(1.0, x)))))


def _acos64(m, x):
    return m.mul(_atan64(m, m.sqrt(m.div(m.sub(1.0, x), m.add(1.0, x)))), 2.0)


def _sinh64(m, x):
    a = m.abs(x)
    e = m.exp(a)
    big = m.mul(m.sub(e, m.div(1.0, e)), 0.5)
    # |x| < 1: odd Taylor series to x^21 (cancellation-free)
    small = m.mul(a, m.horner(m.mul(a, a), [1 / math.factorial(2 * n + 1) for n in range(11)]))
    return m.signed(x, m.where(m.lt(a, 1.0), small, big))


def _cosh64(m, x):
    e = m.exp(m.abs(x))
    return m.mul(m.add(e, m.div(1.0, e)), 0.5)


_HUGE = 2.0 ** 28  # beyond this, asinh/acosh(x) = log(2x) to double precision


def _asinh64(m, x):
    a = m.abs(x)
    a2 = m.mul(a, a)
    r = _log1p(m, m.add(a, m.div(a2, m.add(1.0, m.sqrt(m.add(1.0, a2))))))
    return m.signed(x, m.where(m.lt(_HUGE, a), m.add(m.log(a), math.log(2)), r))


def _acosh64(m, x):
    t = m.sub(x, 1.0)
    r = _log1p(m, m.add(t, m.sqrt(m.mul(t, m.add(x, 1.0)))))
    r = m.where(m.lt(x, 1.0), math.nan, r)  # (x-1)(x+1) > 0 again for x < -1
    return m.where(m.lt(_HUGE, x), m.add(m.log(x), math.log(2)), r)


def _atanh64(m, x):
    a = m.abs(x)
    return m.signed(x, m.mul(_log1p(m, m.div(m.mul(a, 2.0), m.sub(1.0, a))), 0.5))


for _prim, _op, _body in (
    ("tan", "Tan", lambda m, x: m.div(m.op("Sin", x), m.op("Cos", x))),
    ("asin", "Asin", _asin64), ("acos", "Acos", _acos64), ("atan", "Atan", _atan64),
    ("sinh", "Sinh", _sinh64), ("cosh", "Cosh", _cosh64), ("asinh", "Asinh", _asinh64),
    ("acosh", "Acosh", _acosh64), ("atanh", "Atanh", _atanh64),
):
    register(PIPELINE, _prim)(_native_or(_op, _body))


@register(PIPELINE, "log1p")
def log1p(ctx, x, **_):
    """log(1 + x), accurate near 0 (Kahan)."""
    return _in_float(ctx, _log1p, x)


@register(PIPELINE, "expm1")
def expm1(ctx, x, **_):
    """exp(x) - 1, accurate near 0 (Kahan)."""
    return _in_float(ctx, _expm1, x)


@register(PIPELINE, "atan2")
def atan2(ctx, y, x, **_):
    """atan(y / x) plus ±pi when x is negative (sign of zero read through 1/v)."""
    def body(m, y, x):
        both_inf = m.op("And", m.op("IsInf", y), m.op("IsInf", x))
        ratio = m.where(both_inf, m.mul(m.op("Sign", y), m.op("Sign", x)), m.div(y, x))  # inf/inf -> ±1
        at = m.op("Atan", ratio) if m.dtype != np.float64 else _atan64(m, ratio)
        both_zero = m.op("And", m.eq(y, 0.0), m.eq(x, 0.0))
        q = m.where(both_zero, 0.0, at)  # 0/0: atan2(±0, ±0) is 0 or ±pi, never NaN

        def negative(v):  # v < 0, or v = -0.0 (1/v = -inf)
            return m.op("Or", m.lt(v, 0.0), m.lt(m.div(1.0, v), 0.0))

        return m.where(negative(x), m.add(q, m.where(negative(y), -math.pi, math.pi)), q)

    return _in_float(ctx, body, y, x)


# ---- erf / erfc --------------------------------------------------------------------------
def _erf_small(m, x):
    """Taylor series of erf, |x| <= special.ERFC_SPLIT."""
    return m.mul(x, m.horner(m.mul(x, x), special.erf_taylor(m.dtype.name)))


def _erfc_pos(m, a):
    """erfc(a) for a >= ERFC_SPLIT: exp(-a^2) g(t) / (1 + a), t = (a - L) / (a + L).

    exp(-a^2) is formed as exp(-h^2) exp(-(a - h)(a + h)) with h = a rounded to 1/16,
    so h^2 is exact and the large exponent carries no rounding error.
    """
    a = m.min(a, 40.0)  # erfc(40) underflows in float64 too; avoids inf/inf at +inf
    L = special.erfcx_map_constant()
    t = m.div(m.sub(a, L), m.add(a, L))
    g = m.cheb(t, special.erfcx_fit(m.dtype.name))
    h = m.div(m.op("Floor", m.mul(a, 16.0)), 16.0)
    e = m.mul(m.exp(m.neg(m.mul(h, h))), m.exp(m.neg(m.mul(m.sub(a, h), m.add(a, h)))))
    return m.div(m.mul(e, g), m.add(a, 1.0))


def _erf64(m, x):
    a = m.abs(x)
    big = m.signed(x, m.sub(1.0, _erfc_pos(m, a)))
    return m.where(m.le(a, special.ERFC_SPLIT), _erf_small(m, x), big)


def _erfc(m, x):
    a = m.abs(x)
    small_erf = _erf_small(m, x) if m.dtype == np.float64 else m.op("Erf", x)
    tail = _erfc_pos(m, a)
    big = m.where(m.lt(x, 0.0), m.sub(2.0, tail), tail)
    return m.where(m.le(a, special.ERFC_SPLIT), m.sub(1.0, small_erf), big)


register(PIPELINE, "erf")(_native_or("Erf", _erf64))


@register(PIPELINE, "erfc")
def erfc(ctx, x, **_):
    """1 - erf(x) with full relative accuracy in the right tail."""
    return _in_float(ctx, _erfc, x)


@register(PIPELINE, "erf_inv")
def erf_inv(ctx, x, **_):
    """erf_inv(y) = y f(w), w = -log((1 - y)(1 + y)), f fitted in w (central) or
    sqrt(w) (tail); ±1 -> ±inf, |y| > 1 -> NaN (log of a negative)."""
    def body(m, y):
        w = m.neg(m.log(m.mul(m.sub(1.0, y), m.add(1.0, y))))
        central, tail = special.erfinv_fits(m.dtype.name)
        f = m.where(m.lt(w, special.W_SPLIT), m.cheb(w, central), m.cheb(m.sqrt(w), tail))
        r = m.mul(y, f)
        return m.where(m.eq(m.abs(y), 1.0), m.mul(y, math.inf), r)

    return _in_float(ctx, body, x)


# ---- lgamma / digamma ---------------------------------------------------------------------
def _shifted(m, x):
    """(z, use_shift): z = x + N when x < N, so the asymptotic series is accurate."""
    use_shift = m.lt(x, float(special.GAMMA_SHIFT))
    return m.where(use_shift, m.add(x, float(special.GAMMA_SHIFT)), x), use_shift


def _lgamma_ge_half(m, x):
    z, use_shift = _shifted(m, x)
    r = m.div(1.0, z)
    k = special.stirling_terms(m.dtype.name)
    coeffs = [float(b / (2 * (j + 1) * (2 * j + 1))) for j, b in enumerate(special.BERNOULLI[:k])]
    series = m.mul(r, m.horner(m.mul(r, r), coeffs))
    st = m.add(m.sub(m.mul(m.sub(z, 0.5), m.log(z)), z), m.add(series, special.LOG_2PI_HALF))
    prod = x
    for i in range(1, special.GAMMA_SHIFT):
        prod = m.mul(prod, m.add(x, float(i)))
    return m.where(use_shift, m.sub(st, m.log(m.abs(prod))), st)


def _reduced(m, x):
    """x - round(x) in [-0.5, 0.5]: sin/tan(pi x) without large-argument error."""
    return m.sub(x, m.op("Round", x))


def lgamma_body(m, x):
    """log|Gamma(x)| in ``m``'s dtype (also used by ``special_functions``)."""
    refl = m.lt(x, 0.5)
    g = _lgamma_ge_half(m, m.where(refl, m.sub(1.0, x), x))
    s = m.abs(m.op("Sin", m.mul(_reduced(m, x), math.pi)))
    out = m.where(refl, m.sub(m.log(m.div(math.pi, s)), g), g)
    return m.where(m.op("IsInf", x), math.inf, out)  # the series gives inf - inf


@register(PIPELINE, "lgamma")
def lgamma(ctx, x, **_):
    """log|Gamma(x)|: shift + Stirling for x >= 0.5, reflection below (inf at poles)."""
    return _in_float(ctx, lgamma_body, x)


def digamma_body(m, x):
    """psi(x) in ``m``'s dtype (also used by ``special_functions``)."""
    refl = m.lt(x, 0.5)
    v = m.where(refl, m.sub(1.0, x), x)
    z, use_shift = _shifted(m, v)
    r = m.div(1.0, z)
    r2 = m.mul(r, r)
    k = special.stirling_terms(m.dtype.name)
    coeffs = [float(b / (2 * (j + 1))) for j, b in enumerate(special.BERNOULLI[:k])]
    psi = m.sub(m.sub(m.log(z), m.mul(r, 0.5)), m.mul(r2, m.horner(r2, coeffs)))
    acc = m.div(1.0, v)
    for i in range(1, special.GAMMA_SHIFT):
        acc = m.add(acc, m.div(1.0, m.add(v, float(i))))
    psi = m.where(use_shift, m.sub(psi, acc), psi)
    t = m.mul(_reduced(m, x), math.pi)
    cot = m.div(m.op("Cos", t), m.op("Sin", t))
    out = m.where(refl, m.sub(psi, m.mul(cot, math.pi)), psi)
    pole = m.op("And", m.le(x, 0.0), m.eq(x, m.op("Floor", x)))
    return m.where(pole, math.nan, out)


@register(PIPELINE, "digamma")
def digamma(ctx, x, **_):
    """psi(x): shift + asymptotic series for x >= 0.5, reflection below, NaN at poles."""
    return _in_float(ctx, digamma_body, x)
