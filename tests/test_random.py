"""functrans.random: keys through vmap, scan and jit; derivatives in parameters (and none in
keys); the primitives' rules; statistical sanity; errors; the examples that use it.

Bit-for-bit agreement with JAX is tests/test_random_kat.py.
"""
from __future__ import annotations

import math
import os
import pathlib
import re
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import scipy.special
from rule_checks import check_batch_rule, check_jvp_rule

import functrans as ft
import functrans.numpy as fnp
from functrans import errors, lax, random, test_util
from functrans.primitives import random_bits

ROOT = pathlib.Path(__file__).resolve().parent.parent
KEY = random.PRNGKey(0)


# --------------------------------------------------------------------------- keys


def test_seed_halves_and_negative_seeds():
    np.testing.assert_array_equal(random.PRNGKey(2**32 + 5), [1, 5])
    np.testing.assert_array_equal(random.PRNGKey(-1), [2**32 - 1, 2**32 - 1])
    np.testing.assert_array_equal(random.key(3), random.PRNGKey(3))
    assert random.key_data(KEY) is KEY


def test_split_shapes_and_tuple_num():
    assert random.split(KEY, (2, 3)).shape == (2, 3, 2)
    np.testing.assert_array_equal(random.split(KEY, (2, 3)).reshape(6, 2), random.split(KEY, 6))
    assert random.split(KEY, 0).shape == (0, 2)


def test_traced_seed_and_fold_in_data():
    np.testing.assert_array_equal(ft.jit(random.PRNGKey)(np.int64(-7)), random.PRNGKey(-7))
    np.testing.assert_array_equal(ft.jit(random.fold_in)(KEY, np.int64(2**32 + 3)),
                                  random.fold_in(KEY, 3))


def test_bits_widths():
    b32 = random.bits(KEY, (4,), np.uint32)
    np.testing.assert_array_equal(random.bits(KEY, (4,), np.uint16), b32.astype(np.uint16))
    np.testing.assert_array_equal(random.bits(KEY, (4,), np.uint8), b32.astype(np.uint8))
    assert random.bits(KEY, (2, 3)).dtype == np.uint64


# --------------------------------------------------------------------------- transformations

_MVN_MEAN = np.array([1.0, -2.0])
_MVN_COV = np.array([[2.0, 0.6], [0.6, 1.0]])
_MVN_W = np.array([0.7, -1.3])

