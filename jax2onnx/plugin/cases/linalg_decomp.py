"""Catalog: matrix decompositions and solves (cholesky, lu, triangular_solve, eigh, qr, svd)
and the jnp.linalg / jax.scipy.linalg functions built on them.

Inputs come from generators that make the matrices the function needs (SPD for
Cholesky, well conditioned for solves, a zero column for singular cases);
eigen/singular vectors, unique only up to sign, are compared after a sign
canonicalization (see :func:`canon_columns`).
"""

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from jax import lax

from ..testcase import LEGACY_FROZEN, testcase

F = "linalg_decomp"
SIZES = (1, 2, 5, 32)


def _case(name, component, **kw):
    kw.setdefault("ir_only", LEGACY_FROZEN)
    # one XLA compile for the JAX reference instead of one per eager op
    kw["fn"] = jax.jit(kw["fn"])
    # a symbolic-batch case already runs at two concrete sizes; skip the static twin
    kw.setdefault("static", False)
    return testcase(F, name, component, **kw)


# ---- input generators ---------------------------------------------------------------------
def _normal(rng, shape, dt):
    return rng.standard_normal(shape).astype(dt)


def wellcond(rng, shape, dt):
    """``G/sqrt(n) + 2 I``: singular values in about [1, 3]."""
    n = shape[-1]
    return (rng.standard_normal(shape) / np.sqrt(n) + 2 * np.eye(n)).astype(dt)


def spd(rng, shape, dt):
    """``X X^T / n + I``: symmetric positive definite, condition number below ~5."""
    n = shape[-1]
    x = rng.standard_normal(shape)
    return (x @ np.swapaxes(x, -1, -2) / n + np.eye(n)).astype(dt)


def symmetric(rng, shape, dt):
    x = rng.standard_normal(shape)
    return ((x + np.swapaxes(x, -1, -2)) / 2).astype(dt)


def zero_column(rng, shape, dt):
    """A singular matrix: column 1 (or 0 for 1x1) is exactly zero."""
    a = rng.standard_normal(shape)
    a[..., min(1, shape[-1] - 1)] = 0
    return a.astype(dt)


def ill_conditioned(rng, shape, dt):
    """Singular values 1 ... 1e-4 (float32) with random orthogonal factors."""
    n = shape[-1]
    u, _ = np.linalg.qr(rng.standard_normal(shape))
    v, _ = np.linalg.qr(rng.standard_normal(shape))
    s = np.logspace(0, -4 if dt == np.float32 else -8, n)
    return ((u * s[..., None, :]) @ np.swapaxes(v, -1, -2)).astype(dt)


def gen(*makers):
    """An ``input_gen`` applying one maker per input (default: standard normal)."""
    def g(rng, shapes, dtypes):
        ms = list(makers) + [_normal] * (len(shapes) - len(makers))
        return [m(rng, s, d) for m, s, d in zip(ms, shapes, dtypes)]
    return g


def valid_pivots(m):
    def g(rng, shapes, dtypes):
        (shape,), (dt,) = shapes, dtypes
        k = shape[-1]
        lo = np.arange(k)
        return [(lo + (rng.random(shape) * (m - lo)).astype(np.int64)).astype(dt)]
    return g


def canon_columns(v):
    """Columns of ``v`` with their largest-magnitude entry made positive (eigen/singular
    vectors are unique only up to sign)."""
    idx = jnp.argmax(jnp.abs(v), axis=-2, keepdims=True)
    s = jnp.sign(jnp.take_along_axis(v, idx, axis=-2))
    return v * jnp.where(s == 0, 1, s)


def _batched(n):
    return ("B", n, n)


def _tol(n):
    """float32 tolerance: eigen/singular vectors lose ~eps·‖A‖/gap, and gaps shrink with n."""
    if n >= 64:
        return dict(rtol=1e-3, atol=1e-3)
    return dict(rtol=1e-4, atol=1e-4) if n >= 32 else dict(rtol=1e-5, atol=1e-5)


def _slow(n):
    return ("slow",) if n > 32 else ()


