"""IR clean-up passes that keep onnx_ir graphs lean.

Composed from ``onnx_ir.passes.common`` (identity elimination, CSE, unused-opset
removal) plus small passes of our own where ``common`` has none or its version
costs more than a small conversion may spend:

* no-op ``Cast`` (to the same type) and ``Reshape`` (to the same shape) removal;
* free constant folding: shape-only ops on initializers (Reshape/Unsqueeze/Squeeze
  views of any size) and small elementwise/shape arithmetic, evaluated in numpy;
  ``Shape`` of statically known dims;
* Reshape/Expand targets rebuilt from a symbolic dim become constants when one
  ``-1`` (Reshape) or a ``1`` broadcast (Expand) says the same thing;
* deduplication of initializers grouped by dtype and shape, then by a sampled
  fingerprint, compared in full only on a match — never hashing every weight;
* dead-node removal without per-node schema look-ups;
* Transposes fused or cancelled, also across a chain of elementwise nodes with
  constant side inputs (a bias ``Add``, a ``Relu``) between two of them;
* ``Slice`` of a ``Slice`` fused (:mod:`jax2onnx.converter2.slices`);
* loops made cheaper to run (:mod:`jax2onnx.converter2.loops`: dead state, hoisting,
  unrolling, flattening), only when the model has a ``Loop`` or ``Scan``.

:func:`optimize` walks the model once and gives every pass the same node list, so
a pass whose op types do not occur costs next to nothing.

Graph outputs keep their names; nodes in If/Loop bodies are only bypassed when
the replacement lives in the same graph. ``JAX2ONNX_OPTIMIZE=0`` turns all of it
off (see :mod:`jax2onnx.flags`).
"""

from __future__ import annotations

import logging

import numpy as np
import onnx_ir as ir
from onnx_ir.passes import common

from .. import flags

__all__ = ["optimize", "fold", "all_nodes", "subgraphs", "FOLDABLE", "FOLD_MAX_ELEMENTS", "SUBGRAPH_OPS"]

log = logging.getLogger("jax2onnx.converter2")

#: the standard ops with graph attributes (bodies / branches)
SUBGRAPH_OPS = frozenset({"If", "Loop", "Scan", "SequenceMap"})

#: op types :mod:`jax2onnx.converter2.loops` rewrites (unrolling, hoisting, …)
_LOOP_OPS = frozenset({"Loop", "Scan"})

#: folded results larger than this (elements) are left to the runtime (not free)
FOLD_MAX_ELEMENTS = 1 << 18


# ---------------------------------------------------------------------------- bypass
def _same_graph(node: ir.Node, value: ir.Value) -> bool:
    producer = value.producer()
    return producer is not None and producer.graph is node.graph


def _bypass(node: ir.Node, src: ir.Value) -> bool:
    """Replace ``node``'s single output by ``src`` and drop the node, when that is safe."""
    out = node.outputs[0]
    if out.is_graph_output():
        # renaming src to the output's name is only safe for a value produced in this
        # graph that is not itself an output (two outputs must keep two names)
        if not _same_graph(node, src) or src.is_graph_output():
            return False
        ir.convenience.replace_all_uses_with(out, src, replace_graph_outputs=True)
        src.name = out.name
    else:
        ir.convenience.replace_all_uses_with(out, src)
    node.graph.remove(node, safe=True)
    return True


class _SafeIdentityElimination(common.IdentityEliminationPass):
    """``common.IdentityEliminationPass`` that never merges two graph outputs into one
    value and never renames a value of an enclosing graph (If/Loop bodies)."""

    def _try_eliminate_identity_node(self, node: ir.Node) -> bool:
        if node.op_type != "Identity" or node.domain != "" or len(node.inputs) != 1:
            return False
        src = node.inputs[0]
        if src is None:
            return False
        if node.outputs[0].is_graph_output() and (not _same_graph(node, src) or src.is_graph_output()):
            return False
        return super()._try_eliminate_identity_node(node)


def subgraphs(node: ir.Node) -> list:
    """The graphs held in ``node``'s attributes (Loop/Scan bodies, If branches)."""
    if node.op_type not in SUBGRAPH_OPS and not node.domain:  # only these carry graph attributes
        return []
    found = []
    for attr in node.attributes.values():
        if attr.type == ir.AttributeType.GRAPH:
            found.append(attr.value)
        elif attr.type == ir.AttributeType.GRAPHS:
            found.extend(attr.value)
    return found


