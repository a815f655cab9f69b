"""Pattern fusion on one model: which fusions fired, node counts, ORT vs JAX latency, and
the same graph after onnxruntime's own transformer optimizer (what is left on the table).

``python -m benchmarks.fusion_bench [--model bert] [--runs 50]`` — one process, pinned to
one CPU (as :mod:`benchmarks.measure`), ORT with one intra-op thread; latencies are the
best of ``--rounds`` interleaved medians of ``--runs`` calls. Prints a JSON line and a
small Markdown table. Rows:

* ``fused``    — the onnx_ir export as shipped (fusion on);
* ``unfused``  — the same export with ``JAX2ONNX_FUSE=0``;
* ``fused+ort_opt`` / ``unfused+ort_opt`` — those graphs after
  ``onnxruntime.transformers.optimizer.optimize_model(model_type="bert")``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from benchmarks.measure import _median, pin_one_cpu

FUSED_OPS = ("LayerNormalization", "RMSNormalization", "Gelu", "Attention", "Softmax", "Gemm",
             "SkipLayerNormalization", "BiasGelu", "FastGelu", "MultiHeadAttention", "EmbedLayerNormalization")


def _session(path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def _latency(fn, runs, warmup=5):
    import time

    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return _median(ts)


def _ops(proto) -> dict:
    hist: dict = {}
    for n in proto.graph.node:
        key = n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}:{n.op_type}"
        hist[key] = hist.get(key, 0) + 1
    return hist


def _fused(hist) -> dict:
    return {k: v for k, v in sorted(hist.items()) if k.split(":")[-1] in FUSED_OPS}


def run(model_name: str, runs: int, rounds: int = 5) -> dict:
    import jax
    import jax.numpy as jnp
    import numpy as np
    import onnx

    from benchmarks.models import BERT, MODELS
    from jax2onnx import to_onnx

    fn, specs, make_inputs = MODELS[model_name].build()
    tmp = tempfile.mkdtemp(prefix="j2o-fusion-")
    paths = {}
    for label, fuse in (("fused", "1"), ("unfused", "0")):
        os.environ["JAX2ONNX_FUSE"] = fuse
        proto = to_onnx(fn, specs)
        paths[label] = os.path.join(tmp, f"{label}.onnx")
        onnx.save(proto, paths[label])
    os.environ.pop("JAX2ONNX_FUSE")
    from onnxruntime.transformers.optimizer import optimize_model

    for label in ("fused", "unfused"):
        opt = optimize_model(paths[label], model_type="bert", num_heads=BERT["heads"],
                             hidden_size=BERT["hidden"], opt_level=0)
        paths[f"{label}+ort_opt"] = os.path.join(tmp, f"{label}_opt.onnx")
        opt.save_model_to_file(paths[f"{label}+ort_opt"])
    xs = make_inputs(1, seed=0)
    jfn = jax.jit(fn)
    jx = [jnp.asarray(x) for x in xs]
    ref = np.asarray(jfn(*jx))
    res = {"model": model_name, "rows": {}, "rounds": rounds, "runs": runs}
    timed = {"jax": lambda: jax.block_until_ready(jfn(*jx))}
    for label, path in paths.items():
        sess = _session(path)
        feed = dict(zip([i.name for i in sess.get_inputs()], xs))
        out = sess.run(None, feed)[0]
        hist = _ops(onnx.load(path))
        res["rows"][label] = {
            "nodes": sum(hist.values()),
            "fused_ops": _fused(hist),
            "max_abs_err": float(np.max(np.abs(out.astype(np.float64) - ref))),
        }
        timed[label] = (lambda s, f: lambda: s.run(None, f))(sess, feed)
    # interleaved rounds, best median per row: a shared machine's bursts hit every row alike
    best = {k: float("inf") for k in timed}
    for _ in range(rounds):
        for k, f in timed.items():
            best[k] = min(best[k], _latency(f, runs))
    res["jax_latency_s"] = best.pop("jax")
    for label, t in best.items():
        res["rows"][label]["ort_latency_s"] = t
    for row in res["rows"].values():
        row["ort_over_jax"] = row["ort_latency_s"] / res["jax_latency_s"]
    base = res["rows"]["fused"]["ort_latency_s"]
    res["fused_over_fused_ort_opt"] = base / res["rows"]["fused+ort_opt"]["ort_latency_s"]
    res["fused_over_unfused_ort_opt"] = base / res["rows"]["unfused+ort_opt"]["ort_latency_s"]
    for name in os.listdir(tmp):
        os.remove(os.path.join(tmp, name))
    os.rmdir(tmp)
    return res


def render(res: dict) -> str:
    lines = [f"### fusion: {res['model']} (JAX {res['jax_latency_s'] * 1e3:.2f} ms, one pinned core)", "",
             "| graph | nodes | fused ops | ORT ms | ORT/JAX | max abs err |", "|---|---:|---|---:|---:|---:|"]
    for label, r in res["rows"].items():
        ops = ", ".join(f"{k} {v}" for k, v in r["fused_ops"].items()) or "—"
        lines.append(f"| {label} | {r['nodes']} | {ops} | {r['ort_latency_s'] * 1e3:.2f} | "
                     f"{r['ort_over_jax']:.2f} | {r['max_abs_err']:.1e} |")
    lines += ["", f"fused / (fused + ORT optimizer): {res['fused_over_fused_ort_opt']:.3f}; "
              f"fused / (unfused + ORT optimizer): {res['fused_over_unfused_ort_opt']:.3f}"]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="bert")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--all-cpus", action="store_true")
    args = ap.parse_args(argv)
    if not args.all_cpus:
        pin_one_cpu()
    res = run(args.model, args.runs, args.rounds)
    print("@@RESULT@@" + json.dumps(res))
    print(render(res))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    sys.exit(main())
