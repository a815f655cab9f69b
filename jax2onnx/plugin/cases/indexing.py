"""Catalog: slice, dynamic_slice, dynamic_update_slice (index clamping like JAX)."""

import jax
import numpy as np
from jax import lax

from ..testcase import testcase

F = "indexing"
I32, BOOL = np.int32, np.bool_


def gen(*ranges):
    """Inputs where ``ranges[i]`` is None (random data) or ``(lo, hi)`` ints (indices)."""
    def make(rng, shapes, dtypes):
        out = []
        for r, s, d in zip(ranges, shapes, dtypes):
            if r is not None:
                lo, hi = r(shapes) if callable(r) else r
                out.append(np.asarray(rng.integers(lo, hi, s)).astype(d))
            elif np.issubdtype(d, np.floating):
                out.append(rng.standard_normal(s).astype(d))
            elif d == np.bool_:
                out.append(rng.integers(0, 2, s).astype(bool))
            else:
                out.append(rng.integers(-50, 50, s).astype(d))
        return out
    return make


def fixed(*values):
    """Inputs: random data for None, else the given index values (for out-of-bounds checks)."""
    def make(rng, shapes, dtypes):
        base = gen(*[None] * len(values))(rng, shapes, dtypes)
        return [b if v is None else np.asarray(v, d) for b, v, d in zip(base, values, dtypes)]
    return make


# slice
testcase(F, "index_int", "lax.slice", fn=lambda x: x[1], inputs=[(4, 5)], f64=True)
testcase(F, "slice_columns", "lax.slice", fn=lambda x: x[:, 2:5], inputs=[("B", 6)])
testcase(F, "slice_strided", "lax.slice", fn=lambda x: x[:, ::2], inputs=[("B", 7)], f64=True)
testcase(F, "slice_lax_strides", "lax.slice", fn=lambda x: lax.slice(x, (1, 0), (x.shape[0], 7), (2, 3)),
         inputs=[("B", 8)], input_dtypes=[I32])
testcase(F, "slice_symbolic_limit", "lax.slice", fn=lambda x: lax.slice(x, (0, 1), (x.shape[0] - 1, 3)),
         inputs=[("B", 4)], sizes={"B": (3, 6)}, input_dtypes=[BOOL])
testcase(F, "slice_size0", "lax.slice", fn=lambda x: lax.slice(x, (0, 2), (x.shape[0], 2)), inputs=[("B", 4)])

# dynamic_slice (starts clamped so the window stays inside)
testcase(F, "dynamic_slice", "lax.dynamic_slice", fn=lambda x, i: lax.dynamic_slice(x, (i, 1), (2, 3)),
         inputs=[(5, 4), ()], input_dtypes=[np.float32, I32], input_gen=gen(None, (0, 4)), f64=True)
testcase(F, "dynamic_slice_clamped", "lax.dynamic_slice",
         fn=lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 3)),
         inputs=[(5, 4), (), ()], input_dtypes=[np.float32, I32, I32], input_gen=fixed(None, 9, -4))
testcase(F, "dynamic_slice_symbolic", "lax.dynamic_slice",
         fn=lambda x, i: lax.dynamic_slice_in_dim(x, i, 3, axis=1),
         inputs=[("B", 6), ()], input_dtypes=[np.float32, I32], input_gen=gen(None, (-2, 8)))
testcase(F, "dynamic_slice_traced_index", "lax.dynamic_slice", fn=lambda x, i: x[i],
         inputs=[("B", 5), ()], input_dtypes=[I32, I32], input_gen=gen(None, (-2, 2)))
testcase(F, "dynamic_slice_bool", "lax.dynamic_slice",
         fn=lambda x, i: lax.dynamic_slice(x, (i * 0, i), (x.shape[0], 2)),
         inputs=[("B", 4), ()], input_dtypes=[BOOL, I32], input_gen=fixed(None, 3), f64=True)

# dynamic_update_slice
testcase(F, "dynamic_update_slice", "lax.dynamic_update_slice",
         fn=lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 2)),
         inputs=[(5, 6), (2, 3), ()], input_dtypes=[np.float32, np.float32, I32], input_gen=gen(None, None, (0, 4)),
         f64=True, expect_ops=("ScatterND",))
testcase(F, "dynamic_update_slice_clamped", "lax.dynamic_update_slice",
         fn=lambda x, u, i, j: lax.dynamic_update_slice(x, u, (i, j)),
         inputs=[(5, 6), (2, 3), (), ()], input_dtypes=[np.float32, np.float32, I32, I32],
         input_gen=fixed(None, None, 7, -3))
testcase(F, "dynamic_update_slice_symbolic", "lax.dynamic_update_slice",
         fn=lambda x, u, i: lax.dynamic_update_slice(x, u, (0, i)),
         inputs=[("B", 6), ("B", 2), ()], input_dtypes=[I32, I32, I32], input_gen=gen(None, None, (-1, 7)))
testcase(F, "dynamic_update_slice_rows", "lax.dynamic_update_slice",
         fn=lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 0, 0)),
         inputs=[("B", 3, 2), (1, 3, 2), ()], input_dtypes=[np.float32, np.float32, I32],
         input_gen=gen(None, None, (0, 2)))
testcase(F, "dynamic_update_slice_bool_full", "lax.dynamic_update_slice",
         fn=lambda x, u, i: lax.dynamic_update_slice(x, u, (i, i)),
         inputs=[(2, 3), (2, 3), ()], input_dtypes=[BOOL, BOOL, I32], input_gen=fixed(None, None, 1))
testcase(F, "dynamic_slice_vmap", "lax.dynamic_slice",
         fn=jax.vmap(lambda r, i: lax.dynamic_slice(r, (i,), (2,))),
         inputs=[("B", 6), ("B",)], input_dtypes=[np.float32, I32], input_gen=gen(None, (-1, 7)))
testcase(F, "grad_of_dynamic_slice", "lax.dynamic_update_slice",
         fn=jax.grad(lambda x, i: (lax.dynamic_slice_in_dim(x, i, 2, axis=1) ** 2).sum()),
         inputs=[("B", 5), ()], input_dtypes=[np.float32, I32], input_gen=gen(None, (-1, 6)), f64=True)
testcase(F, "slice_negative_stride_via_rev", "lax.slice", fn=lambda x: x[:, 5:0:-2], inputs=[("B", 7)])


def _scan_rows(x):
    """dynamic_slice of row i inside a scan body, with a flip of each row as output."""
    def step(c, i):
        row = lax.dynamic_slice_in_dim(x, i, 1, axis=0)[0]
        return c + row, lax.rev(row, (0,))
    return lax.scan(step, lax.full(x.shape[1:], 0, x.dtype), lax.iota(np.int32, x.shape[0]))


testcase(F, "scan_dynamic_slice", "lax.dynamic_slice", fn=_scan_rows, inputs=[("B", 4)], f64=True)
