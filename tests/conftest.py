"""Legacy tree: the pipeline follows the normal flag resolution (default: legacy)."""

from jax2onnx.testing.hypothesis_profiles import load_profile

load_profile()


def pytest_configure(config):
    from jax2onnx.shadow.pytest_plugin import register

    register(config)
