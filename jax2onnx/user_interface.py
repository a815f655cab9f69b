"""``to_onnx``: flag resolution, routing to a pipeline, shadow hook, return modes."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import tempfile
import time
from typing import Any, Sequence

from . import flags
from .errors import ConversionError

__all__ = ["to_onnx", "RETURN_MODES", "SUPPORTED_OPSETS"]

log = logging.getLogger("jax2onnx")

RETURN_MODES = ("proto", "ir", "file")
SUPPORTED_OPSETS = range(18, 27)  # 25-26: BitCast (bitcast_convert_type) needs 26


def _validate(return_mode, output_path, opset, model_name):
    if return_mode not in RETURN_MODES:
        raise ValueError(f"return_mode must be one of {RETURN_MODES}, got {return_mode!r}")
    if isinstance(opset, bool) or not isinstance(opset, int) or opset not in SUPPORTED_OPSETS:
        raise ValueError(
            f"opset must be an int from {SUPPORTED_OPSETS.start} to {SUPPORTED_OPSETS.stop - 1}, got {opset!r}"
        )
    if not isinstance(model_name, str) or not model_name:
        raise TypeError(f"model_name must be a non-empty string, got {model_name!r}")
    if return_mode == "file":
        if output_path is None:
            raise ValueError("return_mode='file' needs output_path (where to write the .onnx file)")
        if not isinstance(output_path, (str, os.PathLike)):
            raise TypeError(f"output_path must be a str or os.PathLike, got {type(output_path).__name__}")
        path = os.fspath(output_path)
        if os.path.isdir(path):
            raise ValueError(f"output_path {path!r} is a directory; give a file path such as model.onnx")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise ValueError(f"output_path {path!r}: directory {parent!r} does not exist")
    elif output_path is not None:
        raise ValueError(
            f"output_path is only used with return_mode='file' (got return_mode={return_mode!r})"
        )


def lower_program(program, pipeline: str, opset: int):
    """Lower a traced program with one pipeline: ModelProto (legacy) or ir.Model (onnx_ir)."""
    if pipeline == "onnx_ir":
        from .converter2 import build_model
    else:
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
):
    """Convert a JAX callable (function, ``nnx.Module``, ``eqx.Module``) to ONNX.

    ``inputs`` has one item per positional argument: a shape tuple of ints and
    symbol strings (``("B", 30)``, float32), a ``jax.ShapeDtypeStruct`` or an array.

    Returns an ``onnx.ModelProto`` (``return_mode="proto"``), an ``onnx_ir.Model``
    (``"ir"``) or the path of the written file (``"file"``, written atomically).

    >>> import jax.numpy as jnp
    >>> model = to_onnx(lambda x: jnp.exp(x) + 1.0, [("B", 4)])
    >>> [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    ['B', 4]
    """
    _validate(return_mode, output_path, opset, model_name)
    if external_data not in (None, True, False):
        raise TypeError(f"external_data must be True, False or None, got {external_data!r}")
    use_ir = flags.resolve_use_onnx_ir(use_onnx_ir)
    pipeline = "onnx_ir" if use_ir else "legacy"
    if not use_ir:
        flags.warn_legacy_selected()
    from .frontend import trace

    program = trace(
        fn, inputs, input_params, model_name=model_name,
        enable_double_precision=enable_double_precision,
        input_names=input_names, output_names=output_names,
    )
    t0 = time.process_time()  # CPU seconds: a shared machine's descheduling is not lowering time
    model = lower_program(program, pipeline, opset)
    seconds = time.process_time() - t0
    if flags.shadow_mode() != "off":
        from .shadow import shadow_compare

        shadow_compare(program, pipeline, model, seconds, opset)
    if flags.debug_ir_dump():
        _dump(model)
    if return_mode == "file":
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


#: ``external_data=None`` puts weights into a ``.data`` file above this size
#: (protobuf cannot hold more than 2 GiB; keep headroom for the graph itself)
EXTERNAL_DATA_AUTO_BYTES = 2**31 - 2**27


def _weight_bytes(model) -> int:
    if hasattr(model, "SerializeToString"):
        return sum(t.ByteSize() for t in model.graph.initializer)
    from .converter2.serialize import initializer_bytes

    return initializer_bytes(model)


def _write_file(model, path: str, external_data: bool | None) -> str:
    """Write atomically: into a temp dir beside ``path``, then rename over it.

    With external data the weights go to ``<name>.onnx.data`` beside the model
    (relative location); both files are written completely first, then renamed
    into place (data file, then model), so a failure leaves no partial output.
    """
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    if external_data is None:
        external_data = _weight_bytes(model) > EXTERNAL_DATA_AUTO_BYTES
    data_name = base + ".data" if external_data else None
    tmpdir = tempfile.mkdtemp(prefix=".jax2onnx-", dir=directory)
    tmp = os.path.join(tmpdir, base)
    try:
        if hasattr(model, "SerializeToString"):
            import onnx

            if data_name:
                onnx.save_model(model, tmp, save_as_external_data=True, all_tensors_to_one_file=True,
                                location=data_name, size_threshold=1024)
            else:
                onnx.save_model(model, tmp)
        else:
            from .converter2.serialize import save

            save(model, tmp, external_data=data_name)
        if data_name:
            os.replace(os.path.join(tmpdir, data_name), os.path.join(directory, data_name))
        os.replace(tmp, path)
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise ConversionError("save", f"writing {path!r} failed: {type(e).__name__}: {e}") from e
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return path
