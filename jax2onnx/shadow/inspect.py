"""Pipeline-neutral views of a model: op histogram and graph input/output metadata.

Works on an ``onnx.ModelProto`` (legacy) and on an ``onnx_ir.Model`` (onnx_ir)
without serializing the latter, so the structural comparison never copies weights.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

__all__ = ["is_ir_model", "op_histogram", "io_metadata"]


def is_ir_model(model: Any) -> bool:
    return type(model).__module__.startswith("onnx_ir")


def _ir_nodes(graph) -> Iterator:
    import onnx_ir as ir

    for node in graph:
        yield node
        for attr in node.attributes.values():
            if attr.type == ir.AttributeType.GRAPH:
                yield from _ir_nodes(attr.value)
            elif attr.type == ir.AttributeType.GRAPHS:
                for g in attr.value:
                    yield from _ir_nodes(g)


def op_histogram(model: Any) -> dict[str, int]:
    """op_type → count over the main graph, subgraphs and functions (``domain:op`` off the default domain)."""
    if is_ir_model(model):
        nodes = list(_ir_nodes(model.graph))
        for fn in model.functions.values():
            nodes.extend(_ir_nodes(fn))
        keys = [f"{n.domain}:{n.op_type}" if n.domain not in ("", "ai.onnx") else n.op_type for n in nodes]
    else:
        from ..testing.graph import iter_nodes

        keys = [f"{n.domain}:{n.op_type}" if n.domain not in ("", "ai.onnx") else n.op_type
                for n in iter_nodes(model)]
    return dict(sorted(Counter(keys).items()))


def _dtype_name(elem_type: int) -> str:
    import onnx_ir as ir

    try:
        return ir.DataType(elem_type).name
    except ValueError:
        return f"UNKNOWN({elem_type})"


def _ir_value_meta(v) -> dict:
    dims = None
    if v.shape is not None:
        dims = [d if isinstance(d, int) else getattr(d, "value", None) for d in v.shape]
    return {"dtype": v.dtype.name if v.dtype is not None else "UNDEFINED", "shape": dims}


def _proto_value_meta(vi) -> dict:
    t = vi.type.tensor_type
    dims = None
    if t.HasField("shape"):
        dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.shape.dim]
    return {"dtype": _dtype_name(t.elem_type), "shape": dims}


def io_metadata(model: Any) -> tuple[list[dict], list[dict]]:
    """(inputs, outputs): ``{"dtype": "FLOAT", "shape": [str|int|None, ...] | None}`` each.

    Initializers listed as graph inputs (old IR style) are left out.
    """
    if is_ir_model(model):
        g = model.graph
        init = set(g.initializers)
        ins = [_ir_value_meta(v) for v in g.inputs if v.name not in init]
        return ins, [_ir_value_meta(v) for v in g.outputs]
    g = model.graph
    init = {t.name for t in g.initializer}
    ins = [_proto_value_meta(v) for v in g.input if v.name not in init]
    return ins, [_proto_value_meta(v) for v in g.output]


def metadata_diffs(chosen: tuple[list, list], other: tuple[list, list], names=("chosen", "other")) -> list[str]:
    """Human-readable differences in count, dtype, rank, dims and dim_params."""
    diffs = []
    for kind, a_list, b_list in (("input", chosen[0], other[0]), ("output", chosen[1], other[1])):
        if len(a_list) != len(b_list):
            diffs.append(f"{kind} count {len(a_list)} ({names[0]}) != {len(b_list)} ({names[1]})")
            continue
        for i, (a, b) in enumerate(zip(a_list, b_list)):
            if a["dtype"] != b["dtype"]:
                diffs.append(f"{kind} {i} dtype {a['dtype']} ({names[0]}) != {b['dtype']} ({names[1]})")
            sa, sb = a["shape"], b["shape"]
            if sa is None or sb is None:
                if (sa is None) != (sb is None):
                    diffs.append(f"{kind} {i} shape {sa} ({names[0]}) != {sb} ({names[1]})")
                continue
            if len(sa) != len(sb):
                diffs.append(f"{kind} {i} rank {len(sa)} ({names[0]}) != {len(sb)} ({names[1]})")
                continue
            for axis, (da, db) in enumerate(zip(sa, sb)):
                if da != db:
                    what = "dim_param" if isinstance(da, str) or isinstance(db, str) else "dim"
                    diffs.append(f"{kind} {i} axis {axis} {what} {da!r} ({names[0]}) != {db!r} ({names[1]})")
    return diffs
