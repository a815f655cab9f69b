"""Generate tests2/generated (onnx_ir tree) from the testcase catalog. ``--check``: fail if stale."""

import sys

from jax2onnx.testing.generate import main

if __name__ == "__main__":
    sys.exit(main("tests2", "scripts2/generate_tests2.py"))
