"""Complex numbers on the (re, im) carrier: every equation with a complex operand or result.

A complex value of shape ``S`` is a float tensor of shape ``S + (2,)`` (see
``plugin/complex_repr.py``); the converter stamps that type. The registry routes an
equation with a complex operand or result here (``register_complex``); what has no
entry is reported as unsupported, never narrowed.

Three kinds of lowering:

* **carried** (reshape, broadcast_in_dim, transpose, slice, concatenate, add, sub, neg,
  reduce_sum, cumsum, …): the ordinary lowering runs on the carrier, with the extra
  axis appended to its avals and to the axis/shape params (:func:`on_carrier`).
* **passthrough** (jit/pjit, custom_jvp, cond, while, scan): the ordinary lowering, whose
  sub-jaxprs are lowered equation by equation (their boundary values are typed by the
  converter's complex-aware ``ir_type``/``ir_shape``).
* **arithmetic**, written here on the parts ``re = x[..., 0:1]``, ``im = x[..., 1:2]``.

Algorithms, node cost (n = nodes) and accuracy (float32 / float64, relative to |result|,
measured against JAX on the catalog and the fuzz test):

============================  =============================================  ======
op                            algorithm                                       nodes
============================  =============================================  ======
complex, real, imag, conj     Concat / Gather / Mul by [1, -1]                1–3
mul                           x·c + swap(x)·[-1, 1]·d   (c, d = parts of y)    6
div                           (x·conj(y')) / (|y'|² s), y' = y/s, s = max|y_k|  ~14
abs                           s·sqrt(Σ (x/s)²), s = max(|re|, |im|)           ~8
sign                          x / |x| (0 at 0)                                ~12
exp / log                     e^a (cos b, sin b) / (log|z|, atan2(b, a))      ~8 / ~25
sqrt                          t = sqrt((|z| + |a|)/2), no cancellation         ~20
pow                           exp(y · log x)                                  ~40
integer_pow                   square-and-multiply with complex mul            6/step
dot_general, conv             4 real products (Ar·Br − Ai·Bi, Ar·Bi + Ai·Br)   ~12
reduce_prod                   polar: Π|z| · (cos Σarg, sin Σarg)              ~35
eq / ne                       both parts equal                               3–4
============================  =============================================  ======

Accuracy: a few ulp for the elementwise ops (1e-6 / 1e-15 relative), matching XLA's
formulas except at special values (±inf, NaN, signed zeros of the imaginary part),
which are not specified here. dot_general/conv: like the real op on each product.
reduce_prod: relative error ~ n·eps in the angle (n = reduced elements).
Custom components (``jnp.einsum``, ``jnp.matmul``, …) with complex operands are lowered
through their JAX decomposition.
"""

from __future__ import annotations

import types

import numpy as np

from ..plugin.complex_repr import carrier_dtype, carrier_shape, complex_of, is_complex
from ..plugin.registry import lookup, register, register_complex

PIPELINE = "onnx_ir"
_I64 = np.int64


# ---- the carrier view: run an ordinary lowering with adjusted avals and params ---------
def _shaped(shape, dtype):
    from jax.core import ShapedArray

    return ShapedArray(tuple(shape), np.dtype(dtype))


def carrier_aval(aval):
    """The real aval of the carrier of ``aval`` (complex: shape + (2,), float dtype)."""
    return _shaped(carrier_shape(aval.shape, aval.dtype), carrier_dtype(aval.dtype))


def part_aval(aval):
    """The aval of one part (real or imaginary) of a complex ``aval``."""
    return _shaped(aval.shape, carrier_dtype(aval.dtype))


def call_real(ctx, prim: str, args, in_avals, out_avals, **params):
    """Run the ordinary lowering of ``prim`` as if the eqn had ``in_avals``/``out_avals``."""
    fn = lookup(PIPELINE, prim)
    if isinstance(fn, str):
        raise NotImplementedError(f"{prim}: {fn}")
    saved = ctx.eqn
    ctx.eqn = types.SimpleNamespace(
        primitive=saved.primitive, params=params, source_info=getattr(saved, "source_info", None),
        invars=[types.SimpleNamespace(aval=a) for a in in_avals],
        outvars=[types.SimpleNamespace(aval=a) for a in out_avals])
    try:
        return fn(ctx, *args, **params)
    finally:
        ctx.eqn = saved


