"""``jax.nn`` components kept whole (legacy pipeline): activations, softmax, Gelu, Attention.

Macro ops where ONNX Runtime has a kernel for the dtype (float32/float16 for most
activations); otherwise the same function spelled with simpler ops.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"
_ORT_FLOAT = (np.dtype(np.float32), np.dtype(np.float16))
_SELU_ALPHA, _SELU_GAMMA = 1.6732632423543772, 1.0507009873554805


def _c(ctx, value, dtype):
    return ctx.const(np.array(value, dtype=dtype))


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


def _dtype(eqn):
    return eqn.invars[0].aval.dtype


def _macro(eqn) -> bool:
    return np.dtype(_dtype(eqn)) in _ORT_FLOAT


def _bind(ctx, eqn, name):
    """Use an already built value as the eqn's output (no Identity node)."""
    ctx.names[eqn.outvars[0]] = name


def _softplus(ctx, x, dt):
    # max(x, 0) + log(1 + exp(-|x|)): stable for large |x|
    e = ctx.node1("Exp", [ctx.node1("Neg", [ctx.node1("Abs", [x])])])
    tail = ctx.node1("Log", [ctx.node1("Add", [_c(ctx, 1, dt), e])])
    return ctx.node1("Add", [ctx.node1("Max", [x, _c(ctx, 0, dt)]), tail])


def _scaled_expm1(ctx, x, dt, alpha, inner_scale=1.0):
    """alpha * (exp(x / inner_scale) - 1)."""
    z = x if inner_scale == 1.0 else ctx.node1("Div", [x, _c(ctx, inner_scale, dt)])
    em1 = ctx.node1("Sub", [ctx.node1("Exp", [z]), _c(ctx, 1, dt)])
    return ctx.node1("Mul", [_c(ctx, alpha, dt), em1])


def _elu(ctx, x, dt, alpha):
    pos = ctx.node1("Greater", [x, _c(ctx, 0, dt)])
    return ctx.node1("Where", [pos, x, _scaled_expm1(ctx, x, dt, alpha)])


#: float64 spellings of the activations whose macro op has no double kernel in ORT
_DOUBLE = {
    "nn.softplus": _softplus,
    "nn.soft_sign": lambda ctx, x, dt: ctx.node1(
        "Div", [x, ctx.node1("Add", [_c(ctx, 1, dt), ctx.node1("Abs", [x])])]),
    "nn.mish": lambda ctx, x, dt: ctx.node1("Mul", [x, ctx.node1("Tanh", [_softplus(ctx, x, dt)])]),
    "nn.selu": lambda ctx, x, dt: ctx.node1("Mul", [_c(ctx, _SELU_GAMMA, dt), _elu(ctx, x, dt, _SELU_ALPHA)]),
}

#: primitive -> (ONNX op, attributes)
_SIMPLE = {
    "nn.relu": ("Relu", {}), "nn.sigmoid": ("Sigmoid", {}), "nn.softplus": ("Softplus", {}),
    "nn.soft_sign": ("Softsign", {}), "nn.mish": ("Mish", {}),
    "nn.selu": ("Selu", {"alpha": _SELU_ALPHA, "gamma": _SELU_GAMMA}),
}


def _simple(name, op_type, attrs):
    def lower(ctx, eqn):
        x = ctx.inputs(eqn)[0]
        if not _macro(eqn) and name in _DOUBLE:
            _bind(ctx, eqn, _DOUBLE[name](ctx, x, _dtype(eqn)))
            return
        ctx.node(op_type, [x], ctx.outputs(eqn), **attrs)

    lower.__name__ = f"lower_{name.split('.')[1]}"
    return lower


for _name, (_op, _attrs) in _SIMPLE.items():
    register(PIPELINE, _name)(_simple(_name, _op, _attrs))


def _clip(lo, hi):
    def lower(ctx, eqn):
        dt = _dtype(eqn)
        ctx.node("Clip", [ctx.inputs(eqn)[0], _c(ctx, lo, dt), _c(ctx, hi, dt)], ctx.outputs(eqn))

    return lower


