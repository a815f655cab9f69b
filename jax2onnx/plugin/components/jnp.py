"""``jax.numpy`` components kept whole as custom primitives (lowered in ``components_jnp``).

Every ``unpack`` returns ``None`` for argument combinations the lowerings do not
cover (the original then runs and its primitives are lowered as usual). All of
these decompose cleanly, so batching is Approach A (fallback) and JVP is the
shared fallback, except ``arange``/``linspace`` (static arguments only: no array
operands, nothing to differentiate).
"""

from __future__ import annotations

import numpy as np

from ..custom import declare

# Some originals trace into primitives that do not convert cleanly under vmap/grad
# (lax ``stack``/``tile``/``unstack``, batched gather, scatter-add); their
# ``fallback`` is an equivalent decomposition into primitives both pipelines lower.


def _stack_fallback(*xs, axis):
    from jax import lax
    import jax.numpy as jnp

    dt = jnp.result_type(*xs)
    ax = axis % (xs[0].ndim + 1)
    return lax.concatenate([lax.expand_dims(lax.convert_element_type(x, dt), (ax,)) for x in xs], ax)


def _tile_fallback(a, *, reps):
    from jax import lax

    rank = max(a.ndim, len(reps))
    reps = (1,) * (rank - len(reps)) + tuple(reps)
    shape = (1,) * (rank - a.ndim) + tuple(a.shape)
    a = lax.reshape(a, shape)
    wide = [d for pair in zip(reps, shape) for d in pair]  # (r0, d0, r1, d1, ...)
    b = lax.broadcast_in_dim(a, wide, tuple(range(1, 2 * rank, 2)))
    return lax.reshape(b, tuple(r * d for r, d in zip(reps, shape)))


def _take_fallback(a, idx, *, axis, mode):
    """take as a one-hot contraction (exact for finite values; in-bounds indices)."""
    from jax import lax
    import jax.numpy as jnp

    if axis is None:
        a, axis = jnp.reshape(a, (-1,)), 0
    ax = axis % a.ndim
    n = a.shape[ax]
    if mode == "clip":
        idx = jnp.clip(idx, 0, n - 1)
    idx = jnp.where(idx < 0, idx + n, idx)
    if isinstance(n, int):  # our own Range primitive: converts even where lax.iota does not
        positions = ARANGE.bind((), {"start": n, "stop": None, "step": None, "dtype": np.dtype(idx.dtype).name})
    else:
        positions = lax.iota(idx.dtype, n)
    onehot = (idx[..., None] == positions).astype(a.dtype)
    k = idx.ndim
    out = lax.dot_general(onehot, a, (((k,), (ax,)), ((), ())))  # idx dims, then a without ax
    total = out.ndim
    perm = list(range(k, k + ax)) + list(range(k)) + list(range(k + ax, total))
    return lax.transpose(out, perm)

FAMILY = "components_jnp"
JNP = "jax.numpy"


