"""Shape manipulation (legacy pipeline): reshape, broadcast, squeeze, transpose, rev, pad,
concatenate, split, iota, identities and dim_as_value."""

from __future__ import annotations

import numpy as np

from ..plugin.dtypes import onnx_elem_type
from ..plugin.registry import register

PIPELINE = "legacy"


def _axes(ctx, axes):
    return ctx.const(np.asarray(list(axes), dtype=np.int64))


def _eq(a, b) -> bool:
    """Dimension equality that never raises on symbolic dims."""
    try:
        return bool(a == b)
    except Exception:
        return False


def _alias(ctx, eqn, name):
    """Bind the eqn's single output to an existing value (identity without a node)."""
    ctx.names[eqn.outvars[0]] = name


@register(PIPELINE, "reshape")
def reshape(ctx, eqn):
    """Reshape, after a Transpose when ``dimensions`` reorders the input."""
    x = ctx.inputs(eqn)[0]
    in_shape = tuple(eqn.invars[0].aval.shape)
    new_sizes = tuple(eqn.params["new_sizes"])
    dims = eqn.params.get("dimensions")
    if dims is not None and tuple(dims) != tuple(range(len(in_shape))):
        x = ctx.node1("Transpose", [x], perm=list(dims))
    elif in_shape == new_sizes:
        return _alias(ctx, eqn, x)
    # without allowzero a literal 0 in the target shape would copy the input's dim
    has_zero = any(isinstance(d, (int, np.integer)) and int(d) == 0 for d in new_sizes)
    ctx.node("Reshape", [x, ctx.shape(new_sizes)], ctx.outputs(eqn), allowzero=1 if has_zero else None)


@register(PIPELINE, "broadcast_in_dim")
def broadcast_in_dim(ctx, eqn):
    """Unsqueeze the new axes, then Expand if any size differs."""
    x = ctx.inputs(eqn)[0]
    shape, bdims = eqn.params["shape"], eqn.params["broadcast_dimensions"]
    in_shape = eqn.invars[0].aval.shape
    inter = [1] * len(shape)
    for src, dst in enumerate(bdims):
        inter[dst] = in_shape[src]
    missing = [i for i in range(len(shape)) if i not in bdims]
    needs_expand = not all(_eq(a, b) for a, b in zip(inter, shape))
    if missing:
        x = ctx.node1("Unsqueeze", [x, _axes(ctx, missing)])
    if not needs_expand:
        return _alias(ctx, eqn, x)
    ctx.node("Expand", [x, ctx.shape(shape)], ctx.outputs(eqn))


@register(PIPELINE, "squeeze")
def squeeze(ctx, eqn):
    """Squeeze the listed unit axes."""
    dims = eqn.params["dimensions"]
    if not dims:
        return _alias(ctx, eqn, ctx.inputs(eqn)[0])
    ctx.node("Squeeze", [ctx.inputs(eqn)[0], _axes(ctx, dims)], ctx.outputs(eqn))


@register(PIPELINE, "expand_dims")
def expand_dims(ctx, eqn):
    """Unsqueeze at the given axes."""
    ctx.node("Unsqueeze", [ctx.inputs(eqn)[0], _axes(ctx, eqn.params["dimensions"])], ctx.outputs(eqn))


@register(PIPELINE, "transpose")
def transpose(ctx, eqn):
    """Transpose; the identity permutation binds the input name."""
    perm = list(eqn.params["permutation"])
    if perm == sorted(perm):
        return _alias(ctx, eqn, ctx.inputs(eqn)[0])
    ctx.node("Transpose", ctx.inputs(eqn), ctx.outputs(eqn), perm=perm)


@register(PIPELINE, "rev")
def rev(ctx, eqn):
    """Reverse = Slice from -1 towards -inf with step -1 (no runtime dims needed)."""
    dims = list(eqn.params["dimensions"])
    x = ctx.inputs(eqn)[0]
    if not dims:
        return _alias(ctx, eqn, x)
    k = len(dims)
    lowest = np.iinfo(np.int64).min
    ctx.node("Slice", [x, _axes(ctx, [-1] * k), _axes(ctx, [lowest] * k), _axes(ctx, dims), _axes(ctx, [-1] * k)],
             ctx.outputs(eqn))


