"""Catalog: total-order comparisons (lt_to/le_to/eq_to) and the jnp functions that
emit them: searchsorted (every method), digitize, histogram, interp; jnp.select."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import LEGACY_FROZEN, testcase

F = "total_order"
_EDGES = np.array([-2.0, -1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 2.0])


def _special(rng, shapes, dtypes):
    """Floats with repeats, signed zeros, infinities and NaN (all the total-order cases)."""
    pool = np.array([-np.inf, -1.0, -0.0, 0.0, 0.5, 1.0, np.inf, np.nan])
    return [pool[rng.integers(0, pool.size, s)].astype(d) for s, d in zip(shapes, dtypes)]


def _ints(rng, shapes, dtypes):
    return [rng.integers(-3, 3, s).astype(d) for s, d in zip(shapes, dtypes)]



from jax._src.lax import lax as _lax  # noqa: E402  (the total-order primitives are not public)

for _name in ("lt_to", "le_to", "eq_to"):
    _p = getattr(_lax, f"{_name}_p")
    testcase(F, _name, f"lax.{_name}", fn=lambda x, y, _p=_p: _p.bind(x, y), inputs=[("B", 8), ("B", 8)],
             input_gen=_special, f64=True, ir_only=LEGACY_FROZEN)
    testcase(F, f"{_name}_int32", f"lax.{_name}", fn=lambda x, y, _p=_p: _p.bind(x, y),
             inputs=[("B", 8), ("B", 8)], input_dtypes=[np.int32, np.int32], input_gen=_ints,
             ir_only=LEGACY_FROZEN)

for _method in ("scan", "scan_unrolled", "sort", "compare_all"):
    for _side in ("left", "right"):
        testcase(F, f"searchsorted_{_method}_{_side}", "jnp.searchsorted",
                 fn=lambda v, _m=_method, _s=_side: jnp.searchsorted(jnp.asarray(_EDGES, v.dtype), v,
                                                                      side=_s, method=_m),
                 # JAX's own 'sort' method cannot trace a symbolic query size (it compares
                 # the sizes' sum with int32 max), so that method is checked at static shapes
                 inputs=[(3, 6) if _method == "sort" else ("B", 6)], input_gen=_special, f64=True,
                 ir_only=LEGACY_FROZEN)
testcase(F, "searchsorted_default", "jnp.searchsorted",
         fn=lambda a, v: jnp.searchsorted(jnp.sort(a), v), inputs=[(9,), ("B", 4)], f64=True,
         ir_only=LEGACY_FROZEN)
testcase(F, "digitize", "jnp.digitize", fn=lambda v: jnp.digitize(v, jnp.asarray(_EDGES, v.dtype)),
         inputs=[("B", 6)], input_gen=_special, f64=True, ir_only=LEGACY_FROZEN)
testcase(F, "digitize_right_decreasing", "jnp.digitize",
         fn=lambda v: jnp.digitize(v, jnp.asarray(_EDGES[::-1], v.dtype), right=True),
         inputs=[("B", 6)], input_gen=_special, f64=True, ir_only=LEGACY_FROZEN)
testcase(F, "histogram_range", "jnp.histogram",
         fn=lambda v: jnp.histogram(v, bins=5, range=(-2.0, 2.0))[0], inputs=[(4, 6)], f64=True,
         ir_only=LEGACY_FROZEN)
testcase(F, "histogram_data_range", "jnp.histogram",
         fn=lambda v: jnp.histogram(v, bins=4), inputs=[(4, 6)], f64=True, ir_only=LEGACY_FROZEN)
testcase(F, "histogram_edges_density", "jnp.histogram",
         fn=lambda v: jnp.histogram(v, bins=jnp.asarray(_EDGES, v.dtype), density=True)[0],
         inputs=[("B", 6)], f64=True, ir_only=LEGACY_FROZEN)
testcase(F, "interp", "jnp.interp",
         fn=lambda v: jnp.interp(v, jnp.linspace(-2, 2, 9, dtype=v.dtype), jnp.sin(jnp.linspace(-2, 2, 9, dtype=v.dtype))),
         inputs=[("B", 7)], f64=True, ir_only=LEGACY_FROZEN)
testcase(F, "interp_xp_input", "jnp.interp",
         fn=lambda v, xp, fp: jnp.interp(v, jnp.sort(xp), fp, left=-1.0, right=2.0),
         inputs=[("B", 7), (6,), (6,)], f64=True, ir_only=LEGACY_FROZEN)
testcase(F, "select", "jnp.select",
         fn=lambda v: jnp.select([v > 0.5, v < -0.5], [v, -2 * v], 0.25), inputs=[("B", 7)], f64=True,
         ir_only=LEGACY_FROZEN)
testcase(F, "select_int", "jnp.select",
         fn=lambda v, w: jnp.select([v > 1, v < 0, w == 2], [v, w, v * w], -1),
         inputs=[("B", 7), ("B", 7)], input_dtypes=[np.int32, np.int32], input_gen=_ints, ir_only=LEGACY_FROZEN)
