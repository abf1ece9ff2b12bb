"""functrans.numpy: array manipulation (issue 12): rolling, rotating, flipping, splitting,
stacking, differences (grids and index functions are in `_grids`, `pad` in `_pad`).

Every function here is a composition of primitives and of the other functrans.numpy
modules, with NumPy's signature and semantics; owns no primitive. A static rearrangement
along one axis (roll, pad's edge/reflect/symmetric/wrap modes, insert, delete) is a few
`slice`/`rev`/`concatenate` equations (`_take_static`), so its derivative and batching are
those of the slicing primitives. Index-producing functions (`tril_indices`, `diag_indices`,
`indices`, ...) and creation functions of Python numbers return NumPy arrays, which are
constants of a traced program (as in `_creation`).
"""
from __future__ import annotations

import builtins
import itertools
import operator

import numpy as np

from functrans import backend, core, errors
from functrans.numpy import _indexing, _join, _reductions, _shape, _ufuncs, _util
from functrans.primitives import indexing, slicing
from functrans.primitives import shape as shape_prims

# The public names, re-exported by functrans.numpy.
__all__ = [
    "append", "array_split", "astype", "atleast_3d", "column_stack", "concat", "copy",
    "cumulative_sum", "diff", "dsplit", "dstack", "ediff1d", "fliplr", "flipud", "hsplit",
    "matrix_transpose", "permute_dims", "roll", "rollaxis", "rot90", "unstack", "vsplit"
]

# More runs than this in a static rearrangement: one `gather` instead of slices.
_MAX_RUNS = 8


# --------------------------------------------------------------------------- helpers


def _slice_axis(a, axis: int, start: int, stop: int):
    aval = _util.aval(a)
    starts = tuple(start if d == axis else 0 for d in range(aval.ndim))
    limits = tuple(stop if d == axis else n for d, n in enumerate(aval.shape))
    return slicing.slice(a, starts, limits)


def _runs(idx: np.ndarray) -> list[tuple[int, int, int]]:
    """`idx` as maximal runs `(first, length, step)` with step +1, -1 or 0."""
    runs: list[tuple[int, int, int]] = []
    i = 0
    while i < len(idx):
        step = int(idx[i + 1] - idx[i]) if i + 1 < len(idx) else 1
        if step not in (-1, 0, 1):
            step = 1
        j = i + 1
        while j < len(idx) and idx[j] - idx[j - 1] == step:
            j += 1
        runs.append((int(idx[i]), j - i, step))
        i = j
    return runs


def _take_static(a, idx, axis: int):
    """`a` indexed along `axis` by the concrete indices `idx` (in range): each run of
    consecutive, reversed or repeated indices is one slice (then `rev` or a broadcast), and
    the runs are concatenated; many runs become one `gather`."""
    idx = np.asarray(idx, np.int64)
    aval = _util.aval(a)
    n = aval.shape[axis]
    if len(idx) == n and np.array_equal(idx, np.arange(n)):
        return a
    if len(idx) == 0:
        return _slice_axis(a, axis, 0, 0)
    runs = _runs(idx)
    if len(runs) > _MAX_RUNS:
        return indexing.gather(a, idx, axis)
    pieces = []
    for first, length, step in runs:
        if step == 1:
            pieces.append(_slice_axis(a, axis, first, first + length))
        elif step == -1:
            piece = _slice_axis(a, axis, first - length + 1, first + 1)
            pieces.append(slicing.rev(piece, (axis,)))
        else:
            piece = _slice_axis(a, axis, first, first + 1)
            shape = aval.shape[:axis] + (length,) + aval.shape[axis + 1:]
            pieces.append(shape_prims.broadcast_in_dim(piece, shape, tuple(range(aval.ndim))))
    return pieces[0] if len(pieces) == 1 else slicing.concatenate(pieces, axis)


