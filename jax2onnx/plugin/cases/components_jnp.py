"""Catalog: ``jax.numpy`` components kept whole as custom primitives (plain, vmap, grad)."""

import jax
import jax.numpy as jnp
import numpy as np

from ..testcase import component, testcase

F = "components_jnp"
_D = "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.{}.html"


def _sum_grad(f):
    """``jax.grad`` of ``sum(f(x))`` (the gradient goes through the custom primitive's JVP)."""
    return jax.grad(lambda x: jnp.sum(f(x)))


def _idx_gen(n_rows):
    def gen(rng, shapes, dtypes):
        x = rng.standard_normal(shapes[0]).astype(dtypes[0])
        i = rng.integers(-n_rows, n_rows, shapes[1]).astype(dtypes[1])
        return [x, i]
    return gen


# name -> (plain fn, inputs, expected macro op, vmap fn over a leading axis, grad fn)
_CASES = {
    "concatenate": (lambda x, y: jnp.concatenate([x, y], axis=-1), [("B", 3), ("B", 2)], "Concat",
                    lambda x: jnp.concatenate((x, x), axis=0), _sum_grad(lambda x: jnp.concatenate((x, x), axis=0))),
    "stack": (lambda x, y: jnp.stack([x, y], axis=1), [("B", 3), ("B", 3)], "Concat",
              lambda x: jnp.stack([x, 2 * x], axis=-1), _sum_grad(lambda x: jnp.stack([x, x * x]))),
    "reshape": (lambda x: jnp.reshape(x, (x.shape[0], -1)), [("B", 3, 4)], "Reshape",
                lambda x: jnp.reshape(x, (-1,)), _sum_grad(lambda x: jnp.reshape(x, (-1,)) ** 2)),
    "squeeze": (lambda x: jnp.squeeze(x, axis=1), [("B", 1, 4)], "Squeeze",
                lambda x: jnp.squeeze(x, 0), _sum_grad(lambda x: jnp.squeeze(x, 1) ** 2)),
    "transpose": (lambda x: jnp.transpose(x, (2, 0, 1)), [("B", 3, 4)], "Transpose",
                  lambda x: jnp.transpose(x), _sum_grad(lambda x: jnp.transpose(x, (1, 0, 2)) * jnp.arange(3.0))),
    "split": (lambda x: jnp.split(x, [1, 3], axis=1), [("B", 5)], "Split",
              lambda x: jnp.split(x, 2, axis=-1)[1], _sum_grad(lambda x: jnp.split(x, 5, axis=1)[2] ** 2)),
    "tile": (lambda x: jnp.tile(x, (1, 2, 3)), [("B", 3)], "Tile",
             lambda x: jnp.tile(x, 2), _sum_grad(lambda x: jnp.tile(x, (2, 1)) ** 2)),
    "where": (lambda x, y: jnp.where(x > y, x, y * 2.0), [("B", 4), ("B", 4)], "Where",
              lambda x: jnp.where(x > 0, x, 0.1 * x), _sum_grad(lambda x: jnp.where(x > 0, x * x, -x))),
    "einsum": (lambda x, w: jnp.einsum("btd,dk->btk", x, w), [("B", 3, 4), (4, 5)], "Einsum",
               lambda x: jnp.einsum("ij,kj->ik", x, x), _sum_grad(lambda x: jnp.einsum("bi,bj->bij", x, x))),
    "matmul": (lambda x, w: jnp.matmul(x, w), [("B", 4), (4, 3)], "MatMul",
               lambda x: jnp.matmul(x, x.T), _sum_grad(lambda x: jnp.matmul(x, x.T))),
    "clip": (lambda x: jnp.clip(x, -0.5, 0.7), [("B", 6)], "Clip",
             lambda x: jnp.clip(x, max=0.3), _sum_grad(lambda x: jnp.clip(x * 3, -1.0, 1.0))),
}

for _name, (_fn, _inputs, _op, _vfn, _gfn) in _CASES.items():
    component(f"jnp.{_name}", onnx_ops=(_op,), docs=_D.format(_name))
    _shape = _inputs[0]
    testcase(F, f"jnp_{_name}", f"jnp.{_name}", fn=_fn, inputs=_inputs, f64=True, expect_ops=(_op,))
    testcase(F, f"jnp_{_name}_vmap", f"jnp.{_name}", fn=jax.vmap(_vfn), inputs=[("B", 3, 4) if _name != "squeeze" else ("B", 1, 4)])
    testcase(F, f"jnp_{_name}_grad", f"jnp.{_name}", fn=_gfn,
             inputs=[("B", 1, 4) if _name == "squeeze" else ("B", 2, 3) if _name == "transpose"
                     else ("B", 5) if _name == "split" else ("B", 3)])

# issue regression: grad of sum(concatenate((x, x))) must convert
testcase(F, "concatenate_grad_regression", "jnp.concatenate",
         fn=jax.grad(lambda x: jnp.sum(jnp.concatenate((x, x), axis=0))), inputs=[("B", 3)])
