"""TracedProgram → ``onnx.ModelProto`` with the legacy pipeline."""

from __future__ import annotations

import logging
import time

import numpy as np
from onnx import helper

from ..errors import UnsupportedPrimitiveError
from ..plugin.jaxpr_utils import find_unsupported
from .context import LegacyContext, value_info
from .lower import PIPELINE, lower_eqns
from .typing import fill_value_info

__all__ = ["build_model"]

log = logging.getLogger("jax2onnx.converter")

_IR_VERSION_FOR_OPSET = {17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10, 23: 11, 24: 11, 25: 12, 26: 13}


def _used_vars(jaxpr) -> set:
    used = {v for e in jaxpr.eqns for v in e.invars if not hasattr(v, "val")}
    return used | {v for v in jaxpr.outvars if not hasattr(v, "val")}


def _refuse_complex(program) -> None:
    """A complex graph input/output would be declared complex64 (no ORT kernels) or narrowed:
    refuse it with the fix instead (complex numbers are an onnx_ir capability)."""
    from ..errors import ConversionError
    from ..plugin.complex_repr import is_complex

    named = list(zip(program.input_names, program.input_vars)) + list(zip(program.output_names, program.jaxpr.outvars))
    bad = [f"{n}: {v.aval.dtype}" for n, v in named if is_complex(v.aval.dtype)]
    if bad:
        raise ConversionError(
            "lower", f"complex inputs/outputs ({', '.join(bad)}) are not supported by the legacy pipeline "
            "(frozen after the flip); convert with use_onnx_ir=True, which carries complex values as "
            "(real, imag) float pairs (docs/complex.md)")


def build_model(program, opset: int):
    t0 = time.perf_counter()
    jaxpr = program.jaxpr
    sites = find_unsupported(jaxpr, PIPELINE)
    if sites:
        raise UnsupportedPrimitiveError(PIPELINE, sites)
    _refuse_complex(program)
    ctx = LegacyContext(opset)
    ctx.taken.update(program.input_names)  # the graph's names: everything else goes around them
    ctx.taken.update(program.output_names)
    used = _used_vars(jaxpr)
    graph_inputs = [value_info(n, v.aval.dtype, v.aval.shape) for n, v in zip(program.input_names, program.input_vars)]
    for sym, (i, axis) in program.symbol_origins.items():
        ctx.symbol_sources[sym] = (program.input_names[i], axis)
    weight_names, by_id = [], {}
    for name, var, array in zip(program.weight_names, program.weight_vars, program.weight_values):
        if var not in used:
            weight_names.append(f"unused_{name}")
            continue
        if id(array) not in by_id:
            by_id[id(array)] = ctx.add_initializer(np.asarray(array), name)
        weight_names.append(by_id[id(array)])
    consts = [ctx.add_initializer(np.asarray(c), ctx.fresh("const")) if hasattr(c, "shape") else c
              for c in program.consts]
    outs = lower_eqns(ctx, jaxpr, weight_names + list(program.input_names), consts)
    graph_outputs, seen = [], set()
    produced = {o for n in ctx.nodes for o in n.output}
    captured = _subgraph_refs(ctx.nodes)  # renaming cannot reach into If/Loop bodies
    for name, val, var in zip(program.output_names, outs, jaxpr.outvars):
        if val not in produced or val in seen or val in program.output_names or val in captured:
            ctx.node("Identity", [val], [name])
        else:
            _rename(ctx, val, name)
        seen.add(name)
        graph_outputs.append(value_info(name, var.aval.dtype, var.aval.shape))
    inner = [vi for n, vi in ctx.value_infos.items() if n not in program.output_names]
    graph = helper.make_graph(
        ctx.prologue + ctx.nodes, program.model_name, graph_inputs, graph_outputs,
        initializer=ctx.initializers, value_info=inner,
    )
    functions = list(getattr(ctx, "onnx_functions", {}).values())  # @onnx_function bodies
    domains = sorted({f.domain for f in functions})
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains],
        producer_name="jax2onnx", ir_version=_IR_VERSION_FOR_OPSET.get(opset, 10), functions=functions,
    )
    fill_value_info(model)
    log.debug("legacy lowered %d eqns to %d nodes in %.3fs", len(jaxpr.eqns), len(graph.node), time.perf_counter() - t0)
    return model


def _subgraph_refs(nodes) -> set[str]:
    """Every value name read inside the graph attributes (If/Loop bodies) of ``nodes``."""
    refs: set[str] = set()
    for n in nodes:
        for a in n.attribute:
            for g in ([a.g] if a.HasField("g") else []) + list(a.graphs):
                refs.update(x for m in g.node for x in m.input)
                refs |= _subgraph_refs(g.node)
    return refs


def _rename(ctx: LegacyContext, old: str, new: str) -> None:
    """Rename a produced value everywhere (graph output names are the user's)."""
    for n in ctx.nodes:
        for i, o in enumerate(n.output):
            if o == old:
                n.output[i] = new
        for i, x in enumerate(n.input):
            if x == old:
                n.input[i] = new
    if old in ctx.value_infos:
        ctx.value_infos.pop(old)
