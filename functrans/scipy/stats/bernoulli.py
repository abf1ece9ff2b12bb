"""`functrans.scipy.stats.bernoulli`: the Bernoulli distribution with success probability
`p`, as `jax.scipy.stats.bernoulli` (plus `logcdf`). Differentiable in `p`."""
from __future__ import annotations

from typing import Any

from functrans import numpy as fnp
from functrans.scipy import _args, special

__all__ = ["cdf", "logcdf", "logpmf", "pmf", "ppf"]


def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """log p at k - loc == 1, log(1 - p) at 0, -inf elsewhere (as JAX: xlogy(x, p) +
    xlog1py(1 - x, -p) for x = k - loc in [0, 1]).

    Example:
      >>> from functrans.scipy.stats import bernoulli
      >>> bernoulli.logpmf(np.array([0, 1, 2]), 0.25)
      array([-0.28768207, -1.38629436,        -inf])
    """
    k, p, loc = _args.floats("bernoulli.logpmf", k, p, loc)
    x = k - loc
    log_probs = special.xlogy(x, p) + special.xlog1py(1 - x, -p)
    return fnp.where((x < 0) | (x > 1), -fnp.inf, log_probs)


def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """The Bernoulli probability exp(logpmf(k, p, loc)).

    Example:
      >>> from functrans.scipy.stats import bernoulli
      >>> bernoulli.pmf(np.array([0, 1, 2]), 0.25)
      array([0.75, 0.25, 0.  ])
    """
    return fnp.exp(logpmf(k, p, loc))


def cdf(k: Any, p: Any, loc: Any = 0) -> Any:
    """0 below 0, 1 - p on [0, 1), 1 from 1 on (x = k - loc).

    Example:
      >>> from functrans.scipy.stats import bernoulli
      >>> bernoulli.cdf(np.array([-1, 0, 1]), 0.25)
      array([0.  , 0.75, 1.  ])
    """
    k, p, loc = _args.floats("bernoulli.cdf", k, p, loc)
    x = k - loc
    return fnp.where(x < 0, 0, fnp.where(x < 1, 1 - p, 1))


def logcdf(k: Any, p: Any, loc: Any = 0) -> Any:
    """log of the Bernoulli CDF.

    Example:
      >>> from functrans.scipy.stats import bernoulli
      >>> bernoulli.logcdf(np.array([0, 1]), 0.25)
      array([-0.28768207,  0.        ])
    """
    return fnp.log(cdf(k, p, loc))


def ppf(q: Any, p: Any) -> Any:
    """The quantile function: 0 where q <= 1 - p, 1 above; nan outside [0, 1].

    Example:
      >>> from functrans.scipy.stats import bernoulli
      >>> bernoulli.ppf(np.array([0.5, 0.9]), 0.25)
      array([0., 1.])
    """
    q, p = _args.floats("bernoulli.ppf", q, p)
    zero, one = fnp.zeros_like(q), fnp.ones_like(q)
    return fnp.where((q < 0) | (q > 1), fnp.nan, fnp.where(q <= 1 - p, zero, one))
