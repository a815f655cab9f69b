"""``tile`` (the JAX 0.10 primitive behind ``lax.tile``): one ONNX ``Tile``.

(``stack``/``unstack`` are lowered by the ``shape`` family.)
"""

from __future__ import annotations

from ..plugin.registry import register

PIPELINE = "onnx_ir"


@register(PIPELINE, "tile")
def tile(ctx, x, *, reps, **_):
    return ctx.op("Tile", x, ctx.shape(tuple(reps)))
