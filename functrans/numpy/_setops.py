"""`functrans.numpy`: `unique*`, the set functions and `isin`.

Owns `unique`, `unique_all`, `unique_counts`, `unique_inverse`, `unique_values`,
`intersect1d`, `union1d`, `setdiff1d`, `setxor1d` and `isin`; the `size=` conventions and the
sized `nonzero` they are built from live in `_nonzero`.

On concrete arguments without `size=` each function is exactly NumPy's. With `size=` (JAX's
keyword) the result is built from a stable `argsort` (invalid entries sorted last), neighbour
comparisons, the sized `nonzero` and gathers, so it traces, batches and differentiates:
values are gathered from the input, so the derivative of an output value is the derivative
of the input entry it was taken from (for repeated values, the first occurrence in the stable
sort order); indices, inverses and counts are integers. Padding: values with `fill_value`,
whose default repeats the first (for sorted results the smallest) entry, or 0 for an empty
result; `unique`'s `indices` with the index of the first occurrence of the smallest value
(so `ravel(x)[indices] == values` with the default fill); counts with 0; `intersect1d`'s
indices with the out-of-bound index `ar.size` (JAX's choice). `isin` has a static output
shape and needs no `size=`.
"""
from __future__ import annotations

import collections

import numpy as np

from functrans import errors
from functrans.numpy import _nonzero, _util
from functrans.primitives import comparison, elementwise, indexing, reductions, slicing, sorting
from functrans.primitives import shape as shape_prims

__all__ = ["unique", "unique_all", "unique_counts", "unique_inverse", "unique_values",
           "intersect1d", "union1d", "setdiff1d", "setxor1d", "isin"]

INDEX = _nonzero.INDEX
_int = _nonzero._int_const


# NumPy's result types (names and fields), private here: they are not functions to export.
_UniqueAll = collections.namedtuple("UniqueAllResult",
                                    ["values", "indices", "inverse_indices", "counts"])
_UniqueCounts = collections.namedtuple("UniqueCountsResult", ["values", "counts"])
_UniqueInverse = collections.namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


# --------------------------------------------------------------------------- sized building blocks


def _gather0(x, idx):
    return indexing.gather(x, idx, 0)


def _sort_perm(x, valid=None):
    """A stable permutation sorting the 1-d `x` ascending (NaN last), invalid entries last."""
    perm = sorting.argsort(x, 0)
    if valid is None:
        return perm
    return _gather0(perm, sorting.argsort(comparison.not_(_gather0(valid, perm)), 0))


def _rows_perm(x2d):
    """A stable permutation sorting the rows of `x2d` lexicographically (one argsort per
    column, last column first: each pass keeps the order of the previous ones on ties)."""
    n, m = _util.aval(x2d).shape
    perm = np.arange(n, dtype=INDEX)
    for j in reversed(range(m)):
        col = shape_prims.reshape(slicing.slice(x2d, (0, j), (n, j + 1)), (n,))
        perm = _gather0(perm, sorting.argsort(_gather0(col, perm), 0))
    return perm


def _shifted_ne(s, equal_nan: bool):
    """`s[i] != s[i-1]` for i >= 1 along axis 0 (any column differing, for rows)."""
    shape = _util.aval(s).shape
    n = shape[0]
    cur = slicing.slice(s, (1,) + (0,) * (len(shape) - 1), shape)
    prev = slicing.slice(s, (0,) * len(shape), (n - 1,) + shape[1:])
    ne = comparison.ne(cur, prev)
    if equal_nan and _util.aval(s).dtype.kind == "f":
        both_nan = comparison.and_(comparison.ne(cur, cur), comparison.ne(prev, prev))
        ne = comparison.and_(ne, comparison.not_(both_nan))
    if len(shape) == 2:
        ne = reductions.reduce_max(ne, (1,)) if shape[1] else np.zeros(n - 1, bool)
    return ne


