"""`functrans.scipy.stats.laplace`: the Laplace (double exponential) distribution, as
`jax.scipy.stats.laplace` (plus `logcdf`). At x == loc the density's derivative in x is 0
(that of |y| at 0, a subgradient)."""
from __future__ import annotations

import math
from typing import Any

from functrans import errors
from functrans import numpy as fnp
from functrans.numpy import _util
from functrans.scipy import _args

__all__ = ["cdf", "logcdf", "logpdf", "pdf"]


def _standardized(fname: str, x: Any, loc: Any, scale: Any, real: bool = False) -> tuple:
    x, loc, scale = _args.floats(fname, x, loc, scale)
    if real and _util.aval(x).dtype.kind == "c":
        raise errors.FunctransTypeError(
            f"{fname}: complex values are not supported (the branches compare x with loc); "
            "pass real values.")
    return (x - loc) / scale, scale


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the density exp(-|x - loc|/scale) / (2 scale).

    Example:
      >>> from functrans.scipy.stats import laplace
      >>> laplace.logpdf(np.array([0.0, 2.0]))
      array([-0.69314718, -2.69314718])
    """
    y, scale = _standardized("laplace.logpdf", x, loc, scale)
    return -fnp.abs(y) - fnp.log(2 * scale)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The Laplace density exp(logpdf(x, loc, scale)).

    Example:
      >>> from functrans.scipy.stats import laplace
      >>> laplace.pdf(np.array([0.0, 2.0]))
      array([0.5       , 0.06766764])
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The Laplace CDF: exp(y)/2 below loc, 1 - exp(-y)/2 above, y = (x - loc)/scale.

    Example:
      >>> from functrans.scipy.stats import laplace
      >>> laplace.cdf(np.array([-1.0, 1.0]))
      array([0.18393972, 0.81606028])
    """
    y, _ = _standardized("laplace.cdf", x, loc, scale, real=True)
    # exp(-|y|) in both branches: the branch not taken never overflows (no inf * 0 NaN).
    half_tail = 0.5 * fnp.exp(-fnp.abs(y))
    return fnp.where(y < 0, half_tail, 1 - half_tail)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the Laplace CDF: y - log(2) below loc, log1p(-exp(-y)/2) above.

    Example:
      >>> from functrans.scipy.stats import laplace
      >>> laplace.logcdf(np.array([-800.0, 1.0]))
      array([-8.00693147e+02, -2.03267055e-01])
    """
    y, _ = _standardized("laplace.logcdf", x, loc, scale, real=True)
    return fnp.where(y < 0, -fnp.abs(y) - math.log(2), fnp.log1p(-0.5 * fnp.exp(-fnp.abs(y))))
