"""functrans.numpy: quantiles (issue 12): `quantile`, `percentile`, `median` and their nan
versions, with all thirteen of NumPy's methods.

A quantile is read off the sorted lanes (the `sort` primitive; its derivative follows the
sort permutation, so each order statistic takes the tangent of the input entry the stable
sort puts there). The method turns `q` and the lane's count n into NumPy's virtual index:
the discrete methods ('lower', 'higher', 'nearest', 'inverted_cdf', 'closest_observation')
take one order statistic, in the input's dtype; the others interpolate two with NumPy's
two-sided `_lerp`, in NumPy's order of operations, so results equal NumPy's to the last bit.
`q` may be traced (as in JAX): then nothing checks its range, and the continuous methods are
differentiable in it through the interpolation weight. The nan versions work on each lane's
count of non-NaN entries, a traced per-lane value. Owns no primitive.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from functrans import errors
from functrans.numpy import _ufuncs, _util
from functrans.primitives import elementwise, sorting
from functrans.primitives import shape as shape_prims

__all__ = [
    "median", "nanmedian", "nanpercentile", "nanquantile", "percentile", "quantile",
]


@dataclasses.dataclass(frozen=True)
class _Method:
    """How a method reads a lane: its virtual index from (n, q), and either a discrete rule
    (virtual index -> one integer index) or a fix of the interpolation weight. Each takes
    the array namespace first: NumPy for concrete indices, functrans.numpy for traced ones."""

    virtual_index: Callable
    discrete: Callable | None = None
    fix_gamma: Callable | None = None


def _hyndman_fan(alpha: float, beta: float) -> Callable:
    # NumPy's _compute_virtual_index, in its order of operations.
    return lambda xp, n, q: xp.subtract(xp.add(
        xp.multiply(n, q),
        xp.add(alpha, xp.multiply(q, 1 - alpha - beta))), 1)


def _linear_index(xp, n, q):
    # n - 1 stays a Python int (weak) when n is one, as in NumPy's `(n - 1) * quantiles`.
    return xp.multiply(n - 1 if isinstance(n, int) else xp.subtract(n, 1), q)


def _to_boundary(condition: Callable) -> Callable:
    """NumPy's discrete rule: floor(index) where `condition(gamma, index)`, else the next
    index; negative results clipped to 0."""
    def rule(xp, index):
        prev = xp.floor(index)
        gamma = xp.subtract(index, prev)
        res = xp.where(condition(xp, gamma, index), prev, xp.add(prev, 1))
        return xp.maximum(res, 0)
    return rule


_METHODS = {
    "inverted_cdf": _Method(lambda xp, n, q: xp.subtract(xp.multiply(n, q), 1),
                            discrete=_to_boundary(lambda xp, g, i: xp.equal(g, 0))),
    "averaged_inverted_cdf": _Method(
        lambda xp, n, q: xp.subtract(xp.multiply(n, q), 1),
        fix_gamma=lambda xp, g, i: xp.where(xp.equal(g, 0), 0.5, 1.0)),
    "closest_observation": _Method(
        lambda xp, n, q: xp.subtract(xp.subtract(xp.multiply(n, q), 1), 0.5),
        discrete=_to_boundary(lambda xp, g, i: xp.logical_and(
            xp.equal(g, 0), xp.equal(xp.remainder(xp.floor(i), 2), 1)))),
    "interpolated_inverted_cdf": _Method(_hyndman_fan(0.0, 1.0)),
    "hazen": _Method(_hyndman_fan(0.5, 0.5)),
    "weibull": _Method(_hyndman_fan(0.0, 0.0)),
    "linear": _Method(_linear_index),
    "median_unbiased": _Method(_hyndman_fan(1 / 3.0, 1 / 3.0)),
    "normal_unbiased": _Method(_hyndman_fan(3 / 8.0, 3 / 8.0)),
    "lower": _Method(_linear_index, discrete=lambda xp, i: xp.floor(i)),
    "higher": _Method(_linear_index, discrete=lambda xp, i: xp.ceil(i)),
    "midpoint": _Method(
        lambda xp, n, q: xp.multiply(0.5, xp.add(xp.floor(_linear_index(xp, n, q)),
                                                       xp.ceil(_linear_index(xp, n, q)))),
        fix_gamma=lambda xp, g, i: xp.where(xp.equal(xp.remainder(i, 1), 0),
                                             0.0, 0.5)),
    "nearest": _Method(_linear_index, discrete=lambda xp, i: xp.round(i)),
}


# --------------------------------------------------------------------------- helpers


def _lanes(fname: str, a, axis):
    """`a` with the reduced axes moved last and merged: (x, kept shape, axes, input shape)."""
    aval = _util.aval(a)
    axes = _util.canonicalize_axes(axis, aval.ndim, fname)
    kept = tuple(d for d in range(aval.ndim) if d not in axes)
    kept_shape = tuple(aval.shape[d] for d in kept)
    n = _util.prod([aval.shape[d] for d in axes])
    x = shape_prims.transpose(a, kept + axes) if kept + axes != tuple(range(aval.ndim)) else a
    return shape_prims.reshape(x, (*kept_shape, n)), kept_shape, axes, aval.shape


def _bcast(x, shape):
    """A per-lane value (shape[:-1]) broadcast along a new last axis."""
    return shape_prims.broadcast_in_dim(x, shape, tuple(range(len(shape) - 1)))


def _const(value, shape, dtype):
    return np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype), shape))


def _take(s, index, shape):
    """The entries of the sorted lanes `s` at integer-valued float `index` (of `shape`)."""
    return sorting.take_along_axis(s, _util.convert(index, np.dtype(np.int64)), len(shape) - 1)


def _q_operand(fname: str, q, scale: float):
    """`q / scale` as an array of its float dtype; whether NumPy treats it as weak."""
    if _util.any_deferred(q):
        q = _util.to_inexact(_util.as_array(q, fname))
        return (q if scale == 1.0 else _ufuncs.true_divide(q, scale)), False
    weak = type(q) in (int, float)     # NumPy's test for a weakly typed q
    qa = np.asarray(q)
    if qa.dtype.kind not in "fiub":
        raise errors.FunctransTypeError(f"{fname}: q must be real numbers, got {qa.dtype}.")
    qa = qa.astype(np.float64) if qa.dtype.kind != "f" else qa
    if scale != 1.0:
        qa = np.true_divide(qa, scale)
    if not np.all((qa >= 0) & (qa <= 1)):
        what = "percentiles must be in the range [0, 100]" if scale != 1.0 else \
            "quantiles must be in the range [0, 1]"
        raise errors.FunctransValueError(f"{fname}: {what}.")
    return qa, weak


def _lerp(va, vb, gamma, dtype: np.dtype):
    """NumPy's `_lerp`: `a + (b - a) t` below t = 0.5 and `b - (b - a)(1 - t)` from it."""
    diff = _util.convert(elementwise.sub(vb, va), dtype)
    low = _ufuncs.add(_util.convert(va, dtype), _ufuncs.multiply(diff, _util.convert(gamma, dtype)))
    high = _ufuncs.subtract(_util.convert(vb, dtype), _ufuncs.multiply(
        diff, _util.convert(_ufuncs.subtract(1, gamma), dtype)))
    return _ufuncs.where(_ufuncs.greater_equal(gamma, 0.5), high, low)


