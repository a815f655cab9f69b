"""Typed PRNG keys (``key<fry>`` extended dtypes) in the onnx_ir pipeline.

ONNX has no key type. A key array of shape ``S`` whose implementation has key
shape ``K`` (threefry2x32: ``(2,)``) is carried as its key data, ``uint32[*S, *K]``
— at the model's inputs and outputs too (the value's ``doc_string`` says so). This
is JAX's own *physical* aval of a key array (``jax.random.key_data``).

Three places need to know:

* typing: :func:`ir_type_shape` gives the ONNX type/shape of any aval (physical for
  keys); the converter stamps eqn outputs, graph inputs and outputs with it;
* constants: :func:`host_value` turns a key array constant into its key data;
* structural primitives on keys (``slice``, ``squeeze``, ``broadcast_in_dim``,
  ``concatenate``, ``select_n``, ``gather``, ``reshape`` …) have lowerings written
  for ordinary arrays. :func:`lower_physical` lowers such an eqn by ``jax.vmap``-ing
  the primitive over the trailing key-data axes of its key operands (the same op on
  every key word) and inlining the resulting jaxpr, which has no keys any more.

The PRNG primitives themselves (family ``random``), call-like primitives (which
inline a body whose eqns come back here) and control flow (``cond``/``while``/``scan``,
whose subgraph boundaries are typed with :func:`ir_type_shape`) see physical values
directly and are not rewritten.
"""

from __future__ import annotations

import functools

import numpy as np
import onnx_ir as ir

__all__ = ["is_key", "physical_aval", "ir_type_shape", "host_value", "touches_keys", "lower_physical",
           "KEY_DOC", "KEY_AWARE_FAMILIES"]

#: families whose lowerings take key operands as key data themselves (calls inline a body,
#: control flow types its subgraph boundaries with :func:`ir_type_shape`)
KEY_AWARE_FAMILIES = ("random", "calls", "control_flow")

#: doc_string of a graph input/output that carries typed keys
KEY_DOC = ("typed jax.random key array {dtype}{shape}: carried as its key data "
           "(jax.random.key_data), uint32 with trailing key axes {key_shape}")


def is_key(aval) -> bool:
    """Does ``aval`` (or a dtype) hold typed PRNG keys?"""
    dtype = getattr(aval, "dtype", aval)
    if dtype is None or isinstance(dtype, np.dtype):  # the fast path for every ordinary value
        return False
    import jax

    try:
        return jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key)
    except TypeError:  # not a dtype at all (a token's aval)
        return False


def physical_aval(aval):
    """JAX's physical aval: keys -> ``uint32[*shape, *key_shape]``; others unchanged."""
    if not is_key(aval):
        return aval
    from jax._src import core  # pinned jax; the key_data aval JAX itself lowers keys with

    return core.physical_aval(aval)


def ir_type_shape(aval) -> tuple[ir.TensorType, ir.Shape]:
    """The ONNX type and shape of a value of ``aval`` (fresh objects each call)."""
    dtype, dims = onnx_type_dims(aval)
    return ir.TensorType(dtype), ir.Shape(dims)


def onnx_type_dims(aval) -> tuple[ir.DataType, tuple]:
    """The ONNX element type and dims of a value of ``aval`` (cached; nothing to mutate)."""
    return _onnx_type_dims(tuple(aval.shape), aval.dtype)


@functools.lru_cache(maxsize=4096)
def _onnx_type_dims(shape: tuple, dtype):
    """(ONNX element type, dims) of an aval; cached, since a model repeats few avals."""
    from jax.core import ShapedArray

    from .context import ir_dtype, ir_shape

    phys = physical_aval(ShapedArray(shape, dtype)) if is_key(dtype) else None
    shape, dtype = (phys.shape, phys.dtype) if phys is not None else (shape, dtype)
    return ir_dtype(dtype), tuple(ir_shape(shape, dtype).dims)  # complex: trailing (re, im) axis


def key_doc(aval) -> str:
    phys = physical_aval(aval)
    key_shape = tuple(phys.shape[len(aval.shape):])
    return KEY_DOC.format(dtype=aval.dtype, shape=list(aval.shape), key_shape=key_shape)


def host_value(value):
    """A constant as an array ONNX can hold: key arrays become their key data."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and is_key(dtype):
        import jax

        return np.asarray(jax.random.key_data(value))
    return value


def touches_keys(eqn) -> bool:
    return any(is_key(v.aval) for v in eqn.invars) or any(is_key(v.aval) for v in eqn.outvars)


def lower_physical(ctx, eqn, args):
    """Lower a structural eqn on key arrays as the same primitive on their key data."""
    import jax

    if any(not is_key(v.aval) for v in eqn.outvars):
        raise NotImplementedError(
            f"{eqn.primitive.name} on typed PRNG keys with non-key results has no lowering; "
            "use jax.random.key_data on the keys first")
    if not any(is_key(v.aval) for v in eqn.invars):
        raise NotImplementedError(f"{eqn.primitive.name} creates typed PRNG keys from non-key operands")
    key_ndims = [len(physical_aval(v.aval).shape) - len(v.aval.shape) for v in eqn.invars]
    out_ndim = {len(physical_aval(v.aval).shape) - len(v.aval.shape) for v in eqn.outvars}
    if set(k for k, v in zip(key_ndims, eqn.invars) if is_key(v.aval)) | out_ndim != {1}:
        raise NotImplementedError("typed keys with a key shape of rank != 1 are not supported")
    prim, params = eqn.primitive, dict(eqn.params)
    in_axes = [-1 if is_key(v.aval) else None for v in eqn.invars]

    def per_word(*xs):
        return prim.bind(*xs, **params)

    out_axes = [-1] * len(eqn.outvars) if prim.multiple_results else -1
    fn = jax.vmap(per_word, in_axes=in_axes, out_axes=out_axes)
    specs = [jax.ShapeDtypeStruct(physical_aval(v.aval).shape, physical_aval(v.aval).dtype) for v in eqn.invars]
    with jax.enable_x64(ctx.root.x64):
        closed = jax.make_jaxpr(fn)(*specs)
    outs = ctx.inline(closed.jaxpr, list(args), list(closed.consts))
    return tuple(outs) if prim.multiple_results else outs[0]
