"""Run the benchmark suite: one fresh subprocess per (round, model, pipeline).

``python -m benchmarks.run [--rounds 3] [--models mlp,cnn,...] [--out benchmarks/results]``

Writes ``results/<stamp>.json`` (every raw measurement, the medians and the
machine) and ``results/<stamp>.md`` (the table with onnx_ir/legacy ratios and the
budget checks), copies both to ``results/latest.*`` and prints the table.
A model that fails to convert on a pipeline is reported with its error, measured
once (no point repeating it) and does not stop the suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from benchmarks.models import MODELS
from benchmarks.report import aggregate, machine_info, render_markdown

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PIPELINES = ("onnx_ir", "legacy")

#: environment of every measurement subprocess (why: see benchmarks/measure.py)
SUBPROCESS_ENV = {
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false",
    "OMP_NUM_THREADS": "1",
    "JAX_PLATFORMS": "cpu",
}


def run_one(model: str, pipeline: str, latency_runs: int, timeout: float) -> dict:
    """Spawn ``benchmarks.measure`` for one model/pipeline; parse its JSON line."""
    env = dict(os.environ)
    env.update(SUBPROCESS_ENV)
    env.pop("JAX2ONNX_SHADOW_COMPARE", None)  # measure the pipeline alone
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "benchmarks.measure", "--model", model,
           "--pipeline", pipeline, "--latency-runs", str(latency_runs)]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"model": model, "pipeline": pipeline, "error": f"timed out after {timeout:.0f}s"}
    wall = time.perf_counter() - t
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("@@RESULT@@"):
            res = json.loads(line[len("@@RESULT@@"):])
            res["subprocess_wall_s"] = wall
            return res
    tail = (proc.stderr or proc.stdout)[-2000:]
    return {"model": model, "pipeline": pipeline,
            "error": f"subprocess exited with {proc.returncode} and no result: {tail}"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="jax2onnx conversion benchmarks")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--pipelines", default=",".join(PIPELINES))
    ap.add_argument("--latency-runs", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per subprocess")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default=None, help="file name stem (default: UTC time stamp)")
    args = ap.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        ap.error(f"unknown model(s) {unknown}; known: {list(MODELS)}")
    pipelines = [p for p in args.pipelines.split(",") if p]
    if args.rounds < 1 or args.latency_runs < 20:
        ap.error("need --rounds >= 1 and --latency-runs >= 20")

    t_suite = time.perf_counter()
    raw: list[dict] = []
    failed: set[tuple[str, str]] = set()
    for r in range(args.rounds):
        for model in models:
            for pipeline in pipelines:
                if (model, pipeline) in failed:
                    continue
                res = run_one(model, pipeline, args.latency_runs, args.timeout)
                res["round"] = r
                raw.append(res)
                status = "ERROR " + res["error"].splitlines()[0][:160] if "error" in res else (
                    f"cold {res['cold_s']:.2f}s warm {res['warm_file_s']:.3f}s "
                    f"nodes {res['nodes']} " + (f"ort/jax {res['ort_over_jax']:.2f}" if "ort_over_jax" in res
                                                else "ORT " + res.get("ort_error", "?")[:120]))
                print(f"[round {r + 1}/{args.rounds}] {model:8s} {pipeline:8s} {status}", flush=True)
                if "error" in res:
                    failed.add((model, pipeline))
    summary = aggregate(raw, models, pipelines)
    doc = {
        "machine": machine_info(),
        "rounds": args.rounds,
        "latency_runs": args.latency_runs,
        "subprocess_env": SUBPROCESS_ENV,
        "suite_seconds": time.perf_counter() - t_suite,
        "summary": summary,
        "raw": raw,
    }
    md = render_markdown(doc)
    os.makedirs(args.out, exist_ok=True)
    stem = args.tag or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for name in (stem, "latest"):
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump(doc, f, indent=1)
        with open(os.path.join(args.out, f"{name}.md"), "w") as f:
            f.write(md)
    print()
    print(md)
    print(f"wrote {os.path.join(args.out, stem)}.json/.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
