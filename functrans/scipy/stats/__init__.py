"""`functrans.scipy.stats`: distributions' `logpdf`/`pdf`/`cdf`/`logcdf` (and `sf`, `ppf`,
... where `jax.scipy.stats` has them), as `jax.scipy.stats`: one submodule per distribution
(`functrans.scipy.stats.norm.logpdf`, ...), each a composition of `functrans.scipy.special`
and `functrans.numpy` (`multivariate_normal` of the Cholesky and triangular-solve
primitives), differentiable in its continuous arguments.
"""
from functrans.scipy.stats import (
    bernoulli,
    beta,
    gamma,
    laplace,
    logistic,
    multivariate_normal,
    norm,
    poisson,
    t,
    uniform,
)

__all__ = ["bernoulli", "beta", "gamma", "laplace", "logistic", "multivariate_normal", "norm",
           "poisson", "t", "uniform"]
