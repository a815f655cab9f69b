"""Control flow for the onnx_ir pipeline: ``cond`` → ``If``, ``while`` → ``Loop``, ``scan`` → ``Scan``.

Branch and loop bodies are lowered by the normal eqn walk inside a subcontext
(``ctx.subcontext``), so they capture outer values and initializers by
reference. Only the subgraph *boundaries* (body inputs and outputs) are typed
here — the converter has no eqn for them; every value inside is stamped by the
converter as usual.

| JAX form | ONNX |
|---|---|
| ``cond`` (2 branches) | ``If`` |
| ``switch`` (N branches) | ``If`` nested in the else branches |
| constant predicate / index | the chosen branch inlined, no ``If`` |
| ``while_loop`` / dynamic ``fori_loop`` | ``Loop`` without trip count, condition in the body |
| ``scan`` / static ``fori_loop`` | ``Scan``: xs sliced by the runtime (a bool placeholder when there are none) |
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import onnx_ir as ir

from ..converter2.context import ir_shape, ir_type
from ..converter2.keys import ir_type_shape, physical_aval
from ..plugin.jaxpr_utils import closed_parts
from ..plugin.registry import register

PIPELINE = "onnx_ir"


class _Aval:
    """dtype/shape of a subgraph boundary value that has no jaxpr var (the loop condition)."""

    def __init__(self, dtype, shape):
        self.dtype, self.shape = np.dtype(dtype), tuple(shape)


_BOOL_AVAL = _Aval(np.bool_, ())


# ---- subgraph helpers -----------------------------------------------------------------
def _boundary_value(ctx, prefix: str, dtype, shape) -> ir.Value:
    """A typed subgraph input (the subgraph boundary has no eqn to stamp it)."""
    return ir.Value(name=ctx.fresh(prefix), type=ir_type(dtype), shape=ir_shape(shape, dtype))


def _finish(sub, inputs: Sequence[ir.Value], outs: Sequence[ir.Value], avals, name: str) -> ir.Graph:
    """Close ``sub`` into an ``ir.Graph`` whose outputs are fresh values made in it.

    A subgraph output must be produced by a node of that subgraph: outputs that are
    subgraph inputs, outer values, initializers or repeats get an Identity.
    """
    own = {id(o) for n in sub.tape.nodes for o in n.outputs}
    result, seen = [], set()
    for val, aval in zip(outs, avals):
        if id(val) not in own or id(val) in seen:
            val = sub.op("Identity", val)
        if val.type is None or val.shape is None:
            dtype, shape = ir_type_shape(aval)  # typed PRNG keys: their uint32 key data
            val.type = val.type or dtype
            val.shape = val.shape if val.shape is not None else shape
        seen.add(id(val))
        result.append(val)
    return ir.Graph(list(inputs), result, nodes=list(sub.tape.nodes), name=name)


def _branch_graph(ctx, closed, operands, name: str) -> ir.Graph:
    """An ``If`` branch: no inputs, the jaxpr's inputs bound to the outer operands."""
    jaxpr, consts = closed_parts(closed)
    sub = ctx.subcontext(name)
    outs = sub.inline(jaxpr, operands, consts)
    return _finish(sub, [], outs, [v.aval for v in jaxpr.outvars], name)


# ---- constant index folding -------------------------------------------------------------
def _cast(node, x):
    return x.astype(ir.DataType(node.attributes["to"].value).numpy())


_FOLD = {
    "Identity": lambda n, x: x,
    "Cast": _cast,
    "Clip": lambda n, x, lo=None, hi=None: np.clip(x, lo, hi),
    "Max": lambda n, *xs: np.maximum.reduce(xs),
    "Min": lambda n, *xs: np.minimum.reduce(xs),
    "Not": lambda n, x: np.logical_not(x),
    "Equal": lambda n, a, b: np.equal(a, b),
}


def _known_value(v: ir.Value | None, depth: int = 0):
    """The numpy value of ``v`` when it is a constant or a short chain of foldable ops."""
    if v is None or depth > 8:
        return None
    if v.const_value is not None:
        return np.asarray(v.const_value.numpy())
    node = v.producer()
    if node is None or node.op_type not in _FOLD or node.domain not in ("", "ai.onnx"):
        return None
    args = [_known_value(i, depth + 1) for i in node.inputs]
    if any(a is None for a in args):
        return None
    return np.asarray(_FOLD[node.op_type](node, *args))


