"""Where in the user's code an equation came from."""

from __future__ import annotations

import os

__all__ = ["source_line", "user_line", "type_str"]


def _library_dirs() -> tuple[str, ...]:
    """Directories whose frames are library code, not the user's (computed once)."""
    global _LIBRARY_DIRS
    if _LIBRARY_DIRS is None:
        import importlib.util

        dirs = []
        for mod in ("jax", "jaxlib", "flax", "equinox", "jax2onnx", "numpy", "contextlib",
                    "diffrax", "lineax", "optimistix", "jaxtyping"):
            spec = importlib.util.find_spec(mod)
            if spec is not None and spec.origin:
                dirs.append(os.path.dirname(spec.origin) if mod != "contextlib" else spec.origin)
        _LIBRARY_DIRS = tuple(dirs)
    return _LIBRARY_DIRS


_LIBRARY_DIRS: tuple[str, ...] | None = None
_CATALOG = os.path.join("jax2onnx", "plugin", "cases") + os.sep


def user_line(eqn) -> str | None:
    """The user's frame of ``eqn`` alone, or None when all its frames are library code."""
    line = source_line(eqn, fallback="")
    return line or None


def source_line(eqn, fallback: str | None = None) -> str:
    """``file:line (function)`` of the first frame outside jax/flax/equinox/jax2onnx.

    That is the user's own line (``self.linear2(x)`` in their model), which is what
    error messages and node metadata should point at. An eqn inside a library's
    ``jit`` (``jnp.linalg.eigh``, ``jnp.fft``, ``jax.random``) records only the frames
    below that jit: then ``fallback`` (the enclosing eqn's user line) is used, and
    without one JAX's own summary.
    """
    try:
        frames = eqn.source_info.traceback.frames
    except Exception:  # pragma: no cover - no traceback recorded
        frames = []
    libs = _library_dirs()
    for f in frames:
        user = not f.file_name.startswith(libs) or _CATALOG in f.file_name  # catalog = user code
        if user and not f.file_name.startswith("<frozen"):
            return f"{f.file_name}:{f.line_num} ({f.function_name})"
    if fallback is not None:
        return fallback
    try:
        from jax._src import source_info_util  # pinned jax; the one place we read it

        return source_info_util.summarize(eqn.source_info)
    except Exception:  # pragma: no cover - best effort only
        return ""


def name_stack(eqn) -> str:
    """JAX's name stack for ``eqn`` (``jax.named_scope`` / module names), '' if none."""
    try:
        return str(eqn.source_info.name_stack)
    except Exception:  # pragma: no cover
        return ""


def type_str(aval) -> str:
    """``f32[B,30]`` for an abstract value."""
    dtype = getattr(aval, "dtype", None)
    shape = getattr(aval, "shape", ())
    short = getattr(dtype, "name", str(dtype))
    return f"{short}[{','.join(str(d) for d in shape)}]"
