"""Op-table rows for `functrans.numpy.linalg`'s Cholesky, LU and QR families (`_solve.py`).

The random inputs are made well conditioned inside both the function and its reference, by
the same NumPy-or-traced arithmetic: `_dominant` adds `(2n + 1) I`, which makes a matrix with
entries in [-2, 2] strictly diagonally dominant (nonsingular, positive determinant), and
`_spd` forms `a a^T + n I` (symmetric positive definite). Values are compared with NumPy's
LAPACK at `LAPACK_TOL`: the LU, the triangular solves and the products here are NumPy code
that rounds differently from LAPACK's blocked kernels (a few ulps times the condition number,
which the wrapping keeps below 10).
"""
from __future__ import annotations

import functools

import numpy as np
from op_table import COMPOSED, F32, F64, I64, OpRow, V, fnp

FLOATS = (F64, F32)
LAPACK_TOL = 1e-12

SQUARE = (V((1, 1)), V((3, 3)), V((2, 3, 3)), V((0, 0)))


def _eye(x, scale, n=None):
    n = x.shape[-1] if n is None else n
    # In x's namespace: a foreign x at top level (tests/test_backend_strict_eager.py).
    return fnp.asarray(np.asarray(scale * np.eye(n), dtype=x.dtype), like=x)


def _dominant(x):
    """`x + (2n + 1) I`: nonsingular with a positive determinant for entries in [-2, 2]."""
    return x + _eye(x, 2 * x.shape[-1] + 1)


def _spd(m, x):
    """`x x^T + n I` with the module `m` (fnp or np): symmetric positive definite."""
    return m.matmul(x, m.swapaxes(x, -1, -2)) + _eye(x, max(x.shape[-1], 1), x.shape[-2])


def _unary_wrapped(name, fun, ref, shapes=SQUARE, dtypes=FLOATS, wrap=_dominant, **kw):
    return OpRow(name, lambda x: fun(wrap(x)), lambda x: ref(wrap(x)), shapes, dtypes=dtypes,
                 tol=LAPACK_TOL, **kw)


def _solve(m, a, b):
    return m.linalg.solve(_dominant(a), b)


def _power(m, n, x):
    return m.linalg.matrix_power(_dominant(x) if n < 0 else x, n)


def _tensor_eye(shape, moved_axes=None):
    """The identity of `tensorsolve`'s square reshape, in the layout before moving `axes`."""
    half = int(np.sqrt(np.prod(shape)))
    eye = np.eye(half).reshape(shape)
    return eye if moved_axes is None else np.moveaxis(eye, -1, moved_axes)


def _tensorsolve(m, a, b, axes=None):
    eye = _tensor_eye((2, 3, 2, 3), None if axes is None else axes[0])
    return m.linalg.tensorsolve(a + fnp.asarray(np.asarray(13 * eye, a.dtype), like=a), b,
                                axes=axes)


def _tensorinv(m, ind, a):
    n = int(np.prod(a.shape[ind:]))
    eye = np.eye(n).reshape(a.shape)
    return m.linalg.tensorinv(a + fnp.asarray(np.asarray((2 * n + 1) * eye, a.dtype), like=a),
                              ind=ind)


def _qr(m, mode, x):
    return m.linalg.qr(x, mode=mode)


