"""Lowering registry for both pipelines: register by primitive name, look up lazily.

A lookup never raises on a miss; it returns the lowering or a reason string.

>>> from jax2onnx.plugin.registry import lookup
>>> callable(lookup("onnx_ir", "add"))
True
"""

from __future__ import annotations

import contextlib
import importlib
from typing import Callable

from .index import FAMILY_OF

__all__ = ["PIPELINES", "PACKAGES", "register", "register_complex", "lookup", "lookup_eqn", "eqn_has_complex",
           "registered", "override"]

PIPELINES = ("legacy", "onnx_ir")
#: the package holding each pipeline's family modules
PACKAGES = {"legacy": "jax2onnx.plugins", "onnx_ir": "jax2onnx.plugin2"}

_LOWERINGS: dict[str, dict[str, Callable]] = {p: {} for p in PIPELINES}
_IMPORT_FAILURES: dict[tuple[str, str], str] = {}
#: lowerings of equations with a complex operand or result (onnx_ir only; see plugin/complex_repr.py)
_COMPLEX_LOWERINGS: dict[str, Callable] = {}
#: the family module holding the complex lowerings of the ordinary primitives
COMPLEX_FAMILY = "complex"


def register(pipeline: str, *primitive_names: str):
    """Decorator: register ``fn`` as the ``pipeline`` lowering of each named primitive."""
    if pipeline not in PIPELINES:
        raise ValueError(f"unknown pipeline {pipeline!r}; expected one of {PIPELINES}")

    def deco(fn: Callable) -> Callable:
        for name in primitive_names:
            _LOWERINGS[pipeline][name] = fn
        return fn

    return deco


def register_complex(*primitive_names: str):
    """Decorator: register ``fn`` as the onnx_ir lowering of each primitive when an operand
    or a result is complex (values then are carriers with a trailing (re, im) axis)."""

    def deco(fn: Callable) -> Callable:
        for name in primitive_names:
            _COMPLEX_LOWERINGS[name] = fn
        return fn

    return deco


def eqn_has_complex(eqn) -> bool:
    """True when an operand or a result of ``eqn`` is complex (per equation: kept cheap)."""
    for vs in (eqn.invars, eqn.outvars):
        for v in vs:
            if getattr(getattr(getattr(v, "aval", None), "dtype", None), "kind", None) == "c":
                return True
    return False


def component_of(primitive: str):
    """The declared custom component whose primitive is named ``primitive`` (or None)."""
    from .custom import components

    for comp in components().values():
        if comp.name == primitive or getattr(comp.primitive, "name", None) == primitive:
            return comp
    return None


def lookup_eqn(pipeline: str, eqn) -> Callable | str:
    """The lowering for one equation: as :func:`lookup`, but an equation with a complex
    operand or result needs a complex-aware lowering (never a silent narrowing)."""
    if not eqn_has_complex(eqn):
        return lookup(pipeline, eqn.primitive.name)
    if pipeline != "onnx_ir":
        return ("complex numbers are not supported by the legacy pipeline (frozen after the flip); "
                "convert with use_onnx_ir=True")
    prim = eqn.primitive.name
    if prim not in _COMPLEX_LOWERINGS:
        _load_family(pipeline, COMPLEX_FAMILY)
        if FAMILY_OF.get(prim):
            _load_family(pipeline, FAMILY_OF[prim])
    if prim in _COMPLEX_LOWERINGS:
        return _COMPLEX_LOWERINGS[prim]
    if component_of(prim) is not None and "<component>" in _COMPLEX_LOWERINGS:
        return _COMPLEX_LOWERINGS["<component>"]  # lowered through its JAX decomposition
    return ("no lowering for complex operands yet (complex values are carried as (re, im) "
            "float pairs, see docs/complex.md); rewrite with jnp.real/jnp.imag parts")


def _load_family(pipeline: str, family: str) -> None:
    key = (pipeline, family)
    if key in _IMPORT_FAILURES:
        return
    try:
        importlib.import_module(f"{PACKAGES[pipeline]}.{family}")
    except ModuleNotFoundError as e:
        if e.name != f"{PACKAGES[pipeline]}.{family}":
            raise
        _IMPORT_FAILURES[key] = f"no module {PACKAGES[pipeline]}.{family}"


def lookup(pipeline: str, primitive: str) -> Callable | str:
    """The lowering of ``primitive`` in ``pipeline``, or a reason why there is none."""
    table = _LOWERINGS[pipeline]
    if primitive in table:
        return table[primitive]
    family = FAMILY_OF.get(primitive)
    if family is None:
        from .unsupported import reason_for

        return reason_for(primitive) or "no lowering is known for this primitive in any pipeline"
    _load_family(pipeline, family)
    if primitive in table:
        return table[primitive]
    return (
        f"the '{family}' family of the {pipeline} pipeline has no lowering for it yet"
    )


def registered(pipeline: str) -> dict[str, Callable]:
    """Every lowering of ``pipeline`` after importing all its families (for policy tests)."""
    for family in sorted(set(FAMILY_OF.values())):
        _load_family(pipeline, family)
    return dict(_LOWERINGS[pipeline])


@contextlib.contextmanager
def override(pipeline: str, primitive: str, fn: Callable):
    """Temporarily replace one lowering (fault-injection tests); always restored."""
    lookup(pipeline, primitive)  # make sure the family is loaded first
    table = _LOWERINGS[pipeline]
    missing = object()
    previous = table.get(primitive, missing)
    table[primitive] = fn
    try:
        yield
    finally:
        if previous is missing:
            table.pop(primitive, None)
        else:
            table[primitive] = previous
