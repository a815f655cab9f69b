"""Catalog: complex numbers on the (re, im) carrier (onnx_ir only; docs/complex.md)."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import LEGACY_FROZEN, testcase as _declare

F = "complex"
C64, F32 = np.complex64, np.float32


def testcase(name, component, fn, inputs, dtypes, **kw):
    kw.setdefault("f64", True)
    return _declare(F, name, component, fn=fn, inputs=inputs, input_dtypes=dtypes, ir_only=LEGACY_FROZEN, **kw)


def carries_complex(model):
    """Complex graph inputs/outputs are float tensors with a trailing axis of 2, documented."""
    for v in list(model.graph.input) + list(model.graph.output):
        if v.doc_string:
            assert "(real, imaginary)" in v.doc_string
            assert v.type.tensor_type.shape.dim[-1].dim_value == 2, v
            assert v.type.tensor_type.elem_type in (1, 11), v  # float / double, never complex


def _away_from_zero(rng, shapes, dtypes):
    """Complex inputs with |z| >= 0.5 (log, pow, div, sign are smooth there)."""
    out = []
    for s, d in zip(shapes, dtypes):
        z = rng.standard_normal(s) + 1j * rng.standard_normal(s)
        out.append((z + 0.5 * z / np.maximum(np.abs(z), 1e-3)).astype(d))
    return out


def _half_equal(rng, shapes, dtypes):
    a = (rng.standard_normal(shapes[0]) + 1j * rng.standard_normal(shapes[0])).astype(dtypes[0])
    b = a.copy()
    flat = b.reshape(-1)
    flat[::2] += np.asarray(1j, dtypes[0])
    return [a, b]


Z = [("B", 3)]
ZZ = [("B", 3), ("B", 3)]
CZ, CZZ = [C64], [C64, C64]

testcase("complex_from_parts", "lax.complex", lambda x, y: lax.complex(x, y), ZZ, [F32, F32],
         check=carries_complex, markers=("ir_smoke",))
testcase("real_imag", "lax.real", lambda z: jnp.real(z) * 2 - jnp.imag(z), Z, CZ, check=carries_complex)
testcase("conj", "lax.conj", jnp.conj, Z, CZ, expect_ops=("Mul",), check=carries_complex)
testcase("identity", "lax.complex", lambda z: z, Z, CZ, check=carries_complex)
testcase("add_sub_neg", "lax.add", lambda z, w: -(z + w) - w * 2, ZZ, CZZ)
testcase("mul", "lax.mul", lambda z, w: z * w, ZZ, CZZ)
testcase("mul_scalar_const", "lax.mul", lambda z: z * (1 - 2j) + jnp.asarray([1 + 2j, 3 - 1j, 0.5j], z.dtype), Z, CZ)
testcase("div", "lax.div", lambda z, w: z / w, ZZ, CZZ, input_gen=_away_from_zero)
testcase("abs", "lax.abs", jnp.abs, Z, CZ)
testcase("sign", "lax.sign", jnp.sign, Z, CZ, input_gen=_away_from_zero)
testcase("exp", "lax.exp", jnp.exp, Z, CZ)
testcase("log", "lax.log", jnp.log, Z, CZ, input_gen=_away_from_zero)
testcase("sqrt", "lax.sqrt", jnp.sqrt, Z, CZ)
testcase("pow", "lax.pow", lambda z, w: z ** w, ZZ, CZZ, input_gen=_away_from_zero, rtol=1e-4, atol=1e-4)
testcase("integer_pow", "lax.integer_pow", lambda z: z ** 3 + z ** -2, Z, CZ, input_gen=_away_from_zero,
         rtol=1e-4, atol=1e-4)
testcase("square", "lax.square", jnp.square, Z, CZ)
testcase("eq_ne", "lax.eq", lambda z, w: (z == w, z != w), ZZ, CZZ, input_gen=_half_equal)
testcase("select_n", "lax.select_n", lambda z, w: jnp.where(jnp.abs(z) > 1, z, w), ZZ, CZZ)
testcase("matmul", "lax.dot_general", lambda z, w: z @ w.T, [("B", 4), (3, 4)], CZZ, rtol=1e-4, atol=1e-4)
testcase("matmul_real_rhs", "lax.dot_general",
         lambda z, w: lax.dot_general(z, w.astype(z.dtype), (((1,), (0,)), ((), ()))), [("B", 4), (4, 3)],
         [C64, F32], rtol=1e-4, atol=1e-4)
testcase("einsum_batched", "jnp.einsum", lambda z, w: jnp.einsum("bij,bjk->bik", z, w),
         [("B", 2, 4), ("B", 4, 3)], CZZ, rtol=1e-4, atol=1e-4)
testcase("conv1d", "lax.conv_general_dilated",
         lambda z, k: lax.conv_general_dilated(z, k, (1,), "SAME"), [("B", 2, 8), (3, 2, 3)], CZZ,
         rtol=1e-4, atol=1e-4)
testcase("reduce_sum", "lax.reduce_sum", lambda z: (jnp.sum(z, axis=1), jnp.mean(z)), [("B", 3, 4)], CZ)
testcase("reduce_prod", "lax.reduce_prod", lambda z: jnp.prod(z, axis=-1), [("B", 4)], CZ, rtol=1e-4, atol=1e-4)
testcase("cumsum", "lax.cumsum", lambda z: jnp.cumsum(z, axis=1), [("B", 4)], CZ)
testcase("real_to_complex", "lax.convert_element_type",
         lambda x: x.astype(jnp.complex64) * (1 + 1j), Z, [F32])
def _to_real(z):
    with warnings.catch_warnings():  # JAX warns that the imaginary part is dropped: that is the point
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        return lax.convert_element_type(z, jnp.float32)


testcase("complex_to_real", "lax.convert_element_type", _to_real, Z, CZ)
testcase("complex_widen", "lax.convert_element_type",
         lambda z: lax.convert_element_type(z, jnp.complex128) if jax.config.jax_enable_x64 else z * 1, Z, CZ)
testcase("shape_ops", "lax.reshape",
         lambda z: (z.reshape(-1, 2, 3)[:, 1], jnp.transpose(z, (0, 2, 1)), z[:, ::-1, 1:],
                    jnp.expand_dims(z, 1).squeeze(1), jnp.broadcast_to(z[:, None], (z.shape[0], 2, 2, 3))),
         [("B", 2, 3)], CZ)
testcase("concatenate_pad", "lax.concatenate",
         lambda z, w: (jnp.concatenate([z, w], axis=1), jnp.pad(z, ((0, 0), (1, 2)))), ZZ, CZZ)
testcase("dynamic_slice", "lax.dynamic_slice",
         lambda z: (lax.dynamic_slice_in_dim(z, 1, 2, axis=1), lax.dynamic_update_slice(z, z[:, :1] * 2j, (0, 1))),
         Z, CZ)
testcase("fori_loop", "lax.while",
         lambda z: lax.fori_loop(0, 3, lambda i, acc: acc * z + 1j, z), Z, CZ, rtol=1e-4, atol=1e-4)
testcase("scan", "lax.scan",
         lambda z: lax.scan(lambda c, x: (c * x, c + x), jnp.ones_like(z[0]), z)[1], [(4, "B")], CZ,
         rtol=1e-4, atol=1e-4)
testcase("gather_scatter", "lax.gather",
         lambda z: (z[jnp.array([1, 0, 1])], jnp.take(z, jnp.array([2, 0]), axis=1),
                    jnp.asarray(z).at[:, 1].add(2j)), Z, CZ)
testcase("components", "jnp.stack",
         lambda z, w: (jnp.stack([z, w], axis=-1), jnp.tile(z, (1, 2)), jnp.where(jnp.real(z) > 0, z, w),
                       jnp.concatenate([z, w]), z * jnp.arange(3, dtype=z.dtype)), ZZ, CZZ)
testcase("cond", "lax.cond",
         lambda z: lax.cond(jnp.real(z).sum() > 0, lambda a: a * 2j, lambda a: a - 1, z), Z, CZ)
testcase("angle_polar", "lax.atan2", lambda z: (jnp.angle(z), jnp.abs(z) * jnp.exp(1j * jnp.angle(z))), Z, CZ)
