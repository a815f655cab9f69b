"""Apply high-level patches (custom primitives) only while the front end traces.

Patches are declared in :mod:`jax2onnx.plugin.patches`; this context manager
applies those whose target module the user already imported and restores every
original on exit, also on error (including an error while applying).
"""

from __future__ import annotations

import contextlib

__all__ = ["patches_active"]


@contextlib.contextmanager
def patches_active():
    from ..plugin import patches

    applied = []
    try:
        for patch in patches.active_patches():
            applied.append(patch.apply())
        yield
    finally:
        for undo in reversed(applied):
            undo()
