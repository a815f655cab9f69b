"""Catalog: reshape, broadcast, squeeze/expand, transpose, concatenate."""

import jax.numpy as jnp
from jax import lax

from ..testcase import testcase

F = "shape"

testcase(F, "reshape_flatten", "lax.reshape", fn=lambda x: x.reshape(x.shape[0], -1), inputs=[("B", 3, 4)])
testcase(F, "reshape_symbolic_product", "lax.reshape", fn=lambda x: x.reshape(-1), inputs=[("B", 3)])
testcase(F, "reshape_merge_batch", "lax.reshape", fn=lambda x: x.reshape(-1, 4), inputs=[("B", 2, 4)])
testcase(F, "broadcast_in_dim", "lax.broadcast_in_dim",
         fn=lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1, 2)), inputs=[(3, 4)])
testcase(F, "broadcast_to_symbolic", "lax.broadcast_in_dim",
         fn=lambda x, y: jnp.broadcast_to(y, x.shape) + x, inputs=[("B", 4), (4,)])
testcase(F, "squeeze", "lax.squeeze", fn=lambda x: jnp.squeeze(x, axis=1), inputs=[("B", 1, 4)])
testcase(F, "expand_dims", "lax.expand_dims", fn=lambda x: lax.expand_dims(x, (0, 2)), inputs=[("B", 4)])
testcase(F, "transpose", "lax.transpose", fn=lambda x: jnp.transpose(x, (2, 0, 1)), inputs=[("B", 3, 4)])
testcase(F, "concatenate", "lax.concatenate", fn=lambda x, y: jnp.concatenate([x, y], axis=1),
         inputs=[("B", 3), ("B", 2)], markers=("ir_smoke",))