def _static_int(value, fname: str, argname: str) -> int:
    if isinstance(value, core.Tracer):
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` must be a concrete int, got a traced value (the output's "
            "shape would depend on it).")
    try:
        return operator.index(value)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` must be an int, got {type(value).__name__}.") from e


# --------------------------------------------------------------------------- rolling, rotating


def roll(a, shift, axis=None):
    """Roll the elements of `a` along `axis` (of the flattened array when None), as `numpy.roll`.

    Args:
      a: an array, traced value or Python scalar.
      shift: an int or a tuple of ints (broadcast against `axis`; shifts of a repeated axis
        add up). A traced integer shift is allowed too (then a `gather`, as in JAX).
      axis: None, an int or a tuple of ints.

    Returns:
      The rolled array: per axis, two slices and one `concatenate`.

    Example:
      >>> fnp.roll(np.arange(5), 2)
      array([3, 4, 0, 1, 2])
    """
    a = _util.as_array(a, "roll")
    shape = _util.aval(a).shape
    if axis is None and len(shape) == 1:
        axis = 0
    elif axis is None:
        return _shape.reshape(roll(_shape.ravel(a), shift, 0), shape)
    if _util.is_deferred(shift):
        return _roll_traced(a, shift, axis)
    total = [0] * len(shape)
    if type(shift) is int and type(axis) is int:
        # The common case, without NumPy's broadcasting of the arguments (tracing cost).
        total[_util.canonicalize_axis(axis, len(shape), "roll")] = shift
    else:
        shifts = np.broadcast_to(np.asarray(shift), np.broadcast_shapes(np.shape(shift),
                                                                        np.shape(axis)))
        axes = np.broadcast_to(np.asarray(axis), shifts.shape)
        if shifts.dtype.kind not in "iub" or axes.dtype.kind not in "iu":
            raise errors.FunctransTypeError(
                f"roll: `shift` and `axis` must be ints or tuples of ints, got {shift!r}, "
                f"{axis!r}.")
        for s, d in zip(shifts.ravel().tolist(), axes.ravel().tolist(), strict=True):
            total[_util.canonicalize_axis(d, len(shape), "roll")] += s
    for d, s in enumerate(total):
        n = shape[d]
        if n and s % n:
            k = n - s % n
            a = slicing.concatenate([_slice_axis(a, d, k, n), _slice_axis(a, d, 0, k)], d)
    return a


def _roll_traced(a, shift, axis):
    if not isinstance(axis, (int, np.integer)) or _util.aval(shift).ndim:
        raise errors.FunctransTypeError(
            "roll: a traced `shift` must be a scalar with an int `axis`.")
    if _util.aval(shift).dtype.kind not in "iu":
        raise errors.FunctransTypeError("roll: a traced `shift` must have an integer dtype.")
    shape = _util.aval(a).shape
    d = _util.canonicalize_axis(axis, len(shape), "roll")
    n = shape[d]
    if n == 0:
        return a
    # out[i] = a[(i - shift) mod n]: a gather with traced indices.
    idx = _ufuncs.remainder(_ufuncs.subtract(np.arange(n), shift), n)
    return _indexing.take(a, idx, d)


def rollaxis(a, axis, start=0):
    """Move `axis` so that it lies before position `start`, as `numpy.rollaxis`.

    Prefer `moveaxis`; this is NumPy's older form (`start` counts positions before the move).

    Example:
      >>> fnp.rollaxis(np.ones((2, 3, 4)), 2).shape
      (4, 2, 3)
    """
    a = _util.as_array(a, "rollaxis")
    n = _util.aval(a).ndim
    axis = _util.canonicalize_axis(axis, n, "rollaxis")
    start = _static_int(start, "rollaxis", "start")
    if not -n <= start <= n:
        raise errors.AxisError(
            f"rollaxis: start {start} is out of bounds for an array of rank {n} (valid: "
            f"{-n} to {n}).")
    if start < 0:
        start += n
    if axis < start:
        start -= 1
    if axis == start:
        return a
    return _shape.moveaxis(a, axis, start)


