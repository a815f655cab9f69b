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

__all__ = ["PIPELINES", "PACKAGES", "register", "lookup", "registered", "override"]

PIPELINES = ("legacy", "onnx_ir")
#: the package holding each pipeline's family modules
PACKAGES = {"legacy": "jax2onnx.plugins", "onnx_ir": "jax2onnx.plugin2"}

_LOWERINGS: dict[str, dict[str, Callable]] = {p: {} for p in PIPELINES}
_IMPORT_FAILURES: dict[tuple[str, str], str] = {}


def register(pipeline: str, *primitive_names: str):
    """Decorator: register ``fn`` as the ``pipeline`` lowering of each named primitive."""
    if pipeline not in PIPELINES:
        raise ValueError(f"unknown pipeline {pipeline!r}; expected one of {PIPELINES}")

    def deco(fn: Callable) -> Callable:
        for name in primitive_names:
            _LOWERINGS[pipeline][name] = fn
        return fn

    return deco


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
        return "no lowering is known for this primitive in any pipeline"
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
