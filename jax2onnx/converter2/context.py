"""The onnx_ir lowering context handed to every ``plugin2`` lowering.

>>> # inside a lowering:  def lower(ctx, x, y, **params): return ctx.op("Add", x, y)

Lowerings receive ``ir.Value``s and return ``ir.Value``s; the converter names
outputs and stamps dtype/shape from the jaxpr avals. ``ctx.in_avals`` and
``ctx.out_avals`` describe the equation being lowered.
"""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import Any, Sequence

import numpy as np
import onnx_ir as ir
from onnx_ir import tape as ir_tape

from .. import flags
from ..frontend.inputs import dim_to_str, is_symbolic
from ..plugin.complex_repr import carrier_dtype, carrier_shape, pack
from ..plugin.dims import evaluate_dim
from .passes import FOLDABLE, fold
from .opset_compat import SHAPE_START_END, legalize

#: op types :meth:`IrContext.op` evaluates at once when every input is a constant
_EAGER_FOLDS = FOLDABLE - {"Identity"}

#: from this opset on, every signature lowerings write is valid as written
_NEWEST_SIGNATURES = 19

__all__ = ["IrContext", "ir_type", "ir_shape"]


def ir_shape(shape, dtype=None) -> ir.Shape:
    """The ONNX shape of a value of ``shape``; a complex ``dtype`` adds the trailing (re, im) axis."""
    if dtype is not None:
        shape = carrier_shape(shape, dtype)
    return ir.Shape([dim_to_str(d) if is_symbolic(d) else int(d) for d in shape])


def ir_dtype(dtype) -> ir.DataType:
    """The ONNX element type of ``dtype`` (complex64/128 are carried as float32/64)."""
    return ir.DataType.from_numpy(carrier_dtype(dtype))


def ir_type(dtype) -> ir.TensorType:
    return ir.TensorType(ir_dtype(dtype))


_SCALAR_ATTR = ((bool, ir.AttributeType.INT), (int, ir.AttributeType.INT), (np.integer, ir.AttributeType.INT),
                (float, ir.AttributeType.FLOAT), (np.floating, ir.AttributeType.FLOAT),
                (str, ir.AttributeType.STRING))


def _scalar_attr_type(v):
    for cls, t in _SCALAR_ATTR:
        if isinstance(v, cls):
            return t
    return None


def _attr(name: str, value) -> ir.Attr:
    """An explicitly typed attribute (onnx_ir's own type inference probes runtime
    Protocols before it looks at lists, which dominated small conversions' time)."""
    t = _scalar_attr_type(value)
    if t is ir.AttributeType.INT:
        return ir.Attr(name, t, int(value))
    if t is ir.AttributeType.FLOAT:
        return ir.Attr(name, t, float(value))
    if t is not None:
        return ir.Attr(name, t, value)
    if isinstance(value, (list, tuple)) and value:
        types = {_scalar_attr_type(v) for v in value}
        if types <= {ir.AttributeType.INT}:
            return ir.Attr(name, ir.AttributeType.INTS, [int(v) for v in value])
        if types <= {ir.AttributeType.INT, ir.AttributeType.FLOAT}:
            return ir.Attr(name, ir.AttributeType.FLOATS, [float(v) for v in value])
        if types == {ir.AttributeType.STRING}:
            return ir.Attr(name, ir.AttributeType.STRINGS, list(value))
    return ir.convenience.convert_attribute(name, value)  # graphs, tensors, types


class NodeList:
    """The nodes a context emitted, in order (what ``onnx_ir``'s Tape keeps, without its
    per-node attribute conversion: :meth:`IrContext.op` builds typed attributes itself)."""

    __slots__ = ("nodes",)

    def __init__(self):
        self.nodes: list[ir.Node] = []


