"""functrans.scipy.stats (issue 15): values against scipy.stats on grids covering each support
and its outside, tails included, in float64 and float32; derivatives in the parameters against
closed forms; the errors for derivatives that do not exist. check_grads, vmap and jit of
every function: the op table (tests/op_rows_special.py)."""
import numpy as np
import pytest
import scipy.stats as st
from scipy.special import digamma

import functrans as ft
from functrans import errors
from functrans.scipy import stats

X = np.linspace(-12.0, 12.0, 97)
POS = np.concatenate([[0.0, 1e-10], np.linspace(0.01, 30.0, 120)])
UNIT = np.concatenate([[0.0, 1e-12], np.linspace(0.001, 0.999, 99), [1.0]])
K = np.arange(-2, 40)

# (distribution, method, args (x first), rtol against scipy.stats).
GRIDS = [
    *[("norm", m, (X, 0.7, 1.9), 1e-13) for m in ("logpdf", "pdf", "cdf", "sf")],
    ("norm", "logcdf", (np.linspace(-38.0, 8.0, 93), -0.5, 1.0), 1e-13),
    ("norm", "logsf", (np.linspace(-8.0, 38.0, 93), 0.5, 1.0), 1e-13),
    *[("norm", m, (UNIT[1:-1], 0.7, 1.9), 1e-13) for m in ("ppf", "isf")],
    *[("logistic", m, (X * 3, 0.5, 1.5), 1e-13)
      for m in ("logpdf", "pdf", "cdf", "logcdf", "sf")],
    *[("logistic", m, (UNIT, 0.5, 1.5), 1e-13) for m in ("ppf", "isf")],
    *[("laplace", m, (X, 0.5, 1.5), 1e-13) for m in ("logpdf", "pdf", "cdf", "logcdf")],
    *[("uniform", m, (X / 4, -1.0, 2.5), 1e-15) for m in ("logpdf", "pdf", "cdf", "logcdf")],
    ("uniform", "ppf", (np.linspace(-0.5, 1.5, 41), -1.0, 2.5), 1e-15),
    *[("gamma", m, (POS - 0.5, 2.5, -0.5, 1.5), 1e-12)
      for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    ("gamma", "logpdf", (POS, 0.3), 1e-12),
    ("gamma", "logpdf", (POS, 1.0), 1e-12),
    *[("beta", m, (np.linspace(-0.5, 1.5, 81), 2.5, 0.7), 1e-11)
      for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    *[("beta", m, (2 + 3 * UNIT[1:-1], 0.5, 4.0, 2.0, 3.0), 1e-11) for m in ("logpdf", "cdf")],
    *[("t", m, (X * 5, 2.5, 0.5, 1.5), 1e-12) for m in ("logpdf", "pdf")],
    ("t", "logpdf", (X, 300.0), 1e-12),
    *[("poisson", m, (K, 7.5), 1e-12) for m in ("logpmf", "pmf", "cdf", "logcdf")],
    ("poisson", "logpmf", (K + 3, 7.5, 3), 1e-12),
    *[("bernoulli", m, (np.arange(-2, 4), 0.3), 1e-14) for m in ("logpmf", "pmf", "cdf")],
    # q = 0: JAX's 0, where SciPy's gives -1 (its support's start minus one).
    ("bernoulli", "ppf", (UNIT[1:], 0.3), 0.0),
]


def _ids(grids):
    return [f"{d}.{m}-{i}" for i, (d, m, _, _) in enumerate(grids)]


@pytest.mark.parametrize("dist,method,args,rtol", GRIDS, ids=_ids(GRIDS))
def test_against_scipy_stats(dist, method, args, rtol):
    with np.errstate(all="ignore"):
        got = getattr(getattr(stats, dist), method)(*args)
        want = getattr(getattr(st, dist), method)(*args)
        jitted = ft.jit(getattr(getattr(stats, dist), method))(*args)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300)
    np.testing.assert_array_equal(jitted, got)


@pytest.mark.parametrize("dist,method,args,rtol", GRIDS[::3], ids=_ids(GRIDS[::3]))
def test_float32_stays_float32(dist, method, args, rtol):
    args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
                   else a for a in args)
    rounded = tuple(np.asarray(a, np.float64) if isinstance(a, np.ndarray) else a
                    for a in args32)
    with np.errstate(all="ignore"):
        got = getattr(getattr(stats, dist), method)(*args32)
        want = getattr(getattr(st, dist), method)(*rounded)
    assert got.dtype == (np.float32 if args32[0].dtype == np.float32 else np.float64)
    finite = np.isfinite(want) & (np.abs(want) > 1e-30)
    np.testing.assert_allclose(got[finite], want[finite], rtol=2e-4, atol=1e-6)


