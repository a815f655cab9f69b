"""A GRU cell scanned over a sequence → one ONNX ``GRU`` node.

onnxruntime runs a ``Scan`` body node by node (about 0.35 µs each plus about 0.75 µs
per step); its ``GRU`` kernel runs the whole recurrence in one call. A ``Scan`` (static or
symbolic length) is replaced when its body computes, from its one state ``h`` and its
one per-step input ``x`` (both ``[batch, features]``)::

    r = σ(x·W_r + h·R_r + b_r)                  z = σ(x·W_z + h·R_z + b_z)
    n = tanh(x·W_n + r ⊙ (h·R_n + c_n) + b_n)   (reset after the product: linear_before_reset=1)
     or tanh(x·W_n + (r ⊙ h)·R_n + b_n)          (reset before it: linear_before_reset=0)
    h' = (1 − z) ⊙ n + z ⊙ h                     (or z ⊙ n + (1 − z) ⊙ h: z's weights negated)

and its outputs are ``h'`` (the state) and ``h'`` again per step (if stacked). Each
product may be spelled ``MatMul``/``Gemm`` with constant weights, with or without bias
``Add``, for one gate or for all three at once followed by a ``Split`` of the last axis
(Flax's ``GRUCell``, ``nnx.GRUCell``); sums may come in any order. The weights are read
off the constants (transposed, negated, sliced: exact) into ``W``, ``R`` and ``B``.

Node cost: the ``Scan`` and its body become ``Unsqueeze → GRU → Squeeze`` (two
``Squeeze`` when the states are stacked). Accuracy: the same formulas, evaluated by
ORT's kernel (float32 only: ORT has no float64 GRU, so float64 scans stay Scans); ``z ⊙ n + (1 − z) ⊙ h`` uses σ(−a) for 1 − σ(a),
equal up to rounding (a few ulp).
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

__all__ = ["fuse_rnn"]

#: ORT has a float32 GRU kernel only ("GRU operator does not support double yet")
_GRU_DTYPES = (ir.DataType.FLOAT,)


class _NoMatch(Exception):
    pass


def _const(v: ir.Value | None):
    if v is None or not v.is_initializer() or v.const_value is None:
        return None
    return v.const_value.numpy()


class _Cell:
    """Reads the GRU formulas off one Scan body (raises _NoMatch when they are not there)."""

    def __init__(self, body, x: ir.Value, h: ir.Value, hidden: int, dtype):
        self.body, self.x, self.h, self.hidden, self.dtype = body, x, h, hidden, dtype

    def producer(self, v: ir.Value, *ops):
        node = v.producer()
        while node is not None and node.op_type == "Identity" and node.domain == "" and node.graph is self.body:
            v = node.inputs[0]
            node = v.producer()
        if node is None or node.graph is not self.body or node.domain != "" or (ops and node.op_type not in ops):
            return None
        return node

    def see_through(self, v: ir.Value) -> ir.Value:
        node = v.producer()
        while node is not None and node.op_type == "Identity" and node.domain == "" and node.graph is self.body:
            v = node.inputs[0]
            node = v.producer()
        return v

    # ---- affine maps src·W + b with constant W, b ----------------------------------------------
    def affine(self, v: ir.Value, src: ir.Value):
        """``(W, b)`` with ``v = src·W + b`` (W ``[in, out]``, b ``[out]``), or None."""
        v = self.see_through(v)
        node = self.producer(v, "MatMul", "Gemm", "Add", "Split")
        if node is None:
            return None
        if node.op_type == "MatMul":
            w = _const(node.inputs[1])
            if self.see_through(node.inputs[0]) is not src or w is None or w.ndim != 2:
                return None
            return w, np.zeros(w.shape[1], dtype=w.dtype)
        if node.op_type == "Gemm":
            a = node.attributes
            if any(a.get(k) is not None and a[k].value != d for k, d in
                   (("transA", 0), ("alpha", 1.0), ("beta", 1.0))):
                return None
            w = _const(node.inputs[1])
            if self.see_through(node.inputs[0]) is not src or w is None:
                return None
            if a.get("transB") is not None and a["transB"].value:
                w = w.T
            c = _const(node.inputs[2]) if len(node.inputs) > 2 and node.inputs[2] is not None else None
            if len(node.inputs) > 2 and node.inputs[2] is not None and c is None:
                return None
            bias = np.zeros(w.shape[1], dtype=w.dtype) if c is None else self.vector(c, w.shape[1])
            return None if bias is None else (w, bias)
        if node.op_type == "Add":
            parts = [self.affine(i, src) for i in node.inputs]
            consts = [_const(self.see_through(i)) for i in node.inputs]
            if parts[0] is not None and parts[1] is not None:
                return parts[0][0] + parts[1][0], parts[0][1] + parts[1][1]
            for k in (0, 1):
                if parts[k] is not None and consts[1 - k] is not None:
                    b = self.vector(consts[1 - k], parts[k][0].shape[1])
                    return None if b is None else (parts[k][0], parts[k][1] + b)
            return None
        # Split of the last axis: the columns of one piece
        whole = self.affine(node.inputs[0], src)
        if whole is None:
            return None
        rank = len(node.inputs[0].shape) if node.inputs[0].shape is not None else None
        axis = node.attributes["axis"].value if node.attributes.get("axis") is not None else 0
        if rank is None or axis % rank != rank - 1:
            return None
        k = list(node.outputs).index(v)
        width = whole[0].shape[1]
        sizes = _const(node.inputs[1]) if len(node.inputs) > 1 and node.inputs[1] is not None else None
        if sizes is None:
            n = len(node.outputs)
            if width % n:
                return None
            sizes = [width // n] * n
        start = int(sum(sizes[:k]))
        stop = start + int(sizes[k])
        return whole[0][:, start:stop], whole[1][start:stop]

    def vector(self, c, width):
        """A constant bias as a ``[width]`` vector (broadcast from a scalar or ``[1, width]``)."""
        c = np.asarray(c)
        if c.ndim > 2 or (c.ndim == 2 and c.shape[0] != 1):
            return None
        c = c.reshape(-1)
        if c.size == 1:
            return np.full(width, c[0], dtype=c.dtype)
        return c if c.size == width else None

    # ---- gates -------------------------------------------------------------------------------
    def terms(self, v: ir.Value, out: list) -> list:
        node = self.producer(v, "Add")
        if node is None or self.affine(v, self.x) is not None or self.affine(v, self.h) is not None:
            out.append(self.see_through(v))
        else:
            for i in node.inputs:
                self.terms(i, out)
        return out

    def gate(self, pre: ir.Value, reset=None):
        """``(W [H,in], R [H,H], Wb, Rb, reset, lbr)`` of ``pre = x·W + h·R + b (+ the reset term)``."""
        H = self.hidden
        w = np.zeros((self.x.shape[-1], H), dtype=self.dtype)
        r = np.zeros((H, H), dtype=self.dtype)
        wb = np.zeros(H, dtype=self.dtype)
        rb = np.zeros(H, dtype=self.dtype)
        found_reset, lbr = None, None
        for t in self.terms(pre, []):
            ax, ah, c = self.affine(t, self.x), self.affine(t, self.h), _const(t)
            if ax is not None:
                w, wb = w + ax[0], wb + ax[1]
            elif ah is not None and not reset:
                r, wb = r + ah[0], wb + ah[1]
            elif c is not None:
                b = self.vector(c, H)
                if b is None:
                    raise _NoMatch
                wb = wb + b
            elif reset and found_reset is None:
                found_reset, lbr, rr, rbias = self.reset_term(t)
                r, rb = r + rr, rb + rbias
            else:
                raise _NoMatch
        if w.shape != (self.x.shape[-1], H) or r.shape != (H, H):
            raise _NoMatch
        return w.T, r.T, wb, rb, found_reset, lbr

    def reset_term(self, t: ir.Value):
        """``r ⊙ (h·R + c)`` (linear_before_reset=1) or ``(r ⊙ h)·R`` (=0): (r, lbr, R, c)."""
        node = self.producer(t, "Mul")
        if node is not None:
            for k in (0, 1):
                ah = self.affine(node.inputs[1 - k], self.h)
                if ah is not None:
                    return self.see_through(node.inputs[k]), 1, ah[0], ah[1]
        node = self.producer(t, "MatMul", "Gemm")
        if node is not None:
            rh = self.producer(node.inputs[0], "Mul")
            if rh is not None:
                for k in (0, 1):
                    if self.see_through(rh.inputs[1 - k]) is self.h:
                        a = self.affine(t, rh.outputs[0])
                        if a is None:
                            break
                        if np.any(a[1]):
                            raise _NoMatch  # a bias after the product: ONNX has Rbh only with lbr=1
                        return self.see_through(rh.inputs[k]), 0, a[0], a[1]
        raise _NoMatch

    def sigmoid_arg(self, v: ir.Value) -> ir.Value:
        node = self.producer(v, "Sigmoid")
        if node is None:
            raise _NoMatch
        return node.inputs[0]

    def one_minus(self, v: ir.Value):
        node = self.producer(v, "Sub")
        if node is None:
            return None
        one = _const(self.see_through(node.inputs[0]))
        if one is None or one.size != 1 or float(one.reshape(())) != 1.0:
            return None
        return self.see_through(node.inputs[1])

    def match(self, h_new: ir.Value):
        """``(W, R, B, linear_before_reset)`` for ONNX ``GRU``, or raise _NoMatch."""
        add = self.producer(h_new, "Add")
        if add is None:
            raise _NoMatch
        prods = [self.producer(i, "Mul") for i in add.inputs]
        if None in prods:
            raise _NoMatch
        for keep, cand in ((prods[0], prods[1]), (prods[1], prods[0])):
            ops_keep = [self.see_through(i) for i in keep.inputs]
            if self.h not in ops_keep:
                continue
            gate_h = ops_keep[1 - ops_keep.index(self.h)]
            ops_cand = [self.see_through(i) for i in cand.inputs]
            for j in (0, 1):
                n_val, gate_n = ops_cand[j], ops_cand[1 - j]
                tanh = self.producer(n_val, "Tanh")
                if tanh is None:
                    continue
                s = self.one_minus(gate_n)
                if s is not None and s is gate_h:  # (1 - z)·n + z·h: ONNX's own z
                    z_arg, negate = self.sigmoid_arg(gate_h), False
                elif self.one_minus(gate_h) is gate_n:  # z·n + (1 - z)·h: ONNX z = 1 - z = σ(-a)
                    z_arg, negate = self.sigmoid_arg(gate_n), True
                else:
                    continue
                return self.assemble(z_arg, negate, tanh.inputs[0])
        raise _NoMatch

    def assemble(self, z_arg, negate, n_arg):
        wz, rz, wbz, rbz, _, _ = self.gate(z_arg)
        if negate:
            wz, rz, wbz, rbz = -wz, -rz, -wbz, -rbz
        wn, rn, wbn, rbn, r_val, lbr = self.gate(n_arg, reset=True)
        if r_val is None:
            raise _NoMatch
        wr, rr, wbr, rbr, _, _ = self.gate(self.sigmoid_arg(r_val))
        if self.producer(r_val, "Sigmoid") is None:
            raise _NoMatch
        W = np.concatenate([wz, wr, wn])[None]
        R = np.concatenate([rz, rr, rn])[None]
        B = np.concatenate([wbz, wbr, wbn, rbz, rbr, rbn])[None]
        return W, R, B, lbr


def fuse_rnn(loop, build) -> bool:
    """Replace ``loop`` (a :class:`jax2onnx.converter2.loops._Loop` over a ``Scan``) by a
    ``GRU`` when its body is a GRU cell; True when it did."""
    node = loop.node
    if node.op_type != "Scan" or len(loop.state) != 1 or len(loop.steps) != 1:
        return False
    (h0, h, h_new, h_out), (xs, x, direction) = loop.state[0], loop.steps[0]
    if direction or any(d for _, _, d in loop.stacked) or not loop.axes_ok:
        return False
    if h.shape is None or x.shape is None or len(h.shape) != 2 or len(x.shape) != 2:
        return False
    if h.dtype not in _GRU_DTYPES or x.dtype != h.dtype or not isinstance(h.shape[1], int) \
            or not isinstance(x.shape[1], int):
        return False
    cell = _Cell(loop.body, x, h, h.shape[1], h.dtype.numpy())
    if any(cell.see_through(y) is not cell.see_through(h_new) for y, _, _ in loop.stacked):
        return False
    try:
        W, R, B, lbr = cell.match(h_new)
    except _NoMatch:
        return False
    dt = h.dtype.numpy()
    name = node.name or "Scan"
    axes0 = build.const(np.array([0], dtype=np.int64), "axes_0")
    axes1 = build.const(np.array([1], dtype=np.int64), "axes_1")
    hdims, xdims = list(h0.shape.dims) if h0.shape is not None else None, list(xs.shape.dims) if xs.shape else None
    (init,) = build.node(node, "Unsqueeze", [h0, axes0], [(h0.type, None if hdims is None else [1, *hdims])],
                         f"{name}_h0")
    seq = xdims[0] if xdims else None
    batch = hdims[0] if hdims else None
    y, y_h = build.node(node, "GRU", [xs, build.const(W.astype(dt), f"{name}_W"), build.const(R.astype(dt), f"{name}_R"),
                                      build.const(B.astype(dt), f"{name}_B"), None, init],
                        [(h.type, None if xdims is None else [seq, 1, batch, cell.hidden]),
                         (h.type, None if hdims is None else [1, batch, cell.hidden])],
                        f"{name}_gru", hidden_size=cell.hidden, linear_before_reset=lbr)
    finals = [build.node(node, "Squeeze", [y_h, axes0], [(h.type, hdims)], f"{name}_h")[0]]
    if loop.stacked:
        (ys,) = build.node(node, "Squeeze", [y, axes1], [(h.type, None if xdims is None else [seq, batch, cell.hidden])],
                           f"{name}_ys")
        finals.extend([ys] * len(loop.stacked))
    from .loops import discard, replace_outputs

    replace_outputs(node, finals, build)
    discard(node)
    return True
