"""Model module the CLI and packaging tests write to a temp dir and convert in a subprocess."""

MODULE_TEXT = '''
import jax.extend.core as jc
import jax.numpy as jnp
from jax2onnx.plugin.cases.examples import readme_mlp as make_mlp  # the README MLP


class Scaled:  # a class whose constructor needs arguments: not a zero-argument factory
    def __init__(self, factor):
        self.factor = factor

    def __call__(self, x):
        return x * self.factor


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
