"""`functrans.scipy.stats.gamma`: the gamma distribution with shape `a`, as
`jax.scipy.stats.gamma`. The CDF and survival function have no derivative in `a` (that of
`gammainc`), which raises FunctransTypeError naming it."""
from __future__ import annotations

from typing import Any

from functrans import numpy as fnp
from functrans.scipy import _args, special

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _log_prob(p: Any, complement: Any) -> Any:
    """log(p), as log1p(-complement) where p is near 1 (where log(p) loses its digits)."""
    # The complement is capped at 1/2 so that the branch not taken stays finite.
    return fnp.where(p < 0.5, fnp.log(p), fnp.log1p(-fnp.minimum(complement, 0.5)))


def logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the density y^(a-1) exp(-y) / (Gamma(a) scale), y = (x - loc)/scale; -inf below
    loc.

    Example:
      >>> from functrans.scipy.stats import gamma
      >>> gamma.logpdf(np.array([0.5, 2.0]), 2.0)
      array([-1.19314718, -1.30685282])
    """
    x, a, loc, scale = _args.floats("gamma.logpdf", x, a, loc, scale)
    y = (x - loc) / scale
    log_probs = special.xlogy(a - 1, y) - y - special.gammaln(a) - fnp.log(scale)
    return fnp.where(x < loc, -fnp.inf, log_probs)


def pdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The gamma density exp(logpdf(x, a, loc, scale)).

    Example:
      >>> from functrans.scipy.stats import gamma
      >>> gamma.pdf(np.array([0.5, 2.0]), 2.0)
      array([0.30326533, 0.27067057])
    """
    return fnp.exp(logpdf(x, a, loc, scale))


def _y(fname: str, x: Any, a: Any, loc: Any, scale: Any) -> tuple:
    x, a, loc, scale = _args.floats(fname, x, a, loc, scale)
    return a, fnp.maximum((x - loc) / scale, 0)


def cdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The gamma CDF gammainc(a, (x - loc)/scale), 0 below loc.

    Example:
      >>> from functrans.scipy.stats import gamma
      >>> gamma.cdf(np.array([0.5, 2.0]), 2.0)
      array([0.09020401, 0.59399415])
    """
    return special.gammainc(*_y("gamma.cdf", x, a, loc, scale))


def logcdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the gamma CDF.

    Example:
      >>> from functrans.scipy.stats import gamma
      >>> gamma.logcdf(np.array([0.5, 2.0]), 2.0)
      array([-2.40568139, -0.52088581])
    """
    return _log_prob(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def sf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function gammaincc(a, (x - loc)/scale), 1 below loc.

    Example:
      >>> from functrans.scipy.stats import gamma
      >>> gamma.sf(np.array([0.5, 2.0]), 2.0)
      array([0.90979599, 0.40600585])
    """
    return special.gammaincc(*_y("gamma.sf", x, a, loc, scale))


def logsf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the survival function.

    Example:
      >>> from functrans.scipy.stats import gamma
      >>> gamma.logsf(np.array([0.5, 2.0]), 2.0)
      array([-0.09453489, -0.90138771])
    """
    return _log_prob(sf(x, a, loc, scale), cdf(x, a, loc, scale))
