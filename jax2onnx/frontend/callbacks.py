"""Host callbacks cannot run inside an ONNX model: drop the harmless ones, refuse the rest.

Dropped, with one logged warning naming each site: ``jax.debug.print``
(``debug_print``) and Equinox runtime checks (``eqx.error_if`` /
``eqx.branched_error_if``, whose error branch calls ``pure_callback``; diffrax uses
them). A dropped check's error branch yields NaN (integers: their maximum), as
Equinox does where a runtime cannot raise. Every other ``pure_callback``,
``io_callback`` or ``debug_callback`` is an ``UnsupportedPrimitiveError`` that
names the callback's Python function and the user's source line.
"""

from __future__ import annotations

import functools
import logging

from ..errors import UnsupportedPrimitiveError, UnsupportedSite
from .source import type_str

__all__ = ["CALLBACK_PRIMITIVES", "callback_function", "is_dropped", "check_callbacks"]

log = logging.getLogger("jax2onnx.frontend")

CALLBACK_PRIMITIVES = ("pure_callback", "io_callback", "debug_callback", "debug_print")
_EQX_ERRORS = "equinox._errors"


def callback_function(eqn):
    """The user's Python function behind a callback eqn (None for ``debug_print``)."""
    fn = eqn.params.get("callback")
    for _ in range(8):  # unwrap jax's flat-callback wrappers and partials
        if fn is None:
            return None
        if hasattr(fn, "callback_func"):
            fn = fn.callback_func
        elif isinstance(fn, functools.partial):
            fn = fn.func
        elif getattr(fn, "__module__", "").startswith("jax._src") and getattr(fn, "__closure__", None):
            inner = [c.cell_contents for c in fn.__closure__
                     if callable(getattr(c, "cell_contents", None))]
            if not inner:
                return fn
            fn = inner[0]
        else:
            return fn
    return fn


def describe(fn) -> str:
    if fn is None:
        return "<unknown>"
    mod = getattr(fn, "__module__", None) or "?"
    return f"{mod}.{getattr(fn, '__qualname__', getattr(fn, '__name__', repr(fn)))}"


def is_dropped(eqn) -> str | None:
    """What a dropped callback eqn was ("jax.debug.print", "eqx.error_if"), or None."""
    name = eqn.primitive.name
    if name == "debug_print":
        return "jax.debug.print"
    if name == "pure_callback":
        fn = callback_function(eqn)
        if getattr(fn, "__module__", "") == _EQX_ERRORS:
            return "eqx.error_if"
    return None


def check_callbacks(eqns) -> None:
    """Log one warning for the dropped callbacks; raise for the others (all at once).

    ``eqns`` yields ``(eqn, user source line)`` pairs (``iter_eqns_with_source``)."""
    dropped: dict[tuple[str, str], int] = {}
    refused: list[UnsupportedSite] = []
    for eqn, src in eqns:
        if eqn.primitive.name not in CALLBACK_PRIMITIVES:
            continue
        kind = is_dropped(eqn)
        if kind is not None:
            dropped[(kind, src)] = dropped.get((kind, src), 0) + 1
            continue
        fn = callback_function(eqn)
        refused.append(UnsupportedSite(
            eqn.primitive.name,
            f"the host callback {describe(fn)} cannot run inside an ONNX model; compute it "
            f"outside the model (or pass its result in as an input)",
            tuple(type_str(v.aval) for v in eqn.invars), src))
    if refused:
        raise UnsupportedPrimitiveError("jax2onnx (either)", refused)
    if dropped:
        # eqx.error_if emits two callbacks per check (raise, then dummy values): one site
        sites = "; ".join(f"{kind} at {src or '<unknown source>'}" for kind, src in dropped)
        log.warning("dropped %d host callback site(s) that cannot run inside ONNX (a failing "
                    "check yields NaN instead of raising): %s", len(dropped), sites)