def _f64(n):
    """f64 variants for the 5x5 and 32x32 (and slow) sizes; 1x1/2x2 run in float32 only."""
    return n >= 5


# ---- cholesky -----------------------------------------------------------------------------
for n in SIZES + (64,):
    _case(f"cholesky_{n}", "lax.linalg.cholesky", fn=jnp.linalg.cholesky, inputs=[(n, n)],
          input_gen=gen(spd), f64=_f64(n), markers=_slow(n), expect_ops=("Loop",), **_tol(n))
_case("cholesky_batched", "lax.linalg.cholesky", fn=jnp.linalg.cholesky, inputs=[_batched(5)],
      input_gen=gen(spd))
_case("cholesky_batched_32", "lax.linalg.cholesky", fn=jnp.linalg.cholesky, inputs=[_batched(32)],
      input_gen=gen(spd), **_tol(32))
_case("cholesky_not_pd_is_nan", "lax.linalg.cholesky", fn=jnp.linalg.cholesky, inputs=[_batched(5)],
      input_gen=gen(symmetric))
_case("cholesky_lower_only", "lax.linalg.cholesky",
      fn=lambda a: lax.linalg.cholesky(a, symmetrize_input=False), inputs=[(5, 5)],
      input_gen=gen(lambda r, s, d: np.tril(spd(r, s, d)) + np.triu(np.full(s, 7.0, d), 1)))
_case("cho_solve", "jax.scipy.linalg.cho_solve",
      fn=lambda a, b: jsl.cho_solve(jsl.cho_factor(a, lower=True), b),
      inputs=[_batched(5), ("B", 5, 3)], input_gen=gen(spd))
_case("cho_solve_upper_32", "jax.scipy.linalg.cho_solve",
      fn=lambda a, b: jsl.cho_solve(jsl.cho_factor(a, lower=False), b),
      inputs=[(32, 32), (32,)], input_gen=gen(spd), **_tol(32))
_case("grad_cholesky", "lax.linalg.cholesky",
      fn=jax.grad(lambda a: jnp.sum(jnp.linalg.cholesky(a) * jnp.arange(a.shape[-1]))),
      inputs=[(5, 5)], input_gen=gen(spd), rtol=1e-4, atol=1e-4)

# ---- lu -----------------------------------------------------------------------------------
for n in SIZES + (64,):
    _case(f"lu_{n}", "lax.linalg.lu", fn=lax.linalg.lu, inputs=[(n, n)], input_gen=gen(wellcond),
          f64=_f64(n), markers=_slow(n), **_tol(n))
_case("lu_batched", "lax.linalg.lu", fn=lax.linalg.lu, inputs=[_batched(5)])
_case("lu_tall", "lax.linalg.lu", fn=lax.linalg.lu, inputs=[("B", 6, 4)])
_case("lu_wide", "lax.linalg.lu", fn=lax.linalg.lu, inputs=[(3, 5)])
_case("lu_singular", "lax.linalg.lu", fn=lax.linalg.lu, inputs=[_batched(4)], input_gen=gen(zero_column),
      f64=True)
_case("lu_pivots_to_permutation", "lax.linalg.lu_pivots_to_permutation",
      fn=lambda p: lax.linalg.lu_pivots_to_permutation(p, 6), inputs=[("B", 4)],
      input_dtypes=[np.int32], input_gen=valid_pivots(6))
_case("lu_factor", "jax.scipy.linalg.lu_factor", fn=jsl.lu_factor, inputs=[_batched(5)])
_case("scipy_lu", "jax.scipy.linalg.lu", fn=jsl.lu, inputs=[(5, 5)])
_case("lu_solve", "jax.scipy.linalg.lu_solve", fn=lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b),
      inputs=[_batched(5), ("B", 5, 2)], input_gen=gen(wellcond))
_case("lu_solve_trans", "jax.scipy.linalg.lu_solve",
      fn=lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b, trans=1), inputs=[(5, 5), (5,)],
      input_gen=gen(wellcond))

