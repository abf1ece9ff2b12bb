"""`functrans.numpy.linalg`: `eigh`, `svd`, `eig` and the functions built on them.

Owns NumPy's spectral functions on stacks of matrices (leading dims are batch dims, as
NumPy's gufuncs): `eigh`/`eigvalsh` and `svd`/`svdvals` (the primitives of
functrans/primitives/spectral.py, with NumPy's named tuples, `UPLO` and `hermitian=`),
`eig`/`eigvals` (the primitive of functrans/primitives/eig.py; complex results, complex
inputs accepted), and the compositions `pinv`, `lstsq`, `matrix_rank`, `cond`. Dtypes as
NumPy's linalg: integers and bools become float64, float32 stays float32, float16 is
rejected. Does not own norms (`_norms`), solves (`_solve`) or products.

`pinv` has a custom JVP (Golub & Pereyra 1973, as JAX's), so its derivative exists where the
rank is locally constant even when singular values repeat; `lstsq`'s solution is `pinv(a) @
b` and inherits it. See docs/linalg.md for the conventions at degeneracies.
"""
from __future__ import annotations

import collections

import numpy as np

from functrans import custom_derivatives, errors
from functrans.numpy import (
    _creation,
    _indexing,
    _linalg,
    _misc,
    _reductions,
    _shape,
    _sorting,
    _stats,
    _ufuncs,
    _util,
)
from functrans.primitives import complex_parts, spectral, triangular
from functrans.primitives import eig as eig_prims

__all__ = ["eig", "eigh", "eigvals", "eigvalsh", "lstsq", "matrix_rank", "pinv", "svd",
           "svdvals"]

# NumPy's result types (numpy.linalg.EighResult, SVDResult), pytrees as namedtuples.
_EighResult = collections.namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
_EigResult = collections.namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
_SVDResult = collections.namedtuple("SVDResult", ["U", "S", "Vh"])

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_C64, _C128 = np.dtype(np.complex64), np.dtype(np.complex128)
_NO_VALUE = object()


# --------------------------------------------------------------------------- operands


def _check_dtype(fname: str, dtype: np.dtype) -> None:
    if dtype not in (_F32, _F64, _C64, _C128):
        raise errors.FunctransTypeError(
            f"{fname}: array type {dtype.name} is unsupported in linalg (as in NumPy); "
            "convert it to float32, float64, complex64 or complex128.")


def _matrices(fname: str, a, *, square: bool = False):
    """`a` as a float32/float64/complex64/complex128 stack of matrices (integers and bools
    as float64)."""
    a = _util.to_inexact(_util.as_array(a, fname))
    aval = _util.aval(a)
    _check_dtype(fname, aval.dtype)
    if aval.ndim < 2:
        raise errors.FunctransValueError(
            f"{fname}: {aval.ndim}-dimensional array given; the array must be at least "
            "two-dimensional (a matrix or a stack of matrices).")
    if square and aval.shape[-1] != aval.shape[-2]:
        raise errors.FunctransValueError(
            f"{fname}: the last 2 dimensions of the array must be square, got shape "
            f"{aval.shape}.")
    return a


def _mT(x):
    return _shape.swapaxes(x, -1, -2)


def _mH(x):
    """The conjugate transposes (the transposes of real matrices)."""
    return triangular.adjoint(x)


def _read_lower(a):
    """The symmetric (Hermitian) matrices whose lower triangle is `a`'s (what
    eigh(UPLO='L') reads: for complex `a` the real part of the diagonal)."""
    strict = _shape.tril(a, -1)
    diag = _shape.tril(_shape.triu(a))
    if _util.aval(a).dtype.kind == "c":
        diag = _util.convert(complex_parts.real(diag), _util.aval(a).dtype)
    return _ufuncs.add(_ufuncs.add(diag, strict), _mH(strict))


# --------------------------------------------------------------------------- eigh, svd


