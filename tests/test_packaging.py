"""The wheel: ``python -m build --wheel`` builds it, it installs into a fresh venv and the
installed copy (console script included) converts and verifies the README MLP.

Isolation without downloading jax & co.: the fresh venv is made ``--without-pip``; one
``.pth`` line appends this interpreter's site-packages (a plain path line: that
directory's own ``.pth`` files, e.g. an editable install of this checkout, are *not*
processed). The wheel is installed ``--no-deps`` by pip running *in the fresh venv*, so
the package lands in the fresh venv's site-packages, which comes first on its path. ~8 s (the build fetches
setuptools>=77 into its isolated build env, from pip's cache or the index).
"""

import os
import pathlib
import re
import subprocess
import sys
import sysconfig
import zipfile

from .cli_models import MODULE_TEXT

REPO = pathlib.Path(__file__).resolve().parents[1]


def _clean_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX2ONNX_", "PYTHON"))}
    return env


def test_version_and_py_typed_in_checkout():
    import jax2onnx

    version = re.search(r'^version\s*=\s*"([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M).group(1)
    assert jax2onnx.__version__ == version
    assert (REPO / "jax2onnx" / "py.typed").is_file()


def test_wheel_installs_and_converts_in_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    (wheel,) = dist.glob("jax2onnx-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "jax2onnx/py.typed" in names and "jax2onnx/cli.py" in names
    assert not any(n.startswith("tests/") for n in names)
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in meta

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (pathlib.Path(purelib) / "borrowed_site.pth").write_text("\n".join(sorted(ours)) + "\n")
    env = _clean_env()
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--no-compile", str(wheel)],
                   check=True, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)

    work = tmp_path / "work"
    work.mkdir()
    (work / "models.py").write_text(MODULE_TEXT)
    probe = subprocess.run(
        [str(py), "-c", "import importlib.metadata as m, jax2onnx, sys; "
                        "print(jax2onnx.__file__); print(jax2onnx.__version__); print(m.version('jax2onnx'))"],
        check=True, capture_output=True, text=True, env=env, cwd=work).stdout.split()
    assert probe[0].startswith(purelib), probe  # the installed copy, not this checkout
    assert probe[1] == probe[2]
    assert (pathlib.Path(probe[0]).parent / "py.typed").is_file()

    r = subprocess.run([str(venv / "bin" / "jax2onnx"), "convert", "models:make_mlp", "--input", "B,30",
                        "--verify", "-o", "mlp.onnx"],
                       capture_output=True, text=True, env=env, cwd=work, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "verify symbols=2: ok" in r.stdout and "verify symbols=5: ok" in r.stdout
    assert str(REPO / "jax2onnx") not in r.stderr
