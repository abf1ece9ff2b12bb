"""Joining and splitting in `functrans.numpy`: concatenate, stack, hstack, vstack, split,
tile and repeat, built from the shape and slicing primitives.

Owns NumPy's argument conventions for them (sections for `split`, `reps` for `tile`,
`repeats` for `repeat`, promotion of the joined arrays) and their errors. Every function
works on NumPy arrays (evaluating at once) and on traced values alike. Does not own reshaping
or transposing (`_shape`).
"""
from __future__ import annotations

import builtins
import itertools
import operator

import numpy as np

from functrans import core, errors
from functrans.numpy import _shape, _util
from functrans.primitives import indexing, slicing
from functrans.primitives import shape as shape_prims

# The public names, re-exported by functrans.numpy.
__all__ = [
    "concatenate", "hstack", "repeat", "split", "stack", "tile", "vstack"
]


def _joinable(fname: str, arrays, dtype=None) -> list:
    """The arrays of a join as operands of one dtype (promoted, or converted to `dtype`)."""
    if isinstance(arrays, np.ndarray) or _util.is_deferred(arrays) or not len(arrays):
        raise errors.FunctransValueError(
            f"{fname}: pass a non-empty sequence (list or tuple) of arrays.")
    arrays = [_util.as_array(x, fname) for x in arrays]
    dtype = _util.check_dtype(dtype, fname)
    if dtype is not None:
        return [_util.convert(x, dtype) for x in arrays]
    return _util.promote(*arrays)[0]


def concatenate(arrays, axis=0, out=None, *, dtype=None, casting=None):
    """Join arrays along an existing axis, as `numpy.concatenate`.

    Args:
      arrays: a sequence of arrays, equal in shape except along `axis`; promoted to one dtype.
      axis: the axis (None: flatten every array first).
      dtype: the result dtype (default: promotion).
      out, casting: not supported; giving them raises FunctransTypeError.

    Returns:
      The joined array (one `concatenate` primitive).

    Example:
      >>> fnp.concatenate([np.array([1, 2]), np.array([3])])
      array([1, 2, 3])
    """
    _util.check_unsupported("concatenate", out=out, casting=casting)
    arrays = _joinable("concatenate", arrays, dtype)
    if axis is None:
        arrays, axis = [_shape.ravel(x) for x in arrays], 0
    avals = [_util.aval(x) for x in arrays]
    if builtins.any(a.ndim == 0 for a in avals):
        raise errors.FunctransValueError(
            "concatenate: zero-dimensional arrays cannot be concatenated; use stack, or "
            "expand_dims first.")
    axis = _util.canonicalize_axis(axis, avals[0].ndim, "concatenate")
    for a in avals:
        if a.ndim != avals[0].ndim or builtins.any(
                n != m for d, (n, m) in enumerate(zip(a.shape, avals[0].shape, strict=True))
                if d != axis):
            shapes = ", ".join(str(b.shape) for b in avals)
            raise errors.FunctransValueError(
                f"concatenate: all shapes must match except along axis {axis}; got {shapes}.")
    return slicing.concatenate(arrays, axis)


def stack(arrays, axis=0, out=None, *, dtype=None, casting=None):
    """Join arrays of one shape along a new axis, as `numpy.stack`.

    Args:
      arrays: a sequence of arrays of equal shapes (promoted to one dtype).
      axis: position of the new axis in the result.
      dtype: the result dtype (default: promotion).
      out, casting: not supported; giving them raises FunctransTypeError.

    Returns:
      The stacked array.

    Example:
      >>> fnp.stack([np.array([1, 2]), np.array([3, 4])], axis=1)
      array([[1, 3],
             [2, 4]])
    """
    _util.check_unsupported("stack", out=out, casting=casting)
    arrays = _joinable("stack", arrays, dtype)
    shapes = {_util.aval(x).shape for x in arrays}
    if len(shapes) != 1:
        raise errors.FunctransValueError(
            f"stack: all input arrays must have the same shape, got {sorted(shapes)}.")
    ndim = _util.aval(arrays[0]).ndim
    axis = _util.canonicalize_axis(axis, ndim + 1, "stack")
    return slicing.concatenate([_shape.expand_dims(x, axis) for x in arrays], axis)


def hstack(tup, *, dtype=None):
    """Join arrays column-wise (along axis 1; along axis 0 for 1-d), as `numpy.hstack`.

    Args:
      tup: a sequence of arrays.
      dtype: the result dtype (default: promotion).

    Returns:
      The joined array.

    Example:
      >>> fnp.hstack([np.array([1, 2]), np.array([3])])
      array([1, 2, 3])
    """
    arrays = [_shape.atleast_1d(x) for x in _joinable("hstack", tup, dtype)]
    return concatenate(arrays, axis=0 if _util.aval(arrays[0]).ndim == 1 else 1)


def vstack(tup, *, dtype=None):
    """Join arrays row-wise (1-d arrays become rows), as `numpy.vstack`.

    Args:
      tup: a sequence of arrays.
      dtype: the result dtype (default: promotion).

    Returns:
      The joined array.

    Example:
      >>> fnp.vstack([np.array([1, 2]), np.array([3, 4])])
      array([[1, 2],
             [3, 4]])
    """
    return concatenate([_shape.atleast_2d(x) for x in _joinable("vstack", tup, dtype)], axis=0)


