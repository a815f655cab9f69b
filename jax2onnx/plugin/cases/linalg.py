"""Catalog: dot_general."""

import jax.numpy as jnp
from jax import lax

from ..testcase import testcase

F = "linalg"

testcase(F, "matmul", "lax.dot_general", fn=jnp.matmul, inputs=[("B", 4), (4, 3)], expect_ops=("MatMul",),
         markers=("ir_smoke",), f64=True)
testcase(F, "matmul_rank3_lhs", "lax.dot_general", fn=jnp.matmul, inputs=[("B", 5, 4), (4, 3)], expect_ops=("MatMul",))
testcase(F, "batched_matmul", "lax.dot_general", fn=jnp.matmul, inputs=[("B", 5, 4), ("B", 4, 3)])
testcase(F, "dot_transposed_rhs", "lax.dot_general",
         fn=lambda x, w: lax.dot_general(x, w, (((1,), (1,)), ((), ()))), inputs=[("B", 4), (3, 4)])
testcase(F, "dot_vector", "lax.dot_general", fn=jnp.dot, inputs=[(4,), (4,)])
