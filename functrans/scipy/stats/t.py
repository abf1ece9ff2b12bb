"""`functrans.scipy.stats.t`: Student's t distribution with `df` degrees of freedom, as
`jax.scipy.stats.t` (logpdf and pdf; the CDF needs a derivative of betainc in its shape
arguments, which functrans does not have)."""
from __future__ import annotations

import math
from typing import Any

from functrans import numpy as fnp
from functrans.scipy import _args, special

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the density Gamma((df+1)/2) / (Gamma(df/2) sqrt(df pi) scale)
    (1 + y^2/df)^(-(df+1)/2), y = (x - loc)/scale.

    Example:
      >>> from functrans.scipy.stats import t
      >>> t.logpdf(np.array([0.0, 2.0]), 3.0)
      array([-1.00088885, -2.69548457])
    """
    x, df, loc, scale = _args.floats("t.logpdf", x, df, loc, scale)
    y = (x - loc) / scale
    half = df / 2
    normalizer = (special.gammaln(half) - special.gammaln(half + 0.5)
                  + 0.5 * fnp.log(df * math.pi) + fnp.log(scale))
    return -(normalizer + (half + 0.5) * fnp.log1p(y * y / df))


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The t density exp(logpdf(x, df, loc, scale)).

    Example:
      >>> from functrans.scipy.stats import t
      >>> t.pdf(np.array([0.0, 2.0]), 3.0)
      array([0.3675526 , 0.06750966])
    """
    return fnp.exp(logpdf(x, df, loc, scale))
