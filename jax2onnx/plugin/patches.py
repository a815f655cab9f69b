"""High-level patches: replace a user-facing callable by one binding a custom primitive.

A :class:`Patch` names a target (module path + attribute, or class + method) and
a ``make(original) -> replacement`` factory. Patches are only applied by
:func:`jax2onnx.frontend.patching.patches_active`, and only when the target's
module is already imported (so converting a plain function never imports Flax).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import Callable

__all__ = ["Patch", "register_patch", "active_patches", "PATCHES"]


@dataclass
class Patch:
    module: str  # importable module path holding the target
    attribute: str  # "concatenate" or "Linear.__call__"
    make: Callable[[Callable], Callable]
    component: str = ""

    def apply(self) -> Callable[[], None]:
        owner = importlib.import_module(self.module)
        *parents, leaf = self.attribute.split(".")
        for p in parents:
            owner = getattr(owner, p)
        original = owner.__dict__[leaf] if isinstance(owner, type) and leaf in owner.__dict__ else getattr(owner, leaf)
        setattr(owner, leaf, self.make(original))

        def undo():
            setattr(owner, leaf, original)

        return undo


PATCHES: list[Patch] = []


def register_patch(module: str, attribute: str, make: Callable, component: str = "") -> Patch:
    patch = Patch(module, attribute, make, component)
    PATCHES.append(patch)
    return patch


def active_patches() -> list[Patch]:
    """Registered patches whose target module the user has already imported."""
    return [p for p in PATCHES if p.module in sys.modules]
