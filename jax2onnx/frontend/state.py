"""Whether the front end is tracing for ``to_onnx`` right now (context-local)."""

from __future__ import annotations

import contextlib
import contextvars

__all__ = ["converting", "is_converting"]

_CONVERTING = contextvars.ContextVar("jax2onnx_converting", default=False)


def is_converting() -> bool:
    return _CONVERTING.get()


@contextlib.contextmanager
def converting():
    token = _CONVERTING.set(True)
    try:
        yield
    finally:
        _CONVERTING.reset(token)
