"""`functrans.numpy`: `bincount` and `histogram*`.

Built on the `searchsorted` primitive (functrans/primitives/searching.py) and `scatter_add`
(counting), with NumPy's signatures and semantics on concrete inputs. Under a
transformation the output shapes must be known from static values, as in JAX: `bincount` of
a traced `x` needs `length=`; `histogram*` with an integer `bins` (or edges) has a known
shape, and its edges may come from the traced data's min and max.

Derivatives: indices and counts are integer valued (not differentiable); weighted counts
are linear in the weights; the edges computed from the data (`range=None`) follow its min
and max (the conventions of `min`/`max` at ties), and `density=True` follows both.
"""
from __future__ import annotations

import builtins
import contextlib
import operator

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import (
    _creation,
    _indexing,
    _join,
    _manip,
    _reductions,
    _shape,
    _ufuncs,
    _util,
)
from functrans.primitives import indexing, searching

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "bincount", "histogram", "histogram2d", "histogram_bin_edges", "histogramdd",
]

_I64 = np.dtype(np.int64)
_F64 = np.dtype(np.float64)


@contextlib.contextmanager
def _numpy_errors(fname: str):
    """NumPy's own checks (bins, range) re-raised as functrans errors naming `fname`."""
    try:
        yield
    except TypeError as e:
        raise errors.FunctransTypeError(f"{fname}: {e}") from e
    except ValueError as e:
        raise errors.FunctransValueError(f"{fname}: {e}") from e


# --------------------------------------------------------------------------- bincount


def bincount(x, weights=None, minlength=0, *, length=None):
    """Counts of each value of the non-negative integers `x`, as `numpy.bincount`.

    Args:
      x: 1-d integer (or bool) array or traced value.
      weights: optional, of x's shape: sums the weights instead of counting (float64).
      minlength: the minimum number of bins (a Python int).
      length: the number of bins (static; required for a traced `x`, as in JAX). Values
        `>= length` are dropped; a traced negative value counts in bin 0 (JAX's clipping),
        a concrete one raises as in NumPy.

    Returns:
      int64 counts, or float64 weighted sums (linear, so differentiable, in the weights).

    Raises:
      ConcretizationError: `x` is traced and `length` is not given (the output length
        `max(x) + 1` would depend on its values).

    Example:
      >>> fnp.bincount(np.array([0, 1, 1, 3]))
      array([1, 2, 0, 1])
    """
    x = _util.as_array(x, "bincount")
    aval = _util.aval(x)
    if aval.ndim != 1:
        raise errors.FunctransValueError(f"bincount: x must be 1-d, got shape {aval.shape}.")
    if aval.dtype.kind not in "biu" or aval.dtype == np.uint64:
        raise errors.FunctransTypeError(
            f"bincount: x must be integers (or bools), got dtype {aval.dtype.name}; NumPy "
            "cannot cast it safely to int64.")
    if minlength is None:
        raise errors.FunctransTypeError("bincount: use 0 instead of None for minlength.")
    drop = length is not None
    length = _bincount_length(x, minlength, length)
    weights = _weights("bincount", weights, aval.shape, _F64)
    if aval.shape[0] == 0:
        # NumPy's result for no values, weights or not
        return _util.in_namespace(np.zeros((length,), _I64), x, weights)
    idx = _util.convert(x, _I64)
    if drop:
        idx = _ufuncs.maximum(idx, 0)
        idx = _ufuncs.where(_ufuncs.less(idx, length), idx, length)
    counts = _scatter_counts(idx, weights, length + 1 if drop else length)
    return _indexing.getitem(counts, slice(0, length)) if drop else counts


def _bincount_length(x, minlength, length) -> int:
    """The output length: `length`, or NumPy's max(x) + 1 (at least `minlength`)."""
    aval = _util.aval(x)
    minlength = _static_int("bincount", minlength, "minlength")
    traced = _util.is_deferred(x)   # traced, or foreign (not read on the host)
    if not traced and aval.shape[0] and np.min(x) < 0:
        raise errors.FunctransValueError("bincount: x must have no negative elements.")
    if length is not None:
        return _static_int("bincount", length, "length")
    if traced:
        raise errors.ConcretizationError(
            f"bincount: x is a traced value or a foreign array ({aval.str_short()}), so the "
            "output length max(x) + 1 is not known on the host. Pass a static length, e.g. "
            "fnp.bincount(x, length=10) (values >= length are dropped), as in "
            "jax.numpy.bincount.")
    return max(minlength, int(np.max(x)) + 1 if aval.shape[0] else 0)


