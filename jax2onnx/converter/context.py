"""The legacy lowering context: builds ``onnx`` protobufs by value name.

A legacy lowering is ``lower(ctx, eqn) -> None``: it reads input names with
``ctx.inputs(eqn)``, emits nodes with ``ctx.node(...)`` and writes to the names
from ``ctx.outputs(eqn)``. The converter adds value_info from the jaxpr avals.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..frontend.inputs import dim_to_str, is_symbolic
from ..plugin.dims import evaluate_dim
from ..plugin.dtypes import onnx_elem_type

__all__ = ["LegacyContext", "value_info"]


def value_info(name: str, dtype, shape) -> onnx.ValueInfoProto:
    dims = [dim_to_str(d) if is_symbolic(d) else int(d) for d in shape]
    return helper.make_tensor_value_info(name, onnx_elem_type(dtype), dims)


class LegacyContext:
    """Collects NodeProtos, initializers and value_info for one graph."""

    def __init__(self, opset: int, parent: "LegacyContext | None" = None, name: str = "main"):
        self.opset = opset
        self.parent = parent
        self.root = parent.root if parent is not None else self
        self.name = name
        self.nodes: list[onnx.NodeProto] = []
        self.prologue: list[onnx.NodeProto] = []
        self.value_infos: dict[str, onnx.ValueInfoProto] = {}
        self.names: dict = {}
        self.eqn = None
        self.scope = ""
        self.metadata: dict[str, str] = {}
        if parent is None:
            self.initializers: list[onnx.TensorProto] = []
            self.initializer_names: set[str] = set()
            self.symbol_sources: dict[str, tuple[str, int]] = {}
            self._const_cache: dict = {}
            self._counter = [0]
            # every value name handed out so far, plus the graph's input/output names
            # (reserved up front): fresh and explicit names are chosen around them
            self.taken: set[str] = set()
        self._dims: dict[str, str] = {}

    # ---- names ---------------------------------------------------------------------
    def fresh(self, prefix: str) -> str:
        root = self.root
        while True:
            root._counter[0] += 1
            name = f"{prefix}_{root._counter[0]}"
            if name not in root.taken:
                root.taken.add(name)
                return name

    def unique(self, name: str) -> str:
        """``name`` itself when no value has it yet, else a fresh variant of it."""
        root = self.root
        if name in root.taken:
            return self.fresh(name)
        root.taken.add(name)
        return name

    def name_of(self, atom) -> str:
        """The value name for a jaxpr Var or Literal (a literal becomes a constant)."""
        if hasattr(atom, "val"):
            return self.const(np.asarray(atom.val, dtype=atom.aval.dtype))
        ctx = self
        while ctx is not None:
            if atom in ctx.names:
                return ctx.names[atom]
            ctx = ctx.parent
        raise KeyError(f"internal: jaxpr variable {atom} has no ONNX name yet")

    def inputs(self, eqn) -> list[str]:
        return [self.name_of(v) for v in eqn.invars]

    def outputs(self, eqn) -> list[str]:
        """Names for the eqn's outputs (created on first request)."""
        out = []
        for v in eqn.outvars:
            if v not in self.names:
                self.names[v] = self.fresh(f"{self.scope}v")
            out.append(self.names[v])
        return out

    # ---- building -------------------------------------------------------------------
    def node(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str] | int = 1,
             domain: str = "", **attrs) -> list[str]:
        """Append one node; ``outputs`` is a list of names or a count of fresh names."""
        if isinstance(outputs, int):
            outputs = [self.fresh(f"{self.scope}{op_type}_out") for _ in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        n = helper.make_node(op_type, list(inputs), list(outputs), name=self.fresh(f"{self.scope}{op_type}"),
                             domain=domain or None, **attrs)
        for k, v in self.metadata.items():
            entry = n.metadata_props.add()
            entry.key, entry.value = k, v
        self.nodes.append(n)
        return list(outputs)

    def node1(self, op_type: str, inputs: Sequence[str], **attrs) -> str:
        """Append one node with a single fresh output; return its name."""
        return self.node(op_type, inputs, 1, **attrs)[0]

    def const(self, value, dtype=None, name: str | None = None) -> str:
        root = self.root
        arr = np.asarray(value, dtype=dtype)
        key = None
        if arr.size <= 64:
            key = (arr.dtype.str, arr.shape, hashlib.sha1(np.ascontiguousarray(arr).tobytes()).hexdigest())
            if key in root._const_cache:
                return root._const_cache[key]
        name = self.add_initializer(arr, name or root.fresh("const"))
        if key is not None:
            root._const_cache[key] = name
        return name

    def add_initializer(self, array, name: str) -> str:
        root = self.root
        name = self.unique(name)
        root.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        root.initializer_names.add(name)
        return name

    def record_type(self, name: str, aval) -> None:
        self.value_infos[name] = value_info(name, aval.dtype, aval.shape)

    # ---- dimensions -------------------------------------------------------------------
    def dim(self, d) -> str:
        """Name of an int64 [1] tensor holding dimension ``d``."""
        if not is_symbolic(d):
            return self.const(np.array([int(d)], dtype=np.int64))
        key = dim_to_str(d)
        ctx = self
        while ctx is not None:
            if key in ctx._dims:
                return ctx._dims[key]
            ctx = ctx.parent
        root = self.root

        def leaf(sym):
            if sym not in root.symbol_sources:
                raise ValueError(
                    f"symbolic dimension '{sym}' (in {key}) cannot be traced back to any input axis"
                )
            if sym not in root._dims:
                src, axis = root.symbol_sources[sym]
                out = root.unique(f"dim_{sym}")
                root.prologue.append(helper.make_node("Shape", [src], [out], name=f"Shape_{sym}",
                                                      start=axis, end=axis + 1))
                root._dims[sym] = out
            return root._dims[sym]

        name = evaluate_dim(d, leaf, lambda op, a, b: self.node1(op, [a, b]),
                            lambda c: self.const(np.array([c], dtype=np.int64)))
        self._dims[key] = name
        return name

    def shape(self, dims) -> str:
        """Name of a 1-D int64 tensor with ``dims`` (Concat when symbolic)."""
        if not any(is_symbolic(d) for d in dims):
            return self.const(np.array([int(d) for d in dims], dtype=np.int64))
        parts = [self.dim(d) if is_symbolic(d) else self.const(np.array([int(d)], dtype=np.int64)) for d in dims]
        return parts[0] if len(parts) == 1 else self.node1("Concat", parts, axis=0)

    def scalar_dim(self, d, dtype=np.int64) -> str:
        if not is_symbolic(d):
            return self.const(np.array(int(d), dtype=dtype))
        s = self.node1("Squeeze", [self.dim(d), self.const(np.array([0], dtype=np.int64))])
        if np.dtype(dtype) != np.int64:
            s = self.node1("Cast", [s], to=onnx_elem_type(dtype))
        return s

    # ---- sub-jaxprs --------------------------------------------------------------------
    def subcontext(self, name: str) -> "LegacyContext":
        sub = LegacyContext(self.opset, parent=self, name=name)
        sub.scope = self.scope
        return sub

    def inline(self, jaxpr, args: Sequence[str], consts: Sequence = ()) -> list[str]:
        """Lower a sub-jaxpr into this graph; returns the names of its outputs."""
        from .lower import lower_eqns

        return lower_eqns(self, jaxpr, list(args), list(consts))