def _starts(s, vs, equal_nan: bool):
    """The first entry of each run of equal (valid) entries of the sorted `s`."""
    n = _util.aval(s).shape[0]
    first = np.ones(1, bool)
    start = first if n == 1 else slicing.concatenate([first, _shifted_ne(s, equal_nan)], 0)
    return start if vs is None else comparison.and_(start, vs)


def _compact(fname: str, s, keep, size: int, fill_value):
    """The entries (rows) of `s` where `keep`, `size` of them: (values, positions, valid,
    count), padded with `fill_value` or, by default, the first entry (0 if there is none)."""
    shape = _util.aval(s).shape
    dtype = _util.aval(s).dtype
    out_shape = (size,) + shape[1:]
    pos, valid, count = _nonzero._mask_positions(keep, size)
    if shape[0] == 0 or size == 0:
        fill = 0 if fill_value is None else fill_value
        return _util.in_namespace((_nonzero._fill_array(fname, fill, out_shape, dtype), pos, valid,
                                   count), s, keep)
    values = _gather0(s, pos)
    if fill_value is None:
        # The first kept entry, repeated.
        at_first = shape_prims.broadcast_in_dim(
            shape_prims.reshape(slicing.slice(pos, (0,), (1,)), ()), (size,), ())
        first = _gather0(s, at_first)
        fill = elementwise.select(comparison.gt(count, np.zeros((), INDEX)), first,
                                  np.zeros(out_shape, dtype))
    else:
        fill = _nonzero._fill_array(fname, fill_value, out_shape, dtype)
    valid_b = shape_prims.broadcast_in_dim(valid, out_shape, (0,))
    return elementwise.select(valid_b, values, fill), pos, valid, count


def _sorted_unique(fname: str, x, size: int, fill_value, equal_nan: bool, valid=None):
    """The sized unique values (or rows) of `x` (1-d, or 2-d for rows), and what the other
    outputs are built from: (values, perm, pos, pvalid, start)."""
    rows = _util.aval(x).ndim == 2
    perm = _rows_perm(x) if rows else _sort_perm(x, valid)
    n = _util.aval(x).shape[0]
    if n == 0:
        values, pos, pvalid, _ = _compact(fname, x, np.zeros(0, bool), size, fill_value)
        return values, perm, pos, pvalid, np.zeros(0, bool)
    s = _gather0(x, perm)
    vs = None if valid is None else _gather0(valid, perm)
    start = _starts(s, vs, equal_nan and not rows)
    values, pos, pvalid, _ = _compact(fname, s, start, size, fill_value)
    return values, perm, pos, pvalid, start


def _extras(x, size, perm, pos, start, want_index, want_inverse, want_counts) -> list:
    """unique's index, inverse and counts outputs from the sorted run starts."""
    n = _util.aval(x).shape[0]
    out = []
    if want_index:
        out.append(_gather0(perm, pos) if n else _int(0, (size,)))
    if n == 0:
        out += [_int(0, (0,))] * want_inverse + [_int(0, (size,))] * want_counts
        return out
    group = elementwise.sub(_running_count(start), _int(1, (n,)))   # run id, sorted order
    if want_inverse:
        out.append(indexing.scatter(_int(0, (n,)), perm, group, 0))
    if want_counts:
        slot = comparison.min(group, _int(size, (n,)))   # runs past `size` fall off the end
        counts = indexing.scatter_add(_int(0, (size + 1,)), slot, _int(1, (n,)), 0)
        out.append(slicing.slice(counts, (0,), (size,)))
    return out


def _running_count(mask):
    """Running count of True entries of a 1-d bool mask (int64)."""
    return reductions.cumsum(elementwise.convert_element_type(mask, INDEX), 0)


# --------------------------------------------------------------------------- unique


