"""`functrans.scipy.stats`: distributions' `logpdf`/`pdf`/`cdf`/`logcdf` (and `sf`, `ppf`,
... where `jax.scipy.stats` has them), as `jax.scipy.stats`: one submodule per distribution
(`functrans.scipy.stats.norm.logpdf`, ...), each a composition of `functrans.scipy.special`
and `functrans.numpy`, differentiable in its continuous arguments. `multivariate_normal` is
not here yet: it needs a Cholesky factorization (issue 13).
"""
from functrans.scipy.stats import (
    bernoulli,
    beta,
    gamma,
    laplace,
    logistic,
    norm,
    poisson,
    t,
    uniform,
)

__all__ = ["bernoulli", "beta", "gamma", "laplace", "logistic", "norm", "poisson", "t",
           "uniform"]
