"""onnxruntime helpers: accept a ModelProto, an onnx_ir.Model, bytes or a path."""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

__all__ = ["session", "run", "input_specs"]

_ONNX_TO_NP = {
    "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int16)": np.int16,
    "tensor(int8)": np.int8, "tensor(uint8)": np.uint8, "tensor(uint16)": np.uint16,
    "tensor(uint32)": np.uint32, "tensor(uint64)": np.uint64, "tensor(bool)": np.bool_,
}


def _model_source(model: Any):
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model)
    if isinstance(model, bytes):
        return model
    if hasattr(model, "SerializeToString"):
        return model.SerializeToString()
    if type(model).__module__.startswith("onnx_ir"):
        import onnx_ir as ir

        return ir.serde.serialize_model(model).SerializeToString()
    raise TypeError(
        f"model must be an onnx.ModelProto, an onnx_ir.Model, bytes or a file path, got {type(model).__name__}"
    )


def session(model: Any, threads: int = 1):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(_model_source(model), sess_options=opts, providers=["CPUExecutionProvider"])


def input_specs(sess) -> list[tuple[str, Any, list]]:
    """(name, numpy dtype, shape) of each model input."""
    return [(i.name, _ONNX_TO_NP.get(i.type, None), i.shape) for i in sess.get_inputs()]


def run(model_or_session: Any, arrays: Sequence[Any]) -> list[np.ndarray]:
    """Run the model on ``arrays`` (cast to the model's input dtypes); return all outputs."""
    sess = model_or_session if hasattr(model_or_session, "get_inputs") else session(model_or_session)
    specs = input_specs(sess)
    if len(specs) != len(arrays):
        raise ValueError(f"model has {len(specs)} inputs but {len(arrays)} arrays were given")
    feed = {name: np.asarray(a, dtype=dt) if dt is not None else np.asarray(a) for (name, dt, _), a in zip(specs, arrays)}
    return sess.run(None, feed)
