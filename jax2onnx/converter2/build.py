"""TracedProgram → ``onnx_ir.Model``: inputs, weights, the eqn walk, outputs, passes."""

from __future__ import annotations

import logging
import time

import numpy as np
import onnx_ir as ir

from ..errors import UnsupportedPrimitiveError
from ..stages import stage
from ..plugin.complex_repr import DOC_STRING as COMPLEX_DOC, is_complex
from ..plugin.jaxpr_utils import find_unsupported
from . import keys, layout
from .context import IrContext, ir_shape, ir_type
from .lower import PIPELINE, lower_eqns
from .naming import unique_names
from .passes import optimize
from .typing import fill_missing_types

__all__ = ["build_model", "IR_VERSION_FOR_OPSET"]

log = logging.getLogger("jax2onnx.converter2")

#: lowest IR version each opset needs (onnx's own version table)
IR_VERSION_FOR_OPSET = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10, 23: 11, 24: 11, 25: 12, 26: 13, 27: 13, 28: 14}


def _used_vars(jaxpr) -> set:
    used = set()
    for eqn in jaxpr.eqns:
        used.update(v for v in eqn.invars if not hasattr(v, "val"))
    used.update(v for v in jaxpr.outvars if not hasattr(v, "val"))
    return used


def build_model(program, opset: int, nchw_inputs=frozenset(), nchw_outputs=frozenset()) -> ir.Model:
    """Lower ``program`` (from the front end) into an onnx_ir model.

    ``nchw_inputs`` / ``nchw_outputs``: indices of inputs / outputs the model takes /
    returns channels-first (:mod:`jax2onnx.converter2.layout`)."""
    t0 = time.perf_counter()
    jaxpr = program.jaxpr
    sites = find_unsupported(jaxpr, PIPELINE)
    if sites:
        raise UnsupportedPrimitiveError(PIPELINE, sites)
    ctx = IrContext(opset)
    ctx.x64 = bool(program.enable_double_precision)
    used = _used_vars(jaxpr)
    inputs, jax_inputs = [], []
    for i, (name, var) in enumerate(zip(program.input_names, program.input_vars)):
        dtype, shape = keys.ir_type_shape(var.aval)  # typed PRNG keys: uint32 key data
        if i in nchw_inputs:
            shape = ir_shape([var.aval.shape[p] for p in layout.to_first_perm(len(var.aval.shape))])
        val = ir.Value(name=name, shape=shape, type=dtype)
        if keys.is_key(var.aval):
            val.doc_string = keys.key_doc(var.aval)
        elif is_complex(var.aval.dtype):
            val.doc_string = COMPLEX_DOC
        inputs.append(val)
        jax_inputs.append(_transposed(ctx, val, layout.to_last_perm(len(shape)), var.aval)
                          if i in nchw_inputs else val)
    for sym, (i, axis) in program.symbol_origins.items():
        rank = len(program.input_vars[i].aval.shape)
        ctx.symbol_sources[sym] = (inputs[i], layout.graph_axis(axis, rank) if i in nchw_inputs else axis)
    weights = []
    by_id: dict[int, ir.Value] = {}
    for name, var, array in zip(program.weight_names, program.weight_vars, program.weight_values):
        if var not in used:
            weights.append(None)
            continue
        if id(array) not in by_id:  # tied weights share one initializer
            by_id[id(array)] = ctx.weight(array, name)
        weights.append(by_id[id(array)])
    consts = [ctx.weight(keys.host_value(c), ctx.fresh("const"))
              if isinstance(c, np.ndarray) or hasattr(c, "shape") else c for c in program.consts]
    outs = lower_eqns(ctx, jaxpr, weights + jax_inputs, consts)
    for j in nchw_outputs:
        aval = jaxpr.outvars[j].aval
        perm = layout.to_first_perm(len(aval.shape))
        outs[j] = _transposed(ctx, outs[j], perm, aval, [aval.shape[p] for p in perm])
    outputs = _name_outputs(ctx, outs, program.output_names, jaxpr.outvars)
    nodes = list(ctx.prologue.nodes) + list(ctx.tape.nodes)
    graph = ir.Graph(
        inputs, outputs, nodes=nodes,
        initializers=list(ctx.initializers.values()),
        opset_imports={"": opset},
        name=program.model_name,
    )
    functions = list(getattr(ctx, "onnx_functions", {}).values())  # @onnx_function bodies
    for fn in functions:
        graph.opset_imports.setdefault(fn.domain, 1)
    model = ir.Model(graph, ir_version=IR_VERSION_FOR_OPSET.get(opset, 10),
                     producer_name="jax2onnx", producer_version=_version(), functions=functions)
    with stage("passes"):
        optimize(model)
        unique_names(model)
        fill_missing_types(model)
    log.debug("lowered %d eqns to %d nodes in %.3fs", len(jaxpr.eqns), len(graph), time.perf_counter() - t0)
    return model


def _transposed(ctx: IrContext, val, perm, aval, shape=None) -> ir.Value:
    """A layout Transpose at the graph's edge (typed here: no eqn stamps it)."""
    out = ctx.op("Transpose", val, perm=perm)
    out.type = ir_type(aval.dtype)
    out.shape = ir_shape(aval.shape if shape is None else shape)
    return out


def _name_outputs(ctx: IrContext, outs, names, outvars) -> list[ir.Value]:
    """Graph outputs get the user's names; an Identity separates inputs/weights/repeats."""
    result = []
    seen = set()
    for val, name, var in zip(outs, names, outvars):
        needs_copy = (
            val.producer() is None  # a graph input, an initializer
            or id(val) in seen
            or val.name in names and val.name != name
        )
        if needs_copy:
            val = ctx.op("Identity", val)
            val.type, val.shape = keys.ir_type_shape(var.aval)
        if keys.is_key(var.aval):
            val.doc_string = keys.key_doc(var.aval)
        val.name = name
        if is_complex(var.aval.dtype):
            val.doc_string = COMPLEX_DOC
        seen.add(id(val))
        result.append(val)
    return result


def _version() -> str:
    from .. import __version__

    return __version__
