"""Special functions for the legacy pipeline: erf family, lgamma/digamma, log1p/expm1,
atan2 and the inverse trig / hyperbolic functions.

onnxruntime lacks float64 kernels for Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh,
Acosh, Atanh and Erf, so float64 uses decompositions computed in float64 (no
float32 detour). float16/bfloat16 compute in float32. Fit coefficients come from
the shared pure helper ``plugin/special.py``.
"""

from __future__ import annotations

import math

import numpy as np

from ..plugin import special
from ..plugin.registry import register
from .elementwise import cast_to

PIPELINE = "legacy"


class _G:
    """Graph arithmetic on value names in one float dtype (numbers become constants)."""

    def __init__(self, ctx, dtype):
        self.ctx, self.dtype = ctx, np.dtype(dtype)

    def _n(self, a):
        if isinstance(a, (int, float)):
            return self.ctx.const(np.asarray(a, dtype=self.dtype))
        return a

    def __call__(self, op, *xs, **attrs):
        return self.ctx.node1(op, [self._n(x) for x in xs], **attrs)

    def sign_of(self, x, mag):
        return self("Where", self("Less", x, 0.0), self("Neg", mag), mag)

    def poly(self, t, coeffs):
        """Horner: sum coeffs[k] t^k."""
        acc = self._n(float(coeffs[-1]))
        for c in coeffs[-2::-1]:
            acc = self("Add", self("Mul", acc, t), float(c))
        return acc

    def chebyshev(self, v, fit):
        """Clenshaw recurrence for ``special.ChebFit`` at ``v``."""
        k = 2.0 / (fit.b - fit.a)
        u = self("Add", self("Mul", v, k), -1.0 - fit.a * k)
        u2 = self("Mul", u, 2.0)
        cs = [float(c) for c in fit.coeffs]
        nxt = self._n(cs[-1])  # b_{n}
        cur = self("Add", self("Mul", u2, nxt), cs[-2])  # b_{n-1}
        for c in cs[-3:0:-1]:
            cur, nxt = self("Add", self("Sub", self("Mul", u2, cur), nxt), c), cur
        return self("Add", self("Sub", self("Mul", u, cur), nxt), cs[0])


def _finish(ctx, name: str, out: str) -> None:
    """Make ``name`` (the result of the last node emitted) appear as ``out``."""
    if ctx.nodes and ctx.nodes[-1].output[0] == name and len(ctx.nodes[-1].output) == 1:
        ctx.nodes[-1].output[0] = out
    else:
        ctx.node("Identity", [name], [out])


def _lower_float(ctx, eqn, body):
    """Emit ``body(g, *inputs)`` in float32 (half types) or natively (float32/64)."""
    dtype = np.dtype(eqn.invars[0].aval.dtype)
    comp = dtype if dtype.name in ("float32", "float64") else np.dtype(np.float32)
    names = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    g = _G(ctx, comp)
    if comp == dtype:
        _finish(ctx, body(g, *names), out)
    else:
        cast_to(ctx, body(g, *(cast_to(ctx, n, comp) for n in names)), dtype, out)


def _native_unless_f64(op_type, f64_body):
    def lower(ctx, eqn):
        dtype = np.dtype(eqn.invars[0].aval.dtype)
        if dtype.name == "float16":
            ctx.node(op_type, ctx.inputs(eqn), ctx.outputs(eqn))
            return
        _lower_float(ctx, eqn, lambda g, x: f64_body(g, x) if g.dtype == np.float64 else g(op_type, x))

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


# ---- log1p / expm1 ----------------------------------------------------------------------
def _log1p(g, x):
    """Kahan: log(u) * x / (u - 1) with u = 1 + x corrects u's rounding (|x| < 0.5)."""
    u = g("Add", x, 1.0)
    near = g("Where", g("Equal", u, 1.0), x, g("Mul", g("Log", u), g("Div", x, g("Sub", u, 1.0))))
    return g("Where", g("Less", g("Abs", x), 0.5), near, g("Log", u))


