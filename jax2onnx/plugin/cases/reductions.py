"""Catalog: reductions."""

import jax.numpy as jnp

from ..testcase import testcase

F = "reductions"

testcase(F, "reduce_sum", "lax.reduce_sum", fn=lambda x: jnp.sum(x, axis=1), inputs=[("B", 4, 3)], f64=True)
testcase(F, "reduce_sum_all", "lax.reduce_sum", fn=jnp.sum, inputs=[("B", 4)], rtol=1e-5)
testcase(F, "reduce_max", "lax.reduce_max", fn=lambda x: jnp.max(x, axis=(0, 2)), inputs=[("B", 4, 3)])
testcase(F, "mean_keepdims", "lax.reduce_sum", fn=lambda x: jnp.mean(x, axis=-1, keepdims=True), inputs=[("B", 5)])