SAMPLERS = {
    "uniform": lambda k: random.uniform(k, (3,), minval=-1.0, maxval=2.0),
    "normal": lambda k: random.normal(k, (2, 2)),
    "normal32": lambda k: random.normal(k, (3,), np.float32),
    "randint": lambda k: random.randint(k, (4,), -3, 9),
    "randint8": lambda k: random.randint(k, (4,), 0, 200, np.uint8),
    "bernoulli": lambda k: random.bernoulli(k, 0.3, (5,)),
    "categorical": lambda k: random.categorical(k, np.log([0.2, 0.3, 0.5]), shape=(4,)),
    "categorical_noreplace": lambda k: random.categorical(k, np.zeros(5), shape=(3,),
                                                          replace=False),
    "permutation": lambda k: random.permutation(k, 7),
    "permutation_2d": lambda k: random.permutation(k, np.arange(6.0).reshape(3, 2)),
    "choice": lambda k: random.choice(k, 5, (3,)),
    "choice_p": lambda k: random.choice(k, np.arange(4.0), (3,), p=np.array([.1, .2, .3, .4])),
    "choice_noreplace": lambda k: random.choice(k, 6, (3,), replace=False),
    "exponential": lambda k: random.exponential(k, (3,)),
    "gumbel_high": lambda k: random.gumbel(k, (3,), mode="high"),
    "bernoulli_high": lambda k: random.bernoulli(k, 0.3, (5,), mode="high"),
    "gumbel": lambda k: random.gumbel(k, (3,)),
    "laplace": lambda k: random.laplace(k, (3,)),
    "logistic": lambda k: random.logistic(k, (3,)),
    "truncated_normal": lambda k: random.truncated_normal(k, -0.5, 2.0, (3,)),
    "gamma": lambda k: random.gamma(k, np.array([0.3, 1.0, 5.0])),
    "beta": lambda k: random.beta(k, 2.0, 0.5, (3,)),
    "dirichlet": lambda k: random.dirichlet(k, np.array([0.5, 1.0, 2.0])),
    "poisson": lambda k: random.poisson(k, np.array([0.5, 4.0, 30.0])),
    "multivariate_normal": lambda k: random.multivariate_normal(k, _MVN_MEAN, _MVN_COV, (3,)),
    "multivariate_normal_eigh": lambda k: random.multivariate_normal(
        k, _MVN_MEAN, _MVN_COV, (3,), method="eigh"),
    "split": lambda k: random.split(k, 3),
    "fold_in": lambda k: random.fold_in(k, 11),
    "bits": lambda k: random.bits(k, (3,)),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_jit_equals_eager(name):
    f = SAMPLERS[name]
    np.testing.assert_array_equal(ft.jit(f)(KEY), f(KEY))


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_vmap_over_keys_equals_loop(name):
    f = SAMPLERS[name]
    keys = random.split(random.PRNGKey(1), 3)
    np.testing.assert_array_equal(ft.vmap(f)(keys), np.stack([f(k) for k in keys]))


def test_vmap_of_split_and_normal_keys_batched_in_axis_1():
    keys = random.split(random.PRNGKey(5), 4)
    out = ft.vmap(lambda k: random.normal(random.split(k)[1], (2,)), in_axes=1)(keys.T)
    np.testing.assert_array_equal(out, np.stack([random.normal(random.split(k)[1], (2,))
                                                 for k in keys]))


def _scan_body(key, x):
    key, sub = random.split(key)
    return key, random.normal(sub, (3,)) + x


def test_key_carried_and_split_in_scan():
    xs = np.arange(4.0)
    key, ys = lax.scan(_scan_body, random.PRNGKey(2), xs)
    k = random.PRNGKey(2)
    want = []
    for x in xs:
        k, y = _scan_body(k, x)
        want.append(y)
    np.testing.assert_array_equal(ys, np.stack(want))
    np.testing.assert_array_equal(key, k)
    key_j, ys_j = ft.jit(lambda k: lax.scan(_scan_body, k, xs))(random.PRNGKey(2))
    np.testing.assert_array_equal(ys_j, ys)
    np.testing.assert_array_equal(key_j, key)


def test_vmap_of_scan_over_keys():
    keys = random.split(random.PRNGKey(9), 3)
    f = lambda k: lax.scan(_scan_body, k, np.zeros(2))[1]   # noqa: E731
    np.testing.assert_array_equal(ft.vmap(f)(keys), np.stack([f(k) for k in keys]))


# --------------------------------------------------------------------------- derivatives


def test_grad_of_reparameterized_normal_is_the_closed_form():
    z = random.normal(KEY, (5,))

    def f(mu, sigma):
        return fnp.sum((random.normal(KEY, (5,)) * sigma + mu) ** 2)

    g_mu, g_sigma = ft.grad(f, argnums=(0, 1))(0.3, 1.7)
    x = z * 1.7 + 0.3
    np.testing.assert_allclose(g_mu, np.sum(2 * x), rtol=1e-14)
    np.testing.assert_allclose(g_sigma, np.sum(2 * x * z), rtol=1e-14)


def test_grad_of_uniform_bounds():
    u = random.uniform(KEY, (4,))
    g = ft.grad(lambda a, b: fnp.sum(random.uniform(KEY, (4,), minval=a, maxval=b)),
                argnums=(0, 1))(-1.0, 3.0)
    np.testing.assert_allclose(g, (np.sum(1 - u), np.sum(u)), rtol=1e-14)


def test_grad_of_truncated_normal_bounds_matches_the_inverse_cdf():
    u = random.uniform(KEY, (3,))

    def ref(lo, hi):
        a, b = scipy.special.erf(lo / np.sqrt(2)), scipy.special.erf(hi / np.sqrt(2))
        return np.sqrt(2) * scipy.special.erfinv(a + u * (b - a))

    g = ft.grad(lambda lo, hi: fnp.sum(random.truncated_normal(KEY, lo, hi, (3,))),
                argnums=(0, 1))(-0.7, 1.2)
    eps = 1e-6
    num = ((ref(-0.7 + eps, 1.2) - ref(-0.7 - eps, 1.2)).sum() / (2 * eps),
           (ref(-0.7, 1.2 + eps) - ref(-0.7, 1.2 - eps)).sum() / (2 * eps))
    np.testing.assert_allclose(g, num, rtol=1e-6)


def test_no_derivative_with_respect_to_keys():
    with pytest.raises(errors.FunctransTypeError, match="argument 0 has dtype uint32"):
        ft.grad(lambda k: fnp.sum(random.normal(k, (2,))))(KEY)


def _implicit_gamma_grad_reference(a, x, eps=1e-6):
    """d x / d a with the CDF value fixed, by differences of SciPy's inverse CDF."""
    q = scipy.special.gammainc(a, x)
    return (scipy.special.gammaincinv(a + eps, q) - scipy.special.gammaincinv(a - eps, q)) / (
        2 * eps)


def test_gamma_grad_is_the_implicit_reparameterization_gradient():
    a = np.array([0.05, 0.3, 1.0, 2.5, 40.0, 300.0])
    x = random.gamma(KEY, a)
    jac = ft.jacfwd(lambda a: random.gamma(KEY, a))(a)
    np.testing.assert_allclose(np.diag(jac), _implicit_gamma_grad_reference(a, x), rtol=1e-6)
    g = ft.grad(lambda a: fnp.sum(random.gamma(KEY, a)))(a)
    np.testing.assert_allclose(g, np.diag(jac), rtol=1e-12)


def test_beta_and_dirichlet_grads_follow_from_gamma():
    # beta(a, b) = Ga / (Ga + Gb) with the gamma samples' implicit gradients.
    ka, kb = random.split(KEY)
    ga, gb = random.gamma(ka, 2.0, (3,)), random.gamma(kb, 3.0, (3,))
    dga = _implicit_gamma_grad_reference(2.0, ga)
    want = dga * gb / (ga + gb) ** 2
    got = ft.grad(lambda a: fnp.sum(random.beta(KEY, a, 3.0, (3,))))(2.0)
    np.testing.assert_allclose(random.beta(KEY, 2.0, 3.0, (3,)), ga / (ga + gb), rtol=1e-13)
    np.testing.assert_allclose(got, want.sum(), rtol=1e-5)
    g = ft.grad(lambda al: fnp.sum(random.dirichlet(KEY, al)[:2]))(np.array([1.0, 2.0, 3.0]))
    assert np.isfinite(g).all() and abs(g.sum()) > 0


def test_gamma_second_derivative_raises():
    with pytest.raises(errors.FunctransTypeError, match="second derivatives of the samples"):
        ft.hessian(lambda a: fnp.sum(random.gamma(KEY, a, (2,))))(2.0)


# --------------------------------------------------------------------------- primitive rules


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fma_rounds_once(dtype):
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(2000).astype(dtype) for _ in range(3))
    out = random_bits.fma(a, b, c)
    assert out.dtype == dtype
    for x, y, z, r in zip(a[:300], b[:300], c[:300], out[:300], strict=True):
        exact = Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))
        assert float(r) == float(dtype(float(_round_fraction(exact, dtype)))), (x, y, z)
    # The classic double-rounding case of the naive formula.
    x = np.float64(1 + 2**-27)
    assert random_bits.fma(x, x, np.float64(-1 - 2**-26)) == 2.0**-54


