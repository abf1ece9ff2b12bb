"""functrans.numpy: array manipulation (issue 12): rolling, rotating, flipping, splitting,
stacking, padding, index grids, differences.

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

from functrans import core, errors
from functrans.numpy import _creation, _indexing, _join, _reductions, _shape, _ufuncs, _util
from functrans.primitives import indexing, slicing
from functrans.primitives import shape as shape_prims

# The public names, re-exported by functrans.numpy.
__all__ = [
    "append", "array_split", "astype", "atleast_3d", "block", "broadcast_shapes", "column_stack",
    "concat", "copy", "cumulative_sum", "delete", "diag_indices", "diag_indices_from", "diagflat",
    "diff", "dsplit", "dstack", "ediff1d", "fliplr", "flipud", "fromfunction", "geomspace",
    "hsplit", "identity", "indices", "insert", "ix_", "kron", "logspace", "matrix_transpose",
    "meshgrid", "pad", "permute_dims", "resize", "roll", "rollaxis", "rot90", "tri",
    "tril_indices", "tril_indices_from", "triu_indices", "triu_indices_from", "unstack", "vander",
    "vsplit",
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
    if isinstance(shift, core.Tracer):
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
    return a if isinstance(a, core.Tracer) else np.array(a, copy=True)


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


# --------------------------------------------------------------------------- products, grids


def kron(a, b):
    """The Kronecker product of `a` and `b`, as `numpy.kron`.

    Example:
      >>> fnp.kron(np.array([1, 10]), np.array([1, 2]))
      array([ 1,  2, 10, 20])
    """
    a = _util.as_array(a, "kron")
    b = _util.as_array(b, "kron")
    sa, sb = _util.aval(a).shape, _util.aval(b).shape
    if not sa or not sb:
        return _ufuncs.multiply(a, b)
    nd = builtins.max(len(sa), len(sb))
    sa = (1,) * (nd - len(sa)) + sa
    sb = (1,) * (nd - len(sb)) + sb
    # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...), then merge each pair.
    a2 = shape_prims.reshape(a, tuple(n for m in sa for n in (m, 1)))
    b2 = shape_prims.reshape(b, tuple(n for m in sb for n in (1, m)))
    prod = _ufuncs.multiply(a2, b2)
    return shape_prims.reshape(prod, tuple(m * n for m, n in zip(sa, sb, strict=True)))


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from 1-d coordinate vectors, as `numpy.meshgrid`.

    Args:
      *xi: arrays or traced values (flattened).
      copy: ignored (functrans values are immutable).
      sparse: return broadcastable arrays (size-1 axes) instead of full grids.
      indexing: 'xy' (Cartesian: the first two axes swapped) or 'ij' (matrix).

    Returns:
      A tuple of arrays.

    Example:
      >>> [g.shape for g in fnp.meshgrid(np.arange(3), np.arange(2))]
      [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise errors.FunctransValueError(
            f"meshgrid: indexing={indexing!r}; valid values are 'xy' and 'ij'.")
    ndim = len(xi)
    out = []
    for i, x in enumerate(xi):
        x = _shape.ravel(_util.as_array(x, "meshgrid"))
        pos = i
        if indexing == "xy" and ndim > 1 and i < 2:
            pos = 1 - i
        shape = [1] * ndim
        shape[pos] = _util.aval(x).shape[0]
        out.append(shape_prims.reshape(x, tuple(shape)))
    if not sparse:
        out = _shape.broadcast_arrays(*out)
    return tuple(out)


def indices(dimensions, dtype=int, sparse=False):
    """The grid of indices of an array of shape `dimensions`, as `numpy.indices` (a constant).

    Example:
      >>> fnp.indices((2, 2))[0]
      array([[0, 0],
             [1, 1]])
    """
    dims = _util.normalize_shape(dimensions, "indices", "dimensions")
    return np.indices(dims, _util.check_dtype(dtype, "indices"), sparse)


def identity(n, dtype=None):
    """The n x n identity matrix, as `numpy.identity` (default float64; a constant).

    Example:
      >>> fnp.identity(2, dtype=int)
      array([[1, 0],
             [0, 1]])
    """
    n = _static_int(n, "identity", "n")
    return np.identity(n, _util.check_dtype(dtype, "identity") or np.float64)


def tri(N, M=None, k=0, dtype=float):
    """Ones at and below diagonal k of an N x M matrix, as `numpy.tri` (a constant).

    Example:
      >>> fnp.tri(2, 3, dtype=int)
      array([[1, 0, 0],
             [1, 1, 0]])
    """
    N = _static_int(N, "tri", "N")
    M = None if M is None else _static_int(M, "tri", "M")
    return np.tri(N, M, _static_int(k, "tri", "k"), _util.check_dtype(dtype, "tri"))


def tril_indices(n, k=0, m=None):
    """Row and column indices of the lower triangle of an (n, m) matrix, as NumPy's.

    Returns a tuple of two int64 NumPy arrays (constants; not differentiable).

    Example:
      >>> fnp.tril_indices(2)
      (array([0, 1, 1]), array([0, 0, 1]))
    """
    m = None if m is None else _static_int(m, "tril_indices", "m")
    return np.tril_indices(_static_int(n, "tril_indices", "n"),
                           _static_int(k, "tril_indices", "k"), m)


def triu_indices(n, k=0, m=None):
    """Row and column indices of the upper triangle of an (n, m) matrix, as NumPy's.

    Returns a tuple of two int64 NumPy arrays (constants; not differentiable).

    Example:
      >>> fnp.triu_indices(2)
      (array([0, 0, 1]), array([0, 1, 1]))
    """
    m = None if m is None else _static_int(m, "triu_indices", "m")
    return np.triu_indices(_static_int(n, "triu_indices", "n"),
                           _static_int(k, "triu_indices", "k"), m)


def _matrix_shape(fname: str, arr) -> tuple[int, ...]:
    shape = _util.aval(_util.as_operand(arr, fname)).shape
    if len(shape) != 2:
        raise errors.FunctransValueError(f"{fname}: input must be 2-d, got shape {shape}.")
    return shape


def tril_indices_from(arr, k=0):
    """`tril_indices` for the shape of the 2-d `arr` (which may be traced).

    Example:
      >>> fnp.tril_indices_from(np.ones((2, 3)), k=1)
      (array([0, 0, 1, 1, 1]), array([0, 1, 0, 1, 2]))
    """
    rows, cols = _matrix_shape("tril_indices_from", arr)
    return tril_indices(rows, k, cols)


def triu_indices_from(arr, k=0):
    """`triu_indices` for the shape of the 2-d `arr` (which may be traced).

    Example:
      >>> fnp.triu_indices_from(np.ones((2, 2)))
      (array([0, 0, 1]), array([0, 1, 1]))
    """
    rows, cols = _matrix_shape("triu_indices_from", arr)
    return triu_indices(rows, k, cols)


def diag_indices(n, ndim=2):
    """Indices of the main diagonal of an n x ... x n array, as `numpy.diag_indices`.

    Example:
      >>> fnp.diag_indices(2)
      (array([0, 1]), array([0, 1]))
    """
    return np.diag_indices(_static_int(n, "diag_indices", "n"),
                           _static_int(ndim, "diag_indices", "ndim"))


def diag_indices_from(arr):
    """`diag_indices` for `arr` (rank >= 2, all sides equal; may be traced).

    Example:
      >>> fnp.diag_indices_from(np.ones((2, 2)))
      (array([0, 1]), array([0, 1]))
    """
    shape = _util.aval(_util.as_operand(arr, "diag_indices_from")).shape
    if len(shape) < 2:
        raise errors.FunctransValueError("diag_indices_from: input must have rank >= 2.")
    if len(set(shape)) != 1:
        raise errors.FunctransValueError(
            f"diag_indices_from: all sides must be equal, got shape {shape}.")
    return np.diag_indices(shape[0], len(shape))


def diagflat(v, k=0):
    """A 2-d array with the flattened `v` on diagonal k, as `numpy.diagflat`.

    Example:
      >>> fnp.diagflat(np.array([[1, 2]]))
      array([[1, 0],
             [0, 2]])
    """
    return _shape.diag(_shape.ravel(_util.as_array(v, "diagflat")), k)


def broadcast_shapes(*args):
    """The shape the given shapes broadcast to, as `numpy.broadcast_shapes`.

    Example:
      >>> fnp.broadcast_shapes((2, 1), (3,))
      (2, 3)
    """
    shapes = [_util.normalize_shape(s, "broadcast_shapes") for s in args]
    return _util.broadcast_shapes(*shapes, fname="broadcast_shapes")


def ix_(*args):
    """Open-mesh index arrays from 1-d sequences, as `numpy.ix_`.

    Args:
      *args: 1-d integer sequences (concrete or traced) or concrete bool masks.

    Returns:
      A tuple of arrays, the k-th of shape (1, ..., n_k, ..., 1).

    Example:
      >>> [i.shape for i in fnp.ix_([0, 1], [2, 0, 1])]
      [(2, 1), (1, 3)]
    """
    out = []
    for k, seq in enumerate(args):
        x = _util.as_array(seq, "ix_")
        aval = _util.aval(x)
        if aval.ndim != 1:
            raise errors.FunctransValueError("ix_: each sequence must be 1-d.")
        if not isinstance(x, core.Tracer):
            x = x.astype(np.intp) if x.size == 0 else x
            x = np.nonzero(x)[0] if x.dtype == bool else x
        elif aval.dtype.kind == "b":
            raise errors.FunctransTypeError(
                "ix_: a traced bool mask has a data-dependent number of indices; pass "
                "concrete masks, or integer indices.")
        shape = (1,) * k + (_util.aval(x).shape[0],) + (1,) * (len(args) - k - 1)
        out.append(_shape.reshape(x, shape))
    return tuple(out)


def _block_depth(x, path: str) -> tuple[int, list]:
    """The nesting depth of `block`'s argument and its leaves; checks it is regular."""
    if isinstance(x, tuple):
        raise errors.FunctransTypeError(
            f"block: {path} is a tuple; only lists may hold the blocks (as in NumPy).")
    if not isinstance(x, list):
        return 0, [x]
    if not x:
        raise errors.FunctransValueError(f"block: {path} is an empty list.")
    depths, leaves = set(), []
    for i, item in enumerate(x):
        d, items = _block_depth(item, f"{path}[{i}]")
        depths.add(d)
        leaves.extend(items)
    if len(depths) != 1:
        raise errors.FunctransValueError(
            f"block: the lists in {path} are nested to different depths {sorted(depths)}.")
    return depths.pop() + 1, leaves


