"""Coefficients for the special-function decompositions (shared pure helper, no ONNX).

Both pipelines lower ``erf``/``erfc``/``erf_inv``/``lgamma``/``digamma`` (and the
float64 fallbacks ORT lacks kernels for) with their own graph code; this module
only supplies numbers: Chebyshev fits computed once, on first use, against
Python's ``math`` module (correctly rounded-ish double references), plus exact
series coefficients (Bernoulli terms for zeta, Chebyshev fits of i0e/i1e made in 40-digit
decimal arithmetic for ``plugin2/special_functions.py``). Fits are evaluated in ONNX with
Clenshaw's recurrence.

>>> import math
>>> fit = erfcx_fit("float64")  # t = -1/3 is x = 1
>>> abs(fit.value(-1 / 3) - 2 * math.erfc(1.0) * math.exp(1.0)) < 1e-14
True
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
from numpy.polynomial import chebyshev as _cheb

__all__ = ["ChebFit", "erfcx_fit", "erfinv_fits", "erf_taylor", "stirling_terms",
           "BERNOULLI", "is_double", "ERFC_SPLIT", "LOG_2PI_HALF", "zeta_tail_coeffs", "ZETA_DIRECT",
           "ZETA_TAIL", "bessel_fits", "BESSEL_SPLIT"]

#: below this |x| erf uses its Taylor series and erfc = 1 - erf; above, erfc uses erfcx
ERFC_SPLIT = 0.5
LOG_2PI_HALF = 0.5 * math.log(2 * math.pi)

#: B_2, B_4, ... B_18 (exact)
BERNOULLI = (Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30), Fraction(5, 66),
             Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510), Fraction(43867, 798))


def is_double(dtype) -> bool:
    return np.dtype(dtype) == np.float64


@dataclass(frozen=True)
class ChebFit:
    """f(v) ~ sum c_k T_k(u), u = 2 (v - a) / (b - a) - 1 on [a, b]."""

    a: float
    b: float
    coeffs: tuple[float, ...]

    def value(self, v: float) -> float:
        u = 2 * (v - self.a) / (self.b - self.a) - 1
        return float(_cheb.chebval(u, self.coeffs))


def _fit(fun, a: float, b: float, deg: int) -> ChebFit:
    nodes = np.cos(np.pi * (np.arange(deg + 1) + 0.5) / (deg + 1))
    samples = np.array([fun(a + (u + 1) / 2 * (b - a)) for u in nodes])
    return ChebFit(a, b, tuple(float(c) for c in _cheb.chebfit(nodes, samples, deg)))


# ---- erfc --------------------------------------------------------------------------
_ERFCX_L = 2.0  # x -> t = (x - L) / (x + L) maps [ERFC_SPLIT, inf) into [t0, 1)


def _erfcx(x: float) -> float:
    """exp(x^2) erfc(x) for x >= 0.5 in double precision."""
    if x < 5:
        return math.erfc(x) * math.exp(x * x)
    f = x  # Laplace continued fraction, evaluated bottom-up; converges fast for x >= 5
    for k in range(120, 0, -1):
        f = x + (k / 2) / f
    return 1 / (math.sqrt(math.pi) * f)


@lru_cache(maxsize=None)
def erfcx_fit(dtype_name: str) -> ChebFit:
    """Fit of g(t) = (1 + x) erfcx(x), x = L (1 + t) / (1 - t), on t in [t0, 1].

    g is analytic on the closed interval (g(1) = 1/sqrt(pi)), so the Chebyshev
    series converges geometrically: degree 22 reaches ~4e-15 relative, 11 ~1e-8.
    """
    L = _ERFCX_L

    def g(t):
        if t >= 1.0:
            return 1 / math.sqrt(math.pi)
        x = L * (1 + t) / (1 - t)
        return (1 + x) * _erfcx(x)

    t0 = (ERFC_SPLIT - L) / (ERFC_SPLIT + L)
    return _fit(g, t0, 1.0, 22 if is_double(dtype_name) else 11)


def erfcx_map_constant() -> float:
    return _ERFCX_L


def erf_taylor(dtype_name: str) -> tuple[float, ...]:
    """erf(x) = x * sum_n c_n (x^2)^n for |x| <= ERFC_SPLIT (alternating, fast-decaying)."""
    n_terms = 13 if is_double(dtype_name) else 7
    return tuple(2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1))
                 for n in range(n_terms))


# ---- erf_inv ---------------------------------------------------------------------------
#: erf_inv(y) = y * f(w), w = -log((1 - y)(1 + y)); central fit in w on [0, W_SPLIT],
#: tail fit in s = sqrt(w) on [sqrt(W_SPLIT), s_max] (s_max: y one ulp below 1)
W_SPLIT = 5.0


def _erfinv_w(w: float) -> tuple[float, float]:
    """(x, y) with y = sqrt(1 - exp(-w)) and x = erfinv(y), by Newton in double."""
    y = math.sqrt(-math.expm1(-w))
    one_minus_y = math.exp(-w) / (1 + y)  # exact-ish 1 - y for y near 1
    x = math.sqrt(max(w - math.log(w) - math.log(math.pi), 1e-30)) if w > 2 else math.sqrt(math.pi) / 2 * y
    for _ in range(100):
        r = (math.erf(x) - y) if y < 0.5 else (one_minus_y - math.erfc(x))
        step = r / (2 / math.sqrt(math.pi) * math.exp(-x * x))
        x -= step
        if abs(step) <= 1e-17 * abs(x):
            break
    return x, y


def _erfinv_ratio(w: float) -> float:
    if w == 0:
        return math.sqrt(math.pi) / 2
    x, y = _erfinv_w(w)
    return x / y


@lru_cache(maxsize=None)
def erfinv_fits(dtype_name: str) -> tuple[ChebFit, ChebFit]:
    """(central fit of f(w), tail fit of f(s^2)) where erf_inv(y) = y f(w)."""
    double = is_double(dtype_name)
    eps = 2.0 ** -53 if double else 2.0 ** -24
    s_max = math.sqrt(-math.log(eps * (2 - eps))) + 0.05
    central = _fit(_erfinv_ratio, 0.0, W_SPLIT, 20 if double else 10)
    tail = _fit(lambda s: _erfinv_ratio(s * s), math.sqrt(W_SPLIT), s_max, 30 if double else 12)
    return central, tail


# ---- lgamma / digamma ----------------------------------------------------------------
#: shift x up to x + GAMMA_SHIFT before the asymptotic (Stirling) series
GAMMA_SHIFT = 8


def stirling_terms(dtype_name: str) -> int:
    """How many Bernoulli terms the asymptotic series needs at z >= GAMMA_SHIFT."""
    return 8 if is_double(dtype_name) else 5


# ---- Hurwitz zeta (Euler-Maclaurin) ------------------------------------------------------
#: terms summed directly before the Euler-Maclaurin tail; tail correction terms
ZETA_DIRECT, ZETA_TAIL = 10, 12
_B20_24 = (Fraction(-174611, 330), Fraction(854513, 138), Fraction(-236364091, 2730))


def zeta_tail_coeffs() -> tuple[float, ...]:
    """B_2j / (2j)! for j = 1 .. ZETA_TAIL (exact Bernoulli numbers, rounded once)."""
    bern = BERNOULLI + _B20_24
    return tuple(float(bern[j - 1] / math.factorial(2 * j)) for j in range(1, ZETA_TAIL + 1))


# ---- exponentially scaled modified Bessel functions i0e / i1e ---------------------------------
#: |x| <= BESSEL_SPLIT: fit in x; above: fit of sqrt(x) i_ne(x) in t = BESSEL_SPLIT / x
BESSEL_SPLIT = 8.0


def _bessel_scaled(order: int, x, exact: bool = False):
    """e^-x I_order(x) for x >= 0, in 40-digit decimal arithmetic (a Decimal when ``exact``):
    the power series (positive terms) for x < 40, else the asymptotic expansion (its
    smallest term is ~e^-2x)."""
    with decimal.localcontext() as dc:
        dc.prec = 40
        X = decimal.Decimal(x)
        if x < 40:
            q = X * X / 4
            term = decimal.Decimal(1) if order == 0 else X / 2
            total, k = term, 0
            while k < 5 or term > total * decimal.Decimal(10) ** -38:
                k += 1
                term = term * q / (k * (k + order))
                total += term
            r = total * (-X).exp()
            return r if exact else float(r)
        mu, term, total, k = 4 * order * order, decimal.Decimal(1), decimal.Decimal(1), 0
        while abs(term) > decimal.Decimal(10) ** -38:
            k += 1
            nxt = term * -(mu - (2 * k - 1) ** 2) / (k * 8 * X)
            if abs(nxt) >= abs(term):  # asymptotic: stop at the smallest term
                break
            term = nxt
            total += term
        r = total / (2 * _PI_DEC * X).sqrt()
        return r if exact else float(r)


_PI_DEC = decimal.Decimal("3.141592653589793238462643383279502884197")


@lru_cache(maxsize=None)
def bessel_fits(order: int, dtype_name: str) -> tuple[ChebFit, ...]:
    """(near fit of i_ne(x) on [0, SPLIT], far fit of sqrt(x) i_ne(x) in t = SPLIT / x on
    (0, 1] (t = 0 is x = inf: 1/sqrt(2 pi))), plus for order 1 a fit of i1e(x) / x on
    [0, 1] (relative accuracy as x -> 0; on [1, 8] i1e itself is the better-conditioned fit)."""
    double = is_double(dtype_name)

    def far(t):
        if t <= 0:
            return 1 / (2 * _PI_DEC).sqrt()
        x = decimal.Decimal(BESSEL_SPLIT) / t
        return x.sqrt() * _bessel_scaled(order, x, exact=True)

    def ratio(x):
        return _bessel_scaled(1, x, exact=True) / x if x > 0 else decimal.Decimal("0.5")

    fits = (_fit_dct(lambda x: _bessel_scaled(order, x, exact=True), 0.0, BESSEL_SPLIT, 26 if double else 18),
            _fit_dct(far, 0.0, 1.0, 24 if double else 11))
    if order == 1:
        fits += (_fit_dct(ratio, 0.0, 1.0, 14 if double else 7),)
    return fits


def _cos_pi_frac(num: int, den: int) -> decimal.Decimal:
    """cos(pi num / den) in 40-digit decimal arithmetic (Taylor series after exact reduction)."""
    num %= 2 * den
    if num > den:
        num = 2 * den - num  # cos(2pi - t) = cos t
    sign = 1
    if 2 * num > den:
        num, sign = den - num, -1  # cos(pi - t) = -cos t
    with decimal.localcontext() as dc:
        dc.prec = 45
        t = _PI_DEC * num / den
        term, total, k = decimal.Decimal(1), decimal.Decimal(1), 0
        while abs(term) > decimal.Decimal(10) ** -44:
            k += 2
            term = -term * t * t / (k * (k - 1))
            total += term
        return sign * total


def _fit_dct(fun, a: float, b: float, deg: int) -> ChebFit:
    """Chebyshev interpolation at first-kind nodes by the discrete cosine sums, in decimal
    arithmetic on ``fun``'s Decimal values (``fun(x, exact=True)``); each coefficient is
    rounded to double once."""
    n = deg + 1
    with decimal.localcontext() as dc:
        dc.prec = 40
        half_width = (decimal.Decimal(b) - decimal.Decimal(a)) / 2
        nodes = [decimal.Decimal(a) + (_cos_pi_frac(2 * j + 1, 2 * n) + 1) * half_width for j in range(n)]
        samples = [decimal.Decimal(fun(x)) for x in nodes]
        coeffs = []
        for k in range(n):
            acc = sum((samples[j] * _cos_pi_frac(k * (2 * j + 1), 2 * n) for j in range(n)), decimal.Decimal(0))
            coeffs.append(float(acc * 2 / n / (2 if k == 0 else 1)))
    return ChebFit(a, b, tuple(coeffs))
