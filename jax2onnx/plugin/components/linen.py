"""Flax Linen layers kept whole as macro ops (same primitives' semantics as the NNX ones):
Dense → Gemm / MatMul+Add, LayerNorm → LayerNormalization, RMSNorm → RMSNormalization, GroupNorm → GroupNormalization,
BatchNorm (``use_running_average``) → BatchNormalization, Embed → Gather.

The replacement of a Linen method runs outside Linen's method wrapper, so
``unpack`` first runs the module's lazy setup (``_try_setup``; this is what the
wrapper itself does) and then reads the variables from the bound scope. An
unbound module, an initializing one, or any configuration the macro op does not
express exactly returns ``None``: the original (wrapped) method runs.
"""

from __future__ import annotations

from flax import linen as nn
from flax.core import meta
from flax.linen import dtypes as _linen_dtypes
from jax import lax

from ..custom import declare
from ._layers import (apply_batch_norm, apply_embed, apply_layer_norm, apply_linear, apply_rms_norm,
                      data_batching, same_float_dtype)
from ._layers import apply_group_norm
from .nnx import _trailing_axis

FAMILY = "nnx_layers"
_DOCS = "https://flax.readthedocs.io/en/latest/api_reference/flax.linen/layers.html"


def _variables(module, collection, *names):
    """The unboxed variables ``names`` of a bound, initialized module, or None."""
    if module.scope is None or module.is_initializing():
        return None
    module._try_setup()  # what Linen's method wrapper does before running a method
    out = []
    for n in names:
        if not module.has_variable(collection, n):
            out.append(None)
        else:
            out.append(meta.unbox(module.get_variable(collection, n)))
    return out


def _plain(module) -> bool:
    return getattr(module, "promote_dtype", _linen_dtypes.promote_dtype) is _linen_dtypes.promote_dtype


def _unpack_dense(self, inputs):
    got = _variables(self, "params", "kernel", "bias")
    if got is None or got[0] is None:
        return None
    kernel, bias = got
    if (self.precision is not None or self.dot_general is not None or self.dot_general_cls is not None
            or not _plain(self) or (self.dtype is not None and self.dtype != inputs.dtype)
            or not same_float_dtype(inputs, kernel, bias) or inputs.ndim < 1
            or self.use_bias != (bias is not None)):
        return None
    return ((inputs, kernel) if bias is None else (inputs, kernel, bias)), {"transpose_kernel": False}


def _unpack_layer_norm(self, x, *, mask=None):
    got = _variables(self, "params", "scale", "bias")
    if got is None or mask is not None or not x.ndim:
        return None
    scale, bias = got
    axis = _trailing_axis(x.ndim, self.reduction_axes, self.feature_axes)
    if (axis is None or self.axis_name is not None or (self.dtype is not None and self.dtype != x.dtype)
            or not same_float_dtype(x, scale, bias)
            or any(not isinstance(d, int) for d in x.shape[x.ndim + axis:])
            or self.use_scale != (scale is not None) or self.use_bias != (bias is not None)):
        return None
    operands = [x] + [w for w in (scale, bias) if w is not None]
    return operands, {"axis": axis, "epsilon": float(self.epsilon), "has_scale": scale is not None,
                      "has_bias": bias is not None, "fast_variance": bool(self.use_fast_variance)}


def _unpack_rms_norm(self, x, *, mask=None):
    got = _variables(self, "params", "scale")
    if got is None or mask is not None or not x.ndim:
        return None
    (scale,) = got
    axis = _trailing_axis(x.ndim, self.reduction_axes, self.feature_axes)
    if (axis is None or self.axis_name is not None or (self.dtype is not None and self.dtype != x.dtype)
            or not same_float_dtype(x, scale) or self.use_scale != (scale is not None)
            or any(not isinstance(d, int) for d in x.shape[x.ndim + axis:])):
        return None
    return ([x] if scale is None else [x, scale]), {
        "axis": axis, "epsilon": float(self.epsilon), "has_scale": scale is not None}


def _unpack_group_norm(self, x, *, mask=None):
    got = _variables(self, "params", "scale", "bias")
    if (got is None or mask is not None or self.reduction_axes is not None or x.ndim < 3
            or self.axis_name is not None or not isinstance(x.shape[-1], int) or self.group_size is not None
            or (self.dtype is not None and self.dtype != x.dtype) or not same_float_dtype(x, *got)
            or self.use_scale != (got[0] is not None) or self.use_bias != (got[1] is not None)):
        return None
    scale, bias = got
    operands = [x] + [w for w in (scale, bias) if w is not None]
    return operands, {"num_groups": int(self.num_groups), "epsilon": float(self.epsilon),
                      "has_scale": scale is not None, "has_bias": bias is not None,
                      "fast_variance": bool(self.use_fast_variance)}


