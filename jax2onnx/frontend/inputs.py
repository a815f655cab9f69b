"""Normalize the ``inputs`` argument of ``to_onnx`` into ``jax.ShapeDtypeStruct``s.

Accepted items: a shape tuple of ints and symbol strings (``("B", 30)``), a
``jax.ShapeDtypeStruct``, or an array (shape and dtype taken from it). All
symbols share one scope, so ``"B"`` is the same dimension in every input.

>>> specs, origins = normalize_inputs([("B", 30), (30, 4)], default_dtype="float32")
>>> str(specs[0].shape[0]), origins
('B', {'B': (0, 0)})
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["normalize_inputs", "is_symbolic", "dim_to_str", "NARROWED_DTYPES"]

ACCEPTED = (
    "a shape tuple of ints and symbol strings like ('B', 30), a jax.ShapeDtypeStruct, "
    "or an array (numpy or jax)"
)
SYMBOL_HINT = (
    "for a dimension whose size is only known at run time, use a symbol name such as "
    "('B', 30) (one name = one size, shared by every input)"
)
#: dtypes JAX narrows to 32 bits when x64 is off (enable_double_precision=False)
NARROWED_DTYPES = {"float64": "float32", "int64": "int32", "uint64": "uint32", "complex128": "complex64"}
_WARNED: set[str] = set()


def is_symbolic(d: Any) -> bool:
    return not isinstance(d, (int, np.integer))


def dim_to_str(d: Any) -> str:
    """ONNX dim_param text for a symbolic dimension (``B``, ``2*B``)."""
    return str(d).replace(" ", "")


def _shape_items(i: int, item: Any):
    """(shape tuple with ints/strings, dtype or None) for one inputs item."""
    import jax

    if isinstance(item, jax.ShapeDtypeStruct):
        return tuple(d if isinstance(d, (int, np.integer)) else str(d) for d in item.shape), item.dtype
    if isinstance(item, (list, tuple)):
        for d in item:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer, str)):
                raise TypeError(
                    f"inputs[{i}] = {item!r}: shape entries must be ints or symbol strings, "
                    f"got {d!r} ({type(d).__name__}). Accepted: {ACCEPTED}"
                    + (f"; {SYMBOL_HINT}." if d is None else ".")
                )
            if isinstance(d, (int, np.integer)) and d < 0:
                raise ValueError(f"inputs[{i}] = {item!r}: negative dimension {d}; {SYMBOL_HINT}")
            if isinstance(d, str) and not d.strip():
                raise ValueError(f"inputs[{i}] = {item!r}: empty symbol name; {SYMBOL_HINT}")
            if isinstance(d, str) and not d.strip().isidentifier():
                raise ValueError(
                    f"inputs[{i}] = {item!r}: cannot parse symbol {d!r}: a symbolic dimension "
                    f"must be a name (a Python identifier such as 'B' or 'batch_size'); "
                    f"signs, operators and expressions are not accepted in shape tuples "
                    f"(build expressions with jax.export.symbolic_shape and pass a jax.ShapeDtypeStruct)"
                )
        return tuple(d.strip() if isinstance(d, str) else d for d in item), None
    if hasattr(item, "shape") and hasattr(item, "dtype"):
        return tuple(int(d) for d in item.shape), np.dtype(item.dtype) if not hasattr(item.dtype, "name") else item.dtype
    raise TypeError(
        f"inputs[{i}] has unsupported type {type(item).__name__}. Accepted: {ACCEPTED}."
    )


def _user_scope(inputs):
    """One ``SymbolicScope`` for all inputs, keeping constraints given with
    ``jax.export.symbolic_shape(..., constraints=[...])``.

    The ShapeDtypeStructs' own scope is used when they share one; several scopes
    (each input parsed on its own) are merged into a fresh scope holding the
    union of their constraints, so every symbol ends up in one scope either way.
    """
    import jax
    from jax import export

    scopes = []
    for item in inputs:
        for d in item.shape if isinstance(item, jax.ShapeDtypeStruct) else ():
            sc = getattr(d, "scope", None)
            if is_symbolic(d) and sc is not None and all(sc is not s for s in scopes):
                scopes.append(sc)
    if len(scopes) == 1:
        return scopes[0], True
    constraints: list[str] = []
    for sc in scopes:
        for c in getattr(sc, "_explicit_constraints", ()):  # jax keeps the user's text here
            text = getattr(c, "debug_str", None)
            if text and text not in constraints:
                constraints.append(text)
    try:
        return export.SymbolicScope(constraints), False
    except Exception as e:
        raise ValueError(f"inputs: the symbolic constraints {constraints} cannot be combined: {e}") from e


def _narrowed(i: int, item: Any, dtype, enable_double_precision: bool):
    """Warn once per dtype when x64 off narrows ``dtype`` (an array or a ShapeDtypeStruct)."""
    if enable_double_precision or dtype is None:
        return
    name = np.dtype(dtype).name if not hasattr(dtype, "name") else dtype.name
    narrow = NARROWED_DTYPES.get(name)
    if narrow is None:
        return
    fix = (f"pass enable_double_precision=True to keep {name}, or give a {narrow} input")
    if name not in _WARNED:
        _WARNED.add(name)
        import warnings

        warnings.warn(
            f"inputs[{i}] is {name}; it is converted as {narrow} because "
            f"enable_double_precision=False (JAX's default without x64); {fix} "
            f"(warned once per dtype)", UserWarning, stacklevel=5,
        )


def normalize_inputs(inputs: Sequence[Any], default_dtype: Any, enable_double_precision: bool | None = None):
    """Return (specs, symbol_origins) where origins maps symbol -> (input index, axis)."""
    import jax
    from jax import export

    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"inputs must be a list or tuple with one item per positional argument, "
            f"got {type(inputs).__name__}. Each item: {ACCEPTED}."
        )
    scope, shared = _user_scope(inputs)
    if enable_double_precision is None:
        enable_double_precision = np.dtype(default_dtype) == np.float64
    specs = []
    origins: dict[str, tuple[int, int]] = {}
    for i, item in enumerate(inputs):
        shape, dtype = _shape_items(i, item)
        _narrowed(i, item, dtype, enable_double_precision)
        if shared and isinstance(item, jax.ShapeDtypeStruct):  # the user's scope: keep the dims
            dims = tuple(item.shape)
            for axis, d in enumerate(dims):
                if is_symbolic(d) and str(d).isidentifier():
                    origins.setdefault(str(d), (i, axis))
        elif any(isinstance(d, str) for d in shape):
            text = ", ".join(str(d) for d in shape)
            try:
                dims = export.symbolic_shape(text, scope=scope)
            except Exception as e:  # jax raises ValueError with its own text
                raise ValueError(
                    f"inputs[{i}] = {shape!r}: cannot parse symbolic shape: {e}"
                ) from e
            for axis, (raw, d) in enumerate(zip(shape, dims)):
                if isinstance(raw, str) and raw.strip().isidentifier():
                    origins.setdefault(raw.strip(), (i, axis))
        else:
            dims = tuple(int(d) for d in shape)
        specs.append(jax.ShapeDtypeStruct(tuple(dims), dtype if dtype is not None else default_dtype))
    return specs, origins