class IrContext:
    """Builds one graph (the main graph or a subgraph); its nodes collect in ``tape``."""

    def __init__(self, opset: int, parent: "IrContext | None" = None, name: str = "main"):
        self.opset = opset
        self.parent = parent
        root = parent.root if parent is not None else None
        self.root = root or self
        self.name = name
        self.tape = NodeList()
        self.prologue = ir_tape.Tape() if root is None else None  # symbol Shape nodes
        self.initializers: dict[str, ir.Value] = {} if root is None else self.root.initializers
        self.env: dict[Any, ir.Value] = {}
        self.symbol_sources: dict[str, tuple[ir.Value, int]] = {} if root is None else self.root.symbol_sources
        self._dim_cache: dict[str, ir.Value] = {}
        self._const_cache: dict[tuple, ir.Value] = {} if root is None else self.root._const_cache
        self._counter = [0] if root is None else self.root._counter
        self.eqn = None
        self.scope = ""
        self.metadata: dict[str, str] = {}
        #: fold constant-only nodes as they are emitted (off with JAX2ONNX_OPTIMIZE=0)
        self.fold_eagerly = flags.optimize_enabled() if root is None else root.fold_eagerly
        self.x64 = False  # the program's enable_double_precision (set on the root by build_model)

    # ---- naming ---------------------------------------------------------------------
    def fresh(self, prefix: str) -> str:
        self._counter[0] += 1
        return f"{prefix}_{self._counter[0]}"

    @property
    def in_avals(self):
        return [v.aval for v in self.eqn.invars]

    @property
    def out_avals(self):
        return [v.aval for v in self.eqn.outvars]

    # ---- building ---------------------------------------------------------------------
    def op(self, op_type: str, *inputs, num_outputs: int | None = None, domain: str = "", _legal: bool = False,
           **attrs):
        """Emit one node; returns its output value (a tuple with ``num_outputs``).

        Written in the op's newest signature; older target opsets get it rewritten
        (:mod:`jax2onnx.converter2.opset_compat`)."""
        rank = attrs.pop("_rank", None)  # the first input's rank, for rewrites that need it
        if not _legal and self.opset < _NEWEST_SIGNATURES:
            legal = legalize(self, op_type, list(inputs), attrs, domain, rank)
            if legal is not None:
                return legal
        attrs = {k: _attr(k, v) for k, v in attrs.items() if v is not None}
        # Identity is emitted on purpose (a subgraph or graph output must be a node's output)
        if num_outputs is None and not domain and op_type in _EAGER_FOLDS and self.root.fold_eagerly:
            folded = self._fold(op_type, attrs, inputs)
            if folded is not None:
                return folded
        name = self.fresh(f"{self.scope}{op_type}")
        node = ir.Node(domain, op_type, inputs, attributes=tuple(attrs.values()), num_outputs=num_outputs or 1,
                       name=name, metadata_props=dict(self.metadata) or None)
        self.tape.nodes.append(node)
        outs = node.outputs
        if num_outputs is None:
            outs[0].name = f"{name}_out"
            return outs[0]
        for i, o in enumerate(outs):
            o.name = f"{name}_out{i}"
        return tuple(outs)

    def _fold(self, op_type: str, attrs: dict, inputs) -> ir.Value | None:
        """Work on constants only (a weight's Reshape/Transpose, shape arithmetic) is done
        here, in numpy, instead of emitting a node the clean-up passes would fold later."""
        tensors = []
        for v in inputs:
            if v is not None and (v.const_value is None or v.producer() is not None):
                return None
            tensors.append(None if v is None else v.const_value)
        result = fold(op_type, SimpleNamespace(attributes=attrs), tensors, inputs)
        if result is None:
            return None
        return self.const(result, name=self.fresh(f"{self.scope}{op_type}") + "_out")

    def const(self, value, dtype=None, name: str | None = None) -> ir.Value:
        """An initializer for ``value``; small constants are shared by content."""
        arr = value if isinstance(value, np.ndarray) and dtype is None else np.asarray(value, dtype=dtype)
        arr = pack(arr)  # complex constants are carried as (re, im) floats
        small = arr.size <= 64
        key = None
        if small:
            key = (arr.dtype.str, arr.shape, hashlib.sha1(np.ascontiguousarray(arr).tobytes()).hexdigest())
            if key in self._const_cache:
                return self._const_cache[key]
        return self._add_initializer(arr, name or self.fresh("const"), key)

    def weight(self, array, name: str) -> ir.Value:
        """A named initializer wrapping ``array`` without copying it."""
        return self._add_initializer(array, name, None)

    def _add_initializer(self, array, name: str, key) -> ir.Value:
        root = self.root
        while name in root.initializers:
            name = root.fresh(name)
        array = pack(array if isinstance(array, np.ndarray) else np.asarray(array))
        tensor = ir.Tensor(array, name=name)
        # the tensor's shape is frozen, so the value may share it (no second Shape per weight)
        val = ir.Value(name=name, shape=tensor.shape, type=ir.TensorType(tensor.dtype), const_value=tensor)
        root.initializers[name] = val
        if key is not None:
            root._const_cache[key] = val
        return val

    # ---- dimensions -----------------------------------------------------------------
    def dim(self, d) -> ir.Value:
        """int64 tensor of shape [1] holding dimension ``d`` (int or symbolic expression)."""
        if not is_symbolic(d):
            return self.const(np.array([int(d)], dtype=np.int64))
        key = dim_to_str(d)
        cached = self._lookup_dim(key)
        if cached is not None:
            return cached

        def leaf(sym: str):
            if sym not in self.symbol_sources:
                raise ValueError(
                    f"symbolic dimension '{sym}' (in {key}) cannot be traced back to any input "
                    f"axis; give it as a plain symbol in one of the input shapes"
                )
            return self.root._symbol_value(sym)

        val = evaluate_dim(
            d, leaf,
            lambda op, a, b: self.op(op, a, b),
            lambda c: self.const(np.array([c], dtype=np.int64)),
        )
        self._dim_cache[key] = val
        return val

    def _lookup_dim(self, key):
        ctx = self
        while ctx is not None:
            if key in ctx._dim_cache:
                return ctx._dim_cache[key]
            ctx = ctx.parent
        return None

    def _symbol_value(self, sym: str) -> ir.Value:
        if sym not in self._dim_cache:
            src, axis = self.symbol_sources[sym]
            if self.opset >= SHAPE_START_END:
                out = self.prologue.op("Shape", [src], {"start": axis, "end": axis + 1}, name=f"dim_{sym}")
            else:  # Shape has no start/end before 15
                idx = self.const(np.array([axis], dtype=np.int64))
                shape = self.prologue.op("Shape", [src], name=f"shape_{sym}")
                out = self.prologue.op("Gather", [shape, idx], {"axis": 0}, name=f"dim_{sym}")
            out.name = f"dim_{sym}"
            out.dtype = ir.DataType.INT64
            out.shape = ir.Shape([1])
            self._dim_cache[sym] = out
        return self._dim_cache[sym]

    def shape(self, dims: Sequence) -> ir.Value:
        """1-D int64 shape tensor for ``dims``; one Concat when any dim is symbolic."""
        if not any(is_symbolic(d) for d in dims):
            return self.const(np.array([int(d) for d in dims], dtype=np.int64))
        key = "shape:" + ",".join(dim_to_str(d) if is_symbolic(d) else str(d) for d in dims)
        cached = self._lookup_dim(key)
        if cached is not None:
            return cached
        parts, run = [], []
        for d in dims:
            if is_symbolic(d):
                if run:
                    parts.append(self.const(np.array(run, dtype=np.int64)))
                    run = []
                parts.append(self.dim(d))
            else:
                run.append(int(d))
        if run:
            parts.append(self.const(np.array(run, dtype=np.int64)))
        val = parts[0] if len(parts) == 1 else self.op("Concat", *parts, axis=0)
        self._dim_cache[key] = val
        return val

    def scalar_dim(self, d, dtype=np.int64) -> ir.Value:
        """Dimension ``d`` as a rank-0 tensor of ``dtype`` (Range bounds, dim_as_value)."""
        if not is_symbolic(d):
            return self.const(np.array(int(d), dtype=dtype))
        v = self.op("Squeeze", self.dim(d), self.const(np.array([0], dtype=np.int64)))
        return v if np.dtype(dtype) == np.int64 else self.op("Cast", v, to=ir_dtype(dtype))

    def subcontext(self, name: str) -> "IrContext":
        """A context for a subgraph (If branch, Loop body) that sees this graph's values."""
        sub = IrContext(self.opset, parent=self, name=name)
        sub.scope = self.scope
        return sub

    # ---- sub-jaxprs -----------------------------------------------------------------
    def inline(self, jaxpr, args: Sequence[ir.Value], consts: Sequence = ()) -> list[ir.Value]:
        """Lower a sub-jaxpr into this graph (calls, jit, custom_jvp)."""
        from .lower import lower_eqns  # local: lower imports this module

        return lower_eqns(self, jaxpr, list(args), list(consts))

    def dtype_of(self, aval) -> ir.DataType:
        return ir_dtype(aval.dtype)