def test_fma_special_values():
    a = np.array([np.inf, 1e308, -np.inf, np.nan, 1e308, 0.0])
    b = np.array([2.0, 10.0, 1.0, 1.0, 10.0, -1.0])
    c = np.array([1.0, -np.inf, np.inf, 0.0, -1e308, 0.0])
    out = random_bits.fma(a, b, c)
    np.testing.assert_array_equal(out[:2], [np.inf, -np.inf])
    assert np.isnan(out[2:4]).all() and out[4] == np.inf
    assert out[5] == 0.0 and not np.signbit(out[5])   # -0 + 0 = +0


def _round_fraction(q, dtype):
    """A Fraction rounded to nearest-even in `dtype` (via exact comparison of neighbours)."""
    r = dtype(float(q))   # float(Fraction) is correctly rounded to float64
    if dtype == np.float64:
        return r
    lo, hi = np.nextafter(r, dtype(-np.inf)), np.nextafter(r, dtype(np.inf))
    best = min((abs(Fraction(float(v)) - q), v) for v in (lo, r, hi))
    ties = [v for v in (lo, r, hi) if abs(Fraction(float(v)) - q) == best[0]]
    if len(ties) > 1:
        return next(v for v in ties if int(np.asarray(v).view(np.uint32)) % 2 == 0)
    return best[1]


