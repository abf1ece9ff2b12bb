"""Op-table rows for complex matrices in `functrans.numpy.linalg`, `functrans.scipy.linalg`
and `poly` (issues 13 and 14).

The op table draws real inputs, so each row takes the real and imaginary parts of each
complex argument as two float arguments, builds `z = lax.complex(x, y)` (NumPy's reference:
`x + 1j * y`, the same value) and returns the real and imaginary parts of complex results
stacked on a new leading axis (the pattern of op_rows_complex.py). The rows are real
functions of real inputs, so test_ops_grad's `check_grads` (forward and reverse, order 2)
checks the complex JVP rules and their plain transposes through them. Float32 parts give
complex64 matrices.

Inputs are made well conditioned inside both `fun` and `ref` by the same arithmetic:
`_dominant` adds `(3n + 1) I` (strictly diagonally dominant for parts in [-2, 2]), `_hpd`
forms `z z^H + n I` (Hermitian positive definite), `_herm` `z + z^H`. Eigenvectors and
singular vectors are compared through functions independent of their phases (`v exp(w)
v^H`, `u_k vh_k`). Values differ from LAPACK's by rounding (our LU and triangular solves are
NumPy code; the Hermitian and projector compositions sum in another order): `LAPACK_TOL`.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sl
from op_table import F32, F64, OpRow, V, fnp

import functrans.lax as lax
import functrans.scipy.linalg as fsl

LAPACK_TOL = 1e-12
_CDTYPES = (F64, F32)


class _F:   # functrans' namespaces, as the bodies see them
    xp, linalg, scipy = fnp, fnp.linalg, fsl

    @staticmethod
    def z(x, y):
        return lax.complex(x, y)


class _N:   # the references
    xp, linalg, scipy = np, np.linalg, sl

    @staticmethod
    def z(x, y):
        return x + 1j * y


def _parts(m, w):
    """Complex `w` as its stacked real and imaginary parts; real `w` as it is."""
    if np.dtype(w.dtype).kind != "c":
        return w
    return m.xp.stack([m.xp.real(w), m.xp.imag(w)])


def _eye(z, scale):
    n = z.shape[-1]
    # In z's namespace: a foreign z at top level (tests/test_backend_strict_eager.py).
    return fnp.asarray(np.asarray(scale * np.eye(n), dtype=z.dtype), like=z)


def _dominant(m, z):
    return z + _eye(z, 3 * z.shape[-1] + 1)


def _mh(m, z):
    return m.xp.conj(m.xp.swapaxes(z, -1, -2))


def _hpd(m, z):
    return m.xp.matmul(z, _mh(m, z)) + _eye(z, max(z.shape[-1], 1))


def _herm(m, z):
    return z + _mh(m, z)


def _row(name, body, shapes, nargs=1, **kw):
    """A row of `body(m, *complex_args)`: 2 * nargs float arguments (the parts)."""
    def build(m):
        def f(*parts):
            zs = [m.z(parts[2 * i], parts[2 * i + 1]) for i in range(nargs)]
            out = body(m, *zs)
            if isinstance(out, (tuple, list)):
                return [_parts(m, o) for o in out]
            return _parts(m, out)
        return f
    kw.setdefault("tol", LAPACK_TOL)
    kw.setdefault("dtypes", _CDTYPES)
    return OpRow(f"linalg_complex_{name}", build(_F), build(_N), shapes, **kw)


def _mat(*shapes):
    """Variants: each complex argument's shape, twice (its real and imaginary parts)."""
    return tuple(V(*[s for shape in variant for s in (shape, shape)]) for variant in shapes)


_SQUARE = _mat(((3, 3),), ((2, 3, 3),), ((1, 1),))
_RECT = _mat(((4, 3),), ((3, 4),), ((2, 3, 2),), ((3, 3),))


def _eigh_function(m, z, uplo="L"):
    w, v = m.linalg.eigh(_herm(m, z), uplo)
    return m.xp.matmul(v * m.xp.exp(w)[..., None, :], _mh(m, v)), w


def _svd_pairs(m, z):
    u, s, vh = m.linalg.svd(z, full_matrices=False)
    return m.xp.einsum("...ik,...kj->...kij", u, vh), s


def _svd_hermitian(m, z):
    u, s, vh = m.linalg.svd(_herm(m, z), hermitian=True)
    return m.xp.einsum("...ik,...kj->...kij", u, vh), s


def _lu(m, z):
    p, lo, up = m.scipy.lu(z)
    return p, lo, up


