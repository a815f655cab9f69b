"""Model adapters: turn what the user passed into a pure function of (weights, inputs).

Weights of Flax NNX and Equinox modules become named ONNX initializers rather
than graph inputs: the adapter splits the module into its arrays and a static
remainder, and the traced function takes the arrays as its first argument.
Modules are converted in inference mode (NNX ``eval()``, Equinox
``inference_mode``) on a copy; the user's object is never modified.

A Linen module wrapped in ``nnx.bridge.ToNNX`` is never traced through the
stateful wrapper (whose lazy-init logic clashes with symbolic shapes): its
variables are read out through the bridge into a Linen variables dict and a pure
``module.apply(variables, *args)`` is traced instead.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .scopes import module_scopes

__all__ = ["Prepared", "prepare"]


@dataclass
class Prepared:
    """A pure callable ``call(weights, *args)`` plus the weights and naming hints."""

    call: Callable
    weight_names: list[str] = field(default_factory=list)
    weight_values: list[Any] = field(default_factory=list)
    arg_names: list[str] | None = None
    display_name: str = "fn"
    kind: str = "function"
    #: a variant keeping non-parameter state concrete (for user code that reads it with
    #: numpy at call time), tried when tracing needs a concrete value; None if there is none
    concrete_state: Callable[[], "Prepared"] | None = None
    #: (name, array) of the concrete state a ``concrete_state`` variant closes over
    concrete_arrays: list[tuple[str, Any]] = field(default_factory=list)

    def reference(self, *args):
        """Run the prepared callable in JAX (what the ONNX model must match)."""
        return self.call(self.weight_values, *args)


def _key_name(path) -> str:
    parts = []
    for k in path:
        for attr in ("key", "name", "idx"):
            if hasattr(k, attr):
                parts.append(str(getattr(k, attr)))
                break
        else:
            parts.append(str(k))
    if parts and parts[-1] in ("value", "raw_value"):
        parts.pop()
    return ".".join(p for p in parts if p) or "w"


def _is_weight(leaf) -> bool:
    import jax

    if not (isinstance(leaf, (np.ndarray, jax.Array))):
        return False
    dt = leaf.dtype
    return not jax.dtypes.issubdtype(dt, jax.dtypes.extended)


def _arg_names(fn) -> list[str] | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    names = []
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            return names + [None]  # type: ignore[list-item]
    return names


def _split_tree(tree):
    """(weight leaves, their names, a function rebuilding the tree from new weights)."""
    import jax

    leaves_with_path, treedef = jax.tree_util.tree_flatten_with_path(tree)
    weight_pos = [i for i, (_, leaf) in enumerate(leaves_with_path) if _is_weight(leaf)]
    leaves = [leaf for _, leaf in leaves_with_path]
    names = [_key_name(leaves_with_path[i][0]) for i in weight_pos]

    def rebuild(weights):
        new = list(leaves)
        for i, w in zip(weight_pos, weights):
            new[i] = w
        return jax.tree_util.tree_unflatten(treedef, new)

    return [leaves[i] for i in weight_pos], names, rebuild


def _prepare_nnx(model, input_params) -> Prepared:
    from flax import nnx

    graphdef, state = nnx.split(model)
    weights, names, rebuild = _split_tree(state)

    def call(ws, *args):
        m = nnx.merge(graphdef, rebuild(ws))
        m.eval()  # BatchNorm uses running stats, Dropout is the identity
        with module_scopes(m):  # node names follow the module structure
            return m(*args, **input_params)

    arg_names = _arg_names(type(model).__call__)[1:] if _arg_names(type(model).__call__) else None
    return Prepared(call, names, weights, arg_names, type(model).__name__, "nnx",
                    concrete_state=lambda: _prepare_nnx_concrete(model, input_params, arg_names))


def _prepare_nnx_concrete(model, input_params, arg_names) -> Prepared:
    """Only ``nnx.Param``s are traced; other state (buffers such as RoPE frequencies)
    stays concrete, so ``np.asarray(self.buffer)`` in ``__call__`` works. The buffers
    still become named initializers: the front end names the jaxpr constants they
    turn into (``concrete_arrays``)."""
    from flax import nnx

    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    weights, names, rebuild = _split_tree(params)
    rest_leaves, rest_names, _ = _split_tree(rest)

    def call(ws, *args):
        m = nnx.merge(graphdef, rebuild(ws), rest)
        m.eval()
        with module_scopes(m):
            return m(*args, **input_params)

    return Prepared(call, names, weights, arg_names, type(model).__name__, "nnx",
                    concrete_arrays=list(zip(rest_names, rest_leaves)))


def _is_to_nnx(obj) -> bool:
    if "flax.nnx" not in sys.modules:
        return False
    from flax import nnx

    return isinstance(obj, nnx.bridge.ToNNX)


def linen_variables_of(wrapper) -> dict:
    """The Linen variables dict (``{"params": ..., "batch_stats": ...}``) of a ``ToNNX``.

    Reads the wrapper's NNX variable attributes (everything but the wrapper's own
    ``to_nnx__*`` slots and NNX bookkeeping) and converts them with the bridge's
    ``nnx_attrs_to_linen_vars``, the same conversion ``ToNNX.__call__`` performs.
    """
    from flax.nnx.bridge import variables as bridge_vars

    attrs = {
        k: v for k, v in vars(wrapper).items()
        if not k.startswith("to_nnx__") and not k.startswith("_pytree__")
    }
    if not attrs:
        raise ValueError(
            "this nnx.bridge.ToNNX wrapper has no variables yet; initialize it first "
            "(e.g. ToNNX(module, rngs=nnx.Rngs(0)).lazy_init(sample_input))"
        )
    return bridge_vars.nnx_attrs_to_linen_vars(attrs)


def _prepare_to_nnx(wrapper, input_params) -> Prepared:
    """ToNNX(linen_module): trace ``linen_module.apply(variables, *args)`` with explicit weights."""
    variables = linen_variables_of(wrapper)
    module = wrapper.to_nnx__module
    # ``params`` are split from the other collections (batch_stats, ...); every
    # array of both becomes a named initializer ("params.Conv_0.kernel", ...).
    split = {"params": variables.get("params", {}),
             **{k: v for k, v in variables.items() if k != "params"}}
    weights, names, rebuild = _split_tree(split)

    def call(ws, *args):
        return module.apply(rebuild(ws), *args, **input_params)

    call_names = _arg_names(type(module).__call__)
    return Prepared(call, names, weights, call_names[1:] if call_names else None,
                    f"ToNNX({type(module).__name__})", "linen")


def _prepare_eqx(model, input_params) -> Prepared:
    import equinox as eqx

    model = eqx.nn.inference_mode(model, True)
    dynamic, static = eqx.partition(model, eqx.is_array)
    weights, names, rebuild = _split_tree(dynamic)

    def call(ws, *args):
        return eqx.combine(rebuild(ws), static)(*args, **input_params)

    call_names = _arg_names(type(model).__call__)
    return Prepared(call, names, weights, call_names[1:] if call_names else None,
                    type(model).__name__, "equinox")


def _prepare_function(fn, input_params) -> Prepared:
    def call(ws, *args):
        return fn(*args, **input_params)

    name = getattr(fn, "__name__", type(fn).__name__)
    return Prepared(call, [], [], _arg_names(fn), name if name != "<lambda>" else "fn", "function")


#: extra adapters registered by other modules: (predicate, prepare) tried first
EXTRA_ADAPTERS: list[tuple[Callable[[Any], bool], Callable[[Any, dict], Prepared]]] = []


def prepare(fn: Any, input_params: dict | None) -> Prepared:
    """Pick the adapter for ``fn`` (only frameworks the user already imported are checked)."""
    if not callable(fn):
        raise TypeError(
            f"fn must be callable (a function, an nnx.Module, a Linen apply closure or "
            f"an eqx.Module), got {type(fn).__name__}"
        )
    if input_params is not None and not isinstance(input_params, dict):
        raise TypeError(f"input_params must be a dict of keyword arguments, got {type(input_params).__name__}")
    params = dict(input_params or {})
    for predicate, adapter in EXTRA_ADAPTERS:
        if predicate(fn):
            return adapter(fn, params)
    if _is_to_nnx(fn):  # before the nnx.Module check: ToNNX is an nnx.Module
        return _prepare_to_nnx(fn, params)
    if "flax.nnx" in sys.modules:
        from flax import nnx

        if isinstance(fn, nnx.Module):
            return _prepare_nnx(fn, params)
    if "equinox" in sys.modules:
        import equinox as eqx

        if isinstance(fn, eqx.Module):
            return _prepare_eqx(fn, params)
    return _prepare_function(fn, params)
