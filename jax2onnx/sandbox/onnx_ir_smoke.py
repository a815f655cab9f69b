"""Build a tiny model with converter2 (the onnx_ir pipeline) and run it in onnxruntime.

Run: ``python -m jax2onnx.sandbox.onnx_ir_smoke``. Exits non-zero on a mismatch.
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    import jax.numpy as jnp

    from jax2onnx.converter2 import build_model
    from jax2onnx.converter2.serialize import to_proto
    from jax2onnx.frontend import trace
    from jax2onnx.testing.ort import run

    w = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(4, 3)

    def fn(x):
        return jnp.tanh(x @ w) + 1.0

    program = trace(fn, [("B", 4)])
    model = build_model(program, opset=23)  # an onnx_ir.Model
    x = np.arange(20, dtype=np.float32).reshape(5, 4) / 10
    (got,) = run(to_proto(model), [x])
    want = np.asarray(fn(x))
    err = float(np.abs(got - want).max())
    print(f"onnx_ir smoke: {len(model.graph)} nodes, output {got.shape}, max abs error {err:.2e}")
    return 0 if err < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
