"""Issue 18: never an invalid or silently wrong model; a clear error for every bad input.

One table row per bad input, each run on both pipelines (``use_onnx_ir`` passed
explicitly). An error row asserts the exception type, that the message names the
problem and what is accepted, and that nothing is left on disk (the conversion
runs in ``tmp_path`` with ``return_mode="file"`` where the row allows it; the
directory listing and the system temp dir are compared). A model row asserts a
model that passes the full checker, runs in onnxruntime with JAX's numbers and
keeps the user's names exactly. Then: a Hypothesis property over random legal
and illegal name sets, and fault injection at every step of the file write.
Decisions are documented in docs/bad_inputs.md.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import pytest
from flax import nnx
from hypothesis import example, given
from hypothesis import strategies as st

from jax2onnx import ConversionError, allclose, to_onnx
from jax2onnx import writer as writer_mod
from jax2onnx.testing import ort as ort_utils

PIPELINES = [pytest.param(True, id="onnx_ir"), pytest.param(False, id="legacy")]

# legacy emits one DeprecationWarning per process once it is no longer the default
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _temp_entries() -> set[str]:
    return {n for n in os.listdir(tempfile.gettempdir()) if "jax2onnx" in n}


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in an empty tmp_path; afterwards no jax2onnx temp dir may be left anywhere."""
    monkeypatch.chdir(tmp_path)
    before = _temp_entries()
    parent = {n for n in os.listdir(tmp_path.parent) if n.startswith(".jax2onnx-")}
    yield tmp_path
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".jax2onnx-")]
    assert {n for n in os.listdir(tmp_path.parent) if n.startswith(".jax2onnx-")} <= parent, \
        "a temp dir was created outside the target directory"
    assert _temp_entries() <= before, "the system temp dir was polluted"


# ------------------------------------------------------------------- models used by rows
class _Lin(nnx.Module):
    def __init__(self, n_in=3, n_out=4, seed=0):
        self.linear1 = nnx.Linear(n_in, n_out, rngs=nnx.Rngs(seed))

    def __call__(self, x):
        return self.linear1(x)


class _LinTwo(_Lin):
    def __call__(self, x):
        y = self.linear1(x)
        return y, y * 2.0


class _Named(nnx.Module):
    """Attributes named like the input (``x``) and the default output (``out_0``)."""

    def __init__(self):
        self.x = nnx.Param(jnp.full((3,), 2.0))
        self.out_0 = nnx.Param(jnp.full((3,), 0.5))

    def __call__(self, x):
        return x * self.x + self.out_0


class _Wide(nnx.Module):
    """float64 and int64 weights (numpy), converted with x64 off."""

    def __init__(self):
        self.w = nnx.Param(np.linspace(0.1, 0.9, 3))  # float64
        self.i = nnx.Variable(np.arange(3))  # int64

    def __call__(self, x):
        return x * self.w + self.i


class _Drop(nnx.Module):
    def __init__(self):
        self.lin = nnx.Linear(3, 3, rngs=nnx.Rngs(0))
        self.drop = nnx.Dropout(0.5, rngs=nnx.Rngs(1))

    def __call__(self, x):
        return self.drop(self.lin(x))