def _collect_nodes(graph, out: list) -> None:
    for node in graph:
        out.append(node)
        for sub in subgraphs(node):
            _collect_nodes(sub, out)


def all_nodes(model: ir.Model) -> list[ir.Node]:
    """Every node of ``model``: graph, subgraphs and function bodies, producers first
    within each graph (a plain recursion: ``RecursiveGraphIterator`` is a generator
    stack that costs more than most passes on a small model)."""
    out: list[ir.Node] = []
    _collect_nodes(model.graph, out)
    for fn in model.functions.values():
        _collect_nodes(fn.graph, out)
    return out


class Sweep:
    """Every node of a model (subgraphs and functions included), listed once.

    :func:`optimize` walks the model one time and hands the list to each pass, so a
    pass whose op types do not occur costs one set intersection. Passes remove or
    rewire nodes; one that adds a node appends it here, so the list stays complete;
    removed nodes are skipped (their ``graph`` is ``None``).
    """

    def __init__(self, model: ir.Model):
        self.nodes = all_nodes(model)
        self.op_types = frozenset(n.op_type for n in self.nodes if n.domain == "")

    def live(self, op_types=None):
        for node in self.nodes:
            if node.graph is not None and node.domain == "" and (op_types is None or node.op_type in op_types):
                yield node


class _SweepPass(ir.passes.InPlacePass):
    """A pass that looks only at nodes of ``op_types`` (all nodes when empty)."""

    op_types: frozenset = frozenset()

    def __init__(self, sweep: Sweep | None = None):
        super().__init__()
        self.sweep = sweep

    def call(self, model: ir.Model) -> ir.passes.PassResult:
        sweep = self.sweep or Sweep(model)
        if self.op_types and not (self.op_types & sweep.op_types):
            return ir.passes.PassResult(model, False)
        return ir.passes.PassResult(model, bool(self.run(model, sweep)))

    def run(self, model: ir.Model, sweep: Sweep) -> bool:
        raise NotImplementedError


def _static_dims(shape):
    return None if shape is None else [d if isinstance(d, int) else None for d in shape.dims]


def _same_shape(a: ir.Shape | None, b: ir.Shape | None) -> bool:
    if a is None or b is None or len(a) != len(b):
        return False
    for x, y in zip(a.dims, b.dims):
        if isinstance(x, int) != isinstance(y, int):
            return False
        if isinstance(x, int) and x != y:
            return False
        if not isinstance(x, int) and (x.value is None or x.value != y.value):
            return False
    return True


class RemoveNoOpPass(_SweepPass):
    """Drop ``Cast`` to the input's own type and ``Reshape`` to the input's own shape."""

    op_types = frozenset({"Cast", "Reshape"})

    def run(self, model: ir.Model, sweep: Sweep) -> bool:
        modified = False
        for node in sweep.live(self.op_types):
            if not node.inputs or node.inputs[0] is None:
                continue
            src, out = node.inputs[0], node.outputs[0]
            if node.op_type == "Cast":
                to = node.attributes.get("to")
                noop = to is not None and src.dtype is not None and src.dtype.value == to.as_int()
            elif node.op_type == "Reshape":
                noop = _same_shape(src.shape, out.shape)
            else:
                continue
            if noop and _bypass(node, src):
                modified = True
        return modified


# ---------------------------------------------------------------------------- folding
def _attr(node, name, default=None):
    a = node.attributes.get(name)
    return default if a is None else a.value


def _reshape(node, x, shape):
    target = [int(s) for s in shape]
    if not _attr(node, "allowzero", 0):
        target = [x.shape[i] if s == 0 else s for i, s in enumerate(target)]
    return x.reshape(target)


def _unsqueeze(node, x, axes):
    out_rank = x.ndim + len(axes)
    for a in sorted(int(a) % out_rank for a in axes):
        x = np.expand_dims(x, a)
    return x


def _squeeze(node, x, axes=None):
    if axes is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=tuple(int(a) % x.ndim for a in axes))


def _gather(node, x, idx):
    axis = _attr(node, "axis", 0)
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    return np.take(x, idx, axis=axis)


