"""onnx_ir tree: every test here runs with the onnx_ir pipeline forced on."""

import pytest

from jax2onnx.testing.hypothesis_profiles import load_profile

load_profile()


def pytest_configure(config):
    from jax2onnx.shadow.pytest_plugin import register

    register(config)


@pytest.fixture(autouse=True)
def force_onnx_ir(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "1")
