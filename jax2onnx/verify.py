"""Verification records: does an ONNX model compute what JAX computes?

>>> import jax.numpy as jnp, numpy as np
>>> from jax2onnx import to_onnx, allclose
>>> f = lambda x: jnp.tanh(x) * 2
>>> model = to_onnx(f, [("B", 3)])
>>> bool(allclose(f, model, [np.ones((2, 3), np.float32)]))
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np

from .plugin.complex_repr import carrier_shape, complex_of, is_complex, pack, unpack

__all__ = ["OutputCheck", "VerificationRecord", "allclose", "compare_outputs"]


@dataclass
class OutputCheck:
    """How one output compares: errors, tolerance, dtypes, shapes, verdict."""

    index: int
    max_abs: float
    max_rel: float
    rtol: float
    atol: float
    expected_dtype: str
    actual_dtype: str
    expected_shape: list
    actual_shape: list
    ok: bool
    note: str = ""


@dataclass
class VerificationRecord:
    """Truthy when every output matches."""

    outputs: list[OutputCheck] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.outputs) and all(o.ok for o in self.outputs) and not self.note

    def __bool__(self) -> bool:
        return self.ok

    @property
    def max_abs_error(self) -> float:
        return max((o.max_abs for o in self.outputs), default=float("nan"))

    def summary(self) -> str:
        if self.note:
            return self.note
        parts = [
            f"out{o.index}: {'ok' if o.ok else 'MISMATCH'} max_abs={o.max_abs:.3g} max_rel={o.max_rel:.3g} "
            f"(rtol={o.rtol:g}, atol={o.atol:g}) {o.actual_dtype}{o.actual_shape}"
            + (f" [{o.note}]" if o.note else "")
            for o in self.outputs
        ]
        return "; ".join(parts)

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def _errors(actual: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    if actual.size == 0:
        return 0.0, 0.0
    wide = np.complex128 if np.iscomplexobj(expected) or np.iscomplexobj(actual) else np.float64
    a = actual.astype(wide) if actual.dtype != np.bool_ else actual.astype(np.int64)
    e = expected.astype(wide) if expected.dtype != np.bool_ else expected.astype(np.int64)
    both_nan = np.isnan(a) & np.isnan(e)
    same_inf = np.isinf(a) & (a == e)
    diff = np.where(both_nan | same_inf, 0.0, np.abs(a - e))
    diff = np.nan_to_num(diff, nan=np.inf)
    rel = diff / np.maximum(np.abs(np.where(np.isfinite(e), e, 0.0)), 1e-30)
    return float(diff.max()), float(np.where(diff == 0, 0.0, rel).max())


def compare_outputs(actual: Sequence[Any], expected: Sequence[Any], rtol: float, atol: float) -> VerificationRecord:
    """Compare ONNX outputs with reference outputs, element-wise like ``np.allclose``."""
    if len(actual) != len(expected):
        return VerificationRecord(note=f"model has {len(actual)} outputs, reference has {len(expected)}")
    checks = []
    for i, (a, e) in enumerate(zip(actual, expected)):
        a, e = np.asarray(a), np.asarray(e)
        if is_complex(e.dtype) and not is_complex(a.dtype) and a.shape == carrier_shape(e.shape, e.dtype):
            a = unpack(a, e.dtype)  # the ONNX carrier of a complex output
        note = ""
        ok = True
        if a.shape != e.shape:
            ok, note = False, f"shape {list(a.shape)} != expected {list(e.shape)}"
            mabs = mrel = float("inf")
        else:
            mabs, mrel = _errors(a, e)
            if a.dtype != e.dtype:
                ok, note = False, f"dtype {a.dtype} != expected {e.dtype}"
            elif np.issubdtype(e.dtype, np.inexact):
                close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
                ok = bool(close.all())
            else:
                ok = bool(np.array_equal(a, e))
        checks.append(OutputCheck(i, mabs, mrel, rtol, atol, str(e.dtype), str(a.dtype),
                                  list(e.shape), list(a.shape), ok, note))
    return VerificationRecord(checks)


def _is_key(x) -> bool:
    import jax

    dtype = getattr(x, "dtype", None)
    return dtype is not None and not isinstance(dtype, np.dtype) and jax.dtypes.issubdtype(
        dtype, jax.dtypes.prng_key)


def _session(ort_utils, model):
    import os

    if isinstance(model, (str, os.PathLike)) and not os.path.isfile(os.fspath(model)):
        raise FileNotFoundError(f"allclose: no model file at {os.fspath(model)!r}")
    try:
        return ort_utils.session(model)
    except TypeError:
        raise
    except Exception as e:  # onnxruntime's own exception types
        where = f" {os.fspath(model)!r}" if isinstance(model, (str, os.PathLike)) else ""
        raise ValueError(f"allclose: onnxruntime cannot load the model{where}: {e}") from e


def _check_shapes(specs, arrays) -> None:
    """Each array's rank and static dims must match the model input; a symbol one size."""
    if len(specs) != len(arrays):
        raise ValueError(
            f"allclose: the model has {len(specs)} inputs ({', '.join(n for n, _, _ in specs)}) "
            f"but {len(arrays)} arrays were given"
        )
    sizes: dict[str, tuple[int, str]] = {}
    for (name, _, shape), a in zip(specs, arrays):
        if shape is None:
            continue
        want = "[" + ", ".join(str(d) for d in shape) + "]"
        if a.ndim != len(shape):
            raise ValueError(f"allclose: input {name!r} has rank {len(shape)} {want}; got an array of shape {list(a.shape)}")
        for d, n in zip(shape, a.shape):
            if isinstance(d, int) and d != n:
                raise ValueError(f"allclose: input {name!r} has shape {want}; got an array of shape {list(a.shape)}")
            if isinstance(d, str) and d:
                seen = sizes.setdefault(d, (n, name))
                if seen[0] != n:
                    raise ValueError(
                        f"allclose: symbolic dim {d!r} is {seen[0]} in input {seen[1]!r} but {n} in input {name!r}; "
                        f"one symbol is one size"
                    )


