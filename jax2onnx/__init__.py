"""jax2onnx: convert JAX functions, Flax (NNX, Linen) and Equinox modules to ONNX.

>>> from jax2onnx import to_onnx
>>> import jax.numpy as jnp
>>> model = to_onnx(lambda x: jnp.sin(x) * 2.0, [("B", 3)])
>>> model.graph.output[0].name
'out_0'
"""



def _find_version() -> str:
    """The installed distribution's version when this file is the installed copy; in a
    source checkout (an editable install's metadata can be stale) pyproject.toml's."""
    import os
    from importlib import metadata

    here = os.path.dirname(os.path.abspath(__file__))
    try:
        dist = metadata.distribution("jax2onnx")
        if os.path.abspath(str(dist.locate_file("jax2onnx"))) == here:
            return dist.version
    except metadata.PackageNotFoundError:
        dist = None
    pyproject = os.path.join(os.path.dirname(here), "pyproject.toml")
    if os.path.isfile(pyproject):
        import re

        with open(pyproject, encoding="utf-8") as f:
            m = re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.M)
        if m:
            return m.group(1)
    return dist.version if dist is not None else "0+unknown"


__version__ = _find_version()

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
