"""Placeholder until issue 4 lands: shadow mode is not implemented yet."""

from __future__ import annotations

from ..errors import ConversionError


def shadow_compare(program, pipeline, model, seconds, opset):
    raise ConversionError("shadow", "JAX2ONNX_SHADOW_COMPARE is not implemented yet; unset it")