def test_xla_kernels_are_close_to_scipy():
    x = np.linspace(-0.999999, 0.999999, 2001)
    # erfinv's condition number near |x| = 1 is ~1e4: the two approximations agree to it.
    np.testing.assert_allclose(random_bits.xla_erf_inv(x), scipy.special.erfinv(x), rtol=1e-12)
    np.testing.assert_allclose(random_bits.xla_erf_inv(x.astype(np.float32)),
                               scipy.special.erfinv(x.astype(np.float32)), rtol=5e-6)
    assert random_bits.xla_erf_inv(np.array([1.0, -1.0])).tolist() == [np.inf, -np.inf]
    y = np.linspace(-6, 6, 2001)
    np.testing.assert_allclose(random_bits.xla_erf(y), scipy.special.erf(y), rtol=1e-15,
                               atol=1e-16)
    np.testing.assert_allclose(random_bits.xla_erf(y.astype(np.float32)), scipy.special.erf(y),
                               rtol=1e-6, atol=1e-7)
    z = np.linspace(-0.9, 3.0, 2001)
    # XLA uses Cephes' rational approximation on |x| < sqrt(2) - 1, also on [-0.414, -0.29]
    # where Cephes does not (and is accurate to ~2e-14 only): the same values as JAX's.
    np.testing.assert_allclose(random_bits.xla_log1p(z), np.log1p(z), rtol=5e-14)


@pytest.mark.parametrize("prim, x", [(random_bits.xla_erf_inv_p, np.array([-0.9, 0.1, 0.7])),
                                     (random_bits.xla_erf_p, np.array([-2.0, 0.3, 1.5])),
                                     (random_bits.xla_log1p_p, np.array([-0.5, 0.2, 3.0]))])
def test_kernel_jvp_rules(prim, x):
    check_jvp_rule(prim, [x])


def test_fma_jvp_and_batch_rules():
    rng = np.random.default_rng(1)
    a, b, c = (rng.standard_normal((2, 3)) for _ in range(3))
    check_jvp_rule(random_bits.fma_p, [a, b, c])
    check_batch_rule(random_bits.fma_p, [a, b.T, c[0]], (0, 1, None))


def test_threefry_batch_rule():
    rng = np.random.default_rng(2)
    k0, k1 = (rng.integers(0, 2**32, (3, 4), dtype=np.uint32) for _ in range(2))
    x0 = rng.integers(0, 2**32, (4, 3), dtype=np.uint32)
    x1 = rng.integers(0, 2**32, (4,), dtype=np.uint32)
    out, dims = random_bits.threefry2x32_p.batch([k0, k1, x0, x1], [0, 0, 1, None],
                                                 axis_size=3)
    for i in range(3):
        want = random_bits.threefry2x32_p.bind(k0[i], k1[i], x0[:, i], x1)
        np.testing.assert_array_equal(np.moveaxis(out[0], dims[0], 0)[i], want[0])
        np.testing.assert_array_equal(np.moveaxis(out[1], dims[1], 0)[i], want[1])


def test_threefry_known_vector():
    # Salmon et al.'s Random123 known answer for threefry2x32_20 (key and counter all ones).
    ones = np.uint32(0xFFFFFFFF)
    y0, y1 = random_bits.threefry2x32(ones, ones, np.array([ones]), np.array([ones]))
    assert (int(y0[0]), int(y1[0])) == (0x1CB996FC, 0xBB002BE7)


def test_threefry_shape_errors():
    with pytest.raises(errors.ShapeError, match="threefry2x32: needs uint32"):
        random_bits.threefry2x32_p.bind(np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2))


# --------------------------------------------------------------------------- statistics

N = 10_000


def _check_moments(x, mean, var, what):
    """Sample mean and variance within 5 standard errors (the variance's from the 4th
    central moment of the sample)."""
    x = np.asarray(x, np.float64)
    se_mean = math.sqrt(var / x.size)
    assert abs(x.mean() - mean) < 5 * se_mean, (what, x.mean(), mean)
    m4 = np.mean((x - x.mean()) ** 4)
    se_var = math.sqrt(max(m4 - var**2, 1e-300) / x.size)
    assert abs(x.var() - var) < 5 * se_var, (what, x.var(), var)


