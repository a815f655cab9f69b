"""``jax.nn`` components kept whole (onnx_ir pipeline): activations, softmax, Gelu, Attention.

The macro op is used where ONNX Runtime has a kernel for the dtype (float32 and
float16 for most activations); otherwise the same function is spelled with
simpler ops, so float64 models still run.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

from ..plugin.registry import register
from .opset_compat import ATTENTION_SINCE, GELU_SINCE, LAYER_NORM_SINCE, MISH_SINCE, reduce_logsumexp

PIPELINE = "onnx_ir"
_ORT_FLOAT = (np.dtype(np.float32), np.dtype(np.float16))


def _c(ctx, value, dtype):
    return ctx.const(np.array(value, dtype=dtype))


def _macro(ctx) -> bool:
    return np.dtype(ctx.in_avals[0].dtype) in _ORT_FLOAT


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


#: primitive -> (ONNX op, attributes) used as is when the dtype has an ORT kernel
_SIMPLE = {
    "nn.relu": ("Relu", {}), "nn.sigmoid": ("Sigmoid", {}), "nn.softplus": ("Softplus", {}),
    "nn.soft_sign": ("Softsign", {}), "nn.mish": ("Mish", {}),
    "nn.selu": ("Selu", {"alpha": 1.6732632423543772, "gamma": 1.0507009873554805}),
}


def _softplus(ctx, x, dt):
    # max(x, 0) + log1p(exp(-|x|)): stable for large |x|
    tail = ctx.op("Log", ctx.op("Add", _c(ctx, 1, dt), ctx.op("Exp", ctx.op("Neg", ctx.op("Abs", x)))))
    return ctx.op("Add", ctx.op("Max", x, _c(ctx, 0, dt)), tail)


def _expm1_where(ctx, x, dt, alpha, inner_scale=1.0):
    """alpha * (exp(x / inner_scale) - 1)."""
    z = x if inner_scale == 1.0 else ctx.op("Div", x, _c(ctx, inner_scale, dt))
    return ctx.op("Mul", _c(ctx, alpha, dt), ctx.op("Sub", ctx.op("Exp", z), _c(ctx, 1, dt)))


def _decomposed(ctx, name, x, dt):
    zero = _c(ctx, 0, dt)
    if name == "nn.softplus":
        return _softplus(ctx, x, dt)
    if name == "nn.soft_sign":
        return ctx.op("Div", x, ctx.op("Add", _c(ctx, 1, dt), ctx.op("Abs", x)))
    if name == "nn.mish":
        return ctx.op("Mul", x, ctx.op("Tanh", _softplus(ctx, x, dt)))
    if name == "nn.selu":
        alpha, gamma = _SIMPLE[name][1]["alpha"], _SIMPLE[name][1]["gamma"]
        inner = ctx.op("Where", ctx.op("Greater", x, zero), x, _expm1_where(ctx, x, dt, alpha))
        return ctx.op("Mul", _c(ctx, gamma, dt), inner)
    return None  # Relu, Sigmoid have double kernels


def _simple(name, op_type, attrs):
    def lower(ctx, x):
        dt = ctx.in_avals[0].dtype
        if not _macro(ctx) or name == "nn.mish" and ctx.opset < MISH_SINCE:
            out = _decomposed(ctx, name, x, dt)
            if out is not None:
                return out
        return ctx.op(op_type, x, **attrs)

    lower.__name__ = f"lower_{name.split('.')[1]}"
    return lower


for _name, (_op, _attrs) in _SIMPLE.items():
    register(PIPELINE, _name)(_simple(_name, _op, _attrs))


@register(PIPELINE, "nn.relu6")
def relu6(ctx, x):
    dt = ctx.in_avals[0].dtype
    return ctx.op("Clip", x, _c(ctx, 0, dt), _c(ctx, 6, dt))


@register(PIPELINE, "nn.hard_tanh")
def hard_tanh(ctx, x):
    dt = ctx.in_avals[0].dtype
    return ctx.op("Clip", x, _c(ctx, -1, dt), _c(ctx, 1, dt))


@register(PIPELINE, "nn.silu")
def silu(ctx, x):
    return ctx.op("Mul", x, ctx.op("Sigmoid", x))


@register(PIPELINE, "nn.log_sigmoid")
def log_sigmoid(ctx, x):
    # log(sigmoid(x)) = -softplus(-x)
    dt = ctx.in_avals[0].dtype
    neg = ctx.op("Neg", x)
    sp = ctx.op("Softplus", neg) if _macro(ctx) else _softplus(ctx, neg, dt)
    return ctx.op("Neg", sp)


@register(PIPELINE, "nn.gelu")
def gelu(ctx, x, *, approximate):
    dt = ctx.in_avals[0].dtype
    if ctx.opset >= GELU_SINCE and (_macro(ctx) or approximate):  # ORT: Gelu(tanh) has a double kernel
        return ctx.op("Gelu", x, approximate="tanh" if approximate else "none")
    half = ctx.op("Mul", x, _c(ctx, 0.5, dt))
    if approximate:  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = ctx.op("Mul", ctx.op("Mul", x, x), x)
        inner = ctx.op("Add", x, ctx.op("Mul", cube, _c(ctx, 0.044715, dt)))
        t = ctx.op("Tanh", ctx.op("Mul", inner, _c(ctx, np.sqrt(2 / np.pi), dt)))
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        t = ctx.op("Erf", ctx.op("Div", x, _c(ctx, np.sqrt(2.0), dt)))
    return ctx.op("Mul", half, ctx.op("Add", t, _c(ctx, 1, dt)))


@register(PIPELINE, "nn.elu")
def elu(ctx, x, *, alpha):
    dt = ctx.in_avals[0].dtype
    if _macro(ctx):
        return ctx.op("Elu", x, alpha=alpha)
    return ctx.op("Where", ctx.op("Greater", x, _c(ctx, 0, dt)), x, _expm1_where(ctx, x, dt, alpha))


@register(PIPELINE, "nn.celu")
def celu(ctx, x, *, alpha):
    dt = ctx.in_avals[0].dtype
    if _macro(ctx) and np.dtype(dt) == np.float32:
        return ctx.op("Celu", x, alpha=alpha)
    neg = ctx.op("Min", _c(ctx, 0, dt), _expm1_where(ctx, x, dt, alpha, inner_scale=alpha))
    return ctx.op("Add", ctx.op("Max", x, _c(ctx, 0, dt)), neg)


@register(PIPELINE, "nn.leaky_relu")
def leaky_relu(ctx, x, *, negative_slope):
    dt = ctx.in_avals[0].dtype
    if _macro(ctx):
        return ctx.op("LeakyRelu", x, alpha=negative_slope)
    slope = ctx.op("Mul", x, _c(ctx, negative_slope, dt))
    return ctx.op("Where", ctx.op("GreaterOrEqual", x, _c(ctx, 0, dt)), x, slope)


@register(PIPELINE, "nn.softmax")
def softmax(ctx, x, *, axis):
    return ctx.op("Softmax", x, axis=axis % len(ctx.in_avals[0].shape))


@register(PIPELINE, "nn.log_softmax")
def log_softmax(ctx, x, *, axis):
    return ctx.op("LogSoftmax", x, axis=axis % len(ctx.in_avals[0].shape))


@register(PIPELINE, "nn.logsumexp")
def logsumexp(ctx, x, *, axes, keepdims):
    rank = len(ctx.in_avals[0].shape)
    axes = list(range(rank)) if axes is None else sorted(a % rank for a in axes)
    if not axes:
        return x
    return reduce_logsumexp(ctx, x, axes, keepdims, ctx.in_avals[0].dtype)


@register(PIPELINE, "nn.standardize")
def standardize(ctx, x, *, axes, epsilon, algorithm):
    aval = ctx.in_avals[0]
    rank, dt = len(aval.shape), aval.dtype
    axes = sorted(a % rank for a in axes)
    norm_shape = [aval.shape[a] for a in axes]
    trailing = axes == list(range(rank - len(axes), rank))
    if trailing and _macro(ctx) and ctx.opset >= LAYER_NORM_SINCE and all(isinstance(d, (int, np.integer)) for d in norm_shape):
        # LayerNormalization over the trailing axes with unit scale, no bias
        scale = ctx.const(np.ones(norm_shape, dtype=dt))
        return ctx.op("LayerNormalization", x, scale, axis=axes[0], epsilon=epsilon)
    ax = _axes(ctx, axes)
    centered = ctx.op("Sub", x, ctx.op("ReduceMean", x, ax, keepdims=1))
    var = ctx.op("ReduceMean", ctx.op("Mul", centered, centered), ax, keepdims=1)
    return ctx.op("Div", centered, ctx.op("Sqrt", ctx.op("Add", var, _c(ctx, epsilon, dt))))


@register(PIPELINE, "nn.one_hot")
def one_hot(ctx, x, *, num_classes, dtype, axis):
    in_aval, out_aval = ctx.in_avals[0], ctx.out_avals[0]
    out_rank = len(out_aval.shape)
    ax = axis % out_rank
    to = ir.DataType.from_numpy(np.dtype(out_aval.dtype))
    if np.issubdtype(np.dtype(in_aval.dtype), np.integer):
        # JAX: negative indices give all zeros; OneHot would wrap them, so send them out of range
        idx = ctx.op("Cast", x, to=ir.DataType.INT64)
        depth = ctx.const(np.array(num_classes, dtype=np.int64))
        idx = ctx.op("Where", ctx.op("Less", idx, ctx.const(np.array(0, np.int64))), depth, idx)
        hot = ctx.op("OneHot", idx, depth, ctx.const(np.array([0, 1], dtype=np.float32)), axis=ax)
        return hot if np.dtype(out_aval.dtype) == np.float32 else ctx.op("Cast", hot, to=to)
    # float "indices" compare by value (2.5 matches no class), exactly like JAX
    classes = ctx.op("Range", _c(ctx, 0, in_aval.dtype), _c(ctx, num_classes, in_aval.dtype),
                     _c(ctx, 1, in_aval.dtype))
    shape = [1] * out_rank
    shape[ax] = num_classes
    classes = ctx.op("Reshape", classes, ctx.const(np.array(shape, dtype=np.int64)))
    hot = ctx.op("Equal", ctx.op("Unsqueeze", x, _axes(ctx, [ax])), classes)
    return ctx.op("Cast", hot, to=to)


# ---- dot_product_attention ------------------------------------------------------------
def _large_negative(dtype):
    # the value JAX writes into masked logits
    return np.array(-0.7 * np.finfo(np.dtype(dtype)).max, dtype=dtype)


def _to4d(ctx, x, rank):
    return x if rank >= 4 else ctx.op("Unsqueeze", x, _axes(ctx, range(4 - rank)))


def _causal(ctx, t, s):
    """bool [T, S]: key position <= query position (upper-left aligned, like JAX)."""
    one = ctx.const(np.array(1, np.int64))
    zero = ctx.const(np.array(0, np.int64))
    rows = ctx.op("Unsqueeze", ctx.op("Range", zero, ctx.scalar_dim(t), one), _axes(ctx, [1]))
    cols = ctx.op("Unsqueeze", ctx.op("Range", zero, ctx.scalar_dim(s), one), _axes(ctx, [0]))
    return ctx.op("GreaterOrEqual", rows, cols)


@register(PIPELINE, "nn.dot_product_attention")
def attention(ctx, q, k, v, *rest, has_bias, has_mask, scale, is_causal):
    """ONNX ``Attention`` (opset >= 23, float32) or MatMul-Softmax-MatMul, on (B, T, N, H) layout."""
    avals = ctx.in_avals
    rank, dt = len(avals[0].shape), avals[0].dtype
    scale = float(1.0 / np.sqrt(avals[0].shape[-1])) if scale is None else scale
    rest, rest_avals = list(rest), list(avals[3:])
    bias = mask = None
    if has_bias:
        bias, b_aval = rest.pop(0), rest_avals.pop(0)
        if np.dtype(b_aval.dtype) != np.dtype(dt):
            bias = ctx.op("Cast", bias, to=ir.DataType.from_numpy(np.dtype(dt)))
        bias = _to4d(ctx, bias, len(b_aval.shape))
    if has_mask:
        mask, m_aval = rest.pop(0), rest_avals.pop(0)
        mask = _to4d(ctx, mask, len(m_aval.shape))
    if rank == 3:  # (T, N, H): a batch of one
        q, k, v = (ctx.op("Unsqueeze", t, _axes(ctx, [0])) for t in (q, k, v))
    # (B, T, N, H) -> (B, N, T, H)
    qh, kh, vh = (ctx.op("Transpose", t, perm=[0, 2, 1, 3]) for t in (q, k, v))
    if ctx.opset >= ATTENTION_SINCE and np.dtype(dt) == np.float32:
        attn_mask = bias
        if has_mask:
            attn_mask = mask if bias is None else ctx.op("Where", mask, bias, ctx.const(_large_negative(dt)))
        inputs = [qh, kh, vh] + ([attn_mask] if attn_mask is not None else [])
        y = ctx.op("Attention", *inputs, scale=scale, is_causal=int(is_causal))
    else:
        logits = ctx.op("MatMul", qh, ctx.op("Transpose", k, perm=[0, 2, 3, 1]))
        logits = ctx.op("Mul", logits, _c(ctx, scale, dt))
        if bias is not None:
            logits = ctx.op("Add", logits, bias)
        keep = mask
        if is_causal:
            causal = _causal(ctx, avals[0].shape[-3], avals[1].shape[-3])
            keep = causal if keep is None else ctx.op("And", keep, causal)
        if keep is not None:
            logits = ctx.op("Where", keep, logits, ctx.const(_large_negative(dt)))
        y = ctx.op("MatMul", ctx.op("Softmax", logits, axis=-1), vh)
    out = ctx.op("Transpose", y, perm=[0, 2, 1, 3])
    return ctx.op("Squeeze", out, _axes(ctx, [0])) if rank == 3 else out
