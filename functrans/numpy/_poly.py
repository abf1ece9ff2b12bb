"""functrans.numpy: polynomials with NumPy's highest-degree-first coefficients (issue 12):
`polyval` (Horner), `polyadd`, `polysub`, `polymul`, `polydiv`, `polyder`, `polyint`, `poly`
(real roots).

Compositions of the other functrans.numpy modules; owns no primitive.
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import core, errors
from functrans.numpy import (
    _creation,
    _grids,
    _indexing,
    _join,
    _linalg,
    _reductions,
    _shape,
    _ufuncs,
    _util,
)
from functrans.numpy.linalg import _solve, _spectral

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "poly", "polyadd", "polyder", "polydiv", "polyfit", "polyint", "polymul", "polysub",
    "polyval", "roots",
]


# --------------------------------------------------------------------------- polynomials
#
# Coefficients are 1-d, highest degree first (NumPy's `poly*` convention). Their length is a
# static shape, so every loop below unrolls over it.


def _coeffs(p, fname: str, argname: str = "p"):
    p = _shape.atleast_1d(_util.as_array(p, fname))
    if _util.aval(p).ndim != 1:
        raise errors.FunctransValueError(
            f"{fname}: `{argname}` must be a 1-d array of coefficients (highest degree first), "
            f"got shape {_util.aval(p).shape}.")
    return p


def polyval(p, x):
    """The polynomial with coefficients `p` at `x`, by Horner's scheme, as `numpy.polyval`.

    Args:
      p: 1-d coefficients, highest degree first (an array, traced value or list).
      x: the points, an array, traced value or Python scalar.

    Returns:
      `p[0] * x**(n-1) + ... + p[n-1]` of x's shape (dtype: x's promoted with p's, as NumPy's
      loop `y = y * x + p[i]` from `y = zeros_like(x)`). Differentiable in p and x.

    Example:
      >>> fnp.polyval(np.array([3.0, 0.0, 1.0]), np.array([1.0, 2.0]))
      array([ 4., 13.])
    """
    p = _util.as_array(p, "polyval")
    if _util.aval(p).ndim != 1:
        p = _coeffs(p, "polyval")
    x = _util.as_array(x, "polyval")
    y = _creation.zeros_like(x)
    for i in range(_util.aval(p).shape[0]):
        y = _ufuncs.add(_ufuncs.multiply(y, x), _indexing.getitem(p, i))
    return y


def _aligned(fname: str, a1, a2):
    """Both coefficient arrays, the shorter padded with leading zeros (of its own dtype)."""
    a1, a2 = _coeffs(a1, fname, "a1"), _coeffs(a2, fname, "a2")
    n1, n2 = _util.aval(a1).shape[0], _util.aval(a2).shape[0]
    if n1 < n2:
        a1 = _join.concatenate([np.zeros(n2 - n1, _util.aval(a1).dtype), a1])
    elif n2 < n1:
        a2 = _join.concatenate([np.zeros(n1 - n2, _util.aval(a2).dtype), a2])
    return a1, a2


def polyadd(a1, a2):
    """The sum of two polynomials, as `numpy.polyadd`.

    Args:
      a1, a2: 1-d coefficients, highest degree first (scalars count as degree 0).

    Returns:
      The coefficients of the sum, as long as the longer operand (no trimming).

    Example:
      >>> fnp.polyadd(np.array([1.0, 2.0]), np.array([1.0, 0.0, 5.0]))
      array([1., 1., 7.])
    """
    return _ufuncs.add(*_aligned("polyadd", a1, a2))


def polysub(a1, a2):
    """The difference `a1 - a2` of two polynomials, as `numpy.polysub`.

    Args:
      a1, a2: 1-d coefficients, highest degree first (scalars count as degree 0).

    Returns:
      The coefficients of the difference, as long as the longer operand (no trimming).

    Example:
      >>> fnp.polysub(np.array([1.0, 2.0]), np.array([1.0, 0.0, 5.0]))
      array([-1.,  1., -3.])
    """
    return _ufuncs.subtract(*_aligned("polysub", a1, a2))


def polymul(a1, a2, *, trim_leading_zeros=False):
    """The product of two polynomials (the convolution of their coefficients), as
    `numpy.polymul` with JAX's `trim_leading_zeros`.

    Args:
      a1, a2: 1-d non-empty coefficients, highest degree first.
      trim_leading_zeros: NumPy drops leading zero coefficients of the operands first (a
        data-dependent shape); as JAX, this is done only when True, on concrete operands.

    Returns:
      `len(a1) + len(a2) - 1` coefficients: the outer product summed along its
      anti-diagonals (one scatter-add at static positions). Differentiable in both.

    Example:
      >>> fnp.polymul(np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))
      array([ 3., 10., 13., 10.])
    """
    a1, a2 = _coeffs(a1, "polymul", "a1"), _coeffs(a2, "polymul", "a2")
    if trim_leading_zeros:
        if _util.is_deferred(a1) or _util.is_deferred(a2):
            raise errors.FunctransValueError(
                "polymul: trim_leading_zeros=True needs concrete coefficients (the result's "
                "length would depend on their values); leave it False under a transformation.")
        a1, a2 = (np.trim_zeros(a, "f") if np.any(a) else a[-1:] for a in (a1, a2))
    n1, n2 = _util.aval(a1).shape[0], _util.aval(a2).shape[0]
    if n1 == 0 or n2 == 0:
        raise errors.FunctransValueError("polymul: the coefficient arrays must not be empty.")
    (a1, a2), dtype, _ = _util.promote(a1, a2)
    prods = _ufuncs.multiply(_shape.reshape(a1, (n1, 1)), _shape.reshape(a2, (1, n2)))
    positions = (np.arange(n1)[:, None] + np.arange(n2)[None, :]).ravel()
    zeros = _creation.zeros((n1 + n2 - 1,), dtype)
    return _indexing.IndexUpdateHelper(zeros)[positions].add(_shape.ravel(prods))


def polydiv(u, v, *, trim_leading_zeros=False):
    """The quotient and remainder of polynomial division, as `numpy.polydiv` with JAX's
    `trim_leading_zeros`.

    Args:
      u: the dividend's 1-d coefficients, highest degree first (a scalar counts as degree 0).
      v: the divisor's; its leading coefficient `v[0]` must be nonzero.
      trim_leading_zeros: NumPy drops the remainder's leading (near-)zero coefficients (a
        data-dependent length); as JAX, this is done only when True, on concrete operands,
        by NumPy's rule (`allclose(r[0], 0, rtol=1e-14)`).

    Returns:
      `(q, r)` with `u = q * v + r`: `max(len(u) - len(v) + 1, 1)` quotient coefficients and
      `len(u)` remainder coefficients, the first `len(u) - len(v) + 1` exactly 0 (untrimmed,
      as JAX). Floating (NumPy's `+ 0.0`: int64 becomes float64). Long division unrolled over
      the static lengths; differentiable in both operands.

    Raises:
      FunctransValueError: a concrete divisor whose leading coefficient is 0 (NumPy divides
        by it, giving inf/nan with a warning).

    Example:
      >>> q, r = fnp.polydiv(np.array([1.0, 3.0, 2.0]), np.array([1.0, 1.0]))
      >>> q, r
      (array([1., 2.]), array([0., 0., 0.]))
    """
    u, v = _coeffs(u, "polydiv", "u"), _coeffs(v, "polydiv", "v")
    (u, v), _, _ = _util.promote(_util.to_inexact(u), _util.to_inexact(v))
    m, n = _util.aval(u).shape[0] - 1, _util.aval(v).shape[0] - 1
    if m < 0 or n < 0:
        raise errors.FunctransValueError("polydiv: the coefficient arrays must not be empty.")
    if not _util.is_deferred(v) and v[0] == 0:
        raise errors.FunctransValueError(
            "polydiv: the divisor's leading coefficient v[0] is 0; drop leading zeros first "
            "(numpy.trim_zeros(v, 'f')).")
    if trim_leading_zeros and (_util.is_deferred(u) or _util.is_deferred(v)):
        raise errors.FunctransValueError(
            "polydiv: trim_leading_zeros=True needs concrete coefficients (the remainder's "
            "length would depend on their values); leave it False under a transformation.")
    scale = _ufuncs.true_divide(1.0, _indexing.getitem(v, 0))
    quotient, r = [], u
    for k in range(m - n + 1):
        d = _ufuncs.multiply(scale, _indexing.getitem(r, k))
        quotient.append(_shape.reshape(d, (1,)))
        r = _indexing.IndexUpdateHelper(r)[k:k + n + 1].add(_ufuncs.multiply(-d, v))
    if quotient:
        q = _join.concatenate(quotient)
        # The eliminated coefficients are 0 by construction (not rounding residues).
        r = _join.concatenate([_creation.zeros((m - n + 1,), _util.aval(u).dtype),
                               _indexing.getitem(r, slice(m - n + 1, None))])
    else:
        q = _util.in_namespace(_creation.zeros((1,), _util.aval(u).dtype), u, v)
    if trim_leading_zeros:
        while np.allclose(r[0], 0, rtol=1e-14) and r.shape[-1] > 1:
            r = r[1:]
    return q, r


def polyder(p, m=1):
    """The `m`-th derivative of a polynomial, as `numpy.polyder`.

    Args:
      p: 1-d coefficients, highest degree first.
      m: the order of the derivative, a non-negative Python int.

    Returns:
      `max(len(p) - m, 0)` coefficients (p itself for m = 0). Differentiable in p.

    Example:
      >>> fnp.polyder(np.array([1.0, 1.0, 1.0, 1.0]), 2)
      array([6., 2.])
    """
    m = operator.index(m)
    if m < 0:
        raise errors.FunctransValueError("polyder: order of derivative must be positive (see "
                                         "polyint).")
    p = _coeffs(p, "polyder")
    for _ in range(m):
        n = _util.aval(p).shape[0] - 1
        p = _ufuncs.multiply(_indexing.getitem(p, slice(0, max(n, 0))),
                             np.arange(n, 0, -1))
    return p


def polyint(p, m=1, k=None):
    """The `m`-th antiderivative of a polynomial, as `numpy.polyint`.

    Args:
      p: 1-d coefficients, highest degree first.
      m: the order of the antiderivative, a non-negative Python int.
      k: the integration constants, lowest-order integration first: None (zeros), a scalar
        (used for every step) or `m` values.

    Returns:
      `len(p) + m` coefficients (p itself for m = 0); float64 unless p is wider, as NumPy.
      Differentiable in p and k.

    Example:
      >>> fnp.polyint(np.array([3.0, 2.0, 1.0]), k=5.0)
      array([1., 1., 1., 5.])
    """
    m = operator.index(m)
    if m < 0:
        raise errors.FunctransValueError("polyint: order of integral must be positive (see "
                                         "polyder).")
    k = np.zeros(m, float) if k is None else _shape.atleast_1d(_util.as_array(k, "polyint"))
    nk = _util.aval(k).shape[0]
    if nk == 1 and m > 1:
        k = _ufuncs.multiply(_indexing.getitem(k, 0), np.ones(m, float))
    elif nk < m:
        raise errors.FunctransValueError(
            "polyint: k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _coeffs(p, "polyint")
    for i in range(m):
        n = _util.aval(p).shape[0]
        p = _join.concatenate([_ufuncs.true_divide(p, np.arange(n, 0, -1)),
                               _shape.reshape(_indexing.getitem(k, i), (1,))])
    return p


def roots(p, *, strip_zeros=True):
    """The roots of the polynomial with coefficients `p` (highest degree first), as
    `numpy.roots`: the eigenvalues of its companion matrix.

    Args:
      p: a 1-d array (or traced value) of coefficients.
      strip_zeros: drop leading zeros and count trailing ones as roots at 0, as NumPy (the
        number of roots then depends on the values: `p` must be concrete). With False (JAX's
        option), `p` may be traced; its leading coefficient must be nonzero.

    Returns:
      The roots, complex (complex64 for float32 coefficients), in NumPy's order. NumPy
      returns a real array when all roots are real; functrans always returns complex, as
      JAX. Differentiable in `p` (through `eigvals`) where the roots are simple.

    Raises:
      ConcretizationError: traced `p` with `strip_zeros=True`.
      FunctransValueError: `p` is not 1-d.

    Example:
      >>> fnp.roots(np.array([1.0, -3.0, 2.0]))
      array([2.+0.j, 1.+0.j])
    """
    p = _shape.atleast_1d(_util.to_inexact(_util.as_array(p, "roots")))
    aval = _util.aval(p)
    if aval.ndim != 1:
        raise errors.FunctransValueError(
            f"roots: the coefficients must be a 1-d array, got shape {aval.shape}.")
    cdt = np.dtype(np.complex64) if aval.dtype in (np.float16, np.float32, np.complex64) \
        else np.dtype(np.complex128)
    trailing = 0
    if strip_zeros:
        if _util.is_deferred(p):
            raise errors.ConcretizationError(
                f"roots: with strip_zeros=True the number of roots depends on the values of "
                f"the traced coefficients (shape {aval.shape}); pass strip_zeros=False, with "
                "a nonzero leading coefficient.")
        nonzero = np.flatnonzero(p)
        if nonzero.size == 0:
            return np.zeros(0, cdt)
        trailing = aval.shape[0] - int(nonzero[-1]) - 1
        p = p[int(nonzero[0]):int(nonzero[-1]) + 1]
    n = _util.aval(p).shape[0]
    if n < 2:
        out = np.zeros(0, cdt)
    else:
        first = _ufuncs.negative(_ufuncs.true_divide(p[1:], p[0]))
        below = _creation.eye(n - 2, n - 1, dtype=_util.aval(p).dtype)
        companion = _join.concatenate([_shape.reshape(first, (1, n - 1)), below], axis=0)
        out = _spectral.eigvals(companion)
    if trailing:
        out = _join.concatenate([out, np.zeros(trailing, cdt)])
    return out


def poly(seq_of_zeros):
    """The coefficients of the monic polynomial with the given roots, as `numpy.poly`.

    Args:
      seq_of_zeros: a 1-d array (or traced value, or list) of real or complex roots, or a
        non-empty square matrix (its characteristic polynomial: the roots are its
        eigenvalues, `linalg.eigvals`).

    Returns:
      `len(seq_of_zeros) + 1` coefficients, highest degree first, float64 (float32 for
      float32 roots); 1.0 for no roots. Complex roots and matrices give complex coefficients
      (complex64 for complex64 or float32 input), as JAX: NumPy returns real coefficients
      when the roots come in conjugate pairs (a value-dependent dtype, which a traced
      function cannot have; take `real` of the result then). Differentiable in the roots
      (holomorphic), and in the matrix where its eigenvalues are simple.

    Raises:
      FunctransValueError: an array that is neither 1-d nor a non-empty square matrix.

    Example:
      >>> fnp.poly(np.array([1.0, 2.0]))
      array([ 1., -3.,  2.])
      >>> fnp.poly(np.array([1j, -1j]))
      array([1.+0.j, 0.+0.j, 1.+0.j])
    """
    r = _shape.atleast_1d(_util.as_array(seq_of_zeros, "poly"))
    ra = _util.aval(r)
    if ra.ndim == 2 and ra.shape[0] == ra.shape[1] and ra.shape[0] != 0:
        r = _spectral.eigvals(r)     # complex, as JAX's (NumPy: real for conjugate pairs)
        ra = _util.aval(r)
    elif ra.ndim != 1:
        raise errors.FunctransValueError(
            f"poly: the input must be a 1-d sequence of roots or a non-empty square matrix, "
            f"got shape {ra.shape}.")
    if ra.shape[0] == 0:
        return 1.0
    inexact = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.complex64),
               np.dtype(np.complex128))
    dtype = ra.dtype if ra.dtype in inexact else np.dtype(np.float64)
    r = _util.convert(r, dtype)
    a = np.ones(1, dtype)
    for i in range(ra.shape[0]):
        z = _indexing.getitem(r, i)
        a = _ufuncs.subtract(_join.concatenate([a, np.zeros(1, dtype)]),
                             _ufuncs.multiply(z, _join.concatenate([np.zeros(1, dtype), a])))
    return a


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit, as `numpy.polyfit` (coefficients highest degree first).

    Args:
      x: the sample points, 1-d (array or traced).
      y: the values, `(M,)` or `(M, K)` for K fits at once.
      deg: the degree (a concrete int).
      rcond: relative cutoff of small singular values (default `len(x) * eps`).
      full: also return the residuals, rank, singular values and rcond (`lstsq`'s).
      w: weights applied to the unsquared residuals, 1-d.
      cov: also return the covariance of the coefficients (scaled by the residuals /
        (M - deg - 1), or "unscaled").

    Returns:
      The coefficients `(deg + 1,)` or `(deg + 1, K)`; with `full` or `cov`, NumPy's tuples
      (with `full`, `lstsq`'s residuals: under a transformation they are returned for M > N
      whatever the rank, where NumPy returns an empty array for a rank-deficient fit).
      Differentiable in x, y and w (through `lstsq`'s pseudo-inverse).

    Raises:
      FunctransTypeError: a traced or fractional `deg`, or x, y, w of the wrong shapes.
      FunctransValueError: `deg < 0`, or `cov=True` with no more points than coefficients.

    Example:
      >>> fnp.polyfit(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 3.0, 5.0, 7.0]), 1)
      array([2., 1.])
    """
    if isinstance(deg, core.Tracer) or (isinstance(deg, float) and not deg.is_integer()):
        raise errors.FunctransTypeError(
            f"polyfit: deg must be a concrete integer (it sets the output's shape), got {deg!r}.")
    order = int(deg) + 1
    if order < 1:
        raise errors.FunctransValueError(f"polyfit: expected deg >= 0, got {deg}.")
    x = _util.to_inexact(_util.as_array(x, "polyfit"))
    y = _util.to_inexact(_util.as_array(y, "polyfit"))
    xs, ys = _util.aval(x).shape, _util.aval(y).shape
    if len(xs) != 1 or xs[0] == 0:
        raise errors.FunctransTypeError(
            f"polyfit: x must be a non-empty 1-d vector, got shape {xs}.")
    if len(ys) not in (1, 2) or ys[0] != xs[0]:
        raise errors.FunctransTypeError(
            f"polyfit: y must have shape ({xs[0]},) or ({xs[0]}, K), got {ys}.")
    if rcond is None:
        rcond = xs[0] * np.finfo(_util.aval(x).dtype).eps
    lhs, rhs = _grids.vander(x, order), y
    if w is not None:
        w = _util.to_inexact(_util.as_array(w, "polyfit"))
        if _util.aval(w).shape != (xs[0],):
            raise errors.FunctransTypeError(
                f"polyfit: w must have shape ({xs[0]},), got {_util.aval(w).shape}.")
        lhs = _ufuncs.multiply(lhs, w[:, None])
        rhs = _ufuncs.multiply(rhs, w[:, None] if len(ys) == 2 else w)
    # Columns scaled to unit norm (NumPy's conditioning step), then lstsq.
    scale = _ufuncs.sqrt(_reductions.sum(_ufuncs.multiply(lhs, lhs), axis=0))
    lhs = _ufuncs.divide(lhs, scale)
    c, resids, rank, s = _spectral.lstsq(lhs, rhs, rcond)
    c = _ufuncs.divide(c, scale[:, None] if len(ys) == 2 else scale)
    if full:
        return c, resids, rank, s, rcond
    if not cov:
        return c
    return c, _polyfit_cov(lhs, scale, resids, cov, xs[0], order, len(ys))


def _polyfit_cov(lhs, scale, resids, cov, m: int, order: int, y_ndim: int):
    """NumPy's covariance of the coefficients: inv(AᵀA) / outer(scale, scale), times the
    residual variance resids / (m - order) unless cov == 'unscaled'."""
    vbase = _ufuncs.divide(_solve.inv(_linalg.matmul(_shape.transpose(lhs), lhs)),
                           _ufuncs.multiply(scale[:, None], scale[None, :]))
    if cov == "unscaled":
        fac = 1.0
    else:
        if m <= order:
            raise errors.FunctransValueError(
                "polyfit: the number of data points must exceed order to scale the "
                "covariance matrix; pass cov='unscaled'.")
        fac = _ufuncs.divide(resids, m - order)
    if y_ndim == 1:
        return _ufuncs.multiply(vbase, fac)
    return _ufuncs.multiply(vbase[:, :, None], fac)
