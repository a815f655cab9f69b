"""The onnx_ir pipeline: lowers the front end's jaxpr with ``plugin2`` into an ``onnx_ir.Model``."""

from .build import build_model
from .context import IrContext

__all__ = ["build_model", "IrContext"]