ROWS: list[OpRow] = [
    _row("solve", lambda m, a, b: m.linalg.solve(_dominant(m, a), b),
         _mat(((3, 3), (3,)), ((2, 3, 3), (2, 3, 2)), ((3, 3), (3, 2)), ((0, 0), (0,))),
         nargs=2),
    _row("inv", lambda m, a: m.linalg.inv(_dominant(m, a)), _SQUARE + _mat(((0, 0),))),
    _row("det", lambda m, a: m.linalg.det(_dominant(m, a)), _SQUARE + _mat(((0, 0),))),
    _row("slogdet", lambda m, a: tuple(m.linalg.slogdet(_dominant(m, a))), _SQUARE),
    _row("matrix_power_neg2", lambda m, a: m.linalg.matrix_power(_dominant(m, a), -2),
         _SQUARE),
    _row("matrix_power_3", lambda m, a: m.linalg.matrix_power(a, 3), _SQUARE,
         tol=1e-14),   # products summed in another order
    _row("cholesky", lambda m, a: m.linalg.cholesky(_hpd(m, a)), _SQUARE),
    _row("cholesky_upper", lambda m, a: m.linalg.cholesky(_hpd(m, a), upper=True), _SQUARE),
    _row("qr", lambda m, a: tuple(m.linalg.qr(a)), _RECT + _mat(((2, 2, 4),))),
    _row("qr_complete", lambda m, a: tuple(m.linalg.qr(a, "complete")),
         _mat(((3, 3),), ((2, 4),))),
    _row("eigvalsh", lambda m, a: m.linalg.eigvalsh(_herm(m, a)), _SQUARE),
    _row("eigvalsh_upper", lambda m, a: m.linalg.eigvalsh(_herm(m, a), "U"),
         _mat(((3, 3),))),
    # eigh reads one triangle: a non-Hermitian input, its lower part's Hermitian matrix.
    _row("eigvalsh_triangle", lambda m, a: m.linalg.eigvalsh(a), _mat(((3, 3),))),
    _row("eigh_function", _eigh_function, _SQUARE),
    _row("eigh_function_upper", lambda m, a: _eigh_function(m, a, "U"), _mat(((3, 3),))),
    _row("svdvals", lambda m, a: m.linalg.svdvals(a), _RECT),
    _row("svd_pairs", _svd_pairs, _RECT),
    _row("svd_hermitian", _svd_hermitian, _mat(((3, 3),), ((2, 3, 3),))),
    _row("pinv", lambda m, a: m.linalg.pinv(a), _RECT),
    _row("pinv_hermitian", lambda m, a: m.linalg.pinv(_herm(m, a), hermitian=True),
         _mat(((3, 3),))),
    _row("lstsq", lambda m, a, b: m.linalg.lstsq(a, b)[0], _mat(((4, 3), (4,)),
                                                                ((4, 2), (4, 2)))
         , nargs=2),
    _row("norm_2", lambda m, a: m.linalg.norm(a, 2, axis=(-2, -1)), _RECT),
    _row("norm_neg2", lambda m, a: m.linalg.norm(a, -2, axis=(-2, -1)), _RECT),
    _row("norm_nuc", lambda m, a: m.linalg.norm(a, "nuc", axis=(-2, -1)), _RECT),
    _row("cond", lambda m, a: m.linalg.cond(a), _SQUARE),
    _row("cond_1", lambda m, a: m.linalg.cond(_dominant(m, a), 1), _SQUARE),
    _row("matrix_rank", lambda m, a: m.linalg.matrix_rank(a), _RECT, grad_order=0),
    # scipy.linalg
    *[_row(f"scipy_solve_triangular_{'lower' if low else 'upper'}_{t}",
           lambda m, a, b, low=low, t=t: m.scipy.solve_triangular(
               (m.xp.tril if low else m.xp.triu)(_dominant(m, a)), b, trans=t, lower=low),
           _mat(((3, 3), (3,)), ((4, 4), (4, 2))), nargs=2)
      for low in (True, False) for t in (1, 2)],   # trans=0 as the real rows; 2 conjugates
    *[_row(f"scipy_cho_solve_{'lower' if low else 'upper'}",
           lambda m, a, b, low=low: m.scipy.cho_solve(
               m.scipy.cho_factor(_hpd(m, a), lower=low), b),
           _mat(((3, 3), (3,)), ((4, 4), (4, 2))), nargs=2) for low in (True, False)],
    *[_row(f"scipy_lu_solve_{t}",
           lambda m, a, b, t=t: m.scipy.lu_solve(m.scipy.lu_factor(_dominant(m, a)), b,
                                                 trans=t),
           _mat(((3, 3), (3,)), ((4, 4), (4, 2))), nargs=2) for t in (0, 2)],
    # Random parts keep the pivots away from ties (the derivative holds the order fixed).
    _row("scipy_lu", _lu, _mat(((3, 3),), ((4, 3),), ((3, 4),))),
    _row("scipy_expm", lambda m, a: m.scipy.expm(a / 4), _mat(((1, 1),), ((3, 3),))),
    _row("scipy_inv", lambda m, a: m.scipy.inv(_dominant(m, a)), _mat(((3, 3),))),
    # NumPy's vecdot conjugates its first argument.
    _row("vecdot", lambda m, a, b: m.linalg.vecdot(a, b),
         _mat(((3,), (3,)), ((2, 3), (3,)), ((0,), (0,))), nargs=2, tol=1e-14),
    _row("poly", lambda m, r: m.xp.poly(r), _mat(((1,),), ((3,),), ((5,),)), tol=1e-14),
    # A matrix: the characteristic polynomial, of its eigenvalues (eig rounds unlike NumPy's
    # eigvals-only LAPACK call).
    _row("poly_matrix", lambda m, a: m.xp.poly(a), _mat(((1, 1),), ((3, 3),))),
]
