"""Callbacks the front end drops by policy (see ``jax2onnx.frontend.callbacks``).

``debug_print`` has no outputs: no node. A ``pure_callback`` of an Equinox runtime
check sits in the error branch of a ``cond``; its results become NaN (integers:
their maximum, booleans: True), as Equinox returns where a runtime cannot raise.
Any other callback was refused before lowering.
"""

from __future__ import annotations

import numpy as np

from ..frontend.callbacks import describe, callback_function, is_dropped
from ..plugin.registry import register

PIPELINE = "onnx_ir"


def _dummy(dtype):
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.inexact):
        return np.array(np.nan, dtype)
    if dtype == np.bool_:
        return np.array(True)
    return np.array(np.iinfo(dtype).max, dtype)


@register(PIPELINE, "debug_print", "pure_callback")
def dropped_callback(ctx, *args, **_):
    if is_dropped(ctx.eqn) is None:
        raise NotImplementedError(
            f"the host callback {describe(callback_function(ctx.eqn))} cannot run inside an ONNX model")
    outs = tuple(ctx.op("Expand", ctx.const(_dummy(a.dtype)), ctx.shape(a.shape)) for a in ctx.out_avals)
    return outs
