"""`functrans.random`: the samplers built on other samplers: the rejection samplers
(`gamma`, `beta`, `dirichlet`, `poisson`) and `multivariate_normal`.

The rejection samplers run rounds over the whole array in one `lax.while_loop`, with a fresh
key `fold_in(key, round)` per round, until every element has accepted (so they trace, batch
and jit; their streams are not JAX's: no known answer covers them). `gamma`, `beta` and
`dirichlet` are differentiable in their parameters by implicit reparameterization (first
order). `multivariate_normal` is JAX's: `mean + factor @ normal(key, shape + (d,))` with the
Cholesky (default), eigh or SVD factor of `cov`.
"""
from __future__ import annotations

import numpy as np

from functrans import core, custom_derivatives, errors, lax
from functrans import numpy as fnp
from functrans.numpy import _util
from functrans.primitives import elementwise, random_bits
from functrans.random import _keys
from functrans.random._samplers import (
    _check_param_shape,
    _float_dtype,
    _normal,
    _param,
    _shape,
    _uniform,
)

__all__ = ["beta", "dirichlet", "gamma", "multivariate_normal", "poisson"]


# --------------------------------------------------------------------------- rejection samplers


def _rejection(key, shape, dtype, propose, init):
    """Run `propose(key_i, state) -> (values, accepted)` rounds (a fresh key per round,
    `fold_in(key, i)`) until every element has accepted a value; vectorized over `shape`."""
    def cond(carry):
        _, _, done = carry
        return fnp.logical_not(fnp.all(done))

    def body(carry):
        i, out, done = carry
        values, accepted = propose(_keys.fold_in(key, i))
        take = fnp.logical_and(accepted, fnp.logical_not(done))
        return (fnp.add(i, np.int32(1)), fnp.where(take, values, out),
                fnp.logical_or(done, accepted))

    start = (np.int32(0), fnp.broadcast_to(np.asarray(init, dtype), shape),
             np.zeros(shape, bool))
    return lax.while_loop(cond, body, start)[1]


def _gamma_log(key, a, shape, dtype):
    """log of Gamma(a, 1) samples: Marsaglia and Tsang (2000) for a >= 1, boosted for a < 1
    (G(a) = G(a + 1) * U**(1/a), in log space so that tiny a keep their precision)."""
    a_diff = _util.broadcast_to_shape(a, shape)
    a = elementwise.stop_gradient(a_diff)
    boost = fnp.less(a, 1.0)
    a1 = fnp.where(boost, fnp.add(a, 1.0), a)
    d = fnp.subtract(a1, 1.0 / 3.0)
    c = fnp.divide(1.0 / 3.0, fnp.sqrt(d))
    key_loop, key_boost = _keys.split(key)[0], _keys.split(key)[1]

    def propose(k):
        kx, ku = _keys.split(k)[0], _keys.split(k)[1]
        x = _normal(kx, shape, dtype)
        v = fnp.power(fnp.add(1.0, fnp.multiply(c, x)), 3)
        u = _uniform(ku, shape, dtype, 0.0, 1.0)
        ok = fnp.logical_and(
            fnp.greater(v, 0.0),
            fnp.less(fnp.log(u), fnp.add(fnp.multiply(0.5, fnp.square(x)),
                                         fnp.multiply(d, fnp.add(fnp.subtract(1.0, v),
                                                                 fnp.log(fnp.abs(v)))))))
        return fnp.log(fnp.multiply(d, fnp.abs(v))), ok

    log_g = _rejection(key_loop, shape, dtype, propose, 0.0)
    u = _uniform(key_boost, shape, dtype, np.finfo(dtype).tiny, 1.0)
    log_g = fnp.where(boost, fnp.add(log_g, fnp.divide(fnp.log(u), a)), log_g)
    if isinstance(a_diff, core.Tracer):
        return _implicit_log_gamma(a_diff, log_g)
    return log_g


