"""functrans.numpy: grids, products and creation from arrays (issue 12): `kron`, `meshgrid`,
`indices`, the triangle and diagonal index functions, `diagflat`, `block`, `ix_`,
`logspace`, `geomspace`, `vander`, `resize`, `delete`, `insert`, `fromfunction`.

Compositions of the other functrans.numpy modules (static rearrangements through
`_manip._take_static`); owns no primitive. Index-producing functions and creation functions
of Python numbers return NumPy arrays, constants of a traced program (as in `_creation`).
"""
from __future__ import annotations

import builtins

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import _array, _creation, _join, _manip, _shape, _ufuncs, _util
from functrans.primitives import shape as shape_prims
from functrans.primitives import slicing

# The public names, re-exported by functrans.numpy.
__all__ = [
    "block", "broadcast_shapes", "delete", "diag_indices", "diag_indices_from", "diagflat",
    "fromfunction", "geomspace", "identity", "indices", "insert", "ix_", "kron", "logspace",
    "meshgrid", "resize", "tri", "tril_indices", "tril_indices_from", "triu_indices",
    "triu_indices_from", "vander"
]


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


def identity(n, dtype=None, *, like=None):
    """The n x n identity matrix, as `numpy.identity` (default float64; a constant; made in
    the namespace of `like` when it is a foreign array, NEP 35).

    Example:
      >>> fnp.identity(2, dtype=int)
      array([[1, 0],
             [0, 1]])
    """
    n = _manip._static_int(n, "identity", "n")
    out = np.identity(n, _util.check_dtype(dtype, "identity") or np.float64).view(_array.Array)
    return out if like is None else _util.with_like("identity", out, like)


def tri(N, M=None, k=0, dtype=float):
    """Ones at and below diagonal k of an N x M matrix, as `numpy.tri` (a constant).

    Example:
      >>> fnp.tri(2, 3, dtype=int)
      array([[1, 0, 0],
             [1, 1, 0]])
    """
    N = _manip._static_int(N, "tri", "N")
    M = None if M is None else _manip._static_int(M, "tri", "M")
    return np.tri(N, M, _manip._static_int(k, "tri", "k"), _util.check_dtype(dtype, "tri"))


def tril_indices(n, k=0, m=None):
    """Row and column indices of the lower triangle of an (n, m) matrix, as NumPy's.

    Returns a tuple of two int64 NumPy arrays (constants; not differentiable).

    Example:
      >>> fnp.tril_indices(2)
      (array([0, 1, 1]), array([0, 0, 1]))
    """
    m = None if m is None else _manip._static_int(m, "tril_indices", "m")
    return np.tril_indices(_manip._static_int(n, "tril_indices", "n"),
                           _manip._static_int(k, "tril_indices", "k"), m)


def triu_indices(n, k=0, m=None):
    """Row and column indices of the upper triangle of an (n, m) matrix, as NumPy's.

    Returns a tuple of two int64 NumPy arrays (constants; not differentiable).

    Example:
      >>> fnp.triu_indices(2)
      (array([0, 0, 1]), array([0, 1, 1]))
    """
    m = None if m is None else _manip._static_int(m, "triu_indices", "m")
    return np.triu_indices(_manip._static_int(n, "triu_indices", "n"),
                           _manip._static_int(k, "triu_indices", "k"), m)


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
    return _util.in_namespace(tril_indices(rows, k, cols), arr)


def triu_indices_from(arr, k=0):
    """`triu_indices` for the shape of the 2-d `arr` (which may be traced).

    Example:
      >>> fnp.triu_indices_from(np.ones((2, 2)))
      (array([0, 0, 1]), array([0, 1, 1]))
    """
    rows, cols = _matrix_shape("triu_indices_from", arr)
    return _util.in_namespace(triu_indices(rows, k, cols), arr)


def diag_indices(n, ndim=2):
    """Indices of the main diagonal of an n x ... x n array, as `numpy.diag_indices`.

    Example:
      >>> fnp.diag_indices(2)
      (array([0, 1]), array([0, 1]))
    """
    return np.diag_indices(_manip._static_int(n, "diag_indices", "n"),
                           _manip._static_int(ndim, "diag_indices", "ndim"))


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
    return _util.in_namespace(np.diag_indices(shape[0], len(shape)), arr)


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
        if not _util.is_deferred(x):
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
    if not _util.any_deferred(start, stop, base):
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
    if not (_util.is_deferred(start) or _util.is_deferred(stop)):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    _creation._check_static("geomspace", num=num)
    start = _util.to_inexact(start)
    stop = _util.to_inexact(stop)
    sign = _ufuncs.sign(start)
    # NumPy divides by the sign: for complex start, sign = start / |start| and start / sign
    # is |start| (for real ones dividing and multiplying by +-1 agree).
    complex_start = dtypes.is_complex(_util.aval(sign).dtype)
    unsign = _ufuncs.true_divide if complex_start else _ufuncs.multiply
    lo = _ufuncs.log10(unsign(start, sign))
    hi = _ufuncs.log10(unsign(stop, sign))
    values = _ufuncs.multiply(logspace(lo, hi, num, endpoint, axis=axis), sign)
    # NumPy sets the ends to start and stop exactly.
    if num > 0:
        ends = [_shape.reshape(start, (1,))]
        mid_stop = num - 1 if endpoint and num > 1 else num
        ends.append(_manip._slice_axis(values, 0, 1, mid_stop))
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
    N = aval.shape[0] if N is None else _manip._static_int(N, "vander", "N")
    dtype = np.promote_types(aval.dtype, np.int64)
    x = _util.convert(x, dtype)
    if N <= 0:
        return _util.in_namespace(np.zeros((aval.shape[0], builtins.max(N, 0)), dtype), x)
    cols = [_util.in_namespace(np.ones(aval.shape, dtype), x)]
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
        return _util.in_namespace(np.zeros(shape, _util.aval(a).dtype), a)
    idx = np.arange(new_size) % size
    return _shape.reshape(_manip._take_static(a, idx, 0), shape)


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
    return _manip._take_static(arr, np.flatnonzero(keep), axis)


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
    return _manip._take_static(joined, src, axis)


def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    """`function` called on the index grids of `shape` (one per axis), as NumPy's.

    With `like` a foreign array (Dask, CuPy), the grids are made in its namespace (NEP 35),
    so that `function` can combine them with arrays of that namespace.

    Example:
      >>> fnp.fromfunction(lambda i, j: i + j, (2, 2), dtype=int)
      array([[0, 1],
             [1, 2]])
    """
    grids = indices(shape, dtype)
    if like is not None:
        grids = _util.with_like("fromfunction", grids, like)
    return function(*grids, **kwargs)