def eigh(a, UPLO="L", *, symmetrize_input=False):
    """Eigenvalues and eigenvectors of symmetric matrices, as `numpy.linalg.eigh`.

    Args:
      a: a stack of square matrices `(..., n, n)`; only the triangle `UPLO` names is read.
      UPLO: 'L' (lower triangle, the default) or 'U'.
      symmetrize_input: use `(a + a^T) / 2` (JAX's default, True there; False here, so that
        values are NumPy's for any input).

    Returns:
      `EighResult(eigenvalues, eigenvectors)`: `(..., n)` ascending, and `(..., n, n)` with
      the eigenvectors as columns (signs as LAPACK's).

    Example:
      >>> fnp.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
      array([1., 3.])

    Derivatives: of the symmetric matrix the triangle defines (a perturbation of the other
    triangle has no effect). At repeated eigenvalues the eigenvector derivatives are inf/NaN
    (as JAX's); the eigenvalue derivatives stay finite.
    """
    lower = _uplo("eigh", UPLO)
    a = _matrices("eigh", a, square=True)
    if symmetrize_input:
        a = _ufuncs.multiply(_ufuncs.add(a, _mH(a)), 0.5)
    w, v = spectral.eigh(a, lower=lower)
    return _EighResult(w, v)


def _uplo(fname: str, UPLO) -> bool:
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):
        raise errors.FunctransValueError(f"{fname}: UPLO={UPLO!r} must be 'L' or 'U'.")
    return UPLO.upper() == "L"


def eigvalsh(a, UPLO="L", *, symmetrize_input=False):
    """Eigenvalues of symmetric matrices, ascending, as `numpy.linalg.eigvalsh`.

    Args:
      a: a stack of square matrices `(..., n, n)`; only the triangle `UPLO` names is read.
      UPLO: 'L' (the default) or 'U'.
      symmetrize_input: use `(a + a^T) / 2` (JAX's default; False here, as NumPy).

    Returns:
      The eigenvalues `(..., n)`.

    Example:
      >>> fnp.linalg.eigvalsh(np.array([[2.0, 0.0], [0.0, 1.0]]))
      array([1., 2.])

    Computed with the eigenvectors (as JAX does), so the last bits may differ from NumPy's
    eigenvalues-only LAPACK routine. Its derivative `diag(V^T dA V)` is finite everywhere.
    """
    return eigh(a, UPLO, symmetrize_input=symmetrize_input).eigenvalues


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition, as `numpy.linalg.svd`.

    Args:
      a: a stack of matrices `(..., m, n)`.
      full_matrices: U `(..., m, m)` and Vh `(..., n, n)` (True) or `(..., m, k)` and
        `(..., k, n)` with `k = min(m, n)` (False).
      compute_uv: return U and Vh too (else the singular values only).
      hermitian: `a` is symmetric: computed from `eigh` of its lower triangle, as NumPy.

    Returns:
      `SVDResult(U, S, Vh)` with `a = (U[..., :k] * S[..., None, :]) @ Vh[..., :k, :]`,
      `S` descending; or `S` without `compute_uv`.

    Example:
      >>> fnp.linalg.svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
      array([4., 3.])

    Derivatives: of U and Vh need `full_matrices=False` unless `a` is square (as in JAX; the
    extra singular vectors are not unique); they are inf/NaN at repeated singular values
    and, for non-square `a`, at a zero one. `S`'s derivative `diag(U^T dA V)` is finite.
    """
    a = _matrices("svd", a, square=hermitian)
    if hermitian:
        return _hermitian_svd(a, compute_uv)
    if not compute_uv:
        return spectral.svd(a, compute_uv=False)
    return _SVDResult(*spectral.svd(a, full_matrices=bool(full_matrices), compute_uv=True))


def _hermitian_svd(a, compute_uv: bool):
    """NumPy's route: eigh, singular values |w| sorted descending, signs moved into Vh."""
    if not compute_uv:
        s = _ufuncs.abs(spectral.eigh(a)[0])
        return _shape.flip(_sorting.sort(s, axis=-1), -1)
    w, u = spectral.eigh(a)
    sgn, s = _ufuncs.sign(w), _ufuncs.abs(w)
    order = _shape.flip(_sorting.argsort(s, axis=-1), -1)
    sgn = _misc.take_along_axis(sgn, order, axis=-1)
    s = _misc.take_along_axis(s, order, axis=-1)
    u = _misc.take_along_axis(u, _shape.expand_dims(order, -2), axis=-1)
    vh = _mH(_ufuncs.multiply(u, _shape.expand_dims(_util.convert(sgn, _util.aval(u).dtype),
                                                   -2)))
    return _SVDResult(u, s, vh)


