"""Comparisons, boolean/bitwise logic, shifts, select and dtype conversion (onnx_ir).

ORT gaps handled here: ordering comparisons have no bool kernels (compared as
uint8); Where has no bool/int16/uint16/uint64 kernels (see ``elementwise.where``);
BitShift exists for unsigned types only, so shifts run on the unsigned view of the
bits, widened to uint32 (8/16/32-bit types) or uint64.
"""

from __future__ import annotations

import numpy as np

from ..converter2.context import ir_dtype
from ..plugin.registry import register
from .elementwise import cast, computed_in

PIPELINE = "onnx_ir"


def _dt(aval) -> np.dtype:
    return np.dtype(aval.dtype)


# ---- comparisons -------------------------------------------------------------------------
COMPARISONS = {"eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual"}


def _compare(op_type):
    def lower(ctx, x, y, **_):
        dtype = _dt(ctx.in_avals[0])
        if (dtype == np.bool_ and op_type != "Equal") or dtype.name == "bfloat16":
            # no bool ordering kernels: False < True is 0 < 1; bfloat16 widens exactly
            comp = np.uint8 if dtype == np.bool_ else np.float32
            x, y = cast(ctx, x, comp), cast(ctx, y, comp)
        return ctx.op(op_type, x, y)

    lower.__name__ = f"lower_{op_type.lower()}"
    return lower


for _prim, _op in COMPARISONS.items():
    register(PIPELINE, _prim)(_compare(_op))


@register(PIPELINE, "ne")
def ne(ctx, x, y, **_):
    """Not(Equal): NaN != NaN is True, as in JAX."""
    return ctx.op("Not", _compare("Equal")(ctx, x, y))


def _le_total(ctx, x, y):
    """x <= y in IEEE total order (-0 < +0; NaN above everything): Or(y is NaN, And(x is
    not NaN, x < y or (x == y and not (x is +0 and y is -0)))). A NaN's sign cannot be
    read without BitCast, so every NaN counts as +NaN (the NaN JAX produces)."""
    lt, eq = ctx.op("Less", x, y), ctx.op("Equal", x, y)
    zero = ctx.const(np.array(0, _dt(ctx.in_avals[0])))
    # 1/x is -inf for -0: the sign of a zero without its bits
    pos_x = ctx.op("Greater", ctx.op("Reciprocal", x), zero)
    neg_y = ctx.op("Less", ctx.op("Reciprocal", y), zero)
    eq_ok = ctx.op("And", eq, ctx.op("Not", ctx.op("And", ctx.op("Equal", x, zero),
                                                       ctx.op("And", pos_x, neg_y))))
    finite_le = ctx.op("And", ctx.op("Not", ctx.op("IsNaN", x)), ctx.op("Or", lt, eq_ok))
    return ctx.op("Or", ctx.op("IsNaN", y), finite_le)


@register(PIPELINE, "le_to", "lt_to")
def total_order_compare(ctx, x, y, **_):
    """Total-order comparisons (sort-like searches): plain ordering for integers/bool;
    for floats see ``_le_total``; lt_to(x, y) = not le_to(y, x)."""
    prim = ctx.eqn.primitive.name
    if not np.issubdtype(_dt(ctx.in_avals[0]), np.floating):
        return _compare("LessOrEqual" if prim == "le_to" else "Less")(ctx, x, y)
    if prim == "le_to":
        return _le_total(ctx, x, y)
    return ctx.op("Not", _le_total(ctx, y, x))


# ---- boolean / bitwise ---------------------------------------------------------------------
#: primitive -> (op for bool, op for integers)
LOGICAL = {"and": ("And", "BitwiseAnd"), "or": ("Or", "BitwiseOr"), "xor": ("Xor", "BitwiseXor"),
           "not": ("Not", "BitwiseNot")}


