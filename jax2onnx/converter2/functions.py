"""ONNX functions for ``@onnx_function`` calls (onnx_ir pipeline).

A call eqn (a ``jit`` named by the decorator) becomes a call node; its body is
lowered once per distinct (function, input types, body) into an ``ir.Function``.
Function bodies cannot see graph initializers, so constants inside a body are
``Constant`` nodes and the body's captured arrays arrive as extra inputs.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..frontend.inputs import is_symbolic
from ..plugin.jaxpr_utils import closed_parts
from .context import IrContext, ir_shape, ir_type

__all__ = ["call_function", "model_functions"]


class FunctionContext(IrContext):
    """A root context for one function body: constants become Constant nodes."""

    def __init__(self, opset: int, model_root: IrContext, name: str):
        super().__init__(opset, name=name)
        self.model_root = model_root

    def _add_initializer(self, array, name, key):
        tensor = ir.Tensor(np.asarray(array), name=name)
        val = self.prologue.op("Constant", [], {"value": tensor}, name=name)
        val.name = name
        val.type = ir.TensorType(tensor.dtype)
        val.shape = ir.Shape(tensor.shape)
        if key is not None:
            self._const_cache[key] = val
        return val


def _model_root(ctx: IrContext) -> IrContext:
    root = ctx.root
    return getattr(root, "model_root", root)


def model_functions(ctx: IrContext) -> dict:
    """(domain, name, "") -> ir.Function, collected on the model's root context."""
    root = _model_root(ctx)
    if not hasattr(root, "onnx_functions"):
        root.onnx_functions = {}
        root.function_keys = {}
    return root.onnx_functions


def _build(ctx: IrContext, spec, jaxpr, n_consts: int, consts, fname: str) -> ir.Function:
    from .lower import lower_eqns

    fctx = FunctionContext(ctx.opset, _model_root(ctx), fname)
    inputs = []
    for i, var in enumerate(list(jaxpr.invars) + list(jaxpr.constvars)):
        inputs.append(ir.Value(name=f"in_{i}", shape=ir_shape(var.aval.shape, var.aval.dtype), type=ir_type(var.aval.dtype)))
        for axis, d in enumerate(var.aval.shape):
            if is_symbolic(d) and str(d).isidentifier():
                fctx.symbol_sources.setdefault(str(d), (inputs[-1], axis))
    n_args = len(jaxpr.invars)
    outs = lower_eqns(fctx, jaxpr, inputs[:n_args], inputs[n_args:])
    outputs, seen = [], set()
    for i, (val, var) in enumerate(zip(outs, jaxpr.outvars)):
        if val.producer() is None or id(val) in seen or val in inputs:
            val = fctx.op("Identity", val)
            val.type, val.shape = ir_type(var.aval.dtype), ir_shape(var.aval.shape, var.aval.dtype)
        val.name = f"out_{i}"
        seen.add(id(val))
        outputs.append(val)
    nodes = list(fctx.prologue.nodes) + list(fctx.tape.nodes)
    opsets = {"": ctx.opset, **{n.domain: 1 for n in nodes if n.domain}}  # nested function calls
    graph = ir.Graph(inputs, outputs, nodes=nodes, opset_imports=opsets, name=fname)
    return ir.Function(spec.domain, fname, graph=graph, attributes=[])


def call_function(ctx: IrContext, spec, closed_jaxpr, args):
    """Emit a call node for a decorated callable; define its function on first use."""
    jaxpr, consts = closed_parts(closed_jaxpr)
    functions = model_functions(ctx)
    keys = _model_root(ctx).function_keys
    key = (spec.marker, str(closed_jaxpr))
    if key not in keys:
        taken = {n for (_, n, _) in functions}
        fname, k = spec.name, 0
        while fname in taken:
            k += 1
            fname = f"{spec.name}_{k}"
        keys[key] = fname
        functions[(spec.domain, fname, "")] = _build(ctx, spec, jaxpr, len(consts), consts, fname)
    fname = keys[key]
    const_vals = [ctx.const(np.asarray(c)) for c in consts]
    n_out = len(jaxpr.outvars)
    outs = ctx.op(fname, *args, *const_vals, domain=spec.domain, num_outputs=n_out)
    return outs
