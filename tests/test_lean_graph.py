"""Lean graphs from the onnx_ir pipeline (issue 9): real conversions, checked and run.

Every model here is converted with ``use_onnx_ir=True``, checked with the ONNX
checker, run in onnxruntime against JAX, and its graph is asserted to have no
Identity, no Cast to the same type, no Reshape to the same shape, no dead nodes,
no duplicate initializers, and shape bookkeeping built once per distinct runtime
dimension. The passes are also exercised on small hand-built IR graphs.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import onnx_ir as ir
import pytest

from jax2onnx import allclose, to_onnx
from jax2onnx.converter2.passes import optimize

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.graphstats import iter_nodes, shape_bookkeeping_nodes  # noqa: E402
from benchmarks.models import MODELS  # noqa: E402


# ---------------------------------------------------------------------------- checks
def _assert_lean(model: ir.Model) -> None:
    nodes = list(iter_nodes(model))
    ops = Counter(n.op_type for n in nodes)
    assert ops["Identity"] == 0, f"Identity nodes left: {ops}"
    for n in nodes:
        if n.op_type == "Cast":
            assert n.inputs[0].dtype is None or n.inputs[0].dtype.value != n.attributes["to"].as_int(), n
        if n.op_type == "Reshape":
            a, b = n.inputs[0].shape, n.outputs[0].shape
            assert a is None or b is None or list(a.dims) != list(b.dims), f"same-shape Reshape {n}"
    # no dead nodes: every output feeds a node or is a graph output
    outputs = {id(v) for v in model.graph.outputs}
    for n in model.graph:
        assert any(o.uses() or id(o) in outputs for o in n.outputs), f"dead node {n}"
    # initializers deduplicated
    seen = {}
    for v in model.graph.initializers.values():
        t = v.const_value
        key = (t.dtype, tuple(t.shape), t.tobytes())
        assert key not in seen, f"duplicate initializers {seen.get(key)} and {v.name}"
        seen[key] = v.name
    # shape bookkeeping computed once: no two identical shape nodes; one Shape per symbol
    book = shape_bookkeeping_nodes(model)
    sigs = Counter(
        (n.op_type, tuple(id(i) for i in n.inputs),
         tuple(sorted((k, str(a.value)) for k, a in n.attributes.items())))
        for n in book
    )
    assert all(c == 1 for c in sigs.values()), f"shape nodes rebuilt: {sigs}"
    shapes = [n for n in book if n.op_type == "Shape"]
    symbols = {str(d) for v in model.graph.inputs for d in v.shape if not isinstance(d, int)}
    assert len(shapes) <= len(symbols), f"{len(shapes)} Shape nodes for symbols {symbols}"


def _convert(fn, specs):
    model = to_onnx(fn, specs, use_onnx_ir=True, return_mode="ir")
    onnx.checker.check_model(ir.serde.serialize_model(model), full_check=True)
    return model


def _check_numerics(fn, model, *inputs):
    rec = allclose(fn, ir.serde.serialize_model(model), list(inputs), rtol=1e-4, atol=1e-5)
    assert bool(rec), rec.summary()


# ---------------------------------------------------------------------------- converted graphs
def test_reshapes_with_symbolic_batch_share_shape_nodes():
    def fn(x):
        b = x.shape[0]
        y = (x.reshape(b, 4, 3) * 2.0).reshape(b, 12)
        z = x.reshape(b, 2, 6).reshape(b, 12)
        w = jnp.broadcast_to(x[:, None, :], (b, 3, 12)).reshape(b, 36)
        return y + z, w

    model = _convert(fn, [("B", 12)])
    _assert_lean(model)
    assert len(shape_bookkeeping_nodes(model)) <= 3, [n.op_type for n in shape_bookkeeping_nodes(model)]
    for b in (1, 5):
        _check_numerics(fn, model, np.random.default_rng(b).standard_normal((b, 12)).astype(np.float32))


def test_two_outputs_of_one_value_keep_both_names():
    def fn(x):
        y = jnp.sin(x) * 2.0
        return y, jnp.sin(x) * 2.0, x

    model = _convert(fn, [("B", 3)])
    assert [v.name for v in model.graph.outputs] == ["out_0", "out_1", "out_2"]
    _check_numerics(fn, model, np.arange(6, dtype=np.float32).reshape(2, 3))


@pytest.mark.parametrize("name", ["mlp", "cnn", "physics"])
def test_benchmark_models_are_lean(name):
    model_obj, specs, make_inputs = MODELS[name].build()
    model = _convert(model_obj, specs)
    if name == "physics":  # a Loop body may keep an Identity that names its output
        body_ops = Counter(n.op_type for n in iter_nodes(model))
        assert body_ops["Identity"] <= 1
    else:
        _assert_lean(model)
    for b in (1, 3):
        _check_numerics(model_obj, model, *make_inputs(b, seed=b))


def test_cnn_has_no_shape_arithmetic():
    model_obj, specs, _ = MODELS["cnn"].build()
    model = _convert(model_obj, specs)
    assert shape_bookkeeping_nodes(model) == []
    ops = Counter(n.op_type for n in iter_nodes(model))
    assert ops["Concat"] == 0 and ops["Shape"] == 0, ops


# ---------------------------------------------------------------------------- passes on hand-built IR
def _value(name, dtype, shape):
    return ir.Value(name=name, type=ir.TensorType(dtype), shape=ir.Shape(shape))


def _init(name, arr):
    return ir.Value(name=name, type=ir.TensorType(ir.DataType.from_numpy(arr.dtype)),
                    shape=ir.Shape(arr.shape), const_value=ir.Tensor(arr, name=name))


def _run(model: ir.Model, **feeds):
    import onnxruntime as ort

    proto = ir.serde.serialize_model(model)
    onnx.checker.check_model(proto, full_check=True)
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def test_passes_remove_noops_fold_and_dedup():
    f32 = ir.DataType.FLOAT
    x = _value("x", f32, ["B", 6])
    w1 = _init("w1", np.arange(2048, dtype=np.float32).reshape(2048))
    w2 = _init("w2", np.arange(2048, dtype=np.float32).reshape(2048))  # same content
    bias = _init("bias", np.ones(6, np.float32))
    shape16 = _init("shape16", np.array([1, 6], np.int64))
    nodes = []

    def node(op, inputs, attrs=None, shape=None, dtype=f32, name=None):
        out = _value(name or f"{op}_{len(nodes)}", dtype, shape)
        n = ir.Node("", op, inputs, attributes=[ir.AttrInt64("to", attrs)] if op == "Cast" else [],
                    outputs=[out], name=f"n{len(nodes)}")
        nodes.append(n)
        return out

    c = node("Cast", [x], attrs=ir.DataType.FLOAT.value, shape=["B", 6])  # same type
    i = node("Identity", [c], shape=["B", 6])
    r = node("Reshape", [i, _dim_shape := node("Shape", [x], shape=[2], dtype=ir.DataType.INT64)], shape=["B", 6])
    b2 = node("Reshape", [bias, shape16], shape=[1, 6])  # foldable view of an initializer
    y = node("Add", [r, b2], shape=["B", 6], name="y")
    node("Neg", [x], shape=["B", 6])  # dead
    s1 = node("ReduceSum", [w1], shape=[1], name="s1")
    s2 = node("ReduceSum", [w2], shape=[1], name="s2")
    del _dim_shape
    graph = ir.Graph([x], [y, s1, s2], nodes=nodes, initializers=[w1, w2, bias, shape16],
                     opset_imports={"": 23}, name="g")
    model = ir.Model(graph, ir_version=11)
    xs = np.random.default_rng(0).standard_normal((3, 6)).astype(np.float32)
    before = _run(model, x=xs)
    optimize(model)
    ops = Counter(n.op_type for n in model.graph)
    assert ops["Cast"] == 0 and ops["Neg"] == 0, ops
    # w1/w2 merge, so both ReduceSums are one node; the second output name needs one Identity
    assert ops["ReduceSum"] == 1 and ops["Identity"] == 1, ops
    assert ops["Reshape"] == 0 and ops["Shape"] == 0, ops  # same-shape reshape gone, bias reshape folded
    assert len([v for v in model.graph.initializers.values() if v.const_value.size == 2048]) == 1
    assert [v.name for v in model.graph.outputs] == ["y", "s1", "s2"]
    after = _run(model, x=xs)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_reshape_target_from_symbolic_dim_becomes_constant():
    def fn(x):
        return jax.nn.relu(x.reshape(x.shape[0], 3, 4).transpose(0, 2, 1)).reshape(x.shape[0], 12)

    model = _convert(fn, [("N", 12)])
    ops = Counter(n.op_type for n in iter_nodes(model))
    assert ops["Concat"] == 0 and ops["Shape"] == 0, ops
    _assert_lean(model)
    _check_numerics(fn, model, np.random.default_rng(0).standard_normal((4, 12)).astype(np.float32))


# ---------------------------------------------------------------------------- benchmark smoke
def test_benchmark_suite_measures_readme_mlp_in_a_subprocess():
    """One entry of ``make bench`` (README MLP, onnx_ir): the runner's real subprocess path."""
    from benchmarks.report import aggregate
    from benchmarks.run import run_one

    res = run_one("mlp", "onnx_ir", latency_runs=20, timeout=120)
    assert "error" not in res and "ort_error" not in res, res
    assert res["pid"] != os.getpid()
    assert res["nodes"] == sum(res["op_histogram"].values()) > 0
    assert res["weight_bytes"] > 0 and res["file_bytes"] > res["weight_bytes"]
    assert max(res["max_abs_err"].values()) < 1e-4
    assert res["rss_method"] in ("clear_refs+VmHWM", "psutil sampling 2ms")
    summary = aggregate([res], ["mlp"], ["onnx_ir"])
    assert summary["mlp"]["onnx_ir"]["cold_s"]["median"] == res["cold_s"]
