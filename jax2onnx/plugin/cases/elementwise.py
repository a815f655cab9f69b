"""Catalog: elementwise math."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase

F = "elementwise"

for _name, _fn in {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (jnp.abs(y) + 0.5), "max": lax.max, "min": lax.min,
    "pow": lambda x, y: lax.pow(jnp.abs(x) + 0.1, y),
}.items():
    testcase(F, _name, f"lax.{_name}", fn=_fn, inputs=[("B", 3), ("B", 3)], f64=True)

testcase(F, "add_broadcast_scalar", "lax.add", fn=lambda x: x + 1.5, inputs=[("B", 4)])
testcase(F, "add_broadcast_row", "lax.add", fn=lambda x, y: x + y, inputs=[("B", 4), (4,)])
testcase(F, "add_int32", "lax.add", fn=lambda x, y: x + y, inputs=[(3, 4), (3, 4)],
         input_dtypes=[np.int32, np.int32])
testcase(F, "div_int32_truncates", "lax.div", fn=lambda x, y: lax.div(x, y), inputs=[(6,), (6,)],
         input_dtypes=[np.int32, np.int32],
         input_gen=lambda rng, shapes, dts: [np.array([7, -7, 9, -9, 3, 0], np.int32),
                                             np.array([2, 2, -4, -4, 5, 1], np.int32)])
testcase(F, "neg", "lax.neg", fn=lambda x: -x, inputs=[("B", 3)], markers=("ir_smoke",))

for _name, _fn in {
    "exp": jnp.exp, "tanh": jnp.tanh, "logistic": lax.logistic,
    "log": lambda x: jnp.log(jnp.abs(x) + 0.1), "sqrt": lambda x: jnp.sqrt(jnp.abs(x)),
    "rsqrt": lambda x: lax.rsqrt(jnp.abs(x) + 0.1),
}.items():
    testcase(F, _name, f"lax.{_name}", fn=_fn, inputs=[("B", 5)], f64=True, rtol=1e-5, atol=1e-6)

for _y in (0, 1, 2, 3, -2):
    testcase(F, f"integer_pow_{_y}".replace("-", "m"), "lax.integer_pow",
             fn=lambda x, _y=_y: lax.integer_pow(x + 2.0, _y), inputs=[("B", 3)], rtol=1e-5)

testcase(F, "erf", "lax.erf", fn=lax.erf, inputs=[("B", 5)])
