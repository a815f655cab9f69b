"""How complex numbers are carried in ONNX models (shared pure helper, numpy only).

onnxruntime has almost no complex kernels, so a ``complex64``/``complex128`` value
of shape ``S`` is carried as a ``float32``/``float64`` tensor of shape ``S + (2,)``:
``[..., 0]`` is the real part, ``[..., 1]`` the imaginary part. This holds for graph
inputs and outputs too (their ``doc_string`` says so). This module is the one place
that mapping is written down; the onnx_ir converter, ``allclose`` and the test
runner all use it.

>>> import numpy as np
>>> carrier_dtype(np.complex64), carrier_shape((3,), np.complex64)
(dtype('float32'), (3, 2))
>>> pack(np.array([1 + 2j], np.complex64)).tolist()
[[1.0, 2.0]]
>>> unpack(np.array([[1.0, 2.0]], np.float32)).tolist()
[(1+2j)]
"""

from __future__ import annotations

import numpy as np

__all__ = ["is_complex", "carrier_dtype", "carrier_shape", "pack", "unpack", "complex_of",
           "aval_has_complex", "DOC_STRING"]

#: doc_string of a graph input/output that carries a complex value
DOC_STRING = ("complex value carried as real numbers: the last axis (size 2) holds "
              "(real, imaginary); jax2onnx complex convention, see docs/complex.md")

_CARRIER = {"complex64": np.dtype(np.float32), "complex128": np.dtype(np.float64)}
_COMPLEX = {"float32": np.dtype(np.complex64), "float64": np.dtype(np.complex128)}


def is_complex(dtype) -> bool:
    """True for complex64/complex128 (False for anything numpy cannot name, e.g. key types)."""
    try:
        return np.dtype(dtype).kind == "c"
    except TypeError:
        return False


def carrier_dtype(dtype) -> np.dtype:
    """The real dtype carrying ``dtype`` (complex64 -> float32); other dtypes unchanged."""
    d = np.dtype(dtype)
    return _CARRIER.get(d.name, d)


def complex_of(dtype) -> np.dtype:
    """The complex dtype whose parts are ``dtype`` (float32 -> complex64)."""
    return _COMPLEX[np.dtype(dtype).name]


def carrier_shape(shape, dtype) -> tuple:
    """``shape + (2,)`` for a complex ``dtype``, ``shape`` otherwise (symbolic dims kept)."""
    return tuple(shape) + (2,) if is_complex(dtype) else tuple(shape)


def pack(array) -> np.ndarray:
    """A complex array as its carrier (real, imag on a new last axis); others unchanged."""
    a = np.asarray(array)
    if not is_complex(a.dtype):
        return a
    return np.ascontiguousarray(np.stack([a.real, a.imag], axis=-1))


def unpack(array, dtype=None) -> np.ndarray:
    """A carrier array (last axis 2) back to complex (``dtype`` or the matching complex type)."""
    a = np.asarray(array)
    out = a[..., 0] + 1j * a[..., 1].astype(a.dtype)
    return out.astype(dtype if dtype is not None else complex_of(a.dtype))


def aval_has_complex(avals) -> bool:
    """True when any of ``avals`` (objects with ``.dtype``) is complex (called per equation:
    reads ``dtype.kind`` directly; extended dtypes such as PRNG keys have none)."""
    for a in avals:
        if getattr(getattr(a, "dtype", None), "kind", None) == "c":
            return True
    return False
