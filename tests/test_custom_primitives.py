"""Custom-primitive mechanism: patches never leak, rules are complete, non-differentiable policy."""

from __future__ import annotations

import subprocess
import sys
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.interpreters import ad, batching

from jax2onnx import to_onnx
from jax2onnx.errors import ConversionError
from jax2onnx.plugin import patches
from jax2onnx.plugin.custom import NotDifferentiableError, load_all_components
from jax2onnx.plugin.registry import lookup, override
from jax2onnx.plugin.testcase import COMPONENTS, all_cases

COMPONENTS_ALL = load_all_components()
NAMES = sorted(COMPONENTS_ALL)


def _originals():
    """The object at every patch target right now."""
    return {(m, a): _resolve(m, a) for c in COMPONENTS_ALL.values() for m, a in c.targets}


def _resolve(module, attribute):
    import importlib

    owner = importlib.import_module(module)
    *parents, leaf = attribute.split(".")
    for p in parents:
        owner = getattr(owner, p)
    return owner.__dict__[leaf] if isinstance(owner, type) and leaf in owner.__dict__ else getattr(owner, leaf)


def _custom_prims_in(fn, *args):
    jaxpr = jax.make_jaxpr(fn)(*args)
    return [e.primitive.name for e in jaxpr.eqns if e.primitive.name in COMPONENTS_ALL]


# ---- patches do not leak -----------------------------------------------------------------
def test_components_declared():
    assert {"jnp.concatenate", "nn.dot_product_attention", "nn.gelu", "nn.one_hot"} <= set(NAMES)


def test_no_leak_after_conversion():
    before = _originals()
    to_onnx(lambda x: jax.nn.gelu(jnp.concatenate([x, x], axis=1)), [("B", 3)])
    assert _originals() == before
    x = jnp.ones((2, 3))
    # called after the conversion: plain JAX again (no custom primitive is bound)
    assert _custom_prims_in(lambda x: jax.nn.gelu(jnp.concatenate([x, x], axis=0)), x) == []
    np.testing.assert_allclose(jnp.concatenate([x, x]), np.ones((4, 3)))


def test_no_leak_after_failed_trace():
    before = _originals()

    def bad(x):
        jnp.concatenate([x, x])
        raise ValueError("boom inside the traced function")

    with pytest.raises(ConversionError) as info:
        to_onnx(bad, [(2, 3)])
    assert isinstance(info.value.__cause__, ValueError)
    assert _originals() == before
    assert _custom_prims_in(lambda x: jnp.concatenate([x, x]), jnp.ones((2, 3))) == []


@pytest.mark.parametrize("use_onnx_ir", [False, True])
def test_no_leak_after_failed_lowering(use_onnx_ir):
    before = _originals()
    pipeline = "onnx_ir" if use_onnx_ir else "legacy"

    def broken(*args, **kwargs):
        raise RuntimeError("injected lowering failure")

    with override(pipeline, "jnp.concatenate", broken):
        with pytest.raises(ConversionError, match="injected lowering failure"):
            to_onnx(lambda x: jnp.concatenate([x, x]), [(2, 3)], use_onnx_ir=use_onnx_ir)
    assert _originals() == before
    assert _custom_prims_in(lambda x: jnp.concatenate([x, x]), jnp.ones((2, 3))) == []


def _jit_inner_prims(f, x):
    (eqn,) = jax.make_jaxpr(f)(x).eqns
    return [e.primitive.name for e in eqn.params["jaxpr"].eqns]


def test_no_leak_through_jit_trace_cache():
    """A jitted function traced during a conversion is traced afresh outside (and vice versa)."""
    from jax2onnx.frontend.tracing import trace

    f = jax.jit(lambda x: jnp.concatenate([x, x]) * 2)
    x = jnp.ones((2, 3))
    assert "jnp.concatenate" not in _jit_inner_prims(f, x)  # cached outside first
    inner = trace(f, [(2, 3)]).jaxpr.eqns[0].params["jaxpr"].eqns
    assert "jnp.concatenate" in [e.primitive.name for e in inner]  # intercepted inside
    assert "jnp.concatenate" not in _jit_inner_prims(f, x)  # and not reused afterwards
    np.testing.assert_allclose(f(x), 2 * np.ones((4, 3)))


def test_nested_and_concurrent_activation_restores_once():
    """Overlapping patches_active (threads, nesting) apply once and restore the originals."""
    import threading

    from jax2onnx.frontend.patching import patches_active

    before = _originals()
    entered, release = threading.Event(), threading.Event()

    def other():
        with patches_active():
            entered.set()
            release.wait(10)

    t = threading.Thread(target=other)
    t.start()
    entered.wait(10)
    with patches_active():
        with patches_active():
            assert _originals()[("jax.numpy", "concatenate")] is not before[("jax.numpy", "concatenate")]
    release.set()
    t.join(10)
    assert _originals() == before


def test_patch_of_inherited_method_is_undone_exactly():
    class Base:
        def __call__(self, x):
            return x + 1

    class Child(Base):
        pass

    mod = type(sys)("_j2o_patch_probe")
    mod.Child = Child
    sys.modules[mod.__name__] = mod
    try:
        patch = patches.Patch(mod.__name__, "Child.__call__", lambda orig: (lambda self, x: orig(self, x) * 10))
        undo = patch.apply()
        assert Child()(1) == 20 and "__call__" in Child.__dict__
        undo()
        assert "__call__" not in Child.__dict__ and Child()(1) == 2
    finally:
        del sys.modules[mod.__name__]