def _linen_unbound():
    import flax.linen as nn

    class Dense(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.Dense(4)(x)

    return Dense()


def _leaked_tracer():
    leaked = []
    jax.jit(lambda t: leaked.append(t) or t)(1.0)
    return leaked[0]


def _kw_only(x, *, scale):
    return x * scale


_drop = _Drop()
_f2 = lambda a, b: (a + b, a * b)  # noqa: E731
_f1 = lambda x: jnp.sin(x) * 2.0 + 1.0  # noqa: E731
S = (2, 3)


# ------------------------------------------------------------------- error rows
# (id, fn factory, inputs, to_onnx kwargs, exception, message parts, write a file?)
ERRORS = [
    # 1. names
    ("input_names_repeated", lambda: _f2, [S, S], dict(input_names=["a", "a"]), ValueError,
     ["input_names", "unique", "repeated: ['a']"], True),
    ("output_names_repeated", lambda: _f2, [S, S], dict(output_names=["o", "o"]), ValueError,
     ["output_names", "repeated: ['o']"], True),
    ("input_equals_output_name", lambda: _f2, [S, S], dict(input_names=["a", "b"], output_names=["b", "c"]),
     ValueError, ["must not share", "in both: ['b']"], True),
    ("name_not_a_string", lambda: _f2, [S, S], dict(input_names=["a", 3]), TypeError,
     ["non-empty strings", "3"], True),
    ("name_empty", lambda: _f2, [S, S], dict(output_names=["a", ""]), TypeError, ["non-empty strings"], True),
    ("name_count", lambda: _f2, [S, S], dict(output_names=["a"]), ValueError,
     ["output_names has 1 names", "2 outputs"], True),
    # 2. no array output
    ("returns_none", lambda: (lambda x: None), [S], {}, ValueError, ["returned None", "no array", "return an array"], True),
    ("returns_empty_tuple", lambda: (lambda x: ()), [S], {}, ValueError, ["returned ()", "at least"], True),
    ("returns_str", lambda: (lambda x: "hi"), [S], {}, TypeError, ["is a str", "must return arrays"], True),
    ("returns_object_in_tuple", lambda: (lambda x: (x + 1, object())), [S], {}, TypeError,
     ["output[1]", "object", "must return arrays"], True),
    # 3. dtypes
    # 4. argument validation
    ("double_precision_str", lambda: _f1, [S], dict(enable_double_precision="no"), TypeError,
     ["enable_double_precision", "True or False", "'no'"], True),
    ("double_precision_int", lambda: _f1, [S], dict(enable_double_precision=1), TypeError,
     ["enable_double_precision", "True or False"], True),
    ("use_onnx_ir_str", lambda: _f1, [S], dict(use_onnx_ir="yes"), TypeError, ["use_onnx_ir", "True, False or None"], True),
    ("external_data_str", lambda: _f1, [S], dict(external_data="yes"), TypeError,
     ["external_data", "True, False or None"], True),
    ("external_data_not_file", lambda: _f1, [S], dict(external_data=True), ValueError,
     ["external_data", "only used with return_mode='file'"], False),
    ("external_data_ir_mode", lambda: _f1, [S], dict(external_data=False, return_mode="ir"), ValueError,
     ["external_data", "return_mode='file'"], False),
    ("symbol_with_minus", lambda: _f1, [("batch-size", 3)], {}, ValueError,
     ["'batch-size'", "identifier", "batch_size"], True),
    ("symbol_negative", lambda: _f1, [("-B", 3)], {}, ValueError, ["'-B'", "identifier"], True),
    ("symbol_expression", lambda: _f1, [("2*B", 3)], {}, ValueError, ["'2*B'", "symbolic_shape"], True),
    ("symbol_blank", lambda: _f1, [(" ", 3)], {}, ValueError, ["empty symbol", "('B', 30)"], True),
    ("output_path_empty", lambda: _f1, [S], dict(return_mode="file", output_path=""), ValueError,
     ["output_path is empty", "model.onnx"], False),
    ("output_path_separator", lambda: _f1, [S], dict(return_mode="file", output_path="sub" + os.sep), ValueError,
     ["ends with a path separator", "model.onnx"], False),
    ("output_path_dir", lambda: _f1, [S], dict(return_mode="file", output_path="."), ValueError,
     ["is a directory"], False),
    ("output_path_missing_dir", lambda: _f1, [S], dict(return_mode="file", output_path="nope/m.onnx"), ValueError,
     ["does not exist"], False),
    ("output_path_int", lambda: _f1, [S], dict(return_mode="file", output_path=3), TypeError, ["str or os.PathLike"], False),
    ("opset", lambda: _f1, [S], dict(opset=5), ValueError, ["opset", "13 to 28"], True),
    ("return_mode", lambda: _f1, [S], dict(return_mode="bytes"), ValueError, ["return_mode", "'proto', 'ir', 'file'"], False),
    # 6. errors wrapped and located
    ("leaked_tracer_param", lambda: (lambda x, s: x * s), [S], dict(input_params={"s": _leaked_tracer()}), TypeError,
     ["input_params['s']", "tracer", "concrete values"], True),
    ("input_params_not_dict", lambda: _f1, [S], dict(input_params=[1]), TypeError, ["input_params", "dict"], True),
    # 7. hints
    ("nnx_class", lambda: _Lin, [S], {}, TypeError, ["class _Lin", "not an instance", "rngs=nnx.Rngs(0)"], True),
    ("kw_only_missing", lambda: _kw_only, [S], {}, ConversionError, ["'scale'", "input_params={'scale': ...}"], True),
    ("too_many_inputs", lambda: _f1, [S, S], {}, ConversionError,
     ["inputs has 2 item(s)", "1 positional argument(s) (x)", "input_params"], True),
    ("too_few_inputs", lambda: _f2, [S], {}, ConversionError, ["inputs has 1 item(s)", "(a, b)"], True),
    ("negative_dim", lambda: _f1, [(-1, 3)], {}, ValueError, ["negative dimension -1", "symbol name", "('B', 30)"], True),
    ("none_dim", lambda: _f1, [(None, 3)], {}, TypeError, ["got None", "symbol name", "('B', 30)"], True),
    ("linen_unbound", _linen_unbound, [S], {}, ConversionError, ["unbound", "module.apply(variables", "nnx.bridge.ToNNX"], True),
    ("rng_mutation_in_training", lambda: (lambda x: _drop(x)), [S], {}, ConversionError,
     ["mutates NNX state", "to_onnx(model, inputs)", "inference mode"], True),
]


@pytest.mark.parametrize("use_ir", PIPELINES)
@pytest.mark.parametrize("row", ERRORS, ids=[r[0] for r in ERRORS])
def test_bad_input_is_a_clear_error(in_tmp, row, use_ir):
    _, factory, inputs, kwargs, exc, parts, write = row
    kwargs = dict(kwargs)
    kwargs.setdefault("use_onnx_ir", use_ir)
    if write:
        kwargs.update(return_mode="file", output_path="m.onnx")
    with pytest.raises(exc) as info:
        to_onnx(factory(), inputs, **kwargs)
    text = str(info.value)
    for part in parts:
        assert part in text, f"{part!r} not in {text!r}"
    assert ".jax2onnx-" not in text
    assert os.listdir(in_tmp) == [], "a failed conversion must leave nothing behind"


# ------------------------------------------------------------------- model rows
def _ref(fn, *args):
    return [np.asarray(o) for o in jax.tree_util.tree_leaves(jax.jit(lambda *a: fn(*a))(*args))]


_x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(S)
_lin = _Lin()
_named = _Named()
_wide = _Wide()

# (id, fn, inputs, kwargs, arrays, expected input names, expected output names)
MODELS = [
    ("input_named_out_0", _f2, [S, S], dict(input_names=["out_0", "out_1"]), [_x, _x],
     ["out_0", "out_1"], ["out_0_1", "out_1_1"]),
    ("inputs_named_like_outputs_swapped", _f2, [S, S], dict(input_names=["out_1", "out_0"]), [_x, _x],
     ["out_1", "out_0"], ["out_0_1", "out_1_1"]),
    ("output_named_like_default_input", _f2, [S, S], dict(output_names=["b", "a_"]), [_x, _x],
     ["a", "in_1"], ["b", "a_"]),
    *[(f"input_named_{n}", _f1, [("B", 3)], dict(input_names=[n]), [_x], [n], ["out_0"])
      for n in ("const_1", "const_2", "const_3", "v_1", "dim_B", "Sin_1_out", "Mul_2_out")],
    *[(f"output_named_{n}", _f1, [("B", 3)], dict(output_names=[n]), [_x], ["x"], [n])
      for n in ("v_1", "v_4", "const_2", "const_3", "Sin_1_out", "dim_B")],
    ("input_named_like_weight", _lin, [("B", 3)], dict(input_names=["linear1.kernel"]), [_x],
     ["linear1.kernel"], ["out_0"]),
    ("outputs_named_like_weights", _LinTwo(), [("B", 3)],
     dict(output_names=["linear1.kernel", "linear1.bias"]), [_x], ["x"], ["linear1.kernel", "linear1.bias"]),
    ("nnx_attributes_named_like_io", _named, [("B", 3)], {}, [_x], ["x"], ["out_0"]),
    ("nnx_attributes_named_like_given_io", _named, [("B", 3)], dict(input_names=["out_0"], output_names=["x"]),
     [_x], ["out_0"], ["x"]),
    ("return_y_y_x", lambda x: (jnp.sin(x), jnp.sin(x), x), [S], {}, [_x], ["x"], ["out_0", "out_1", "out_2"]),
    ("return_x_x", lambda x: (x, x), [S], {}, [_x], ["x"], ["out_0", "out_1"]),
    ("return_python_int", lambda x: 3, [S], {}, [_x], ["x"], ["out_0"]),
    ("return_python_float", lambda x: 3.5, [S], {}, [_x], ["x"], ["out_0"]),
    ("return_dict_with_none", lambda x: {"a": x + 1, "b": None}, [S], {}, [_x], ["x"], ["out_0"]),
    ("f64_i64_weights_x64_off", _wide, [("B", 3)], {}, [_x], ["x"], ["out_0"]),
    ("f64_closure_constant_x64_off", lambda x: x * np.linspace(0.1, 0.9, 3), [("B", 3)], {}, [_x], ["x"], ["out_0"]),
    ("f64_spec_x64_on", lambda x: x * 2, [jax.ShapeDtypeStruct(S, np.float64)], dict(enable_double_precision=True),
     [_x.astype(np.float64)], ["x"], ["out_0"]),
]


def _check_model(model, fn, arrays, ins, outs, x64=False):
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ins
    assert [o.name for o in model.graph.output] == outs
    with jax.enable_x64(x64):
        expected = _ref(fn, *arrays)
    got = ort_utils.run(model, arrays)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("use_ir", PIPELINES)
@pytest.mark.parametrize("row", MODELS, ids=[r[0] for r in MODELS])
def test_odd_but_legal_input_gives_a_valid_model(row, use_ir):
    _, fn, inputs, kwargs, arrays, ins, outs = row
    model = to_onnx(fn, inputs, use_onnx_ir=use_ir, **kwargs)
    _check_model(model, fn, arrays, ins, outs, x64=kwargs.get("enable_double_precision", False))


@pytest.mark.parametrize("use_ir", PIPELINES)
@pytest.mark.parametrize("given", ["array", "spec"])
def test_64bit_input_narrowed_warns_once(use_ir, given, monkeypatch):
    """x64 off: a float64 array or ShapeDtypeStruct becomes a float32 input, with one warning."""
    from jax2onnx.frontend import inputs as inputs_mod

    monkeypatch.setattr(inputs_mod, "_WARNED", set())
    spec = np.ones(S) if given == "array" else jax.ShapeDtypeStruct(S, np.float64)
    with pytest.warns(UserWarning, match=r"float64.*float32.*enable_double_precision=True"):
        model = to_onnx(lambda x: x * 2, [spec], use_onnx_ir=use_ir)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        to_onnx(lambda x: x * 3, [spec], use_onnx_ir=use_ir)  # once per dtype


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_symbolic_constraints_are_honoured(use_ir):
    """``x[:8]`` needs ``B >= 8``: known from the constraint, the trace succeeds."""
    (b,) = jax.export.symbolic_shape("B", constraints=["B >= 8"])
    fn = lambda x, y: x[:8] + y[:8]  # noqa: E731
    model = to_onnx(fn, [jax.ShapeDtypeStruct((b, 3), np.float32), ("B", 3)], use_onnx_ir=use_ir)
    onnx.checker.check_model(model, full_check=True)
    for n in (8, 13):
        x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
        np.testing.assert_array_equal(ort_utils.run(model, [x, x])[0], _ref(fn, x, x)[0])
    # two inputs parsed in two scopes: the constraint survives the merge into one scope
    (b2,) = jax.export.symbolic_shape("B")
    model = to_onnx(fn, [jax.ShapeDtypeStruct((b, 3), np.float32), jax.ShapeDtypeStruct((b2, 3), np.float32)],
                    use_onnx_ir=use_ir)
    x = np.ones((9, 3), np.float32)
    np.testing.assert_array_equal(ort_utils.run(model, [x, x])[0], _ref(fn, x, x)[0])


# ------------------------------------------------------------------- property: name sets
_POOL = ["x", "y", "a", "out_0", "out_1", "in_0", "in_1", "const_1", "v_1", "v_2", "v_3", "dim_B",
         "Sin_1_out", "Add_3_out", "l.kernel", "l.bias", "lin.kernel"]


class _Two(nnx.Module):
    def __init__(self):
        self.l = nnx.Linear(3, 3, rngs=nnx.Rngs(0))

    def __call__(self, x, y):
        h = jnp.sin(self.l(x)) * 2.0 + 1.0
        return h + y, x


_two = _Two()
_names = st.one_of(st.none(), st.lists(st.sampled_from(_POOL), min_size=2, max_size=2))


@given(ins=_names, outs=_names, use_ir=st.booleans())
@example(ins=["out_0", "x"], outs=None, use_ir=False)
@example(ins=["l.kernel", "v_1"], outs=["dim_B", "l.bias"], use_ir=True)
@example(ins=["l.kernel", "v_1"], outs=["dim_B", "l.bias"], use_ir=False)
@example(ins=["a", "b"], outs=["b", "c"], use_ir=True)
def test_random_name_sets(ins, outs, use_ir):
    given_names = (ins or []) + (outs or [])
    repeats = sorted({n for n in given_names if given_names.count(n) > 1})
    kwargs = dict(input_names=ins, output_names=outs, use_onnx_ir=use_ir)
    if repeats:
        with pytest.raises(ValueError) as info:
            to_onnx(_two, [("B", 3), ("B", 3)], **kwargs)
        for n in repeats:
            assert repr(n) in str(info.value)
        return
    model = to_onnx(_two, [("B", 3), ("B", 3)], **kwargs)
    in_names = [i.name for i in model.graph.input]
    out_names = [o.name for o in model.graph.output]
    assert in_names == (ins or in_names) and out_names == (outs or out_names)
    assert len(set(in_names + out_names)) == 4
    _check_model(model, _two, [_x, _x + 1], in_names, out_names)


# ------------------------------------------------------------------- files
class _Model(nnx.Module):
    """Weights big enough (2 KiB kernel) for external data."""

    def __init__(self, seed):
        self.lin = nnx.Linear(16, 32, rngs=nnx.Rngs(seed))

    def __call__(self, x):
        return self.lin(x)


_old, _new = _Model(1), _Model(2)
_X16 = np.linspace(-1, 1, 32, dtype=np.float32).reshape(2, 16)


def _write(model, path, use_ir, external):
    return to_onnx(model, [("B", 16)], use_onnx_ir=use_ir, return_mode="file", output_path=str(path),
                   external_data=external)


def _data_files(d):
    return sorted(n for n in os.listdir(d) if n.endswith(".data"))


def _computes(model, path) -> bool:
    return bool(allclose(model, str(path), [_X16]))


class _Boom(Exception):
    pass


def _fail_nth(monkeypatch, target, attr, n, exc=_Boom):
    """Make the ``n``-th call (1-based) of ``target.attr`` raise ``exc``."""
    real = getattr(target, attr)
    calls = [0]

    def fake(*a, **k):
        calls[0] += 1
        if calls[0] == n:
            raise exc("injected fault")
        return real(*a, **k)

    monkeypatch.setattr(target, attr, fake)


def _serialize_then_fail(model, tmp, data_name):
    _REAL_SERIALIZE(model, tmp, data_name)  # complete files in the temp dir, then a crash
    raise _Boom("injected fault")


def _serialize_partial(model, tmp, data_name):
    with open(tmp, "wb") as f:
        f.write(b"\x08partial")
    if data_name:
        with open(os.path.join(os.path.dirname(tmp), data_name), "wb") as f:
            f.write(b"partial")
    raise _Boom("injected fault")


def _raise_boom(*args):
    raise _Boom("injected fault")


_REAL_SERIALIZE = writer_mod._serialize

# every step of write_model_file that can fail before the switch (see jax2onnx/writer.py)
FAULTS = {
    "mkdtemp": lambda mp: _fail_nth(mp, writer_mod.tempfile, "mkdtemp", 1),
    "serializer_partial": lambda mp: mp.setattr(writer_mod, "_serialize", _serialize_partial),
    "serializer_done_then_crash": lambda mp: mp.setattr(writer_mod, "_serialize", _serialize_then_fail),
    "read_old_model": lambda mp: mp.setattr(writer_mod, "_old_data_files", _raise_boom),
    "replace_data": lambda mp: _fail_nth(mp, writer_mod.os, "replace", 1),
    "replace_model": lambda mp: _fail_nth(mp, writer_mod.os, "replace", 2),
    "interrupt_replace_model": lambda mp: _fail_nth(mp, writer_mod.os, "replace", 2, KeyboardInterrupt),
}


@pytest.mark.parametrize("use_ir", PIPELINES)
@pytest.mark.parametrize("new_external", [True, False], ids=["new_pair", "new_single"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_interrupted_write_leaves_the_old_pair(tmp_path, monkeypatch, fault, new_external, use_ir):
    path = tmp_path / "m.onnx"
    _write(_old, path, use_ir, True)
    before = sorted(os.listdir(tmp_path))
    assert len(_data_files(tmp_path)) == 1
    FAULTS[fault](monkeypatch)
    if fault == "replace_model" and not new_external:  # a single file: the model is the 1st replace
        _fail_nth(monkeypatch, writer_mod.os, "replace", 1)
    if fault == "interrupt_replace_model":
        if not new_external:
            _fail_nth(monkeypatch, writer_mod.os, "replace", 1, KeyboardInterrupt)
        with pytest.raises(KeyboardInterrupt):
            _write(_new, path, use_ir, new_external)
    else:
        with pytest.raises(ConversionError, match=r"\[save\].*injected fault") as info:
            _write(_new, path, use_ir, new_external)
        assert ".jax2onnx-" not in str(info.value)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == before, "the old pair, and only it, must be left"
    assert _computes(_old, path)


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_cleanup_failure_after_the_switch_keeps_the_new_pair(tmp_path, monkeypatch, use_ir):
    path = tmp_path / "m.onnx"
    _write(_old, path, use_ir, True)
    _fail_nth(monkeypatch, writer_mod.os, "remove", 1, PermissionError)
    _write(_new, path, use_ir, True)  # succeeds: only the old data file could not be removed
    monkeypatch.undo()
    assert _computes(_new, path)
    assert len(_data_files(tmp_path)) == 2  # the unreferenced old data file (logged)


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_repeated_writes_and_unrelated_data_files(in_tmp, use_ir):
    with open("m.onnx.data", "wb") as f:  # unrelated, in the cwd, named like a data file
        f.write(b"not ours")
    os.mkdir("m.onnx.0123abcd.data")  # even a directory named like a unique data file
    for model in (_old, _new, _old):
        assert _write(model, "m.onnx", use_ir, True) == "m.onnx"
        assert _computes(model, "m.onnx")
    ours = [n for n in _data_files(in_tmp) if n not in ("m.onnx.data", "m.onnx.0123abcd.data")]
    assert len(ours) == 1, "each write replaces the previous pair"
    _write(_new, "m.onnx", use_ir, False)  # self-contained: the pair's data file goes
    assert _data_files(in_tmp) == ["m.onnx.0123abcd.data", "m.onnx.data"]
    assert open("m.onnx.data", "rb").read() == b"not ours"
    assert _computes(_new, "m.onnx")
    proto = onnx.load("m.onnx", load_external_data=False)
    assert not any(t.external_data for t in proto.graph.initializer)


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_external_data_without_large_weights(in_tmp, use_ir):
    fn = lambda x: jnp.tanh(x) + 1.0  # noqa: E731
    to_onnx(fn, [("B", 3)], use_onnx_ir=use_ir, return_mode="file", output_path="w.onnx", external_data=True)
    assert os.listdir(in_tmp) == ["w.onnx"]  # nothing large enough: no (empty) data file
    onnx.checker.check_model("w.onnx", full_check=True)
    assert bool(allclose(fn, "w.onnx", [_x]))


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_permission_errors_name_the_users_path(in_tmp, monkeypatch, use_ir):
    def denied_mkdtemp(prefix="", dir=None):
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "abc123"))

    monkeypatch.setattr(writer_mod.tempfile, "mkdtemp", denied_mkdtemp)
    with pytest.raises(ConversionError, match="Permission denied") as info:
        _write(_new, "m.onnx", use_ir, None)
    text = str(info.value)
    assert str(in_tmp) in text and ".jax2onnx-" not in text and "abc123" not in text
    monkeypatch.undo()

    real = os.replace

    def denied_replace(src, dst):
        if str(dst).endswith("m.onnx"):
            raise PermissionError(13, "Permission denied", src)
        return real(src, dst)

    monkeypatch.setattr(writer_mod.os, "replace", denied_replace)
    with pytest.raises(ConversionError, match="Permission denied") as info:
        _write(_new, "m.onnx", use_ir, True)
    assert "'m.onnx'" in str(info.value) and ".jax2onnx-" not in str(info.value)
    assert os.listdir(in_tmp) == []


# ------------------------------------------------------------------- allclose mistakes
@pytest.fixture(scope="module")
def two_input_model():
    return to_onnx(lambda x, y: x * y, [("B", 3), ("B", 3)], use_onnx_ir=True)


@pytest.mark.parametrize("arrays,exc,parts", [
    ([np.ones((2, 3))], ValueError, ["2 inputs", "1 arrays"]),
    ([np.ones((2, 3)), np.ones((2, 3, 1))], ValueError, ["'y'", "rank 2", "[2, 3, 1]"]),
    ([np.ones((2, 3)), np.ones((2, 4))], ValueError, ["'y'", "[B, 3]", "[2, 4]"]),
    ([np.ones((2, 3)), np.ones((5, 3))], ValueError, ["'B'", "2 in input 'x'", "5 in input 'y'"]),
    (np.ones((2, 3)), TypeError, ["list or tuple", "[x]"]),
])
def test_allclose_input_mistakes(two_input_model, arrays, exc, parts):
    with pytest.raises(exc) as info:
        allclose(lambda x, y: x * y, two_input_model, arrays)
    for part in parts:
        assert part in str(info.value)


def test_allclose_missing_or_broken_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        allclose(_f1, str(tmp_path / "missing.onnx"), [_x])
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="cannot load the model"):
        allclose(_f1, str(tmp_path / "junk.onnx"), [_x])
    with pytest.raises(TypeError, match="model must be"):
        allclose(_f1, 42, [_x])


