"""Shadow compare (RFC §6.3): lower the same traced program with the other pipeline and diff.

``to_onnx`` calls :func:`shadow_compare` after the chosen pipeline converted, only
when ``JAX2ONNX_SHADOW_COMPARE`` is on; the chosen model is never modified. The
other pipeline lowers the **same** jaxpr (no second trace). Three checks:
structure (recorded), metadata (mismatch), numerics in onnxruntime on the same
seeded inputs when the inputs and weights are small enough (mismatch; a skip is
recorded with its reason).
"""

from __future__ import annotations

import contextlib
import contextvars
import time
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .. import flags
from . import inspect as mi
from .report import NumericOutput, PipelineResult, ShadowReport
from .sink import emit

__all__ = ["shadow_compare", "case_context", "compare_models", "DEFAULT_RTOL", "DEFAULT_ATOL", "SYMBOL_SIZE"]

DEFAULT_RTOL = 1e-5
DEFAULT_ATOL = 1e-5
#: concrete size given to a symbolic dimension when no testcase supplies inputs
SYMBOL_SIZE = 3


@dataclass
class _CaseContext:
    name: str
    rtol: float
    atol: float
    inputs: Callable[[], Sequence[Any]] | None


_CONTEXT: contextvars.ContextVar[_CaseContext | None] = contextvars.ContextVar("jax2onnx_shadow_case", default=None)


@contextlib.contextmanager
def case_context(name: str, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL,
                 inputs: Callable[[], Sequence[Any]] | None = None) -> Iterator[None]:
    """Conversions inside the block are compared with this tolerance and these inputs.

    The test runner uses it so a shadow comparison uses the testcase's ``rtol``/``atol``
    and its valid inputs (``inputs`` is called lazily, only if numerics run).
    """
    token = _CONTEXT.set(_CaseContext(name, float(rtol), float(atol), inputs))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def _pipeline_result(pipeline: str, model, seconds: float) -> PipelineResult:
    hist = mi.op_histogram(model)
    ins, outs = mi.io_metadata(model)
    return PipelineResult(pipeline=pipeline, seconds=seconds, node_count=sum(hist.values()),
                          op_histogram=hist, inputs=ins, outputs=outs)


def _numpy_dtype(name: str):
    import onnx_ir as ir

    return np.dtype(ir.DataType[name].numpy())


