"""functrans.scipy.special (issue 15): values against SciPy on grids covering each domain,
tails included, in float32 and float64; derivatives against closed forms (and, in the tails,
against high-precision values); the errors for derivatives that do not exist; the ImportError
without SciPy. check_grads, vmap and jit of every function: the op table
(tests/op_rows_special.py)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.special as sp

import functrans as ft
from functrans import errors
from functrans.scipy import special
from functrans.test_util import check_grads

ROOT = Path(__file__).resolve().parents[1]

# Each domain sampled densely, tails included: (name, grid).
GRIDS = [
    ("erfinv", np.linspace(-1.0, 1.0, 201)),
    ("erfcx", np.concatenate([np.linspace(-5.0, 30.0, 351), [1e3, 1e10, 1e300]])),
    ("ndtr", np.linspace(-40.0, 40.0, 401)),
    ("ndtri", np.concatenate([[0.0, 1e-300, 1e-20], np.linspace(0.001, 0.999, 301), [1.0]])),
    ("log_ndtr", np.concatenate([np.linspace(-40.0, 10.0, 501), [-1e3, 30.0]])),
    ("gammaln", np.concatenate([[1e-300, 1e-100, 1e-10], np.linspace(0.01, 200.0, 401),
                                np.linspace(-9.95, -0.05, 199)])),
    ("digamma", np.concatenate([[1e-10], np.linspace(0.01, 100.0, 301),
                                np.linspace(-4.95, -0.05, 99)])),
    ("gamma", np.concatenate([np.linspace(0.01, 170.0, 301), np.linspace(-4.95, -0.05, 99)])),
    ("i0", np.linspace(-700.0, 700.0, 281)),
    ("i0e", np.linspace(-1e3, 1e3, 401)),
    ("i1", np.linspace(-700.0, 700.0, 281)),
    ("i1e", np.linspace(-1e3, 1e3, 401)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,grid", GRIDS, ids=[g[0] for g in GRIDS])
def test_scipy_primitives_equal_scipy_on_the_whole_domain(name, grid, dtype):
    x = grid.astype(dtype)
    with np.errstate(all="ignore"):
        want = getattr(sp, name)(x)
        got = getattr(special, name)(x)
        jitted = ft.jit(getattr(special, name))(x)
    assert got.dtype == dtype and jitted.dtype == dtype
    np.testing.assert_array_equal(got, want.astype(dtype))
    np.testing.assert_array_equal(jitted, want.astype(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_erfc_against_scipy(name, dtype):
    # Python's libm (within 2 ulps of the truth, below) against SciPy's Cephes, whose erfc is
    # up to ~250 ulps off in the tail (measured against 40-digit values).
    x = np.concatenate([np.linspace(-6.0, 6.0, 601), np.linspace(6.0, 26.0, 101)]).astype(dtype)
    got, want = getattr(special, name)(x), getattr(sp, name)(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=max(1e-13, 4 * np.finfo(dtype).eps), atol=0)


@pytest.mark.parametrize("name,x,want", [
    ("erfc", 5.0, 1.5374597944280348502e-12), ("erfc", 10.0, 2.088487583762544757e-45),
    ("erfc", 20.0, 5.3958656116079009289e-176), ("erfc", 26.0, 5.6631924088561428465e-296),
    ("erf", 0.5, 0.52049987781304653768), ("erf", -1e-3, -0.0011283787909692364034),
    ("erf", 2.0, 0.99532226501895273416)])
def test_erf_erfc_against_high_precision(name, x, want):
    # Values by mpmath at 40 digits.
    np.testing.assert_allclose(getattr(special, name)(x), want, rtol=2 * np.finfo(float).eps)


def test_binary_functions_against_scipy_on_grids():
    a = np.array([0.05, 0.5, 1.0, 2.5, 10.0, 100.0])[:, None]
    x = np.array([0.0, 1e-8, 0.3, 1.0, 5.0, 50.0, 500.0])[None, :]
    np.testing.assert_array_equal(special.gammainc(a, x), sp.gammainc(a, x))
    np.testing.assert_array_equal(special.gammaincc(a, x), sp.gammaincc(a, x))
    s = np.array([1.1, 2.0, 3.5, 20.0])[:, None]
    q = np.array([0.1, 1.0, 7.0, 1e3])[None, :]
    np.testing.assert_array_equal(special.zeta(s, q), sp.zeta(s, q))
    # zeta(s) is the Hurwitz zeta at q = 1 (SciPy's Riemann zeta: within an ulp).
    np.testing.assert_array_equal(special.zeta(s[:, 0]), sp.zeta(s[:, 0], 1.0))
    np.testing.assert_allclose(special.zeta(s[:, 0]), sp.zeta(s[:, 0]), rtol=1e-15)
    n = np.arange(5)[:, None]
    xs = np.array([0.1, 1.0, 3.3, 40.0])[None, :]
    np.testing.assert_array_equal(special.polygamma(n, xs), sp.polygamma(n, xs))
    ab = np.array([0.1, 1.0, 3.0, 30.0])
    np.testing.assert_allclose(special.betaln(ab[:, None], ab), sp.betaln(ab[:, None], ab),
                               rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(special.multigammaln(np.array([2.0, 7.5]), 4),
                               sp.multigammaln(np.array([2.0, 7.5]), 4), rtol=1e-14)


def test_tails():
    assert special.log_ndtr(-40.0) == sp.log_ndtr(-40.0)
    np.testing.assert_allclose(special.log_ndtr(-40.0), -804.6084420137538, rtol=1e-15)
    assert special.erfcx(30.0) == sp.erfcx(30.0)
    np.testing.assert_allclose(special.erfcx(30.0), 0.018795888861416751, rtol=1e-15)
    assert special.gammaln(1e-300) == sp.gammaln(1e-300)
    np.testing.assert_allclose(special.gammaln(1e-300), 690.77552789821368, rtol=1e-15)
    assert special.log_ndtr(np.float32(-40.0)).dtype == np.float32
    assert np.isfinite(special.log_ndtr(np.float32(-40.0)))


def test_tail_derivatives_against_high_precision():
    # d/dx and d2/dx2 of log(ndtr(x)) at -39, by mpmath at 50 digits.
    d1 = ft.grad(special.log_ndtr)(-39.0)
    d2 = ft.grad(ft.grad(special.log_ndtr))(-39.0)
    np.testing.assert_allclose(d1, 39.02560741993011, rtol=1e-12)
    np.testing.assert_allclose(d2, -0.9993451172297068, rtol=1e-9)
    assert np.isfinite(ft.grad(special.log_ndtr)(-1e3))
    # d erfcx at 30 = 2 * 30 * erfcx(30) - 2/sqrt(pi)
    np.testing.assert_allclose(ft.grad(special.erfcx)(30.0),
                               60 * sp.erfcx(30.0) - 2 / np.sqrt(np.pi), rtol=1e-9)
    # d gammaln at 1e-300 = digamma(1e-300) = -1e300 to first order
    np.testing.assert_allclose(ft.grad(special.gammaln)(1e-300), sp.digamma(1e-300))


X = np.array([0.3, 1.1, 2.7, 6.0])
P = np.array([0.05, 0.3, 0.5, 0.9])


@pytest.mark.parametrize("name,x,df", [
    ("erf", X, lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x)),
    ("erfc", X, lambda x: -2 / np.sqrt(np.pi) * np.exp(-x * x)),
    ("erfinv", P, lambda p: np.sqrt(np.pi) / 2 * np.exp(sp.erfinv(p) ** 2)),
    ("ndtr", -X, lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
    ("ndtri", P, lambda p: 1 / (np.exp(-sp.ndtri(p) ** 2 / 2) / np.sqrt(2 * np.pi))),
    ("log_ndtr", -X, lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi) / sp.ndtr(x)),
    ("gammaln", X, sp.digamma),
    ("digamma", X, lambda x: sp.polygamma(1, x)),
    ("gamma", X, lambda x: sp.gamma(x) * sp.digamma(x)),
    ("i0", X, sp.i1),
    ("i1", X, lambda x: (sp.i0(x) + sp.iv(2, x)) / 2),
    ("i0e", -X, lambda x: sp.i1e(x) + sp.i0e(x)),
    ("i1e", X, lambda x: (sp.i0(x) + sp.iv(2, x)) / 2 * np.exp(-x) - sp.i1e(x)),
    ("expit", X, lambda x: sp.expit(x) * sp.expit(-x)),
    ("logit", P, lambda p: 1 / (p * (1 - p))),
    ("entr", X, lambda x: -(np.log(x) + 1)),
])
def test_derivative_closed_form(name, x, df):
    got = ft.vmap(ft.grad(getattr(special, name)))(x)
    np.testing.assert_allclose(got, df(x), rtol=1e-12)


def test_binary_derivatives_closed_form():
    a, x = 2.5, X
    grad_x = ft.vmap(ft.grad(special.gammainc, argnums=1), in_axes=(None, 0))(a, x)
    np.testing.assert_allclose(grad_x, x ** (a - 1) * np.exp(-x) / sp.gamma(a), rtol=1e-13)
    grad_q = ft.vmap(ft.grad(special.zeta, argnums=1), in_axes=(None, 0))(3.0, x)
    np.testing.assert_allclose(grad_q, -3.0 * sp.zeta(4.0, x), rtol=1e-13)
    grad_p = ft.vmap(ft.grad(lambda v: special.polygamma(2, v)))(x)
    np.testing.assert_allclose(grad_p, sp.polygamma(3, x), rtol=1e-13)
    gx, gy = ft.grad(special.xlogy, argnums=(0, 1))(2.0, 3.0)
    np.testing.assert_allclose([gx, gy], [np.log(3.0), 2.0 / 3.0], rtol=1e-15)
    ga, gb = ft.grad(special.betaln, argnums=(0, 1))(2.0, 3.5)
    np.testing.assert_allclose([ga, gb], [sp.digamma(2.0) - sp.digamma(5.5),
                                          sp.digamma(3.5) - sp.digamma(5.5)], rtol=1e-13)


def test_derivative_conventions_at_special_points():
    assert ft.grad(special.i1)(0.0) == 0.5
    assert ft.grad(special.i1e)(0.0) == 0.5
    assert ft.grad(lambda x: special.gammainc(1.0, x))(0.0) == 1.0
    assert ft.grad(lambda x: special.gammainc(2.0, x))(0.0) == 0.0
    assert ft.grad(lambda y: special.xlogy(0.0, y))(0.0) == 0.0
    assert ft.grad(special.entr)(1.0) == -1.0
    check_grads(lambda x: special.i1(x) + special.i1e(x), (np.array([0.0, 1e-3, -2.0]),),
                order=2)


@pytest.mark.parametrize("fun,arg", [
    (special.gammainc, "a"), (special.gammaincc, "a"), (special.zeta, "s"),
    (special.polygamma, "n")])
def test_no_derivative_in_the_first_argument_names_it(fun, arg):
    with pytest.raises(errors.FunctransTypeError, match=f"first argument `{arg}`"):
        ft.grad(fun)(2.0, 3.0)
    # ... while the second argument's derivative works with the first one held fixed.
    assert np.isfinite(ft.grad(fun, argnums=1)(2.0, 3.0))


def test_argument_errors():
    with pytest.raises(errors.FunctransValueError, match="multigammaln: d"):
        special.multigammaln(3.0, 0)
    with pytest.raises(errors.FunctransValueError, match="polygamma: the order n"):
        special.polygamma(0.5, 1.0)


def test_integer_arguments_become_float64():
    assert special.gammaln(np.array([1, 2, 3])).dtype == np.float64
    np.testing.assert_array_equal(special.gammaln(np.array([1, 2, 3])), sp.gammaln([1, 2, 3]))
    assert special.polygamma(1, np.float32(2.0)).dtype == np.float32


def _run_without_scipy(code: str) -> subprocess.CompletedProcess:
    blocker = ("import sys\n"
               "class _Block:\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name == 'scipy' or name.startswith('scipy.'):\n"
               "            raise ImportError('No module named ' + repr(name))\n"
               "sys.meta_path.insert(0, _Block())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", blocker + code], capture_output=True,
                          text=True, env=env, timeout=60, cwd=ROOT, check=False)


def test_import_error_names_the_extra_and_nn_needs_no_scipy():
    proc = _run_without_scipy("import functrans.scipy.special")
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr and "pip install functrans[scipy]" in proc.stderr
    proc = _run_without_scipy(
        "import numpy as np\nimport functrans.nn as nn\n"
        "print(nn.gelu(np.array([1.0]), approximate=False))")
    assert proc.returncode == 0, proc.stderr
    assert "0.8413" in proc.stdout