# ---- triangular_solve ---------------------------------------------------------------------
for left in (True, False):
    for lower in (True, False):
        for trans in (False, True):
            for unit in {(left == lower) != trans}:  # 8 of the 16 flag combinations, each flag both ways
                tag = f"{'left' if left else 'right'}_{'lower' if lower else 'upper'}" \
                      f"{'_t' if trans else ''}{'_unit' if unit else ''}"
                _case(f"triangular_solve_{tag}", "lax.linalg.triangular_solve",
                      fn=lambda a, b, left=left, lower=lower, trans=trans, unit=unit: lax.linalg.triangular_solve(
                          a, b, left_side=left, lower=lower, transpose_a=trans, unit_diagonal=unit),
                      inputs=[(5, 5), (5, 3) if left else (3, 5)], input_gen=gen(wellcond))
for n in SIZES:
    _case(f"solve_triangular_{n}", "jax.scipy.linalg.solve_triangular",
          fn=lambda a, b: jsl.solve_triangular(a, b, lower=True), inputs=[(n, n), (n, 2)],
          input_gen=gen(wellcond), f64=_f64(n), **_tol(n))
_case("solve_triangular_batched", "jax.scipy.linalg.solve_triangular",
      fn=lambda a, b: jsl.solve_triangular(a, b, lower=False, trans=1), inputs=[_batched(5), ("B", 5, 3)],
      input_gen=gen(wellcond))
_case("triangular_solve_conjugate", "lax.linalg.triangular_solve",
      fn=lambda a, b: lax.linalg.triangular_solve(a, b, left_side=True, lower=True, transpose_a=True,
                                                  conjugate_a=True),
      inputs=[("B", 5, 5), ("B", 5, 3)], input_gen=gen(wellcond))

# ---- solve / inv / det / slogdet and friends ----------------------------------------------
for n in SIZES + (64,):
    _case(f"solve_{n}", "jnp.linalg.solve", fn=jnp.linalg.solve, inputs=[(n, n), (n,)],
          input_gen=gen(wellcond), f64=_f64(n), markers=_slow(n), **_tol(n))
for n in (5, 32, 64):
    _case(f"inv_{n}", "jnp.linalg.inv", fn=jnp.linalg.inv, inputs=[(n, n)], input_gen=gen(wellcond),
          f64=_f64(n), markers=_slow(n), **_tol(n))
    _case(f"det_{n}", "jnp.linalg.det", fn=jnp.linalg.det, inputs=[(n, n)], input_gen=gen(wellcond),
          f64=_f64(n), markers=_slow(n), **_tol(n))
    _case(f"slogdet_{n}", "jnp.linalg.slogdet", fn=jnp.linalg.slogdet, inputs=[(n, n)], f64=_f64(n),
          markers=_slow(n), **_tol(n))
_case("solve_batched", "jnp.linalg.solve", fn=jnp.linalg.solve, inputs=[_batched(5), ("B", 5, 3)],
      input_gen=gen(wellcond))
_case("solve_batched_32", "jnp.linalg.solve", fn=jnp.linalg.solve, inputs=[_batched(32), ("B", 32, 1)],
      input_gen=gen(wellcond), **_tol(32))
_case("solve_ill_conditioned", "jnp.linalg.solve", fn=jnp.linalg.solve, inputs=[(8, 8), (8,)],
      input_gen=gen(ill_conditioned), f64=True, rtol=1e-2, atol=1e-2)
_case("inv_batched", "jnp.linalg.inv", fn=jnp.linalg.inv, inputs=[_batched(5)], input_gen=gen(wellcond),
      f64=True)
_case("det_batched", "jnp.linalg.det", fn=jnp.linalg.det, inputs=[_batched(5)])
_case("det_singular", "jnp.linalg.det", fn=jnp.linalg.det, inputs=[_batched(4)], input_gen=gen(zero_column),
      f64=True)
_case("slogdet_singular", "jnp.linalg.slogdet", fn=jnp.linalg.slogdet, inputs=[_batched(4)],
      input_gen=gen(zero_column))
