"""Apply high-level patches (custom primitives) only while the front end traces.

Patches are declared in :mod:`jax2onnx.plugin.patches`; this context manager
applies those whose target module the user already imported and restores every
original on exit, also on error (including an error while applying). Patches
are process-global, so concurrent conversions share one application (reference
counted); code outside a conversion is never intercepted because the
replacements check the context-local "converting" state.

``jax.jit`` caches traces per function; a trace made while patches are active
holds custom primitives. So that such a trace is never reused outside a
conversion (nor an outside trace inside one), a JAX trace-context flag is set
while patches are active: it is part of JAX's jit cache key. Should that JAX
API be unavailable, JAX's caches are cleared on exit instead.
"""

from __future__ import annotations

import contextlib
import logging
import threading

__all__ = ["patches_active"]

log = logging.getLogger("jax2onnx.frontend")

_TRACE_FLAG = None  # a jax config State in the jit key, created on first use
_FLAG_FAILED = False


def _trace_flag():
    global _TRACE_FLAG, _FLAG_FAILED
    if _TRACE_FLAG is None and not _FLAG_FAILED:
        try:
            from jax._src import config as jax_config

            _TRACE_FLAG = jax_config.bool_state(
                "jax2onnx_patches_active", False,
                help="internal to jax2onnx: high-level patches are active (separates jit caches)",
                include_in_jit_key=True, include_in_trace_context=True,
            )
        except Exception as e:  # private JAX API moved: fall back to clearing caches
            _FLAG_FAILED = True
            log.debug("no JAX trace-context flag (%s); clearing caches after conversions", e)
    return _TRACE_FLAG


# Patches are process-global: concurrent or nested conversions share one set, applied
# by the first entrant and undone by the last one to leave (never interleaved undo).
_LOCK = threading.Lock()
_STATE = {"depth": 0, "undo": [], "applied": set()}


def _enter(patches) -> None:
    with _LOCK:
        _STATE["depth"] += 1
        try:
            for patch in patches.active_patches():
                if id(patch) not in _STATE["applied"]:
                    _STATE["undo"].append(patch.apply())
                    _STATE["applied"].add(id(patch))
        except BaseException:
            _leave_locked()
            raise


def _leave_locked() -> bool:
    _STATE["depth"] -= 1
    if _STATE["depth"] > 0:
        return False
    undo, _STATE["undo"] = _STATE["undo"], []
    _STATE["applied"].clear()
    for fn in reversed(undo):
        fn()
    return bool(undo)


@contextlib.contextmanager
def patches_active():
    from ..plugin import patches

    flag = _trace_flag()
    with contextlib.ExitStack() as stack:
        if flag is not None:
            stack.enter_context(flag(True))
        _enter(patches)
        try:
            yield
        finally:
            with _LOCK:
                undone = _leave_locked()
            if flag is None and undone:
                import jax

                jax.clear_caches()
