"""Shadow compare (RFC §6.3): lower the same jaxpr with the other pipeline and diff.

Turned on by ``JAX2ONNX_SHADOW_COMPARE=1`` (record and warn) or ``strict`` (raise
:class:`~jax2onnx.errors.ShadowMismatchError`); off it costs nothing.
"""

from .compare import case_context, compare_models, shadow_compare
from .report import NumericOutput, PipelineResult, ShadowReport
from .sink import collect, read_reports

__all__ = ["shadow_compare", "case_context", "compare_models", "ShadowReport", "PipelineResult",
           "NumericOutput", "collect", "read_reports"]
