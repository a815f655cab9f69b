"""Control flow for the legacy pipeline: ``cond`` → ``If``, ``while`` / ``scan`` → ``Loop``.

Bodies are lowered by the normal eqn walk in a child ``LegacyContext`` and packed
into ``GraphProto`` attributes; they refer to outer values and initializers by
name. Subgraph inputs and outputs get value_info from the jaxpr avals.

| JAX form | ONNX |
|---|---|
| ``cond`` (2 branches) | ``If`` |
| ``switch`` (N branches) | ``If`` nested in the else branches |
| constant predicate / index | the chosen branch inlined, no ``If`` |
| ``while_loop`` / dynamic ``fori_loop`` | ``Loop`` without trip count, condition in the body |
| ``scan`` / static ``fori_loop`` | ``Loop`` with trip count ``M``, xs gathered per iteration |
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ..converter.context import value_info
from ..plugin.jaxpr_utils import closed_parts, iter_eqns
from ..plugin.registry import register

PIPELINE = "legacy"

_INT64_MIN = np.iinfo(np.int64).min


def _bind_outputs(ctx, eqn, names) -> None:
    for var, name in zip(eqn.outvars, names):
        if type(var).__name__ != "DropVar":
            ctx.names[var] = name


# ---- subgraph helpers -------------------------------------------------------------------
def _finish(sub, inputs, outs, avals, name: str):
    """Pack ``sub`` into a GraphProto; outputs not produced inside get an Identity."""
    own = {o for n in sub.nodes for o in n.output}
    result, seen = [], set()
    for out, aval in zip(outs, avals):
        if out not in own or out in seen:
            out = sub.node1("Identity", [out])
        seen.add(out)
        result.append(out)
    outputs = [value_info(n, a.dtype, a.shape) for n, a in zip(result, avals)]
    inner = [vi for n, vi in sub.value_infos.items() if n not in seen]
    return helper.make_graph(list(sub.nodes), name, list(inputs), outputs, value_info=inner)


def _branch_graph(ctx, closed, operands, name: str):
    jaxpr, consts = closed_parts(closed)
    sub = ctx.subcontext(name)
    outs = sub.inline(jaxpr, operands, consts)
    return _finish(sub, [], outs, [v.aval for v in jaxpr.outvars], name)


# ---- constant index folding ---------------------------------------------------------------
_FOLD = {
    "Identity": lambda n, x: x,
    "Cast": lambda n, x: x.astype(helper.tensor_dtype_to_np_dtype(helper.get_attribute_value(n.attribute[0]))),
    "Clip": lambda n, x, lo=None, hi=None: np.clip(x, lo, hi),
    "Max": lambda n, *xs: np.maximum.reduce(xs),
    "Min": lambda n, *xs: np.minimum.reduce(xs),
    "Not": lambda n, x: np.logical_not(x),
    "Equal": lambda n, a, b: np.equal(a, b),
}


def _producer(ctx, name):
    c = ctx
    while c is not None:
        for n in reversed(c.nodes):
            if name in n.output:
                return n
        c = c.parent
    return None


def _known_value(ctx, name: str, depth: int = 0):
    """The numpy value of ``name`` when it is an initializer or a short foldable chain."""
    if not name or depth > 8:
        return None
    for t in ctx.root.initializers:
        if t.name == name:
            return numpy_helper.to_array(t)
    node = _producer(ctx, name)
    if node is None or node.op_type not in _FOLD or node.domain not in ("", "ai.onnx"):
        return None
    if node.op_type == "Cast" and [a.name for a in node.attribute] != ["to"]:
        return None
    args = [_known_value(ctx, i, depth + 1) for i in node.input]
    if any(a is None for a in args):
        return None
    return np.asarray(_FOLD[node.op_type](node, *args))


# ---- cond / switch -------------------------------------------------------------------------
def _if_chain(ctx, index, branches, operands, start: int, out_avals, index_dtype):
    """Names of the outputs of an ``If`` for branches[start:] (nested for N > 2)."""
    rest = branches[start:]
    if len(rest) == 2 and start == 0:
        # the usual cond: index is 0 or 1, so a Cast to bool is the predicate
        pred = ctx.node1("Cast", [index], to=TensorProto.BOOL)
        then_g = _branch_graph(ctx, rest[1], operands, ctx.fresh("then"))
        else_g = _branch_graph(ctx, rest[0], operands, ctx.fresh("else"))
    else:
        pred = ctx.node1("Equal", [index, ctx.const(np.array(start, dtype=index_dtype))])
        then_g = _branch_graph(ctx, rest[0], operands, ctx.fresh("then"))
        if len(rest) == 2:
            else_g = _branch_graph(ctx, rest[1], operands, ctx.fresh("else"))
        else:
            name = ctx.fresh("else")
            sub = ctx.subcontext(name)
            outs = _if_chain(sub, index, branches, operands, start + 1, out_avals, index_dtype)
            else_g = _finish(sub, [], outs, out_avals, name)
    return ctx.node("If", [pred], len(out_avals), then_branch=then_g, else_branch=else_g)


@register(PIPELINE, "cond")
def cond(ctx, eqn):
    """``lax.cond`` / ``lax.switch``: ``If`` (nested for N > 2); constant index inlined."""
    branches = list(eqn.params["branches"])
    names = ctx.inputs(eqn)
    index, operands = names[0], names[1:]
    known = _known_value(ctx, index)
    if known is not None or len(branches) == 1:
        # JAX clamps the switch index; cond predicates are already 0/1
        k = 0 if known is None else int(np.clip(int(known.reshape(())), 0, len(branches) - 1))
        jaxpr, consts = closed_parts(branches[k])
        _bind_outputs(ctx, eqn, ctx.inline(jaxpr, operands, consts))
        return
    out_avals = [v.aval for v in eqn.outvars]
    outs = _if_chain(ctx, index, branches, operands, 0, out_avals, eqn.invars[0].aval.dtype)
    _bind_outputs(ctx, eqn, outs)


def _forget(ctx, jaxpr) -> None:
    """Drop the names given to ``jaxpr``'s values so inlining it again stays in SSA form."""
    for e in iter_eqns(jaxpr):
        for v in e.outvars:
            ctx.names.pop(v, None)


