"""eigh, svd and the functions built on them: properties (hypothesis), derivatives at and
away from degeneracies, NumPy's edge cases and the errors.

The op table (tests/op_rows_spectral.py) checks values against NumPy, `check_grads` to order
2 and `vmap`/`jit` on well-conditioned inputs; this file checks what a row cannot express.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import errors
from functrans.primitives import spectral

L = fnp.linalg


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _symmetric(rng, batch, n):
    a = rng.standard_normal((*batch, n, n))
    return a + np.swapaxes(a, -1, -2)


def _central(f, x, t, eps=1e-6):
    return (np.asarray(f(x + eps * t)) - np.asarray(f(x - eps * t))) / (2 * eps)


_BATCH = st.sampled_from([(), (2,), (2, 1)])
_DIM = st.integers(1, 4)
_SEED = st.integers(0, 10_000)


# --------------------------------------------------------------------------- properties


@given(_BATCH, _DIM, _DIM, st.booleans(), _SEED)
def test_svd_reconstructs(batch, m, n, full, seed):
    a = _rng(seed).standard_normal((*batch, m, n))
    u, s, vh = L.svd(a, full_matrices=full)
    k = min(m, n)
    rebuilt = (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :]
    np.testing.assert_allclose(rebuilt, a, atol=1e-12)
    assert np.all(np.diff(s, axis=-1) <= 0)


@given(_BATCH, _DIM, _SEED)
def test_eigh_reconstructs(batch, n, seed):
    a = _symmetric(_rng(seed), batch, n)
    w, v = L.eigh(a)
    np.testing.assert_allclose((v * w[..., None, :]) @ np.swapaxes(v, -1, -2), a, atol=1e-12)
    assert np.all(np.diff(w, axis=-1) >= 0)


@given(_BATCH, _DIM, _SEED)
def test_eigenvalue_jvp_is_diag_of_projected_tangent(batch, n, seed):
    rng = _rng(seed)
    a, t = _symmetric(rng, batch, n), _symmetric(rng, batch, n)
    _, dw = ft.jvp(L.eigvalsh, (a,), (t,))
    v = np.linalg.eigh(a).eigenvectors
    want = np.diagonal(np.swapaxes(v, -1, -2) @ t @ v, axis1=-2, axis2=-1)
    np.testing.assert_allclose(dw, want, atol=1e-10)


def _matrix_sin(a):
    w, v = L.eigh(a)
    return (v * fnp.sin(w)[..., None, :]) @ fnp.swapaxes(v, -1, -2)


def _svd_gauge(a):
    u, s, vh = L.svd(a, full_matrices=False)
    return (u * fnp.tanh(s)[..., None, :]) @ vh


@given(_BATCH, _DIM, _SEED)
def test_eigh_jvp_matches_central_differences(batch, n, seed):
    rng = _rng(seed)
    a = _symmetric(rng, batch, n) + np.diag(4.0 * np.arange(n))   # separated eigenvalues
    t = _symmetric(rng, batch, n)
    _, got = ft.jvp(_matrix_sin, (a,), (t,))
    np.testing.assert_allclose(got, _central(_matrix_sin, a, t), atol=1e-6)


@given(_BATCH, _DIM, _DIM, _SEED)
def test_svd_jvp_matches_central_differences(batch, m, n, seed):
    rng = _rng(seed)
    d = np.zeros((m, n))
    k = min(m, n)
    d[range(k), range(k)] = 4.0 * np.arange(1, k + 1)   # separated, nonzero singular values
    a = 0.3 * rng.standard_normal((*batch, m, n)) + d
    t = rng.standard_normal((*batch, m, n))
    _, got = ft.jvp(_svd_gauge, (a,), (t,))
    np.testing.assert_allclose(got, _central(_svd_gauge, a, t), atol=1e-6)
    _, ds = ft.jvp(L.svdvals, (a,), (t,))
    np.testing.assert_allclose(ds, _central(L.svdvals, a, t), atol=1e-6)


@given(_DIM, _DIM, _SEED)
def test_pinv_jvp_matches_central_differences(m, n, seed):
    rng = _rng(seed)
    a, t = rng.standard_normal((m, n)), rng.standard_normal((m, n))
    _, got = ft.jvp(L.pinv, (a,), (t,))
    np.testing.assert_allclose(got, _central(L.pinv, a, t), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- derivatives


def test_eigh_reads_one_triangle_and_differentiates_it():
    # The tangent of the other triangle has no effect, as on NumPy's values.
    rng = _rng(0)
    a, t = rng.standard_normal((3, 3)) + np.diag([0.0, 4.0, 8.0]), rng.standard_normal((3, 3))
    for uplo in ("L", "U"):
        _, dw = ft.jvp(lambda x, u=uplo: L.eigvalsh(x, UPLO=u), (a,), (t,))
        want = _central(lambda x, u=uplo: np.linalg.eigvalsh(x, UPLO=u), a, t)
        np.testing.assert_allclose(dw, want, atol=1e-7)
    g = ft.grad(lambda x: fnp.sum(L.eigvalsh(x)))(a)
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)


def test_symmetrize_input_gives_jax_symmetric_gradient():
    a = _symmetric(_rng(1), (), 3)
    g = ft.grad(lambda x: L.eigvalsh(x, symmetrize_input=True)[-1])(a)
    v = np.linalg.eigh(a).eigenvectors[:, -1]
    np.testing.assert_allclose(g, np.outer(v, v), atol=1e-12)


def test_repeated_eigenvalues():
    # As JAX: eigenvalue derivatives stay finite; eigenvector ones are inf/NaN.
    a, t = np.eye(3), _symmetric(_rng(2), (), 3)
    _, dw = ft.jvp(L.eigvalsh, (a,), (t,))
    assert np.all(np.isfinite(dw))
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(L.eigvalsh(x)))(a), np.eye(3))
    _, (_, dv) = ft.jvp(L.eigh, (a,), (t,))
    assert not np.all(np.isfinite(dv))


def test_repeated_singular_values():
    # ds is finite (nuclear norm of the identity: gradient I); dU is not (as JAX).
    a = np.eye(3)
    np.testing.assert_allclose(ft.grad(lambda x: L.norm(x, "nuc"))(a), np.eye(3))
    _, (du, _, _) = ft.jvp(lambda x: tuple(L.svd(x)), (a,), (_rng(3).standard_normal((3, 3)),))
    assert not np.all(np.isfinite(du))


def test_pinv_derivative_is_finite_at_repeated_singular_values():
    q = np.linalg.qr(_rng(4).standard_normal((3, 3)))[0]   # all singular values 1
    t = _rng(5).standard_normal((3, 3))
    _, got = ft.jvp(L.pinv, (q,), (t,))
    np.testing.assert_allclose(got, -q.T @ t @ q.T, atol=1e-10)   # pinv = inv here


def test_svd_full_matrices_derivative_needs_a_square_matrix():
    a = _rng(6).standard_normal((4, 2))
    with pytest.raises(errors.FunctransValueError, match="full_matrices"):
        ft.jvp(lambda x: tuple(L.svd(x)), (a,), (a,))
    sq = _rng(7).standard_normal((3, 3))
    full = ft.jvp(lambda x: tuple(L.svd(x)), (sq,), (sq,))[1]
    reduced = ft.jvp(lambda x: tuple(L.svd(x, full_matrices=False)), (sq,), (sq,))[1]
    for f, r in zip(full, reduced, strict=True):
        np.testing.assert_allclose(f, r, atol=1e-12)
    # The singular values alone are differentiable with either setting.
    ft.jvp(lambda x: L.svd(x, compute_uv=False), (a,), (a,))


def test_lstsq_is_differentiable_in_a_and_b():
    rng = _rng(8)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal(5)
    ga, gb = ft.grad(lambda a, b: fnp.sum(L.lstsq(a, b)[0] ** 2), argnums=(0, 1))(a, b)
    p = np.linalg.pinv(a)
    x = p @ b
    np.testing.assert_allclose(gb, 2 * p.T @ x, atol=1e-10)
    fd = _central(lambda a: np.sum(np.linalg.lstsq(a, b)[0] ** 2), a, np.ones_like(a))
    np.testing.assert_allclose(np.sum(ga), fd, rtol=1e-6)


# --------------------------------------------------------------------------- NumPy's edge cases


def test_lstsq_residuals_as_numpy_and_under_a_trace():
    rng = _rng(9)
    deficient = np.outer(rng.standard_normal(4), [1.0, 2.0])   # (4, 2) of rank 1
    b = rng.standard_normal(4)
    got, want = L.lstsq(deficient, b), np.linalg.lstsq(deficient, b)
    assert got[1].shape == want[1].shape == (0,) and got[2] == want[2] == 1
    np.testing.assert_allclose(got[0], want[0], atol=1e-12)
    # Traced, the rank is not known: the residuals are returned (JAX's choice, documented).
    traced = ft.jit(L.lstsq)(deficient, b)
    assert traced[1].shape == (1,) and int(traced[2]) == 1
    wide = ft.jit(L.lstsq)(rng.standard_normal((2, 3)), rng.standard_normal(2))
    assert wide[1].shape == (0,)
    x, res, rank, s = L.lstsq(np.ones((3, 0)), np.ones((3, 2)))
    assert x.shape == (0, 2) and rank == 0 and s.shape == (0,)
    np.testing.assert_array_equal(res, [3.0, 3.0])


def test_dtypes_as_numpy():
    ints = np.array([[2, 1], [1, 2]])
    assert L.eigh(ints).eigenvalues.dtype == np.float64
    assert L.svd(ints.astype(np.float32))[1].dtype == np.float32
    assert L.pinv(ints.astype(np.float32)).dtype == np.float32
    assert L.lstsq(ints.astype(np.float32), np.ones(2, np.float32))[0].dtype == np.float32
    assert L.lstsq(ints.astype(np.float32), np.ones(2))[0].dtype == np.float64
    with pytest.raises(errors.FunctransTypeError, match="float16"):
        L.svd(ints.astype(np.float16))


def test_empty_matrices():
    w, v = L.eigh(np.zeros((0, 0)))
    assert w.shape == (0,) and v.shape == (0, 0)
    assert L.pinv(np.zeros((2, 0, 3))).shape == (2, 3, 0)
    assert L.svd(np.zeros((0, 3)), compute_uv=False).shape == (0,)


def test_cond_singular_and_nan():
    assert L.cond(np.zeros((2, 2))) == np.inf == np.linalg.cond(np.zeros((2, 2)))
    # NaN entries: LAPACK's SVD does not converge, the same error as NumPy's.
    for f in (L.cond, np.linalg.cond):
        with pytest.raises(np.linalg.LinAlgError):
            f(np.full((2, 2), np.nan))
    np.testing.assert_allclose(L.cond(np.diag([4.0, 1.0]), -2), 0.25)
    # A norm order inverts, ignoring errors as NumPy: a singular matrix has cond inf.
    assert L.cond(np.zeros((2, 2)), 1) == np.inf == np.linalg.cond(np.zeros((2, 2)), 1)
    with pytest.raises(errors.FunctransValueError, match="square"):
        L.cond(np.ones((2, 3)), "fro")


def test_matrix_norm_and_vector_norm_as_numpy():
    x = _rng(10).standard_normal((2, 3, 4))
    for o in ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
        np.testing.assert_allclose(L.matrix_norm(x, ord=o, keepdims=True),
                                   np.linalg.matrix_norm(x, ord=o, keepdims=True), rtol=1e-14)
    for axis in (None, 1, (0, 2), (-1, 0)):
        for o in (2, 1, 0, np.inf, -np.inf, 3):
            np.testing.assert_allclose(L.vector_norm(x, axis=axis, ord=o),
                                       np.linalg.vector_norm(x, axis=axis, ord=o), rtol=1e-14)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: L.eig(np.ones((2, 3))), errors.FunctransValueError, "square.*\\(2, 3\\)"),
    (lambda: L.eigvals(np.ones(3, np.float16)), errors.FunctransTypeError, "float16"),
    (lambda: L.eigh(np.ones((2, 3))), errors.FunctransValueError, "square.*\\(2, 3\\)"),
    (lambda: L.eigh(np.eye(2), UPLO="X"), errors.FunctransValueError, "UPLO"),
    (lambda: L.svd(np.ones(3)), errors.FunctransValueError, "1-dimensional"),
    (lambda: L.pinv(np.eye(2), rcond=0.1, rtol=0.1), errors.FunctransValueError, "rtol"),
    (lambda: L.matrix_rank(np.eye(2), tol=1, rtol=1), errors.FunctransValueError, "rtol"),
    (lambda: L.cond(np.ones((2, 3)), 1), errors.FunctransValueError, "square"),
    (lambda: L.cond(np.ones((0, 0))), errors.FunctransValueError, "empty"),
    (lambda: L.lstsq(np.ones((2, 2, 2)), np.ones((2, 2))), errors.FunctransValueError,
     "two-dimensional"),
    (lambda: L.lstsq(np.ones((3, 2)), np.ones(2)), errors.FunctransValueError,
     "incompatible"),
    (lambda: L.vector_norm(np.ones(3), ord="fro"), errors.FunctransValueError, "vector"),
    (lambda: spectral.eigh(np.ones((2, 3))), errors.ShapeError, "eigh.*square.*f64\\[2,3\\]"),
    (lambda: spectral.svd(np.ones(3)), errors.ShapeError, "svd.*rank >= 2"),
    (lambda: spectral.svd(np.ones((2, 2), np.int64)), errors.ShapeError, "svd.*floating"),
], ids=["eig", "eigvals", "eigh-square", "uplo", "svd-1d", "pinv-rtol", "rank-rtol",
        "cond-p1-rectangular", "cond-empty", "lstsq-3d", "lstsq-dims", "vector-norm-ord",
        "prim-eigh",
        "prim-svd-rank", "prim-svd-int"])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_primitives_in_the_ir_and_flops():
    a = np.eye(3)
    closed = ft.make_jaxpr(lambda x: L.svd(x, compute_uv=False) + L.eigvalsh(x))(a)
    names = [e.primitive.name for e in closed.jaxpr.eqns]
    assert "svd" in names and "eigh" in names
    by_prim = closed.stats()["flops_by_primitive"]
    # Golub & Van Loan's counts: 4mn^2 - 4n^3/3 (s only), 9n^3 (eigh with vectors).
    assert by_prim["svd"] == 4 * 27 - 36 and by_prim["eigh"] == 9 * 27
