"""Pattern fusion on the lowered graph: macro ops from however the user spelled them.

A model written with plain ``jax.numpy`` (a hand-written LayerNorm, an exact GELU
through ``lax.erf``, attention as ``einsum`` + softmax) lowers to dozens of small
nodes; the component patches only keep a macro op whole when the user called the
library function they intercept. These rules find the decomposed forms in the
onnx_ir graph and put the ONNX op of the target opset in their place:

=====================  =====  =========================================================
rule                   opset  recognised (``⊙`` any order of a product, ``mean`` =
                              ``ReduceMean`` or ``ReduceSum``/N)
=====================  =====  =========================================================
``LayerNormalization`` 17     ``(x - mean(x)) / sqrt(mean((x - mean(x))²) + eps)``
                              (or ``⊙ rsqrt(...)``), then ``⊙ gamma``, ``+ beta``;
                              trailing axes, static sizes; ``eps`` read from the graph
``RMSNormalization``   23     ``x / sqrt(mean(x²) + eps)`` (or ``⊙ rsqrt``) ``⊙ gamma``
``Gelu`` (erf)         20     ``0.5 ⊙ x ⊙ (1 + erf(x / √2))``
``Gelu`` (tanh)        20     ``0.5 ⊙ x ⊙ (1 + tanh(√(2/π) ⊙ (x + 0.044715 ⊙ x³)))``;
                              both constants must match
``Sigmoid`` / SiLU     any    ``1 / (1 + exp(-x))`` → ``Sigmoid``; ``x / (1 + exp(-x))``
                              → ``x ⊙ Sigmoid(x)``; ``x ⊙ Sigmoid(x)`` → ``Swish`` from 24
``Softmax``            13     ``exp(x - max(x)) / sum(exp(x - max(x)))`` over one axis
                              (:mod:`.fusion_attention`)
``Attention``          23     ``softmax(scale ⊙ Q·Kᵀ [+ bias] [masked]) · V`` as Einsum
                              or MatMul (:mod:`.fusion_attention`)
``Gemm``               any    ``MatMul(a, b) + c``, ``a`` and ``b`` 2-D, ``c`` of shape
                              ``[N]``, ``[1, N]``, ``[M, N]``, ``[M, 1]`` or a scalar
=====================  =====  =========================================================

Fused ops are emitted only for dtypes onnxruntime has kernels for (float32 and
float16; the tanh Gelu, RMSNormalization and Sigmoid also float64). SiLU: before
opset 24 ONNX has no ``Swish``; ``x ⊙ Sigmoid(x)`` is kept, which is two nodes and
what onnxruntime's own optimizer recognises.

Cost: each rule names the op types it needs; a rule whose op types do not all occur
in the model (one set look-up in :class:`.passes.Sweep`) costs nothing, so tiny
models pay nothing. Matching is a few producer/consumer look-ups per anchor node.
The replaced nodes are left to dead-node removal. ``JAX2ONNX_FUSE=0`` turns all
rules off (:func:`jax2onnx.flags.fuse_enabled`); docs/fusion.md has the details.

The hand-written matchers are used rather than onnxscript's rewriter: the lowered
forms need look-through (Unsqueeze'd reductions, constant sub-expressions, products
in any order, JAX's NaN-propagating max) that would take many pattern variants, and
the rewriter's matching cost (about 30 µs per node, measured) is more than a small
conversion may spend.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import onnx_ir as ir

from . import fusion_match as m

__all__ = ["fuse", "RULES"]

log = logging.getLogger("jax2onnx.converter2")

_ORT_FLOAT = frozenset({ir.DataType.FLOAT, ir.DataType.FLOAT16})
_ANY_FLOAT = _ORT_FLOAT | {ir.DataType.DOUBLE}


class _Ctx:
    """What a rule needs besides its anchor: the model, the sweep, the opset, counts."""

    def __init__(self, model: ir.Model, sweep, opset: int):
        self.model, self.sweep, self.opset = model, sweep, opset
        self.counts: dict[str, int] = {}

    def node(self, before, op, inputs, attrs=(), name="", num_outputs=1) -> ir.Node:
        return m.new_node(self.sweep, before, op, inputs, attrs, name, num_outputs)

    def const(self, before: ir.Node, arr, name: str) -> ir.Value:
        return m.new_const(before.graph, self.model.graph, np.asarray(arr), name, before)

    def done(self, rule: str) -> None:
        self.counts[rule] = self.counts.get(rule, 0) + 1


# ---------------------------------------------------------------------------- norms
def _trailing(axes, rank) -> bool:
    return bool(axes) and tuple(axes) == tuple(range(rank - len(axes), rank))


def _centered(v, graph, axes=None):
    """``v == Sub(x, mean(x, axes))``: ``(x, axes)``."""
    p = m.producer(v, graph, "Sub")
    if p is None:
        return None
    x = p.inputs[0]
    got = m.mean_of(p.inputs[1], graph)
    if got is None or got[0] is not x or (axes is not None and got[1] != axes):
        return None
    return x, got[1]


def _squared(v, graph):
    """``v == Mul(a, a)`` or ``Pow(a, 2)``: ``a``."""
    p = m.producer(v, graph, "Mul", "Pow")
    if p is None:
        return None
    if p.op_type == "Mul":
        return p.inputs[0] if p.inputs[0] is p.inputs[1] else None
    return p.inputs[0] if m.scalar(p.inputs[1]) == 2.0 else None


def _affine(ctx, anchor, v, x, axes, what):
    """A scale/bias operand as LayerNormalization wants it (the normalized shape), or None."""
    rank = len(x.shape)
    norm = [x.shape[a] for a in axes]
    if v.dtype != x.dtype or v.shape is None or len(v.shape) > rank:
        return None
    c = m.const(v)
    if c is None and v.const_value is not None:
        c = v.const_value.numpy()  # a big initializer: still a constant
    if c is not None:
        full = c.reshape((1,) * (rank - c.ndim) + c.shape)
        if any(s != 1 for s in full.shape[: rank - len(axes)]):
            return None
        try:
            arr = np.broadcast_to(full.reshape(full.shape[rank - len(axes):]), norm)
        except ValueError:
            return None
        if v.const_value is not None and tuple(c.shape) == tuple(norm):
            return v
        return ctx.const(anchor, np.ascontiguousarray(arr), f"{anchor.name or 'norm'}_{what}")
    base = v
    u = m.producer(base, anchor.graph, "Unsqueeze")
    if u is not None and u.inputs[0].shape is not None:
        base = u.inputs[0]
    dims = m.static_dims(base)
    return base if dims is not None and dims == norm else None


def _norm_output(ctx, graph, num, s):
    """The normalized value ``num / s`` as built: ``Div(num, s)`` or a product ``num ⊙ 1/s``.

    Returns ``(value, extra factors of the product)``."""
    out = []
    sv = s.outputs[0]
    for node in m.consumers(sv):
        if node.domain != "":
            continue
        if node.op_type == "Div" and node.inputs[1] is sv and node.inputs[0] is num:
            out.append((node.outputs[0], []))
        elif node.op_type == "Reciprocal" or node.op_type == "Div" and m.scalar(node.inputs[0]) == 1.0:
            r = node.outputs[0]
            for root in m.mul_roots(r):
                got = m.split_product(root.outputs[0], graph)
                if got is None or got[1] != 1.0:
                    break
                fs = list(got[0])
                if r in fs and num in fs:
                    fs.remove(r)
                    fs.remove(num)
                    out.append((root.outputs[0], fs))
                    break
    return out


def _norm_rule(ctx: _Ctx, sqrt: ir.Node) -> bool:
    graph = sqrt.graph
    add = m.producer(sqrt.inputs[0], graph, "Add")
    if add is None:
        return False
    for var, eps_v in ((add.inputs[0], add.inputs[1]), (add.inputs[1], add.inputs[0])):
        eps = m.scalar(eps_v)
        got = m.mean_of(var, graph) if eps is not None else None
        if got is None:
            continue
        sq, axes = got
        base = _squared(sq, graph)
        if base is None:
            continue
        centered = _centered(base, graph, axes)
        if centered is not None:
            return _emit_layer_norm(ctx, sqrt, centered[0], base, axes, eps)
        return _emit_rms_norm(ctx, sqrt, base, axes, eps)
    return False


def _norm_tail(ctx, sqrt, x, num, axes):
    """The normalized value and its optional scale/bias: ``(out value, scale, bias)``."""
    graph = sqrt.graph
    numerators = [num]
    if num is not x:  # LayerNorm: the numerator may be a second x - mean(x)
        numerators += [c.outputs[0] for c in m.consumers(x) if c.op_type == "Sub" and c.outputs[0] is not num
                       and _centered(c.outputs[0], graph, axes) is not None]
    for n in numerators:
        for y, extra in _norm_output(ctx, graph, n, sqrt):
            scale = None
            if len(extra) > 1:
                continue
            if extra:
                scale = _affine(ctx, sqrt, extra[0], x, axes, "scale")
                if scale is None:
                    continue
            elif (mul := m.only_consumer(y, "Mul")) is not None:
                g = scale_v = m.commuted(mul, y)
                scale = _affine(ctx, sqrt, g, x, axes, "scale") if scale_v is not None else None
                if scale is not None:
                    y = mul.outputs[0]
            bias = None
            if (addn := m.only_consumer(y, "Add")) is not None:
                b = m.commuted(addn, y)
                bias = _affine(ctx, sqrt, b, x, axes, "bias") if b is not None else None
                if bias is not None:
                    y = addn.outputs[0]
            return y, scale, bias
    return None


def _emit_layer_norm(ctx, sqrt, x, num, axes, eps) -> bool:
    return _emit_norm(ctx, sqrt, x, num, axes, eps, "LayerNormalization", 17, _ORT_FLOAT)


def _emit_rms_norm(ctx, sqrt, x, axes, eps) -> bool:
    return _emit_norm(ctx, sqrt, x, x, axes, eps, "RMSNormalization", 23, _ANY_FLOAT)


def _emit_norm(ctx, sqrt, x, num, axes, eps, op_type, since, dtypes) -> bool:
    """One ``op_type`` node for the matched normalization (scale of ones when the model has
    none); RMSNormalization has no bias input, so a bias stays an Add after it."""
    if ctx.opset < since or x.dtype not in dtypes or not _trailing(axes, len(x.shape)):
        return False
    tail = _norm_tail(ctx, sqrt, x, num, axes)
    if tail is None:
        return False
    y, scale, bias = tail
    short = "LayerNorm" if op_type == "LayerNormalization" else "RMSNorm"
    if scale is None:
        norm = [x.shape[a] for a in axes]
        scale = ctx.const(sqrt, np.ones(norm, dtype=x.dtype.numpy()), f"{sqrt.name or short.lower()}_ones")
    inputs = [x, scale] + ([bias] if bias is not None and op_type == "LayerNormalization" else [])
    node = ctx.node(sqrt, op_type, inputs,
                    [ir.AttrInt64("axis", axes[0]), ir.AttrFloat32("epsilon", eps)], name=f"{sqrt.name}_{short}")
    _move_to(node, y)
    out = node.outputs[0]
    if bias is not None and op_type == "RMSNormalization":
        out = ctx.node(y.producer(), "Add", [out, bias], name=f"{sqrt.name}_RMSNorm_bias").outputs[0]
    m.replace(y, out)
    ctx.done(op_type)
    return True


def _move_to(node: ir.Node, y: ir.Value) -> None:
    """Put a new node right before ``y``'s producer (all its inputs exist by then)."""
    target = y.producer()
    if target is not None and target is not node and target.graph is node.graph:
        graph = node.graph
        graph.remove(node)
        graph.insert_before(target, node)