def _static_int(fname: str, value, what: str) -> int:
    if isinstance(value, core.Tracer):
        raise errors.ConcretizationError(
            f"{fname}: `{what}` must be a static Python int, got a traced value.")
    try:
        value = operator.index(value)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{fname}: `{what}` must be an int, got {type(value).__name__}.") from e
    if value < 0:
        raise errors.FunctransValueError(f"{fname}: '{what}' must not be negative.")
    return value


def _scatter_counts(idx, weights, size: int):
    """`size` bins holding the count (int64) or the weight sum of each index in `idx`."""
    n = _util.aval(idx).shape[0]
    if weights is None:
        updates = np.ones((n,), _I64)
        dtype = _I64
    else:
        updates = weights
        dtype = _util.aval(weights).dtype
    if n == 0:
        return _util.in_namespace(np.zeros((size,), dtype), idx, weights)
    return indexing.scatter_add(np.zeros((size,), dtype), idx, updates, 0)


# --------------------------------------------------------------------------- histogram


def _real_data(fname: str, a) -> None:
    """Complex data raise: functrans' bins are real intervals (NumPy bins complex values by
    their lexicographic order and returns complex edges)."""
    if _util.aval(a).dtype.kind == "c":
        raise errors.FunctransTypeError(
            f"{fname}: complex data (dtype {_util.aval(a).dtype.name}) are not supported; bin "
            "the real or imaginary parts (fnp.real(a), fnp.imag(a)) instead.")


def _data(fname: str, a, weights):
    """`a` and `weights` flattened (bool data as uint8, as NumPy does)."""
    a = _util.as_array(a, fname)
    _real_data(fname, a)
    aval = _util.aval(a)
    if aval.dtype.kind == "b":
        a = _util.convert(a, np.dtype(np.uint8))
    weights = _weights(fname, weights, aval.shape)
    return _shape.ravel(a), None if weights is None else _shape.ravel(weights)


def _weights(fname: str, weights, shape: tuple, dtype: np.dtype | None = None):
    """The weights (None stays None), checked to have the data's `shape`."""
    if weights is None:
        return None
    weights = _util.as_array(weights, fname)
    if _util.aval(weights).shape != shape:
        raise errors.FunctransValueError(
            f"{fname}: the weights (shape {_util.aval(weights).shape}) must have the same "
            f"shape as the data ({shape}).")
    return weights if dtype is None else _util.convert(weights, dtype)


def _edges(fname: str, a, bins, range, weights):
    """The bin edges of the 1-d data `a`, as NumPy computes them."""
    if isinstance(bins, str):
        return _estimated_edges(fname, a, bins, range, weights)
    n = _bins_count(fname, bins, "`bins`", "an integer, a string, or an array")
    if n is None:
        return _given_edges(fname, bins, "`bins` must increase monotonically, when an array")
    if not _util.any_deferred(range) and (not _util.any_deferred(a) or range is not None
                                    or _util.aval(a).shape[0] == 0):
        data = np.asarray(a) if not _util.any_deferred(a) else np.empty((0,), _util.aval(a).dtype)
        with _numpy_errors(fname):
            return np.histogram_bin_edges(data, n, range)
    lo, hi = _traced_ends(fname, a, range)
    bin_dtype, _ = dtypes.result_type(*[_util.aval(v) for v in (lo, hi, a)])
    return _linspace_edges(lo, hi, n, bin_dtype)


def _estimated_edges(fname: str, a, bins: str, range, weights):
    """NumPy's edges for an estimator name (concrete data only: it sets the shape)."""
    if _util.any_deferred(a, range):
        raise errors.ConcretizationError(
            f"{fname}: bins={bins!r} estimates the number of bins from the data's values, "
            "which are not known while tracing (the output shape would depend on them); "
            "pass an integer bins or an array of edges instead.")
    if weights is not None:
        raise errors.FunctransTypeError(
            f"{fname}: automated estimation of the number of bins is not supported for "
            "weighted data.")
    with _numpy_errors(fname):
        return np.histogram_bin_edges(np.asarray(a), bins, range)