def _interpolate(xp, spec: _Method, s, vi, count, shape, dtype):
    """The continuous methods: NumPy's neighbouring indices of `vi` (clamped to the lane's
    `count` valid entries) and the interpolation between them."""
    last = xp.maximum(xp.subtract(count, 1), 0)  # an all-NaN lane: any index
    prev = xp.floor(vi)
    above = xp.logical_or(xp.greater_equal(vi, xp.subtract(count, 1)),
                               xp.isnan(vi))
    below = xp.less(vi, 0)
    nxt = xp.where(below, 0, xp.where(above, last, xp.add(prev, 1)))
    prev = xp.where(below, 0, xp.where(above, last, prev))
    gamma = xp.subtract(vi, prev)
    if spec.fix_gamma is not None:
        gamma = _util.convert(spec.fix_gamma(xp, gamma, vi), _util.aval(vi).dtype)
    return _lerp(_take(s, prev, shape), _take(s, nxt, shape), gamma, dtype)


def _discrete(xp, spec: _Method, s, vi, count, shape):
    """The discrete methods' order statistic, its index clamped to the lane's valid entries
    (only a traced q can leave [0, 1]: it then reads the nearest end, as the continuous
    methods do); a NaN q gives NaN."""
    index = xp.clip(spec.discrete(xp, vi), 0, xp.maximum(xp.subtract(count, 1), 0))
    bad_q = xp.isnan(vi)
    out = _take(s, xp.where(bad_q, 0, index), shape)
    if xp is np and not np.any(bad_q):
        return out
    if _util.aval(out).dtype.kind != "f":
        return out   # an integer result has no NaN to give (NumPy raises on a NaN q)
    return _ufuncs.where(bad_q, np.nan, out)


