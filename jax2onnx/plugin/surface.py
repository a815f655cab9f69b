"""The primitive surface of the installed libraries, enumerated from the libraries.

Every :class:`jax.extend.core.Primitive` instance reachable as a module attribute
of the imported ``jax``, ``equinox`` and ``flax`` modules, plus every primitive key
of JAX's own rule tables (StableHLO lowerings, JVP, transpose, batching rules).
Nothing here is a hand list of names: a new JAX release brings its new
primitives into :func:`installed_primitives` by itself, and the policy test
(``tests/test_primitive_coverage.py``) then asks for a lowering or a declaration
in :mod:`jax2onnx.plugin.unsupported`.

>>> prims = enumerate_here()
>>> prims["add"], prims["unvmap_any"]
('jax', 'equinox')
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["installed_primitives", "IMPORTED_MODULES", "NOT_IN_OLDEST_JAX"]

#: the public entry points whose import defines the surface users can reach
IMPORTED_MODULES = (
    "jax", "jax.lax", "jax.lax.linalg", "jax.numpy", "jax.numpy.fft", "jax.numpy.linalg",
    "jax.random", "jax.nn", "jax.image", "jax.scipy.special", "jax.scipy.linalg",
    "jax.scipy.signal", "jax.scipy.stats", "jax.experimental.checkify", "jax.export",
    "jax.ffi", "jax.extend.core",
    "equinox", "equinox.internal",
    "flax.nnx", "flax.linen",
)

_LIBRARIES = ("jax", "equinox", "flax")

#: primitives the onnx_ir pipeline lowers that the oldest supported JAX (constraints/oldest.txt)
#: does not define yet, with what that JAX does instead (docs/dependencies.md). The surface is
#: always the installed one: there these are simply absent, and the primitives an older JAX has
#: instead are declared in :mod:`jax2onnx.plugin.unsupported` like any other.
NOT_IN_OLDEST_JAX = {
    "ormqr": "no ormqr primitive, no jax.scipy.linalg.qr_multiply (their catalog cases skip)",
    "tile": "jnp.tile traces to reshape + broadcast_in_dim + reshape; no lax.tile (its catalog case skips)",
    "stack": "jnp.stack traces to broadcast_in_dim + concatenate",
    "unstack": "jnp.unstack traces to split + squeeze",
}


def _library_of(module_name: str) -> str | None:
    root = module_name.split(".", 1)[0]
    return root if root in _LIBRARIES else None


def installed_primitives() -> dict[str, str]:
    """``{primitive name: library}`` for every primitive the installed libraries register.

    Enumerated in a fresh interpreter (cached per process), so what else the calling
    process imported (a test importing ``jax.experimental.pallas``, diffrax
    registering its own primitives) does not change the answer.
    """
    global _CACHE
    if _CACHE is None:
        import json
        import os
        import subprocess

        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        # ``-m`` from the package's parent directory imports this same jax2onnx
        out = subprocess.run([sys.executable, "-m", "jax2onnx.plugin.surface"], check=True,
                             capture_output=True, text=True, cwd=root).stdout
        _CACHE = json.loads(out.strip().splitlines()[-1])
    return dict(_CACHE)


_CACHE: dict[str, str] | None = None


def enumerate_here() -> dict[str, str]:
    """The enumeration in this process (what :func:`installed_primitives` runs).

    The library is the top-level package of the first module (in sorted order) that
    holds the primitive, so a JAX primitive re-exported by Equinox stays ``"jax"``.
    """
    from jax._src import core
    from jax._src.interpreters import ad, batching, mlir

    for name in IMPORTED_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional library (equinox, flax) is not installed
            continue
    found: dict[str, str] = {}
    for mod_name in sorted(sys.modules):
        lib = _library_of(mod_name)
        mod = sys.modules[mod_name]
        if lib is None or mod is None:
            continue
        try:
            attrs = list(vars(mod).values())
        except TypeError:
            continue
        for value in attrs:
            if isinstance(value, core.Primitive):
                prev = found.get(value.name)
                if prev is None or (prev != "jax" and lib == "jax"):
                    found[value.name] = lib
    # older JAX keeps most batching rules in a plain primitive_batchers dict (newer: a write-only proxy)
    batchers = [t for t in (getattr(batching, "fancy_primitive_batchers", None), batching.primitive_batchers)
                if isinstance(t, dict)]
    tables = [mlir._lowerings, ad.primitive_jvps, ad.primitive_transposes,
              *batchers, *mlir._platform_specific_lowerings.values()]
    for table in tables:
        for prim in list(table):
            if isinstance(prim, core.Primitive) and prim.name not in found:
                found[prim.name] = _library_of(type(prim).__module__) or "jax"
    return dict(sorted(found.items()))


if __name__ == "__main__":
    import json

    print(json.dumps(enumerate_here()))
