"""sort and top_k (legacy pipeline).

A TopK with k = axis length is a stable argsort: the ONNX spec orders equal values
by lower index, matching JAX's stable sort and top_k in both directions. TopK does
not order NaN, which JAX treats as the greatest value, so float keys are sorted with
NaNs replaced by 0 and then stably by ``isnan`` (NaNs last; first for top_k).
Multiple keys are handled least-significant first; operands are permuted with
GatherElements.
"""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import ORT_KERNEL_DTYPE, onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"

#: key dtypes without an ORT TopK kernel -> order-preserving replacement
_TOPK_DTYPE = ORT_KERNEL_DTYPE["TopK"]


def _i64(v):
    return np.asarray(v, dtype=np.int64)


def _argsort_pass(ctx, key, axis, n, descending):
    """Stable argsort (int64) of a NaN-free key along ``axis``."""
    _, idx = ctx.node("TopK", [key, ctx.dim(n)], 2, axis=axis, largest=int(descending), sorted=1)
    return idx


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
    dtype = np.dtype(aval.dtype)
    axis = eqn.params.get("axis", -1) % len(aval.shape)
    k = eqn.params["k"]
    (x,) = ctx.inputs(eqn)
    values, indices = ctx.outputs(eqn)
    key_dtype = np.dtype(_TOPK_DTYPE.get(dtype.name, dtype))
    if np.issubdtype(key_dtype, np.floating):
        order = _stable_argsort(ctx, x, dtype, axis, aval.shape[axis], descending=True)
        first = ctx.node1("Slice", [order, ctx.const(_i64([0])), ctx.const(_i64([k])), ctx.const(_i64([axis]))])
    else:
        # integer keys have no NaN: TopK(k) alone matches JAX (ties by lower index)
        key = x if key_dtype == dtype else ctx.node1("Cast", [x], to=onnx_elem_type(key_dtype))
        _, first = ctx.node("TopK", [key, ctx.const(_i64([k]))], 2, axis=axis, largest=1, sorted=1)
    ctx.node("GatherElements", [x, first], [values], axis=axis)
    ctx.node("Cast", [first], [indices], to=onnx_elem_type(eqn.outvars[1].aval.dtype))
