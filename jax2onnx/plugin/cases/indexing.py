"""Catalog: slicing and basic indexing."""

import jax.numpy as jnp
import numpy as np

from ..testcase import testcase

F = "indexing"

testcase(F, "index_int", "lax.slice", fn=lambda x: x[1], inputs=[(4, 5)])
testcase(F, "slice_columns", "lax.slice", fn=lambda x: x[:, 2:5], inputs=[("B", 6)])
testcase(F, "slice_strided", "lax.slice", fn=lambda x: x[:, ::2], inputs=[("B", 7)])
testcase(F, "gather_last_axis", "lax.gather", fn=lambda x: x[..., jnp.array([0, 2])], inputs=[("B", 3, 4)])
testcase(F, "gather_first_axis", "lax.gather", fn=lambda x, i: x[i], inputs=[(5, 3), (4,)],
         input_dtypes=[np.float32, np.int32])
