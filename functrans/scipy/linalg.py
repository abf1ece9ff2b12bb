"""`functrans.scipy.linalg`: what JAX users reach for in `scipy.linalg`, for arrays and traced
values: triangular, Cholesky and LU solves, `lu`, `expm`, `block_diag`, and SciPy's spellings
of `eigh`, `svd`, `det`, `inv`.

Compositions of the `triangular_solve`, `cholesky`, `lu`, `eigh` and `svd` primitives (see
docs/linalg.md), so every function differentiates, batches and jits. `expm` is Padé(13) with
scaling and squaring (Higham 2005) written as functrans code: its derivative is the
derivative of that approximation, accurate to rounding. Arguments SciPy has for memory and
input checking (`overwrite_a`, `overwrite_b`, `check_finite`) are accepted and ignored, as in
JAX. Needs SciPy, like every `functrans.scipy` module: without it, importing raises an
ImportError naming the `scipy` extra.
"""
from __future__ import annotations

import numpy as np

from functrans import dtypes, errors, lax
from functrans import numpy as fnp
from functrans.numpy import _util
from functrans.numpy.linalg import _solve
from functrans.primitives import factorizations, triangular

try:
    import scipy as _scipy  # noqa: F401  (the extra's presence is this module's contract)
except ImportError as e:   # pragma: no cover - exercised in an environment without SciPy
    raise ImportError(
        "functrans.scipy.linalg needs SciPy: install the extra with "
        "`pip install functrans[scipy]`.") from e

__all__ = ["block_diag", "cho_factor", "cho_solve", "det", "eigh", "expm", "inv", "lu",
           "lu_factor", "lu_solve", "solve_triangular", "svd"]

_TRANS = {0: 0, "N": 0, 1: 1, "T": 1, 2: 2, "C": 2}
_LAPACK_DTYPES = tuple(np.dtype(d) for d in (np.float32, np.float64, np.complex64,
                                              np.complex128))


def _float_matrices(a, fname: str):
    """`a` as a float or complex stack of square matrices (integers as float64)."""
    a = _util.to_inexact(_util.as_array(a, fname))
    dtype = _util.aval(a).dtype
    if dtype not in _LAPACK_DTYPES:
        raise errors.FunctransTypeError(
            f"{fname}: array type {dtype.name} is not supported; convert it to float32, "
            "float64, complex64 or complex128.")
    shape = _util.aval(a).shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise errors.FunctransValueError(
            f"{fname}: expected square matrices (..., n, n), got shape {shape}.")
    return a


def _columns(b, n: int, fname: str):
    """b as (..., n, k) and whether it was a vector (SciPy's (n,) right-hand side)."""
    b = _util.to_inexact(_util.as_array(b, fname))
    shape = _util.aval(b).shape
    vector = len(shape) == 1
    if vector:
        b = b[:, None]
    if _util.aval(b).shape[-2] != n:
        raise errors.FunctransValueError(
            f"{fname}: b of shape {shape} does not match matrices of size {n}: b must be "
            f"({n},) or (..., {n}, k).")
    return b, vector


def _trans(trans, fname: str) -> int:
    """0 (a), 1 (aᵀ) or 2 (aᴴ, the conjugate transpose; aᵀ for real a)."""
    if isinstance(trans, bool) or trans not in _TRANS:
        raise errors.FunctransValueError(
            f"{fname}: trans={trans!r} must be 0/'N', 1/'T' or 2/'C'.")
    return _TRANS[trans]


def _op(a, trans: int):
    """The matrix the solve uses with `transpose_a=trans > 0`: conj(a) for trans 2."""
    return triangular.conj(a) if trans == 2 else a


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """Solve `op(a) x = b` for a triangular `a`, as `scipy.linalg.solve_triangular`.

    Args:
      a: `(..., n, n)`; only the triangle named by `lower` is read (SciPy's default: upper).
      b: `(n,)` or `(..., n, k)`.
      trans: 0/'N' (`a x = b`), 1/'T' (`aᵀ x = b`) or 2/'C' (`aᴴ x = b`; for real `a`
        the same as 1).
      lower: whether `a` is lower triangular.
      unit_diagonal: take the diagonal to be ones (not read).
      overwrite_b, check_finite: accepted and ignored.

    Returns:
      `x`, shaped as `b`. One `triangular_solve` (linear in b; differentiable in both).

    Example:
      >>> fsl.solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]),
      ...                      lower=True)
      array([1., 2.])
    """
    a = _float_matrices(a, "solve_triangular")
    b, vector = _columns(b, _util.aval(a).shape[-1], "solve_triangular")
    (a, b), _, _ = _util.promote(a, b)
    a, b = _broadcast_batch("solve_triangular", a, b)
    t = _trans(trans, "solve_triangular")
    x = triangular.triangular_solve(_op(a, t), b, left_side=True, lower=bool(lower),
                                    transpose_a=t > 0, unit_diagonal=bool(unit_diagonal))
    return x[..., 0] if vector else x