def _unique_operand(fname: str, ar, axis):
    """`ar` flattened (axis None) or as rows (n, m) with `axis` first: (x, axis, shape)."""
    ar = _util.as_array(ar, fname)
    shape = _util.aval(ar).shape
    if axis is None:
        return _nonzero._ravel(ar), None, shape
    axis = _util.canonicalize_axis(axis, len(shape), fname)
    moved = shape_prims.moveaxis(ar, axis, 0) if axis else ar
    rest = shape[:axis] + shape[axis + 1:]
    return shape_prims.reshape(moved, (shape[axis], _util.prod(rest))), axis, shape


def _unique_sized(fname, ar, return_index, return_inverse, return_counts, axis, equal_nan,
                  size, fill_value) -> list:
    x, axis, shape = _unique_operand(fname, ar, axis)
    values, perm, pos, _, start = _sorted_unique(fname, x, size, fill_value, equal_nan)
    out = _extras(x, size, perm, pos, start, return_index, return_inverse, return_counts)
    if axis is not None:
        rest = shape[:axis] + shape[axis + 1:]
        values = shape_prims.reshape(values, (size, *rest))
        values = shape_prims.moveaxis(values, 0, axis) if axis else values
    elif return_inverse:
        k = int(return_index)
        out[k] = shape_prims.reshape(out[k], shape)
    return [values, *out]


def _unique(fname, ar, return_index, return_inverse, return_counts, axis, equal_nan, size,
            fill_value) -> list:
    """unique's outputs as a list: NumPy's on a concrete `ar` without size, else sized."""
    if size is None:
        argname = "ar" if fname == "unique" else "x"   # the array API functions' name
        _nonzero._require_concrete(fname, argname, ar,
                                   f"{fname}({argname}, size=N, fill_value=None)")
        arr = _util.as_array(ar, fname)
        if axis is not None:
            _util.canonicalize_axis(axis, np.ndim(arr), fname)
        res = np.unique(np.asarray(arr), return_index=return_index,
                        return_inverse=return_inverse, return_counts=return_counts, axis=axis,
                        equal_nan=equal_nan)
        res = list(res) if isinstance(res, tuple) else [res]
        return [res[0]] + [np.asarray(r, INDEX) for r in res[1:]]
    return _util.in_namespace(
        _unique_sized(fname, ar, return_index, return_inverse, return_counts, axis, equal_nan,
                      _nonzero._check_size(fname, size), fill_value), ar)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True, size=None, fill_value=None):
    """The sorted unique values (or subarrays along `axis`) of `ar`, as `numpy.unique`.

    Args:
      ar: an array, traced value or scalar.
      return_index: also return the index of each value's first occurrence.
      return_inverse: also return the indices into the result that rebuild `ar` (shape
        `ar.shape` when `axis` is None, as NumPy 2).
      return_counts: also return how often each value occurs.
      axis: None (flatten) or an int: unique subarrays along that axis (compared whole; NaN
        never equals NaN there, as in NumPy).
      equal_nan: treat NaNs as one value (axis None only).
      sorted: accepted for NumPy's signature; the result is always sorted (allowed by NumPy).
      size: a static int: return exactly `size` unique values, the smallest ones, padded with
        `fill_value` (JAX's keyword). Required when `ar` is traced.
      fill_value: padding of the values (default: the smallest unique value, 0 if none).
        Padded indices repeat the first index, padded counts are 0; with a truncated result
        the inverse still numbers every unique value.

    Returns:
      The unique values, or a tuple with the requested int64 index arrays after them. The
      values are differentiable: each takes the derivative of its first occurrence.

    Raises:
      ConcretizationError: `ar` is traced and `size` is not given.

    Example:
      >>> fnp.unique(np.array([3, 1, 3, 2]))
      array([1, 2, 3])
      >>> fnp.unique(np.array([3.0, 3.0]), return_counts=True, size=2, fill_value=0.0)
      (array([3., 0.]), array([2, 0]))
    """
    del sorted
    out = _unique("unique", ar, bool(return_index), bool(return_inverse), bool(return_counts),
                  axis, bool(equal_nan), size, fill_value)
    return out[0] if len(out) == 1 else tuple(out)