def on_carrier(ctx, prim, args, **params):
    """The ordinary lowering of this eqn on carriers (every aval gets its carrier)."""
    return call_real(ctx, prim, args, [carrier_aval(a) for a in ctx.in_avals],
                     [carrier_aval(a) for a in ctx.out_avals], **params)


def _carried(prim, adjust=None):
    """Register the complex lowering of ``prim``: the ordinary one on the carrier."""
    def lower(ctx, *args, **params):
        if adjust is not None:
            params = adjust(ctx, dict(params))
        return on_carrier(ctx, prim, args, **params)

    lower.__name__ = f"complex_{prim.replace('-', '_')}"
    lower.__doc__ = f"{prim} on the (re, im) carrier (trailing axis appended to its params)."
    register_complex(prim)(lower)


def _append(key, value):
    def adjust(ctx, p):
        if p.get(key) is not None:
            p[key] = tuple(p[key]) + (value(ctx, p) if callable(value) else value,)
        return p
    return adjust


for _p in ("add", "sub", "neg", "add_any", "concatenate", "squeeze", "rev", "copy", "copy_p",
           "stop_gradient", "reduce_sum", "cumsum", "split", "expand_dims", "optimization_barrier"):
    _carried(_p)
_carried("reshape", lambda ctx, p: {**p, "new_sizes": tuple(p["new_sizes"]) + (2,), "dimensions": None})
_carried("broadcast_in_dim", lambda ctx, p: {**p, "shape": tuple(p["shape"]) + (2,),
                                             "broadcast_dimensions": tuple(p["broadcast_dimensions"]) + (len(p["shape"]),)})
_carried("transpose", _append("permutation", lambda ctx, p: len(p["permutation"])))


def _slice_params(ctx, p):
    p["start_indices"] = tuple(p["start_indices"]) + (0,)
    p["limit_indices"] = tuple(p["limit_indices"]) + (2,)
    if p.get("strides") is not None:
        p["strides"] = tuple(p["strides"]) + (1,)
    return p


_carried("slice", _slice_params)

def _gather_params(ctx, p):
    """The carrier's trailing axis is one more offset (window) dim, taken whole."""
    dn = p["dimension_numbers"]
    p["dimension_numbers"] = dn._replace(offset_dims=tuple(dn.offset_dims) + (len(ctx.out_avals[0].shape),))
    p["slice_sizes"] = tuple(p["slice_sizes"]) + (2,)
    return p


def _scatter_params(ctx, p):
    dn = p["dimension_numbers"]
    p["dimension_numbers"] = dn._replace(
        update_window_dims=tuple(dn.update_window_dims) + (len(ctx.in_avals[2].shape),))
    return p


_carried("gather", _gather_params)
for _p in ("scatter", "scatter-add", "scatter-sub"):
    _carried(_p, _scatter_params)

for _p in ("jit", "pjit", "closed_call", "core_call", "remat2", "checkpoint", "custom_jvp_call",
           "custom_vjp_call", "custom_vjp_call_jaxpr", "named_call", "cond", "while", "scan"):
    register_complex(_p)(lambda ctx, *args, _prim=_p, **params: lookup(PIPELINE, _prim)(ctx, *args, **params))


@register_complex("dynamic_slice", "dynamic_update_slice")
def dynamic_window(ctx, *args, **params):
    """One more start index (0) for the trailing axis."""
    n_data = 1 if ctx.eqn.primitive.name == "dynamic_slice" else 2
    idx_aval = ctx.in_avals[n_data] if len(ctx.in_avals) > n_data else _shaped((), np.int32)
    zero = ctx.const(np.array(0, dtype=idx_aval.dtype))
    if "slice_sizes" in params:
        params["slice_sizes"] = tuple(params["slice_sizes"]) + (2,)
    in_avals = [carrier_aval(a) for a in ctx.in_avals] + [idx_aval]
    return call_real(ctx, ctx.eqn.primitive.name, list(args) + [zero], in_avals,
                     [carrier_aval(a) for a in ctx.out_avals], **params)


