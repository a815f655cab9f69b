"""Parity report and gate (RFC §14) from one shadow-compare pytest session over both trees.

Input: the session summary the pytest plugin writes (test outcomes + shadow
records). Output: ``report.json`` content (per testcase: legacy status, onnx_ir
status, shadow diffs, conversion seconds), and the gate verdict:

1. every testcase passing on legacy passes on onnx_ir (no xfail, no skip);
2. onnx_ir's median conversion time (CPU seconds of the lowering, so a busy machine's
   descheduling does not count) is at most ``MAX_TIME_RATIO`` × legacy's over
   the catalog's model examples (median of per-case ratios, both trees averaged
   so neither pipeline always runs first);
3. the last ``GREEN_RUNS`` recorded runs (this one included) were green on 1 and 2.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any

__all__ = ["build_report", "evaluate_gate", "append_history", "read_history", "MAX_TIME_RATIO",
           "GREEN_RUNS", "EXAMPLE_FAMILIES"]

MAX_TIME_RATIO = 1.10
GREEN_RUNS = 3
#: catalog families holding whole-model examples (the timing condition's population)
EXAMPLE_FAMILIES = ("examples", "examples_models", "examples_control_flow")
TREES = {"tests": "legacy", "tests2": "onnx_ir"}
STATUSES = ("passed", "failed", "error", "xfailed", "xpassed", "skipped", "missing")


def _case_index() -> dict[tuple[str, str], tuple[Any, str]]:
    from ..plugin.testcase import all_cases
    from ..testing.generate import _ident

    index = {}
    for case in all_cases():
        for variant in case.variants():
            index[(case.family, f"test_{_ident(case.name)}__{variant}")] = (case, variant)
    return index


def _split_nodeid(nodeid: str) -> tuple[str, str, str] | None:
    """(tree, family, test function) for a generated test, else None."""
    path, _, func = nodeid.partition("::")
    parts = path.split("/")
    if len(parts) != 3 or parts[0] not in TREES or parts[1] != "generated" or not parts[2].startswith("test_"):
        return None
    return parts[0], parts[2][len("test_"):-len(".py")], func


def build_report(summary: dict, *, command: str = "", seconds: float = 0.0) -> dict:
    """Turn a pytest-plugin session summary into the parity report."""
    index = _case_index()
    rows: dict[str, dict] = {}
    for (family, func), (case, variant) in index.items():
        rid = f"{family}/{case.name}[{variant}]"
        rows[rid] = {"id": rid, "family": family, "name": case.name, "variant": variant,
                     "component": case.component,
                     "legacy": {"status": "missing", "message": ""}, "onnx_ir": {"status": "missing", "message": ""},
                     "shadow": {"mismatch": False, "diffs": [], "other_failed": []},
                     "conversion_seconds": {}}
    by_nodeid: dict[str, str] = {}
    other: dict[str, dict[str, int]] = {p: {} for p in TREES.values()}
    for nodeid, res in summary.get("tests", {}).items():
        split = _split_nodeid(nodeid)
        if split is None:
            tree = nodeid.split("/", 1)[0]
            bucket = other.setdefault(TREES.get(tree, tree), {})
            bucket[res["outcome"]] = bucket.get(res["outcome"], 0) + 1
            continue
        tree, family, func = split
        hit = index.get((family, func))
        if hit is None:
            continue
        case, variant = hit
        rid = f"{family}/{case.name}[{variant}]"
        rows[rid][TREES[tree]] = {"status": res["outcome"], "message": res.get("message", "")}
        by_nodeid[nodeid] = rid
    timing: dict[str, dict[str, list]] = {}
    for rec in summary.get("records", []):
        rid = by_nodeid.get(rec["nodeid"])
        if rid is None:
            continue
        rep = rec["report"]
        shadow = rows[rid]["shadow"]
        if rep.get("mismatch"):
            shadow["mismatch"] = True
            shadow["diffs"].append(_describe(rep))
        results = rep.get("results", {})
        if any(r.get("status") != "ok" for r in results.values()):
            failed = [p for p, r in results.items() if r.get("status") != "ok"]
            shadow["other_failed"].extend(f"{p}: {results[p].get('error_type')}: "
                                          f"{results[p].get('error_message', '')[:200]}" for p in failed)
            continue
        t = timing.setdefault(rid, {"legacy": [], "onnx_ir": []})
        for p in ("legacy", "onnx_ir"):
            t[p].append(results[p]["seconds"])
    for rid, t in timing.items():
        rows[rid]["conversion_seconds"] = {p: statistics.fmean(v) for p, v in t.items() if v}
    # a catalog case neither tree ran (a partial run, or a stale generated tree) is left out
    cases = [rows[k] for k in sorted(rows)
             if rows[k]["legacy"]["status"] != "missing" or rows[k]["onnx_ir"]["status"] != "missing"]
    report = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "duration_seconds": round(seconds, 1),
        "counts": _counts(cases, summary),
        "components": _components(cases),
        "timing": _timing(cases),
        "other_tests": other,
        "cases": cases,
    }
    return report


def _describe(rep: dict) -> str:
    parts = list(rep.get("metadata_diffs", []))
    if rep.get("numeric_status") == "mismatch":
        bad = [o for o in rep.get("numeric", []) if not o.get("ok")]
        parts.append("numeric: " + ("; ".join(f"out{o['index']} max_abs={o['max_abs']:.3g} max_rel={o['max_rel']:.3g} "
                                              f"(rtol={o['rtol']:g}, atol={o['atol']:g})" for o in bad)
                                    or rep.get("numeric_note", "")))
    return f"{rep.get('chosen')} vs {rep.get('other')}: " + " | ".join(parts)


def _counts(cases: list[dict], summary: dict) -> dict:
    out: dict[str, Any] = {"testcases": len(cases)}
    for p in ("legacy", "onnx_ir"):
        out[p] = {s: sum(1 for c in cases if c[p]["status"] == s) for s in STATUSES}
    out["shadow"] = {k: summary.get(k, 0) for k in ("conversions", "agree", "mismatch", "other_failed",
                                                     "numeric_skipped")}
    out["shadow"]["cases_with_mismatch"] = sum(1 for c in cases if c["shadow"]["mismatch"])
    return out


def _components(cases: list[dict]) -> dict:
    comp: dict[str, dict] = {}
    for c in cases:
        entry = comp.setdefault(c["component"], {"family": c["family"], "legacy": {"passed": 0, "total": 0},
                                                 "onnx_ir": {"passed": 0, "total": 0}, "mismatch": 0})
        for p in ("legacy", "onnx_ir"):
            entry[p]["total"] += 1
            entry[p]["passed"] += c[p]["status"] == "passed"
        entry["mismatch"] += c["shadow"]["mismatch"]
    return dict(sorted(comp.items()))


def _timing(cases: list[dict]) -> dict:
    examples = []
    for c in cases:
        s = c["conversion_seconds"]
        if c["family"] in EXAMPLE_FAMILIES and s.get("legacy") and s.get("onnx_ir"):
            examples.append({"id": c["id"], "legacy": s["legacy"], "onnx_ir": s["onnx_ir"],
                             "ratio": s["onnx_ir"] / s["legacy"]})
    all_ratios = [c["conversion_seconds"]["onnx_ir"] / c["conversion_seconds"]["legacy"] for c in cases
                  if c["conversion_seconds"].get("legacy") and c["conversion_seconds"].get("onnx_ir")]
    med = statistics.median([e["ratio"] for e in examples]) if examples else None
    return {
        "examples": examples,
        "median_ratio": med,
        "median_legacy_seconds": statistics.median([e["legacy"] for e in examples]) if examples else None,
        "median_onnx_ir_seconds": statistics.median([e["onnx_ir"] for e in examples]) if examples else None,
        "median_ratio_all_cases": statistics.median(all_ratios) if all_ratios else None,
        "max_ratio": MAX_TIME_RATIO,
    }


def _current_conditions(report: dict) -> list[dict]:
    regress = [c["id"] + f" (onnx_ir {c['onnx_ir']['status']})" for c in report["cases"]
               if c["legacy"]["status"] == "passed" and c["onnx_ir"]["status"] != "passed"]
    cond1 = {"name": "legacy-passing testcases pass on onnx_ir (no xfail)", "passed": not regress,
             "detail": f"{len(regress)} testcase(s) pass on legacy but not on onnx_ir", "cases": regress}
    t = report["timing"]
    med = t["median_ratio"]
    slow = sorted((e for e in t["examples"] if e["ratio"] > MAX_TIME_RATIO), key=lambda e: -e["ratio"])
    cond2 = {"name": f"onnx_ir median conversion time <= {MAX_TIME_RATIO:.2f}x legacy (model examples)",
             "passed": med is not None and med <= MAX_TIME_RATIO,
             "detail": (f"median ratio {med:.3f} over {len(t['examples'])} examples" if med is not None
                        else "no timing data for the model examples"),
             "cases": [f"{e['id']} ({e['ratio']:.2f}x)" for e in slow]}
    return [cond1, cond2]


def evaluate_gate(report: dict, history: list[dict]) -> dict:
    """The gate verdict; ``history`` is every recorded run, the current one last."""
    conds = _current_conditions(report)
    last = history[-GREEN_RUNS:]
    not_green = [h.get("generated_at", "?") for h in last if not h.get("green")]
    enough = len(last) >= GREEN_RUNS
    cond3 = {"name": f"last {GREEN_RUNS} recorded runs green", "passed": enough and not not_green,
             "detail": (f"only {len(last)} run(s) recorded" if not enough
                        else f"{len(not_green)} of the last {GREEN_RUNS} runs not green"),
             "cases": not_green}
    conds.append(cond3)
    return {"passed": all(c["passed"] for c in conds), "conditions": conds}


def history_entry(report: dict) -> dict:
    conds = _current_conditions(report)
    counts = report["counts"]
    return {"generated_at": report["generated_at"], "green": all(c["passed"] for c in conds),
            "commit": report.get("commit", ""),
            "testcases": counts["testcases"], "legacy_passed": counts["legacy"]["passed"],
            "onnx_ir_passed": counts["onnx_ir"]["passed"], "mismatches": counts["shadow"]["cases_with_mismatch"],
            "median_ratio": report["timing"]["median_ratio"]}


def read_history(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def append_history(path: str, entry: dict) -> list[dict]:
    """Append ``entry`` to the JSON-lines history; return the whole history."""
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")
    return read_history(path)
