"""The legacy pipeline: lowers the front end's jaxpr with ``plugins`` into an ``onnx.ModelProto``."""

from .build import build_model
from .context import LegacyContext

__all__ = ["build_model", "LegacyContext"]