def _bins_count(fname: str, bins, what: str, kinds: str) -> int | None:
    """The number of equal-width bins, or None when `bins` is a 1-d array of edges."""
    if _util.is_deferred(bins) and _util.aval(bins).ndim == 0:
        raise errors.ConcretizationError(
            f"{fname}: the number of bins is a traced value, but it is the output's shape; "
            "pass it as a Python int (static), or pass an array of edges.")
    if _util.is_deferred(bins) or np.ndim(bins) == 1:
        return None
    if np.ndim(bins):
        raise errors.FunctransValueError(f"{fname}: {what} must be 1d, when an array.")
    try:
        n = operator.index(bins)
    except TypeError as e:
        raise errors.FunctransTypeError(f"{fname}: {what} must be {kinds}.") from e
    if n < 1:
        raise errors.FunctransValueError(f"{fname}: {what} must be positive, when an integer.")
    return n


def _given_edges(fname: str, bins, unsorted: str):
    edges = _util.as_array(bins, fname)
    if _util.aval(edges).ndim != 1:
        raise errors.FunctransValueError(f"{fname}: bins must be 1d, when an array.")
    if not _util.any_deferred(edges) and np.any(edges[:-1] > edges[1:]):
        raise errors.FunctransValueError(f"{fname}: {unsorted}.")
    return edges


def _traced_ends(fname: str, a, range):
    """The ends of equal-width bins: the range, or the traced data's min and max."""
    if range is None:
        return _reductions.min(a), _reductions.max(a)
    return _range_pair(fname, range)


def _range_pair(fname: str, rng):
    try:
        lo, hi = rng
    except (TypeError, ValueError) as e:
        raise errors.FunctransValueError(
            f"{fname}: `range` must be None or a pair (min, max), got {rng!r}.") from e
    return _util.as_operand(lo, fname), _util.as_operand(hi, fname)


def _linspace_edges(lo, hi, n: int, dtype: np.dtype):
    """NumPy's edges from traced ends: an empty range widened by 0.5 on each side, the
    values computed in `dtype` (float64 for integer data)."""
    dtype = dtype if dtype.kind == "f" else _F64
    lo, hi = _util.convert(lo, dtype), _util.convert(hi, dtype)
    same = _ufuncs.equal(lo, hi)
    lo = _ufuncs.where(same, _ufuncs.subtract(lo, 0.5), lo)
    hi = _ufuncs.where(same, _ufuncs.add(hi, 0.5), hi)
    return _creation.linspace(lo, hi, n + 1)


def _bin_index(a, edges):
    """Each value's bin + 1 in 0..n+1 (0: below, n+1: above or NaN); the last edge closes
    the last bin. Compared in the promoted dtype, as NumPy's searchsorted does."""
    n = _util.aval(edges).shape[0] - 1
    (ac, ec), _, _ = _util.promote(a, edges)
    idx = searching.searchsorted(ec, ac, "right")
    if n < 0:
        return idx
    on_last = _ufuncs.equal(ac, _indexing.getitem(ec, n))
    return _ufuncs.where(on_last, np.asarray(n, _I64), idx)


def _weight_sums(idx, weights, size: int):
    """Counts (int64) or weight sums in `weights`' dtype: accumulated in float64 (int64 for
    integer weights) and converted, as NumPy's histogram does."""
    if weights is None:
        return _scatter_counts(idx, None, size)
    dtype = _util.aval(weights).dtype
    acc = _I64 if dtype.kind in "iu" else _F64
    sums = _scatter_counts(idx, _util.convert(weights, acc), size)
    return _util.convert(sums, dtype)


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """The bin edges `histogram` uses, as `numpy.histogram_bin_edges`.

    Args:
      a: data (flattened).
      bins: an int (equal-width bins over `range`), a 1-d array of edges, or a string
        naming NumPy's estimator (concrete data only).
      range: (min, max) of the equal-width bins; None: the data's min and max (traced data
        allowed: the edges are then traced values, differentiable in the data).
      weights: only checked (NumPy uses them with no estimator either).

    Returns:
      The edges (n + 1 values).

    Example:
      >>> fnp.histogram_bin_edges(np.array([0.0, 1.0, 4.0]), bins=4)
      array([0., 1., 2., 3., 4.])
    """
    a, weights = _data("histogram_bin_edges", a, weights)
    return _util.in_namespace(_edges("histogram_bin_edges", a, bins, range, weights), a, weights)


