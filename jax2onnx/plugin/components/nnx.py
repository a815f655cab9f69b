"""Flax NNX layers kept whole as macro ops: Linear → Gemm, LayerNorm → LayerNormalization,
RMSNorm → RMSNormalization, GroupNorm → GroupNormalization, BatchNorm (inference) → BatchNormalization, Embed → Gather.

Each ``unpack`` returns ``None`` (the original Flax code runs and decomposes into
lax primitives) for configurations the macro op does not express exactly: dtype
promotion, custom dot_general/precision, training-mode statistics, masks,
non-trailing feature axes. Conv/ConvTranspose need no component: their
``lax.conv_general_dilated`` already lowers to ONNX ``Conv``.
"""

from __future__ import annotations

from flax import nnx
from flax.nnx.nn import dtypes as _nnx_dtypes
from jax import lax

from ..custom import declare
from ._layers import (apply_batch_norm, apply_embed, apply_layer_norm, apply_linear, apply_rms_norm,
                      apply_group_norm, data_batching, same_float_dtype)

FAMILY = "nnx_layers"
_DOCS = "https://flax.readthedocs.io/en/latest/api_reference/flax.nnx/nn/"


def _value(var):
    return None if var is None else var[...]


def _default_promote(module) -> bool:
    return getattr(module, "promote_dtype", _nnx_dtypes.promote_dtype) is _nnx_dtypes.promote_dtype


# --- Linear ---------------------------------------------------------------------------
def _unpack_linear(self, inputs, out_sharding=None):
    kernel, bias = _value(self.kernel), _value(self.bias)
    if (out_sharding is not None or self.precision is not None
            or getattr(self, "preferred_element_type", None) is not None
            or self.dot_general is not lax.dot_general or not _default_promote(self)
            or (self.dtype is not None and self.dtype != inputs.dtype)
            or not same_float_dtype(inputs, kernel, bias) or inputs.ndim < 1):
        return None
    return ((inputs, kernel) if bias is None else (inputs, kernel, bias)), {"transpose_kernel": False}


_linear_batching: dict = {}
_linear_batching["comp"] = declare(
    "nnx.Linear", family=FAMILY, targets=[("flax.nnx", "Linear.__call__")],
    unpack=_unpack_linear, apply=apply_linear, batching=data_batching(_linear_batching, 0),
    docs=_DOCS + "linear.html#flax.nnx.Linear", onnx_ops=("Gemm", "MatMul", "Add"),
)


# --- LayerNorm --------------------------------------------------------------------------
def _trailing_axis(ndim, reduction_axes, feature_axes):
    """The (negative) first axis when both axis sets are the same trailing run, else None."""

    def canon(axes):
        axes = (axes,) if isinstance(axes, int) else tuple(axes)
        return tuple(sorted(a % ndim for a in axes))

    red, feat = canon(reduction_axes), canon(feature_axes)
    if red != feat or red != tuple(range(ndim - len(red), ndim)):
        return None
    return -len(red)


def _unpack_layer_norm(self, x, *, mask=None):
    scale, bias = _value(self.scale), _value(self.bias)
    axis = _trailing_axis(x.ndim, self.reduction_axes, self.feature_axes) if x.ndim else None
    if (mask is not None or axis is None or self.axis_name is not None
            or not _default_promote(self) or (self.dtype is not None and self.dtype != x.dtype)
            or not same_float_dtype(x, scale, bias)
            or any(not isinstance(d, int) for d in x.shape[x.ndim + axis:])):
        return None
    operands = [x] + [w for w in (scale, bias) if w is not None]
    return operands, {"axis": axis, "epsilon": float(self.epsilon), "has_scale": scale is not None,
                      "has_bias": bias is not None, "fast_variance": bool(self.use_fast_variance)}


_ln_batching: dict = {}
_ln_batching["comp"] = declare(
    "nnx.LayerNorm", family=FAMILY, targets=[("flax.nnx", "LayerNorm.__call__")],
    unpack=_unpack_layer_norm, apply=apply_layer_norm, batching=data_batching(_ln_batching, 0),
    docs=_DOCS + "normalization.html#flax.nnx.LayerNorm", onnx_ops=("LayerNormalization",),
)


