"""Fuzz dot_general and conv_general_dilated on both pipelines."""

from hypothesis import given
from jax import lax

from jax2onnx.testing.strategies import Shape, conv_configs, dot_general_configs

from .harness import check_both


@given(cfg=dot_general_configs())
def test_dot_general(cfg):
    check_both(lambda a, b: lax.dot_general(a, b, cfg.dimension_numbers), [Shape(cfg.lhs), Shape(cfg.rhs)],
               rtol=1e-4, atol=1e-4)


@given(cfg=conv_configs())
def test_conv(cfg):
    def fn(x, w):
        return lax.conv_general_dilated(x, w, cfg.strides, cfg.padding, lhs_dilation=cfg.lhs_dilation,
                                        rhs_dilation=cfg.rhs_dilation, feature_group_count=cfg.groups)

    check_both(fn, [Shape(cfg.lhs), Shape(cfg.rhs)], rtol=1e-4, atol=1e-4)
