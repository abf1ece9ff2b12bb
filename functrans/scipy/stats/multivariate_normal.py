"""`functrans.scipy.stats.multivariate_normal`: the multivariate normal distribution with mean
`mean` and covariance `cov`, as `jax.scipy.stats.multivariate_normal` (`logpdf`, `pdf`).

Through the Cholesky factor of `cov` and one triangular solve (issue 13's primitives), so it
is differentiable in `x`, `mean` and `cov` (the symmetrized covariance tangent, as the
Cholesky's), batched over leading dimensions of `x` and `mean`.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from functrans import errors
from functrans import numpy as fnp
from functrans.numpy import _util
from functrans.primitives import factorizations, triangular

__all__ = ["logpdf", "pdf"]

_LOG_2PI = math.log(2 * math.pi)


def logpdf(x: Any, mean: Any, cov: Any, allow_singular: Any = None) -> Any:
    """log of the multivariate normal density at `x` (shape `(..., d)`).

    Args:
      x: points `(..., d)` (a scalar or `(d,)` for one point).
      mean: `(d,)` or broadcastable with `x`; a scalar mean makes every entry of `x` a 1-d
        point (JAX's rule), with `cov` its variance.
      cov: `(d, d)` symmetric positive definite (a scalar or a `(d,)` diagonal is allowed,
        as SciPy).
      allow_singular: only None/False (a singular covariance is not supported, as JAX).

    Returns:
      `-(x - mean)ᵀ cov⁻¹ (x - mean)/2 - log det(cov)/2 - d log(2 pi)/2`, of shape `(...)`.

    Example:
      >>> from functrans.scipy.stats import multivariate_normal as mvn
      >>> mvn.logpdf(np.array([1.0, 0.0]), np.zeros(2), np.eye(2))
      np.float64(-2.3378770664093453)
    """
    if allow_singular:
        raise errors.FunctransValueError(
            "multivariate_normal.logpdf: allow_singular=True is not supported (as in JAX); "
            "pass a positive definite covariance.")
    x = _util.to_inexact(_util.as_array(x, "multivariate_normal.logpdf"))
    mean = _util.to_inexact(_util.as_array(mean, "multivariate_normal.logpdf"))
    cov = _util.to_inexact(_util.as_array(cov, "multivariate_normal.logpdf"))
    (x, mean, cov), dtype, _ = _util.promote(x, mean, cov)
    if _util.aval(mean).ndim == 0:
        # A scalar mean: x holds 1-d points, one per entry (JAX's rule).
        return -0.5 * fnp.square(x - mean) / cov - 0.5 * (_LOG_2PI + fnp.log(cov))
    d = _util.aval(mean).shape[-1]
    cov = _as_matrix(cov, d)
    if _util.aval(x).ndim == 0:
        x = fnp.reshape(x, (1,))
    if _util.aval(x).shape[-1:] != (d,):
        raise errors.FunctransValueError(
            f"multivariate_normal.logpdf: x {_util.aval(x).shape} and mean "
            f"{_util.aval(mean).shape} do not match the covariance ({d}, {d}).")
    diff = x - mean
    if _util.aval(diff).shape[-1] != d:
        raise errors.FunctransValueError(
            f"multivariate_normal.logpdf: x {_util.aval(x).shape} and mean "
            f"{_util.aval(mean).shape} do not match the covariance ({d}, {d}).")
    chol = factorizations.cholesky(cov)
    # Solve L y = diff for every point: the points are the columns of one right-hand side.
    batch = _util.aval(diff).shape[:-1]
    cols = fnp.reshape(diff, (-1, d)).T
    y = triangular.triangular_solve(chol, cols, left_side=True, lower=True)
    maha = fnp.reshape(fnp.sum(y * y, axis=0), batch)
    log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(chol)))
    return -0.5 * maha - 0.5 * log_det - 0.5 * d * _LOG_2PI


def pdf(x: Any, mean: Any, cov: Any, allow_singular: Any = None) -> Any:
    """The multivariate normal density, `exp(logpdf(x, mean, cov))`.

    Example:
      >>> from functrans.scipy.stats import multivariate_normal as mvn
      >>> mvn.pdf(np.zeros(2), np.zeros(2), np.eye(2))
      np.float64(0.15915494309189535)
    """
    return fnp.exp(logpdf(x, mean, cov, allow_singular))


def _as_matrix(cov: Any, d: int) -> Any:
    ndim = _util.aval(cov).ndim
    if ndim == 0:
        return cov * _util.in_namespace(np.eye(d, dtype=_util.aval(cov).dtype), cov)
    if ndim == 1:
        return fnp.diag(cov)
    if _util.aval(cov).shape != (d, d):
        raise errors.FunctransValueError(
            f"multivariate_normal: cov of shape {_util.aval(cov).shape} must be ({d}, {d}).")
    return cov
