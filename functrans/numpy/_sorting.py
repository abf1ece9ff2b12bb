"""functrans.numpy: sorting and what is built on it (issue 12): `sort`, `argsort`,
`partition`, `argpartition`, `median`, `percentile`, `quantile` and their nan versions.

Built on the `sort` and `argsort` primitives (functrans/primitives/sorting.py) and the shape
and elementwise primitives, with NumPy's signatures and semantics. Derivatives follow the
sort permutation (JAX's convention): a quantile is a linear interpolation between two order
statistics, and each order statistic takes the tangent of the input entry the stable sort
puts there, so at ties the first of the equal entries (in input order) gets it.

`partition` and `argpartition` are full sorts: the result satisfies NumPy's contract (the
kth entry in place, no larger entry before it, no smaller after), though NumPy's own order of
the other entries is unspecified and usually differs. The quantile functions take `q` as a
concrete value (a Python number or array), not a traced one.
"""
from __future__ import annotations

import numpy as np

from functrans import core, errors
from functrans.numpy import _util
from functrans.primitives import comparison, elementwise, sorting
from functrans.primitives import shape as shape_prims

# The public names, re-exported by functrans.numpy.
__all__ = [
    "argpartition", "argsort", "median", "nanmedian", "nanpercentile", "nanquantile",
    "partition", "percentile", "quantile", "sort",
]

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")
_NUMPY_METHODS = (
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
    "hazen", "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher",
    "midpoint", "nearest",
)


def _check_sort_args(fname: str, kind, order) -> None:
    if order is not None:
        raise errors.FunctransTypeError(
            f"{fname}: `order` (field names of a structured array) is not supported; "
            "functrans arrays have no fields.")
    if kind not in _KINDS:
        raise errors.FunctransValueError(
            f"{fname}: kind={kind!r} is not one of {_KINDS[1:]}.")


def _sort_operand(fname: str, a, axis):
    a = _util.as_array(a, fname)
    if axis is None:
        return shape_prims.reshape(a, (_util.prod(_util.aval(a).shape),)), 0
    aval = _util.aval(a)
    if aval.ndim == 0:
        raise errors.AxisError(
            f"{fname}: axis {axis} is out of bounds for a 0-d array; pass axis=None.")
    return a, _util.canonicalize_axis(axis, aval.ndim, fname)


def sort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """A sorted copy of `a` along `axis`, as `numpy.sort` (NaN last).

    Args:
      a: an array, traced value or Python scalar.
      axis: an int, or None to sort the flattened array.
      kind: None or one of NumPy's kind names (the sort is always stable).
      order: not supported (structured arrays).
      stable: accepted for NumPy's signature; the sort is always stable.
      descending: sort from largest to smallest (NaN first), as `jax.numpy.sort`.

    Returns:
      The sorted array (one `sort` primitive); its derivative follows the sort permutation.

    Example:
      >>> fnp.sort(np.array([[3.0, 1.0, 2.0], [0.0, -1.0, np.nan]]))
      array([[ 1.,  2.,  3.],
             [-1.,  0., nan]])
    """
    _check_sort_args("sort", kind, order)
    a, axis = _sort_operand("sort", a, axis)
    # The axis is already normalized: bind directly (the primitive's wrapper would redo it).
    return sorting.sort_p.bind(a, axis=axis, descending=bool(descending), stable=True)


def argsort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """The indices that sort `a` along `axis`, as `numpy.argsort` (always stable).

    Args:
      a: an array, traced value or Python scalar.
      axis: an int, or None for the flattened array.
      kind: None or one of NumPy's kind names (the sort is always stable).
      order: not supported (structured arrays).
      stable: accepted for NumPy's signature; equal entries always keep their order.
      descending: largest first (NaN first); equal entries still keep their order, as in
        `jax.numpy.argsort`.

    Returns:
      int64 indices (not differentiable).

    Example:
      >>> fnp.argsort(np.array([3.0, 1.0, 3.0, 0.0]))
      array([3, 1, 0, 2])
    """
    _check_sort_args("argsort", kind, order)
    a, axis = _sort_operand("argsort", a, axis)
    return sorting.argsort_p.bind(a, axis=axis, descending=bool(descending), stable=True)