def _expm1(g, x):
    """Kahan: (u - 1) * x / log(u) with u = exp(x) for |x| < 1; u - 1 elsewhere."""
    u = g("Exp", x)
    um1 = g("Sub", u, 1.0)
    near = g("Where", g("Equal", u, 1.0), x, g("Div", g("Mul", um1, x), g("Log", u)))
    return g("Where", g("Less", g("Abs", x), 1.0), near, um1)


# ---- float64 inverse trig / hyperbolic ------------------------------------------------------
def _atan64(g, x):
    """Reduce to r = min(|x|, 1/|x|), halve the angle twice (|r| <= tan(pi/16)),
    12-term odd series, undo the reductions."""
    a = g("Abs", x)
    flip = g("Greater", a, 1.0)
    r = g("Where", flip, g("Reciprocal", a), a)
    for _ in range(2):
        r = g("Div", r, g("Add", g("Sqrt", g("Add", g("Mul", r, r), 1.0)), 1.0))
    v = g("Mul", g("Mul", r, g.poly(g("Mul", r, r), [(-1) ** n / (2 * n + 1) for n in range(12)])), 4.0)
    return g.sign_of(x, g("Where", flip, g("Sub", math.pi / 2, v), v))


def _asin64(g, x):
    return _atan64(g, g("Div", x, g("Sqrt", g("Mul", g("Sub", 1.0, x), g("Add", x, 1.0)))))


def _acos64(g, x):
    return g("Mul", _atan64(g, g("Sqrt", g("Div", g("Sub", 1.0, x), g("Add", x, 1.0)))), 2.0)


def _sinh64(g, x):
    a = g("Abs", x)
    e = g("Exp", a)
    far = g("Mul", g("Sub", e, g("Reciprocal", e)), 0.5)
    near = g("Mul", a, g.poly(g("Mul", a, a), [1 / math.factorial(2 * n + 1) for n in range(11)]))
    return g.sign_of(x, g("Where", g("Less", a, 1.0), near, far))


def _cosh64(g, x):
    e = g("Exp", g("Abs", x))
    return g("Mul", g("Add", e, g("Reciprocal", e)), 0.5)


_BIG = 2.0 ** 28  # asinh/acosh(x) = log(2x) in float64 beyond this (and x*x may overflow)


def _asinh64(g, x):
    a = g("Abs", x)
    sq = g("Mul", a, a)
    near = _log1p(g, g("Add", a, g("Div", sq, g("Add", g("Sqrt", g("Add", sq, 1.0)), 1.0))))
    far = g("Add", g("Log", a), math.log(2))
    return g.sign_of(x, g("Where", g("Greater", a, _BIG), far, near))


def _acosh64(g, x):
    xm1 = g("Sub", x, 1.0)
    near = _log1p(g, g("Add", xm1, g("Sqrt", g("Mul", xm1, g("Add", x, 1.0)))))
    near = g("Where", g("Less", x, 1.0), math.nan, near)  # below -1 the radicand is positive again
    return g("Where", g("Greater", x, _BIG), g("Add", g("Log", x), math.log(2)), near)


def _atanh64(g, x):
    a = g("Abs", x)
    return g.sign_of(x, g("Mul", _log1p(g, g("Div", g("Add", a, a), g("Sub", 1.0, a))), 0.5))


for _prim, _op, _f64 in (
    ("tan", "Tan", lambda g, x: g("Div", g("Sin", x), g("Cos", x))),
    ("asin", "Asin", _asin64), ("acos", "Acos", _acos64), ("atan", "Atan", _atan64),
    ("sinh", "Sinh", _sinh64), ("cosh", "Cosh", _cosh64), ("asinh", "Asinh", _asinh64),
    ("acosh", "Acosh", _acosh64), ("atanh", "Atanh", _atanh64),
):
    register(PIPELINE, _prim)(_native_unless_f64(_op, _f64))


