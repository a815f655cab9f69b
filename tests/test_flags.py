"""Flag resolution: argument > JAX2ONNX_USE_ONNX_IR > DEFAULT_USE_ONNX_IR."""

import pytest

from jax2onnx import flags


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("TRUE", True), ("yes", True),
                                          ("0", False), ("false", False), ("", False), ("off", False)])
def test_env_values(monkeypatch, raw, expected):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", raw)
    assert flags.resolve_use_onnx_ir(None) is expected


def test_argument_beats_environment(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "1")
    assert flags.resolve_use_onnx_ir(False) is False
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "0")
    assert flags.resolve_use_onnx_ir(True) is True


def test_default_when_unset(monkeypatch):
    monkeypatch.delenv("JAX2ONNX_USE_ONNX_IR", raising=False)
    assert flags.resolve_use_onnx_ir(None) is flags.DEFAULT_USE_ONNX_IR
    monkeypatch.setattr(flags, "DEFAULT_USE_ONNX_IR", True)
    assert flags.resolve_use_onnx_ir(None) is True


def test_bad_env_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "maybe")
    with pytest.raises(ValueError, match="JAX2ONNX_USE_ONNX_IR"):
        flags.resolve_use_onnx_ir(None)


def test_bad_argument_type():
    with pytest.raises(TypeError, match="use_onnx_ir"):
        flags.resolve_use_onnx_ir("yes")


def test_routing_follows_the_flag(monkeypatch):
    """The environment really picks the pipeline (visible in the lowering metadata)."""
    import jax.numpy as jnp

    from jax2onnx import to_onnx

    def lowering_modules(model):
        return {p.value.split(".")[1] for n in model.graph.node for p in n.metadata_props
                if p.key == "jax2onnx.lowering"}

    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "1")
    assert lowering_modules(to_onnx(lambda x: jnp.exp(x), [(3,)])) == {"plugin2"}
    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "0")
    assert lowering_modules(to_onnx(lambda x: jnp.exp(x), [(3,)])) == {"plugins"}


def test_default_is_onnx_ir_since_the_flip(monkeypatch):
    import jax.numpy as jnp

    from jax2onnx import to_onnx

    monkeypatch.delenv("JAX2ONNX_USE_ONNX_IR", raising=False)
    model = to_onnx(lambda x: jnp.exp(x), [(3,)])
    assert {p.value.split(".")[1] for n in model.graph.node for p in n.metadata_props
            if p.key == "jax2onnx.lowering"} == {"plugin2"}


_WARN_SCRIPT = """
import warnings, sys
warnings.simplefilter("always")
import jax.numpy as jnp
from jax2onnx import to_onnx
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    to_onnx(lambda x: jnp.exp(x), [(3,)])  # the default: onnx_ir, no warning
    n_default = len([w for w in seen if issubclass(w.category, DeprecationWarning) and "legacy" in str(w.message)])
    for _ in range(3):
        to_onnx(lambda x: jnp.exp(x), [(3,)], use_onnx_ir=False)
    dep = [w for w in seen if issubclass(w.category, DeprecationWarning) and "legacy" in str(w.message)]
print(n_default, len(dep), dep[0].filename if dep else "", str(dep[0].message) if dep else "")
"""


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_selecting_legacy_warns_once_per_process(how, tmp_path):
    """use_onnx_ir=False / JAX2ONNX_USE_ONNX_IR=0 still select legacy, with one DeprecationWarning
    that names the removing release, attributed to the caller's line."""
    import os
    import subprocess
    import sys

    script = _WARN_SCRIPT if how == "argument" else _WARN_SCRIPT.replace(
        "to_onnx(lambda x: jnp.exp(x), [(3,)])  # the default", "to_onnx(lambda x: jnp.exp(x), [(3,)], use_onnx_ir=True)  #")
    env = dict(os.environ)
    env.pop("JAX2ONNX_USE_ONNX_IR", None)
    if how == "environment":
        script = script.replace(", use_onnx_ir=False)", ")")
        env["JAX2ONNX_USE_ONNX_IR"] = "0"
    path = tmp_path / "user_script.py"
    path.write_text(script)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, check=True).stdout
    n_default, n_legacy, filename, message = out.strip().split(" ", 3)
    assert (n_default, n_legacy) == ("0", "1"), out
    assert filename == str(path), out
    assert flags.LEGACY_REMOVED_IN in message and "JAX2ONNX_SHADOW_COMPARE" in message
