"""High-level components as custom JAX primitives (pipeline-neutral mechanism).

A *component* keeps a user-facing callable (``jnp.concatenate``,
``jax.nn.dot_product_attention``, ``nnx.Linear.__call__``) whole in the jaxpr, so
the lowerings can emit one macro op (``Concat``, ``Attention``, ``Gemm``) instead
of the many small primitives JAX would otherwise trace.

Declaring a component gives it:

- a **custom primitive** named ``name`` (``"jnp.concatenate"``), registered in the
  lazy lowering index under ``family`` (the lowering modules are
  ``jax2onnx.plugins.<family>`` and ``jax2onnx.plugin2.<family>``);
- a **patch** per target: the replacement calls ``unpack(*args, **kwargs)``; when
  that returns ``(operands, params)`` the primitive is bound, when it returns
  ``None`` (an argument combination the lowerings do not cover) the original
  runs unchanged. Patches apply only while ``to_onnx`` traces
  (:func:`jax2onnx.frontend.patching.patches_active`) and only in the converting
  context, so other threads and code after the conversion never see them;
- ``abstract_eval`` = :func:`jax.eval_shape` of ``apply`` (symbolic dims survive;
  no hand-written shape math);
- ``impl`` (eager) and an MLIR lowering, both running ``apply``;
- a **batching rule**: ``batching="fallback"`` (Approach A: vmap ``apply``, or
  ``fallback`` when given; the decomposition lands in the jaxpr) or a callable
  ``rule(args, dims, **params)`` (Approach B: transform shapes and bind the
  primitive again);
- a **JVP rule**: ``differentiable=True`` registers the shared fallback
  (:func:`register_fallback_jvp_rule` over ``apply``/``fallback``) unless an
  explicit ``jvp=rule(primals, tangents, **params)`` is given;
  ``differentiable=False`` registers a rule raising
  :class:`NotDifferentiableError` with ``nondiff_reason``.

``fallback(*operands, **params)`` is optional: an equivalent decomposition the
Approach-A rules trace instead of the original, for originals whose own trace
contains primitives that do not convert (see ``components/fallbacks.py``).

``apply(original, *operands, **params)`` is the reference semantics of the
primitive in terms of its operands and params. It must not depend on anything
else (no ``self``): abstract_eval, impl and the fallbacks all go through it.
Params must be hashable static configuration (ints, floats, bools, strings,
tuples, dtypes). While ``apply`` runs, interception is suspended, so the
original's own calls to other patched functions are not intercepted again.

Example — a module function::

    declare(
        "jnp.concatenate", family="components_jnp",
        targets=[("jax.numpy", "concatenate")],
        unpack=lambda arrays, axis=0, dtype=None: (
            (tuple(arrays), {"axis": axis}) if dtype is None and axis is not None else None),
        apply=lambda orig, *xs, axis: orig(xs, axis=axis),
    )

Example — a class method (``nnx.Linear.__call__``; ``self`` is the first
positional argument of the replacement; weights become operands, config params)::

    def _unpack_linear(self, x):
        if self.bias is None:
            return None                     # not covered: run the original
        return (x, self.kernel.value, self.bias.value), {}

    declare(
        "nnx.linear", family="components_nnx",
        targets=[("flax.nnx", "Linear.__call__")],
        unpack=_unpack_linear,
        apply=lambda orig, x, kernel, bias: x @ kernel + bias,  # no self here
        batching="fallback",
    )

Declaration modules live in ``jax2onnx.plugin.components`` and are imported
lazily by :func:`jax2onnx.plugin.patches.active_patches` when the module of one
of their targets is already imported (see ``DECLARATIONS`` there).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

__all__ = [
    "CustomComponent",
    "NotDifferentiableError",
    "declare",
    "components",
    "load_all_components",
    "register_fallback_jvp_rule",
    "register_nondiff_jvp_rule",
    "suspended",
    "intercepting",
]

_SUSPENDED = contextvars.ContextVar("jax2onnx_intercept_suspended", default=False)


class NotDifferentiableError(TypeError):
    """A component that is not differentiable by design was differentiated."""


@contextlib.contextmanager
def suspended():
    """Run the body with interception off (fallbacks trace the original JAX code)."""
    token = _SUSPENDED.set(True)
    try:
        yield
    finally:
        _SUSPENDED.reset(token)


def intercepting() -> bool:
    """True while ``to_onnx`` traces and interception is not suspended."""
    from ..frontend.state import is_converting

    return is_converting() and not _SUSPENDED.get()


@dataclass
class CustomComponent:
    """One declared component; see the module docstring for the fields' roles."""

    name: str
    family: str
    targets: tuple[tuple[str, str], ...]
    unpack: Callable[..., Any]
    apply: Callable[..., Any]
    batching: Any = "fallback"  # "fallback" (Approach A) or rule(args, dims, **params)
    differentiable: bool = True
    nondiff_reason: str = ""
    multiple_results: bool = False
    jvp: Callable | None = None  # explicit rule(primals, tangents, **params), else fallback
    fallback: Callable | None = None  # fallback(*operands, **params): what rules decompose into
    docs: str = ""
    onnx_ops: tuple[str, ...] = ()
    original: Callable | None = None
    primitive: Any = field(default=None, repr=False)
    batching_kind: str = ""  # "A (...)" or "B (...)", for the coverage table
    jvp_kind: str = ""  # "A (...)", "explicit rule" or "not differentiable by design"

    def call_original(self, *operands, **params):
        """``apply`` with interception suspended (reference semantics)."""
        with suspended():
            return self.apply(self.original, *operands, **params)

    def decompose(self, *operands, **params):
        """What the Approach-A rules trace: ``fallback`` if given, else ``apply(original)``."""
        if self.fallback is not None:
            return self.fallback(*operands, **params)
        return self.apply(self.original, *operands, **params)

    def bind(self, operands: Sequence, params: dict):
        """Bind the custom primitive (operands are converted to JAX arrays)."""
        import jax.numpy as jnp

        ops = [o if hasattr(o, "aval") else jnp.asarray(o) for o in operands]
        out = self.primitive.bind(*ops, **params)
        return list(out) if self.multiple_results else out

    def make_replacement(self, original: Callable) -> Callable:
        """The function installed at a target while patches are active."""
        comp = self

        @functools.wraps(original)
        def replacement(*args, **kwargs):
            if not intercepting():
                return original(*args, **kwargs)
            try:
                unpacked = comp.unpack(*args, **kwargs)
            except TypeError:  # a signature unpack does not know: the original decides
                unpacked = None
            if unpacked is None:
                return original(*args, **kwargs)
            operands, params = unpacked
            return comp.bind(operands, params)

        replacement.__jax2onnx_component__ = comp.name
        return replacement