def svdvals(x, /):
    """Singular values, descending, as `numpy.linalg.svdvals` (`svd(x, compute_uv=False)`).

    Args:
      x: a stack of matrices `(..., m, n)`.

    Returns:
      The singular values `(..., min(m, n))`.

    Example:
      >>> fnp.linalg.svdvals(np.array([[0.0, 2.0], [1.0, 0.0]]))
      array([2., 1.])
    """
    return svd(x, compute_uv=False)


def _general_matrices(fname: str, a):
    """`a` as a float or complex stack of square matrices (integers and bools as float64)."""
    a = _util.to_inexact(_util.as_array(a, fname))
    dtype = _util.aval(a).dtype
    if dtype not in (_F32, _F64, np.dtype(np.complex64), np.dtype(np.complex128)):
        raise errors.FunctransTypeError(
            f"{fname}: array type {dtype.name} is unsupported in linalg (as in NumPy); "
            "convert it to float32, float64, complex64 or complex128.")
    if dtype.kind == "c":
        aval = _util.aval(a)
        if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
            raise errors.FunctransValueError(
                f"{fname}: the last 2 dimensions of the array must be square, got shape "
                f"{aval.shape}.")
        return a
    return _matrices(fname, a, square=True)


def eig(a):
    """Eigenvalues and right eigenvectors of general square matrices, as `numpy.linalg.eig`.

    Args:
      a: a float or complex array `(..., n, n)` (leading dims are batch dims).

    Returns:
      `EigResult(eigenvalues, eigenvectors)`: `(..., n)` and `(..., n, n)` (columns, unit
      norm with the largest component real, as LAPACK/NumPy), in LAPACK's order. Always
      complex (complex64 for float32 input), as JAX: NumPy returns real arrays when all
      eigenvalues are real.

    Derivatives: eigenvalues by `dw = diag(V^-1 dA V)`; eigenvectors by the standard formula
    normalized as LAPACK normalizes them (JAX defines the eigenvalues' only); repeated
    eigenvalues give inf/NaN eigenvector derivatives. For a symmetric matrix use `eigh`.

    Example:
      >>> fnp.linalg.eig(np.array([[0.0, -1.0], [1.0, 0.0]])).eigenvalues
      array([0.+1.j, 0.-1.j])
    """
    w, v, _ = eig_prims.eig(_general_matrices("eig", a))
    return _EigResult(w, v)


def eigvals(a):
    """Eigenvalues of general square matrices, as `numpy.linalg.eigvals`.

    Args:
      a: a float or complex array `(..., n, n)`.

    Returns:
      The eigenvalues `(..., n)` in LAPACK's order, always complex (as JAX; NumPy returns
      a real array when all are real). Derivative: `dw = diag(V^-1 dA V)` (JAX's).

    Example:
      >>> fnp.linalg.eigvals(np.array([[2.0, 1.0], [0.0, 3.0]]))
      array([2.+0.j, 3.+0.j])
    """
    return eig_prims.eig(_general_matrices("eigvals", a))[0]


# --------------------------------------------------------------------------- pinv


def pinv(a, rcond=None, hermitian=False, *, rtol=_NO_VALUE):
    """Moore-Penrose pseudo-inverse, as `numpy.linalg.pinv`.

    Args:
      a: a stack of matrices `(..., m, n)`.
      rcond: singular values at most `rcond * max(s)` count as zero (NumPy's default 1e-15);
        a float or an array broadcasting against the stack.
      hermitian: `a` is symmetric (its lower triangle is read, through `eigh`).
      rtol: as `rcond` (not both); None means `max(m, n) * eps`.

    Returns:
      The pseudo-inverses `(..., n, m)`.

    Example:
      >>> fnp.linalg.pinv(np.array([[2.0, 0.0], [0.0, 0.0]]))
      array([[0.5, 0. ],
             [0. , 0. ]])

    Derivative: Golub & Pereyra's formula (JAX's custom JVP), valid where the rank is locally
    constant; finite at repeated singular values, unlike the SVD's.
    """
    a = _matrices("pinv", a, square=hermitian)
    aval = _util.aval(a)
    *batch, m, n = aval.shape
    if rcond is None:
        if rtol is _NO_VALUE:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(m, n) * float(np.finfo(aval.dtype).eps)
        else:
            rcond = rtol
    elif rtol is not _NO_VALUE:
        raise errors.FunctransValueError("pinv: `rtol` and `rcond` can't be both set.")
    if m * n == 0:
        return _util.in_namespace(_creation.zeros((*batch, n, m), aval.dtype), a)
    if hermitian:
        a = _read_lower(a)
    rcond = rcond if _util.is_deferred(rcond) else np.asarray(rcond)
    return _pinv(a, rcond, bool(hermitian))


