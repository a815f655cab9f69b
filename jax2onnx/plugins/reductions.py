"""Reductions, arg-reductions, cumulative ops and reduce_precision (legacy pipeline).

ORT's CPU kernels cover only some dtypes per op, so operands are widened to a dtype
the kernel has (exact for max/min/argmax; integer sums and products wrap like JAX
because the narrowing Cast truncates modulo 2**bits) and the result is cast back.
"""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import ORT_KERNEL_DTYPE, onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"

REDUCE_OPS = {"reduce_sum": "ReduceSum", "reduce_max": "ReduceMax", "reduce_min": "ReduceMin",
              "reduce_prod": "ReduceProd"}

#: dtype name -> dtype an ORT kernel exists for
_WIDEN = ORT_KERNEL_DTYPE["Reduce"]
_BFLOAT16 = 16  # onnx.TensorProto.BFLOAT16


def _i64(values):
    return np.asarray(values, dtype=np.int64)


def _compute_dtype(dtype):
    return np.dtype(_WIDEN.get(np.dtype(dtype).name, dtype))


def _cast_to(ctx, name, src, dst, out=None):
    """Cast ``name`` from ``src`` to ``dst`` dtype (no node when equal unless ``out`` is given)."""
    if np.dtype(src) == np.dtype(dst):
        if out is None:
            return name
        ctx.node("Identity", [name], [out])
        return out
    if out is None:
        return ctx.node1("Cast", [name], to=onnx_elem_type(dst))
    ctx.node("Cast", [name], [out], to=onnx_elem_type(dst))
    return out


def _bind_identity(ctx, eqn):
    ctx.names[eqn.outvars[0]] = ctx.inputs(eqn)[0]


def _reduce(op_type, prim):
    def lower(ctx, eqn):
        axes = eqn.params["axes"]
        in_dtype = eqn.invars[0].aval.dtype
        if not axes:
            _bind_identity(ctx, eqn)
            return
        if prim in ("reduce_and", "reduce_or") and np.dtype(in_dtype) != np.bool_:
            _halving_bitwise(ctx, eqn, prim)
            return
        cdt = _compute_dtype(in_dtype)
        x = _cast_to(ctx, ctx.inputs(eqn)[0], in_dtype, cdt)
        ax = ctx.const(_i64(axes))
        y = ctx.node1(op_type, [x, ax], keepdims=0)
        if op_type in ("ReduceMax", "ReduceMin") and np.issubdtype(cdt, np.floating):
            # ORT's ReduceMax/Min ignore NaN where JAX propagates it: sum just the NaN
            # entries (0 if none) and return that sum when it is NaN
            only_nan = ctx.node1("Where", [ctx.node1("IsNaN", [x]), x, ctx.const(np.array(0, cdt))])
            nan_sum = ctx.node1("ReduceSum", [only_nan, ax], keepdims=0)
            y = ctx.node1("Where", [ctx.node1("IsNaN", [nan_sum]), nan_sum, y])
        _cast_to(ctx, y, cdt, eqn.outvars[0].aval.dtype, out=ctx.outputs(eqn)[0])

    lower.__name__ = f"lower_{prim}"
    lower.__doc__ = f"Lower {prim} to ONNX {op_type} (keepdims=0)."
    return lower


for _prim, _op in {**REDUCE_OPS, "reduce_and": "ReduceMin", "reduce_or": "ReduceMax"}.items():
    register(PIPELINE, _prim)(_reduce(_op, _prim))


_BITWISE_OP = {"reduce_and": "BitwiseAnd", "reduce_or": "BitwiseOr", "reduce_xor": "BitwiseXor"}


