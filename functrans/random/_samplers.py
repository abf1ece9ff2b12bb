"""`functrans.random`: the distributions, built on `bits`.

Each sampler takes a key first and follows `jax.random`'s signature and algorithm, so the
values equal JAX's (x64) bit for bit where JAX's own are deterministic across backends
(`uniform`, `normal`, `randint`, `bernoulli`, `categorical`, `permutation`, `choice`,
`exponential`, `gumbel`, `truncated_normal`, `laplace`, `logistic`): the floating-point
kernels XLA fuses (`fma`, `erf_inv`, `erf`, `log1p`) are primitives that round as XLA does
(functrans/primitives/random_bits.py). `gamma`, `beta`, `dirichlet` and `poisson` use the
same algorithms as JAX (Marsaglia and Tsang; Knuth and transformed rejection) on a
vectorized rejection loop, so they have the right distribution but not JAX's exact values.
The default float dtype is float64 and the default integer dtype int64 (JAX with x64).

Derivatives: samples are differentiable in their parameters where JAX's are, by
reparameterization (`uniform` in `minval`/`maxval`, `truncated_normal` in its bounds, and
any `normal(key) * sigma + mu` written by the user), and `gamma`, `beta`, `dirichlet` in
their shape parameters by implicit reparameterization (as JAX: d x / d a = -(dP/da) / p(x)
with P the gamma CDF, the primitive `random_gamma_grad`; first order only, a second
derivative raises). Keys are integer arrays and carry no tangent (`grad` with respect to a
key raises, naming the argument).
"""
from __future__ import annotations

import math

import numpy as np

from functrans import core, custom_derivatives, errors, lax
from functrans import numpy as fnp
from functrans.numpy import _util
from functrans.primitives import comparison, elementwise, random_bits, transcendental
from functrans.random import _keys

__all__ = ["bernoulli", "beta", "categorical", "choice", "dirichlet", "exponential", "gamma",
           "gumbel", "laplace", "logistic", "normal", "permutation", "poisson", "randint",
           "truncated_normal", "uniform"]


def _float_dtype(dtype, fname: str) -> np.dtype:
    dt = np.dtype(np.float64) if dtype is None else np.dtype(dtype)
    if dt.kind != "f" or dt.itemsize not in (2, 4, 8):
        raise errors.FunctransTypeError(
            f"{fname}: `dtype` must be a float dtype (float16, float32 or float64), got "
            f"{dt.name}.")
    return dt


def _shape(shape, fname: str) -> tuple[int, ...]:
    return _util.normalize_shape(shape, fname)


def _param(x, dtype: np.dtype, fname: str):
    """A parameter as an operand of `dtype` (strongly typed)."""
    return _util.convert(_util.as_operand(x, fname), dtype)


def _check_param_shape(fname: str, shape, *params) -> None:
    for p in params:
        pshape = _util.aval(p).shape
        try:
            out = np.broadcast_shapes(shape, pshape)
        except ValueError:
            out = None
        if out != tuple(shape):
            raise errors.ShapeError(
                f"{fname}: a parameter of shape {pshape} does not broadcast to the requested "
                f"shape {tuple(shape)}; pass shape=None to use the parameters' shape.")


def _unit_floats(key, shape: tuple[int, ...], dtype: np.dtype):
    """floats in [0, 1): the top `nmant` random bits as the mantissa, exactly as JAX."""
    nbits = dtype.itemsize * 8
    nmant = np.finfo(dtype).nmant
    b = _keys.random_bits_(key, nbits, shape)
    ut = b.dtype if isinstance(b, np.ndarray) else core.get_aval(b).dtype
    mant = comparison.floor_divide(b, ut.type(2 ** (nbits - nmant)))
    f = elementwise.convert_element_type(mant, dtype)
    return elementwise.mul(f, dtype.type(2.0 ** -nmant))