def test_tails_are_finite():
    assert np.isclose(stats.norm.logcdf(-40.0), -804.6084420137538, rtol=1e-15)
    assert np.isclose(stats.norm.logsf(40.0), -804.6084420137538, rtol=1e-15)
    assert stats.logistic.logpdf(800.0) == -800.0
    assert stats.logistic.logcdf(-800.0) == -800.0
    assert np.isclose(stats.laplace.logcdf(-800.0), -800.0 - np.log(2.0), rtol=1e-15)
    assert np.isfinite(ft.grad(stats.norm.logcdf)(-40.0))
    assert np.isfinite(ft.grad(stats.logistic.logpdf)(800.0))


def test_parameter_derivatives_closed_form():
    x, mu, sigma = 1.3, 0.4, 1.7
    g = ft.grad(stats.norm.logpdf, argnums=(0, 1, 2))(x, mu, sigma)
    z = (x - mu) / sigma
    np.testing.assert_allclose(g, [-z / sigma, z / sigma, (z * z - 1) / sigma], rtol=1e-14)
    # d/dmu poisson.logpmf(k, mu) = k/mu - 1; d/dmu poisson.cdf(k, mu) = -pmf(k, mu)
    np.testing.assert_allclose(ft.grad(stats.poisson.logpmf, argnums=1)(3, 2.5), 3 / 2.5 - 1,
                               rtol=1e-14)
    np.testing.assert_allclose(ft.grad(stats.poisson.cdf, argnums=1)(3, 2.5),
                               -st.poisson.pmf(3, 2.5), rtol=1e-12)
    # d/dp bernoulli.logpmf(1, p) = 1/p, at 0: -1/(1 - p)
    np.testing.assert_allclose(ft.grad(stats.bernoulli.logpmf, argnums=1)(1, 0.3), 1 / 0.3)
    np.testing.assert_allclose(ft.grad(stats.bernoulli.logpmf, argnums=1)(0, 0.3), -1 / 0.7)
    # d/dx of a CDF is the density
    for dist, args in (("gamma", (2.5,)), ("beta", (2.5, 0.7)), ("logistic", ()),
                       ("laplace", ()), ("norm", ())):
        x = 0.35
        got = ft.grad(getattr(stats, dist).cdf)(x, *args)
        np.testing.assert_allclose(got, getattr(st, dist).pdf(x, *args), rtol=1e-12)
    # d/da gamma.logpdf(x, a) = log(x) - digamma(a); d/ddf of t.logpdf by finite differences
    np.testing.assert_allclose(ft.grad(stats.gamma.logpdf, argnums=1)(1.7, 2.5),
                               np.log(1.7) - digamma(2.5), rtol=1e-13)
    h = 1e-6
    fd = (st.t.logpdf(0.8, 3.0 + h) - st.t.logpdf(0.8, 3.0 - h)) / (2 * h)
    np.testing.assert_allclose(ft.grad(stats.t.logpdf, argnums=1)(0.8, 3.0), fd, rtol=1e-7)


def test_no_derivative_in_a_shape_argument_of_a_cdf():
    with pytest.raises(errors.FunctransTypeError, match="first argument `a`"):
        ft.grad(stats.gamma.cdf, argnums=1)(1.0, 2.0)
    with pytest.raises(errors.FunctransTypeError, match="betainc: no derivative .* `a`"):
        ft.grad(stats.beta.cdf, argnums=1)(0.3, 2.0, 3.0)


def test_vmap_over_parameters():
    locs = np.array([-1.0, 0.0, 2.0])
    got = ft.vmap(lambda m: stats.norm.logpdf(np.array([0.5, 1.5]), m, 2.0))(locs)
    want = st.norm.logpdf(np.array([0.5, 1.5])[None, :], locs[:, None], 2.0)
    np.testing.assert_allclose(got, want, rtol=1e-14)
