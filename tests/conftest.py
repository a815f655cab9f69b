"""Legacy tree: every test here pins the legacy pipeline (the default is onnx_ir since 0.2.0).

Tests that want onnx_ir (integration, bad-input tables over both pipelines) pass
``use_onnx_ir=True`` explicitly, which beats the environment.
"""

import pytest

from jax2onnx.testing.hypothesis_profiles import load_profile

load_profile()


def pytest_configure(config):
    from jax2onnx.shadow.pytest_plugin import register

    register(config)


@pytest.fixture(autouse=True)
def pin_legacy(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "0")