def histogram(a, bins=10, range=None, density=None, weights=None):
    """The histogram of `a`, as `numpy.histogram`.

    Every bin is half-open `[e_i, e_i+1)` except the last, which includes its right edge;
    values outside the edges (and NaN) are not counted.

    Args:
      a: data (flattened); traced data works with an integer `bins` or an array of edges.
      bins: an int, a 1-d array of increasing edges, or (concrete data) a NumPy estimator name.
      range: (min, max) for an integer `bins`; None: the data's min and max.
      density: divide by the bin widths and the total, to integrate to 1.
      weights: optional, a's shape: sums them instead of counting (differentiable).

    Returns:
      `(hist, bin_edges)`: int64 counts, the weights' dtype for weighted sums, float64 with
      `density`; the edges as `histogram_bin_edges` gives them.

    Example:
      >>> fnp.histogram(np.array([0.0, 1.0, 1.5, 4.0]), bins=4)
      (array([1, 2, 0, 1]), array([0., 1., 2., 3., 4.]))
    """
    a, weights = _data("histogram", a, weights)
    edges = _edges("histogram", a, bins, range, weights)
    n = _util.aval(edges).shape[0] - 1
    if n < 0:
        return _util.in_namespace(
            (np.zeros((0,), _I64 if weights is None else _util.aval(weights).dtype), edges),
            a, weights)
    sums = _weight_sums(_bin_index(a, edges), weights, n + 2)
    hist = _indexing.getitem(sums, slice(1, n + 1))
    if density:
        widths = _util.convert(_manip.diff(edges), _F64)
        hist = _ufuncs.true_divide(_ufuncs.true_divide(hist, widths), _reductions.sum(hist))
    # Edges from a given range are NumPy's constants: in the data's namespace with the counts.
    return _util.in_namespace((hist, edges), a, weights)


# --------------------------------------------------------------------------- histogramdd


def _sample(fname: str, sample):
    """The (N, D) sample: a 2-d array, or a sequence of D 1-d arrays (columns)."""
    array = isinstance(sample, np.ndarray) or _util.is_deferred(sample)
    if array and _util.aval(sample).ndim == 2:
        return sample
    if array and _util.aval(sample).ndim == 1:
        return _shape.reshape(sample, (-1, 1))
    if isinstance(sample, (list, tuple)):
        cols = [_util.as_array(c, fname) for c in sample]
        if all(_util.aval(c).ndim == 1 for c in cols):
            lengths = {_util.aval(c).shape[0] for c in cols}
            if len(lengths) > 1:
                raise errors.FunctransValueError(
                    f"{fname}: the sample's columns have different lengths {sorted(lengths)}.")
            return _join.stack(cols, axis=1)
        return _sample(fname, _util.as_array(sample, fname))
    if not array:
        return _sample(fname, _util.as_array(sample, fname))
    raise errors.FunctransValueError(
        f"{fname}: the sample must be an (N, D) array or a sequence of D 1-d arrays, got "
        f"shape {_util.aval(sample).shape}.")


def _outer_edges(fname: str, col, rng):
    """NumPy's (min, max) of one column: the range, or the data's (widened by 0.5 if equal)."""
    if rng is not None:
        lo, hi = rng
        if lo > hi:
            raise errors.FunctransValueError(
                f"{fname}: max must be larger than min in range parameter.")
        what = "supplied"
    elif np.size(col) == 0:
        lo, hi, what = 0, 1, ""
    else:
        lo, hi, what = np.min(col), np.max(col), "autodetected"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise errors.FunctransValueError(f"{fname}: {what} range of [{lo}, {hi}] is not finite.")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def _dd_edges(fname: str, i: int, col, bins, rng):
    n = _bins_count(fname, bins, f"`bins[{i}]`", "an integer, when a scalar")
    if n is None:
        return _given_edges(fname, bins,
                            f"`bins[{i}]` must be monotonically increasing, when an array")
    if not _util.any_deferred(rng) and (not _util.any_deferred(col) or rng is not None
                                  or _util.aval(col).shape[0] == 0):
        data = (np.asarray(col) if not _util.any_deferred(col)
                else np.empty((0,), _util.aval(col).dtype))
        lo, hi = _outer_edges(fname, data, rng)
        return np.linspace(lo, hi, n + 1)
    lo, hi = _traced_ends(fname, col, rng)
    dtype, _ = dtypes.result_type(_util.aval(lo), _util.aval(hi))
    return _linspace_edges(lo, hi, n, dtype)


