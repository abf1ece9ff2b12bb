"""Properties of the Cholesky, LU and QR families of `functrans.numpy.linalg` (issue 13).

Hypothesis (derandomized, <= 30 examples each) on random well-conditioned stacks:
`solve(A, A @ x) == x`, `cholesky(A) @ cholesky(A).T == A`, `slogdet` against `log|det|`,
and the JVP of `inv` against `-inv(A) dA inv(A)`. Then the error cases (NumPy's
LinAlgError on concrete input, inf/nan under a transformation), `det`'s finite gradient at
singular matrices (JAX's adjugate convention), the short program of `grad(logdet)`, and the
primitives' rules checked one by one (tests/rule_checks.py), and the triangular solve's
accuracy against exact rational solutions, next to LAPACK's trsm (SciPy).
"""
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st
from rule_checks import check_batch_rule, check_jvp_rule, check_transpose_rule

import functrans as ft
import functrans.numpy as fnp
from functrans.primitives import factorizations, triangular

SETTINGS = settings(max_examples=30, derandomize=True, deadline=None)


@st.composite
def _well_conditioned(draw, spd=False):
    """A seeded `(batch..., n, n)` stack, diagonally dominant (or SPD), and a float dtype."""
    n = draw(st.integers(1, 6))
    batch = draw(st.sampled_from([(), (2,), (2, 3)]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    a = rng.uniform(-1, 1, (*batch, n, n))
    a = a @ np.swapaxes(a, -1, -2) + n * np.eye(n) if spd else a + (n + 1) * np.eye(n)
    return a.astype(dtype), rng


def _rtol(dtype) -> float:
    return 1e-10 if dtype == np.float64 else 1e-4


@SETTINGS
@given(_well_conditioned())
def test_solve_recovers_x(case):
    a, rng = case
    x = rng.standard_normal((*a.shape[:-1], 2)).astype(a.dtype)
    got = fnp.linalg.solve(a, a @ x)
    assert got.dtype == a.dtype
    np.testing.assert_allclose(got, x, rtol=_rtol(a.dtype), atol=_rtol(a.dtype))


@SETTINGS
@given(_well_conditioned(spd=True))
def test_cholesky_reconstructs(case):
    a, _ = case
    low = fnp.linalg.cholesky(a)
    np.testing.assert_array_equal(low, np.tril(low))
    np.testing.assert_allclose(low @ np.swapaxes(low, -1, -2), a, rtol=_rtol(a.dtype),
                               atol=_rtol(a.dtype) * a.shape[-1])


@SETTINGS
@given(_well_conditioned())
def test_slogdet_matches_log_abs_det(case):
    a, _ = case
    sign, logabsdet = fnp.linalg.slogdet(a)
    d = fnp.linalg.det(a)
    np.testing.assert_allclose(sign, np.sign(d))
    np.testing.assert_allclose(logabsdet, np.log(np.abs(d)), rtol=_rtol(a.dtype),
                               atol=_rtol(a.dtype))


@SETTINGS
@given(_well_conditioned())
def test_inv_jvp(case):
    a, rng = case
    a = a.astype(np.float64)
    da = rng.standard_normal(a.shape)
    out, t = ft.jvp(fnp.linalg.inv, (a,), (da,))
    ia = np.linalg.inv(a)
    np.testing.assert_allclose(out, ia, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t, -ia @ da @ ia, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- errors and nan


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize("fun", [lambda a: fnp.linalg.solve(a, np.ones(2)), fnp.linalg.inv],
                         ids=["solve", "inv"])
def test_singular_raises_like_numpy_and_gives_inf_traced(fun):
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        fun(SINGULAR)
    with pytest.raises(ValueError):
        fun(np.zeros((2, 2)))
    with np.errstate(all="ignore"):
        out = ft.jit(fun)(SINGULAR)
    assert not np.all(np.isfinite(out))


def test_cholesky_not_positive_definite():
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        fnp.linalg.cholesky(-np.eye(2))
    stack = np.stack([np.eye(2), -np.eye(2)])
    out = ft.vmap(fnp.linalg.cholesky)(stack)
    np.testing.assert_array_equal(out[0], np.eye(2))
    assert np.all(np.isnan(out[1]))


def test_shape_and_mode_errors():
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fnp.linalg.inv(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        fnp.linalg.det(np.ones(3))
    with pytest.raises(TypeError, match="float16"):
        fnp.linalg.inv(np.eye(2, dtype=np.float16))
    with pytest.raises(ValueError, match="raw"):
        fnp.linalg.qr(np.eye(2), mode="raw")
    with pytest.raises(ValueError, match="does not match"):
        fnp.linalg.solve(np.eye(3), np.ones(2))
    with pytest.raises(TypeError, match="Python int"):
        fnp.linalg.matrix_power(np.eye(2), 1.5)


def test_qr_complete_tall_has_no_derivative():
    with pytest.raises(NotImplementedError, match="full_matrices"):
        ft.jvp(lambda a: fnp.linalg.qr(a, mode="complete").Q, (np.ones((3, 2)),),
               (np.ones((3, 2)),))


# --------------------------------------------------------------------------- conventions


@pytest.mark.parametrize("a, want", [
    (SINGULAR, np.array([[4.0, -2.0], [-2.0, 1.0]])),     # rank n-1: adj(A)^T
    (np.zeros((3, 3)), np.zeros((3, 3))),                  # rank < n-1: zero
    (np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 2.0]])),
])
def test_det_gradient_at_singular_matrices_is_finite(a, want):
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(ft.grad(fnp.linalg.det)(a), want, atol=1e-12)


def test_cholesky_gradient_is_symmetric():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    g = ft.grad(lambda a: fnp.sum(fnp.linalg.cholesky(a) ** 3))(a)
    np.testing.assert_allclose(g, g.T)


def test_grad_logdet_program_is_short():
    a = np.eye(4) * 3.0
    closed = ft.make_jaxpr(ft.grad(lambda a: fnp.linalg.slogdet(a).logabsdet))(a)
    names = [eqn.primitive.name for eqn in closed.jaxpr.eqns]
    print(closed)
    assert names.count("lu") == 1
    assert names.count("triangular_solve") == 2
    assert len(names) <= 30
    np.testing.assert_allclose(ft.grad(lambda a: fnp.linalg.slogdet(a).logabsdet)(a),
                               np.eye(4) / 3.0)


def test_solve_program_is_one_lu_and_two_solves():
    closed = ft.make_jaxpr(fnp.linalg.solve)(np.eye(3), np.ones(3))
    names = [eqn.primitive.name for eqn in closed.jaxpr.eqns]
    assert names.count("lu") == 1 and names.count("triangular_solve") == 2


# --------------------------------------------------------------------------- primitive rules


_RNG = np.random.default_rng(0)
_A = _RNG.uniform(-1, 1, (2, 3, 3)) + 4 * np.eye(3)
_SPD = _A @ np.swapaxes(_A, -1, -2)


@pytest.mark.parametrize("left_side", [True, False])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("transpose_a", [True, False])
@pytest.mark.parametrize("unit_diagonal", [True, False])
def test_triangular_solve_rules(left_side, lower, transpose_a, unit_diagonal):
    params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
                  unit_diagonal=unit_diagonal)
    b = _RNG.standard_normal((2, 3, 2) if left_side else (2, 2, 3))
    x = triangular.triangular_solve(_A, b, **params)
    m = np.tril(_A) if lower else np.triu(_A)
    if unit_diagonal:
        m[..., range(3), range(3)] = 1.0
    if transpose_a:
        m = np.swapaxes(m, -1, -2)
    np.testing.assert_allclose(m @ x if left_side else x @ m, b, atol=1e-12)
    check_jvp_rule(triangular.triangular_solve_p, (_A, b), params)
    check_transpose_rule(triangular.triangular_solve_p, (_A, b), (1,), params)
    check_batch_rule(triangular.triangular_solve_p, (_A, b), (0, 0), params)
    check_batch_rule(triangular.triangular_solve_p, (_A[0], b), (None, 0), params)