def test_patched_function_outside_converting_context_is_original():
    """Even while patches are installed, code outside the converting context is not intercepted."""
    from jax2onnx.frontend.patching import patches_active

    with patches_active():
        assert _custom_prims_in(lambda x: jnp.concatenate([x, x]), jnp.ones((2, 3))) == []


def test_import_is_cheap_and_declarations_lazy():
    code = ("import sys, jax2onnx; bad = [m for m in sys.modules if m.startswith("
            "('jax2onnx.plugin.components', 'flax', 'equinox'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- abstract_eval keeps symbolic dims; Approach B keeps the macro op --------------------
def test_abstract_eval_keeps_symbolic_dims():
    from jax2onnx.frontend.tracing import trace

    prog = trace(lambda x: jnp.concatenate([x, x], axis=0), [("B", 3)])
    (eqn,) = [e for e in prog.jaxpr.eqns if e.primitive.name == "jnp.concatenate"]
    assert str(eqn.outvars[0].aval.shape[0]) == "2*B"


@pytest.mark.parametrize("shape", [("B", 4, 2, 8), ("B", 3, 4, 2, 8)])
def test_vmap_attention_binds_the_primitive_again(shape):
    from jax2onnx.frontend.tracing import trace

    prog = trace(jax.vmap(lambda q, k, v: jax.nn.dot_product_attention(q, k, v)), [shape] * 3)
    names = [e.primitive.name for e in prog.jaxpr.eqns]
    assert names.count("nn.dot_product_attention") == 1
    assert "dot_general" not in names


# ---- rule coverage ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_every_custom_primitive_has_rules(name):
    comp = COMPONENTS_ALL[name]
    prim = comp.primitive
    assert any(_has_rule(t, prim) for t in _BATCHERS), f"{name}: no batching rule"
    assert _has_rule(ad.primitive_jvps, prim), f"{name}: no JVP rule (or non-differentiable rule)"
    if not comp.differentiable:
        assert comp.nondiff_reason, f"{name}: non-differentiable without a reason"
    for pipeline in ("legacy", "onnx_ir"):
        assert callable(lookup(pipeline, name)), f"{name}: no {pipeline} lowering"


# newer jax exposes primitive_batchers as a write-only proxy whose rules land in
# fancy_primitive_batchers; older jax (the oldest supported, docs/dependencies.md) keeps them in
# the plain primitive_batchers dict: read whichever tables are dicts (a feature check)
_BATCHERS = [t for t in (getattr(__import__("jax._src.interpreters.batching", fromlist=["x"]),
                                 "fancy_primitive_batchers", None), batching.primitive_batchers)
             if isinstance(t, dict)]


def _has_rule(table, prim) -> bool:
    try:
        return table[prim] is not None
    except KeyError:
        return False


def _catalog_name(name: str) -> str:
    return "jax." + name if name.startswith("nn.") else name


MINE = sorted(n for n, c in COMPONENTS_ALL.items() if c.family in ("components_jnp", "components_nn"))


@pytest.mark.parametrize("name", MINE)
def test_every_jnp_nn_component_has_vmap_and_grad_cases(name):
    comp = COMPONENTS_ALL[name]
    cases = [c for c in all_cases() if c.component == _catalog_name(name)]
    assert cases, f"{name}: no testcase"
    assert any("vmap" in c.name for c in cases), f"{name}: no vmap testcase"
    if comp.differentiable:
        assert any("grad" in c.name for c in cases), f"{name}: no grad testcase"
    meta = COMPONENTS.get(_catalog_name(name), {})
    assert meta.get("differentiable", True) == comp.differentiable


# ---- non-differentiable by design ---------------------------------------------------------
def _causes(e):
    while e is not None:
        yield e
        e = e.__cause__ or e.__context__


def test_non_differentiable_component_raises_clear_error_under_grad():
    fn = jax.grad(lambda x: jnp.sum(jax.nn.one_hot(x, 4) * jnp.arange(4.0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # JAX deprecates float labels
        with pytest.raises(ConversionError) as info:
            to_onnx(fn, [("B",)])
    errs = [e for e in _causes(info.value) if isinstance(e, NotDifferentiableError)]
    assert errs, info.value
    assert "nn.one_hot" in str(errs[0]) and "not differentiable by design" in str(errs[0])


def test_non_differentiable_component_is_fine_when_not_differentiated():
    fn = jax.grad(lambda x, i: jnp.sum(x * jax.nn.one_hot(i, 3)))
    model = to_onnx(fn, [jax.ShapeDtypeStruct((2, 3), jnp.float32), jax.ShapeDtypeStruct((2,), jnp.int32)])
    assert [o.name for o in model.graph.output]


def test_non_differentiable_declarations_are_exactly_these():
    assert sorted(n for n in MINE if not COMPONENTS_ALL[n].differentiable) == [
        "jnp.arange", "jnp.linspace", "nn.one_hot"]
