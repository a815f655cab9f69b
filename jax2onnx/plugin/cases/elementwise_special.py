"""Catalog: special functions (inverse trig/hyperbolic, atan2, log1p/expm1, erf family,
lgamma/digamma). float64 variants exercise the float64 decompositions ORT needs.

Tolerances: float32 rtol 1e-5 unless stated; lgamma/digamma use atol 2e-5 near
their roots (both JAX and the graph carry ~1e-6 absolute error there); float64
decompositions agree with JAX to ~1e-13 relative (checked offline on dense grids).
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from .elementwise import fixed, testcase, uniform

F = "elementwise_special"

_DOMAINS = {
    "tan": (jnp.tan, uniform(-1.4, 1.4, [0.0, 1.0, -1.0])),
    "asin": (jnp.arcsin, uniform(-1, 1, [1.0, -1.0, 0.0, 0.999])),
    "acos": (jnp.arccos, uniform(-1, 1, [1.0, -1.0, 0.0, -0.999])),
    "atan": (jnp.arctan, uniform(-20, 20, [0.0, 1.0, -1.0, 1e6, np.inf])),
    "sinh": (jnp.sinh, uniform(-5, 5, [0.0, 1e-4, -0.9, 1.1])),
    "cosh": (jnp.cosh, uniform(-5, 5, [0.0, 1e-4, -0.9, 1.1])),
    "asinh": (jnp.arcsinh, uniform(-50, 50, [0.0, 1e-5, -1e-5, 1e10])),
    "acosh": (jnp.arccosh, uniform(1, 50, [1.0, 1.0001, 1e10])),
    "atanh": (jnp.arctanh, uniform(-0.99, 0.99, [0.0, 1e-6, -0.999, 1.0])),
    "log1p": (jnp.log1p, uniform(-0.9, 3, [0.0, 1e-7, -1e-7, 1e-3, -0.5, -1.0, 1e6])),
    "expm1": (jnp.expm1, uniform(-3, 3, [0.0, 1e-7, -1e-7, 1e-3, -0.5, 30.0, -30.0])),
    "erf": (lax.erf, uniform(-4, 4, [0.0, 0.5, -0.5, 0.51, 6.0, -30.0])),
    "erfc": (lax.erfc, uniform(-3, 9, [0.0, 0.5, -0.5, 0.51, 5.0, 9.0, -4.0, 30.0])),
    "erf_inv": (lax.erf_inv, uniform(-1, 1, [0.0, 1e-6, 0.5, -0.9, 0.99999, -0.999999, 1.0, -1.0])),
}
for _name, (_fn, _gen) in _DOMAINS.items():
    testcase(F, _name, f"lax.{_name}", fn=_fn, inputs=[("B", 8)], f64=True, input_gen=_gen,
             rtol=1e-5, atol=1e-6)
    testcase(F, f"{_name}_f16", f"lax.{_name}", fn=_fn, inputs=[(8,)], input_dtypes=[np.float16],
             input_gen=_gen, rtol=3e-3, atol=3e-3)

testcase(F, "asinh_size0", "lax.asinh", fn=jnp.arcsinh, inputs=[(0,)], f64=True)
testcase(F, "erf_gelu", "lax.erf", fn=lambda x: 0.5 * x * (1 + lax.erf(x / np.sqrt(2))),
         inputs=[("B", 6)], f64=True)

_INF = np.inf
_ZEROS_Y = [0.0, -0.0, 0.0, -0.0, 1.0, -1.0, 0.0, 3.0, _INF, -_INF, _INF, -_INF, 1.0, -1.0, -_INF, np.nan]
_ZEROS_X = [1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 0.0, -3.0, _INF, _INF, -_INF, -_INF, -_INF, -_INF, -1.0, 1.0]
testcase(F, "atan2", "lax.atan2", fn=lax.atan2, inputs=[(16,), (16,)], f64=True,
         input_gen=fixed(_ZEROS_Y, _ZEROS_X))
testcase(F, "atan2_dynamic", "lax.atan2", fn=jnp.arctan2, inputs=[("B", 5), ("B", 5)], f64=True)
testcase(F, "atan2_broadcast", "lax.atan2", fn=lambda y: jnp.arctan2(y, -2.0), inputs=[("B", 5)])

testcase(F, "lgamma", "lax.lgamma", fn=lax.lgamma, inputs=[("B", 8)], f64=True, atol=2e-5,
         input_gen=uniform(0.01, 12, [1.0, 2.0, 0.5, 8.0, 100.0, 1e-4]))
testcase(F, "lgamma_negative", "lax.lgamma", fn=lax.lgamma, inputs=[(8,)], f64=True, atol=2e-5,
         input_gen=fixed([-0.5, -1.5, -2.3, -3.7, -7.1, -0.01, 0.0, -2.0]))
testcase(F, "digamma", "lax.digamma", fn=lax.digamma, inputs=[("B", 8)], f64=True, atol=2e-5,
         input_gen=uniform(0.01, 12, [1.0, 2.0, 0.5, 8.0, 100.0, 1e-3]))
testcase(F, "digamma_negative", "lax.digamma", fn=lax.digamma, inputs=[(8,)], f64=True, atol=2e-5,
         input_gen=fixed([-0.5, -1.5, -2.3, -3.7, -7.1, -0.01, 0.0, -2.0]))
testcase(F, "lgamma_f16", "lax.lgamma", fn=lax.lgamma, inputs=[(6,)], input_dtypes=[np.float16],
         input_gen=uniform(0.1, 6), rtol=3e-3, atol=3e-3)
testcase(F, "digamma_f16", "lax.digamma", fn=lax.digamma, inputs=[(6,)], input_dtypes=[np.float16],
         input_gen=uniform(0.1, 6), rtol=3e-3, atol=3e-3)
testcase(F, "bfloat16_special", "lax.erf", inputs=[("B", 4)], rtol=2e-2, atol=2e-2,
         fn=lambda x: (lambda b: (lax.erf(b) + lax.erfc(b) + jnp.arctan(b) + jnp.log1p(b * b))
                       .astype(jnp.float32))(x.astype(jnp.bfloat16)))

_EDGES = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1e30, -1e30, 1e-30, -1e-30, 0.5, -0.5, 2.0, -2.0, 3.5]
_EDGE_FNS = (jnp.tan, jnp.arcsin, jnp.arccos, jnp.arctan, jnp.sinh, jnp.cosh, jnp.arcsinh, jnp.arccosh,
             jnp.arctanh, jnp.log1p, jnp.expm1, lax.erf, lax.erfc, lax.erf_inv, lax.lgamma, lax.digamma,
             lax.cbrt, jnp.exp2, lax.round, jnp.round, lax.rsqrt, lax.is_finite, jnp.sign)
testcase(F, "special_values", "lax.erf", fn=lambda x: tuple(f(x) for f in _EDGE_FNS), inputs=[(16,)],
         f64=True, input_gen=fixed(_EDGES), atol=1e-5)