def _is_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _static_int_tuple(v):
    """``v`` as a tuple of Python ints, or None when it is not static."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),)
    if isinstance(v, (tuple, list)) and all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in v):
        return tuple(int(i) for i in v)
    return None


def _shape_tuple(v):
    """A reshape/tile target (ints and symbolic dims), or None."""
    items = v if isinstance(v, (tuple, list)) else (v,)
    # traced values and arrays are not static; ints and symbolic dims (DimExpr) are
    if any(hasattr(i, "aval") or (isinstance(i, np.ndarray) and i.ndim > 0) for i in items):
        return None
    try:
        hash(tuple(items))
    except TypeError:
        return None
    return tuple(int(i) if isinstance(i, (int, np.integer)) else i for i in items)


def _dtype_name(dtype):
    return None if dtype is None else np.dtype(dtype).name


def _number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


# ---- concatenate / stack -------------------------------------------------------------
def _unpack_concat(arrays, axis=0, dtype=None):
    if dtype is not None or axis is None or _is_array(arrays) or not isinstance(axis, int):
        return None
    arrays = tuple(arrays)
    if not arrays:
        return None
    return arrays, {"axis": axis}


declare("jnp.concatenate", family=FAMILY, targets=[(JNP, "concatenate")], unpack=_unpack_concat,
        apply=lambda orig, *xs, axis: orig(xs, axis=axis), onnx_ops=("Concat",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.concatenate.html")


def _unpack_stack(arrays, axis=0, out=None, dtype=None):
    if out is not None or dtype is not None or _is_array(arrays) or not isinstance(axis, int):
        return None
    arrays = tuple(arrays)
    return (arrays, {"axis": axis}) if arrays else None


declare("jnp.stack", family=FAMILY, targets=[(JNP, "stack")], unpack=_unpack_stack,
        apply=lambda orig, *xs, axis: orig(xs, axis=axis), fallback=_stack_fallback,
        onnx_ops=("Unsqueeze", "Concat"),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.stack.html")


# ---- reshape / squeeze / transpose / tile -------------------------------------------
def _unpack_reshape(a, shape, order="C", *, copy=None, out_sharding=None):
    if order != "C" or out_sharding is not None:
        return None
    shape = _shape_tuple(shape)
    return None if shape is None else ((a,), {"shape": shape})


declare("jnp.reshape", family=FAMILY, targets=[(JNP, "reshape")], unpack=_unpack_reshape,
        apply=lambda orig, a, shape: orig(a, shape), onnx_ops=("Reshape",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.reshape.html")


def _unpack_squeeze(a, axis=None):
    if axis is not None:
        axis = _static_int_tuple(axis)
        if axis is None:
            return None
    return (a,), {"axis": axis}


declare("jnp.squeeze", family=FAMILY, targets=[(JNP, "squeeze")], unpack=_unpack_squeeze,
        apply=lambda orig, a, axis: orig(a, axis=axis), onnx_ops=("Squeeze",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.squeeze.html")


def _unpack_transpose(a, axes=None):
    if axes is not None:
        axes = _static_int_tuple(axes)
        if axes is None:
            return None
    return (a,), {"axes": axes}


declare("jnp.transpose", family=FAMILY, targets=[(JNP, "transpose")], unpack=_unpack_transpose,
        apply=lambda orig, a, axes: orig(a, axes), onnx_ops=("Transpose",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.transpose.html")


def _unpack_tile(A, reps):
    reps = _shape_tuple(reps)
    return None if reps is None else ((A,), {"reps": reps})


declare("jnp.tile", family=FAMILY, targets=[(JNP, "tile")], unpack=_unpack_tile,
        apply=lambda orig, a, reps: orig(a, reps), fallback=_tile_fallback, onnx_ops=("Tile",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.tile.html")


# ---- split (several outputs) ---------------------------------------------------------
def _unpack_split(ary, indices_or_sections, axis=0):
    if not isinstance(axis, int):
        return None
    if isinstance(indices_or_sections, (int, np.integer)):
        spec = int(indices_or_sections)
    else:
        spec = _static_int_tuple(indices_or_sections)
        if spec is None:
            return None
    return (ary,), {"indices_or_sections": spec, "axis": axis}


declare("jnp.split", family=FAMILY, targets=[(JNP, "split")], unpack=_unpack_split,
        apply=lambda orig, a, indices_or_sections, axis: orig(a, indices_or_sections, axis=axis),
        multiple_results=True, onnx_ops=("Split",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.split.html")


# ---- where / clip / take -------------------------------------------------------------
def _unpack_where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    if x is None or y is None or size is not None or fill_value is not None:
        return None
    return (condition, x, y), {}


declare("jnp.where", family=FAMILY, targets=[(JNP, "where")], unpack=_unpack_where,
        apply=lambda orig, c, x, y: orig(c, x, y), onnx_ops=("Where",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.where.html")


def _unpack_clip(arr=None, /, min=None, max=None):
    if arr is None or (min is None and max is None):
        return None
    operands = (arr,) + tuple(v for v in (min, max) if v is not None)
    return operands, {"has_min": min is not None, "has_max": max is not None}


def _apply_clip(orig, x, *bounds, has_min, has_max):
    it = iter(bounds)
    lo = next(it) if has_min else None
    hi = next(it) if has_max else None
    return orig(x, lo, hi)


declare("jnp.clip", family=FAMILY, targets=[(JNP, "clip")], unpack=_unpack_clip, apply=_apply_clip,
        onnx_ops=("Clip",), docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.clip.html")


def _unpack_take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
                 indices_are_sorted=False, fill_value=None):
    if out is not None or fill_value is not None or mode not in (None, "fill", "clip"):
        return None
    if axis is not None and not isinstance(axis, int):
        return None
    return (a, indices), {"axis": axis, "mode": mode}


declare("jnp.take", family=FAMILY, targets=[(JNP, "take")], unpack=_unpack_take,
        apply=lambda orig, a, i, axis, mode: orig(a, i, axis=axis, mode=mode), fallback=_take_fallback,
        onnx_ops=("Gather",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.take.html")


# ---- einsum / matmul -----------------------------------------------------------------
def _unpack_einsum(subscripts, /, *operands, out=None, optimize="auto", precision=None,
                   preferred_element_type=None, **kwargs):
    if not isinstance(subscripts, str) or out is not None or precision is not None:
        return None
    if preferred_element_type is not None or kwargs.get("out_sharding") is not None or not operands:
        return None
    from jax import lax

    if kwargs.get("_dot_general", lax.dot_general) is not lax.dot_general:
        return None  # a custom contraction (e.g. quantized) must run as written
    if len({np.dtype(getattr(o, "dtype", np.float32)) for o in operands}) != 1:
        return None  # ONNX Einsum needs one dtype
    equation = subscripts.replace(" ", "")
    return tuple(operands), {"equation": equation, "as_matmul": _is_batched_matmul(equation, operands)}


def _is_batched_matmul(equation: str, operands) -> bool:
    """``P ij, P jk -> P ik`` with the same batch prefix ``P`` everywhere: a plain MatMul."""
    if len(operands) != 2 or "->" not in equation or "." in equation:
        return False
    lhs, out = equation.split("->")
    a, b = lhs.split(",")
    if not (len(a) == len(b) == len(out) >= 2) or len(set(a + b)) != len(a) + 1:
        return False
    p = a[:-2]
    i, j = a[-2:]
    j2, k = b[-2:]
    return b[:-2] == p and out == p + i + k and j == j2 and len({i, j, k}) == 3 and not set(p) & {i, j, k}


declare("jnp.einsum", family=FAMILY, targets=[(JNP, "einsum")], unpack=_unpack_einsum,
        apply=lambda orig, *ops, equation, as_matmul: orig(equation, *ops), onnx_ops=("Einsum", "MatMul"),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.einsum.html")


def _unpack_matmul(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
    if precision is not None or preferred_element_type is not None or out_sharding is not None:
        return None
    if not (_is_array(a) and _is_array(b)) or np.dtype(a.dtype) != np.dtype(b.dtype):
        return None
    return (a, b), {}


declare("jnp.matmul", family=FAMILY, targets=[(JNP, "matmul")], unpack=_unpack_matmul,
        apply=lambda orig, a, b: orig(a, b), onnx_ops=("MatMul",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.matmul.html")


# ---- arange / linspace (static arguments only) ---------------------------------------
_STATIC = "static arguments only: no array operands, the result is a constant"


def _unpack_arange(start, stop=None, step=None, dtype=None, *, device=None, out_sharding=None):
    if device is not None or out_sharding is not None:
        return None
    if not all(v is None or _number(v) for v in (start, stop, step)) or stop is None and step is not None:
        return None
    return (), {"start": start, "stop": stop, "step": step, "dtype": _dtype_name(dtype)}


ARANGE = declare("jnp.arange", family=FAMILY, targets=[(JNP, "arange")], unpack=_unpack_arange,
        apply=lambda orig, *, start, stop, step, dtype: orig(start, stop, step, dtype=dtype),
        differentiable=False, nondiff_reason=_STATIC, onnx_ops=("Range",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.arange.html")


def _unpack_linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None):
    if retstep or axis != 0 or device is not None or not (_number(start) and _number(stop)):
        return None
    if not isinstance(num, (int, np.integer)) or num < 0:
        return None
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.floating):
        return None  # integer linspace floors; not covered
    return (), {"start": float(start), "stop": float(stop), "num": int(num), "endpoint": bool(endpoint),
                "dtype": _dtype_name(dtype)}


declare("jnp.linspace", family=FAMILY, targets=[(JNP, "linspace")], unpack=_unpack_linspace,
        apply=lambda orig, *, start, stop, num, endpoint, dtype: orig(start, stop, num, endpoint, dtype=dtype),
        differentiable=False, nondiff_reason=_STATIC, onnx_ops=("Range", "Mul", "Add"),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.numpy.linspace.html")