def _broadcast_batch(fname: str, a, b, *more):
    """a, b (and more, e.g. pivots with one core dimension) with one broadcast batch shape,
    as the primitives require."""
    a_shape, b_shape = _util.aval(a).shape, _util.aval(b).shape
    try:
        batch = np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError as e:
        raise errors.FunctransValueError(
            f"{fname}: the batch dimensions of a {a_shape} and b {b_shape} do not broadcast."
        ) from e
    out = [x if _util.aval(x).shape[:-core_nd] == batch else
           fnp.broadcast_to(x, batch + _util.aval(x).shape[-core_nd:])
           for x, core_nd in ((a, 2), (b, 2), *((m, 1) for m in more))]
    return tuple(out)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of `a` in SciPy's `(c, lower)` form, as `scipy.linalg.cho_factor`.

    Args:
      a: `(..., n, n)` symmetric (Hermitian) positive definite matrices (the `lower`
        triangle is read).
      lower: whether to compute the lower factor (SciPy's default: upper).
      overwrite_a, check_finite: accepted and ignored.

      `(c, lower)`: `c` holds the lower (or upper, the default) factor in its triangle and
      zeros in the other (SciPy leaves arbitrary values there; as in JAX). Pass it to
      `cho_solve`.

    Example:
      >>> c, low = fsl.cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]))
      >>> c
      array([[2., 1.],
             [0., 2.]])
    """
    a = _float_matrices(a, "cho_factor")
    # Upper: a = Uᴴ U, U's triangle read; L = Uᴴ is the lower factor of aᴴ.
    factor = factorizations.cholesky(a if lower else triangular.adjoint(a))
    return (factor if lower else triangular.adjoint(factor)), bool(lower)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve `a x = b` given `cho_factor(a)`, as `scipy.linalg.cho_solve`.

    Args:
      c_and_lower: `cho_factor`'s `(c, lower)`.
      b: `(n,)` or `(..., n, k)`; batch dimensions broadcast with c's.
      overwrite_b, check_finite: accepted and ignored.

    Returns:
      `x`, shaped as the broadcast `b` (two triangular solves).

    Example:
      >>> a = np.array([[4.0, 2.0], [2.0, 5.0]])
      >>> fsl.cho_solve(fsl.cho_factor(a), np.array([6.0, 7.0]))
      array([1., 1.])
    """
    c, lower = c_and_lower
    c = _float_matrices(c, "cho_solve")
    b, vector = _columns(b, _util.aval(c).shape[-1], "cho_solve")
    (c, b), _, _ = _util.promote(c, b)
    c, b = _broadcast_batch("cho_solve", c, b)
    # a = L Lᴴ: solve L y = b, then Lᴴ x = y (with U = Lᴴ for an upper factor).
    y = triangular.triangular_solve(c if lower else triangular.conj(c), b, lower=bool(lower),
                                    transpose_a=not lower)
    x = triangular.triangular_solve(triangular.conj(c) if lower else c, y, lower=bool(lower),
                                    transpose_a=bool(lower))
    return x[..., 0] if vector else x


