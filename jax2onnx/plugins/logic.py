"""Comparisons, logic, shifts, select and dtype conversion (legacy pipeline).

onnxruntime gaps: Less/Greater/... have no bool kernels (compare as uint8); Where has
no bool/int16/uint16/uint64 kernels (cases are widened once); BitShift takes unsigned
types only, so shifts work on the zero-extended unsigned bits (uint32 or uint64).
"""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register
from .elementwise import cast_to, compute_dtype

PIPELINE = "legacy"

COMPARISONS = {"eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual"}


def _operands(ctx, eqn, op_type):
    names = ctx.inputs(eqn)
    dtype = np.dtype(eqn.invars[0].aval.dtype)
    if dtype == np.bool_ and op_type != "Equal":  # False < True as 0 < 1
        return [cast_to(ctx, n, np.uint8) for n in names]
    if dtype.name == "bfloat16":  # exact widening
        return [cast_to(ctx, n, np.float32) for n in names]
    return names


def _compare(op_type):
    def lower(ctx, eqn):
        ctx.node(op_type, _operands(ctx, eqn, op_type), ctx.outputs(eqn))

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, _op in COMPARISONS.items():
    register(PIPELINE, _prim)(_compare(_op))


@register(PIPELINE, "ne")
def ne(ctx, eqn):
    """Not(Equal) (so NaN != NaN)."""
    eq = ctx.node1("Equal", _operands(ctx, eqn, "Equal"))
    ctx.node("Not", [eq], ctx.outputs(eqn))


#: primitive -> (ONNX op on bool, ONNX op on integers)
LOGICAL = {"and": ("And", "BitwiseAnd"), "or": ("Or", "BitwiseOr"), "xor": ("Xor", "BitwiseXor"),
           "not": ("Not", "BitwiseNot")}


def _logical(bool_op, int_op):
    def lower(ctx, eqn):
        op = bool_op if np.dtype(eqn.invars[0].aval.dtype) == np.bool_ else int_op
        ctx.node(op, ctx.inputs(eqn), ctx.outputs(eqn))

    lower.__name__ = f"lower_{bool_op.lower()}"
    return lower


for _prim, (_b, _i) in LOGICAL.items():
    register(PIPELINE, _prim)(_logical(_b, _i))


# ---- shifts / popcount -----------------------------------------------------------------------
def _widths(dtype):
    bits = dtype.itemsize * 8
    return bits, np.dtype(f"uint{bits}"), np.dtype(np.uint64 if bits == 64 else np.uint32)


def _to_unsigned(ctx, name, dtype):
    """Zero-extended unsigned bits of ``name`` in uint32/uint64."""
    _, same, wide = _widths(dtype)
    if dtype != same:
        name = cast_to(ctx, name, same)
    if same != wide:
        name = cast_to(ctx, name, wide)
    return name


def _from_unsigned(ctx, name, dtype, out):
    """Truncate the wide unsigned ``name`` back to ``dtype`` bits, writing ``out``."""
    _, same, wide = _widths(dtype)
    if same != wide and dtype != same:  # e.g. int8: uint32 -> uint8 -> int8 (modular both ways)
        name = cast_to(ctx, name, same)
    if dtype != wide:
        cast_to(ctx, name, dtype, out)
    elif ctx.nodes and list(ctx.nodes[-1].output) == [name]:
        ctx.nodes[-1].output[0] = out  # the last node made ``name``: let it write ``out``
    else:
        ctx.node("Identity", [name], [out])


def _c(ctx, value, dtype):
    return ctx.const(np.asarray(value, dtype=dtype))


def _shift(direction):
    def lower(ctx, eqn):
        """Out-of-range amounts (>= width, or negative read as unsigned) give 0 like JAX."""
        (x, s), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
        dtype = np.dtype(eqn.invars[0].aval.dtype)
        bits, _, wide = _widths(dtype)
        xu, su = _to_unsigned(ctx, x, dtype), _to_unsigned(ctx, s, dtype)
        shifted = ctx.node1("BitShift", [xu, su], direction=direction)
        keep = cast_to(ctx, ctx.node1("Less", [su, _c(ctx, bits, wide)]), wide)  # Where lacks uint64
        _from_unsigned(ctx, ctx.node1("Mul", [shifted, keep]), dtype, out)

    lower.__name__ = f"lower_shift_{direction.lower()}"
    return lower


register(PIPELINE, "shift_left")(_shift("LEFT"))
register(PIPELINE, "shift_right_logical")(_shift("RIGHT"))


