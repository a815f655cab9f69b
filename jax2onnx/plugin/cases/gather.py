"""Catalog: lax.gather in the forms jnp indexing produces, and its modes."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase
from .indexing import fixed, gen

F = "gather"
I32, BOOL = np.int32, np.bool_


def _rows(shapes):
    """Valid indices into the first axis of the first input (wrapping negatives included)."""
    n = shapes[0][0]
    return -n, n


testcase(F, "gather_last_axis", "lax.gather", fn=lambda x: x[..., jnp.array([0, 2])], inputs=[("B", 3, 4)],
         f64=True, expect_ops=("Gather",))
testcase(F, "gather_first_axis", "lax.gather", fn=lambda x, i: x[i], inputs=[(5, 3), (4,)],
         input_dtypes=[np.float32, I32], input_gen=gen(None, (-5, 5)), f64=True)
testcase(F, "gather_symbolic_rows", "lax.gather", fn=lambda x, i: x[i], inputs=[("B", 3), (6,)],
         input_dtypes=[I32, I32], input_gen=gen(None, _rows))
testcase(F, "gather_2d_indices", "lax.gather", fn=lambda x, i: x[:, i], inputs=[("B", 5), (2, 3)],
         input_dtypes=[np.float32, I32], input_gen=gen(None, (0, 5)))
testcase(F, "gather_bool", "lax.gather", fn=lambda x, i: x[i], inputs=[(4, 2), ("N",)],
         input_dtypes=[BOOL, I32], input_gen=gen(None, (0, 4)))
testcase(F, "slice_columns_gather", "lax.gather", fn=lambda x: x[:, 2:5] * 2, inputs=[("B", 6)], f64=True)
testcase(F, "gather_scalar_index_window", "lax.gather",
         fn=lambda x: lax.gather(x, jnp.array([1, 2]), lax.GatherDimensionNumbers(
             offset_dims=(0, 1), collapsed_slice_dims=(), start_index_map=(0, 1)), (2, 2),
             mode="clip"), inputs=[(4, 5)], expect_ops=("Slice",))

# modes
testcase(F, "take_clip", "lax.gather", fn=lambda x, i: jnp.asarray(x).at[:, i].get(mode="clip"),
         inputs=[("B", 5), (6,)],
         input_dtypes=[np.float32, I32], input_gen=gen(None, (-8, 12)), f64=True)
testcase(F, "take_fill_nan", "lax.gather", fn=lambda x, i: jnp.asarray(x).at[i].get(mode="fill"), inputs=[(4, 3), (6,)],
         input_dtypes=[np.float32, I32], input_gen=fixed(None, [0, 3, 4, -1, -5, 9]), f64=True)
testcase(F, "take_fill_value", "lax.gather",
         fn=lambda x, i: jnp.take(x, i, axis=1, mode="fill", fill_value=-2.5),
         inputs=[("B", 4), (5,)], input_dtypes=[np.float32, I32], input_gen=gen(None, (-6, 8)))
testcase(F, "take_fill_int32", "lax.gather", fn=lambda x, i: jnp.asarray(x).at[i].get(mode="fill"), inputs=[(4,), (5,)],
         input_dtypes=[I32, I32], input_gen=fixed(None, [0, 4, 3, 100, -7]))
testcase(F, "take_fill_bool", "lax.gather", fn=lambda x, i: jnp.asarray(x).at[i].get(mode="fill"), inputs=[(3,), (4,)],
         input_dtypes=[BOOL, I32], input_gen=fixed(None, [0, 4, 2, -9]))
testcase(F, "take_promise", "lax.gather",
         fn=lambda x, i: jnp.asarray(x).at[i].get(mode="promise_in_bounds"), inputs=[("B", 3), (4,)],
         input_dtypes=[np.float32, I32], input_gen=gen(None, (0, 2)))

# take_along_axis -> GatherElements
testcase(F, "take_along_axis", "lax.gather", fn=lambda x, i: jnp.take_along_axis(x, i, axis=1),
         inputs=[("B", 5), ("B", 3)], input_dtypes=[np.float32, I32], input_gen=gen(None, (-5, 5)),
         f64=True, expect_ops=("GatherElements",))
testcase(F, "take_along_axis_first", "lax.gather", fn=lambda x, i: jnp.take_along_axis(x, i, axis=0),
         inputs=[(4, "B", 2), (3, "B", 2)], input_dtypes=[I32, I32], input_gen=gen(None, (0, 4)))
testcase(F, "take_along_axis_fill", "lax.gather",
         fn=lambda x, i: jnp.take_along_axis(x, i, axis=-1, mode="fill", fill_value=0.0),
         inputs=[("B", 4), ("B", 4)], input_dtypes=[np.float32, I32], input_gen=gen(None, (-6, 6)))

# multi-axis advanced indexing -> GatherND
testcase(F, "gather_two_axes", "lax.gather", fn=lambda x, i, j: x[i, j], inputs=[(4, 5, 6), (3,), (3,)],
         input_dtypes=[np.float32, I32, I32], input_gen=gen(None, (-4, 4), (-5, 5)), f64=True,
         expect_ops=("GatherND",))
testcase(F, "gather_one_hot_rows", "lax.gather", fn=lambda x, i: x[jnp.arange(x.shape[0]), i],
         inputs=[("B", 5), ("B",)], input_dtypes=[np.float32, I32], input_gen=gen(None, (0, 5)))
testcase(F, "gather_split_advanced", "lax.gather", fn=lambda x, i, j: x[i, :, j],
         inputs=[(4, "B", 6), (2, 3), (3,)], input_dtypes=[np.float32, I32, I32],
         input_gen=gen(None, (0, 4), (0, 6)))
testcase(F, "gather_inner_axes", "lax.gather", fn=lambda x, i, j: x[:, i, j],
         inputs=[("B", 4, 5), (2,), (2,)], input_dtypes=[I32, I32, I32], input_gen=gen(None, (0, 4), (0, 5)))
testcase(F, "gather_two_axes_clip", "lax.gather", fn=lambda x, i, j: jnp.asarray(x).at[i, j].get(mode="clip"),
         inputs=[(3, 4, 2), (5,), (5,)], input_dtypes=[np.float32, I32, I32],
         input_gen=gen(None, (-6, 8), (-6, 8)))
testcase(F, "gather_two_axes_fill", "lax.gather", fn=lambda x, i, j: jnp.asarray(x).at[i, j].get(mode="fill"),
         inputs=[(3, 4, 2), (5,), (5,)], input_dtypes=[np.float32, I32, I32],
         input_gen=fixed(None, [0, 2, 3, 1, -9], [3, 0, 1, 4, 1]))

# batching dims (vmap) and windows
testcase(F, "gather_vmap_take", "lax.gather", fn=jax.vmap(lambda r, i: r[i]), inputs=[("B", 5, 2), ("B", 3)],
         input_dtypes=[np.float32, I32], input_gen=gen(None, (0, 5)))
testcase(F, "gather_vmap_window", "lax.gather",
         fn=jax.vmap(lambda r, i: lax.dynamic_slice(r, (i, 0), (2, 3))), inputs=[("B", 6, 3), ("B",)],
         input_dtypes=[np.float32, I32], input_gen=gen(None, (-2, 8)))
testcase(F, "gather_size0_indices", "lax.gather", fn=lambda x, i: x[i], inputs=[("B", 3), (0,)],
         input_dtypes=[np.float32, I32])
testcase(F, "gather_uint8_indices", "lax.gather", fn=lambda x, i: x[i], inputs=[("B", 3), (4,)],
         input_dtypes=[np.float32, np.uint8], input_gen=gen(None, (0, 2)))
testcase(F, "gather_size0_axis_fill", "lax.gather",
         fn=lambda x, i: jnp.asarray(x).at[:, i].get(mode="fill", fill_value=3.0),
         inputs=[(0, 4), (3,)], input_dtypes=[np.float32, I32], input_gen=fixed(None, [1, 5, 0]))
testcase(F, "gather_f16_clip", "lax.gather", fn=lambda x, i: jnp.asarray(x).at[i].get(mode="clip"),
         inputs=[(5, 2), (3,)], input_dtypes=[np.float16, I32], input_gen=gen(None, (-9, 9)))
testcase(F, "gather_advanced_then_slice", "lax.gather", fn=lambda x, i: jnp.asarray(x)[i, 1:3],
         inputs=[("B", 5, 4), (3,)], input_dtypes=[np.float32, I32], input_gen=gen(None, (0, 2)))
testcase(F, "gather_broadcast_advanced", "lax.gather", fn=lambda x, i, j: jnp.asarray(x)[i, :, j],
         inputs=[(4, "B", 6), (2, 1), (3,)], input_dtypes=[np.float32, I32, I32], input_gen=gen(None, (0, 4), (0, 6)))
testcase(F, "gather_fill_window", "lax.gather", fn=lambda x, i: jnp.asarray(x).at[i, 2:5].get(mode="fill"),
         inputs=[(4, 6), (5,)], input_dtypes=[np.float32, I32], input_gen=fixed(None, [0, 3, 4, -1, -6]))
testcase(F, "gather_no_start_indices", "lax.gather",
         fn=lambda x: lax.gather(x, jnp.zeros((3, 0), jnp.int32), lax.GatherDimensionNumbers(
             offset_dims=(1, 2), collapsed_slice_dims=(), start_index_map=()), (2, 3)), inputs=[(4, 5)])
testcase(F, "take_fill_int16", "lax.gather", fn=lambda x, i: jnp.asarray(x).at[i].get(mode="fill"),
         inputs=[("B",), (5,)], input_dtypes=[np.int16, I32], input_gen=fixed(None, [0, 1, 30, -30, 1]))
testcase(F, "take_fill_float16", "lax.gather", fn=lambda x, i: jnp.asarray(x).at[:, i].get(mode="fill"),
         inputs=[("B", 3), (4,)], input_dtypes=[np.float16, I32], input_gen=fixed(None, [0, 2, 3, -4]))
