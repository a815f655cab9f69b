"""Slicing and indexing (onnx_ir pipeline)."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "onnx_ir"


def _i64(ctx, values):
    return ctx.const(np.asarray(list(values), dtype=np.int64))


@register(PIPELINE, "slice")
def slice_(ctx, x, *, start_indices, limit_indices, strides=None, **_):
    axes = list(range(len(start_indices)))
    steps = list(strides) if strides is not None else [1] * len(axes)
    return ctx.op("Slice", x, _i64(ctx, start_indices), ctx.shape(limit_indices), _i64(ctx, axes), _i64(ctx, steps))


def _single_axis_gather(dnums, slice_sizes, operand_shape):
    """The axis if this gather is ``take`` along one axis (what jnp indexing emits), else None."""
    if dnums.operand_batching_dims or len(dnums.collapsed_slice_dims) != 1:
        return None
    axis = dnums.collapsed_slice_dims[0]
    if tuple(dnums.start_index_map) != (axis,):
        return None
    for i, (s, d) in enumerate(zip(slice_sizes, operand_shape)):
        if (i == axis and s != 1) or (i != axis and s != d):
            return None
    return axis


@register(PIPELINE, "gather")
def gather(ctx, x, indices, *, dimension_numbers, slice_sizes, mode=None, **_):
    operand, idx_aval = ctx.in_avals
    axis = _single_axis_gather(dimension_numbers, slice_sizes, operand.shape)
    if axis is None:
        raise NotImplementedError(f"gather form not supported yet: {dimension_numbers}")
    idx = ctx.op("Squeeze", indices, _i64(ctx, [len(idx_aval.shape) - 1]))
    dim = ctx.op("Cast", ctx.dim(operand.shape[axis]), to=ctx.dtype_of(idx_aval))
    if "FILL" in str(mode):
        raise NotImplementedError("gather with mode=FILL_OR_DROP is not supported yet")
    if "CLIP" in str(mode):
        zero = ctx.const(np.asarray(0, dtype=idx_aval.dtype))
        hi = ctx.op("Sub", dim, ctx.const(np.asarray([1], dtype=idx_aval.dtype)))
        idx = ctx.op("Max", ctx.op("Min", idx, hi), zero)
    out = ctx.op("Gather", x, idx, axis=axis)
    # ONNX puts index dims at `axis`; JAX puts the operand's kept dims at offset_dims
    n_batch = len(idx_aval.shape) - 1
    onnx_order = [("o", i) for i in range(axis)] + [("b", j) for j in range(n_batch)] + [
        ("o", i) for i in range(axis, len(operand.shape) - 1)]
    jax_order, o, b = [], 0, 0
    for pos in range(len(onnx_order)):
        if pos in dimension_numbers.offset_dims:
            jax_order.append(("o", o)); o += 1
        else:
            jax_order.append(("b", b)); b += 1
    if jax_order != onnx_order:
        out = ctx.op("Transpose", out, perm=[onnx_order.index(t) for t in jax_order])
    return out
