"""What the installed onnx and onnxruntime can check and run: probed features, not version numbers.

The supported dependency ranges (docs/dependencies.md) reach back to an onnx whose checker and an
onnxruntime that loads fewer opsets than :data:`jax2onnx.user_interface.SUPPORTED_OPSETS`: the
newest opsets need the newest of both. A catalog variant at an opset the installed pair cannot
check or load is skipped with that reason (:func:`opset_unavailable`); on the newest tested set
(constraints/latest.txt) every supported opset is available and nothing is skipped
(tests/test_dependencies.py checks that).
"""

from __future__ import annotations

import functools

__all__ = ["max_available_opset", "opset_unavailable"]


def _ort_loads(opset: int, ir_version: int) -> bool:
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "probe", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version
    try:
        onnx.checker.check_model(model, full_check=True)
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - any refusal means: not available here
        return False
    return True


@functools.cache
def max_available_opset() -> int:
    """The newest supported opset that the installed onnx checks and onnxruntime loads."""
    from ..converter2.build import IR_VERSION_FOR_OPSET
    from ..user_interface import SUPPORTED_OPSETS

    for opset in reversed(SUPPORTED_OPSETS):
        if _ort_loads(opset, IR_VERSION_FOR_OPSET.get(opset, 10)):
            return opset
    return SUPPORTED_OPSETS.start - 1


def opset_unavailable(opset: int) -> str | None:
    """A skip reason when the installed onnx/onnxruntime cannot check or load ``opset``, else None."""
    top = max_available_opset()
    if opset <= top:
        return None
    import onnx
    import onnxruntime

    return (f"opset {opset}: the installed onnx {onnx.__version__} / onnxruntime {onnxruntime.__version__} "
            f"check and load opsets up to {top} (docs/dependencies.md)")
