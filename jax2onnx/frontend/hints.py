"""Hints that save a round trip: checks before tracing, and advice added to trace errors.

Before tracing (each a ``TypeError`` that says what to pass instead):

* a module *class* (Flax NNX or Linen, Equinox) passed where an instance belongs;
* JAX tracers leaked from another transformation in ``input_params``.

When tracing fails, :func:`trace_hint` adds advice for causes that are common
and easy to fix: a missing keyword-only argument (``input_params``), a wrong
number of ``inputs``, an unbound Linen module (``apply`` / ``nnx.bridge.ToNNX``),
an NNX module mutating its RNG state in training mode (pass the module itself).
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

__all__ = ["check_callable", "check_input_params", "trace_hint"]


def _module_bases() -> list[tuple[str, type]]:
    bases = []
    if "flax.nnx" in sys.modules:
        from flax import nnx

        bases.append(("an nnx.Module", nnx.Module))
    if "flax.linen" in sys.modules:
        import flax.linen as nn

        bases.append(("a Linen module", nn.Module))
    if "equinox" in sys.modules:
        import equinox as eqx

        bases.append(("an eqx.Module", eqx.Module))
    return bases


def check_callable(fn: Any) -> None:
    """A module class instead of an instance is a TypeError naming the fix."""
    if not isinstance(fn, type):
        return
    for what, base in _module_bases():
        if issubclass(fn, base):
            example = f"{fn.__name__}(..., rngs=nnx.Rngs(0))" if "nnx" in what else f"{fn.__name__}(...)"
            raise TypeError(
                f"fn is the class {fn.__name__} ({what} class), not an instance; construct the model "
                f"first and pass the instance: to_onnx({example}, inputs)"
            )


def check_input_params(params: dict) -> None:
    """Leaked tracers in ``input_params`` are a TypeError naming the key."""
    import jax

    for path, leaf in jax.tree_util.tree_leaves_with_path(params):
        if isinstance(leaf, jax.core.Tracer):
            key = jax.tree_util.keystr(path)
            raise TypeError(
                f"input_params{key} is a JAX tracer ({type(leaf).__name__}) leaked from another "
                f"transformation (jit, grad, vmap, scan); input_params take concrete values: "
                f"Python scalars, strings, numpy or JAX arrays computed outside any transformation"
            )


def _signature_hint(target: Any, n_inputs: int, params: dict) -> str:
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return ""
    try:
        sig.bind(*range(n_inputs), **params)
    except TypeError:
        pass
    else:
        return ""
    ps = list(sig.parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in ps) and any(p.kind is p.VAR_POSITIONAL for p in ps):
        return ""
    missing_kw = [p.name for p in ps if p.kind is p.KEYWORD_ONLY and p.default is p.empty and p.name not in params]
    if missing_kw:
        example = ", ".join(f"{n!r}: ..." for n in missing_kw)
        return (f"Hint: the keyword-only argument(s) {missing_kw} have no default; pass them with "
                f"input_params={{{example}}} (inputs holds one item per positional argument).")
    positional = [p for p in ps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty and p.name not in params]
    if not any(p.kind is p.VAR_POSITIONAL for p in ps) and (n_inputs < len(required) or n_inputs > len(positional)):
        return (f"Hint: inputs has {n_inputs} item(s) but the callable takes {len(required)}"
                + (f" to {len(positional)}" if len(positional) != len(required) else "")
                + f" positional argument(s) ({', '.join(p.name for p in positional)}); give one inputs item "
                f"per positional argument and keyword arguments with input_params.")
    return ""


def _is_unbound_linen(fn: Any) -> bool:
    if "flax.linen" not in sys.modules:
        return False
    import flax.linen as nn

    return isinstance(fn, nn.Module) and getattr(fn, "scope", None) is None


def trace_hint(fn: Any, exc: BaseException, n_inputs: int, params: dict) -> str:
    """Advice for a failed trace of ``fn`` ('' when none applies)."""
    name = type(exc).__name__
    if _is_unbound_linen(fn):
        return ("Hint: this Linen module is unbound (it has no variables). Convert its apply "
                "with the variables: to_onnx(lambda x: module.apply(variables, x), inputs), or wrap it: "
                "to_onnx(nnx.bridge.ToNNX(module, rngs=nnx.Rngs(0)).lazy_init(sample_x), inputs).")
    if name == "TraceContextError" or ("RngCount" in str(exc) or "RngKey" in str(exc)) and "mutate" in str(exc):
        return ("Hint: the callable mutates NNX state while being traced (e.g. Dropout drawing from its "
                "Rngs in training mode). Pass the module itself, to_onnx(model, inputs), which converts a "
                "copy in inference mode, or call model.eval() before converting a function that uses it.")
    if isinstance(exc, TypeError):
        return _signature_hint(fn, n_inputs, params)
    return ""