# ---- loops ------------------------------------------------------------------------------------
def _counter_inputs(sub):
    it, cond_in = sub.fresh("iter"), sub.fresh("cond_in")
    return it, cond_in, [value_info(it, np.int64, ()), value_info(cond_in, np.bool_, ())]


class _Aval:
    """dtype/shape of a boundary value with no jaxpr var (the loop condition)."""

    def __init__(self, dtype, shape):
        self.dtype, self.shape = np.dtype(dtype), tuple(shape)


_BOOL_AVAL = _Aval(np.bool_, ())


def _any(ctx, pred: str, batched: bool) -> str:
    """A batched predicate keeps the loop running while any row is true (bool → float
    for ReduceMax, which has no bool kernel)."""
    if not batched:
        return pred
    m = ctx.node1("ReduceMax", [ctx.node1("Cast", [pred], to=TensorProto.FLOAT)], keepdims=0)
    return ctx.node1("Cast", [m], to=TensorProto.BOOL)


def _select_rows(ctx, live: str, rank: int, new: str, old: str, aval) -> str:
    """``live`` (the carry's leading ``rank`` dims) ? new : old, per row."""
    if len(aval.shape) > rank:
        live = ctx.node1("Unsqueeze", [live, ctx.const(np.arange(rank, len(aval.shape), dtype=np.int64))])
    if np.dtype(aval.dtype) == np.bool_:
        # ORT's Where has no bool kernel: pick with logic ops instead
        keep = ctx.node1("And", [ctx.node1("Not", [live]), old])
        return ctx.node1("Or", [ctx.node1("And", [live, new]), keep])
    return ctx.node1("Where", [live, new, old])


