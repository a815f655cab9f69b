"""Catalog: jit, custom_jvp, remat — bodies are inlined."""

import jax
import jax.numpy as jnp

from ..testcase import testcase

F = "calls"

testcase(F, "jit_inlined", "jax.jit", fn=jax.jit(lambda x: jnp.sin(x) * 2), inputs=[("B", 3)])
testcase(F, "custom_jvp_gelu", "custom_jvp_call", fn=jax.nn.relu, inputs=[("B", 3)])
testcase(F, "softmax", "custom_jvp_call", fn=lambda x: jax.nn.softmax(x, axis=-1), inputs=[("B", 5)])