def _uniform(key, shape, dtype, minval, maxval):
    f = _unit_floats(key, shape, dtype)
    lo = _param(minval, dtype, "random.uniform")
    hi = _param(maxval, dtype, "random.uniform")
    _check_param_shape("random.uniform", shape, lo, hi)
    span = elementwise.sub(hi, lo) if _util.aval(hi).shape == _util.aval(lo).shape else \
        fnp.subtract(hi, lo)
    span = _util.broadcast_to_shape(span, shape) if _util.aval(span).shape else span
    lo_b = _util.broadcast_to_shape(lo, shape) if _util.aval(lo).shape else lo
    if dtype.itemsize >= 4:
        # XLA fuses u * (maxval - minval) + minval into one fma (README of the known answers).
        r = random_bits.fma(f, span, lo_b)
    else:
        r = elementwise.add(elementwise.mul(f, span), lo_b)
    return fnp.maximum(lo_b, r)


def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0):
    """Uniform samples in `[minval, maxval)`.

    Differentiable in `minval` and `maxval` (the sample is `minval + u * (maxval - minval)`).

    Args:
      key: a PRNG key.
      shape: the result shape; default `()`.
      dtype: a float dtype; default float64.
      minval: lower bound (inclusive), broadcastable to `shape`.
      maxval: upper bound (exclusive), broadcastable to `shape`.

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.uniform(random.PRNGKey(42), (3,))
      array([0.42672757, 0.01501007, 0.57414442])
    """
    k = _keys.check_key("random.uniform", key)
    dt = _float_dtype(dtype, "random.uniform")
    return _uniform(k, _shape(shape, "random.uniform"), dt, minval, maxval)


def _normal(key, shape, dtype):
    lo = np.nextafter(dtype.type(-1.0), dtype.type(0.0))
    u = _uniform(key, shape, dtype, lo, dtype.type(1.0))
    return elementwise.mul(dtype.type(np.sqrt(2)), random_bits.xla_erf_inv(u))


def normal(key, shape=(), dtype=None):
    """Standard normal samples (`sqrt(2) * erfinv(u)`, u uniform in (-1, 1)).

    Reparameterize for other means and scales: `mu + sigma * normal(key, shape)` is
    differentiable in `mu` and `sigma`.

    Args:
      key: a PRNG key.
      shape: the result shape; default `()`.
      dtype: a float dtype; default float64.

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.normal(random.PRNGKey(42), (3,))
      array([-0.18471175, -2.16982456,  0.18693555])
    """
    k = _keys.check_key("random.normal", key)
    return _normal(k, _shape(shape, "random.normal"), _float_dtype(dtype, "random.normal"))


def truncated_normal(key, lower, upper, shape=None, dtype=None):
    """Standard normal samples truncated to `(lower, upper)` (inverse-CDF method).

    Differentiable in `lower` and `upper`.

    Args:
      key: a PRNG key.
      lower: lower bound, broadcastable to `shape`.
      upper: upper bound, broadcastable to `shape`.
      shape: the result shape; default: the broadcast shape of the bounds.
      dtype: a float dtype; default float64.

    Returns:
      An array of `shape` and `dtype` with values in the open interval.

    Example:
      >>> from functrans import random
      >>> random.truncated_normal(random.PRNGKey(42), -1.0, 1.0, (3,))
      array([-0.12571774, -0.95851141,  0.1272219 ])
    """
    fname = "random.truncated_normal"
    k = _keys.check_key(fname, key)
    dt = _float_dtype(dtype, fname)
    lo = _param(lower, dt, fname)
    hi = _param(upper, dt, fname)
    if shape is None:
        shape = np.broadcast_shapes(_util.aval(lo).shape, _util.aval(hi).shape)
    shape = _shape(shape, fname)
    sqrt2 = dt.type(np.sqrt(2))
    a = random_bits.xla_erf(elementwise.div(lo, sqrt2))
    b = random_bits.xla_erf(elementwise.div(hi, sqrt2))
    u = _uniform(k, shape, dt, a, b)
    out = elementwise.mul(sqrt2, random_bits.xla_erf_inv(u))
    lo_c = random_bits.xla_nextafter(elementwise.stop_gradient(lo), dt.type(np.inf))
    hi_c = random_bits.xla_nextafter(elementwise.stop_gradient(hi), dt.type(-np.inf))
    return fnp.clip(out, lo_c, hi_c)


