"""`functrans.numpy.linalg`: the Cholesky, LU and QR families (`solve`, `inv`, `det`, ...).

Owns `solve`, `inv`, `det`, `slogdet`, `cholesky`, `qr`, `tensorsolve`, `tensorinv`,
`matrix_power` and the error class `LinAlgError`. Each is a composition of the
factorization primitives (functrans/primitives/factorizations.py: `lu`, `cholesky`, `qr`) and
`triangular_solve` (functrans/primitives/triangular.py), so derivatives, `vmap` and `jit`
come from those primitives' rules and the programs stay short (`solve` is one `lu`, one row
gather and two `triangular_solve`s). Does not own products (`_products`), norms or the
spectral functions.

NumPy's conventions: stacked matrices (leading dimensions broadcast), integers and bools
computed in float64, float32 kept, float16 rejected. Errors versus nan: on concrete input a
singular matrix in `solve`/`inv` and a matrix that is not positive definite in `cholesky`
raise `LinAlgError` (a subclass of both `numpy.linalg.LinAlgError` and ValueError), as NumPy
does; under a transformation (`jit`, `grad`, `vmap`, ...) nothing can be raised on values,
and the results are what the factorizations give, as in JAX: inf/nan for a singular `solve`
or `inv` (a zero pivot of U), nan for a failed `cholesky`. Singularity is an exact zero pivot
of the LU factorization (LAPACK's criterion); a nearly singular matrix may round to a zero
pivot in NumPy's blocked LU and not in this one, or the other way round.

`det` has a custom JVP through the adjugate (JAX's `_cofactor_solve`): `d det = tr(adj(A)
dA)`, computed from the LU factors with the last pivot replaced so that a matrix of rank
n - 1 gets its finite, rank-one gradient and one of lower rank the zero gradient, where
`det(A) tr(A^-1 dA)` would be nan.
"""
from __future__ import annotations

import collections
import operator

import numpy as np

from functrans import backend, core, custom_derivatives, errors
from functrans.numpy import _linalg, _reductions, _shape, _stats, _ufuncs, _util
from functrans.primitives import factorizations, indexing, sorting, triangular

__all__ = ["LinAlgError", "cholesky", "det", "inv", "matrix_power", "qr", "slogdet", "solve",
           "tensorinv", "tensorsolve"]

_LAPACK_DTYPES = tuple(np.dtype(d) for d in (np.float32, np.float64, np.complex64,
                                              np.complex128))
SlogdetResult = collections.namedtuple("SlogdetResult", ["sign", "logabsdet"])
QRResult = collections.namedtuple("QRResult", ["Q", "R"])


class LinAlgError(errors.FunctransValueError, np.linalg.LinAlgError):
    """A linear-algebra error on concrete input (a singular matrix in `solve`/`inv`, a matrix
    that is not positive definite in `cholesky`, a shape NumPy's linalg refuses); both a
    `numpy.linalg.LinAlgError` and a ValueError, so either `except` catches it.

    Example:
      >>> try:
      ...     fnp.linalg.inv(np.zeros((2, 2)))
      ... except np.linalg.LinAlgError as e:
      ...     print(e)
      inv: singular matrix (an exact zero pivot in its LU factorization).
    """


# --------------------------------------------------------------------------- operands


def _matrices(a, fname: str, square: bool = True):
    """`a` as a float array of rank >= 2 (square in its last two dims if `square`)."""
    a = _util.as_array(a, fname)
    aval = _util.aval(a)
    if aval.dtype == np.float16:
        raise errors.FunctransTypeError(
            f"{fname}: array type float16 is unsupported in linalg (as in NumPy); convert to "
            "float32 or float64.")
    if aval.dtype.kind in "fc" and aval.dtype not in _LAPACK_DTYPES:
        raise errors.FunctransTypeError(
            f"{fname}: array type {aval.dtype.name} is unsupported in linalg (as in NumPy); "
            "convert to float64 or complex128.")
    if aval.ndim < 2:
        raise LinAlgError(f"{fname}: {aval.ndim}-dimensional array given (shape "
                          f"{aval.shape}); the array must be at least two-dimensional.")
    if square and aval.shape[-1] != aval.shape[-2]:
        raise LinAlgError(f"{fname}: the last 2 dimensions of the array must be square, got "
                          f"shape {aval.shape}.")
    return _util.to_inexact(a)