@register(PIPELINE, "log1p")
def log1p(ctx, eqn):
    """log(1 + x) without cancellation near 0."""
    _lower_float(ctx, eqn, _log1p)


@register(PIPELINE, "expm1")
def expm1(ctx, eqn):
    """exp(x) - 1 without cancellation near 0."""
    _lower_float(ctx, eqn, _expm1)


@register(PIPELINE, "atan2")
def atan2(ctx, eqn):
    """atan(y/x), shifted by ±pi for x < 0 or x = -0 (zero signs read through 1/v)."""
    def is_neg(g, v):
        """v < 0 including -0.0 (whose reciprocal is -inf)."""
        return g("Or", g("Less", v, 0.0), g("Less", g("Reciprocal", v), 0.0))

    def body(g, y, x):
        infs = g("And", g("IsInf", y), g("IsInf", x))
        ratio = g("Where", infs, g("Mul", g("Sign", y), g("Sign", x)), g("Div", y, x))  # not inf/inf
        base = _atan64(g, ratio) if g.dtype == np.float64 else g("Atan", ratio)
        zz = g("And", g("Equal", y, 0.0), g("Equal", x, 0.0))
        base = g("Where", zz, 0.0, base)  # 0/0 would be NaN; atan2(±0, ±0) is 0 or ±pi
        shift = g("Where", is_neg(g, y), -math.pi, math.pi)
        return g("Where", is_neg(g, x), g("Add", base, shift), base)

    _lower_float(ctx, eqn, body)


# ---- erf / erfc ------------------------------------------------------------------------------
def _erf_taylor(g, x):
    return g("Mul", x, g.poly(g("Mul", x, x), special.erf_taylor(g.dtype.name)))


def _erfc_tail(g, a):
    """erfc(a), a >= ERFC_SPLIT: exp(-a^2) * fit(t) / (1 + a), t = (a - L)/(a + L);
    exp(-a^2) = exp(-h^2) exp(-(a-h)(a+h)), h = floor(16 a)/16 so h^2 is exact."""
    a = g("Min", a, 40.0)  # keeps +inf from turning into inf/inf; erfc(40) == 0 anyway
    L = special.erfcx_map_constant()
    t = g("Div", g("Sub", a, L), g("Add", a, L))
    fit = g.chebyshev(t, special.erfcx_fit(g.dtype.name))
    h = g("Div", g("Floor", g("Mul", a, 16.0)), 16.0)
    e_hi = g("Exp", g("Neg", g("Mul", h, h)))
    e_lo = g("Exp", g("Neg", g("Mul", g("Sub", a, h), g("Add", a, h))))
    return g("Div", g("Mul", g("Mul", e_hi, e_lo), fit), g("Add", a, 1.0))


def _erf64(g, x):
    a = g("Abs", x)
    far = g.sign_of(x, g("Sub", 1.0, _erfc_tail(g, a)))
    return g("Where", g("LessOrEqual", a, special.ERFC_SPLIT), _erf_taylor(g, x), far)


def _erfc(g, x):
    a = g("Abs", x)
    erf_near = _erf_taylor(g, x) if g.dtype == np.float64 else g("Erf", x)
    tail = _erfc_tail(g, a)
    far = g("Where", g("Less", x, 0.0), g("Sub", 2.0, tail), tail)
    return g("Where", g("LessOrEqual", a, special.ERFC_SPLIT), g("Sub", 1.0, erf_near), far)


register(PIPELINE, "erf")(_native_unless_f64("Erf", _erf64))


@register(PIPELINE, "erfc")
def erfc(ctx, eqn):
    """Complementary error function, relatively accurate for large x."""
    _lower_float(ctx, eqn, _erfc)