def _cast(node, x):
    return x.astype(ir.DataType(_attr(node, "to")).numpy())


def _int_safe(fn):
    """Integer division/modulo differ between numpy and ONNX for negatives: fold floats only."""
    def run(node, a, b):
        if a.dtype.kind in "iu" or b.dtype.kind in "iu":
            raise _NotFoldable
        return fn(a, b)
    return run


class _NotFoldable(Exception):
    pass


#: op → numpy evaluation ``(node, *arrays) -> array``; views first (free at any size).
#: ``Range`` is not folded: it is cheaper to compute than to store.
_VIEW_FOLDS = {
    "Reshape": _reshape,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Identity": lambda node, x: x,
}
_SMALL_FOLDS = {
    "Cast": _cast,
    "Concat": lambda node, *xs: np.concatenate(xs, axis=_attr(node, "axis")),
    "Gather": _gather,
    "Expand": lambda node, x, s: np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(int(v) for v in s))),
    "Transpose": lambda node, x: np.transpose(x, _attr(node, "perm")),
    "Where": lambda node, c, a, b: np.where(c, a, b),
    "Add": lambda node, a, b: a + b,
    "Sub": lambda node, a, b: a - b,
    "Mul": lambda node, a, b: a * b,
    "Div": _int_safe(lambda a, b: a / b),
    "Neg": lambda node, a: -a,
    "Equal": lambda node, a, b: a == b,
    "Less": lambda node, a, b: a < b,
    "LessOrEqual": lambda node, a, b: a <= b,
    "Greater": lambda node, a, b: a > b,
    "GreaterOrEqual": lambda node, a, b: a >= b,
    "And": lambda node, a, b: a & b,
    "Or": lambda node, a, b: a | b,
    "Not": lambda node, a: ~a,
}


def _const_input(v: ir.Value | None):
    if v is None or not v.is_initializer() or v.const_value is None:
        return None
    return v.const_value


class FoldConstantsPass(_SweepPass):
    """Evaluate main-graph nodes whose inputs are all initializers, when that is free."""

    op_types = frozenset({"Shape", *_VIEW_FOLDS, *_SMALL_FOLDS})

    def run(self, model: ir.Model, sweep: Sweep) -> bool:
        graph = model.graph
        modified = False
        for node in sweep.live(self.op_types):
            if node.graph is not graph or len(node.outputs) != 1:
                continue
            out = node.outputs[0]
            if out.is_graph_output():
                continue
            op = node.op_type
            folded = self._fold_shape(node) if op == "Shape" else self._fold(node, op)
            if folded is None:
                continue
            name = out.name or "folded"
            while name in graph.initializers:
                name += "_c"
            if out.dtype is not None:
                folded = folded.astype(out.dtype.numpy(), copy=False)
            val = ir.Value(name=name, shape=ir.Shape(folded.shape), type=ir.TensorType(ir.DataType.from_numpy(folded.dtype)),
                           const_value=ir.Tensor(folded, name=name))
            out.name = None
            graph.register_initializer(val)
            ir.convenience.replace_all_uses_with(out, val)
            graph.remove(node, safe=True)
            modified = True
        return modified

    @staticmethod
    def _fold_shape(node):
        dims = _static_dims(node.inputs[0].shape)
        if dims is None:
            return None
        rank = len(dims)
        start = _attr(node, "start", 0)
        end = _attr(node, "end", rank)
        part = dims[slice(start, end)]
        if any(d is None for d in part):
            return None
        return np.array(part, dtype=np.int64)

    @staticmethod
    def _fold(node, op):
        return fold(op, node, [_const_input(v) for v in node.inputs], node.inputs)


def fold(op: str, node, tensors, inputs) -> np.ndarray | None:
    """Evaluate ``op`` on constant ``tensors`` (``None`` for absent optional inputs) when free.

    ``node`` only needs ``.attributes`` (an ``ir.Node``, or the attributes a node is
    about to get: :meth:`IrContext.op` folds before it creates a node).
    """
    if any(t is None for t, v in zip(tensors, inputs) if v is not None) or not tensors:
        return None
    if any(t is not None and t.dtype.is_string() for t in tensors):
        return None
    view = op in _VIEW_FOLDS
    if not view and any(t is not None and t.size > FOLD_MAX_ELEMENTS for t in tensors):
        return None
    try:
        arrays = [t.numpy() if t is not None else None for t in tensors]
        while arrays and arrays[-1] is None:
            arrays.pop()
        fn = _VIEW_FOLDS.get(op) or _SMALL_FOLDS[op]
        result = np.asarray(fn(node, *arrays))
    except (_NotFoldable, ValueError, TypeError, IndexError):
        return None
    if not view and result.size > FOLD_MAX_ELEMENTS:
        return None
    return result if result.flags.c_contiguous else np.ascontiguousarray(result)


