"""`functrans.scipy.stats.poisson`: the Poisson distribution with mean `mu`, as
`jax.scipy.stats.poisson` (plus `logcdf`). Differentiable in `mu`; `k` is a count."""
from __future__ import annotations

from typing import Any

from functrans import numpy as fnp
from functrans.scipy import _args, special

__all__ = ["cdf", "logcdf", "logpmf", "pmf"]


def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """log(mu^x exp(-mu) / x!), x = k - loc; -inf where x is negative or not an integer.

    Example:
      >>> from functrans.scipy.stats import poisson
      >>> poisson.logpmf(np.array([0, 2]), 1.5)
      array([-1.5       , -1.38221696])
    """
    k, mu, loc = _args.floats("poisson.logpmf", k, mu, loc)
    x = k - loc
    log_probs = special.xlogy(x, mu) - special.gammaln(x + 1) - mu
    return fnp.where((x < 0) | (x != fnp.round(x)), -fnp.inf, log_probs)


def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The Poisson probability exp(logpmf(k, mu, loc)).

    Example:
      >>> from functrans.scipy.stats import poisson
      >>> poisson.pmf(np.array([0, 2]), 1.5)
      array([0.22313016, 0.25102143])
    """
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """P(X <= k - loc) = gammaincc(floor(k - loc) + 1, mu); 0 where k - loc < 0.

    Example:
      >>> from functrans.scipy.stats import poisson
      >>> poisson.cdf(np.array([0, 2]), 1.5)
      array([0.22313016, 0.80884683])
    """
    k, mu, loc = _args.floats("poisson.cdf", k, mu, loc)
    x = fnp.floor(k - loc)
    # gammaincc's first argument is held at a valid value where x < 0 (the result is 0 there).
    return fnp.where(x < 0, 0, special.gammaincc(fnp.maximum(x, 0) + 1, mu))


def logcdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """log of the Poisson CDF.

    Example:
      >>> from functrans.scipy.stats import poisson
      >>> poisson.logcdf(np.array([0, 2]), 1.5)
      array([-1.5       , -0.21214571])
    """
    return fnp.log(cdf(k, mu, loc))
