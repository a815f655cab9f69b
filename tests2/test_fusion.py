"""Pattern fusion (jax2onnx/converter2/fusion.py): each rule fires on the plain-jnp form,
numbers stay JAX's, the rules respect opsets, dtypes and constants, and
``JAX2ONNX_FUSE=0`` turns them off. (The catalog cases in plugin/cases/fusion.py
run through the generated tests too.)"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from jax2onnx import to_onnx
from jax2onnx.plugin.cases import fusion as cases


def _ops(model) -> dict:
    hist: dict = {}
    for n in model.graph.node:
        hist[n.op_type] = hist.get(n.op_type, 0) + 1
    return hist


def _run(model, *xs):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs)})[0]


def _check(fn, xs, fused, gone, opset=23, atol=1e-5):
    specs = [jax.ShapeDtypeStruct(x.shape, x.dtype) for x in xs]
    model = to_onnx(fn, specs, opset=opset)
    onnx.checker.check_model(model, full_check=True)
    ops = _ops(model)
    assert fused in ops, ops
    for op in gone:
        assert op not in ops, ops
    got, want = _run(model, *xs), np.asarray(fn(*[jnp.asarray(x) for x in xs]))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=atol)
    return model


def _x(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


RULES = [
    (cases.layer_norm, [_x(2, 5, 16)], "LayerNormalization", ["Sqrt", "ReduceSum", "Div"]),
    (cases.layer_norm_rsqrt, [_x(3, 16)], "LayerNormalization", ["Sqrt", "Reciprocal"]),
    (cases.rms_norm, [_x(3, 16)], "RMSNormalization", ["Sqrt", "Reciprocal"]),
    (cases.gelu_erf, [_x(3, 16)], "Gelu", ["Erf"]),
    (cases.gelu_tanh, [_x(3, 16)], "Gelu", ["Tanh"]),
    (cases.silu, [_x(3, 16)], "Sigmoid", ["Exp", "Div"]),
    (cases.softmax, [_x(4, 16)], "Softmax", ["Exp", "ReduceMax"]),
    (cases.attention_einsum, [_x(2, 5, 2, 8, seed=i) for i in range(3)], "Attention", ["Einsum", "Softmax"]),
    (cases.attention_causal_matmul, [_x(2, 2, 6, 8, seed=i) for i in range(3)], "Attention", ["MatMul", "Softmax"]),
    (cases.attention_projected, [_x(2, 6, 16)], "Attention", ["Transpose", "Softmax", "Reshape"]),
    (cases.attention_flax_style, [_x(2, 5, 2, 8, seed=i) for i in range(3)], "Attention", ["Einsum", "Div"]),
    (cases.attention_gqa, [_x(2, 5, 4, 8), _x(2, 5, 2, 8, seed=1), _x(2, 5, 2, 8, seed=2)], "Attention",
     ["Einsum", "Expand"]),
    (cases.gemm, [_x(4, 16), _x(16, 16, seed=1)], "Gemm", ["MatMul"]),
]


@pytest.mark.parametrize("fn,xs,fused,gone", RULES, ids=[r[0].__name__ for r in RULES])
def test_rule_fires_and_keeps_numbers(fn, xs, fused, gone):
    _check(fn, xs, fused, gone)


@pytest.mark.parametrize("fn,xs,fused,gone", RULES[:3], ids=[r[0].__name__ for r in RULES[:3]])
def test_fuse_off(fn, xs, fused, gone, monkeypatch):
    monkeypatch.setenv("JAX2ONNX_FUSE", "0")
    model = to_onnx(fn, [jax.ShapeDtypeStruct(x.shape, x.dtype) for x in xs])
    assert fused not in _ops(model)
    np.testing.assert_allclose(_run(model, *xs), np.asarray(fn(*xs)), rtol=1e-5, atol=1e-5)


def test_bad_switch_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_FUSE", "maybe")
    with pytest.raises(ValueError, match="JAX2ONNX_FUSE"):
        to_onnx(cases.gelu_erf, [(3, 16)])


def test_layer_norm_epsilon_from_graph():
    model = to_onnx(cases.layer_norm, [(2, 16)])
    (ln,) = [n for n in model.graph.node if n.op_type == "LayerNormalization"]
    eps = [a.f for a in ln.attribute if a.name == "epsilon"]
    assert eps and abs(eps[0] - 1e-12) < 1e-18
    # large epsilon: the fused numbers still follow it
    def big_eps(x):
        m = jnp.mean(x, -1, keepdims=True)
        return (x - m) / jnp.sqrt(jnp.mean((x - m) ** 2, -1, keepdims=True) + 0.5)
    _check(big_eps, [_x(3, 16)], "LayerNormalization", ["Sqrt"])


def test_below_the_ops_opset_nothing_fuses():
    xs = [_x(3, 16)]
    for fn, op, opset in [(cases.layer_norm, "LayerNormalization", 16), (cases.rms_norm, "RMSNormalization", 22),
                          (cases.gelu_erf, "Gelu", 19)]:
        model = to_onnx(fn, [(3, 16)], opset=opset)
        assert op not in _ops(model)
        np.testing.assert_allclose(_run(model, *xs), np.asarray(fn(*xs)), rtol=1e-5, atol=1e-5)
    model = to_onnx(cases.attention_einsum, [(2, 5, 2, 8)] * 3, opset=22)
    assert "Attention" not in _ops(model) and "Softmax" in _ops(model)


def test_wrong_constants_do_not_fuse():
    def not_gelu(x):  # 0.045 instead of 0.044715
        return 0.5 * x * (1.0 + jnp.tanh(jnp.sqrt(2.0 / jnp.pi) * (x + 0.045 * x ** 3)))

    def not_mean(x):  # divides by 15, not by the 16 elements
        m = jnp.sum(x, -1, keepdims=True) / 15.0
        return (x - m) / jnp.sqrt(jnp.mean((x - m) ** 2, -1, keepdims=True) + 1e-5)

    def unshifted_softmax(x):  # overflows where Softmax does not: left alone
        e = jnp.exp(x)
        return e / jnp.sum(e, -1, keepdims=True)

    for fn, op in [(not_gelu, "Gelu"), (not_mean, "LayerNormalization"), (unshifted_softmax, "Softmax")]:
        model = to_onnx(fn, [(3, 16)])
        assert op not in _ops(model), fn.__name__
        x = _x(3, 16)
        np.testing.assert_allclose(_run(model, x), np.asarray(fn(x)), rtol=1e-5, atol=1e-5)


def test_float64_keeps_what_onnxruntime_cannot_run():
    x = _x(3, 16, dtype=np.float64)
    with jax.enable_x64(True):
        model = to_onnx(cases.gelu_erf, [jax.ShapeDtypeStruct((3, 16), jnp.float64)], enable_double_precision=True)
        want = np.asarray(cases.gelu_erf(jnp.asarray(x)))
    assert "Gelu" not in _ops(model)  # onnxruntime has no float64 Erf Gelu kernel
    np.testing.assert_allclose(_run(model, x), want, rtol=1e-12)


def test_gemm_only_2d_and_broadcastable_bias():
    w = _x(16, 16)
    model = to_onnx(lambda x: x @ w + cases._B16, [(2, 4, 16)])  # 3-D: stays MatMul + Add
    assert "Gemm" not in _ops(model) and "MatMul" in _ops(model)
    wide = _x(3, 4, 16)
    model = to_onnx(lambda x: x @ w + wide, [(4, 16)])  # the bias broadcasts the product up
    assert "Gemm" not in _ops(model)


def test_rms_of_x_over_a_centered_numerator_is_no_norm():
    """(x - mean(x)) / sqrt(mean(x²) + eps) is neither LayerNorm nor RMSNorm: left alone."""
    def f(a, b):
        x = a - b
        return (x - jnp.mean(x, -1, keepdims=True)) / jnp.sqrt(jnp.mean(x * x, -1, keepdims=True) + 1e-5)

    model = to_onnx(f, [(3, 16), (3, 16)])
    ops = _ops(model)
    assert "RMSNormalization" not in ops and "LayerNormalization" not in ops, ops
    a, b = _x(3, 16), _x(3, 16, seed=1)
    np.testing.assert_allclose(_run(model, a, b), np.asarray(f(a, b)), rtol=1e-5, atol=1e-5)


def test_shared_intermediate_stays_correct():
    """The mean is also an output: the LayerNorm fuses, the mean is still computed."""
    def f(x):
        m = jnp.mean(x, -1, keepdims=True)
        return (x - m) / jnp.sqrt(jnp.mean((x - m) ** 2, -1, keepdims=True) + 1e-5), m

    model = to_onnx(f, [(3, 16)])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = _x(3, 16)
    for got, want in zip(sess.run(None, {sess.get_inputs()[0].name: x}), f(x)):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-5)
