"""`functrans.numpy`: `searchsorted`, `digitize` and `lexsort`.

Built on the `searchsorted` primitive (functrans/primitives/searching.py) and the sort
primitives (`lexsort` is a chain of stable argsorts), with NumPy's signatures and semantics.
All three are integer valued (not differentiable).
"""
from __future__ import annotations

import numpy as np

from functrans import errors
from functrans.numpy import _indexing, _shape, _ufuncs, _util
from functrans.primitives import searching, sorting

# The public names, re-exported by functrans.numpy.
__all__: list[str] = ["digitize", "lexsort", "searchsorted"]

_I64 = np.dtype(np.int64)
_F64 = np.dtype(np.float64)


# --------------------------------------------------------------------------- searching


def _check_side(fname: str, side) -> None:
    if side not in ("left", "right"):
        raise errors.FunctransValueError(
            f"{fname}: side={side!r}; search side must be one of 'left' or 'right'.")


def searchsorted(a, v, side="left", sorter=None):
    """Indices where `v` would be inserted into the sorted 1-d `a`, as `numpy.searchsorted`.

    Args:
      a: a 1-d array or traced value, sorted ascending (NaN last), unless `sorter` is given.
      v: the values, of any shape; promoted with `a` as NumPy does (Python scalars count as
        NumPy's default dtypes here, as in `numpy.searchsorted`).
      side: 'left' (the first suitable index) or 'right' (the last).
      sorter: optional integer indices that sort `a` (`a` is then read as `take(a, sorter)`).

    Returns:
      int64 indices of `v`'s shape (one `searchsorted` primitive; not differentiable).

    Example:
      >>> fnp.searchsorted(np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 0.5, 9.0]))
      array([1, 0, 4])
    """
    _check_side("searchsorted", side)
    a = _util.as_array(a, "searchsorted")
    v = _util.as_array(v, "searchsorted")
    if _util.aval(a).ndim != 1:
        raise errors.FunctransValueError(
            f"searchsorted: `a` must be 1-d, got shape {_util.aval(a).shape}.")
    if sorter is not None:
        a = _indexing.take(a, _sorter("searchsorted", sorter, _util.aval(a).shape[0]))
    (a, v), _, _ = _util.promote(a, v)
    return searching.searchsorted(a, v, side)


def _sorter(fname: str, sorter, n: int):
    sorter = _util.as_array(sorter, fname)
    aval = _util.aval(sorter)
    if aval.dtype.kind not in "iu" or aval.shape != (n,):
        raise errors.FunctransValueError(
            f"{fname}: `sorter` must be integer indices of shape ({n},) (a's), got "
            f"{aval.str_short()}.")
    if not _util.any_deferred(sorter) and n and (np.min(sorter) < 0 or np.max(sorter) >= n):
        raise errors.FunctransValueError(f"{fname}: sorter index out of range.")
    return sorter


def _monotonicity(bins: np.ndarray) -> int:
    """NumPy's test in `digitize` (on float64 values): 1 increasing (all equal included),
    -1 decreasing, 0 neither; decided by the first pair of unequal neighbours."""
    b = np.asarray(bins, _F64)
    unequal = b[1:] != b[:-1]
    if not unequal.any():
        return 1
    k = int(np.argmax(unequal))
    if b[k] < b[k + 1]:
        return 0 if np.any(b[:-1] > b[1:]) else 1
    return 0 if np.any(b[:-1] < b[1:]) else -1


def digitize(x, bins, right=False):
    """The indices of the bins to which each value of `x` belongs, as `numpy.digitize`.

    Args:
      x: an array, traced value or Python scalar.
      bins: 1-d, monotonically increasing or decreasing (checked when concrete, as NumPy
        does; a traced `bins` is taken as decreasing when `bins[-1] < bins[0]`, as in JAX).
      right: whether a bin includes its right edge instead of its left one.

    Returns:
      int64 indices of x's shape (`searchsorted` with side 'right', or 'left' if `right`).

    Example:
      >>> fnp.digitize(np.array([0.5, 1.0, 2.5, 9.0]), np.array([1.0, 2.0, 3.0]))
      array([0, 1, 2, 3])
    """
    x = _util.as_array(x, "digitize")
    bins = _util.as_array(bins, "digitize")
    if _util.aval(bins).ndim != 1:
        raise errors.FunctransValueError(
            f"digitize: `bins` must be 1-d, got shape {_util.aval(bins).shape}.")
    n = _util.aval(bins).shape[0]
    if n == 0:
        return _util.in_namespace(np.zeros(_util.aval(x).shape, _I64), x, bins)
    side = "left" if right else "right"
    (xs, bs), _, _ = _util.promote(x, bins)
    reversed_bins = _shape.flip(bs, 0)
    if not _util.any_deferred(bins):
        mono = _monotonicity(np.asarray(bins))
        if mono == 0:
            raise errors.FunctransValueError(
                "digitize: bins must be monotonically increasing or decreasing.")
        if mono == 1:
            return searching.searchsorted(bs, xs, side)
        return _ufuncs.subtract(n, searching.searchsorted(reversed_bins, xs, side))
    increasing = _ufuncs.greater_equal(_indexing.getitem(bs, -1), _indexing.getitem(bs, 0))
    return _ufuncs.where(increasing, searching.searchsorted(bs, xs, side),
                         _ufuncs.subtract(n, searching.searchsorted(reversed_bins, xs, side)))


def lexsort(keys, axis=-1):
    """Indices that sort by several keys, the last the primary one, as `numpy.lexsort`.

    A composition of stable argsorts: by the first key, then stably by each next one.

    Args:
      keys: a sequence of arrays of one shape (or a 2-d array whose rows are the keys).
      axis: the axis to sort along (an int).

    Returns:
      int64 indices (not differentiable).

    Example:
      >>> fnp.lexsort((np.array([1, 2, 1, 0]), np.array([3, 1, 3, 1])))
      array([3, 1, 0, 2])
    """
    if isinstance(keys, np.ndarray) or _util.is_deferred(keys):
        if _util.aval(keys).ndim == 0:
            raise errors.FunctransTypeError("lexsort: need a sequence of keys with len > 0.")
        keys = [_indexing.getitem(keys, i) for i in range(_util.aval(keys).shape[0])]
    keys = [_util.as_array(k, "lexsort") for k in keys]
    if not keys:
        raise errors.FunctransTypeError("lexsort: need a sequence of keys with len > 0.")
    shapes = {_util.aval(k).shape for k in keys}
    if len(shapes) != 1:
        raise errors.FunctransValueError(
            f"lexsort: all keys need to be the same shape, got {sorted(shapes)}.")
    (shape,) = shapes
    if not shape:
        return _util.in_namespace(np.asarray(0, _I64), keys)
    if axis is None:
        raise errors.FunctransTypeError("lexsort: `axis` must be an int, not None.")
    axis = _util.canonicalize_axis(axis, len(shape), "lexsort")
    idx = sorting.argsort(keys[0], axis)
    for key in keys[1:]:
        order = sorting.argsort(sorting.take_along_axis(key, idx, axis), axis)
        idx = sorting.take_along_axis(idx, order, axis)
    return idx
