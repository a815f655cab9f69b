"""Catalog: non-symmetric eigenproblems (``eig``, ``eigvals``, ``schur``) for real input.

Eigenvalues come in an implementation-defined order (LAPACK's ``geev`` order is not
reproduced), eigenvectors are unique only up to a unit complex factor and the Schur
form only up to the order of its diagonal, so each case returns canonical quantities
computed inside the converted function (they convert too):

* eigenvalues sorted by ``(round(256·re), im)`` (:func:`eig_order`; the rounding keeps
  the two members of a conjugate pair and equal real parts together);
* eigenvectors in that order with their largest-magnitude entry made real positive
  (:func:`canon_vectors`), and the residuals ``A v - v λ`` / ``uᴴ A - λ uᴴ``;
* for ``schur``: ``Z T Zᵀ``, ``Zᵀ Z``, the part of T below its subdiagonal, the sorted
  diagonal (the eigenvalues' real parts), the sorted ``|t[p+1,p]·t[p,p+1]|`` (the squared
  imaginary parts) and the products of adjacent subdiagonal entries (0: quasi-triangular).
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import LEGACY_FROZEN, testcase
from .linalg_decomp import _batched, _f64, _normal, _slow, _tol, gen, with_nan, zero_column

F = "linalg_nonsym"
SIZES = (1, 2, 5, 32, 64)


def _case(name, component, **kw):
    kw.setdefault("ir_only", LEGACY_FROZEN)
    kw["fn"] = jax.jit(kw["fn"])
    kw.setdefault("static", False)
    return testcase(F, name, component, **kw)


# ---- input generators ---------------------------------------------------------------------
def repeated_pairs(rng, shape, dt):
    """``Q D Qᵀ``: D has the block [[1, 2], [-2, 1]] repeated (eigenvalues 1 ± 2i, each
    n//2 times) and 3 last for odd n: repeated complex-conjugate pairs of a normal matrix."""
    n = shape[-1]
    d = np.zeros((n, n))
    for p in range(0, n - 1, 2):
        d[p:p + 2, p:p + 2] = [[1, 2], [-2, 1]]
    if n % 2:
        d[-1, -1] = 3
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    return (q @ d @ np.swapaxes(q, -1, -2)).astype(dt)


def real_spectrum(rng, shape, dt):
    """``S diag(1..n) S⁻¹`` with a well-conditioned S: distinct real eigenvalues."""
    n = shape[-1]
    s = rng.standard_normal(shape) / np.sqrt(n) + 2 * np.eye(n)
    return (s * np.arange(1, n + 1)[..., None, :] @ np.linalg.inv(s)).astype(dt)


def non_normal(rng, shape, dt):
    """``Q (diag(1..n) + 2·triu(G, 1)) Qᵀ``: known real eigenvalues 1..n with condition
    numbers up to ~1e3 (a strongly non-normal matrix)."""
    n = shape[-1]
    t = np.diag(np.arange(1.0, n + 1)) + 2 * np.triu(rng.standard_normal(shape), 1)
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    return (q @ t @ np.swapaxes(q, -1, -2)).astype(dt)


# ---- canonical forms (traced and converted with the case) ---------------------------------
def eig_order(w):
    return jnp.lexsort((jnp.imag(w), jnp.round(jnp.real(w) * 256)), axis=-1)


def canon_vectors(v):
    """Columns scaled by a unit complex factor making their largest-magnitude entry real > 0."""
    idx = jnp.argmax(jnp.abs(v), axis=-2, keepdims=True)
    p = jnp.take_along_axis(v, idx, axis=-2)
    return v * (jnp.conj(p) / jnp.abs(p))


def _take(v, order):
    return jnp.take_along_axis(v, order[..., None, :], axis=-1)


def eig_canon(vectors=True, left=True):
    def f(a):
        w, vl, vr = lax.linalg.eig(a)
        order = eig_order(w)
        ws = jnp.take_along_axis(w, order, axis=-1)
        ac = a.astype(w.dtype)
        res_r = ac @ vr - vr * w[..., None, :]
        res_l = jnp.swapaxes(jnp.conj(vl), -1, -2) @ ac - w[..., :, None] * jnp.swapaxes(jnp.conj(vl), -1, -2)
        norms = jnp.sum(jnp.abs(vr) ** 2, axis=-2)
        out = [ws, res_r, res_l, norms]
        if vectors:
            out.append(canon_vectors(_take(vr, order)))
            if left:
                out.append(canon_vectors(_take(vl, order)))
        return tuple(out)
    return f


def eigvals_sorted(a):
    w = jnp.linalg.eigvals(a)
    return jnp.take_along_axis(w, eig_order(w), axis=-1)


def schur_identities(a):
    t, z = lax.linalg.schur(a)
    zt = jnp.swapaxes(z, -1, -2)
    out = [z @ t @ zt, zt @ z, jnp.tril(t, -2), jnp.sort(jnp.diagonal(t, axis1=-2, axis2=-1), axis=-1)]
    if a.shape[-1] > 1:
        sub = jnp.diagonal(t, -1, axis1=-2, axis2=-1)
        sup = jnp.diagonal(t, 1, axis1=-2, axis2=-1)
        out += [jnp.sort(jnp.abs(sub * sup), axis=-1), sub[..., 1:] * sub[..., :-1]]
    return tuple(out)


# ---- eig ----------------------------------------------------------------------------------
for n in SIZES:
    _case(f"eig_{n}", "lax.linalg.eig", fn=eig_canon(), inputs=[(n, n)], f64=_f64(n), markers=_slow(n),
          expect_ops=("Loop",) if n > 2 else (), **_tol(n))
_case("eig_batched", "lax.linalg.eig", fn=eig_canon(), inputs=[_batched(5)], f64=True)
_case("eig_batched_32", "lax.linalg.eig", fn=eig_canon(), inputs=[_batched(32)], markers=("slow",), **_tol(32))
_case("eig_real_spectrum", "lax.linalg.eig", fn=eig_canon(), inputs=[_batched(6)], input_gen=gen(real_spectrum),
      f64=True, rtol=1e-4, atol=1e-4)
# repeated eigenvalues: eigenvectors are not unique, so values, residuals and norms only
_case("eig_repeated_pairs", "lax.linalg.eig", fn=eig_canon(vectors=False), inputs=[_batched(7)],
      input_gen=gen(repeated_pairs), f64=True, rtol=1e-4, atol=1e-4)
_case("eig_right_only", "jnp.linalg.eig", fn=lambda a: (lambda w, v: (jnp.take_along_axis(w, eig_order(w), -1),
                                                                       canon_vectors(_take(v, eig_order(w)))))(
    *jnp.linalg.eig(a)), inputs=[(5, 5)])
_case("eig_left_only", "lax.linalg.eig",
      fn=lambda a: (lambda w, v: (jnp.take_along_axis(w, eig_order(w), -1), canon_vectors(_take(v, eig_order(w)))))(
          *lax.linalg.eig(a, compute_right_eigenvectors=False)), inputs=[(5, 5)])
_case("eig_singular", "lax.linalg.eig", fn=eig_canon(), inputs=[(5, 5)], input_gen=gen(zero_column), f64=True)
_case("eigvals_ill_conditioned", "jnp.linalg.eigvals", fn=eigvals_sorted, inputs=[(8, 8)], input_gen=gen(non_normal),
      f64=True, rtol=1e-3, atol=1e-3)
_case("eigvals", "jnp.linalg.eigvals", fn=eigvals_sorted, inputs=[_batched(6)], f64=True)
_case("eigvals_32", "jnp.linalg.eigvals", fn=eigvals_sorted, inputs=[(32, 32)], **_tol(32))
_case("eig_nan", "lax.linalg.eig", fn=lambda a: lax.linalg.eig(a), inputs=[(4, 4)], input_gen=gen(with_nan(_normal)))

# ---- schur --------------------------------------------------------------------------------
for n in SIZES:
    _case(f"schur_{n}", "lax.linalg.schur", fn=schur_identities, inputs=[(n, n)], f64=_f64(n), markers=_slow(n),
          expect_ops=("Loop",) if n > 2 else (), **_tol(n))
_case("schur_batched", "lax.linalg.schur", fn=schur_identities, inputs=[_batched(6)], f64=True)
_case("schur_repeated_pairs", "lax.linalg.schur", fn=schur_identities, inputs=[_batched(7)],
      input_gen=gen(repeated_pairs), rtol=1e-4, atol=1e-4)
_case("schur_t_only", "lax.linalg.schur",
      fn=lambda a: jnp.sort(jnp.diagonal(lax.linalg.schur(a, compute_schur_vectors=False)[0], axis1=-2, axis2=-1)),
      inputs=[(5, 5)])
_case("scipy_schur", "jax.scipy.linalg.schur",
      fn=lambda a: jnp.sort(jnp.diagonal(jax.scipy.linalg.schur(a)[0], axis1=-2, axis2=-1)), inputs=[(5, 5)])
_case("schur_nan", "lax.linalg.schur", fn=lax.linalg.schur, inputs=[(4, 4)], input_gen=gen(with_nan(_normal)))
