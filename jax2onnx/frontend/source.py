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


def _is_user_file(file_name: str) -> bool:
    if file_name.startswith("<frozen"):
        return False
    return not file_name.startswith(_library_dirs()) or _CATALOG in file_name  # catalog = user code


#: file name → whether its frames are the user's (a model's eqns share few files)
_IS_USER_FILE: dict[str, bool] = {}


def _first_user_frame(tb) -> str | None:
    if tb is None:
        return None
    raw = getattr(tb, "raw_frames", None)
    if raw is None:  # a jaxlib without raw frames: the Frame objects (slower to build)
        for f in tb.frames:
            if _is_user(f.file_name):
                return f"{f.file_name}:{f.line_num} ({f.function_name})"
        return None
    codes, lastis = raw()  # code objects: no Frame is built for the library frames skipped
    for code, lasti in zip(codes, lastis):
        if _is_user(code.co_filename):
            return f"{code.co_filename}:{type(tb).code_addr2line(code, lasti)} ({code.co_qualname})"
    return None


def _is_user(file_name: str) -> bool:
    user = _IS_USER_FILE.get(file_name)
    if user is None:
        user = _IS_USER_FILE[file_name] = _is_user_file(file_name)
    return user


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
    found = _first_user_frame(getattr(eqn.source_info, "traceback", None))
    if found:
        return found
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