def unique_all(x, *, size=None, fill_value=None):
    """Unique values, first indices, inverse and counts, as `numpy.unique_all`.

    As NumPy 2, NaNs are distinct values (JAX's version merges them) and `inverse_indices`
    has `x`'s shape. `size`/`fill_value` as in `unique`.

    Returns:
      `UniqueAllResult(values, indices, inverse_indices, counts)`.

    Example:
      >>> fnp.unique_all(np.array([2, 1, 2])).counts
      array([1, 2])
    """
    return _UniqueAll(*_unique("unique_all", x, True, True, True, None, False, size,
                               fill_value))


def unique_counts(x, *, size=None, fill_value=None):
    """Unique values and their counts, as `numpy.unique_counts` (NaNs distinct, as NumPy 2).

    Returns:
      `UniqueCountsResult(values, counts)`; `size`/`fill_value` as in `unique`.

    Example:
      >>> fnp.unique_counts(np.array([2, 1, 2])).values
      array([1, 2])
    """
    return _UniqueCounts(*_unique("unique_counts", x, False, False, True, None, False,
                                       size, fill_value))


def unique_inverse(x, *, size=None, fill_value=None):
    """Unique values and the inverse indices, as `numpy.unique_inverse` (NaNs distinct).

    Returns:
      `UniqueInverseResult(values, inverse_indices)`, the inverse of `x`'s shape;
      `size`/`fill_value` as in `unique`.

    Example:
      >>> fnp.unique_inverse(np.array([2, 1, 2])).inverse_indices
      array([1, 0, 1])
    """
    return _UniqueInverse(*_unique("unique_inverse", x, False, True, False, None, False,
                                        size, fill_value))


def unique_values(x, *, size=None, fill_value=None):
    """The sorted unique values of `x`, as `numpy.unique_values` (NaNs distinct, as NumPy 2).

    `size`/`fill_value` as in `unique`.

    Example:
      >>> fnp.unique_values(np.array([2, 1, 2]))
      array([1, 2])
    """
    return _unique("unique_values", x, False, False, False, None, False, size, fill_value)[0]


# --------------------------------------------------------------------------- isin


def _member(e, t):
    """For each entry of `e`, whether it equals some entry of the 1-d `t` (compared in
    their common dtype).

    One stable sort of `sort(t)` followed by `e`: a test value sorts before the entries
    equal to it, so an entry is a member iff the largest test value sorted before it (the
    k-th smallest, k the number of test values before it) equals it.
    """
    e, t = _common("isin", e, t)
    eshape = _util.aval(e).shape
    n, m = _util.prod(eshape), _util.aval(t).shape[0]
    if m == 0 or n == 0:
        return _util.in_namespace(np.zeros(eshape, bool), e, t)
    ts = sorting.sort(t, 0)
    both = slicing.concatenate([ts, _nonzero._ravel(e)], 0)
    perm = sorting.argsort(both, 0)
    seen = _running_count(comparison.lt(perm, _int(m, (n + m,))))
    last = _gather0(ts, comparison.max(elementwise.sub(seen, _int(1, (n + m,))),
                                       _int(0, (n + m,))))
    hit = comparison.and_(comparison.gt(seen, _int(0, (n + m,))),
                          comparison.eq(last, _gather0(both, perm)))
    where = indexing.scatter(_int(0, (n + m,)), perm, np.arange(n + m, dtype=INDEX), 0)
    return shape_prims.reshape(_gather0(hit, slicing.slice(where, (m,), (n + m,))), eshape)


def _common(fname: str, *arrays):
    """The arrays as NumPy values or tracers, promoted to their common dtype."""
    arrays = [_util.as_array(a, fname) for a in arrays]
    out, _, _ = _util.promote(*arrays)
    return [_util.as_array(a, fname) for a in out]


