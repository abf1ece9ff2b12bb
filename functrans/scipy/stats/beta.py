"""`functrans.scipy.stats.beta`: the beta distribution with shapes `a`, `b` on
[loc, loc + scale], as `jax.scipy.stats.beta`. The CDF and survival function have no
derivative in `a` or `b` (that of `betainc`), which raises FunctransTypeError naming it."""
from __future__ import annotations

from typing import Any

from functrans import numpy as fnp
from functrans.scipy import _args, special

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _log_prob(p: Any, complement: Any) -> Any:
    """log(p), as log1p(-complement) where p is near 1 (where log(p) loses its digits)."""
    # The complement is capped at 1/2 so that the branch not taken stays finite.
    return fnp.where(p < 0.5, fnp.log(p), fnp.log1p(-fnp.minimum(complement, 0.5)))


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the density y^(a-1) (1-y)^(b-1) / (B(a, b) scale), y = (x - loc)/scale; -inf
    outside [loc, loc + scale].

    Example:
      >>> from functrans.scipy.stats import beta
      >>> beta.logpdf(np.array([0.25, 0.5]), 2.0, 3.0)
      array([0.52324814, 0.40546511])
    """
    x, a, b, loc, scale = _args.floats("beta.logpdf", x, a, b, loc, scale)
    y = (x - loc) / scale
    log_linear = special.xlogy(a - 1, y) + special.xlog1py(b - 1, -y)
    log_probs = log_linear - special.betaln(a, b) - fnp.log(scale)
    return fnp.where((x < loc) | (x > loc + scale), -fnp.inf, log_probs)


def pdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The beta density exp(logpdf(x, a, b, loc, scale)).

    Example:
      >>> from functrans.scipy.stats import beta
      >>> beta.pdf(np.array([0.25, 0.5]), 2.0, 3.0)
      array([1.6875, 1.5   ])
    """
    return fnp.exp(logpdf(x, a, b, loc, scale))


def _y(fname: str, x: Any, a: Any, b: Any, loc: Any, scale: Any) -> tuple:
    x, a, b, loc, scale = _args.floats(fname, x, a, b, loc, scale)
    return a, b, fnp.clip((x - loc) / scale, 0, 1)


def cdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The beta CDF betainc(a, b, (x - loc)/scale), clipped to [0, 1].

    Example:
      >>> from functrans.scipy.stats import beta
      >>> beta.cdf(np.array([0.25, 0.5]), 2.0, 3.0)
      array([0.26171875, 0.6875    ])
    """
    a, b, y = _y("beta.cdf", x, a, b, loc, scale)
    return special.betainc(a, b, y)


def logcdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the beta CDF.

    Example:
      >>> from functrans.scipy.stats import beta
      >>> beta.logcdf(np.array([0.25, 0.5]), 2.0, 3.0)
      array([-1.34048483, -0.37469345])
    """
    return _log_prob(cdf(x, a, b, loc, scale), sf(x, a, b, loc, scale))


def sf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function betainc(b, a, 1 - y), y = (x - loc)/scale clipped to [0, 1].

    Example:
      >>> from functrans.scipy.stats import beta
      >>> beta.sf(np.array([0.25, 0.5]), 2.0, 3.0)
      array([0.73828125, 0.3125    ])
    """
    a, b, y = _y("beta.sf", x, a, b, loc, scale)
    return special.betainc(b, a, 1 - y)


def logsf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the survival function.

    Example:
      >>> from functrans.scipy.stats import beta
      >>> beta.logsf(np.array([0.25, 0.5]), 2.0, 3.0)
      array([-0.30343043, -1.16315081])
    """
    return _log_prob(sf(x, a, b, loc, scale), cdf(x, a, b, loc, scale))