@custom_derivatives.custom_jvp
def _implicit_log_gamma(a, log_x):
    """log_x (log of Gamma(a, 1) samples), differentiable in `a` by implicit
    reparameterization: d log x / d a = (d x / d a) / x with the CDF value held fixed."""
    return log_x


@_implicit_log_gamma.defjvp
def _implicit_log_gamma_jvp(primals, tangents):
    a, log_x = primals
    t_a, _ = tangents   # log_x is computed from stop_gradient(a): its tangent is zero
    x = fnp.exp(log_x)
    return log_x, fnp.multiply(fnp.divide(random_bits.random_gamma_grad(a, x), x), t_a)


def _gamma_param(fname, a, dtype):
    return _param(a, dtype, fname)


def gamma(key, a, shape=None, dtype=None):
    """Gamma(a, 1) samples (Marsaglia and Tsang's rejection method, vectorized).

    Differentiable in `a` by implicit reparameterization (first order).

    Args:
      key: a PRNG key.
      a: the shape parameter(s), positive, broadcastable to `shape`.
      shape: the result shape; default: `a`'s shape.
      dtype: a float dtype; default float64.

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.gamma(random.PRNGKey(0), 2.0, (3,)).shape
      (3,)
    """
    fname = "random.gamma"
    k = _keys.check_key(fname, key)
    dt = _float_dtype(dtype, fname)
    a = _gamma_param(fname, a, dt)
    shape = _util.aval(a).shape if shape is None else _shape(shape, fname)
    _check_param_shape(fname, shape, a)
    return fnp.exp(_gamma_log(k, a, shape, dt))


def beta(key, a, b, shape=None, dtype=None):
    """Beta(a, b) samples, from two gamma samples (in log space).

    Differentiable in `a` and `b` (implicit reparameterization, first order).

    Args:
      key: a PRNG key.
      a: first shape parameter(s), positive.
      b: second shape parameter(s), positive.
      shape: the result shape; default: the broadcast shape of `a` and `b`.
      dtype: a float dtype; default float64.

    Returns:
      An array of `shape` and `dtype` in [0, 1].

    Example:
      >>> from functrans import random
      >>> random.beta(random.PRNGKey(0), 2.0, 3.0, (3,)).shape
      (3,)
    """
    fname = "random.beta"
    k = _keys.check_key(fname, key)
    dt = _float_dtype(dtype, fname)
    a = _gamma_param(fname, a, dt)
    b = _gamma_param(fname, b, dt)
    if shape is None:
        shape = np.broadcast_shapes(_util.aval(a).shape, _util.aval(b).shape)
    shape = _shape(shape, fname)
    _check_param_shape(fname, shape, a, b)
    ka, kb = _keys.split(k)[0], _keys.split(k)[1]
    la = _gamma_log(ka, a, shape, dt)
    lb = _gamma_log(kb, b, shape, dt)
    m = fnp.maximum(la, lb)
    ga = fnp.exp(fnp.subtract(la, m))
    gb = fnp.exp(fnp.subtract(lb, m))
    return fnp.divide(ga, fnp.add(ga, gb))


def dirichlet(key, alpha, shape=None, dtype=None):
    """Dirichlet(alpha) samples along the last axis (normalized log-space gamma samples).

    Differentiable in `alpha` (implicit reparameterization, first order).

    Args:
      key: a PRNG key.
      alpha: concentrations, shape `(..., k)`, positive.
      shape: the batch shape; default: `alpha.shape[:-1]`.
      dtype: a float dtype; default float64.

    Returns:
      An array of shape `shape + (k,)` whose last axis sums to 1.

    Example:
      >>> from functrans import random
      >>> random.dirichlet(random.PRNGKey(0), [1.0, 2.0, 3.0]).shape
      (3,)
    """
    fname = "random.dirichlet"
    k = _keys.check_key(fname, key)
    dt = _float_dtype(dtype, fname)
    alpha = _gamma_param(fname, alpha, dt)
    aa = _util.aval(alpha)
    if aa.ndim < 1:
        raise errors.ShapeError(f"{fname}: `alpha` needs at least one dimension, got shape "
                                f"{aa.shape}.")
    shape = aa.shape[:-1] if shape is None else _shape(shape, fname)
    full = (*shape, aa.shape[-1])
    _check_param_shape(fname, full, alpha)
    lg = _gamma_log(k, alpha, full, dt)
    lg = fnp.subtract(lg, fnp.max(lg, axis=-1, keepdims=True))
    e = fnp.exp(lg)
    return fnp.divide(e, fnp.sum(e, axis=-1, keepdims=True))


