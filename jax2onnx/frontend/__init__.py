"""The shared, pipeline-neutral front end: inputs, model adapters, patches, tracing."""

from .tracing import TracedProgram, trace

__all__ = ["TracedProgram", "trace"]