STATS = [
    ("uniform", lambda k: random.uniform(k, (N,), minval=-1.0, maxval=3.0), 1.0, 16 / 12),
    ("normal", lambda k: random.normal(k, (N,)), 0.0, 1.0),
    ("normal32", lambda k: random.normal(k, (N,), np.float32), 0.0, 1.0),
    ("exponential", lambda k: random.exponential(k, (N,)), 1.0, 1.0),
    ("gumbel", lambda k: random.gumbel(k, (N,)), np.euler_gamma, np.pi**2 / 6),
    ("laplace", lambda k: random.laplace(k, (N,)), 0.0, 2.0),
    ("logistic", lambda k: random.logistic(k, (N,)), 0.0, np.pi**2 / 3),
    ("randint", lambda k: random.randint(k, (N,), 0, 10), 4.5, 99 / 12),
    ("bernoulli", lambda k: random.bernoulli(k, 0.3, (N,)), 0.3, 0.21),
    ("gamma_small", lambda k: random.gamma(k, 0.4, (N,)), 0.4, 0.4),
    ("gamma", lambda k: random.gamma(k, 3.5, (N,)), 3.5, 3.5),
    ("beta", lambda k: random.beta(k, 2.0, 5.0, (N,)), 2 / 7, 10 / (49 * 8)),
    ("poisson_small", lambda k: random.poisson(k, 3.0, (N,)), 3.0, 3.0),
    ("poisson_large", lambda k: random.poisson(k, 40.0, (N,)), 40.0, 40.0),
    ("categorical", lambda k: random.categorical(k, np.log([0.2, 0.3, 0.5]), shape=(N,)),
     1.3, 0.61),
    ("choice_p", lambda k: random.choice(k, 3, (N,), p=np.array([0.2, 0.3, 0.5])), 1.3, 0.61),
    ("gumbel_high", lambda k: random.gumbel(k, (N,), mode="high"), np.euler_gamma,
     np.pi**2 / 6),
    ("bernoulli_high", lambda k: random.bernoulli(k, 0.3, (N,), mode="high"), 0.3, 0.21),
    ("categorical_high", lambda k: random.categorical(k, np.log([0.2, 0.3, 0.5]), shape=(N,),
                                                      mode="high"), 1.3, 0.61),
    ("dirichlet_0", lambda k: random.dirichlet(k, np.array([1.0, 2.0, 3.0]), (N,))[:, 0],
     1 / 6, (1 / 6) * (5 / 6) / 7),
    # A linear combination of the components: mean wᵀμ, variance wᵀΣw.
    *[(f"multivariate_normal_{m}", lambda k, m=m: random.multivariate_normal(
        k, _MVN_MEAN, _MVN_COV, (N,), method=m) @ _MVN_W, _MVN_MEAN @ _MVN_W,
       _MVN_W @ _MVN_COV @ _MVN_W) for m in ("cholesky", "eigh", "svd")],
]


@pytest.mark.parametrize("name, sample, mean, var", STATS, ids=[s[0] for s in STATS])
def test_moments(name, sample, mean, var):
    _check_moments(sample(random.PRNGKey(2024)), mean, var, name)


def test_truncated_normal_moments_and_support():
    x = random.truncated_normal(random.PRNGKey(3), -1.0, 2.0, (N,))
    assert (x > -1.0).all() and (x < 2.0).all()
    phi = lambda t: np.exp(-t * t / 2) / np.sqrt(2 * np.pi)   # noqa: E731
    z = scipy.special.ndtr(2.0) - scipy.special.ndtr(-1.0)
    mean = (phi(-1.0) - phi(2.0)) / z
    var = 1 + (-1.0 * phi(-1.0) - 2.0 * phi(2.0)) / z - mean**2
    _check_moments(x, mean, var, "truncated_normal")


def test_permutation_is_a_permutation_and_uniform_in_position():
    p = random.permutation(random.PRNGKey(4), 50)
    assert sorted(p.tolist()) == list(range(50))
    firsts = ft.vmap(lambda k: random.permutation(k, 5)[0])(random.split(KEY, N))
    _check_moments(firsts, 2.0, 2.0, "permutation first element")


def test_choice_without_replacement_is_distinct():
    out = random.choice(random.PRNGKey(5), 20, (20,), replace=False)
    assert sorted(out.tolist()) == list(range(20))
    out = random.choice(random.PRNGKey(5), 8, (8,), replace=False, p=np.full(8, 1 / 8))
    assert sorted(out.tolist()) == list(range(8))


