"""Equinox layers kept whole as macro ops: Linear → Gemm (under ``jax.vmap``) / MatMul+Add,
LayerNorm → LayerNormalization, RMSNorm → RMSNormalization (+ Add for its bias),
Embedding → Gather.

Equinox layers act on one example; users batch them with ``jax.vmap``. The
components' batching rule (Approach B, :func:`~._layers.data_batching`) rebinds
the same primitive with the batched input, so a vmapped ``eqx.nn.Linear``
becomes one ``Gemm`` rather than a decomposed matmul. Layers whose math has no
exact ONNX op here (GroupNorm, BatchNorm with its ``State``)
decompose into lax primitives.
"""

from __future__ import annotations

import equinox as eqx

from ..custom import declare
from ._layers import (apply_embed, apply_layer_norm, apply_linear, apply_rms_norm, data_batching,
                      same_float_dtype)

FAMILY = "nnx_layers"
_DOCS = "https://docs.kidger.site/equinox/api/nn/"


def _unpack_linear(self, x, *, key=None):
    if self.in_features == "scalar" or self.out_features == "scalar" or x.ndim != 1:
        return None
    if not same_float_dtype(x, self.weight, self.bias):
        return None
    operands = (x, self.weight) if self.bias is None else (x, self.weight, self.bias)
    return operands, {"transpose_kernel": True}  # eqx stores weight as [out, in]


def _unpack_layer_norm(self, x, *args, key=None):
    if args or x.shape != tuple(self.shape) or not x.ndim:  # a State argument: original API
        return None
    weight = self.weight if self.use_weight else None
    bias = self.bias if self.use_bias else None
    if not same_float_dtype(x, weight, bias):
        return None
    operands = [x] + [w for w in (weight, bias) if w is not None]
    return operands, {"axis": -x.ndim, "epsilon": float(self.eps), "has_scale": weight is not None,
                      "has_bias": bias is not None, "fast_variance": False}


def _unpack_rms_norm(self, x, *args, key=None):
    if args or x.shape != tuple(self.shape) or not x.ndim:
        return None
    weight = self.weight if self.use_weight else None
    bias = self.bias if self.use_bias else None
    if not same_float_dtype(x, weight, bias):
        return None
    operands = [x] + [w for w in (weight, bias) if w is not None]
    return operands, {"axis": -x.ndim, "epsilon": float(self.eps), "has_scale": weight is not None,
                      "has_bias": bias is not None}


def _unpack_embedding(self, x, *, key=None):
    import jax.numpy as jnp

    if not hasattr(x, "dtype") or x.shape != () or not jnp.issubdtype(x.dtype, jnp.integer):
        return None
    return (self.weight, x), {}


def _declare(name, attribute, unpack, apply, data_index, onnx_ops):
    holder: dict = {}
    holder["comp"] = declare(
        name, family=FAMILY, targets=[("equinox", attribute)], unpack=unpack, apply=apply,
        batching=data_batching(holder, data_index), docs=_DOCS, onnx_ops=onnx_ops,
    )
    return holder["comp"]


_declare("eqx.nn.Linear", "nn.Linear.__call__", _unpack_linear, apply_linear, 0, ("Gemm", "MatMul", "Add"))
_declare("eqx.nn.LayerNorm", "nn.LayerNorm.__call__", _unpack_layer_norm, apply_layer_norm, 0,
         ("LayerNormalization",))
_declare("eqx.nn.RMSNorm", "nn.RMSNorm.__call__", _unpack_rms_norm, apply_rms_norm, 0,
         ("RMSNormalization", "Add"))
_declare("eqx.nn.Embedding", "nn.Embedding.__call__", _unpack_embedding, apply_embed, 1, ("Gather",))

__all__ = ["FAMILY"]
_ = eqx  # targets live in equinox.nn
