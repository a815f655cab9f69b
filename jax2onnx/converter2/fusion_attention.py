"""Fusion rules for softmax and scaled-dot-product attention (see :mod:`.fusion`).

Softmax: ``e = exp(x - m)``, ``e / sum(e)`` over one axis, where ``m`` is the max
of ``x`` over that axis (``ReduceMax``, kept or re-expanded with ``Unsqueeze``,
also behind JAX's NaN-propagation guard ``Where(IsNaN(…), …, max)``) → ``Softmax``.
The shift by the max is required: an unshifted ``exp(x) / sum(exp(x))`` overflows
where ``Softmax`` does not, so fusing it would change numbers.

Attention (opset 23, float32): ``Softmax(scale ⊙ Q·Kᵀ [+ bias] [Where(mask, ·, c)])``
read once by ``P·V``, where ``Q·Kᵀ`` and ``P·V`` are rank-4 ``Einsum`` nodes
(any letters: the contracted axis, the two batch axes — batch, heads — and the
two sequence axes are told apart by where they occur) or ``MatMul`` nodes on
``[B, N, T, H]`` operands. The Attention node gets

* Q, K, V as ``[B, T, N·H]`` when each is a ``Reshape`` of such a tensor into
  ``[B, T, N, H]`` (the usual projection → split heads) — then the output is
  ``[B, T, N·H]`` too and the ``Reshape`` that merges the heads afterwards goes;
  otherwise ``[B, N, T, H]`` through one ``Transpose`` each where the layout
  needs it;
* ``scale`` from the graph constant (``1`` when there is none: the op's default
  would be ``1/√H``);
* as ``attn_mask`` the additive bias, and a boolean mask as the float bias
  ``Where(mask, 0, c)`` (so a fully masked row averages like JAX's, instead of
  the op's zero row); a constant lower-triangular mask over square logits
  becomes ``is_causal=1``;
* for grouped-query attention spelled with ``jnp.repeat`` of the K/V heads, the
  un-repeated K and V (4-D form).
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from . import fusion_match as m

__all__ = ["softmax_rule", "attention_rule", "ones_einsum_rule"]


# ---------------------------------------------------------------------------- softmax
def _max_of(v, graph, x, axes) -> bool:
    """``v`` is the keepdims max of ``x`` over ``axes``."""
    p = m.producer(v, graph, "Unsqueeze", "ReduceMax")
    if p is None:
        return False
    if p.op_type == "ReduceMax":
        keep = p.attributes.get("keepdims")
        return p.inputs[0] is x and (keep is None or keep.value == 1) and m.axes_of(p, len(x.shape)) == axes
    if m.axes_of(p, len(x.shape)) != axes:
        return False
    r = p.inputs[0]
    for _ in range(2):  # JAX's max: Where(IsNaN(sum of NaNs), that sum, ReduceMax)
        w = m.producer(r, graph, "Where")
        if w is None or m.producer(w.inputs[0], graph, "IsNaN") is None:
            break
        r = w.inputs[2]
    red = m.producer(r, graph, "ReduceMax")
    if red is None or red.inputs[0] is not x:
        return False
    keep = red.attributes.get("keepdims")
    return keep is not None and keep.value == 0 and m.axes_of(red, len(x.shape)) == axes


def softmax_rule(ctx, exp: ir.Node) -> bool:
    graph = exp.graph
    sub = m.producer(exp.inputs[0], graph, "Sub")
    e = exp.outputs[0]
    if sub is None or e.shape is None or e.is_graph_output():
        return False
    x = sub.inputs[0]
    if x.dtype not in (ir.DataType.FLOAT, ir.DataType.FLOAT16, ir.DataType.DOUBLE) or x.shape is None:
        return False
    uses = m.consumers(e)
    if len(uses) != 2:
        return False
    for red in uses:
        if red.op_type != "ReduceSum" or red.domain != "" or red.inputs[0] is not e:
            continue
        out = red.outputs[0]
        if red.attributes.get("keepdims") is not None and red.attributes["keepdims"].value == 0:
            un = m.only_consumer(out, "Unsqueeze")
            if un is None:
                return False
            out = un.outputs[0]
        got = m.keepdims_reduce(out, graph, ("ReduceSum",))
        if got is None or got[0] is not e or len(got[1]) != 1:
            return False
        axes = got[1]
        if not _max_of(sub.inputs[1], graph, x, axes):
            return False
        div = m.only_consumer(out, "Div")
        if div is None or div.inputs[0] is not e or div.inputs[1] is not out:
            return False
        node = ctx.node(div, "Softmax", [x], [ir.AttrInt64("axis", axes[0])], name=f"{exp.name}_Softmax")
        m.replace(div.outputs[0], node.outputs[0])
        ctx.done("Softmax")
        return True
    return False


# ---------------------------------------------------------------------------- attention
def _spelled_out(eq: str, ranks) -> str | None:
    """``eq`` with each ``...`` replaced by letters for the axes it stands for (ranks known)."""
    eq = eq.replace(" ", "")
    if "->" not in eq:
        return None
    if "..." not in eq:
        return eq
    lhs, out = eq.split("->")
    parts = lhs.split(",")
    if len(parts) != len(ranks) or any(r is None for r in ranks):
        return None
    free = [ch for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if ch not in eq]
    n = max(r - (len(p) - 3) for p, r in zip(parts, ranks) if "..." in p)
    fill = "".join(free[:n])
    spelled = [p.replace("...", fill[len(fill) - (r - (len(p) - 3)):]) if "..." in p else p
               for p, r in zip(parts, ranks)]
    return ",".join(spelled) + "->" + out.replace("...", fill)


def _equation(node) -> str | None:
    eq = node.attributes.get("equation")
    if eq is None:
        return None
    return _spelled_out(eq.value, [None if i.shape is None else len(i.shape) for i in node.inputs])


def _einsum_roles(eq: str | None):
    """``'A,B->C'`` of a rank-4 contraction: (a, b, c, contracted letter) or None."""
    if eq is None or "->" not in eq or "." in eq:
        return None
    lhs, c = eq.split("->")
    parts = lhs.split(",")
    if len(parts) != 2:
        return None
    a, b = parts
    if len(a) != 4 or len(b) != 4 or len(c) != 4 or len(set(a)) != 4 or len(set(b)) != 4:
        return None
    contracted = [ch for ch in a if ch in b and ch not in c]
    if len(contracted) != 1 or any(ch not in a and ch not in b for ch in c):
        return None
    return a, b, c, contracted[0]


def _qk(ctx, v, graph):
    """Q·Kᵀ producing logits ``[B, N, T, S]``: ``(q, q_order, k, k_order, node)`` where
    the orders spell each operand's axes with the roles ``b n t h`` / ``b n s h``."""
    p = m.producer(v, graph, "Einsum", "MatMul")
    if p is None or len(p.inputs) != 2:
        return None
    if p.op_type == "MatMul":
        q, kt = p.inputs
        if q.shape is None or kt.shape is None or len(q.shape) != 4 or len(kt.shape) != 4:
            return None
        return q, "bnth", kt, "bnhs", p
    roles = _einsum_roles(_equation(p))
    if roles is None:
        return None
    a, b, c, h = roles
    bat = [ch for ch in c if ch in a and ch in b]
    t = [ch for ch in c if ch in a and ch not in b]
    s = [ch for ch in c if ch in b and ch not in a]
    if len(bat) != 2 or len(t) != 1 or len(s) != 1 or c != bat[0] + bat[1] + t[0] + s[0]:
        return None
    names = {bat[0]: "b", bat[1]: "n", t[0]: "t", s[0]: "s", h: "h"}
    return p.inputs[0], "".join(names[ch] for ch in a), p.inputs[1], "".join(names[ch] for ch in b), p


