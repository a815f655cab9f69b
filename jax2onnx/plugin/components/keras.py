"""Keras 3 (JAX backend) spellings of macro ops, bound to the framework-neutral layer primitives.

``keras.layers.LayerNormalization`` computes through
``keras.src.ops.nn._layer_normalization(x, gamma, beta, axis, epsilon, rms_scaling)``,
which ``keras.ops.layer_normalization`` looks up by name at call time; its JAX
trace is a dozen small ops. The patch here unpacks that call into the operands
of the layer_norm primitive (:mod:`._layers`: ``x[, scale][, bias]``, ``axis``
= first normalized axis, Keras's two-pass variance) and binds the primitive
the NNX component declared, so the graph gets one ``LayerNormalization``
through the same lowering, batching and JVP rules as Flax and Equinox.

Keras is never imported here: the patch is applied only when the user has
imported ``keras.src.ops.nn`` (see ``DECLARATIONS`` in :mod:`..patches`).
Anything the macro op does not express exactly — ``rms_scaling``, a dtype
Keras would upcast (float16/bfloat16 compute in float32), normalized axes that
are not a trailing run, symbolic normalized dims — runs Keras's own code.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import patches
from ._layers import same_float_dtype
from .nnx import _ln_batching

TARGET = ("keras.src.ops.nn", "_layer_normalization")


def _array(v):
    """A Keras variable's JAX value (``None`` stays ``None``)."""
    return None if v is None else getattr(v, "value", v)


def _first_trailing_axis(ndim: int, axis) -> int | None:
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    if not axes or any(not isinstance(a, (int, np.integer)) for a in axes):
        return None
    canon = sorted(int(a) % ndim for a in axes)
    return -len(canon) if canon == list(range(ndim - len(canon), ndim)) else None


def _unpack_layer_norm(x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False):
    if rms_scaling or not getattr(x, "ndim", 0) or np.dtype(x.dtype) not in (np.float32, np.float64):
        return None
    first = _first_trailing_axis(x.ndim, axis)
    if first is None or any(not isinstance(d, int) for d in x.shape[x.ndim + first:]):
        return None
    scale, bias = _array(gamma), _array(beta)
    if not same_float_dtype(x, scale, bias):
        return None
    norm = tuple(x.shape[x.ndim + first:])
    if any(w is not None and int(np.prod(w.shape)) != int(np.prod(norm)) for w in (scale, bias)):
        return None
    if epsilon is None:
        from keras.src import backend

        epsilon = backend.epsilon()
    operands = [x] + [w for w in (scale, bias) if w is not None]
    return operands, {"axis": first, "epsilon": float(epsilon), "has_scale": scale is not None,
                      "has_bias": bias is not None, "fast_variance": False}


# the NNX component's primitive and rules, reached from Keras's call site
_KERAS_LAYER_NORM = dataclasses.replace(_ln_batching["comp"], targets=(TARGET,), unpack=_unpack_layer_norm)
patches.register_patch(*TARGET, _KERAS_LAYER_NORM.make_replacement, component=_KERAS_LAYER_NORM.name)
