"""Catalog: reductions, arg-reductions, cumulative ops, reduce_precision."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase

F = "reductions"


def _with_nans(rng, shapes, dtypes):
    """Normal floats with a few NaNs (two per row at most, so first-NaN tie-breaking matters)."""
    out = []
    for shape, dt in zip(shapes, dtypes):
        a = rng.standard_normal(shape).astype(dt)
        if a.size:
            flat = a.reshape(-1)
            flat[:: max(1, a.shape[-1] // 2 + 1)] = np.nan
        out.append(a)
    return out


def _precision_inputs(rng, shapes, dtypes):
    """Values that exercise mantissa rounding, overflow and flush-to-zero."""
    out = []
    for shape, dt in zip(shapes, dtypes):
        a = (rng.standard_normal(shape) * 10.0 ** rng.integers(-9, 6, shape)).astype(dt)
        flat = a.reshape(-1)
        edge = 2.0 ** -14  # float16's smallest normal: values just below it round up or flush
        specials = np.array([1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 65519.0, 70000.0, -1e-6, 7e-5,
                             1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 3e38, -np.inf, edge * (1 - 2.0 ** -13),
                             -edge * (1 - 2.0 ** -11), edge * (1 - 2.0 ** -12), np.nan, 0.0, -0.0, -1e-40],
                            dt)
        flat[: min(flat.size, specials.size)] = specials[: flat.size]
        out.append(a)
    return out


def _ints(low, high):
    def gen(rng, shapes, dtypes):
        return [rng.integers(low, high, s).astype(d) for s, d in zip(shapes, dtypes)]
    return gen


# reduce_*
testcase(F, "reduce_sum", "lax.reduce_sum", fn=lambda x: jnp.sum(x, axis=1), inputs=[("B", 4, 3)], f64=True)
testcase(F, "reduce_sum_all", "lax.reduce_sum", fn=jnp.sum, inputs=[("B", 4)], rtol=1e-5)
testcase(F, "reduce_max", "lax.reduce_max", fn=lambda x: jnp.max(x, axis=(0, 2)), inputs=[("B", 4, 3)],
         f64=True)
testcase(F, "mean_keepdims", "lax.reduce_sum", fn=lambda x: jnp.mean(x, axis=-1, keepdims=True), inputs=[("B", 5)])
testcase(F, "reduce_min_neg_axis", "lax.reduce_min", fn=lambda x: jnp.min(x, axis=-2), inputs=[("B", 4, 3)],
         f64=True, expect_ops=("ReduceMin",))
testcase(F, "reduce_prod", "lax.reduce_prod", fn=lambda x: jnp.prod(x, axis=1), inputs=[("B", 5)], f64=True,
         expect_ops=("ReduceProd",))
testcase(F, "reduce_sum_int32", "lax.reduce_sum", fn=lambda x: jnp.sum(x, axis=-1), inputs=[("B", 6)],
         input_dtypes=[np.int32])
testcase(F, "reduce_sum_int8_wraps", "lax.reduce_sum",
         fn=lambda x: lax.reduce(x, np.int8(0), lax.add, (1,)), inputs=[("B", 9)], input_dtypes=[np.int8],
         input_gen=_ints(-128, 128))
testcase(F, "reduce_prod_int32", "lax.reduce_prod", fn=lambda x: jnp.prod(x, axis=0), inputs=[("B", 3)],
         input_dtypes=[np.int32])
testcase(F, "reduce_max_int16", "lax.reduce_max", fn=lambda x: jnp.max(x, axis=1), inputs=[("B", 5)],
         input_dtypes=[np.int16], input_gen=_ints(-1000, 1000))
testcase(F, "reduce_max_bool", "lax.reduce_max", fn=lambda x: jnp.max(x, axis=1), inputs=[("B", 5)],
         input_dtypes=[np.bool_])
testcase(F, "reduce_max_nan", "lax.reduce_max", fn=lambda x: jnp.max(x, axis=1), inputs=[("B", 5)],
         input_gen=_with_nans, f64=True)
testcase(F, "reduce_min_nan_inf", "lax.reduce_min", fn=lambda x: jnp.min(x, axis=0),
         inputs=[("B", 4)], input_gen=lambda rng, s, d: [
             np.array([-np.inf, np.nan, 1.0, 0.0, np.inf, 2.0, -3.0])[rng.integers(0, 7, s[0])].astype(d[0])])
testcase(F, "reduce_min_f16", "lax.reduce_min", fn=lambda x: jnp.min(x, axis=0), inputs=[("B", 5)],
         input_dtypes=[np.float16])
testcase(F, "reduce_sum_size0", "lax.reduce_sum", fn=lambda x: jnp.sum(x, axis=1), inputs=[("B", 0, 3)])
testcase(F, "reduce_max_size0_initial", "lax.reduce_max", fn=lambda x: jnp.max(x, axis=1, initial=-1.0),
         inputs=[("B", 0, 3)])
testcase(F, "reduce_sum_no_axes", "lax.reduce_sum",
         fn=lambda x: lax.reduce_sum_p.bind(x, axes=(), out_sharding=None) * 2, inputs=[("B", 3)],
         forbid_ops=("ReduceSum",))
testcase(F, "reduce_and", "lax.reduce_and", fn=lambda x: jnp.all(x, axis=1), inputs=[("B", 3)],
         input_dtypes=[np.bool_])
testcase(F, "reduce_or", "lax.reduce_or", fn=lambda x: jnp.any(x, axis=(0, 1)), inputs=[("B", 3)],
         input_dtypes=[np.bool_])
testcase(F, "reduce_or_of_compare", "lax.reduce_or", fn=lambda x: jnp.any(x > 1.0, axis=-1), inputs=[("B", 4)])
testcase(F, "reduce_xor", "lax.reduce_xor", fn=lambda x: lax.reduce_xor_p.bind(x, axes=(1,)),
         inputs=[("B", 5)], input_dtypes=[np.bool_])
testcase(F, "reduce_and_int32_bitwise", "lax.reduce_and",
         fn=lambda x: lax.reduce_and_p.bind(x, axes=(1,)), inputs=[("B", 7)], input_dtypes=[np.int32],
         input_gen=_ints(-2 ** 31, 2 ** 31 - 1))
testcase(F, "reduce_or_uint8_bitwise", "lax.reduce_or",
         fn=lambda x: lax.reduce_or_p.bind(x, axes=(0, 2)), inputs=[(3, "B", 5)], input_dtypes=[np.uint8],
         input_gen=_ints(0, 256))
testcase(F, "reduce_xor_int8_bitwise", "lax.reduce_xor",
         fn=lambda x: lax.reduce_xor_p.bind(x, axes=(1,)), inputs=[("B", 6)], input_dtypes=[np.int8],
         input_gen=_ints(-128, 128))

# argmax / argmin
testcase(F, "argmax", "lax.argmax", fn=lambda x: jnp.argmax(x, axis=1), inputs=[("B", 6)], f64=True,
         expect_ops=("ArgMax",))
testcase(F, "argmin_neg_axis", "lax.argmin", fn=lambda x: jnp.argmin(x, axis=-2), inputs=[("B", 4, 3)], f64=True)
testcase(F, "argmax_ties_int32", "lax.argmax", fn=lambda x: jnp.argmax(x, axis=-1), inputs=[("B", 8)],
         input_dtypes=[np.int32])
testcase(F, "argmin_ties_int8", "lax.argmin", fn=lambda x: jnp.argmin(x, axis=0), inputs=[("B", 8)],
         input_dtypes=[np.int8])
testcase(F, "argmax_bool", "lax.argmax", fn=lambda x: jnp.argmax(x, axis=1), inputs=[("B", 8)],
         input_dtypes=[np.bool_])
testcase(F, "argmax_nan", "lax.argmax", fn=lambda x: jnp.argmax(x, axis=1), inputs=[("B", 5)],
         input_gen=_with_nans, f64=True)
testcase(F, "argmin_nan", "lax.argmin", fn=lambda x: jnp.argmin(x, axis=1), inputs=[("B", 5)],
         input_gen=_with_nans)
testcase(F, "argmax_index_int16", "lax.argmax",
         fn=lambda x: lax.argmax(x, axis=0, index_dtype=np.int16), inputs=[("B", 4)])

# cumulative
testcase(F, "cumsum", "lax.cumsum", fn=lambda x: jnp.cumsum(x, axis=1), inputs=[("B", 7)], f64=True,
         expect_ops=("CumSum",))
testcase(F, "cumsum_reverse", "lax.cumsum", fn=lambda x: lax.cumsum(x, axis=0, reverse=True), inputs=[("B", 3)],
         f64=True)
testcase(F, "cumsum_int32", "lax.cumsum", fn=lambda x: jnp.cumsum(x, axis=-1), inputs=[("B", 5)],
         input_dtypes=[np.int32])
testcase(F, "cumsum_bool", "lax.cumsum", fn=lambda x: jnp.cumsum(x, axis=1), inputs=[("B", 5)],
         input_dtypes=[np.bool_])
testcase(F, "cumsum_f16", "lax.cumsum", fn=lambda x: lax.cumsum(x, axis=1), inputs=[("B", 5)],
         input_dtypes=[np.float16], rtol=1e-2, atol=1e-2)
testcase(F, "cumprod", "lax.cumprod", fn=lambda x: jnp.cumprod(x, axis=1), inputs=[("B", 7)], f64=True)
testcase(F, "cumprod_reverse_batch_axis", "lax.cumprod", fn=lambda x: lax.cumprod(x, axis=0, reverse=True),
         inputs=[("B", 3)], f64=True)
testcase(F, "cummax", "lax.cummax", fn=lambda x: lax.cummax(x, axis=1), inputs=[("B", 9, 2)], f64=True)
testcase(F, "cummax_reverse", "lax.cummax", fn=lambda x: lax.cummax(x, axis=1, reverse=True), inputs=[("B", 6)])
testcase(F, "cummax_batch_axis", "lax.cummax", fn=lambda x: lax.cummax(x, axis=0), inputs=[("B", 2, 3)])
testcase(F, "cummin_int32", "lax.cummin", fn=lambda x: lax.cummin(x, axis=1), inputs=[("B", 6)],
         input_dtypes=[np.int32], input_gen=_ints(-50, 50))
testcase(F, "cummin_reverse_batch_axis", "lax.cummin", fn=lambda x: lax.cummin(x, axis=0, reverse=True),
         inputs=[("B", 4)], input_dtypes=[np.int8], input_gen=_ints(-100, 100))
testcase(F, "cumlogsumexp", "lax.cumlogsumexp", fn=lambda x: lax.cumlogsumexp(x, axis=1), inputs=[("B", 7)],
         f64=True)
testcase(F, "cumlogsumexp_batch_axis", "lax.cumlogsumexp",
         fn=lambda x: lax.cumlogsumexp(x * 50.0, axis=0, reverse=True), inputs=[("B", 3)], rtol=1e-4)

# reduce_precision
testcase(F, "reduce_precision_bf16", "lax.reduce_precision",
         fn=lambda x: lax.reduce_precision(x, exponent_bits=8, mantissa_bits=7), inputs=[("B", 6)],
         input_gen=_precision_inputs, sizes={"B": (3, 5)}, rtol=0, atol=0)
testcase(F, "reduce_precision_f16", "lax.reduce_precision",
         fn=lambda x: lax.reduce_precision(x, exponent_bits=5, mantissa_bits=10), inputs=[("B", 6)],
         input_gen=_precision_inputs, sizes={"B": (3, 5)}, rtol=0, atol=0, f64=True)
testcase(F, "reduce_precision_f32_of_f64", "lax.reduce_precision",
         fn=lambda x: lax.reduce_precision(x, exponent_bits=8, mantissa_bits=23), inputs=[("B", 6)],
         input_gen=_precision_inputs, sizes={"B": (3, 5)}, rtol=0, atol=0, f64=True)
testcase(F, "cumsum_size0", "lax.cumsum", fn=lambda x: jnp.cumsum(x, axis=1), inputs=[("B", 0)])
testcase(F, "cummax_size0", "lax.cummax", fn=lambda x: lax.cummax(x, axis=1), inputs=[("B", 0)])
testcase(F, "argmax_size0_batch", "lax.argmax", fn=lambda x: jnp.argmax(x, axis=1), inputs=[(0, "B")],
         sizes={"B": (3, 5)})
testcase(F, "argmax_vmap", "lax.argmax", fn=jax.vmap(lambda x: jnp.argmax(x)), inputs=[("B", 5)], f64=True)
testcase(F, "cummax_vmap", "lax.cummax", fn=jax.vmap(lambda x: lax.cummax(x, axis=0), in_axes=1, out_axes=1),
         inputs=[(6, "B")])
testcase(F, "reduce_precision_e4m3", "lax.reduce_precision",
         fn=lambda x: lax.reduce_precision(x, exponent_bits=4, mantissa_bits=3), inputs=[("B", 6)],
         input_gen=_precision_inputs, sizes={"B": (3, 5)}, rtol=0, atol=0, f64=True)
testcase(F, "reduce_precision_e5m2", "lax.reduce_precision",
         fn=lambda x: lax.reduce_precision(x, exponent_bits=5, mantissa_bits=2), inputs=[("B", 6)],
         input_gen=_precision_inputs, sizes={"B": (3, 5)}, rtol=0, atol=0, f64=True)
testcase(F, "reduce_precision_bf16_of_f64", "lax.reduce_precision",
         fn=lambda x: lax.reduce_precision(x, exponent_bits=8, mantissa_bits=7), inputs=[("B", 6)],
         input_gen=_precision_inputs, sizes={"B": (3, 5)}, rtol=0, atol=0, f64=True)
testcase(F, "reduce_precision_f16_input", "lax.reduce_precision",
         fn=lambda x: lax.reduce_precision(x, exponent_bits=4, mantissa_bits=2), inputs=[("B", 6)],
         input_dtypes=[np.float16], rtol=0, atol=0)