@register(PIPELINE, "pad")
def pad(ctx, eqn):
    """Interior padding: interleave by Unsqueeze+Pad+Reshape per axis; then one Pad for
    low/high (ONNX Pad crops on negative amounts)."""
    x, value = ctx.inputs(eqn)
    dtype = np.dtype(eqn.invars[0].aval.dtype)
    narrow = dtype.name in ("int16", "uint16")  # no 16-bit int Pad kernel in ORT: pad as int32
    if narrow:
        x = ctx.node1("Cast", [x], to=onnx_elem_type(np.int32))
        value = ctx.node1("Cast", [value], to=onnx_elem_type(np.int32))
    config = eqn.params["padding_config"]
    shape = list(eqn.invars[0].aval.shape)
    r = len(shape)
    for ax, (_, _, inner) in enumerate(config):
        if not inner:
            continue
        x = ctx.node1("Unsqueeze", [x, _axes(ctx, [ax + 1])])
        amounts = [0] * (2 * (r + 1))
        amounts[(r + 1) + ax + 1] = inner  # high side of the new unit axis
        x = ctx.node1("Pad", [x, _axes(ctx, amounts), value])
        target = list(shape)
        target[ax] = shape[ax] * (inner + 1)
        x = ctx.node1("Reshape", [x, ctx.shape(target)], allowzero=1)
        # the last element gets no trailing interior padding
        x = ctx.node1("Slice", [x, _axes(ctx, [0]), _axes(ctx, [-inner]), _axes(ctx, [ax])])
        shape[ax] = target[ax] - inner
    lo = [int(c[0]) for c in config]
    hi = [int(c[1]) for c in config]
    if not any(lo) and not any(hi):
        if narrow:
            ctx.node("Cast", [x], ctx.outputs(eqn), to=onnx_elem_type(dtype))
        else:
            _alias(ctx, eqn, x)
    elif narrow:
        padded = ctx.node1("Pad", [x, _axes(ctx, lo + hi), value])
        ctx.node("Cast", [padded], ctx.outputs(eqn), to=onnx_elem_type(dtype))
    else:
        ctx.node("Pad", [x, _axes(ctx, lo + hi), value], ctx.outputs(eqn))


@register(PIPELINE, "concatenate")
def concatenate(ctx, eqn):
    """Concat along ``dimension``."""
    xs = ctx.inputs(eqn)
    if len(xs) == 1:
        return _alias(ctx, eqn, xs[0])
    ctx.node("Concat", xs, ctx.outputs(eqn), axis=int(eqn.params["dimension"]))


@register(PIPELINE, "stop_gradient", "copy", "copy_p")
def identity(ctx, eqn):
    """copy / stop_gradient: reuse the input name."""
    _alias(ctx, eqn, ctx.inputs(eqn)[0])


@register(PIPELINE, "split")
def split(ctx, eqn):
    """lax.split into pieces of ``sizes`` (possibly symbolic)."""
    # lax.split (e.g. the transpose of concatenate under jax.grad); sizes may be symbolic
    sizes = eqn.params["sizes"]
    x = ctx.inputs(eqn)[0]
    if len(sizes) == 1:
        return _alias(ctx, eqn, x)
    ctx.node("Split", [x, ctx.shape(sizes)], ctx.outputs(eqn), axis=int(eqn.params["axis"]))


@register(PIPELINE, "iota")
def iota(ctx, eqn):
    """int64 Range (ORT implements Range for few dtypes), Cast, Unsqueeze/Expand to the shape."""
    p = eqn.params
    shape, axis, dtype = tuple(p["shape"]), int(p["dimension"]), np.dtype(p["dtype"])
    (out,) = ctx.outputs(eqn)
    steps = []  # (op, extra inputs, attrs) applied in order to the Range output
    if dtype != np.int64:
        steps.append(("Cast", [], {"to": onnx_elem_type(dtype)}))
    others = [i for i in range(len(shape)) if i != axis]
    if others:
        steps.append(("Unsqueeze", [_axes(ctx, others)], {}))
        if not all(_eq(shape[i], 1) for i in others):
            steps.append(("Expand", [ctx.shape([1 if i == axis else d for i, d in enumerate(shape)])], {}))
    zero, one = ctx.const(np.array(0, np.int64)), ctx.const(np.array(1, np.int64))
    cur = ctx.node("Range", [zero, ctx.scalar_dim(shape[axis]), one], [out] if not steps else 1)[0]
    for k, (op, extra, attrs) in enumerate(steps):
        cur = ctx.node(op, [cur] + extra, [out] if k == len(steps) - 1 else 1, **attrs)[0]


@register(PIPELINE, "dim_as_value")
def dim_as_value(ctx, eqn):
    """A symbolic dimension used as a number: rank-0 tensor of the output dtype."""
    dt = eqn.outvars[0].aval.dtype
    ctx.node("Identity", [ctx.scalar_dim(eqn.params["dim"], dtype=dt)], ctx.outputs(eqn))