def _unpack_rms_norm(self, x, mask=None):
    scale = _value(self.scale)
    axis = _trailing_axis(x.ndim, self.reduction_axes, self.feature_axes) if x.ndim else None
    if (mask is not None or axis is None or self.axis_name is not None
            or not _default_promote(self) or (self.dtype is not None and self.dtype != x.dtype)
            or not same_float_dtype(x, scale)
            or any(not isinstance(d, int) for d in x.shape[x.ndim + axis:])):
        return None
    return ([x] if scale is None else [x, scale]), {
        "axis": axis, "epsilon": float(self.epsilon), "has_scale": scale is not None}


_rms_batching: dict = {}
_rms_batching["comp"] = declare(
    "nnx.RMSNorm", family=FAMILY, targets=[("flax.nnx", "RMSNorm.__call__")],
    unpack=_unpack_rms_norm, apply=apply_rms_norm, batching=data_batching(_rms_batching, 0),
    docs=_DOCS + "normalization.html#flax.nnx.RMSNorm", onnx_ops=("RMSNormalization",),
)


def unpack_group_norm(self, x, *, mask=None):
    """GroupNorm with default (all non-batch) reduction axes and channels last, rank >= 3."""
    scale, bias = _value(self.scale), _value(self.bias)
    if (mask is not None or self.reduction_axes is not None or x.ndim < 3
            or getattr(self, "axis_name", None) is not None or not isinstance(x.shape[-1], int)
            or getattr(self, "feature_axis", -1) % x.ndim != x.ndim - 1
            or (self.dtype is not None and self.dtype != x.dtype) or not same_float_dtype(x, scale, bias)):
        return None
    operands = [x] + [w for w in (scale, bias) if w is not None]
    return operands, {"num_groups": int(self.num_groups), "epsilon": float(self.epsilon),
                      "has_scale": scale is not None, "has_bias": bias is not None,
                      "fast_variance": bool(self.use_fast_variance)}


# the batch axis is part of GroupNormalization's layout: vmap falls back to the decomposition
declare(
    "nnx.GroupNorm", family=FAMILY, targets=[("flax.nnx", "GroupNorm.__call__")],
    unpack=lambda self, x, *, mask=None: unpack_group_norm(self, x, mask=mask) if _default_promote(self) else None,
    apply=apply_group_norm, batching="fallback",
    docs=_DOCS + "normalization.html#flax.nnx.GroupNorm", onnx_ops=("GroupNormalization", "Transpose"),
)


# --- BatchNorm (inference) ------------------------------------------------------------------
def _unpack_batch_norm(self, x, use_running_average=None, *, mask=None):
    running = use_running_average if use_running_average is not None else self.use_running_average
    scale, bias = _value(self.scale), _value(self.bias)
    axis = (self.axis,) if isinstance(self.axis, int) else tuple(self.axis)
    if (not running or mask is not None or x.ndim < 2 or [a % x.ndim for a in axis] != [x.ndim - 1]
            or not isinstance(x.shape[-1], int)
            or not _default_promote(self) or (self.dtype is not None and self.dtype != x.dtype)
            or not same_float_dtype(x, self.mean[...], self.var[...], scale, bias)):
        return None
    operands = [x, self.mean[...], self.var[...]] + [w for w in (scale, bias) if w is not None]
    return operands, {"epsilon": float(self.epsilon), "has_scale": scale is not None,
                      "has_bias": bias is not None}


_bn_batching: dict = {}
_bn_batching["comp"] = declare(
    "nnx.BatchNorm", family=FAMILY, targets=[("flax.nnx", "BatchNorm.__call__")],
    unpack=_unpack_batch_norm, apply=apply_batch_norm, batching=data_batching(_bn_batching, 0),
    docs=_DOCS + "normalization.html#flax.nnx.BatchNorm",
    onnx_ops=("BatchNormalization", "Transpose"),
)


# --- Embed -------------------------------------------------------------------------------
def _unpack_embed(self, inputs, out_sharding=None):
    import jax.numpy as jnp

    table = _value(self.embedding)
    if (out_sharding is not None or not jnp.issubdtype(inputs.dtype, jnp.integer)
            or not _default_promote(self)
            or (self.dtype is not None and self.dtype != table.dtype)):
        return None
    return (table, inputs), {}


_embed_batching: dict = {}
_embed_batching["comp"] = declare(
    "nnx.Embed", family=FAMILY, targets=[("flax.nnx", "Embed.__call__")],
    unpack=_unpack_embed, apply=apply_embed, batching=data_batching(_embed_batching, 1),
    docs=_DOCS + "linear.html#flax.nnx.Embed", onnx_ops=("Gather",),
)

__all__ = ["FAMILY"]
_ = nnx  # the targets live in flax.nnx (imported so declaration implies Flax is present)