def poisson(key, lam, shape=None, dtype=None):
    """Poisson(lam) samples: Knuth's product of uniforms for lam < 10, Hormann's transformed
    rejection (PTRS) above, as JAX; vectorized.

    Args:
      key: a PRNG key.
      lam: the rate(s), non-negative, broadcastable to `shape`.
      shape: the result shape; default: `lam`'s shape.
      dtype: an integer dtype; default int64.

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.poisson(random.PRNGKey(0), 3.0, (3,)).shape
      (3,)
    """
    fname = "random.poisson"
    k = _keys.check_key(fname, key)
    dt = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    lam = elementwise.stop_gradient(_param(lam, np.dtype(np.float64), fname))
    shape = _util.aval(lam).shape if shape is None else _shape(shape, fname)
    _check_param_shape(fname, shape, lam)
    lam = _util.broadcast_to_shape(lam, shape)
    f64 = np.dtype(np.float64)
    small = fnp.less(lam, 10.0)
    k_knuth, k_rej = _keys.split(k)[0], _keys.split(k)[1]

    # Knuth: count uniforms until their running product falls below exp(-lam).
    limit = fnp.exp(fnp.negative(fnp.where(small, lam, 0.0)))

    def knuth_cond(carry):
        _, _, _, done = carry
        return fnp.logical_not(fnp.all(done))

    def knuth_body(carry):
        i, count, prod, done = carry
        u = _uniform(_keys.fold_in(k_knuth, i), shape, f64, 0.0, 1.0)
        prod = fnp.where(done, prod, fnp.multiply(prod, u))
        now_done = fnp.less_equal(prod, limit)
        count = fnp.where(fnp.logical_or(done, now_done), count, fnp.add(count, 1.0))
        return fnp.add(i, np.int32(1)), count, prod, fnp.logical_or(done, now_done)

    knuth = lax.while_loop(knuth_cond, knuth_body,
                           (np.int32(0), np.zeros(shape), np.ones(shape), np.zeros(shape, bool)))[1]

    # PTRS (Hormann 1993) for large rates.
    lam_r = fnp.where(small, 1e4, lam)
    log_lam = fnp.log(lam_r)
    b = fnp.add(0.931, fnp.multiply(2.53, fnp.sqrt(lam_r)))
    a = fnp.add(-0.059, fnp.multiply(0.02483, b))
    inv_alpha = fnp.add(1.1239, fnp.divide(1.1328, fnp.subtract(b, 3.4)))
    v_r = fnp.subtract(0.9277, fnp.divide(3.6224, fnp.subtract(b, 2.0)))

    def propose(key_i):
        ku, kv = _keys.split(key_i)[0], _keys.split(key_i)[1]
        u = fnp.subtract(_uniform(ku, shape, f64, 0.0, 1.0), 0.5)
        v = _uniform(kv, shape, f64, 0.0, 1.0)
        u_shifted = fnp.subtract(0.5, fnp.abs(u))
        kk = fnp.floor(fnp.add(fnp.multiply(fnp.add(fnp.divide(fnp.multiply(2.0, a), u_shifted),
                                                    b), u), fnp.add(lam_r, 0.43)))
        s = fnp.log(fnp.divide(fnp.multiply(v, inv_alpha),
                               fnp.add(fnp.divide(a, fnp.square(u_shifted)), b)))
        # (kk < 0 is rejected below; clamped here so that lgamma stays finite.)
        t = fnp.add(fnp.subtract(fnp.negative(lam_r),
                                 _lgamma(fnp.add(fnp.maximum(kk, 0.0), 1.0))),
                    fnp.multiply(kk, log_lam))
        accept1 = fnp.logical_and(fnp.greater_equal(u_shifted, 0.07),
                                  fnp.less_equal(v, v_r))
        reject = fnp.logical_or(fnp.less(kk, 0.0),
                                fnp.logical_and(fnp.less(u_shifted, 0.013),
                                                fnp.greater(v, u_shifted)))
        accept2 = fnp.less_equal(s, t)
        ok = fnp.logical_or(accept1, fnp.logical_and(fnp.logical_not(reject), accept2))
        return kk, ok

    rej = _rejection(k_rej, shape, f64, propose, 0.0)
    return fnp.astype(fnp.where(small, knuth, rej), dt)