def lu_factor(a, overwrite_a=False, check_finite=True):
    """The LU factorization with partial pivoting in LAPACK's form, as
    `scipy.linalg.lu_factor`.

    Args:
      a: `(..., n, n)` matrices.
      overwrite_a, check_finite: accepted and ignored.

    Returns:
      `(lu, piv)`: L (unit diagonal, not stored) and U packed in one matrix, and the int32
      pivots (row i was swapped with row piv[i]). Pass them to `lu_solve`.

    Example:
      >>> lu, piv = fsl.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
      >>> piv
      array([1, 1], dtype=int32)
    """
    a = _float_matrices(a, "lu_factor")
    lu, piv, _ = factorizations.lu(a)
    return lu, piv


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solve `a x = b` (or `aᵀ x = b`) given `lu_factor(a)`, as `scipy.linalg.lu_solve`.

    Args:
      lu_and_piv: `lu_factor`'s `(lu, piv)` (the pivots may be traced).
      b: `(n,)` or `(..., n, k)`; batch dimensions broadcast with lu's.
      trans: 0/'N' (`a x = b`), 1/'T' (`aᵀ x = b`) or 2/'C' (`aᴴ x = b`).
      overwrite_b, check_finite: accepted and ignored.

    Returns:
      `x`, shaped as the broadcast `b`.

    Example:
      >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
      >>> fsl.lu_solve(fsl.lu_factor(a), np.array([5.0, 11.0]))
      array([1., 2.])
    """
    lu, piv = lu_and_piv
    lu = _float_matrices(lu, "lu_solve")
    n = _util.aval(lu).shape[-1]
    b, vector = _columns(b, n, "lu_solve")
    (lu, b), _, _ = _util.promote(lu, b)
    perm = _pivots_to_permutation(piv, n)
    lu, b, perm = _broadcast_batch("lu_solve", lu, b, perm)
    t = _trans(trans, "lu_solve")
    if not t:
        x = _solve._lu_solve(lu, perm, b)
    else:
        # aᵀ = Uᵀ Lᵀ P: solve Uᵀ z = b, Lᵀ y = z, then x = Pᵀ y (x[perm] = y); aᴴ alike with
        # the conjugated factors.
        lu = _op(lu, t)
        z = triangular.triangular_solve(lu, b, lower=False, transpose_a=True)
        y = triangular.triangular_solve(lu, z, lower=True, transpose_a=True, unit_diagonal=True)
        x = _unpermute_rows(y, perm)
    return x[..., 0] if vector else x


def _pivots_to_permutation(piv, n: int):
    """The row permutation (`a[perm] = L U`) that LAPACK's sequential swaps make."""
    if not _util.is_deferred(piv):
        piv = np.asarray(piv)
        perm = np.broadcast_to(np.arange(n), piv.shape[:-1] + (n,)).copy()
        for i in range(piv.shape[-1]):
            j = piv[..., i]
            rows = np.indices(piv.shape[:-1])
            pi, pj = perm[(*rows, i)].copy(), perm[(*rows, j)].copy()
            perm[(*rows, i)], perm[(*rows, j)] = pj, pi
        return perm

    def swap(i, perm):
        j = fnp.take(piv, i, axis=-1)
        pi, pj = fnp.take(perm, i, axis=-1), fnp.take_along_axis(perm, j[..., None], axis=-1)
        onehot_i = fnp.arange(n) == i
        onehot_j = fnp.arange(n) == j[..., None]
        return fnp.where(onehot_i, pj, fnp.where(onehot_j, pi[..., None], perm))

    perm0 = fnp.broadcast_to(fnp.arange(n, dtype=np.int32), _util.aval(piv).shape[:-1] + (n,))
    return lax.fori_loop(0, _util.aval(piv).shape[-1], swap, perm0)


def _unpermute_rows(y, perm):
    """x with x[..., perm[i], :] = y[..., i, :] (the inverse permutation of the rows)."""
    inverse = fnp.argsort(perm, axis=-1)
    return fnp.take_along_axis(y, inverse[..., :, None], axis=-2)


