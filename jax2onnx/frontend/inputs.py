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

__all__ = ["normalize_inputs", "is_symbolic", "dim_to_str"]

ACCEPTED = (
    "a shape tuple of ints and symbol strings like ('B', 30), a jax.ShapeDtypeStruct, "
    "or an array (numpy or jax)"
)


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
                    f"got {d!r} ({type(d).__name__}). Accepted: {ACCEPTED}."
                )
            if isinstance(d, (int, np.integer)) and d < 0:
                raise ValueError(f"inputs[{i}] = {item!r}: negative dimension {d}")
            if isinstance(d, str) and not d.strip():
                raise ValueError(f"inputs[{i}] = {item!r}: empty symbol name")
        return tuple(item), None
    if hasattr(item, "shape") and hasattr(item, "dtype"):
        return tuple(int(d) for d in item.shape), np.dtype(item.dtype) if not hasattr(item.dtype, "name") else item.dtype
    raise TypeError(
        f"inputs[{i}] has unsupported type {type(item).__name__}. Accepted: {ACCEPTED}."
    )


def normalize_inputs(inputs: Sequence[Any], default_dtype: Any):
    """Return (specs, symbol_origins) where origins maps symbol -> (input index, axis)."""
    import jax
    from jax import export

    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"inputs must be a list or tuple with one item per positional argument, "
            f"got {type(inputs).__name__}. Each item: {ACCEPTED}."
        )
    scope = export.SymbolicScope()
    specs = []
    origins: dict[str, tuple[int, int]] = {}
    for i, item in enumerate(inputs):
        shape, dtype = _shape_items(i, item)
        if any(isinstance(d, str) for d in shape):
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
