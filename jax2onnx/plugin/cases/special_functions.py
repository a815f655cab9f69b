"""Catalog: incomplete gamma family, regularized incomplete beta, Hurwitz zeta,
polygamma, i0e/i1e (``plugin2/special_functions.py``), reached through
``jax.scipy.special``.

Inputs target the hard regions (a ~ x, small a, x = 0, a >> x, x >> a; betainc near
0 and 1; zeta near s = 1; polygamma n = 0..3 on both sides of the poles; i0e/i1e at
large |x|). One tolerance per case serves both the float32 and the float64 variants,
so it is float32's; ``tests2/test_special_functions_accuracy.py`` holds float64 to
float64 levels (docs/special_functions.md lists the measured errors).
"""

import jax
import jax.scipy.special as jss
import numpy as np
from jax import lax

from ..testcase import LEGACY_FROZEN
from .elementwise import _fill, testcase

F = "special_functions"
_IR = dict(ir_only=LEGACY_FROZEN, f64=True)


def loguniform(*ranges, specials=()):
    """input_gen: input i log-uniform in ranges[i] = (lo, hi); specials[i] (a list) written first."""
    def gen(rng, shapes, dtypes):
        out = []
        for i, (s, d) in enumerate(zip(shapes, dtypes)):
            lo, hi = ranges[i]
            arr = np.exp(rng.uniform(np.log(lo), np.log(hi), s)).astype(d)
            out.append(_fill(arr, specials[i] if specials else []))
        return out
    return gen


# ---- igamma family ----------------------------------------------------------------------------
_INF, _NAN = np.inf, np.nan
#: (a, x) pairs: x = 0, tiny a, a >> x, x >> a, a ~ x (moderate and large), the domain edges
_GAMMA_A = [0.5, 1e-3, 1e-3, 50.0, 0.5, 30.0, 30.0, 200.0, 200.0, 1.0, 2.0, -1.0, 1.0, _NAN, 0.0, 3.0]
_GAMMA_X = [0.0, 1e-3, 2.0, 1.0, 40.0, 29.0, 31.0, 195.0, 210.0, _INF, 1e-6, 1.0, -1.0, 1.0, 1.0, 3.0]
_gamma_gen = loguniform((0.02, 60.0), (0.02, 60.0), specials=(_GAMMA_A, _GAMMA_X))

testcase(F, "gammainc", "lax.igamma", fn=jss.gammainc, inputs=[("B", 16), ("B", 16)],
         input_gen=_gamma_gen, rtol=2e-4, atol=1e-6, **_IR)
testcase(F, "gammaincc", "lax.igammac", fn=jss.gammaincc, inputs=[("B", 16), ("B", 16)],
         input_gen=_gamma_gen, rtol=5e-4, atol=1e-6, **_IR)
testcase(F, "gammainc_size0", "lax.igamma", fn=jss.gammainc, inputs=[(0,), (0,)], **_IR)
testcase(F, "igamma_grad_a", "lax.igamma_grad_a", fn=lax.igamma_grad_a, inputs=[("B", 16), ("B", 16)],
         input_gen=_gamma_gen, rtol=5e-4, atol=2e-6, **_IR)
testcase(F, "gammainc_grad", "lax.igamma_grad_a",
         fn=lambda a, x: jax.grad(lambda a_: jss.gammainc(a_, x).sum())(a),
         inputs=[(16,), (16,)], input_gen=loguniform((0.1, 20.0), (0.1, 20.0)), rtol=5e-4, atol=2e-6, **_IR)
# not a primitive in JAX 0.10.2: traces to JAX's own while loops (converted by control_flow)
testcase(F, "random_gamma_grad", "lax.random_gamma_grad", fn=lax.random_gamma_grad,
         inputs=[("B", 16), ("B", 16)], input_gen=_gamma_gen, rtol=5e-4, atol=2e-6, **_IR)

# ---- betainc ------------------------------------------------------------------------------------
_BETA_A = [0.5, 2.0, 1e-2, 50.0, 1.0, 5.0, 0.0, 2.0, 2.0, -1.0, 3.0, 3.0, 30.0, 0.5]
_BETA_B = [0.5, 3.0, 1.0, 50.0, 1.0, 0.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 40.0, 40.0]
_BETA_X = [0.5, 1e-4, 0.5, 0.5, 0.3, 0.7, 0.5, 0.0, 1.0, 0.5, 0.9999, 1e-6, 0.43, 0.01]


def _beta_gen(rng, shapes, dtypes):
    a, b = loguniform((0.05, 50.0), (0.05, 50.0), specials=(_BETA_A, _BETA_B))(rng, shapes[:2], dtypes[:2])
    x = _fill(rng.uniform(0.0, 1.0, shapes[2]).astype(dtypes[2]), _BETA_X)
    return [a, b, x]


testcase(F, "betainc", "lax.regularized_incomplete_beta", fn=jss.betainc,
         inputs=[("B", 14), ("B", 14), ("B", 14)], input_gen=_beta_gen, rtol=2e-4, atol=1e-6, **_IR)