def _halving_bitwise(ctx, eqn, prim):
    """Integer and/or/xor reduction by pairwise halving; ONNX has no bitwise Reduce, and
    the halving needs static axis lengths."""
    aval = eqn.invars[0].aval
    dtype = np.dtype(aval.dtype)
    if prim == "reduce_and":
        neutral = np.array(-1 if np.issubdtype(dtype, np.signedinteger) else np.iinfo(dtype).max, dtype)
    else:
        neutral = np.array(0, dtype)
    fill = ctx.const(neutral)
    (y,) = ctx.inputs(eqn)
    axes = sorted(eqn.params["axes"], reverse=True)
    for i, axis in enumerate(axes):
        n = aval.shape[axis]
        if not isinstance(n, int):
            raise NotImplementedError(f"{prim} of integers over a symbolic axis length ({n}) is not supported")
        ax = ctx.const(_i64([axis]))
        if n == 0:
            y, n = ctx.node1("Pad", [y, ctx.const(_i64([0, 1])), fill, ax]), 1
        while n > 1:
            if n % 2:
                y, n = ctx.node1("Pad", [y, ctx.const(_i64([0, 1])), fill, ax]), n + 1
            h = n // 2
            first = ctx.node1("Slice", [y, ctx.const(_i64([0])), ctx.const(_i64([h])), ax])
            second = ctx.node1("Slice", [y, ctx.const(_i64([h])), ctx.const(_i64([n])), ax])
            y, n = ctx.node1(_BITWISE_OP[prim], [first, second]), h
        if i == len(axes) - 1:
            ctx.node("Squeeze", [y, ax], ctx.outputs(eqn))
        else:
            y = ctx.node1("Squeeze", [y, ax])


@register(PIPELINE, "reduce_xor")
def reduce_xor(ctx, eqn):
    """Xor-reduction: parity of the True count for booleans, bitwise for integers."""
    axes = eqn.params["axes"]
    if not axes:
        _bind_identity(ctx, eqn)
        return
    if np.dtype(eqn.invars[0].aval.dtype) != np.bool_:
        _halving_bitwise(ctx, eqn, "reduce_xor")
        return
    x = ctx.node1("Cast", ctx.inputs(eqn), to=onnx_elem_type(np.int32))
    s = ctx.node1("ReduceSum", [x, ctx.const(_i64(axes))], keepdims=0)
    m = ctx.node1("Mod", [s, ctx.const(np.array(2, np.int32))])
    ctx.node("Cast", [m], ctx.outputs(eqn), to=onnx_elem_type(np.bool_))


# ---- argmax / argmin -----------------------------------------------------------------

def _arg(op_type):
    def lower(ctx, eqn):
        (axis,) = eqn.params["axes"]
        in_dtype = eqn.invars[0].aval.dtype
        cdt = _compute_dtype(in_dtype)
        x = _cast_to(ctx, ctx.inputs(eqn)[0], in_dtype, cdt)
        # select_last_index=0 returns the first extremal index, like JAX
        idx = ctx.node1(op_type, [x], axis=axis, keepdims=0, select_last_index=0)
        if np.issubdtype(cdt, np.floating):
            # JAX treats NaN as the extremum (the first NaN wins); ORT's kernels skip NaNs
            isnan = ctx.node1("Cast", [ctx.node1("IsNaN", [x])], to=onnx_elem_type(np.int32))
            nan_idx = ctx.node1("ArgMax", [isnan], axis=axis, keepdims=0, select_last_index=0)
            any_nan = ctx.node1("ReduceMax", [isnan, ctx.const(_i64([axis]))], keepdims=0)
            any_nan = ctx.node1("Cast", [any_nan], to=onnx_elem_type(np.bool_))
            idx = ctx.node1("Where", [any_nan, nan_idx, idx])
        ctx.node("Cast", [idx], ctx.outputs(eqn), to=onnx_elem_type(eqn.params["index_dtype"]))

    lower.__name__ = f"lower_{op_type.lower()}"
    lower.__doc__ = f"Lower {op_type.lower()}: first index on ties, NaN counts as the extremum."
    return lower


register(PIPELINE, "argmax")(_arg("ArgMax"))
register(PIPELINE, "argmin")(_arg("ArgMin"))


# ---- cumulative ops --------------------------------------------------------------------

@register(PIPELINE, "cumsum")
def cumsum(ctx, eqn):
    """ONNX CumSum (inclusive) with its ``reverse`` attribute."""
    dtype = eqn.invars[0].aval.dtype
    cdt = _compute_dtype(dtype)
    x = _cast_to(ctx, ctx.inputs(eqn)[0], dtype, cdt)
    y = ctx.node1("CumSum", [x, ctx.const(np.array(eqn.params["axis"], np.int64))],
                  reverse=int(bool(eqn.params.get("reverse", False))))
    _cast_to(ctx, y, cdt, dtype, out=ctx.outputs(eqn)[0])


def _neutral(kind, dtype):
    dtype = np.dtype(dtype)
    if kind == "prod":
        return np.array(1, dtype)
    low = kind in ("max", "logsumexp")
    if np.issubdtype(dtype, np.floating):
        return np.array(-np.inf if low else np.inf, dtype)
    info = np.iinfo(dtype)
    return np.array(info.min if low else info.max, dtype)


