"""dot_general (onnx_ir pipeline): MatMul for the standard layouts, Einsum otherwise.

Operands are cast to the output dtype first (``preferred_element_type`` such as
int8 x int8 -> int32 or f16 x f16 -> f32); dtypes without an ORT MatMul/Einsum kernel
(int8/int16/uint8/uint16/bool, uint32/uint64, bfloat16) are computed in a wider type
and cast back, which wraps exactly like JAX for integers.
"""

from __future__ import annotations

import string

import numpy as np
import onnx_ir as ir

from ..plugin.registry import register

PIPELINE = "onnx_ir"

#: dtype name -> the dtype the product is computed in
_COMPUTE = {
    "bool": np.int32, "int8": np.int32, "int16": np.int32, "uint8": np.int32, "uint16": np.int32,
    "uint32": np.int64, "uint64": np.int64, "bfloat16": np.float32,
}


def _is_matmul(lhs_rank, rhs_rank, lc, rc, lb, rb) -> bool:
    """True when ONNX MatMul (with its broadcasting) computes exactly this dot_general."""
    nb = len(lb)
    if tuple(lb) != tuple(range(nb)) or tuple(rb) != tuple(range(nb)) or len(lc) != 1:
        return False
    if lc[0] != lhs_rank - 1 or rc[0] != nb:
        return False
    if nb == 0:  # (..., k) @ (k,) or (k, n): leading lhs dims broadcast like dot_general
        return rhs_rank in (1, 2)
    return lhs_rank == nb + 2 and rhs_rank == nb + 2


def einsum_equation(lhs_rank, rhs_rank, lc, rc, lb, rb) -> str:
    """The Einsum equation of a dot_general: batch dims, then free lhs, then free rhs."""
    if lhs_rank + rhs_rank > len(string.ascii_letters):
        raise NotImplementedError(f"dot_general with {lhs_rank + rhs_rank} axes exceeds Einsum's letters")
    letters = iter(string.ascii_letters)
    lhs = [next(letters) for _ in range(lhs_rank)]
    rhs = [None] * rhs_rank
    for l, r in zip(lc, rc):
        rhs[r] = lhs[l]
    for l, r in zip(lb, rb):
        rhs[r] = lhs[l]
    rhs = [c if c is not None else next(letters) for c in rhs]
    out = [lhs[i] for i in lb]
    out += [lhs[i] for i in range(lhs_rank) if i not in lc and i not in lb]
    out += [rhs[i] for i in range(rhs_rank) if i not in rc and i not in rb]
    return f"{''.join(lhs)},{''.join(rhs)}->{''.join(out)}"


@register(PIPELINE, "dot_general")
def dot_general(ctx, lhs, rhs, *, dimension_numbers, **_):
    """Lower dot_general; ``preferred_element_type`` is the output aval's dtype."""
    (lc, rc), (lb, rb) = dimension_numbers
    la, ra = ctx.in_avals
    out_dtype = np.dtype(ctx.out_avals[0].dtype)
    compute = np.dtype(_COMPUTE.get(out_dtype.name, out_dtype))
    to = ir.DataType.from_numpy(compute)
    if np.dtype(la.dtype) != compute:
        lhs = ctx.op("Cast", lhs, to=to)
    if np.dtype(ra.dtype) != compute:
        rhs = ctx.op("Cast", rhs, to=to)
    lr, rr = len(la.shape), len(ra.shape)
    if _is_matmul(lr, rr, lc, rc, lb, rb):
        y = ctx.op("MatMul", lhs, rhs)
    else:
        y = ctx.op("Einsum", lhs, rhs, equation=einsum_equation(lr, rr, lc, rc, lb, rb))
    if compute != out_dtype:
        y = ctx.op("Cast", y, to=ir.DataType.from_numpy(out_dtype))
    return y
