"""@onnx_function: behaviour outside to_onnx, domains, and errors."""

import jax.numpy as jnp
import numpy as np
import pytest

from jax2onnx import allclose, onnx_function, to_onnx


def test_outside_to_onnx_nothing_changes():
    calls = []

    def raw(x, scale=2.0):
        calls.append(type(x).__name__)
        return x * scale

    wrapped = onnx_function(raw)
    x = np.arange(3.0, dtype=np.float32)
    np.testing.assert_array_equal(wrapped(x), raw(x))
    np.testing.assert_array_equal(wrapped(x, scale=3.0), raw(x, scale=3.0))
    assert wrapped.__name__ == "raw" and wrapped.__doc__ == raw.__doc__
    assert calls == ["ndarray"] * 4  # called directly, no jit, no tracing


def test_decorated_class_behaves_the_same_outside_and_after_conversion():
    from flax import nnx

    class Plain(nnx.Module):
        def __init__(self, *, rngs):
            self.linear = nnx.Linear(4, 2, rngs=rngs)

        def __call__(self, x):
            return self.linear(x) * 3.0

    Decorated = onnx_function(type("Decorated", (Plain,), {"__call__": Plain.__call__}))
    plain, deco = Plain(rngs=nnx.Rngs(0)), Decorated(rngs=nnx.Rngs(0))
    x = np.ones((2, 4), np.float32)
    np.testing.assert_allclose(deco(x), plain(x))
    model = to_onnx(deco, [("B", 4)], use_onnx_ir=True)
    assert [f.name for f in model.functions] == ["Decorated"]
    np.testing.assert_allclose(deco(x), plain(x))  # still plain behaviour after a conversion
    assert allclose(deco, model, [x])


@pytest.mark.parametrize("use_ir", [False, True])
def test_custom_domain(use_ir):
    @onnx_function(domain="my.company", name="Smooth")
    def smooth(x):
        return jnp.log1p(jnp.exp(x)) if False else jnp.tanh(x) + x

    model = to_onnx(lambda x: smooth(x) * 2.0, [("B", 3)], use_onnx_ir=use_ir)
    assert [(f.domain, f.name) for f in model.functions] == [("my.company", "Smooth")]
    assert {o.domain for o in model.opset_import} >= {"", "my.company"}
    assert allclose(lambda x: smooth(x) * 2.0, model, [np.ones((4, 3), np.float32)])


def test_bad_targets():
    with pytest.raises(TypeError, match="decorates a class, a function"):
        onnx_function(42)
    with pytest.raises(ValueError, match="domain"):
        onnx_function(lambda x: x, domain="")