def _pv(ctx, pv: ir.Node, p: ir.Value):
    """P·V: ``(v, v_order, out_order)`` with roles ``b n s d`` / output ``b n t d``."""
    if pv.op_type == "MatMul":
        if pv.inputs[0] is not p or pv.inputs[1].shape is None or len(pv.inputs[1].shape) != 4:
            return None
        return pv.inputs[1], "bnsd", "bntd"
    roles = _einsum_roles(_equation(pv))
    if roles is None or pv.inputs[0] is not p:
        return None
    a, b, c, s = roles
    bat = [ch for ch in a if ch in b and ch in c]
    if len(bat) != 2 or a[2] not in c or a[3] != s:
        return None
    names = {a[0]: "b", a[1]: "n", a[2]: "t", a[3]: "s"}
    d = [ch for ch in b if ch not in a]
    if len(d) != 1 or bat != [a[0], a[1]]:
        return None
    names[d[0]] = "d"
    if any(ch not in names for ch in b + c):
        return None
    v_order, out_order = "".join(names[ch] for ch in b), "".join(names[ch] for ch in c)
    if sorted(v_order) != sorted("bnsd") or sorted(out_order) != sorted("bntd"):
        return None
    return pv.inputs[1], v_order, out_order


def _perm(src: str, dst: str) -> list[int]:
    return [src.index(ch) for ch in dst]


