"""Trace once: user callable + inputs → a :class:`TracedProgram` both pipelines lower."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import ConversionError
from .adapters import prepare
from .inputs import normalize_inputs
from .patching import patches_active
from .state import converting

__all__ = ["TracedProgram", "trace"]

log = logging.getLogger("jax2onnx.frontend")


@dataclass
class TracedProgram:
    """The pipeline-neutral result of the front end.

    ``jaxpr.invars`` = weights (``weight_names``, values in ``weight_values``)
    followed by the user inputs (``input_names``); ``consts`` feed ``constvars``.
    """

    jaxpr: Any
    consts: list
    weight_names: list[str]
    weight_values: list
    input_names: list[str]
    output_names: list[str]
    symbol_origins: dict[str, tuple[int, int]]
    model_name: str
    enable_double_precision: bool
    input_specs: list = field(default_factory=list)
    prepared: Any = None
    trace_seconds: float = 0.0

    @property
    def input_vars(self):
        return self.jaxpr.invars[len(self.weight_names):]

    @property
    def weight_vars(self):
        return self.jaxpr.invars[: len(self.weight_names)]


def _names(kind: str, given, default: list[str], count: int) -> list[str]:
    if given is None:
        return default
    if isinstance(given, str) or not all(isinstance(n, str) and n for n in given):
        raise TypeError(f"{kind} must be a list of non-empty strings, got {given!r}")
    given = list(given)
    if len(given) != count:
        raise ValueError(f"{kind} has {len(given)} names but there are {count} {kind.split('_')[0]}s")
    if len(set(given)) != len(given):
        raise ValueError(f"{kind} must be unique, got {given!r}")
    return given


def _default_input_names(hint, count: int) -> list[str]:
    names: list[str] = []
    hint = list(hint or [])
    for i in range(count):
        n = hint[i] if i < len(hint) and hint[i] else None
        names.append(n if n and n not in names else f"in_{i}")
    return names


def trace(
    fn,
    inputs: Sequence[Any],
    input_params: dict | None = None,
    *,
    model_name: str = "jax_model",
    enable_double_precision: bool = False,
    input_names=None,
    output_names=None,
) -> TracedProgram:
    """Run the front end: adapters, symbolic inputs, patches, ``jax.make_jaxpr``."""
    import jax

    t0 = time.perf_counter()
    prepared = prepare(fn, input_params)
    default_dtype = "float64" if enable_double_precision else "float32"
    with jax.enable_x64(enable_double_precision):
        specs, origins = normalize_inputs(inputs, default_dtype)
        in_names = _names("input_names", input_names, _default_input_names(prepared.arg_names, len(specs)), len(specs))
        weight_specs = [jax.ShapeDtypeStruct(w.shape, w.dtype) for w in prepared.weight_values]
        try:
            with patches_active(), converting():
                closed, out_shape = jax.make_jaxpr(prepared.call, return_shape=True)(weight_specs, *specs)
        except ConversionError:
            raise
        except Exception as e:
            shapes = ", ".join(f"{n}: {s.dtype}[{','.join(map(str, s.shape))}]" for n, s in zip(in_names, specs))
            raise ConversionError(
                "trace",
                f"tracing {prepared.display_name} with inputs ({shapes}) failed: "
                f"{type(e).__name__}: {e}\nCheck that the inputs match what the callable "
                f"expects and that shapes do not depend on concrete values of symbolic dims.",
            ) from e
    n_out = len(closed.jaxpr.outvars)
    out_names = _names("output_names", output_names, [f"out_{i}" for i in range(n_out)], n_out)
    seconds = time.perf_counter() - t0
    log.debug("traced %s: %d eqns in %.3fs", prepared.display_name, len(closed.jaxpr.eqns), seconds)
    return TracedProgram(
        jaxpr=closed.jaxpr,
        consts=list(closed.consts),
        weight_names=list(prepared.weight_names),
        weight_values=list(prepared.weight_values),
        input_names=in_names,
        output_names=out_names,
        symbol_origins=origins,
        model_name=model_name,
        enable_double_precision=enable_double_precision,
        input_specs=specs,
        prepared=prepared,
        trace_seconds=seconds,
    )