# ---- part helpers -----------------------------------------------------------------------
def _dt(ctx, k=0):
    return carrier_dtype(ctx.in_avals[k].dtype)


def c(ctx, value, dtype):
    return ctx.const(np.asarray(value, dtype=dtype))


def parts(ctx, x):
    """(re, im) of a carrier, each keeping a trailing axis of 1 (they broadcast)."""
    return ctx.op("Split", x, ctx.const(np.array([1, 1], _I64)), axis=-1, num_outputs=2)


def join(ctx, re, im):
    """A carrier from keep-dim parts."""
    return ctx.op("Concat", re, im, axis=-1)


def part(ctx, x, k):
    """Part ``k`` (0 real, 1 imaginary) without the trailing axis."""
    return ctx.op("Gather", x, ctx.const(np.array(k, _I64)), axis=-1)


def unsq(ctx, x):
    return ctx.op("Unsqueeze", x, ctx.const(np.array([-1], _I64)))


def from_real(ctx, x, shape, dtype):
    """A carrier with real part ``x`` (of ``shape``, already in the carrier ``dtype``) and
    imaginary part 0: Pad the new axis from 1 to 2 (x * 0 would turn inf into NaN)."""
    pads = [0] * (2 * (len(shape) + 1))
    pads[-1] = 1
    return ctx.op("Pad", unsq(ctx, x), ctx.const(np.array(pads, _I64)), c(ctx, 0, dtype))


def cmul(ctx, x, y, dtype):
    """Complex product of carriers: x·re(y) + [-im(x), re(x)]·im(y)."""
    yr, yi = parts(ctx, y)
    swapped = ctx.op("Mul", ctx.op("Gather", x, ctx.const(np.array([1, 0], _I64)), axis=-1),
                     c(ctx, [-1, 1], dtype))
    return ctx.op("Add", ctx.op("Mul", x, yr), ctx.op("Mul", swapped, yi))


def conj(ctx, x, dtype):
    return ctx.op("Mul", x, c(ctx, [1, -1], dtype))


def _maxabs(ctx, x, keepdims):
    return ctx.op("ReduceMax", ctx.op("Abs", x), ctx.const(np.array([-1], _I64)), keepdims=keepdims)


def _safe(ctx, s, dtype):
    """``s`` with zeros replaced by 1 (a scale that must not divide by 0)."""
    return ctx.op("Where", ctx.op("Equal", s, c(ctx, 0, dtype)), c(ctx, 1, dtype), s)


def cabs(ctx, x, dtype, keepdims=0):
    """|x| = s·sqrt(Σ (x/s)²), s = max(|re|, |im|): no overflow or underflow of the squares."""
    s = _maxabs(ctx, x, 1)
    t = ctx.op("Div", x, _safe(ctx, s, dtype))
    r = ctx.op("Mul", ctx.op("Sqrt", ctx.op("ReduceSum", ctx.op("Mul", t, t), ctx.const(np.array([-1], _I64)),
                                            keepdims=1)), s)
    return r if keepdims else ctx.op("Squeeze", r, ctx.const(np.array([-1], _I64)))


def cdiv(ctx, x, y, dtype):
    s = _safe(ctx, _maxabs(ctx, y, 1), dtype)
    ys = ctx.op("Div", y, s)
    den = ctx.op("Mul", ctx.op("ReduceSum", ctx.op("Mul", ys, ys), ctx.const(np.array([-1], _I64)), keepdims=1), s)
    return ctx.op("Div", cmul(ctx, x, conj(ctx, ys, dtype), dtype), den)


def cexp(ctx, x, dtype):
    a, b = parts(ctx, x)
    ea = ctx.op("Exp", a)
    return join(ctx, ctx.op("Mul", ea, ctx.op("Cos", b)), ctx.op("Mul", ea, ctx.op("Sin", b)))


