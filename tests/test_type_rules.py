"""The Python type rules (converter2/type_rules.py) agree with ONNX's own per-node inference.

Every node of real converted models (catalog examples, symbolic batch) whose op has
a rule is typed both ways; dtype and every dim must match wherever the rule answers.
"""

from __future__ import annotations

import pytest

from jax2onnx.converter2 import type_rules
from jax2onnx.converter2.serialize import infer_node_output_types
from jax2onnx.plugin.testcase import get_case
from jax2onnx.testing.runner import convert_case

CASES = [("examples_models", "nnx_cnn"), ("examples_models", "nnx_gpt"), ("examples_models", "nnx_transformer_block"),
         ("examples_models", "bridge_linen_resnet_block"),
         ("examples_control_flow", "heat_equation_batched"), ("reductions", "reduce_max")]


def _nodes(model):
    import onnx_ir as ir

    yield from ir.traversal.RecursiveGraphIterator(model.graph)
    for fn in model.functions.values():
        yield from ir.traversal.RecursiveGraphIterator(fn)


def _dims(shape):
    return [d if isinstance(d, int) else d.value for d in shape.dims]


@pytest.mark.parametrize("family,name", CASES)
def test_rules_agree_with_onnx_inference(family, name, monkeypatch):
    import onnx_ir as ir

    monkeypatch.setenv("JAX2ONNX_USE_ONNX_IR", "1")
    case = get_case(family, name)
    variant = "dynamic" if "dynamic" in case.variants() else "static"
    proto = convert_case(case, variant, use_onnx_ir=True)[0]
    model = ir.from_proto(proto)
    opsets = dict(model.graph.opset_imports)
    checked = 0
    for node in _nodes(model):
        if node.op_type not in type_rules.RULES or node.domain != "" or len(node.outputs) != 1:
            continue
        if any(v is not None and (v.type is None or v.shape is None) for v in node.inputs):
            continue
        out = node.outputs[0]
        saved = out.type, out.shape
        out.type, out.shape = None, None
        try:
            answered = type_rules.infer(node)
            rule = (out.dtype, None if out.shape is None else _dims(out.shape))
        finally:
            out.type, out.shape = saved
        if not answered:
            continue
        data = {v.name: v.const_value for v in node.inputs
                if v is not None and v.const_value is not None and v.const_value.size <= 64}
        ref_type, ref_shape = infer_node_output_types(node, opsets, data)[out.name]
        assert rule[0] == ref_type.dtype, (node, rule, ref_type)
        ref = _dims(ref_shape)
        assert len(ref) == len(rule[1]), (node, rule, ref)
        for a, b in zip(rule[1], ref):
            assert b is None or a == b, (node, rule, ref)
        checked += 1
    assert checked > 0
