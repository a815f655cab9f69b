"""Legacy (protobuf) lowerings, one module per primitive family; loaded lazily.

A lowering: ``lower(ctx, eqn) -> None``, writing to ``ctx.outputs(eqn)``.
"""
