"""Catalog: control flow — cond/switch → If, while_loop/fori_loop/scan → Loop.

Every case checks the ONNX construct it should become (``expect_ops``) and, for
folded constant predicates, that no ``If`` is left (``forbid_ops``).
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import component, testcase

F = "control_flow"

component("lax.cond", onnx_ops=("If",), docs="https://docs.jax.dev/en/latest/_autosummary/jax.lax.cond.html")
component("lax.switch", onnx_ops=("If",), docs="https://docs.jax.dev/en/latest/_autosummary/jax.lax.switch.html")
component("lax.while_loop", onnx_ops=("Loop",),
          docs="https://docs.jax.dev/en/latest/_autosummary/jax.lax.while_loop.html")
component("lax.fori_loop", onnx_ops=("Scan", "Loop"),
          docs="https://docs.jax.dev/en/latest/_autosummary/jax.lax.fori_loop.html")
component("lax.scan", onnx_ops=("Scan",), docs="https://docs.jax.dev/en/latest/_autosummary/jax.lax.scan.html")


def _ints(lo, hi):
    """input_gen: every int input drawn from [lo, hi); floats standard normal."""

    def gen(rng, shapes, dtypes):
        return [rng.integers(lo, hi, s).astype(d) if np.issubdtype(d, np.integer)
                else rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)]

    return gen


# ---- cond / switch --------------------------------------------------------------------------
def cond_basic(x):
    return lax.cond(x.sum() > 0, lambda a: a * 2.0, lambda a: a - 1.0, x)


def cond_multi(x, n):
    """Several operands and outputs of different dtypes; a branch passing an operand through."""
    return lax.cond(n > 2, lambda a, k: (jnp.sin(a), k + 1, a), lambda a, k: (a * 3.0, k - 1, a + 1.0), x, n)


_BIAS = np.linspace(-1.0, 1.0, 3).astype(np.float32)


def cond_captures(x, y):
    """Branches use an outer value (y) and a captured numpy constant."""
    return lax.cond(y.sum() > 0, lambda a: a * y + _BIAS, lambda a: a - _BIAS, x)


def switch3(i, x):
    return lax.switch(i, [lambda a: a, lambda a: a * 2.0, jnp.sin], x)


def switch5(i, x):
    return lax.switch(i, [lambda a, k=k: a * float(k) + k for k in range(5)], x)


testcase(F, "cond_basic", "lax.cond", fn=cond_basic, inputs=[("B", 3)], f64=True, expect_ops=("If",))
testcase(F, "cond_negative", "lax.cond", fn=cond_basic, inputs=[("B", 3)],
         input_gen=lambda rng, s, d: [-np.abs(rng.standard_normal(s[0])).astype(d[0]) - 0.1],
         expect_ops=("If",))
testcase(F, "cond_multi_operands", "lax.cond", fn=cond_multi, inputs=[("B", 3), ()],
         input_dtypes=[np.float32, np.int32], input_gen=_ints(0, 5), f64=True, expect_ops=("If",))
testcase(F, "cond_captures_outer", "lax.cond", fn=cond_captures, inputs=[("B", 3), ("B", 3)],
         expect_ops=("If",))
testcase(F, "cond_const_true_folded", "lax.cond",
         fn=lambda x: lax.cond(True, lambda a: a * 2.0, lambda a: a - 1.0, x),
         inputs=[("B", 3)], forbid_ops=("If",))
testcase(F, "switch_3_branches", "lax.switch", fn=switch3, inputs=[(), ("B", 4)],
         input_dtypes=[np.int32, np.float32], input_gen=_ints(-1, 4), expect_ops=("If",))
testcase(F, "switch_5_branches_nested", "lax.switch", fn=switch5, inputs=[(), ("B", 2)],
         input_dtypes=[np.int32, np.float32], input_gen=_ints(0, 5), f64=True, expect_ops=("If",))
testcase(F, "switch_const_index_folded", "lax.switch",
         fn=lambda x: lax.switch(2, [lambda a: a, lambda a: a * 2.0, jnp.cos], x),
         inputs=[("B", 4)], forbid_ops=("If",))


# ---- while_loop / fori_loop ------------------------------------------------------------------
def while_halving(x):
    return lax.while_loop(lambda c: jnp.max(jnp.abs(c)) > 0.1, lambda c: c * 0.5, x)


def while_mixed_dtypes(x):
    """Loop-carried int32 counter, float vector and bool flag."""

    def body(s):
        k, v, flag = s
        v = v + 1.0
        return k + 1, v, v.sum() > 10.0

    return lax.while_loop(lambda s: s[0] < 6, body, (jnp.int32(0), x, False))


_SCALE = np.array([1.0, 0.5, 0.25], dtype=np.float32)


def while_captures(x, y):
    """The body uses an outer value (y) and a constant; the cond a constant bound."""

    def body(s):
        k, v = s
        return k + 1, jnp.tanh(v * _SCALE + y)

    return lax.while_loop(lambda s: s[0] < 4, body, (0, x))[1]


def fori_static(x):
    return lax.fori_loop(0, 5, lambda i, c: c * 0.5 + i * x, x)


def fori_dynamic(x, n):
    return lax.fori_loop(0, n, lambda i, c: c + jnp.cos(c) * i.astype(c.dtype), x)


testcase(F, "while_halving", "lax.while_loop", fn=while_halving, inputs=[("B", 3)], f64=True,
         expect_ops=("Loop",))
testcase(F, "while_mixed_dtypes", "lax.while_loop", fn=while_mixed_dtypes, inputs=[("B", 3)],
         expect_ops=("Loop",))
testcase(F, "while_captures_outer", "lax.while_loop", fn=while_captures, inputs=[("B", 3), ("B", 3)],
         expect_ops=("Loop",))
testcase(F, "fori_loop_static", "lax.fori_loop", fn=fori_static, inputs=[("B", 3)], f64=True,
         check=lambda m: _trip_count_given(m))
testcase(F, "fori_loop_dynamic", "lax.fori_loop", fn=fori_dynamic, inputs=[("B", 3), ()],
         input_dtypes=[np.float32, np.int32], input_gen=_ints(0, 6), expect_ops=("Loop",))


def _trip_count_given(model):
    """A static fori_loop is a counted loop: a Loop has its trip count M (onnx_ir: a Scan,
    or unrolled), never a condition-only Loop."""
    loops = [n for n in model.graph.node if n.op_type == "Loop"]
    assert all(n.input[0] for n in loops), "Loop without trip count M"


# ---- scan ----------------------------------------------------------------------------------
def scan_cumsum(c, xs):
    return lax.scan(lambda c, x: (c + x, c * x), c, xs)


def scan_reverse(c, xs):
    return lax.scan(lambda c, x: (c * 0.5 + x, jnp.sin(c)), c, xs, reverse=True)


def scan_length_only(c):
    return lax.scan(lambda c, _: (c * 1.5 - 1.0, c.sum()), c, None, length=4)


def scan_multi(w, c, xs, zs):
    """Consts (w), two carries, two xs (one int), three ys."""

    def body(carry, xz):
        a, n = carry
        x, z = xz
        a2 = jnp.tanh(a @ w + x * z.astype(a.dtype))
        return (a2, n + z.sum()), (a2, n, x - a)

    return lax.scan(body, (c, jnp.int32(0)), (xs, zs))


def scan_unroll(c, xs):
    return lax.scan(lambda c, x: (c + x, c - x), c, xs, unroll=2)


testcase(F, "scan_carry_and_ys", "lax.scan", fn=scan_cumsum, inputs=[(3,), ("T", 3)], f64=True,
         )
testcase(F, "scan_reverse", "lax.scan", fn=scan_reverse, inputs=[("B", 2), (5, "B", 2)], f64=True,
         )
testcase(F, "scan_reverse_symbolic_length", "lax.scan", fn=scan_reverse, inputs=[(2,), ("T", 2)],
         )
testcase(F, "scan_length_no_xs", "lax.scan", fn=scan_length_only, inputs=[("B", 3)])
testcase(F, "scan_multi_xs_ys", "lax.scan", fn=scan_multi, inputs=[(3, 3), ("B", 3), (6, "B", 3), (6, "B", 3)],
         input_dtypes=[np.float32, np.float32, np.float32, np.int32], input_gen=_ints(0, 3),
         )
testcase(F, "scan_unroll_ignored", "lax.scan", fn=scan_unroll, inputs=[("B",), (4, "B")],
         )


# ---- nesting and transformations ----------------------------------------------------------------
def nested_scan_while_cond(x):
    """A scan inside a while_loop inside a cond branch."""

    def inner(v):
        def body(s):
            k, u = s
            u, _ = lax.scan(lambda c, _: (c * 0.9 + 0.1, None), u, None, length=3)
            return k + 1, u

        return lax.while_loop(lambda s: s[0] < 2, body, (0, v))[1]

    return lax.cond(x.sum() > -100.0, inner, lambda v: v, x)


@jax.jit
def _jitted_loop(x):
    return lax.fori_loop(0, 3, lambda i, c: c * c * 0.5 + 0.1, x)


def loop_in_jit(x):
    return _jitted_loop(x) + 1.0


def loop_in_remat(x):
    f = jax.checkpoint(lambda v: lax.scan(lambda c, _: (jnp.sin(c) + c, c), v, None, length=3)[1])
    return f(x)


def vmap_scan(c, xs):
    return jax.vmap(scan_cumsum)(c, xs)


def grad_scan(c, xs):
    def loss(c):
        final, _ = lax.scan(lambda c, x: (jnp.sin(c * x), None), c, xs)
        return final.sum()

    return jax.grad(loss)(c)


def grad_scan_ys(c, xs):
    """The carry feeds two uses, so the transposed scan sums cotangents (add_any)."""

    def loss(c):
        final, ys = lax.scan(lambda c, x: (jnp.sin(c) * x, c * x), c, xs)
        return final.sum() + ys.sum()

    return jax.grad(loss)(c)


def vmap_while(x):
    return jax.vmap(while_halving)(x)


def vmap_while_mixed(x):
    """Batched predicate over an int, a float and a bool carry: rows stop independently."""

    def one(v):
        def body(s):
            k, u, flag = s
            u = u * 0.5
            return k + 1, u, jnp.max(jnp.abs(u)) < 0.5

        return lax.while_loop(lambda s: jnp.max(jnp.abs(s[1])) > 0.1, body, (jnp.int32(0), v, False))

    return jax.vmap(one)(x)


testcase(F, "nested_scan_in_while_in_cond", "lax.cond", fn=nested_scan_while_cond, inputs=[("B", 3)],
         expect_ops=("If", "Loop"))
testcase(F, "loop_in_jit", "lax.fori_loop", fn=loop_in_jit, inputs=[("B", 3)])
testcase(F, "loop_in_remat", "lax.scan", fn=loop_in_remat, inputs=[("B", 3)])
testcase(F, "vmap_of_scan", "lax.scan", fn=vmap_scan, inputs=[("B", 3), ("B", 5, 3)])
testcase(F, "grad_of_scan", "lax.scan", fn=grad_scan, inputs=[(3,), (4, 3)], f64=True,
         rtol=1e-4, atol=1e-5)
testcase(F, "grad_of_scan_fanout", "lax.scan", fn=grad_scan_ys, inputs=[(3,), (4, 3)],
         rtol=1e-4, atol=1e-5)
testcase(F, "vmap_of_while", "lax.while_loop", fn=vmap_while, inputs=[("B", 3)], f64=True, expect_ops=("Loop",))
testcase(F, "vmap_of_while_mixed_dtypes", "lax.while_loop", fn=vmap_while_mixed, inputs=[("B", 2, 3)],
         input_gen=lambda rng, s, d: [(rng.standard_normal(s[0]) * np.arange(1, s[0][0] + 1)[:, None, None]).astype(d[0])],
         expect_ops=("Loop",))


def output_captured_by_bodies(x):
    """``y`` is a graph output and is also read inside a Loop body and If branches."""
    y = x * 2.0
    z = lax.fori_loop(0, 3, lambda i, c: c + y, x)
    w = lax.cond(x.sum() > 0, lambda: y + 1.0, lambda: y - 1.0)
    return y, z, w


testcase(F, "output_captured_by_bodies", "lax.fori_loop", fn=output_captured_by_bodies, inputs=[("B", 3)],
         expect_ops=("If",))


def scan_body_symbolic_shapes(c, xs):
    """The body reshapes and broadcasts with the symbolic batch (ctx.dim inside a subgraph)."""

    def body(c, x):
        flat = c.reshape(-1)
        c2 = (flat * 0.5).reshape(c.shape) + jnp.broadcast_to(x, c.shape)
        return c2, jnp.concatenate([flat, flat])

    return lax.scan(body, c, xs)


testcase(F, "scan_body_symbolic_shapes", "lax.scan", fn=scan_body_symbolic_shapes,
         inputs=[("B", 3), (4, 3)])


def while_cond_captures(x, limit):
    """The condition reads an outer traced value (cond_nconsts > 0)."""
    return lax.while_loop(lambda v: v.sum() < limit, lambda v: v + jnp.abs(v) + 0.1, x)


def vmap_of_cond(p, x):
    """vmap with a batched predicate: JAX turns the cond into a select."""
    return jax.vmap(lambda q, v: lax.cond(q > 0, jnp.sin, jnp.cos, v))(p, x)


testcase(F, "while_cond_captures_outer", "lax.while_loop", fn=while_cond_captures, inputs=[("B", 3), ()],
         input_gen=lambda rng, s, d: [rng.standard_normal(s[0]).astype(d[0]), np.asarray(25.0, d[1])],
         f64=True, expect_ops=("Loop",))
testcase(F, "vmap_of_cond", "lax.cond", fn=vmap_of_cond, inputs=[("B",), ("B", 3)])


def cond_literal_outputs(x):
    """Branches return constants and untouched operands (Identity inside the branch)."""
    return lax.cond(x.sum() > 0, lambda v: (jnp.float32(1.0), v), lambda v: (jnp.float32(2.0), v * 2.0), x)


def scan_reverse_no_xs(c):
    return lax.scan(lambda c, _: (c * 2.0, c + 1.0), c, None, length=5, reverse=True)


testcase(F, "cond_literal_outputs", "lax.cond", fn=cond_literal_outputs, inputs=[("B", 2)], expect_ops=("If",))
testcase(F, "scan_reverse_no_xs", "lax.scan", fn=scan_reverse_no_xs, inputs=[("B",)])


def scan_over_dim_expression(c, xs):
    """Scan length is the symbolic expression 2*B (xs reshaped from (B, 2, 3))."""
    return lax.scan(lambda c, x: (c + x, c * x), c, xs.reshape(-1, 3), reverse=True)


testcase(F, "scan_over_dim_expression", "lax.scan", fn=scan_over_dim_expression, inputs=[(3,), ("B", 2, 3)])
