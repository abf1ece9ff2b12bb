"""Edge cases found by review: traced quantiles out of range, batched SciPy solves, scalar-mean
multivariate normals, non-finite expm and pad values, polyfit's degree, and the errors that
name what the user called."""
import warnings

import numpy as np
import pytest
import scipy.linalg as sl
import scipy.stats as st

import functrans as ft
import functrans.numpy as fnp
import functrans.scipy.linalg as fsl
from functrans import errors, nn, ode, optimize, random
from functrans.scipy import special
from functrans.scipy.stats import laplace
from functrans.scipy.stats import multivariate_normal as mvn

X = np.arange(5.0) * 10


@pytest.mark.parametrize("method", ["lower", "higher", "nearest", "inverted_cdf",
                                    "closest_observation", "linear", "hazen"])
def test_traced_q_outside_the_range_reads_the_nearest_end_and_nan_gives_nan(method):
    f = ft.jit(lambda q: fnp.quantile(X, q, method=method))
    assert float(f(-0.5)) == 0.0 and float(f(1.5)) == 40.0
    assert np.isnan(f(np.nan))
    assert float(f(0.3)) == np.quantile(X, 0.3, method=method)


@pytest.mark.parametrize("solve", ["solve_triangular", "cho_solve", "lu_solve"])
def test_scipy_solves_broadcast_a_batched_b(solve):
    rng = np.random.default_rng(0)
    a = np.triu(rng.normal(size=(4, 4))) + 4 * np.eye(4)
    b = rng.normal(size=(2, 4, 3))
    if solve == "solve_triangular":
        got, want = fsl.solve_triangular(a, b), sl.solve_triangular(a, b)
    elif solve == "cho_solve":
        s = a @ a.T
        got, want = fsl.cho_solve(fsl.cho_factor(s), b), sl.cho_solve(sl.cho_factor(s), b)
    else:
        got, want = fsl.lu_solve(fsl.lu_factor(a), b), sl.lu_solve(sl.lu_factor(a), b)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    with pytest.raises(errors.FunctransValueError, match="do not broadcast"):
        fsl.solve_triangular(np.ones((3, 4, 4)), np.ones((2, 4, 1)))


def test_multivariate_normal_scalar_mean_is_elementwise():
    x = np.array([0.1, 0.5, 2.0])
    np.testing.assert_allclose(mvn.logpdf(x, 0.0, 1.5), st.multivariate_normal.logpdf(x, 0.0, 1.5))
    with pytest.raises(errors.FunctransValueError, match="do not match"):
        mvn.logpdf(np.ones(2), np.zeros(3), np.eye(3))


def test_non_finite_inputs_do_not_crash_or_wrap():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(fsl.expm(np.array([[np.inf, 0.0], [0.0, 1.0]]))).all()
    with pytest.raises(errors.FunctransValueError, match="constant_values"):
        fnp.pad(np.arange(3), 1, constant_values=np.nan)


def test_polyfit_degree():
    x = np.arange(4.0)
    np.testing.assert_allclose(fnp.polyfit(x, x, 1.0), np.polyfit(x, x, 1.0), atol=1e-14)
    with pytest.raises(errors.FunctransTypeError, match="deg"):
        fnp.polyfit(x, x, 1.5)


def test_errors_name_what_the_user_called():
    with pytest.raises(errors.FunctransValueError, match="returned None"):
        fnp.pad(np.ones(3), 1, lambda v, width, axis, kw: None)
    with pytest.raises(errors.ConcretizationError, match=r"where\(condition, size=N"):
        ft.jit(lambda c: fnp.where(c))(np.ones(3))
    with pytest.raises(errors.FunctransValueError, match="cond: p=3"):
        fnp.linalg.cond(np.eye(2), 3)
    with pytest.raises(errors.FunctransValueError, match="batch shapes"):
        random.multivariate_normal(random.PRNGKey(0), np.zeros((4, 2)), np.eye(2), (3,))


def test_median_pad_with_zero_stat_length_is_nan_as_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = fnp.pad(np.array([1.0, 2.0]), 1, mode="median", stat_length=0)
        want = np.pad(np.array([1.0, 2.0]), 1, mode="median", stat_length=0)
    np.testing.assert_array_equal(got, want)


def test_vecdot_conjugates_its_first_argument_as_numpy():
    a = np.array([[1 + 2j, 3 - 1j], [0.5j, 2.0]])
    b = np.array([2 - 1j, 1j])
    np.testing.assert_allclose(fnp.vecdot(a, b), np.vecdot(a, b), rtol=1e-15)
    np.testing.assert_allclose(ft.jit(fnp.linalg.vecdot)(a, b), np.linalg.vecdot(a, b),
                               rtol=1e-15)


def test_real_only_functions_refuse_complex_values_instead_of_dropping_parts():
    z = np.array([0.5 + 1j, -1.0 + 0.2j])
    for call, name in ((lambda: nn.logsumexp(z), "logsumexp"),
                       (lambda: special.logsumexp(z), "logsumexp"),
                       (lambda: laplace.cdf(z), "laplace.cdf"),
                       (lambda: laplace.logcdf(z), "laplace.logcdf"),
                       (lambda: optimize.fixed_point(lambda x: 0.5 * x, z), "optimize"),
                       (lambda: ode.odeint(lambda y, t: -y, z, np.array([0.0, 1.0])), "odeint")):
        with pytest.raises(errors.FunctransTypeError, match=f"{name}.*complex"):
            call()
