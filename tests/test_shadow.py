"""Shadow compare: it agrees on correct lowerings and catches deliberately wrong ones."""

import json
import os
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import numpy as np
import pytest

from jax2onnx import to_onnx
from jax2onnx.errors import ShadowMismatchError
from jax2onnx.plugin.registry import override
from jax2onnx.shadow import ShadowReport, collect, compare_models, read_reports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _swapped_sub(ctx, x, y, **params):
    """A wrong onnx_ir lowering: Sub with its operands swapped."""
    return ctx.op("Sub", y, x)


def _dropped_broadcast_add(ctx, x, y, **params):
    """A wrong onnx_ir lowering: ignores the second operand of add (as if the broadcast was lost)."""
    return ctx.op("Add", x, ctx.op("Mul", y, ctx.const(np.zeros((), np.float32))))


def _fn(x, y):
    return jnp.tanh(x) - y


@pytest.fixture
def shadow_on(monkeypatch, tmp_path):
    path = tmp_path / "shadow.jsonl"
    monkeypatch.setenv("JAX2ONNX_SHADOW_COMPARE", "1")
    monkeypatch.setenv("JAX2ONNX_SHADOW_REPORT", str(path))
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "0")  # legacy chosen: faults are injected into the onnx_ir side
    return path


def test_off_means_no_comparison(monkeypatch):
    monkeypatch.delenv("JAX2ONNX_SHADOW_COMPARE", raising=False)
    with collect() as got:
        to_onnx(_fn, [("B", 3), (3,)])
    assert got == []


@pytest.mark.parametrize("use_onnx_ir", [False, True])
def test_correct_lowerings_agree_and_are_written(shadow_on, use_onnx_ir):
    with collect() as got:
        model = to_onnx(_fn, [("B", 3), (3,)], use_onnx_ir=use_onnx_ir, model_name="agree")
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "B"
    (report,) = got
    assert report.chosen == ("onnx_ir" if use_onnx_ir else "legacy")
    assert not report.mismatch, report.summary()
    assert report.numeric_status == "ok"
    assert report.results["legacy"].status == report.results["onnx_ir"].status == "ok"
    assert report.results["legacy"].op_histogram.get("Tanh") == 1
    assert report.results["onnx_ir"].seconds > 0
    (line,) = read_reports(str(shadow_on))
    assert line["name"] == "agree" and line["mismatch"] is False
    assert ShadowReport.from_dict(line).to_json() == report.to_json()


@pytest.mark.shadow_mismatch_expected
def test_swapped_sub_operands_are_caught(shadow_on):
    with override("onnx_ir", "sub", _swapped_sub), collect() as got:
        model = to_onnx(_fn, [("B", 3), (3,)], model_name="swapped_sub")
    # the chosen (legacy) model comes back unchanged and correct
    assert "Sub" in {n.op_type for n in model.graph.node}
    (report,) = got
    assert report.mismatch and report.numeric_status == "mismatch"
    assert not report.metadata_diffs
    assert report.numeric[0].max_abs > 1e-3 and not report.numeric[0].ok
    assert "MISMATCH" in report.summary()
    assert read_reports(str(shadow_on))[0]["mismatch"] is True


@pytest.mark.shadow_mismatch_expected
def test_dropped_broadcast_operand_is_caught(shadow_on):
    with override("onnx_ir", "add", _dropped_broadcast_add), collect() as got:
        to_onnx(lambda x, y: x + y, [(2, 3), (3,)], model_name="dropped")
    (report,) = got
    assert report.numeric_status == "mismatch", report.summary()
    assert report.histogram_diff.get("Mul") == 1  # structure differences are recorded too


@pytest.mark.shadow_mismatch_expected
def test_strict_mode_raises(shadow_on, monkeypatch):
    monkeypatch.setenv("JAX2ONNX_SHADOW_COMPARE", "strict")
    with override("onnx_ir", "sub", _swapped_sub), pytest.raises(ShadowMismatchError) as info:
        to_onnx(_fn, [(2, 3), (3,)])
    assert info.value.report.mismatch
    assert "pipelines disagree" in str(info.value)