def _slice_axis(a, axis: int, start: int, stop: int):
    aval = _util.aval(a)
    starts = tuple(start if d == axis else 0 for d in range(aval.ndim))
    limits = tuple(stop if d == axis else n for d, n in enumerate(aval.shape))
    return slicing.slice(a, starts, limits)


def split(ary, indices_or_sections, axis=0):
    """Split `ary` along `axis` into equal sections or at indices, as `numpy.split`.

    Args:
      ary: an array or traced value.
      indices_or_sections: an int N (N equal sections; must divide the axis) or a sorted
        sequence of split points (Python slice semantics, as NumPy).
      axis: the axis to split.

    Returns:
      A list of arrays (one `slice` primitive each).

    Example:
      >>> fnp.split(np.arange(5), [2, 3])
      [array([0, 1]), array([2]), array([3, 4])]
    """
    a = _util.as_array(ary, "split")
    aval = _util.aval(a)
    axis = _util.canonicalize_axis(axis, aval.ndim, "split")
    n = aval.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = operator.index(indices_or_sections)
        if sections <= 0 or n % sections:
            raise errors.FunctransValueError(
                f"split: {sections} sections do not divide axis {axis} of size {n} equally; "
                "pass split points instead.")
        points = [i * (n // sections) for i in range(1, sections)]
    else:
        if isinstance(indices_or_sections, np.ndarray):
            indices_or_sections = indices_or_sections.tolist()
        points = list(_util.normalize_shape(indices_or_sections, "split",
                                            "indices_or_sections"))
    bounds = [0, *points, n]
    pieces = []
    for lo, hi in itertools.pairwise(bounds):
        start, stop, _ = builtins.slice(lo, hi).indices(n)
        pieces.append(_slice_axis(a, axis, start, builtins.max(start, stop)))
    return pieces


def tile(A, reps):
    """`A` repeated `reps` times along each axis, as `numpy.tile`.

    Args:
      A: an array, traced value or Python scalar.
      reps: an int or a tuple of ints (shorter tuples/arrays are padded with 1s in front).

    Returns:
      The tiled array (one `broadcast_in_dim` and one `reshape`).

    Example:
      >>> fnp.tile(np.array([1, 2]), (2, 2))
      array([[1, 2, 1, 2],
             [1, 2, 1, 2]])
    """
    a = _util.as_array(A, "tile")
    aval = _util.aval(a)
    reps = _util.normalize_shape(reps, "tile", "reps")
    if builtins.any(r < 0 for r in reps):
        raise errors.FunctransValueError(f"tile: reps {reps} must be non-negative.")
    ndim = builtins.max(len(reps), aval.ndim)
    shape = (1,) * (ndim - aval.ndim) + aval.shape
    reps = (1,) * (ndim - len(reps)) + reps
    # Broadcast to (r0, s0, r1, s1, ...) and merge each pair: the copies come first.
    interleaved = tuple(n for pair in zip(reps, shape, strict=True) for n in pair)
    dims = tuple(2 * (d + ndim - aval.ndim) + 1 for d in range(aval.ndim))
    tiled = shape_prims.broadcast_in_dim(a, interleaved, dims)
    return shape_prims.reshape(tiled, tuple(r * n for r, n in zip(reps, shape, strict=True)))


def repeat(a, repeats, axis=None):
    """Repeat each element of `a` `repeats` times along `axis`, as `numpy.repeat`.

    Args:
      a: an array, traced value or Python scalar.
      repeats: an int, or a concrete sequence of ints (one per element along `axis`).
      axis: the axis (None: flatten first).

    Returns:
      The repeated array (broadcast + reshape for an int; a `gather` for a sequence).

    Example:
      >>> fnp.repeat(np.array([1, 2]), 2)
      array([1, 1, 2, 2])
    """
    a = _util.as_array(a, "repeat")
    if axis is None:
        a, axis = _shape.ravel(a), 0
    aval = _util.aval(a)
    axis = _util.canonicalize_axis(axis, aval.ndim, "repeat")
    if isinstance(repeats, core.Tracer):
        raise errors.FunctransTypeError(
            "repeat: `repeats` must be concrete; traced repeats would make the output shape "
            "depend on the data.")
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iu" or builtins.any(np.ravel(counts) < 0):
        raise errors.FunctransValueError(
            f"repeat: `repeats` must be non-negative integers, got {repeats!r}.")
    if counts.ndim == 0:
        r = int(counts)
        out_shape = (*aval.shape[:axis + 1], r, *aval.shape[axis + 1:])
        dims = tuple(d + (d > axis) for d in range(aval.ndim))
        wide = shape_prims.broadcast_in_dim(a, out_shape, dims)
        merged = (*aval.shape[:axis], aval.shape[axis] * r, *aval.shape[axis + 1:])
        return shape_prims.reshape(wide, merged)
    counts = np.broadcast_to(counts, (aval.shape[axis],))
    return indexing.gather(a, np.repeat(np.arange(aval.shape[axis]), counts), axis)
