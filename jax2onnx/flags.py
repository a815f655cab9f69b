"""Every switch that changes jax2onnx's behaviour, in one place.

All ``JAX2ONNX_*`` environment variables are read here and nowhere else, each
through a small function so tests can change the environment at any time.

>>> resolve_use_onnx_ir(True)
True
"""

from __future__ import annotations

import os

__all__ = [
    "DEFAULT_USE_ONNX_IR",
    "resolve_use_onnx_ir",
    "shadow_mode",
    "shadow_max_bytes",
    "shadow_report_path",
    "debug_ir_dump",
    "optimize_enabled",
    "fuse_enabled",
    "loop_unroll_budget",
    "LOOP_UNROLL_BUDGET",
    "parse_bool",
    "LEGACY_REMOVED_IN",
    "warn_legacy_selected",
]

#: The pipeline used when neither the argument nor the environment decides.
#: May be True only while the parity gate passes (a test holds that). Flipped in 0.2.0.
DEFAULT_USE_ONNX_IR = True

#: the release that removes the legacy pipeline (frozen since the flip)
LEGACY_REMOVED_IN = "0.3.0"

_legacy_warned = False

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(name: str, value: str) -> bool:
    """Parse a boolean environment value; raise a ValueError naming the variable."""
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(
        f"{name}={value!r} is not a boolean; use one of 0/1/true/false/yes/no/on/off"
    )


def _env_bool(name: str) -> bool | None:
    raw = os.environ.get(name)
    return None if raw is None else parse_bool(name, raw)


def resolve_use_onnx_ir(use_onnx_ir: bool | None) -> bool:
    """Argument > ``JAX2ONNX_USE_ONNX_IR`` > ``DEFAULT_USE_ONNX_IR``."""
    if use_onnx_ir is not None:
        if not isinstance(use_onnx_ir, bool):
            raise TypeError(f"use_onnx_ir must be True, False or None, got {use_onnx_ir!r}")
        return use_onnx_ir
    env = _env_bool("JAX2ONNX_USE_ONNX_IR")
    return DEFAULT_USE_ONNX_IR if env is None else env


def warn_legacy_selected(stacklevel: int = 3) -> None:
    """One ``DeprecationWarning`` per process when a conversion selects the legacy pipeline."""
    global _legacy_warned
    if _legacy_warned:
        return
    _legacy_warned = True
    import warnings

    warnings.warn(
        "the legacy pipeline (use_onnx_ir=False / JAX2ONNX_USE_ONNX_IR=0) is deprecated and frozen: "
        f"it is removed in jax2onnx {LEGACY_REMOVED_IN}. onnx_ir is the default; report any difference "
        "you need legacy for, with a model run under JAX2ONNX_SHADOW_COMPARE=1 (docs/adopting_onnx_ir.md)",
        DeprecationWarning, stacklevel=stacklevel)


def shadow_mode() -> str:
    """``"off"``, ``"warn"`` (``JAX2ONNX_SHADOW_COMPARE=1``) or ``"strict"``."""
    raw = os.environ.get("JAX2ONNX_SHADOW_COMPARE", "").strip().lower()
    if raw == "strict":
        return "strict"
    try:
        return "warn" if parse_bool("JAX2ONNX_SHADOW_COMPARE", raw) else "off"
    except ValueError as e:
        raise ValueError(f"{e}, or strict") from None


def shadow_max_bytes() -> int:
    """Numeric shadow comparison runs only when inputs+weights are below this size."""
    raw = os.environ.get("JAX2ONNX_SHADOW_MAX_BYTES", "")
    if not raw.strip():
        return 64 * 1024 * 1024
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"JAX2ONNX_SHADOW_MAX_BYTES={raw!r} is not a byte count; use a non-negative integer such as 67108864")
    return value


def shadow_report_path() -> str | None:
    """File to append shadow reports to as JSON lines (``JAX2ONNX_SHADOW_REPORT``)."""
    return os.environ.get("JAX2ONNX_SHADOW_REPORT") or None


def debug_ir_dump() -> bool:
    """``JAX2ONNX_DEBUG_IR_DUMP=1`` writes the IR text and model to ./.artifacts/latest/."""
    return bool(_env_bool("JAX2ONNX_DEBUG_IR_DUMP"))


def optimize_enabled() -> bool:
    """``JAX2ONNX_OPTIMIZE=0`` turns graph clean-up passes off, for debugging."""
    env = _env_bool("JAX2ONNX_OPTIMIZE")
    return True if env is None else env


def fuse_enabled() -> bool:
    """``JAX2ONNX_FUSE=0`` turns pattern fusion off (docs/fusion.md); on by default."""
    env = _env_bool("JAX2ONNX_FUSE")
    return True if env is None else env


#: default of :func:`loop_unroll_budget`: nodes a static loop may grow into when unrolled
LOOP_UNROLL_BUDGET = 64


def loop_unroll_budget() -> int:
    """``JAX2ONNX_LOOP_UNROLL``: a ``Scan`` over a static length is unrolled when trip count ×
    body nodes (nested subgraphs included) is at most this (default
    :data:`LOOP_UNROLL_BUDGET`); ``0`` keeps every loop (docs/loop_optimization.md)."""
    raw = os.environ.get("JAX2ONNX_LOOP_UNROLL", "").strip()
    if not raw:
        return LOOP_UNROLL_BUDGET
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"JAX2ONNX_LOOP_UNROLL={raw!r} is not a node budget; use a non-negative integer "
                         f"(0 keeps every loop, default {LOOP_UNROLL_BUDGET})")
    return value


def xdist_worker() -> str | None:
    """The pytest-xdist worker id, if any (used to keep report files per worker)."""
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def hypothesis_profile() -> str:
    """``HYPOTHESIS_PROFILE``: which registered Hypothesis profile the test trees load (default ``ci``)."""
    return os.environ.get("HYPOTHESIS_PROFILE", "").strip() or "ci"