def block(arrays):
    """Assemble an array from nested lists of blocks, as `numpy.block`.

    The innermost lists join along the last axis, the next along the second last, and so
    on; each block first gets leading size-1 axes up to the result's rank.

    Example:
      >>> fnp.block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 3))]])
      array([[1., 0., 0.],
             [0., 1., 0.],
             [1., 1., 1.]])
    """
    depth, leaves = _block_depth(arrays, "arrays")
    leaves = _util.promote(*[_util.as_array(x, "block") for x in leaves])[0]
    ndim = builtins.max([depth] + [_util.aval(x).ndim for x in leaves])
    it = iter(leaves)

    def assemble(x, level: int):
        if not isinstance(x, list):
            leaf = next(it)
            shape = _util.aval(leaf).shape
            return shape_prims.reshape(leaf, (1,) * (ndim - len(shape)) + shape)
        parts = [assemble(item, level + 1) for item in x]
        return _join.concatenate(parts, axis=level - depth)

    return assemble(arrays, 0)


# --------------------------------------------------------------------------- creation


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """`base ** linspace(start, stop, num)`, as `numpy.logspace`.

    Args:
      start, stop: concrete numbers or arrays (NumPy's result), or traced scalars.
      num, endpoint, axis: as `linspace`.
      base: a number (concrete, or traced when the ends are).
      dtype: the result dtype.

    Example:
      >>> fnp.logspace(0, 2, 3)
      array([  1.,  10., 100.])
    """
    if not _util.contains_tracer([start, stop, base]):
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    y = _creation.linspace(start, stop, num, endpoint, axis=axis)
    out = _ufuncs.power(base, y)
    return out if dtype is None else _util.convert(out, _util.check_dtype(dtype, "logspace"))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values spaced evenly on a log scale from `start` to `stop`, as NumPy's.

    Args:
      start, stop: non-zero concrete numbers or arrays (NumPy's result), or traced
        scalars of one sign (the sign is that of `start`; the ends are exact).
      num, endpoint, axis: as `linspace`.
      dtype: the result dtype.

    Example:
      >>> fnp.geomspace(1, 1000, 4)
      array([   1.,   10.,  100., 1000.])
    """
    if not (isinstance(start, core.Tracer) or isinstance(stop, core.Tracer)):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    _creation._check_static("geomspace", num=num)
    start = _util.to_inexact(start)
    stop = _util.to_inexact(stop)
    sign = _ufuncs.sign(start)
    lo = _ufuncs.log10(_ufuncs.multiply(start, sign))
    hi = _ufuncs.log10(_ufuncs.multiply(stop, sign))
    values = _ufuncs.multiply(logspace(lo, hi, num, endpoint, axis=axis), sign)
    # NumPy sets the ends to start and stop exactly.
    if num > 0:
        ends = [_shape.reshape(start, (1,))]
        mid_stop = num - 1 if endpoint and num > 1 else num
        ends.append(_slice_axis(values, 0, 1, mid_stop))
        if endpoint and num > 1:
            ends.append(_shape.reshape(stop, (1,)))
        values = _join.concatenate(ends)
    return values if dtype is None else _util.convert(values, _util.check_dtype(dtype, "geomspace"))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-d `x`, as `numpy.vander`.

    Columns are powers of `x` (decreasing unless `increasing`), computed by repeated
    multiplication as NumPy does; the dtype is `x`'s promoted with int64.

    Example:
      >>> fnp.vander(np.array([1, 2, 3]), 3)
      array([[1, 1, 1],
             [4, 2, 1],
             [9, 3, 1]])
    """
    x = _util.as_array(x, "vander")
    aval = _util.aval(x)
    if aval.ndim != 1:
        raise errors.FunctransValueError("vander: x must be a one-dimensional array.")
    N = aval.shape[0] if N is None else _static_int(N, "vander", "N")
    dtype = np.promote_types(aval.dtype, np.int64)
    x = _util.convert(x, dtype)
    if N <= 0:
        return np.zeros((aval.shape[0], builtins.max(N, 0)), dtype)
    cols = [np.ones(aval.shape, dtype)]
    power = x
    for i in range(1, N):
        cols.append(power)
        if i + 1 < N:
            power = _ufuncs.multiply(power, x)
    if not increasing:
        cols.reverse()
    return _join.stack(cols, axis=1)


def resize(a, new_shape):
    """`a` flattened, repeated as needed, cut to `new_shape`, as `numpy.resize`.

    Example:
      >>> fnp.resize(np.array([1, 2, 3]), (2, 2))
      array([[1, 2],
             [3, 1]])
    """
    a = _shape.ravel(_util.as_array(a, "resize"))
    shape = _util.normalize_shape(new_shape, "resize", "new_shape")
    if builtins.any(n < 0 for n in shape):
        raise errors.FunctransValueError(
            f"resize: all elements of `new_shape` {shape} must be non-negative.")
    size = _util.aval(a).size
    new_size = _util.prod(shape)
    if size == 0 or new_size == 0:
        return np.zeros(shape, _util.aval(a).dtype)
    idx = np.arange(new_size) % size
    return _shape.reshape(_take_static(a, idx, 0), shape)


def _axis_or_flat(fname: str, arr, axis):
    arr = _util.as_array(arr, fname)
    if axis is None:
        return _shape.ravel(arr), 0
    return arr, _util.canonicalize_axis(axis, _util.aval(arr).ndim, fname)


def _static_obj(fname: str, obj, n: int, axis: int) -> np.ndarray:
    """`delete`/`insert`'s `obj` as concrete int indices (a slice as its range)."""
    if isinstance(obj, core.Tracer) or _util.contains_tracer(obj):
        raise errors.FunctransTypeError(
            f"{fname}: `obj` must be concrete (the output's shape depends on it); to change "
            "values at traced positions use x.at[idx].set(v).")
    if isinstance(obj, builtins.slice):
        return np.arange(*obj.indices(n))
    return np.asarray(obj)


def delete(arr, obj, axis=None):
    """`arr` without the entries `obj` along `axis` (flattened when None), as `numpy.delete`.

    Args:
      arr: an array or traced value.
      obj: concrete: an int, a slice, a sequence of ints or a bool mask of the axis' length.
      axis: the axis.

    Returns:
      The kept entries (slices and a `concatenate`).

    Example:
      >>> fnp.delete(np.arange(5), [0, 3])
      array([1, 2, 4])
    """
    arr, axis = _axis_or_flat("delete", arr, axis)
    n = _util.aval(arr).shape[axis]
    idx = _static_obj("delete", obj, n, axis)
    keep = np.ones(n, bool)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise errors.FunctransValueError(
                f"delete: a bool `obj` must have shape ({n},), got {idx.shape}.")
        keep = ~idx
    else:
        if idx.size == 0:
            idx = idx.astype(np.intp)
        if idx.dtype.kind not in "iu":
            raise errors.FunctransTypeError("delete: `obj` must hold integers.")
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise IndexError(
                f"delete: index {int(bad[0])} is out of bounds for axis {axis} with size {n}.")
        keep[idx] = False
    return _take_static(arr, np.flatnonzero(keep), axis)


def insert(arr, obj, values, axis=None):
    """`arr` with `values` inserted before the entries `obj` along `axis`, as `numpy.insert`.

    Args:
      arr: an array or traced value (flattened when `axis` is None).
      obj: concrete: an int, a slice or a sequence of ints (positions in `arr`).
      values: an array, traced value or scalar, converted to `arr`'s dtype and broadcast to
        the inserted slots by NumPy's rules (an int `obj` inserts along a new axis first).
      axis: the axis.

    Returns:
      The longer array (a broadcast of `values`, a `concatenate` and a static rearrangement).

    Example:
      >>> fnp.insert(np.array([1, 2, 3]), 1, 9)
      array([1, 9, 2, 3])
    """
    arr, axis = _axis_or_flat("insert", arr, axis)
    aval = _util.aval(arr)
    n = aval.shape[axis]
    idx = _static_obj("insert", obj, n, axis)
    if idx.dtype == bool:
        if idx.ndim != 1:
            raise errors.FunctransValueError("insert: a bool `obj` must be 1-d.")
        idx = np.flatnonzero(idx)
    elif idx.ndim > 1:
        raise errors.FunctransValueError("insert: `obj` must be 1-d or a scalar.")
    if idx.size == 0:
        idx = idx.astype(np.intp)
    if idx.dtype.kind not in "iu":
        raise errors.FunctransTypeError("insert: `obj` must hold integers.")
    values = _util.convert(_util.as_array(values, "insert"), aval.dtype)
    vshape = _util.aval(values).shape
    if len(vshape) < aval.ndim:
        values = shape_prims.reshape(values, (1,) * (aval.ndim - len(vshape)) + vshape)
    bad = idx[(idx < -n) | (idx > n)]
    if bad.size:
        raise IndexError(
            f"insert: index {int(bad[0])} is out of bounds for axis {axis} with size {n}.")
    idx = np.where(idx < 0, idx + n, idx)
    if idx.size == 1:
        if idx.ndim == 0:
            values = _shape.moveaxis(values, 0, axis)
        numnew = _util.aval(values).shape[axis]
        src = np.concatenate([np.arange(idx.item()), n + np.arange(numnew),
                              np.arange(idx.item(), n)])
    else:
        numnew = len(idx)
        order = np.argsort(idx, kind="mergesort")
        idx[order] += np.arange(numnew)
        src = np.empty(n + numnew, np.int64)
        old = np.ones(n + numnew, bool)
        old[idx] = False
        src[idx] = n + np.arange(numnew)
        src[old] = np.arange(n)
    slot = aval.shape[:axis] + (numnew,) + aval.shape[axis + 1:]
    values = _util.broadcast_to_shape(values, slot, "insert")
    joined = slicing.concatenate([arr, values], axis)
    return _take_static(joined, src, axis)


def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    """`function` called on the index grids of `shape` (one per axis), as NumPy's.

    Example:
      >>> fnp.fromfunction(lambda i, j: i + j, (2, 2), dtype=int)
      array([[0, 1],
             [1, 2]])
    """
    _util.check_unsupported("fromfunction", like=like)
    return function(*indices(shape, dtype), **kwargs)


# --------------------------------------------------------------------------- pad


def _pad_pairs(fname: str, value, ndim: int, argname: str) -> list[tuple]:
    """NumPy's per-axis (before, after) pairs of `pad_width` / `constant_values` (concrete)."""
    if isinstance(value, dict):
        pairs = [(0, 0)] * ndim
        for d, width in value.items():
            d = _util.canonicalize_axis(d, ndim, fname, argname)
            pairs[d] = tuple(np.broadcast_to(np.asarray(width), (2,)).tolist())
        return pairs
    arr = np.asarray(value)
    try:
        arr = np.broadcast_to(arr, (ndim, 2))
    except ValueError as e:
        raise errors.FunctransValueError(
            f"{fname}: `{argname}`={value!r} cannot be read as (before, after) pairs for "
            f"{ndim} axes.") from e
    return [tuple(p) for p in arr.tolist()]


def pad(array, pad_width, mode="constant", **kwargs):
    """`array` padded along each axis, as `numpy.pad`.

    Args:
      array: an array or traced value.
      pad_width: NumPy's forms: an int, (before, after), ((before, after),) or one pair per
        axis, or a dict {axis: width}; concrete non-negative ints.
      mode: 'constant' (default; `constant_values`, which may be traced scalars), 'empty'
        (zeros here), 'edge', 'reflect', 'symmetric', 'wrap' (`reflect_type='even'`),
        'maximum', 'minimum' or 'mean' (`stat_length`). 'median', 'linear_ramp',
        `reflect_type='odd'` and a callable mode are not supported.
      **kwargs: `constant_values` for 'constant'; `reflect_type` for 'reflect'/'symmetric';
        `stat_length` (NumPy's forms, None for the whole axis) for the statistic modes.

    Returns:
      The padded array: one `pad` primitive per constant, and per axis a few slices, `rev`s
      and a `concatenate` for the other modes.

    Example:
      >>> fnp.pad(np.array([1, 2, 3]), (1, 2), mode="reflect")
      array([2, 1, 2, 3, 2, 1])
    """
    array = _util.as_array(array, "pad")
    aval = _util.aval(array)
    if isinstance(pad_width, core.Tracer) or _util.contains_tracer(pad_width):
        raise errors.FunctransTypeError(
            "pad: `pad_width` must be concrete (the output's shape depends on it).")
    widths = _pad_pairs("pad", pad_width, aval.ndim, "pad_width")
    if builtins.any(not isinstance(w, int) or isinstance(w, bool) for p in widths for w in p):
        raise errors.FunctransTypeError(f"pad: `pad_width` must hold ints, got {pad_width!r}.")
    if builtins.any(w < 0 for p in widths for w in p):
        raise errors.FunctransValueError(f"pad: `pad_width` {pad_width!r} has a negative entry.")
    allowed = {"constant": {"constant_values"}, "empty": set(), "edge": set(),
               "wrap": set(), "reflect": {"reflect_type"}, "symmetric": {"reflect_type"},
               "maximum": {"stat_length"}, "minimum": {"stat_length"}, "mean": {"stat_length"}}
    if mode not in allowed:
        raise errors.FunctransValueError(
            f"pad: mode={mode!r} is not supported; use one of {sorted(allowed)}.")
    extra = set(kwargs) - allowed[mode]
    if extra:
        raise errors.FunctransValueError(
            f"pad: unsupported keyword arguments for mode {mode!r}: {sorted(extra)}.")
    if mode in ("constant", "empty"):
        return _pad_constant(array, widths, kwargs.get("constant_values", 0))
    if mode in _STATS:
        return _pad_stat(array, widths, mode, kwargs.get("stat_length"))
    if kwargs.get("reflect_type", "even") != "even":
        raise errors.FunctransValueError(
            f"pad: reflect_type={kwargs['reflect_type']!r} is not supported; only 'even'.")
    for d, (lo, hi) in enumerate(widths):
        n = aval.shape[d]
        if lo == hi == 0:
            continue
        if n == 0:
            raise errors.FunctransValueError(
                f"pad: cannot extend the empty axis {d} with mode {mode!r}; use 'constant'.")
        # The index map of this axis is NumPy's own padding of arange(n).
        array = _take_static(array, np.pad(np.arange(n), (lo, hi), mode=mode), d)
    return array


def _pad_constant(array, widths, constant_values):
    aval = _util.aval(array)
    if isinstance(constant_values, core.Tracer) and _util.aval(constant_values).ndim == 0:
        values = [(constant_values, constant_values)] * aval.ndim
    elif _util.contains_tracer(constant_values):
        raise errors.FunctransTypeError(
            "pad: traced `constant_values` must be one scalar; pass concrete pairs instead.")
    else:
        values = _pad_pairs("pad", constant_values, aval.ndim, "constant_values")
    flat = [v for pair in values for v in pair]
    if not flat or isinstance(flat[0], core.Tracer) or len(set(flat)) == 1:
        value = _fill_value(flat[0] if flat else 0, aval.dtype)
        return slicing.pad(array, value, tuple((lo, hi, 0) for lo, hi in widths))
    # Axis by axis, as NumPy: a later axis' values fill the corners.
    for d, ((lo, hi), (before, after)) in enumerate(zip(widths, values, strict=True)):
        for width, value, side in ((lo, before, 0), (hi, after, 1)):
            if width:
                config = tuple(((width, 0, 0) if side == 0 else (0, width, 0)) if e == d
                               else (0, 0, 0) for e in range(aval.ndim))
                array = slicing.pad(array, _fill_value(value, aval.dtype), config)
    return array


def _fill_value(value, dtype: np.dtype):
    """A padding value as a rank-0 operand of `dtype` (NumPy casts it unsafely)."""
    if isinstance(value, core.Tracer):
        return _util.convert(value, dtype)
    return np.asarray(value).astype(dtype)


_STATS = {"maximum": _reductions.max, "minimum": _reductions.min, "mean": _reductions.mean}


def _pad_stat(array, widths, mode: str, stat_length):
    """pad's statistic modes, axis by axis as NumPy (a later axis sees the earlier padding)."""
    aval = _util.aval(array)
    if stat_length is None:
        lengths = [(None, None)] * aval.ndim
    else:
        lengths = _pad_pairs("pad", np.round(np.asarray(stat_length)).astype(np.intp),
                             aval.ndim, "stat_length")
        if builtins.any(v < 0 for pair in lengths for v in pair):
            raise errors.FunctransValueError(
                f"pad: `stat_length` {stat_length!r} has a negative entry.")
    if aval.size == 0:
        for d, (lo, hi) in enumerate(widths):
            if aval.shape[d] == 0 and (lo or hi):
                raise errors.FunctransValueError(
                    f"pad: cannot extend the empty axis {d} with mode {mode!r}; use 'constant'.")
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(aval.shape, widths, strict=True))
        return np.zeros(shape, aval.dtype)
    for d, ((lo, hi), pair) in enumerate(zip(widths, lengths, strict=True)):
        n = _util.aval(array).shape[d]
        left, right = (n if v is None or v > n else v for v in pair)
        if (left == 0 or right == 0) and mode != "mean":
            raise errors.FunctransValueError("pad: a stat_length of 0 yields no value.")
        pieces = []
        if lo:
            pieces.append(_pad_stat_piece(array, d, 0, left, lo, mode))
        pieces.append(array)
        if hi:
            pieces.append(_pad_stat_piece(array, d, n - right, n, hi, mode))
        if len(pieces) > 1:
            array = slicing.concatenate(pieces, d)
    return array


def _pad_stat_piece(array, axis: int, start: int, stop: int, width: int, mode: str):
    aval = _util.aval(array)
    stat = _STATS[mode](_slice_axis(array, axis, start, stop), axis=axis, keepdims=True)
    if aval.dtype.kind in "iu" and mode == "mean":
        stat = _ufuncs.round(stat)
    stat = _util.convert(stat, aval.dtype)
    shape = aval.shape[:axis] + (width,) + aval.shape[axis + 1:]
    return _util.broadcast_to_shape(stat, shape, "pad")