testcase(F, "jnp_clip_array_bounds", "jnp.clip", fn=lambda x, lo: jnp.clip(x, lo, 1.0), inputs=[("B", 4), (4,)],
         expect_ops=("Max", "Min"))
testcase(F, "jnp_squeeze_all", "jnp.squeeze", fn=lambda x: jnp.squeeze(x), inputs=[(1, 3, 1, 4)],
         expect_ops=("Squeeze",))
testcase(F, "jnp_concatenate_mixed_dtypes", "jnp.concatenate", fn=lambda x, i: jnp.concatenate([x, i], axis=1),
         inputs=[("B", 2), ("B", 3)], input_dtypes=[np.float32, np.int32], expect_ops=("Concat", "Cast"))
testcase(F, "jnp_einsum_batched_matmul", "jnp.einsum", fn=lambda x, y: jnp.einsum("hbij,hbjk->hbik", x, y),
         inputs=[(2, "B", 3, 4), (2, "B", 4, 5)], expect_ops=("MatMul",), forbid_ops=("Einsum",))
testcase(F, "jnp_einsum_custom_dot_general", "jnp.einsum",  # not intercepted: the custom contraction runs
         fn=lambda x, w: jnp.einsum("bd,dk->bk", x, w, _dot_general=lambda *a, **k: 2 * jax.lax.dot_general(*a, **k)),
         inputs=[("B", 4), (4, 3)], expect_ops=("MatMul", "Mul"), forbid_ops=("Einsum",))
testcase(F, "jnp_einsum_ellipsis", "jnp.einsum", fn=lambda x, y: jnp.einsum("...ij,...jk", x, y),
         inputs=[("B", 2, 3, 4), ("B", 2, 4, 5)], expect_ops=("Einsum",), rtol=1e-4, atol=1e-5)

component("jnp.take", onnx_ops=("Gather",), docs=_D.format("take"))
testcase(F, "jnp_take", "jnp.take", fn=lambda x, i: jnp.take(x, i, axis=0), inputs=[(5, "B"), (4,)],
         input_dtypes=[np.float32, np.int32], input_gen=_idx_gen(5), f64=True, expect_ops=("Gather",))
testcase(F, "jnp_take_axis1_clip", "jnp.take", fn=lambda x, i: jnp.take(x, i, axis=1, mode="clip"),
         inputs=[("B", 6), (3,)], input_dtypes=[np.float32, np.int32],
         input_gen=lambda rng, s, d: [rng.standard_normal(s[0]).astype(d[0]), np.array([-3, 2, 9], d[1])],
         expect_ops=("Gather", "Clip"))
testcase(F, "jnp_take_flat", "jnp.take", fn=lambda x: jnp.take(x, jnp.array([0, 5, 7])), inputs=[(3, 4)],
         expect_ops=("Gather",))
testcase(F, "jnp_take_vmap", "jnp.take", fn=jax.vmap(lambda x, i: jnp.take(x, i, axis=0)),
         inputs=[("B", 5, 3), ("B", 2)], input_dtypes=[np.float32, np.int32], input_gen=_idx_gen(5))
testcase(F, "jnp_take_grad", "jnp.take", fn=_sum_grad(lambda x: jnp.take(x, jnp.array([0, 2, 2]), axis=1) ** 2),
         inputs=[("B", 3)])

component("jnp.arange", onnx_ops=("Range",), docs=_D.format("arange"), differentiable=False)
component("jnp.linspace", onnx_ops=("Range", "Mul", "Add"), docs=_D.format("linspace"), differentiable=False)
# static arguments: a Range node (legacy) or a folded constant (onnx_ir optimizer) — no op asserted
testcase(F, "jnp_arange", "jnp.arange", fn=lambda x: x + jnp.arange(2, 14, 3), inputs=[("B", 4)],
         input_dtypes=[np.int32], f64=True)
testcase(F, "jnp_arange_float", "jnp.arange", fn=lambda x: x * jnp.arange(0.5, 3.0, 0.5), inputs=[("B", 5)])
testcase(F, "jnp_arange_vmap", "jnp.arange", fn=jax.vmap(lambda x: x * jnp.arange(4)), inputs=[("B", 4)])
testcase(F, "jnp_linspace", "jnp.linspace", fn=lambda x: x + jnp.linspace(-1.0, 2.0, 7), inputs=[("B", 7)],
         f64=True)
testcase(F, "jnp_linspace_no_endpoint", "jnp.linspace",
         fn=lambda x: x * jnp.linspace(0, 1, 4, endpoint=False), inputs=[("B", 4)])
testcase(F, "jnp_linspace_vmap", "jnp.linspace", fn=jax.vmap(lambda x: x * jnp.linspace(1.0, 2.0, 3)),
         inputs=[("B", 3)])
testcase(F, "jnp_linspace_grad", "jnp.linspace",
         fn=_sum_grad(lambda x: x * jnp.linspace(0.0, 1.0, 3)), inputs=[("B", 3)])
