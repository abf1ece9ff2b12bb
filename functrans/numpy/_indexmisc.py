"""`functrans.numpy`: index arithmetic, `apply_along_axis`, `fill_diagonal`, `put`, `convolve`.

`ravel_multi_index` / `unravel_index` (integer arithmetic), `mask_indices`, `fill_diagonal`
and `put` (JAX's functional `inplace=False` forms of NumPy's mutators: one scatter),
`apply_along_axis` (nested `vmap`, as JAX), `apply_over_axes`, `einsum_path` (NumPy's on
stand-ins of the operands' shapes) and the 1-d `convolve` / `correlate` (one
`conv_general_dilated`).

Compositions of the other functrans.numpy modules and `functrans.api.vmap`; owns no primitive.
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import api, core, errors
from functrans.numpy import (
    _indexing,
    _shape,
    _ufuncs,
    _util,
)
from functrans.primitives import complex_parts, convolution

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "apply_along_axis", "apply_over_axes", "convolve", "correlate", "einsum_path",
    "fill_diagonal", "mask_indices", "put", "ravel_multi_index", "unravel_index",
]

_INT = np.dtype(np.int64)


# --------------------------------------------------------------------------- apply


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """`func1d` applied to the 1-d slices of `arr` along `axis`, as `numpy.apply_along_axis`.

    Built as JAX's: `func1d` is traced once and mapped over the other axes with nested
    `vmap`s, so it must be written with functrans.numpy (or lax) functions, not NumPy's.

    Args:
      func1d: a function of a 1-d array (plus `args`, `kwargs`) returning a scalar or an array.
      axis: the axis of `arr` along which to slice (negative counts from the end).
      arr: an array or traced value, at least 1-d.
      *args, **kwargs: passed on to `func1d` (not mapped).

    Returns:
      `arr.shape[:axis] + out.shape + arr.shape[axis + 1:]`, with `out` func1d's result on
      one slice. Differentiable where func1d is.

    Example:
      >>> fnp.apply_along_axis(fnp.sum, 1, np.arange(6.0).reshape(2, 3))
      array([ 3., 12.])
    """
    arr = _util.as_array(arr, "apply_along_axis")
    shape = _util.aval(arr).shape
    axis = _util.canonicalize_axis(axis, len(shape), "apply_along_axis")
    if 0 in shape[:axis] + shape[axis + 1:]:
        raise errors.FunctransValueError(
            f"apply_along_axis: cannot apply along axis {axis} of an array of shape {shape}: "
            "an iteration dimension is 0 (NumPy's rule; the result's shape is unknown).")

    def func(x):
        # A scalar or a list result becomes an array, as NumPy's `asanyarray(res)`.
        return _util.as_array(func1d(x, *args, **kwargs), "apply_along_axis")

    for i in range(1, len(shape) - axis):
        func = api.vmap(func, in_axes=i, out_axes=-1)
    for _ in range(axis):
        func = api.vmap(func, in_axes=0, out_axes=0)
    return _util.in_namespace(func(arr), arr)   # a constant func1d gives a NumPy constant


def apply_over_axes(func, a, axes):
    """`func(a, axis)` applied repeatedly over `axes`, as `numpy.apply_over_axes`.

    Args:
      func: called as `func(a, axis)`; must return an array of a's rank or one less (then the
        reduced axis is put back with size 1).
      a: an array or traced value.
      axes: an int or a sequence of ints (negative counts from the end).

    Returns:
      An array of a's rank. Differentiable where func is.

    Raises:
      FunctransValueError: func returned an array of another rank.

    Example:
      >>> fnp.apply_over_axes(fnp.sum, np.arange(6.0).reshape(2, 3), [0, 1])
      array([[15.]])
    """
    val = _util.as_array(a, "apply_over_axes")
    ndim = _util.aval(val).ndim
    for axis in np.atleast_1d(np.asarray(axes)).tolist():
        axis = operator.index(axis)
        axis = axis + ndim if axis < 0 else axis
        res = _util.as_array(func(val, axis), "apply_over_axes")
        rank = _util.aval(res).ndim
        if rank == ndim - 1:
            res = _shape.expand_dims(res, axis)
        elif rank != ndim:
            raise errors.FunctransValueError(
                f"apply_over_axes: function is not returning an array of the correct shape "
                f"(rank {rank} for an input of rank {ndim}; it must be {ndim} or {ndim - 1}).")
        val = res
    return val


def _stand_in(x):
    """A traced operand as a zero-strided NumPy array of its shape and dtype (no memory)."""
    if _util.is_deferred(x):
        return np.broadcast_to(np.zeros((), x.dtype), x.shape)
    return x


def einsum_path(subscripts, *operands, optimize="greedy"):
    """The contraction order `numpy.einsum_path` finds, for arrays or traced values.

    The path depends only on the operands' shapes, which are static, so traced operands are
    replaced by stand-ins of their shapes and NumPy's own search runs on them.

    Args:
      subscripts: the einsum subscripts (or the first operand, in the interleaved form).
      *operands: arrays or traced values (and sublists, in the interleaved form).
      optimize: 'greedy' (default), 'optimal', False/True, or an explicit path, as NumPy.

    Returns:
      NumPy's `(path, description)`: a list `['einsum_path', (i, j), ...]` and a string.

    Example:
      >>> fnp.einsum_path('ij,jk->ik', np.ones((2, 3)), np.ones((3, 4)))[0]
      ['einsum_path', (0, 1)]
    """
    return np.einsum_path(_stand_in(subscripts), *[_stand_in(x) for x in operands],
                          optimize=optimize)


# --------------------------------------------------------------------------- mutators


def _immutable(fname: str):
    return errors.FunctransValueError(
        f"{fname}: functrans values are immutable, so the in-place form is not supported; call "
        f"{fname}(..., inplace=False) for the updated copy (JAX's form), or use "
        "x.at[idx].set(values).")


def _cycled(values, count: int, fname: str):
    """The values flattened and repeated cyclically to `count` elements (NumPy's `a.flat[...] =
    v` and `put` rule: a short `v` repeats, a long one is cut)."""
    flat = _shape.ravel(_util.as_array(values, fname))
    n = _util.aval(flat).shape[0]
    if n == count:
        return flat
    if n == 0:
        raise errors.FunctransValueError(f"{fname}: cannot fill {count} elements from an "
                                         "empty array of values.")
    return _indexing.getitem(flat, np.arange(count) % n)


def fill_diagonal(a, val, wrap=False, *, inplace=True):
    """`a` with its main diagonal set to `val`: JAX's functional form of
    `numpy.fill_diagonal` (it must be called with `inplace=False`).

    Args:
      a: an array or traced value, at least 2-d (all dimensions equal beyond 2-d).
      val: a scalar or an array, flattened and repeated cyclically along the diagonal;
        converted to a's dtype.
      wrap: for a tall 2-d array, whether the diagonal wraps after N columns (NumPy's rule).
      inplace: must be False (functrans values are immutable).

    Returns:
      A new array (one scatter). Differentiable in `a` (zero on the diagonal) and `val`.

    Raises:
      FunctransValueError: inplace=True, NumPy's in-place form: use inplace=False.

    Example:
      >>> fnp.fill_diagonal(np.zeros((2, 3)), 7.0, inplace=False)
      array([[7., 0., 0.],
             [0., 7., 0.]])
    """
    if inplace:
        raise _immutable("fill_diagonal")
    a = _util.as_array(a, "fill_diagonal")
    shape = _util.aval(a).shape
    if len(shape) < 2:
        raise errors.FunctransValueError(
            f"fill_diagonal: array must be at least 2-d, got shape {shape}.")
    end = None
    if len(shape) == 2:
        step = shape[1] + 1
        if not wrap:
            end = shape[1] * shape[1]
    else:
        if any(n != shape[0] for n in shape):
            raise errors.FunctransValueError(
                f"fill_diagonal: all dimensions of input must be of equal length, got shape "
                f"{shape}.")
        step = 1 + int(np.cumprod(shape[:-1]).sum())
    positions = np.arange(_util.prod(shape))[:end:step]
    flat = _shape.ravel(a)
    if positions.size == 0:
        return a
    values = _cycled(val, positions.size, "fill_diagonal")
    out = _indexing.IndexUpdateHelper(flat)[positions].set(values)
    return _shape.reshape(out, shape)


_PUT_MODES = ("raise", "wrap", "clip")


def put(a, ind, v, mode="raise", *, inplace=True):
    """`a` with the elements at the flat positions `ind` replaced by `v`: JAX's functional
    form of `numpy.put` (it must be called with `inplace=False`).

    Args:
      a: an array or traced value (never modified).
      ind: integer flat indices (concrete or traced), any shape (flattened).
      v: values, flattened and repeated cyclically to the number of indices; converted to
        a's dtype.
      mode: 'raise' (negative indices count from the end, others out of range raise
        IndexError: at once when concrete, when the program runs when traced), 'wrap'
        (indices modulo a.size) or 'clip' (into [0, a.size - 1]; no negative indexing).
      inplace: must be False (functrans values are immutable).

    Returns:
      A new array of a's shape (one scatter; with repeated indices the last write wins).
      Differentiable in `a` (zero at the overwritten positions) and `v`.

    Raises:
      FunctransValueError: inplace=True, NumPy's in-place form: use inplace=False.

    Example:
      >>> fnp.put(np.zeros(4), np.array([0, 2]), np.array([5.0, 6.0]), inplace=False)
      array([5., 0., 6., 0.])
    """
    if inplace:
        raise _immutable("put")
    if mode not in _PUT_MODES:
        raise errors.FunctransValueError(
            f"put: mode must be one of 'raise', 'wrap' or 'clip', got {mode!r}.")
    a = _util.as_array(a, "put")
    shape = _util.aval(a).shape
    size = _util.prod(shape)
    ind = _shape.ravel(_index_operand(ind, "put", "ind"))
    count = _util.aval(ind).shape[0]
    if count == 0 or _util.aval(_util.as_array(v, "put")).size == 0:
        return a
    if size == 0:
        raise IndexError("put: cannot replace elements of an empty array.")
    if mode == "wrap":
        ind = _ufuncs.remainder(ind, size)
    elif mode == "clip":
        ind = _ufuncs.clip(ind, 0, size - 1)
    values = _cycled(v, count, "put")
    out = _indexing.IndexUpdateHelper(_shape.ravel(a))[ind].set(values)
    return _shape.reshape(out, shape)


# --------------------------------------------------------------------------- index arithmetic


def _index_operand(x, fname: str, argname: str):
    """An integer index operand as int64 (NumPy's intp); other dtypes raise TypeError."""
    x = _util.as_array(x, fname)
    if _util.aval(x).dtype.kind not in "iu":
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` must hold integers, got dtype {_util.aval(x).dtype.name}.")
    return _util.convert(x, _INT)


def _static_dims(dims, fname: str, argname: str) -> tuple[int, ...]:
    if isinstance(dims, core.Tracer):
        raise errors.ConcretizationError(
            f"{fname}: `{argname}` must be concrete (it fixes the result's shape); got a traced "
            "value.")
    dims = tuple(operator.index(d) for d in np.atleast_1d(np.asarray(dims)).tolist())
    if any(d < 0 for d in dims):
        raise errors.FunctransValueError(f"{fname}: dimensions must be non-negative, got {dims}.")
    return dims


def _strides(dims: tuple[int, ...], order: str, fname: str) -> list[int]:
    if order not in ("C", "F"):
        raise errors.FunctransValueError(f"{fname}: order must be 'C' or 'F', got {order!r}.")
    strides, acc = [], 1
    for d in (reversed(dims) if order == "C" else dims):
        strides.append(acc)
        acc *= d
    return strides[::-1] if order == "C" else strides


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """The flat indices of the coordinate arrays `multi_index` in an array of shape `dims`,
    as `numpy.ravel_multi_index`.

    Args:
      multi_index: a tuple of integer arrays (concrete or traced), one per dimension,
        broadcast together.
      dims: the array's shape (concrete ints).
      mode: 'raise', 'wrap' or 'clip', or a tuple of them, one per dimension. With 'raise'
        out-of-range coordinates raise ValueError; as JAX, 'raise' needs concrete coordinates
        (use 'clip' or 'wrap' under a transformation).
      order: 'C' (row-major) or 'F' (column-major).

    Returns:
      The flat indices, int64, of the broadcast shape of the coordinates.

    Raises:
      ConcretizationError: mode 'raise' with traced coordinates.
      FunctransValueError: a concrete coordinate out of range with mode 'raise'.

    Example:
      >>> fnp.ravel_multi_index((np.array([0, 1]), np.array([2, 0])), (2, 3))
      array([2, 3])
    """
    dims = _static_dims(dims, "ravel_multi_index", "dims")
    if len(multi_index) != len(dims):
        raise errors.FunctransValueError(
            f"ravel_multi_index: parameter multi_index must be a sequence of length "
            f"{len(dims)} (one per dimension of dims={dims}), got {len(multi_index)}.")
    modes = (mode,) * len(dims) if isinstance(mode, str) else tuple(mode)
    if len(modes) != len(dims) or any(m not in _PUT_MODES for m in modes):
        raise errors.FunctransValueError(
            f"ravel_multi_index: mode must be 'raise', 'wrap' or 'clip' or a tuple of one per "
            f"dimension, got {mode!r}.")
    idx = [_index_operand(i, "ravel_multi_index", "multi_index") for i in multi_index]
    strides = _strides(dims, order, "ravel_multi_index")
    result = np.zeros((), _INT)
    for i, d, m, s in zip(idx, dims, modes, strides, strict=True):
        if m == "raise":
            _check_coordinates(i, d)
        elif m == "wrap":
            i = _ufuncs.remainder(i, d)
        else:
            i = _ufuncs.clip(i, 0, d - 1)
        result = _ufuncs.add(result, _ufuncs.multiply(i, s))
    return result


def _check_coordinates(i, d: int) -> None:
    if _util.is_deferred(i):
        raise errors.ConcretizationError(
            "ravel_multi_index: mode='raise' checks the coordinates, which needs their values, "
            "but they are traced (or foreign arrays, not read on the host); use mode='clip' or "
            "mode='wrap' under a transformation or on foreign arrays.")
    if np.any((i < 0) | (i >= d)):
        raise errors.FunctransValueError("ravel_multi_index: invalid entry in coordinates array.")


def unravel_index(indices, shape, order="C"):
    """The coordinate arrays of the flat `indices` in an array of `shape`, as
    `numpy.unravel_index`.

    Args:
      indices: integer flat indices, concrete or traced, any shape.
      shape: the array's shape (concrete ints).
      order: 'C' (row-major) or 'F' (column-major).

    Returns:
      A tuple of int64 arrays of `indices`' shape, one per dimension of `shape`.

    Raises:
      FunctransValueError: a concrete index outside [0, prod(shape)) (NumPy's rule).

    Difference from NumPy, as JAX: traced indices are not checked; a negative one counts from
    the end and one out of range is clipped (to the last element, or the first).

    Example:
      >>> fnp.unravel_index(np.array([5, 1]), (2, 3))
      (array([1, 0]), array([2, 1]))
    """
    shape = _static_dims(shape, "unravel_index", "shape")
    strides = _strides(shape, order, "unravel_index")
    flat = _index_operand(indices, "unravel_index", "indices")
    size = _util.prod(shape)
    if _util.is_deferred(flat):   # traced, or foreign (not read on the host)
        if size == 0:
            raise errors.FunctransValueError(
                f"unravel_index: every index is out of bounds for an array of shape {shape}.")
        flat = _ufuncs.where(_ufuncs.less(flat, 0), _ufuncs.add(flat, size), flat)
        flat = _ufuncs.clip(flat, 0, size - 1)
    else:
        bad = flat[(flat < 0) | (flat >= size)]
        if bad.size:
            raise errors.FunctransValueError(
                f"unravel_index: index {bad.flat[0]} is out of bounds for array with size "
                f"{size}.")
    return tuple(_ufuncs.remainder(_ufuncs.floor_divide(flat, s), d) if d else flat
                 for d, s in zip(shape, strides, strict=True))


def mask_indices(n, mask_func, k=0):
    """The indices of the nonzero entries of `mask_func(ones((n, n)), k)`, as
    `numpy.mask_indices`.

    Args:
      n: the size of the square mask (a concrete int).
      mask_func: a function like `triu` or `tril` (NumPy's or functrans.numpy's), called on a
        NumPy array.
      k: passed to mask_func.

    Returns:
      `(rows, cols)`, int64 NumPy arrays (concrete: the count depends on the mask's values).

    Example:
      >>> fnp.mask_indices(3, np.triu, 1)
      (array([0, 0, 1]), array([1, 2, 2]))
    """
    n = operator.index(n)
    mask = mask_func(np.ones((n, n), int), k)
    if isinstance(mask, core.Tracer):
        raise errors.ConcretizationError(
            "mask_indices: mask_func returned a traced value; the number of indices depends "
            "on its values, so it must be computed from concrete values.")
    return np.nonzero(np.asarray(mask) != 0)


# --------------------------------------------------------------------------- convolutions


_CONV_MODES = ("full", "same", "valid")


def _conv_operands(fname: str, a, v, mode: str):
    if mode not in _CONV_MODES:
        raise errors.FunctransValueError(
            f"{fname}: mode must be one of 'valid', 'same', or 'full', got {mode!r}.")
    a, v = _util.as_array(a, fname), _util.as_array(v, fname)
    if fname == "convolve":
        # NumPy's convolve takes scalars as length 1; its correlate does not.
        a, v = _shape.atleast_1d(a), _shape.atleast_1d(v)
    for x, name in ((a, "a"), (v, "v")):
        aval = _util.aval(x)
        if aval.ndim != 1:
            raise errors.FunctransValueError(
                f"{fname}: `{name}` must be 1-d, got shape {aval.shape}.")
        if aval.shape[0] == 0:
            raise errors.FunctransValueError(f"{fname}: `{name}` cannot be empty.")
    (a, v), _, _ = _util.promote(a, v)
    return a, v


def _correlate_sorted(a, v, mode: str):
    """NumPy's correlation `out[k] = sum_j a[k + j - pad] * v[j]` for len(a) >= len(v).

    One `conv_general_dilated` of the (1, 1, n) and (1, 1, m) views, the mode's zero padding
    as its padding: differentiable and batchable in both operands by the primitive's rules.
    """
    n, m = _util.aval(a).shape[0], _util.aval(v).shape[0]
    if _util.aval(a).dtype == np.bool_:
        # NumPy's bool sum of products is an OR of ANDs: a count above zero.
        counts = _correlate_sorted(_util.convert(a, _INT), _util.convert(v, _INT), mode)
        return counts > 0
    lo = {"full": m - 1, "same": m // 2, "valid": 0}[mode]
    hi = {"full": m - 1, "same": m - 1 - m // 2, "valid": 0}[mode]
    out = convolution.conv_general_dilated(_shape.reshape(a, (1, 1, n)),
                                           _shape.reshape(v, (1, 1, m)), (1,), [(lo, hi)])
    return _shape.reshape(out, (-1,))


def _reverse(x):
    return _indexing.getitem(x, slice(None, None, -1))


def correlate(a, v, mode="valid"):
    """The cross-correlation of two 1-d sequences, as `numpy.correlate`.

    Args:
      a, v: 1-d non-empty arrays or traced values.
      mode: 'valid' (default; length max(N, M) - min(N, M) + 1), 'same' (length max(N, M))
        or 'full' (length N + M - 1).

    Returns:
      `c[k] = sum_n a[n + k] * v[n]` over the mode's range of k, in the operands' promoted
      dtype. When v is longer than a, NumPy's rule: the operands are swapped and the result
      reversed. Differentiable in both operands.

    Example:
      >>> fnp.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), 'full')
      array([0.5, 2. , 3.5, 3. , 0. ])
    """
    a, v = _conv_operands("correlate", a, v, mode)
    if _util.aval(v).dtype.kind == "c":   # NumPy's correlate conjugates v
        v = complex_parts.conj(v)
    if _util.aval(v).shape[0] > _util.aval(a).shape[0]:
        return _reverse(_correlate_sorted(v, a, mode))
    return _correlate_sorted(a, v, mode)


def convolve(a, v, mode="full"):
    """The discrete linear convolution of two 1-d sequences, as `numpy.convolve`.

    Args:
      a, v: 1-d non-empty arrays or traced values (scalars count as length 1).
      mode: 'full' (default; length N + M - 1), 'same' (length max(N, M)) or 'valid'
        (length max(N, M) - min(N, M) + 1).

    Returns:
      `(a * v)[k] = sum_m a[m] * v[k - m]` over the mode's range, in the operands' promoted
      dtype; the longer operand plays `a` (NumPy's swap). One `lax.conv_general_dilated`.
      Differentiable in both operands.

    Example:
      >>> fnp.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
      array([0. , 1. , 2.5, 4. , 1.5])
    """
    a, v = _conv_operands("convolve", a, v, mode)
    if _util.aval(v).shape[0] > _util.aval(a).shape[0]:
        a, v = v, a
    return _correlate_sorted(a, _reverse(v), mode)
