"""Op-table rows of `functrans.ode` and `functrans.optimize` (issue 17); `op_table.ROWS`
includes them.

References are closed forms (exponential decay, the cube root) or NumPy iterations to
convergence. `tol` is the solvers' accuracy (rtol/atol 1e-13 for odeint, the iteration's
stopping rule for fixed_point), not rounding. The derivative tests (`check_grads`, order 2)
exercise the adjoint and forward-sensitivity paths of `odeint` and the implicit-function
derivatives of `fixed_point`/`root` (the `linear_call` primitive underneath).
"""
from __future__ import annotations

import numpy as np
from op_table import F64, OpRow

import functrans.numpy as fnp
from functrans import lax
from functrans.ode import odeint
from functrans.optimize import fixed_point, root

_T = np.array([0.0, 0.4, 1.0])


def _decay(y0, k):
    return odeint(lambda y, t, k: -k * y, y0, _T, k, rtol=1e-13, atol=1e-13)


def _np_decay(y0, k):
    return np.exp(-np.multiply.outer(_T, k))[(...,) + (None,) * (np.ndim(y0) - np.ndim(k))] * y0


def _contraction(x, b):
    return 0.5 * fnp.tanh(x) + b


def _fixed(b):
    return fixed_point(_contraction, fnp.zeros_like(b), b)


def _np_fixed(b):
    x = np.zeros_like(b)
    for _ in range(200):
        x = 0.5 * np.tanh(x) + b
    return x


def _cbrt(a):
    return root(lambda x, a: x ** 3 - a, fnp.ones_like(a), a)


def _lin_solve(d, b):
    # A diagonally dominant system A = diag(d) + 0.1, solved densely.
    a = fnp.diag(d) + 0.1
    return lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, b: fnp.linalg.solve(a, b))


def _np_lin_solve(d, b):
    return np.linalg.solve(np.diag(d) + 0.1, b)


ROWS: list[OpRow] = [
    # Solver accuracy (rtol = atol = 1e-13; jacfwd and jacrev, two discretizations of the
    # derivative, must agree to 1e-12), not rounding.
    OpRow("ode.odeint", _decay, _np_decay, (((3,), ()), ((), ())), (F64,), domain=(0.2, 2.0),
          tol=1e-11),
    # The iteration stops at a relative step of 64 eps.
    OpRow("optimize.fixed_point", _fixed, _np_fixed, (((),), ((4,),)), (F64,), tol=1e-12),
    OpRow("optimize.root", _cbrt, np.cbrt, (((),), ((3,),)), (F64,), domain=(0.5, 2.0),
          tol=1e-12),
    # A dense solve (LU), rounding differently from NumPy's.
    OpRow("lax.custom_linear_solve", _lin_solve, _np_lin_solve, (((3,), (3,)),), (F64,),
          domain=(1.0, 2.0), tol=1e-12),
]