def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """The pivoted LU decomposition `a = p @ l @ u`, as `scipy.linalg.lu`.

    Args:
      a: `(..., m, n)` matrices.
      permute_l: return `(p @ l, u)` instead.
      p_indices: return the permutation as row indices (`a = l[p] @ u`) instead of a matrix.

    Returns:
      `(p, l, u)` (or `(pl, u)`): `l` `(..., m, k)` unit lower triangular, `u` `(..., k, n)`
      upper triangular, `k = min(m, n)`; `p` is real also for complex `a` (SciPy's).
      Differentiable in `a` (the `lu` primitive's JVP).

    Example:
      >>> p, l, u = fsl.lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
      >>> p @ l @ u
      array([[1., 2.],
             [3., 4.]])
    """
    a = _util.to_inexact(_util.as_array(a, "lu"))
    shape = _util.aval(a).shape
    if len(shape) < 2:
        raise errors.FunctransValueError(f"lu: expected matrices (..., m, n), got {shape}.")
    m, n = shape[-2:]
    k = min(m, n)
    packed, _, perm = factorizations.lu(a)
    lower = fnp.tril(packed[..., :, :k], -1) + _util.in_namespace(
        fnp.eye(m, k, dtype=_util.aval(a).dtype), a)
    upper = fnp.triu(packed[..., :k, :])
    # a[perm] = l u, so a = p l u with p[perm[i], i] = 1.
    inverse = fnp.argsort(perm, axis=-1)
    if permute_l:
        return _unpermute_rows(lower, perm), upper
    if p_indices:
        return inverse.astype(np.int32), lower, upper
    eye = np.eye(m, dtype=dtypes.real_dtype(_util.aval(a).dtype))   # real, as SciPy's p
    p = fnp.take(eye, perm, axis=0)   # p[i] = e_perm[i], so pᵀ[perm[i], i] = 1
    return fnp.matrix_transpose(p), lower, upper


def det(a, overwrite_a=False, check_finite=True):
    """The determinant, as `scipy.linalg.det` (`functrans.numpy.linalg.det`).

    Args:
      a: `(..., n, n)` matrices.
      overwrite_a, check_finite: accepted and ignored.

    Returns:
      The determinants `(...)`.

    Example:
      >>> fsl.det(np.array([[1.0, 2.0], [3.0, 4.0]]))
      array(-2.)
    """
    return _solve.det(a)