@pytest.mark.parametrize("prim, x, params", [
    (factorizations.cholesky_p, _SPD, {}),
    (factorizations.lu_p, _A, {}),
    (factorizations.lu_p, _A[..., :2], {}),
    (factorizations.lu_p, _A[..., :2, :], {}),
    (factorizations.qr_p, _A, {"full_matrices": False}),
    (factorizations.qr_p, _A[..., :2, :], {"full_matrices": False}),
], ids=["cholesky", "lu", "lu_tall", "lu_wide", "qr", "qr_wide"])
def test_factorization_rules(prim, x, params):
    check_batch_rule(prim, (x,), (0,), params)
    if prim is not factorizations.cholesky_p:   # cholesky's JVP assumes a symmetric tangent
        check_jvp_rule(prim, (x,), params)


def _exact_solution(tri, b, lower: bool):
    """`tri @ x = b` by substitution in exact rational arithmetic, rounded once to float64."""
    n, k = b.shape
    t = [[Fraction(v) for v in row] for row in tri.tolist()]
    x = [[Fraction(0)] * k for _ in range(n)]
    for i in (range(n) if lower else reversed(range(n))):
        done = range(i) if lower else range(i + 1, n)
        for c in range(k):
            acc = Fraction(b[i, c]) - sum((t[i][j] * x[j][c] for j in done), Fraction(0))
            x[i][c] = acc / t[i][i]
    return np.array([[float(v) for v in row] for row in x])


