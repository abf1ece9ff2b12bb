"""Op-table rows of `functrans.scipy.special` (issue 15); `op_table.ROWS` includes them.

References are `scipy.special`'s functions. The primitives evaluated by SciPy itself compare
exactly (`tol` 0); erf/erfc (Python's libm, `functrans.primitives.special`) and compositions
have a tolerance, with the reason beside it. Tails and wide grids: tests/test_special.py.
"""
from __future__ import annotations

import functools

import numpy as np
import scipy.special as sp
import scipy.stats as st
from op_table import BINARY, COMPOSED, FLOATS, UNARY, OpRow, V, _quiet, fnp

from functrans.scipy import special, stats


def _cast(f):
    """SciPy's result in the first argument's float dtype (some SciPy loops return float64
    for float32 input; functrans keeps float32)."""
    @functools.wraps(f)
    def ref(*args, **kwargs):
        dtype = np.result_type(*[np.asarray(a).dtype for a in args])
        return np.asarray(f(*args, **kwargs), dtype)
    return ref


def _u(name, domain, *, f=None, ref=None, tol=0.0, **kw) -> OpRow:
    fun = f or getattr(special, name.split("-")[0])
    reference = ref or getattr(sp, name.split("-")[0])
    return OpRow("sp_" + name.replace("-", "_"), fun, _cast(_quiet(reference)), UNARY,
                 dtypes=FLOATS, domain=domain, tol=tol, **kw)


def _b(name, domain, *, tol=0.0, **kw) -> OpRow:
    return OpRow("sp_" + name, getattr(special, name), _cast(_quiet(getattr(sp, name))),
                 BINARY, dtypes=FLOATS, domain=domain, tol=tol, **kw)


# Python's libm erf/erfc and SciPy's Cephes erf/erfc: both within an ulp or two of the truth.
LIBM = COMPOSED

ROWS: list[OpRow] = [
    _u("erf", (-3.0, 3.0), tol=LIBM),
    _u("erfc", (-3.0, 3.0), tol=LIBM),
    _u("erfc-tail", (3.0, 20.0), tol=LIBM, grad_order=1),
    _u("erfinv", (-0.95, 0.95)),
    _u("erfcx", (-2.0, 5.0)),
    _u("erfcx-tail", (5.0, 30.0)),
    _u("ndtr", (-5.0, 5.0)),
    _u("ndtri", (0.02, 0.98)),
    _u("log_ndtr", (-5.0, 5.0)),
    # Finite differences of values near -800 lose most digits at second order; the second
    # derivative in the tail is checked against high-precision values in test_special.py.
    _u("log_ndtr-tail", (-40.0, -10.0), grad_order=1),
    _u("gammaln", (0.1, 6.0)),
    # Between the poles at the non-positive integers.
    _u("gammaln-negative", (-3.5, -0.1), avoid=(-3.0, -2.0, -1.0)),
    _u("digamma", (0.2, 6.0)),
    _u("gamma", (0.2, 4.0)),
    _u("gamma-negative", (-2.9, -0.1), avoid=(-2.0, -1.0)),
    _u("i0", (-3.0, 3.0)),
    _u("i0e", (-3.0, 3.0), avoid=(0.0,)),
    _u("i1", (-3.0, 3.0)),
    _u("i1e", (-3.0, 3.0), avoid=(0.0,)),
    *[_u(f"polygamma{n}", (0.3, 4.0), f=functools.partial(special.polygamma, n),
         ref=functools.partial(sp.polygamma, n)) for n in (0, 1, 3)],
    OpRow("sp_polygamma_array_n", special.polygamma,
          lambda n, x: np.asarray(sp.polygamma(n, x.astype(np.float64)), x.dtype),
          (V((3,), (3,)), V((2, 3), (3,))), kinds="if", int_range=(0, 3), dtypes=FLOATS,
          domain=(0.3, 4.0)),
    _u("multigammaln", (1.5, 4.0), f=lambda a: special.multigammaln(a, 3),
       ref=lambda a: sp.multigammaln(a, 3), tol=COMPOSED),  # a sum of gammaln: rounding
    # No derivative in the first argument (a, s): only the second is differentiated.
    _b("gammainc", (0.2, 4.0), diff_argnums=(1,)),
    _b("gammaincc", (0.2, 4.0), diff_argnums=(1,)),
    _b("zeta", (1.3, 4.0), diff_argnums=(1,)),
    # gammaln(a) + gammaln(b) - gammaln(a + b): cancels where the result is near 0.
    _b("betaln", (0.3, 4.0), tol=10 * COMPOSED),
    _b("beta", (0.3, 4.0), tol=10 * COMPOSED),
    # Compositions of a few ufuncs, against SciPy's kernels: some ulps apart.
    _u("expit", (-5.0, 5.0), tol=COMPOSED),
    _u("logit", (0.05, 0.95), tol=COMPOSED),
    _u("entr", (0.05, 2.0), tol=COMPOSED),
    _u("sinc", (-2.0, 2.0), ref=np.sinc, tol=COMPOSED),
    _b("xlogy", (0.2, 3.0), tol=COMPOSED),
    _b("xlog1py", (-0.5, 3.0), tol=COMPOSED),
    OpRow("sp_xlogy_zero_x", lambda y: special.xlogy(np.zeros(3), y),
          _cast(lambda y: sp.xlogy(np.zeros(3), y)), (V((3,)),), domain=(0.0, 2.0)),
    OpRow("sp_softmax", special.softmax, _cast(sp.softmax), (V((3,)), V((2, 3))),
          dtypes=FLOATS, tol=10 * COMPOSED),
    OpRow("sp_log_softmax_axis1", functools.partial(special.log_softmax, axis=1),
          _cast(functools.partial(sp.log_softmax, axis=1)), (V((2, 3)),), dtypes=FLOATS,
          tol=10 * COMPOSED),
    OpRow("sp_logsumexp", special.logsumexp, _cast(sp.logsumexp), (V((3,)), V((2, 3))),
          dtypes=FLOATS, tol=10 * COMPOSED),
]


