"""Flag resolution: argument > JAX2ONNX_USE_ONNX_IR > DEFAULT_USE_ONNX_IR."""

import pytest

from jax2onnx import flags


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("TRUE", True), ("yes", True),
                                          ("0", False), ("false", False), ("", False), ("off", False)])
def test_env_values(monkeypatch, raw, expected):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", raw)
    assert flags.resolve_use_onnx_ir(None) is expected


def test_argument_beats_environment(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "1")
    assert flags.resolve_use_onnx_ir(False) is False
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "0")
    assert flags.resolve_use_onnx_ir(True) is True


def test_default_when_unset(monkeypatch):
    monkeypatch.delenv("JAX2ONNX_USE_ONNX_IR", raising=False)
    assert flags.resolve_use_onnx_ir(None) is flags.DEFAULT_USE_ONNX_IR
    monkeypatch.setattr(flags, "DEFAULT_USE_ONNX_IR", True)
    assert flags.resolve_use_onnx_ir(None) is True


def test_bad_env_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "maybe")
    with pytest.raises(ValueError, match="JAX2ONNX_USE_ONNX_IR"):
        flags.resolve_use_onnx_ir(None)


def test_bad_argument_type():
    with pytest.raises(TypeError, match="use_onnx_ir"):
        flags.resolve_use_onnx_ir("yes")


def test_routing_follows_the_flag(monkeypatch):
    """The environment really picks the pipeline (visible in the lowering metadata)."""
    import jax.numpy as jnp

    from jax2onnx import to_onnx

    def lowering_modules(model):
        return {p.value.split(".")[1] for n in model.graph.node for p in n.metadata_props
                if p.key == "jax2onnx.lowering"}

    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "1")
    assert lowering_modules(to_onnx(lambda x: jnp.exp(x), [(3,)])) == {"plugin2"}
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "0")
    assert lowering_modules(to_onnx(lambda x: jnp.exp(x), [(3,)])) == {"plugins"}