@register(PIPELINE, "shift_right_arithmetic")
def shift_right_arithmetic(ctx, eqn):
    """((x ^ m) >>> min(s, w-1)) ^ m with m = all ones when the top bit is set."""
    (x, s), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dtype = np.dtype(eqn.invars[0].aval.dtype)
    bits, _, wide = _widths(dtype)
    xu = _to_unsigned(ctx, x, dtype)
    su = ctx.node1("Min", [_to_unsigned(ctx, s, dtype), _c(ctx, bits - 1, wide)])
    neg = ctx.node1("GreaterOrEqual", [xu, _c(ctx, 1 << (bits - 1), wide)])
    mask = ctx.node1("Mul", [cast_to(ctx, neg, wide), _c(ctx, (1 << bits) - 1, wide)])
    flipped = ctx.node1("BitwiseXor", [xu, mask])
    shifted = ctx.node1("BitShift", [flipped, su], direction="RIGHT")
    _from_unsigned(ctx, ctx.node1("BitwiseXor", [shifted, mask]), dtype, out)


@register(PIPELINE, "population_count")
def population_count(ctx, eqn):
    """Parallel bit count: 2-bit, 4-bit, 8-bit partial sums, then a byte-summing multiply."""
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    dtype = np.dtype(eqn.invars[0].aval.dtype)
    _, _, wide = _widths(dtype)
    nbytes = wide.itemsize

    def rep(byte):
        return _c(ctx, int.from_bytes(bytes([byte]) * nbytes, "little"), wide)

    def rshift(a, n):
        return ctx.node1("BitShift", [a, _c(ctx, n, wide)], direction="RIGHT")

    v = _to_unsigned(ctx, x, dtype)
    v = ctx.node1("Sub", [v, ctx.node1("BitwiseAnd", [rshift(v, 1), rep(0x55)])])
    v = ctx.node1("Add", [ctx.node1("BitwiseAnd", [v, rep(0x33)]),
                          ctx.node1("BitwiseAnd", [rshift(v, 2), rep(0x33)])])
    v = ctx.node1("BitwiseAnd", [ctx.node1("Add", [v, rshift(v, 4)]), rep(0x0F)])
    v = rshift(ctx.node1("Mul", [v, rep(0x01)]), 8 * nbytes - 8)
    cast_to(ctx, v, dtype, out)


# ---- select / conversion ----------------------------------------------------------------------
@register(PIPELINE, "select_n")
def select_n(ctx, eqn):
    """cases[which]: Where for two cases (predicate cast to bool if integer), a chain of
    Where(which == i) for more. Case dtypes Where lacks are widened once, then cast back."""
    which, *cases = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    pred_dtype = np.dtype(eqn.invars[0].aval.dtype)
    dtype = np.dtype(eqn.outvars[0].aval.dtype)
    if len(cases) == 1:
        ctx.node("Identity", [cases[0]], [out])
        return
    comp = compute_dtype(dtype, "where")
    widened = comp != dtype
    if widened:
        cases = [cast_to(ctx, c, comp) for c in cases]
    final = None if widened else out
    if len(cases) == 2:
        cond = which if pred_dtype == np.bool_ else ctx.node1("Cast", [which], to=onnx_elem_type(np.bool_))
        res = ctx.node("Where", [cond, cases[1], cases[0]], [final] if final else 1)[0]
    else:
        res = cases[-1]
        for i in range(len(cases) - 2, -1, -1):
            hit = ctx.node1("Equal", [which, _c(ctx, i, pred_dtype)])
            res = ctx.node("Where", [hit, cases[i], res], [final] if (final and i == 0) else 1)[0]
    if widened:
        cast_to(ctx, res, dtype, out)


@register(PIPELINE, "convert_element_type")
def convert_element_type(ctx, eqn):
    """Cast. float -> int truncates toward zero (JAX too). NaN/out-of-range differ: JAX
    saturates and maps NaN to 0, ORT's Cast gives INT_MIN-like values; only in-range
    conversions are defined here. Anything -> bool is x != 0 (Cast does that; NaN -> True)."""
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    src, dst = np.dtype(eqn.invars[0].aval.dtype), np.dtype(eqn.params["new_dtype"])
    if src == dst:
        ctx.node("Identity", [x], [out])
    else:
        ctx.node("Cast", [x], [out], to=onnx_elem_type(dst))


@register(PIPELINE, "bitcast_convert_type")
def bitcast_convert_type(ctx, eqn):
    """ONNX BitCast (opset 26+) for same-width types; nothing expresses it earlier."""
    (x,), (out,) = ctx.inputs(eqn), ctx.outputs(eqn)
    src, dst = np.dtype(eqn.invars[0].aval.dtype), np.dtype(eqn.params["new_dtype"])
    if src == dst:
        ctx.node("Identity", [x], [out])
        return
    if src.itemsize != dst.itemsize:
        raise NotImplementedError(f"bitcast {src} -> {dst} changes the element width (and shape); "
                                  "ONNX BitCast needs equal widths")
    if ctx.opset < 26:
        raise NotImplementedError(f"bitcast_convert_type needs ONNX BitCast (opset >= 26), not {ctx.opset}")
    ctx.node("BitCast", [x], [out], to=onnx_elem_type(dst))