def _check_kth(fname: str, kth, n: int) -> None:
    if isinstance(kth, core.Tracer):
        raise errors.FunctransTypeError(f"{fname}: `kth` must be static ints, got a traced value.")
    for k in np.ravel(np.asarray(kth)):
        if not np.issubdtype(np.asarray(k).dtype, np.integer):
            raise errors.FunctransTypeError(f"{fname}: `kth` must be integers, got {kth!r}.")
        if not -n <= int(k) < n:
            raise errors.FunctransValueError(
                f"{fname}: kth(={int(k)}) out of bounds ({n}).")


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """`a` partitioned around its `kth` entries along `axis`, as `numpy.partition`.

    Implemented as a full sort, which satisfies NumPy's contract (the kth entry in its
    sorted place, none larger before it, none smaller after it); NumPy leaves the order
    of the other entries unspecified, and its order usually differs from this one.

    Args:
      a: an array, traced value or Python scalar.
      kth: an int or a sequence of ints (static).
      axis: an int, or None for the flattened array.
      kind: accepted for NumPy's signature ('introselect').
      order: not supported (structured arrays).

    Returns:
      The partitioned (here: sorted) array; derivatives as `sort`'s.

    Example:
      >>> fnp.partition(np.array([3.0, 1.0, 2.0, 0.0]), 1)[1]
      np.float64(1.0)
    """
    _check_sort_args("partition", None, order)
    a, axis = _sort_operand("partition", a, axis)
    _check_kth("partition", kth, _util.aval(a).shape[axis])
    return sorting.sort(a, axis)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """Indices that partition `a` around its `kth` entries, as `numpy.argpartition`.

    Implemented as a full stable argsort, which satisfies NumPy's contract (see
    `partition`).

    Args:
      a: an array, traced value or Python scalar.
      kth: an int or a sequence of ints (static).
      axis: an int, or None for the flattened array.
      kind: accepted for NumPy's signature ('introselect').
      order: not supported (structured arrays).

    Returns:
      int64 indices (not differentiable).

    Example:
      >>> fnp.argpartition(np.array([3.0, 1.0, 2.0, 0.0]), 0)[0]
      np.int64(3)
    """
    _check_sort_args("argpartition", None, order)
    a, axis = _sort_operand("argpartition", a, axis)
    _check_kth("argpartition", kth, _util.aval(a).shape[axis])
    return sorting.argsort(a, axis)


# --------------------------------------------------------------------------- quantiles


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


def _indices(vi, count, shape, static: bool):
    """NumPy's neighbouring indices of the virtual indices `vi` (linear method) for lanes of
    `count` valid entries: (previous, next, gamma), all of `shape`."""
    if static:
        prev = np.floor(vi)
        nxt = prev + 1
        above, below = vi >= count - 1, vi < 0
        prev[above] = nxt[above] = count - 1
        prev[below] = nxt[below] = 0
        gamma = vi - prev
        return (_const(prev, shape, np.int64), _const(nxt, shape, np.int64),
                _const(gamma, shape, np.float64))
    f64 = np.dtype(np.float64)
    last = elementwise.sub(count, _const(1.0, shape, f64))
    prev = comparison.floor(vi)
    nxt = elementwise.add(prev, _const(1.0, shape, f64))
    above = comparison.ge(vi, last)
    below = comparison.lt(vi, _const(0.0, shape, f64))
    zero = _const(0.0, shape, f64)
    last = comparison.max(last, zero)   # an all-NaN lane: any index, its result is NaN
    prev = elementwise.select(below, zero, elementwise.select(above, last, prev))
    nxt = elementwise.select(below, zero, elementwise.select(above, last, nxt))
    gamma = elementwise.sub(vi, prev)
    i64 = np.dtype(np.int64)
    return (elementwise.convert_element_type(prev, i64),
            elementwise.convert_element_type(nxt, i64), gamma)


