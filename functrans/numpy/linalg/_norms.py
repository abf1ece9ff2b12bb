"""`functrans.numpy.linalg` norms: `norm`, built from reductions and elementwise functions.

Owns vector norms (any `ord`) and the matrix norms that need no decomposition ('fro', 1,
-1, inf, -inf). Does not own products (`_linalg`) or anything needing an SVD or solve.
"""
from __future__ import annotations

import numpy as np

from functrans import errors
from functrans.numpy import _reductions, _shape, _ufuncs, _util

__all__ = ["norm"]


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm, as `numpy.linalg.norm`.

    Args:
      x: an array or traced value (integers are converted to float64).
      ord: vectors: None/2 (Euclidean), 1, inf, -inf, 0 (count of nonzeros) or any other
        number p (`sum(|x|**p)**(1/p)`); matrices: None/'fro', 1, -1, inf, -inf.
      axis: None (the whole array: the 2-norm of the flattened array when `ord` is None,
        else x must be 1-d or 2-d), an int (vector norms) or a pair of ints (matrix norms).
      keepdims: keep the normed axes with size 1.

    Returns:
      The norms.

    Raises:
      FunctransValueError: matrix ord 2, -2 or 'nuc' (they need an SVD, not implemented),
        or an `ord` that does not apply.

    Example:
      >>> fnp.linalg.norm(np.array([3.0, 4.0]))
      np.float64(5.0)

    Difference from NumPy: matrix ord 2, -2 and 'nuc' are not supported.
    """
    x = _util.to_inexact(_util.as_array(x, "norm"))
    ndim = _util.aval(x).ndim
    if axis is None:
        if ord is None:
            return _euclid(x, tuple(range(ndim)), keepdims)
        if ndim not in (1, 2):
            raise errors.FunctransValueError(
                f"norm: with ord={ord!r} and axis=None, x must be 1-d or 2-d, got rank {ndim}; "
                "pass axis.")
        axis = tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(_util.canonicalize_axis(a, ndim, "norm") for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2 and axes[0] != axes[1]:
        return _matrix_norm(x, ord, axes, keepdims)
    raise errors.FunctransValueError(
        f"norm: axis={axis!r} must name one axis or two distinct axes.")


def _euclid(x, axes, keepdims):
    return _ufuncs.sqrt(_reductions.sum(_ufuncs.multiply(x, x), axis=axes, keepdims=keepdims))


def _vector_norm(x, ord, axes, keepdims):
    if isinstance(ord, str):
        raise errors.FunctransValueError(f"norm: ord={ord!r} is not a vector norm.")
    if ord is None or ord == 2:
        return _euclid(x, axes, keepdims)
    if ord == np.inf:
        return _reductions.max(_ufuncs.abs(x), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return _reductions.min(_ufuncs.abs(x), axis=axes, keepdims=keepdims)
    if ord == 0:
        nonzero = _util.convert(_ufuncs.not_equal(x, 0), _util.aval(x).dtype)
        return _reductions.sum(nonzero, axis=axes, keepdims=keepdims)
    if ord == 1:
        return _reductions.sum(_ufuncs.abs(x), axis=axes, keepdims=keepdims)
    total = _reductions.sum(_ufuncs.power(_ufuncs.abs(x), ord), axis=axes, keepdims=keepdims)
    return _ufuncs.power(total, 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    row, col = axes
    if ord is None or ord == "fro":
        return _euclid(x, axes, keepdims)
    if ord in (1, -1):
        # Column sums (over rows), then the extreme over the columns.
        sums, other = _reductions.sum(_ufuncs.abs(x), axis=row), col - (col > row)
    elif ord in (np.inf, -np.inf):
        sums, other = _reductions.sum(_ufuncs.abs(x), axis=col), row - (row > col)
    else:
        raise errors.FunctransValueError(
            f"norm: matrix ord={ord!r} is not supported (2, -2 and 'nuc' need an SVD); use "
            "None/'fro', 1, -1, inf or -inf.")
    pick = _reductions.max if ord > 0 else _reductions.min
    out = pick(sums, axis=other)
    if keepdims:
        shape = tuple(1 if d in axes else n for d, n in enumerate(_util.aval(x).shape))
        out = _shape.reshape(out, shape)
    return out