# ---------------------------------------------------------------------------- Gelu, SiLU
def _gelu_outer(ctx, x, t):
    """The value ``0.5 ⊙ x ⊙ t`` above ``t`` (``t == 1 + erf/tanh(...)``), or None."""
    for root in m.mul_roots(t):
        got = m.split_product(root.outputs[0], root.graph)
        if got is None:
            return None
        fs, k = got
        if len(fs) == 2 and t in fs and x in fs and fs[0] is not fs[1] and m.close(k, 0.5):
            return root.outputs[0]
        if len(fs) > 2:
            return None
    return None


def _one_plus(v):
    """``v``'s consumer ``Add(1, v)``."""
    add = m.only_consumer(v, "Add")
    if add is None or m.scalar(m.commuted(add, v)) != 1.0:
        return None
    return add.outputs[0]


def _emit_gelu(ctx, anchor, x, y, approximate: str) -> bool:
    node = ctx.node(anchor, "Gelu", [x], [ir.AttrString("approximate", approximate)], name=f"{anchor.name}_Gelu")
    _move_to(node, y)
    m.replace(y, node.outputs[0])
    ctx.done(f"Gelu({approximate})")
    return True


def _gelu_erf_rule(ctx: _Ctx, erf: ir.Node) -> bool:
    graph = erf.graph
    got = _scaled(erf.inputs[0], graph)
    if got is None:
        return False
    x, k = got
    if ctx.opset < 20 or x.dtype not in _ORT_FLOAT or not m.close(k, 1 / math.sqrt(2.0)):
        return False
    t = _one_plus(erf.outputs[0])
    y = _gelu_outer(ctx, x, t) if t is not None else None
    return y is not None and _emit_gelu(ctx, erf, x, y, "none")