_case("slogdet_batched", "jnp.linalg.slogdet", fn=jnp.linalg.slogdet, inputs=[_batched(5)])
_case("matrix_power_neg", "jnp.linalg.matrix_power", fn=lambda a: jnp.linalg.matrix_power(a, -3),
      inputs=[_batched(4)], input_gen=gen(wellcond))
_case("matrix_power_pos", "jnp.linalg.matrix_power", fn=lambda a: jnp.linalg.matrix_power(a, 5),
      inputs=[_batched(4)], input_gen=gen(wellcond))
_case("tensorsolve", "jnp.linalg.tensorsolve",
      fn=lambda a, b: jnp.linalg.tensorsolve(a.reshape(2, 3, 6), b), inputs=[(6, 6), (2, 3)],
      input_gen=gen(wellcond))
_case("tensorinv", "jnp.linalg.tensorinv", fn=lambda a: jnp.linalg.tensorinv(a.reshape(2, 3, 6), ind=2),
      inputs=[(6, 6)], input_gen=gen(wellcond))
_case("grad_solve", "jnp.linalg.solve",
      fn=jax.grad(lambda a, b: jnp.sum(jnp.linalg.solve(a, b) ** 2), argnums=(0, 1)),
      inputs=[(5, 5), (5,)], input_gen=gen(wellcond), f64=True, rtol=1e-4, atol=1e-4)
_case("grad_solve_batched", "jnp.linalg.solve",
      fn=jax.grad(lambda a, b: jnp.sum(jnp.linalg.solve(a, b) ** 2)),
      inputs=[_batched(4), ("B", 4, 2)], input_gen=gen(wellcond), rtol=1e-4, atol=1e-4)
_case("grad_inv", "jnp.linalg.inv", fn=jax.grad(lambda a: jnp.sum(jnp.linalg.inv(a))),
      inputs=[(4, 4)], input_gen=gen(wellcond), rtol=1e-4, atol=1e-4)
_case("grad_det", "jnp.linalg.det", fn=jax.grad(jnp.linalg.det), inputs=[(4, 4)], input_gen=gen(wellcond),
      rtol=1e-4, atol=1e-4)


# ---- NaN input: NaN where JAX gives NaN ---------------------------------------------------
def with_nan(maker):
    def m(rng, shape, dt):
        a = maker(rng, shape, dt)
        a[..., 2, 1] = a[..., 1, 2] = np.nan
        return a
    return m


_case("cholesky_nan", "lax.linalg.cholesky", fn=jnp.linalg.cholesky, inputs=[(4, 4)], input_gen=gen(with_nan(spd)))
_case("lu_nan", "lax.linalg.lu", fn=lax.linalg.lu, inputs=[(4, 4)], input_gen=gen(with_nan(wellcond)))
_case("solve_nan", "jnp.linalg.solve", fn=jnp.linalg.solve, inputs=[(4, 4), (4,)],
      input_gen=gen(with_nan(wellcond)))
_case("eigvalsh_nan", "jnp.linalg.eigvalsh", fn=jnp.linalg.eigvalsh, inputs=[(4, 4)],
      input_gen=gen(with_nan(symmetric)))
_case("svdvals_nan", "jnp.linalg.svdvals", fn=jnp.linalg.svdvals, inputs=[(4, 4)], input_gen=gen(with_nan(_normal)))


# ---- qr -----------------------------------------------------------------------------------
# geqrf follows LAPACK's reflector convention, so Q and R compare directly with JAX's
for n in SIZES + (64,):
    _case(f"qr_{n}", "lax.linalg.qr", fn=jnp.linalg.qr, inputs=[(n, n)], f64=_f64(n), markers=_slow(n), **_tol(n))
_case("qr_batched", "lax.linalg.qr", fn=jnp.linalg.qr, inputs=[_batched(5)])
_case("qr_tall", "lax.linalg.qr", fn=jnp.linalg.qr, inputs=[("B", 6, 4)])
_case("qr_tall_complete", "lax.linalg.qr", fn=lambda a: jnp.linalg.qr(a, mode="complete"), inputs=[("B", 6, 4)])
_case("qr_wide", "lax.linalg.qr", fn=jnp.linalg.qr, inputs=[(3, 5)])
_case("qr_r_only", "lax.linalg.qr", fn=lambda a: jnp.linalg.qr(a, mode="r"), inputs=[(6, 4)])
_case("qr_rank_deficient", "lax.linalg.qr", fn=jnp.linalg.qr, inputs=[(5, 5)], input_gen=gen(zero_column))