def allclose(fn, model, inputs: Sequence[Any], input_params: dict | None = None, *,
             rtol: float = 1e-5, atol: float = 1e-5,
             enable_double_precision: bool | None = None) -> VerificationRecord:
    """Run ``model`` in onnxruntime and ``fn`` in JAX on the same ``inputs``; compare.

    ``model`` is an ``onnx.ModelProto``, an ``onnx_ir.Model`` or a path. ``inputs``
    are concrete arrays (one per positional argument); a typed PRNG key array
    (``jax.random.key``) goes to JAX as is and to ONNX as its uint32 key data, and key
    outputs are compared as key data. Complex inputs are fed to onnxruntime as (re, im)
    float pairs and complex outputs read back the same way (docs/complex.md). Models are
    run the way ``to_onnx`` converts them (NNX/Equinox in inference mode).

    Raises ``FileNotFoundError`` (no file at the model path), ``TypeError``
    (``model`` or ``inputs`` of the wrong kind) and ``ValueError`` (a model
    onnxruntime cannot load; a wrong number of inputs; an input whose rank or
    shape the model does not accept, or symbolic dims with two sizes).
    """
    import jax

    from .frontend.adapters import prepare
    from .testing import ort as ort_utils

    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"inputs must be a list or tuple of arrays, one per model input, got {type(inputs).__name__}"
            + (" (wrap a single array: [x])" if hasattr(inputs, "shape") else "")
        )
    if enable_double_precision is not None and not isinstance(enable_double_precision, bool):
        raise TypeError(f"enable_double_precision must be True, False or None, got {enable_double_precision!r}")
    # a typed PRNG key (jax.random.key) is fed to JAX as is and to ONNX as its uint32 key data
    keys = [_is_key(x) for x in inputs]
    arrays = [np.asarray(jax.random.key_data(x)) if k else np.asarray(x) for x, k in zip(inputs, keys)]
    sess = _session(ort_utils, model)
    specs = ort_utils.input_specs(sess)
    _check_shapes(specs, [pack(a) for a in arrays])  # complex arrays as (re, im) pairs
    if enable_double_precision is None:
        enable_double_precision = any(dt in (np.float64, np.int64) for _, dt, _ in specs) or any(
            o.type in ("tensor(double)", "tensor(int64)") for o in sess.get_outputs())
    actual = ort_utils.run(sess, [pack(a) for a in arrays])
    prepared = prepare(fn, input_params)

    def reference_dtype(a, dt):
        return complex_of(dt) if is_complex(a.dtype) and dt is not None else dt

    with jax.enable_x64(enable_double_precision):
        cast = [x if k else a.astype(reference_dtype(a, dt)) if dt is not None else a
                for x, k, a, (_, dt, _) in zip(inputs, keys, arrays, specs)]
        expected = [np.asarray(jax.random.key_data(x)) if _is_key(x) else np.asarray(x)
                    for x in jax.tree_util.tree_leaves(prepared.reference(*cast))]
    return compare_outputs(actual, expected, rtol, atol)
