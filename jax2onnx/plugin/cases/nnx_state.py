"""Catalog: NNX module state read with numpy at call time (DINOv3-style RoPE tables).

``np.asarray(self.buffer)`` in ``__call__`` needs a concrete value: the front end
keeps non-parameter state concrete when tracing needs it, and still exports it as a
named initializer (``inv_freq``); parameters stay traced weights.
"""

import jax.numpy as jnp
import numpy as np

from ..testcase import LEGACY_FROZEN, testcase

F = "nnx_state"


def _rope():
    from flax import nnx

    class RoPE(nnx.Module):
        def __init__(self, dim):
            self.inv_freq = nnx.Variable(1.0 / (100.0 ** (jnp.arange(0, dim, 2) / dim)))
            self.proj = nnx.Linear(dim, dim, rngs=nnx.Rngs(0))

        def __call__(self, x):
            freq = np.asarray(self.inv_freq.value)  # concrete at call time
            pos = np.arange(x.shape[1])[:, None] * freq[None, :]
            angles = np.concatenate([pos, pos], axis=-1)
            return self.proj(x) * jnp.cos(angles) + x * jnp.asarray(freq).sum()

    return RoPE(8)


def _named_buffer(model):
    names = {i.name for i in model.graph.initializer}
    assert "inv_freq" in names, names  # (f64 variants fold the f32 kernel's Cast into a new one)


testcase(F, "rope_numpy_buffer", "nnx.Module", build=_rope, inputs=[("B", 5, 8)], f64=True,
         check=_named_buffer, ir_only=LEGACY_FROZEN)