def _pinv_value(a, rcond, hermitian: bool):
    # NumPy's steps: s inverted where above the cutoff, else 0; Vh^T (s_inv * U^T).
    u, s, vh = svd(a, full_matrices=False, hermitian=hermitian)
    top = _reductions.max(s, axis=-1, keepdims=True)
    large = _ufuncs.greater(s, _ufuncs.multiply(_shape.expand_dims(rcond, -1), top))
    s_inv = _ufuncs.where(large, _ufuncs.divide(1, _ufuncs.where(large, s, 1)), 0)
    return _linalg.matmul(_mH(vh), _ufuncs.multiply(_shape.expand_dims(s_inv, -1), _mH(u)))


_pinv = custom_derivatives.custom_jvp(_pinv_value, nondiff_argnums=(1, 2))


@_pinv.defjvp
def _pinv_jvp(rcond, hermitian, primals, tangents):
    # Golub & Pereyra 1973: dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P,
    # grouped as JAX does (cheapest order by the shape).
    (a,), (t,) = primals, tangents
    p = _pinv(a, rcond, hermitian)
    mm, tt = _linalg.matmul, _mH(t)
    m, n = _util.aval(a).shape[-2:]
    if m >= n:
        s = mm(mm(p, _mH(p)), tt)
        r = mm(mm(tt, _mH(p)), p)
        parts = [mm(mm(p, t), p), s, mm(mm(s, a), p), r, mm(mm(p, a), r)]
    else:
        s = mm(p, mm(_mH(p), tt))
        r = mm(tt, mm(_mH(p), p))
        parts = [mm(p, mm(t, p)), s, mm(s, mm(a, p)), r, mm(p, mm(a, r))]
    first, s, s_ap, r, pa_r = parts
    out = _ufuncs.subtract(_ufuncs.add(_ufuncs.subtract(s, first), r), _ufuncs.add(s_ap, pa_r))
    return p, out


# --------------------------------------------------------------------------- lstsq


def lstsq(a, b, rcond=None):
    """Least-squares solution of `a @ x = b`, as `numpy.linalg.lstsq`.

    Args:
      a: an `(M, N)` matrix.
      b: `(M,)` or `(M, K)`.
      rcond: singular values at most `rcond * max(s)` count as zero; None means
        `eps * max(M, N)` (float64's eps, as NumPy); a negative value means eps.

    Returns:
      `(x, residuals, rank, s)`: the minimum-norm solution `(N,)` or `(N, K)`; the squared
      residual norms per column `(K,)` (`(1,)` for a 1-d `b`), empty when `rank < N` or
      `M <= N`; the rank (int32); the singular values of `a`.

    Example:
      >>> x, res, rank, s = fnp.linalg.lstsq(np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]),
      ...                                    np.array([1.0, 2.0, 3.0]))
      >>> x, res, rank
      (array([1., 1.]), array([9.]), np.int32(2))

    Under a transformation the rank is a traced value, so the residuals cannot depend on it:
    for `M > N` they are always returned (JAX's choice), also when `a` is rank deficient.
    `x` is `pinv(a, rcond) @ b` (differentiable in `a` and `b`); `s` from `svdvals`.
    """
    a = _util.as_array(a, "lstsq")
    b = _util.as_array(b, "lstsq")
    m, n, one_d, dtype = _lstsq_shapes(a, b)
    a, b = _util.convert(a, dtype), _util.convert(b, dtype)
    b2 = _shape.expand_dims(b, -1) if one_d else b
    eps = float(np.finfo(np.float64).eps)
    if rcond is None:
        rcond = eps * max(m, n)
    elif not _util.is_deferred(rcond) and rcond < 0:
        rcond = eps   # LAPACK's gelsd: a negative rcond means machine precision
    s = spectral.svd(a, compute_uv=False)
    x = _linalg.matmul(pinv(a, rcond), b2)
    rank = _rank(s, rcond)
    resid = _lstsq_residuals(a, b2, x, rank, m, n, dtype)
    return (_shape.squeeze(x, -1) if one_d else x), resid, rank, s