def _median(s, count, n: int, shape, nan: bool):
    """The mean of the two middle order statistics (NumPy's `mean` of them)."""
    if nan:
        lo = _ufuncs.maximum(_ufuncs.floor_divide(_ufuncs.subtract(count, 1), 2), 0)
        hi = _ufuncs.minimum(_ufuncs.maximum(_ufuncs.floor_divide(count, 2), 0), n - 1)
    else:
        lo, hi = _const((n - 1) // 2, shape, np.int64), _const(n // 2, shape, np.int64)
    va, vb = _take(s, lo, shape), _take(s, hi, shape)
    dtype = _util.aval(s).dtype
    return elementwise.div(elementwise.add(va, vb), _const(2, shape, dtype))


# --------------------------------------------------------------------------- the one routine


def _quantile(fname: str, a, q, axis, method: str, keepdims: bool, *, nan: bool,
              median: bool = False, scale: float = 1.0):
    """Every public function of this module: sort the lanes, read the method's order
    statistics (or interpolate), mark NaN lanes, arrange the result as NumPy's."""
    spec = _METHODS.get(method)
    if spec is None:
        raise errors.FunctransValueError(
            f"{fname}: {method!r} is not a valid method; use one of {sorted(_METHODS)}.")
    a = _util.as_array(a, fname)
    aval = _util.aval(a)
    if aval.dtype.kind not in "fiu":
        raise errors.FunctransTypeError(
            f"{fname}: expected a real numeric array, got dtype {aval.dtype.name}.")
    qa, weak_q = (np.asarray(0.5), True) if median else _q_operand(fname, q, scale)
    q_aval = _util.aval(qa)
    discrete = spec.discrete is not None and not median
    # NumPy's result dtype: the input's for a discrete method; else its float dtype, promoted
    # with q's unless q is a Python number.
    base = aval.dtype if (aval.dtype.kind == "f" or discrete) else np.dtype(np.float64)
    dtype = base if (median or weak_q or discrete) else np.result_type(base, q_aval.dtype)
    x, kept_shape, axes, in_shape = _lanes(fname, a, axis)
    n = _util.aval(x).shape[-1]
    if n == 0 and not median:
        raise errors.FunctransValueError(
            f"{fname}: cannot take a quantile of an empty lane (shape {in_shape}, axis={axis}).")
    k = 1 if median else q_aval.size
    shape = (*kept_shape, k)
    s = sorting.sort(_util.convert(x, base), -1)
    if n == 0:
        out = _const(np.nan, shape, dtype)
    else:
        count = n
        if nan:
            valid = _ufuncs.logical_not(_ufuncs.isnan(s))
            count = _bcast(_util.convert(shape_prims.reduce_sum(
                _util.convert(valid, np.dtype(np.int64)), (len(shape) - 1,)),
                q_aval.dtype if q_aval.dtype.kind == "f" else np.dtype(np.float64)), shape)
        if median:
            out = _median(s, count, n, shape, nan)
        else:
            qb = _bcast_q(qa, shape)
            # The index arithmetic runs in NumPy when q and the counts are concrete (no
            # equations, no tracing cost), in functrans.numpy when either is traced (or foreign:
            # not read on the host).
            xp = _ufuncs if _util.any_deferred(count, qb) else np
            vi = spec.virtual_index(xp, count, qb)
            if discrete:
                out = _discrete(xp, spec, s, vi, count, shape)
            else:
                out = _interpolate(xp, spec, s, vi, count, shape, dtype)
        out = _mark_nans(s, out, count, n, shape, nan)
    return _util.in_namespace(_arrange(out, shape, kept_shape, axes, in_shape, keepdims,
                                       () if median else q_aval.shape), a, qa)


def _bcast_q(qa, shape):
    k = shape[-1]
    flat = shape_prims.reshape(qa, (k,)) if _util.is_deferred(qa) else qa.reshape(k)
    if _util.is_deferred(flat):
        return shape_prims.broadcast_in_dim(flat, shape, (len(shape) - 1,))
    return _const(flat, shape, flat.dtype)


def _mark_nans(s, out, count, n: int, shape, nan: bool):
    """NaN where a lane holds a NaN (nan=False) or holds nothing else (nan=True)."""
    dtype = _util.aval(out).dtype
    if dtype.kind != "f" or _util.aval(s).dtype.kind != "f":
        return out
    if nan:
        hole = _ufuncs.equal(count, 0)
    else:
        hole = _ufuncs.isnan(_take(s, _const(n - 1, shape, np.int64), shape))
    return _ufuncs.where(hole, _const(np.nan, shape, dtype), out)


def _arrange(out, shape, kept_shape, axes, in_shape, keepdims: bool, qshape):
    """(*kept, k) -> q.shape + kept shape (+ size-1 reduced axes with keepdims)."""
    out_kept = tuple(1 if d in axes else in_shape[d] for d in range(len(in_shape))) if (
        keepdims) else kept_shape
    if len(qshape):
        out = shape_prims.transpose(out, (len(shape) - 1, *range(len(shape) - 1)))
    return shape_prims.reshape(out, (*qshape, *out_kept))


# --------------------------------------------------------------------------- public functions


_ARGS_DOC = """
    Args:
      a: an array, traced value or Python scalar (real).
      q: {what}: a Python number, an array, or a traced value (not range-checked then: a
        value outside the range reads the nearest end, NaN gives NaN).
      axis: None (all), an int or a tuple of ints.
      out: not supported; giving it raises FunctransTypeError.
      overwrite_input: ignored (values are immutable).
      method: one of NumPy's thirteen ('linear', the default; 'lower', 'higher', 'nearest',
        'midpoint', 'inverted_cdf', 'averaged_inverted_cdf', 'closest_observation',
        'interpolated_inverted_cdf', 'hazen', 'weibull', 'median_unbiased',
        'normal_unbiased').
      keepdims: keep the reduced axes with size 1.
      weights: not supported (NumPy allows it with 'inverted_cdf' only).
"""


def _check_q_args(fname: str, out, weights) -> None:
    _util.check_unsupported(fname, out=out, weights=weights)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """The `q`-th quantiles of `a` along `axis`, as `numpy.quantile`.

    {args}
    Returns:
      An array of shape `q.shape` + the reduced shape, in the input's dtype for the discrete
      methods and its float dtype else; NaN where a lane holds a NaN. Derivatives follow the
      sort permutation and the interpolation (in `q` too, for the continuous methods).

    Example:
      >>> fnp.quantile(np.array([[1.0, 2.0, 3.0, 4.0]]), 0.25, axis=1)
      array([1.75])
      >>> fnp.quantile(np.array([1, 2, 3, 4]), 0.4, method="nearest")
      array(2)
    """
    _check_q_args("quantile", out, weights)
    return _quantile("quantile", a, q, axis, method, keepdims, nan=False)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """The `q`-th percentiles of `a` along `axis`, as `numpy.percentile`.

    {args}
    Returns:
      As `quantile` with `q / 100`.

    Example:
      >>> fnp.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50)
      array(2.5)
    """
    _check_q_args("percentile", out, weights)
    return _quantile("percentile", a, q, axis, method, keepdims, nan=False, scale=100.0)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of `a` along `axis`, as `numpy.median`.

    Args:
      a: an array, traced value or Python scalar (real).
      axis: None (all), an int or a tuple of ints.
      out: not supported; giving it raises FunctransTypeError.
      overwrite_input: ignored (values are immutable).
      keepdims: keep the reduced axes with size 1.

    Returns:
      The mean of the two middle order statistics (the middle one for an odd count); NaN
      where a lane holds a NaN or is empty. Derivative: half to each middle entry.

    Example:
      >>> fnp.median(np.array([[4.0, 1.0, 3.0, 2.0]]), axis=1)
      array([2.5])
    """
    _util.check_unsupported("median", out=out)
    return _quantile("median", a, 0.5, axis, "linear", keepdims, nan=False, median=True)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    """`quantile` ignoring NaNs, as `numpy.nanquantile`.

    {args}
    Returns:
      The quantiles of each lane's non-NaN entries; NaN for an all-NaN lane (NumPy also
      warns). The NaNs get zero derivative.

    Example:
      >>> fnp.nanquantile(np.array([1.0, np.nan, 3.0]), 0.5)
      array(2.)
    """
    _check_q_args("nanquantile", out, weights)
    return _quantile("nanquantile", a, q, axis, method, keepdims, nan=True)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    """`percentile` ignoring NaNs, as `numpy.nanpercentile`.

    {args}
    Returns:
      As `nanquantile` with `q / 100`.

    Example:
      >>> fnp.nanpercentile(np.array([1.0, np.nan, 3.0]), 50)
      array(2.)
    """
    _check_q_args("nanpercentile", out, weights)
    return _quantile("nanpercentile", a, q, axis, method, keepdims, nan=True, scale=100.0)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """`median` ignoring NaNs, as `numpy.nanmedian`.

    Args:
      a: an array, traced value or Python scalar (real).
      axis: None (all), an int or a tuple of ints.
      out: not supported; giving it raises FunctransTypeError.
      overwrite_input: ignored (values are immutable).
      keepdims: keep the reduced axes with size 1.

    Returns:
      The median of each lane's non-NaN entries; NaN for an all-NaN lane.

    Example:
      >>> fnp.nanmedian(np.array([4.0, np.nan, 1.0, 3.0]))
      array(3.)
    """
    _util.check_unsupported("nanmedian", out=out)
    return _quantile("nanmedian", a, 0.5, axis, "linear", keepdims, nan=True, median=True)


for _f in (quantile, percentile, nanquantile, nanpercentile):
    _f.__doc__ = _f.__doc__.replace("{args}", _ARGS_DOC.strip("\n").lstrip())
    _f.__doc__ = _f.__doc__.replace(
        "{what}", "percentiles in [0, 100]" if "percentile" in _f.__name__
        else "quantiles in [0, 1]")
del _f
