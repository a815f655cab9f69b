"""Trace once: user callable + inputs → a :class:`TracedProgram` both pipelines lower."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import ConversionError
from .adapters import prepare
from .callbacks import check_callbacks
from .hints import check_callable, check_input_params, trace_hint
from .inputs import normalize_inputs
from .names import check_user_names, resolve_names
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


class _NoArrayOutput(ValueError):
    """The callable returned no array (None, an empty tuple, ...)."""


class _NonArrayOutput(TypeError):
    """The callable returned something that is not an array (a str, an object, ...)."""


_SCALARS = (bool, int, float, complex)


def _checked_outputs(call):
    """``call`` that raises a clear error when its result holds no array or a non-array."""
    import jax
    import numpy as np

    def run(ws, *args):
        out = call(ws, *args)
        leaves = jax.tree_util.tree_leaves_with_path(out)
        for path, leaf in leaves:
            if not isinstance(leaf, (jax.Array, np.ndarray, np.generic) + _SCALARS):
                where = f"output{jax.tree_util.keystr(path)}" if path else "the output"
                raise _NonArrayOutput(
                    f"{where} is a {type(leaf).__name__} ({leaf!r:.60}); the callable must return arrays, "
                    f"Python numbers, or a tuple/list/dict of them"
                )
        if not leaves:
            raise _NoArrayOutput(
                f"the callable returned {out!r:.60}, which holds no array; an ONNX model needs at least "
                f"one output: return an array, a Python number, or a tuple/list/dict of them"
            )
        return out

    return run


def _as_traced(values, variables) -> list:
    """``values`` converted to the dtypes the jaxpr gives their variables.

    With x64 off, JAX computes float64/int64 weights and constants in 32 bits;
    the initializers must then be 32-bit too (a float64 initializer feeding a
    float32 op is an invalid model). Only mismatching arrays are copied.
    """
    import numpy as np

    out = []
    for v, var in zip(values, variables):
        want = getattr(getattr(var, "aval", None), "dtype", None)
        have = getattr(v, "dtype", None)
        try:  # extended dtypes (PRNG keys) are not numpy dtypes: never converted here
            differs = want is not None and have is not None and np.dtype(have) != np.dtype(want)
        except TypeError:
            differs = False
        if differs:
            v = np.asarray(v).astype(want)
        out.append(v)
    out.extend(values[len(out):])
    return out


def _consts_as_weights(closed, prepared):
    """Turn the jaxpr constants that are concrete module state into named weights.

    The constants become leading inputs of the jaxpr (JAX's own
    ``convert_constvars_jaxpr``) and join the weights, named after the state they
    hold (``inv_freq``: the state itself or an exact copy); other constants computed
    from them are named ``const_<i>``.
    """
    import jax.extend.core as jex
    import numpy as np
    from jax._src.interpreters import partial_eval as pe  # pinned jax; not public

    def name_of(i, c):
        for name, arr in prepared.concrete_arrays:
            if c is arr or (np.shape(c) == np.shape(arr) and np.asarray(c).dtype == np.asarray(arr).dtype
                            and np.array_equal(np.asarray(c), np.asarray(arr))):
                return name
        return f"const_{i}"

    names = [name_of(i, c) for i, c in enumerate(closed.consts)]
    taken = set(prepared.weight_names)
    names = [n if n not in taken and names.index(n) == i else f"{n}_{i}" for i, n in enumerate(names)]
    jaxpr = pe.convert_constvars_jaxpr(closed.jaxpr)
    prepared.weight_names = names + list(prepared.weight_names)
    prepared.weight_values = list(closed.consts) + list(prepared.weight_values)
    return jex.ClosedJaxpr(jaxpr, [])


def drop_dead_code(jaxpr):
    """JAX's own dead-code elimination (recursive through calls, cond, while, scan).

    Every output is kept and every input stays (the model's signature does not
    change); equations whose results nothing uses are dropped unless they have an
    effect JAX keeps (ordered callbacks, state), so e.g. a dead ``random.split`` in a
    Linen RNN's carry initialisation never reaches a lowering.
    """
    from jax._src.interpreters import partial_eval as pe  # pinned jax; its DCE is not public

    new, _ = pe.dce_jaxpr(jaxpr, [True] * len(jaxpr.outvars), instantiate=True)
    return new


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
    check_callable(fn)
    prepared = prepare(fn, input_params)
    check_input_params(call_params := dict(input_params or {}))
    default_dtype = "float64" if enable_double_precision else "float32"
    input_names, output_names = check_user_names(input_names, output_names)
    with jax.enable_x64(enable_double_precision):
        specs, origins = normalize_inputs(inputs, default_dtype, enable_double_precision)
        in_names, _ = resolve_names(input_names, None, prepared.arg_names, len(specs), 0)
        weight_specs = [jax.ShapeDtypeStruct(w.shape, w.dtype) for w in prepared.weight_values]
        try:
            try:
                with patches_active(), converting():
                    closed, out_shape = jax.make_jaxpr(_checked_outputs(prepared.call), return_shape=True)(
                        weight_specs, *specs)
            except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
                if prepared.concrete_state is None:
                    raise
                # user code reads module state with numpy: keep the non-parameter state concrete
                prepared = prepared.concrete_state()
                weight_specs = [jax.ShapeDtypeStruct(w.shape, w.dtype) for w in prepared.weight_values]
                with patches_active(), converting():
                    closed, out_shape = jax.make_jaxpr(_checked_outputs(prepared.call), return_shape=True)(
                        weight_specs, *specs)
                closed = _consts_as_weights(closed, prepared)
        except ConversionError:
            raise
        except _NoArrayOutput as e:
            raise ValueError(str(e)) from None
        except _NonArrayOutput as e:
            raise TypeError(str(e)) from None
        except Exception as e:
            shapes = ", ".join(f"{n}: {s.dtype}[{','.join(map(str, s.shape))}]" for n, s in zip(in_names, specs))
            hint = trace_hint(fn, e, len(specs), call_params)
            raise ConversionError(
                "trace",
                f"tracing {prepared.display_name} with inputs ({shapes}) failed: "
                f"{type(e).__name__}: {e}\n"
                + (hint or "Check that the inputs match what the callable "
                   "expects and that shapes do not depend on concrete values of symbolic dims."),
            ) from e
    from ..plugin.jaxpr_utils import iter_eqns_with_source  # local: plugin imports the front end

    jaxpr = drop_dead_code(closed.jaxpr)
    check_callbacks(iter_eqns_with_source(jaxpr))
    n_out = len(jaxpr.outvars)
    in_names, out_names = resolve_names(input_names, output_names, prepared.arg_names, len(specs), n_out)
    weights = _as_traced(prepared.weight_values, jaxpr.invars[: len(prepared.weight_values)])
    consts = _as_traced(closed.consts, jaxpr.constvars)
    seconds = time.perf_counter() - t0
    log.debug("traced %s: %d eqns in %.3fs", prepared.display_name, len(jaxpr.eqns), seconds)
    return TracedProgram(
        jaxpr=jaxpr,
        consts=consts,
        weight_names=list(prepared.weight_names),
        weight_values=weights,
        input_names=in_names,
        output_names=out_names,
        symbol_origins=origins,
        model_name=model_name,
        enable_double_precision=enable_double_precision,
        input_specs=specs,
        prepared=prepared,
        trace_seconds=seconds,
    )
