"""A model with a typed-key input whose ONNX outputs equal JAX's bit for bit.

Run: ``python -m jax2onnx.sandbox.onnx_ir_random``. Prints both sides and exits
non-zero unless every output is bit-identical.

The model is dropout in training mode plus a noise draw and a sampled action: the
key (``jax.random.key``) becomes a ``uint32[2]`` ONNX input holding its key data.
"""

from __future__ import annotations

import sys

import numpy as np


def model(key, x):
    import jax
    import jax.numpy as jnp

    k_drop, k_noise, k_act = jax.random.split(key, 3)
    kept = jnp.where(jax.random.bernoulli(k_drop, 0.75, x.shape), x / 0.75, 0.0)
    noisy = kept + 0.1 * jax.random.uniform(k_noise, x.shape)
    action = jax.random.categorical(k_act, noisy)
    return jax.random.bits(k_noise, (x.shape[0],)), noisy, action


def main() -> int:
    import jax

    from jax2onnx import to_onnx
    from jax2onnx.testing.ort import run

    key = jax.random.key(0)
    spec_key = jax.ShapeDtypeStruct((), key.dtype)
    onnx_model = to_onnx(model, [spec_key, ("B", 6)], use_onnx_ir=True)
    print("ONNX inputs:", [(i.name, i.type.tensor_type.elem_type, [d.dim_param or d.dim_value
                                                                   for d in i.type.tensor_type.shape.dim])
                           for i in onnx_model.graph.input])
    x = np.linspace(-1.0, 1.0, 18, dtype=np.float32).reshape(3, 6)
    got = run(onnx_model, [np.asarray(jax.random.key_data(key)), x])
    want = [np.asarray(a) for a in model(key, x)]
    same = True
    np.set_printoptions(precision=9, linewidth=120)
    for name, g, w in zip(("bits", "noisy", "action"), got, want):
        equal = g.dtype == w.dtype and np.array_equal(g.view(np.uint8), w.view(np.uint8))
        same &= equal
        print(f"{name} ({g.dtype}{list(g.shape)}): {'bit-identical' if equal else 'DIFFERENT'}")
        print("  onnx:", g.tolist())
        print("  jax: ", w.tolist())
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