def _scaled(v, graph):
    """``v`` as ``x ⊙ k`` or ``x / k`` with a constant scalar ``k``: ``(x, k)``."""
    p = m.producer(v, graph, "Div")
    if p is not None:
        k = m.scalar(p.inputs[1])
        return None if k is None or k == 0 or m.const(p.inputs[0]) is not None else (p.inputs[0], 1.0 / k)
    got = m.split_product(v, graph)
    if got is None or len(got[0]) != 1 or got[0][0] is v:
        return None
    return got[0][0], got[1]


def _cube_of(v, graph):
    p = m.producer(v, graph, "Pow")
    if p is not None:
        return p.inputs[0] if m.scalar(p.inputs[1]) == 3.0 else None
    got = m.split_product(v, graph)
    if got is None or len(got[0]) != 3 or got[1] != 1.0 or not got[0][0] is got[0][1] is got[0][2]:
        return None
    return got[0][0]


def _gelu_tanh_rule(ctx: _Ctx, tanh: ir.Node) -> bool:
    graph = tanh.graph
    got = _scaled(tanh.inputs[0], graph)
    if got is None or not m.close(got[1], math.sqrt(2 / math.pi)):
        return False
    inner = m.producer(got[0], graph, "Add")
    if inner is None:
        return False
    for x, term in ((inner.inputs[0], inner.inputs[1]), (inner.inputs[1], inner.inputs[0])):
        cubic = m.split_product(term, graph)
        if cubic is None or not m.close(cubic[1], 0.044715):
            continue
        fs = cubic[0]
        if not (len(fs) == 3 and fs[0] is x and fs[1] is x and fs[2] is x or len(fs) == 1 and _cube_of(fs[0], graph) is x):
            continue
        if ctx.opset < 20 or x.dtype not in _ANY_FLOAT:
            return False
        t = _one_plus(tanh.outputs[0])
        y = _gelu_outer(ctx, x, t) if t is not None else None
        return y is not None and _emit_gelu(ctx, tanh, x, y, "tanh")
    return False


