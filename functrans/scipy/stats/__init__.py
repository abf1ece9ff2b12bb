"""`functrans.scipy.stats`: distributions' `logpdf`/`pdf`/`cdf`/`logcdf`, as `jax.scipy.stats`
(one submodule per distribution: `functrans.scipy.stats.norm.logpdf`, ...)."""