# ---- cond / switch -----------------------------------------------------------------------
def _if_chain(ctx, index, branches, operands, start: int):
    """``If`` for branches[start:]: ``index == start`` picks the first, else recurse."""
    n_out = len(ctx.out_avals)
    rest = branches[start:]
    if len(rest) == 2 and start == 0:
        # the usual cond: index is 0 or 1, so a Cast to bool is the predicate; JAX's
        # index is often convert_element_type of a bool, which then is the predicate
        src = index.producer()
        if src is not None and src.op_type == "Cast" and src.inputs[0] is not None \
                and src.inputs[0].dtype == ir.DataType.BOOL:
            pred = src.inputs[0]
        else:
            pred = ctx.op("Cast", index, to=ir.DataType.BOOL)
        then_g = _branch_graph(ctx, rest[1], operands, ctx.fresh("then"))
        else_g = _branch_graph(ctx, rest[0], operands, ctx.fresh("else"))
    else:
        pred = ctx.op("Equal", index, ctx.const(np.array(start, dtype=ctx.in_avals[0].dtype)))
        then_g = _branch_graph(ctx, rest[0], operands, ctx.fresh("then"))
        if len(rest) == 2:
            else_g = _branch_graph(ctx, rest[1], operands, ctx.fresh("else"))
        else:
            name = ctx.fresh("else")
            sub = ctx.subcontext(name)
            sub.eqn = ctx.eqn
            outs = _if_chain(sub, index, branches, operands, start + 1)
            else_g = _finish(sub, [], outs, ctx.out_avals, name)
    outs = ctx.op("If", pred, then_branch=then_g, else_branch=else_g, num_outputs=n_out)
    return list(outs)


@register(PIPELINE, "cond")
def cond(ctx, index, *operands, branches, **_):
    """``lax.cond`` / ``lax.switch``: ``If`` (nested for N > 2); constant index inlined."""
    known = _known_value(index)
    if known is not None:
        # JAX clamps the switch index; cond predicates are already 0/1
        k = int(np.clip(int(known.reshape(())), 0, len(branches) - 1))
        jaxpr, consts = closed_parts(branches[k])
        return tuple(ctx.inline(jaxpr, list(operands), consts))
    if len(branches) == 1:
        jaxpr, consts = closed_parts(branches[0])
        return tuple(ctx.inline(jaxpr, list(operands), consts))
    return tuple(_if_chain(ctx, index, list(branches), list(operands), 0))


# ---- while ----------------------------------------------------------------------------------
def _carry_value(ctx, aval) -> ir.Value:
    """A typed loop-carry input (typed PRNG keys are carried as their key data)."""
    phys = physical_aval(aval)
    return _boundary_value(ctx, "carry", phys.dtype, phys.shape)


def _loop_counter_inputs(ctx):
    it = _boundary_value(ctx, "iter", np.int64, ())
    cond_in = _boundary_value(ctx, "cond_in", np.bool_, ())
    return it, cond_in


def _any(ctx, pred, batched: bool):
    """A batched predicate keeps the loop running while any row is true (bool → float
    for ReduceMax, which has no bool kernel)."""
    if not batched:
        return pred
    m = ctx.op("ReduceMax", ctx.op("Cast", pred, to=ir.DataType.FLOAT), keepdims=0)
    return ctx.op("Cast", m, to=ir.DataType.BOOL)


def _select_rows(ctx, live, rank: int, new, old, aval):
    """``live`` (the carry's leading ``rank`` dims) ? new : old, per row."""
    aval = physical_aval(aval)
    if len(aval.shape) > rank:
        live = ctx.op("Unsqueeze", live, ctx.const(np.arange(rank, len(aval.shape), dtype=np.int64)))
    if np.dtype(aval.dtype) == np.bool_:
        # ORT's Where has no bool kernel: pick with logic ops instead
        return ctx.op("Or", ctx.op("And", live, new), ctx.op("And", ctx.op("Not", live), old))
    return ctx.op("Where", live, new, old)