def rot90(m, k=1, axes=(0, 1)):
    """Rotate `m` by 90 degrees `k` times in the plane of `axes`, as `numpy.rot90`.

    Args:
      m: an array or traced value of rank >= 2.
      k: number of rotations (negative: clockwise).
      axes: the two axes of the plane; the rotation goes from the first towards the second.

    Returns:
      The rotated array (a `rev` and a `transpose`).

    Example:
      >>> fnp.rot90(np.array([[1, 2], [3, 4]]))
      array([[2, 4],
             [1, 3]])
    """
    m = _util.as_array(m, "rot90")
    ndim = _util.aval(m).ndim
    axes = tuple(axes)
    if len(axes) != 2:
        raise errors.FunctransValueError("rot90: `axes` must hold exactly two axes.")
    i = _util.canonicalize_axis(axes[0], ndim, "rot90", "axes")
    j = _util.canonicalize_axis(axes[1], ndim, "rot90", "axes")
    if i == j:
        raise errors.FunctransValueError(f"rot90: the axes {axes} must be different.")
    k = _static_int(k, "rot90", "k") % 4
    if k == 0:
        return m
    if k == 2:
        return _shape.flip(m, (i, j))
    perm = list(range(ndim))
    perm[i], perm[j] = j, i
    if k == 1:
        return _shape.transpose(_shape.flip(m, j), perm)
    return _shape.flip(_shape.transpose(m, perm), j)


def fliplr(m):
    """`m` with axis 1 reversed (left/right), as `numpy.fliplr`; needs rank >= 2.

    Example:
      >>> fnp.fliplr(np.array([[1, 2], [3, 4]]))
      array([[2, 1],
             [4, 3]])
    """
    m = _util.as_array(m, "fliplr")
    if _util.aval(m).ndim < 2:
        raise errors.FunctransValueError("fliplr: input must have rank >= 2.")
    return _shape.flip(m, 1)


def flipud(m):
    """`m` with axis 0 reversed (up/down), as `numpy.flipud`; needs rank >= 1.

    Example:
      >>> fnp.flipud(np.array([1, 2, 3]))
      array([3, 2, 1])
    """
    m = _util.as_array(m, "flipud")
    if _util.aval(m).ndim < 1:
        raise errors.FunctransValueError("flipud: input must have rank >= 1.")
    return _shape.flip(m, 0)


# --------------------------------------------------------------------------- stacking, splitting


def _atleast_3d_one(a):
    a = _util.as_array(a, "atleast_3d")
    shape = _util.aval(a).shape
    if len(shape) == 0:
        return shape_prims.reshape(a, (1, 1, 1))
    if len(shape) == 1:
        return shape_prims.reshape(a, (1, shape[0], 1))
    if len(shape) == 2:
        return shape_prims.reshape(a, (*shape, 1))
    return a


def atleast_3d(*arys):
    """Each argument with at least three axes, as `numpy.atleast_3d`.

    A 0-d array becomes (1, 1, 1), shape (N,) becomes (1, N, 1), (M, N) becomes (M, N, 1).

    Returns:
      The array for one argument, a tuple of arrays for several.

    Example:
      >>> fnp.atleast_3d(np.ones((2, 3))).shape
      (2, 3, 1)
    """
    out = tuple(_atleast_3d_one(a) for a in arys)
    return out[0] if len(out) == 1 else out


def column_stack(tup):
    """Stack 1-d arrays as columns (2-d arrays as they are) along axis 1, as NumPy's.

    Example:
      >>> fnp.column_stack([np.array([1, 2]), np.array([3, 4])])
      array([[1, 3],
             [2, 4]])
    """
    arrays = []
    for x in _join._joinable("column_stack", tup):
        shape = _util.aval(x).shape
        if len(shape) < 2:
            x = shape_prims.reshape(x, (_util.prod(shape), 1))
        arrays.append(x)
    return _join.concatenate(arrays, axis=1)


