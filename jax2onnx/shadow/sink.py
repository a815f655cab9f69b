"""Where shadow reports go: the ``jax2onnx.shadow`` logger, a JSON-lines file, listeners.

The JSON-lines file (``JAX2ONNX_SHADOW_REPORT``) is appended to under an
exclusive ``flock``, one ``write`` per report, so pytest-xdist workers can share
one file without interleaving lines.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from typing import Callable, Iterator

from .. import flags
from .report import ShadowReport

__all__ = ["log", "emit", "collect", "read_reports"]

log = logging.getLogger("jax2onnx.shadow")

_LISTENERS: list[Callable[[ShadowReport], None]] = []


def _append_line(path: str, line: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        try:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        except (ImportError, OSError):  # no flock (Windows): a single short write is still atomic enough
            pass
        f.write(line + "\n")
        f.flush()


def emit(report: ShadowReport) -> None:
    """Log ``report``, append it to the report file if one is set, tell listeners."""
    if report.mismatch:
        log.warning("shadow mismatch: %s", report.summary())
    elif report.other_failed:
        log.warning("shadow: %s", report.summary())
    else:
        log.info("shadow: %s", report.summary())
    path = flags.shadow_report_path()
    if path:
        record = report.to_dict()
        worker = flags.xdist_worker()
        if worker:
            record["worker"] = worker
        _append_line(path, json.dumps(record, sort_keys=True, default=str))
    for listener in list(_LISTENERS):
        listener(report)


@contextlib.contextmanager
def collect() -> Iterator[list[ShadowReport]]:
    """Gather every report emitted inside the block (the pytest plugin uses this)."""
    got: list[ShadowReport] = []
    _LISTENERS.append(got.append)
    try:
        yield got
    finally:
        _LISTENERS.remove(got.append)


def read_reports(path: str) -> list[dict]:
    """Every JSON line of a report file (blank or truncated lines are skipped)."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out