# pivoting=True: geqp3 (LAPACK dlaqp2's pivot choice), so Q, R and the permutation compare directly
def _qrp(full=True):
    return lambda a: lax.linalg.qr(a, pivoting=True, full_matrices=full)


for n in (1, 2, 5, 32):
    _case(f"qr_pivoting_{n}", "lax.linalg.qr", fn=_qrp(), inputs=[(n, n)], f64=_f64(n), **_tol(n))
_case("qr_pivoting_batched", "lax.linalg.qr", fn=_qrp(), inputs=[_batched(5)])
_case("qr_pivoting_tall", "lax.linalg.qr", fn=_qrp(False), inputs=[("B", 6, 4)], f64=True)
_case("qr_pivoting_tall_complete", "lax.linalg.qr", fn=_qrp(True), inputs=[(6, 4)])
_case("qr_pivoting_wide", "lax.linalg.qr", fn=_qrp(), inputs=[(3, 5)])
_case("qr_pivoting_rank_deficient", "lax.linalg.qr", fn=_qrp(), inputs=[(5, 5)],
      input_gen=gen(lambda r, s, d: (lambda a: np.concatenate([a, 2 * a[..., :1]], -1))(_normal(r, s[:-1] + (s[-1] - 1,), d))))
_case("scipy_qr_pivoting", "jax.scipy.linalg.qr", fn=lambda a: jsl.qr(a, pivoting=True, mode="economic"),
      inputs=[(6, 4)])


def _geqp3(a, jpvt):
    from jax._src.lax.linalg import geqp3
    return geqp3(a, jpvt)


_case("geqp3_fixed_columns", "lax.linalg.geqp3", fn=_geqp3, inputs=[("B", 5, 4), ("B", 4)],
      input_dtypes=[np.float32, np.int32],
      input_gen=lambda r, s, d: [_normal(r, s[0], d[0]), (r.random(s[1]) < 0.4).astype(d[1])])


def _geqrf(a):
    from jax._src.lax.linalg import geqrf
    return geqrf(a)


def _householder(a):
    from jax._src.lax.linalg import geqrf, householder_product
    r, taus = geqrf(a)
    return householder_product(r, taus)


_case("geqrf", "lax.linalg.geqrf", fn=_geqrf, inputs=[("B", 6, 4)])
_case("householder_product", "lax.linalg.householder_product", fn=_householder, inputs=[("B", 6, 4)])


# ---- eigh ---------------------------------------------------------------------------------
def eigh_canon(a):
    w, v = jnp.linalg.eigh(a)
    return w, canon_columns(v), (v * w[..., None, :]) @ jnp.swapaxes(v, -1, -2)


for n in SIZES + (64,):
    _case(f"eigh_{n}", "lax.linalg.eigh", fn=eigh_canon, inputs=[(n, n)], input_gen=gen(symmetric), f64=_f64(n),
          markers=_slow(n), expect_ops=("Loop",), **_tol(n))
_case("eigh_batched", "lax.linalg.eigh", fn=eigh_canon, inputs=[_batched(5)], input_gen=gen(symmetric))
_case("eigh_batched_32", "lax.linalg.eigh", fn=eigh_canon, inputs=[_batched(32)], input_gen=gen(symmetric),
      **_tol(32))
_case("eigh_upper", "lax.linalg.eigh", fn=lambda a: jnp.linalg.eigh(a, UPLO="U")[0], inputs=[(5, 5)])
def _check_subset(model):
    """ORT against numpy's full eigh, sliced (JAX's CPU eigh has no subset_by_index)."""
    import onnxruntime as ort
    a = symmetric(np.random.default_rng(0), (3, 6, 6), np.float32)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    w, v = sess.run(None, {sess.get_inputs()[0].name: a})
    ew, ev = np.linalg.eigh(a.astype(np.float64))
    np.testing.assert_allclose(w, ew[..., 1:4], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(canon_columns(v)), np.asarray(canon_columns(ev[..., 1:4])), atol=1e-4)