#: op types :func:`fold` can evaluate
FOLDABLE = frozenset({*_VIEW_FOLDS, *_SMALL_FOLDS})


# ---------------------------------------------------------------------------- targets
class ConstantShapeTargetPass(_SweepPass):
    """Computed Reshape/Expand targets → constants when the output shape allows it.

    ``Reshape(x, Concat(dim_B, [197, 384]))`` with output ``[B, 197, 384]`` becomes
    ``Reshape(x, [-1, 197, 384])``; ``Expand(x[B,1,8], Concat(dim_B, [4, 8]))`` becomes
    ``Expand(x, [1, 4, 8])``. The Concat/Gather chains then die.
    """

    op_types = frozenset({"Reshape", "Expand"})

    def run(self, model: ir.Model, sweep: Sweep) -> bool:
        modified = False
        for node in sweep.live(self.op_types):
            if len(node.inputs) < 2:
                continue
            x, target = node.inputs[0], node.inputs[1]
            if target is None or target.const_value is not None or target.is_initializer():
                continue
            out_shape = node.outputs[0].shape
            if node.op_type == "Reshape":
                new = self._reshape_target(node, out_shape) or self._concat_target(node, target)
            else:
                new = self._expand_target(x.shape, out_shape) if out_shape is not None else None
            if new is None:
                continue
            graph = model.graph
            name = f"{node.name or node.op_type}_target"
            while name in graph.initializers:
                name += "_c"
            arr = np.array(new, dtype=np.int64)
            const = ir.Value(name=name, shape=ir.Shape(arr.shape), type=ir.TensorType(ir.DataType.INT64),
                             const_value=ir.Tensor(arr, name=name))
            graph.register_initializer(const)
            node.replace_input_with(1, const)
            modified = True
        return modified

    @staticmethod
    def _reshape_target(node, out_shape):
        if _attr(node, "allowzero", 0) or out_shape is None:
            return None
        dims = _static_dims(out_shape)
        if dims.count(None) != 1 or 0 in dims:
            return None
        return [-1 if d is None else d for d in dims]

    @staticmethod
    def _concat_target(node, target):
        """``Concat(consts…, one 1-element dim, consts…)`` → the constants with ``-1`` there."""
        producer = target.producer()
        if _attr(node, "allowzero", 0) or producer is None or producer.op_type != "Concat":
            return None
        new, dynamic = [], 0
        for piece in producer.inputs:
            t = _const_input(piece)
            if t is not None:
                vals = [int(v) for v in t.numpy().reshape(-1)]
                if any(v <= 0 for v in vals):
                    return None
                new.extend(vals)
            elif _is_dim_piece(piece):
                dynamic += 1
                new.append(-1)
            else:
                return None
        return new if dynamic == 1 else None

    @staticmethod
    def _expand_target(in_shape, out_shape):
        if in_shape is None or len(in_shape) > len(out_shape):
            return None
        pad = len(out_shape) - len(in_shape)
        new = []
        for i, d in enumerate(out_shape.dims):
            if isinstance(d, int):
                new.append(d)
                continue
            j = i - pad
            src = in_shape.dims[j] if j >= 0 else None
            if src is None or isinstance(src, int) or d.value is None or src.value != d.value:
                return None
            new.append(1)  # broadcasting keeps the input's (same symbolic) dim
        return new


_DIM_ARITH = frozenset({"Add", "Sub", "Mul", "Div", "Max", "Min", "Cast"})


