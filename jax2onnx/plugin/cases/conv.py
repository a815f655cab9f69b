"""Catalog: conv_general_dilated (layouts, ranks, strides, padding, dilations, groups)
and reduce_window_{max,min,sum} (pooling)."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase

F = "conv"
C = "lax.conv_general_dilated"


def _conv(strides, padding, dn=None, **kw):
    return lambda x, w: lax.conv_general_dilated(x, w, strides, padding, dimension_numbers=dn, **kw)


def _ints(low, high):
    def gen(rng, shapes, dtypes):
        return [rng.integers(low, high, s).astype(d) for s, d in zip(shapes, dtypes)]
    return gen


NHWC = ("NHWC", "HWIO", "NHWC")

testcase(F, "conv_nchw_same", C, fn=_conv((1, 1), "SAME"), inputs=[("B", 3, 8, 8), (4, 3, 3, 3)], f64=True,
         rtol=1e-4, atol=1e-4)
testcase(F, "conv_nchw_uses_conv", C, fn=_conv((1, 1), "SAME"), inputs=[("B", 3, 8, 8), (4, 3, 3, 3)],
         expect_ops=("Conv",), forbid_ops=("Einsum",), rtol=1e-4, atol=1e-4)
testcase(F, "conv_nhwc_stride2", C, fn=_conv((2, 2), "SAME", NHWC), inputs=[("B", 9, 8, 3), (3, 3, 3, 5)],
         f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_1d_nwc", C, fn=_conv((2,), ((1, 2),), ("NWC", "WIO", "NWC")), inputs=[("B", 10, 2), (3, 2, 4)],
         f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_3d_valid", C, fn=_conv((1, 2, 1), "VALID"), inputs=[("B", 2, 5, 6, 5), (3, 2, 2, 3, 2)],
         f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_mixed_layouts", C, fn=_conv((1, 1), "VALID", ("NCHW", "HWIO", "NHWC")),
         inputs=[("B", 3, 6, 5), (2, 3, 3, 4)], rtol=1e-4, atol=1e-4)
testcase(F, "conv_spatial_batch_symbol", C, fn=_conv((1,), "SAME", ("NWC", "WIO", "NWC")),
         inputs=[(2, "B", 3), (3, 3, 4)], sizes={"B": (5, 11)}, rtol=1e-4, atol=1e-4, f64=True)
testcase(F, "conv_symbolic_width_stride2", C, fn=_conv((2,), ((1, 1),), ("NWC", "WIO", "NWC"), lhs_dilation=(2,)),
         inputs=[(2, "W", 3), (3, 3, 4)], sizes={"W": (5, 8)}, rtol=1e-4, atol=1e-4, f64=True)
testcase(F, "conv_same_stride2_symbolic_hw", C, fn=_conv((2, 2), "SAME", NHWC),
         inputs=[(1, "H", "W", 2), (3, 3, 2, 3)], sizes={"H": (5, 8), "W": (6, 9)}, rtol=1e-4, atol=1e-4, f64=True)
testcase(F, "conv_rhs_dilation", C, fn=_conv((1, 1), "SAME", NHWC, rhs_dilation=(2, 3)),
         inputs=[("B", 9, 10, 2), (3, 3, 2, 4)], f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_lhs_dilation", C, fn=_conv((1, 1), ((1, 1), (2, 0)), lhs_dilation=(2, 3)),
         inputs=[("B", 2, 5, 4), (3, 2, 3, 2)], f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_negative_padding", C, fn=_conv((1, 2), ((-1, 2), (1, -2))),
         inputs=[("B", 2, 7, 9), (3, 2, 2, 3)], f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_feature_groups", C, fn=_conv((1, 1), "SAME", feature_group_count=2),
         inputs=[("B", 4, 6, 6), (6, 2, 3, 3)], f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_depthwise_nhwc", C, fn=_conv((2, 2), "VALID", NHWC, feature_group_count=3),
         inputs=[("B", 7, 7, 3), (3, 3, 1, 6)], rtol=1e-4, atol=1e-4)
testcase(F, "conv_batch_groups", C, fn=_conv((1, 1), "VALID", batch_group_count=2),
         inputs=[(4, 3, 5, 5), (4, 3, 2, 2)], f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_int32", C, fn=_conv((1, 2), "SAME", NHWC), inputs=[("B", 5, 6, 2), (2, 3, 2, 3)],
         input_dtypes=[np.int32, np.int32], input_gen=_ints(-9, 9), forbid_ops=("Conv",))
testcase(F, "conv_f16_preferred_f32", C, fn=_conv((1,), "SAME", preferred_element_type=jnp.float32),
         inputs=[("B", 2, 8), (3, 2, 3)], input_dtypes=[np.float16, np.float16], rtol=1e-3, atol=1e-3)
testcase(F, "conv_transpose", "lax.conv_transpose",
         fn=lambda x, w: lax.conv_transpose(x, w, (2, 2), "SAME", dimension_numbers=NHWC),
         inputs=[("B", 4, 5, 3), (3, 3, 3, 2)], f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_transpose_valid_1d", "lax.conv_transpose",
         fn=lambda x, w: lax.conv_transpose(x, w, (3,), "VALID", rhs_dilation=(2,),
                                            dimension_numbers=("NCH", "IOH", "NCH")),
         inputs=[("B", 2, 4), (2, 3, 2)], rtol=1e-4, atol=1e-4)
testcase(F, "conv_with_general_padding", "lax.conv_with_general_padding",
         fn=lambda x, w: jax.lax.conv_with_general_padding(x, w, (2, 1), ((1, 0), (2, 1)), (1, 2), (2, 1)),
         inputs=[("B", 2, 6, 5), (3, 2, 3, 2)], f64=True, rtol=1e-4, atol=1e-4)

# reduce_window (pooling)
RW = "lax.reduce_window"


def _pool(init, op, window, strides, padding, **kw):
    return lambda x: lax.reduce_window(x, init, op, window, strides, padding, **kw)


testcase(F, "max_pool_nhwc_same", "lax.reduce_window_max",
         fn=_pool(-jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME"), inputs=[("B", 5, 6, 3)], f64=True,
         expect_ops=("MaxPool",), forbid_ops=("Conv",))
testcase(F, "max_pool_3x3_s2", "lax.reduce_window_max",
         fn=_pool(-jnp.inf, lax.max, (1, 1, 3, 3), (1, 1, 2, 2), ((0, 0), (0, 0), (1, 1), (1, 1))),
         inputs=[("B", 2, 7, 8)], f64=True)
testcase(F, "max_pool_int32", "lax.reduce_window_max",
         fn=_pool(np.iinfo(np.int32).min, lax.max, (1, 3), (1, 1), "SAME"), inputs=[("B", 7)],
         input_dtypes=[np.int32], input_gen=_ints(-1000, 1000))
testcase(F, "max_pool_uint8", "lax.reduce_window_max",
         fn=_pool(np.uint8(0), lax.max, (1, 2), (1, 2), "VALID"), inputs=[("B", 8)],
         input_dtypes=[np.uint8], input_gen=_ints(0, 256))
testcase(F, "max_pool_dilations", "lax.reduce_window_max",
         fn=_pool(-jnp.inf, lax.max, (2, 2), (1, 2), ((1, 0), (0, 2)), base_dilation=(2, 1),
                  window_dilation=(1, 2)), inputs=[("B", 7)], f64=True)
testcase(F, "pool_symbolic_length_stride2", "lax.reduce_window_sum",
         fn=lambda x: (_pool(0.0, lax.add, (1, 3), (1, 2), "SAME", base_dilation=(1, 2))(x),
                       _pool(-jnp.inf, lax.max, (1, 3), (1, 2), ((0, 0), (2, 1)))(x)),
         inputs=[(2, "L")], sizes={"L": (5, 8)}, f64=True, rtol=1e-5)
testcase(F, "max_pool_over_batch_axis", "lax.reduce_window_max",
         fn=_pool(-jnp.inf, lax.max, (3, 1), (1, 1), "SAME"), inputs=[("B", 4)])
testcase(F, "min_pool", "lax.reduce_window_min",
         fn=_pool(jnp.inf, lax.min, (1, 3, 1), (1, 2, 1), "SAME"), inputs=[("B", 9, 2)], f64=True)
testcase(F, "min_pool_int8", "lax.reduce_window_min",
         fn=_pool(np.int8(127), lax.min, (1, 2, 2), (1, 1, 1), "VALID"), inputs=[("B", 4, 5)],
         input_dtypes=[np.int8], input_gen=_ints(-128, 128))
testcase(F, "sum_pool", "lax.reduce_window_sum",
         fn=_pool(0.0, lax.add, (1, 3, 3, 1), (1, 1, 1, 1), "SAME"), inputs=[("B", 5, 6, 2)], f64=True,
         rtol=1e-4, atol=1e-5)
testcase(F, "avg_pool_flax_style", "lax.reduce_window_sum",
         fn=lambda x: (lax.reduce_window(x, 0.0, lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "SAME")
                       / lax.reduce_window(jnp.ones_like(x), 0.0, lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "SAME")),
         inputs=[("B", 5, 5, 3)], f64=True, rtol=1e-5)
testcase(F, "sum_pool_int32_dilated", "lax.reduce_window_sum",
         fn=_pool(np.int32(0), lax.add, (2, 3), (1, 2), ((0, 1), (2, 0)), base_dilation=(1, 2),
                  window_dilation=(2, 1)), inputs=[("B", 6)], input_dtypes=[np.int32], input_gen=_ints(-50, 50))
testcase(F, "sum_pool_negative_padding", "lax.reduce_window_sum",
         fn=_pool(0.0, lax.add, (1, 2), (1, 1), ((0, 0), (-1, 1))), inputs=[("B", 6)], rtol=1e-5)
testcase(F, "max_pool_padding_only_windows", "lax.reduce_window_max",
         fn=_pool(-jnp.inf, lax.max, (1, 2, 1), (1, 2, 2), ((1, 1), (1, 2), (2, 2)), base_dilation=(1, 2, 1)),
         inputs=[("B", 3, 4)], f64=True)
testcase(F, "min_pool_neg_inf_inputs", "lax.reduce_window_min",
         fn=_pool(jnp.inf, lax.min, (1, 2), (1, 1), "VALID"), inputs=[("B", 6)],
         input_gen=lambda rng, s, d: [np.array([np.inf, 1.0, -2.0, -np.inf])[rng.integers(0, 4, s[0])].astype(d[0])])
testcase(F, "max_pool_int32_padding_only_windows", "lax.reduce_window_max",
         fn=_pool(np.iinfo(np.int32).min, lax.max, (1, 1), (1, 1), ((0, 0), (2, 1))), inputs=[("B", 3)],
         input_dtypes=[np.int32])
testcase(F, "max_pool_4_axes", "lax.reduce_window_max",
         fn=_pool(-jnp.inf, lax.max, (2, 2, 1, 2), (1, 1, 2, 1), ((0, 0), (1, 0), (0, 1), (0, 0))),
         inputs=[("B", 3, 4, 3)], f64=True, forbid_ops=("MaxPool",))

# generic reduce_window (computation other than the add/max/min monoids)
testcase(F, "reduce_window_mul", RW, fn=_pool(1.0, lax.mul, (1, 2), (1, 1), ((0, 0), (1, 0))),
         inputs=[("B", 5)], f64=True)
testcase(F, "reduce_window_max_traced_init", RW,
         fn=lambda x, i: lax.reduce_window(x, i, lax.max, (2, 2), (1, 2), "SAME", base_dilation=(1, 2)),
         inputs=[("B", 5), ()])
testcase(F, "reduce_window_add_init_int32", RW, fn=_pool(np.int32(3), lax.add, (1, 3), (1, 2), "VALID"),
         inputs=[("B", 7)], input_dtypes=[np.int32])
testcase(F, "reduce_window_min_clamping_init", RW, fn=_pool(0.5, lax.min, (2, 1), (1, 1), ((1, 1), (0, 0))),
         inputs=[("B", 3)], sizes={"B": (3, 6)}, f64=True)

# pooling as flax writes it
def _flax_pool(name, **kw):
    def fn(x):
        from flax import linen
        return getattr(linen, name)(x, (2, 2), **kw)
    return fn


testcase(F, "flax_max_pool", "flax.linen.max_pool", fn=_flax_pool("max_pool", strides=(2, 2), padding="SAME"),
         inputs=[("B", 7, 6, 3)], f64=True)
testcase(F, "flax_avg_pool_exclude_pad", "flax.linen.avg_pool",
         fn=_flax_pool("avg_pool", strides=(1, 1), padding="SAME", count_include_pad=False),
         inputs=[("B", 5, 5, 2)], f64=True)
def _flax_min_pool(x):
    from flax import linen
    return linen.pool(x, jnp.inf, lax.min, (2, 2), (1, 1), ((1, 0), (0, 1)))


testcase(F, "flax_pool_min", "flax.linen.pool", fn=_flax_min_pool, inputs=[("B", 4, 4, 1)])
testcase(F, "conv_transpose_flipped_kernel", "lax.conv_transpose",
         fn=lambda x, w: lax.conv_transpose(x, w, (2, 1), ((1, 2), (0, 1)), dimension_numbers=("NCHW", "OIHW", "NCHW"),
                                            transpose_kernel=True),
         inputs=[("B", 3, 4, 5), (3, 2, 3, 2)], f64=True, rtol=1e-4, atol=1e-4)
testcase(F, "conv_int8_preferred_int32", C, fn=_conv((1,), "VALID", preferred_element_type=jnp.int32),
         inputs=[("B", 2, 9), (3, 2, 4)], input_dtypes=[np.int8, np.int8], input_gen=_ints(-128, 128))

# gradients of convolutions: JAX emits convs with swapped layouts, lhs dilation and
# feature/batch groups
def _conv_grads(groups):
    def loss(x, w):
        y = lax.conv_general_dilated(x, w, (2, 1), "SAME", dimension_numbers=NHWC, feature_group_count=groups)
        return jnp.sum(y * y)
    return jax.grad(loss, argnums=(0, 1))


testcase(F, "conv_grad", "lax.conv_general_dilated", fn=_conv_grads(1), inputs=[("B", 6, 5, 2), (3, 2, 2, 4)],
         f64=True, rtol=1e-3, atol=1e-3)
testcase(F, "conv_grad_grouped", "lax.conv_general_dilated", fn=_conv_grads(2),
         inputs=[("B", 5, 4, 4), (2, 3, 2, 6)], f64=True, rtol=1e-3, atol=1e-3)
testcase(F, "avg_pool_grad", "lax.reduce_window_sum",
         fn=jax.grad(lambda x: jnp.sum(jnp.sin(lax.reduce_window(x, 0.0, lax.add, (1, 2, 2), (1, 2, 2), "SAME")))),
         inputs=[("B", 5, 6)], f64=True)
testcase(F, "max_pool_grad", "lax.select_and_scatter_add",
         fn=jax.grad(lambda x: jnp.sum(jnp.sin(lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 2), (1, 2, 1),
                                                                 ((0, 0), (1, 1), (0, 1)))))),
         inputs=[("B", 6, 5)], f64=True)
testcase(F, "max_pool_grad_ties_overlap", "lax.select_and_scatter_add",
         fn=jax.grad(lambda x: jnp.sum(lax.reduce_window(x, -jnp.inf, lax.max, (2, 2), (1, 1), "SAME") ** 2)),
         inputs=[("B", 6)], input_dtypes=[np.float32], input_gen=lambda rng, s, d: [
             rng.integers(0, 3, s[0]).astype(d[0])])
testcase(F, "min_pool_grad", "lax.select_and_scatter_add",
         fn=jax.grad(lambda x: jnp.sum(jnp.cos(lax.reduce_window(x, jnp.inf, lax.min, (2, 1), (2, 1), "VALID")))),
         inputs=[("B", 3)], sizes={"B": (4, 8)}, f64=True)
