"""dm-haiku: ``hk.transform`` models converted through their pure ``apply`` function.

Users convert ``lambda x: f.apply(params, None, x)`` (params and state closed
over: they become initializers). Checked by :func:`._check.check` at B=1 and B=3.
CI runs the MLP; ResNet and LSTM are ``slow``.
"""

from __future__ import annotations

import numpy as np
import pytest

hk = pytest.importorskip("haiku", reason="dm-haiku is not installed (pip install -e '.[integration]')")

import jax  # noqa: E402

from ._check import check, convert, randn, spec  # noqa: E402

LIB = "haiku"


def _perturb(tree, seed=1, scale=0.1):
    """Random values for the parameters Haiku initializes to constants (zeros: the logits layer
    and biases; ones: BatchNorm scales), so that every weight matters to the outputs."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    rng = np.random.default_rng(seed)

    def noisy(x):
        x = np.asarray(x)
        if x.size > 1 and np.all(x == x.flat[0]):
            return x + scale * rng.standard_normal(x.shape).astype(x.dtype)
        return x

    return jax.tree_util.tree_unflatten(treedef, [noisy(x) for x in leaves])


def _run(record_property, name, fn, shape, make, **kw):
    model, secs = convert(fn, [spec(shape)])
    return check(record_property, LIB, name, model, fn, make, seconds=secs, **kw)


def test_mlp(record_property):
    """hk.nets.MLP([32, 16, 4]) (ReLU between layers)."""
    f = hk.transform(lambda x: hk.nets.MLP([32, 16, 4])(x))
    params = f.init(jax.random.PRNGKey(0), np.zeros((1, 8), np.float32))
    fn = lambda x: f.apply(params, None, x)  # noqa: E731
    _run(record_property, "MLP", fn, ("B", 8), lambda b: [randn(np.random.default_rng(b), b, 8)])


@pytest.mark.slow
def test_resnet_batchnorm_inference(record_property):
    """hk.nets.ResNet (4 groups of 1 basic block), BatchNorm with moving averages (is_training=False)."""
    def net(x, is_training):
        return hk.nets.ResNet(blocks_per_group=(1, 1, 1, 1), num_classes=10, channels_per_group=(8, 16, 16, 16),
                              bottleneck=False)(x, is_training=is_training)

    f = hk.transform_with_state(net)
    x0 = randn(np.random.default_rng(0), 4, 32, 32, 3)
    params, state = f.init(jax.random.PRNGKey(0), x0, True)
    _, state = jax.jit(f.apply, static_argnums=4)(params, state, None, x0, True)  # fill the moving averages
    params = _perturb(params)
    fn = lambda x: f.apply(params, state, None, x, False)[0]  # noqa: E731
    _run(record_property, "ResNet (BatchNorm inference)", fn, ("B", 32, 32, 3),
         lambda b: [randn(np.random.default_rng(b), b, 32, 32, 3)])


@pytest.mark.slow
def test_lstm_dynamic_unroll(record_property):
    """hk.LSTM(16) through hk.dynamic_unroll (time-major [T, B, F], a lax.scan) and a Linear head."""
    def net(x):
        core = hk.LSTM(16)
        out, _ = hk.dynamic_unroll(core, x, core.initial_state(x.shape[1]))
        return hk.Linear(4)(out)

    f = hk.transform(net)
    params = f.init(jax.random.PRNGKey(0), np.zeros((5, 1, 8), np.float32))
    fn = lambda x: f.apply(params, None, x)  # noqa: E731
    _run(record_property, "LSTM (dynamic_unroll)", fn, (5, "B", 8),
         lambda b: [randn(np.random.default_rng(b), 5, b, 8)], batch_axes=(1, 1))