def _is_dim_piece(v: ir.Value | None, depth: int = 0) -> bool:
    """A 1-element value computed from ``Shape`` (a runtime dim such as ``B`` or ``2*B``)."""
    if v is None or depth > 8:
        return False
    t = _const_input(v)
    if t is not None:
        return t.size == 1
    p = v.producer()
    if p is None or p.domain != "":
        return False
    if p.op_type == "Shape":
        start, end = _attr(p, "start", 0), _attr(p, "end", None)
        return end is not None and (end - start == 1)
    if p.op_type in ("Gather", "Slice") and p.inputs[0] is not None and p.inputs[0].producer() is not None \
            and p.inputs[0].producer().op_type == "Shape":  # opsets < 15: Shape has no start/end
        n = _const_input(p.inputs[1])
        return n is not None and (p.op_type == "Gather" and n.size == 1 and n.shape == (1,)
                                  or p.op_type == "Slice" and _slice_len_one(p))
    if p.op_type in _DIM_ARITH:
        return all(_is_dim_piece(i, depth + 1) for i in p.inputs)
    return False


def _slice_len_one(p: ir.Node) -> bool:
    ends = _const_input(p.inputs[2]) if len(p.inputs) > 2 else None
    starts = _const_input(p.inputs[1])
    if ends is None or len(p.inputs) > 3 or starts.size != 1 or ends.size != 1:
        return False
    s, e = int(starts.numpy().reshape(-1)[0]), int(ends.numpy().reshape(-1)[0])
    return s >= 0 and e == s + 1


class FuseTransposesPass(_SweepPass):
    """``Transpose(Transpose(x, p1), p2)`` → ``Transpose(x, p1∘p2)``, or ``x`` when that is the identity."""

    op_types = frozenset({"Transpose"})

    def run(self, model: ir.Model, sweep: Sweep) -> bool:
        modified = False
        for node in sweep.live(self.op_types):
            src = node.inputs[0]
            inner = src.producer() if src is not None else None
            if inner is None or inner.op_type != "Transpose" or inner.domain != "" or inner.graph is not node.graph:
                continue
            p1, p2 = _attr(inner, "perm"), _attr(node, "perm")
            if p1 is None or p2 is None:
                continue
            perm = [p1[j] for j in p2]
            x = inner.inputs[0]
            if perm == list(range(len(perm))):
                modified |= _bypass(node, x)
            else:
                node.replace_input_with(0, x)
                node.attributes["perm"] = ir.AttrInt64s("perm", perm)
                modified = True
        return modified


#: elementwise ops a layout Transpose commutes with (non-tensor inputs: constants)
_ELEMENTWISE = frozenset({
    "Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Neg", "Abs",
    "Exp", "Log", "Sqrt", "Erf", "Clip", "Cast", "Elu", "Selu", "Softplus", "HardSigmoid", "HardSwish",
})


def _single_use(v: ir.Value) -> bool:
    return not v.is_graph_output() and len(v.uses()) == 1