def inv(a, overwrite_a=False, check_finite=True):
    """The inverse, as `scipy.linalg.inv` (`functrans.numpy.linalg.inv`).

    Args:
      a: `(..., n, n)` matrices.
      overwrite_a, check_finite: accepted and ignored.

    Returns:
      The inverses `(..., n, n)`.

    Example:
      >>> fsl.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
      array([[0.5 , 0.  ],
             [0.  , 0.25]])
    """
    return _solve.inv(a)


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, as
    `scipy.linalg.eigh` for the standard problem (`b=None`).

    Args:
      a: `(..., n, n)` symmetric matrices (the `lower` triangle is read).
      b, subset_by_index, subset_by_value: only None (the generalized and partial problems
        are not supported, as in JAX).
      lower: which triangle is read.
      eigvals_only: return the eigenvalues only.
      overwrite_a, overwrite_b, check_finite, driver: accepted and ignored.

    Returns:
      `(w, v)`, or `w` with `eigvals_only`.

    Example:
      >>> fsl.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True)
      array([1., 3.])
    """
    for name, value in (("b", b), ("subset_by_index", subset_by_index),
                        ("subset_by_value", subset_by_value)):
        if value is not None:
            raise errors.FunctransValueError(
                f"eigh: {name} is not supported (the standard problem only, as JAX).")
    w, v = fnp.linalg.eigh(a, UPLO="L" if lower else "U")
    return w if eigvals_only else (w, v)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """The singular value decomposition, as `scipy.linalg.svd` (`(u, s, vh)`, or `s`).

    Args:
      a: `(..., m, n)` matrices.
      full_matrices: full (SciPy's default) or reduced U and Vh; derivatives need the reduced
        form for a non-square matrix.
      compute_uv: return U and Vh too.
      overwrite_a, check_finite: accepted and ignored.
      lapack_driver: 'gesdd' or 'gesvd' (NumPy's LAPACK routine is used either way).

    Returns:
      `(u, s, vh)`, or `s` without `compute_uv`.

    Example:
      >>> fsl.svd(np.array([[3.0, 0.0], [0.0, 4.0]]), compute_uv=False)
      array([4., 3.])
    """
    if lapack_driver not in ("gesdd", "gesvd"):
        raise errors.FunctransValueError(
            f"svd: lapack_driver={lapack_driver!r} must be 'gesdd' or 'gesvd'.")
    out = fnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def block_diag(*arrs):
    """A block-diagonal matrix of the given blocks, as `scipy.linalg.block_diag`.

    Args:
      *arrs: arrays of rank <= 2 (a scalar or a vector is one row).

    Returns:
      `(sum of rows, sum of columns)`, of the blocks' promoted dtype; zeros off the blocks.

    Example:
      >>> fsl.block_diag(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]))
      array([[1., 2., 0.],
             [0., 0., 3.],
             [0., 0., 4.]])
    """
    if not arrs:
        return np.zeros((1, 0))
    blocks = [fnp.atleast_2d(_util.as_array(x, "block_diag")) for x in arrs]
    for i, x in enumerate(blocks):
        if _util.aval(x).ndim > 2:
            raise errors.FunctransValueError(
                f"block_diag: argument {i} has rank {_util.aval(x).ndim}; blocks must have "
                "rank <= 2.")
    blocks, _, _ = _util.promote(*blocks)
    widths = [_util.aval(x).shape[1] for x in blocks]
    total = sum(widths)
    rows, start = [], 0
    for x, w in zip(blocks, widths, strict=True):
        rows.append(fnp.pad(x, ((0, 0), (start, total - start - w))))
        start += w
    return fnp.concatenate(rows, axis=0)


# --------------------------------------------------------------------------- expm

# Padé(13) coefficients and the 1-norm bound up to which it is accurate without scaling
# (Higham 2005, "The scaling and squaring method for the matrix exponential revisited").
_B13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
        129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
        40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm(A, *, upper_triangular=False, max_squarings=16):
    """The matrix exponential, as `scipy.linalg.expm` (Padé(13) with scaling and squaring).

    Args:
      A: `(..., n, n)` matrices.
      upper_triangular: accepted (JAX's flag) and ignored.
      max_squarings: the most squarings for a traced input (its norm, hence the number of
        squarings, is unknown while tracing): inputs with ‖A‖₁ > 5.37 * 2**max_squarings give
        NaN, as JAX's.

    Returns:
      `exp(A)`, differentiable (the derivative of the Padé approximation, accurate to
      rounding), batched over leading dimensions (one scaling for the whole stack, from the
      largest norm). A matrix with inf or NaN entries gives NaN everywhere (SciPy keeps the
      finite blocks of a triangular one).

    Example:
      >>> fsl.expm(np.array([[0.0, 1.0], [0.0, 0.0]]))
      array([[1., 1.],
             [0., 1.]])
    """
    A = _float_matrices(A, "expm")
    aval = _util.aval(A)
    norm = fnp.max(fnp.linalg.matrix_norm(A, ord=1)) if aval.size else 0.0
    if _util.is_deferred(norm):   # traced, or foreign (not read on the host)
        s = fnp.clip(fnp.ceil(fnp.log2(fnp.maximum(norm, 1e-300) / _THETA13)), 0, None)
        s = fnp.where(s > max_squarings, np.nan, s)
        squarings = fnp.nan_to_num(s, nan=0).astype(np.int64)
    else:
        norm = float(norm)
        # inf/nan entries: no scaling (the Padé evaluation propagates them as SciPy does).
        finite = np.isfinite(norm) and norm > 0
        squarings = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if finite else 0
        s = squarings
    scaled = A / (fnp.power(2.0, s) if _util.is_deferred(s) else 2.0 ** s)
    r = _pade13(scaled)
    if _util.is_deferred(squarings):
        r = lax.fori_loop(0, squarings, lambda i, m: fnp.matmul(m, m), r)
        return fnp.where(fnp.isnan(s), np.nan, r)
    for _ in range(squarings):
        r = fnp.matmul(r, r)
    return r


def _pade13(A):
    """(V - U)⁻¹ (V + U), Padé(13) of exp at A (A scaled so that ‖A‖₁ <= theta13)."""
    b = _B13
    n = _util.aval(A).shape[-1]
    ident = _util.in_namespace(np.eye(n, dtype=_util.aval(A).dtype), A)
    A2 = fnp.matmul(A, A)
    A4 = fnp.matmul(A2, A2)
    A6 = fnp.matmul(A4, A2)
    inner_u = b[13] * A6 + b[11] * A4 + b[9] * A2
    U = fnp.matmul(A, fnp.matmul(A6, inner_u) + b[7] * A6 + b[5] * A4 + b[3] * A2
                   + b[1] * ident)
    inner_v = b[12] * A6 + b[10] * A4 + b[8] * A2
    V = fnp.matmul(A6, inner_v) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * ident
    return fnp.linalg.solve(V - U, V + U)