_case("eigh_subset", "lax.linalg.eigh",
      fn=lambda a: (lambda v, w: (w, v))(*lax.linalg.eigh(a, subset_by_index=(1, 4))), inputs=[("B", 6, 6)],
      check=_check_subset, static=False,
      skip_numeric="JAX's CPU eigh raises NotImplementedError for subset_by_index; check= compares ORT with "
                   "numpy's eigh sliced instead")
_case("eigvalsh", "jnp.linalg.eigvalsh", fn=jnp.linalg.eigvalsh, inputs=[_batched(6)], input_gen=gen(symmetric),
      f64=True)
_case("eigh_spd_ill_conditioned", "lax.linalg.eigh", fn=jnp.linalg.eigvalsh, inputs=[(8, 8)],
      input_gen=gen(lambda r, s, d: (lambda q: (q * np.logspace(0, -6, s[-1])) @ q.T)(
          np.linalg.qr(r.standard_normal(s))[0]).astype(d)), rtol=1e-5, atol=1e-6)
_case("grad_eigh", "lax.linalg.eigh", fn=jax.grad(lambda a: jnp.sum(jnp.linalg.eigvalsh(a) * jnp.arange(5.0))),
      inputs=[(5, 5)], input_gen=gen(symmetric), f64=True, rtol=1e-4, atol=1e-4)


# ---- svd ----------------------------------------------------------------------------------
def svd_canon(full):
    """s, sign-canonical leading u/vt, and u u^T, v v^T (orthogonality of the full factors)."""
    def f(a):
        u, s, vt = jnp.linalg.svd(a, full_matrices=full)
        k = s.shape[-1]
        uk = u[..., :, :k]
        idx = jnp.argmax(jnp.abs(uk), axis=-2, keepdims=True)
        sg = jnp.sign(jnp.take_along_axis(uk, idx, axis=-2))
        sg = jnp.where(sg == 0, 1, sg)
        return (s, uk * sg, vt[..., :k, :] * jnp.swapaxes(sg, -1, -2), u @ jnp.swapaxes(u, -1, -2),
                jnp.swapaxes(vt, -1, -2) @ vt)
    return f


for n in SIZES + (64,):
    _case(f"svd_{n}", "lax.linalg.svd", fn=svd_canon(False), inputs=[(n, n)], f64=_f64(n), markers=_slow(n),
          expect_ops=("Loop",), **_tol(n))
_case("svd_batched", "lax.linalg.svd", fn=svd_canon(False), inputs=[("B", 5, 3)])
_case("svd_full_tall", "lax.linalg.svd", fn=svd_canon(True), inputs=[("B", 6, 4)])
_case("svd_full_wide", "lax.linalg.svd", fn=svd_canon(True), inputs=[(3, 5)])
_case("svd_wide", "lax.linalg.svd", fn=svd_canon(False), inputs=[("B", 3, 5)])
_case("svdvals", "jnp.linalg.svdvals", fn=jnp.linalg.svdvals, inputs=[("B", 7, 5)])
_case("svdvals_32", "jnp.linalg.svdvals", fn=jnp.linalg.svdvals, inputs=[(32, 32)], **_tol(32))
def svd_reconstruct(a):
    """For a zero singular value u and v are independent up to sign: compare each canonically."""
    u, s, vt = jnp.linalg.svd(a)
    return s, (u * s[..., None, :]) @ vt, canon_columns(u), canon_columns(jnp.swapaxes(vt, -1, -2))


_case("svd_rank_deficient", "lax.linalg.svd", fn=svd_reconstruct, inputs=[(5, 5)], input_gen=gen(zero_column))
_case("pinv", "jnp.linalg.pinv", fn=jnp.linalg.pinv, inputs=[("B", 6, 4)])
_case("lstsq", "jnp.linalg.lstsq", fn=lambda a, b: jnp.linalg.lstsq(a, b)[0], inputs=[(8, 4), (8, 2)])
_case("matrix_rank", "jnp.linalg.matrix_rank", fn=jnp.linalg.matrix_rank, inputs=[("B", 5, 5)],
      input_gen=gen(zero_column))