def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """Whether each entry of `element` is in `test_elements`, as `numpy.isin`.

    The output has `element`'s shape, so this works traced without `size=`. Built from one
    sort of both arrays together (no all-pairs comparison).

    Args:
      element: an array, traced value or scalar.
      test_elements: an array, traced value or scalar (flattened).
      assume_unique: accepted for NumPy's signature (the result does not depend on it).
      invert: return the negation (whether each entry is *not* in `test_elements`).
      kind: None, 'sort' or 'table': accepted for NumPy's signature (one algorithm here).

    Returns:
      A bool array of `element`'s shape (not differentiable). NaN is in no set.

    Example:
      >>> fnp.isin(np.array([1, 2, 3]), np.array([3, 1]))
      array([ True, False,  True])
    """
    del assume_unique
    if kind not in (None, "sort", "table"):
        raise errors.FunctransValueError(
            f"isin: `kind`={kind!r} is not one of None, 'sort', 'table'.")
    e = _util.as_array(element, "isin")
    out = _member(e, _nonzero._ravel(_util.as_array(test_elements, "isin")))
    return comparison.not_(out) if invert else out


# --------------------------------------------------------------------------- set functions


def _set_operands(fname: str, ar1, ar2, size, fix: str, promote: bool = True):
    """Both arguments flattened (and promoted to their common dtype); without `size` they
    must be concrete."""
    if size is None:
        _nonzero._require_concrete(fname, "ar1", ar1, fix)
        _nonzero._require_concrete(fname, "ar2", ar2, fix)
    if promote:
        ar1, ar2 = _common(fname, ar1, ar2)
    return (_nonzero._ravel(_util.as_array(ar1, fname)),
            _nonzero._ravel(_util.as_array(ar2, fname)))


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):
    """The sorted unique values in both `ar1` and `ar2`, as `numpy.intersect1d`.

    Args:
      ar1, ar2: arrays, traced values or scalars (flattened).
      assume_unique: NumPy's hint; the sized result does not depend on it.
      return_indices: also return the index of the first occurrence of each value in
        `ar1` and in `ar2`.
      size: a static int: return exactly `size` values, padded with `fill_value` (JAX's
        keyword); padded indices are `ar1.size` and `ar2.size` (out of bounds, as JAX).
        Required when either argument is traced.
      fill_value: padding of the values (default: the smallest common value, 0 if none).

    Returns:
      The values (differentiable, through `ar1`'s first occurrence), or a tuple with the
      int64 indices.

    Raises:
      ConcretizationError: an argument is traced and `size` is not given.

    Example:
      >>> fnp.intersect1d(np.array([1, 3, 4, 3]), np.array([3, 1, 2, 1]))
      array([1, 3])
    """
    fix = "intersect1d(ar1, ar2, size=N, fill_value=None)"
    x1, x2 = _set_operands("intersect1d", ar1, ar2, size, fix)
    if size is None:
        res = np.intersect1d(x1, x2, assume_unique, return_indices)
        if return_indices:
            return res[0], np.asarray(res[1], INDEX), np.asarray(res[2], INDEX)
        return res
    size = _nonzero._check_size("intersect1d", size)
    values, perm1, pos1, valid, _ = _sorted_unique("intersect1d", x1, size, fill_value, True,
                                                   _member(x1, x2))
    if not return_indices:
        return values
    _, perm2, pos2, _, _ = _sorted_unique("intersect1d", x2, size, None, True, _member(x2, x1))
    out = [values]
    for x, perm, pos in ((x1, perm1, pos1), (x2, perm2, pos2)):
        n = _util.aval(x).shape[0]
        idx = _gather0(perm, pos) if n else _int(0, (size,))
        out.append(elementwise.select(valid, idx, _int(n, (size,))))
    return _util.in_namespace(tuple(out), x1, x2)