class TransposeThroughElementwisePass(_SweepPass):
    """``Transpose(E1(…Ek(Transpose(x, p0), c)…), p)`` → ``E1'(…Ek'(Transpose(x, p0∘p), c')…)``.

    A chain of elementwise nodes between two Transposes, each used once and with
    only constants besides the chain value (a convolution's bias ``Add``, a ``Relu``),
    is moved into the outer Transpose's layout (constants permuted, broadcast to
    the full rank), so the two Transposes meet and fuse, or cancel. Only chains that
    end at a Transpose are rewritten: the Transpose count never grows.
    """

    op_types = frozenset({"Transpose"})

    def run(self, model: ir.Model, sweep: Sweep) -> bool:
        modified = False
        for node in list(sweep.live(self.op_types)):
            if node.graph is not None:  # an earlier rewrite may have removed it
                modified |= self._rewrite(model, node, sweep)
        return modified

    @staticmethod
    def _chain(node):
        chain, v = [], node.inputs[0]
        while v is not None and _single_use(v):
            p = v.producer()
            if p is None or p.domain != "" or p.graph is not node.graph:
                return None
            if p.op_type == "Transpose":
                return chain, p
            if p.op_type not in _ELEMENTWISE or len(chain) > 16:
                return None
            dynamic = [i for i, x in enumerate(p.inputs) if x is not None and _const_input(x) is None]
            if len(dynamic) != 1:
                return None
            chain.append((p, dynamic[0]))
            v = p.inputs[dynamic[0]]
        return None

    def _rewrite(self, model, node, sweep: Sweep) -> bool:
        found = self._chain(node)
        if not found or not found[0]:
            return False
        chain, inner = found
        p, p0 = _attr(node, "perm"), _attr(inner, "perm")
        if p is None or p0 is None:
            return False
        rank = len(p)
        for e, _ in chain:
            for i, x in enumerate(e.inputs):
                t = _const_input(x)
                if t is None or x is None:
                    continue
                if t.shape is not None and len(t.shape) > rank:
                    return False
        graph = node.graph
        for e, dyn in chain:
            for i, x in enumerate(e.inputs):
                t = _const_input(x) if x is not None else None
                if t is None or len(t.shape) == 0:
                    continue
                arr = t.numpy()
                moved = np.ascontiguousarray(np.transpose(arr.reshape((1,) * (rank - arr.ndim) + arr.shape), p))
                name = (x.name or "const") + "_t"
                while name in model.graph.initializers:
                    name += "_c"
                val = ir.Value(name=name, shape=ir.Shape(moved.shape), type=x.type, const_value=ir.Tensor(moved, name=name))
                model.graph.register_initializer(val)
                e.replace_input_with(i, val)
            out = e.outputs[0]
            if out.shape is not None and len(out.shape) == rank:
                out.shape = ir.Shape([out.shape.dims[j] for j in p])
        top, top_in = chain[-1]
        perm = [p0[j] for j in p]
        src = inner.inputs[0]
        if perm != list(range(rank)):
            t_out = ir.Value(name=f"{inner.name or 'Transpose'}_fused", type=src.type,
                             shape=None if src.shape is None else ir.Shape([src.shape.dims[j] for j in perm]))
            fused = ir.Node("", "Transpose", [src], [ir.AttrInt64s("perm", perm)], outputs=[t_out],
                            name=f"{inner.name or 'Transpose'}_fused")
            graph.insert_before(top, fused)
            sweep.nodes.append(fused)  # the sweep's list stays complete
            src = t_out
        top.replace_input_with(top_in, src)
        if inner.outputs[0].uses() == [] and not inner.outputs[0].is_graph_output():
            graph.remove(inner, safe=True)
        return _bypass(node, chain[0][0].outputs[0])


# ---------------------------------------------------------------------------- dedup
def _array_of(tensor):
    raw = tensor.raw if isinstance(tensor, ir.Tensor) else None
    return raw if isinstance(raw, np.ndarray) else None


#: tensors up to this many elements are fingerprinted by all of their bytes
_SAMPLE = 4096