def _lstsq_shapes(a, b):
    """(M, N, b is 1-d, the dtype) with NumPy's checks; float32 only if both are."""
    a_aval, b_aval = _util.aval(a), _util.aval(b)
    one_d = b_aval.ndim == 1
    for arr, what in ((a_aval, "a"), (b_aval, "b")):
        if arr.ndim != 2 and not (what == "b" and one_d):
            raise errors.FunctransValueError(
                f"lstsq: {what} is {arr.ndim}-dimensional; it must be two-dimensional "
                "(b may be 1-d). Stacks of matrices are not supported, as in NumPy.")
    m, n = a_aval.shape
    if b_aval.shape[0] != m:
        raise errors.FunctransValueError(
            f"lstsq: incompatible dimensions: a has shape {a_aval.shape}, b {b_aval.shape} "
            "(their first dimensions must be equal).")
    dts = [a_aval.dtype, b_aval.dtype]
    for dt in dts:
        if dt.kind in "fc":
            _check_dtype("lstsq", dt)
    # NumPy's: single precision only if both are; complex if either is.
    single = all(dt in (_F32, _C64) for dt in dts)
    if any(dt.kind == "c" for dt in dts):
        return m, n, one_d, (_C64 if single else _C128)
    return m, n, one_d, (_F32 if single else _F64)


def _rank(s, rcond):
    """The number of singular values above `rcond * s[0]`, as int32 (LAPACK's gelsd)."""
    k = _util.aval(s).shape[-1]
    if k == 0:
        return np.int32(0)
    cutoff = _ufuncs.multiply(rcond, _indexing.getitem(s, 0))
    count = _stats.count_nonzero(_ufuncs.greater(s, cutoff))
    if not _util.is_deferred(count):
        return np.int32(count)
    return _util.convert(count, np.dtype(np.int32))


def _lstsq_residuals(a, b2, x, rank, m: int, n: int, dtype):
    empty = _util.in_namespace(_creation.zeros((0,), np.finfo(dtype).dtype), a, b2)
    if m <= n:
        return empty
    if not _util.is_deferred(rank) and int(rank) < n:
        return empty
    r = _ufuncs.subtract(b2, _linalg.matmul(a, x))
    if np.dtype(dtype).kind == "c":   # |r|^2 = Re(r conj(r)), as NumPy's (real residuals)
        return _reductions.sum(complex_parts.real(_ufuncs.multiply(r, complex_parts.conj(r))),
                                axis=0)
    return _reductions.sum(_ufuncs.multiply(r, r), axis=0)


# --------------------------------------------------------------------------- rank, cond


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """Rank by the singular values, as `numpy.linalg.matrix_rank`.

    Args:
      A: a vector (rank 0 or 1 by whether any entry is nonzero) or a stack of matrices.
      tol: singular values at most `tol` count as zero (an array broadcasts over the stack).
      hermitian: `A` is symmetric (through `eigh`).
      rtol: relative tolerance (not with `tol`); None means `max(m, n) * eps`.

    Returns:
      The ranks (int64), not differentiable; a Python int for a concrete vector.

    Example:
      >>> fnp.linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))
      array(1)
    """
    if rtol is not None and tol is not None:
        raise errors.FunctransValueError("matrix_rank: `tol` and `rtol` can't be both set.")
    A = _util.as_array(A, "matrix_rank")
    aval = _util.aval(A)
    if aval.ndim < 2:
        nonzero = _reductions.any(_ufuncs.not_equal(A, 0))
        if _util.is_deferred(nonzero):
            return _util.convert(nonzero, np.dtype(np.int64))
        return int(nonzero)
    s = svd(A, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            rtol = max(aval.shape[-2:]) * float(np.finfo(_util.aval(s).dtype).eps)
        else:
            rtol = _shape.expand_dims(_util.as_array(rtol, "matrix_rank"), -1)
        tol = _ufuncs.multiply(_reductions.max(s, axis=-1, keepdims=True), rtol)
    else:
        tol = _shape.expand_dims(_util.as_array(tol, "matrix_rank"), -1)
    return _stats.count_nonzero(_ufuncs.greater(s, tol), axis=-1)