def _combine(ctx, kind, a, b, dtype):
    if kind == "prod":
        return ctx.node1("Mul", [a, b])
    if kind == "max":
        return ctx.node1("Max", [a, b])
    if kind == "min":
        return ctx.node1("Min", [a, b])
    # logaddexp: max + log(1 + exp(min - max)); infinities pass through unchanged.
    # (ORT's Softplus has no float64 kernel, hence Log(1 + Exp).)
    hi = ctx.node1("Max", [a, b])
    diff = ctx.node1("Sub", [ctx.node1("Min", [a, b]), hi])
    soft = ctx.node1("Log", [ctx.node1("Add", [ctx.node1("Exp", [diff]), ctx.const(np.array(1, dtype))])])
    return ctx.node1("Where", [ctx.node1("IsInf", [hi]), hi, ctx.node1("Add", [hi, soft])])


_REDUCER = {"prod": "ReduceProd", "max": "ReduceMax", "min": "ReduceMin", "logsumexp": "ReduceLogSumExp"}


def _scan_doubling(ctx, x, kind, axis, n, reverse, neutral, dtype):
    """Hillis-Steele inclusive scan: ceil(log2 n) steps of combine(y, y shifted by 2**i)."""
    ax = ctx.const(_i64([axis]))
    y, step = x, 1
    while step < n:
        if reverse:
            part = ctx.node1("Slice", [y, ctx.const(_i64([step])), ctx.const(_i64([n])), ax])
            pads = _i64([0, step])
        else:
            part = ctx.node1("Slice", [y, ctx.const(_i64([0])), ctx.const(_i64([n - step])), ax])
            pads = _i64([step, 0])
        shifted = ctx.node1("Pad", [part, ctx.const(pads), neutral, ax], mode="constant")
        y = _combine(ctx, kind, y, shifted, dtype)
        step *= 2
    return y


def _scan_triangle(ctx, x, kind, axis, n, rank, reverse, neutral):
    """Scan along a symbolic axis: an [n, n] mask selects the prefix, one Reduce folds it."""
    r = ctx.node1("Range", [ctx.const(np.array(0, np.int64)), ctx.scalar_dim(n), ctx.const(np.array(1, np.int64))])
    rows = ctx.node1("Unsqueeze", [r, ctx.const(_i64([1]))])
    cols = ctx.node1("Unsqueeze", [r, ctx.const(_i64([0]))])
    mask = ctx.node1("GreaterOrEqual" if reverse else "LessOrEqual", [cols, rows])
    extra = list(range(axis)) + list(range(axis + 2, rank + 1))
    if extra:
        mask = ctx.node1("Unsqueeze", [mask, ctx.const(_i64(extra))])
    xu = ctx.node1("Unsqueeze", [x, ctx.const(_i64([axis]))])
    sel = ctx.node1("Where", [mask, xu, neutral])
    return ctx.node1(_REDUCER[kind], [sel, ctx.const(_i64([axis + 1]))], keepdims=0)


def _cumulative(kind):
    def lower(ctx, eqn):
        aval = eqn.invars[0].aval
        rank = len(aval.shape)
        axis = eqn.params["axis"] % rank
        reverse = bool(eqn.params.get("reverse", False))
        cdt = _compute_dtype(aval.dtype)
        x = _cast_to(ctx, ctx.inputs(eqn)[0], aval.dtype, cdt)
        neutral = ctx.const(_neutral(kind, cdt))
        n = aval.shape[axis]
        if isinstance(n, int):
            y = _scan_doubling(ctx, x, kind, axis, n, reverse, neutral, cdt)
        else:
            y = _scan_triangle(ctx, x, kind, axis, n, rank, reverse, neutral)
        _cast_to(ctx, y, cdt, aval.dtype, out=ctx.outputs(eqn)[0])

    lower.__name__ = f"lower_cum{kind}"
    lower.__doc__ = (f"Inclusive cumulative {kind}: log-depth doubling for a static axis, a masked "
                     f"triangle reduction for a symbolic one.")
    return lower


for _kind in ("prod", "max", "min", "logsumexp"):
    register(PIPELINE, f"cum{_kind}")(_cumulative(_kind))


# ---- reduce_precision ---------------------------------------------------------------------

_BITS = {"float16": (5, 10), "bfloat16": (8, 7), "float32": (8, 23), "float64": (11, 52)}
#: (source dtype, target format) -> ONNX type a single Cast rounds to exactly like XLA
_CAST_THROUGH = {("float32", (5, 10)): 10, ("float32", (8, 7)): _BFLOAT16, ("float64", (8, 23)): 1}