# ------------------------------------------------------------------- environment variables
@pytest.mark.parametrize("var,value,call,accepted", [
    ("JAX2ONNX_USE_ONNX_IR", "maybe", lambda: to_onnx(_f1, [S]), ["0/1/true/false/yes/no/on/off"]),
    ("JAX2ONNX_SHADOW_COMPARE", "loud", lambda: to_onnx(_f1, [S], use_onnx_ir=True),
     ["0/1/true/false/yes/no/on/off", "strict"]),
    ("JAX2ONNX_SHADOW_MAX_BYTES", "lots", "shadow_max_bytes", ["non-negative integer"]),
    ("JAX2ONNX_SHADOW_MAX_BYTES", "-5", "shadow_max_bytes", ["non-negative integer"]),
    ("JAX2ONNX_OPTIMIZE", "sometimes", lambda: to_onnx(_f1, [S], use_onnx_ir=True), ["0/1/true/false"]),
    ("JAX2ONNX_DEBUG_IR_DUMP", "2", "debug_ir_dump", ["0/1/true/false"]),
])
def test_bad_environment_values(monkeypatch, in_tmp, var, value, call, accepted):
    from jax2onnx import flags

    monkeypatch.setenv(var, value)
    if isinstance(call, str):
        call = getattr(flags, call)
    with pytest.raises(ValueError) as info:
        call()
    text = str(info.value)
    assert var in text and repr(value) in text
    for part in accepted:
        assert part in text
    assert os.listdir(in_tmp) == []


def test_docs_list_every_error_row():
    """docs/bad_inputs.md has one line per error row id (the table users read)."""
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "bad_inputs.md")).read()
    missing = [r[0] for r in ERRORS if not re.search(rf"`{re.escape(r[0])}`", doc)]
    assert not missing, f"docs/bad_inputs.md lacks rows: {missing}"