def randint(key, shape, minval, maxval, dtype=None):
    """Uniform integers in `[minval, maxval)` (JAX's algorithm and its slight modulo bias).

    Args:
      key: a PRNG key.
      shape: the result shape.
      minval: lower bound (inclusive), broadcastable to `shape`.
      maxval: upper bound (exclusive), broadcastable to `shape`.
      dtype: an integer dtype; default int64.

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.randint(random.PRNGKey(42), (5,), 0, 10)
      array([5, 8, 3, 1, 5])
    """
    fname = "random.randint"
    k = _keys.check_key(fname, key)
    dt = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    if dt.kind not in "iu":
        raise errors.FunctransTypeError(f"{fname}: `dtype` must be an integer dtype, got "
                                        f"{dt.name}.")
    shape = _shape(shape, fname)
    if dt.itemsize < 4:
        info = np.iinfo(dt)
        lo = fnp.clip(_param(minval, np.dtype(np.int32), fname), int(info.min), int(info.max))
        hi = fnp.clip(_param(maxval, np.dtype(np.int32), fname), int(info.min),
                      int(info.max) + 1)
        return fnp.astype(_randint(k, lo, hi, shape, np.dtype(np.int32)), dt)
    return _randint(k, minval, maxval, shape, dt)


def _clip_convert(x, dtype: np.dtype):
    src = np.iinfo(_util.aval(x).dtype)
    dst = np.iinfo(dtype)
    lo, hi = max(dst.min, src.min), min(dst.max, src.max)
    xt = _util.aval(x).dtype.type
    return fnp.astype(fnp.clip(x, xt(lo), xt(hi)), dtype)