@register(PIPELINE, "while")
def while_loop(ctx, eqn):
    """``lax.while_loop`` → ``Loop`` (no trip count); the condition is re-evaluated in the body."""
    p = eqn.params
    cjaxpr, cconsts = closed_parts(p["cond_jaxpr"])
    bjaxpr, bconsts = closed_parts(p["body_jaxpr"])
    nc, nb = p["cond_nconsts"], p["body_nconsts"]
    names = ctx.inputs(eqn)
    c_args, b_args, init = names[:nc], names[nc:nc + nb], names[nc + nb:]
    carry_avals = [v.aval for v in bjaxpr.outvars]

    batched = bool(cjaxpr.outvars[0].aval.shape)
    first = _any(ctx, ctx.inline(cjaxpr, c_args + init, cconsts)[0], batched)

    gname = ctx.fresh("while_body")
    sub = ctx.subcontext(gname)
    it, cond_in, counters = _counter_inputs(sub)
    carried = [sub.fresh("carry") for _ in carry_avals]
    if batched:
        # vmap with a batched predicate: only the rows whose predicate holds step
        live = sub.inline(cjaxpr, c_args + carried, cconsts)[0]
        _forget(sub, cjaxpr)  # cond_jaxpr is inlined again below, with fresh names
        stepped = sub.inline(bjaxpr, b_args + carried, bconsts)
        rank = len(cjaxpr.outvars[0].aval.shape)
        new = [_select_rows(sub, live, rank, s, c, a) for s, c, a in zip(stepped, carried, carry_avals)]
    else:
        new = sub.inline(bjaxpr, b_args + carried, bconsts)
    again = _any(sub, sub.inline(cjaxpr, c_args + list(new), cconsts)[0], batched)
    ins = counters + [value_info(n, a.dtype, a.shape) for n, a in zip(carried, carry_avals)]
    body = _finish(sub, ins, [again, *new], [_BOOL_AVAL, *carry_avals], gname)
    outs = ctx.node("Loop", ["", first, *init], ctx.outputs(eqn), body=body)
    _bind_outputs(ctx, eqn, outs)


@register(PIPELINE, "scan")
def scan(ctx, eqn):
    """``lax.scan`` → ``Loop`` with trip count ``length``; xs are gathered by (reversed)
    iteration number and ys come out as Loop scan outputs (flipped back when reversed).
    ``unroll`` does not change the result and is ignored."""
    p = eqn.params
    body_jaxpr, body_consts = closed_parts(p["jaxpr"])
    nconst, ncarry, reverse = p["num_consts"], p["num_carry"], p["reverse"]
    names = ctx.inputs(eqn)
    consts, init, xs = names[:nconst], names[nconst:nconst + ncarry], names[nconst + ncarry:]
    carry_avals = [v.aval for v in body_jaxpr.outvars[:ncarry]]
    y_avals = [v.aval for v in body_jaxpr.outvars[ncarry:]]

    trip = ctx.scalar_dim(p["length"])  # symbolic lengths read the input's shape
    last = ctx.node1("Sub", [trip, ctx.const(np.array(1, dtype=np.int64))]) if reverse and xs else None

    gname = ctx.fresh("scan_body")
    sub = ctx.subcontext(gname)
    it, cond_in, counters = _counter_inputs(sub)
    carried = [sub.fresh("carry") for _ in carry_avals]
    pos = sub.node1("Sub", [last, it]) if reverse and xs else it
    x_t = [sub.node1("Gather", [x, pos], axis=0) for x in xs]
    outs = sub.inline(body_jaxpr, consts + carried + x_t, body_consts)
    keep = sub.node1("Identity", [cond_in])
    ins = counters + [value_info(n, a.dtype, a.shape) for n, a in zip(carried, carry_avals)]
    body = _finish(sub, ins, [keep, *outs], [_BOOL_AVAL, *carry_avals, *y_avals], gname)
    final = ctx.outputs(eqn)
    if reverse:
        stacked = [ctx.fresh("scan_ys") for _ in y_avals]
        ctx.node("Loop", [trip, ctx.const(np.array(True)), *init], final[:ncarry] + stacked, body=body)
        # iteration k produced row length-1-k: flip the stacked outputs back
        for s, out in zip(stacked, final[ncarry:]):
            ctx.node("Slice", [s, ctx.const(np.array([-1], dtype=np.int64)),
                               ctx.const(np.array([_INT64_MIN], dtype=np.int64)),
                               ctx.const(np.array([0], dtype=np.int64)),
                               ctx.const(np.array([-1], dtype=np.int64))], [out])
    else:
        ctx.node("Loop", [trip, ctx.const(np.array(True)), *init], final, body=body)
