"""``jax.nn`` components kept whole as custom primitives (lowered in ``components_nn``).

Activations decompose cleanly, so their batching is Approach A and their JVP
the shared fallback; where the original traces into primitives that do not
convert (``log1p``, ``expm1``, ``is_finite``, ``iota``), the rules use an
equivalent decomposition from :mod:`.fallbacks`. ``dot_product_attention`` must stay
one ``Attention`` node, so its batching rule is Approach B (:mod:`.attention`).
``one_hot`` is not differentiable by design.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np

from ..custom import declare
from . import fallbacks as fb
from .attention import declare_attention

FAMILY = "components_nn"
NN = "jax.nn"
_D = "https://docs.jax.dev/en/latest/_autosummary/jax.nn.{}.html"


def _float(v):
    """A static Python float for an activation parameter, or None (array: not covered)."""
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return float(v)
    return None


def _axis(v):
    """A static int axis, or None (tuples and traced axes: not covered)."""
    return int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else None


def _unary(name: str, onnx_ops: tuple[str, ...], targets=None):
    declare(f"nn.{name}", family=FAMILY, targets=targets or [(NN, name)],
            unpack=lambda x: ((x,), {}), apply=lambda orig, x: orig(x),
            fallback=fb.UNARY.get(name), onnx_ops=onnx_ops, docs=_D.format(name))


for _name, _ops in {
    "relu": ("Relu",), "relu6": ("Clip",), "sigmoid": ("Sigmoid",), "softplus": ("Softplus",),
    "soft_sign": ("Softsign",), "selu": ("Selu",), "mish": ("Mish",), "hard_tanh": ("Clip",),
    "log_sigmoid": ("Softplus", "Neg"),
}.items():
    _unary(_name, _ops)
_unary("silu", ("Sigmoid", "Mul"), targets=[(NN, "silu"), (NN, "swish")])


def _unpack_gelu(x, approximate=True):
    if not isinstance(approximate, bool):
        return None
    if not approximate and np.dtype(getattr(x, "dtype", np.float32)) == np.float64:
        return None  # ORT has no double Erf/Gelu(none) kernel; jax's erf path lowers exactly
    return (x,), {"approximate": approximate}


def _gelu_jvp(primals, tangents, *, approximate):
    """Explicit JVP: the primal stays one Gelu; the tangent is t * gelu'(x) (erf/tanh, exp, mul)."""
    import jax.numpy as jnp
    from jax.interpreters import ad

    from ..custom import suspended

    (x,), (t,) = primals, tangents
    out = GELU.primitive.bind(x, approximate=approximate)
    if type(t) is ad.Zero:
        return out, t
    with suspended():
        return out, t * fb.gelu_derivative(x, approximate=approximate).astype(jnp.result_type(t))


GELU = declare("nn.gelu", family=FAMILY, targets=[(NN, "gelu")], unpack=_unpack_gelu,
               apply=lambda orig, x, approximate: orig(x, approximate=approximate),
               fallback=fb.gelu, jvp=_gelu_jvp, onnx_ops=("Gelu",), docs=_D.format("gelu"))


def _alpha_component(name: str, keyword: str, default: float, onnx_op: str):
    def unpack(x, *args, **kwargs):
        value = _float(args[0] if args else kwargs.pop(keyword, default))
        if value is None or len(args) > 1 or kwargs:
            return None
        return (x,), {keyword: value}

    unpack.__name__ = f"_unpack_{name}"
    declare(f"nn.{name}", family=FAMILY, targets=[(NN, name)], unpack=unpack,
            apply=lambda orig, x, **p: orig(x, p[keyword]), fallback=fb.PARAMETRIC.get(name),
            onnx_ops=(onnx_op,), docs=_D.format(name))


_alpha_component("elu", "alpha", 1.0, "Elu")
_alpha_component("celu", "alpha", 1.0, "Celu")
_alpha_component("leaky_relu", "negative_slope", 0.01, "LeakyRelu")


def _unpack_softmax(x, axis=-1, where=None):
    axis = _axis(axis)
    return None if axis is None or where is not None else ((x,), {"axis": axis})


declare("nn.softmax", family=FAMILY, targets=[(NN, "softmax")], unpack=_unpack_softmax,
        apply=lambda orig, x, axis: orig(x, axis=axis), onnx_ops=("Softmax",), docs=_D.format("softmax"))
declare("nn.log_softmax", family=FAMILY, targets=[(NN, "log_softmax")], unpack=_unpack_softmax,
        apply=lambda orig, x, axis: orig(x, axis=axis), onnx_ops=("LogSoftmax",),
        docs=_D.format("log_softmax"))


def _axes(v):
    if v is None:
        return None
    if isinstance(v, (tuple, list)):
        out = tuple(_axis(a) for a in v)
        return None if any(a is None for a in out) else out
    a = _axis(v)
    return None if a is None else (a,)


def _unpack_standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *, algorithm="fast"):
    axes, eps = _axes(axis), _float(epsilon)
    if axes is None or eps is None or mean is not None or variance is not None or where is not None:
        return None
    return (x,), {"axes": axes, "epsilon": eps, "algorithm": algorithm}


# feature check: ``jax.nn.standardize(..., algorithm=)`` is newer than the oldest supported JAX
# (docs/dependencies.md); without it the original is called as that JAX defines it
_STANDARDIZE_ALGORITHM = "algorithm" in inspect.signature(jax.nn.standardize).parameters


def _apply_standardize(orig, x, axes, epsilon, algorithm):
    if _STANDARDIZE_ALGORITHM:
        return orig(x, axis=axes, epsilon=epsilon, algorithm=algorithm)
    return orig(x, axis=axes, epsilon=epsilon)


declare("nn.standardize", family=FAMILY, targets=[(NN, "standardize")], unpack=_unpack_standardize,
        apply=_apply_standardize,
        fallback=fb.standardize,
        onnx_ops=("LayerNormalization",), docs=_D.format("standardize"))


def _unpack_logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    axes = _axes(axis)
    if (axis is not None and axes is None) or b is not None or return_sign or where is not None:
        return None
    if not isinstance(keepdims, bool):
        return None
    return (a,), {"axes": axes, "keepdims": keepdims}


declare("nn.logsumexp", family=FAMILY, targets=[(NN, "logsumexp")], unpack=_unpack_logsumexp,
        apply=lambda orig, a, axes, keepdims: orig(a, axis=axes, keepdims=keepdims), fallback=fb.logsumexp,
        onnx_ops=("ReduceLogSumExp",), docs=_D.format("logsumexp"))


def _unpack_one_hot(x, num_classes, *, dtype=None, axis=-1):
    axis = _axis(axis)
    if axis is None or not isinstance(num_classes, (int, np.integer)):
        return None
    return (x,), {"num_classes": int(num_classes), "dtype": None if dtype is None else np.dtype(dtype).name,
                  "axis": axis}


declare("nn.one_hot", family=FAMILY, targets=[(NN, "one_hot")], unpack=_unpack_one_hot,
        apply=lambda orig, x, num_classes, dtype, axis: orig(x, num_classes, dtype=dtype, axis=axis),
        fallback=fb.one_hot,
        differentiable=False, nondiff_reason="a hard selection: its output is piecewise constant in its input",
        onnx_ops=("OneHot",), docs=_D.format("one_hot"))

declare_attention(FAMILY, NN)