def _logits(ctx, v, graph):
    """Peel the mask and bias off the softmax input: ``(scores, bias, mask, masked_value)``."""
    bias = mask = fill = None
    for _ in range(2):
        w = m.producer(v, graph, "Where")
        if w is not None and mask is None and m.single_use(v):
            c = m.scalar(w.inputs[2])
            if c is None or c > -1e4 or w.inputs[0].dtype != ir.DataType.BOOL:
                return None
            mask, fill, v = w.inputs[0], c, w.inputs[1]
            continue
        a = m.producer(v, graph, "Add")
        if a is not None and bias is None and m.single_use(v):
            cand = [i for i in a.inputs if m.producer(i, graph, "Einsum", "MatMul", "Mul", "Div") is not None]
            s = next((i for i in cand if _scores(ctx, i, graph) is not None), None)
            if s is None:
                return None
            bias, v = m.commuted(a, s), s
            continue
        break
    return v, bias, mask, fill


def _scores(ctx, v, graph):
    """Scaled ``Q·Kᵀ``: ``(qk info, scale)``."""
    for p_op in ("Mul", "Div"):
        p = m.producer(v, graph, p_op)
        if p is None:
            continue
        for i, s in enumerate(p.inputs):
            if p_op == "Div" and i == 1:
                break
            k = m.scalar(p.inputs[1 - i])
            if k is None or k == 0 or not m.single_use(s):
                continue
            qk = _qk(ctx, s, graph)
            if qk is not None:
                return qk, (k if p_op == "Mul" else 1.0 / k)
    qk = _qk(ctx, v, graph)
    return None if qk is None else (qk, 1.0)


def _prescaled(q, graph):
    """``q == q0 / c`` or ``q0 ⊙ c`` (a constant scalar), read once: ``(q0, factor)``."""
    if not m.single_use(q):
        return None
    p = m.producer(q, graph, "Div", "Mul")
    if p is None:
        return None
    if p.op_type == "Div":
        k = m.scalar(p.inputs[1])
        return None if k is None or k == 0 else (p.inputs[0], 1.0 / k)
    for i in (0, 1):
        k = m.scalar(p.inputs[1 - i])
        if k is not None and m.const(p.inputs[i]) is None:
            return p.inputs[i], k
    return None


