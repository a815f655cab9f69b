"""``to_onnx``: flag resolution, routing to a pipeline, shadow hook, return modes."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import time
from typing import Any, Sequence

from . import flags, stages
from .errors import ConversionError

__all__ = ["to_onnx", "RETURN_MODES", "SUPPORTED_OPSETS", "LEGACY_OPSETS"]

log = logging.getLogger("jax2onnx")

RETURN_MODES = ("proto", "ir", "file")
#: opsets the onnx_ir pipeline targets: 13 up to the newest onnxruntime 1.32 loads (28)
SUPPORTED_OPSETS = range(13, 29)
#: the frozen legacy pipeline's range (it never learned the pre-18 signatures)
LEGACY_OPSETS = range(18, 27)


def _check_bool(name: str, value, allow_none: bool = False) -> None:
    if isinstance(value, bool) or (allow_none and value is None):
        return
    accepted = "True, False or None" if allow_none else "True or False"
    raise TypeError(f"{name} must be {accepted}, got {value!r} ({type(value).__name__})")


def _validate(return_mode, output_path, opset, model_name, external_data=None):
    if return_mode not in RETURN_MODES:
        raise ValueError(f"return_mode must be one of {RETURN_MODES}, got {return_mode!r}")
    if isinstance(opset, bool) or not isinstance(opset, int) or opset not in SUPPORTED_OPSETS:
        raise ValueError(
            f"opset must be an int from {SUPPORTED_OPSETS.start} to {SUPPORTED_OPSETS.stop - 1}, got {opset!r}"
        )
    if not isinstance(model_name, str) or not model_name:
        raise TypeError(f"model_name must be a non-empty string, got {model_name!r}")
    _check_bool("external_data", external_data, allow_none=True)
    if return_mode == "file":
        if output_path is None:
            raise ValueError("return_mode='file' needs output_path (where to write the .onnx file)")
        from .writer import check_output_path

        check_output_path(output_path)
    elif output_path is not None:
        raise ValueError(
            f"output_path is only used with return_mode='file' (got return_mode={return_mode!r})"
        )
    elif external_data is not None:
        raise ValueError(
            f"external_data is only used with return_mode='file' (got return_mode={return_mode!r}); "
            f"the returned model holds its weights in memory"
        )


def lower_program(program, pipeline: str, opset: int, layout=None):
    """Lower a traced program with one pipeline: ModelProto (legacy) or ir.Model (onnx_ir).

    ``layout``: (input indices, output indices) given channels-first (onnx_ir only)."""
    if pipeline == "onnx_ir":
        from .converter2 import build_model

        with _cycle_collection_paused():
            return build_model(program, opset, *(layout or ()))
    from .converter import build_model

    with _cycle_collection_paused():
        return build_model(program, opset)


@contextlib.contextmanager
def _cycle_collection_paused():
    """Lowering allocates many small objects; each automatic cycle collection they
    trigger would rescan JAX's whole heap (measured: ~10% of a small conversion).
    Nothing is lost: collection resumes, and catches up, right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def to_onnx(
    fn,
    inputs: Sequence[Any],
    input_params: dict | None = None,
    model_name: str = "jax_model",
    opset: int = 23,
    *,
    use_onnx_ir: bool | None = None,
    enable_double_precision: bool = False,
    return_mode: str = "proto",
    output_path: str | os.PathLike | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    external_data: bool | None = None,
    inputs_as_nchw: Sequence[str | int] | None = None,
    outputs_as_nchw: Sequence[str | int] | None = None,
    report: str | os.PathLike | None = None,
):
    """Convert a JAX callable (function, ``nnx.Module``, ``eqx.Module``) to ONNX.

    ``inputs`` has one item per positional argument: a shape tuple of ints and
    symbol strings (``("B", 30)``, float32), a ``jax.ShapeDtypeStruct`` or an array.

    ``inputs_as_nchw`` / ``outputs_as_nchw`` (onnx_ir pipeline): inputs / outputs, by
    name or index, that the model takes / returns channels-first (``[N, C, H, W]``)
    while ``fn`` works channels-last; rank >= 3 each (docs/opsets_and_layout.md).

    ``report``: a path; a Markdown export report (stages with time and memory, jaxpr
    and model summaries, unsupported primitives, the exception chain) is written there
    whether the conversion succeeds or fails (docs/export_report.md).

    Returns an ``onnx.ModelProto`` (``return_mode="proto"``), an ``onnx_ir.Model``
    (``"ir"``) or the path of the written file (``"file"``, written atomically).

    >>> import jax.numpy as jnp
    >>> model = to_onnx(lambda x: jnp.exp(x) + 1.0, [("B", 4)])
    >>> [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    ['B', 4]
    """
    if report is not None:
        args = dict(locals())  # the parameters, passed on unchanged
        del args["report"]
        from .report import with_report

        return with_report(report, lambda: to_onnx(**args))
    _validate(return_mode, output_path, opset, model_name, external_data)
    _check_bool("enable_double_precision", enable_double_precision)
    use_ir = flags.resolve_use_onnx_ir(use_onnx_ir)
    pipeline = "onnx_ir" if use_ir else "legacy"
    if not use_ir:
        flags.warn_legacy_selected()
    if pipeline == "legacy" and opset not in LEGACY_OPSETS:
        raise ValueError(
            f"opset {opset}: the legacy pipeline (frozen) supports opsets {LEGACY_OPSETS.start} to "
            f"{LEGACY_OPSETS.stop - 1}; the onnx_ir pipeline (use_onnx_ir=True) supports "
            f"{SUPPORTED_OPSETS.start} to {SUPPORTED_OPSETS.stop - 1}")
    layout_asked = bool(inputs_as_nchw) or bool(outputs_as_nchw)
    if layout_asked and pipeline == "legacy":
        raise ValueError("inputs_as_nchw / outputs_as_nchw need the onnx_ir pipeline (use_onnx_ir=True); "
                         "the legacy pipeline is frozen and does not have them")
    from .frontend import trace

    with stages.stage("trace"):
        program = trace(
            fn, inputs, input_params, model_name=model_name,
            enable_double_precision=enable_double_precision,
            input_names=input_names, output_names=output_names,
        )
    stages.note("program", program)
    layout = None
    if layout_asked:
        from .converter2.layout import resolve

        layout = resolve(program, inputs_as_nchw, outputs_as_nchw)
    t0 = time.process_time()  # CPU seconds: a shared machine's descheduling is not lowering time
    with stages.stage("lower"):
        model = lower_program(program, pipeline, opset, layout)
    seconds = time.process_time() - t0
    # nothing to compare against where frozen legacy cannot go: layout options, opsets outside 18-26
    comparable = layout is None and (pipeline == "legacy" or opset in LEGACY_OPSETS)
    if flags.shadow_mode() != "off" and comparable:
        from .shadow import shadow_compare

        shadow_compare(program, pipeline, model, seconds, opset)
    if flags.debug_ir_dump():
        _dump(model)
    if return_mode == "file":
        with stages.stage("save"):
            return _write_file(model, os.fspath(output_path), external_data)
    if return_mode == "ir":
        if pipeline == "onnx_ir":
            return model
        import onnx_ir as ir

        return ir.from_proto(model)
    if pipeline == "onnx_ir":
        from .converter2.serialize import to_proto

        return to_proto(model)
    return model


def _dump(model) -> None:
    out = os.path.join(".artifacts", "latest")
    os.makedirs(out, exist_ok=True)
    if hasattr(model, "SerializeToString"):
        import onnx_ir as ir

        ir_model = ir.from_proto(model)
    else:
        ir_model = model
    with open(os.path.join(out, "model.ir.txt"), "w") as f:
        f.write(str(ir_model))
    _write_file(model, os.path.join(out, "model.onnx"), None)
    log.info("wrote IR dump to %s", out)


def _write_file(model, path: str, external_data: bool | None) -> str:
    """Write atomically, the model and its data file as a pair (see :mod:`jax2onnx.writer`)."""
    from .writer import write_model_file

    return write_model_file(model, path, external_data)