@pytest.mark.parametrize("k", [1, 40])            # the diagonal blocks by solve / by inverse
@pytest.mark.parametrize("diag", [0.0, 4.0])      # condition numbers ~1e15 and ~10
@pytest.mark.parametrize("lower,transpose_a", [(True, False), (False, False), (True, True)])
def test_triangular_solve_is_as_accurate_as_lapack_trsm(k, diag, lower, transpose_a):
    # The blocked solve against the exact solution, next to LAPACK's trsm (SciPy) on the same
    # problem: its worst error, relative to each column's size, within 4x of trsm's + 4 ulp.
    rng = np.random.default_rng(int(10 * diag) + k + 3 * lower + 7 * transpose_a)
    n = 45                                          # a full 32-row block and a partial one
    a = rng.standard_normal((n, n)) + diag * np.eye(n)
    a = np.tril(a) if lower else np.triu(a)
    b = rng.standard_normal((n, k))
    op = a.T if transpose_a else a
    exact = _exact_solution(op, b, lower != transpose_a)
    ours = triangular.triangular_solve(a, b, lower=lower, transpose_a=transpose_a)
    lapack = scipy.linalg.solve_triangular(a, b, lower=lower, trans=int(transpose_a))

    def error(x):
        return float(np.max(np.abs(x - exact) / np.max(np.abs(exact), axis=0)))

    assert error(ours) <= 4 * error(lapack) + 4 * np.finfo(np.float64).eps, \
        (error(ours), error(lapack))


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("a_diag,expected", [
    ((np.inf, 1.0), (0.0, 1.0)),          # an inf pivot solves to 0 (trsm, SciPy)
    ((1e-200, 1e-200), None),             # the block's inverse overflows; the solve does not
])
def test_triangular_solve_by_inverse_keeps_substitutions_finite_results(lower, a_diag, expected):
    # Review: with as many right-hand sides as rows, the diagonal block went through its
    # inverse and a refinement step, which gave nan here (inf * 0 in the residual, or an
    # inverse entry of 1e400); SciPy's solve_triangular (and the previous impl) are finite.
    a = np.diag(a_diag)
    a[(1, 0) if lower else (0, 1)] = 1.0
    b = np.ones((2, 2))
    if expected is None:
        b = a @ np.array([[1.0, 1.0], [0.0, 0.0]] if lower else [[0.0, 0.0], [1.0, 1.0]])
    ours = np.asarray(triangular.triangular_solve(a, b, lower=lower))
    lapack = scipy.linalg.solve_triangular(a, b, lower=lower, check_finite=False)
    assert np.isfinite(lapack).all()
    np.testing.assert_array_equal(ours, lapack)