def test_metadata_difference_is_a_mismatch():
    """A symbolic batch on one side and a fixed one on the other: a dim_param mismatch."""
    legacy = to_onnx(_fn, [("B", 3), (3,)], use_onnx_ir=False)
    onnx_ir_model = to_onnx(_fn, [(2, 3), (3,)], use_onnx_ir=True, return_mode="ir")
    report = compare_models("meta", "legacy", legacy, 0.01, onnx_ir_model, 0.01)
    assert report.mismatch
    assert any("dim_param" in d and "'B'" in d for d in report.metadata_diffs), report.metadata_diffs
    assert report.numeric_status == "not_run"
    other = to_onnx(lambda x, y: (x - y).astype(jnp.int32), [("B", 3), (3,)], use_onnx_ir=True, return_mode="ir")
    report = compare_models("dtype", "legacy", legacy, 0.01, other, 0.01)
    assert any("dtype FLOAT (legacy) != INT32 (onnx_ir)" in d for d in report.metadata_diffs)


def test_other_pipeline_failure_is_recorded_not_hidden(shadow_on):
    def broken(ctx, *args, **params):
        raise RuntimeError("deliberately broken")

    with override("onnx_ir", "tanh", broken), collect() as got:
        to_onnx(_fn, [(2, 3), (3,)])
    (report,) = got
    assert report.other_failed and not report.mismatch
    assert report.results["onnx_ir"].status == "error"
    assert "deliberately broken" in report.results["onnx_ir"].error_message


def test_numerics_skipped_over_the_size_limit_is_recorded(shadow_on, monkeypatch):
    monkeypatch.setenv("JAX2ONNX_SHADOW_MAX_BYTES", "16")
    with collect() as got:
        to_onnx(_fn, [(8, 3), (3,)])
    (report,) = got
    assert report.numeric_status == "skipped"
    assert "JAX2ONNX_SHADOW_MAX_BYTES=16" in report.numeric_note
    assert report.input_bytes > 16


def test_the_pytest_plugin_fails_a_mismatching_test(tmp_path):
    """End to end, as a user runs it: JAX2ONNX_SHADOW_COMPARE=1 pytest <tests>."""
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""
        def pytest_configure(config):
            from jax2onnx.shadow.pytest_plugin import register
            register(config)
    """))
    (tmp_path / "test_user.py").write_text(textwrap.dedent("""
        import jax.numpy as jnp
        from jax2onnx import to_onnx
        from jax2onnx.plugin.registry import override

        def swapped(ctx, x, y, **params):
            return ctx.op("Sub", y, x)

        def test_good():
            to_onnx(lambda x, y: x - y, [(2, 3), (3,)])

        def test_bad():
            with override("onnx_ir", "sub", swapped):
                to_onnx(lambda x, y: x - y, [(2, 3), (3,)])
    """))
    report = tmp_path / "r.jsonl"
    env = dict(os.environ, JAX2ONNX_SHADOW_COMPARE="1", JAX2ONNX_SHADOW_REPORT=str(report),
               PYTHONPATH=ROOT)
    env.pop("JAX2ONNX_USE_ONNX_IR", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                           str(tmp_path)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1 failed, 1 passed" in out, out
    assert "shadow compare: the two pipelines disagree" in out
    assert "2 conversions compared: 1 agree, 1 mismatch" in out
    summary = json.loads((tmp_path / "r.jsonl.summary.json").read_text())
    assert summary["mismatch"] == 1 and summary["mismatches"][0]["nodeid"].endswith("test_bad")
    assert len(read_reports(str(report))) == 2


def test_histograms_count_functions_and_subgraphs_on_both_model_kinds():
    """The onnx_ir walker (no serialization) counts what the protobuf walker counts."""
    import jax

    from jax2onnx import onnx_function
    from jax2onnx.converter2.serialize import to_proto
    from jax2onnx.shadow.inspect import op_histogram
    from jax2onnx.testing.graph import op_histogram as proto_histogram

    @onnx_function
    def block(x):
        return jnp.tanh(x) * 2.0

    def f(x):
        y = block(x)
        return jax.lax.cond(jnp.sum(y) > 0, lambda a: a + 1.0, lambda a: a - 1.0, y)

    ir_model = to_onnx(f, [(2, 3)], use_onnx_ir=True, return_mode="ir")
    hist = op_histogram(ir_model)
    assert hist["Tanh"] == 1 and hist["Add"] == 1 and hist["Sub"] == 1  # inside the function / the If branches
    assert {k.split(":")[-1]: v for k, v in hist.items()} == proto_histogram(to_proto(ir_model))
    assert op_histogram(to_proto(ir_model)) == hist
