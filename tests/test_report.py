"""to_onnx(..., report=path): a Markdown report on success and on failure (which still raises)."""

import jax.extend.core as jc
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jax2onnx import UnsupportedPrimitiveError, to_onnx
from jax2onnx.report import ExportReport
from jax2onnx.verify import allclose


class Block(nnx.Module):
    def __init__(self, rngs):
        self.linear = nnx.Linear(64, 32, rngs=rngs)

    def __call__(self, x):
        return jnp.tanh(self.linear(x))


def test_report_on_success_file_with_external_data(tmp_path):
    model = Block(nnx.Rngs(0))
    path = to_onnx(model, [("B", 64)], use_onnx_ir=True, return_mode="file",
                   output_path=tmp_path / "m.onnx", external_data=True, report=tmp_path / "r.md")
    text = (tmp_path / "r.md").read_text()
    for needle in ("**Status: converted**", "| [x] | trace", "| [x] | lower", "passes", "| [x] | save",
                   "| [x] | checker", "| [x] | ORT load", "`nnx.Linear` | 1", "test_report.py:",
                   "- inputs: `x: float32[B, 64]`", "- symbolic dims: B", "| Gemm | 1 |", "| Tanh | 1 |",
                   "- initializers: 2, 8,320 bytes (8,192 external in m.onnx."):
        assert needle in text, (needle, text)
    assert "Exception chain" not in text
    assert allclose(model, path, [np.ones((3, 64), np.float32)])


def test_report_proto_mode_and_verification_table(tmp_path):
    rep = ExportReport(path=str(tmp_path / "r.md"))
    fn = lambda x: jnp.exp(x) * 2.0  # noqa: E731
    model = to_onnx(fn, [("N", 3)], use_onnx_ir=True, report=rep)
    rep.add_verification("N=4", allclose(fn, model, [np.ones((4, 3), np.float32)]))
    rep.write()
    text = (tmp_path / "r.md").read_text()
    assert "## Verification" in text and "| N=4 | 0 | yes |" in text
    assert "| Exp | 1 |" in text


def test_report_on_unsupported_primitive_raises_and_lists_all(tmp_path):
    p1, p2 = jc.Primitive("report_test_op_a"), jc.Primitive("report_test_op_b")
    for p in (p1, p2):
        p.def_abstract_eval(lambda x: x)
        p.def_impl(lambda x: x)
    with pytest.raises(UnsupportedPrimitiveError):
        to_onnx(lambda x: p2.bind(p1.bind(x) + 1.0), [("B", 2, 5)], use_onnx_ir=True,
                report=tmp_path / "bad.md")
    text = (tmp_path / "bad.md").read_text()
    for needle in ("**Status: FAILED**", "| [x] | trace", "| [ ] **failed** | lower",
                   "## Unsupported primitives (2, onnx_ir pipeline)", "| `report_test_op_a` | 1 | float32[B,2,5] |",
                   "`report_test_op_b`", "test_report.py:", "## Exception chain",
                   "jax2onnx.errors.UnsupportedPrimitiveError"):
        assert needle in text, (needle, text)
    assert "## Model" not in text


def test_report_on_trace_failure_has_exception_chain(tmp_path):
    def bad(x):
        raise KeyError("not in the table")

    with pytest.raises(Exception):
        to_onnx(bad, [(3,)], use_onnx_ir=True, report=tmp_path / "t.md")
    text = (tmp_path / "t.md").read_text()
    assert "| [ ] **failed** | trace" in text
    assert "KeyError: 'not in the table'" in text and "The above exception was the direct cause" in text


def test_report_rejects_wrong_type():
    with pytest.raises(TypeError, match="report must be a path"):
        to_onnx(lambda x: x, [(2,)], report=3)


def test_model_info_counts_subgraphs_and_functions():
    import jax

    from jax2onnx import onnx_function
    from jax2onnx.model_info import format_info, model_info

    @onnx_function
    def scaled(x):
        return jnp.sin(x) * 3.0

    def fn(x, flag):
        y = jax.lax.cond(flag, lambda v: jnp.cos(v), lambda v: -v, x)
        return scaled(y) + scaled(x)

    model = to_onnx(fn, [("B", 4), jax.ShapeDtypeStruct((), jnp.bool_)], use_onnx_ir=True)
    info = model_info(model)
    assert info.ops["If"] == 1 and info.subgraph_nodes >= 2 and info.ops["Cos"] == 1
    assert [name for _, name, _ in info.functions] == ["scaled"] and info.ops["Sin"] == 1
    text = format_info(info)
    assert "in 1 function(s)" in text and "functions:" in text and "symbolic dims: B" in text
