"""Aggregate raw benchmark measurements (medians, spread) and render the markdown table."""

from __future__ import annotations

import os
import platform
import time

__all__ = ["METRICS", "BUDGETS", "aggregate", "machine_info", "render_markdown", "check_budgets"]

#: (key, label, kind) of every per-model metric shown in the table
METRICS = [
    ("cold_s", "cold convert (s, import jax2onnx + 1st call)", "s"),
    ("warm_file_s", "warm convert to file (s)", "s"),
    ("warm_ir_s", "warm convert, return_mode=ir (s)", "s"),
    ("raw_write_s", "  disk reference: bare write of the weights, best of 2 (s)", "s"),
    ("peak_file_bytes", "peak RSS above baseline, file (MiB)", "mib"),
    ("peak_file_over_weights", "  ÷ weight bytes, file", "x"),
    ("peak_ir_bytes", "peak RSS above baseline, ir (MiB)", "mib"),
    ("peak_ir_over_weights", "  ÷ weight bytes, ir", "x"),
    ("file_bytes", "output size (MiB)", "mib"),
    ("nodes", "nodes (incl. functions/subgraphs)", "int"),
    ("shape_nodes", "shape-bookkeeping nodes", "int"),
    ("shape_share", "shape-bookkeeping share", "pct"),
    ("ort_latency_s", "ORT latency, batch 1, 1 thread (ms)", "ms"),
    ("jax_latency_s", "JAX jit latency, batch 1 (ms)", "ms"),
    ("ort_over_jax", "ORT ÷ JAX latency", "x"),
    ("max_abs_err_max", "max |ORT − JAX| (batches 1, 3)", "e"),
]

#: budgets on the onnx_ir pipeline: (name, model, key, limit, how)
BUDGETS = [
    ("cold start ≤ 1.0 s beyond import jax + model", "mlp", "cold_s", 1.0, "le"),
    ("memory, file ≤ 0.5× weights", "gpt2", "peak_file_over_weights", 0.5, "le"),
    ("memory, ir ≤ 0.10× weights", "gpt2", "peak_ir_over_weights", 0.10, "le"),
    ("warm convert to file ≤ 1.0 s", "gpt2", "warm_file_s", 1.0, "le"),
    ("warm convert ≤ 0.5× legacy", "gpt2", "warm_file_s", 0.5, "ratio_le"),
    ("shape bookkeeping ≤ 15% of nodes", "gpt2", "shape_share", 0.15, "le"),
    ("ORT ≤ JAX jit latency (GPT-2)", "gpt2", "ort_over_jax", 1.0, "le"),
    ("ORT ≤ JAX jit latency (ViT)", "vit_s16", "ort_over_jax", 1.0, "le"),
]


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def aggregate(raw: list[dict], models, pipelines) -> dict:
    """``{model: {pipeline: {key: {median, min, max, n}} | {error}}}``."""
    out: dict = {}
    for m in models:
        out[m] = {}
        for p in pipelines:
            runs = [r for r in raw if r.get("model") == m and r.get("pipeline") == p]
            ok = [r for r in runs if "error" not in r]
            if not ok:
                err = runs[0]["error"] if runs else "not run"
                out[m][p] = {"error": err}
                continue
            for r in ok:
                if r.get("max_abs_err"):
                    r["max_abs_err_max"] = max(r["max_abs_err"].values())
            agg: dict = {"rounds": len(ok)}
            for key, _, _ in METRICS:
                vals = [r[key] for r in ok if r.get(key) is not None]
                if vals:
                    agg[key] = {"median": _median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}
            agg["weight_bytes"] = ok[0]["weight_bytes"]
            agg["op_histogram"] = ok[0].get("op_histogram")
            agg["shape_ops"] = ok[0].get("shape_ops")
            agg["external_data"] = ok[0].get("external_data")
            agg["rss_method"] = ok[0].get("rss_method")
            agg["ort_error"] = next((r["ort_error"] for r in ok if "ort_error" in r), None)
            out[m][p] = agg
    return out


