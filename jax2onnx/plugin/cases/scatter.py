"""Catalog: scatter / scatter-add / -sub / -mul / -min / -max from ``.at[...]`` updates."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase
from .indexing import fixed, gen

F = "scatter"
I32, BOOL = np.int32, np.bool_


def _distinct_rows(rng, shapes, dtypes):
    """Per row, distinct indices (one out of bounds) so ``set`` has no write-order ambiguity."""
    (b, n), (_, k) = shapes[0], shapes[1]
    x = rng.integers(-50, 50, shapes[0]).astype(dtypes[0])
    i = np.stack([rng.permutation(n + 3)[:k] for _ in range(b)]).astype(dtypes[1])
    return [x, i, rng.integers(-50, 50, shapes[2]).astype(dtypes[2])]

testcase(F, "at_set_rows", "lax.scatter", fn=lambda x, i, u: jnp.asarray(x).at[i].set(u), inputs=[(5, 3), (2,), (2, 3)],
         input_dtypes=[np.float32, I32, np.float32], input_gen=fixed(None, [3, 0], None), f64=True,
         expect_ops=("ScatterND",))
testcase(F, "at_set_scalar_index", "lax.scatter", fn=lambda x: jnp.asarray(x).at[2].set(1.0), inputs=[("B", 5)],
         sizes={"B": (3, 6)})
testcase(F, "at_set_columns_symbolic", "lax.scatter", fn=lambda x, i, u: jnp.asarray(x).at[:, i].set(u),
         inputs=[("B", 5), (2,), ("B", 2)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=fixed(None, [4, 1], None))
testcase(F, "at_set_out_of_bounds_dropped", "lax.scatter", fn=lambda x, i, u: jnp.asarray(x).at[i].set(u),
         inputs=[(4, 2), (4,), (4, 2)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=fixed(None, [1, 7, -9, 3], None))
testcase(F, "at_set_bool", "lax.scatter", fn=lambda x, i: jnp.asarray(x).at[i].set(True), inputs=[(6,), (3,)],
         input_dtypes=[BOOL, I32], input_gen=fixed(None, [5, 0, 2]))
testcase(F, "at_set_clip", "lax.scatter", fn=lambda x, i, u: jnp.asarray(x).at[i].set(u, mode="clip"),
         inputs=[(4, 3), (2,), (2, 3)], input_dtypes=[np.float32, I32, np.float32], input_gen=fixed(None, [9, 1], None))
testcase(F, "at_set_slice", "lax.scatter", fn=lambda x, u: jnp.asarray(x).at[1:3].set(u), inputs=[(5, "B"), (2, "B")],
         input_dtypes=[I32, I32])

testcase(F, "at_add_repeated", "lax.scatter-add", fn=lambda x, i, u: jnp.asarray(x).at[i].add(u),
         inputs=[("B", 3), (5,), (5, 3)], input_dtypes=[np.float32, I32, np.float32], input_gen=gen(None, (0, 2), None),
         f64=True, expect_ops=("ScatterND",))
testcase(F, "at_add_int32", "lax.scatter-add", fn=lambda x, i: jnp.asarray(x).at[i].add(1), inputs=[(6,), (8,)],
         input_dtypes=[I32, I32], input_gen=gen(None, (0, 6)))
testcase(F, "at_add_out_of_bounds_dropped", "lax.scatter-add", fn=lambda x, i, u: jnp.asarray(x).at[:, i].add(u),
         inputs=[("B", 4), (3,), ("B", 3)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=fixed(None, [2, 4, 2], None))
testcase(F, "at_add_two_axes", "lax.scatter-add", fn=lambda x, i, j, u: jnp.asarray(x).at[i, j].add(u),
         inputs=[(3, 4, 2), (5,), (5,), (5, 2)], input_dtypes=[np.float32, I32, I32, np.float32],
         input_gen=gen(None, (0, 3), (0, 4), None))
testcase(F, "at_add_one_hot", "lax.scatter-add", fn=lambda x, i: jnp.asarray(x).at[jnp.arange(x.shape[0]), i].add(1.0),
         inputs=[("B", 4), ("B",)], input_dtypes=[np.float32, I32], input_gen=gen(None, (0, 4)))
testcase(F, "at_add_slice_window", "lax.scatter-add", fn=lambda x: jnp.asarray(x).at[1:3].add(1.0), inputs=[(4, "B")])
testcase(F, "at_add_whole", "lax.scatter-add", fn=lambda x, u: jnp.asarray(x).at[:].add(u), inputs=[("B", 3), ("B", 3)])
testcase(F, "at_subtract", "lax.scatter-sub", fn=lambda x, i, u: jnp.asarray(x).at[i].subtract(u),
         inputs=[(5,), (3,), (3,)], input_dtypes=[np.float32, I32, np.float32], input_gen=gen(None, (0, 5), None))

testcase(F, "at_mul", "lax.scatter-mul", fn=lambda x, i, u: jnp.asarray(x).at[i].multiply(u),
         inputs=[(5, 2), (3,), (3, 2)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=gen(None, (0, 5), None), f64=True)
testcase(F, "at_mul_dropped", "lax.scatter-mul", fn=lambda x, i: jnp.asarray(x).at[i].multiply(3),
         inputs=[("B",), (4,)], input_dtypes=[I32, I32], input_gen=gen(None, (-9, 9)))
testcase(F, "at_min", "lax.scatter-min", fn=lambda x, i, u: jnp.asarray(x).at[i].min(u),
         inputs=[("B", 3), (4,), (4, 3)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=gen(None, (0, 2), None), f64=True)
testcase(F, "at_max", "lax.scatter-max", fn=lambda x, i, u: jnp.asarray(x).at[i].max(u),
         inputs=[(5,), (6,), (6,)], input_dtypes=[np.float32, I32, np.float32], input_gen=gen(None, (-7, 7), None),
         f64=True)
testcase(F, "at_max_int32", "lax.scatter-max", fn=lambda x, i, u: jnp.asarray(x).at[:, i].max(u),
         inputs=[("B", 4), (2,), ("B", 2)], input_dtypes=[I32, I32, I32], input_gen=gen(None, (0, 4), None))

testcase(F, "scatter_vmap", "lax.scatter-add", fn=jax.vmap(lambda r, i, u: jnp.asarray(r).at[i].add(u)),
         inputs=[("B", 5), ("B", 3), ("B", 3)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=gen(None, (0, 5), None))
testcase(F, "scatter_lax_window", "lax.scatter",
         fn=lambda x, i, u: lax.scatter(x, i, u, lax.ScatterDimensionNumbers(
             update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0, 1)),
             mode="fill"),
         inputs=[(4, 6), (3, 2), (3, 2)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=fixed(None, [[0, 1], [3, 4], [2, 5]], None))

# symbolic number of updates, and scatters produced by differentiation
testcase(F, "at_add_symbolic_count", "lax.scatter-add", fn=lambda x, i, u: jnp.asarray(x).at[i].add(u),
         inputs=[(6, 3), ("N",), ("N", 3)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=gen(None, (0, 6), None))
testcase(F, "grad_of_take", "lax.scatter-add", fn=jax.grad(lambda x, i: jnp.sum(jnp.asarray(x)[i] ** 2)),
         inputs=[("B", 3), (5,)], input_dtypes=[np.float32, I32], input_gen=gen(None, (0, 2)), f64=True)
testcase(F, "grad_of_column_slice", "lax.scatter-add", fn=jax.grad(lambda x: jnp.sum(jnp.asarray(x)[:, 2:5] ** 2)),
         inputs=[("B", 6)])
testcase(F, "grad_of_two_axis_gather", "lax.scatter-add",
         fn=jax.grad(lambda x, i, j: jnp.sum(jnp.sin(jnp.asarray(x)[i, :, j]))),
         inputs=[(4, "B", 3), (5,), (5,)], input_dtypes=[np.float32, I32, I32], input_gen=gen(None, (0, 4), (0, 3)))
testcase(F, "at_set_advanced_then_slice", "lax.scatter", fn=lambda x, i, u: jnp.asarray(x).at[i, 1:3].set(u),
         inputs=[(6, 5), (3,), (3, 2)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=fixed(None, [5, 0, 2], None))
testcase(F, "at_mul_split_advanced", "lax.scatter-mul",
         fn=lambda x, i, j, u: jnp.asarray(x).at[i, :, j].multiply(u),
         inputs=[(4, "B", 6), (3,), (3,), (3, "B")], input_dtypes=[np.float32, I32, I32, np.float32],
         input_gen=gen(None, (0, 4), (0, 6), None))
testcase(F, "at_set_two_axes_dropped", "lax.scatter", fn=lambda x, i, j, u: jnp.asarray(x).at[i, j].set(u),
         inputs=[(4, 6), (5,), (5,), (5,)], input_dtypes=[np.float32, I32, I32, np.float32],
         input_gen=fixed(None, [0, 3, 9, -8, 2], [5, 1, 0, 2, 7], None))
testcase(F, "at_max_window_dropped", "lax.scatter-max", fn=lambda x, i, u: jnp.asarray(x).at[i, 1:4].max(u),
         inputs=[(4, 6), (5,), (5, 3)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=fixed(None, [0, 3, 4, -6, 1], None))
testcase(F, "vmap_dynamic_update_slice", "lax.scatter",
         fn=jax.vmap(lambda r, i, u: lax.dynamic_update_slice(r, u, (i, 0))),
         inputs=[("B", 6, 2), ("B",), ("B", 3, 2)], input_dtypes=[np.float32, I32, np.float32],
         input_gen=gen(None, (-2, 8), None))
testcase(F, "vmap_at_set", "lax.scatter", fn=jax.vmap(lambda r, i, u: r.at[i].set(u)),
         inputs=[("B", 6), ("B", 2), ("B", 2)], input_dtypes=[I32, I32, I32], input_gen=_distinct_rows)


def _fori_rows(x):
    """Row-by-row ``.at[i].set`` inside a fori_loop (the Loop body needs the symbolic dim)."""
    x = jnp.asarray(x)
    return lax.fori_loop(0, x.shape[0], lambda i, acc: acc.at[i].set(x[i] * i), jnp.zeros_like(x))


def _fori_hist(x, idx):
    """Histogram by repeated ``.at[idx[i]].add`` inside a fori_loop."""
    idx = jnp.asarray(idx)
    return lax.fori_loop(0, idx.shape[0], lambda i, acc: acc.at[idx[i]].add(1.0), jnp.zeros((x.shape[0],), x.dtype))


testcase(F, "fori_loop_at_set", "lax.scatter", fn=_fori_rows, inputs=[("B", 3)])
testcase(F, "fori_loop_at_add", "lax.scatter-add", fn=_fori_hist, inputs=[("B", 2), (5,)],
         input_dtypes=[np.float32, I32], input_gen=gen(None, lambda s: (0, s[0][0])))

# dtypes ORT only handles through a wider type (reducing ScatterND, Where, Pad)
testcase(F, "at_add_float16", "lax.scatter-add", fn=lambda x, i, u: jnp.asarray(x).at[i].add(u),
         inputs=[(5, 2), (3,), (3, 2)], input_dtypes=[np.float16, I32, np.float16],
         input_gen=fixed(None, [4, 0, 2], None), rtol=1e-3, atol=1e-3)
testcase(F, "at_set_int16_dropped", "lax.scatter", fn=lambda x, i, u: jnp.asarray(x).at[i].set(u),
         inputs=[("B",), (3,), (3,)], input_dtypes=[np.int16, I32, np.int16], input_gen=fixed(None, [1, 9, -9], None))
testcase(F, "at_max_bool", "lax.scatter-max", fn=lambda x, i, u: jnp.asarray(x).at[i].max(u),
         inputs=[(6,), (4,), (4,)], input_dtypes=[BOOL, I32, BOOL], input_gen=gen(None, (-2, 8), None))
testcase(F, "at_mul_int8_dropped", "lax.scatter-mul", fn=lambda x, i, u: jnp.asarray(x).at[i].multiply(u),
         inputs=[(6,), (4,), (4,)], input_dtypes=[np.int8, I32, np.int8], input_gen=gen(None, (-2, 8), None))
