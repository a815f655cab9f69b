"""sort and top_k (legacy pipeline).

ONNX TopK leaves the order of equal keys unspecified and mis-handles NaN, while JAX
sorts stably with NaN greatest. Each stable pass here runs TopK on the key (NaNs
replaced), numbers the runs of equal sorted values, and runs TopK again on the
distinct integers ``run * n + original_index`` so ties keep their original order.
Float keys get one more stable pass on ``isnan`` (NaNs last; first for top_k).
Multiple keys are handled least-significant first; operands are permuted with
GatherElements.
"""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"

#: key dtypes without an ORT TopK kernel -> order-preserving replacement
_TOPK_DTYPE = {
    "bool": np.int32, "int8": np.int32, "int16": np.int32, "uint8": np.int32, "uint16": np.int32,
    "uint32": np.int64, "float16": np.float32, "bfloat16": np.float32,
}
_END = np.iinfo(np.int64).max


def _i64(v):
    return np.asarray(v, dtype=np.int64)


def _argsort_pass(ctx, key, axis, n, descending):
    """Stable argsort (int64) of a NaN-free key along ``axis``."""
    k = ctx.dim(n)
    ax = ctx.const(_i64([axis]))
    vals, idx = ctx.node("TopK", [key, k], 2, axis=axis, largest=int(descending), sorted=1)
    tail = ctx.node1("Slice", [vals, ctx.const(_i64([1])), ctx.const(_i64([_END])), ax])
    head = ctx.node1("Slice", [vals, ctx.const(_i64([0])), ctx.const(_i64([-1])), ax])
    new_run = ctx.node1("Cast", [ctx.node1("Not", [ctx.node1("Equal", [tail, head])])], to=onnx_elem_type(np.int64))
    new_run = ctx.node1("Pad", [new_run, ctx.const(_i64([1, 0])), ctx.const(np.array(0, np.int64)), ax])
    run = ctx.node1("CumSum", [new_run, ctx.const(np.array(axis, np.int64))])
    tiebreak = ctx.node1("Add", [ctx.node1("Mul", [run, k]), idx])
    _, order = ctx.node("TopK", [tiebreak, k], 2, axis=axis, largest=0, sorted=1)
    return ctx.node1("GatherElements", [idx, order], axis=axis)


def _stable_argsort(ctx, key, dtype, axis, n, descending=False):
    """Stable argsort of ``key``; NaN sorts as the greatest value."""
    dtype = np.dtype(dtype)
    if dtype.name in _TOPK_DTYPE:
        dtype = np.dtype(_TOPK_DTYPE[dtype.name])
        key = ctx.node1("Cast", [key], to=onnx_elem_type(dtype))
    if not np.issubdtype(dtype, np.floating):
        return _argsort_pass(ctx, key, axis, n, descending)
    isnan = ctx.node1("IsNaN", [key])
    clean = ctx.node1("Where", [isnan, ctx.const(np.array(0, dtype)), key])
    perm = _argsort_pass(ctx, clean, axis, n, descending)
    nan_key = ctx.node1("GatherElements", [ctx.node1("Cast", [isnan], to=onnx_elem_type(np.int32)), perm], axis=axis)
    nan_perm = _argsort_pass(ctx, nan_key, axis, n, descending)
    return ctx.node1("GatherElements", [perm, nan_perm], axis=axis)


@register(PIPELINE, "sort")
def sort(ctx, eqn):
    """Lexicographic sort on the first ``num_keys`` operands (always stable)."""
    names = ctx.inputs(eqn)
    avals = [v.aval for v in eqn.invars]
    axis = eqn.params["dimension"] % len(avals[0].shape)
    n = avals[0].shape[axis]
    num_keys = eqn.params.get("num_keys", 1)
    perm = None
    for i in reversed(range(num_keys)):
        key = names[i] if perm is None else ctx.node1("GatherElements", [names[i], perm], axis=axis)
        step = _stable_argsort(ctx, key, avals[i].dtype, axis, n)
        perm = step if perm is None else ctx.node1("GatherElements", [perm, step], axis=axis)
    for name, out in zip(names, ctx.outputs(eqn)):
        ctx.node("GatherElements", [name, perm], [out], axis=axis)


@register(PIPELINE, "top_k")
def top_k(ctx, eqn):
    """k largest values and their int32 indices; equal values by lower index, NaN first."""
    aval = eqn.invars[0].aval
    axis = eqn.params.get("axis", -1) % len(aval.shape)
    (x,) = ctx.inputs(eqn)
    values, indices = ctx.outputs(eqn)
    order = _stable_argsort(ctx, x, aval.dtype, axis, aval.shape[axis], descending=True)
    first = ctx.node1("Slice", [order, ctx.const(_i64([0])), ctx.const(_i64([eqn.params["k"]])),
                                ctx.const(_i64([axis]))])
    ctx.node("GatherElements", [x, first], [values], axis=axis)
    ctx.node("Cast", [first], [indices], to=onnx_elem_type(eqn.outvars[1].aval.dtype))
