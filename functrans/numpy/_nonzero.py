"""`functrans.numpy`: `nonzero` and the functions whose output size depends on values (`size=`).

Owns `nonzero`, `argwhere`, `flatnonzero`, `extract`, `compress`, `trim_zeros`, and the
conventions every function with a value-dependent output shape shares (`_setops` uses them
too): `_require_concrete` (a traced argument that decides the output shape needs `size=`),
`_check_size`, `_mask_positions` (the sized form of `nonzero` of a 1-d mask, built from
`argsort`, so that `jit`, `vmap` and derivatives work) and `_fill_array`.

On concrete (NumPy) arguments and without `size=`, each function is exactly NumPy's. With
`size=` (JAX's design) the output has `size` entries along the data-dependent axis: the first
ones NumPy's, truncated when there are more, padded with `fill_value` when there are fewer;
this works under every transformation, and `vmap` pads each batch element separately.
Without `size=` an argument that decides the output shape must be concrete; a traced one
raises `ConcretizationError` showing the `size=` form. Index outputs are int64 (NumPy's
`intp`) and carry no derivatives; gathered values are differentiable through the gather.
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import core, errors
from functrans.numpy import _util
from functrans.primitives import comparison, elementwise, indexing, slicing, sorting
from functrans.primitives import shape as shape_prims

__all__ = ["nonzero", "argwhere", "flatnonzero", "extract", "compress", "trim_zeros"]

INDEX = np.dtype(np.int64)


# --------------------------------------------------------------------------- shared helpers


def _require_concrete(fname: str, argname: str, x, fix: str) -> None:
    """Raise ConcretizationError when `x`, whose values decide the output shape, is traced,
    or is (or holds) a foreign array, which functrans does not read on the host."""
    if _util.contains_tracer(x):
        raise errors.ConcretizationError(
            f"{fname}: the output shape depends on the values of argument `{argname}`, which is "
            "traced here (inside grad, vmap, jit or another transformation), so the shape "
            f"cannot be known while tracing. Pass a static output size: `{fix}` returns "
            "exactly N entries, truncated or padded with `fill_value`.")
    be = _util.foreign_backend(x)
    if be is not None:
        raise errors.ConcretizationError(
            f"{fname}: the output shape depends on the values of argument `{argname}`, a "
            f"{be.name} array, which functrans does not read on the host (a device-to-host "
            f"copy, or a computation of the Dask graph). Pass a static output size: `{fix}` "
            "returns exactly N entries, truncated or padded with `fill_value`; or convert the "
            "argument to NumPy first (docs/backends.md, \"Top-level calls\").")


def _check_size(fname: str, size) -> int:
    """`size` as a non-negative Python int (a static value, never traced)."""
    if isinstance(size, core.Tracer):
        raise errors.FunctransTypeError(
            f"{fname}: `size` must be a static Python int, got a traced value.")
    try:
        size = operator.index(size)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{fname}: `size` must be an int, got {type(size).__name__}.") from e
    if size < 0:
        raise errors.FunctransValueError(f"{fname}: `size` must be >= 0, got {size}.")
    return size


def _int_const(value, shape) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(np.asarray(value, INDEX), shape))


def _fill_array(fname: str, fill, shape, dtype: np.dtype):
    """`fill` (a scalar, concrete or traced) converted to `dtype` and broadcast to `shape`."""
    fill = _util.as_array(fill, fname)
    if _util.aval(fill).ndim:
        raise errors.FunctransValueError(
            f"{fname}: `fill_value` must be a scalar, got shape {_util.aval(fill).shape}.")
    fill = _util.convert(fill, np.dtype(dtype))
    if not _util.is_deferred(fill):
        return np.full(shape, fill, dtype)
    return shape_prims.broadcast_in_dim(fill, tuple(shape), ())


def _mask_positions(mask, size: int):
    """The sized `nonzero` of a 1-d bool `mask`: (positions, valid, count).

    `positions` (int64, shape (size,)) holds the indices of the True entries in order, then 0
    where `valid` (bool, shape (size,)) is False; `count` is the number of True entries (int64,
    rank 0). Built from a stable `argsort` of `not mask` (True entries first, in order).
    """
    n = _util.aval(mask).shape[0]
    count = shape_prims.reduce_sum(elementwise.convert_element_type(mask, INDEX), (0,))
    if n == 0:
        return _int_const(0, (size,)), np.zeros(size, bool), count
    order = sorting.argsort(comparison.not_(mask), 0)
    if size <= n:
        order = slicing.slice(order, (0,), (size,))
    else:
        order = slicing.concatenate([order, _int_const(0, (size - n,))], 0)
    valid = comparison.lt(np.arange(size, dtype=INDEX), count)
    return elementwise.select(valid, order, _int_const(0, (size,))), valid, count


def _is_nonzero(a):
    """`a != 0` as a bool array (`a` itself when already bool)."""
    dtype = _util.aval(a).dtype
    if dtype == np.bool_:
        return a
    return comparison.ne(a, np.zeros((), dtype))


def _ravel(a):
    return shape_prims.reshape(a, (_util.prod(_util.aval(a).shape),))


def _fill_values(fname: str, fill_value, ndim: int) -> list:
    """`fill_value` of nonzero/argwhere: None (0), a scalar, or one scalar per dimension."""
    if fill_value is None:
        return [0] * ndim
    if isinstance(fill_value, (tuple, list)):
        if len(fill_value) != ndim:
            raise errors.FunctransValueError(
                f"{fname}: `fill_value` has {len(fill_value)} entries, expected one per "
                f"dimension of the input ({ndim}).")
        return list(fill_value)
    return [fill_value] * ndim


def _sized_nonzero(fname: str, a, size: int, fill_value) -> tuple:
    shape = _util.aval(a).shape
    fills = _fill_values(fname, fill_value, len(shape))
    if _util.prod(shape) == 0:
        return _util.in_namespace(
            tuple(_fill_array(fname, fill, (size,), INDEX) for fill in fills), a)
    pos, valid, _ = _mask_positions(_ravel(_is_nonzero(a)), size)
    out = []
    stride = _util.prod(shape)
    for n, fill in zip(shape, fills, strict=True):
        stride //= n
        idx = comparison.floor_divide(pos, _int_const(stride, (size,))) if stride != 1 else pos
        if len(shape) > 1:
            idx = comparison.rem(idx, _int_const(n, (size,)))
        out.append(elementwise.select(valid, idx, _fill_array(fname, fill, (size,), INDEX)))
    return tuple(out)


# --------------------------------------------------------------------------- public


def nonzero(a, *, size=None, fill_value=None):
    """The indices of the nonzero entries of `a`, one array per dimension, as `numpy.nonzero`.

    Args:
      a: an array or traced value of rank >= 1 (NumPy rejects 0-d input, and so does this).
      size: a static int: return exactly `size` indices per dimension, the first ones of
        NumPy's result, padded with `fill_value` (JAX's keyword). Required when `a` is traced.
      fill_value: the padding index when `size` is given: a scalar or one per dimension
        (default 0).

    Returns:
      A tuple of `a.ndim` int64 arrays (not differentiable).

    Raises:
      ConcretizationError: `a` is traced and `size` is not given.

    Example:
      >>> fnp.nonzero(np.array([0.0, 2.0, 0.0, 3.0]))
      (array([1, 3]),)
      >>> fnp.nonzero(np.array([0.0, 2.0]), size=3, fill_value=-1)
      (array([ 1, -1, -1]),)
    """
    a = _util.as_array(a, "nonzero")
    if _util.aval(a).ndim == 0:
        raise errors.FunctransValueError(
            "nonzero: calling nonzero on a 0-d array is not allowed (as in NumPy); use "
            "nonzero(atleast_1d(x)) instead.")
    if size is None:
        _require_concrete("nonzero", "a", a, "nonzero(a, size=N, fill_value=0)")
        return tuple(i.astype(INDEX) for i in np.nonzero(np.asarray(a)))
    return _sized_nonzero("nonzero", a, _check_size("nonzero", size), fill_value)


def argwhere(a, *, size=None, fill_value=None):
    """The indices of the nonzero entries of `a`, one row per entry, as `numpy.argwhere`.

    Args:
      a: an array, traced value or scalar.
      size: a static int: return exactly `size` rows, padded with `fill_value` (JAX's
        keyword). Required when `a` is traced.
      fill_value: the padding index: a scalar or one per dimension (default 0).

    Returns:
      An int64 array of shape (count, a.ndim), or (size, a.ndim) (not differentiable).

    Raises:
      ConcretizationError: `a` is traced and `size` is not given.

    Example:
      >>> fnp.argwhere(np.array([[0, 1], [2, 0]]))
      array([[0, 1],
             [1, 0]])
    """
    a = _util.as_array(a, "argwhere")
    if size is None:
        _require_concrete("argwhere", "a", a, "argwhere(a, size=N, fill_value=0)")
        return np.argwhere(np.asarray(a)).astype(INDEX)
    size = _check_size("argwhere", size)
    ndim = _util.aval(a).ndim
    if ndim == 0:
        # NumPy's rule: a 0-d input is treated as 1-d, and the index column dropped.
        _sized_nonzero("argwhere", shape_prims.reshape(a, (1,)), size, fill_value)
        return _util.in_namespace(np.zeros((size, 0), INDEX), a)
    idx = _sized_nonzero("argwhere", a, size, fill_value)
    cols = [shape_prims.reshape(i, (size, 1)) for i in idx]
    return cols[0] if ndim == 1 else slicing.concatenate(cols, 1)


def flatnonzero(a, *, size=None, fill_value=None):
    """The indices of the nonzero entries of `ravel(a)`, as `numpy.flatnonzero`.

    Args:
      a: an array, traced value or scalar.
      size: a static int: return exactly `size` indices, padded with `fill_value` (JAX's
        keyword). Required when `a` is traced.
      fill_value: the padding index (default 0).

    Returns:
      A 1-d int64 array (not differentiable).

    Raises:
      ConcretizationError: `a` is traced and `size` is not given.

    Example:
      >>> fnp.flatnonzero(np.array([[0, 5], [7, 0]]))
      array([1, 2])
    """
    a = _util.as_array(a, "flatnonzero")
    if size is None:
        _require_concrete("flatnonzero", "a", a, "flatnonzero(a, size=N, fill_value=0)")
        return np.flatnonzero(np.asarray(a)).astype(INDEX)
    return _sized_nonzero("flatnonzero", _ravel(a), _check_size("flatnonzero", size),
                          fill_value)[0]


def _condition_indices(fname: str, condition, n: int, what: str) -> np.ndarray:
    """The indices of a concrete condition's True entries, checked against length `n`."""
    idx = np.flatnonzero(np.asarray(condition)).astype(INDEX)
    if idx.size and idx[-1] >= n:
        raise errors.FunctransValueError(
            f"{fname}: `condition` selects index {idx[-1]}, out of bounds for {what} of "
            f"length {n} (NumPy raises here too); shorten `condition`.")
    return idx


