"""Complex matrices in `functrans.numpy.linalg`, `functrans.scipy.linalg` and `poly`.

Values and dtypes against NumPy/SciPy on complex64 and complex128 stacks; derivatives in
JAX's conventions (docs/linalg.md, "Complex matrices"), checked three ways:
- the JVP is the derivative along a complex direction: `jvp(f, (z,), (t,))` equals the
  central difference `(f(z + h t) - f(z - h t)) / 2h` (for functions of Hermitian matrices,
  along Hermitian directions; eigenvectors and singular vectors through functions that do
  not depend on their phases);
- the VJP satisfies the adjoint identity of JAX's plain (unconjugated) transposes,
  `Re(sum(ct * J t)) == Re(sum(J^T ct * t))`, with no conjugate anywhere;
- for real-valued functions of complex matrices, `jacfwd == jacrev == grad`, and `grad` is
  `df/dRe(z) - i df/dIm(z)` (JAX's conjugate gradient) by differences.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings
from hypothesis import strategies as st

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
import functrans.scipy.linalg as fsl
from functrans import errors

C128 = np.dtype(np.complex128)
C64 = np.dtype(np.complex64)
L = fnp.linalg


def _rand(rng, shape, dtype=C128):
    return np.asarray(rng.normal(size=shape) + 1j * rng.normal(size=shape), dtype)


def _well(rng, shape, dtype=C128):
    """Well conditioned: a random complex matrix plus (n + 2) I."""
    n = shape[-1]
    return np.asarray(_rand(rng, shape) + (n + 2) * np.eye(n), dtype)


def _hpd(rng, shape, dtype=C128):
    """Hermitian positive definite: a a^H + n I."""
    a = _rand(rng, shape)
    return np.asarray(a @ np.conj(np.swapaxes(a, -1, -2)) + shape[-1] * np.eye(shape[-1]),
                      dtype)


def _herm(rng, shape, dtype=C128):
    """Hermitian with (almost surely) well separated eigenvalues."""
    a = _rand(rng, shape)
    return np.asarray(a + np.conj(np.swapaxes(a, -1, -2)), dtype)


def _hermitian_direction(t):
    return (t + np.conj(np.swapaxes(t, -1, -2))) / 2


def _cd(f, z, t, h=1e-6):
    return (np.asarray(f(z + h * t)) - np.asarray(f(z - h * t))) / (2 * h)


def _flat(*outs):
    """One complex vector of all outputs (so one JVP/VJP checks a multi-output function)."""
    parts = []
    for o in outs:
        o = fnp.asarray(o)
        parts.append(fnp.ravel(o.astype(np.complex128)))
    return fnp.concatenate(parts)


# --------------------------------------------------------------------------- values

# (name, f(module, *inputs) called with fnp.linalg/np.linalg, input builders)
_VALUES = [
    ("solve", lambda m, a, b: m.solve(a, b), (_well, (2, 3, 3)), (_rand, (2, 3, 2))),
    ("solve_vector", lambda m, a, b: m.solve(a, b), (_well, (3, 3)), (_rand, (3,))),
    ("inv", lambda m, a: m.inv(a), (_well, (2, 3, 3))),
    ("det", lambda m, a: m.det(a), (_well, (2, 4, 4))),
    ("slogdet", lambda m, a: tuple(m.slogdet(a)), (_well, (2, 3, 3))),
    ("cholesky", lambda m, a: m.cholesky(a), (_hpd, (2, 3, 3))),
    ("cholesky_upper", lambda m, a: m.cholesky(a, upper=True), (_hpd, (3, 3))),
    ("qr", lambda m, a: tuple(m.qr(a)), (_rand, (2, 4, 3))),
    ("qr_wide", lambda m, a: tuple(m.qr(a)), (_rand, (3, 5))),
    ("qr_complete", lambda m, a: tuple(m.qr(a, "complete")), (_rand, (4, 2))),
    ("qr_r", lambda m, a: m.qr(a, "r"), (_rand, (4, 3))),
    ("eigvalsh", lambda m, a: m.eigvalsh(a), (_rand, (2, 3, 3))),
    ("eigvalsh_upper", lambda m, a: m.eigvalsh(a, "U"), (_rand, (3, 3))),
    ("eigh", lambda m, a: tuple(m.eigh(a)), (_rand, (2, 3, 3))),
    ("svd", lambda m, a: tuple(m.svd(a)), (_rand, (2, 4, 3))),
    ("svd_reduced", lambda m, a: tuple(m.svd(a, full_matrices=False)), (_rand, (3, 5))),
    ("svd_hermitian", lambda m, a: tuple(m.svd(a, hermitian=True)), (_herm, (2, 3, 3))),
    ("svdvals", lambda m, a: m.svdvals(a), (_rand, (2, 4, 3))),
    ("pinv", lambda m, a: m.pinv(a), (_rand, (2, 4, 3))),
    ("pinv_hermitian", lambda m, a: m.pinv(a, hermitian=True), (_rand, (3, 3))),
    ("lstsq", lambda m, a, b: m.lstsq(a, b), (_rand, (5, 3)), (_rand, (5, 2))),
    ("lstsq_vector", lambda m, a, b: m.lstsq(a, b), (_rand, (5, 3)), (_rand, (5,))),
    ("lstsq_wide", lambda m, a, b: m.lstsq(a, b), (_rand, (3, 5)), (_rand, (3,))),
    ("matrix_rank", lambda m, a: m.matrix_rank(a), (_rand, (2, 4, 3))),
    ("matrix_rank_hermitian", lambda m, a: m.matrix_rank(a, hermitian=True), (_herm, (3, 3))),
    ("matrix_power_3", lambda m, a: m.matrix_power(a, 3), (_rand, (2, 3, 3))),
    ("matrix_power_neg2", lambda m, a: m.matrix_power(a, -2), (_well, (3, 3))),
    ("tensorsolve", lambda m, a, b: m.tensorsolve(a, b), (_well, (6, 6)), (_rand, (6,))),
    ("tensorinv", lambda m, a: m.tensorinv(a, ind=1), (_well, (4, 4))),
    *[(f"cond_{p}", lambda m, a, p=p: m.cond(a, p), (_well, (2, 3, 3)))
      for p in (None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc")],
    *[(f"norm_{o}", lambda m, a, o=o: m.norm(a, o, axis=(-2, -1)), (_rand, (2, 4, 3)))
      for o in (2, -2, "nuc", "fro", 1, np.inf)],
    ("matrix_norm_nuc", lambda m, a: m.matrix_norm(a, ord="nuc"), (_rand, (2, 3, 4))),
    # NumPy's vecdot conjugates its first argument.
    ("vecdot", lambda m, a, b: m.vecdot(a, b), (_rand, (2, 3)), (_rand, (3,))),
    ("vecdot_axis", lambda m, a, b: m.vecdot(a, b, axis=0), (_rand, (3, 2)), (_rand, (3, 1))),
]


def _inputs(rng, builders, dtype):
    return [build(rng, shape, dtype) for build, shape in builders]


def _compare(got, want, rtol):
    got_leaves = got if isinstance(got, tuple) else (got,)
    want_leaves = want if isinstance(want, tuple) else (want,)
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves, strict=True):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)


def _cases(rows):
    return [(r[0], r[1], r[2:]) for r in rows]


@pytest.mark.parametrize("dtype", [C128, C64], ids=str)
@pytest.mark.parametrize("name, f, builders", _cases(_VALUES), ids=[v[0] for v in _VALUES])
def test_values_and_dtypes_match_numpy(name, f, builders, dtype):
    rng = np.random.default_rng(0)
    args = _inputs(rng, builders, dtype)
    rtol = 1e-12 if dtype == C128 else 2e-5
    want = f(np.linalg, *args)
    _compare(f(L, *args), want, rtol)
    _compare(ft.jit(lambda *a: f(L, *a))(*args), want, rtol)


def test_lstsq_dtypes_follow_numpy():
    rng = np.random.default_rng(1)
    a32 = _rand(rng, (4, 2), C64)
    for b in (np.ones(4, np.float32), np.ones(4), np.ones(4, C64), np.ones(4, C128)):
        got, want = L.lstsq(a32, b), np.linalg.lstsq(a32, b)
        _compare(tuple(got), tuple(want), 2e-5)


# (name, f(fsl/sl, *inputs), builders): scipy.linalg's functions on complex matrices.
_SCIPY = [
    *[(f"solve_triangular_{'lower' if low else 'upper'}_{t}",
       lambda m, a, b, low=low, t=t: m.solve_triangular(
           np.tril(a) if low else np.triu(a), b, trans=t, lower=low),
       (_well, (4, 4)), (_rand, (4, 2))) for low in (True, False) for t in (0, 1, 2, "C")],
    *[(f"cho_{'lower' if low else 'upper'}",
       lambda m, a, b, low=low: m.cho_solve(m.cho_factor(a, lower=low), b),
       (_hpd, (4, 4)), (_rand, (4, 2))) for low in (True, False)],
    *[(f"lu_solve_{t}", lambda m, a, b, t=t: m.lu_solve(m.lu_factor(a), b, trans=t),
       (_well, (4, 4)), (_rand, (4,))) for t in (0, 1, 2)],
    ("lu_factor", lambda m, a: tuple(m.lu_factor(a)), (_rand, (5, 5))),
    ("lu", lambda m, a: tuple(m.lu(a)), (_rand, (4, 3))),
    ("lu_wide", lambda m, a: tuple(m.lu(a)), (_rand, (3, 4))),
    ("lu_permute_l", lambda m, a: tuple(m.lu(a, permute_l=True)), (_rand, (4, 4))),
    ("inv", lambda m, a: m.inv(a), (_well, (3, 3))),
    ("eigh", lambda m, a: m.eigh(a, eigvals_only=True), (_rand, (3, 3))),
    ("svd", lambda m, a: m.svd(a, compute_uv=False), (_rand, (4, 3))),
    ("expm", lambda m, a: m.expm(a / 4), (_rand, (4, 4))),
    ("expm_scaled", lambda m, a: m.expm(2 * a), (_rand, (3, 3))),
]


@pytest.mark.parametrize("dtype", [C128, C64], ids=str)
@pytest.mark.parametrize("name, f, builders", _cases(_SCIPY), ids=[v[0] for v in _SCIPY])
def test_scipy_values_match_scipy(name, f, builders, dtype):
    rng = np.random.default_rng(2)
    args = _inputs(rng, builders, dtype)
    rtol = 1e-11 if dtype == C128 else 1e-4
    _compare(f(fsl, *args), f(sl, *args), rtol)


def test_scipy_det_and_cho_factor_triangles():
    rng = np.random.default_rng(3)
    a = _well(rng, (3, 3))
    np.testing.assert_allclose(fsl.det(a), sl.det(a), rtol=1e-13)
    h = _hpd(rng, (3, 3))
    for lower in (True, False):
        c, low = fsl.cho_factor(h, lower=lower)
        tri = np.tril if lower else np.triu
        np.testing.assert_allclose(c, tri(sl.cho_factor(h, lower=lower)[0]), rtol=1e-13)
        assert low == lower


def test_poly_of_complex_roots():
    rng = np.random.default_rng(4)
    z = _rand(rng, (4,))
    np.testing.assert_allclose(fnp.poly(z), np.poly(z), rtol=1e-13)
    assert fnp.poly(z.astype(C64)).dtype == C64
    # Conjugate pairs: NumPy drops the (zero) imaginary part; functrans stays complex, as JAX.
    pair = np.array([1 + 2j, 1 - 2j])
    got = fnp.poly(pair)
    assert got.dtype == C128 and np.poly(pair).dtype == np.float64
    np.testing.assert_allclose(got, np.poly(pair), rtol=1e-15)
    np.testing.assert_allclose(fnp.poly([1j, 2]), np.poly([1j, 2]))
    # A square matrix: its characteristic polynomial (complex, as JAX's).
    m = _rand(rng, (3, 3))
    np.testing.assert_allclose(fnp.poly(m), np.poly(m), rtol=1e-12)
    real_m = m.real
    got = fnp.poly(real_m)
    assert got.dtype == C128 and fnp.poly(real_m.astype(np.float32)).dtype == C64
    np.testing.assert_allclose(got, np.poly(real_m), rtol=1e-12, atol=1e-13)
    dm = _rand(rng, (3, 3))
    _, d = ft.jvp(fnp.poly, (m,), (dm,))
    np.testing.assert_allclose(d, _cd(np.poly, m, dm), rtol=1e-6, atol=1e-7)
    # Holomorphic in the roots.
    t = _rand(rng, (4,))
    _, d = ft.jvp(fnp.poly, (z,), (t,))
    np.testing.assert_allclose(d, _cd(np.poly, z, t), rtol=1e-7, atol=1e-8)
    _, d_it = ft.jvp(fnp.poly, (z,), (1j * t,))
    np.testing.assert_allclose(d_it, 1j * np.asarray(d), rtol=1e-13)


# --------------------------------------------------------------------------- derivatives


def _eigh_projector(a):
    # sum_k exp(w_k) v_k v_k^H: independent of the eigenvectors' phases.
    w, v = L.eigh(a)
    return fnp.einsum("ik,k,jk->ij", v, fnp.exp(w), fnp.conj(v))


def _eigh_columns(a):
    # v_k v_k^H for each k (phase-free), stacked.
    _, v = L.eigh(a, "U")
    return fnp.einsum("ik,jk->kij", v, fnp.conj(v))


def _svd_pairs(a):
    # u_k vh_k (the phases of u_k and vh_k cancel) and |u|^2 (no phase).
    u, s, vh = L.svd(a, full_matrices=False)
    return _flat(fnp.einsum("...ik,...kj->...kij", u, vh), fnp.abs(u) ** 2, s)


def _svd_hermitian(a):
    u, s, vh = L.svd(a, hermitian=True)
    return _flat(fnp.einsum("ik,kj->kij", u, vh), s)


# (name, f, input builder and shape, holomorphic, direction kind: "any" or "hermitian")
FUNS = [
    ("solve", lambda a: L.solve(a, np.arange(6.0).reshape(3, 2) + 1j), (_well, (3, 3)), True,
     "any"),
    ("solve_rhs", lambda b: L.solve(_well(np.random.default_rng(9), (3, 3)), b),
     (_rand, (2, 3, 2)), True, "any"),
    ("inv", L.inv, (_well, (2, 3, 3)), True, "any"),
    ("det", L.det, (_well, (2, 3, 3)), True, "any"),
    ("slogdet", lambda a: _flat(*L.slogdet(a)), (_well, (3, 3)), False, "any"),
    ("matrix_power", lambda a: L.matrix_power(a, -2), (_well, (3, 3)), True, "any"),
    ("cholesky", L.cholesky, (_hpd, (2, 3, 3)), False, "hermitian"),
    ("cholesky_upper", lambda a: L.cholesky(a, upper=True), (_hpd, (3, 3)), False,
     "hermitian"),
    # Not holomorphic: Q^H Q = I and R's real diagonal involve conjugates.
    ("qr", lambda a: _flat(*L.qr(a)), (_rand, (4, 3)), False, "any"),
    ("qr_square", lambda a: _flat(*L.qr(a)), (_rand, (2, 3, 3)), False, "any"),
    ("qr_wide", lambda a: _flat(*L.qr(a)), (_rand, (3, 5)), False, "any"),
    ("eigvalsh", L.eigvalsh, (_herm, (2, 3, 3)), False, "any"),
    ("eigvalsh_symmetrized", lambda a: L.eigvalsh(a, symmetrize_input=True), (_herm, (3, 3)),
     False, "any"),
    ("eigh_projector", _eigh_projector, (_herm, (3, 3)), False, "hermitian"),
    ("eigh_columns_upper", _eigh_columns, (_herm, (4, 4)), False, "any"),
    ("svdvals", L.svdvals, (_rand, (2, 4, 3)), False, "any"),
    ("svd_tall", _svd_pairs, (_rand, (4, 3)), False, "any"),
    ("svd_square", _svd_pairs, (_rand, (3, 3)), False, "any"),
    ("svd_wide", _svd_pairs, (_rand, (2, 3, 5)), False, "any"),
    ("svd_hermitian", _svd_hermitian, (_herm, (3, 3)), False, "hermitian"),
    ("pinv", L.pinv, (_rand, (4, 3)), False, "any"),
    ("pinv_wide", L.pinv, (_rand, (2, 3, 4)), False, "any"),
    ("pinv_hermitian", lambda a: L.pinv(a, hermitian=True), (_herm, (3, 3)), False,
     "hermitian"),
    ("lstsq", lambda a: L.lstsq(a, np.arange(5.0) - 2j)[0], (_rand, (5, 3)), False, "any"),
    ("norm_2", lambda a: L.norm(a, 2), (_rand, (4, 3)), False, "any"),
    ("norm_neg2", lambda a: L.norm(a, -2), (_rand, (4, 3)), False, "any"),
    ("norm_nuc", lambda a: L.norm(a, "nuc"), (_rand, (3, 4)), False, "any"),
    ("cond", L.cond, (_rand, (2, 3, 3)), False, "any"),
    ("cond_fro", lambda a: L.cond(a, "fro"), (_well, (3, 3)), False, "any"),
    ("scipy_solve_triangular_C",
     lambda a: fsl.solve_triangular(a, np.ones((3, 2)) + 1j, trans="C", lower=True),
     (_well, (3, 3)), False, "any"),
    ("scipy_solve_triangular_T",
     lambda a: fsl.solve_triangular(a, np.ones(3) - 1j, trans=1), (_well, (3, 3)), True,
     "any"),
    ("scipy_cho_solve_upper",
     lambda a: fsl.cho_solve(fsl.cho_factor(a), np.arange(3.0) + 1j), (_hpd, (3, 3)), False,
     "hermitian"),
    ("scipy_cho_solve_lower",
     lambda a: fsl.cho_solve(fsl.cho_factor(a, lower=True), np.arange(3.0) + 1j),
     (_hpd, (3, 3)), False, "hermitian"),
    ("scipy_lu_solve_C",
     lambda a: fsl.lu_solve(fsl.lu_factor(a), np.arange(3.0) + 1j, trans=2), (_well, (3, 3)),
     False, "any"),
    ("scipy_lu", lambda a: _flat(*fsl.lu(a)[1:]), (_rand, (4, 3)), True, "any"),
    ("vecdot", lambda a: L.vecdot(a, a[::-1] * 1j), (_rand, (3, 3)), False, "any"),
    ("scipy_expm", lambda a: fsl.expm(a / 4), (_rand, (3, 3)), True, "any"),
]
_IDS = [f[0] for f in FUNS]


def _direction(rng, z, kind):
    t = _rand(rng, z.shape)
    return _hermitian_direction(t) if kind == "hermitian" else t


@pytest.mark.parametrize("name, f, build, holo, kind", FUNS, ids=_IDS)
def test_jvp_is_the_derivative_along_a_complex_direction(name, f, build, holo, kind):
    rng = np.random.default_rng(10)
    z = build[0](rng, build[1])
    t = _direction(rng, z, kind)
    _, out_t = ft.jvp(f, (z,), (t,))
    np.testing.assert_allclose(out_t, _cd(f, z, t), rtol=2e-6, atol=2e-7)
    _, out_it = ft.jvp(f, (z,), (1j * t,))
    if holo:   # complex-linear in the tangent
        np.testing.assert_allclose(out_it, 1j * np.asarray(out_t), rtol=1e-10, atol=1e-12)
    elif kind == "any":   # real-linear only: check that along i t too
        np.testing.assert_allclose(out_it, _cd(f, z, 1j * t), rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("name, f, build, holo, kind", FUNS, ids=_IDS)
def test_vjp_satisfies_the_adjoint_identity_without_conjugation(name, f, build, holo, kind):
    # Re(sum(ct * (J t))) == Re(sum((J^T ct) * t)): JAX's plain transposes, no conjugate.
    rng = np.random.default_rng(11)
    z = build[0](rng, build[1])
    t = _rand(rng, z.shape)
    out, vjp_fun = ft.vjp(f, z)
    out = np.asarray(out)
    ct = _rand(rng, out.shape) if out.dtype.kind == "c" else rng.normal(size=out.shape)
    _, jt = ft.jvp(f, (z,), (t,))
    (jct,) = vjp_fun(ct)
    lhs = np.real(np.sum(ct * np.asarray(jt)))
    rhs = np.real(np.sum(np.asarray(jct) * t))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


# Real-valued functions of complex matrices: jacfwd == jacrev == grad, = d/dRe - i d/dIm.
REAL_FUNS = [
    ("svd_abs", lambda a: fnp.real(fnp.sum(fnp.abs(L.svd(a, full_matrices=False)[0]) ** 3))
     + fnp.sum(L.svd(a, compute_uv=False)), (_rand, (3, 2))),
    ("svd_pairs", lambda a: fnp.sum(fnp.abs(_svd_pairs(a)) ** 2 * np.arange(39)),
     (_rand, (3, 3))),
    ("logabsdet", lambda a: L.slogdet(a).logabsdet, (_well, (3, 3))),
    ("abs_det", lambda a: fnp.abs(L.det(a)) ** 2, (_well, (3, 3))),
    ("sign_det", lambda a: fnp.imag(L.slogdet(a).sign), (_well, (3, 3))),
    ("inv", lambda a: fnp.sum(fnp.abs(L.inv(a)) ** 2), (_well, (3, 3))),
    ("cholesky", lambda a: fnp.sum(fnp.abs(L.cholesky(a + fnp.conj(a.mT))) ** 2),
     (_hpd, (3, 3))),
    ("eigvalsh", lambda a: fnp.sum(L.eigvalsh(a) ** 3), (_herm, (3, 3))),
    ("eigh_vectors", lambda a: fnp.sum(fnp.abs(L.eigh(a)[1]) ** 4), (_herm, (3, 3))),
    ("qr", lambda a: fnp.sum(fnp.real(L.qr(a)[0]) * fnp.imag(L.qr(a)[1][0])), (_rand, (4, 3))),
    ("norm_nuc", lambda a: L.norm(a, "nuc"), (_rand, (3, 4))),
    ("cond", L.cond, (_rand, (3, 3))),
    ("pinv", lambda a: fnp.real(fnp.sum(L.pinv(a) * np.arange(12).reshape(3, 4))),
     (_rand, (4, 3))),
    ("lstsq", lambda a: fnp.sum(fnp.abs(L.lstsq(a, np.ones(4) * 1j)[0]) ** 2),
     (_rand, (4, 3))),
    ("expm", lambda a: fnp.sum(fnp.abs(fsl.expm(a / 3))), (_rand, (3, 3))),
]


@pytest.mark.parametrize("name, f, build", REAL_FUNS, ids=[r[0] for r in REAL_FUNS])
def test_jacfwd_equals_jacrev_and_grad_on_real_functions(name, f, build):
    rng = np.random.default_rng(12)
    z = build[0](rng, build[1])
    g = ft.grad(f)(z)
    np.testing.assert_allclose(ft.jacrev(f)(z), g, rtol=1e-10, atol=1e-12)
    assert np.asarray(g).dtype == C128
    # jacfwd takes real inputs only (as JAX's): through the parts, z = x + i y, forward and
    # reverse agree, and grad = d/dx - i d/dy.
    parts = lambda x, y: f(lax.complex(x, y))  # noqa: E731
    fwd = ft.jacfwd(parts, argnums=(0, 1))(z.real, z.imag)
    rev = ft.jacrev(parts, argnums=(0, 1))(z.real, z.imag)
    for a, b in zip(fwd, rev, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g, fwd[0] - 1j * fwd[1], rtol=1e-10, atol=1e-12)
    # JAX's convention: grad = df/dRe(z) - i df/dIm(z).
    n = z.size
    basis = np.eye(n).reshape((n, *z.shape))
    d_re = np.array([_cd(f, z, e) for e in basis]).reshape(z.shape)
    d_im = np.array([_cd(f, z, 1j * e) for e in basis]).reshape(z.shape)
    np.testing.assert_allclose(g, d_re - 1j * d_im, rtol=1e-6, atol=1e-7)


def test_vmap_and_jit_of_complex_derivatives():
    rng = np.random.default_rng(13)
    a = _well(rng, (4, 3, 3))
    f = lambda a: fnp.sum(fnp.abs(L.inv(a)) ** 2) + L.norm(a, 2)  # noqa: E731
    per = np.stack([ft.grad(f)(x) for x in a])
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(a), per, rtol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.grad(f))(a[0]), per[0], rtol=1e-12)
    h = _hpd(rng, (4, 3, 3))
    moved = np.moveaxis(h, 0, 1)
    for g in (L.cholesky, L.eigvalsh, L.svdvals, lambda x: L.qr(x)[1], L.det,
              lambda x: fsl.lu_factor(x)[0]):
        loop = np.stack([g(x) for x in h])
        np.testing.assert_allclose(ft.vmap(g)(h), loop, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(ft.vmap(g, in_axes=1)(moved), loop, rtol=1e-12, atol=1e-13)


def test_second_derivatives_of_complex_factorizations():
    # Forward over reverse: the Hessian-vector product against differences of the gradient.
    rng = np.random.default_rng(14)
    cases = [(lambda a: fnp.sum(fnp.abs(L.cholesky(a)) ** 2), _hpd(rng, (3, 3)), True),
             (lambda a: fnp.sum(L.svdvals(a) ** 3), _rand(rng, (3, 2)), False),
             (lambda a: fnp.sum(fnp.abs(L.qr(a)[1]) ** 2), _rand(rng, (3, 3)), False),
             (lambda a: L.slogdet(a).logabsdet, _well(rng, (3, 3)), False)]
    for f, z, hermitian in cases:
        t = _rand(rng, z.shape)
        if hermitian:
            t = _hermitian_direction(t)
        _, hvp = ft.jvp(ft.grad(f), (z,), (t,))
        np.testing.assert_allclose(hvp, _cd(ft.grad(f), z, t), rtol=1e-6, atol=1e-7)


def test_jvp_of_inv_and_gradient_conventions_at_a_glance():
    rng = np.random.default_rng(15)
    a, t = _well(rng, (3, 3)), _rand(rng, (3, 3))
    inv_a = np.linalg.inv(a)
    _, d = ft.jvp(L.inv, (a,), (t,))
    np.testing.assert_allclose(d, -inv_a @ t @ inv_a, rtol=1e-12)
    # grad of log|det a| = Re(log det a) is d/dRe - i d/dIm = (log det)'(a) = inv(a)^T: for
    # Re(h) of a holomorphic h, JAX's grad is h' (the ascent direction is its conjugate).
    g = ft.grad(lambda a: L.slogdet(a).logabsdet)(a)
    np.testing.assert_allclose(g, inv_a.T, rtol=1e-12)
    # The complex sign of det has a derivative (JAX's slogdet rule: i Im(tr(a^-1 da)) sign).
    _, (ds, dl) = ft.jvp(L.slogdet, (a,), (t,))
    sign, _ = np.linalg.slogdet(a)
    tr = np.trace(inv_a @ t)
    np.testing.assert_allclose(ds, 1j * tr.imag * sign, rtol=1e-12)
    np.testing.assert_allclose(dl, tr.real, rtol=1e-12)


def test_eigenvalue_and_singular_value_dtypes_are_real():
    h = np.eye(3, dtype=C64) * (1 + 0j)
    assert L.eigvalsh(h).dtype == np.float32
    assert L.svdvals(h).dtype == np.float32
    assert L.eigh(h.astype(C128)).eigenvalues.dtype == np.float64
    jaxpr = str(ft.make_jaxpr(L.eigh)(h))
    assert "f32[3]" in jaxpr and "c64[3,3]" in jaxpr


def test_unsupported_dtypes_say_so():
    for name in ("det", "inv", "cholesky", "qr", "slogdet", "svd", "eigh", "pinv"):
        with pytest.raises(errors.FunctransTypeError, match=f"{name}: array type float16"):
            getattr(L, name)(np.eye(2, dtype=np.float16))
    with pytest.raises(errors.FunctransTypeError, match="expm: array type float16"):
        fsl.expm(np.eye(2, dtype=np.float16))
    for bad in (np.zeros((2, 3)), np.zeros((0, 0)), np.zeros((2, 2, 2))):
        with pytest.raises(errors.FunctransValueError, match="poly: the input must be"):
            fnp.poly(bad)


# --------------------------------------------------------------------------- degeneracies


def test_degenerate_spectra_follow_jax():
    # A repeated eigenvalue: finite eigenvalue derivatives, inf/NaN eigenvector ones (JAX's).
    h = np.diag([1.0, 1.0, 3.0]).astype(C128)
    t = _hermitian_direction(_rand(np.random.default_rng(16), (3, 3)))
    _, (dw, dv) = ft.jvp(L.eigh, (h,), (t,))
    assert np.all(np.isfinite(dw)) and not np.all(np.isfinite(dv))
    np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(L.eigvalsh(a)))(h), np.eye(3))
    # A zero singular value of a square complex matrix: the phase term is 0 there (JAX's
    # guard), so U's tangent stays finite while the singular values are distinct.
    a = np.outer([1.0, 1j], [2.0, -1j]) + 0j
    t = _rand(np.random.default_rng(17), (2, 2))
    _, (du, ds, dvh) = ft.jvp(lambda a: L.svd(a, full_matrices=False), (a,), (t,))
    assert np.all(np.isfinite(du)) and np.all(np.isfinite(ds)) and np.all(np.isfinite(dvh))
    # det of a singular complex matrix: the finite cofactor gradient (JAX's), rank one. grad of
    # Re(det) is det' = the cofactor matrix [[d, -c], [-b, a]] (det is holomorphic).
    sing = np.array([[1 + 1j, 2.0], [2 + 2j, 4.0]])
    g = ft.grad(lambda a: fnp.real(L.det(a)))(sing)
    np.testing.assert_allclose(g, [[4.0, -2 - 2j], [-2.0, 1 + 1j]], rtol=1e-12)


# --------------------------------------------------------------------------- properties

SETTINGS = settings(max_examples=30, derandomize=True, deadline=None)


@st.composite
def _complex_matrices(draw, kind="well"):
    """A seeded complex `(batch..., n, n)` stack: well conditioned or Hermitian PD."""
    n = draw(st.integers(1, 5))
    batch = draw(st.sampled_from([(), (2,)]))
    dtype = draw(st.sampled_from([C128, C64]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    build = _hpd if kind == "hpd" else _well
    return build(rng, (*batch, n, n), dtype), rng


def _rtol(dtype) -> float:
    return 1e-10 if dtype == C128 else 1e-4


@SETTINGS
@given(_complex_matrices())
def test_solve_recovers_x(case):
    a, rng = case
    x = _rand(rng, (*a.shape[:-1], 2), a.dtype)
    got = L.solve(a, a @ x)
    assert got.dtype == a.dtype
    np.testing.assert_allclose(got, x, rtol=_rtol(a.dtype), atol=_rtol(a.dtype))


@SETTINGS
@given(_complex_matrices("hpd"))
def test_cholesky_reconstructs_the_hermitian_matrix(case):
    a, _ = case
    low = L.cholesky(a)
    np.testing.assert_array_equal(low, np.tril(low))
    assert np.all(np.diagonal(low, axis1=-2, axis2=-1).imag == 0)
    np.testing.assert_allclose(low @ np.conj(np.swapaxes(low, -1, -2)), a,
                               rtol=_rtol(a.dtype), atol=_rtol(a.dtype) * 10 * a.shape[-1])


@SETTINGS
@given(_complex_matrices())
def test_slogdet_matches_det(case):
    a, _ = case
    sign, logabsdet = L.slogdet(a)
    d = L.det(a)
    assert logabsdet.dtype == np.finfo(a.dtype).dtype
    np.testing.assert_allclose(np.abs(sign), 1.0, rtol=_rtol(a.dtype))
    np.testing.assert_allclose(sign * np.exp(logabsdet), d, rtol=_rtol(a.dtype) * 10)


@SETTINGS
@given(_complex_matrices())
def test_inv_jvp_is_minus_inv_da_inv(case):
    a, rng = case
    a = a.astype(C128)
    da = _rand(rng, a.shape)
    out, t = ft.jvp(L.inv, (a,), (da,))
    ia = np.linalg.inv(a)
    np.testing.assert_allclose(out, ia, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t, -ia @ da @ ia, rtol=1e-9, atol=1e-12)
