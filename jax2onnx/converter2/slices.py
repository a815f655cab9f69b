"""``Slice`` of a ``Slice`` → one ``Slice``.

JAX spells a 2-D window ``u[1:-1, 1:-1]`` as a slice per axis (``lax.slice_in_dim``
twice); a stencil takes five such windows of one grid per step, so a loop body runs
twice the ``Slice`` nodes it needs (ORT: about 1.5 µs each on a 64×64 grid).

Rule: ``Slice(Slice(x, s1, e1, a1), s2, e2, a2)`` with constant starts/ends/axes, unit
steps and the sliced axes of ``x`` static becomes ``Slice(x, s, e, a)``: per axis the
inner window ``[b1, b1 + n1)`` (clamped as ONNX clamps) and the outer window ``[b2, c2)``
of it give ``[b1 + b2, b1 + c2)``. The inner Slice stays while it has other users.
Exact (the same elements). One node less per fused pair.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

__all__ = ["fuse_slices"]


def _const(v):
    if v is None or not v.is_initializer() or v.const_value is None:
        return None
    return v.const_value.numpy().reshape(-1).astype(np.int64)


def _window(node: ir.Node, dims):
    """{axis: (begin, end)} of a constant unit-step Slice on a value with static ``dims``
    at the sliced axes, or None."""
    ins = list(node.inputs) + [None] * (5 - len(node.inputs))
    starts, ends = _const(ins[1]), _const(ins[2])
    axes = _const(ins[3]) if ins[3] is not None else (None if starts is None else np.arange(len(starts)))
    steps = _const(ins[4]) if ins[4] is not None else (None if starts is None else np.ones(len(starts), np.int64))
    if any(a is None for a in (starts, ends, axes, steps)) or np.any(steps != 1) or dims is None:
        return None
    rank = len(dims)
    out = {}
    for s, e, a in zip(starts, ends, axes):
        a = int(a) + rank if a < 0 else int(a)
        if not 0 <= a < rank or not isinstance(dims[a], int) or a in out:
            return None
        d = dims[a]
        s = min(max(int(s) + d if s < 0 else int(s), 0), d)
        e = min(max(int(e) + d if e < 0 else int(e), 0), d)
        out[a] = (s, max(s, e))
    return out


def _initializer(model: ir.Model, arr: np.ndarray, name: str) -> ir.Value:
    graph = model.graph
    while name in graph.initializers:
        name += "_c"
    val = ir.Value(name=name, shape=ir.Shape(arr.shape), type=ir.TensorType(ir.DataType.INT64),
                   const_value=ir.Tensor(arr, name=name))
    graph.register_initializer(val)
    return val


def fuse_slices(model: ir.Model, nodes) -> bool:
    """Fuse every Slice-of-Slice pair among ``nodes`` (any graph of ``model``; the new
    starts/ends/axes are main-graph initializers). True when a pair was fused."""
    changed = False
    const = lambda arr, name: _initializer(model, arr, name)  # noqa: E731
    for node in nodes:
        if node.graph is None or node.op_type != "Slice" or node.domain != "":
            continue
        inner = node.inputs[0].producer() if node.inputs[0] is not None else None
        if inner is None or inner.op_type != "Slice" or inner.domain != "" or inner.graph is not node.graph:
            continue
        x = inner.inputs[0]
        x_dims = None if x.shape is None else list(x.shape.dims)
        first = _window(inner, x_dims)
        mid = node.inputs[0].shape
        if first is None or mid is None:
            continue
        mid_dims = list(x_dims)
        for a, (s, e) in first.items():
            mid_dims[a] = e - s
        second = _window(node, mid_dims)
        if second is None:
            continue
        merged = dict(first)
        for a, (s, e) in second.items():
            base = first[a][0] if a in first else 0
            merged[a] = (base + s, base + e)
        axes = sorted(merged)
        name = node.name or "Slice"
        inputs = [x, const(np.array([merged[a][0] for a in axes], np.int64), f"{name}_starts"),
                  const(np.array([merged[a][1] for a in axes], np.int64), f"{name}_ends"),
                  const(np.array(axes, np.int64), f"{name}_axes")]
        for i in range(len(node.inputs)):
            node.replace_input_with(i, None)
        node.resize_inputs(4)
        for i, v in enumerate(inputs):
            node.replace_input_with(i, v)
        changed = True
    return changed
