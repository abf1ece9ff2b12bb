"""`functrans.numpy.linalg`: products and views (`matmul`, `outer`, `cross`, `multi_dot`, ...).

Owns the `numpy.linalg` spellings of products that `functrans.numpy` already has, with the
linalg namespace's stricter conventions (NumPy 2's Array-API forms: `diagonal` and `trace` act
on the last two axes, `outer` takes vectors only, `cross` takes 3-vectors only), and
`multi_dot`, which picks the cheapest order of a chain of products. Every function is a
composition of `functrans.numpy` functions, so derivatives, `vmap` and `jit` come with them.
Does not own the contraction primitive (`primitives/linalg.py`) or the decompositions.
"""
from __future__ import annotations

import numpy as np

from functrans import errors
from functrans.numpy import _dtypes, _linalg, _manip, _reductions, _shape, _stats, _ufuncs, _util

__all__ = ["cross", "diagonal", "matmul", "matrix_transpose", "multi_dot", "outer",
           "tensordot", "trace", "vecdot"]


def matmul(x1, x2, /):
    """Matrix product, as `numpy.linalg.matmul` (the same as `functrans.numpy.matmul`).

    Args:
      x1, x2: arrays or traced values (vectors are promoted as NumPy's matmul does).

    Returns:
      The product, batched over leading dimensions.

    Example:
      >>> fnp.linalg.matmul(np.eye(2), np.array([1.0, 2.0]))
      array([1., 2.])
    """
    return _linalg.matmul(x1, x2)


def tensordot(x1, x2, /, *, axes=2):
    """Tensor dot product over `axes`, as `numpy.linalg.tensordot`.

    Args:
      x1, x2: arrays or traced values.
      axes: an int (the last `axes` of x1 with the first of x2) or a pair of axis lists.

    Returns:
      The contraction.

    Example:
      >>> fnp.linalg.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
      (2, 4)
    """
    return _linalg.tensordot(x1, x2, axes=axes)


def vecdot(x1, x2, /, *, axis=-1):
    """Dot product of vectors along `axis`, broadcasting the others, as `numpy.linalg.vecdot`.

    Args:
      x1, x2: arrays or traced values, broadcast against each other.
      axis: the axis of the vectors.

    Returns:
      The dot products, with `axis` removed: `sum(conj(x1) * x2)` for complex values, as
      NumPy's (the first argument conjugated).

    Example:
      >>> fnp.linalg.vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
      array([3., 7.])
      >>> fnp.linalg.vecdot(np.array([1j, 2.0]), np.array([1.0, 1j]))
      array(0.+1.j)
    """
    x1 = _util.as_array(x1, "vecdot")
    x2 = _util.as_array(x2, "vecdot")
    if _util.aval(x1).dtype.kind != "c" and _util.aval(x2).dtype.kind != "c":
        return _stats.vecdot(x1, x2, axis=axis)
    # Written out rather than through fnp.vecdot, so that this conjugation is the only one.
    x1 = _stats._core_dim("vecdot", x1, axis, "x1")
    x2 = _stats._core_dim("vecdot", x2, axis, "x2")
    n1, n2 = _util.aval(x1).shape[-1], _util.aval(x2).shape[-1]
    if n1 != n2:
        raise errors.FunctransValueError(
            f"vecdot: the vectors have sizes {n1} and {n2} along axis {axis}; they must be "
            "equal.")
    return _reductions.sum(_ufuncs.multiply(_dtypes.conjugate(x1), x2), axis=-1)


def matrix_transpose(x, /):
    """Swap the last two axes of a stack of matrices, as `numpy.linalg.matrix_transpose`.

    Args:
      x: an array or traced value of rank >= 2.

    Returns:
      x with its last two axes swapped.

    Example:
      >>> fnp.linalg.matrix_transpose(np.zeros((4, 2, 3))).shape
      (4, 3, 2)
    """
    return _manip.matrix_transpose(x)


def diagonal(x, /, *, offset=0):
    """The diagonals of a stack of matrices (the last two axes), as `numpy.linalg.diagonal`.

    Args:
      x: a stack of matrices (rank >= 2).
      offset: the diagonal (positive above the main one).

    Returns:
      The diagonals, of shape `x.shape[:-2] + (k,)`.

    Example:
      >>> fnp.linalg.diagonal(np.arange(8.0).reshape(2, 2, 2))
      array([[0., 3.],
             [4., 7.]])
    """
    x = _util.as_array(x, "linalg.diagonal")
    _check_matrices(x, "linalg.diagonal")
    return _shape.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset=0, dtype=None):
    """Sum of the diagonals of a stack of matrices (the last two axes), as `numpy.linalg.trace`.

    Args:
      x: a stack of matrices (rank >= 2).
      offset: the diagonal summed.
      dtype: the accumulation dtype (NumPy's default otherwise).

    Returns:
      The traces, of shape `x.shape[:-2]`.

    Example:
      >>> fnp.linalg.trace(np.arange(8.0).reshape(2, 2, 2))
      array([ 3., 11.])
    """
    x = _util.as_array(x, "linalg.trace")
    _check_matrices(x, "linalg.trace")
    return _linalg.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