def _is_concrete(x) -> bool:
    """A NumPy value whose failure (singular, not positive definite) raises LinAlgError now,
    as NumPy's; traced values, and Dask or CuPy arrays (not forced to the host for a check),
    give nan as JAX does."""
    return not isinstance(x, core.Tracer) and not backend.is_foreign(x)


def _broadcast_batch(x, batch: tuple[int, ...], core_ndim: int):
    shape = _util.aval(x).shape
    target = batch + shape[len(shape) - core_ndim:]
    return x if shape == target else _shape.broadcast_to(x, target)


# --------------------------------------------------------------------------- LU solves


def _check_singular(lu, fname: str) -> None:
    """On concrete factors, raise as NumPy does for an exact zero pivot."""
    if _is_concrete(lu):
        diag = np.diagonal(np.asarray(lu), axis1=-2, axis2=-1)
        if np.any(diag == 0):
            raise LinAlgError(f"{fname}: singular matrix (an exact zero pivot in its LU "
                              "factorization).")


def _lu_solve(lu, perm, b):
    """`A^-1 b` from `A[perm] = L U`: rows of b gathered by perm, then two triangular solves.

    lu (..., n, n), perm (..., n) and b (..., n, k) share their leading dims."""
    aval = _util.aval(b)
    nd = aval.ndim
    perm = _util.convert(perm, np.dtype(np.int64))
    if _util.aval(perm).ndim == 1:   # one matrix: one gather of b's rows
        pb = indexing.gather(b, perm, nd - 2)
    else:
        pb = sorting.take_along_axis(b, _shape.broadcast_to(perm[..., None], aval.shape), nd - 2)
    y = triangular.triangular_solve(lu, pb, left_side=True, lower=True, unit_diagonal=True)
    return triangular.triangular_solve(lu, y, left_side=True, lower=False)


def _factor(a, fname: str, check: bool = True):
    lu, _, perm = factorizations.lu(a)
    if check:
        _check_singular(lu, fname)
    return lu, perm


def solve(a, b):
    """Solve `a @ x = b` for `x`, as `numpy.linalg.solve`.

    Args:
      a: `(..., n, n)` coefficient matrices.
      b: `(n,)` (a vector, NumPy 2's rule: only when `b.ndim == 1`) or `(..., n, k)`; the
        leading dims of `a` and `b` broadcast.

    Returns:
      `x`, of shape `(..., n)` for a vector `b`, else `broadcast(a, b)[..., n, k]`.

    Raises:
      LinAlgError: `a` is singular (concrete input; under a transformation, inf/nan), or
        `a` is not a stack of square matrices.

    A composition: one `lu`, a gather of b's rows, two `triangular_solve`s.

    Example:
      >>> fnp.linalg.solve(np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([3.0, 5.0]))
      array([0.8, 1.4])
    """
    a = _matrices(a, "solve")
    b = _util.to_inexact(_util.as_array(b, "solve"))
    (a, b), _, _ = _util.promote(a, b)
    a_aval, b_aval = _util.aval(a), _util.aval(b)
    n = a_aval.shape[-1]
    vector = b_aval.ndim == 1
    if b_aval.ndim == 0 or b_aval.shape[-1 if vector else -2] != n:
        raise errors.FunctransValueError(
            f"solve: b of shape {b_aval.shape} does not match a of shape {a_aval.shape}: b "
            f"must be ({n},) or (..., {n}, k).")
    lu, perm = _factor(a, "solve")
    if vector:
        batch = a_aval.shape[:-2]
        b = _shape.broadcast_to(b[:, None], (*batch, n, 1))
        return _lu_solve(lu, perm, b)[..., 0]
    batch = _util.broadcast_shapes(a_aval.shape[:-2], b_aval.shape[:-2], fname="solve")
    lu, perm = _broadcast_batch(lu, batch, 2), _broadcast_batch(perm, batch, 1)
    return _lu_solve(lu, perm, _broadcast_batch(b, batch, 2))


def inv(a):
    """The inverse of each matrix of `a`, as `numpy.linalg.inv`.

    Args:
      a: `(..., n, n)` matrices.

    Returns:
      `(..., n, n)` inverses (`lu`, then the two triangular solves with the identity).

    Raises:
      LinAlgError: `a` is singular (concrete input; under a transformation, inf/nan), or
        not a stack of square matrices.

    Example:
      >>> fnp.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
      array([[0.5 , 0.  ],
             [0.  , 0.25]])
    """
    return inverse(_matrices(a, "inv"), "inv", check=True)


