"""dot_general (onnx_ir pipeline): MatMul for the standard layouts, Einsum otherwise."""

from __future__ import annotations

import string

import numpy as np

from ..plugin.registry import register

PIPELINE = "onnx_ir"


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
def dot_general(ctx, lhs, rhs, *, dimension_numbers, preferred_element_type=None, **_):
    (lc, rc), (lb, rb) = dimension_numbers
    la, ra = ctx.in_avals
    out_dtype = np.dtype(ctx.out_avals[0].dtype)
    if np.dtype(la.dtype) != out_dtype:
        lhs = ctx.op("Cast", lhs, to=ctx.dtype_of(ctx.out_avals[0]))
    if np.dtype(ra.dtype) != out_dtype:
        rhs = ctx.op("Cast", rhs, to=ctx.dtype_of(ctx.out_avals[0]))
    lr, rr = len(la.shape), len(ra.shape)
    if _is_matmul(lr, rr, lc, rc, lb, rb):
        return ctx.op("MatMul", lhs, rhs)
    return ctx.op("Einsum", lhs, rhs, equation=einsum_equation(lr, rr, lc, rc, lb, rb))
