"""The real ``jax2onnx`` CLI (``python -m jax2onnx``) in a subprocess, on a module in tmp_path."""

import os
import pathlib
import subprocess
import sys

import onnxruntime as ort
import numpy as np
import pytest

from .cli_models import MODULE_TEXT

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "models.py").write_text(MODULE_TEXT)
    return d


def run(workdir, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX2ONNX_")}  # the default pipeline
    env["PYTHONPATH"] = str(REPO)  # this checkout's jax2onnx
    return subprocess.run([sys.executable, "-m", "jax2onnx", *args], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=300)


def test_convert_verify_report_inspect(workdir):
    r = run(workdir, "convert", "models:make_mlp", "--input", "B,30", "--verify",
            "--report", "mlp.md", "-o", "mlp.onnx")
    assert r.returncode == 0, r.stderr
    assert "verify symbols=2: ok" in r.stdout and "verify symbols=5: ok" in r.stdout
    sess = ort.InferenceSession(str(workdir / "mlp.onnx"), providers=["CPUExecutionProvider"])
    assert sess.get_inputs()[0].shape == ["B", 30]
    out = sess.run(None, {sess.get_inputs()[0].name: np.ones((3, 30), np.float32)})[0]
    assert out.shape == (3, 10)
    report = (workdir / "mlp.md").read_text()
    for needle in ("**Status: converted**", "| [x] | trace", "| [x] | ORT load", "verify (symbols=5)",
                   "## Jaxpr", "`nnx.Linear` | 2", "## Model", "| Gemm | 2 |", "## Verification"):
        assert needle in report, needle
    r = run(workdir, "inspect", "mlp.onnx")
    assert r.returncode == 0, r.stderr
    for needle in ("x: float32[B, 30]", "out_0: float32[B, 10]", "symbolic dims: B", "ai.onnx=23",
                   "Gemm", "5 initializer(s), 3400 B"):
        assert needle in r.stdout, (needle, r.stdout)


def test_two_inputs_external_data_inspect(workdir):
    r = run(workdir, "convert", "models:gather", "-i", "B,8", "-i", "N:int32", "--external-data",
            "--verify", "-o", "g.onnx")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(": ok") == 2, r.stdout
    r = run(workdir, "inspect", str(workdir / "g.onnx"))
    assert "idx: int32[N]" in r.stdout and "symbolic dims: B, N" in r.stdout, r.stdout


def test_unsupported_exit_3_with_report(workdir):
    r = run(workdir, "convert", "models:unsupported", "-i", "B,3", "--report", "u.md", "-o", "u.onnx")
    assert r.returncode == 3, r.stderr
    assert "not_lowerable" in r.stderr
    report = (workdir / "u.md").read_text()
    assert "**Status: FAILED**" in report and "| `not_lowerable` | 2 | float32[B,3] |" in report
    line = 1 + MODULE_TEXT.split("\n").index("    return _p.bind(jnp.sin(x)) + _p.bind(x)")
    assert f"models.py:{line} (unsupported)" in report  # the user's source line
    assert not (workdir / "u.onnx").exists()


def test_conversion_error_exit_4(workdir):
    r = run(workdir, "convert", "models:broken", "-i", "3", "-o", "b.onnx")
    assert r.returncode == 4, r.stderr
    assert "boom in user code" in r.stderr


def test_verification_failure_exit_5(workdir):
    # zero tolerance: float32 rounding differences between onnxruntime and XLA fail it
    r = run(workdir, "convert", "models:make_mlp", "-i", "B,30", "--verify", "--rtol", "0", "--atol", "0",
            "-o", "v.onnx")
    assert r.returncode == 5, (r.stdout, r.stderr)
    assert "MISMATCH" in r.stdout


@pytest.mark.parametrize("args, message", [
    (("convert", "models:nope", "-i", "3", "-o", "x.onnx"), "has no attribute 'nope'"),
    (("convert", "models:Scaled", "-i", "3", "-o", "x.onnx"), "constructor needs arguments"),
    (("convert", "no_such_module:f", "-i", "3", "-o", "x.onnx"), "cannot import module"),
    (("convert", "models:gather", "-i", "B,3:floatish", "-o", "x.onnx"), "unknown dtype"),
    (("convert", "models:make_mlp", "-i", "B,30", "--opset", "99", "-o", "x.onnx"), "opset must be"),
    (("convert", "models:make_mlp", "-i", "B,30"), "-o/--output"),  # argparse
    (("inspect", "missing.onnx"), "no such file"),
])
def test_bad_usage_exit_2(workdir, args, message):
    r = run(workdir, *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr, r.stderr