@register(PIPELINE, "erf_inv")
def erf_inv(ctx, eqn):
    """y * f(w) with w = -log((1-y)(1+y)); f is a Chebyshev fit in w (w < 5) or in
    sqrt(w). y = ±1 gives ±inf; |y| > 1 gives NaN through the log."""
    def body(g, y):
        w = g("Neg", g("Log", g("Mul", g("Sub", 1.0, y), g("Add", y, 1.0))))
        central, tail = special.erfinv_fits(g.dtype.name)
        f = g("Where", g("Less", w, special.W_SPLIT), g.chebyshev(w, central),
              g.chebyshev(g("Sqrt", w), tail))
        return g("Where", g("Equal", g("Abs", y), 1.0), g("Mul", y, math.inf), g("Mul", y, f))

    _lower_float(ctx, eqn, body)


# ---- lgamma / digamma ---------------------------------------------------------------------
def _shift(g, x):
    n = float(special.GAMMA_SHIFT)
    small = g("Less", x, n)
    return g("Where", small, g("Add", x, n), x), small


def _frac_pi(g, x):
    """pi * (x - round(x)): same sin/tan as pi*x up to sign, no large-argument loss."""
    return g("Mul", g("Sub", x, g("Round", x)), math.pi)


@register(PIPELINE, "lgamma")
def lgamma(ctx, eqn):
    """Stirling series at z = x (+8 when x < 8) minus log of the shift product;
    x < 0.5 by reflection log(pi / |sin(pi x)|) - lgamma(1 - x)."""
    def body(g, x):
        refl = g("Less", x, 0.5)
        v = g("Where", refl, g("Sub", 1.0, x), x)
        z, small = _shift(g, v)
        r = g("Reciprocal", z)
        nterms = special.stirling_terms(g.dtype.name)
        cs = [float(b / ((2 * j + 2) * (2 * j + 1))) for j, b in enumerate(special.BERNOULLI[:nterms])]
        stir = g("Add", g("Sub", g("Mul", g("Sub", z, 0.5), g("Log", z)), z),
                 g("Add", g("Mul", r, g.poly(g("Mul", r, r), cs)), special.LOG_2PI_HALF))
        prod = v
        for i in range(1, special.GAMMA_SHIFT):
            prod = g("Mul", prod, g("Add", v, float(i)))
        lg = g("Where", small, g("Sub", stir, g("Log", g("Abs", prod))), stir)
        s = g("Abs", g("Sin", _frac_pi(g, x)))
        res = g("Where", refl, g("Sub", g("Log", g("Div", math.pi, s)), lg), lg)
        return g("Where", g("IsInf", x), math.inf, res)  # Stirling would give inf - inf

    _lower_float(ctx, eqn, body)


@register(PIPELINE, "digamma")
def digamma(ctx, eqn):
    """Asymptotic series at z = x (+8) minus sum 1/(x+i); reflection psi(1-x) - pi cot(pi x)
    below 0.5; NaN at the poles 0, -1, -2, ..."""
    def body(g, x):
        refl = g("Less", x, 0.5)
        v = g("Where", refl, g("Sub", 1.0, x), x)
        z, small = _shift(g, v)
        r = g("Reciprocal", z)
        rr = g("Mul", r, r)
        nterms = special.stirling_terms(g.dtype.name)
        cs = [float(b / (2 * j + 2)) for j, b in enumerate(special.BERNOULLI[:nterms])]
        psi = g("Sub", g("Sub", g("Log", z), g("Mul", r, 0.5)), g("Mul", rr, g.poly(rr, cs)))
        harm = g("Reciprocal", v)
        for i in range(1, special.GAMMA_SHIFT):
            harm = g("Add", harm, g("Reciprocal", g("Add", v, float(i))))
        psi = g("Where", small, g("Sub", psi, harm), psi)
        t = _frac_pi(g, x)
        cot = g("Div", g("Cos", t), g("Sin", t))
        res = g("Where", refl, g("Sub", psi, g("Mul", cot, math.pi)), psi)
        pole = g("And", g("LessOrEqual", x, 0.0), g("Equal", x, g("Floor", x)))
        return g("Where", pole, math.nan, res)

    _lower_float(ctx, eqn, body)
