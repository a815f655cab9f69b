"""Catalog: falsifying examples found by the Hypothesis fuzz tests (tests/fuzz), pinned.

Each case is the shrunk example Hypothesis reported, kept so the bug it exposed
stays fixed in both trees without depending on fuzzing luck.
"""

import jax.numpy as jnp

from ..testcase import testcase

F = "fuzz_regressions"

# tests/fuzz/test_fuzz_elementwise.py::test_binary_broadcasting, shrunk to shapes (1,) and ():
# legacy had no lowering for `and` on booleans from comparisons (since added in both pipelines).
testcase(F, "compare_and_rank0_broadcast", "lax.and",
         fn=lambda x, y: ((x >= y) & (x != y)).astype(jnp.float32),
         inputs=[(1,), ()], f64=True, expect_ops=("And",))
testcase(F, "compare_and_rank0_broadcast_batched", "lax.and",
         fn=lambda x, y: ((x >= y) & (x != y)).astype(jnp.float32),
         inputs=[("B", 1), ()], expect_ops=("And",))