def clog(ctx, x, dtype):
    a, b = parts(ctx, x)
    pa = _shaped(tuple(ctx.in_avals[0].shape) + (1,), dtype)
    angle = call_real(ctx, "atan2", [b, a], [pa, pa], [pa])
    return join(ctx, ctx.op("Log", cabs(ctx, x, dtype, keepdims=1)), angle)


# ---- the complex family's own primitives -----------------------------------------------
@register(PIPELINE, "complex")
@register_complex("complex")
def complex_(ctx, x, y, **_):
    """complex(x, y): stack the parts on a new last axis (broadcast like lax.complex)."""
    shape = ctx.out_avals[0].shape
    xs = [unsq(ctx, v) for v in (x, y)]
    for i in (0, 1):
        if tuple(ctx.in_avals[i].shape) != tuple(shape):
            xs[i] = ctx.op("Expand", xs[i], ctx.shape(tuple(shape) + (1,)))
    return join(ctx, *xs)


@register(PIPELINE, "real")
@register_complex("real")
def real(ctx, x, **_):
    """The real part: Gather index 0 of the trailing axis."""
    return part(ctx, x, 0)


@register(PIPELINE, "imag")
@register_complex("imag")
def imag(ctx, x, **_):
    """The imaginary part: Gather index 1 of the trailing axis."""
    return part(ctx, x, 1)


@register(PIPELINE, "conj")
@register_complex("conj")
def conj_(ctx, x, **_):
    """Negate the imaginary part (a real input becomes a complex one first)."""
    dtype = carrier_dtype(ctx.out_avals[0].dtype)
    if not is_complex(ctx.in_avals[0].dtype):
        x = ctx.op("Cast", x, to=ctx.dtype_of(_shaped((), dtype))) if _dt(ctx) != dtype else x
        return from_real(ctx, x, ctx.in_avals[0].shape, dtype)
    return conj(ctx, x, dtype)


# ---- elementwise arithmetic -------------------------------------------------------------
@register_complex("mul")
def mul(ctx, x, y, **_):
    return cmul(ctx, x, y, _dt(ctx))


@register_complex("div")
def div(ctx, x, y, **_):
    return cdiv(ctx, x, y, _dt(ctx))


@register_complex("square")
def square(ctx, x, **_):
    return cmul(ctx, x, x, _dt(ctx))


@register_complex("abs")
def abs_(ctx, x, **_):
    return cabs(ctx, x, _dt(ctx))


@register_complex("sign")
def sign(ctx, x, **_):
    """x / |x|, 0 where x is 0."""
    dtype = _dt(ctx)
    r = cabs(ctx, x, dtype, keepdims=1)
    zero = ctx.op("Equal", r, c(ctx, 0, dtype))
    return ctx.op("Where", zero, c(ctx, 0, dtype), ctx.op("Div", x, _safe(ctx, r, dtype)))


@register_complex("exp")
def exp(ctx, x, **_):
    return cexp(ctx, x, _dt(ctx))


@register_complex("log")
def log(ctx, x, **_):
    return clog(ctx, x, _dt(ctx))


@register_complex("sqrt")
def sqrt(ctx, x, **_):
    """Principal root: t = sqrt((|z| + |a|)/2); a >= 0: (t, b/2t), else (|b|/2t, ±t)."""
    dtype = _dt(ctx)
    a, b = parts(ctx, x)
    r = cabs(ctx, x, dtype, keepdims=1)
    t = ctx.op("Sqrt", ctx.op("Mul", ctx.op("Add", r, ctx.op("Abs", a)), c(ctx, 0.5, dtype)))
    half = ctx.op("Div", b, ctx.op("Mul", _safe(ctx, t, dtype), c(ctx, 2, dtype)))
    pos = ctx.op("GreaterOrEqual", a, c(ctx, 0, dtype))
    neg_b = ctx.op("Less", b, c(ctx, 0, dtype))
    re = ctx.op("Where", pos, t, ctx.op("Abs", half))
    im = ctx.op("Where", pos, half, ctx.op("Where", neg_b, ctx.op("Neg", t), t))
    return join(ctx, re, im)