def machine_info() -> dict:
    """Where the numbers come from (these machines are shared and noisy)."""
    info = {
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
        with open("/proc/meminfo") as f:
            info["mem_total_kib"] = int(next(ln for ln in f if ln.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    from importlib import metadata

    for pkg in ("jax", "flax", "onnx", "onnx-ir", "onnxruntime", "numpy"):
        try:
            info[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return info


def _fmt(v, kind) -> str:
    if v is None:
        return "—"
    if kind == "s":
        return f"{v:.3f}"
    if kind == "ms":
        return f"{v * 1e3:.2f}"
    if kind == "mib":
        return f"{v / 2**20:.1f}"
    if kind == "x":
        return f"{v:.3f}"
    if kind == "pct":
        return f"{100 * v:.1f}%"
    if kind == "int":
        return f"{int(v)}"
    return f"{v:.2e}"


def _cell(agg, key, kind) -> str:
    if "error" in agg:
        return "error"
    s = agg.get(key)
    if s is None:
        return "—"
    med = _fmt(s["median"], kind)
    if s["n"] > 1 and s["min"] != s["max"] and kind not in ("int",):
        return f"{med} [{_fmt(s['min'], kind)}–{_fmt(s['max'], kind)}]"
    return med


def check_budgets(summary: dict) -> list[dict]:
    """Each budget with the measured median (onnx_ir) and pass/fail."""
    rows = []
    for name, model, key, limit, how in BUDGETS:
        ir = summary.get(model, {}).get("onnx_ir", {})
        if "error" in ir or key not in ir:
            rows.append({"budget": name, "value": None, "ok": None, "note": ir.get("error", "not measured")[:200]})
            continue
        value = ir[key]["median"]
        worst = ir[key]["max"]
        if how == "ratio_le":
            leg = summary.get(model, {}).get("legacy", {})
            if "error" in leg or key not in leg:
                rows.append({"budget": name, "value": None, "ok": None,
                             "note": "legacy did not convert: " + leg.get("error", "not measured")[:160]})
                continue
            value = value / leg[key]["median"]
            worst = worst / leg[key]["min"]
        rows.append({"budget": name, "value": value, "worst_round": worst, "limit": limit, "ok": value <= limit})
    return rows


def render_markdown(doc: dict) -> str:
    """The results table: per model, each metric for both pipelines and their ratio."""
    summary = doc["summary"]
    mach = doc["machine"]
    lines = [
        "# jax2onnx benchmarks",
        "",
        f"Machine: {mach.get('cpu', '?')}, {mach.get('cpus')} CPUs, "
        f"{mach.get('mem_total_kib', 0) // 1024} MiB RAM, {mach.get('platform')}; "
        f"load average at end {', '.join(f'{x:.1f}' for x in mach.get('loadavg_at_end', ()))}. "
        f"jax {mach.get('jax')}, onnx {mach.get('onnx')}, onnx-ir {mach.get('onnx-ir')}, "
        f"onnxruntime {mach.get('onnxruntime')}. {mach.get('utc')}.",
        "",
        f"Rounds: {doc['rounds']} (each a fresh subprocess per model × pipeline); cells are "
        f"median [min–max]. Latency: median of {doc['latency_runs']} runs after 3 warm-up runs, "
        "ORT with 1 intra-op thread; every measurement process is pinned to one CPU "
        "(so JAX's XLA thread pool gets the same single core). Peak RSS: "
        "kernel peak counter reset (`/proc/self/clear_refs` 5 → `VmHWM`) before each "
        "warm conversion, minus the RSS just before it. File writes start after "
        "`os.sync()` with the previous output deleted (outside the timing). Suite wall time "
        f"{doc.get('suite_seconds', 0):.0f} s.",
        "",
        "## Budgets (onnx_ir pipeline)",
        "",
        "| budget | median | worst round | limit | ok |",
        "|---|---|---|---|---|",
    ]
    for row in check_budgets(summary):
        if row["value"] is None:
            lines.append(f"| {row['budget']} | — | — | — | n/a: {row['note']} |".replace("\n", " "))
        else:
            lines.append(f"| {row['budget']} | {row['value']:.3f} | {row['worst_round']:.3f} | "
                         f"{row['limit']} | {'yes' if row['ok'] else '**NO**'} |")
    for model, per in summary.items():
        ir = per.get("onnx_ir", {})
        leg = per.get("legacy", {})
        wb = (ir.get("weight_bytes") or leg.get("weight_bytes") or 0) / 2**20
        lines += ["", f"## {model} (weights {wb:.1f} MiB)", ""]
        for name, agg in (("onnx_ir", ir), ("legacy", leg)):
            if "error" in agg:
                lines.append(f"- **{name} failed to convert**: `{agg['error'].splitlines()[0][:300]}`")
            elif agg.get("ort_error"):
                lines.append(f"- **{name}: converted, but ORT failed**: `{agg['ort_error'].splitlines()[0][:300]}`")
        lines += ["| metric | onnx_ir | legacy | onnx_ir / legacy |", "|---|---|---|---|"]
        for key, label, kind in METRICS:
            ratio = "—"
            if "error" not in ir and "error" not in leg and key in ir and key in leg and leg[key]["median"]:
                ratio = f"{ir[key]['median'] / leg[key]['median']:.2f}"
            lines.append(f"| {label} | {_cell(ir, key, kind)} | {_cell(leg, key, kind)} | {ratio} |")
        hist = ir.get("op_histogram") if "error" not in ir else None
        if hist:
            top = ", ".join(f"{k} {v}" for k, v in list(hist.items())[:12])
            lines += ["", f"onnx_ir ops: {top}" + (" …" if len(hist) > 12 else "")]
    return "\n".join(lines) + "\n"
