"""One measurement: one model, one pipeline, in this (fresh) process; JSON on stdout.

Run by :mod:`benchmarks.run` as ``python -m benchmarks.measure --model M --pipeline P``.

Timings (``time.perf_counter``):

* ``cold_s`` — ``import jax2onnx`` + the first ``to_onnx(..., return_mode="file")``,
  after ``import jax``/``flax`` and building the model (those are reported apart).
* ``warm_file_s`` / ``warm_ir_s`` — the second and third calls (file, then ``"ir"``).

Peak memory: before each warm call we ``gc.collect()``, read ``VmRSS`` as the
baseline, reset the kernel's peak counter (``echo 5 > /proc/self/clear_refs``) and
read ``VmHWM`` afterwards; ``peak - baseline`` is reported. During the conversions
glibc's mmap threshold is lowered to 128 KiB (``mallopt``) so large temporaries are
mmapped and returned to the OS when freed (otherwise glibc keeps them and later
peaks look smaller); before the latency runs it is raised to 32 MiB, close to
glibc's own steady state, because mmapping every XLA buffer would slow JAX down.
If ``clear_refs`` is not writable, a psutil thread samples RSS every 2 ms instead.

One core: the process pins itself to one CPU before importing JAX (``--all-cpus``
turns that off), so ORT (1 intra-op thread, as the issue specifies) and JAX's jit
(whose XLA thread pool otherwise uses every core) are compared on equal hardware.

Disk: before each timed file write (cold, warm and the raw reference write) the
previous output is deleted and ``os.sync()`` flushes pending writes, both outside
the timed region — so a write is not charged for writing back the one before it.
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402


# ---------------------------------------------------------------------------- memory
def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakRSS:
    """Peak RSS above the baseline taken on entry (bytes), as ``self.peak``."""

    method = None

    def __enter__(self):
        gc.collect()
        self.base = _status_kib("VmRSS") * 1024
        self._sampler = None
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            PeakRSS.method = "clear_refs+VmHWM"
        except OSError:
            import psutil

            PeakRSS.method = "psutil sampling 2ms"
            proc = psutil.Process()
            self._max = self.base
            self._stop = threading.Event()

            def sample():
                while not self._stop.is_set():
                    self._max = max(self._max, proc.memory_info().rss)
                    time.sleep(0.002)

            self._sampler = threading.Thread(target=sample, daemon=True)
            self._sampler.start()
        return self

    def __exit__(self, *exc):
        if self._sampler is None:
            top = _status_kib("VmHWM") * 1024
        else:
            self._stop.set()
            self._sampler.join()
            top = max(self._max, _status_kib("VmRSS") * 1024)
        self.peak = max(0, top - self.base)
        return False


# ---------------------------------------------------------------------------- helpers
def pin_one_cpu() -> list[int]:
    """Restrict this process (and threads created later) to one allowed CPU."""
    cpu = max(os.sched_getaffinity(0))  # the last one: CPU 0 usually takes more interrupts
    os.sched_setaffinity(0, {cpu})
    return sorted(os.sched_getaffinity(0))


def set_mmap_threshold(nbytes: int) -> bool:
    """glibc ``mallopt``: mmap threshold ``nbytes``, trim threshold twice that (what
    glibc's dynamic mode would pair with it); False where that is unavailable."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        # -3 == M_MMAP_THRESHOLD, -1 == M_TRIM_THRESHOLD
        return bool(libc.mallopt(-3, int(nbytes))) and bool(libc.mallopt(-1, 2 * int(nbytes)))
    except (OSError, AttributeError):
        return False


def settle_disk(*paths: str) -> None:
    """Delete earlier outputs and flush pending writes (called outside timed regions)."""
    for p in paths:
        for q in (p, p + ".data"):
            if os.path.exists(q):
                os.remove(q)
    os.sync()


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def _time_runs(fn, runs: int, warmup: int = 3):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return _median(out), out


def _file_bytes(path: str) -> int:
    total = os.path.getsize(path)
    data = path + ".data"
    if os.path.exists(data):
        total += os.path.getsize(data)
    return total


def _raw_write_seconds(model, directory: str) -> float:
    """Disk reference: a bare write of the model's weight buffers to a new file there (best of 2)."""
    import jax
    import numpy as np
    from flax import nnx

    if not isinstance(model, nnx.Module):
        return 0.0
    leaves = jax.tree_util.tree_leaves(nnx.state(model, nnx.Param, nnx.BatchStat))
    buffers = [np.ascontiguousarray(np.asarray(x)).reshape(-1).view(np.uint8) for x in leaves]
    path = os.path.join(directory, "raw.bin")
    best = float("inf")
    for _ in range(2):  # best of two: the first write in a process often pays extra page faults
        settle_disk(path)
        t = time.perf_counter()
        with open(path, "wb") as f:
            for b in buffers:
                f.write(memoryview(b))
        best = min(best, time.perf_counter() - t)
    os.remove(path)
    return best


def measure(model_name: str, pipeline: str, latency_runs: int, batches=(1, 3)) -> dict:
    res: dict = {"model": model_name, "pipeline": pipeline, "pid": os.getpid()}
    res["mmap_threshold_set"] = set_mmap_threshold(128 * 1024)
    t = time.perf_counter()
    import jax  # noqa: F401
    from flax import nnx  # noqa: F401

    res["import_jax_s"] = time.perf_counter() - t
    from benchmarks.models import MODELS, weight_bytes

    t = time.perf_counter()
    model, specs, make_inputs = MODELS[model_name].build()
    if hasattr(model, "eval"):
        model.eval()  # inference mode, as the converter does
    res["build_model_s"] = time.perf_counter() - t
    res["weight_bytes"] = weight_bytes(model)
    use_ir = pipeline == "onnx_ir"
    tmp = tempfile.mkdtemp(prefix=f"j2o-bench-{model_name}-{pipeline}-")
    path = os.path.join(tmp, "model.onnx")

    # cold: import jax2onnx + first conversion
    settle_disk(path)
    t = time.perf_counter()
    try:
        from jax2onnx import to_onnx

        to_onnx(model, specs, use_onnx_ir=use_ir, return_mode="file", output_path=path)
    except Exception as e:  # reported, not raised: the suite goes on with other models
        res["error"] = f"{type(e).__name__}: {e}"
        res["traceback"] = traceback.format_exc(limit=8)
        return res
    res["cold_s"] = time.perf_counter() - t
    res["process_to_converted_s"] = time.perf_counter() - _T_START

    settle_disk(path)
    with PeakRSS() as mem:
        t = time.perf_counter()
        to_onnx(model, specs, use_onnx_ir=use_ir, return_mode="file", output_path=path)
        res["warm_file_s"] = time.perf_counter() - t
    res["peak_file_bytes"] = mem.peak
    res["baseline_rss_bytes"] = mem.base
    with PeakRSS() as mem:
        t = time.perf_counter()
        ir_model = to_onnx(model, specs, use_onnx_ir=use_ir, return_mode="ir")
        res["warm_ir_s"] = time.perf_counter() - t
    res["peak_ir_bytes"] = mem.peak
    res["rss_method"] = PeakRSS.method
    res["raw_write_s"] = _raw_write_seconds(model, tmp)
    wb = res["weight_bytes"] or 1
    res["peak_file_over_weights"] = res["peak_file_bytes"] / wb
    res["peak_ir_over_weights"] = res["peak_ir_bytes"] / wb

    # graph statistics of the model written to disk
    from benchmarks.graphstats import graph_stats

    res["file_bytes"] = _file_bytes(path)
    res["external_data"] = os.path.exists(path + ".data")
    del ir_model
    import onnx_ir as ir

    res.update(graph_stats(ir.load(path)))
    gc.collect()

    set_mmap_threshold(32 * 2**20)
    try:
        _run_and_compare(res, model, path, make_inputs, latency_runs, batches)
    except Exception as e:  # the conversion numbers above stay valid
        res["ort_error"] = f"{type(e).__name__}: {e}"
    for name in os.listdir(tmp):
        os.remove(os.path.join(tmp, name))
    os.rmdir(tmp)
    return res


def _run_and_compare(res, model, path, make_inputs, latency_runs, batches) -> None:
    """ORT vs JAX latency at batch 1, one thread each; accuracy at two batch sizes."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    fn = _jax_callable(model)
    errs = {}
    for b in batches:
        xs = make_inputs(b, seed=b)
        ref = [np.asarray(r) for r in jax.tree_util.tree_leaves(fn(*[jnp.asarray(x) for x in xs]))]
        got = sess.run(None, dict(zip(names, xs)))
        errs[str(b)] = float(max(np.max(np.abs(np.asarray(g, np.float64) - r)) for g, r in zip(got, ref)))
    res["max_abs_err"] = errs
    xs = make_inputs(1, seed=0)
    feed = dict(zip(names, xs))
    res["ort_latency_s"], _ = _time_runs(lambda: sess.run(None, feed), latency_runs)
    jx = [jnp.asarray(x) for x in xs]
    res["jax_latency_s"], _ = _time_runs(
        lambda: jax.block_until_ready(fn(*jx)), latency_runs)
    res["ort_over_jax"] = res["ort_latency_s"] / res["jax_latency_s"]
    res["latency_runs"] = latency_runs
    res["xla_flags"] = os.environ.get("XLA_FLAGS", "")


def _jax_callable(model):
    """``jax.jit`` of the model's forward pass (NNX modules through split/merge)."""
    import jax
    from flax import nnx

    if isinstance(model, nnx.Module):
        graphdef, state = nnx.split(model)
        jitted = jax.jit(lambda s, *xs: nnx.merge(graphdef, s)(*xs))
        return lambda *xs: jitted(state, *xs)
    return jax.jit(model)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--pipeline", required=True, choices=["onnx_ir", "legacy"])
    ap.add_argument("--latency-runs", type=int, default=20)
    ap.add_argument("--all-cpus", action="store_true", help="do not pin to one CPU")
    args = ap.parse_args(argv)
    cpus = sorted(os.sched_getaffinity(0)) if args.all_cpus else pin_one_cpu()
    try:
        res = measure(args.model, args.pipeline, args.latency_runs)
        res["cpus"] = cpus
    except Exception as e:
        res = {"model": args.model, "pipeline": args.pipeline,
               "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(limit=8)}
    sys.stdout.write("\n@@RESULT@@" + json.dumps(res) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