_case("cond", "jnp.linalg.cond", fn=jnp.linalg.cond, inputs=[("B", 5, 5)], input_gen=gen(wellcond))
_case("norm_2", "jnp.linalg.norm", fn=lambda a: jnp.linalg.norm(a, ord=2), inputs=[(6, 4)])
_case("grad_svdvals", "lax.linalg.svd", fn=jax.grad(lambda a: jnp.sum(jnp.linalg.svdvals(a) * jnp.arange(4.0))),
      inputs=[(6, 4)], rtol=1e-4, atol=1e-4)


# ---- ormqr, symmetric_product, cholesky_update, tridiagonal_solve -------------------------
def _ormqr(left, transpose):
    def f(a, c):
        from jax._src.lax.linalg import geqrf, ormqr
        return ormqr(*geqrf(a), c, left=left, transpose=transpose)
    return f


for left in (True, False):
    for transpose in (False, True):
        _case(f"ormqr_{'left' if left else 'right'}{'_t' if transpose else ''}", "lax.linalg.ormqr",
              fn=_ormqr(left, transpose), inputs=[(5, 3), (5, 2) if left else (2, 5)],
              requires=("jax._src.lax.linalg.ormqr",))
_case("ormqr_batched", "lax.linalg.ormqr", fn=_ormqr(True, True), inputs=[("B", 6, 4), ("B", 6, 3)],
      requires=("jax._src.lax.linalg.ormqr",))
_case("qr_multiply", "jax.scipy.linalg.qr_multiply", fn=lambda a, c: jsl.qr_multiply(a, c)[0],
      inputs=[(5, 3), (2, 5)], requires=("jax.scipy.linalg.qr_multiply",))
_case("symmetric_product", "lax.linalg.symmetric_product",
      fn=lambda a, c: lax.linalg.symmetric_product(a, c, alpha=2.0, beta=0.5, symmetrize_output=True),
      inputs=[("B", 4, 3), ("B", 4, 4)], input_gen=gen(_normal, symmetric))


def _upper_factor(rng, shape, dt):
    return np.swapaxes(np.linalg.cholesky(spd(rng, shape, np.float64)), -1, -2).astype(dt)


for n in (1, 5, 32):  # JAX's reference unrolls n Givens steps: slow to compile at 32
    _case(f"cholesky_update_{n}", "lax.linalg.cholesky_update", fn=lax.linalg.cholesky_update,
          inputs=[(n, n), (n,)], input_gen=gen(_upper_factor), f64=(n == 5), markers=("slow",) if n > 5 else (),
          **_tol(n))


def _tridiag(rng, shapes, dtypes):
    return [rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)]


for m in (1, 2, 5, 32):
    _case(f"tridiagonal_solve_{m}", "lax.linalg.tridiagonal_solve", fn=lax.linalg.tridiagonal_solve,
          inputs=[("B", m)] * 3 + [("B", m, 2)], input_gen=_tridiag, f64=_f64(m), **_tol(m))
_case("tridiagonal_solve_singular", "lax.linalg.tridiagonal_solve", fn=lax.linalg.tridiagonal_solve,
      inputs=[(2, 4)] * 3 + [(2, 4, 1)],
      input_gen=lambda r, s, d: [np.zeros(s[0], d[0]), np.array([[1, 0, 1, 1], [1, 2, 3, 4]], d[1]),
                                 np.zeros(s[2], d[2]), np.ones(s[3], d[3])])


def _perturbed(dl, d, du, b):
    return lax.linalg.tridiagonal_solve(dl, d, du, b, perturb_singular=True)


_PERTURB = ("jax.lax.linalg.tridiagonal_solve(perturb_singular)",)


