"""The GitHub workflows cannot run here; keep them correct by checking what they call."""

from __future__ import annotations

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load(name: str) -> dict:
    with open(os.path.join(ROOT, ".github", "workflows", name)) as f:
        return yaml.safe_load(f)


def _make_targets() -> set[str]:
    with open(os.path.join(ROOT, "Makefile")) as f:
        return set(re.findall(r"^([A-Za-z][\w-]*):", f.read(), flags=re.M))


def _runs(workflow: dict) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def _triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as True


def test_every_make_target_a_workflow_calls_exists():
    targets = _make_targets()
    for name in ("ci.yml", "nightly.yml"):
        for run in _runs(_load(name)):
            for target in re.findall(r"\bmake\s+([\w-]+)", run):
                assert target in targets, f"{name} calls `make {target}`, which the Makefile does not define"


def test_ci_runs_the_ci_entry_point_on_pushes_and_pull_requests():
    wf = _load("ci.yml")
    assert {"push", "pull_request"} <= set(_triggers(wf))
    assert any(run.strip() == "bash .ci/run" for run in _runs(wf))
    assert os.path.exists(os.path.join(ROOT, ".ci", "run"))
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        assert re.search(r"^make test\b", f.read(), flags=re.M), ".ci/run must call the README's `make test`"


def test_nightly_is_scheduled_runs_the_gate_and_uploads_the_parity_record():
    wf = _load("nightly.yml")
    assert "schedule" in _triggers(wf) and _triggers(wf)["schedule"][0]["cron"]
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    assert any("python-version" in s.get("with", {}) and str(s["with"]["python-version"]) == "3.11" for s in steps)
    assert any(s.get("run", "").strip() == "make nightly" for s in steps)
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload and upload[0].get("if") == "always()"
    paths = upload[0]["with"]["path"].split()
    assert {"parity/report.json", "parity/index.html", "parity/history.jsonl"} <= set(paths)
    # `make nightly` exits with the gate's status, so the job fails when the gate fails
    with open(os.path.join(ROOT, "Makefile")) as f:
        nightly = re.search(r"^nightly:.*\n((?:\t.*\n)+)", f.read(), flags=re.M).group(1)
    assert "scripts/parity_report.py" in nightly and "|| true" not in nightly


def test_nightly_runs_the_suite_against_the_oldest_supported_set():
    wf = _load("nightly.yml")
    jobs = [job for job in wf["jobs"].values()
            if any(s.get("run", "").strip() == "make test-oldest" for s in job["steps"])]
    assert jobs, "nightly.yml must run `make test-oldest` (docs/dependencies.md)"
    assert any(str(s.get("with", {}).get("python-version")) == "3.11" for s in jobs[0]["steps"])
    with open(os.path.join(ROOT, "Makefile")) as f:
        text = f.read()
    # the oldest set runs exactly the suite `make test` runs, each from its own constraints file
    test = re.search(r"^test:.*\n((?:\t.*\n)+)", text, flags=re.M).group(1)
    oldest = re.search(r"^test-oldest:.*\n((?:\t.*\n)+)", text, flags=re.M).group(1)
    assert "$(TEST_ARGS)" in test and "$(TEST_ARGS)" in oldest
    assert re.search(r'pip install -q -e "\.\[test,integration\]" -c \$\(LATEST\)', text)
    assert re.search(r'pip install -q -e "\.\[test,integration\]" -c \$\(OLDEST\)', text)
    assert "LATEST := constraints/latest.txt" in text and "OLDEST := constraints/oldest.txt" in text
