"""dot_general (legacy pipeline): Einsum in general, MatMul for (..., k) @ (k, n)."""

from __future__ import annotations

import string

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"


def _equation(lhs_rank, rhs_rank, lc, rc, lb, rb) -> str:
    pool = list(string.ascii_lowercase + string.ascii_uppercase)
    lhs = pool[:lhs_rank]
    rest = iter(pool[lhs_rank:])
    rhs = []
    for i in range(rhs_rank):
        if i in rc:
            rhs.append(lhs[lc[list(rc).index(i)]])
        elif i in rb:
            rhs.append(lhs[lb[list(rb).index(i)]])
        else:
            rhs.append(next(rest))
    out = [lhs[i] for i in lb] + [c for i, c in enumerate(lhs) if i not in lc and i not in lb]
    out += [c for i, c in enumerate(rhs) if i not in rc and i not in rb]
    return "".join(lhs) + "," + "".join(rhs) + "->" + "".join(out)


@register(PIPELINE, "dot_general")
def dot_general(ctx, eqn):
    lhs, rhs = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    la, ra = (v.aval for v in eqn.invars)
    out_dtype = np.dtype(eqn.outvars[0].aval.dtype)
    if np.dtype(la.dtype) != out_dtype:
        lhs = ctx.node1("Cast", [lhs], to=onnx_elem_type(out_dtype))
    if np.dtype(ra.dtype) != out_dtype:
        rhs = ctx.node1("Cast", [rhs], to=onnx_elem_type(out_dtype))
    lr, rr = len(la.shape), len(ra.shape)
    plain = not lb and not rb and list(lc) == [lr - 1] and list(rc) == [0] and rr in (1, 2)
    if plain:
        ctx.node("MatMul", [lhs, rhs], [out])
    else:
        ctx.node("Einsum", [lhs, rhs], [out], equation=_equation(lr, rr, list(lc), list(rc), list(lb), list(rb)))