def _unrepeated(v, order, graph):
    """``v == jnp.repeat(v0, g, axis=heads)`` (``Reshape(Expand(Unsqueeze(v0, heads+1)))``,
    each head repeated ``g`` times in a row, as ONNX's GQA repeats them): ``v0``."""
    n = order.index("n")
    r = m.producer(v, graph, "Reshape")
    e = m.producer(r.inputs[0], graph, "Expand") if r is not None else None
    u = m.producer(e.inputs[0], graph, "Unsqueeze") if e is not None else None
    if u is None or not m.single_use(v) or v.shape is None:
        return None
    v0 = u.inputs[0]
    d0, d = m.static_dims(v0), m.static_dims(v)
    if d0 is None or d is None or len(d0) != 4 or m.axes_of(u, 5) != (n + 1,) or d0[n] is None or d[n] is None:
        return None
    target = m.const(e.inputs[1])
    g = d[n] // d0[n]
    if target is None or g < 2 or d[n] != g * d0[n] or target.size != 5 or int(target.reshape(-1)[n + 1]) != g:
        return None
    if any(int(t) not in (1, s) for i, (t, s) in enumerate(zip(target.reshape(-1), d0[: n + 1] + [g] + d0[n + 1:]))
           if i != n + 1 and s is not None):
        return None
    return v0


def _heads_merged(v, graph):
    """``v == Reshape(x3, [B, T, N, H])`` with ``x3`` of shape ``[B, T, N·H]``: ``x3``."""
    r = m.producer(v, graph, "Reshape")
    if r is None:
        return None
    x3 = r.inputs[0]
    d4, d3 = m.static_dims(v), m.static_dims(x3)
    if d4 is None or d3 is None or len(d3) != 3 or len(d4) != 4 or d4[2] is None or d4[3] is None:
        return None
    if d3[2] != d4[2] * d4[3] or not _dim_same(x3.shape.dims[0], v.shape.dims[0]) \
            or not _dim_same(x3.shape.dims[1], v.shape.dims[1]):
        return None
    return x3


def _dim_same(a, b) -> bool:
    if isinstance(a, int) or isinstance(b, int):
        return a == b
    return a.value is not None and a.value == b.value


def _to_bnth(ctx, before, v, order, want):
    if order == want:
        return v
    perm = _perm(order, want)
    src = m.producer(v, before.graph, "Transpose")
    if src is not None and src.attributes.get("perm") is not None:  # fold an existing Transpose in
        p0 = list(src.attributes["perm"].value)
        perm = [p0[j] for j in perm]
        v = src.inputs[0]
        if perm == [0, 1, 2, 3]:
            return v
    t = ctx.node(before, "Transpose", [v], [ir.AttrInt64s("perm", perm)], name=f"{before.name}_T")
    out = t.outputs[0]
    out.type = v.type
    if v.shape is not None:
        out.shape = ir.Shape([v.shape.dims[j] for j in perm])
    return out


def _mask_input(ctx, before, bias, mask, fill, dtype, t_len, s_len):
    """``(attn_mask or None, is_causal)``."""
    causal = 0
    if mask is not None:
        cm = m.const(mask)
        if cm is not None and t_len is not None and t_len == s_len and cm.shape[-2:] == (t_len, s_len) \
                and cm.size == t_len * s_len and np.array_equal(cm.reshape(t_len, s_len), np.tri(t_len, dtype=bool)):
            causal, mask = 1, None
    if mask is None:
        return bias, causal
    np_dt = dtype.numpy()
    if cm is not None:
        arr = np.where(cm, np.array(0, np_dt), np.array(fill, np_dt))
        add = ctx.const(before, arr, f"{before.name}_mask")
    else:
        zero = ctx.const(before, np.array(0, np_dt), f"{before.name}_zero")
        neg = ctx.const(before, np.array(fill, np_dt), f"{before.name}_fill")
        add = ctx.node(before, "Where", [mask, zero, neg], name=f"{before.name}_mask").outputs[0]
        add.shape = mask.shape
    if bias is None:
        return add, causal
    out = ctx.node(before, "Add", [bias, add], name=f"{before.name}_maskbias").outputs[0]
    out.shape = _broadcast(bias.shape, add.shape)
    return out, causal