_COMPONENTS: dict[str, CustomComponent] = {}


def components() -> dict[str, CustomComponent]:
    """Every component declared so far (name → component)."""
    return dict(_COMPONENTS)


def load_all_components() -> dict[str, CustomComponent]:
    """Import every declaration module (coverage table, policy tests)."""
    from . import components as pkg

    for mod in sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)):
        try:
            importlib.import_module(f"{pkg.__name__}.{mod}")
        except ImportError:  # optional frameworks (flax, equinox) may be absent
            continue
    return components()


def _resolve(module: str, attribute: str):
    owner = importlib.import_module(module)
    *parents, leaf = attribute.split(".")
    for p in parents:
        owner = getattr(owner, p)
    if isinstance(owner, type) and leaf in owner.__dict__:
        return owner.__dict__[leaf]
    return getattr(owner, leaf)


def _to_shaped(out):
    from jax.core import ShapedArray

    return ShapedArray(out.shape, out.dtype, weak_type=getattr(out, "weak_type", False))


def register_fallback_jvp_rule(primitive, original_fn: Callable, *, multiple_results: bool = False) -> None:
    """Approach A for JVP: differentiate ``original_fn(*operands, **params)`` with ``jax.jvp``.

    Only floating operands are differentiated; the others are closed over. The
    rule runs with interception suspended, so the tangent (and primal) come out
    as plain JAX primitives that both pipelines lower and ``jax.grad`` transposes.
    """
    import jax
    import numpy as np
    from jax.interpreters import ad

    def rule(primals, tangents, **params):
        diff = [i for i, p in enumerate(primals)
                if np.issubdtype(np.dtype(p.dtype), np.inexact)]

        def f(*vals):
            full = list(primals)
            for i, v in zip(diff, vals):
                full[i] = v
            out = original_fn(*full, **params)
            return list(out) if multiple_results else out

        tans = [ad.instantiate_zeros(tangents[i]) for i in diff]
        with suspended():
            primal_out, tangent_out = jax.jvp(f, [primals[i] for i in diff], tans)
        return primal_out, tangent_out

    ad.primitive_jvps[primitive] = rule


def register_nondiff_jvp_rule(primitive, name: str, reason: str) -> None:
    """A JVP rule that raises :class:`NotDifferentiableError` naming the component."""
    from jax.interpreters import ad

    def rule(primals, tangents, **params):
        raise NotDifferentiableError(
            f"{name} is not differentiable by design ({reason}); jax2onnx does not convert "
            f"its gradient. Apply jax.lax.stop_gradient to its input, or differentiate "
            f"with respect to other arguments."
        )

    ad.primitive_jvps[primitive] = rule