def union1d(ar1, ar2, *, size=None, fill_value=None):
    """The sorted unique values in `ar1` or `ar2`, as `numpy.union1d`.

    `size`/`fill_value` as in `unique` (required when an argument is traced). The values
    are differentiable through their first occurrence in `concatenate([ar1, ar2])`.

    Example:
      >>> fnp.union1d(np.array([3, 1]), np.array([2, 1]))
      array([1, 2, 3])
    """
    fix = "union1d(ar1, ar2, size=N, fill_value=None)"
    x1, x2 = _set_operands("union1d", ar1, ar2, size, fix)
    both = slicing.concatenate([x1, x2], 0)
    if size is None:
        return np.unique(both)
    size = _nonzero._check_size("union1d", size)
    return _sorted_unique("union1d", both, size, fill_value, True)[0]


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The unique values in `ar1` that are not in `ar2`, as `numpy.setdiff1d`.

    Sorted unless `assume_unique` (then in `ar1`'s order, as NumPy). `size`/`fill_value` as
    in `unique` (the default fill repeats the first entry); required when an argument is
    traced. The values are differentiable through `ar1`.

    Example:
      >>> fnp.setdiff1d(np.array([1, 2, 3, 2, 4, 1]), np.array([3, 4, 5, 6]))
      array([1, 2])
    """
    fix = "setdiff1d(ar1, ar2, size=N, fill_value=None)"
    # NumPy returns `ar1`'s values in `ar1`'s dtype (no promotion with `ar2`).
    x1, x2 = _set_operands("setdiff1d", ar1, ar2, size, fix, promote=False)
    if size is None:
        return np.setdiff1d(x1, x2, assume_unique)
    size = _nonzero._check_size("setdiff1d", size)
    keep = comparison.not_(_member(x1, x2))
    if assume_unique:
        return _compact("setdiff1d", x1, keep, size, fill_value)[0]
    return _sorted_unique("setdiff1d", x1, size, fill_value, True, keep)[0]


def _unique_with_valid(x, assume_unique: bool):
    """`x`'s unique values padded to its length, with their validity (for setxor1d)."""
    n = _util.aval(x).shape[0]
    if assume_unique or n == 0:
        return x, np.ones(n, bool)
    values, _, _, valid, _ = _sorted_unique("setxor1d", x, n, None, True)
    return values, valid


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted values in exactly one of `ar1` and `ar2`, as `numpy.setxor1d`.

    As NumPy, a NaN in both arrays appears twice. `size`/`fill_value` as in `unique`;
    required when an argument is traced. The values are differentiable.

    Example:
      >>> fnp.setxor1d(np.array([1, 2, 3, 4]), np.array([3, 4, 5, 6]))
      array([1, 2, 5, 6])
    """
    fix = "setxor1d(ar1, ar2, size=N, fill_value=None)"
    x1, x2 = _set_operands("setxor1d", ar1, ar2, size, fix)
    if size is None:
        return np.setxor1d(x1, x2, assume_unique)
    size = _nonzero._check_size("setxor1d", size)
    u1, v1 = _unique_with_valid(x1, assume_unique)
    u2, v2 = _unique_with_valid(x2, assume_unique)
    aux = slicing.concatenate([u1, u2], 0)
    n = _util.aval(aux).shape[0]
    if n == 0:
        return _compact("setxor1d", aux, np.zeros(0, bool), size, fill_value)[0]
    perm = _sort_perm(aux, slicing.concatenate([v1, v2], 0))
    s = _gather0(aux, perm)
    vs = _gather0(slicing.concatenate([v1, v2], 0), perm)
    keep = vs
    if n > 1:
        ne = comparison.ne(slicing.slice(s, (1,), (n,)), slicing.slice(s, (0,), (n - 1,)))
        # The next entry differs, or is invalid (invalid entries sort last).
        ne_next = comparison.or_(ne, comparison.not_(slicing.slice(vs, (1,), (n,))))
        keep = comparison.and_(keep, slicing.concatenate([np.ones(1, bool), ne], 0))
        keep = comparison.and_(keep, slicing.concatenate([ne_next, np.ones(1, bool)], 0))
    return _compact("setxor1d", s, keep, size, fill_value)[0]