# --------------------------------------------------------------------------- betainc, stats

ROWS.append(OpRow("sp_betainc", special.betainc, _cast(sp.betainc),
                  (V((3,), (3,), (3,)), V((), (2, 3), (3,)), V((), (), ())), dtypes=FLOATS,
                  domain=(0.2, 0.9), diff_argnums=(2,)))

D3 = (V((3,), (3,), (3,)), V((2, 3), (3,), ()), V((), (), ()))
D4 = (V((3,), (3,), (3,), (3,)), V((2, 3), (3,), (), ()))


def _stats_row(name, fun, ref, shapes, *, tol=10 * COMPOSED, **kw) -> OpRow:
    # Compositions of a few special functions against scipy.stats' own formulas: some ulps.
    return OpRow("stats_" + name, fun, _cast(_quiet(ref)), shapes, dtypes=FLOATS, tol=tol, **kw)


def _loc_scale_rows(dist: str, methods, domain=(0.5, 2.0), **kw) -> list[OpRow]:
    """Rows of `dist.method(x, loc, scale)` for each method, against scipy.stats."""
    ours, theirs = getattr(stats, dist), getattr(st, dist)
    return [_stats_row(f"{dist}_{m}", getattr(ours, m), getattr(theirs, m), D3, domain=domain,
                       **kw) for m in methods]