def test_split_keys_are_independent_streams():
    keys = random.split(KEY, 1000)
    first = ft.vmap(lambda k: random.uniform(k))(keys)
    _check_moments(first, 0.5, 1 / 12, "first draws of split keys")
    c = np.corrcoef(first[:-1], first[1:])[0, 1]
    assert abs(c) < 5 / math.sqrt(1000)


# --------------------------------------------------------------------------- errors


def test_errors_name_the_function_and_argument():
    with pytest.raises(errors.FunctransTypeError, match=r"random.normal: `key` .* use functrans"
                       r".vmap|map over it with functrans.vmap"):
        random.normal(random.split(KEY), (2,))
    with pytest.raises(errors.FunctransTypeError, match="random.uniform: `dtype`"):
        random.uniform(KEY, (2,), np.int32)
    with pytest.raises(errors.FunctransTypeError, match="random.randint: `dtype`"):
        random.randint(KEY, (2,), 0, 3, np.float64)
    with pytest.raises(errors.FunctransTypeError, match="random.PRNGKey: the seed"):
        random.PRNGKey(1.5)
    with pytest.raises(errors.FunctransTypeError, match="random.fold_in: `data`"):
        random.fold_in(KEY, np.arange(3))
    with pytest.raises(errors.ShapeError, match="random.uniform: a parameter of shape"):
        random.uniform(KEY, (3,), minval=np.zeros(2))
    with pytest.raises(errors.FunctransValueError, match="without replacement"):
        random.choice(KEY, 3, (4,), replace=False)
    with pytest.raises(errors.FunctransValueError, match="random.gumbel: `mode`"):
        random.gumbel(KEY, (2,), mode="highest")
    with pytest.raises(errors.FunctransTypeError, match="random.bits: `dtype`"):
        random.bits(KEY, (2,), np.int32)


def test_randint_edge_cases():
    # An empty range gives minval; int8 bounds are clipped to the dtype.
    np.testing.assert_array_equal(random.randint(KEY, (3,), 5, 5), [5, 5, 5])
    x = random.randint(KEY, (1000,), -1000, 1000, np.int8)
    assert x.dtype == np.int8 and x.min() >= -128 and x.max() <= 127
    big = random.randint(KEY, (100,), 0, 2**63 - 1)
    assert big.dtype == np.int64 and (big >= 0).all()


def test_empty_and_scalar_shapes():
    assert random.normal(KEY, (0, 3)).shape == (0, 3)
    assert random.uniform(KEY).shape == ()
    assert random.bits(KEY, (0,)).shape == (0,)


# --------------------------------------------------------------------------- examples


def _run_example(name: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name)], check=False,
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_hmc_example_accepts_and_recovers_the_target():
    out = _run_example("hmc.py")
    (rate,) = [float(x) for x in re.findall(r"acceptance rate:\s+([0-9.]+)", out)]
    assert 0.5 < rate <= 1.0, out
    (err,) = [float(x) for x in re.findall(r"max error of the mean:\s+([0-9.eE+-]+)", out)]
    assert err < 0.5, out


def test_bayesian_nn_example_elbo_loss_falls():
    out = _run_example("bayesian_nn.py")
    losses = [float(x) for x in re.findall(r"step\s+\d+\s+loss\s+([0-9.eE+-]+)", out)]
    assert len(losses) >= 5, out
    assert losses[-1] < 0.5 * losses[0], losses


def test_multivariate_normal_is_reparameterized():
    # d/dmean of mean + F z is the identity for each sample; d/dcov flows through cholesky.
    f = lambda mu: random.multivariate_normal(KEY, mu, _MVN_COV, (4,))   # noqa: E731
    jac = ft.jacrev(f)(_MVN_MEAN)
    np.testing.assert_allclose(jac, np.broadcast_to(np.eye(2), (4, 2, 2)))
    g = lambda c: fnp.sum(random.multivariate_normal(KEY, _MVN_MEAN, c @ c.T + np.eye(2), (4,)))  # noqa: E731
    test_util.check_grads(g, (np.array([[1.0, 0.2], [0.1, 0.8]]),), order=1)
    with pytest.raises(errors.FunctransValueError, match="method"):
        random.multivariate_normal(KEY, _MVN_MEAN, _MVN_COV, method="qr")
