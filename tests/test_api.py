"""Public API: inputs, return modes, files, errors, debug dump — on both pipelines."""

import os
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import onnx_ir as ir
import pytest

from jax2onnx import ConversionError, UnsupportedPrimitiveError, allclose, to_onnx

PIPELINES = [False, True]


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_input_forms(use_ir):
    """Shape tuples, ShapeDtypeStructs and arrays are all accepted; dtypes follow."""
    f = lambda a, b, c: a * 2.0 + b.astype(jnp.float32) + c  # noqa: E731
    model = to_onnx(f, [("B", 3), jax.ShapeDtypeStruct((1, 3), jnp.int32), np.zeros((3,), np.float32)],
                    use_onnx_ir=use_ir)
    ins = model.graph.input
    assert [i.type.tensor_type.elem_type for i in ins] == [1, 6, 1]
    assert _dims(ins[0]) == ["B", 3] and _dims(ins[1]) == [1, 3]
    args = [np.ones((4, 3), np.float32), np.full((1, 3), 2, np.int32), np.arange(3, dtype=np.float32)]
    assert allclose(f, model, args)


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_return_modes(use_ir, tmp_path):
    f = lambda x: jnp.tanh(x) + 1.0  # noqa: E731
    proto = to_onnx(f, [("B", 4)], use_onnx_ir=use_ir)
    assert isinstance(proto, onnx.ModelProto)
    model_ir = to_onnx(f, [("B", 4)], use_onnx_ir=use_ir, return_mode="ir")
    assert isinstance(model_ir, ir.Model)
    path = tmp_path / "m.onnx"
    out = to_onnx(f, [("B", 4)], use_onnx_ir=use_ir, return_mode="file", output_path=str(path))
    assert out == str(path) and path.exists()
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert _dims(loaded.graph.input[0]) == ["B", 4] and _dims(loaded.graph.output[0]) == ["B", 4]
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    for m in (proto, model_ir, str(path)):
        assert allclose(f, m, [x])
    assert not [p for p in os.listdir(tmp_path) if p != "m.onnx"], "temp files left behind"


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_names_and_double_precision(use_ir):
    f = lambda x, y: (x + y, x * y)  # noqa: E731
    model = to_onnx(f, [("N",), ("N",)], use_onnx_ir=use_ir, enable_double_precision=True,
                    input_names=["a", "b"], output_names=["sum", "prod"])
    assert [i.name for i in model.graph.input] == ["a", "b"]
    assert [o.name for o in model.graph.output] == ["sum", "prod"]
    assert {i.type.tensor_type.elem_type for i in model.graph.input} == {onnx.TensorProto.DOUBLE}
    rec = allclose(f, model, [np.arange(3.0), np.ones(3)])
    assert rec and rec.outputs[0].actual_dtype == "float64"


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_output_that_is_an_input(use_ir):
    model = to_onnx(lambda x, y: (x, y + 1.0, y + 1.0), [(2,), (2,)], use_onnx_ir=use_ir)
    onnx.checker.check_model(model, full_check=True)
    assert [o.name for o in model.graph.output] == ["out_0", "out_1", "out_2"]
    assert allclose(lambda x, y: (x, y + 1.0, y + 1.0), model, [np.ones(2, np.float32), np.zeros(2, np.float32)])


def test_input_params_reach_the_callable():
    def f(x, *, scale):
        return x * scale

    model = to_onnx(f, [(3,)], input_params={"scale": 3.0})
    assert allclose(f, model, [np.ones(3, np.float32)], input_params={"scale": 3.0})
    assert not allclose(f, model, [np.ones(3, np.float32)], input_params={"scale": 2.0})


def test_allclose_detects_a_wrong_model():
    model = to_onnx(lambda x: x + 1.0, [(3,)])
    rec = allclose(lambda x: x + 1.001, model, [np.zeros(3, np.float32)])
    assert not rec and rec.outputs[0].max_abs == pytest.approx(1e-3, rel=1e-2)
    assert "MISMATCH" in rec.summary()


@pytest.mark.parametrize("bad,exc,msg", [
    ("B", TypeError, "list or tuple"),
    ([("B", 3.5)], TypeError, "ints or symbol strings"),
    ([object()], TypeError, "unsupported type"),
    ([(-1, 3)], ValueError, "negative"),
    ([("B+", 3)], ValueError, "cannot parse"),
])
def test_bad_inputs(bad, exc, msg):
    with pytest.raises(exc, match=msg):
        to_onnx(lambda x: x, bad)


