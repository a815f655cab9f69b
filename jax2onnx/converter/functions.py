"""ONNX functions for ``@onnx_function`` calls (legacy pipeline).

Same contract as the onnx_ir pipeline: one ``FunctionProto`` per distinct
(function, input types, body), constants inside bodies as ``Constant`` nodes,
captured arrays passed as extra inputs.
"""

from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper

from ..frontend.inputs import is_symbolic
from ..plugin.jaxpr_utils import closed_parts
from .context import LegacyContext

__all__ = ["call_function", "model_functions"]


class FunctionContext(LegacyContext):
    """A root context for one function body: constants become Constant nodes."""

    def __init__(self, opset: int, model_root: LegacyContext, name: str):
        super().__init__(opset, name=name)
        self.model_root = model_root

    def add_initializer(self, array, name: str) -> str:
        name = self.fresh(name)
        self.prologue.append(helper.make_node("Constant", [], [name], name=name,
                                              value=numpy_helper.from_array(np.asarray(array))))
        return name


def _model_root(ctx: LegacyContext) -> LegacyContext:
    return getattr(ctx.root, "model_root", ctx.root)


def model_functions(ctx: LegacyContext) -> dict:
    """function name -> FunctionProto, collected on the model's root context."""
    root = _model_root(ctx)
    if not hasattr(root, "onnx_functions"):
        root.onnx_functions = {}
        root.function_keys = {}
    return root.onnx_functions


def _build(ctx, spec, jaxpr, consts, fname):
    from .lower import lower_eqns

    fctx = FunctionContext(ctx.opset, _model_root(ctx), fname)
    all_vars = list(jaxpr.invars) + list(jaxpr.constvars)
    in_names = [f"in_{i}" for i in range(len(all_vars))]
    for name, var in zip(in_names, all_vars):
        fctx.record_type(name, var.aval)
        for axis, d in enumerate(var.aval.shape):
            if is_symbolic(d) and str(d).isidentifier():
                fctx.symbol_sources.setdefault(str(d), (name, axis))
    n_args = len(jaxpr.invars)
    outs = lower_eqns(fctx, jaxpr, in_names[:n_args], in_names[n_args:])
    out_names = []
    for i, (val, var) in enumerate(zip(outs, jaxpr.outvars)):
        name = f"out_{i}"
        fctx.node("Identity", [val], [name])
        fctx.record_type(name, var.aval)
        out_names.append(name)
    nodes = fctx.prologue + fctx.nodes
    domains = sorted({n.domain for n in nodes if n.domain})  # nested function calls
    fn = helper.make_function(spec.domain, fname, in_names, out_names, nodes,
                              opset_imports=[helper.make_opsetid("", ctx.opset)]
                              + [helper.make_opsetid(d, 1) for d in domains])
    fn.value_info.extend(fctx.value_infos.values())
    return fn


def call_function(ctx: LegacyContext, spec, closed_jaxpr, eqn) -> None:
    jaxpr, consts = closed_parts(closed_jaxpr)
    functions = model_functions(ctx)
    keys = _model_root(ctx).function_keys
    key = (spec.marker, str(closed_jaxpr))
    if key not in keys:
        fname, k = spec.name, 0
        while fname in functions:
            k += 1
            fname = f"{spec.name}_{k}"
        keys[key] = fname
        functions[fname] = _build(ctx, spec, jaxpr, consts, fname)
    args = ctx.inputs(eqn) + [ctx.const(np.asarray(c)) for c in consts]
    ctx.node(keys[key], args, ctx.outputs(eqn), domain=spec.domain)
