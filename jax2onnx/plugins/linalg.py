"""dot_general (legacy pipeline): MatMul where ONNX MatMul is exact, Einsum otherwise.

Operands are cast to the output dtype (``preferred_element_type``); dtypes with no ORT
MatMul/Einsum kernel are multiplied in a wider type and cast back (integers wrap like
JAX).
"""

from __future__ import annotations

import string

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"

#: dtype name -> dtype the product is computed in (ORT kernel coverage)
_WIDER = {
    "bool": np.int32, "int8": np.int32, "int16": np.int32, "uint8": np.int32, "uint16": np.int32,
    "uint32": np.int64, "uint64": np.int64, "bfloat16": np.float32,
}


def _equation(lhs_rank, rhs_rank, lc, rc, lb, rb) -> str:
    pool = list(string.ascii_lowercase + string.ascii_uppercase)
    if lhs_rank + rhs_rank > len(pool):
        raise NotImplementedError(f"dot_general with {lhs_rank + rhs_rank} axes exceeds Einsum's letters")
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


def _matmul_ok(lr, rr, lc, rc, lb, rb) -> bool:
    """Whether ONNX MatMul's broadcasting semantics equal this dot_general."""
    nb = len(lb)
    if list(lb) != list(range(nb)) or list(rb) != list(range(nb)):
        return False
    if list(lc) != [lr - 1] or list(rc) != [nb]:
        return False
    if nb == 0:
        return rr in (1, 2)  # (..., k) @ (k[, n])
    return lr == rr == nb + 2  # stacked matrices with identical leading batch dims


@register(PIPELINE, "dot_general")
def dot_general(ctx, eqn):
    """Lower dot_general; the output aval's dtype carries ``preferred_element_type``."""
    lhs, rhs = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    la, ra = (v.aval for v in eqn.invars)
    out_dtype = np.dtype(eqn.outvars[0].aval.dtype)
    work = np.dtype(_WIDER.get(out_dtype.name, out_dtype))
    if np.dtype(la.dtype) != work:
        lhs = ctx.node1("Cast", [lhs], to=onnx_elem_type(work))
    if np.dtype(ra.dtype) != work:
        rhs = ctx.node1("Cast", [rhs], to=onnx_elem_type(work))
    lr, rr = len(la.shape), len(ra.shape)
    target = out if work == out_dtype else ctx.fresh("dot")
    if _matmul_ok(lr, rr, list(lc), list(rc), list(lb), list(rb)):
        ctx.node("MatMul", [lhs, rhs], [target])
    else:
        ctx.node("Einsum", [lhs, rhs], [target], equation=_equation(lr, rr, list(lc), list(rc), list(lb), list(rb)))
    if work != out_dtype:
        ctx.node("Cast", [target], [out], to=onnx_elem_type(out_dtype))