@register(PIPELINE, "while")
def while_loop(ctx, *args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, **_):
    """``lax.while_loop`` → ``Loop`` (no trip count); the condition is re-evaluated in the body."""
    cjaxpr, cconsts = closed_parts(cond_jaxpr)
    bjaxpr, bconsts = closed_parts(body_jaxpr)
    c_args = list(args[:cond_nconsts])
    b_args = list(args[cond_nconsts:cond_nconsts + body_nconsts])
    init = list(args[cond_nconsts + body_nconsts:])
    carry_avals = [v.aval for v in bjaxpr.outvars]

    batched = bool(cjaxpr.outvars[0].aval.shape)
    first = _any(ctx, ctx.inline(cjaxpr, c_args + init, cconsts)[0], batched)

    name = ctx.fresh("while_body")
    sub = ctx.subcontext(name)
    it, cond_in = _loop_counter_inputs(sub)
    carried = [_carry_value(sub, a) for a in carry_avals]
    if batched:
        # vmap with a batched predicate: only the rows whose predicate holds step
        live = sub.inline(cjaxpr, c_args + carried, cconsts)[0]
        stepped = sub.inline(bjaxpr, b_args + carried, bconsts)
        rank = len(cjaxpr.outvars[0].aval.shape)
        new = [_select_rows(sub, live, rank, s, c, a) for s, c, a in zip(stepped, carried, carry_avals)]
    else:
        new = sub.inline(bjaxpr, b_args + carried, bconsts)
    again = _any(sub, sub.inline(cjaxpr, c_args + list(new), cconsts)[0], batched)
    body = _finish(sub, [it, cond_in, *carried], [again, *new],
                   [_BOOL_AVAL, *carry_avals], name)
    outs = ctx.op("Loop", None, first, *init, body=body, num_outputs=len(init))
    return tuple(outs)


# ---- scan --------------------------------------------------------------------------------------
@register(PIPELINE, "scan")
def scan(ctx, *args, jaxpr, num_consts, num_carry, length, reverse, **_):
    """``lax.scan`` → ONNX ``Scan``: xs are scan inputs (sliced by the runtime, no Gather),
    ys scan outputs; ``reverse`` reverses both directions. A scan without xs (``length=``,
    static ``fori_loop``) scans a bool ``[length]`` placeholder, which ORT runs faster than
    a ``Loop`` with a trip count. ``unroll`` does not change the result and is ignored;
    the loop optimizer (:mod:`jax2onnx.converter2.loops`) unrolls small static scans."""
    body_jaxpr, body_consts = closed_parts(jaxpr)
    consts = list(args[:num_consts])
    init = list(args[num_consts:num_consts + num_carry])
    xs = list(args[num_consts + num_carry:])
    carry_avals = [v.aval for v in body_jaxpr.outvars[:num_carry]]
    y_avals = [v.aval for v in body_jaxpr.outvars[num_carry:]]
    x_avals = [v.aval for v in body_jaxpr.invars[num_consts + num_carry:]]

    name = ctx.fresh("scan_body")
    sub = ctx.subcontext(name)
    carried = [_carry_value(sub, a) for a in carry_avals]
    x_t = [_carry_value(sub, a) for a in x_avals]
    body_inputs = carried + x_t
    if not xs:
        # the placeholder's slices are body inputs nobody reads
        if isinstance(length, int):
            xs = [ctx.const(np.zeros(length, dtype=np.bool_))]
        else:
            xs = [ctx.op("ConstantOfShape", ctx.dim(length), value=ir.tensor(np.zeros(1, dtype=np.bool_)))]
        body_inputs.append(_boundary_value(sub, "step", np.bool_, ()))
    outs = sub.inline(body_jaxpr, consts + carried + x_t, body_consts)
    body = _finish(sub, body_inputs, outs, [*carry_avals, *y_avals], name)
    direction = [1 if reverse else 0]
    res = ctx.op("Scan", *init, *xs, body=body, num_scan_inputs=len(xs),
                 scan_input_directions=direction * len(xs),
                 scan_output_directions=direction * len(y_avals) or None,
                 num_outputs=num_carry + len(y_avals))
    return tuple(res)


# ---- custom_linear_solve / platform_index ---------------------------------------------------
@register(PIPELINE, "custom_linear_solve")
def custom_linear_solve(ctx, *args, const_lengths, jaxprs, **_):
    """``lax.custom_linear_solve``: the ``solve`` jaxpr inlined on its consts and ``b``
    (the matvec/transpose jaxprs only matter for differentiation, done by JAX)."""
    n_consts = sum(const_lengths)
    offset = const_lengths.matvec + const_lengths.vecmat
    solve_consts = list(args[offset:offset + const_lengths.solve])
    b = list(args[n_consts:])
    jaxpr, consts = closed_parts(jaxprs.solve)
    return tuple(ctx.inline(jaxpr, solve_consts + b, consts))


@register(PIPELINE, "platform_index")
def platform_index(ctx, *, platforms, **_):
    """``lax.platform_dependent``'s branch index: the default (``None``) entry, since an
    ONNX model targets no JAX platform; a constant, so the ``cond`` it feeds is inlined."""
    for i, ps in enumerate(platforms):
        if ps is None:
            return ctx.const(np.array(i, dtype=np.int32))
    raise NotImplementedError(f"platform_dependent without a default branch (platforms {platforms})")
