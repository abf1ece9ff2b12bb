"""`functrans.scipy.stats.logistic`: the logistic distribution, as
`jax.scipy.stats.logistic` (plus `logcdf`)."""
from __future__ import annotations

from typing import Any

from functrans import nn
from functrans import numpy as fnp
from functrans.scipy import _args, special

__all__ = ["cdf", "isf", "logcdf", "logpdf", "pdf", "ppf", "sf"]


def _standardized(fname: str, x: Any, loc: Any, scale: Any) -> tuple:
    x, loc, scale = _args.floats(fname, x, loc, scale)
    return (x - loc) / scale, scale


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the density exp(-y) / (scale (1 + exp(-y))^2), y = (x - loc)/scale, computed as
    log_sigmoid(y) + log_sigmoid(-y) - log(scale) (no overflow in either tail).

    Example:
      >>> from functrans.scipy.stats import logistic
      >>> logistic.logpdf(np.array([0.0, 800.0]))
      array([  -1.38629436, -800.        ])
    """
    y, scale = _standardized("logistic.logpdf", x, loc, scale)
    return nn.log_sigmoid(y) + nn.log_sigmoid(-y) - fnp.log(scale)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The logistic density exp(logpdf(x, loc, scale)).

    Example:
      >>> from functrans.scipy.stats import logistic
      >>> logistic.pdf(np.array([0.0, 2.0]))
      array([0.25      , 0.10499359])
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The logistic CDF expit((x - loc)/scale).

    Example:
      >>> from functrans.scipy.stats import logistic
      >>> logistic.cdf(np.array([0.0, 2.0]))
      array([0.5       , 0.88079708])
    """
    y, _ = _standardized("logistic.cdf", x, loc, scale)
    return nn.sigmoid(y)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the logistic CDF, log_sigmoid((x - loc)/scale).

    Example:
      >>> from functrans.scipy.stats import logistic
      >>> logistic.logcdf(np.array([0.0, -800.0]))
      array([-6.93147181e-01, -8.00000000e+02])
    """
    y, _ = _standardized("logistic.logcdf", x, loc, scale)
    return nn.log_sigmoid(y)


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function expit(-(x - loc)/scale).

    Example:
      >>> from functrans.scipy.stats import logistic
      >>> logistic.sf(np.array([0.0, 2.0]))
      array([0.5       , 0.11920292])
    """
    y, _ = _standardized("logistic.sf", x, loc, scale)
    return nn.sigmoid(-y)


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function loc + scale * logit(q).

    Example:
      >>> from functrans.scipy.stats import logistic
      >>> logistic.ppf(np.array([0.5, 0.75]))
      array([0.        , 1.09861229])
    """
    q, loc, scale = _args.floats("logistic.ppf", q, loc, scale)
    return loc + scale * special.logit(q)


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse survival function loc - scale * logit(q).

    Example:
      >>> from functrans.scipy.stats import logistic
      >>> logistic.isf(np.array([0.5, 0.25]))
      array([0.        , 1.09861229])
    """
    q, loc, scale = _args.floats("logistic.isf", q, loc, scale)
    return loc - scale * special.logit(q)
