"""dot_general (onnx_ir pipeline): MatMul/Gemm for the layouts of :mod:`..plugin.dot_layout`, Einsum otherwise.

Operands are cast to the output dtype first (``preferred_element_type`` such as
int8 x int8 -> int32 or f16 x f16 -> f32); dtypes without an ORT MatMul/Einsum kernel
(int8/int16/uint8/uint16/bool, uint32/uint64, bfloat16) are computed in a wider type
and cast back, which wraps exactly like JAX for integers.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.dot_layout import einsum_equation, is_matmul, tensordot_plan
from ..plugin.dtypes import ORT_KERNEL_DTYPE
from ..plugin.registry import register

PIPELINE = "onnx_ir"

#: dtype name -> the dtype the product is computed in
_COMPUTE = ORT_KERNEL_DTYPE["MatMul"]


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
    plan = tensordot_plan(la.shape, ra.shape, lc, rc, lb, rb, compute.name)
    if is_matmul(lr, rr, lc, rc, lb, rb):
        y = ctx.op("MatMul", lhs, rhs)
    elif plan is not None:
        y = _tensordot(ctx, lhs, rhs, plan)
    else:
        y = ctx.op("Einsum", lhs, rhs, equation=einsum_equation(lr, rr, lc, rc, lb, rb))
    if compute != out_dtype:
        y = ctx.op("Cast", y, to=ir.DataType.from_numpy(out_dtype))
    return y


def _tensordot(ctx, lhs, rhs, plan):
    """MatMul or Gemm(transB) between Reshapes, as :func:`tensordot_plan` laid out."""
    def reshape(x, target):
        return x if target is None else ctx.op("Reshape", x, ctx.const(np.array(target, np.int64)))

    lhs, rhs = reshape(lhs, plan.lhs_target), reshape(rhs, plan.rhs_target)
    y = ctx.op("Gemm", lhs, rhs, transB=1) if plan.op == "Gemm" else ctx.op("MatMul", lhs, rhs)
    return reshape(y, plan.out_target)
