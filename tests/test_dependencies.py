"""Dependency ranges (pyproject.toml) against the two tested sets (constraints/*.txt).

``dependencies`` and the extras declare ranges, never ``==``; every direct dependency is
pinned exactly in both constraints files, and each pin lies inside its declared range,
so ``make test`` (latest.txt) and ``make test-oldest`` (oldest.txt) test the two ends of
what users can install (docs/dependencies.md). Reads files only: well under a second.
"""

from __future__ import annotations

import pathlib
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONSTRAINTS = ("latest", "oldest")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _requirements(group: str) -> list[Requirement]:
    project = _project()
    raw = project["dependencies"] if group == "dependencies" else project["optional-dependencies"][group]
    return [Requirement(r) for r in raw]


def _groups() -> list[str]:
    return ["dependencies", *_project()["optional-dependencies"]]


def _pins(which: str) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for n, line in enumerate((ROOT / "constraints" / f"{which}.txt").read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{which}.txt:{n}: not an exact pin: {line!r}"
        name = canonicalize_name(req.name)
        assert name not in pins, f"{which}.txt:{n}: {req.name} pinned twice"
        pins[name] = Version(specs[0].version)
    return pins


@pytest.mark.parametrize("group", _groups())
def test_declared_dependencies_are_ranges(group):
    for req in _requirements(group):
        ops = {s.operator for s in req.specifier}
        assert not ops & {"==", "===", "~="}, f"{group}: {req} is a pin; pins go to constraints/*.txt"
        assert ">=" in ops, f"{group}: {req} needs a lower bound (the oldest tested version)"
        if group == "dependencies":
            assert "<" in ops, f"{group}: {req} needs an upper bound (the next minor not tested)"


@pytest.mark.parametrize("which", CONSTRAINTS)
def test_constraints_pin_every_direct_dependency_inside_its_range(which):
    pins = _pins(which)
    assert "jax2onnx" not in pins, f"{which}.txt must not pin jax2onnx itself"
    for group in _groups():
        for req in _requirements(group):
            name = canonicalize_name(req.name)
            assert name in pins, f"constraints/{which}.txt does not pin {req.name} ({group})"
            assert req.specifier.contains(pins[name], prereleases=True), (
                f"constraints/{which}.txt pins {req.name}=={pins[name]}, outside {group}'s {req}")


def test_oldest_is_older_where_it_matters():
    """The lower bounds are the oldest set's versions, and that set is really older."""
    latest, oldest = _pins("latest"), _pins("oldest")
    for req in _requirements("dependencies"):
        name = canonicalize_name(req.name)
        lower = next(Version(s.version) for s in req.specifier if s.operator == ">=")
        assert oldest[name] == lower, f"{req}: the lower bound is not the oldest tested {oldest[name]}"
        assert oldest[name] <= latest[name], name
    for name in ("jax", "onnx", "onnxruntime"):
        assert oldest[name].release[:2] < latest[name].release[:2], f"{name}: oldest is not a minor older"


def _on(which: str) -> bool:
    """The installed direct dependencies are exactly the ``which`` set."""
    from importlib.metadata import PackageNotFoundError, version

    pins = _pins(which)
    try:
        return all(Version(version(r.name)) == pins[canonicalize_name(r.name)]
                   for r in _requirements("dependencies"))
    except PackageNotFoundError:
        return False


def test_feature_checks_skip_nothing_on_the_latest_set():
    """Skips for missing features / opsets are for older sets only: the newest set runs everything."""
    from jax2onnx.plugin.testcase import all_cases, missing_feature
    from jax2onnx.testing.installed import max_available_opset
    from jax2onnx.user_interface import SUPPORTED_OPSETS

    if not _on("latest"):
        pytest.skip("the installed set is not constraints/latest.txt")
    assert max_available_opset() == SUPPORTED_OPSETS.stop - 1
    required = [c for c in all_cases() if c.requires]
    assert required, "no case declares requires= (the oldest set needs it)"
    for case in required:
        assert missing_feature(case) is None, f"{case.family}/{case.name}: {missing_feature(case)}"
