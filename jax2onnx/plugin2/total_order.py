"""Total-order equality ``eq_to`` (JAX 0.10; lexicographic sorts and searches emit it
next to ``lt_to``/``le_to``, which the ``logic`` family lowers).

Algorithm: integers and booleans compare with ``Equal``. Floats follow IEEE
totalOrder: ``-0 != +0`` (the sign of a zero is read as ``1/x < 0``) and NaN equals
NaN::

    eq_to(a, b) = nan_a | nan_b ? (nan_a & nan_b) : (a == b) & (neg0(a) == neg0(b))

Cost: about 13 elementwise nodes for floats, 1 otherwise. Accuracy: exact, except
that every NaN counts as +NaN (ONNX cannot read a NaN's sign or payload without
``BitCast``), as in the ``logic`` family's ``lt_to``/``le_to``.
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "onnx_ir"


def _neg_zero(ctx, x, dtype):
    zero = ctx.const(np.array(0, dtype))
    one = ctx.const(np.array(1, dtype))
    is_zero = ctx.op("Equal", x, zero)
    return ctx.op("And", is_zero, ctx.op("Less", ctx.op("Div", one, x), zero))


def _where_bool(ctx, c, x, y):
    """Where for booleans (ORT has no bool Where kernel): (c & x) | (!c & y)."""
    return ctx.op("Or", ctx.op("And", c, x), ctx.op("And", ctx.op("Not", c), y))


@register(PIPELINE, "eq_to")
def eq_to(ctx, a, b, **_):
    dtype = np.dtype(ctx.in_avals[0].dtype)
    if not np.issubdtype(dtype, np.floating):
        return ctx.op("Equal", a, b)
    nan_a, nan_b = ctx.op("IsNaN", a), ctx.op("IsNaN", b)
    same_sign = ctx.op("Equal", _neg_zero(ctx, a, dtype), _neg_zero(ctx, b, dtype))
    ordinary = ctx.op("And", ctx.op("Equal", a, b), same_sign)
    return _where_bool(ctx, ctx.op("Or", nan_a, nan_b), ctx.op("And", nan_a, nan_b), ordinary)