def _broadcast(a, b):
    """The static broadcast of two shapes (None when unknown)."""
    if a is None or b is None:
        return None
    a, b = list(a.dims), list(b.dims)
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif y == 1 or isinstance(x, int) and x == y or not isinstance(x, int) and not isinstance(y, int) \
                and x.value is not None and x.value == y.value:
            out.append(x)
        else:
            return None
    return ir.Shape(out)


def _rank4(ctx, before, v):
    if v is None or v.shape is None or len(v.shape) == 4:
        return v
    axes = ctx.const(before, np.arange(4 - len(v.shape), dtype=np.int64), f"{before.name}_axes")
    out = ctx.node(before, "Unsqueeze", [v, axes], name=f"{before.name}_mask4").outputs[0]
    out.shape = ir.Shape([1] * (4 - len(v.shape)) + list(v.shape.dims))
    return out


def _full_query_axis(ctx, before, mask, t_len):
    """onnxruntime wants the mask's query axis at full length: expand a broadcast one."""
    d = mask.shape.dims[2] if mask.shape is not None else None
    if isinstance(d, int) and d == t_len:
        return mask
    if d != 1 or t_len is None:
        return None
    shape = ctx.const(before, np.array([1, 1, t_len, 1], np.int64), f"{before.name}_mask_rows")
    return ctx.node(before, "Expand", [mask, shape], name=f"{before.name}_mask_rows").outputs[0]


def attention_rule(ctx, softmax: ir.Node) -> bool:
    graph = softmax.graph
    x = softmax.inputs[0]
    if x.dtype != ir.DataType.FLOAT or x.shape is None or len(x.shape) != 4:
        return False
    axis = softmax.attributes.get("axis")
    if axis is not None and axis.value % 4 != 3:
        return False
    p = softmax.outputs[0]
    pv = m.only_consumer(p, "Einsum", "MatMul")
    if pv is None or not m.single_use(x):
        return False
    got = _logits(ctx, x, graph)
    if got is None:
        return False
    scores, bias, mask, fill = got
    sc = _scores(ctx, scores, graph)
    if sc is None:
        return False
    (q, q_order, k, k_order, qk_node), scale = sc
    pre = _prescaled(q, graph)
    if pre is not None:  # Flax's dot_product_attention scales the query first
        q, scale = pre[0], scale * pre[1]
    if not m.single_use(qk_node.outputs[0]) and qk_node.outputs[0] is not scores:
        return False
    vinfo = _pv(ctx, pv, p)
    if vinfo is None:
        return False
    v, v_order, out_order = vinfo
    if bias is not None and (bias.dtype != ir.DataType.FLOAT or bias.shape is None or len(bias.shape) > 4):
        return False
    dims = m.static_dims(x)
    before = pv
    attn_mask, causal = _mask_input(ctx, before, bias, mask, fill, x.dtype, dims[2], dims[3])
    attn_mask = _rank4(ctx, before, attn_mask)
    if attn_mask is not None:
        attn_mask = _full_query_axis(ctx, before, attn_mask, dims[2])
        if attn_mask is None:
            return False
    # 3-D form: Q, K, V are the projections before the heads were split
    q3 = k3 = v3 = None
    if (q_order, k_order, v_order) == ("btnh", "bsnh", "bsnd"):
        q3, k3, v3 = (_heads_merged(t, graph) for t in (q, k, v))
    attrs = [ir.AttrFloat32("scale", float(scale)), ir.AttrInt64("is_causal", causal)]
    if q3 is not None and k3 is not None and v3 is not None:
        heads_q, heads_kv = q.shape.dims[2], k.shape.dims[2]
        attrs += [ir.AttrInt64("q_num_heads", int(heads_q)), ir.AttrInt64("kv_num_heads", int(heads_kv))]
        inputs = [q3, k3, v3]
        three_d = True
    else:
        k0, v0 = _unrepeated(k, k_order, graph), _unrepeated(v, v_order, graph)
        if k0 is not None and v0 is not None and k0.shape.dims[k_order.index("n")] == \
                v0.shape.dims[v_order.index("n")]:  # GQA: the op repeats the K/V heads itself
            k, v = k0, v0
            ctx.done("GQA")
        inputs = [_to_bnth(ctx, before, q, q_order, "bnth"), _to_bnth(ctx, before, k, k_order, "bnsh"),
                  _to_bnth(ctx, before, v, v_order, "bnsd")]
        three_d = False
    node = ctx.node(before, "Attention", inputs + ([attn_mask] if attn_mask is not None else []), attrs,
                    name=f"{softmax.name}_Attention")
    out = node.outputs[0]
    out.type = x.type
    result = pv.outputs[0]
    if three_d:
        merge = m.only_consumer(result, "Reshape")
        if out_order == "btnd" and merge is not None and m.static_dims(merge.outputs[0]) is not None \
                and len(merge.outputs[0].shape) == 3 and m.static_dims(merge.outputs[0])[2] == \
                m.static_dims(result)[2] * m.static_dims(result)[3]:
            m.replace(merge.outputs[0], out)
            ctx.done("Attention")
            return True
        d = m.static_dims(result)
        shape = ctx.const(before, np.array([0, 0, d[out_order.index("n")], d[out_order.index("d")]], np.int64),
                          f"{before.name}_heads")
        out = ctx.node(before, "Reshape", [out, shape], name=f"{before.name}_heads").outputs[0]
        order = "btnd"
    else:
        order = "bntd"
    if order != out_order:
        out = ctx.node(before, "Transpose", [out], [ir.AttrInt64s("perm", _perm(order, out_order))],
                       name=f"{before.name}_out").outputs[0]
    m.replace(result, out)
    ctx.done("Attention")
    return True


