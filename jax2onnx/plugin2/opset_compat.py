"""Macro ops an older opset lacks, spelled with the ops it has (onnx_ir pipeline).

Each ``*_since`` constant is the first opset whose op the lowerings use as is;
below it the helper here builds the same function from plain ops. (Signature
changes — ``Reduce*`` axes, ``Pad`` axes, ``Shape`` start/end — are handled for
every node in :mod:`jax2onnx.converter2.opset_compat`.)

========================  ======  ===============================================
macro op                  since   below: algorithm (nodes), accuracy
========================  ======  ===============================================
``LayerNormalization``    17      two-pass mean / variance over the trailing axes
                                  (~9 nodes); the same float arithmetic as JAX's
``GroupNormalization``    21      (18's version normalises per group with
                                  per-group scale, a different op) channels-last
                                  ``Reshape [N, S, G, C/G]``, two-pass statistics
                                  over S and C/G, ``Reshape`` back (~12 nodes, no
                                  Transpose)
``RMSNormalization``      23      ``x / sqrt(mean(x²) + eps) * scale`` (~7 nodes)
``Mish``                  18      ``x * tanh(softplus(x))`` (lowering's own
                                  decomposition)
``Gelu``                  20      erf / tanh formula (lowering's own)
``Attention``             23      MatMul-Softmax-MatMul (lowering's own)
``BitwiseAnd/Or/Xor/Not`` 18      bit planes along a new axis, combined and summed
                                  back (:mod:`jax2onnx.plugin2.float_bits`); exact
``ScatterND`` reductions  16/18   add/mul 16, max/min 18: a Loop over index rows
``ReduceLogSumExp``       <28     from 28 ORT runs the overflowing function body:
                                  stable max-shifted formula instead
========================  ======  ===============================================
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

__all__ = ["LAYER_NORM_SINCE", "GROUP_NORM_SINCE", "RMS_NORM_SINCE", "ATTENTION_SINCE", "GELU_SINCE",
           "MISH_SINCE", "BITWISE_SINCE", "normalize", "group_norm_nhwc", "bitwise", "scatter_nd",
           "reduce_logsumexp"]

LAYER_NORM_SINCE = 17
GROUP_NORM_SINCE = 21
RMS_NORM_SINCE = 23
ATTENTION_SINCE = 23
GELU_SINCE = 20
MISH_SINCE = 18
BITWISE_SINCE = 18


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


def _c(ctx, value, dtype):
    return ctx.const(np.array(value, dtype=dtype))


def normalize(ctx, x, axes, epsilon, dtype, scale=None, bias=None, *, center=True):
    """``(x - mean) / sqrt(var + eps) * scale + bias`` over ``axes`` (``center=False``:
    the RMS variant, ``x / sqrt(mean(x²) + eps)``)."""
    ax = _axes(ctx, axes)
    if center:
        x = ctx.op("Sub", x, ctx.op("ReduceMean", x, ax, keepdims=1))
    var = ctx.op("ReduceMean", ctx.op("Mul", x, x), ax, keepdims=1)
    y = ctx.op("Div", x, ctx.op("Sqrt", ctx.op("Add", var, _c(ctx, epsilon, dtype))))
    if scale is not None:
        y = ctx.op("Mul", y, scale)
    if bias is not None:
        y = ctx.op("Add", y, bias)
    return y


def group_norm_nhwc(ctx, x, shape, num_groups, epsilon, dtype, scale, bias):
    """Group normalisation of channels-last ``x`` (``shape`` = its aval shape)."""
    channels = int(shape[-1])
    if len(shape) == 2:
        grouped = ctx.op("Reshape", x, ctx.const(np.array([0, 1, num_groups, channels // num_groups], np.int64)))
    else:
        grouped = ctx.op("Reshape", x, ctx.const(np.array([0, -1, num_groups, channels // num_groups], np.int64)))
    y = normalize(ctx, grouped, (1, 3), epsilon, dtype)
    y = ctx.op("Reshape", y, ctx.shape(shape))
    return ctx.op("Add", ctx.op("Mul", y, scale), bias)


# ---- bitwise ops before opset 18 ---------------------------------------------------------------
_BITWISE_KIND = {"BitwiseAnd": "and", "BitwiseOr": "or", "BitwiseXor": "xor"}


def bitwise(ctx, op: str, *xs, dtype):
    """``BitwiseAnd/Or/Xor/Not`` of integer tensors of ``dtype`` at any opset (below 18:
    the bit-plane spelling of :mod:`jax2onnx.plugin2.float_bits`)."""
    dtype = np.dtype(dtype)
    if ctx.opset >= BITWISE_SINCE:
        return ctx.op(op, *xs)
    from . import float_bits

    if op == "BitwiseNot":
        return float_bits.not_fallback(ctx, xs[0], dtype)
    return float_bits.bitwise_fallback(ctx, _BITWISE_KIND[op], *xs, dtype)


# ---- reducing scatters before opsets 16 (add, mul) and 18 (max, min) -----------------------------
#: first opset whose ScatterND / ScatterElements take each ``reduction``
SCATTER_REDUCTION_SINCE = {"add": 16, "mul": 16, "max": 18, "min": 18}
_SCATTER_COMBINE = {"add": "Add", "mul": "Mul", "max": "Max", "min": "Min"}


def scatter_nd(ctx, data, indices, updates, reduction, *, dtype, index_depth: int):
    """``ScatterND(data, indices, updates, reduction)`` at any opset.

    Below the reduction's opset: a ``Loop`` over the index rows, each step gathering
    the current value, combining it with its update and writing it back with a plain
    ScatterND (~10 nodes; one step per row, so duplicate indices accumulate exactly as
    the reducing op does). ``index_depth``: the last dim of ``indices`` (static).
    """
    if reduction in (None, "none"):
        return ctx.op("ScatterND", data, indices, updates)
    if ctx.opset >= SCATTER_REDUCTION_SINCE[reduction]:
        return ctx.op("ScatterND", data, indices, updates, reduction=reduction)
    i64 = np.int64
    rows = ctx.op("Reshape", indices, ctx.const(np.array([-1, index_depth], i64)))
    tail = ctx.op("Shape", data, start=index_depth)
    upd = ctx.op("Reshape", updates, ctx.op("Concat", ctx.const(np.array([-1], i64)), tail, axis=0))
    trip = ctx.op("Squeeze", ctx.op("Shape", rows, start=0, end=1), ctx.const(np.array([0], i64)))
    name = ctx.fresh("scatter_reduce_body")
    sub = ctx.subcontext(name)
    it = ir.Value(name=sub.fresh("iter"), type=ir.TensorType(ir.DataType.INT64), shape=ir.Shape([]))
    cond_in = ir.Value(name=sub.fresh("cond_in"), type=ir.TensorType(ir.DataType.BOOL), shape=ir.Shape([]))
    acc_type = ir.TensorType(ir.DataType.from_numpy(np.dtype(dtype)))
    acc = ir.Value(name=sub.fresh("acc"), type=acc_type)
    zero = sub.const(np.array([0], i64))
    where = sub.op("Unsqueeze", sub.op("Gather", rows, it, axis=0), zero)  # [1, depth]
    value = sub.op("Unsqueeze", sub.op("Gather", upd, it, axis=0), zero)  # [1, *tail]
    combined = sub.op(_SCATTER_COMBINE[reduction], sub.op("GatherND", acc, where), value)
    new = sub.op("ScatterND", acc, where, combined)
    new.type = acc_type
    cond_out = sub.op("Identity", cond_in)
    cond_out.type = ir.TensorType(ir.DataType.BOOL)
    cond_out.shape = ir.Shape([])
    body = ir.Graph([it, cond_in, acc], [cond_out, new], nodes=list(sub.tape.nodes), name=name)
    (out,) = ctx.op("Loop", trip, ctx.const(np.array(True)), data, body=body, num_outputs=1)
    return out


# ---- ReduceLogSumExp from opset 28 -----------------------------------------------------------------
#: from this opset on onnxruntime 1.32 has no ReduceLogSumExp kernel and runs the
#: schema's function body, log(sum(exp(x))), which overflows for large x
LOGSUMEXP_KERNEL_BEFORE = 28


def reduce_logsumexp(ctx, x, axes, keepdims: bool, dtype):
    """``ReduceLogSumExp`` over constant ``axes``; from opset 28 the stable
    ``m + log(sum(exp(x - m)))`` with ``m`` the (finite-guarded) max (7 nodes)."""
    ax = _axes(ctx, axes)
    if ctx.opset < LOGSUMEXP_KERNEL_BEFORE:
        return ctx.op("ReduceLogSumExp", x, ax, keepdims=int(keepdims))
    m = ctx.op("ReduceMax", x, ax, keepdims=1)
    m = ctx.op("Where", ctx.op("IsInf", m), _c(ctx, 0, dtype), m)  # all -inf / +inf rows
    s = ctx.op("ReduceSum", ctx.op("Exp", ctx.op("Sub", x, m)), ax, keepdims=int(keepdims))
    if not keepdims:
        m = ctx.op("Squeeze", m, ax)
    return ctx.op("Add", ctx.op("Log", s), m)