def _sigmoid_rule(ctx: _Ctx, exp: ir.Node) -> bool:
    """``1 / (1 + exp(-x))`` → ``Sigmoid(x)``; ``x / (1 + exp(-x))`` → ``x ⊙ Sigmoid(x)``."""
    graph = exp.graph
    neg = m.producer(exp.inputs[0], graph, "Neg")
    if neg is None:
        return False
    x = neg.inputs[0]
    if x.dtype not in _ANY_FLOAT:
        return False
    denom = _one_plus(exp.outputs[0])
    div = m.only_consumer(denom, "Div") if denom is not None else None
    if div is None or div.inputs[1] is not denom:
        return False
    num = div.inputs[0]
    if m.scalar(num) == 1.0:
        sig = ctx.node(div, "Sigmoid", [x], name=f"{exp.name}_Sigmoid")
        m.replace(div.outputs[0], sig.outputs[0])
        ctx.done("Sigmoid")
        return True
    if num is not x:
        return False
    sig = ctx.node(div, "Sigmoid", [x], name=f"{exp.name}_Sigmoid")
    sig.outputs[0].type, sig.outputs[0].shape = x.type, x.shape
    out = _swish(ctx, div, x, sig.outputs[0])
    m.replace(div.outputs[0], out)
    ctx.done("Sigmoid")
    return True


def _swish(ctx, before, x, sig) -> ir.Value:
    if ctx.opset >= 24:
        ctx.done("Swish")
        return ctx.node(before, "Swish", [x], name=f"{before.name}_Swish").outputs[0]
    return ctx.node(before, "Mul", [x, sig], name=f"{before.name}_SiLU").outputs[0]