def outer(x1, x2, /):
    """Outer product of two vectors, as `numpy.linalg.outer` (vectors only, unlike
    `functrans.numpy.outer`, which flattens).

    Args:
      x1, x2: vectors.

    Returns:
      The `(len(x1), len(x2))` outer product.

    Example:
      >>> fnp.linalg.outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
      array([[ 1., 10.],
             [ 2., 20.]])
    """
    for name, x in (("x1", x1), ("x2", x2)):
        ndim = _util.aval(_util.as_array(x, "linalg.outer")).ndim
        if ndim != 1:
            raise errors.FunctransValueError(
                f"linalg.outer: {name} must be a vector, got rank {ndim}; use "
                "functrans.numpy.outer to flatten, or functrans.numpy.multiply with new axes.")
    return _linalg.outer(x1, x2)


def cross(x1, x2, /, *, axis=-1):
    """Cross product of 3-vectors along `axis`, as `numpy.linalg.cross`.

    Args:
      x1, x2: arrays of 3-vectors along `axis`, broadcast against each other.
      axis: the axis of the vectors.

    Returns:
      The cross products.

    Example:
      >>> fnp.linalg.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
      array([0., 0., 1.])
    """
    for name, x in (("x1", x1), ("x2", x2)):
        shape = _util.aval(_util.as_array(x, "linalg.cross")).shape
        ax = _util.canonicalize_axis(axis, len(shape), "linalg.cross")
        if shape[ax] != 3:
            raise errors.FunctransValueError(
                f"linalg.cross: {name} has size {shape[ax]} along axis {axis} (shape "
                f"{shape}); linalg.cross takes 3-vectors only: use functrans.numpy.cross for "
                "2-vectors.")
    return _stats.cross(x1, x2, axis=axis)


def multi_dot(arrays, *, out=None):
    """Product of a chain of matrices in the cheapest order, as `numpy.linalg.multi_dot`.

    The first array may be a vector (treated as a row) and the last a vector (a column);
    the others must be matrices. The order is chosen from the shapes by the classic dynamic
    program over split points (fewest scalar multiplications), as NumPy does.

    Args:
      arrays: two or more arrays or traced values.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      The product (a scalar, vector or matrix, as NumPy's).

    Raises:
      FunctransValueError: fewer than two arrays, or a vector in the middle of the chain.

    Example:
      >>> a, b, c = np.ones((10, 100)), np.ones((100, 5)), np.ones((5, 50))
      >>> fnp.linalg.multi_dot([a, b, c]).shape
      (10, 50)
    """
    _util.check_unsupported("linalg.multi_dot", out=out)
    arrays = [_util.as_array(a, "linalg.multi_dot") for a in arrays]
    if len(arrays) < 2:
        raise errors.FunctransValueError(
            f"linalg.multi_dot: needs at least two arrays, got {len(arrays)}.")
    first_vec, last_vec = _util.aval(arrays[0]).ndim == 1, _util.aval(arrays[-1]).ndim == 1
    if first_vec:
        arrays[0] = _shape.reshape(arrays[0], (1, -1))
    if last_vec:
        arrays[-1] = _shape.reshape(arrays[-1], (-1, 1))
    for i, a in enumerate(arrays):
        if _util.aval(a).ndim != 2:
            raise errors.FunctransValueError(
                f"linalg.multi_dot: arrays[{i}] has shape {_util.aval(a).shape}; only the "
                "first and last may be vectors, the others must be matrices.")
    dims = [_util.aval(a).shape[0] for a in arrays] + [_util.aval(arrays[-1]).shape[1]]
    result = _chain(arrays, _chain_order(dims), 0, len(arrays) - 1)
    if first_vec and last_vec:
        return _shape.reshape(result, ())
    if first_vec or last_vec:
        return _shape.reshape(result, (-1,))
    return result


def _chain_order(dims: list[int]) -> np.ndarray:
    """split[i, j]: where the cheapest product of matrices i..j splits (dynamic program)."""
    n = len(dims) - 1
    cost = np.zeros((n, n), dtype=np.float64)
    split = np.zeros((n, n), dtype=np.int64)
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i, j] = np.inf
            for k in range(i, j):
                c = cost[i, k] + cost[k + 1, j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i, j]:
                    cost[i, j], split[i, j] = c, k
    return split


def _chain(arrays: list, split: np.ndarray, i: int, j: int):
    # The recursion depth is the chain's length (a handful of matrices), not a program's.
    if i == j:
        return arrays[i]
    k = int(split[i, j])
    return _linalg.matmul(_chain(arrays, split, i, k), _chain(arrays, split, k + 1, j))


def _check_matrices(x, fname: str) -> None:
    ndim = _util.aval(x).ndim
    if ndim < 2:
        raise errors.FunctransValueError(
            f"{fname}: x must be a (stack of) matrices with at least 2 dimensions, got rank "
            f"{ndim}.")
