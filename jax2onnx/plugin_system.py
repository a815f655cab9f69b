"""Deprecated: import from :mod:`jax2onnx.plugin` instead."""

from warnings import warn

warn(
    "jax2onnx.plugin_system is deprecated; import from jax2onnx.plugin instead",
    DeprecationWarning,
    stacklevel=2,
)

from jax2onnx.plugin import *  # noqa: E402,F401,F403
from jax2onnx.plugin import __all__  # noqa: E402,F401
