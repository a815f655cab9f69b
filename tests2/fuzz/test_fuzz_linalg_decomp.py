"""Fuzz solve, cholesky, eigh, svd and qr on the onnx_ir pipeline (legacy is frozen and has no
decompositions): well-conditioned random matrices of random size and batch, float32.

Marked ``slow``: runs nightly (``HYPOTHESIS_PROFILE=nightly``), not in ``make test``.
"""

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jax2onnx import allclose, to_onnx
from jax2onnx.plugin.cases.linalg_decomp import canon_columns, spd, symmetric, wellcond

pytestmark = pytest.mark.slow


def _check(fn, makers, shapes, seed, rtol=1e-4, atol=1e-4):
    rng = np.random.default_rng(seed)
    arrays = [m(rng, s, np.float32) for m, s in zip(makers, shapes)]
    model = to_onnx(fn, [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in arrays], use_onnx_ir=True)
    onnx.checker.check_model(model, full_check=True)
    record = allclose(fn, model, arrays, rtol=rtol, atol=atol)
    assert record, record.summary()


def _normal(rng, shape, dt):
    return rng.standard_normal(shape).astype(dt)


matrix = st.tuples(st.lists(st.integers(1, 3), max_size=2).map(tuple), st.integers(1, 12), st.integers(0, 2**16))


@given(matrix, st.integers(1, 3))
def test_solve(cfg, nrhs):
    batch, n, seed = cfg
    _check(jnp.linalg.solve, [wellcond, _normal], [batch + (n, n), batch + (n, nrhs)], seed)


@given(matrix)
def test_cholesky(cfg):
    batch, n, seed = cfg
    _check(jnp.linalg.cholesky, [spd], [batch + (n, n)], seed)


@given(matrix)
def test_eigh(cfg):
    batch, n, seed = cfg

    def fn(a):
        w, v = jnp.linalg.eigh(a)
        return w, (v * w[..., None, :]) @ jnp.swapaxes(v, -1, -2)

    _check(fn, [symmetric], [batch + (n, n)], seed, rtol=1e-3, atol=1e-3)


@given(matrix, st.integers(1, 12), st.booleans())
def test_svd(cfg, m, full):
    batch, n, seed = cfg

    def fn(a):
        u, s, vt = jnp.linalg.svd(a, full_matrices=full)
        k = s.shape[-1]
        return s, (u[..., :k] * s[..., None, :]) @ vt[..., :k, :], u @ jnp.swapaxes(u, -1, -2)

    _check(fn, [_normal], [batch + (m, n)], seed, rtol=1e-3, atol=1e-3)


@given(matrix, st.integers(1, 12))
def test_qr(cfg, m):
    batch, n, seed = cfg
    _check(lambda a: jnp.linalg.qr(a), [_normal], [batch + (m, n)], seed)


def test_canon_columns_is_sign_invariant():
    v = np.random.default_rng(0).standard_normal((4, 4))
    np.testing.assert_allclose(canon_columns(v), canon_columns(-v))
