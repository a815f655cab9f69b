"""onnx_ir lowerings, one module per primitive family; loaded lazily by the registry.

A lowering: ``lower(ctx, *inputs: ir.Value, **eqn_params) -> ir.Value | tuple``.
"""