def test_bad_arguments(tmp_path):
    f = lambda x: x + 1  # noqa: E731
    with pytest.raises(ValueError, match="return_mode must be one of"):
        to_onnx(f, [(2,)], return_mode="bytes")
    with pytest.raises(ValueError, match="needs output_path"):
        to_onnx(f, [(2,)], return_mode="file")
    with pytest.raises(ValueError, match="only used with return_mode='file'"):
        to_onnx(f, [(2,)], output_path=str(tmp_path / "x.onnx"))
    with pytest.raises(ValueError, match="is a directory"):
        to_onnx(f, [(2,)], return_mode="file", output_path=str(tmp_path))
    with pytest.raises(ValueError, match="does not exist"):
        to_onnx(f, [(2,)], return_mode="file", output_path=str(tmp_path / "nope" / "x.onnx"))
    with pytest.raises(ValueError, match="opset"):
        to_onnx(f, [(2,)], opset=5)
    with pytest.raises(ValueError, match="input_names has 2 names"):
        to_onnx(f, [(2,)], input_names=["a", "b"])
    with pytest.raises(TypeError, match="callable"):
        to_onnx(42, [(2,)])


def _test_primitive(name):
    """A primitive no pipeline can know (made here), so the test never depends on coverage."""
    from jax.extend.core import Primitive

    prim = Primitive(name)
    prim.def_abstract_eval(lambda x: jax.core.ShapedArray(x.shape, x.dtype))
    prim.def_impl(lambda x: x)
    return prim


_FROB, _GRIND = _test_primitive("test_frob"), _test_primitive("test_grind")


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_unsupported_primitives_reported_together(use_ir, tmp_path):
    def f(x):
        y = _FROB.bind(x @ x.T + 3.0)
        return _GRIND.bind(jnp.abs(y) + 1.0) + _GRIND.bind(y * y + 1)

    path = tmp_path / "out.onnx"
    with pytest.raises(UnsupportedPrimitiveError) as info:
        to_onnx(f, [(3, 3)], use_onnx_ir=use_ir, return_mode="file", output_path=str(path))
    err = info.value
    text = str(err)
    assert set(err.primitives) == {"test_frob", "test_grind"}
    assert err.pipeline == ("onnx_ir" if use_ir else "legacy")
    assert "float32[3,3]" in text and "test_api.py" in text and "2 use(s)" in text
    assert "file an issue" in text
    assert not os.listdir(tmp_path), "a failed conversion must not leave a file"


def test_failed_save_leaves_no_file(tmp_path, monkeypatch):
    from jax2onnx.converter2 import serialize

    def broken(model, path, external_data=None):
        with open(path, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(serialize, "save", broken)
    target = tmp_path / "m.onnx"
    with pytest.raises(ConversionError, match="save.*disk full"):
        to_onnx(lambda x: x * 2, [(2,)], use_onnx_ir=True, return_mode="file", output_path=str(target))
    assert not os.listdir(tmp_path)


def test_trace_error_names_the_stage():
    with pytest.raises(ConversionError, match=r"\[trace\].*B") as info:
        to_onnx(lambda x: x.reshape(4, -1), [("B", 3)])
    assert info.value.__cause__ is not None


def test_debug_ir_dump(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JAX2ONNX_DEBUG_IR_DUMP", "1")
    to_onnx(lambda x: jnp.sin(x), [("B", 2)], use_onnx_ir=True)
    out = tmp_path / ".artifacts" / "latest"
    assert (out / "model.onnx").exists()
    assert "Sin" in (out / "model.ir.txt").read_text()


def test_plugin_system_shim_warns():
    import importlib
    import sys

    sys.modules.pop("jax2onnx.plugin_system", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shim = importlib.import_module("jax2onnx.plugin_system")
    assert any(issubclass(w.category, DeprecationWarning) and "jax2onnx.plugin" in str(w.message) for w in caught)
    from jax2onnx import plugin

    assert shim.register is plugin.register and shim.testcase is plugin.testcase


def test_nnx_weights_are_initializers_not_inputs():
    from jax2onnx.plugin.cases.examples import readme_mlp

    model = to_onnx(readme_mlp(), [("B", 30)])
    assert [i.name for i in model.graph.input] == ["x"]
    names = {i.name for i in model.graph.initializer}
    assert {"linear1.kernel", "linear2.bias", "bn.mean"} <= names


def test_sandbox_smoke_script():
    from jax2onnx.sandbox.onnx_ir_smoke import main

    assert main() == 0