@register_complex("pow")
def pow_(ctx, x, y, **_):
    """x ** y = exp(y · log x) (a real exponent is made complex first)."""
    dtype = carrier_dtype(ctx.out_avals[0].dtype)
    if not is_complex(ctx.in_avals[1].dtype):
        if _dt(ctx, 1) != dtype:
            y = ctx.op("Cast", y, to=ctx.dtype_of(_shaped((), dtype)))
        y = from_real(ctx, y, ctx.in_avals[1].shape, dtype)
    return cexp(ctx, cmul(ctx, clog(ctx, x, dtype), y, dtype), dtype)


@register_complex("integer_pow")
def integer_pow(ctx, x, *, y, **_):
    """Square-and-multiply with the complex product; a negative power divides 1 by it."""
    dtype = _dt(ctx)
    n = abs(int(y))
    result, base = None, x
    while n:
        if n & 1:
            result = base if result is None else cmul(ctx, result, base, dtype)
        n >>= 1
        if n:
            base = cmul(ctx, base, base, dtype)
    if result is None:  # x ** 0 = 1
        result = ctx.op("Add", ctx.op("Mul", x, c(ctx, 0, dtype)), c(ctx, [1, 0], dtype))
    if y < 0:
        result = cdiv(ctx, c(ctx, [1, 0], dtype), result, dtype)
    return result


# ---- comparisons and selection ------------------------------------------------------------
@register_complex("eq")
def eq(ctx, x, y, **_):
    e = ctx.op("Equal", x, y)
    return ctx.op("And", part(ctx, e, 0), part(ctx, e, 1))


@register_complex("ne")
def ne(ctx, x, y, **_):
    return ctx.op("Not", eq(ctx, x, y))


@register_complex("select_n")
def select_n(ctx, which, *cases, **params):
    """The ordinary select_n with the predicate given the trailing axis (it broadcasts)."""
    if len(ctx.in_avals[0].shape):
        which = unsq(ctx, which)
    pa = ctx.in_avals[0]
    in_avals = [_shaped(tuple(pa.shape) + (1,), pa.dtype)] + [carrier_aval(a) for a in ctx.in_avals[1:]]
    return call_real(ctx, "select_n", [which, *cases], in_avals, [carrier_aval(ctx.out_avals[0])], **params)


@register_complex("convert_element_type")
def convert_element_type(ctx, x, *, new_dtype, **params):
    """real -> complex: (x, 0); complex -> real: the real part (as JAX); complex -> complex: Cast."""
    src, dst = np.dtype(ctx.in_avals[0].dtype), np.dtype(new_dtype)
    to = carrier_dtype(dst)
    if is_complex(src) and not is_complex(dst):
        x = part(ctx, x, 0)
        return x if carrier_dtype(src) == dst else call_real(
            ctx, "convert_element_type", [x], [part_aval(ctx.in_avals[0])], ctx.out_avals, new_dtype=dst, **params)
    if carrier_dtype(src) != to:
        x = ctx.op("Cast", x, to=ctx.dtype_of(_shaped((), to)))
    return x if is_complex(src) else from_real(ctx, x, ctx.in_avals[0].shape, to)


@register_complex("iota")
def iota(ctx, *dyn, dtype, shape, **params):
    """A real iota in the part dtype, with imaginary part 0."""
    part_dtype = carrier_dtype(dtype)
    x = call_real(ctx, "iota", dyn, ctx.in_avals, [_shaped(ctx.out_avals[0].shape, part_dtype)],
                  dtype=part_dtype, shape=shape, **params)
    return from_real(ctx, x, shape, part_dtype)


@register_complex("pad")
def pad(ctx, x, padval, *, padding_config, **params):
    """Each part padded with its part of the padding value."""
    out_parts = []
    for k in (0, 1):
        pa = part_aval(ctx.in_avals[0])
        out_parts.append(unsq(ctx, call_real(ctx, "pad", [part(ctx, x, k), part(ctx, padval, k)],
                                             [pa, part_aval(ctx.in_avals[1])], [part_aval(ctx.out_avals[0])],
                                             padding_config=padding_config, **params)))
    return join(ctx, *out_parts)