# ---------------------------------------------------------------------------- x * ones
def ones_einsum_rule(ctx, node: ir.Node) -> bool:
    """``Einsum(ones, X)`` that only multiplies by a constant all-ones vector (Hugging
    Face's default head mask, ``'...hqk,h->...hqk'``) → a ``Transpose`` of ``X``, or ``X``;
    a following ``Transpose`` is folded in."""
    if len(node.inputs) != 2:
        return False
    eq = _equation(node)
    if eq is None or "." in eq:
        return False
    (a, b), out = eq.split("->")[0].split(","), eq.split("->")[1]
    for ones_i, x_i, ls, lx in ((0, 1, a, b), (1, 0, b, a)):
        c = m.const(node.inputs[ones_i])
        x = node.inputs[x_i]
        if c is None or not np.all(c == 1) or x.dtype != node.outputs[0].dtype:
            continue
        if len(set(lx)) != len(lx) or sorted(out) != sorted(lx) or any(ch not in lx for ch in ls):
            continue
        if x.shape is None or any(c.shape[i] != 1 and x.shape.dims[lx.index(ch)] != c.shape[i] for i, ch in enumerate(ls)):
            continue
        perm = [lx.index(ch) for ch in out]
        result = node.outputs[0]
        after = m.only_consumer(result, "Transpose")
        if after is not None and after.attributes.get("perm") is not None:
            perm = [perm[j] for j in after.attributes["perm"].value]
            result = after.outputs[0]
        if perm == list(range(len(perm))):
            if result.is_graph_output():
                return False
            m.replace(result, x)
        else:
            t = ctx.node(node, "Transpose", [x], [ir.AttrInt64s("perm", perm)], name=f"{node.name}_T")
            m.replace(result, t.outputs[0])
        ctx.done("ones_einsum")
        return True
    return False