_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)


def _lgamma(x):
    """log Gamma(x) for x >= 1 (Lanczos, g = 7): enough for the Poisson rejection test."""
    z = fnp.subtract(x, 1.0)
    s = _LANCZOS[0]
    for i, c in enumerate(_LANCZOS[1:], start=1):
        s = fnp.add(s, fnp.divide(c, fnp.add(z, float(i))))
    t = fnp.add(z, 7.5)
    return fnp.add(fnp.add(0.91893853320467274, fnp.multiply(fnp.add(z, 0.5), fnp.log(t))),
                   fnp.subtract(fnp.log(s), t))


# --------------------------------------------------------------------------- multivariate normal


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky"):
    """Multivariate normal samples, as `jax.random.multivariate_normal`.

    Args:
      key: a PRNG key.
      mean: `(..., d)` means.
      cov: `(..., d, d)` symmetric positive (semi)definite covariances.
      shape: the batch shape of the result (broadcast with mean's and cov's leading dims);
        default their broadcast.
      dtype: a float dtype; default float64.
      method: 'cholesky' (default), 'eigh' or 'svd': how `cov` is factored (`cov = F Fᵀ`);
        the last two allow singular covariances.

    Returns:
      `mean + F @ z` with z standard normal of shape `shape + (d,)`: reparameterized, so
      differentiable in `mean` and `cov` (through the factorization's rules).

    Example:
      >>> from functrans import random
      >>> random.multivariate_normal(random.PRNGKey(0), np.zeros(2), np.eye(2), (3,)).shape
      (3, 2)
    """
    fname = "random.multivariate_normal"
    k = _keys.check_key(fname, key)
    dtype = _float_dtype(dtype, fname)
    mean, cov = _param(mean, dtype, fname), _param(cov, dtype, fname)
    m_shape, c_shape = _util.aval(mean).shape, _util.aval(cov).shape
    if len(m_shape) < 1 or len(c_shape) < 2 or c_shape[-2:] != (m_shape[-1],) * 2:
        raise errors.FunctransValueError(
            f"{fname}: mean must be (..., d) and cov (..., d, d), got {m_shape} and {c_shape}.")
    try:
        batch = np.broadcast_shapes(m_shape[:-1], c_shape[:-2])
        shape = batch if shape is None else _shape(shape, fname)
        fits = np.broadcast_shapes(shape, batch) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise errors.FunctransValueError(
            f"{fname}: shape {shape} must be a broadcast of mean's {m_shape[:-1]} and cov's "
            f"{c_shape[:-2]} batch shapes.")
    if method == "svd":
        u, s, _ = fnp.linalg.svd(cov)
        factor = u * fnp.sqrt(s)[..., None, :]
    elif method == "eigh":
        w, v = fnp.linalg.eigh(cov)
        factor = v * fnp.sqrt(w)[..., None, :]
    elif method == "cholesky":
        factor = fnp.linalg.cholesky(cov)
    else:
        raise errors.FunctransValueError(
            f"{fname}: method={method!r} must be 'cholesky', 'eigh' or 'svd'.")
    z = _normal(k, tuple(shape) + m_shape[-1:], dtype)
    return mean + fnp.einsum("...ij,...j->...i", factor, z)
