"""sort and top_k (onnx_ir pipeline).

ONNX TopK with k = axis length sorts, and its spec breaks ties by the lower index
("the element with the lower index will appear first"), so one TopK is a stable
argsort — for both ascending and descending order, which is exactly what JAX's
stable sort and top_k return. NaN is not ordered by TopK, while JAX sorts NaN as
the greatest value; float keys therefore sort with NaNs replaced by 0 and then take
a second stable pass on ``isnan`` (NaNs last; first for the descending top_k).

Several keys (``num_keys``) are sorted least-significant first, each pass stable
(LSD), and every operand is permuted with GatherElements.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.dtypes import ORT_KERNEL_DTYPE
from ..plugin.registry import register

PIPELINE = "onnx_ir"

#: key dtypes ORT's TopK lacks -> an order-preserving dtype it has
_KEY_DTYPE = ORT_KERNEL_DTYPE["TopK"]


def _i64(v):
    return np.asarray(v, dtype=np.int64)


def _cast(ctx, x, dtype):
    return ctx.op("Cast", x, to=ir.DataType.from_numpy(np.dtype(dtype)))


def _ordered_once(ctx, key, axis, n, descending):
    """Stable argsort (int64) of a NaN-free ``key`` along ``axis``: one TopK."""
    _, idx = ctx.op("TopK", key, ctx.dim(n), axis=axis, largest=int(descending), sorted=1, num_outputs=2)
    return idx


def stable_order(ctx, key, dtype, axis, n, descending=False):
    """Stable argsort (int64) of ``key``; NaN is the greatest value, as in JAX."""
    dtype = np.dtype(dtype)
    target = _KEY_DTYPE.get(dtype.name)
    if target is not None:
        key, dtype = _cast(ctx, key, target), np.dtype(target)
    if not np.issubdtype(dtype, np.floating):
        return _ordered_once(ctx, key, axis, n, descending)
    nan = ctx.op("IsNaN", key)
    clean = ctx.op("Where", nan, ctx.const(np.array(0, dtype)), key)
    perm = _ordered_once(ctx, clean, axis, n, descending)
    nan_in_order = ctx.op("GatherElements", _cast(ctx, nan, np.int32), perm, axis=axis)
    second = _ordered_once(ctx, nan_in_order, axis, n, descending)
    return ctx.op("GatherElements", perm, second, axis=axis)


@register(PIPELINE, "sort")
def sort(ctx, *operands, dimension, num_keys=1, is_stable=False, **_):
    """Sort all operands by the first ``num_keys`` (lexicographically); always stable."""
    avals = ctx.in_avals
    rank = len(avals[0].shape)
    axis = int(dimension) % rank
    n = avals[0].shape[axis]
    perm = None
    for key, aval in reversed(list(zip(operands[:num_keys], avals[:num_keys]))):
        if perm is not None:
            key = ctx.op("GatherElements", key, perm, axis=axis)
        step = stable_order(ctx, key, aval.dtype, axis, n)
        perm = step if perm is None else ctx.op("GatherElements", perm, step, axis=axis)
    outs = tuple(ctx.op("GatherElements", x, perm, axis=axis) for x in operands)
    return outs if len(outs) > 1 else outs[0]


@register(PIPELINE, "top_k")
def top_k(ctx, x, *, k, axis=-1, **_):
    """The k largest along ``axis``: values and int32 indices, ties by lower index."""
    aval = ctx.in_avals[0]
    axis = int(axis) % len(aval.shape)
    dtype = np.dtype(aval.dtype)
    index_type = ctx.out_avals[1].dtype
    if not np.issubdtype(np.dtype(_KEY_DTYPE.get(dtype.name, dtype)), np.floating):
        # no NaN to place: one TopK(k) is already JAX's answer
        key = x if dtype.name not in _KEY_DTYPE else _cast(ctx, x, _KEY_DTYPE[dtype.name])
        _, idx = ctx.op("TopK", key, ctx.const(_i64([int(k)])), axis=axis, largest=1, sorted=1, num_outputs=2)
        return ctx.op("GatherElements", x, idx, axis=axis), _cast(ctx, idx, index_type)
    order = stable_order(ctx, x, dtype, axis, aval.shape[axis], descending=True)
    first = ctx.op("Slice", order, ctx.const(_i64([0])), ctx.const(_i64([k])), ctx.const(_i64([axis])))
    values = ctx.op("GatherElements", x, first, axis=axis)
    return values, _cast(ctx, first, index_type)
