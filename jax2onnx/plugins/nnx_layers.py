"""Layer macro ops (legacy pipeline) for the NNX, Linen and Equinox components.

See :mod:`jax2onnx.plugin.components._layers` for the operand conventions. Each
lowering writes the eqn's single output name with one macro node (plus the
Transposes BatchNormalization needs for channels-last inputs).
"""

from __future__ import annotations

import numpy as np

from ..plugin.registry import register

PIPELINE = "legacy"

_LINEAR = ("nnx.Linear", "linen.Dense", "eqx.nn.Linear")
_LAYER_NORM = ("nnx.LayerNorm", "linen.LayerNorm", "eqx.nn.LayerNorm")
_RMS_NORM = ("nnx.RMSNorm", "linen.RMSNorm", "eqx.nn.RMSNorm")
_GROUP_NORM = ("nnx.GroupNorm", "linen.GroupNorm")
_BATCH_NORM = ("nnx.BatchNorm", "linen.BatchNorm")
_EMBED = ("nnx.Embed", "linen.Embed", "eqx.nn.Embedding")

#: ORT implements Gemm for these; anything else goes through MatMul + Add
_GEMM_OK = ("float16", "float32", "float64")


@register(PIPELINE, *_LINEAR)
def lower_linear(ctx, eqn):
    """Gemm for a 2-D input, MatMul (+ Add) for any other rank."""
    names = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    x_aval = eqn.invars[0].aval
    transposed = bool(eqn.params.get("transpose_kernel", False))
    if x_aval.ndim == 2 and np.dtype(x_aval.dtype).name in _GEMM_OK:
        ctx.node("Gemm", names, [out], transB=1 if transposed else 0)
        return
    x, kernel, *bias = names
    if transposed:
        kernel = ctx.node1("Transpose", [kernel], perm=[1, 0])
    if not bias:
        ctx.node("MatMul", [x, kernel], [out])
        return
    prod = ctx.node1("MatMul", [x, kernel])
    ctx.node("Add", [prod, bias[0]], [out])


def _filled(ctx, shape, dtype, value) -> str:
    return ctx.const(np.full(tuple(shape), value, dtype=np.dtype(dtype)))


@register(PIPELINE, *_LAYER_NORM)
def lower_layer_norm(ctx, eqn):
    """LayerNormalization(axis, epsilon); a missing scale becomes a ones initializer."""
    p = eqn.params
    x, *rest = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    x_aval = eqn.invars[0].aval
    axis = int(p["axis"])
    norm_shape = tuple(x_aval.shape[x_aval.ndim + axis:])
    shape_name = None

    def fit(name, var):
        nonlocal shape_name
        if tuple(var.aval.shape) == norm_shape:
            return name
        shape_name = shape_name or ctx.const(np.asarray(norm_shape, dtype=np.int64))
        return ctx.node1("Reshape", [name, shape_name])

    wvars = list(eqn.invars[1:])
    if p["has_scale"]:
        scale = fit(rest.pop(0), wvars.pop(0))
    else:
        scale = _filled(ctx, norm_shape, x_aval.dtype, 1.0)
    inputs = [x, scale]
    if p["has_bias"]:
        inputs.append(fit(rest.pop(0), wvars.pop(0)))
    ctx.node("LayerNormalization", inputs, [out], axis=axis, epsilon=float(p["epsilon"]))


@register(PIPELINE, *_RMS_NORM)
def lower_rms_norm(ctx, eqn):
    """RMSNormalization (opset 23), then Add for Equinox's optional bias."""
    p = eqn.params
    x, *rest = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    x_aval = eqn.invars[0].aval
    axis = int(p["axis"])
    norm_shape = tuple(x_aval.shape[x_aval.ndim + axis:])
    wvars = list(eqn.invars[1:])

    def fit(name, var):
        if tuple(var.aval.shape) == norm_shape:
            return name
        return ctx.node1("Reshape", [name, ctx.const(np.asarray(norm_shape, dtype=np.int64))])

    if p["has_scale"]:
        scale = fit(rest.pop(0), wvars.pop(0))
    else:
        scale = _filled(ctx, norm_shape, x_aval.dtype, 1.0)
    if not p.get("has_bias", False):
        ctx.node("RMSNormalization", [x, scale], [out], axis=axis, epsilon=float(p["epsilon"]))
        return
    y = ctx.node1("RMSNormalization", [x, scale], axis=axis, epsilon=float(p["epsilon"]))
    ctx.node("Add", [y, fit(rest.pop(0), wvars.pop(0))], [out])


@register(PIPELINE, *_GROUP_NORM)
def lower_group_norm(ctx, eqn):
    """Transpose to N,C,... → GroupNormalization(num_groups, epsilon) → Transpose back."""
    p = eqn.params
    x, *rest = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    x_aval = eqn.invars[0].aval
    rank, channels = x_aval.ndim, x_aval.shape[-1]
    scale = rest.pop(0) if p["has_scale"] else _filled(ctx, (channels,), x_aval.dtype, 1.0)
    bias = rest.pop(0) if p["has_bias"] else _filled(ctx, (channels,), x_aval.dtype, 0.0)
    nc = ctx.node1("Transpose", [x], perm=[0, rank - 1, *range(1, rank - 1)])
    y = ctx.node1("GroupNormalization", [nc, scale, bias], num_groups=int(p["num_groups"]),
                  epsilon=float(p["epsilon"]))
    ctx.node("Transpose", [y], [out], perm=[0, *range(2, rank), 1])


@register(PIPELINE, *_BATCH_NORM)
def lower_batch_norm(ctx, eqn):
    """BatchNormalization (inference); channels-last inputs are transposed to NC... and back."""
    p = eqn.params
    x, mean, var, *rest = ctx.inputs(eqn)
    (out,) = ctx.outputs(eqn)
    x_aval = eqn.invars[0].aval
    rank, channels = x_aval.ndim, x_aval.shape[-1]
    scale = rest.pop(0) if p["has_scale"] else _filled(ctx, (channels,), x_aval.dtype, 1.0)
    bias = rest.pop(0) if p["has_bias"] else _filled(ctx, (channels,), x_aval.dtype, 0.0)
    eps = float(p["epsilon"])
    if rank == 2:
        ctx.node("BatchNormalization", [x, scale, bias, mean, var], [out], epsilon=eps)
        return
    nc = ctx.node1("Transpose", [x], perm=[0, rank - 1, *range(1, rank - 1)])
    y = ctx.node1("BatchNormalization", [nc, scale, bias, mean, var], epsilon=eps)
    ctx.node("Transpose", [y], [out], perm=[0, *range(2, rank), 1])


@register(PIPELINE, *_EMBED)
def lower_embed(ctx, eqn):
    """Gather rows of the table (axis 0)."""
    ctx.node("Gather", ctx.inputs(eqn), ctx.outputs(eqn), axis=0)
