"""``@onnx_function``: keep a callable's structure as a reusable ONNX function.

>>> from jax2onnx import onnx_function
>>> @onnx_function
... def block(x):
...     return x * 2.0
>>> float(block(1.5))   # outside to_onnx nothing changes
3.0

Inside ``to_onnx`` each call is traced as a named ``jit`` whose body both
pipelines lower into one ONNX ``FunctionProto`` per distinct (callable, input
types, body) and a call node per use.

**Weights are passed as function inputs**, not baked in: a module's arrays are
traced values of the front end, so JAX lifts them into explicit inputs of the
call. Two instances of the same class and configuration therefore share ONE
function definition, each call feeding its own weights. Constants captured from
plain Python/numpy values are passed as extra inputs too. Calls whose bodies
differ (another configuration, other shapes) get distinct functions named
``Name``, ``Name_1``, ….
"""

from __future__ import annotations

import functools
import inspect
import itertools
from dataclasses import dataclass

__all__ = ["onnx_function", "FunctionSpec", "spec_for", "DEFAULT_DOMAIN"]

DEFAULT_DOMAIN = "jax2onnx.functions"
_MARKER_PREFIX = "onnxfn__"
_COUNTER = itertools.count()
_SPECS: dict[str, "FunctionSpec"] = {}


@dataclass(frozen=True)
class FunctionSpec:
    marker: str  # the jit name that identifies calls in the jaxpr
    name: str  # the ONNX function name
    domain: str


def spec_for(jit_name: str) -> FunctionSpec | None:
    """The spec of a decorated callable from the ``name`` param of a ``jit`` eqn."""
    return _SPECS.get(jit_name) if jit_name.startswith(_MARKER_PREFIX) else None


def _new_spec(name: str, domain: str) -> FunctionSpec:
    if not isinstance(domain, str) or not domain:
        raise ValueError(f"onnx_function domain must be a non-empty string, got {domain!r}")
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "fn"
    spec = FunctionSpec(f"{_MARKER_PREFIX}{safe}__{next(_COUNTER)}", safe, domain)
    _SPECS[spec.marker] = spec
    return spec


def _is_array(x) -> bool:
    import jax
    import numpy as np

    return isinstance(x, (jax.Array, np.ndarray, np.generic)) or hasattr(x, "aval")


def _traced_call(spec: FunctionSpec, call, args, kwargs):
    """Call through a named jit so the jaxpr keeps the call as one eqn."""
    import jax

    from .frontend.state import is_converting

    if not is_converting():
        return call(*args, **kwargs)
    dynamic = [i for i, a in enumerate(args) if _is_array(a)]

    def body(*arrays):
        full = list(args)
        for i, a in zip(dynamic, arrays):
            full[i] = a
        return call(*full, **kwargs)  # non-array arguments and kwargs are static config

    body.__name__ = spec.marker
    return jax.jit(body)(*[args[i] for i in dynamic])


def onnx_function(target=None, *, name: str | None = None, domain: str = DEFAULT_DOMAIN):
    """Decorate a class (its ``__call__``), a function, or an instance.

    ``name`` defaults to the class or function name; ``domain`` is the ONNX
    domain of the generated functions.
    """
    if target is None:
        return functools.partial(onnx_function, name=name, domain=domain)
    if isinstance(target, type):
        spec = _new_spec(name or target.__name__, domain)
        original = target.__call__

        @functools.wraps(original)
        def __call__(self, *args, **kwargs):
            return _traced_call(spec, lambda *a, **k: original(self, *a, **k), args, kwargs)

        target.__call__ = __call__
        return target
    if inspect.isfunction(target) or inspect.ismethod(target) or inspect.isbuiltin(target):
        spec = _new_spec(name or target.__name__, domain)

        @functools.wraps(target)
        def wrapper(*args, **kwargs):
            return _traced_call(spec, target, args, kwargs)

        return wrapper
    if callable(target):  # an instance: give it a subclass whose __call__ is marked
        cls = type(target)
        spec = _new_spec(name or cls.__name__, domain)
        original = cls.__call__

        def __call__(self, *args, **kwargs):
            return _traced_call(spec, lambda *a, **k: original(self, *a, **k), args, kwargs)

        sub = type(cls.__name__, (cls,), {"__call__": __call__, "__module__": cls.__module__})
        object.__setattr__(target, "__class__", sub)
        return target
    raise TypeError(f"onnx_function decorates a class, a function or a callable instance, got {target!r}")
