"""Catalog: reshape, broadcast, squeeze/expand, transpose, rev, pad, concatenate, split, iota,
identities and dim_as_value (lax-level calls: the jnp wrappers are custom components)."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase

F = "shape"
I32, BOOL = np.int32, np.bool_

# reshape
testcase(F, "reshape_flatten", "lax.reshape", fn=lambda x: x.reshape(x.shape[0], -1), inputs=[("B", 3, 4)])
testcase(F, "reshape_symbolic_product", "lax.reshape", fn=lambda x: x.reshape(-1), inputs=[("B", 3)])
testcase(F, "reshape_merge_batch", "lax.reshape", fn=lambda x: x.reshape(-1, 4), inputs=[("B", 2, 4)], f64=True)
testcase(F, "reshape_two_b", "lax.reshape", fn=lambda x: lax.reshape(x, (2 * x.shape[0], 3)),
         inputs=[("B", 2, 3)])
testcase(F, "reshape_b_times_t", "lax.reshape", fn=lambda x: lax.reshape(x, (x.shape[0] * x.shape[1], 4)),
         inputs=[("B", "T", 4)], sizes={"T": (3, 5)})
testcase(F, "reshape_split_batch", "lax.reshape", fn=lambda x: lax.reshape(x, (x.shape[0], 2, 3)),
         inputs=[("B", 6)], input_dtypes=[I32])
testcase(F, "reshape_dimensions", "lax.reshape", fn=lambda x: lax.reshape(x, (4, x.shape[0] * 3), dimensions=(2, 0, 1)),
         inputs=[("B", 3, 4)], f64=True)
testcase(F, "reshape_bool", "lax.reshape", fn=lambda x: lax.reshape(x, (x.shape[0], 6)), inputs=[("B", 2, 3)],
         input_dtypes=[BOOL])
testcase(F, "reshape_size0", "lax.reshape", fn=lambda x: lax.reshape(x, (3, 0)), inputs=[(0, 3)])
testcase(F, "reshape_to_scalar", "lax.reshape", fn=lambda x: lax.reshape(x, ()), inputs=[(1, 1)])

# broadcast_in_dim
testcase(F, "broadcast_in_dim", "lax.broadcast_in_dim",
         fn=lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1, 2)), inputs=[(3, 4)], f64=True)
testcase(F, "broadcast_to_symbolic", "lax.broadcast_in_dim",
         fn=lambda x, y: lax.broadcast_in_dim(y, x.shape, (1,)) + x, inputs=[("B", 4), (4,)])
testcase(F, "broadcast_scalar_symbolic", "lax.broadcast_in_dim",
         fn=lambda x, s: lax.broadcast_in_dim(s, x.shape, ()) * x, inputs=[("B", 3), ()], f64=True)
testcase(F, "broadcast_size1_axis", "lax.broadcast_in_dim",
         fn=lambda x: lax.broadcast_in_dim(x, (x.shape[0], 4, 3), (0, 1, 2)), inputs=[("B", 1, 3)],
         input_dtypes=[I32])
testcase(F, "broadcast_bool", "lax.broadcast_in_dim",
         fn=lambda x, y: lax.broadcast_in_dim(y, (x.shape[0], 2, 3), (2,)), inputs=[("B",), (3,)],
         input_dtypes=[BOOL, BOOL])
testcase(F, "broadcast_to_size0", "lax.broadcast_in_dim",
         fn=lambda x: lax.broadcast_in_dim(x, (0, 3), (1,)), inputs=[(3,)])

# squeeze / expand_dims
testcase(F, "squeeze", "lax.squeeze", fn=lambda x: lax.squeeze(x, (1,)), inputs=[("B", 1, 4)], f64=True)
testcase(F, "squeeze_neg_axis", "lax.squeeze", fn=lambda x: lax.squeeze(x, (-1,)), inputs=[("B", 4, 1)],
         input_dtypes=[I32])
testcase(F, "squeeze_several", "lax.squeeze", fn=lambda x: lax.squeeze(x, (0, 2)), inputs=[(1, "B", 1)],
         input_dtypes=[BOOL])
testcase(F, "expand_dims", "lax.expand_dims", fn=lambda x: lax.expand_dims(x, (0, 2)), inputs=[("B", 4)])
testcase(F, "expand_dims_neg_axis", "lax.expand_dims", fn=lambda x: lax.expand_dims(x, (-1,)), inputs=[("B", 4)],
         input_dtypes=[I32], f64=True)
testcase(F, "expand_dims_scalar", "lax.expand_dims", fn=lambda x: lax.expand_dims(x, (0,)), inputs=[()],
         f64=True)

# transpose
testcase(F, "transpose", "lax.transpose", fn=lambda x: lax.transpose(x, (2, 0, 1)), inputs=[("B", 3, 4)], f64=True)
testcase(F, "transpose_bool", "lax.transpose", fn=lambda x: x.T, inputs=[("B", 3)], input_dtypes=[BOOL])
testcase(F, "transpose_size0", "lax.transpose", fn=lambda x: lax.transpose(x, (1, 0)), inputs=[("B", 0)])

# rev
testcase(F, "rev", "lax.rev", fn=lambda x: lax.rev(x, (1,)), inputs=[("B", 5)], f64=True, expect_ops=("Slice",))
testcase(F, "rev_symbolic_axis", "lax.rev", fn=lambda x: lax.rev(x, (0, 2)), inputs=[("B", 3, 4)],
         input_dtypes=[I32])
testcase(F, "rev_flip_bool", "lax.rev", fn=lambda x: x[::-1], inputs=[("B", 2)], input_dtypes=[BOOL])
testcase(F, "rev_size0", "lax.rev", fn=lambda x: lax.rev(x, (1,)), inputs=[("B", 0)])

# pad
testcase(F, "pad", "lax.pad", fn=lambda x: lax.pad(x, 0.0, [(1, 2, 0), (0, 3, 0)]), inputs=[("B", 4)], f64=True)
testcase(F, "pad_negative", "lax.pad", fn=lambda x: lax.pad(x, 1.5, [(-1, 2, 0), (2, -3, 0)]), inputs=[("B", 5)],
         sizes={"B": (3, 6)})
testcase(F, "pad_interior", "lax.pad", fn=lambda x: lax.pad(x, -1.0, [(0, 0, 2), (1, 1, 1)]), inputs=[("B", 3)],
         f64=True)
testcase(F, "pad_interior_negative", "lax.pad", fn=lambda x, v: lax.pad(x, v, [(-1, 0, 2), (0, 0, 0)]),
         inputs=[("B", 2), ()], sizes={"B": (2, 5)})
testcase(F, "pad_int32", "lax.pad", fn=lambda x: lax.pad(x, np.int32(7), [(2, 0, 1)]), inputs=[("B",)],
         input_dtypes=[I32])
testcase(F, "pad_bool", "lax.pad", fn=lambda x: lax.pad(x, True, [(1, 1, 0), (0, 0, 1)]), inputs=[("B", 3)],
         input_dtypes=[BOOL])
testcase(F, "pad_size0", "lax.pad", fn=lambda x: lax.pad(x, 2.0, [(1, 1, 1), (0, 0, 0)]), inputs=[(0, "B")])
testcase(F, "jnp_pad", "lax.pad", fn=lambda x: jnp.pad(x, ((0, 0), (2, 1))), inputs=[("B", 3)])

# concatenate
testcase(F, "concatenate", "lax.concatenate", fn=lambda x, y: lax.concatenate([x, y], 1),
         inputs=[("B", 3), ("B", 2)], markers=("ir_smoke",), f64=True)
testcase(F, "concatenate_batch_axis", "lax.concatenate", fn=lambda x, y: lax.concatenate([x, y, x], 0),
         inputs=[("B", 3), (2, 3)], input_dtypes=[I32, I32])
testcase(F, "concatenate_bool_size0", "lax.concatenate", fn=lambda x, y: lax.concatenate([x, y], 1),
         inputs=[("B", 0), ("B", 2)], input_dtypes=[BOOL, BOOL])

# split
testcase(F, "split", "lax.split", fn=lambda x: lax.split(x, (1, 3, 2), axis=1), inputs=[("B", 6)], f64=True,
         expect_ops=("Split",))
testcase(F, "split_neg_axis_int", "lax.split", fn=lambda x: lax.split(x, (2, 2), axis=-1), inputs=[("B", 3, 4)],
         input_dtypes=[I32])
testcase(F, "split_size0_part", "lax.split", fn=lambda x: lax.split(x, (0, 4), axis=1), inputs=[("B", 4)])
testcase(F, "split_symbolic_axis", "lax.split",
         fn=lambda x, y: lax.split(lax.concatenate([x, y], 0), (x.shape[0], 2), axis=0),
         inputs=[("B", 3), (2, 3)])

# iota
testcase(F, "iota_symbolic", "lax.iota", fn=lambda x: lax.iota(x.dtype, x.shape[0]) + x, inputs=[("B",)],
         input_dtypes=[I32], f64=True)
testcase(F, "iota_int8", "lax.iota", fn=lambda x: lax.broadcasted_iota(np.int8, (x.shape[0], 3), 0) * x,
         inputs=[("B", 3)], input_dtypes=[np.int8])
testcase(F, "iota_float", "lax.iota", fn=lambda x: x * lax.iota(x.dtype, 5), inputs=[("B", 5)], f64=True)
testcase(F, "broadcasted_iota", "lax.iota",
         fn=lambda x: x + lax.broadcasted_iota(np.float32, (x.shape[0], 4, 3), 1), inputs=[("B", 4, 3)])
testcase(F, "broadcasted_iota_symbolic_dim", "lax.iota",
         fn=lambda x: lax.broadcasted_iota(np.int32, (3, x.shape[1]), 1) * x, inputs=[(3, "B")], input_dtypes=[I32])
testcase(F, "iota_uint8", "lax.iota", fn=lambda x: lax.iota(np.uint8, 6) + x, inputs=[(6,)],
         input_dtypes=[np.uint8])
testcase(F, "iota_float16", "lax.iota", fn=lambda x: lax.iota(np.float16, 7) * x, inputs=[(7,)],
         input_dtypes=[np.float16])
testcase(F, "iota_size0", "lax.iota", fn=lambda x: lax.iota(np.float32, x.shape[0]) + x, inputs=[(0,)])

# identities
testcase(F, "copy", "lax.copy_p", fn=lambda x: jnp.copy(x) + 1.0, inputs=[("B", 3)], f64=True)
testcase(F, "stop_gradient", "lax.stop_gradient", fn=lambda x: lax.stop_gradient(x) * 2, inputs=[("B", 3)],
         input_dtypes=[I32])
testcase(F, "stop_gradient_in_grad", "lax.stop_gradient",
         fn=jax.grad(lambda x: jnp.sum(x * lax.stop_gradient(x))), inputs=[(4,)], f64=True)

# dim_as_value
testcase(F, "dim_as_value", "dim_as_value", fn=lambda x: x * x.shape[0], inputs=[("B", 3)], static=False)
testcase(F, "dim_as_value_float", "dim_as_value", fn=lambda x: x / (2.0 * x.shape[0] * x.shape[1]),
         inputs=[("B", "T")], static=False, sizes={"T": (3, 4)}, f64=True)
testcase(F, "dim_as_value_int", "dim_as_value", fn=lambda x: x + (x.shape[0] - 1), inputs=[("B",)],
         input_dtypes=[I32], static=False)
testcase(F, "grad_of_pad", "lax.pad", fn=jax.grad(lambda x: jnp.sum(lax.pad(x, 0.0, [(-1, 2, 2)]) ** 2)),
         inputs=[(4,)], f64=True)
testcase(F, "grad_of_pad_symbolic", "lax.pad",
         fn=jax.grad(lambda x: jnp.sum(jnp.sin(lax.pad(x, 1.0, [(1, -1, 1), (0, 0, 0)])))), inputs=[("B", 3)])
testcase(F, "grad_of_rev_concat", "lax.rev",
         fn=jax.grad(lambda x: jnp.sum(lax.concatenate([lax.rev(x, (0,)), x], 1) * jnp.arange(6.0))),
         inputs=[("B", 3)])
testcase(F, "iota_bfloat16", "lax.iota",
         fn=lambda x: (lax.iota(jnp.bfloat16, 4) + x.astype(jnp.bfloat16)).astype(np.float32),
         inputs=[(4,)])
testcase(F, "pad_int16_interior", "lax.pad", fn=lambda x: lax.pad(x, np.int16(-3), [(1, -1, 2)]), inputs=[("B",)],
         input_dtypes=[np.int16])

# stack / unstack: primitives since JAX 0.10 (jnp.stack, jnp.unstack); onnx_ir only
from ..testcase import LEGACY_FROZEN  # noqa: E402

testcase(F, "stack_last_axis", "lax.stack", fn=lambda x, y: jnp.stack([x, y, x], axis=-1),
         inputs=[("B", 3), ("B", 3)], f64=True, ir_only=LEGACY_FROZEN)
testcase(F, "stack_axis0", "lax.stack", fn=lambda x: jnp.stack([x, 2 * x]), inputs=[("B", 3)],
         ir_only=LEGACY_FROZEN)
testcase(F, "unstack_axis1", "lax.unstack", fn=lambda x: jnp.unstack(x, axis=1), inputs=[("B", 3)],
         f64=True, ir_only=LEGACY_FROZEN)