def _logical(bool_op, int_op):
    def lower(ctx, *xs, **_):
        dtype = _dt(ctx.in_avals[0])
        if dtype != np.bool_ and ctx.opset < 18:  # Bitwise* arrive in opset 18
            from . import float_bits

            if int_op == "BitwiseNot":
                return float_bits.not_fallback(ctx, xs[0], dtype)
            return float_bits.bitwise_fallback(ctx, bool_op.lower(), *xs, dtype)
        return ctx.op(bool_op if dtype == np.bool_ else int_op, *xs)

    lower.__name__ = f"lower_{bool_op.lower()}"
    return lower


for _prim, (_bop, _iop) in LOGICAL.items():
    register(PIPELINE, _prim)(_logical(_bop, _iop))


# ---- shifts and population count -------------------------------------------------------------
def _unsigned_wide(ctx, x, dtype):
    """(zero-extended unsigned view of x's bits, its dtype uint32/uint64, bit width)."""
    bits = dtype.itemsize * 8
    same = np.dtype(f"uint{bits}")
    wide = np.dtype(np.uint64 if bits == 64 else np.uint32)
    if dtype != same:
        x = cast(ctx, x, same)  # signed -> unsigned of the same width keeps the bits
    if same != wide:
        x = cast(ctx, x, wide)  # zero extension
    return x, wide, bits


def _shift_amount(ctx, s, dtype):
    """Shift count in the wide unsigned type; a negative count becomes huge (JAX reads
    shift amounts as unsigned, so those shift everything out)."""
    return _unsigned_wide(ctx, s, dtype)[0]


def _in_range(ctx, s, bits, wide):
    """1 where 0 <= s < bits else 0, as ``wide`` (Mul mask: Where lacks uint64)."""
    return cast(ctx, ctx.op("Less", s, ctx.const(np.asarray(bits, dtype=wide))), wide)


def _back(ctx, r, dtype):
    """Truncate the wide unsigned result back to ``dtype`` (modular, like two's complement)."""
    bits = dtype.itemsize * 8
    same = np.dtype(f"uint{bits}")
    if same.itemsize < 4:
        r = cast(ctx, r, same)
    return r if dtype == same else cast(ctx, r, dtype)


def _shift(direction):
    def lower(ctx, x, s, **_):
        """Shifts by >= the bit width (or negative amounts) give 0, as in JAX."""
        dtype = _dt(ctx.in_avals[0])
        xu, wide, bits = _unsigned_wide(ctx, x, dtype)
        su = _shift_amount(ctx, s, dtype)
        r = ctx.op("BitShift", xu, su, direction=direction)
        return _back(ctx, ctx.op("Mul", r, _in_range(ctx, su, bits, wide)), dtype)

    lower.__name__ = f"lower_shift_{direction.lower()}"
    return lower


register(PIPELINE, "shift_left")(_shift("LEFT"))
register(PIPELINE, "shift_right_logical")(_shift("RIGHT"))


@register(PIPELINE, "shift_right_arithmetic")
def shift_right_arithmetic(ctx, x, s, **_):
    """Sign-filling shift on the bit pattern: m = all ones if the top bit is set,
    result = ((x ^ m) >> min(s, w-1)) ^ m (so shifts >= w give 0 or -1)."""
    dtype = _dt(ctx.in_avals[0])
    xu, wide, bits = _unsigned_wide(ctx, x, dtype)
    su = ctx.op("Min", _shift_amount(ctx, s, dtype), ctx.const(np.asarray(bits - 1, dtype=wide)))
    top = ctx.op("GreaterOrEqual", xu, ctx.const(np.asarray(1 << (bits - 1), dtype=wide)))
    ones = ctx.const(np.asarray((1 << bits) - 1, dtype=wide))
    if ctx.opset < 18:  # no BitwiseXor: x ^ m with m all ones or zero is arithmetic
        from .float_bits import xor_mask

        r = xor_mask(ctx, ctx.op("BitShift", xor_mask(ctx, xu, top, ones, wide), su, direction="RIGHT"),
                     top, ones, wide)
        return _back(ctx, r, dtype)
    m = ctx.op("Mul", cast(ctx, top, wide), ones)
    r = ctx.op("BitwiseXor", ctx.op("BitShift", ctx.op("BitwiseXor", xu, m), su, direction="RIGHT"), m)
    return _back(ctx, r, dtype)