def _shifted_singular(rng, shapes, dtypes):
    """``T - λ_min I`` for a symmetric tridiagonal T (numerically singular: inverse iteration)."""
    (bsz, m), dt = shapes[1], dtypes[1]
    off = np.abs(rng.standard_normal((bsz, m)))
    off[:, 0] = 0
    diag = rng.standard_normal((bsz, m))
    t = np.stack([np.diag(diag[k]) + np.diag(off[k, 1:], -1) + np.diag(off[k, 1:], 1) for k in range(bsz)])
    lam = np.linalg.eigvalsh(t)[:, :1]
    up = np.concatenate([off[:, 1:], np.zeros((bsz, 1))], -1)
    return [off.astype(dt), (diag - lam).astype(dt), up.astype(dt), rng.standard_normal(shapes[3]).astype(dtypes[3])]


for m in (1, 2, 5, 32):
    _case(f"tridiagonal_solve_perturbed_{m}", "lax.linalg.tridiagonal_solve", fn=_perturbed,
          inputs=[("B", m)] * 3 + [("B", m, 2)], input_gen=_tridiag, f64=_f64(m), requires=_PERTURB, **_tol(m))
_case("tridiagonal_solve_perturbed_singular", "lax.linalg.tridiagonal_solve", fn=_perturbed,
      inputs=[(3, 6)] * 3 + [(3, 6, 2)], input_gen=_shifted_singular, f64=True, requires=_PERTURB)
_case("tridiagonal_solve_perturbed_zero", "lax.linalg.tridiagonal_solve", fn=_perturbed,
      inputs=[(2, 4)] * 3 + [(2, 4, 1)], requires=_PERTURB,
      input_gen=lambda r, s, d: [np.zeros(s[0], d[0]), np.array([[0, 0, 0, 0], [1, 0, 3, 0]], d[1]),
                                 np.zeros(s[2], d[2]), np.ones(s[3], d[3])])


# ---- expm (Padé + squaring; needs lu/solve and lt_to for its searchsorted) ---------------
def _scaled(scale):
    def m(rng, shape, dt):
        return (scale * rng.standard_normal(shape)).astype(dt)
    return m


for n, scale in ((1, 1.0), (2, 0.01), (5, 1.0), (8, 4.0)):  # JAX's expm is slow to compile: f64 nightly
    _case(f"expm_{n}", "jax.scipy.linalg.expm", fn=jsl.expm, inputs=[(n, n)], input_gen=gen(_scaled(scale)),
          markers=("slow",) if n in (1, 2) else (), rtol=1e-4, atol=1e-4)
_case("expm_batched", "jax.scipy.linalg.expm", fn=jsl.expm, inputs=[_batched(4)], input_gen=gen(_scaled(1.0)),
      rtol=1e-4, atol=1e-4)
_case("lt_to_total_order", "lax.lt_to", fn=lambda x, y: lax.lt_to_p.bind(x, y), inputs=[(6,), (6,)],
      input_gen=lambda r, s, d: [np.array([0., -0., 1., np.nan, -np.inf, 3.], d[0]),
                                 np.array([-0., 0., np.nan, 1., np.inf, 3.], d[1])], f64=True)


# ---- hessenberg / tridiagonal (packed like LAPACK gehrd / sytrd: compared directly) -------
for n in (1, 2, 5, 32):
    _case(f"hessenberg_{n}", "lax.linalg.hessenberg", fn=lax.linalg.hessenberg, inputs=[(n, n)], f64=_f64(n),
          **_tol(n))
_case("scipy_hessenberg_q", "jax.scipy.linalg.hessenberg", fn=lambda a: jsl.hessenberg(a, calc_q=True),
      inputs=[_batched(5)])
for lower in (True, False):
    for n in (1, 2, 5, 32):
        _case(f"tridiagonal_{'lower' if lower else 'upper'}_{n}", "lax.linalg.tridiagonal",
              fn=lambda a, lower=lower: lax.linalg.tridiagonal(a, lower=lower), inputs=[(n, n)],
              f64=_f64(n) and n < 32, **_tol(n))
_case("tridiagonal_batched", "lax.linalg.tridiagonal", fn=lax.linalg.tridiagonal, inputs=[_batched(6)])
