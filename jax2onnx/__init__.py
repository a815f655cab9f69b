"""jax2onnx: convert JAX functions, Flax (NNX, Linen) and Equinox modules to ONNX.

>>> from jax2onnx import to_onnx
>>> import jax.numpy as jnp
>>> model = to_onnx(lambda x: jnp.sin(x) * 2.0, [("B", 3)])
>>> model.graph.output[0].name
'out_0'
"""

__version__ = "0.2.0"

from .errors import (  # noqa: E402
    ConversionError,
    LoweringError,
    ShadowMismatchError,
    UnsupportedPrimitiveError,
)
from .user_interface import to_onnx  # noqa: E402
from .verify import VerificationRecord, allclose  # noqa: E402

__all__ = [
    "to_onnx",
    "allclose",
    "onnx_function",
    "VerificationRecord",
    "ConversionError",
    "LoweringError",
    "UnsupportedPrimitiveError",
    "ShadowMismatchError",
    "__version__",
]


def __getattr__(name):
    if name == "onnx_function":  # lazy: issue-8 machinery imports more
        from .functions import onnx_function

        return onnx_function
    raise AttributeError(f"module 'jax2onnx' has no attribute {name!r}")