def _fit_mask(mask, n: int):
    """A 1-d bool mask truncated or padded with False to length `n` (JAX's rule with size=)."""
    m = _util.aval(mask).shape[0]
    if m >= n:
        return slicing.slice(mask, (0,), (n,)) if m > n else mask
    return slicing.concatenate([mask, np.zeros(n - m, bool)], 0)


def _sized_take(fname: str, a, mask, axis: int, size: int, fill_value):
    """The entries of `a` along `axis` where the 1-d `mask` is True: `size` of them."""
    shape = _util.aval(a).shape
    out_shape = shape[:axis] + (size,) + shape[axis + 1:]
    fill = _fill_array(fname, fill_value, out_shape, _util.aval(a).dtype)
    pos, valid, _ = _mask_positions(_fit_mask(mask, shape[axis]), size)
    if shape[axis] == 0 or size == 0:
        return _util.in_namespace(fill, a, mask)
    taken = indexing.gather(a, pos, axis)
    valid = shape_prims.broadcast_in_dim(valid, out_shape, (axis,))
    return elementwise.select(valid, taken, fill)


def extract(condition, arr, *, size=None, fill_value=0):
    """The entries of `ravel(arr)` where `ravel(condition)` is nonzero, as `numpy.extract`.

    Args:
      condition: an array or traced value; nonzero entries select.
      arr: an array, traced value or scalar (differentiable).
      size: a static int: return exactly `size` entries, padded with `fill_value` (JAX's
        keyword). Required when `condition` is traced; with it a `condition` longer than `arr`
        is truncated and a shorter one padded with False (JAX's rule).
      fill_value: the padding value (default 0), converted to `arr`'s dtype.

    Returns:
      A 1-d array of `arr`'s dtype; the derivative goes to the selected entries.

    Raises:
      ConcretizationError: `condition` is traced and `size` is not given.

    Example:
      >>> fnp.extract(np.array([1, 0, 1]), np.array([1.0, 2.0, 3.0]))
      array([1., 3.])
    """
    condition = _util.as_array(condition, "extract")
    arr = _ravel(_util.as_array(arr, "extract"))
    n = _util.aval(arr).shape[0]
    if size is None:
        _require_concrete("extract", "condition", condition,
                         "extract(condition, arr, size=N, fill_value=0)")
        return indexing.gather(arr, _condition_indices("extract", condition, n, "arr"), 0)
    mask = _ravel(_is_nonzero(condition))
    return _sized_take("extract", arr, mask, 0, _check_size("extract", size), fill_value)


