"""Policy tests guarding the architecture (DESIGN.md, "Tests")."""

import inspect
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PKG = ROOT / "jax2onnx"


def _py_files(sub: str):
    return sorted((PKG / sub).rglob("*.py"))


def test_no_protobuf_onnx_in_the_ir_pipeline():
    """plugin2/ and converter2/ build onnx_ir; only serialize.py may touch protobuf onnx."""
    pattern = re.compile(r"^\s*(import onnx\b(?!_ir)|from onnx(\.| )import|from onnx\.)", re.M)
    offenders = [str(p.relative_to(ROOT)) for sub in ("plugin2", "converter2") for p in _py_files(sub)
                 if p.name != "serialize.py" and pattern.search(p.read_text())]
    assert not offenders, f"protobuf onnx imported in the onnx_ir pipeline: {offenders}"


def test_environment_read_only_in_flags():
    pattern = re.compile(r"os\.(getenv|environ)")
    offenders = [str(p.relative_to(ROOT)) for p in PKG.rglob("*.py")
                 if p.name != "flags.py" and pattern.search(p.read_text())]
    assert not offenders, f"JAX2ONNX_* toggles must be read in jax2onnx/flags.py only: {offenders}"


def test_modules_stay_readable():
    big = {str(p.relative_to(ROOT)): n for p in PKG.rglob("*.py") if (n := len(p.read_text().splitlines())) > 800}
    assert not big, f"modules over 800 lines: {big}"


def _declare_all_components():
    import importlib
    import pkgutil

    from jax2onnx.plugin import components

    for mod in pkgutil.iter_modules(components.__path__):
        importlib.import_module(f"{components.__name__}.{mod.name}")


@pytest.mark.parametrize("pipeline", ["legacy", "onnx_ir"])
def test_index_matches_registered_lowerings(pipeline):
    """Every lowering lives in the family module the lazy index names for it."""
    from jax2onnx.plugin.index import FAMILY_OF
    from jax2onnx.plugin.registry import PACKAGES, registered

    _declare_all_components()  # custom primitives enter the index when declared
    wrong = {}
    for prim, fn in registered(pipeline).items():
        family = FAMILY_OF.get(prim)
        expected = f"{PACKAGES[pipeline]}.{family}"
        if family is None or fn.__module__ != expected:
            wrong[prim] = (fn.__module__, expected)
    assert not wrong, f"index/registration disagree (module, index says): {wrong}"


def test_both_pipelines_support_the_same_primitives():
    """The parity goal: whatever one pipeline lowers, the other lowers too (except the
    families added after the flip, which only onnx_ir lowers)."""
    from jax2onnx.plugin.index import FAMILY_OF, IR_ONLY_FAMILIES
    from jax2onnx.plugin.registry import registered

    legacy, onnx_ir = set(registered("legacy")), set(registered("onnx_ir"))
    ir_only = {p for p in onnx_ir if FAMILY_OF.get(p) in IR_ONLY_FAMILIES}
    assert legacy - onnx_ir == set(), f"only legacy lowers: {sorted(legacy - onnx_ir)}"
    assert onnx_ir - legacy - ir_only == set(), f"only onnx_ir lowers: {sorted(onnx_ir - legacy - ir_only)}"
    assert not legacy & ir_only, f"legacy lowers onnx_ir-only families: {sorted(legacy & ir_only)}"


def test_converters_do_not_import_plugin_modules():
    """Dependencies point one way: plugins import their context; converters never import plugins."""
    offenders = [str(p.relative_to(ROOT)) for sub in ("converter", "converter2") for p in _py_files(sub)
                 if re.search(r"from \.\.(plugins|plugin2)[ .]", p.read_text())]
    assert not offenders, f"converter imports plugin modules: {offenders}"


def test_testcases_are_well_formed():
    from jax2onnx.plugin.testcase import all_cases

    for case in all_cases():
        assert case.variants(), case.name
        assert (case.fn is None) != (case.build is None), f"{case.family}/{case.name}: fn xor build"
        if case.skip_numeric is not None:
            assert isinstance(case.skip_numeric, str) and len(case.skip_numeric) > 10, (
                f"{case.family}/{case.name}: skip_numeric needs a stated reason")
        for m in case.markers:
            assert m in {"ir_only", "legacy_only", "ir_smoke", "slow"}, f"{case.name}: unknown marker {m}"
        if "ir_only" in case.markers:
            assert case.ir_only, f"{case.family}/{case.name}: an ir_only case states its reason (ir_only=...)"


@pytest.mark.parametrize("tree,script", [("tests", "scripts/generate_tests.py"),
                                         ("tests2", "scripts2/generate_tests2.py")])
def test_generated_trees_are_current(tree, script):
    from jax2onnx.testing.generate import main

    assert main(tree, script, ["--check"]) == 0, f"{tree}/generated is stale: run {script}"


def test_onnx_ir_surface_we_rely_on():
    """Pin the onnx_ir API the pipeline uses, so an upgrade that changes it fails here first."""
    import onnx_ir as ir
    from onnx_ir import tape
    from onnx_ir.passes import common

    for name in ("Value", "Graph", "Model", "Node", "Tensor", "Shape", "TensorType", "DataType",
                 "save", "from_proto", "serde", "passes"):
        assert hasattr(ir, name), name
    for fn, params in ((tape.Tape.op, {"name", "metadata_props", "domain"}),
                       (tape.Tape.op_multi_out, {"num_outputs", "name"}),
                       (ir.save, {"external_data"})):
        assert params <= set(inspect.signature(fn).parameters), fn
    for p in ("RemoveUnusedNodesPass", "RemoveUnusedOpsetsPass"):
        assert hasattr(common, p), p
    assert callable(ir.serde.serialize_model) and callable(ir.DataType.from_numpy)


def test_import_is_lazy():
    """import jax2onnx must not import jax, flax, equinox, onnx or the lowering families."""
    import subprocess
    import sys

    code = ("import sys, jax2onnx; bad=[m for m in ('flax','equinox','onnx','onnxruntime',"
            "'jax2onnx.plugins.elementwise','jax2onnx.plugin2.elementwise') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