def _fallback_batcher(comp: CustomComponent):
    import jax

    def rule(args, dims, **params):
        in_axes = tuple(None if d is None else d for d in dims)
        fn = functools.partial(comp.decompose, **params)
        with suspended():
            out = jax.vmap(fn, in_axes=in_axes)(*args)
        if comp.multiple_results:
            out = list(out)
            return out, [0] * len(out)
        return out, 0

    return rule


def declare(
    name: str,
    *,
    family: str,
    targets: Sequence[tuple[str, str]],
    unpack: Callable[..., Any],
    apply: Callable[..., Any],
    batching: Any = "fallback",
    differentiable: bool = True,
    nondiff_reason: str = "",
    multiple_results: bool = False,
    jvp: Callable | None = None,
    fallback: Callable | None = None,
    original: Callable | None = None,
    docs: str = "",
    onnx_ops: Sequence[str] = (),
) -> CustomComponent:
    """Declare a component: custom primitive, patches, abstract_eval, batching and JVP rules.

    ``original`` defaults to the object currently at the first target.
    ``fallback(*operands, **params)`` replaces ``apply(original, ...)`` in the
    Approach-A batching and JVP rules when the original would trace into
    primitives that do not convert cleanly (it must compute the same values).
    ``batching`` and ``jvp`` may be explicit rules (Approach B).
    Returns the :class:`CustomComponent` (its ``primitive`` is ready to bind).
    """
    import jax
    from jax.extend.core import Primitive
    from jax.interpreters import ad, batching as jax_batching, mlir

    from . import index, patches

    if name in _COMPONENTS:
        return _COMPONENTS[name]
    if not differentiable and not nondiff_reason:
        raise ValueError(f"component {name}: differentiable=False needs a nondiff_reason")
    targets = tuple((m, a) for m, a in targets)
    comp = CustomComponent(
        name=name, family=family, targets=targets, unpack=unpack, apply=apply,
        batching=batching, differentiable=differentiable, nondiff_reason=nondiff_reason,
        multiple_results=multiple_results, jvp=jvp, fallback=fallback, docs=docs, onnx_ops=tuple(onnx_ops),
        original=original if original is not None else _resolve(*targets[0]),
    )
    prim = Primitive(name)
    prim.multiple_results = multiple_results
    comp.primitive = prim

    def impl(*args, **params):
        out = comp.call_original(*args, **params)
        return list(out) if multiple_results else out

    def abstract_eval(*avals, **params):
        specs = [jax.ShapeDtypeStruct(a.shape, a.dtype, weak_type=getattr(a, "weak_type", False))
                 for a in avals]
        with suspended():
            out = jax.eval_shape(functools.partial(comp.apply, comp.original, **params), *specs)
        if multiple_results:
            return [_to_shaped(o) for o in out]
        return _to_shaped(out)

    prim.def_impl(impl)
    prim.def_abstract_eval(abstract_eval)
    mlir.register_lowering(prim, mlir.lower_fun(impl, multiple_results=multiple_results))

    via = "the original" if fallback is None else "an equivalent decomposition"
    if batching == "fallback":
        jax_batching.primitive_batchers[prim] = _fallback_batcher(comp)
        comp.batching_kind = f"A (vmap of {via})"
    elif callable(batching):
        jax_batching.primitive_batchers[prim] = batching
        comp.batching_kind = "B (explicit, rebinds primitive)"
    else:
        raise ValueError(f"component {name}: batching must be 'fallback' or a rule")

    if not differentiable:
        register_nondiff_jvp_rule(prim, name, nondiff_reason)
        comp.jvp_kind = "not differentiable by design"
    elif jvp is not None:
        ad.primitive_jvps[prim] = jvp
        comp.jvp_kind = "explicit rule"
    else:
        register_fallback_jvp_rule(prim, comp.decompose, multiple_results=multiple_results)
        comp.jvp_kind = f"A (jax.jvp of {via})"

    for module, attribute in targets:
        patches.register_patch(module, attribute, comp.make_replacement, component=name)
        for reexporter in patches.REEXPORTS.get(module, ()):
            patches.register_patch(reexporter, attribute, comp.make_replacement, component=name,
                                   only_if=_resolve(module, attribute))
        for registry in patches.REGISTRIES.get(module, ()):
            patches.register_entry_patch(registry, comp.make_replacement, name, _resolve(module, attribute))
    index.add_family(family, (name,))
    _COMPONENTS[name] = comp
    return comp
