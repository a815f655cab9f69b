"""`make demo` runs jax2onnx.demo: both pipelines, labelled by what the default really is."""

from jax2onnx import flags
from jax2onnx.demo import main


def test_demo_converts_with_both_pipelines_and_names_the_default(capsys):
    assert main() == 0
    out = capsys.readouterr().out
    default = "onnx_ir" if flags.DEFAULT_USE_ONNX_IR else "legacy"
    assert f"{default} (default)" in out
    assert "readme_mlp_ir.onnx" in out and "readme_mlp_legacy.onnx" in out
    assert "OK: both pipelines match JAX" in out
