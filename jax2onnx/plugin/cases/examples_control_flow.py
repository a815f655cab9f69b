"""Catalog: example programs built on control flow (heat equation, GRU, Newton).

Each converts to ``Loop``/``If`` subgraphs whose bodies are lowered by the same
machinery as the main graph.
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase

F = "examples_control_flow"


# ---- 2-D heat equation: scan of explicit steps, while_loop convergence, cond -----------------
def _heat_step(u, alpha=0.2):
    """One explicit finite-difference step on (..., N, M) grids; the boundary stays fixed."""
    r, c = u.ndim - 2, u.ndim - 1

    def sl(v, axis, lo, hi):
        """v[lo:hi] along ``axis``; hi <= 0 and negative lo count from the end."""
        n = v.shape[axis]
        return lax.slice_in_dim(v, lo if lo >= 0 else n + lo, n + hi if hi <= 0 else hi, axis=axis)

    rows = sl(u, r, 1, -1)
    mid = sl(rows, c, 1, -1)
    lap = (sl(sl(u, r, 0, -2), c, 1, -1) + sl(sl(u, r, 2, 0), c, 1, -1)
           + sl(rows, c, 0, -2) + sl(rows, c, 2, 0) - 4.0 * mid)
    inner = jnp.concatenate([sl(rows, c, 0, 1), mid + alpha * lap, sl(rows, c, -1, 0)], axis=c)
    return jnp.concatenate([sl(u, r, 0, 1), inner, sl(u, r, -1, 0)], axis=r)


def _both(a, b):
    """Logical and of two bool scalars without the ``and`` primitive (arithmetic on 0/1)."""
    return a.astype(jnp.float32) * b.astype(jnp.float32) > 0.5


def make_heat(steps: int, tol: float, max_extra: int = 20):
    """``steps`` scanned steps, then a while_loop until the update falls under ``tol``
    (at most ``max_extra`` steps), then a cond rescaling the grid if it did not converge."""

    def step(u, _):
        un = _heat_step(u)
        return un, jnp.max(jnp.abs(un - u))

    def heat(u0):
        u, deltas = lax.scan(step, u0, None, length=steps)

        def keep_going(s):
            _, d, k = s
            return _both(k < max_extra, d > tol)

        def more(s):
            u, _, k = s
            un, d = step(u, None)
            return un, d, k + 1

        u, d, k = lax.while_loop(keep_going, more, (u, deltas[-1], jnp.int32(0)))
        u = lax.cond(d < tol, lambda v: v, lambda v: v * 0.5, u)
        return u, deltas, k

    return heat


def _hot_spot(rng, shapes, dtypes):
    """A grid at 0 with a hot square in the middle and a warm edge (so heat flows)."""
    (shape,), (dt,) = shapes, dtypes
    u = np.zeros(shape, dtype=dt)
    n, m = shape[-2], shape[-1]
    u[..., n // 3: 2 * n // 3, m // 3: 2 * m // 3] = 1.0
    u[..., 0, :] = 0.5
    return [u + 0.01 * rng.random(shape).astype(dt)]


testcase(F, "heat_equation_64x64", "lax.scan", fn=make_heat(50, tol=4e-3), inputs=[(64, 64)], input_gen=_hot_spot,
         f64=True, rtol=1e-4, atol=1e-5, expect_ops=("Loop", "If"))
testcase(F, "heat_equation_batched", "lax.scan", fn=make_heat(10, tol=2e-2, max_extra=5), inputs=[("B", 16, 16)],
         input_gen=_hot_spot, sizes={"B": (1, 3)}, rtol=1e-4, atol=1e-5, expect_ops=("Loop", "If"))


# ---- GRU over a sequence via scan ------------------------------------------------------------------
_D, _H = 4, 8
_rng = np.random.default_rng(7)
_GRU = {k: (_rng.standard_normal(s) * 0.4).astype(np.float32) for k, s in {
    "wz": (_D, _H), "uz": (_H, _H), "bz": (_H,),
    "wr": (_D, _H), "ur": (_H, _H), "br": (_H,),
    "wh": (_D, _H), "uh": (_H, _H), "bh": (_H,),
}.items()}


def gru(xs):
    """A GRU over ``xs`` of shape (B, T, D); returns the last state and all states."""
    p = {k: jnp.asarray(v, dtype=xs.dtype) for k, v in _GRU.items()}

    def cell(h, x):
        z = jax_sigmoid(x @ p["wz"] + h @ p["uz"] + p["bz"])
        r = jax_sigmoid(x @ p["wr"] + h @ p["ur"] + p["br"])
        hh = jnp.tanh(x @ p["wh"] + (r * h) @ p["uh"] + p["bh"])
        h = (1.0 - z) * h + z * hh
        return h, h

    h0 = jnp.zeros((xs.shape[0], _H), dtype=xs.dtype)
    h, hs = lax.scan(cell, h0, jnp.swapaxes(xs, 0, 1))
    return h, jnp.swapaxes(hs, 0, 1)


def jax_sigmoid(v):
    return lax.logistic(v)


testcase(F, "gru_scan", "lax.scan", fn=gru, inputs=[("B", "T", _D)], sizes={"B": (2, 3), "T": (5, 9)},
         f64=True, rtol=1e-4, atol=1e-5)


# ---- Newton iteration via while_loop ------------------------------------------------------------------
def newton_cbrt(a):
    """Cube roots of positive ``a`` by Newton's method until the residual is small."""

    def keep_going(s):
        x, k = s
        return _both(k < 50, jnp.max(jnp.abs(x * x * x - a)) > 1e-4)

    def step(s):
        x, k = s
        return x - (x * x * x - a) / (3.0 * x * x), k + 1

    x, k = lax.while_loop(keep_going, step, (jnp.maximum(a, 1.0), jnp.int32(0)))
    return x, k


testcase(F, "newton_while_loop", "lax.while_loop", fn=newton_cbrt, inputs=[("B",)],
         input_gen=lambda rng, s, d: [(rng.random(s[0]) * 20.0 + 0.1).astype(d[0])],
         f64=True, rtol=1e-4, atol=1e-5, expect_ops=("Loop",))