def _randint(key, minval, maxval, shape, dtype):
    fname = "random.randint"
    lo = _util.as_operand(minval, fname)
    hi = _util.as_operand(maxval, fname)
    lo = lo if _util.aval(lo).dtype.kind in "iu" else fnp.astype(lo, np.int64)
    hi = hi if _util.aval(hi).dtype.kind in "iu" else fnp.astype(hi, np.int64)
    lo = _util.convert(lo, _util.aval(lo).dtype)   # Python ints: strongly typed int64
    hi = _util.convert(hi, _util.aval(hi).dtype)
    _check_param_shape(fname, shape, lo, hi)
    hi_dt = _util.aval(hi).dtype
    dmax = np.iinfo(dtype).max
    hmax = np.iinfo(hi_dt).max
    out_of_range = fnp.greater(hi, hi_dt.type(min(dmax, hmax)))
    lo = _clip_convert(lo, dtype)
    hi = _clip_convert(hi, dtype)
    lo = _util.broadcast_to_shape(lo, shape)
    hi = _util.broadcast_to_shape(hi, shape)
    out_of_range = _util.broadcast_to_shape(out_of_range, shape)
    nbits = dtype.itemsize * 8
    k1, k2 = _keys.split(key)
    higher = _keys.random_bits_(k1, nbits, shape)
    lower = _keys.random_bits_(k2, nbits, shape)
    udt = np.dtype(f"uint{nbits}")
    span = elementwise.convert_element_type(elementwise.sub(hi, lo), udt)
    span = fnp.where(fnp.less_equal(hi, lo), udt.type(1), span)
    span = fnp.where(fnp.logical_and(out_of_range, fnp.greater(hi, lo)),
                     elementwise.add(span, udt.type(1)), span)
    half = _util.broadcast_to_shape(udt.type(2 ** (nbits // 2)), shape)
    multiplier = comparison.rem(half, span)
    multiplier = comparison.rem(elementwise.mul(multiplier, multiplier), span)
    offset = elementwise.add(elementwise.mul(comparison.rem(higher, span), multiplier),
                             comparison.rem(lower, span))
    offset = comparison.rem(offset, span)
    return elementwise.add(lo, elementwise.convert_element_type(offset, dtype))


def bernoulli(key, p=0.5, shape=None, mode=None):
    """Bernoulli samples: True with probability `p`.

    Args:
      key: a PRNG key.
      p: the probability of True, broadcastable to `shape`.
      shape: the result shape; default: `p`'s shape.
      mode: 'low' (default: one uniform, p resolved to 2**-nmant) or 'high' (two uniforms,
        for tiny p).

    Returns:
      A bool array.

    Example:
      >>> from functrans import random
      >>> random.bernoulli(random.PRNGKey(42), 0.5, (4,))
      array([ True,  True, False, False])
    """
    fname = "random.bernoulli"
    k = _keys.check_key(fname, key)
    p = _util.to_inexact(_util.as_operand(p, fname))
    dt = _util.aval(p).dtype
    p = _util.convert(p, dt)
    shape = _util.aval(p).shape if shape is None else _shape(shape, fname)
    _check_param_shape(fname, shape, p)
    if _mode(mode, fname) == "high":
        both = _uniform(k, (2, *shape), dt, 0.0, 1.0)
        u2 = fnp.multiply(both[1], dt.type(2.0 ** -np.finfo(dt).nmant))
        return fnp.less(u2, fnp.subtract(p, both[0]))
    return fnp.less(_uniform(k, shape, dt, 0.0, 1.0), p)


def _mode(mode, fname: str) -> str:
    if mode is None:
        return "low"
    if mode not in ("low", "high"):
        raise errors.FunctransValueError(
            f"{fname}: `mode` must be 'low' or 'high' (or None for 'low'), got {mode!r}.")
    return mode


def _gumbel(key, shape, dtype, mode="low"):
    if mode == "high":
        # Two uniforms make one with 2 * nmant random bits below 0.5 (JAX's 'high' mode).
        nmant = np.finfo(dtype).nmant
        both = _uniform(key, (2, *shape), dtype, 0.0, 1.0)
        high, low = both[0], both[1]
        x = fnp.where(fnp.greater_equal(high, 0.5), high,
                      fnp.add(fnp.add(high, fnp.multiply(dtype.type(2.0 ** -nmant), low)),
                              dtype.type(max(2.0 ** -(2 * nmant + 1), np.finfo(dtype).tiny))))
        return fnp.negative(fnp.log(fnp.negative(random_bits.xla_log1p(fnp.negative(x)))))
    u = _uniform(key, shape, dtype, np.finfo(dtype).tiny, 1.0)
    return fnp.negative(fnp.log(fnp.negative(fnp.log(u))))


def gumbel(key, shape=(), dtype=None, mode=None):
    """Standard Gumbel samples, `-log(-log(u))`.

    Args:
      key: a PRNG key.
      shape: the result shape; default `()`.
      dtype: a float dtype; default float64.
      mode: 'low' (default) or 'high' (twice the random bits near 0, for far tails).

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.gumbel(random.PRNGKey(42), (2,))
      array([ 0.16062721, -1.4348545 ])
    """
    k = _keys.check_key("random.gumbel", key)
    return _gumbel(k, _shape(shape, "random.gumbel"), _float_dtype(dtype, "random.gumbel"),
                   _mode(mode, "random.gumbel"))


def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None):
    """Samples of category indices from unnormalized log-probabilities (the Gumbel-max trick).

    Args:
      key: a PRNG key.
      logits: log-probabilities (up to a constant) along `axis`.
      axis: the axis of the categories; default -1.
      shape: the result shape, ending with the batch shape of `logits` (its shape without
        `axis`); default: that batch shape.
      replace: sample with replacement (True) or without (distinct categories, along a
        leading axis of `shape`).
      mode: the Gumbel sampler's mode, 'low' (default) or 'high'.

    Returns:
      An int64 array of indices.

    Example:
      >>> import numpy as np
      >>> from functrans import random
      >>> random.categorical(random.PRNGKey(0), np.log([0.1, 0.2, 0.7]), shape=(5,))
      array([2, 2, 2, 1, 1])
    """
    fname = "random.categorical"
    k = _keys.check_key(fname, key)
    mode = _mode(mode, fname)
    logits = _util.to_inexact(_util.as_operand(logits, fname))
    la = _util.aval(logits)
    logits = _util.convert(logits, la.dtype)
    axis = _util.canonicalize_axis(axis, la.ndim, fname)
    batch_shape = tuple(n for i, n in enumerate(la.shape) if i != axis)
    if shape is None:
        shape = batch_shape
    shape = _shape(shape, fname)
    if shape[len(shape) - len(batch_shape):] != batch_shape:
        raise errors.ShapeError(
            f"{fname}: `shape` {shape} must end with the batch shape {batch_shape} of the "
            f"logits (their shape {la.shape} without axis {axis}).")
    prefix = shape[:len(shape) - len(batch_shape)]
    if replace:
        logits_shape = list(batch_shape)
        logits_shape.insert(axis, la.shape[axis])
        g = _gumbel(k, (*prefix, *logits_shape), la.dtype, mode)
        expanded = fnp.reshape(logits, (1,) * len(prefix) + la.shape)
        return fnp.argmax(fnp.add(g, expanded), axis=len(prefix) + axis)
    n = math.prod(prefix)
    if n > la.shape[axis]:
        raise errors.FunctransValueError(
            f"{fname}: {n} samples without replacement exceed the {la.shape[axis]} "
            "categories.")
    perturbed = fnp.moveaxis(fnp.add(logits, _gumbel(k, la.shape, la.dtype, mode)), axis, -1)
    order = fnp.argsort(fnp.negative(perturbed), axis=-1, kind="stable")
    top = order[..., :n]
    return fnp.reshape(fnp.moveaxis(top, -1, 0), shape)


def _shuffle(key, x, axis: int):
    size = _util.aval(x).size
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        keys = _keys.split(key)
        key, subkey = keys[0], keys[1]
        sort_keys = _keys.random_bits_(subkey, 32, _util.aval(x).shape)
        order = fnp.argsort(sort_keys, axis=axis, kind="stable")
        x = fnp.take_along_axis(x, order, axis=axis)
    return x


def permutation(key, x, axis=0, independent=False):
    """A random permutation of `arange(x)` (an integer `x`) or of `x` along `axis`.

    Args:
      key: a PRNG key.
      x: an integer, or an array to shuffle.
      axis: the axis to shuffle; default 0.
      independent: shuffle each slice along `axis` independently.

    Returns:
      The shuffled array (int64 for an integer `x`).

    Example:
      >>> from functrans import random
      >>> random.permutation(random.PRNGKey(42), 5)
      array([4, 2, 3, 0, 1])
    """
    fname = "random.permutation"
    k = _keys.check_key(fname, key)
    if isinstance(x, core.Tracer) or np.ndim(x):
        arr = _util.as_operand(x, fname)
        ax = _util.canonicalize_axis(axis, _util.aval(arr).ndim, fname)
        if independent or _util.aval(arr).ndim == 1:
            return _shuffle(k, arr, ax)
        idx = _shuffle(k, np.arange(_util.aval(arr).shape[ax]), 0)
        return fnp.take(arr, idx, axis=ax)
    if np.asarray(x).dtype.kind not in "iu":
        raise errors.FunctransTypeError(
            f"{fname}: `x` must be an integer or an array of at least one dimension, got "
            f"{x!r}.")
    return _shuffle(k, np.arange(int(x)), 0)


def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None):
    """Random samples from the elements of `a` (or from `arange(a)` for an integer).

    Args:
      key: a PRNG key.
      a: an integer or an array.
      shape: the shape of the draws; default `()`.
      replace: with replacement (default) or without.
      p: probabilities of the entries along `axis` (uniform when None).
      axis: the axis of `a` to choose along.
      mode: the Gumbel sampler's mode (`p` given, without replacement): 'low' or 'high'.

    Returns:
      The samples: `a`'s shape with `axis` replaced by `shape`.

    Example:
      >>> from functrans import random
      >>> random.choice(random.PRNGKey(42), 10, (4,))
      array([5, 8, 3, 1])
    """
    fname = "random.choice"
    k = _keys.check_key(fname, key)
    mode = _mode(mode, fname)
    shape = _shape(shape, fname)
    arr = _util.as_operand(a, fname)
    aa = _util.aval(arr)
    if aa.ndim == 0:
        if isinstance(arr, core.Tracer):
            raise errors.ConcretizationError(
                f"{fname}: an integer `a` must be concrete (it fixes the population size); "
                "pass an array to choose from instead.")
        n_inputs = int(arr)
    else:
        axis = _util.canonicalize_axis(axis, aa.ndim, fname)
        n_inputs = aa.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return np.zeros(shape, aa.dtype)
    if n_inputs <= 0:
        raise errors.FunctransValueError(f"{fname}: `a` must be greater than 0 unless no "
                                         "samples are taken.")
    if not replace and n_draws > n_inputs:
        raise errors.FunctransValueError(
            f"{fname}: cannot take {n_draws} samples from {n_inputs} without replacement.")
    if p is None:
        if replace:
            ind = randint(k, shape, 0, n_inputs)
            result = ind if aa.ndim == 0 else fnp.take(arr, ind, axis=axis)
        else:
            perm = permutation(k, n_inputs if aa.ndim == 0 else arr, axis)
            result = fnp.take(perm, np.arange(n_draws), axis=0 if aa.ndim == 0 else axis)
    else:
        pa = _util.to_inexact(_util.as_operand(p, fname))
        if _util.aval(pa).shape != (n_inputs,):
            raise errors.ShapeError(
                f"{fname}: `p` must be None or a vector of length {n_inputs} (a.shape[axis]), "
                f"got shape {_util.aval(pa).shape}.")
        pdt = _util.aval(pa).dtype
        pa = _util.convert(pa, pdt)
        if replace:
            cum = fnp.cumsum(pa)
            r = fnp.multiply(cum[-1], fnp.subtract(1, _uniform(k, shape, pdt, 0.0, 1.0)))
            # searchsorted(cum, r, side='left'): how many cumulative sums are below r.
            ind = fnp.sum(fnp.less(cum, fnp.expand_dims(r, -1)), axis=-1)
        else:
            g = fnp.add(_gumbel(k, (n_inputs,), pdt, mode), fnp.log(pa))
            ind = fnp.argsort(fnp.negative(g), kind="stable")[:n_draws]
        result = ind if aa.ndim == 0 else fnp.take(arr, ind, axis=axis)
    out_shape = shape if aa.ndim == 0 else aa.shape[:axis] + shape + aa.shape[axis + 1:]
    return fnp.reshape(result, out_shape)


def exponential(key, shape=(), dtype=None):
    """Standard exponential samples, `-log1p(-u)`.

    Args:
      key: a PRNG key.
      shape: the result shape; default `()`.
      dtype: a float dtype; default float64.

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.exponential(random.PRNGKey(42), (2,))
      array([0.55639422, 0.01512386])
    """
    k = _keys.check_key("random.exponential", key)
    dt = _float_dtype(dtype, "random.exponential")
    u = _uniform(k, _shape(shape, "random.exponential"), dt, 0.0, 1.0)
    return elementwise.neg(random_bits.xla_log1p(elementwise.neg(u)))


def laplace(key, shape=(), dtype=None):
    """Standard Laplace samples (inverse CDF).

    Args:
      key: a PRNG key.
      shape: the result shape; default `()`.
      dtype: a float dtype; default float64.

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.laplace(random.PRNGKey(42), (2,)).shape
      (2,)
    """
    k = _keys.check_key("random.laplace", key)
    dt = _float_dtype(dtype, "random.laplace")
    u = _uniform(k, _shape(shape, "random.laplace"), dt, -1.0 + np.finfo(dt).epsneg, 1.0)
    return elementwise.mul(comparison.sign(u),
                           random_bits.xla_log1p(elementwise.neg(transcendental.abs(u))))


def logistic(key, shape=(), dtype=None):
    """Standard logistic samples, `log(u) - log1p(-u)`.

    Args:
      key: a PRNG key.
      shape: the result shape; default `()`.
      dtype: a float dtype; default float64.

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.logistic(random.PRNGKey(42), (2,)).shape
      (2,)
    """
    k = _keys.check_key("random.logistic", key)
    dt = _float_dtype(dtype, "random.logistic")
    x = _uniform(k, _shape(shape, "random.logistic"), dt, np.finfo(dt).tiny, 1.0)
    return elementwise.sub(transcendental.log(x), random_bits.xla_log1p(elementwise.neg(x)))


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