register(PIPELINE, "nn.relu6")(_clip(0, 6))
register(PIPELINE, "nn.hard_tanh")(_clip(-1, 1))


@register(PIPELINE, "nn.silu")
def silu(ctx, eqn):
    x = ctx.inputs(eqn)[0]
    ctx.node("Mul", [x, ctx.node1("Sigmoid", [x])], ctx.outputs(eqn))


@register(PIPELINE, "nn.log_sigmoid")
def log_sigmoid(ctx, eqn):
    # log(sigmoid(x)) = -softplus(-x)
    neg = ctx.node1("Neg", [ctx.inputs(eqn)[0]])
    sp = ctx.node1("Softplus", [neg]) if _macro(eqn) else _softplus(ctx, neg, _dtype(eqn))
    ctx.node("Neg", [sp], ctx.outputs(eqn))


@register(PIPELINE, "nn.gelu")
def gelu(ctx, eqn):
    x, dt, approximate = ctx.inputs(eqn)[0], _dtype(eqn), eqn.params["approximate"]
    outs = ctx.outputs(eqn)
    if ctx.opset >= 20 and (_macro(eqn) or approximate):  # ORT: Gelu(tanh) also runs in double
        ctx.node("Gelu", [x], outs, approximate="tanh" if approximate else "none")
        return
    half = ctx.node1("Mul", [x, _c(ctx, 0.5, dt)])
    if approximate:  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = ctx.node1("Mul", [ctx.node1("Mul", [x, x]), x])
        inner = ctx.node1("Add", [x, ctx.node1("Mul", [cube, _c(ctx, 0.044715, dt)])])
        t = ctx.node1("Tanh", [ctx.node1("Mul", [inner, _c(ctx, np.sqrt(2 / np.pi), dt)])])
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        t = ctx.node1("Erf", [ctx.node1("Div", [x, _c(ctx, np.sqrt(2.0), dt)])])
    ctx.node("Mul", [half, ctx.node1("Add", [t, _c(ctx, 1, dt)])], outs)


@register(PIPELINE, "nn.elu")
def elu(ctx, eqn):
    x, dt, alpha = ctx.inputs(eqn)[0], _dtype(eqn), eqn.params["alpha"]
    if _macro(eqn):
        ctx.node("Elu", [x], ctx.outputs(eqn), alpha=alpha)
    else:
        _bind(ctx, eqn, _elu(ctx, x, dt, alpha))


@register(PIPELINE, "nn.celu")
def celu(ctx, eqn):
    x, dt, alpha = ctx.inputs(eqn)[0], _dtype(eqn), eqn.params["alpha"]
    if np.dtype(dt) == np.float32:
        ctx.node("Celu", [x], ctx.outputs(eqn), alpha=alpha)
        return
    neg = ctx.node1("Min", [_c(ctx, 0, dt), _scaled_expm1(ctx, x, dt, alpha, inner_scale=alpha)])
    ctx.node("Add", [ctx.node1("Max", [x, _c(ctx, 0, dt)]), neg], ctx.outputs(eqn))


@register(PIPELINE, "nn.leaky_relu")
def leaky_relu(ctx, eqn):
    x, dt, slope = ctx.inputs(eqn)[0], _dtype(eqn), eqn.params["negative_slope"]
    if _macro(eqn):
        ctx.node("LeakyRelu", [x], ctx.outputs(eqn), alpha=slope)
        return
    keep = ctx.node1("GreaterOrEqual", [x, _c(ctx, 0, dt)])
    ctx.node("Where", [keep, x, ctx.node1("Mul", [x, _c(ctx, slope, dt)])], ctx.outputs(eqn))


@register(PIPELINE, "nn.softmax")
def softmax(ctx, eqn):
    rank = len(eqn.invars[0].aval.shape)
    ctx.node("Softmax", ctx.inputs(eqn), ctx.outputs(eqn), axis=eqn.params["axis"] % rank)


