"""onnx_ir tree: every test here runs with the onnx_ir pipeline forced on."""

import pytest


@pytest.fixture(autouse=True)
def force_onnx_ir(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "1")
