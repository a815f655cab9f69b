"""Model module the CLI and packaging tests write to a temp dir and convert in a subprocess."""

MODULE_TEXT = '''
import jax.extend.core as jc
import jax.numpy as jnp
from flax import nnx


class MLP(nnx.Module):  # the README MLP
    def __init__(self, din, dmid, dout, *, rngs):
        self.linear1 = nnx.Linear(din, dmid, rngs=rngs)
        self.dropout = nnx.Dropout(rate=0.1, rngs=rngs)
        self.bn = nnx.BatchNorm(dmid, rngs=rngs)
        self.linear2 = nnx.Linear(dmid, dout, rngs=rngs)

    def __call__(self, x):
        x = nnx.gelu(self.dropout(self.bn(self.linear1(x))))
        return self.linear2(x)


def make_mlp():
    return MLP(din=30, dmid=20, dout=10, rngs=nnx.Rngs(0))


def gather(x, idx):  # a plain function: converted as is (it takes arguments)
    return jnp.take(x, idx, axis=1) * 2.0


_p = jc.Primitive("not_lowerable")
_p.def_abstract_eval(lambda x: x)
_p.def_impl(lambda x: x)


def unsupported(x):
    return _p.bind(jnp.sin(x)) + _p.bind(x)


def broken(x):
    raise RuntimeError("boom in user code")
'''