@register(PIPELINE, "nn.log_softmax")
def log_softmax(ctx, eqn):
    rank = len(eqn.invars[0].aval.shape)
    ctx.node("LogSoftmax", ctx.inputs(eqn), ctx.outputs(eqn), axis=eqn.params["axis"] % rank)


@register(PIPELINE, "nn.logsumexp")
def logsumexp(ctx, eqn):
    rank = len(eqn.invars[0].aval.shape)
    axes = eqn.params["axes"]
    axes = list(range(rank)) if axes is None else sorted(a % rank for a in axes)
    x = ctx.inputs(eqn)[0]
    if not axes:
        _bind(ctx, eqn, x)
        return
    ctx.node("ReduceLogSumExp", [x, _axes(ctx, axes)], ctx.outputs(eqn), keepdims=int(eqn.params["keepdims"]))


@register(PIPELINE, "nn.standardize")
def standardize(ctx, eqn):
    aval = eqn.invars[0].aval
    rank, dt, eps = len(aval.shape), aval.dtype, eqn.params["epsilon"]
    axes = sorted(a % rank for a in eqn.params["axes"])
    x, outs = ctx.inputs(eqn)[0], ctx.outputs(eqn)
    norm_shape = [aval.shape[a] for a in axes]
    trailing = axes == list(range(rank - len(axes), rank))
    if trailing and _macro(eqn) and all(isinstance(d, (int, np.integer)) for d in norm_shape):
        # LayerNormalization over the trailing axes, unit scale, no bias
        scale = ctx.const(np.ones(norm_shape, dtype=dt))
        ctx.node("LayerNormalization", [x, scale], outs, axis=axes[0], epsilon=eps)
        return
    ax = _axes(ctx, axes)
    centered = ctx.node1("Sub", [x, ctx.node1("ReduceMean", [x, ax], keepdims=1)])
    var = ctx.node1("ReduceMean", [ctx.node1("Mul", [centered, centered]), ax], keepdims=1)
    denom = ctx.node1("Sqrt", [ctx.node1("Add", [var, _c(ctx, eps, dt)])])
    ctx.node("Div", [centered, denom], outs)


@register(PIPELINE, "nn.one_hot")
def one_hot(ctx, eqn):
    in_aval, out_aval = eqn.invars[0].aval, eqn.outvars[0].aval
    p = eqn.params
    rank = len(out_aval.shape)
    ax = p["axis"] % rank
    x, outs = ctx.inputs(eqn)[0], ctx.outputs(eqn)
    to = onnx_elem_type(out_aval.dtype)
    if np.issubdtype(np.dtype(in_aval.dtype), np.integer):
        # JAX gives all zeros for negative labels; OneHot would wrap them: move them out of range
        idx = ctx.node1("Cast", [x], to=TensorProto.INT64)
        depth = ctx.const(np.array(p["num_classes"], dtype=np.int64))
        neg = ctx.node1("Less", [idx, ctx.const(np.array(0, np.int64))])
        idx = ctx.node1("Where", [neg, depth, idx])
        values = ctx.const(np.array([0, 1], dtype=np.float32))
        if np.dtype(out_aval.dtype) == np.float32:
            ctx.node("OneHot", [idx, depth, values], outs, axis=ax)
        else:
            ctx.node("Cast", [ctx.node1("OneHot", [idx, depth, values], axis=ax)], outs, to=to)
        return
    # float labels compare by value (2.5 matches no class), as in JAX
    dt = in_aval.dtype
    classes = ctx.node1("Range", [_c(ctx, 0, dt), _c(ctx, p["num_classes"], dt), _c(ctx, 1, dt)])
    shape = [1] * rank
    shape[ax] = p["num_classes"]
    classes = ctx.node1("Reshape", [classes, ctx.const(np.array(shape, dtype=np.int64))])
    hot = ctx.node1("Equal", [ctx.node1("Unsqueeze", [x, _axes(ctx, [ax])]), classes])
    ctx.node("Cast", [hot], outs, to=to)


