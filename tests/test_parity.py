"""Parity report, dashboard (rendered in headless Chromium) and gate; the flip is held by the gate."""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from jax2onnx import flags
from jax2onnx.shadow.parity import GREEN_RUNS, MAX_TIME_RATIO, evaluate_gate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUBSET = ["tests/generated/test_examples.py", "tests2/generated/test_examples.py",
          "tests/generated/test_calls.py", "tests2/generated/test_calls.py"]


def _case(cid, legacy="passed", onnx_ir="passed", family="examples", secs=(1.0, 1.0)):
    return {"id": cid, "family": family, "component": "c", "legacy": {"status": legacy, "message": ""},
            "onnx_ir": {"status": onnx_ir, "message": ""}, "shadow": {"mismatch": False, "diffs": []},
            "conversion_seconds": {"legacy": secs[0], "onnx_ir": secs[1]}}


def _report(cases):
    examples = [{"id": c["id"], "legacy": c["conversion_seconds"]["legacy"], "onnx_ir": c["conversion_seconds"]["onnx_ir"],
                 "ratio": c["conversion_seconds"]["onnx_ir"] / c["conversion_seconds"]["legacy"]} for c in cases]
    ratios = sorted(e["ratio"] for e in examples)
    return {"cases": cases, "timing": {"examples": examples, "median_ratio": ratios[len(ratios) // 2],
                                       "max_ratio": MAX_TIME_RATIO}}


GREEN = [{"generated_at": str(i), "green": True} for i in range(GREEN_RUNS)]


def test_gate_passes_only_when_all_three_conditions_hold():
    good = _report([_case("a"), _case("b", secs=(1.0, 0.8)), _case("c", secs=(1.0, 1.05))])
    assert evaluate_gate(good, GREEN)["passed"]

    regress = copy.deepcopy(good)
    regress["cases"][1]["onnx_ir"]["status"] = "xfailed"
    verdict = evaluate_gate(regress, GREEN)
    assert not verdict["passed"]
    assert verdict["conditions"][0]["cases"] == ["b (onnx_ir xfailed)"]

    slow = _report([_case("a", secs=(1.0, 1.3)), _case("b", secs=(1.0, 1.2)), _case("c")])
    cond = evaluate_gate(slow, GREEN)["conditions"][1]
    assert not cond["passed"] and cond["cases"] == ["a (1.30x)", "b (1.20x)"]

    short = evaluate_gate(good, GREEN[:-1])["conditions"][2]
    assert not short["passed"] and "only 2 run(s)" in short["detail"]
    red = GREEN[:-1] + [{"generated_at": "x", "green": False}]
    assert evaluate_gate(good, red)["conditions"][2]["cases"] == ["x"]


class _Dom(HTMLParser):
    """Collect text per element id / data-key / matrix cell from Chromium's dumped DOM."""

    def __init__(self):
        super().__init__()
        self.stack, self.keys, self.matrix, self.attrs = [], {}, {}, {}
        self.row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-component" in a:
            self.row = a["data-component"]
            self.matrix[self.row] = {}
        target = None
        if "data-key" in a:
            target = ("key", a["data-key"])
        elif tag == "td" and "data-pipeline" in a and self.row:
            target = ("cell", a["data-pipeline"])
        elif "id" in a:
            target = ("id", a["id"])
            self.attrs[a["id"]] = a
        self.stack.append((tag, target, []))

    def handle_data(self, data):
        for _, _, buf in self.stack:
            buf.append(data)

    def handle_endtag(self, tag):
        while self.stack:
            t, target, buf = self.stack.pop()
            text = "".join(buf)
            if target:
                kind, name = target
                if kind == "key":
                    self.keys[name] = text
                elif kind == "cell":
                    self.matrix[self.row][name] = text
                else:
                    self.keys["#" + name] = text
            if t == tag:
                break


def _chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def parity_run(tmp_path_factory):
    """A real parity run over a small subset of both trees (pytest, shadow compare, report, dashboard)."""
    out = tmp_path_factory.mktemp("parity")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX2ONNX_", "PYTEST_XDIST"))}
    proc = subprocess.run([sys.executable, "scripts/parity_report.py", "-n", "0", "--out", str(out),
                           "--tests", *SUBSET], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return out, proc


def test_parity_report_json(parity_run):
    out, proc = parity_run
    report = json.loads((out / "report.json").read_text())
    gate = report["gate"]
    # the exit status is the gate; with one recorded run the history condition cannot hold yet
    assert proc.returncode == (0 if gate["passed"] else 1), proc.stdout + proc.stderr
    assert not gate["conditions"][2]["passed"] and "only 1 run(s)" in gate["conditions"][2]["detail"]
    assert ("gate: FAIL" in proc.stdout) and all(c["name"] in proc.stdout for c in gate["conditions"])
    ids = {c["id"] for c in report["cases"]}
    assert {"examples/readme_mlp[static]", "examples/readme_mlp[dynamic]"} <= ids
    for c in report["cases"]:
        assert c["legacy"]["status"] != "missing" and c["onnx_ir"]["status"] != "missing", c
        if c["legacy"]["status"] == "passed" and c["onnx_ir"]["status"] == "passed":
            assert c["conversion_seconds"]["legacy"] > 0 and c["conversion_seconds"]["onnx_ir"] > 0
    assert report["counts"]["shadow"]["conversions"] >= 2 * len(ids) - 2
    assert len((out / "history.jsonl").read_text().splitlines()) == 1


@pytest.mark.skipif(_chromium() is None, reason="needs the Debian 'chromium' package (.ci/run installs it)")
def test_dashboard_renders_what_report_json_says(parity_run):
    out, _ = parity_run
    report = json.loads((out / "report.json").read_text())
    proc = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                           (out / "index.html").as_uri()], capture_output=True, text=True, timeout=120)
    dom_text = proc.stdout
    assert 'data-rendered="1"' in dom_text, proc.stderr[-2000:]
    dom = _Dom()
    dom.feed(dom_text)
    counts = report["counts"]
    assert dom.keys["testcases"] == str(counts["testcases"])
    for p in ("legacy", "onnx_ir"):
        for status, n in counts[p].items():
            assert dom.keys[f"{p}.{status}"] == str(n), (p, status)
    for k, n in counts["shadow"].items():
        assert dom.keys[f"shadow.{k}"] == str(n), k
    expected = {name: {p: f"{c[p]['passed']}/{c[p]['total']}" for p in ("legacy", "onnx_ir")}
                for name, c in report["components"].items()}
    assert dom.matrix == expected
    assert dom.attrs["gate"]["data-passed"] == str(report["gate"]["passed"]).lower()
    assert ("PASS" if report["gate"]["passed"] else "FAIL") in dom.keys["#gate"]
    ratio = report["timing"]["median_ratio"]
    assert (f"{ratio:.3f}" in dom.keys["#timing-summary"]) if ratio is not None else True
    assert len(re.findall(r"<rect ", dom_text)) == len(report["timing"]["examples"])
    assert len(re.findall(r'<tr data-run="', dom_text)) == 1


def test_the_flip_is_held_by_the_gate():
    """DEFAULT_USE_ONNX_IR may be True only while the latest recorded parity run passes the gate."""
    if not flags.DEFAULT_USE_ONNX_IR:
        return
    path = os.path.join(ROOT, "parity", "report.json")
    assert os.path.exists(path), "DEFAULT_USE_ONNX_IR is True but no parity report exists: run `make parity`"
    with open(path) as f:
        gate = json.load(f)["gate"]
    failing = [f"{c['name']}: {c['detail']}" for c in gate["conditions"] if not c["passed"]]
    assert gate["passed"], f"DEFAULT_USE_ONNX_IR is True but the parity gate fails: {failing}"
