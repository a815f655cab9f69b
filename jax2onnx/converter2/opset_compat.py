"""Signature changes across opsets, applied where every node is made (``IrContext.op``).

Lowerings write each op once, in its newest signature; when the target opset is
older, :func:`legalize` rewrites the node into that opset's spelling:

========================  =====================================================
op                        before the opset that changed it
========================  =====================================================
``Reduce*`` (not Sum)     < 18: ``axes`` is an attribute (the lowering's constant
                          ``axes`` input becomes it); ``noop_with_empty_axes`` dropped
``Pad``                   < 18: no ``axes`` input: the pads are spread over the
                          input's full rank (rank and axes must be static)
``Shape``                 < 15: no ``start``/``end``: ``Shape`` then ``Slice``
``Reshape``               < 14: no ``allowzero`` (dropped; a constant target with 0 is an error)
``Cast``                  < 19: no ``saturate`` attribute
========================  =====================================================

Macro ops an opset lacks (``LayerNormalization`` < 17, ``GroupNormalization`` < 21,
``RMSNormalization``/``Attention`` < 23, ``Gelu`` < 20, ``Mish`` and ``Bitwise*`` < 18)
need the lowering's dtypes and shapes: they are decomposed by the lowerings, see
:mod:`jax2onnx.plugin2.opset_compat`.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

__all__ = ["legalize", "REDUCE_AXES_AS_INPUT", "SHAPE_START_END"]

#: first opset whose Reduce* (ReduceSum excepted: 13) take ``axes`` as an input
REDUCE_AXES_AS_INPUT = 18
#: first opset whose ``Shape`` has ``start``/``end``
SHAPE_START_END = 15

_REDUCE_ATTR_AXES = frozenset({
    "ReduceMax", "ReduceMin", "ReduceProd", "ReduceMean", "ReduceL1", "ReduceL2",
    "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
})


def _const_ints(value: ir.Value | None, what: str) -> list[int]:
    tensor = None if value is None else value.const_value
    if tensor is None:
        raise NotImplementedError(f"{what} must be a constant below this opset (it is computed at runtime)")
    return [int(v) for v in np.asarray(tensor.numpy()).reshape(-1)]


def legalize(ctx, op_type: str, inputs: list, attrs: dict, domain: str, rank: int | None = None):
    """``None`` when the node is valid at ``ctx.opset`` as written, else the
    replacement's output (the caller returns it unchanged). ``rank``: the first
    input's rank when the lowering knows it (``ctx.op(..., _rank=r)``)."""
    if domain:
        return None
    opset = ctx.opset
    if op_type in _REDUCE_ATTR_AXES and opset < REDUCE_AXES_AS_INPUT:
        attrs = dict(attrs)
        attrs.pop("noop_with_empty_axes", None)
        if len(inputs) > 1 and inputs[1] is not None:
            attrs["axes"] = _const_ints(inputs[1], f"{op_type} axes")
        return ctx.op(op_type, inputs[0], **attrs, _legal=True)
    if op_type == "Pad" and opset < 18 and len(inputs) > 3 and inputs[3] is not None:
        return _pad_full_rank(ctx, inputs, attrs, rank)
    if op_type == "Shape" and opset < SHAPE_START_END and ("start" in attrs or "end" in attrs):
        attrs = dict(attrs)
        start, end = attrs.pop("start", 0), attrs.pop("end", None)
        shape = ctx.op("Shape", inputs[0], _legal=True)
        return shape_slice(ctx, shape, start, end)
    if op_type == "Reshape" and opset < 14 and "allowzero" in attrs:
        attrs = dict(attrs)
        # allowzero=1 differs only where the target holds a 0 (a zero-size dim); a
        # runtime target is assumed to hold none (zero-size symbolic dims need 14+)
        target = inputs[1].const_value if len(inputs) > 1 and inputs[1] is not None else None
        if attrs.pop("allowzero") and target is not None and 0 in np.asarray(target.numpy()).reshape(-1):
            raise NotImplementedError("Reshape to a shape with a 0 (a zero-size dim) needs opset >= 14")
        return ctx.op("Reshape", *inputs, **attrs, _legal=True)
    if op_type == "Cast" and opset < 19 and "saturate" in attrs:
        attrs = dict(attrs)
        attrs.pop("saturate")
        return ctx.op("Cast", *inputs, **attrs, _legal=True)
    return None


def shape_slice(ctx, shape: ir.Value, start: int, end: int | None) -> ir.Value:
    """``shape[start:end]`` of a 1-D int64 shape tensor (``Shape(start, end)`` before 15)."""
    big = np.iinfo(np.int64).max
    return ctx.op("Slice", shape, ctx.const(np.array([start], np.int64)),
                  ctx.const(np.array([big if end is None else end], np.int64)), _legal=True)


def _pad_full_rank(ctx, inputs, attrs, rank):
    x, pads, fill, axes_v = inputs[0], inputs[1], inputs[2], inputs[3]
    if rank is None and x.shape is not None:
        rank = len(x.shape)
    if rank is None:  # a lowering bug, not a user error
        raise NotImplementedError("Pad with axes below opset 18 needs the input's rank: "
                                  "pass ctx.op('Pad', ..., _rank=r)")
    axes = [a % rank for a in _const_ints(axes_v, "Pad axes")]
    k = len(axes)
    if pads.const_value is not None:
        given = _const_ints(pads, "Pad pads")
        full = [0] * (2 * rank)
        for i, a in enumerate(axes):
            full[a], full[rank + a] = given[i], given[k + i]
        new_pads = ctx.const(np.array(full, np.int64))
    else:  # runtime pads: scatter them into zeros of length 2*rank
        where = np.array([[a] for a in axes] + [[rank + a] for a in axes], np.int64)
        new_pads = ctx.op("ScatterND", ctx.const(np.zeros(2 * rank, np.int64)), ctx.const(where), pads,
                          _legal=True)
    return ctx.op("Pad", x, new_pads, *([fill] if fill is not None else []), **attrs, _legal=True)
