"""Run one fuzzed function through both pipelines; compare each with JAX and the two together."""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np

from jax2onnx import allclose, to_onnx
from jax2onnx.shadow import case_context, compare_models
from jax2onnx.testing.strategies import Shape, arrays_for

#: the second size a symbolic batch axis is run at (a baked-in size shows there)
SECOND_BATCH = 5


def _spec(shape: Shape, dtype):
    import jax

    dims = shape.spec()
    if shape.symbolic:
        dims = jax.export.symbolic_shape(", ".join(str(d) for d in dims))
    return jax.ShapeDtypeStruct(tuple(dims), np.dtype(dtype))


def _concrete(shapes: Sequence[Shape], batch: int | None):
    return [(batch,) + s.dims[1:] if (batch is not None and s.symbolic) else s.dims for s in shapes]


def check_both(fn: Callable, shapes: Sequence[Shape], dtypes: Sequence | None = None, *, rtol=1e-5, atol=1e-5,
               seed: int = 0, positive: bool = False, nonzero: bool = False, x64: bool = False) -> None:
    """Convert ``fn`` with legacy and onnx_ir; check, run in ORT vs JAX; shadow-compare the two models."""
    import onnx

    dtypes = list(dtypes or [np.float32] * len(shapes))
    specs = [_spec(s, dt) for s, dt in zip(shapes, dtypes)]
    sizes = [None]
    symbolic = any(s.symbolic for s in shapes)
    if symbolic:
        sizes.append(SECOND_BATCH)
    inputs = {b: arrays_for(_concrete(shapes, b), dtypes, seed, positive=positive, nonzero=nonzero) for b in sizes}
    models, seconds = {}, {}
    for use_ir in (False, True):
        t0 = time.perf_counter()
        model = to_onnx(fn, specs, use_onnx_ir=use_ir, enable_double_precision=x64)
        seconds[use_ir] = time.perf_counter() - t0
        onnx.checker.check_model(model, full_check=True)
        name = "onnx_ir" if use_ir else "legacy"
        for b, arrays in inputs.items():
            record = allclose(fn, model, arrays, rtol=rtol, atol=atol, enable_double_precision=x64)
            assert record, f"{name} vs JAX at batch={b}: {record.summary()}"
        models[use_ir] = model
    with case_context("fuzz", rtol, atol, inputs=lambda: inputs[None]):
        report = compare_models("fuzz", "legacy", models[False], seconds[False], models[True], seconds[True])
    assert not report.mismatch, report.summary()
    assert report.numeric_status == "ok", report.summary()
