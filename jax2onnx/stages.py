"""Named conversion stages: time and peak memory, for the export report and CLI progress.

``with stage("trace"): ...`` is a no-op unless a :class:`StageLog` is active
(``with log.active(): ...``); then each stage records wall and CPU seconds and the peak
resident memory reached during it. Peak memory on Linux is ``VmHWM`` from
``/proc/self/status``, reset at the start of each stage by writing ``5`` to
``/proc/self/clear_refs`` (so it is the peak *within* that stage); where that is not
possible it is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (the process's peak so far,
which never goes down). :attr:`StageLog.memory_method` says which was used.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Stage", "StageLog", "stage", "current"]

_ACTIVE: contextvars.ContextVar["StageLog | None"] = contextvars.ContextVar("jax2onnx_stages", default=None)


@dataclass
class Stage:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_mb: float | None = None
    depth: int = 0  # nested stages (passes inside lower) are indented in the report
    ok: bool | None = None  # None: still running / never finished
    note: str = ""


def _read_hwm_kb() -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _maxrss_kb() -> int | None:
    try:
        import resource
        import sys

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb // 1024 if sys.platform == "darwin" else kb  # macOS reports bytes
    except Exception:  # pragma: no cover - no resource module (Windows)
        return None


@dataclass
class StageLog:
    """The stages of one conversion, in order; ``on_start(name)`` is called as each begins."""

    stages: list[Stage] = field(default_factory=list)
    on_start: Callable[[str], None] | None = None
    memory_method: str = ""
    notes: dict = field(default_factory=dict)  # objects stages hand over (program, model)
    _open: list = field(default_factory=list)  # [stage, peak kB seen before a nested reset]

    @contextlib.contextmanager
    def active(self):
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    @contextlib.contextmanager
    def run(self, name: str):
        st = Stage(name, depth=len(self._open))
        self.stages.append(st)
        if self.on_start is not None:
            self.on_start(name)
        before = _read_hwm_kb()
        for entry in self._open:  # a nested reset must not lose the enclosing stage's peak
            entry[1] = max(entry[1], before or 0)
        per_stage = _reset_hwm() and before is not None
        entry = [st, 0]
        self._open.append(entry)
        self.memory_method = ("VmHWM from /proc/self/status, reset per stage via /proc/self/clear_refs"
                              if per_stage else "resource.getrusage ru_maxrss (process peak so far)")
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            yield st
            st.ok = True
        except BaseException as e:
            st.ok = False
            st.note = f"{type(e).__name__}"
            raise
        finally:
            st.wall = time.perf_counter() - w0
            st.cpu = time.process_time() - c0
            self._open.remove(entry)
            kb = _read_hwm_kb() if per_stage else _maxrss_kb()
            if kb is not None:
                st.peak_rss_mb = max(kb, entry[1]) / 1024


def current() -> StageLog | None:
    """The active stage log, or None (no report, no progress asked)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def stage(name: str):
    """Record ``name`` in the active :class:`StageLog`; nothing when none is active."""
    log = _ACTIVE.get()
    if log is None:
        yield None
        return
    with log.run(name) as st:
        yield st


def note(key: str, value) -> None:
    """Hand ``value`` to the active log (the traced program, the lowered model)."""
    log = _ACTIVE.get()
    if log is not None:
        log.notes[key] = value
