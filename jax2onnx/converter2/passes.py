"""Small IR clean-up passes, composed from ``onnx_ir.passes.common``.

Turned off with ``JAX2ONNX_OPTIMIZE=0`` (see :mod:`jax2onnx.flags`).
"""

from __future__ import annotations

import onnx_ir as ir
from onnx_ir.passes import common

from .. import flags

__all__ = ["optimize"]


def optimize(model: ir.Model) -> ir.Model:
    if not flags.optimize_enabled():
        return model
    passes = ir.passes.Sequential(
        common.RemoveUnusedNodesPass(),
        common.RemoveUnusedOpsetsPass(),
    )
    passes(model)
    return model