def inverse(a, fname: str, check: bool):
    """The inverses of the square float matrices `a`; with `check`, concrete singular input
    raises LinAlgError, else it gives inf/nan (as under a transformation)."""
    aval = _util.aval(a)
    lu, perm = _factor(a, fname, check)
    eye = np.broadcast_to(np.eye(aval.shape[-1], dtype=aval.dtype), aval.shape)
    return _lu_solve(lu, perm, np.ascontiguousarray(eye))


# --------------------------------------------------------------------------- determinants


def _pivot_sign(pivots, dtype):
    """(-1) ** (number of row swaps) of each LU factorization."""
    k = _util.aval(pivots).shape[-1]
    swaps = _stats.count_nonzero(_ufuncs.not_equal(pivots, np.arange(k, dtype=np.int32)),
                                 axis=-1)
    odd = _ufuncs.equal(_ufuncs.remainder(swaps, 2), 1)
    return _ufuncs.where(odd, np.asarray(-1, dtype), np.asarray(1, dtype))


def _det_from_lu(a):
    lu, pivots, _ = factorizations.lu(a)
    diag = _shape.diagonal(lu, axis1=-2, axis2=-1)
    dtype = _util.aval(a).dtype
    return _ufuncs.multiply(_reductions.prod(diag, axis=-1), _pivot_sign(pivots, dtype))


_det = custom_derivatives.custom_jvp(_det_from_lu)


@_det.defjvp
def _det_jvp(primals, tangents):
    # d det = tr(adj(A) dA), adj(A) dA by the cofactor solve (finite where A is singular).
    (a,), (t,) = primals, tangents
    out, z = _cofactor_solve(a, t)
    return out, _reductions.sum(_shape.diagonal(z, axis1=-2, axis2=-1), axis=-1)


def _cofactor_solve(a, b):
    """`(det(a), det(a) * solve(a, b))`, well defined for singular `a` (JAX's)."""
    aval = _util.aval(a)
    n, dtype = aval.shape[-1], aval.dtype
    if n == 0:
        return _det_from_lu(a), b
    lu, pivots, perm = factorizations.lu(a)
    diag = _shape.diagonal(lu, axis1=-2, axis2=-1)
    partial = _ufuncs.multiply(_stats.cumprod(diag, axis=-1),
                               _pivot_sign(pivots, dtype)[..., None])
    det = partial[..., -1]
    # U with its last pivot replaced by 1 / prod(other pivots): the last row of the
    # back substitution then scales by prod(other pivots) instead of dividing by u_nn.
    corner = np.zeros((n, n), bool)
    corner[-1, -1] = True
    before = partial[..., -2] if n > 1 else np.ones(aval.shape[:-2], dtype)
    lu = _ufuncs.where(corner, _ufuncs.divide(np.asarray(1, dtype), before)[..., None, None],
                       lu)
    # Rank < n - 1: the replaced U is still singular, and the adjugate is zero.
    ones = np.ones((*aval.shape[:-1], 1), dtype)
    probe = triangular.triangular_solve(lu, ones, left_side=True, lower=False)
    bad = _reductions.any(_ufuncs.logical_not(_ufuncs.isfinite(probe)), axis=(-2, -1))
    bad = bad[..., None, None]
    zeros = np.zeros(aval.shape, dtype)
    x = _ufuncs.where(bad, zeros, b)
    idx = _shape.broadcast_to(_util.convert(perm, np.dtype(np.int64))[..., None], aval.shape)
    x = sorting.take_along_axis(x, idx, aval.ndim - 2)
    x = triangular.triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
    last_row = np.arange(n)[:, None] == n - 1
    x = _ufuncs.where(last_row, x, _ufuncs.multiply(x, det[..., None, None]))
    x = triangular.triangular_solve(lu, x, left_side=True, lower=False)
    return det, _ufuncs.where(bad, zeros, x)


def det(a):
    """The determinant of each matrix of `a`, as `numpy.linalg.det`.

    Args:
      a: `(..., n, n)` matrices (0 x 0 gives 1).

    Returns:
      `(...)` determinants: the product of U's diagonal of `lu`, signed by the row swaps.

    Its JVP is JAX's, through the adjugate (`tr(adj(A) dA)`): finite at a singular matrix
    (rank-one for rank n - 1, zero for lower rank), where `det * tr(inv(A) dA)` is nan.

    Example:
      >>> float(fnp.linalg.det(np.array([[2.0, 1.0], [1.0, 3.0]])))
      5.0
    """
    a = _matrices(a, "det")
    return _det(a)