def _per_dim(fname: str, value, d: int, what: str) -> list:
    if value is None:
        return [None] * d
    try:
        m = len(value)
    except TypeError:
        return [value] * d
    if m != d:
        raise errors.FunctransValueError(
            f"{fname}: the dimension of {what} must be equal to the dimension of the sample x.")
    return list(value)


def histogramdd(sample, bins=10, range=None, density=None, weights=None):
    """The D-dimensional histogram of `sample`, as `numpy.histogramdd`.

    Args:
      sample: an (N, D) array or a sequence of D 1-d arrays (traced values allowed).
      bins: an int, or per dimension an int or a 1-d array of increasing edges.
      range: None, or per dimension None or a (min, max) pair.
      density: divide by the bin volumes and the total.
      weights: optional (N,) weights (differentiable).

    Returns:
      `(hist, edges)`: float64 counts of shape (n_1, ..., n_D) and the list of D edge arrays.
      Each bin is half-open except the last along each dimension.

    Example:
      >>> h, e = fnp.histogramdd(np.array([[0.0, 0.0], [1.0, 2.0], [1.0, 0.5]]), bins=2)
      >>> h
      array([[1., 0.],
             [1., 1.]])
    """
    fname = "histogramdd"
    s = _sample(fname, sample)
    _real_data(fname, s)
    n_samples, d = _util.aval(s).shape
    if isinstance(bins, str):
        raise errors.FunctransTypeError(f"{fname}: `bins` must be an int or arrays of edges.")
    bins_list = _per_dim(fname, bins, d, "bins")
    ranges = _per_dim(fname, range, d, "range") if range is not None else [None] * d
    weights = _weights(fname, weights, (n_samples,), _F64)
    cols = [_indexing.getitem(s, (slice(None), i)) for i in builtins.range(d)]
    edges = [_dd_edges(fname, i, c, b, r)
             for i, (c, b, r) in enumerate(zip(cols, bins_list, ranges, strict=True))]
    nbin = [_util.aval(e).shape[0] + 1 for e in edges]
    flat = np.zeros((n_samples,), _I64)
    for c, e, m in zip(cols, edges, nbin, strict=True):
        flat = _ufuncs.add(_ufuncs.multiply(flat, m), _bin_index(c, e))
    sums = _scatter_counts(flat, weights, int(np.prod(nbin)))
    hist = _util.convert(_shape.reshape(sums, tuple(nbin)), _F64)
    hist = _indexing.getitem(hist, tuple(slice(1, m - 1) for m in nbin))
    if density:
        total = _reductions.sum(hist)
        for i, e in enumerate(edges):
            shape = [1] * d
            shape[i] = nbin[i] - 2
            hist = _ufuncs.true_divide(hist, _shape.reshape(_manip.diff(e), tuple(shape)))
        hist = _ufuncs.true_divide(hist, total)
    return _util.in_namespace((hist, edges), s, weights)



def histogram2d(x, y, bins=10, range=None, density=None, weights=None):
    """The 2-d histogram of the points `(x, y)`, as `numpy.histogram2d`.

    Args:
      x, y: 1-d coordinates of equal length.
      bins: an int, a pair of ints, one 1-d array of edges for both, or a pair of those.
      range: None or ((xmin, xmax), (ymin, ymax)).
      density: divide by the bin areas and the total.
      weights: optional weights, one per point (differentiable).

    Returns:
      `(hist, xedges, yedges)`, hist float64 of shape (nx, ny) (x along the first axis).

    Example:
      >>> h, xe, ye = fnp.histogram2d(np.array([0.0, 1.0, 1.0]), np.array([0.0, 2.0, 0.5]),
      ...                             bins=2)
      >>> h
      array([[1., 0.],
             [1., 1.]])
    """
    x = _util.as_array(x, "histogram2d")
    y = _util.as_array(y, "histogram2d")
    _real_data("histogram2d", x)
    _real_data("histogram2d", y)
    if _util.aval(x).shape != _util.aval(y).shape or _util.aval(x).ndim != 1:
        raise errors.FunctransValueError(
            f"histogram2d: x and y must be 1-d of the same length, got shapes "
            f"{_util.aval(x).shape} and {_util.aval(y).shape}.")
    try:
        count = len(bins)
    except TypeError:
        count = 1
    if count not in (1, 2):
        bins = [bins, bins]
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]