ROWS: list[OpRow] = [
    # solve: lu, a gather, two triangular_solves (the primitives' rows).
    OpRow("linalg_solve_vector", functools.partial(_solve, fnp), functools.partial(_solve, np),
          (V((1, 1), (1,)), V((3, 3), (3,)), V((2, 3, 3), (3,)), V((0, 0), (0,))),
          dtypes=FLOATS + (I64,), tol=LAPACK_TOL),
    OpRow("linalg_solve_matrix", functools.partial(_solve, fnp), functools.partial(_solve, np),
          (V((3, 3), (3, 2)), V((2, 3, 3), (2, 3, 1)), V((2, 3, 3), (3, 2)),
           V((3, 3), (2, 3, 2)), V((0, 0), (0, 2))), dtypes=FLOATS, tol=LAPACK_TOL),
    OpRow("linalg_solve_mixed", functools.partial(_solve, fnp), functools.partial(_solve, np),
          (V((3, 3), (3,)),), dtypes=((F32, F64), (I64, F32)), tol=LAPACK_TOL),
    _unary_wrapped("linalg_inv", fnp.linalg.inv, np.linalg.inv, dtypes=FLOATS + (I64,)),
    _unary_wrapped("linalg_det", fnp.linalg.det, np.linalg.det, dtypes=FLOATS + (I64,)),
    # A negative determinant for odd n (the sign of slogdet is -1 there).
    _unary_wrapped("linalg_det_negated", fnp.linalg.det, np.linalg.det,
                   wrap=lambda x: -_dominant(x)),
    _unary_wrapped("linalg_slogdet", fnp.linalg.slogdet, np.linalg.slogdet,
                   dtypes=FLOATS + (I64,)),
    _unary_wrapped("linalg_slogdet_negated", fnp.linalg.slogdet, np.linalg.slogdet,
                   wrap=lambda x: -_dominant(x)),
    OpRow("linalg_cholesky", lambda x: fnp.linalg.cholesky(_spd(fnp, x)),
          lambda x: np.linalg.cholesky(_spd(np, x)), SQUARE + (V((2, 4)),), dtypes=FLOATS,
          tol=LAPACK_TOL),
    OpRow("linalg_cholesky_upper", lambda x: fnp.linalg.cholesky(_spd(fnp, x), upper=True),
          lambda x: np.linalg.cholesky(_spd(np, x), upper=True), SQUARE, dtypes=FLOATS,
          tol=LAPACK_TOL),
    # qr is NumPy's own (LAPACK's Householder): equal bits, but vmap stacks differently.
    OpRow("linalg_qr", functools.partial(_qr, fnp, "reduced"),
          functools.partial(_qr, np, "reduced"),
          (V((3, 3)), V((4, 2)), V((2, 4)), V((2, 4, 3)), V((2, 3, 4)), V((0, 0))),
          dtypes=FLOATS, tol=COMPOSED),
    OpRow("linalg_qr_complete", functools.partial(_qr, fnp, "complete"),
          functools.partial(_qr, np, "complete"), (V((3, 3)), V((2, 4)), V((2, 2, 3))),
          dtypes=FLOATS, tol=COMPOSED),
    # Complete QR of a tall matrix: its extra columns of Q have no derivative (as in JAX).
    OpRow("linalg_qr_complete_tall", functools.partial(_qr, fnp, "complete"),
          functools.partial(_qr, np, "complete"), (V((4, 2)), V((2, 3, 1))), dtypes=FLOATS,
          grad_order=0, tol=COMPOSED),
    OpRow("linalg_qr_r", functools.partial(_qr, fnp, "r"), functools.partial(_qr, np, "r"),
          (V((4, 3)), V((2, 3, 4))), dtypes=FLOATS, tol=COMPOSED),
    OpRow("linalg_tensorsolve", functools.partial(_tensorsolve, fnp),
          functools.partial(_tensorsolve, np), (V((2, 3, 2, 3), (2, 3)),), dtypes=FLOATS,
          tol=LAPACK_TOL),
    OpRow("linalg_tensorsolve_axes", functools.partial(_tensorsolve, fnp, axes=(0,)),
          functools.partial(_tensorsolve, np, axes=(0,)), (V((3, 2, 3, 2), (2, 3)),),
          dtypes=FLOATS, tol=LAPACK_TOL),
    OpRow("linalg_tensorinv", functools.partial(_tensorinv, fnp, 1),
          functools.partial(_tensorinv, np, 1), (V((4, 2, 2)),), dtypes=FLOATS, tol=LAPACK_TOL),
    OpRow("linalg_tensorinv_ind2", functools.partial(_tensorinv, fnp, 2),
          functools.partial(_tensorinv, np, 2), (V((2, 3, 6)),), dtypes=FLOATS, tol=LAPACK_TOL),
    *[OpRow(f"linalg_matrix_power_{n}".replace("-", "neg"), functools.partial(_power, fnp, n),
            functools.partial(_power, np, n), (V((3, 3)), V((2, 3, 3)), V((1, 1))),
            dtypes=FLOATS + ((I64,) if n >= 0 else ()),
            tol=LAPACK_TOL if n < 0 else COMPOSED)
      for n in (0, 1, 2, 3, 5, -1, -2)],
]
