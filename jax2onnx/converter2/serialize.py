"""The onnx_ir pipeline's only contact with protobuf: serialization at the very end,
and ONNX's per-node type inference (:func:`infer_node_output_types`), whose API
takes protobuf messages.

:func:`write_model` writes an ``ir.Model`` without copying its weights:

* ``data_file`` given (external data): each large initializer's buffer goes
  straight from the wrapped array into the data file; the ``.onnx`` file refers to
  it by relative location/offset/length.
* otherwise (one self-contained file): the graph is serialized *without* its large
  initializers, and each initializer is then appended as its own
  ``ModelProto.graph.initializer`` record. Protobuf merges repeated occurrences of
  an embedded message field (``graph``) and concatenates repeated fields
  (``initializer``), so the file parses as one ordinary model — but the weights
  never pass through a ``TensorProto``/``SerializeToString`` copy.

Either way at most one tensor's bytes are in flight (none for plain numpy/JAX
arrays, which are written from their own memory).
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

import numpy as np
import onnx_ir as ir

__all__ = ["to_proto", "save", "write_model", "initializer_bytes", "infer_node_output_types",
           "STREAM_THRESHOLD_BYTES"]

#: initializers at least this big are streamed / put into external data
STREAM_THRESHOLD_BYTES = 1024
# protobuf wire tags: ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto.raw_data = 9
_TAG_GRAPH = bytes([7 << 3 | 2])
_TAG_INITIALIZER = bytes([5 << 3 | 2])
_TAG_RAW_DATA = bytes([9 << 3 | 2])


def to_proto(model: ir.Model):
    """``onnx.ModelProto`` of ``model`` (copies the weights into the proto)."""
    return ir.serde.serialize_model(model)


def save(model: ir.Model, path: str, external_data: str | None = None) -> None:
    """Write ``model`` to ``path``; weights to ``external_data`` (relative to it) when given."""
    path = os.fspath(path)
    if external_data is None:
        with open(path, "wb") as f:
            write_model(model, f)
        return
    data_path = os.path.join(os.path.dirname(os.path.abspath(path)), external_data)
    with open(path, "wb") as f, open(data_path, "wb") as d:
        write_model(model, f, d, external_data)


def initializer_bytes(model: ir.Model) -> int:
    """Total bytes of the main graph's initializers (decides external data by size)."""
    total = 0
    for v in model.graph.initializers.values():
        if v.const_value is not None:
            total += v.const_value.nbytes
    return total


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _raw_view(tensor) -> memoryview | bytes:
    """The tensor's serialized bytes: a view of the wrapped array when that is exact."""
    arr = tensor.raw if isinstance(tensor, ir.Tensor) else None
    if (
        isinstance(arr, np.ndarray)
        and arr.flags.c_contiguous
        and sys.byteorder == "little"
        and arr.dtype.byteorder in "=|<"
        and arr.dtype.kind not in "OUS"
        and arr.dtype.itemsize * 8 == tensor.dtype.bitwidth  # not a packed 4/2-bit type
    ):
        return memoryview(arr.reshape(-1).view(np.uint8))
    return tensor.tobytes()


def _streamable(value: ir.Value) -> bool:
    t = value.const_value
    return (
        t is not None
        and not isinstance(t, (ir.ExternalTensor, ir.StringTensor))
        and not t.dtype.is_string()
        and t.nbytes >= STREAM_THRESHOLD_BYTES
        and not t.metadata_props
        and not t.doc_string
    )


def write_model(model: ir.Model, f: BinaryIO, data_file: BinaryIO | None = None,
                data_location: str | None = None) -> None:
    """Serialize ``model`` into ``f`` (and its large weights into ``data_file``)."""
    import onnx  # serialization only

    big = [v for v in model.graph.initializers.values() if _streamable(v)]
    saved = [(v, v.const_value) for v in big]
    try:
        offset = 0
        for v, tensor in saved:
            if data_file is not None:
                view = _raw_view(tensor)
                data_file.write(view)
                length = len(view) if isinstance(view, bytes) else view.nbytes
                location, off = data_location, offset
                offset += length
            else:
                location, off, length = "__jax2onnx_streamed__", 0, tensor.nbytes
            v.const_value = ir.ExternalTensor(location, off, length, tensor.dtype,
                                              shape=tensor.shape, name=v.name)
        proto = ir.serde.serialize_model(model)
    finally:
        for v, tensor in saved:
            v.const_value = tensor
    if data_file is not None:
        f.write(proto.SerializeToString())
        return
    streamed = {v.name for v in big}
    keep = [t for t in proto.graph.initializer if t.name not in streamed]
    del proto.graph.initializer[:]
    proto.graph.initializer.extend(keep)
    f.write(proto.SerializeToString())
    for v, tensor in saved:
        header = onnx.TensorProto(name=v.name, data_type=tensor.dtype.value,
                                  dims=list(tensor.shape.numpy())).SerializeToString()
        view = _raw_view(tensor)
        n = len(view) if isinstance(view, bytes) else view.nbytes
        tensor_len = len(header) + len(_TAG_RAW_DATA) + len(_varint(n)) + n
        init = _TAG_INITIALIZER + _varint(tensor_len)
        f.write(_TAG_GRAPH + _varint(len(init) + tensor_len) + init + header + _TAG_RAW_DATA + _varint(n))
        f.write(view)


def infer_node_output_types(node: ir.Node, opsets: dict[str, int], data: dict[str, ir.TensorProtocol]):
    """``{output name: (ir type, ir shape)}`` from ONNX's inference of one standard-domain node.

    Input types come from ``node.inputs``; ``data`` holds the values of small
    constant inputs (Reshape targets, axes) so data-dependent shapes come out exact.
    """
    import onnx

    types = {}
    for v in node.inputs:
        if v is not None:
            proto = onnx.TypeProto()
            ir.serde.serialize_type_into(proto, v.type)
            if v.shape is not None:
                ir.serde.serialize_shape_into(proto, v.shape)
            types[v.name] = proto
    schema = onnx.defs.get_schema(node.op_type, opsets.get("", 1), "")
    out = onnx.shape_inference.infer_node_outputs(
        schema, ir.serde.serialize_node(node), types,
        {name: ir.serde.serialize_tensor(t) for name, t in data.items()},
        opset_imports=[onnx.helper.make_opsetid(d, v) for d, v in opsets.items()])
    return {name: (ir.serde.deserialize_type_proto_for_type(p), ir.serde.deserialize_type_proto_for_shape(p))
            for name, p in out.items()}
