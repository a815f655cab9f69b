"""Catalog: sort (single / multi-operand, num_keys, stability, NaN) and top_k."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase

F = "sorting"


def _ints(low, high):
    def gen(rng, shapes, dtypes):
        return [rng.integers(low, high, s).astype(d) for s, d in zip(shapes, dtypes)]
    return gen


def _tied_floats(rng, shapes, dtypes):
    """Floats from a small set (many ties) with some NaNs and infinities."""
    pool = np.array([-np.inf, -1.5, 0.0, 0.25, 2.0, np.inf, np.nan])
    return [pool[rng.integers(0, pool.size, s)].astype(d) for s, d in zip(shapes, dtypes)]


def _distinct_floats(rng, shapes, dtypes):
    return [rng.permutation(int(np.prod(s))).reshape(s).astype(d) / 3.0 for s, d in zip(shapes, dtypes)]


testcase(F, "sort", "lax.sort", fn=lambda x: jnp.sort(x, axis=1), inputs=[("B", 7)], f64=True, expect_ops=("TopK",))
testcase(F, "sort_1d", "lax.sort", fn=jnp.sort, inputs=[(9,)])
testcase(F, "sort_batch_axis", "lax.sort", fn=lambda x: jnp.sort(x, axis=0), inputs=[("B", 3)], f64=True)
testcase(F, "sort_middle_axis_neg", "lax.sort", fn=lambda x: jnp.sort(x, axis=-2), inputs=[("B", 5, 3)])
testcase(F, "sort_int32", "lax.sort", fn=lambda x: jnp.sort(x, axis=-1), inputs=[("B", 9)],
         input_dtypes=[np.int32], input_gen=_ints(-4, 4))
testcase(F, "sort_uint8", "lax.sort", fn=lambda x: jnp.sort(x, axis=-1), inputs=[("B", 9)],
         input_dtypes=[np.uint8], input_gen=_ints(0, 256))
testcase(F, "sort_bool", "lax.sort", fn=lambda x: jnp.sort(x, axis=-1), inputs=[("B", 6)],
         input_dtypes=[np.bool_])
testcase(F, "sort_f16", "lax.sort", fn=lambda x: jnp.sort(x, axis=-1), inputs=[("B", 6)],
         input_dtypes=[np.float16])
testcase(F, "sort_nan_inf_ties", "lax.sort", fn=lambda x: jnp.sort(x, axis=1), inputs=[("B", 11)],
         input_gen=_tied_floats, f64=True)
def _argsort(axis):
    """argsort as jnp.argsort builds it (sort with a position operand), the positions
    given as a broadcast constant instead of an iota."""
    def fn(x):
        n = x.shape[axis]
        shape = [1] * x.ndim
        shape[axis] = n
        pos = jnp.broadcast_to(np.arange(n, dtype=np.int32).reshape(shape), x.shape)
        return lax.sort((x, pos), dimension=axis, num_keys=1, is_stable=True)[1]
    return fn


def _argsort_batch_axis(x):
    pos = lax.cumsum(jnp.ones_like(x, dtype=np.int32), axis=0) - 1
    return lax.sort((x, pos), dimension=0, num_keys=1, is_stable=True)[1]


testcase(F, "argsort_stable_ties", "lax.sort", fn=_argsort(1), inputs=[("B", 12)],
         input_dtypes=[np.int32], input_gen=_ints(0, 3))
testcase(F, "argsort_nan_inf_ties", "lax.sort", fn=_argsort(-1), inputs=[("B", 11)],
         input_gen=_tied_floats, f64=True)
testcase(F, "argsort_batch_axis", "lax.sort", fn=_argsort_batch_axis, inputs=[("B", 2)],
         input_gen=_tied_floats, sizes={"B": (5, 9)})
testcase(F, "sort_key_value", "lax.sort",
         fn=lambda k, v: lax.sort((k, v), dimension=1, num_keys=1), inputs=[("B", 8), ("B", 8)],
         input_dtypes=[np.int32, np.float32],
         input_gen=lambda rng, s, d: [rng.integers(0, 3, s[0]).astype(d[0]), rng.standard_normal(s[1]).astype(d[1])])
testcase(F, "sort_two_keys", "lax.sort",
         fn=lambda a, b, v: lax.sort((a, b, v), dimension=0, num_keys=2), inputs=[("B",), ("B",), ("B",)],
         input_gen=lambda rng, s, d: [rng.integers(0, 2, s[0]).astype(d[0]), _tied_floats(rng, [s[1]], [d[1]])[0],
                                      rng.standard_normal(s[2]).astype(d[2])],
         sizes={"B": (6, 13)}, f64=True)
testcase(F, "sort_unstable_distinct", "lax.sort",
         fn=lambda k, v: lax.sort((k, v), dimension=-1, is_stable=False), inputs=[("B", 6), ("B", 6)],
         input_gen=_distinct_floats)

testcase(F, "top_k", "lax.top_k", fn=lambda x: lax.top_k(x, 3), inputs=[("B", 7)], f64=True)
testcase(F, "top_k_ties_int32", "lax.top_k", fn=lambda x: lax.top_k(x, 4), inputs=[("B", 9)],
         input_dtypes=[np.int32], input_gen=_ints(0, 3))
testcase(F, "top_k_nan_inf_ties", "lax.top_k", fn=lambda x: lax.top_k(x, 5), inputs=[("B", 11)],
         input_gen=_tied_floats)
testcase(F, "top_k_axis0", "lax.top_k", fn=lambda x: lax.top_k(x, 2, axis=0), inputs=[(5, "B")])
testcase(F, "top_k_full", "lax.top_k", fn=lambda x: lax.top_k(x, 6), inputs=[("B", 6)],
         input_dtypes=[np.float16])
testcase(F, "top_k_uint8", "lax.top_k", fn=lambda x: lax.top_k(x, 3), inputs=[("B", 10)],
         input_dtypes=[np.uint8], input_gen=_ints(250, 256))
testcase(F, "sort_int64_keys_two_keys", "lax.sort",
         fn=lambda a, b: lax.sort((a, b), dimension=1, num_keys=2), inputs=[("B", 9), ("B", 9)],
         input_dtypes=[np.int32, np.int32], input_gen=_ints(0, 3), f64=True)
testcase(F, "sort_size0_axis", "lax.sort", fn=lambda x: jnp.sort(x, axis=1), inputs=[("B", 0)])
testcase(F, "top_k_size0_batch", "lax.top_k", fn=lambda x: lax.top_k(x, 2), inputs=[(0, 5)])

# jnp.argsort itself (sort with an iota operand; descending reverses around a stable sort)
testcase(F, "jnp_argsort", "lax.sort", fn=lambda x: jnp.argsort(x, axis=-1), inputs=[("B", 10)],
         input_dtypes=[np.int32], input_gen=_ints(0, 3), f64=True)
testcase(F, "jnp_argsort_descending", "lax.sort", fn=lambda x: jnp.argsort(x, axis=1, descending=True),
         inputs=[("B", 11)], input_gen=_tied_floats)
testcase(F, "jnp_argsort_batch_axis", "lax.sort", fn=lambda x: jnp.argsort(x, axis=0), inputs=[("B", 3)],
         input_gen=_tied_floats, sizes={"B": (4, 9)})
testcase(F, "sort_vmap", "lax.sort", fn=jax.vmap(jnp.sort, in_axes=1, out_axes=1), inputs=[(7, "B")])
testcase(F, "top_k_vmap", "lax.top_k", fn=jax.vmap(lambda x: lax.top_k(x, 2), in_axes=1), inputs=[(6, "B")])
