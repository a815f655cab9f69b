"""Recurrent cells scanned over a sequence → one ONNX ``GRU`` (stub)."""

from __future__ import annotations

__all__ = ["fuse_rnn"]


def fuse_rnn(loop, build) -> bool:
    return False
