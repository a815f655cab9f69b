#!/usr/bin/env python
"""Parity report, dashboard and gate (RFC §14).

Runs both test trees with shadow compare on under pytest-xdist, then writes
``<out>/report.json``, ``<out>/index.html`` and appends to ``<out>/history.jsonl``.
Exit status 0 when the gate passes, 1 when it fails (the failing conditions and
their cases are printed), 2 when pytest could not run at all.

    python scripts/parity_report.py                 # both trees, 2 workers, ./parity
    python scripts/parity_report.py --no-run        # rebuild from the last session summary
    python scripts/parity_report.py --tests tests2/generated/test_calls.py --out /tmp/p
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from jax2onnx.shadow.dashboard import render_html  # noqa: E402
from jax2onnx.shadow.parity import append_history, build_report, evaluate_gate, history_entry  # noqa: E402


def run_pytest(tests: list[str], out: str, jobs: int, extra: list[str]) -> tuple[str, float, int]:
    """Run pytest with shadow compare on; return (summary path, seconds, pytest exit code)."""
    shadow = os.path.join(out, "shadow.jsonl")
    for stale in (shadow, shadow + ".summary.json"):
        if os.path.exists(stale):
            os.remove(stale)
    env = dict(os.environ, JAX2ONNX_SHADOW_COMPARE="1", JAX2ONNX_SHADOW_REPORT=shadow)
    env.setdefault("HYPOTHESIS_PROFILE", "ci")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "console_output_style=classic"]
    cmd += ["-n", str(jobs)] if jobs > 0 else ["-p", "no:xdist"]
    cmd += extra + tests
    print("+", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    return shadow + ".summary.json", time.perf_counter() - t0, proc.returncode


def _commit() -> str:
    """The checked-out commit (``+dirty`` with uncommitted changes), recorded with each run."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+dirty" if dirty else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "parity"), help="output directory (default ./parity)")
    ap.add_argument("--tests", nargs="*", default=["tests", "tests2"], help="pytest paths (default: both trees)")
    ap.add_argument("-n", "--jobs", type=int, default=2, help="pytest-xdist workers (0: no xdist)")
    ap.add_argument("-m", "--marker", default=None, help="pytest -m expression (e.g. 'not slow')")
    ap.add_argument("--no-run", action="store_true", help="reuse <out>/shadow.jsonl.summary.json")
    ap.add_argument("--no-history", action="store_true", help="do not append this run to history.jsonl")
    args = ap.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    extra = ["-m", args.marker] if args.marker else []
    command = "pytest " + " ".join(extra + args.tests) + " (JAX2ONNX_SHADOW_COMPARE=1)"
    if args.no_run:
        summary_path, seconds, rc = os.path.join(out, "shadow.jsonl.summary.json"), 0.0, 0
    else:
        summary_path, seconds, rc = run_pytest(args.tests, out, args.jobs, extra)
    if not os.path.exists(summary_path):
        print(f"parity: no session summary at {summary_path} (pytest exit code {rc})", file=sys.stderr)
        return 2
    with open(summary_path, encoding="utf-8") as f:
        summary = json.load(f)
    report = build_report(summary, command=command, seconds=seconds)
    report["commit"] = _commit()
    history_path = os.path.join(out, "history.jsonl")
    if args.no_history:
        from jax2onnx.shadow.parity import read_history

        history = read_history(history_path) + [history_entry(report)]
    else:
        history = append_history(history_path, history_entry(report))
    report["gate"] = evaluate_gate(report, history)
    report["pytest_exit_code"] = rc
    with open(os.path.join(out, "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, sort_keys=True, default=str)
    with open(os.path.join(out, "index.html"), "w", encoding="utf-8") as f:
        f.write(render_html(report, history))
    _print_verdict(report, out)
    return 0 if report["gate"]["passed"] else 1


def _print_verdict(report: dict, out: str) -> None:
    c = report["counts"]
    print(f"parity: {c['testcases']} testcases; legacy passed {c['legacy']['passed']}, "
          f"onnx_ir passed {c['onnx_ir']['passed']}; shadow mismatches in {c['shadow']['cases_with_mismatch']} "
          f"testcase(s); report: {out}/report.json, dashboard: {out}/index.html")
    gate = report["gate"]
    print(f"gate: {'PASS' if gate['passed'] else 'FAIL'}")
    for cond in gate["conditions"]:
        print(f"  [{'ok' if cond['passed'] else 'FAIL'}] {cond['name']}: {cond['detail']}")
        if not cond["passed"]:
            for case in cond["cases"][:40]:
                print(f"      - {case}")
            if len(cond["cases"]) > 40:
                print(f"      ... and {len(cond['cases']) - 40} more (see report.json)")


if __name__ == "__main__":
    sys.exit(main())
