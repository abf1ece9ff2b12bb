"""Shape functions of `functrans.numpy`: reshaping, transposing, joining, splitting, tiling,
flipping and the diagonal/triangle functions, built from the shape primitives.

Owns NumPy's argument conventions (-1 in shapes, negative axes, sections for `split`,
`reps` for `tile`) and their errors. Every function works on NumPy arrays (evaluating at
once) and on traced values alike. Does not own indexing (`_indexing`) or creation.
"""
from __future__ import annotations

import builtins
import itertools
import operator

import numpy as np

from functrans import core, errors
from functrans.numpy import _ufuncs, _util
from functrans.primitives import indexing, slicing
from functrans.primitives import shape as shape_prims


def _check_order(fname: str, order) -> None:
    if order not in ("C", "K", "A", None):
        raise errors.FunctransValueError(
            f"{fname}: order={order!r} is not supported; functrans arrays are C-ordered, so "
            "only order='C' is.")


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    """Give `a` a new shape with the same elements (C order), as `numpy.reshape`.

    Args:
      a: an array, traced value or Python scalar.
      shape: an int or a tuple of ints; one entry may be -1 (inferred).
      order: only 'C' is supported.
      newshape: NumPy's older name for `shape`.
      copy: ignored (functrans values are immutable).

    Returns:
      The reshaped array (one `reshape` primitive, none if the shape is unchanged).

    Example:
      >>> fnp.reshape(np.arange(6), (2, -1))
      array([[0, 1, 2],
             [3, 4, 5]])
    """
    _check_order("reshape", order)
    if shape is None:
        shape = newshape
    if shape is None:
        raise errors.FunctransTypeError("reshape: give the new `shape`.")
    a = _util.as_array(a, "reshape")
    size = _util.aval(a).size
    new = list(_util.normalize_shape(shape, "reshape"))
    if new.count(-1) > 1:
        raise errors.FunctransValueError(f"reshape: at most one -1 in shape {tuple(new)}.")
    if -1 in new:
        known = _util.prod(n for n in new if n != -1)
        if known == 0 or size % known:
            raise errors.FunctransValueError(
                f"reshape: cannot reshape an array of size {size} into shape {tuple(new)}.")
        new[new.index(-1)] = size // known
    if _util.prod(new) != size or builtins.any(n < 0 for n in new):
        raise errors.FunctransValueError(
            f"reshape: cannot reshape an array of size {size} into shape {tuple(new)}.")
    return shape_prims.reshape(a, tuple(new))


def ravel(a, order="C"):
    """`a` flattened to 1-d in C order, as `numpy.ravel`.

    Args:
      a: an array, traced value or Python scalar.
      order: only 'C' is supported.

    Returns:
      A 1-d array.

    Example:
      >>> fnp.ravel(np.array([[1, 2], [3, 4]]))
      array([1, 2, 3, 4])
    """
    _check_order("ravel", order)
    a = _util.as_array(a, "ravel")
    return shape_prims.reshape(a, (_util.aval(a).size,))


def transpose(a, axes=None):
    """Permute the axes of `a` (reverse them when `axes` is None), as `numpy.transpose`.

    Args:
      a: an array, traced value or Python scalar.
      axes: None or a permutation of the axes (negative entries count from the end).

    Returns:
      The transposed array (one `transpose` primitive, none for the identity).

    Example:
      >>> fnp.transpose(np.ones((2, 3))).shape
      (3, 2)
    """
    a = _util.as_array(a, "transpose")
    ndim = _util.aval(a).ndim
    if axes is None:
        return shape_prims.transpose(a, tuple(reversed(range(ndim))))
    perm = [_util.canonicalize_axis(d, ndim, "transpose", "axes") for d in axes]
    if sorted(perm) != list(range(ndim)):
        raise errors.AxisError(
            f"transpose: axes {tuple(axes)} are not a permutation of the {ndim} axes.")
    return shape_prims.transpose(a, tuple(perm))


