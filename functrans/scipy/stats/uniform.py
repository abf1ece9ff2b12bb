"""`functrans.scipy.stats.uniform`: the uniform distribution on [loc, loc + scale], as
`jax.scipy.stats.uniform` (plus `logcdf`)."""
from __future__ import annotations

from typing import Any

from functrans import numpy as fnp
from functrans.scipy import _args

__all__ = ["cdf", "logcdf", "logpdf", "pdf", "ppf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """-log(scale) on [loc, loc + scale], -inf outside.

    Example:
      >>> from functrans.scipy.stats import uniform
      >>> uniform.logpdf(np.array([0.5, 3.0]), 0.0, 2.0)
      array([-0.69314718,        -inf])
    """
    x, loc, scale = _args.floats("uniform.logpdf", x, loc, scale)
    inside = (x >= loc) & (x <= loc + scale)
    return fnp.where(inside, -fnp.log(scale), -fnp.inf)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """1/scale on [loc, loc + scale], 0 outside.

    Example:
      >>> from functrans.scipy.stats import uniform
      >>> uniform.pdf(np.array([0.5, 3.0]), 0.0, 2.0)
      array([0.5, 0. ])
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """(x - loc)/scale clipped to [0, 1].

    Example:
      >>> from functrans.scipy.stats import uniform
      >>> uniform.cdf(np.array([-1.0, 0.5, 3.0]), 0.0, 2.0)
      array([0.  , 0.25, 1.  ])
    """
    x, loc, scale = _args.floats("uniform.cdf", x, loc, scale)
    return fnp.clip((x - loc) / scale, 0, 1)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the uniform CDF (-inf below loc).

    Example:
      >>> from functrans.scipy.stats import uniform
      >>> uniform.logcdf(np.array([0.5, 3.0]), 0.0, 2.0)
      array([-1.38629436,  0.        ])
    """
    return fnp.log(cdf(x, loc, scale))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function loc + q * scale on [0, 1], nan outside.

    Example:
      >>> from functrans.scipy.stats import uniform
      >>> uniform.ppf(np.array([0.25, 2.0]), 1.0, 2.0)
      array([1.5, nan])
    """
    q, loc, scale = _args.floats("uniform.ppf", q, loc, scale)
    return fnp.where((q >= 0) & (q <= 1), loc + q * scale, fnp.nan)