# ---- zeta / polygamma -----------------------------------------------------------------------------
_ZETA_S = [1.0, 1.0 + 1e-3, 1.01, 2.0, 2.0, 2.0, 3.0, 2.5, 0.5, 2.0, 40.0, 4.0]
_ZETA_Q = [1.0, 1.0, 1.0, 0.0, -1.0, -1.5, -2.5, -2.5, 1.0, 1e-3, 1.0, 1e4]


def _zeta_gen(rng, shapes, dtypes):
    s = _fill((1.0 + np.exp(rng.uniform(np.log(1e-2), np.log(30.0), shapes[0]))).astype(dtypes[0]), _ZETA_S)
    q = _fill(np.exp(rng.uniform(np.log(1e-2), np.log(1e3), shapes[1])).astype(dtypes[1]), _ZETA_Q)
    return [s, q]


testcase(F, "zeta", "lax.zeta", fn=jss.zeta, inputs=[("B", 12), ("B", 12)], input_gen=_zeta_gen,
         rtol=2e-5, atol=1e-6, **_IR)


def _polygamma_gen(rng, shapes, dtypes):
    n = (np.arange(int(np.prod(shapes[0]))) % 4).reshape(shapes[0]).astype(dtypes[0])
    x = rng.uniform(-4.9, 12.0, shapes[1])
    x = np.where(np.abs(x - np.round(x)) < 0.05, x + 0.3, x)  # stay off the poles
    return [n, _fill(x.astype(dtypes[1]), [0.5, 1e-3, 2.0, 30.0, 0.25, -1.5, 7.0, 1e3])]


testcase(F, "polygamma", "lax.polygamma", fn=jss.polygamma, inputs=[("B", 8), ("B", 8)],
         input_dtypes=[np.int32, np.float32], input_gen=_polygamma_gen, rtol=5e-5, atol=1e-5, **_IR)
testcase(F, "polygamma_edges", "lax.polygamma", fn=lax.polygamma, inputs=[(8,), (8,)],
         input_gen=lambda rng, s, d: [np.asarray([1, 1, 2, 0.5, -1, 3, 0, 1], d[0]),
                                      np.asarray([0.0, -1.0, 0.5, 1.0, 1.0, -2.0, -3.0, 1e-4], d[1])],
         rtol=5e-5, atol=1e-5, **_IR)

# ---- i0e / i1e (and i0/i1, which scale them back) ---------------------------------------------------
_BESSEL_X = [0.0, 8.0, -8.0, 7.999, 8.001, 1e-4, -1e-4, 30.0, 700.0, -1e5, _INF, -_INF, _NAN, 2.5, -2.5, 100.0]


def _bessel_gen(rng, shapes, dtypes):
    x = rng.choice([-1.0, 1.0], shapes[0]) * np.exp(rng.uniform(np.log(1e-3), np.log(1e4), shapes[0]))
    return [_fill(x.astype(dtypes[0]), _BESSEL_X)]


for _name, _fn, _prim in (("i0e", jss.i0e, "bessel_i0e"), ("i1e", jss.i1e, "bessel_i1e")):
    testcase(F, _name, f"lax.{_prim}", fn=_fn, inputs=[("B", 16)], input_gen=_bessel_gen,
             rtol=2e-6, atol=1e-7, **_IR)
    testcase(F, f"{_name}_f16", f"lax.{_prim}", fn=_fn, inputs=[(16,)], input_dtypes=[np.float16],
             input_gen=_bessel_gen, rtol=2e-3, atol=1e-3, ir_only=LEGACY_FROZEN)
for _name, _fn, _prim in (("i0", jss.i0, "bessel_i0e"), ("i1", jss.i1, "bessel_i1e")):
    testcase(F, _name, f"lax.{_prim}", fn=_fn, inputs=[("B", 8)],
             input_gen=lambda rng, s, d: [_fill(rng.uniform(-30, 30, s[0]).astype(d[0]), [0.0, 8.0, -1e-3])],
             rtol=5e-6, atol=1e-7, **_IR)

# ---- low opsets: every op used exists at opset 13; 18 is the lowest to_onnx accepts now ---------------
for _opset in (18,):
    testcase(F, f"gammainc_opset{_opset}", "lax.igamma", fn=jss.gammainc, inputs=[(16,), (16,)],
             input_gen=_gamma_gen, rtol=2e-4, atol=1e-6, opset=_opset, **_IR)
    testcase(F, f"betainc_opset{_opset}", "lax.regularized_incomplete_beta", fn=jss.betainc,
             inputs=[(14,), (14,), (14,)], input_gen=_beta_gen, rtol=2e-4, atol=1e-6, opset=_opset, **_IR)
    testcase(F, f"zeta_opset{_opset}", "lax.zeta", fn=jss.zeta, inputs=[(12,), (12,)],
             input_gen=_zeta_gen, rtol=2e-5, atol=1e-6, opset=_opset, **_IR)
    testcase(F, f"i0e_opset{_opset}", "lax.bessel_i0e", fn=jss.i0e, inputs=[(16,)],
             input_gen=_bessel_gen, rtol=2e-6, atol=1e-7, opset=_opset, **_IR)
