"""Policy: every primitive of the installed JAX/Equinox/Flax is lowered or declared.

A new JAX release shows its new primitives here at once (and in
``scripts/primitive_coverage.py --check``), not as user bug reports.
"""

from jax2onnx.plugin.registry import lookup, registered
from jax2onnx.plugin.surface import installed_primitives
from jax2onnx.plugin.unsupported import IN_PROGRESS, UNSUPPORTED, reason_for


def test_every_installed_primitive_is_lowered_or_declared():
    lowered = set(registered("onnx_ir"))
    missing = sorted(p for p in installed_primitives() if p not in lowered and p not in UNSUPPORTED)
    assert not missing, (
        f"primitives neither lowered (onnx_ir) nor declared in jax2onnx/plugin/unsupported.py: {missing}")


def test_declarations_are_current_and_explained():
    lowered = set(registered("onnx_ir"))
    # an in-progress entry may be lowered by a branch that just landed: the script lists it
    stale = sorted(p for p, (reason, _) in UNSUPPORTED.items() if p in lowered and IN_PROGRESS not in reason)
    assert not stale, f"declared unsupported but lowered: delete {stale} from unsupported.py"
    for name, (reason, instead) in UNSUPPORTED.items():
        assert reason.strip() and instead.strip(), f"{name}: a declaration needs a reason and an alternative"


def test_the_surface_comes_from_the_libraries():
    prims = installed_primitives()
    assert prims["add"] == "jax" and prims["while"] == "jax"
    for eqx_prim in ("unvmap_any", "unvmap_all", "unvmap_max", "nonbatchable", "select_if_vmap", "maybe_set"):
        assert prims.get(eqx_prim) == "equinox", eqx_prim
    assert len(prims) > 250


def test_a_declared_primitive_reports_its_reason():
    assert lookup("onnx_ir", "psum") == reason_for("psum")
    assert "instead" in reason_for("psum")


def test_primitives_newer_than_the_oldest_jax_are_lowered_and_absent_there():
    """NOT_IN_OLDEST_JAX (the coverage table's range notes) names real lowerings; on a JAX that
    lacks one (the oldest set, ``make test-oldest``) that absence is fine, never a failure."""
    from jax2onnx.plugin.surface import NOT_IN_OLDEST_JAX

    lowered = set(registered("onnx_ir"))
    assert NOT_IN_OLDEST_JAX and all(p in lowered for p in NOT_IN_OLDEST_JAX), sorted(set(NOT_IN_OLDEST_JAX) - lowered)
    for name, why in NOT_IN_OLDEST_JAX.items():
        assert why.strip(), name
