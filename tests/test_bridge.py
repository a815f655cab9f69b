"""nnx.bridge.ToNNX: the wrapper is never traced; its variables are read out and a pure apply is traced.

Tracing the stateful wrapper with a symbolic batch used to fail with
``ScopeParamShapeError`` (the lazy-init path compared concrete parameter shapes
with symbolic ones). These tests pin the fix on both pipelines.
"""

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from flax import linen as nn
from flax import nnx

from jax2onnx import to_onnx
from jax2onnx.frontend.adapters import linen_variables_of

PIPELINES = [False, True]


def _run(model, *arrays):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: a for i, a in zip(sess.get_inputs(), arrays)}
    return sess.run(None, feeds)


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_to_nnx_dense_symbolic_batch_no_scope_param_shape_error(use_ir):
    linen_dense = nn.Dense(features=8)
    wrapper = nnx.bridge.ToNNX(linen_dense, rngs=nnx.Rngs(0)).lazy_init(jnp.ones((1, 10)))
    try:
        model = to_onnx(wrapper, [("B", 10)], use_onnx_ir=use_ir)
    except Exception as e:  # the regression: the error must not come back in any form
        assert "ScopeParamShapeError" not in repr(e) and "Initializer expected" not in str(e), e
        raise
    onnx.checker.check_model(model, full_check=True)
    assert _dims(model.graph.input[0]) == ["B", 10]
    assert _dims(model.graph.output[0]) == ["B", 8]
    # the weights are named initializers, not graph inputs
    inits = {i.name for i in model.graph.initializer}
    assert any("kernel" in n for n in inits) and any("bias" in n for n in inits), inits
    assert len(model.graph.input) == 1
    # numbers: compare with the Linen module applied to the wrapper's own variables
    kernel = np.asarray(wrapper.kernel[...])
    bias = np.asarray(wrapper.bias[...])
    variables = {"params": {"kernel": kernel, "bias": bias}}
    for batch in (1, 5):
        x = np.random.default_rng(batch).standard_normal((batch, 10)).astype(np.float32)
        (got,) = _run(model, x)
        expected = np.asarray(linen_dense.apply(variables, x))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got, x @ kernel + bias, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_to_nnx_batchnorm_batch_stats_become_initializers(use_ir):
    bn = nn.BatchNorm(use_running_average=True)
    wrapper = nnx.bridge.ToNNX(bn, rngs=nnx.Rngs(0)).lazy_init(jnp.ones((1, 6)))
    rng = np.random.default_rng(0)
    wrapper.mean[...] = rng.standard_normal(6).astype(np.float32)
    wrapper.var[...] = rng.uniform(0.5, 2.0, 6).astype(np.float32)
    wrapper.scale[...] = rng.uniform(0.5, 2.0, 6).astype(np.float32)
    variables = linen_variables_of(wrapper)
    assert set(variables) == {"params", "batch_stats"}
    model = to_onnx(wrapper, [("B", 6)], use_onnx_ir=use_ir)
    onnx.checker.check_model(model, full_check=True)
    inits = {i.name for i in model.graph.initializer}
    assert any("mean" in n for n in inits) and any("var" in n for n in inits), inits
    for batch in (2, 9):
        x = rng.standard_normal((batch, 6)).astype(np.float32)
        (got,) = _run(model, x)
        expected = (x - np.asarray(wrapper.mean[...])) / np.sqrt(np.asarray(wrapper.var[...]) + 1e-5)
        expected = expected * np.asarray(wrapper.scale[...]) + np.asarray(wrapper.bias[...])
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_uninitialized_wrapper_is_a_clear_error():
    wrapper = nnx.bridge.ToNNX(nn.Dense(features=3), rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="lazy_init"):
        to_onnx(wrapper, [("B", 4)])


def test_user_wrapper_is_not_modified():
    wrapper = nnx.bridge.ToNNX(nn.Dense(features=3), rngs=nnx.Rngs(0)).lazy_init(jnp.ones((1, 4)))
    before = jax.tree_util.tree_map(np.asarray, nnx.state(wrapper, nnx.Param))
    to_onnx(wrapper, [("B", 4)])
    after = jax.tree_util.tree_map(np.asarray, nnx.state(wrapper, nnx.Param))
    jax.tree_util.tree_map(np.testing.assert_array_equal, before, after)


@pytest.mark.parametrize("use_ir", PIPELINES)
def test_to_nnx_nested_in_nnx_module_matches_the_wrapper(use_ir):
    """A ToNNX submodule applies its Linen module to its variables (no RNG plumbing in the graph)."""

    class Hybrid(nnx.Module):
        def __init__(self):
            self.pre = nnx.Linear(5, 6, rngs=nnx.Rngs(0))
            self.post = nnx.bridge.ToNNX(nn.Dense(3), rngs=nnx.Rngs(1)).lazy_init(jnp.ones((1, 6)))

        def __call__(self, x):
            return self.post(nnx.relu(self.pre(x)))

    hybrid = Hybrid()
    model = to_onnx(hybrid, [("B", 5)], use_onnx_ir=use_ir)
    onnx.checker.check_model(model, full_check=True)
    inits = {i.name for i in model.graph.initializer}
    assert {"post.kernel", "post.bias"} <= inits, inits
    for batch in (1, 6):
        x = np.random.default_rng(batch).standard_normal((batch, 5)).astype(np.float32)
        (got,) = _run(model, x)
        np.testing.assert_allclose(got, np.asarray(hybrid(x)), rtol=1e-5, atol=1e-5)  # the real wrapper
