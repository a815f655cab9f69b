"""numpy/JAX dtype → ONNX TensorProto data type number (shared pure helper)."""

from __future__ import annotations

import numpy as np

__all__ = ["onnx_elem_type", "ONNX_ELEM_TYPES", "ORT_KERNEL_DTYPE"]

#: numpy dtype name -> onnx.TensorProto.DataType value
ONNX_ELEM_TYPES = {
    "float32": 1, "uint8": 2, "int8": 3, "uint16": 4, "int16": 5, "int32": 6, "int64": 7,
    "bool": 9, "float16": 10, "float64": 11, "uint32": 12, "uint64": 13,
    "complex64": 14, "complex128": 15, "bfloat16": 16,
}

_NARROW_INTS = {"bool": np.int32, "int8": np.int32, "int16": np.int32, "uint8": np.int32, "uint16": np.int32}

#: ONNX op -> {dtype name without an ORT CPU kernel: the dtype to compute in instead}
#: (both pipelines cast there and back; the wider type keeps values, order, wrap-around)
ORT_KERNEL_DTYPE = {
    "MatMul": {**_NARROW_INTS, "uint32": np.int64, "uint64": np.int64, "bfloat16": np.float32},
    "Reduce": {**_NARROW_INTS, "uint32": np.int64, "uint64": np.int64, "float16": np.float32,
               "bfloat16": np.float32},
    "TopK": {**_NARROW_INTS, "uint32": np.int64, "float16": np.float32, "bfloat16": np.float32},
}


def onnx_elem_type(dtype) -> int:
    name = np.dtype(dtype).name
    try:
        return ONNX_ELEM_TYPES[name]
    except KeyError:
        raise TypeError(f"dtype {name} has no ONNX equivalent") from None