ROWS += [
    *_loc_scale_rows("norm", ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")),
    *_loc_scale_rows("norm", ("ppf", "isf"), domain=(0.2, 0.9)),
    *_loc_scale_rows("logistic", ("logpdf", "pdf", "cdf", "logcdf", "sf")),
    *_loc_scale_rows("logistic", ("ppf", "isf"), domain=(0.2, 0.9)),
    # |x - loc| has a kink where x == loc: the inputs are shifted away from it.
    *[_stats_row(f"laplace_{m}", lambda x, loc, s, m=m: getattr(stats.laplace, m)(x + 3, loc, s),
                 lambda x, loc, s, m=m: getattr(st.laplace, m)(x + 3, loc, s), D3,
                 domain=(0.5, 2.0)) for m in ("logpdf", "pdf", "cdf", "logcdf")],
    # The uniform's support edges are kinks: x is kept inside [loc, loc + scale].
    *[_stats_row(f"uniform_{m}", lambda x, loc, s, m=m: getattr(stats.uniform, m)(
        loc + x / 3 * s, loc, s), lambda x, loc, s, m=m: getattr(st.uniform, m)(
        loc + x / 3 * s, loc, s), D3, domain=(0.5, 2.0)) for m in ("logpdf", "pdf", "cdf",
                                                                    "logcdf")],
    _stats_row("uniform_ppf", stats.uniform.ppf, st.uniform.ppf, D3, domain=(0.2, 0.9)),
    # x is shifted into the support (x > loc), away from its edge (a kink).
    *[_stats_row(f"gamma_{m}", lambda x, a, loc, s, m=m: getattr(stats.gamma, m)(
        loc + x, a, loc, s), lambda x, a, loc, s, m=m: getattr(st.gamma, m)(loc + x, a, loc, s),
        D4, domain=(0.5, 3.0), diff_argnums=diff)
      for m, diff in (("logpdf", None), ("pdf", None), ("cdf", (0, 2, 3)),
                      ("logcdf", (0, 2, 3)), ("sf", (0, 2, 3)), ("logsf", (0, 2, 3)))],
    # x / 4 keeps the beta's argument inside its support (0, 1).
    *[_stats_row(f"beta_{m}", lambda x, a, b, m=m: getattr(stats.beta, m)(x / 4, a, b),
                 lambda x, a, b, m=m: getattr(st.beta, m)(x / 4, a, b), D3, domain=(0.5, 3.5),
                 diff_argnums=diff)
      for m, diff in (("logpdf", None), ("pdf", None), ("cdf", (0,)), ("logcdf", (0,)),
                      ("sf", (0,)), ("logsf", (0,)))],
    *[_stats_row(f"t_{m}", getattr(stats.t, m), getattr(st.t, m), D4, domain=(0.5, 3.0))
      for m in ("logpdf", "pdf")],
    # Counts: values on k including -1 (outside the support); derivatives in the mean or
    # probability on k inside it (the log-probability is -inf outside).
    *[_stats_row(f"{d}_{m}{tag}", getattr(getattr(stats, d), m), getattr(getattr(st, d), m),
                 (V((3,), (3,)), V((2, 3), ()), V((), (3,))), kinds="if",
                 int_range=(lo, hi), domain=domain, grad_order=order)
      for d, hi, domain in (("poisson", 5, (0.5, 4.0)), ("bernoulli", 2, (0.1, 0.9)))
      for m in ("logpmf", "pmf", "cdf", "logcdf")
      for tag, lo, order in (("_values", -1, 0), ("", 0, 2))],
    OpRow("stats_bernoulli_ppf", stats.bernoulli.ppf, _quiet(st.bernoulli.ppf),
          (V((3,), (3,)), V((2, 3), ())), domain=(0.1, 0.9), grad_order=0),
]

# The covariance a aᵀ + 3 I is positive definite for any a; x's leading dims are points.
ROWS += [
    *[_stats_row(f"multivariate_normal_{m}",
                 lambda x, mu, a, m=m: getattr(stats.multivariate_normal, m)(
                     x, mu, a @ a.T + 3 * fnp.eye(3, dtype=a.dtype, like=a)),
                 lambda x, mu, a, m=m: getattr(st.multivariate_normal, m)(
                     x, mu, a @ a.T + 3 * np.eye(3, dtype=a.dtype)),
                 (V((3,), (3,), (3, 3)), V((4, 3), (3,), (3, 3)), V((2, 4, 3), (3,), (3, 3))))
      for m in ("logpdf", "pdf")],
]
