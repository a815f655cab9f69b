"""EntryPatch: components reached through a library's registry of callables (HF's ACT2FN)."""

import functools
import sys
import types

import jax
import jax.numpy as jnp
import numpy as np

from jax2onnx import to_onnx
from jax2onnx.plugin.patches import EntryPatch
from jax2onnx.testing.graph import op_histogram


def test_entry_patch_swaps_partials_and_the_function_and_restores(monkeypatch):
    gelu_exact = functools.partial(jax.nn.gelu, approximate=False)
    table = {"gelu": gelu_exact, "plain": jax.nn.gelu, "tanh": jnp.tanh}
    mod = types.ModuleType("fake_registry_mod")
    mod.ACT = table
    monkeypatch.setitem(sys.modules, "fake_registry_mod", mod)
    wrapped = []

    def make(original):
        def replacement(*a, **k):
            return original(*a, **k)
        wrapped.append(replacement)
        return replacement

    undo = EntryPatch("fake_registry_mod", "ACT", make, "nn.gelu", jax.nn.gelu).apply()
    assert table["gelu"].func is wrapped[0] and table["gelu"].keywords == {"approximate": False}
    assert table["plain"] is wrapped[1] and table["tanh"] is jnp.tanh
    undo()
    assert table == {"gelu": gelu_exact, "plain": jax.nn.gelu, "tanh": jnp.tanh}


def test_registry_partial_of_gelu_becomes_one_gelu_node(monkeypatch):
    """Hugging Face's spelling: an activation table of partials, looked up at call time."""
    from jax2onnx.plugin import patches
    from jax2onnx.plugin.components import nn as _declare_nn  # noqa: F401  (declares nn.gelu)

    mod = types.ModuleType("fake_hf_utils")
    mod.ACT2FN = {"gelu": functools.partial(jax.nn.gelu, approximate=False)}
    monkeypatch.setitem(sys.modules, "fake_hf_utils", mod)
    gelu = [p for p in patches.PATCHES if getattr(p, "component", "") == "nn.gelu"
            and isinstance(p, EntryPatch)][0]
    monkeypatch.setattr(patches, "PATCHES", patches.PATCHES + [
        EntryPatch("fake_hf_utils", "ACT2FN", gelu.make, "nn.gelu", gelu.original)])

    fn = lambda x: mod.ACT2FN["gelu"](x) * 2.0  # noqa: E731
    model = to_onnx(fn, [("B", 8)], use_onnx_ir=True)
    assert op_histogram(model).get("Gelu") == 1, op_histogram(model)
    assert mod.ACT2FN["gelu"].func is jax.nn.gelu  # restored after the conversion
    from jax2onnx import allclose

    x = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    assert allclose(fn, model, [x])
