"""Output types of the helper nodes lowerings create most often, computed in Python.

Most untyped values are helpers inside one lowering — the ``Transpose`` around a
``Conv``, the ``IsNaN`` of a NaN-aware max, a ``Reshape`` to a constant target.
ONNX's own per-node inference types them too, but through a protobuf round trip
per node (~0.5 ms each); these rules cost microseconds. A rule returns ``None``
whenever it is not certain (an unknown input type, a symbolic dim it cannot
resolve, a data-dependent shape), and :mod:`.typing` then asks ONNX.

>>> import onnx_ir as ir
>>> broadcast([ir.Shape(["B", 1, 4]), ir.Shape([3, 1])])
Shape([SymbolicDim('B'), 3, 4])
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import onnx_ir as ir

__all__ = ["infer", "broadcast"]

_BOOL = ir.DataType.BOOL
_INT64 = ir.DataType.INT64


def _same_dim(a, b) -> bool:
    if isinstance(a, int) or isinstance(b, int):
        return a == b
    return a.value is not None and a.value == b.value


def _unknown(d) -> bool:
    return not isinstance(d, int) and d.value is None


def broadcast(shapes: list[ir.Shape]) -> ir.Shape | None:
    """Numpy broadcasting of ``shapes``; ``None`` when a symbolic dim meets another dim ≠ 1."""
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dim = 1
        for s in shapes:
            j = i - (rank - len(s))
            if j < 0:
                continue
            d = s.dims[j]
            if isinstance(d, int) and d == 1:
                continue
            if isinstance(dim, int) and dim == 1:
                dim = d
            elif _same_dim(dim, d):
                continue
            elif _unknown(d) and isinstance(dim, int):
                continue  # an unknown dim broadcast with k > 1 is k (or the model is invalid)
            elif _unknown(dim) and (isinstance(d, int) or _unknown(d)):
                dim = d
            else:
                return None
        out.append(dim)
    return ir.Shape(out)


def _attr(node: ir.Node, name: str, default=None):
    a = node.attributes.get(name)
    return default if a is None else a.value


def _const_ints(v: ir.Value | None):
    t = None if v is None else v.const_value
    if t is None or t.size > 64:
        return None
    return [int(x) for x in np.asarray(t.numpy()).reshape(-1)]


Rule = Callable[[ir.Node, list], "tuple[ir.DataType, ir.Shape] | None"]


def _unary(node, ins):
    x = ins[0]
    return x.dtype, x.shape


def _predicate(node, ins):
    return _BOOL, ins[0].shape


def _cast(node, ins):
    return ir.DataType(_attr(node, "to")), ins[0].shape


def _elementwise(dtype_from: int | None):
    def rule(node, ins):
        shape = broadcast([v.shape for v in ins])
        if shape is None:
            return None
        return (_BOOL if dtype_from is None else ins[dtype_from].dtype), shape
    return rule


def _transpose(node, ins):
    dims = ins[0].shape.dims
    perm = _attr(node, "perm") or list(reversed(range(len(dims))))
    return ins[0].dtype, ir.Shape([dims[p] for p in perm])


def _matmul(node, ins):
    a, b = (list(v.shape.dims) for v in ins)
    if not a or not b:
        return None
    a1, b1 = len(a) == 1, len(b) == 1
    a = [1] + a if a1 else a
    b = b + [1] if b1 else b
    if not _same_dim(a[-1], b[-2]):
        return None
    batch = broadcast([ir.Shape(a[:-2]), ir.Shape(b[:-2])]) if len(a) > 2 or len(b) > 2 else ir.Shape([])
    if batch is None:
        return None
    dims = list(batch.dims) + ([] if a1 else [a[-2]]) + ([] if b1 else [b[-1]])
    return ins[0].dtype, ir.Shape(dims)


def _shape(node, ins):
    rank = len(ins[0].shape)
    start, end = _attr(node, "start", 0), _attr(node, "end", rank)
    return _INT64, ir.Shape([len(range(rank)[slice(start, end)])])


def _concat(node, ins):
    rank = len(ins[0].shape)
    axis = _attr(node, "axis") % rank
    total = 0
    for v in ins:
        d = v.shape.dims[axis]
        if not isinstance(d, int):
            return None
        total += d
    dims = list(ins[0].shape.dims)
    for v in ins[1:]:
        if any(i != axis and not _same_dim(a, b) for i, (a, b) in enumerate(zip(dims, v.shape.dims))):
            return None
    dims[axis] = total
    return ins[0].dtype, ir.Shape(dims)


def _unsqueeze(node, ins):
    axes = _const_ints(node.inputs[1]) if len(node.inputs) > 1 else None
    if axes is None:
        return None
    rank = len(ins[0].shape) + len(axes)
    axes = sorted(a % rank for a in axes)
    dims = list(ins[0].shape.dims)
    for a in axes:
        dims.insert(a, 1)
    return ins[0].dtype, ir.Shape(dims)


def _squeeze(node, ins):
    dims = list(ins[0].shape.dims)
    if len(node.inputs) < 2 or node.inputs[1] is None:
        return None
    axes = _const_ints(node.inputs[1])
    if axes is None:
        return None
    drop = {a % len(dims) for a in axes}
    return ins[0].dtype, ir.Shape([d for i, d in enumerate(dims) if i not in drop])


def _shape_value(v: ir.Value | None, depth: int = 0):
    """The dims a 1-D int64 shape tensor holds: a constant, ``Shape(x)[start:end]`` of a
    typed ``x`` (symbolic dims included), or a ``Concat`` of those; else ``None``."""
    if v is None or depth > 4:
        return None
    ints = _const_ints(v)
    if ints is not None:
        return ints
    p = v.producer()
    if p is None or p.domain != "":
        return None
    if p.op_type == "Shape" and p.inputs[0] is not None and p.inputs[0].shape is not None:
        dims = list(p.inputs[0].shape.dims)
        part = dims[slice(_attr(p, "start", 0), _attr(p, "end", len(dims)))]
        return None if any(not isinstance(d, int) and d.value is None for d in part) else part
    if p.op_type == "Concat":
        out = []
        for piece in p.inputs:
            dims = _shape_value(piece, depth + 1)
            if dims is None:
                return None
            out.extend(dims)
        return out
    return None


def _reshape(node, ins):
    target = _shape_value(node.inputs[1])
    if target is None:
        return None
    src = list(ins[0].shape.dims)
    allowzero = _attr(node, "allowzero", 0)
    dims = [src[i] if (isinstance(t, int) and t == 0 and not allowzero) else t for i, t in enumerate(target)]
    holes = [i for i, d in enumerate(dims) if isinstance(d, int) and d == -1]
    if holes:
        inferred = _infer_hole(src, [d for i, d in enumerate(dims) if i != holes[0]])
        if inferred is None:
            return None
        dims[holes[0]] = inferred
    return ins[0].dtype, ir.Shape(dims)


def _infer_hole(src: list, rest: list):
    """The dim ``-1`` stands for: ``prod(src) / prod(rest)``, when that is an int or one symbol."""
    if any(_unknown(d) for d in src):
        return ir.SymbolicDim(None)
    syms = [d.value for d in src if not isinstance(d, int)]
    for d in rest:
        if isinstance(d, int):
            continue
        if d.value not in syms:
            return None
        syms.remove(d.value)
    num = int(np.prod([d for d in src if isinstance(d, int)], dtype=np.int64))
    den = int(np.prod([d for d in rest if isinstance(d, int)], dtype=np.int64))
    if den == 0 or num % den:
        return None
    if not syms:
        return num // den
    if len(syms) == 1 and num == den and syms[0] is not None:
        return ir.SymbolicDim(syms[0])
    return ir.SymbolicDim(None)  # e.g. 8*B: a dim no name says (ONNX's inference says no more)


def _reduce(node, ins):
    dims = list(ins[0].shape.dims)
    if len(node.inputs) > 1 and node.inputs[1] is not None:
        axes = _const_ints(node.inputs[1])
        if axes is None:
            return None
    else:
        axes = _attr(node, "axes")
    if not axes:
        if _attr(node, "noop_with_empty_axes", 0):
            return ins[0].dtype, ins[0].shape
        axes = list(range(len(dims)))
    red = {a % len(dims) for a in axes} if dims else set()
    keep = _attr(node, "keepdims", 1)
    out = [1 if i in red else d for i, d in enumerate(dims)] if keep else [d for i, d in enumerate(dims) if i not in red]
    return ins[0].dtype, ir.Shape(out)


def _spatial_out(node, dims_in, kernel):
    """Output spatial dims of a Conv/pool window (NOTSET padding; None if a dim is symbolic)."""
    if _attr(node, "auto_pad", "NOTSET") not in ("NOTSET", b"NOTSET"):
        return None
    n = len(kernel)
    strides = _attr(node, "strides") or [1] * n
    dilations = _attr(node, "dilations") or [1] * n
    pads = _attr(node, "pads") or [0] * (2 * n)
    ceil = _attr(node, "ceil_mode", 0)
    out = []
    for i in range(n):
        d = dims_in[i]
        if not isinstance(d, int):
            return None
        span = d + pads[i] + pads[i + n] - (dilations[i] * (kernel[i] - 1) + 1)
        q = -(-span // strides[i]) if ceil else span // strides[i]
        out.append(q + 1)
    return out


def _conv(node, ins):
    x, w = ins[0].shape.dims, ins[1].shape.dims
    kernel = _attr(node, "kernel_shape") or list(w[2:])
    if not all(isinstance(k, int) for k in kernel):
        return None
    spatial = _spatial_out(node, x[2:], kernel)
    return None if spatial is None else (ins[0].dtype, ir.Shape([x[0], w[0], *spatial]))


def _pool(node, ins):
    x = ins[0].shape.dims
    spatial = _spatial_out(node, x[2:], _attr(node, "kernel_shape"))
    return None if spatial is None else (ins[0].dtype, ir.Shape([x[0], x[1], *spatial]))


def _attention(node, ins):
    q, v = ins[0].shape.dims, ins[2].shape.dims
    if len(q) != 4 or len(v) != 4:  # the 3-D (packed heads) form needs the head attributes
        return None
    return ins[0].dtype, ir.Shape([q[0], q[1], q[2], v[3]])


def _gather(node, ins):
    data, idx = list(ins[0].shape.dims), list(ins[1].shape.dims)
    axis = _attr(node, "axis", 0) % len(data)
    return ins[0].dtype, ir.Shape(data[:axis] + idx + data[axis + 1:])


def _expand(node, ins):
    target = _shape_value(node.inputs[1])
    if target is None:
        return None
    shape = broadcast([ins[0].shape, ir.Shape(target)])
    return None if shape is None else (ins[0].dtype, shape)


_UNARY = ("Neg", "Abs", "Sqrt", "Exp", "Log", "Relu", "Sigmoid", "Tanh", "Erf", "Floor", "Ceil", "Round",
          "Reciprocal", "Softmax", "LogSoftmax", "Identity", "Sign", "Sin", "Cos", "Tan", "Not", "Gelu",
          "Softplus", "Elu", "LeakyRelu", "HardSigmoid", "BitwiseNot", "Asin", "Acos", "Atan", "Sinh",
          "Cosh", "Asinh", "Acosh", "Atanh", "BatchNormalization", "LayerNormalization",
          "RMSNormalization", "GroupNormalization", "InstanceNormalization")
_ARITH = ("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "BitwiseAnd", "BitwiseOr", "BitwiseXor",
          "BitShift", "PRelu")
_COMPARE = ("Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor")
_REDUCE = ("ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceMean", "ReduceL2", "ReduceLogSumExp",
           "ReduceSumSquare", "ReduceL1")

#: op type -> rule; every input must be typed and every output single
RULES: dict[str, Rule] = {
    **{op: _unary for op in _UNARY},
    **{op: _elementwise(0) for op in _ARITH},
    **{op: _elementwise(None) for op in _COMPARE},
    **{op: _reduce for op in _REDUCE},
    "IsNaN": _predicate, "IsInf": _predicate,
    "Cast": _cast,
    "Where": lambda node, ins: (None if (s := broadcast([v.shape for v in ins])) is None else (ins[1].dtype, s)),
    "Transpose": _transpose,
    "MatMul": _matmul,
    "Shape": _shape,
    "Concat": _concat,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Reshape": _reshape,
    "Conv": _conv,
    "MaxPool": _pool, "AveragePool": _pool, "LpPool": _pool,
    "Attention": _attention,
    "Gather": _gather,
    "Expand": _expand,
}


def infer(node: ir.Node) -> bool:
    """Type ``node``'s single output by a rule; False when no rule is certain."""
    rule = RULES.get(node.op_type)
    if rule is None or node.domain != "" or len(node.outputs) != 1:
        return False
    ins = [v for v in node.inputs if v is not None]
    if not ins or any(v.type is None or v.shape is None for v in ins):
        return False
    try:
        result = rule(node, ins)
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return False
    if result is None or result[0] is None:
        return False
    out = node.outputs[0]
    dtype, shape = result
    if out.type is None:
        out.type = ir.TensorType(dtype)
    if out.shape is None:
        out.shape = shape
    return True