def _unit(diag):
    """`d / |d|` (0 where d == 0): the complex sign, differentiable where d != 0 (lax.sign
    has a zero derivative, as JAX's; JAX's slogdet defines the sign's derivative)."""
    zero = _ufuncs.equal(diag, 0)
    mag = _ufuncs.where(zero, 1, _ufuncs.abs(diag))
    return _ufuncs.where(zero, 0, _ufuncs.divide(diag, _util.convert(mag, _util.aval(diag).dtype)))


def slogdet(a):
    """Sign and log of the absolute value of the determinant, as `numpy.linalg.slogdet`.

    Args:
      a: `(..., n, n)` matrices.

    Returns:
      `SlogdetResult(sign, logabsdet)`: for a singular matrix sign 0 and logabsdet -inf (as
      NumPy); `sign * exp(logabsdet) == det(a)`. The derivative of `logabsdet` is
      `tr(inv(A) dA)` (through `lu`); `sign` is piecewise constant.

    Example:
      >>> sign, logabsdet = fnp.linalg.slogdet(np.array([[1.0, 2.0], [3.0, 4.0]]))
      >>> float(sign), float(logabsdet)
      (-1.0, 0.6931471805599455)
    """
    a = _matrices(a, "slogdet")
    dtype = _util.aval(a).dtype
    lu, pivots, _ = factorizations.lu(a)
    diag = _shape.diagonal(lu, axis1=-2, axis2=-1)
    unit = _unit(diag) if dtype.kind == "c" else _ufuncs.sign(diag)
    sign = _ufuncs.multiply(_reductions.prod(unit, axis=-1), _pivot_sign(pivots, dtype))
    with np.errstate(divide="ignore"):
        logabsdet = _reductions.sum(_ufuncs.log(_ufuncs.abs(diag)), axis=-1)
    return SlogdetResult(sign, logabsdet)


# --------------------------------------------------------------------------- Cholesky, QR


def cholesky(a, /, *, upper=False):
    """The Cholesky factor of each symmetric (Hermitian) positive-definite matrix of `a`, as
    `numpy.linalg.cholesky`.

    Args:
      a: `(..., n, n)` real or complex matrices; only the lower triangle is read (the upper
        one when `upper`), as LAPACK does.
      upper: return the upper factor `U` (`U^H @ U == a`) instead of the lower `L`
        (`L @ L^H == a`).

    Returns:
      The `(..., n, n)` factors.

    Raises:
      LinAlgError: a matrix is not positive definite (concrete input; under a
        transformation its factor is all nan, as in JAX).

    The derivative is Murray's (2016) with the symmetrized tangent `(dA + dA^H) / 2`, as
    JAX's: derivatives of a function of symmetric (Hermitian) matrices.

    Example:
      >>> fnp.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
      array([[2., 0.],
             [1., 2.]])
    """
    a = _matrices(a, "cholesky")
    # upper: a = U^H U with U's triangle read, so L = U^H is the factor of a^H.
    out = factorizations.cholesky(triangular.adjoint(a) if upper else a)
    if _is_concrete(out):
        failed = np.isnan(out).any(axis=(-2, -1)) & np.isfinite(np.asarray(a)).all(axis=(-2, -1))
        if np.any(failed):
            raise LinAlgError("cholesky: matrix is not positive definite.")
    return triangular.adjoint(out) if upper else out


def qr(a, mode="reduced"):
    """QR factorization of each matrix of `a`, as `numpy.linalg.qr` (Householder, LAPACK's
    signs).

    Args:
      a: `(..., m, n)` matrices.
      mode: 'reduced' (`Q` (..., m, k), `R` (..., k, n), k = min(m, n)), 'complete' (`Q`
        (..., m, m), `R` (..., m, n)) or 'r' (`R` of 'reduced' only). 'raw' (LAPACK's
        Householder reflectors) is not supported.

    Returns:
      `QRResult(Q, R)`, or `R` for mode 'r'.

    The derivative is JAX's for m >= n, extended to m < n; 'complete' with m > n has none
    (NotImplementedError under differentiation, as in JAX).

    Example:
      >>> q, r = fnp.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
      >>> np.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]])
      True
    """
    if mode not in ("reduced", "complete", "r"):
        raise errors.FunctransValueError(
            f"qr: mode={mode!r} is not supported; use 'reduced', 'complete' or 'r' ('raw' "
            "returns LAPACK's Householder reflectors, which functrans does not expose).")
    a = _matrices(a, "qr", square=False)
    q, r = factorizations.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


