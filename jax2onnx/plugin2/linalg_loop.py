"""Shared building blocks of the linear-algebra algorithms (``linalg_*`` modules).

Not a family (registers no primitive). Everything here works on the last two axes
of a tensor and broadcasts over any leading batch dims, symbolic ones included, so
an algorithm never needs the batch shape at run time:

* :func:`loop` builds one ONNX ``Loop`` whose body is written by a Python callback
  (O(1) nodes, however many iterations run);
* row/column picks by a loop index (``Gather`` with a ``[1]`` index keeps the axis),
  selection of a per-matrix row by a runtime index with a one-hot mask and
  ``Where`` + ``ReduceSum`` (no NaN from other rows leaks in, unlike a one-hot MatMul);
* index/triangle masks as small constants that broadcast against ``(..., m, n)``.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import onnx_ir as ir

from ..converter2.context import ir_shape, ir_type

__all__ = ["i64", "axes", "loop", "swap_last", "take_row", "take_col", "row_ids", "col_ids",
           "select_row", "zeros", "cast", "tri_mask", "as_vector", "real_float_dtype"]


def i64(v) -> np.ndarray:
    return np.asarray(v, dtype=np.int64)


def axes(ctx, *a: int) -> ir.Value:
    return ctx.const(i64(list(a)))


def as_vector(ctx, scalar) -> ir.Value:
    """A rank-0 loop index as a 1-element vector (a Gather index that keeps the axis)."""
    return ctx.op("Unsqueeze", scalar, axes(ctx, 0))


def real_float_dtype(aval, what: str) -> np.dtype:
    """The input's dtype; decompositions take real floating point only (clear error else)."""
    dt = np.dtype(aval.dtype)
    if not np.issubdtype(dt, np.floating):
        raise NotImplementedError(f"{what} of {dt.name} input: only real floating point is supported")
    return dt


def cast(ctx, x, dtype) -> ir.Value:
    return ctx.op("Cast", x, to=ir.DataType.from_numpy(np.dtype(dtype)))


def swap_last(ctx, x, rank: int) -> ir.Value:
    """Transpose of the last two axes of a rank-``rank`` tensor."""
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    return ctx.op("Transpose", x, perm=perm)


def row_ids(m: int) -> np.ndarray:
    """``(m, 1)`` int64 row numbers (compare with an index to get a row mask)."""
    return np.arange(m, dtype=np.int64).reshape(m, 1)


def col_ids(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64).reshape(1, n)


def tri_mask(n: int, lower: bool, strict: bool = False) -> np.ndarray:
    """``(n, n)`` bool mask of the lower/upper triangle (``strict``: without the diagonal)."""
    k = -1 if strict else 0
    return np.tril(np.ones((n, n), bool), k) if lower else np.triu(np.ones((n, n), bool), -k)


def take_row(ctx, x, k1) -> ir.Value:
    """Row ``k1`` (an int64 ``[1]`` value) of ``(..., m, n)`` as ``(..., 1, n)``."""
    return ctx.op("Gather", x, k1, axis=-2)


def take_col(ctx, x, k1) -> ir.Value:
    return ctx.op("Gather", x, k1, axis=-1)


def select_row(ctx, x, mask, dtype) -> ir.Value:
    """The row of ``x`` (``(..., m, n)``) where ``mask`` (``(..., m, 1)``) holds, as ``(..., 1, n)``."""
    picked = ctx.op("Where", mask, x, ctx.const(np.array(0, dtype)))
    return ctx.op("ReduceSum", picked, axes(ctx, -2), keepdims=1)


def zeros(ctx, shape, dtype) -> ir.Value:
    """A zero tensor of ``shape`` (symbolic dims allowed)."""
    return ctx.op("Expand", ctx.const(np.array(0, dtype)), ctx.shape(shape))


def loop(ctx, trip, init: Sequence[ir.Value], avals: Sequence[tuple], body: Callable, name: str,
         cond: ir.Value | None = None) -> list[ir.Value]:
    """One ONNX ``Loop`` over ``trip`` iterations carrying ``init``.

    ``avals`` gives ``(dtype, shape)`` of each carried value (its boundary type).
    ``body(sub, it, *state)`` builds the body in the subcontext ``sub`` (``it`` is the
    int64 iteration number) and returns the new state, or ``(keep_going, state)`` when
    ``cond`` (the initial condition) is given.
    """
    gname = ctx.fresh(name)
    sub = ctx.subcontext(gname)
    sub.eqn, sub.metadata = ctx.eqn, ctx.metadata
    it = ir.Value(name=sub.fresh("k"), type=ir_type(np.int64), shape=ir.Shape([]))
    cond_in = ir.Value(name=sub.fresh("cond_in"), type=ir_type(np.bool_), shape=ir.Shape([]))
    carried = [ir.Value(name=sub.fresh("carry"), type=ir_type(dt), shape=ir_shape(shape)) for dt, shape in avals]
    res = body(sub, it, *carried)
    if cond is None:
        keep, new = sub.op("Identity", cond_in), list(res)
    else:
        keep, new = res[0], list(res[1])
    own = {id(o) for n in sub.tape.nodes for o in n.outputs}
    outs, seen = [], {id(keep)}
    for val, (dt, shape) in zip(new, avals):
        if id(val) not in own or id(val) in seen:
            val = sub.op("Identity", val)
        val.type, val.shape = ir_type(dt), ir_shape(shape)
        seen.add(id(val))
        outs.append(val)
    keep.type, keep.shape = ir_type(np.bool_), ir.Shape([])
    graph = ir.Graph([it, cond_in, *carried], [keep, *outs], nodes=list(sub.tape.nodes), name=gname)
    first = cond if cond is not None else ctx.const(np.array(True))
    res = ctx.op("Loop", trip, first, *init, body=graph, num_outputs=len(init))
    return list(res)
