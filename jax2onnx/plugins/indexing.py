"""Slicing and indexing (legacy pipeline)."""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "legacy"


def _i64(ctx, values):
    return ctx.const(np.asarray(list(values), dtype=np.int64))


@register(PIPELINE, "slice")
def slice_(ctx, eqn):
    p = eqn.params
    n = len(p["start_indices"])
    steps = p.get("strides") or [1] * n
    ctx.node("Slice", [ctx.inputs(eqn)[0], _i64(ctx, p["start_indices"]), ctx.shape(p["limit_indices"]),
                       _i64(ctx, range(n)), _i64(ctx, steps)], ctx.outputs(eqn))


@register(PIPELINE, "gather")
def gather(ctx, eqn):
    """The ``take``-along-one-axis form that jnp integer-array indexing produces."""
    x, indices = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    dn, sizes = eqn.params["dimension_numbers"], eqn.params["slice_sizes"]
    operand, idx_aval = (v.aval for v in eqn.invars)
    axis = dn.collapsed_slice_dims[0] if len(dn.collapsed_slice_dims) == 1 else None
    ok = (axis is not None and not dn.operand_batching_dims and tuple(dn.start_index_map) == (axis,)
          and all((s == 1) if i == axis else (s == d) for i, (s, d) in enumerate(zip(sizes, operand.shape))))
    if not ok:
        raise NotImplementedError(f"gather form not supported yet: {dn}")
    mode = str(eqn.params.get("mode"))
    if "FILL" in mode:
        raise NotImplementedError("gather with mode=FILL_OR_DROP is not supported yet")
    idx = ctx.node1("Squeeze", [indices, _i64(ctx, [len(idx_aval.shape) - 1])])
    if "CLIP" in mode:
        dim = ctx.node1("Cast", [ctx.dim(operand.shape[axis])], to=_elem(idx_aval.dtype))
        hi = ctx.node1("Sub", [dim, ctx.const(np.asarray([1], dtype=idx_aval.dtype))])
        idx = ctx.node1("Max", [ctx.node1("Min", [idx, hi]), ctx.const(np.asarray(0, dtype=idx_aval.dtype))])
    n_batch = len(idx_aval.shape) - 1
    rank_out = len(eqn.outvars[0].aval.shape)
    # ONNX Gather places the index dims at `axis`; JAX places operand dims at offset_dims
    onnx_kind = ["o"] * axis + ["b"] * n_batch + ["o"] * (rank_out - axis - n_batch)
    jax_kind = ["o" if i in dn.offset_dims else "b" for i in range(rank_out)]
    if onnx_kind == jax_kind:
        ctx.node("Gather", [x, idx], [out], axis=axis)
        return
    g = ctx.node1("Gather", [x, idx], axis=axis)
    onnx_pos = {"o": [i for i, k in enumerate(onnx_kind) if k == "o"], "b": [i for i, k in enumerate(onnx_kind) if k == "b"]}
    counters = {"o": 0, "b": 0}
    perm = []
    for k in jax_kind:
        perm.append(onnx_pos[k][counters[k]])
        counters[k] += 1
    ctx.node("Transpose", [g], [out], perm=perm)


def _elem(dtype):
    from ..plugin.dtypes import onnx_elem_type

    return onnx_elem_type(dtype)