def compress(condition, a, axis=None, out=None, *, size=None, fill_value=0):
    """The slices of `a` along `axis` where `condition` is nonzero, as `numpy.compress`.

    Args:
      condition: a 1-d array or traced value; nonzero entries select.
      a: an array, traced value or scalar (differentiable).
      axis: the axis to select along; None (default) selects from `ravel(a)`.
      out: not supported; giving it raises FunctransTypeError.
      size: a static int: return exactly `size` slices, padded with `fill_value` (JAX's
        keyword). Required when `condition` is traced; with it a `condition` longer than the
        axis is truncated and a shorter one padded with False (JAX's rule).
      fill_value: the padding value (default 0), converted to `a`'s dtype.

    Returns:
      An array of `a`'s rank and dtype; the derivative goes to the selected slices.

    Raises:
      ConcretizationError: `condition` is traced and `size` is not given.

    Example:
      >>> fnp.compress(np.array([True, False, True]), np.array([[1, 2], [3, 4], [5, 6]]), 0)
      array([[1, 2],
             [5, 6]])
    """
    _util.check_unsupported("compress", out=out)
    condition = _util.as_array(condition, "compress")
    if _util.aval(condition).ndim != 1:
        raise errors.FunctransValueError(
            f"compress: `condition` must be a 1-d array, got shape "
            f"{_util.aval(condition).shape}.")
    a = _util.as_array(a, "compress")
    if axis is None:
        a, axis = _ravel(a), 0
    else:
        axis = _util.canonicalize_axis(axis, _util.aval(a).ndim, "compress")
    if size is None:
        _require_concrete("compress", "condition", condition,
                         "compress(condition, a, axis, size=N, fill_value=0)")
        n = _util.aval(a).shape[axis]
        return indexing.gather(a, _condition_indices("compress", condition, n, "the axis"), axis)
    return _sized_take("compress", a, _is_nonzero(condition), axis, _check_size("compress", size),
                       fill_value)


