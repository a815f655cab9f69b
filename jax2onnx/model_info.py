"""What is in an ONNX model: inputs/outputs with symbolic dims, opsets, op histogram,
functions and weight sizes (external data included). Used by ``jax2onnx inspect`` and
the export report."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["ModelInfo", "model_info", "format_info"]


@dataclass
class ModelInfo:
    inputs: list[tuple[str, str, list]] = field(default_factory=list)   # (name, dtype, dims)
    outputs: list[tuple[str, str, list]] = field(default_factory=list)
    opsets: dict[str, int] = field(default_factory=dict)
    ir_version: int = 0
    ops: Counter = field(default_factory=Counter)            # every node: graph, subgraphs, functions
    graph_nodes: int = 0                                      # main graph only
    subgraph_nodes: int = 0
    functions: list[tuple[str, str, int]] = field(default_factory=list)  # (domain, name, nodes)
    initializers: int = 0
    weight_bytes: int = 0
    external_bytes: int = 0
    external_files: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    file_bytes: int | None = None


def _dtype_name(elem_type: int) -> str:
    import onnx

    try:
        return onnx.helper.tensor_dtype_to_np_dtype(elem_type).name
    except Exception:
        return onnx.TensorProto.DataType.Name(elem_type).lower()


def _value_info(vi) -> tuple[str, str, list]:
    t = vi.type.tensor_type
    dims = [d.dim_param or (d.dim_value if d.HasField("dim_value") else "?") for d in t.shape.dim]
    return vi.name, _dtype_name(t.elem_type), dims


def _tensor_bytes(t, base_dir: str | None) -> tuple[int, int, str | None]:
    """(bytes, of which external, external file) of one TensorProto."""
    import onnx

    if t.data_location == onnx.TensorProto.EXTERNAL:
        info = {e.key: e.value for e in t.external_data}
        length = int(info.get("length", 0) or 0)
        loc = info.get("location")
        if not length and loc and base_dir:
            try:
                length = os.path.getsize(os.path.join(base_dir, loc)) - int(info.get("offset", 0) or 0)
            except OSError:
                length = 0
        return length, length, loc
    if t.raw_data:
        return len(t.raw_data), 0, None
    n = 1
    for d in t.dims:
        n *= d
    try:
        size = onnx.helper.tensor_dtype_to_np_dtype(t.data_type).itemsize
    except Exception:
        size = 4
    return n * size, 0, None


def _walk(graph, info: ModelInfo, base_dir, top: bool) -> None:
    import onnx

    for init in graph.initializer:
        b, ext, loc = _tensor_bytes(init, base_dir)
        info.initializers += 1
        info.weight_bytes += b
        info.external_bytes += ext
        if loc and loc not in info.external_files:
            info.external_files.append(loc)
    for node in graph.node:
        info.ops[node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"] += 1
        if top:
            info.graph_nodes += 1
        else:
            info.subgraph_nodes += 1
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                _walk(attr.g, info, base_dir, False)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    _walk(g, info, base_dir, False)
            elif attr.type == onnx.AttributeProto.TENSOR and node.op_type == "Constant":
                info.weight_bytes += _tensor_bytes(attr.t, base_dir)[0]


def model_info(model, base_dir: str | None = None) -> ModelInfo:
    """Summarise ``model`` (a ModelProto, or a path: external data is sized, not loaded)."""
    import onnx

    file_bytes = None
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        base_dir = os.path.dirname(os.path.abspath(path))
        file_bytes = os.path.getsize(path)
        model = onnx.load(path, load_external_data=False)
    info = ModelInfo(file_bytes=file_bytes, ir_version=model.ir_version)
    g = model.graph
    info.inputs = [_value_info(v) for v in g.input]
    info.outputs = [_value_info(v) for v in g.output]
    info.opsets = {(o.domain or "ai.onnx"): o.version for o in model.opset_import}
    _walk(g, info, base_dir, True)
    for fn in model.functions:
        before = sum(info.ops.values())
        for node in fn.node:  # function bodies count in the histogram, not in the graph nodes
            info.ops[node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"] += 1
        info.functions.append((fn.domain, fn.name, sum(info.ops.values()) - before))
    seen = []
    for _, _, dims in info.inputs + info.outputs:
        for d in dims:
            if isinstance(d, str) and d != "?" and d not in seen:
                seen.append(d)
    info.symbols = seen
    return info


def _mb(n: int) -> str:
    return f"{n / 1e6:.3f} MB" if n >= 1e5 else f"{n} B"


def _sig(items) -> list[str]:
    return [f"  {name}: {dtype}[{', '.join(str(d) for d in dims)}]" for name, dtype, dims in items]


def format_info(info: ModelInfo, top: int | None = None) -> str:
    """Plain text for a terminal (``jax2onnx inspect``)."""
    lines = ["inputs:", *_sig(info.inputs), "outputs:", *_sig(info.outputs)]
    lines.append("symbolic dims: " + (", ".join(info.symbols) or "none"))
    lines.append("opsets: " + ", ".join(f"{d}={v}" for d, v in info.opsets.items()) + f"; ir_version {info.ir_version}")
    lines.append(f"nodes: {info.graph_nodes} in the graph, {info.subgraph_nodes} in subgraphs, "
                 f"{sum(n for *_, n in info.functions)} in {len(info.functions)} function(s)")
    lines.append("op histogram (graph + subgraphs + functions):")
    for op, n in info.ops.most_common(top):
        lines.append(f"  {op:<28} {n}")
    if info.functions:
        lines.append("functions:")
        lines += [f"  {d}.{name} ({n} nodes)" for d, name, n in info.functions]
    ext = (f", {_mb(info.external_bytes)} external in {', '.join(info.external_files)}"
           if info.external_bytes else "")
    lines.append(f"weights: {info.initializers} initializer(s), {_mb(info.weight_bytes)}{ext}")
    if info.file_bytes is not None:
        lines.append(f"file: {_mb(info.file_bytes)}")
    return "\n".join(lines)
