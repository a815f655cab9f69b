"""High-level patches: replace a user-facing callable by one binding a custom primitive.

A :class:`Patch` names a target (module path + attribute, or class + method) and
a ``make(original) -> replacement`` factory. Patches are only applied by
:func:`jax2onnx.frontend.patching.patches_active`, and only when the target's
module is already imported (so converting a plain function never imports Flax).

Component declarations (:mod:`jax2onnx.plugin.custom`) live in modules listed in
:data:`DECLARATIONS`, keyed by the module their targets belong to; they are
imported on the first conversion after that module was imported by the user.
"""

from __future__ import annotations

import functools
import importlib
import logging
import sys
from dataclasses import dataclass
from typing import Callable

__all__ = ["Patch", "EntryPatch", "register_patch", "register_entry_patch", "active_patches", "PATCHES",
           "DECLARATIONS", "REEXPORTS", "REGISTRIES"]

log = logging.getLogger("jax2onnx.frontend")

#: target module -> declaration modules to import when the target module is loaded
DECLARATIONS: dict[str, tuple[str, ...]] = {
    "jax.numpy": ("jax2onnx.plugin.components.jnp",),
    "jax.nn": ("jax2onnx.plugin.components.nn",),
    "flax.nnx": ("jax2onnx.plugin.components.nnx",),
    "flax.linen": ("jax2onnx.plugin.components.linen",),
    "equinox": ("jax2onnx.plugin.components.eqx",),
    "keras.src.ops.nn": ("jax2onnx.plugin.components.keras",),
}

#: modules that re-export another module's functions under the same names; a
#: component targeting ``jax.nn.gelu`` is also patched at ``flax.nnx.gelu`` (the
#: re-export binds the function object at import, so patching ``jax.nn`` alone
#: would miss ``nnx.gelu(x)``), but only while it is the very same object
REEXPORTS: dict[str, tuple[str, ...]] = {
    "jax.nn": ("flax.nnx", "flax.linen"),
}

#: mappings (``module:attribute``) in libraries that hold a component's function, or a
#: ``functools.partial`` of it, looked up at call time: Hugging Face's Flax models take
#: their activations from ``ACT2FN`` (``"gelu": partial(jax.nn.gelu, approximate=False)``),
#: which no module-attribute patch reaches. Their entries are swapped in place while
#: patches are active (:class:`EntryPatch`).
REGISTRIES: dict[str, tuple[str, ...]] = {
    "jax.nn": ("transformers.modeling_flax_utils:ACT2FN",),
}

_MISSING = object()


@dataclass
class Patch:
    module: str  # importable module path holding the target
    attribute: str  # "concatenate" or "Linear.__call__"
    make: Callable[[Callable], Callable]
    component: str = ""
    only_if: object = None  # patch only while the target is this object (re-exports)

    def apply(self) -> Callable[[], None]:
        """Install the replacement; returns the undo function (restores exactly)."""
        owner = importlib.import_module(self.module)
        *parents, leaf = self.attribute.split(".")
        for p in parents:
            owner = getattr(owner, p)
        # a class attribute may be inherited: remember whether it was the owner's own
        own = owner.__dict__.get(leaf, _MISSING) if isinstance(owner, type) else _MISSING
        original = own if own is not _MISSING else getattr(owner, leaf, _MISSING)
        if self.only_if is not None and original is not self.only_if:
            return lambda: None  # a re-export that now names something else: leave it
        if original is _MISSING:
            raise AttributeError(f"cannot patch {self.module}.{self.attribute}: no such attribute")
        setattr(owner, leaf, self.make(original))

        def undo():
            if isinstance(owner, type) and own is _MISSING:
                delattr(owner, leaf)
            else:
                setattr(owner, leaf, original)

        return undo


@dataclass
class EntryPatch:
    """Swap, in place, the entries of a mapping that are ``original`` or a partial of it."""

    module: str
    attribute: str  # the mapping's attribute path in ``module``
    make: Callable[[Callable], Callable]
    component: str = ""
    original: object = None

    def apply(self) -> Callable[[], None]:
        owner = importlib.import_module(self.module)
        for part in self.attribute.split("."):
            owner = getattr(owner, part)
        saved = {}
        for key, value in list(owner.items()):
            if value is self.original:
                saved[key], owner[key] = value, self.make(self.original)
            elif isinstance(value, functools.partial) and value.func is self.original:
                saved[key] = value
                owner[key] = functools.partial(self.make(self.original), *value.args, **value.keywords)

        def undo():
            owner.update(saved)

        return undo


PATCHES: list[Patch | EntryPatch] = []


def register_patch(module: str, attribute: str, make: Callable, component: str = "",
                   only_if: object = None) -> Patch:
    patch = Patch(module, attribute, make, component, only_if)
    PATCHES.append(patch)
    return patch


def register_entry_patch(registry: str, make: Callable, component: str, original: object) -> EntryPatch:
    """Register an :class:`EntryPatch` for ``registry`` (``"module:attribute"``)."""
    module, attribute = registry.split(":")
    patch = EntryPatch(module, attribute, make, component, original)
    PATCHES.append(patch)
    return patch


def _import_declarations() -> None:
    for target_module, decl_modules in DECLARATIONS.items():
        if target_module not in sys.modules:
            continue
        for decl in decl_modules:
            if decl not in sys.modules:
                importlib.import_module(decl)


def active_patches() -> list[Patch]:
    """Registered patches whose target module the user has already imported.

    Imports the declaration modules of the imported target modules first.
    """
    _import_declarations()
    return [p for p in PATCHES if p.module in sys.modules]
