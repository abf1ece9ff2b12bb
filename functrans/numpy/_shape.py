"""Shape functions of `functrans.numpy`: reshaping, transposing, broadcasting, flipping and
the diagonal/triangle functions, built from the shape primitives.

Owns NumPy's argument conventions (-1 in shapes, negative axes) and their errors. Every
function works on NumPy arrays (evaluating at once) and on traced values alike. Does not own
joining, splitting, tiling and repeating (`_join`), indexing (`_indexing`) or creation.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from functrans import errors
from functrans.numpy import _ufuncs, _util
from functrans.primitives import shape as shape_prims
from functrans.primitives import slicing

# The public names, re-exported by functrans.numpy.
__all__ = [
    "atleast_1d", "atleast_2d", "broadcast_arrays", "broadcast_to", "diag", "diagonal",
    "expand_dims", "flip", "moveaxis", "ndim", "ravel", "reshape", "shape", "size", "squeeze",
    "swapaxes", "transpose", "tril", "triu"
]


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
                f"reshape: cannot reshape an array of shape {_util.aval(a).shape} (size {size}) "
                f"into shape {tuple(new)}.")
        new[new.index(-1)] = size // known
    if _util.prod(new) != size or builtins.any(n < 0 for n in new):
        raise errors.FunctransValueError(
            f"reshape: cannot reshape an array of shape {_util.aval(a).shape} (size {size}) "
            f"into shape {tuple(new)}.")
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
        return _util.in_namespace(np.zeros((*batch, 0), aval.dtype), a)
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
        return _util.in_namespace(np.zeros((n, n), aval.dtype), v)
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
