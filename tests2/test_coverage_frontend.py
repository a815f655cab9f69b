"""Front end: dead-code elimination, the callback policy, user source lines (onnx_ir)."""

import logging

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import pytest

from jax2onnx import to_onnx
from jax2onnx.errors import UnsupportedPrimitiveError
from jax2onnx.verify import allclose


def test_linen_lstm_rnn_converts_despite_its_dead_key_split():
    import flax.linen as nn

    class Model(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.RNN(nn.LSTMCell(8))(x)

    model = Model()
    variables = model.init(jax.random.PRNGKey(0), jnp.ones((2, 5, 3)))

    def fn(x):
        return model.apply(variables, x)

    onnx_model = to_onnx(fn, [("B", 5, 3)])
    onnx.checker.check_model(onnx_model, full_check=True)
    for b in (2, 4):
        x = np.random.default_rng(b).standard_normal((b, 5, 3)).astype(np.float32)
        assert allclose(fn, onnx_model, [x], rtol=1e-5, atol=1e-5)


def test_unused_results_are_dropped_before_dispatch():
    def fn(x):
        jax.random.split(jax.random.PRNGKey(1))  # dead: no random lowering needed
        return jnp.sin(x)

    onnx_model = to_onnx(fn, [(3,)])
    assert [n.op_type for n in onnx_model.graph.node] == ["Sin"]


def test_debug_print_is_dropped_with_one_warning(caplog, monkeypatch):
    monkeypatch.delenv("JAX2ONNX_SHADOW_COMPARE", raising=False)  # one conversion, one warning

    def fn(x):
        jax.debug.print("x={}", x)
        return x * 2.0

    with caplog.at_level(logging.WARNING, logger="jax2onnx.frontend"):
        onnx_model = to_onnx(fn, [(3,)])
    msgs = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(msgs) == 1 and "jax.debug.print" in msgs[0] and "test_coverage_frontend.py" in msgs[0]
    assert [n.op_type for n in onnx_model.graph.node] == ["Mul"]


def _host_fn(a):
    return np.asarray(a) + 1


def test_other_callbacks_are_refused_naming_the_function_and_line():
    def fn(x):
        return jax.pure_callback(_host_fn, jax.ShapeDtypeStruct(x.shape, x.dtype), x)

    with pytest.raises(UnsupportedPrimitiveError) as err:
        to_onnx(fn, [(3,)])
    msg = str(err.value)
    assert "_host_fn" in msg and "test_coverage_frontend.py" in msg and "pure_callback" in msg


@pytest.mark.parametrize("fn", [
    lambda x: jnp.linalg.eigh(x)[0],
    lambda x: jnp.fft.fft(x).real,
    lambda x: x + jax.random.normal(jax.random.PRNGKey(0), x.shape),
], ids=["eigh", "fft", "random"])
def test_unsupported_primitives_inside_library_jits_name_the_user_line(fn):
    from jax2onnx.plugin.registry import lookup

    try:
        to_onnx(fn, [(3, 3)])
    except UnsupportedPrimitiveError as err:
        sites = err.value.sites if hasattr(err, "value") else err.sites
        assert all("test_coverage_frontend.py" in s.source for s in sites), sites
        assert any(isinstance(lookup("onnx_ir", s.primitive), str) for s in sites)
    # (once another branch lowers these primitives the conversion succeeds: nothing to name)