def _swish_rule(ctx: _Ctx, sig: ir.Node) -> bool:
    """``x ⊙ Sigmoid(x)`` → ``Swish(x)`` (opset 24)."""
    x = sig.inputs[0]
    mul = m.only_consumer(sig.outputs[0], "Mul")
    if mul is None or m.commuted(mul, sig.outputs[0]) is not x or x.dtype not in _ANY_FLOAT:
        return False
    node = ctx.node(mul, "Swish", [x], name=f"{sig.name}_Swish")
    m.replace(mul.outputs[0], node.outputs[0])
    ctx.done("Swish")
    return True


# ---------------------------------------------------------------------------- Gemm
def _gemm_rule(ctx: _Ctx, mm: ir.Node) -> bool:
    a, b = mm.inputs
    out = mm.outputs[0]
    if a.shape is None or b.shape is None or len(a.shape) != 2 or len(b.shape) != 2:
        return False
    if a.dtype not in _ORT_FLOAT | {ir.DataType.DOUBLE}:
        return False
    add = m.only_consumer(out, "Add")
    if add is None:
        return False
    c = m.commuted(add, out)
    if c is None or c.shape is None or len(c.shape) > 2 or c.dtype != a.dtype:
        return False
    rows, cols = a.shape.dims[0], b.shape.dims[1]
    dims = list(c.shape.dims)
    ok = {0: [], 1: [[1], [cols]], 2: [[1, 1], [1, cols], [rows, cols], [rows, 1]]}[len(dims)]
    if len(dims) and not any(len(o) == len(dims) and all(_dim_eq(x, y) for x, y in zip(o, dims)) for o in ok):
        return False
    node = ctx.node(add, "Gemm", [a, b, c], name=f"{mm.name}_Gemm")
    m.replace(add.outputs[0], node.outputs[0])
    ctx.done("Gemm")
    return True


def _dim_eq(want, got) -> bool:
    if isinstance(want, int) and isinstance(got, int):
        return want == got
    if isinstance(want, int) or isinstance(got, int):
        return False
    return want.value is not None and want.value == got.value


# ---------------------------------------------------------------------------- driver
def _rules():
    from .fusion_attention import attention_rule, ones_einsum_rule, softmax_rule

    # (name, anchor op, op types that must all occur, first opset, rule); order matters:
    # the norms first (their Div/Mul would otherwise look like other patterns),
    # softmax before the attention that needs it
    return (
        ("norm", "Sqrt", {"Sqrt", "Add"}, 17, _norm_rule),
        ("gelu_erf", "Erf", {"Erf", "Mul", "Add"}, 20, _gelu_erf_rule),
        ("gelu_tanh", "Tanh", {"Tanh", "Mul", "Add"}, 20, _gelu_tanh_rule),
        ("sigmoid", "Exp", {"Exp", "Neg", "Div", "Add"}, 1, _sigmoid_rule),
        ("swish", "Sigmoid", {"Sigmoid", "Mul"}, 24, _swish_rule),
        ("softmax", "Exp", {"Exp", "Sub", "ReduceMax", "ReduceSum"}, 13, softmax_rule),
        ("ones_einsum", "Einsum", {"Einsum", "Softmax"}, 23, ones_einsum_rule),
        ("attention", "Softmax", {"Softmax"}, 23, attention_rule),
        ("gemm", "MatMul", {"MatMul", "Add"}, 1, _gemm_rule),
    )


RULES = ("LayerNormalization", "RMSNormalization", "Gelu", "Sigmoid", "Swish", "Softmax", "Attention", "Gemm")


def fuse(model: ir.Model, sweep) -> dict[str, int]:
    """Apply every rule whose op types occur in ``sweep``; return the count per fused op."""
    opset = model.graph.opset_imports.get("", 0)
    ctx = _Ctx(model, sweep, opset)
    for name, anchor, needs, since, rule in _rules():
        if opset < since or not needs <= sweep.op_types:
            continue
        for node in list(sweep.live({anchor})):
            if node.graph is not None:
                rule(ctx, node)
    if ctx.counts:
        log.debug("fused %s", ctx.counts)
    model.graph.meta["jax2onnx.fusions"] = dict(ctx.counts)
    return ctx.counts
