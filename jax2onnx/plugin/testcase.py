"""The testcase catalog: every testcase is declared once here and feeds both test trees.

A family module under ``jax2onnx.plugin.cases`` calls :func:`testcase` (or
:func:`component` for shared metadata) at import time. The generators turn each
case into one test per variant in ``tests/generated`` and ``tests2/generated``.

>>> from jax2onnx.plugin.testcase import Testcase
>>> Testcase("demo", "lax.add", fn=lambda x: x + 1, inputs=[("B", 3)]).variants()
('dynamic', 'static')
>>> Testcase("demo", "lax.add", fn=lambda x: x + 1, inputs=[(3,)], opsets=(13, 17)).variants()
('static', 'op13', 'op17')
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

__all__ = ["Testcase", "testcase", "all_cases", "get_case", "families", "COMPONENTS", "LEGACY_FROZEN",
           "variant_opset"]

#: the reason every case of a capability added after the flip gives for ``ir_only=``
LEGACY_FROZEN = "legacy frozen after the flip"

InputGen = Callable[[Any, list[tuple[int, ...]], list[Any]], list[Any]]


@dataclass
class Testcase:
    """One conversion to check: convert → onnx.checker → ORT → compare with JAX.

    ``inputs`` items are shape tuples (ints and symbol strings such as ``"B"``),
    ``jax.ShapeDtypeStruct`` or arrays, exactly as ``to_onnx`` accepts them.
    """

    name: str
    component: str
    fn: Callable | None = None
    build: Callable[[], Callable] | None = None  # zero-arg factory (models)
    inputs: Sequence[Any] = ()
    input_dtypes: Sequence[Any] | None = None  # per input; default float32 (f64 variant: float64)
    input_params: dict | None = None
    input_gen: InputGen | None = None  # (rng, concrete shapes, dtypes) -> arrays
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # symbol -> two sizes
    rtol: float = 1e-5
    atol: float = 1e-5
    f64: bool = False  # add an enable_double_precision variant
    static: bool = True  # add a variant with symbols replaced by concrete sizes
    expect_ops: Sequence[str] = ()  # op types that must appear (functions/subgraphs included)
    forbid_ops: Sequence[str] = ()
    check: Callable | None = None  # extra assertion on the ModelProto
    markers: Sequence[str] = ()  # ir_only, legacy_only, ir_smoke, slow
    ir_xfail: str | None = None
    ir_only: str | None = None  # a reason (usually LEGACY_FROZEN): run in tests2 only
    legacy_xfail: str | None = None
    skip_numeric: str | None = None  # must be a reason; policy test checks
    opset: int = 23
    #: extra variants ``op<k>``: the first variant's conversion at opset k (onnx_ir only;
    #: the catalog's opset dimension is :mod:`jax2onnx.plugin.opset_matrix`)
    opsets: Sequence[int] = ()
    #: opset -> reason: that ``op<k>`` variant is a known gap (strict xfail in tests2)
    opset_xfail: dict[int, str] = field(default_factory=dict)
    family: str = ""
    #: dotted names the case calls that the oldest supported libraries lack (e.g.
    #: ``"jax.lax.tile"``, or ``"jax.lax.linalg.tridiagonal_solve(perturb_singular)"`` for a
    #: keyword): where one is missing the case is skipped naming it (a feature check,
    #: docs/dependencies.md); on the newest tested set all must exist
    requires: Sequence[str] = ()

    def __post_init__(self):
        if self.ir_only is not None:
            if not self.ir_only.strip():
                raise ValueError(f"testcase {self.name}: ir_only= needs a reason")
            if "ir_only" not in self.markers:
                self.markers = tuple(self.markers) + ("ir_only",)

    def symbols(self) -> list[str]:
        out: list[str] = []
        for spec in self.inputs:
            shape = spec if isinstance(spec, tuple) else getattr(spec, "shape", ())
            for d in shape:
                if isinstance(d, str) and d not in out:
                    out.append(d)
        return out

    def variants(self) -> tuple[str, ...]:
        names = []
        if self.symbols():
            names.append("dynamic")
            if self.static:
                names.append("static")
        else:
            names.append("static")
        if self.f64:
            names.append("f64")
        names.extend(f"op{k}" for k in self.opsets)
        return tuple(names)

    def make_callable(self) -> Callable:
        if (self.fn is None) == (self.build is None):
            raise ValueError(f"testcase {self.name}: give exactly one of fn= or build=")
        return self.fn if self.fn is not None else self.build()


def variant_opset(case: Testcase, variant: str) -> int:
    """The opset a variant converts at: ``op<k>`` → k, any other → the case's own."""
    return int(variant[2:]) if variant.startswith("op") else case.opset


_CASES: dict[str, dict[str, Testcase]] = {}
COMPONENTS: dict[str, dict[str, Any]] = {}


def testcase(family: str, name: str, component: str, **kwargs) -> Testcase:
    """Declare a testcase in ``family`` (the generated module it lands in)."""
    case = Testcase(name=name, component=component, family=family, **kwargs)
    bucket = _CASES.setdefault(family, {})
    if name in bucket:
        raise ValueError(f"duplicate testcase {family}/{name}")
    bucket[name] = case
    return case


def component(name: str, *, onnx_ops: Sequence[str] = (), docs: str = "", **meta) -> None:
    """Declare metadata for a component (JAX docs link, ONNX ops used, notes)."""
    COMPONENTS[name] = {"onnx_ops": tuple(onnx_ops), "docs": docs, **meta}


def _load_all() -> None:
    from . import cases

    for mod in sorted(m.name for m in pkgutil.iter_modules(cases.__path__)):
        importlib.import_module(f"{cases.__name__}.{mod}")
    from .opset_matrix import apply

    apply(_CASES)


def families() -> list[str]:
    _load_all()
    return sorted(_CASES)


def all_cases(family: str | None = None) -> list[Testcase]:
    _load_all()
    fams = [family] if family else sorted(_CASES)
    return [c for f in fams for c in _CASES.get(f, {}).values()]


def get_case(family: str, name: str) -> Testcase:
    _load_all()
    return _CASES[family][name]


_MISSING = object()


def _lookup(dotted: str):
    """The object ``pkg.mod.attr`` names (longest importable module prefix), or ``_MISSING``."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                break
        return obj
    return _MISSING


def _resolves(dotted: str) -> bool:
    """``"pkg.mod.attr"`` exists; ``"pkg.mod.fn(param)"``: and ``fn`` takes keyword ``param``."""
    name, _, param = dotted.partition("(")
    obj = _lookup(name)
    if obj is _MISSING:
        return False
    if not param:
        return True
    import inspect

    return param.rstrip(")") in inspect.signature(obj).parameters


def missing_feature(case: Testcase) -> str | None:
    """A skip reason naming the first of ``case.requires`` the installed libraries lack, else None."""
    for dotted in case.requires:
        if not _resolves(dotted):
            lib = dotted.split(".", 1)[0]
            try:
                version = importlib.import_module(lib).__version__
            except (ImportError, AttributeError):
                version = "(not installed)"
            return f"the installed {lib} {version} has no {dotted} (added in a newer {lib})"
    return None
