"""Op-table rows of `functrans.scipy.linalg` (issue 13); `op_table.ROWS` includes them.

Inputs are made well conditioned inside both `fun` and `ref` (a diagonal shift; `x xᵀ + n I`
for Cholesky), so both see the same matrix. The references are SciPy's; our LU and
triangular solves round unlike LAPACK's, hence the small tolerances.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sl
from op_table import F32, F64, OpRow, V

import functrans.numpy as fnp
import functrans.scipy.linalg as fsl

_TOL = 1e-12


def _shift(x):
    # The identity in x's namespace: a foreign x at top level (test_backend_strict_eager.py).
    return x + (2 * x.shape[-1] + 1) * fnp.eye(x.shape[-1], dtype=x.dtype, like=x)


def _spd(x):
    # x @ xᵀ with the operator and .mT, which traced values and arrays both have.
    return x @ x.mT + x.shape[-1] * fnp.eye(x.shape[-1], dtype=x.dtype, like=x)


def _both(body):
    return (lambda *a: body(_F, *a)), (lambda *a: body(_S, *a))


class _F:   # functrans' namespaces, as the bodies see them
    linalg, xp = fsl, fnp


class _S:   # the references
    linalg, xp = sl, np


def _row(name, body, shapes, **kw):
    fun, ref = _both(body)
    kw.setdefault("tol", _TOL)
    return OpRow(name, fun, ref, shapes, **kw)


def _solve_tri(m, a, b, lower, trans):
    tri = m.xp.tril if lower else m.xp.triu
    return m.linalg.solve_triangular(tri(_shift(a)), b, lower=lower, trans=trans)


def _cho(m, a, b, lower):
    return m.linalg.cho_solve(m.linalg.cho_factor(_spd(a), lower=lower), b)


def _lu_solve(m, a, b, trans):
    return m.linalg.lu_solve(m.linalg.lu_factor(_shift(a)), b, trans=trans)


def _lu(m, a):
    return m.linalg.lu(a)


def _lu_pl(m, a):
    return m.linalg.lu(a, permute_l=True)


ROWS: list[OpRow] = [
    *[_row(f"scipy.linalg.solve_triangular_{'lower' if low else 'upper'}_t{t}",
           lambda m, a, b, low=low, t=t: _solve_tri(m, a, b, low, t),
           (V((3, 3), (3,)), V((4, 4), (4, 2)), V((1, 1), (1, 3))), dtypes=(F64, F32))
      for low in (True, False) for t in (0, 1)],
    *[_row(f"scipy.linalg.cho_solve_{'lower' if low else 'upper'}",
           lambda m, a, b, low=low: _cho(m, a, b, low), (V((3, 3), (3,)), V((4, 4), (4, 2))),
           dtypes=(F64, F32)) for low in (True, False)],
    *[_row(f"scipy.linalg.lu_solve_t{t}", lambda m, a, b, t=t: _lu_solve(m, a, b, t),
           (V((3, 3), (3,)), V((4, 4), (4, 2))), dtypes=(F64, F32)) for t in (0, 1)],
    # Distinct values keep the pivot order away from ties (the derivative holds it fixed).
    _row("scipy.linalg.lu", _lu, (V((3, 3)), V((4, 2)), V((2, 4))), kinds="d"),
    _row("scipy.linalg.lu_permute_l", _lu_pl, (V((3, 3)), V((4, 3))), kinds="d"),
    _row("scipy.linalg.expm", lambda m, a: m.linalg.expm(a), (V((1, 1)), V((3, 3)), V((2, 4, 4))),
         dtypes=(F64, F32)),
    # ‖8a‖ needs squarings, which amplify rounding (SciPy scales differently): 1e-10.
    _row("scipy.linalg.expm_large", lambda m, a: m.linalg.expm(8 * a), (V((3, 3)),), tol=1e-10),
    _row("scipy.linalg.det", lambda m, a: m.linalg.det(_shift(a)), (V((3, 3)),)),
    _row("scipy.linalg.inv", lambda m, a: m.linalg.inv(_shift(a)), (V((3, 3)),)),
    _row("scipy.linalg.eigh_values", lambda m, a: m.linalg.eigh(a + a.T, eigvals_only=True),
         (V((3, 3)),), kinds="d"),
    _row("scipy.linalg.svd_values", lambda m, a: m.linalg.svd(a, compute_uv=False), (V((3, 2)),),
         kinds="d"),
    _row("scipy.linalg.block_diag", lambda m, a, b, c: m.linalg.block_diag(a, b, c),
         (V((2, 2), (1, 3), (3,)), V((), (2, 1), (0, 2))), tol=0.0),
]