# --------------------------------------------------------------------------- tensor forms


def tensorsolve(a, b, axes=None):
    """Solve the tensor equation `tensordot(a, x, x.ndim) = b` for `x`, as
    `numpy.linalg.tensorsolve`.

    Args:
      a: coefficient tensor; its last `a.ndim - b.ndim` axes (after moving `axes` to the
        end) are those of `x`, and `prod(x.shape) == prod(b.shape)`.
      b: right-hand side.
      axes: axes of `a` to move to the end first (None: none).

    Returns:
      `x`, of shape `a.shape[b.ndim:]` (after the move).

    Example:
      >>> fnp.linalg.tensorsolve(np.eye(4).reshape(2, 2, 2, 2), np.ones((2, 2))).shape
      (2, 2)
    """
    a = _util.as_array(a, "tensorsolve")
    b = _util.as_array(b, "tensorsolve")
    an = _util.aval(a).ndim
    if axes is not None:
        order = list(range(an))
        for k in axes:
            order.remove(operator.index(k) % an)
            order.append(operator.index(k) % an)
        a = _shape.transpose(a, order)
    shape = _util.aval(a).shape
    old = shape[-(an - _util.aval(b).ndim):]   # NumPy's slice, also when the ranks are equal
    size = _util.prod(old)
    if _util.prod(shape) != size * size:
        raise LinAlgError(
            f"tensorsolve: a of shape {shape} and b of shape {_util.aval(b).shape} must "
            "satisfy prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim]).")
    x = solve(_shape.reshape(a, (size, size)), _shape.reshape(b, (size,)))
    return _shape.reshape(x, old)


def tensorinv(a, ind=2):
    """The inverse of a tensor for `tensordot`, as `numpy.linalg.tensorinv`.

    Args:
      a: a tensor with `prod(a.shape[:ind]) == prod(a.shape[ind:])`.
      ind: the number of leading axes that index the "rows" (a positive int).

    Returns:
      The inverse, of shape `a.shape[ind:] + a.shape[:ind]`.

    Example:
      >>> fnp.linalg.tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
      (2, 2, 4)
    """
    a = _util.as_array(a, "tensorinv")
    ind = operator.index(ind)
    if ind <= 0:
        raise errors.FunctransValueError(f"tensorinv: ind={ind} must be a positive int.")
    shape = _util.aval(a).shape
    rows = _util.prod(shape[ind:])
    if rows == 0 or _util.prod(shape) % rows:
        raise LinAlgError(f"tensorinv: a of shape {shape} with ind={ind} is not square.")
    out = inv(_shape.reshape(a, (rows, _util.prod(shape) // rows)))
    return _shape.reshape(out, shape[ind:] + shape[:ind])


def matrix_power(a, n):
    """`a` raised to the integer power `n`, as `numpy.linalg.matrix_power`.

    Args:
      a: `(..., m, m)` matrices (integer matrices stay integer for `n >= 0`).
      n: a Python int (concrete): 0 gives identities, a negative power inverts first.

    Returns:
      The powers, by repeated squaring (`matmul`).

    Example:
      >>> fnp.linalg.matrix_power(np.array([[1, 1], [0, 1]]), 3)
      array([[1, 3],
             [0, 1]])
    """
    a = _util.as_array(a, "matrix_power")
    aval = _util.aval(a)
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise LinAlgError(f"matrix_power: a of shape {aval.shape} must be a (stack of) "
                          "square matrices.")
    try:
        n = operator.index(n)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"matrix_power: the exponent must be a Python int, got {n!r}.") from e
    if n == 0:
        eye = np.broadcast_to(np.eye(aval.shape[-1], dtype=aval.dtype), aval.shape)
        return _util.in_namespace(_util.convert(np.ascontiguousarray(eye), aval.dtype), a)
    if n < 0:
        a, n = inv(a), -n
    result = None
    z = None
    while n > 0:
        z = a if z is None else _linalg.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else _linalg.matmul(result, z)
    return result
