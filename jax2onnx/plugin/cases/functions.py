"""Catalog: @onnx_function — reuse counts, nesting, configs, Netron-friendly value_info."""

import jax
import jax.numpy as jnp

from ..testcase import testcase

F = "functions"


def expect_structure(functions: dict[str, int], calls: dict[str, int] | None = None):
    """A check: these function names with these node counts (None = any), these call counts,
    and every value typed (value_info coverage 100%, functions included)."""

    def check(model):
        from jax2onnx.testing.graph import iter_nodes, value_info_coverage

        got = {f.name: len(f.node) for f in model.functions}
        assert set(got) == set(functions), f"functions {sorted(got)} != {sorted(functions)}"
        for name, n in functions.items():
            assert n is None or got[name] == n, f"{name}: {got[name]} nodes, expected {n}"
        if calls:
            counted = {}
            for node in iter_nodes(model):
                if node.op_type in got:
                    counted[node.op_type] = counted.get(node.op_type, 0) + 1
            assert counted == calls, f"call nodes {counted} != {calls}"
        typed, total, missing = value_info_coverage(model)
        assert typed == total, f"value_info coverage {typed}/{total}; untyped: {missing[:10]}"

    return check


def readme_model_with_function(dim: int):
    """The README's ``MyModel``: two ``MLPBlock`` (@onnx_function) of the same configuration."""
    from flax import nnx

    from jax2onnx import onnx_function

    @onnx_function
    class MLPBlock(nnx.Module):
        def __init__(self, dim, *, rngs):
            self.linear1 = nnx.Linear(dim, dim, rngs=rngs)
            self.linear2 = nnx.Linear(dim, dim, rngs=rngs)
            self.batchnorm = nnx.BatchNorm(dim, rngs=rngs)

        def __call__(self, x):
            return nnx.gelu(self.linear2(self.batchnorm(nnx.gelu(self.linear1(x)))))

    class MyModel(nnx.Module):
        def __init__(self, dim, *, rngs):
            self.block1 = MLPBlock(dim, rngs=rngs)
            self.block2 = MLPBlock(dim, rngs=rngs)

        def __call__(self, x):
            return self.block2(self.block1(x))

    return MyModel(dim, rngs=nnx.Rngs(0))


testcase(F, "readme_model_with_function", "onnx_function", build=lambda: readme_model_with_function(256),
         inputs=[(100, 256)], rtol=1e-4, atol=1e-4,
         check=expect_structure({"MLPBlock": None}, {"MLPBlock": 2}), markers=("ir_smoke",))
testcase(F, "readme_model_with_function_dynamic", "onnx_function",
         build=lambda: readme_model_with_function(32), inputs=[("B", 32)], rtol=1e-4, atol=1e-4,
         check=expect_structure({"MLPBlock": None}, {"MLPBlock": 2}))


def readme_mlp_netron():
    from .examples import readme_mlp

    return readme_mlp()


testcase(F, "readme_mlp_value_info", "onnx_function", build=readme_mlp_netron, inputs=[("B", 30)],
         check=expect_structure({}))


def plain_function_reused():
    from jax2onnx import onnx_function

    @onnx_function
    def gated(x):
        return jnp.tanh(x) * jax.nn.sigmoid(x)

    return lambda x: gated(gated(x) + 1.0) + gated(x * 2.0)


testcase(F, "plain_function_reused", "onnx_function", build=plain_function_reused, inputs=[("B", 8)],
         check=expect_structure({"gated": None}, {"gated": 3}))


def nested_functions():
    from flax import nnx

    from jax2onnx import onnx_function

    @onnx_function
    class Inner(nnx.Module):
        def __init__(self, dim, *, rngs):
            self.linear = nnx.Linear(dim, dim, rngs=rngs)

        def __call__(self, x):
            return jax.nn.relu(self.linear(x))

    @onnx_function
    class Outer(nnx.Module):
        def __init__(self, dim, *, rngs):
            self.a = Inner(dim, rngs=rngs)
            self.b = Inner(dim, rngs=rngs)

        def __call__(self, x):
            return self.b(self.a(x)) + x

    class Model(nnx.Module):
        def __init__(self, *, rngs):
            self.first = Outer(16, rngs=rngs)
            self.second = Outer(16, rngs=rngs)

        def __call__(self, x):
            return self.second(self.first(x))

    return Model(rngs=nnx.Rngs(1))


testcase(F, "nested_functions", "onnx_function", build=nested_functions, inputs=[("B", 16)],
         check=expect_structure({"Outer": None, "Inner": None}, {"Outer": 2, "Inner": 2}))


def distinct_configs():
    from flax import nnx

    from jax2onnx import onnx_function

    @onnx_function
    class Proj(nnx.Module):
        def __init__(self, din, dout, *, rngs):
            self.linear = nnx.Linear(din, dout, rngs=rngs)

        def __call__(self, x):
            return self.linear(x)

    class Model(nnx.Module):
        def __init__(self, *, rngs):
            self.up = Proj(8, 16, rngs=rngs)
            self.down = Proj(16, 8, rngs=rngs)
            self.down2 = Proj(8, 8, rngs=rngs)
            self.down3 = Proj(8, 8, rngs=rngs)

        def __call__(self, x):
            return self.down3(self.down2(self.down(self.up(x))))

    return Model(rngs=nnx.Rngs(2))


testcase(F, "distinct_configs", "onnx_function", build=distinct_configs, inputs=[("B", 8)],
         check=expect_structure({"Proj": None, "Proj_1": None, "Proj_2": None},
                                {"Proj": 1, "Proj_1": 1, "Proj_2": 2}))


def decorated_instance():
    from flax import nnx

    from jax2onnx import onnx_function

    class Model(nnx.Module):
        def __init__(self, *, rngs):
            self.head = onnx_function(nnx.Linear(6, 3, rngs=rngs), name="Head")

        def __call__(self, x):
            return jnp.tanh(self.head(x))

    return Model(rngs=nnx.Rngs(3))


testcase(F, "decorated_instance", "onnx_function", build=decorated_instance, inputs=[("B", 6)],
         check=expect_structure({"Head": None}, {"Head": 1}))


def function_under_grad():
    from jax2onnx import onnx_function

    @onnx_function
    def energy(x):
        return jnp.sum(jnp.sin(x) * x)

    return jax.grad(lambda x: energy(x) * 2.0)


testcase(F, "function_under_grad", "onnx_function", build=function_under_grad, inputs=[(5,)],
         check=expect_structure({"energy": None, "energy_1": None}))


def function_in_scan_body():
    from jax2onnx import onnx_function

    @onnx_function
    def cell(h, x):
        return jnp.tanh(h * 0.5 + x)

    def run(xs):
        def step(h, x):
            h = cell(h, x)
            return h, h * 2.0

        return jax.lax.scan(step, jnp.zeros(xs.shape[1:], xs.dtype), xs)

    return run


# 100 steps: long enough that the loop optimizer keeps the Scan (short ones are unrolled)
testcase(F, "function_in_scan_body", "onnx_function", build=function_in_scan_body, inputs=[(100, "B", 4)],
         check=expect_structure({"cell": None}, {"cell": 1}))