# ---- dot_product_attention ------------------------------------------------------------
def _large_negative(dtype):
    # what JAX writes into masked logits
    return np.array(-0.7 * np.finfo(np.dtype(dtype)).max, dtype=dtype)


def _lift4(ctx, name, rank):
    return name if rank >= 4 else ctx.node1("Unsqueeze", [name, _axes(ctx, range(4 - rank))])


def _causal(ctx, t, s):
    """bool [T, S] with key position <= query position (upper-left aligned, like JAX)."""
    zero, one = ctx.const(np.array(0, np.int64)), ctx.const(np.array(1, np.int64))
    rows = ctx.node1("Unsqueeze", [ctx.node1("Range", [zero, ctx.scalar_dim(t), one]), _axes(ctx, [1])])
    cols = ctx.node1("Unsqueeze", [ctx.node1("Range", [zero, ctx.scalar_dim(s), one]), _axes(ctx, [0])])
    return ctx.node1("GreaterOrEqual", [rows, cols])


@register(PIPELINE, "nn.dot_product_attention")
def attention(ctx, eqn):
    """ONNX ``Attention`` (opset >= 23, float32) or MatMul-Softmax-MatMul on (B, T, N, H)."""
    p = eqn.params
    avals = [v.aval for v in eqn.invars]
    names = ctx.inputs(eqn)
    rank, dt = len(avals[0].shape), avals[0].dtype
    scale = float(1.0 / np.sqrt(avals[0].shape[-1])) if p["scale"] is None else p["scale"]
    q, k, v = names[:3]
    rest = list(zip(names[3:], avals[3:]))
    bias = mask = None
    if p["has_bias"]:
        bias, b_aval = rest.pop(0)
        if np.dtype(b_aval.dtype) != np.dtype(dt):
            bias = ctx.node1("Cast", [bias], to=onnx_elem_type(dt))
        bias = _lift4(ctx, bias, len(b_aval.shape))
    if p["has_mask"]:
        mask, m_aval = rest.pop(0)
        mask = _lift4(ctx, mask, len(m_aval.shape))
    if rank == 3:  # (T, N, H): a batch of one
        q, k, v = (ctx.node1("Unsqueeze", [t, _axes(ctx, [0])]) for t in (q, k, v))
    qh, kh, vh = (ctx.node1("Transpose", [t], perm=[0, 2, 1, 3]) for t in (q, k, v))
    if ctx.opset >= 23 and np.dtype(dt) == np.float32:
        attn_mask = bias
        if mask is not None:
            attn_mask = mask if bias is None else ctx.node1(
                "Where", [mask, bias, ctx.const(_large_negative(dt))])
        inputs = [qh, kh, vh] + ([attn_mask] if attn_mask is not None else [])
        y = ctx.node1("Attention", inputs, scale=scale, is_causal=int(p["is_causal"]))
    else:
        logits = ctx.node1("MatMul", [qh, ctx.node1("Transpose", [k], perm=[0, 2, 3, 1])])
        logits = ctx.node1("Mul", [logits, _c(ctx, scale, dt)])
        if bias is not None:
            logits = ctx.node1("Add", [logits, bias])
        keep = mask
        if p["is_causal"]:
            causal = _causal(ctx, avals[0].shape[-3], avals[1].shape[-3])
            keep = causal if keep is None else ctx.node1("And", [keep, causal])
        if keep is not None:
            logits = ctx.node1("Where", [keep, logits, ctx.const(_large_negative(dt))])
        y = ctx.node1("MatMul", [ctx.node1("Softmax", [logits], axis=-1), vh])
    outs = ctx.outputs(eqn)
    if rank == 3:
        ctx.node("Squeeze", [ctx.node1("Transpose", [y], perm=[0, 2, 1, 3]), _axes(ctx, [0])], outs)
    else:
        ctx.node("Transpose", [y], outs, perm=[0, 2, 1, 3])