def swapaxes(a, axis1, axis2):
    """`a` with axes `axis1` and `axis2` interchanged, as `numpy.swapaxes`.

    Args:
      a: an array or traced value.
      axis1, axis2: the axes (negative counts from the end).

    Returns:
      The transposed array.

    Example:
      >>> fnp.swapaxes(np.ones((2, 3, 4)), 0, 2).shape
      (4, 3, 2)
    """
    a = _util.as_array(a, "swapaxes")
    ndim = _util.aval(a).ndim
    i = _util.canonicalize_axis(axis1, ndim, "swapaxes", "axis1")
    j = _util.canonicalize_axis(axis2, ndim, "swapaxes", "axis2")
    perm = list(range(ndim))
    perm[i], perm[j] = j, i
    return shape_prims.transpose(a, tuple(perm))


def moveaxis(a, source, destination):
    """Move axes of `a` to new positions, the others keeping their order, as `numpy.moveaxis`.

    Args:
      a: an array or traced value.
      source, destination: ints or sequences of ints of equal length.

    Returns:
      The transposed array.

    Example:
      >>> fnp.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
      (3, 4, 2)
    """
    a = _util.as_array(a, "moveaxis")
    ndim = _util.aval(a).ndim
    src = _as_axis_list(source, ndim, "source")
    dst = _as_axis_list(destination, ndim, "destination")
    if len(src) != len(dst):
        raise errors.FunctransValueError(
            f"moveaxis: `source` {source} and `destination` {destination} must have the same "
            "number of elements.")
    perm = [d for d in range(ndim) if d not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        perm.insert(d, s)
    return shape_prims.transpose(a, tuple(perm))


def _as_axis_list(axes, ndim: int, argname: str) -> list[int]:
    axes = list(axes) if isinstance(axes, (tuple, list)) else [axes]
    out = [_util.canonicalize_axis(d, ndim, "moveaxis", argname) for d in axes]
    if len(set(out)) != len(out):
        raise errors.AxisError(f"moveaxis: repeated axis in `{argname}`.")
    return out


def expand_dims(a, axis):
    """`a` with size-1 axes inserted at `axis` (positions in the result), as NumPy's.

    Args:
      a: an array, traced value or Python scalar.
      axis: an int or a tuple of ints.

    Returns:
      The reshaped array.

    Example:
      >>> fnp.expand_dims(np.ones(3), 0).shape
      (1, 3)
    """
    a = _util.as_array(a, "expand_dims")
    aval = _util.aval(a)
    count = len(axis) if isinstance(axis, (tuple, list)) else 1
    axes = _util.canonicalize_axes(axis, aval.ndim + count, "expand_dims")
    sizes = iter(aval.shape)
    return shape_prims.reshape(a, tuple(1 if d in axes else next(sizes)
                                        for d in range(aval.ndim + count)))


def squeeze(a, axis=None):
    """`a` without size-1 axes (all of them, or those in `axis`), as `numpy.squeeze`.

    Args:
      a: an array or traced value.
      axis: None, an int or a tuple of ints; each named axis must have size 1.

    Returns:
      The reshaped array.

    Example:
      >>> fnp.squeeze(np.ones((1, 3, 1))).shape
      (3,)
    """
    a = _util.as_array(a, "squeeze")
    aval = _util.aval(a)
    if axis is None:
        axes = tuple(d for d, n in enumerate(aval.shape) if n == 1)
    else:
        axes = _util.canonicalize_axes(axis, aval.ndim, "squeeze")
    bad = [d for d in axes if aval.shape[d] != 1]
    if bad:
        raise errors.FunctransValueError(
            f"squeeze: cannot select axes {tuple(bad)} of shape {aval.shape}: their sizes "
            "are not 1.")
    return shape_prims.reshape(a, tuple(n for d, n in enumerate(aval.shape) if d not in axes))


def broadcast_to(array, shape):
    """`array` broadcast to `shape` by NumPy's rules, as `numpy.broadcast_to`.

    Args:
      array: an array, traced value or Python scalar.
      shape: an int or a tuple of ints.

    Returns:
      A new array (not a read-only view) of that shape.

    Example:
      >>> fnp.broadcast_to(np.array([1, 2]), (2, 2))
      array([[1, 2],
             [1, 2]])
    """
    array = _util.as_array(array, "broadcast_to")
    return _util.broadcast_to_shape(array, _util.normalize_shape(shape, "broadcast_to"))


def broadcast_arrays(*args):
    """The arguments broadcast against each other, as `numpy.broadcast_arrays`.

    Args:
      *args: arrays, traced values or Python scalars.

    Returns:
      A list of arrays, all of the broadcast shape.

    Example:
      >>> [x.shape for x in fnp.broadcast_arrays(np.ones((2, 1)), np.ones(3))]
      [(2, 3), (2, 3)]
    """
    arrays = [_util.as_array(x, "broadcast_arrays") for x in args]
    shape = _util.broadcast_shapes(*[_util.aval(x).shape for x in arrays],
                                   fname="broadcast_arrays")
    return [_util.broadcast_to_shape(x, shape, "broadcast_arrays") for x in arrays]


def _joinable(fname: str, arrays, dtype=None) -> list:
    """The arrays of a join as operands of one dtype (promoted, or converted to `dtype`)."""
    if isinstance(arrays, (core.Tracer, np.ndarray)) or not len(arrays):
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
        arrays, axis = [ravel(x) for x in arrays], 0
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
    return slicing.concatenate([expand_dims(x, axis) for x in arrays], axis)


def atleast_1d(a):
    """`a` with at least one axis (a 0-d array becomes shape (1,)), as `numpy.atleast_1d`.

    Example:
      >>> fnp.atleast_1d(3.0)
      array([3.])

    Difference from NumPy: one argument only (NumPy also takes several and returns a list).
    """
    a = _util.as_array(a, "atleast_1d")
    return a if _util.aval(a).ndim >= 1 else shape_prims.reshape(a, (1,))


def atleast_2d(a):
    """`a` with at least two axes (new axes in front), as `numpy.atleast_2d`.

    Example:
      >>> fnp.atleast_2d(np.array([1.0, 2.0])).shape
      (1, 2)

    Difference from NumPy: one argument only (NumPy also takes several and returns a list).
    """
    a = atleast_1d(a)
    aval = _util.aval(a)
    return a if aval.ndim >= 2 else shape_prims.reshape(a, (1, *aval.shape))


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
    arrays = [atleast_1d(x) for x in _joinable("hstack", tup, dtype)]
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
    return concatenate([atleast_2d(x) for x in _joinable("vstack", tup, dtype)], axis=0)


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
        a, axis = ravel(a), 0
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


def flip(m, axis=None):
    """Reverse the order of elements along `axis` (all axes when None), as `numpy.flip`.

    Args:
      m: an array or traced value.
      axis: None, an int or a tuple of ints.

    Returns:
      The flipped array (one `rev` primitive).

    Example:
      >>> fnp.flip(np.array([1, 2, 3]))
      array([3, 2, 1])
    """
    m = _util.as_array(m, "flip")
    return slicing.rev(m, _util.canonicalize_axes(axis, _util.aval(m).ndim, "flip"))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of the (axis1, axis2) planes, as `numpy.diagonal` (as the last axis).

    Args:
      a: an array or traced value of rank >= 2.
      offset: diagonal offset (>0 above the main diagonal, <0 below).
      axis1, axis2: the two axes of the planes.

    Returns:
      An array with those axes removed and the diagonal appended (a transpose if needed,
      a reshape, and one strided `slice`; not a view).

    Example:
      >>> fnp.diagonal(np.arange(9).reshape(3, 3), 1)
      array([1, 5])
    """
    a = _util.as_array(a, "diagonal")
    aval = _util.aval(a)
    if aval.ndim < 2:
        raise errors.FunctransValueError(
            f"diagonal: needs an array of rank >= 2, got shape {aval.shape}.")
    i = _util.canonicalize_axis(axis1, aval.ndim, "diagonal", "axis1")
    j = _util.canonicalize_axis(axis2, aval.ndim, "diagonal", "axis2")
    if i == j:
        raise errors.FunctransValueError("diagonal: axis1 and axis2 must differ.")
    offset = operator.index(offset)
    rows, cols = aval.shape[i], aval.shape[j]
    batch = tuple(n for d, n in enumerate(aval.shape) if d not in (i, j))
    count = builtins.max(0, builtins.min(rows, cols - offset) if offset >= 0
                         else builtins.min(rows + offset, cols))
    if count == 0:
        return np.zeros((*batch, 0), aval.dtype)
    perm = [d for d in range(aval.ndim) if d not in (i, j)] + [i, j]
    flat = shape_prims.reshape(shape_prims.transpose(a, tuple(perm)), (*batch, rows * cols))
    # In the flattened plane, element (r, r + offset) sits at r * (cols + 1) + offset.
    start = offset if offset >= 0 else -offset * cols
    nb = len(batch)
    return slicing.slice(flat, (0,) * nb + (start,),
                             (*batch, start + (count - 1) * (cols + 1) + 1),
                             (1,) * nb + (cols + 1,))


def diag(v, k=0):
    """Extract a diagonal (2-d input) or build a diagonal matrix (1-d input), as `numpy.diag`.

    Args:
      v: a 1-d or 2-d array or traced value.
      k: diagonal offset (>0 above the main diagonal, <0 below).

    Returns:
      For 1-d `v` of length m, an (m+|k|, m+|k|) matrix with `v` on diagonal k (one `pad`
      with interior padding and one `reshape`); for 2-d `v`, its diagonal k.

    Example:
      >>> fnp.diag(np.array([1, 2]))
      array([[1, 0],
             [0, 2]])
    """
    v = _util.as_array(v, "diag")
    aval = _util.aval(v)
    k = operator.index(k)
    if aval.ndim == 2:
        return diagonal(v, k)
    if aval.ndim != 1:
        raise errors.FunctransValueError(f"diag: input must be 1-d or 2-d, got shape {aval.shape}.")
    m = aval.shape[0]
    n = m + builtins.abs(k)
    if m == 0:
        return np.zeros((n, n), aval.dtype)
    # In the flattened (n, n) result, v[i] sits at first + i * (n + 1): interior padding n.
    first = k if k >= 0 else -k * n
    last = first + (m - 1) * (n + 1)
    padded = slicing.pad(v, 0, ((first, n * n - last - 1, n),))
    return shape_prims.reshape(padded, (n, n))


def _triangle(fname: str, m, k, lower: bool):
    m = _util.as_array(m, fname)
    aval = _util.aval(m)
    if aval.ndim == 0:
        raise errors.FunctransValueError(f"{fname}: input must have rank >= 1, got a scalar.")
    k = operator.index(k)
    # A 1-d input is a row broadcast to a square matrix, as in NumPy.
    rows, cols = aval.shape[-2:] if aval.ndim >= 2 else aval.shape * 2
    mask = np.tri(rows, cols, k, bool) if lower else ~np.tri(rows, cols, k - 1, bool)
    return _ufuncs.where(mask, m, np.zeros((), aval.dtype))


def tril(m, k=0):
    """`m` with the elements above diagonal k zeroed (last two axes), as `numpy.tril`.

    Args:
      m: an array or traced value (1-d input is broadcast to a square matrix, as NumPy).
      k: diagonal offset.

    Returns:
      The lower triangle (one `select` with a constant mask).

    Example:
      >>> fnp.tril(np.ones((2, 2)))
      array([[1., 0.],
             [1., 1.]])
    """
    return _triangle("tril", m, k, lower=True)


def triu(m, k=0):
    """`m` with the elements below diagonal k zeroed (last two axes), as `numpy.triu`.

    Args:
      m: an array or traced value (1-d input is broadcast to a square matrix, as NumPy).
      k: diagonal offset.

    Returns:
      The upper triangle (one `select` with a constant mask).

    Example:
      >>> fnp.triu(np.ones((2, 2)))
      array([[1., 1.],
             [0., 1.]])
    """
    return _triangle("triu", m, k, lower=False)


def shape(a):
    """The shape of `a` (static, also for traced values), as `numpy.shape`.

    Example:
      >>> fnp.shape(np.ones((2, 3)))
      (2, 3)
    """
    return _util.aval(_util.as_operand(a, "shape")).shape


def ndim(a):
    """The number of axes of `a`, as `numpy.ndim`.

    Example:
      >>> fnp.ndim(np.ones((2, 3)))
      2
    """
    return _util.aval(_util.as_operand(a, "ndim")).ndim


def size(a, axis=None):
    """The number of elements of `a` (along `axis` if given), as `numpy.size`.

    Example:
      >>> fnp.size(np.ones((2, 3)))
      6
    """
    aval = _util.aval(_util.as_operand(a, "size"))
    if axis is None:
        return aval.size
    return aval.shape[_util.canonicalize_axis(axis, aval.ndim, "size")]
