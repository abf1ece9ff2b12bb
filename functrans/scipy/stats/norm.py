"""`functrans.scipy.stats.norm`: the normal distribution with mean `loc` and standard
deviation `scale`, as `jax.scipy.stats.norm`."""
from __future__ import annotations

import math
from typing import Any

from functrans import numpy as fnp
from functrans.scipy import _args, special

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _standardized(fname: str, x: Any, loc: Any, scale: Any) -> tuple:
    x, loc, scale = _args.floats(fname, x, loc, scale)
    return (x - loc) / scale, scale


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the normal density, -((x - loc)/scale)^2 / 2 - log(scale) - log(2 pi)/2.

    Example:
      >>> from functrans.scipy.stats import norm
      >>> norm.logpdf(np.array([0.0, 2.0]), loc=1.0, scale=2.0)
      array([-1.73708571, -1.73708571])
    """
    y, scale = _standardized("norm.logpdf", x, loc, scale)
    return -0.5 * (y * y) - fnp.log(scale) - _HALF_LOG_2PI


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The normal density exp(logpdf(x, loc, scale)).

    Example:
      >>> from functrans.scipy.stats import norm
      >>> norm.pdf(np.array([0.0, 1.0]))
      array([0.39894228, 0.24197072])
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The normal CDF ndtr((x - loc) / scale).

    Example:
      >>> from functrans.scipy.stats import norm
      >>> norm.cdf(np.array([0.0, 1.0]))
      array([0.5       , 0.84134475])
    """
    y, _ = _standardized("norm.cdf", x, loc, scale)
    return special.ndtr(y)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the normal CDF, log_ndtr((x - loc) / scale): accurate far in the lower tail.

    Example:
      >>> from functrans.scipy.stats import norm
      >>> norm.logcdf(np.array([-40.0, 0.0]))
      array([-8.04608442e+02, -6.93147181e-01])
    """
    y, _ = _standardized("norm.logcdf", x, loc, scale)
    return special.log_ndtr(y)


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function 1 - cdf, as ndtr(-(x - loc) / scale) (accurate in the upper tail).

    Example:
      >>> from functrans.scipy.stats import norm
      >>> norm.sf(np.array([0.0, 10.0]))
      array([5.00000000e-01, 7.61985302e-24])
    """
    y, _ = _standardized("norm.sf", x, loc, scale)
    return special.ndtr(-y)


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the survival function, log_ndtr(-(x - loc) / scale).

    Example:
      >>> from functrans.scipy.stats import norm
      >>> norm.logsf(np.array([0.0, 40.0]))
      array([-6.93147181e-01, -8.04608442e+02])
    """
    y, _ = _standardized("norm.logsf", x, loc, scale)
    return special.log_ndtr(-y)


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function (inverse CDF) loc + scale * ndtri(q).

    Example:
      >>> from functrans.scipy.stats import norm
      >>> norm.ppf(np.array([0.5, 0.975]))
      array([0.       , 1.95996398])
    """
    q, loc, scale = _args.floats("norm.ppf", q, loc, scale)
    return loc + scale * special.ndtri(q)


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse survival function loc - scale * ndtri(q).

    Example:
      >>> from functrans.scipy.stats import norm
      >>> norm.isf(np.array([0.5, 0.025]))
      array([0.        , 1.95996398])
    """
    q, loc, scale = _args.floats("norm.isf", q, loc, scale)
    return loc - scale * special.ndtri(q)
