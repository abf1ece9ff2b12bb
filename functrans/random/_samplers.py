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

from functrans import core, errors
from functrans import numpy as fnp
from functrans.numpy import _util
from functrans.primitives import bits, comparison, elementwise, random_bits, transcendental
from functrans.random import _keys

__all__ = ["bernoulli", "categorical", "choice", "exponential", "gumbel", "laplace", "logistic",
           "normal", "permutation", "randint", "truncated_normal", "uniform"]


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
    lo_c = bits.nextafter(elementwise.stop_gradient(lo), dt.type(np.inf))
    hi_c = bits.nextafter(elementwise.stop_gradient(hi), dt.type(-np.inf))
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
    if _util.is_deferred(x) or np.ndim(x):
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
        if _util.is_deferred(arr):
            raise errors.ConcretizationError(
                f"{fname}: an integer `a` must be concrete (it fixes the population size); "
                "pass an array to choose from instead.")
        n_inputs = int(arr)
    else:
        axis = _util.canonicalize_axis(axis, aa.ndim, fname)
        n_inputs = aa.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return _util.in_namespace(np.zeros(shape, aa.dtype), arr, key)
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