@register(PIPELINE, "population_count")
def population_count(ctx, x, **_):
    """SWAR bit count on the unsigned view (pairs, nibbles, bytes, then a multiply)."""
    dtype = _dt(ctx.in_avals[0])
    if ctx.opset < 18:  # no BitwiseAnd: sum of the bit planes
        from .float_bits import popcount_fallback

        return popcount_fallback(ctx, x, dtype)
    v, wide, _ = _unsigned_wide(ctx, x, dtype)
    w = wide.itemsize * 8

    def k(pattern):
        return ctx.const(np.asarray(int(pattern * (w // 8), 16), dtype=wide))

    def shr(a, n):
        return ctx.op("BitShift", a, ctx.const(np.asarray(n, dtype=wide)), direction="RIGHT")

    v = ctx.op("Sub", v, ctx.op("BitwiseAnd", shr(v, 1), k("55")))
    v = ctx.op("Add", ctx.op("BitwiseAnd", v, k("33")), ctx.op("BitwiseAnd", shr(v, 2), k("33")))
    v = ctx.op("BitwiseAnd", ctx.op("Add", v, shr(v, 4)), k("0f"))
    v = shr(ctx.op("Mul", v, k("01")), w - 8)
    return cast(ctx, v, dtype)


# ---- select / conversion ---------------------------------------------------------------------
@register(PIPELINE, "select_n")
def select_n(ctx, which, *cases, **_):
    """``select_n(p, *cases)`` picks ``cases[p]``: one Where for a bool/2-way predicate,
    a chain of Where(p == i) otherwise. Cases are widened once if Where lacks the dtype."""
    if len(cases) == 1:
        return cases[0]
    pred_dtype = _dt(ctx.in_avals[0])

    def chain(*cs):
        if len(cs) == 2:
            cond = which if pred_dtype == np.bool_ else ctx.op("Cast", which, to=ir_dtype(np.bool_))
            return ctx.op("Where", cond, cs[1], cs[0])
        out = cs[-1]
        for i in range(len(cs) - 2, -1, -1):
            is_i = ctx.op("Equal", which, ctx.const(np.asarray(i, dtype=pred_dtype)))
            out = ctx.op("Where", is_i, cs[i], out)
        return out

    return computed_in(ctx, "Where", chain, *cases, dtype=_dt(ctx.in_avals[1]))


@register(PIPELINE, "convert_element_type")
def convert_element_type(ctx, x, *, new_dtype, **_):
    """ONNX Cast. float -> int truncates toward zero like JAX; for NaN or out-of-range
    values JAX saturates (NaN -> 0) while ORT's Cast yields INT_MIN/implementation
    values, so only in-range conversions are specified. To bool: x != 0 (NaN -> True)."""
    if _dt(ctx.in_avals[0]) == np.dtype(new_dtype):
        return x
    return cast(ctx, x, np.dtype(new_dtype))


@register(PIPELINE, "bitcast_convert_type")
def bitcast_convert_type(ctx, x, *, new_dtype, **_):
    """Same-width reinterpretation: ONNX ``BitCast`` (opset >= 26); earlier opsets rebuild
    the bits arithmetically (``float_bits.bitcast_fallback``: bit-exact except NaN
    payloads). Width-changing bitcasts (which also change the shape) are unsupported."""
    src, dst = _dt(ctx.in_avals[0]), np.dtype(new_dtype)
    if src == dst:
        return x
    if src.itemsize != dst.itemsize:
        raise NotImplementedError(f"bitcast {src} -> {dst} changes the element width; ONNX BitCast "
                                  "only reinterprets same-width types")
    if ctx.opset < 26:
        from .float_bits import bitcast_fallback

        return bitcast_fallback(ctx, x, src, dst)
    return ctx.op("BitCast", x, to=ir_dtype(dst))