def _scaled_round(ctx, x, dtype, e_bits, m_bits):
    """Exact round-to-nearest-even to ``m_bits`` (power-of-two scaling around Round, the
    binade from Log corrected by comparisons) and overflow to signed inf for ``e_bits``."""
    info = np.finfo(dtype)
    et = onnx_elem_type(dtype)

    def k(v):
        return ctx.const(np.array(v, dtype))

    y = x
    if m_bits < info.nmant:
        mag = ctx.node1("Abs", [x])
        floor_exp = k(float(info.minexp))  # the source's subnormals share this quantum
        binade = ctx.node1("Floor", [ctx.node1("Div", [ctx.node1("Log", [mag]), k(np.log(2.0))])])
        binade = ctx.node1("Max", [binade, floor_exp])
        over = ctx.node1("Cast", [ctx.node1("Greater", [ctx.node1("Pow", [k(2.0), binade]), mag])], to=et)
        binade = ctx.node1("Max", [ctx.node1("Sub", [binade, over]), floor_exp])
        under = ctx.node1("LessOrEqual", [ctx.node1("Mul", [ctx.node1("Pow", [k(2.0), binade]), k(2.0)]), mag])
        binade = ctx.node1("Add", [binade, ctx.node1("Cast", [under], to=et)])
        quantum = ctx.node1("Pow", [k(2.0), ctx.node1("Sub", [binade, k(float(m_bits))])])
        y = ctx.node1("Mul", [ctx.node1("Round", [ctx.node1("Div", [x, quantum])]), quantum])
    if e_bits < _BITS[dtype.name][0]:
        top = (2 - 2.0 ** -m_bits) * 2.0 ** (2 ** (e_bits - 1) - 1)
        inf = ctx.node1("Mul", [ctx.node1("Sign", [x]), k(np.inf)])
        y = ctx.node1("Where", [ctx.node1("Greater", [ctx.node1("Abs", [y]), k(top)]), inf, y])
    # 0, +-inf and NaN are their own rounding (the Log/Div route mangles them)
    special = ctx.node1("Or", [ctx.node1("Or", [ctx.node1("IsNaN", [x]), ctx.node1("IsInf", [x])]),
                               ctx.node1("Equal", [x, k(0.0)])])
    return ctx.node1("Where", [special, x, y])


@register(PIPELINE, "reduce_precision")
def reduce_precision(ctx, eqn):
    """Emulate a narrower float format exactly like XLA: round to nearest even, overflow
    to inf, flush results below the narrow smallest normal to signed zero.

    One Cast round trip where ONNX has the format and a single rounding is exact
    (f32 -> f16 / bf16, f64 -> f32); power-of-two scaling around Round otherwise.
    """
    in_dtype = np.dtype(eqn.invars[0].aval.dtype)
    e_bits, m_bits = eqn.params["exponent_bits"], eqn.params["mantissa_bits"]
    src_e, src_m = _BITS[in_dtype.name]
    (x,) = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    if e_bits >= src_e and m_bits >= src_m:
        ctx.node("Identity", [x], [out])
        return
    dtype = in_dtype if in_dtype.name in ("float32", "float64") else np.dtype(np.float32)
    if dtype != in_dtype:
        x = ctx.node1("Cast", [x], to=onnx_elem_type(dtype))
    through = _CAST_THROUGH.get((dtype.name, (e_bits, m_bits)))
    if through is not None:
        y = ctx.node1("Cast", [ctx.node1("Cast", [x], to=through)], to=onnx_elem_type(dtype))
    else:
        y = _scaled_round(ctx, x, dtype, e_bits, m_bits)
    if e_bits < _BITS[dtype.name][0]:
        # flush like XLA (mantissa rounded first): inputs below the smallest normal minus
        # half a narrow ulp end up under it and become signed zero
        threshold = ctx.const(np.array(2.0 ** (2 - 2 ** (e_bits - 1)) * (1 - 2.0 ** -(m_bits + 2)), dtype))
        signed_zero = ctx.node1("Mul", [x, ctx.const(np.array(0, dtype))])
        y = ctx.node1("Where", [ctx.node1("Less", [ctx.node1("Abs", [x]), threshold]), signed_zero, y])
    ctx.node("Cast" if dtype != in_dtype else "Identity", [y], [out],
             **({"to": onnx_elem_type(in_dtype)} if dtype != in_dtype else {}))