def trim_zeros(filt, trim="fb", axis=None):
    """`filt` without its leading and/or trailing zeros, as `numpy.trim_zeros`.

    Args:
      filt: a concrete array (or list). Its values decide the output shape and there is no
        `size=` form (as in JAX), so a traced `filt` raises ConcretizationError.
      trim: 'f' (front), 'b' (back) or 'fb' (both, default).
      axis: an int or a tuple of ints to trim along; None (default) trims every axis.

    Returns:
      An array (NumPy returns a list for a list input; this returns an array).

    Raises:
      ConcretizationError: `filt` is traced.

    Example:
      >>> fnp.trim_zeros(np.array([0, 0, 1, 2, 0]))
      array([1, 2])
    """
    if _util.contains_tracer(filt):
        raise errors.ConcretizationError(
            "trim_zeros: the output shape depends on the values of argument `filt`, which is "
            "traced here (inside grad, vmap, jit or another transformation), and trim_zeros "
            "has no size= form (as in JAX). Trim outside the transformation, or keep the "
            "shape and mask instead: `where(cumsum(x != 0) > 0, x, 0)`, or select with "
            "`extract(mask, x, size=N, fill_value=0)`.")
    be = _util.foreign_backend(filt)
    if be is not None:
        raise errors.ConcretizationError(
            f"trim_zeros: the output shape depends on the values of `filt`, a {be.name} "
            "array, which functrans does not read on the host, and trim_zeros has no size= "
            "form; convert it to NumPy first, or keep the shape and mask instead: "
            "`where(cumsum(x != 0) > 0, x, 0)`.")
    filt = _util.as_array(filt, "trim_zeros")
    if not isinstance(trim, str) or trim.lower() not in {"fb", "bf", "f", "b"}:
        raise errors.FunctransValueError(
            f"trim_zeros: unexpected `trim`={trim!r}; use 'f', 'b' or 'fb'.")
    if axis is not None:
        _util.canonicalize_axes(axis, np.ndim(filt), "trim_zeros")
    return np.asarray(np.trim_zeros(np.asarray(filt), trim, axis))
