"""Where in the user's code an equation came from."""

from __future__ import annotations

__all__ = ["source_line", "type_str"]


def source_line(eqn) -> str:
    """``file:line:col (function)`` of the user frame that produced ``eqn``."""
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
