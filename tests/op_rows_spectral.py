"""Op-table rows for spectral: eigh, svd and what is built on them (functrans.numpy.linalg
`_spectral`, and the SVD-based norms of `_norms`).

Inputs are made well conditioned inside both `fun` and `ref` (so both see the same matrix):
`_sym` gives symmetric matrices with well separated eigenvalues (the input, symmetrized and
scaled to norm < 2, plus diag(0, 3, 6, ...)), `_sep` matrices with well separated, nonzero
singular values (plus 3, 6, ... on the diagonal). The eigenvector and singular-vector
outputs of the raw rows are compared with NumPy's directly (the impl is NumPy's, so the
signs agree) and differentiated too (LAPACK's sign choice is locally constant); the gauge
rows differentiate functions that do not depend on the signs (`v f(w) v^T`, `u f(s) vh`,
squared entries).
"""
from __future__ import annotations

import functools

import numpy as np
from op_table import COMPOSED, F32, F64, FLOATS, I64, OpRow, V, fnp

_EIGH_SHAPES = (V((1, 1)), V((3, 3)), V((2, 3, 3)))
_SQUARE = (V((1, 1)), V((3, 3)), V((2, 3, 3)))
_ALL = (V((1, 1)), V((3, 3)), V((4, 2)), V((2, 4)), V((2, 3, 3)))
_RECT = (V((4, 2)), V((2, 4)), V((2, 4, 2)))
_SMALL = (-0.5, 0.5)


class _Np:
    """NumPy's spelling of what the rows call on `fnp` (`xp.linalg.eigh`, `xp.swapaxes`)."""

    linalg = np.linalg
    swapaxes = staticmethod(np.swapaxes)
    sin = staticmethod(np.sin)


def _spread(x, start: int):
    """diag(3 * (start + i)) of shape `x.shape[-2:]`, in x's dtype (and namespace: a
    foreign `x` at top level, tests/test_backend_strict_eager.py)."""
    m, n = x.shape[-2:]
    d = np.zeros((m, n))
    k = min(m, n)
    d[range(k), range(k)] = 3.0 * (start + np.arange(k))
    return fnp.asarray(d.astype(x.dtype), like=x)


def _sym(xp, x):
    return (x + xp.swapaxes(x, -1, -2)) / 2 + _spread(x, 0)


def _sep(x):
    return x + _spread(x, 1)


def _both(body):
    """A (fun, ref) pair: `body(xp, *args)` with functrans.numpy, then with NumPy."""
    return functools.partial(body, fnp), functools.partial(body, _Np)


def _row(name, body, shapes, **kw) -> OpRow:
    fun, ref = _both(body)
    kw.setdefault("domain", _SMALL)
    return OpRow(name, fun, ref, shapes, **kw)


# --------------------------------------------------------------------------- bodies


def _eigh(xp, x, **kw):
    return xp.linalg.eigh(_sym(xp, x), **kw)


def _eigh_upper(xp, x):
    # Not symmetric: only the upper triangle is read, and differentiated.
    return xp.linalg.eigh(x + _spread(x, 0), UPLO="U")


def _eigh_int(xp, x):
    return xp.linalg.eigh(x + xp.swapaxes(x, -1, -2) + _spread(x, 1))


def _eigh_gauge(xp, x):
    w, v = xp.linalg.eigh(_sym(xp, x))
    return (v * xp.sin(w)[..., None, :]) @ xp.swapaxes(v, -1, -2), v * v


def _svd(xp, x, **kw):
    return xp.linalg.svd(_sep(x), **kw)


def _svd_gauge(xp, x):
    u, s, vh = xp.linalg.svd(_sep(x), full_matrices=False)
    return (u * xp.sin(s)[..., None, :]) @ vh, u * u, vh * vh


def _svd_hermitian(xp, x, **kw):
    # Eigenvalues of both signs (the diagonal is shifted down): signs move into Vh.
    return xp.linalg.svd(_sym(xp, x) - 3.5 * fnp.eye(x.shape[-1], dtype=x.dtype, like=x),
                         hermitian=True, **kw)


def _pinv(xp, x, **kw):
    return xp.linalg.pinv(_sep(x), **kw)


def _pinv_hermitian(xp, x):
    return xp.linalg.pinv(_sym(xp, x) - 3.5 * fnp.eye(x.shape[-1], dtype=x.dtype, like=x),
                          hermitian=True)