def _quantile(fname: str, a, q, axis, method: str, keepdims: bool, *, nan: bool,
              median: bool = False):
    if method != "linear":
        others = [m for m in _NUMPY_METHODS if m != "linear"]
        if method in others:
            raise errors.FunctransValueError(
                f"{fname}: method={method!r} is not supported; only 'linear' is (NumPy's "
                f"other methods {others} are not implemented).")
        raise errors.FunctransValueError(
            f"{fname}: {method!r} is not a valid method; use 'linear'.")
    if isinstance(q, core.Tracer):
        raise errors.FunctransTypeError(
            f"{fname}: `q` must be a concrete number or array, got a traced value; pass it "
            "as a static value (for example with functools.partial).")
    a = _util.as_array(a, fname)
    aval = _util.aval(a)
    if aval.dtype.kind not in "fiu":
        raise errors.FunctransTypeError(
            f"{fname}: expected a real numeric array, got dtype {aval.dtype.name}.")
    weak_q = type(q) in (int, float)   # NumPy's test for a weakly typed q
    qa = np.asarray(q, np.float64)
    if not np.all((qa >= 0) & (qa <= 1)):
        raise errors.FunctransValueError(f"{fname}: quantiles must be in the range [0, 1].")
    # NumPy's result dtype: the input's float dtype for a weak q, promoted with float64 else.
    base = aval.dtype if aval.dtype.kind == "f" else np.dtype(np.float64)
    dtype = base if (median or weak_q) else np.result_type(base, np.float64)
    x, kept_shape, axes, in_shape = _lanes(fname, a, axis)
    n = _util.aval(x).shape[-1]
    if n == 0 and not median:
        raise errors.FunctransValueError(
            f"{fname}: cannot take a quantile of an empty lane (shape {in_shape}, axis={axis}).")
    k = 1 if median else qa.size
    shape = (*kept_shape, k)
    s = sorting.sort(_util.convert(x, base), -1)
    if n == 0:
        out = _const(np.nan, shape, dtype)
    else:
        if nan:
            valid = comparison.not_(comparison.ne(s, s))
            count = shape_prims.reduce_sum(
                elementwise.convert_element_type(valid, np.dtype(np.float64)), (len(shape) - 1,))
            count = _bcast(count, shape)
        else:
            count = float(n)
        if median:
            if nan:
                f64 = np.dtype(np.float64)
                one, two = _const(1.0, shape, f64), _const(2.0, shape, f64)
                lo = comparison.floor(elementwise.div(elementwise.sub(count, one), two))
                hi = comparison.floor(elementwise.div(count, two))
                zero = _const(0.0, shape, f64)
                lo, hi = comparison.max(lo, zero), comparison.max(hi, zero)
                lo = elementwise.convert_element_type(lo, np.dtype(np.int64))
                hi = elementwise.convert_element_type(hi, np.dtype(np.int64))
                hi = comparison.min(hi, _const(n - 1, shape, np.int64))
            else:
                lo, hi = _const((n - 1) // 2, shape, np.int64), _const(n // 2, shape, np.int64)
            va = sorting.take_along_axis(s, lo, len(shape) - 1)
            vb = sorting.take_along_axis(s, hi, len(shape) - 1)
            out = elementwise.div(elementwise.add(va, vb), _const(2, shape, dtype))
        else:
            qb = _const(qa.reshape(-1), shape, np.float64)
            if nan:
                # NumPy's virtual index (n - 1) q, n the lane's count of non-NaN entries.
                vi = elementwise.mul(elementwise.sub(count, _const(1.0, shape, np.float64)), qb)
                prev, nxt, gamma = _indices(vi, count, shape, static=False)
                g = elementwise.convert_element_type(gamma, dtype)
                g1 = elementwise.convert_element_type(
                    elementwise.sub(_const(1.0, shape, np.float64), gamma), dtype)
            else:
                vi = (n - 1) * qa.reshape(-1)
                prev, nxt, gamma = _indices(vi, n, shape, static=True)
                g, g1 = _const(gamma, shape, dtype), _const(1.0 - gamma, shape, dtype)
            va = sorting.take_along_axis(s, prev, len(shape) - 1)
            vb = sorting.take_along_axis(s, nxt, len(shape) - 1)
            # b - a in the input's float dtype, then promoted (NumPy's rounding).
            d = elementwise.convert_element_type(elementwise.sub(vb, va), dtype)
            va = elementwise.convert_element_type(va, dtype)
            vb = elementwise.convert_element_type(vb, dtype)
            low = elementwise.add(va, elementwise.mul(d, g))
            high = elementwise.sub(vb, elementwise.mul(d, g1))
            ge_half = (comparison.ge(gamma, _const(0.5, shape, np.float64)) if nan
                       else np.asarray(gamma >= 0.5))
            out = elementwise.select(ge_half, high, low)
        if dtype.kind == "f":
            nan_c = _const(np.nan, shape, dtype)
            if nan:
                empty = comparison.eq(count, _const(0.0, shape, np.float64))
                out = elementwise.select(empty, nan_c, out)
            else:
                last = sorting.take_along_axis(s, _const(n - 1, shape, np.int64), len(shape) - 1)
                last = elementwise.convert_element_type(last, dtype)
                out = elementwise.select(comparison.ne(last, last), nan_c, out)
    # (*kept, k) -> q.shape + kept shape (+ size-1 reduced axes with keepdims).
    out_kept = tuple(1 if d in axes else in_shape[d] for d in range(len(in_shape))) if (
        keepdims) else kept_shape
    if k != 1 or (not median and qa.ndim):
        out = shape_prims.transpose(out, (len(shape) - 1, *range(len(shape) - 1)))
    qshape = () if median else qa.shape
    return shape_prims.reshape(out, (*qshape, *out_kept))


def _check_q_args(fname: str, out, weights, overwrite_input) -> None:
    _util.check_unsupported(fname, out=out, weights=weights)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """The `q`-th quantiles of `a` along `axis`, as `numpy.quantile` (method 'linear').

    Args:
      a: an array, traced value or Python scalar (real).
      q: quantiles in [0, 1]: a concrete number or array (not traced).
      axis: None (all), an int or a tuple of ints.
      out: not supported; giving it raises FunctransTypeError.
      overwrite_input: ignored (values are immutable).
      method: 'linear' (NumPy's default); NumPy's other methods raise FunctransValueError.
      keepdims: keep the reduced axes with size 1.
      weights: not supported.

    Returns:
      An array of shape `q.shape` + the reduced shape; NaN where a lane holds a NaN.
      Derivatives follow the sort permutation and the linear interpolation.

    Example:
      >>> fnp.quantile(np.array([[1.0, 2.0, 3.0, 4.0]]), 0.25, axis=1)
      array([1.75])
    """
    _check_q_args("quantile", out, weights, overwrite_input)
    return _quantile("quantile", a, q, axis, method, keepdims, nan=False)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """The `q`-th percentiles of `a` along `axis`, as `numpy.percentile` (method 'linear').

    Args:
      a: an array, traced value or Python scalar (real).
      q: percentiles in [0, 100]: a concrete number or array (not traced).
      axis: None (all), an int or a tuple of ints.
      out: not supported; giving it raises FunctransTypeError.
      overwrite_input: ignored (values are immutable).
      method: 'linear' (NumPy's default); NumPy's other methods raise FunctransValueError.
      keepdims: keep the reduced axes with size 1.
      weights: not supported.

    Returns:
      As `quantile` with `q / 100`.

    Example:
      >>> fnp.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50)
      array(2.5)
    """
    _check_q_args("percentile", out, weights, overwrite_input)
    return _quantile("percentile", a, _percent(q), axis, method, keepdims, nan=False)


def _percent(q):
    if isinstance(q, core.Tracer):
        return q
    if type(q) in (int, float):
        return float(np.true_divide(q, 100))
    return np.true_divide(np.asarray(q), 100)


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
    """`quantile` ignoring NaNs, as `numpy.nanquantile` (method 'linear').

    Args:
      a: an array, traced value or Python scalar (real).
      q: quantiles in [0, 1]: a concrete number or array (not traced).
      axis: None (all), an int or a tuple of ints.
      out: not supported; giving it raises FunctransTypeError.
      overwrite_input: ignored (values are immutable).
      method: 'linear' (NumPy's default); NumPy's other methods raise FunctransValueError.
      keepdims: keep the reduced axes with size 1.
      weights: not supported.

    Returns:
      The quantiles of each lane's non-NaN entries; NaN for an all-NaN lane (NumPy also
      warns). The NaNs get zero derivative.

    Example:
      >>> fnp.nanquantile(np.array([1.0, np.nan, 3.0]), 0.5)
      array(2.)
    """
    _check_q_args("nanquantile", out, weights, overwrite_input)
    return _quantile("nanquantile", a, q, axis, method, keepdims, nan=True)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    """`percentile` ignoring NaNs, as `numpy.nanpercentile` (method 'linear').

    Args:
      a: an array, traced value or Python scalar (real).
      q: percentiles in [0, 100]: a concrete number or array (not traced).
      axis: None (all), an int or a tuple of ints.
      out: not supported; giving it raises FunctransTypeError.
      overwrite_input: ignored (values are immutable).
      method: 'linear' (NumPy's default); NumPy's other methods raise FunctransValueError.
      keepdims: keep the reduced axes with size 1.
      weights: not supported.

    Returns:
      As `nanquantile` with `q / 100`.

    Example:
      >>> fnp.nanpercentile(np.array([1.0, np.nan, 3.0]), 50)
      array(2.)
    """
    _check_q_args("nanpercentile", out, weights, overwrite_input)
    return _quantile("nanpercentile", a, _percent(q), axis, method, keepdims, nan=True)


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