def _unpack_batch_norm(self, x, use_running_average=None, *, mask=None):
    running = use_running_average if use_running_average is not None else self.use_running_average
    if not running or mask is not None or x.ndim < 2 or self.axis % x.ndim != x.ndim - 1:
        return None
    stats = _variables(self, "batch_stats", "mean", "var")
    params = _variables(self, "params", "scale", "bias")
    if stats is None or params is None or None in stats or not isinstance(x.shape[-1], int):
        return None
    (mean, var), (scale, bias) = stats, params
    if ((self.dtype is not None and self.dtype != x.dtype) or not same_float_dtype(x, mean, var, scale, bias)
            or self.use_scale != (scale is not None) or self.use_bias != (bias is not None)):
        return None
    operands = [x, mean, var] + [w for w in (scale, bias) if w is not None]
    return operands, {"epsilon": float(self.epsilon), "has_scale": scale is not None,
                      "has_bias": bias is not None}


def _unpack_embed(self, inputs):
    import jax.numpy as jnp

    got = _variables(self, "params", "embedding")
    if got is None or got[0] is None or not jnp.issubdtype(inputs.dtype, jnp.integer) or not _plain(self):
        return None
    (table,) = got
    if (self.dtype is not None and self.dtype != table.dtype) or self.num_embeddings == 1:
        return None
    return (table, inputs), {}


def _declare(name, attribute, unpack, apply, data_index, onnx_ops):
    holder: dict = {}
    holder["comp"] = declare(
        name, family=FAMILY, targets=[("flax.linen", attribute)], unpack=unpack, apply=apply,
        batching=data_batching(holder, data_index) if data_index is not None else "fallback",
        docs=_DOCS, onnx_ops=onnx_ops,
    )
    return holder["comp"]


_declare("linen.Dense", "Dense.__call__", _unpack_dense, apply_linear, 0, ("Gemm", "MatMul", "Add"))
_declare("linen.LayerNorm", "LayerNorm.__call__", _unpack_layer_norm, apply_layer_norm, 0,
         ("LayerNormalization",))
_declare("linen.RMSNorm", "RMSNorm.__call__", _unpack_rms_norm, apply_rms_norm, 0, ("RMSNormalization",))
# the batch axis is part of GroupNormalization's layout: vmap falls back to the decomposition
_declare("linen.GroupNorm", "GroupNorm.__call__", _unpack_group_norm, apply_group_norm, None,
         ("GroupNormalization", "Transpose"))
_declare("linen.BatchNorm", "BatchNorm.__call__", _unpack_batch_norm, apply_batch_norm, 0,
         ("BatchNormalization", "Transpose"))
_declare("linen.Embed", "Embed.__call__", _unpack_embed, apply_embed, 1, ("Gather",))

__all__ = ["FAMILY"]
_ = (nn, lax)  # targets live in flax.linen


# --- nnx.bridge.ToNNX used as a submodule of an NNX model --------------------------------------
def _make_to_nnx_call(original):
    """While converting, a nested ToNNX applies its Linen module to its own variables.

    The wrapper's own ``__call__`` draws RNG streams (stateful, untraceable for
    ONNX) on every call; inference needs none of that. The variables are read
    through the bridge exactly as the top-level ToNNX adapter does. Anything
    unusual (initializing, explicit rngs, mutable collections) runs the original.
    """
    import functools

    from ...frontend.adapters import linen_variables_of
    from ..custom import intercepting

    @functools.wraps(original)
    def call(self, *args, rngs=None, method=None, mutable=None, **kwargs):
        if (not intercepting() or self._pytree__state.initializing or rngs is not None
                or mutable not in (None, False)):
            return original(self, *args, rngs=rngs, method=method, mutable=mutable, **kwargs)
        return self.to_nnx__module.apply(linen_variables_of(self), *args, method=method, **kwargs)

    return call


def _register_to_nnx_patch():
    from .. import patches

    if not any(p.attribute == "bridge.ToNNX.__call__" for p in patches.PATCHES):
        patches.register_patch("flax.nnx", "bridge.ToNNX.__call__", _make_to_nnx_call,
                               component="nnx.bridge.ToNNX")


_register_to_nnx_patch()
