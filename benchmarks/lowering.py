"""Lowering CPU time, onnx_ir versus legacy, on the benchmark models, with the stage split.

``python -m benchmarks.lowering [--models mlp,cnn] [--seconds 2]``

Each model is traced once; then both pipelines lower the same program alternately
(``jax2onnx.user_interface.lower_program``, CPU seconds from ``time.process_time``, the
garbage collector running as usual) until each has had about ``--seconds`` of CPU.
Printed per model: best and median of each pipeline and their ratio, and for onnx_ir
the best time of each stage (emit = the eqn walk, passes, typing, serialize =
``to_proto``; trace is measured once). Sub-millisecond conversions vary by ±10 %
between runs on a shared machine; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.models import MODELS


class _StageClock:
    """Best CPU time per stage of the onnx_ir lowering (wraps the build module's steps)."""

    STEPS = {"lower_eqns": "emit", "optimize": "passes", "fill_missing_types": "typing"}

    def __init__(self):
        from jax2onnx.converter2 import build

        self.best: dict[str, float] = {}
        self.current: dict[str, float] = {}
        for attr, stage in self.STEPS.items():
            setattr(build, attr, self._timed(getattr(build, attr), stage))

    def _timed(self, fn, stage):
        def timed(*args, **kwargs):
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.current[stage] = time.process_time() - t0
        return timed

    def keep_best(self):
        for stage, t in self.current.items():
            self.best[stage] = min(self.best.get(stage, t), t)
        self.current = {}


def measure(name: str, seconds: float, clock: _StageClock) -> dict:
    from jax2onnx.converter2.serialize import to_proto
    from jax2onnx.frontend import trace
    from jax2onnx.user_interface import lower_program

    fn, specs, _ = MODELS[name].build()
    t0 = time.process_time()
    program = trace(fn, specs, None, model_name=name)
    trace_s = time.process_time() - t0
    times: dict[str, list[float]] = {"legacy": [], "onnx_ir": []}
    clock.best = {}
    serialize = float("inf")
    while min(sum(t) for t in times.values()) < seconds or len(times["onnx_ir"]) < 3:
        for pipeline in ("legacy", "onnx_ir"):
            t0 = time.process_time()
            model = lower_program(program, pipeline, 23)
            times[pipeline].append(time.process_time() - t0)
            if pipeline == "onnx_ir":
                clock.keep_best()
                t0 = time.process_time()
                to_proto(model)
                serialize = min(serialize, time.process_time() - t0)
            del model
    best = {p: min(t) for p, t in times.items()}
    median = {p: statistics.median(t) for p, t in times.items()}
    return {"model": name, "eqns": len(program.jaxpr.eqns), "reps": len(times["onnx_ir"]), "trace": trace_s,
            "best": best, "median": median, "stages": dict(clock.best), "serialize": serialize}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per pipeline and model")
    args = ap.parse_args(argv)
    clock = _StageClock()
    ms = 1e3
    print("| model | eqns | reps | trace | legacy best / median | onnx_ir best / median "
          "| onnx_ir stages: emit / passes / typing | to_proto | onnx_ir ÷ legacy best / median |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.models.split(","):
        r = measure(name, args.seconds, clock)
        b, m, s = r["best"], r["median"], r["stages"]
        print(f"| {name} | {r['eqns']} | {r['reps']} | {r['trace'] * ms:.1f} "
              f"| {b['legacy'] * ms:.2f} / {m['legacy'] * ms:.2f} | {b['onnx_ir'] * ms:.2f} / {m['onnx_ir'] * ms:.2f} "
              f"| {s['emit'] * ms:.2f} / {s['passes'] * ms:.2f} / {s['typing'] * ms:.2f} | {r['serialize'] * ms:.1f} "
              f"| {b['onnx_ir'] / b['legacy']:.3f} / {m['onnx_ir'] / m['legacy']:.3f} |", flush=True)
    print("\nCPU milliseconds (time.process_time), one run; trace measured once.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
