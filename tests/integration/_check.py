"""The one check every integration test runs on a model built by a real library.

``check(...)`` takes an exported model (an ``onnx.ModelProto`` or the path of a
file a library wrote) and the JAX reference, and asserts, in this order:

1. ``onnx.checker.check_model(full_check=True)`` passes;
2. onnxruntime loads it (CPU provider);
3. the batch axis of every input and output named in ``batch_axes`` is a
   symbolic dimension (``dim_param`` set, no ``dim_value``);
4. at B=1 and at B=3 the ONNX outputs match JAX's element-wise within
   ``rtol``/``atol`` (default :data:`RTOL`/:data:`ATOL`: float32 models whose
   activations are O(1); a test that needs more says so and why);
5. optionally, macro ops that must stay whole (``fused=("LayerNormalization",
   "Gelu")``) are in the graph. A missing one ends the test as ``xfail`` naming
   the op, the op histogram and the owner (graph fusion), after 1–4 passed —
   so the gap is watched without hiding a numeric failure.

The measured numbers (node count, max abs error over both batch sizes,
conversion seconds) go into the test's ``user_properties`` under
:data:`PROP`; ``conftest.py`` prints them as a table at the end of the run
(the table also survives pytest-xdist).
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pytest

__all__ = ["RTOL", "ATOL", "SIZES", "PROP", "Result", "spec", "convert", "check", "randn", "tokens"]

RTOL = 1e-4
ATOL = 1e-5
SIZES = (1, 3)
PROP = "jax2onnx_integration"

#: the graph-fusion gap a missing macro op is attributed to (issue 20)
FUSION_OWNER = "pattern fusion on the IR (issue 20, 'fast graphs')"


@dataclass
class Result:
    library: str
    model: str
    status: str
    nodes: int
    max_abs_error: float
    seconds: float
    ops: dict


def spec(shape: Sequence[Any], dtype=np.float32):
    """A ``jax.ShapeDtypeStruct`` whose string entries are symbolic dims (``("B", 8)``)."""
    import jax

    return jax.ShapeDtypeStruct(tuple(shape), np.dtype(dtype))


def convert(fn, inputs: Sequence[Any], **kwargs):
    """``to_onnx(fn, inputs, use_onnx_ir=True, **kwargs)``; returns (ModelProto, seconds)."""
    from jax2onnx import to_onnx

    t0 = time.perf_counter()
    model = to_onnx(fn, list(inputs), use_onnx_ir=True, **kwargs)
    return model, time.perf_counter() - t0


def randn(rng: np.random.Generator, *shape, scale: float = 1.0) -> np.ndarray:
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def tokens(rng: np.random.Generator, batch: int, length: int, vocab: int) -> np.ndarray:
    return rng.integers(0, vocab, (batch, length)).astype(np.int32)


def _dims(value_info) -> list:
    return [d.dim_param or (d.dim_value if d.HasField("dim_value") else "?")
            for d in value_info.type.tensor_type.shape.dim]


def _assert_symbolic(model, batch_axes) -> None:
    ins, outs = batch_axes if batch_axes is not None else (0, 0)
    for kind, values, axes in (("input", model.graph.input, ins), ("output", model.graph.output, outs)):
        for i, vi in enumerate(values):
            axis = axes.get(i) if isinstance(axes, dict) else axes
            if axis is None:
                continue
            dim = vi.type.tensor_type.shape.dim[axis]
            assert dim.dim_param and not dim.HasField("dim_value"), (
                f"{kind} {vi.name!r} axis {axis} should be a symbolic batch dim; shape {_dims(vi)}")


def check(record_property, library: str, name: str, model, reference: Callable,
          make_inputs: Callable[[int], Sequence[np.ndarray]], *, seconds: float,
          rtol: float = RTOL, atol: float = ATOL, sizes: Sequence[int] = SIZES,
          batch_axes=None, fused: Sequence[str] = (), input_names: Sequence[str] | None = None,
          ) -> Result:
    """Run checks 1–5 (module docstring) on ``model`` against ``reference``.

    ``make_inputs(b)`` returns the concrete inputs at batch size ``b`` (one array
    per graph input, in graph order); ``reference(*arrays)`` returns JAX's
    outputs (any pytree; its leaves are compared with the graph outputs in
    order). ``batch_axes=(in_axes, out_axes)`` where each is an int for all
    values or a dict index→axis (``None``: not batched); default axis 0 everywhere.
    ``input_names``, when given, must equal the graph's input names.
    ``reference`` runs under ``jax.jit`` (it must be a pure function of its inputs).
    """
    import jax
    import onnx

    from jax2onnx.testing import ort as ort_utils
    from jax2onnx.testing.graph import node_count, op_histogram
    from jax2onnx.verify import compare_outputs

    if isinstance(model, (str, os.PathLike)):
        model = onnx.load(os.fspath(model))
    onnx.checker.check_model(model, full_check=True)
    sess = ort_utils.session(model)
    hist = op_histogram(model)
    nodes = node_count(model)
    if input_names is not None:
        assert [i.name for i in model.graph.input] == list(input_names)
    _assert_symbolic(model, batch_axes)

    reference = jax.jit(reference)  # one compilation per batch size, not one per op
    worst = 0.0
    for b in sizes:
        arrays = [np.asarray(a) for a in make_inputs(b)]
        expected = [np.asarray(x) for x in jax.tree_util.tree_leaves(reference(*arrays))]
        actual = ort_utils.run(sess, arrays)
        record = compare_outputs(actual, expected, rtol, atol)
        worst = max(worst, record.max_abs_error)
        assert record, f"{library}/{name} at B={b}: {record.summary()}"

    missing = [op for op in fused if op not in hist]
    result = Result(library, name, "pass" if not missing else "pass, unfused: " + "/".join(missing),
                    nodes, worst, round(seconds, 3), hist)
    record_property(PROP, asdict(result))
    if missing:
        pytest.xfail(
            f"{library}/{name}: numbers match at B={tuple(sizes)}, but {missing} not in the graph "
            f"(the library's spelling is decomposed; owner: {FUSION_OWNER}); ops: {hist}")
    return result