# ---- products: dot_general and convolution -------------------------------------------------
def _four_products(ctx, prim, lhs, rhs, **params):
    """(Ar + iAi)(Br + iBi) with the ordinary real lowering of ``prim`` for each product."""
    la, ra = ctx.in_avals
    out = ctx.out_avals[0]
    dtype = carrier_dtype(out.dtype)
    params["preferred_element_type"] = dtype if params.get("preferred_element_type") is not None else None
    pout = part_aval(out)

    def split(v, aval):
        if is_complex(aval.dtype):
            return part(ctx, v, 0), part(ctx, v, 1), part_aval(aval)
        if np.dtype(aval.dtype) != dtype:
            v = ctx.op("Cast", v, to=ctx.dtype_of(_shaped((), dtype)))
        return v, None, _shaped(aval.shape, dtype)

    ar, ai, pla = split(lhs, la)
    br, bi, pra = split(rhs, ra)

    def prod(a, b):
        return call_real(ctx, prim, [a, b], [pla, pra], [pout], **params)

    re = prod(ar, br)
    im = None
    if ai is not None and bi is not None:
        re = ctx.op("Sub", re, prod(ai, bi))
    if bi is not None:
        im = prod(ar, bi)
    if ai is not None:
        t = prod(ai, br)
        im = t if im is None else ctx.op("Add", im, t)
    return join(ctx, unsq(ctx, re), unsq(ctx, im))


@register_complex("dot_general")
def dot_general(ctx, lhs, rhs, **params):
    return _four_products(ctx, "dot_general", lhs, rhs, **params)


@register_complex("conv_general_dilated")
def conv_general_dilated(ctx, lhs, rhs, **params):
    return _four_products(ctx, "conv_general_dilated", lhs, rhs, **params)


# ---- reductions ---------------------------------------------------------------------------------
@register_complex("reduce_prod")
def reduce_prod(ctx, x, *, axes, **_):
    """Polar form: Π|z| times (cos, sin) of Σ arg z."""
    if not axes:
        return x
    dtype = _dt(ctx)
    a, b = parts(ctx, x)
    pa = _shaped(tuple(ctx.in_avals[0].shape) + (1,), dtype)
    angle = call_real(ctx, "atan2", [b, a], [pa, pa], [pa])
    ax = ctx.const(np.array(list(axes), _I64))
    mag = ctx.op("ReduceProd", cabs(ctx, x, dtype, keepdims=1), ax, keepdims=0)
    theta = ctx.op("ReduceSum", angle, ax, keepdims=0)
    return join(ctx, ctx.op("Mul", mag, ctx.op("Cos", theta)), ctx.op("Mul", mag, ctx.op("Sin", theta)))


# ---- custom components (jnp.einsum, jnp.matmul, jnp.where, ...): their JAX decomposition --------
def component_decomposition(ctx, *args, **params):
    """Trace the component's decomposition at this eqn's avals and lower that."""
    import jax

    from ..plugin.custom import suspended
    from ..plugin.registry import component_of

    comp = component_of(ctx.eqn.primitive.name)

    def decomposed(*ops):
        with suspended():  # the decomposition the transformation rules use (converts by design)
            return comp.decompose(*ops, **params)

    wide = any(np.dtype(carrier_dtype(a.dtype)).itemsize == 8 for a in ctx.in_avals + ctx.out_avals
               if hasattr(a, "dtype"))
    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in ctx.in_avals]
    with jax.enable_x64(wide):
        closed = jax.make_jaxpr(decomposed)(*specs)
    outs = ctx.inline(closed.jaxpr, list(args), list(closed.consts))
    return outs if comp.multiple_results else outs[0]


register_complex("<component>")(component_decomposition)

__all__ = ["call_real", "on_carrier", "carrier_aval", "part_aval", "cmul", "cdiv", "cabs", "parts", "join",
           "part", "complex_of"]