def _fingerprint(arr: np.ndarray) -> bytes:
    flat = arr.reshape(-1)
    if flat.size <= _SAMPLE:
        return flat.tobytes()  # the whole content: equal fingerprints are equal tensors
    step = max(1, flat.size // _SAMPLE)
    return flat[::step].tobytes() + flat[-64:].tobytes()


def _equal(a: np.ndarray, b: np.ndarray, chunk: int = 1 << 22) -> bool:
    fa, fb = a.reshape(-1), b.reshape(-1)
    for i in range(0, fa.size, chunk):
        if not np.array_equal(fa[i:i + chunk], fb[i:i + chunk]):
            return False
    return True


class DeduplicateInitializersPass(ir.passes.InPlacePass):
    """Merge identical initializers without hashing every byte of every weight.

    Candidates must share dtype and shape (most weights are alone in their group and
    cost nothing more); a strided sample (≤ 4 K elements, all of a small tensor) must
    match; only then are the full buffers compared (in chunks, no copy). Only the
    main graph is searched: the converter puts every initializer there.
    """

    def __init__(self, min_elements: int = 0):
        super().__init__()
        self.min_elements = min_elements

    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        groups: dict[tuple, list[tuple[ir.Value, np.ndarray]]] = {}
        for value in graph.initializers.values():
            t = value.const_value
            arr = _array_of(t) if t is not None else None
            if arr is None or arr.size < self.min_elements or arr.dtype.kind in "OUS":
                continue
            groups.setdefault((t.dtype, tuple(arr.shape)), []).append((value, arr))
        modified = False
        for members in groups.values():
            if len(members) < 2:  # the usual case: nothing to sample or compare
                continue
            kept: list[tuple[ir.Value, np.ndarray, bytes]] = []
            for value, arr in members:
                if value.is_graph_input() or value.is_graph_output():
                    continue
                fp = _fingerprint(arr)
                match = next((kv for kv, karr, kfp in kept
                              if kfp == fp and (arr.size <= _SAMPLE or _equal(karr, arr))), None)
                if match is None:
                    kept.append((value, arr, fp))
                    continue
                value.replace_all_uses_with(match)
                graph.initializers.pop(value.name)
                modified = True
        return ir.passes.PassResult(model, modified)


class RemoveDeadNodesPass(ir.passes.InPlacePass):
    """Dead-code elimination: nodes none of whose outputs is used or a graph output,
    in every graph and function body, then main-graph initializers nobody reads.

    ``common.RemoveUnusedNodesPass`` does the same and also trims unused optional
    outputs, which needs an ONNX schema look-up per node (~3 ms on a 100-node model,
    the largest single cost of a small conversion); the lowerings never emit unused
    optional outputs, so that part is left out.
    """

    def call(self, model: ir.Model) -> ir.passes.PassResult:
        count = self._in_graph(model.graph)
        for fn in model.functions.values():
            count += self._in_graph(fn)
        graph = model.graph
        keep = frozenset(graph.inputs) | frozenset(graph.outputs)
        for init in tuple(graph.initializers.values()):
            if init not in keep and not init.uses():
                del graph.initializers[init.name]
                count += 1
        return ir.passes.PassResult(model, bool(count))

    def _in_graph(self, graph) -> int:
        outputs = frozenset(graph.outputs)
        count = 0
        for node in reversed(graph):  # consumers before producers: one sweep suffices
            if not any(o in outputs or o.uses() for o in node.outputs):
                graph.remove(node, safe=True)
                count += 1
                continue
            for sub in subgraphs(node):
                count += self._in_graph(sub)
        return count


def optimize(model: ir.Model) -> ir.Model:
    """Run the clean-up passes in place (unless ``JAX2ONNX_OPTIMIZE=0``); return ``model``.

    One walk lists the nodes for every pass; a pass whose op types do not occur is
    skipped. Passes are run through ``call`` (the pass framework's pre/post checks
    would cost more than most passes on a small model).
    """
    if not flags.optimize_enabled():
        return model
    sweep = Sweep(model)
    RemoveNoOpPass(sweep).call(model)
    if "Slice" in sweep.op_types:
        from .slices import fuse_slices

        fuse_slices(model, list(sweep.live({"Slice"})))
    if not sweep.op_types.isdisjoint(_LOOP_OPS):
        from .loops import optimize_loops  # only models with loops pay for the import

        if optimize_loops(model):
            sweep = Sweep(model)
    if "Identity" in sweep.op_types:  # only the Identity nodes, not a walk of every graph
        eliminate = _SafeIdentityElimination()._try_eliminate_identity_node
        for node in list(sweep.live({"Identity"})):
            eliminate(node)
    FoldConstantsPass(sweep).call(model)
    FuseTransposesPass(sweep).call(model)
    if "Transpose" in sweep.op_types:
        TransposeThroughElementwisePass(sweep).call(model)
        FuseTransposesPass(sweep).call(model)
    ConstantShapeTargetPass(sweep).call(model)
    if flags.fuse_enabled():  # macro ops from decomposed patterns (fusion.py); before CSE and DCE
        from .fusion import fuse

        fuse(model, sweep)
    # after folding/targets, which add small initializers; before CSE, which keys on them
    DeduplicateInitializersPass().call(model)
    if _may_have_common_subexpressions(sweep):
        common.CommonSubexpressionEliminationPass().call(model)
    RemoveDeadNodesPass().call(model)
    if set(model.graph.opset_imports) - {""} - {n.domain for n in sweep.nodes}:
        common.RemoveUnusedOpsetsPass().call(model)
    return model


def _may_have_common_subexpressions(sweep: Sweep) -> bool:
    """Whether two live nodes have the same op type and the very same inputs, which CSE
    needs before it compares attributes (most small models have no such pair, and then
    onnx_ir's CSE, which keys every node on its attributes, is skipped)."""
    seen = set()
    for node in sweep.nodes:
        if node.graph is None:
            continue
        key = (node.domain, node.op_type, tuple(map(id, node.inputs)))
        if key in seen:
            return True
        seen.add(key)
    return False
