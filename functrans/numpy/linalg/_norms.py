"""`functrans.numpy.linalg` norms: `norm`, `matrix_norm`, `vector_norm`, and `cond`.

Owns vector norms (any `ord`, built from reductions and elementwise functions) and matrix
norms: 'fro', 1, -1, inf, -inf from reductions, and 2, -2, 'nuc' (the largest, smallest
and summed singular values) from `svdvals` (`_spectral`); `cond` from those norms and
`inv` (`_solve`). Does not own products or solves.
"""
from __future__ import annotations

import numpy as np

from functrans import dtypes, errors
from functrans.numpy import _reductions, _shape, _ufuncs, _util
from functrans.numpy.linalg import _solve, _spectral
from functrans.primitives import complex_parts

__all__ = ["cond", "matrix_norm", "norm", "vector_norm"]


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm, as `numpy.linalg.norm`.

    Args:
      x: an array or traced value (integers are converted to float64).
      ord: vectors: None/2 (Euclidean), 1, inf, -inf, 0 (count of nonzeros) or any other
        number p (`sum(|x|**p)**(1/p)`); matrices: None/'fro', 'nuc' (sum of the singular
        values), 1, -1, inf, -inf, 2 (largest singular value), -2 (smallest).
      axis: None (the whole array: the 2-norm of the flattened array when `ord` is None,
        else x must be 1-d or 2-d), an int (vector norms) or a pair of ints (matrix norms).
      keepdims: keep the normed axes with size 1.

    Returns:
      The norms.

    Raises:
      FunctransValueError: an `ord` that does not apply.

    Example:
      >>> fnp.linalg.norm(np.array([3.0, 4.0]))
      np.float64(5.0)

    The derivatives of the 2, -2 and 'nuc' norms are those of the singular values
    (`diag(U^T dA V)`), finite everywhere; at a repeated extreme singular value, that of
    `max`/`min` at a tie.
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
    if dtypes.is_complex(_util.aval(x).dtype):
        # |z|^2 = Re(z conj(z)), as JAX's norm.
        x2 = complex_parts.real(_ufuncs.multiply(x, complex_parts.conj(x)))
    else:
        x2 = _ufuncs.multiply(x, x)
    return _ufuncs.sqrt(_reductions.sum(x2, axis=axes, keepdims=keepdims))


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
        nonzero = _util.convert(_ufuncs.not_equal(x, 0), dtypes.real_dtype(_util.aval(x).dtype))
        return _reductions.sum(nonzero, axis=axes, keepdims=keepdims)
    if ord == 1:
        return _reductions.sum(_ufuncs.abs(x), axis=axes, keepdims=keepdims)
    total = _reductions.sum(_ufuncs.power(_ufuncs.abs(x), ord), axis=axes, keepdims=keepdims)
    return _ufuncs.power(total, 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    row, col = axes
    if ord is None or ord == "fro":
        return _euclid(x, axes, keepdims)
    if isinstance(ord, str) and ord != "nuc":
        raise _matrix_ord_error(ord)
    if ord in ("nuc", 2, -2):
        # NumPy's route: the matrices moved last, a reduction of their singular values.
        s = _spectral.svdvals(_shape.moveaxis(x, (row, col), (-2, -1)))
        pick = {"nuc": _reductions.sum, 2: _reductions.max, -2: _reductions.min}[ord]
        return _keep_matrix_dims(pick(s, axis=-1), x, axes, keepdims)
    if ord in (1, -1):
        # Column sums (over rows), then the extreme over the columns.
        sums, other = _reductions.sum(_ufuncs.abs(x), axis=row), col - (col > row)
    elif ord in (np.inf, -np.inf):
        sums, other = _reductions.sum(_ufuncs.abs(x), axis=col), row - (row > col)
    else:
        raise _matrix_ord_error(ord)
    pick = _reductions.max if ord > 0 else _reductions.min
    return _keep_matrix_dims(pick(sums, axis=other), x, axes, keepdims)


def _matrix_ord_error(ord) -> errors.FunctransValueError:
    return errors.FunctransValueError(
        f"norm: ord={ord!r} is not a matrix norm; use None/'fro', 'nuc', 1, -1, 2, -2, inf "
        "or -inf.")


def _keep_matrix_dims(out, x, axes, keepdims: bool):
    if not keepdims:
        return out
    shape = tuple(1 if d in axes else n for d, n in enumerate(_util.aval(x).shape))
    return _shape.reshape(out, shape)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """Norms of the matrices in the last two axes, as `numpy.linalg.matrix_norm`.

    Args:
      x: a stack of matrices `(..., m, n)` (integers are converted to float64).
      keepdims: keep the two axes with size 1.
      ord: 'fro' (default), 'nuc', 1, -1, 2, -2, inf or -inf, as in `norm`.

    Returns:
      The norms `(...)`.

    Example:
      >>> fnp.linalg.matrix_norm(np.array([[3.0, 0.0], [0.0, 4.0]]), ord=2)
      array(4.)
    """
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """Vector norms over `axis`, as `numpy.linalg.vector_norm`.

    Args:
      x: an array or traced value (integers are converted to float64).
      axis: None (all axes, the flattened array), an int or a tuple of ints (the entries over
        those axes form one vector).
      keepdims: keep the normed axes with size 1.
      ord: 2 (default), 1, inf, -inf, 0 (count of nonzeros) or any other number p.

    Returns:
      The norms.

    Example:
      >>> fnp.linalg.vector_norm(np.array([[3.0, 0.0], [0.0, 4.0]]))
      np.float64(5.0)
    """
    x = _util.to_inexact(_util.as_array(x, "vector_norm"))
    ndim = _util.aval(x).ndim
    if axis is None:
        axes = tuple(range(ndim))
    else:
        axes = _util.canonicalize_axes(axis, ndim, "vector_norm")
    if isinstance(ord, str):
        raise errors.FunctransValueError(
            f"vector_norm: ord={ord!r} is not a vector norm; use a number, inf or -inf.")
    return _vector_norm(x, ord, axes, keepdims)


def cond(x, p=None):
    """Condition number, as `numpy.linalg.cond`.

    Args:
      x: a stack of matrices `(..., m, n)` (square unless p is None, 2 or -2).
      p: None or 2 (`s_max / s_min`), -2 (`s_min / s_max`), or a matrix norm order ('fro',
        'nuc', 1, -1, inf, -inf): `norm(x, p) * norm(inv(x), p)`.

    Returns:
      The condition numbers; inf (not NaN) for a singular matrix without NaN entries.

    Raises:
      FunctransValueError: an empty matrix, or a non-square one with a norm order `p`.

    Example:
      >>> fnp.linalg.cond(np.array([[2.0, 0.0], [0.0, 0.5]]))
      array(4.)
    """
    x = _spectral._matrices("cond", x)
    shape = _util.aval(x).shape
    if p not in (None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"):
        raise errors.FunctransValueError(
            f"cond: p={p!r} is not a matrix norm order; use None, 2, -2, 1, -1, inf, -inf, "
            "'fro' or 'nuc'.")
    if shape[-1] * shape[-2] == 0:
        raise errors.FunctransValueError(
            f"cond: not defined on empty arrays (got shape {shape}).")
    with np.errstate(all="ignore"):
        if p is None or (not isinstance(p, str) and p in (2, -2)):
            s = _spectral.svdvals(x)
            big, small = s[..., 0], s[..., -1]
            r = _ufuncs.divide(small, big) if p == -2 else _ufuncs.divide(big, small)
        else:
            if shape[-1] != shape[-2]:
                raise errors.FunctransValueError(
                    f"cond: p={p!r} needs square matrices, got shape {shape}; use p=None, 2 "
                    "or -2 for a rectangular one.")
            # NumPy inverts ignoring errors: a singular matrix gives inf/nan, then inf below.
            inv_x = _solve.inverse(x, "cond", check=False)
            r = _ufuncs.multiply(norm(x, p, axis=(-2, -1)),
                                 norm(inv_x, p, axis=(-2, -1)))
    # NaN from 0/0 is inf (a singular matrix) unless x itself has NaN entries, as NumPy.
    x_nan = _reductions.any(_ufuncs.isnan(x), axis=(-2, -1))
    return _ufuncs.where(_ufuncs.logical_and(_ufuncs.isnan(r), _ufuncs.logical_not(x_nan)),
                         np.inf, r)
