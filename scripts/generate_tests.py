"""Generate tests/generated (legacy tree) from the testcase catalog. ``--check``: fail if stale."""

import sys

from jax2onnx.testing.generate import main

if __name__ == "__main__":
    sys.exit(main("tests", "scripts/generate_tests.py"))
