"""dot_general (legacy pipeline): MatMul/Gemm where :mod:`..plugin.dot_layout` finds one, Einsum otherwise.

Operands are cast to the output dtype (``preferred_element_type``); dtypes with no ORT
MatMul/Einsum kernel are multiplied in a wider type and cast back (integers wrap like
JAX).
"""

from __future__ import annotations

import numpy as np

from ..plugin.dot_layout import einsum_equation, is_matmul, tensordot_plan
from ..plugin.dtypes import ORT_KERNEL_DTYPE, onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"

#: dtype name -> dtype the product is computed in (ORT kernel coverage)
_WIDER = ORT_KERNEL_DTYPE["MatMul"]


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
    plan = tensordot_plan(la.shape, ra.shape, lc, rc, lb, rb, work.name)
    if is_matmul(lr, rr, lc, rc, lb, rb):
        ctx.node("MatMul", [lhs, rhs], [target])
    elif plan is not None:
        _tensordot(ctx, lhs, rhs, plan, target)
    else:
        ctx.node("Einsum", [lhs, rhs], [target], equation=einsum_equation(lr, rr, lc, rc, lb, rb))
    if work != out_dtype:
        ctx.node("Cast", [target], [out], to=onnx_elem_type(out_dtype))


def _tensordot(ctx, lhs, rhs, plan, target) -> None:
    """MatMul or Gemm(transB) between Reshapes, written to ``target``."""
    def reshape(x, shape, out=None):
        if shape is None:
            return x
        shape_name = ctx.const(np.array(shape, np.int64))
        return ctx.node("Reshape", [x, shape_name], [out])[0] if out else ctx.node1("Reshape", [x, shape_name])

    lhs, rhs = reshape(lhs, plan.lhs_target), reshape(rhs, plan.rhs_target)
    product = target if plan.out_target is None else ctx.fresh("dot")
    attrs = {"transB": 1} if plan.op == "Gemm" else {}
    ctx.node(plan.op, [lhs, rhs], [product], **attrs)
    reshape(product, plan.out_target, target)
