"""Catalog: whole example models."""

from ..testcase import testcase

F = "examples"


def readme_mlp():
    """The README quickstart MLP: Linear → BatchNorm → Dropout → gelu → Linear."""
    from flax import nnx

    class MLP(nnx.Module):
        def __init__(self, din, dmid, dout, *, rngs):
            self.linear1 = nnx.Linear(din, dmid, rngs=rngs)
            self.dropout = nnx.Dropout(rate=0.1, rngs=rngs)
            self.bn = nnx.BatchNorm(dmid, rngs=rngs)
            self.linear2 = nnx.Linear(dmid, dout, rngs=rngs)

        def __call__(self, x):
            x = nnx.gelu(self.dropout(self.bn(self.linear1(x))))
            return self.linear2(x)

    return MLP(din=30, dmid=20, dout=10, rngs=nnx.Rngs(0))


testcase(F, "readme_mlp", "nnx.Module", build=readme_mlp, inputs=[("B", 30)], sizes={"B": (1, 7)},
         markers=("ir_smoke",))