def dstack(tup):
    """Stack arrays depth-wise (along axis 2, after `atleast_3d`), as `numpy.dstack`.

    Example:
      >>> fnp.dstack([np.array([1, 2]), np.array([3, 4])]).shape
      (1, 2, 2)
    """
    return _join.concatenate([_atleast_3d_one(x) for x in _join._joinable("dstack", tup)],
                             axis=2)


def _split_rank(fname: str, ary, min_ndim: int):
    a = _util.as_array(ary, fname)
    if _util.aval(a).ndim < min_ndim:
        raise errors.FunctransValueError(
            f"{fname} only works on arrays of rank >= {min_ndim}, got shape "
            f"{_util.aval(a).shape}.")
    return a


def hsplit(ary, indices_or_sections):
    """Split along axis 1 (axis 0 for 1-d arrays), as `numpy.hsplit`.

    Example:
      >>> fnp.hsplit(np.arange(4), 2)
      [array([0, 1]), array([2, 3])]
    """
    a = _split_rank("hsplit", ary, 1)
    return _join.split(a, indices_or_sections, 1 if _util.aval(a).ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    """Split along axis 0 (rank >= 2), as `numpy.vsplit`.

    Example:
      >>> [p.shape for p in fnp.vsplit(np.ones((4, 2)), 2)]
      [(2, 2), (2, 2)]
    """
    return _join.split(_split_rank("vsplit", ary, 2), indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    """Split along axis 2 (rank >= 3), as `numpy.dsplit`.

    Example:
      >>> [p.shape for p in fnp.dsplit(np.ones((1, 2, 4)), [1])]
      [(1, 2, 1), (1, 2, 3)]
    """
    return _join.split(_split_rank("dsplit", ary, 3), indices_or_sections, 2)


def array_split(ary, indices_or_sections, axis=0):
    """Split into sections that may be unequal, as `numpy.array_split`.

    Args:
      ary: an array or traced value.
      indices_or_sections: an int N (N sections, the first `size % N` one longer) or a
        sequence of split points.
      axis: the axis to split.

    Returns:
      A list of arrays (one `slice` each).

    Example:
      >>> fnp.array_split(np.arange(5), 3)
      [array([0, 1]), array([2, 3]), array([4])]
    """
    a = _util.as_array(ary, "array_split")
    aval = _util.aval(a)
    if not isinstance(indices_or_sections, (int, np.integer)):
        return _join.split(a, indices_or_sections, axis)
    axis = _util.canonicalize_axis(axis, aval.ndim, "array_split")
    sections = operator.index(indices_or_sections)
    if sections <= 0:
        raise errors.FunctransValueError("array_split: the number of sections must be > 0.")
    each, extras = divmod(aval.shape[axis], sections)
    sizes = [each + 1] * extras + [each] * (sections - extras)
    points = list(itertools.accumulate(sizes))[:-1]
    return _join.split(a, points, axis)


def append(arr, values, axis=None):
    """`values` appended to `arr` (both flattened when `axis` is None), as `numpy.append`.

    Example:
      >>> fnp.append(np.array([1, 2]), [3, 4])
      array([1, 2, 3, 4])
    """
    arr = _util.as_array(arr, "append")
    values = _util.as_array(values, "append")
    if axis is None:
        arr, values, axis = _shape.ravel(arr), _shape.ravel(values), 0
    return _join.concatenate([arr, values], axis=axis)


def concat(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays along an existing axis: the Array-API name of `concatenate`.

    Example:
      >>> fnp.concat([np.array([1]), np.array([2, 3])])
      array([1, 2, 3])
    """
    _util.check_unsupported("concat", casting=None if casting == "same_kind" else casting)
    return _join.concatenate(arrays, axis, out, dtype=dtype)


def permute_dims(a, axes=None):
    """Permute the axes of `a`: the Array-API name of `transpose`.

    Example:
      >>> fnp.permute_dims(np.ones((2, 3, 4)), (2, 0, 1)).shape
      (4, 2, 3)
    """
    return _shape.transpose(a, axes)


def matrix_transpose(x, /):
    """Swap the last two axes of `x` (rank >= 2), as `numpy.matrix_transpose`.

    Example:
      >>> fnp.matrix_transpose(np.ones((5, 2, 3))).shape
      (5, 3, 2)
    """
    x = _util.as_array(x, "matrix_transpose")
    if _util.aval(x).ndim < 2:
        raise errors.FunctransValueError(
            f"matrix_transpose: input must have rank >= 2, got shape {_util.aval(x).shape}.")
    return _shape.swapaxes(x, -1, -2)


def unstack(x, /, *, axis=0):
    """The slices of `x` along `axis`, as a tuple, as `numpy.unstack`.

    Example:
      >>> fnp.unstack(np.array([[1, 2], [3, 4]]), axis=1)
      (array([1, 3]), array([2, 4]))
    """
    x = _util.as_array(x, "unstack")
    aval = _util.aval(x)
    if aval.ndim == 0:
        raise errors.FunctransValueError("unstack: input must have rank >= 1.")
    axis = _util.canonicalize_axis(axis, aval.ndim, "unstack")
    rest = aval.shape[:axis] + aval.shape[axis + 1:]
    return tuple(shape_prims.reshape(_slice_axis(x, axis, i, i + 1), rest)
                 for i in range(aval.shape[axis]))


def astype(x, dtype, /, *, copy=True, device=None):
    """`x` converted to `dtype`, as `numpy.astype` (the function form of `x.astype`).

    Args:
      x: an array or traced value.
      dtype: the new dtype (bool, integer or floating).
      copy: ignored (functrans values are immutable).
      device: None or 'cpu'.

    Example:
      >>> fnp.astype(np.array([1.5, 2.5]), np.int64)
      array([1, 2])
    """
    if device not in (None, "cpu"):
        raise errors.FunctransValueError(f"astype: device={device!r}; only 'cpu' exists.")
    x = _util.as_array(x, "astype")
    return _util.convert(x, _util.check_dtype(dtype, "astype"))


def copy(a, order="K", subok=False):
    """A copy of `a`, as `numpy.copy`; a traced value is returned as it is (immutable).

    Example:
      >>> fnp.copy([1, 2])
      array([1, 2])
    """
    _shape._check_order("copy", order)
    a = _util.as_array(a, "copy")
    if isinstance(a, core.Tracer):
        return a
    return a.copy() if backend.is_foreign(a) else np.array(a, copy=True)


# --------------------------------------------------------------------------- differences


class _NoValue:
    """The default of `diff`'s `prepend`/`append` (None is a value there)."""

    def __repr__(self):
        return "<no value>"


_NO_VALUE = _NoValue()


def diff(a, n=1, axis=-1, prepend=_NO_VALUE, append=_NO_VALUE):
    """The n-th discrete difference along `axis`, as `numpy.diff`.

    Args:
      a: an array or traced value of rank >= 1.
      n: the number of times to difference (0 returns `a`).
      axis: the axis.
      prepend, append: values joined to `a` along `axis` first (a scalar is broadcast to
        one slice).

    Returns:
      `a[1:] - a[:-1]` applied n times (`!=` for bools), in `subtract`'s dtype.

    Example:
      >>> fnp.diff(np.array([1, 4, 9, 16]), n=2)
      array([2, 2])
    """
    n = _static_int(n, "diff", "n")
    if n < 0:
        raise errors.FunctransValueError(f"diff: order n={n} must be non-negative.")
    a = _util.as_array(a, "diff")
    aval = _util.aval(a)
    if aval.ndim == 0:
        raise errors.FunctransValueError("diff: input must have rank >= 1.")
    if n == 0:
        return a
    axis = _util.canonicalize_axis(axis, aval.ndim, "diff")
    parts = []
    for value in (prepend, a, append):
        if value is _NO_VALUE:
            continue
        value = _util.as_array(value, "diff")
        if _util.aval(value).ndim == 0:
            shape = aval.shape[:axis] + (1,) + aval.shape[axis + 1:]
            value = _util.broadcast_to_shape(value, shape, "diff")
        parts.append(value)
    if len(parts) > 1:
        a = _join.concatenate(parts, axis)
    is_bool = _util.aval(a).dtype.kind == "b"
    for _ in range(n):
        size = _util.aval(a).shape[axis]
        hi = _slice_axis(a, axis, builtins.min(1, size), size)
        lo = _slice_axis(a, axis, 0, builtins.max(size - 1, 0))
        a = _ufuncs.not_equal(hi, lo) if is_bool else _ufuncs.subtract(hi, lo)
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive elements of the flattened `ary`, as `numpy.ediff1d`.

    Args:
      ary: an array or traced value (not bool).
      to_end, to_begin: values (flattened) appended / prepended to the differences; they
        must cast to `ary`'s dtype by NumPy's 'same_kind' rule.

    Returns:
      A 1-d array of `ary`'s dtype.

    Example:
      >>> fnp.ediff1d(np.array([1, 2, 4, 7]), to_begin=0)
      array([0, 1, 2, 3])
    """
    ary = _shape.ravel(_util.as_array(ary, "ediff1d"))
    dtype = _util.aval(ary).dtype
    if dtype.kind == "b":
        raise errors.FunctransTypeError(
            "ediff1d: boolean input is not supported (NumPy's boolean subtract is not); use "
            "fnp.diff, which gives `!=` of neighbours.")
    size = _util.aval(ary).shape[0]
    d = _util.convert(_ufuncs.subtract(_slice_axis(ary, 0, builtins.min(1, size), size),
                                       _slice_axis(ary, 0, 0, builtins.max(size - 1, 0))), dtype)
    parts = []
    for name, value in (("to_begin", to_begin), (None, d), ("to_end", to_end)):
        if name is None:
            parts.append(value)
        elif value is not None:
            value = _shape.ravel(_util.as_array(value, "ediff1d"))
            if not np.can_cast(_util.aval(value).dtype, dtype, "same_kind"):
                raise errors.FunctransTypeError(
                    f"ediff1d: dtype of `{name}` ({_util.aval(value).dtype}) must cast to "
                    f"the input's dtype {dtype} by the 'same_kind' rule.")
            parts.append(_util.convert(value, dtype))
    return parts[0] if len(parts) == 1 else slicing.concatenate(parts, 0)


def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """Running sums along `axis`, optionally starting with 0, as `numpy.cumulative_sum`.

    Args:
      x: an array or traced value; `axis` may be omitted only for rank <= 1.
      axis: the axis.
      dtype: accumulate in this dtype (default as `cumsum`).
      out: not supported.
      include_initial: prepend the sum of nothing (0), so the axis grows by one.

    Example:
      >>> fnp.cumulative_sum(np.array([1, 2, 3]), include_initial=True)
      array([0, 1, 3, 6])
    """
    _util.check_unsupported("cumulative_sum", out=out)
    x = _util.as_array(x, "cumulative_sum")
    ndim = _util.aval(x).ndim
    if axis is None:
        if ndim > 1:
            raise errors.FunctransValueError(
                "cumulative_sum: `axis` is required for arrays of rank > 1.")
        axis = 0
    if ndim == 0:
        x = shape_prims.reshape(x, (1,))
    out_sums = _reductions.cumsum(x, axis=axis, dtype=dtype)
    if not include_initial:
        return out_sums
    aval = _util.aval(out_sums)
    axis = _util.canonicalize_axis(axis, aval.ndim, "cumulative_sum")
    config = tuple((1 if d == axis else 0, 0, 0) for d in range(aval.ndim))
    return slicing.pad(out_sums, np.zeros((), aval.dtype), config)
