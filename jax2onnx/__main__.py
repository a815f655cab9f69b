"""``python -m jax2onnx`` = the ``jax2onnx`` command (:mod:`jax2onnx.cli`)."""

import sys

from .cli import main

sys.exit(main())
