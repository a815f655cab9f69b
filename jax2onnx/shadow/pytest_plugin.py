"""pytest plugin: with shadow compare on, a test fails when its conversion made the pipelines disagree.

Registered by ``tests/conftest.py`` and ``tests2/conftest.py`` through
:func:`register`. Each test's shadow reports travel in ``user_properties`` (so
they reach the pytest-xdist controller), and the session ends with a summary in
the terminal and, when ``JAX2ONNX_SHADOW_REPORT`` is set, in
``<report>.summary.json``.

A test that provokes a mismatch on purpose is marked ``shadow_mismatch_expected``.
"""

from __future__ import annotations

import json
import os

import pytest

from .. import flags
from .report import ShadowReport
from .sink import collect

__all__ = ["register", "PLUGIN_NAME"]

PLUGIN_NAME = "jax2onnx-shadow"
_PROP = "jax2onnx_shadow"
_STATE = pytest.StashKey[list]()


def register(config) -> None:
    """Register this plugin once, whichever conftest asks first."""
    import sys

    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(sys.modules[__name__], PLUGIN_NAME)


def pytest_configure(config):
    config.addinivalue_line("markers", "shadow_mismatch_expected: the test provokes a shadow mismatch on purpose")
    config.stash[_STATE] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if flags.shadow_mode() == "off":
        return (yield)
    with collect() as reports:
        try:
            result = yield
        finally:
            for r in reports:
                item.user_properties.append((_PROP, r.to_dict()))
    bad = [r for r in reports if r.mismatch]
    if bad and item.get_closest_marker("shadow_mismatch_expected") is None:
        lines = "\n".join(f"  - {r.summary()}" for r in bad)
        raise AssertionError(f"shadow compare: the two pipelines disagree on {len(bad)} conversion(s):\n{lines}")
    return result


def _outcome(report) -> str | None:
    """passed / failed / skipped / xfailed / xpassed for the phase that decides, else None."""
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if report.passed:
            return "xpassed" if xfail else "passed"
        if report.skipped:
            return "xfailed" if xfail else "skipped"
        return "failed"
    if report.when == "setup" and not report.passed:
        return "xfailed" if xfail else ("skipped" if report.skipped else "error")
    if report.when == "teardown" and report.failed:
        return "error"
    return None


def pytest_runtest_logreport(report):
    outcome = _outcome(report)
    if outcome is not None and "outcomes" in _SESSION:
        _SESSION["outcomes"][report.nodeid] = {"outcome": outcome, "seconds": round(report.duration, 4),
                                               "message": _message(report) if outcome in ("failed", "error") else ""}
    if report.when != "call":
        return
    state = _SESSION.get("records")
    if state is None:
        return
    for key, value in report.user_properties:
        if key == _PROP:
            state.append({"nodeid": report.nodeid, "outcome": report.outcome, "report": value})


def _message(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text[:500]


# pytest_runtest_logreport gets no config; the session's record list is kept here
_SESSION: dict = {}


def pytest_sessionstart(session):
    _SESSION["records"] = session.config.stash[_STATE]
    _SESSION["outcomes"] = {}


def summarize(records: list[dict]) -> dict:
    """Counts over a session's shadow records, and the mismatching ones."""
    reports = [ShadowReport.from_dict(r["report"]) for r in records]
    out = {
        "conversions": len(reports),
        "agree": sum(1 for r in reports if not r.mismatch and not r.other_failed),
        "mismatch": sum(1 for r in reports if r.mismatch),
        "other_failed": sum(1 for r in reports if r.other_failed),
        "numeric_skipped": sum(1 for r in reports if r.numeric_status == "skipped"),
        "mismatches": [{"nodeid": rec["nodeid"], "summary": r.summary()}
                       for rec, r in zip(records, reports) if r.mismatch],
        "other_failures": [{"nodeid": rec["nodeid"], "summary": r.summary()}
                           for rec, r in zip(records, reports) if r.other_failed],
    }
    return out


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if flags.shadow_mode() == "off" or hasattr(config, "workerinput"):
        return
    records = config.stash.get(_STATE, [])
    summary = summarize(records)
    summary["tests"] = dict(sorted(_SESSION.get("outcomes", {}).items()))
    summary["records"] = records
    tr = terminalreporter
    tr.section("jax2onnx shadow compare")
    tr.write_line(f"{summary['conversions']} conversions compared: {summary['agree']} agree, "
                  f"{summary['mismatch']} mismatch, {summary['other_failed']} other pipeline failed, "
                  f"{summary['numeric_skipped']} numeric skipped")
    for m in summary["mismatches"][:50]:
        tr.write_line(f"MISMATCH {m['nodeid']}: {m['summary']}")
    path = flags.shadow_report_path()
    if path:
        out = path + ".summary.json"
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1, sort_keys=True, default=str)
        tr.write_line(f"shadow reports: {path} (summary: {out})")
