"""Fixed points and roots differentiated by the implicit function theorem.

Owns `fixed_point` (iterate `x = f(x, *params)`) and `root` (Newton's method for
`f(x, *params) = 0`). Both find the solution with a `lax.while_loop` that is never
differentiated, and give its derivatives with respect to `params` (and arrays `f` closes over)
by `lax.custom_root`: one linear solve with the Jacobian in `x` at the solution (dense: the
matrix by `vmap` of the Jacobian-vector product, then `linalg.solve`), whatever the number
of iterations. Owns no primitive.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import functrans.numpy as fnp
from functrans import api, core, errors, lax

__all__ = ["fixed_point", "root"]


def fixed_point(f: Callable, x0: Any, *params: Any, tol: float | None = None,
                maxiter: int = 1000) -> Any:
    """A fixed point `x = f(x, *params)` by iteration from `x0`, differentiable in `params`.

    Args:
      f: `(x, *params) -> x`, a contraction near the fixed point.
      x0: the starting point, an array (or scalar) of floats.
      params: arrays `f` depends on; derivatives flow to them (and to arrays `f` closes over).
      tol: stop when no entry of `x` moves by more than `tol * (1 + |x|)`; default
        `64 * eps` of the dtype.
      maxiter: the most iterations (the last iterate is returned if it is reached).

    Returns:
      The fixed point, of `x0`'s shape. Its derivative in the parameters is
      `(I - df/dx)^-1 df/dp` (one linear solve: the iterations are not differentiated);
      with respect to `x0` it is zero.

    Example:
      >>> import functrans as ft
      >>> from functrans.optimize import fixed_point
      >>> x = fixed_point(lambda x, a: 0.5 * x + a, 0.0, 1.0)   # x = 2a
      >>> print(round(float(x), 12), ft.grad(lambda a: fixed_point(lambda x, a: 0.5 * x + a,
      ...                                                          0.0, a))(1.0))
      2.0 2.0
    """
    x0 = _start(x0)
    tol = _tol(x0, tol)

    def iterate(g: Callable, x: Any) -> Any:
        # g(x) = f(x) - x: iterate x <- x + g(x) until the step is small.
        return _loop(lambda x: x + g(x), x, tol, maxiter)

    return lax.custom_root(lambda x: f(x, *params) - x, x0, iterate, _dense_solve)


def root(f: Callable, x0: Any, *params: Any, tol: float | None = None,
         maxiter: int = 100) -> Any:
    """A root of `f(x, *params) = 0` by Newton's method from `x0`, differentiable in `params`.

    Args:
      f: `(x, *params) -> residual` of `x`'s shape.
      x0: the starting point, an array (or scalar) of floats.
      params: arrays `f` depends on; derivatives flow to them.
      tol: stop when no entry of the Newton step exceeds `tol * (1 + |x|)`; default
        `64 * eps` of the dtype.
      maxiter: the most Newton steps.

    Returns:
      The root, of `x0`'s shape, with `dx/dp = -(df/dx)^-1 df/dp` (one linear solve).

    Example:
      >>> import functrans as ft
      >>> from functrans.optimize import root
      >>> print(root(lambda x, a: x ** 3 - a, 1.0, 8.0))
      2.0
      >>> print(ft.grad(lambda a: root(lambda x, a: x ** 3 - a, 1.0, a))(8.0))  # a^(-2/3)/3
      0.08333333333333333
    """
    x0 = _start(x0)
    tol = _tol(x0, tol)

    def newton(g: Callable, x: Any) -> Any:
        def step(x: Any) -> Any:
            return x - _dense_solve(lambda u: api.jvp(g, (x,), (u,))[1], g(x))
        return _loop(step, x, tol, maxiter)

    return lax.custom_root(lambda x: f(x, *params), x0, newton, _dense_solve)


def _start(x0: Any) -> Any:
    """`x0` as an array, integers and bools as float64; complex starting points are refused
    (the convergence test and the linear solves are written for real values)."""
    x0 = fnp.asarray(x0)
    if core.get_aval(x0).dtype.kind == "c":
        raise errors.FunctransTypeError(
            "functrans.optimize: complex x0 is not supported; solve for the real and imaginary "
            "parts as a real array of twice the size.")
    return x0 if core.get_aval(x0).dtype.kind == "f" else fnp.asarray(x0, np.float64)


def _tol(x0: Any, tol: float | None) -> float:
    return 64 * float(np.finfo(core.get_aval(x0).dtype).eps) if tol is None else float(tol)


def _loop(step: Callable, x: Any, tol: float, maxiter: int) -> Any:
    """Iterate `x <- step(x)` until a step moves no entry by more than `tol * (1 + |x|)`."""
    def cond(state: tuple) -> Any:
        i, _, moved = state
        return fnp.logical_and(i < maxiter, moved)

    def body(state: tuple) -> tuple:
        i, x, _ = state
        x1 = step(x)
        return i + 1, x1, fnp.any(fnp.abs(x1 - x) > tol * (1.0 + fnp.abs(x1)))

    _, x, _ = lax.while_loop(cond, body, (0, x, True))
    return x


def _dense_solve(g: Callable, y: Any) -> Any:
    """The `u` with `g(u) = y` for a linear `g` on arrays of `y`'s shape: the matrix of `g`
    (its columns `g(e_i)`, by `vmap` over the unit vectors), then one `linalg.solve`."""
    shape = core.get_aval(y).shape
    n = int(np.prod(shape, dtype=int))

    def flat_g(v: Any) -> Any:
        return fnp.reshape(g(fnp.reshape(v, shape)), (n,))

    columns = api.vmap(flat_g)(np.eye(n, dtype=core.get_aval(y).dtype))
    return fnp.reshape(fnp.linalg.solve(columns.T, fnp.reshape(y, (n,))), shape)
