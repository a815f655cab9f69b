"""The onnx_ir pipeline's only contact with protobuf: serialization at the very end."""

from __future__ import annotations

import os

import onnx_ir as ir

__all__ = ["to_proto", "save"]


def to_proto(model: ir.Model):
    return ir.serde.serialize_model(model)


def save(model: ir.Model, path: str, external_data: str | None = None) -> None:
    """Stream ``model`` to ``path`` (weights go to ``external_data`` when given)."""
    ir.save(model, os.fspath(path), external_data=external_data)
