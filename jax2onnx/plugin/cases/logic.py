"""Catalog: comparisons, select, dtype conversion."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase

F = "logic"

for _name, _fn in {"eq": lax.eq, "ne": lax.ne, "lt": lax.lt, "le": lax.le, "gt": lax.gt, "ge": lax.ge}.items():
    testcase(F, _name, f"lax.{_name}", fn=_fn, inputs=[("B", 4), ("B", 4)],
             input_dtypes=[np.int32, np.int32])

testcase(F, "select_n_bool", "lax.select_n", fn=lambda p, a, b: lax.select_n(p, a, b),
         inputs=[("B", 3), ("B", 3), ("B", 3)], input_dtypes=[np.bool_, np.float32, np.float32])
testcase(F, "where", "lax.select_n", fn=lambda x: jnp.where(x > 0, x, 0.1 * x), inputs=[("B", 6)])
testcase(F, "select_n_three", "lax.select_n", fn=lambda i, a, b, c: lax.select_n(i, a, b, c),
         inputs=[(5,), (5,), (5,), (5,)], input_dtypes=[np.int32, np.float32, np.float32, np.float32],
         input_gen=lambda rng, s, d: [np.array([0, 1, 2, 1, 0], np.int32)] + [rng.standard_normal(5).astype(np.float32) for _ in range(3)])
testcase(F, "convert_f32_to_i32", "lax.convert_element_type", fn=lambda x: (x * 3).astype(jnp.int32),
         inputs=[("B", 4)])
testcase(F, "convert_i32_to_f32", "lax.convert_element_type", fn=lambda x: x.astype(jnp.float32),
         inputs=[("B", 4)], input_dtypes=[np.int32])
testcase(F, "convert_f32_to_bool", "lax.convert_element_type", fn=lambda x: jnp.round(x).astype(bool),
         inputs=[(3, 4)])