def _lstsq(xp, a, b, **kw):
    return xp.linalg.lstsq(_sep(a), b, **kw)


def _lstsq_floats(xp, a, b):
    x, resid, _, s = xp.linalg.lstsq(_sep(a), b)
    return x, resid, s


def _rank_deficient(xp, x, **kw):
    # (m, k) @ (k, n) with k < min(m, n): rank k.
    return xp.linalg.matrix_rank(x @ xp.swapaxes(x, -1, -2), **kw)


def _cond(xp, x, **kw):
    return xp.linalg.cond(_sep(x), **kw)


def _norm(xp, x, **kw):
    return xp.linalg.norm(_sep(x), **kw)


def _matrix_norm(xp, x, **kw):
    return xp.linalg.matrix_norm(_sep(x), **kw)


# --------------------------------------------------------------------------- rows

# eigvalsh, lstsq: NumPy uses another LAPACK routine (eigenvalues only; gelsd), so the last
# bits differ. lstsq's solution is pinv(a) @ b, its residuals a sum of squares.
_OTHER_ROUTINE = 1e-13

ROWS: list[OpRow] = [
    _row("linalg_eigh", _eigh, _EIGH_SHAPES, dtypes=FLOATS),
    _row("linalg_eigh_UPLO_U", _eigh_upper, _EIGH_SHAPES, dtypes=FLOATS),
    _row("linalg_eigh_int", _eigh_int, (V((3, 3)),), dtypes=(I64,), grad_order=0),
    _row("linalg_eigh_gauge", _eigh_gauge, _EIGH_SHAPES + (V((4, 4)),), tol=COMPOSED),
    # (x + D + (x + D)^T) * 0.5 against (x + x^T) / 2 + D: rounded differently.
    OpRow("linalg_eigh_symmetrize_input",
          lambda x: fnp.linalg.eigh(x + _spread(x, 0), symmetrize_input=True),
          lambda x: np.linalg.eigh(_sym(_Np, x)), (V((3, 3)), V((2, 3, 3))), domain=_SMALL,
          tol=COMPOSED),
    _row("linalg_eigvalsh", lambda xp, x: xp.linalg.eigvalsh(_sym(xp, x)), _EIGH_SHAPES,
         dtypes=FLOATS, tol=_OTHER_ROUTINE),
    _row("linalg_svd", _svd, _SQUARE, dtypes=FLOATS),
    # Non-square with full_matrices=True: the extra singular vectors are not unique, so the
    # JVP raises (as JAX's); values and batching only.
    _row("linalg_svd_full_rect", _svd, _RECT, dtypes=FLOATS, grad_order=0),
    _row("linalg_svd_reduced", functools.partial(_svd, full_matrices=False), _ALL,
         dtypes=FLOATS),
    _row("linalg_svd_gauge", _svd_gauge, _ALL, tol=COMPOSED),
    _row("linalg_svd_no_uv", functools.partial(_svd, compute_uv=False), _ALL,
         dtypes=FLOATS),
    _row("linalg_svd_int", lambda xp, x: xp.linalg.svd(x, full_matrices=False),
         (V((3, 2)),), dtypes=(I64,), domain=(-3.0, 3.0), grad_order=0),
    _row("linalg_svd_hermitian", _svd_hermitian, _SQUARE, dtypes=FLOATS),
    _row("linalg_svd_hermitian_no_uv", functools.partial(_svd_hermitian, compute_uv=False),
         _SQUARE, dtypes=FLOATS, tol=_OTHER_ROUTINE),
    _row("linalg_svdvals", lambda xp, x: xp.linalg.svdvals(_sep(x)), _ALL, dtypes=FLOATS),
    _row("linalg_pinv", _pinv, _ALL, dtypes=FLOATS, tol=COMPOSED),
    _row("linalg_pinv_rtol_none", functools.partial(_pinv, rtol=None), (V((4, 2)),),
         tol=COMPOSED),
    _row("linalg_pinv_hermitian", _pinv_hermitian, _SQUARE, dtypes=FLOATS, tol=COMPOSED),
    _row("linalg_lstsq", _lstsq, (V((4, 2), (4,)), V((4, 2), (4, 3)), V((2, 4), (2,)),
                                   V((3, 3), (3, 2))),
         dtypes=FLOATS, tol=_OTHER_ROUTINE, grad_order=0),
    _row("linalg_lstsq_diff", _lstsq_floats, (V((4, 2), (4,)), V((2, 4), (2, 3))),
         tol=_OTHER_ROUTINE),
    # Full rank (s ~ 3 and 6): a rank-deficient a has empty residuals in NumPy but not under
    # a trace (documented); tests/test_linalg_spectral.py covers it.
    _row("linalg_lstsq_rcond", functools.partial(_lstsq, rcond=0.1), (V((4, 2), (4, 3)),),
         tol=_OTHER_ROUTINE, grad_order=0),
    _row("linalg_matrix_rank", _rank_deficient, (V((3, 2)), V((2, 4, 3))), dtypes=FLOATS,
         grad_order=0),
    _row("linalg_matrix_rank_full", lambda xp, x: xp.linalg.matrix_rank(_sep(x)),
         (V((3, 3)), V((4, 2))), grad_order=0),
    _row("linalg_matrix_rank_tol", functools.partial(_rank_deficient, tol=0.1),
         (V((3, 2)),), grad_order=0),
    _row("linalg_matrix_rank_rtol_hermitian",
         functools.partial(_rank_deficient, rtol=1e-8, hermitian=True), (V((3, 2)),),
         grad_order=0),
    _row("linalg_matrix_rank_vector", lambda xp, x: xp.linalg.matrix_rank(x), (V((3,)),),
         grad_order=0),
    _row("linalg_cond", _cond, _ALL, dtypes=FLOATS),
    _row("linalg_cond_p2", functools.partial(_cond, p=2), (V((4, 2)),)),
    _row("linalg_cond_p-2", functools.partial(_cond, p=-2), (V((2, 4)), V((2, 3, 3)))),
    # Norm orders: norm(x, p) * norm(inv(x), p); our LU-based inverse rounds unlike LAPACK's.
    *[_row(f"linalg_cond_p{p}", functools.partial(_cond, p=p), (V((3, 3)), V((2, 4, 4))),
           tol=1e-12) for p in ("fro", "nuc", 1, -np.inf)],
    _row("linalg_norm_ord2", functools.partial(_norm, ord=2), (V((3, 3)), V((4, 2))),
         dtypes=FLOATS),
    _row("linalg_norm_ord-2", functools.partial(_norm, ord=-2), (V((2, 4)),)),
    _row("linalg_norm_nuc", functools.partial(_norm, ord="nuc"), (V((3, 3)), V((4, 2))),
         dtypes=FLOATS),
    _row("linalg_norm_ord2_axes_keepdims",
         functools.partial(_norm, ord=2, axis=(0, 2), keepdims=True), (V((3, 2, 3)),)),
    _row("linalg_matrix_norm", _matrix_norm, (V((3, 3)), V((2, 4, 2))), dtypes=FLOATS),
    _row("linalg_matrix_norm_nuc_keepdims",
         functools.partial(_matrix_norm, ord="nuc", keepdims=True), (V((2, 3, 3)),)),
    _row("linalg_matrix_norm_inf", functools.partial(_matrix_norm, ord=np.inf),
         (V((4, 2)),), kinds="d"),
    OpRow("linalg_vector_norm", fnp.linalg.vector_norm, np.linalg.vector_norm,
          (V((3,)), V((2, 3))), dtypes=(F64, F32, I64), kinds="n", domain=(0.2, 2.0)),
    # Over several axes NumPy norms the reshaped array: the sums run in another order.
    OpRow("linalg_vector_norm_axes_keepdims",
          lambda x: fnp.linalg.vector_norm(x, axis=(0, -1), keepdims=True),
          lambda x: np.linalg.vector_norm(x, axis=(0, -1), keepdims=True), (V((2, 3, 2)),),
          tol=COMPOSED),
    OpRow("linalg_vector_norm_ord1_axis", lambda x: fnp.linalg.vector_norm(x, axis=1, ord=1),
          lambda x: np.linalg.vector_norm(x, axis=1, ord=1), (V((2, 3)),), kinds="n",
          domain=(0.2, 2.0)),
    OpRow("linalg_vector_norm_ord3_scalar", lambda x: fnp.linalg.vector_norm(x, ord=3),
          lambda x: np.linalg.vector_norm(x, ord=3), (V(()),), kinds="n", domain=(0.2, 2.0),
          tol=COMPOSED),
]