def _seeded_inputs(meta: list[dict], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for m in meta:
        shape = tuple(d if isinstance(d, int) else SYMBOL_SIZE for d in (m["shape"] or []))
        dt = _numpy_dtype(m["dtype"])
        if np.issubdtype(dt, np.floating):
            arrays.append(rng.standard_normal(shape).astype(dt))
        elif dt == np.bool_:
            arrays.append(rng.integers(0, 2, shape).astype(bool))
        else:
            arrays.append(rng.integers(0, 3, shape).astype(dt))
    return arrays


def _estimated_bytes(meta: list[dict], program) -> int:
    total = 0
    for m in meta:
        try:
            itemsize = _numpy_dtype(m["dtype"]).itemsize
        except (KeyError, TypeError, ValueError):
            itemsize = 8
        total += int(np.prod([d if isinstance(d, int) else SYMBOL_SIZE for d in (m["shape"] or [])], dtype=np.int64)) * itemsize
    if program is not None:
        for w in list(program.weight_values) + list(program.consts):
            total += int(getattr(w, "nbytes", 0) or 0)
    return total


def _run(model, arrays):
    from ..testing import ort as ort_utils

    return ort_utils.run(ort_utils.session(model), arrays)


def _numerics(report: ShadowReport, chosen_model, other_model, program, ctx: _CaseContext | None) -> None:
    from ..verify import compare_outputs

    meta = report.results[report.chosen].inputs
    report.max_bytes = flags.shadow_max_bytes()
    report.input_bytes = _estimated_bytes(meta, program)
    if report.input_bytes > report.max_bytes:
        report.numeric_status = "skipped"
        report.numeric_note = (f"inputs+weights ~{report.input_bytes} bytes > JAX2ONNX_SHADOW_MAX_BYTES="
                               f"{report.max_bytes}")
        return
    try:
        if ctx is not None and ctx.inputs is not None:
            arrays = [np.asarray(a) for a in ctx.inputs()]
            source = "testcase inputs"
        else:
            arrays = _seeded_inputs(meta, zlib.crc32(report.name.encode()))
            source = f"seeded random inputs (symbolic dims = {SYMBOL_SIZE})"
    except Exception as e:  # noqa: BLE001 - a bad input generator is recorded, not fatal
        report.numeric_status = "skipped"
        report.numeric_note = f"could not build inputs: {type(e).__name__}: {e}"
        return
    outs = {}
    errors = {}
    for pipeline, model in ((report.chosen, chosen_model), (report.other, other_model)):
        try:
            outs[pipeline] = _run(model, arrays)
        except Exception as e:  # noqa: BLE001 - ORT failures are part of the verdict
            errors[pipeline] = f"{type(e).__name__}: {str(e)[:300]}"
    if len(errors) == 2:
        report.numeric_status = "skipped"
        report.numeric_note = f"both models fail in onnxruntime on {source}: {errors[report.chosen]}"
        return
    if errors:
        (bad, msg), = errors.items()
        report.numeric_status = "mismatch"
        report.numeric_note = f"only {bad} fails in onnxruntime on {source}: {msg}"
        return
    record = compare_outputs(outs[report.other], outs[report.chosen], report.rtol, report.atol)
    report.numeric = [NumericOutput(o.index, o.max_abs, o.max_rel, o.rtol, o.atol, o.ok, o.note)
                      for o in record.outputs]
    report.numeric_status = "ok" if record.ok else "mismatch"
    report.numeric_note = source if record.ok or not record.note else f"{record.note} ({source})"


def compare_models(name: str, chosen: str, chosen_model, chosen_seconds: float,
                   other_model, other_seconds: float, *, other_error: BaseException | None = None,
                   program=None, rtol: float | None = None, atol: float | None = None,
                   numerics: bool = True) -> ShadowReport:
    """Compare two already-built models (``other_model`` None when ``other_error`` says why)."""
    ctx = _CONTEXT.get()
    other = "onnx_ir" if chosen == "legacy" else "legacy"
    report = ShadowReport(name=name, chosen=chosen, other=other,
                          rtol=rtol if rtol is not None else (ctx.rtol if ctx else DEFAULT_RTOL),
                          atol=atol if atol is not None else (ctx.atol if ctx else DEFAULT_ATOL),
                          case=ctx.name if ctx else "")
    report.results[chosen] = _pipeline_result(chosen, chosen_model, chosen_seconds)
    if other_model is None:
        err = other_error or RuntimeError("no model")
        report.results[other] = PipelineResult(pipeline=other, status="error", error_type=type(err).__name__,
                                               error_message=str(err)[:2000], seconds=other_seconds)
        report.numeric_note = f"{other} did not convert"
        return report
    report.results[other] = _pipeline_result(other, other_model, other_seconds)
    a, b = report.results[chosen], report.results[other]
    report.node_count_diff = b.node_count - a.node_count
    ops = set(a.op_histogram) | set(b.op_histogram)
    report.histogram_diff = {op: b.op_histogram.get(op, 0) - a.op_histogram.get(op, 0) for op in sorted(ops)
                             if b.op_histogram.get(op, 0) != a.op_histogram.get(op, 0)}
    report.metadata_diffs = mi.metadata_diffs((a.inputs, a.outputs), (b.inputs, b.outputs), (chosen, other))
    if report.metadata_diffs:
        report.numeric_note = "not run: metadata differs"
    elif numerics:
        _numerics(report, chosen_model, other_model, program, ctx)
    return report


def shadow_compare(program, pipeline: str, model, seconds: float, opset: int) -> ShadowReport:
    """Lower ``program`` with the pipeline not chosen, compare with ``model``, emit the report.

    Raises :class:`~jax2onnx.errors.ShadowMismatchError` in ``strict`` mode when the
    models disagree on metadata or numbers; otherwise returns the report.
    """
    from ..errors import ShadowMismatchError
    from ..user_interface import lower_program

    other = "onnx_ir" if pipeline == "legacy" else "legacy"
    t0 = time.process_time()  # CPU seconds: a shared machine's descheduling is not lowering time
    other_model, other_error = None, None
    try:
        other_model = lower_program(program, other, opset)
    except Exception as e:  # noqa: BLE001 - the other pipeline failing is recorded, not raised
        other_error = e
    other_seconds = time.process_time() - t0
    report = compare_models(program.model_name, pipeline, model, seconds, other_model, other_seconds,
                            other_error=other_error, program=program)
    emit(report)
    if report.mismatch and flags.shadow_mode() == "strict":
        raise ShadowMismatchError(report)
    return report
