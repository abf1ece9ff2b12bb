"""Implicit differentiation: `lax.custom_root`, `lax.custom_linear_solve`, the `linear_call`
primitive under them, and `functrans.optimize` (`fixed_point`, `root`): derivatives against
closed forms and finite differences, and the derivative program holding one linear solve and
not the iterations."""
from __future__ import annotations

import numpy as np
import pytest
from test_docs import _floats, run_example

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
from functrans import errors, ir
from functrans.optimize import fixed_point, root

A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
B = np.array([1.0, -2.0, 0.5])
W = np.array([[0.3, -0.2, 0.1], [0.1, 0.4, -0.3], [0.0, 0.2, 0.25]])


def central_diff(f, x, eps=1e-6):
    x = np.asarray(x, float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


def newton(f, x):
    for _ in range(40):
        x = x - f(x) / ft.grad(f)(x)
    return x


def sqrt(a):
    return lax.custom_root(lambda x: x ** 2 - a, 1.0, newton, lambda g, y: y / g(1.0))


# --------------------------------------------------------------------------- custom_root


def test_custom_root_sqrt_derivatives_match_closed_form():
    np.testing.assert_allclose(sqrt(3.0), np.sqrt(3.0), rtol=1e-15)
    np.testing.assert_allclose(ft.grad(sqrt)(3.0), 0.5 / np.sqrt(3.0), rtol=1e-14)
    _, t = ft.jvp(sqrt, (3.0,), (2.0,))
    np.testing.assert_allclose(t, 1.0 / np.sqrt(3.0), rtol=1e-14)
    np.testing.assert_allclose(ft.grad(ft.grad(sqrt))(3.0), -0.25 * 3.0 ** -1.5, rtol=1e-12)


def test_custom_root_vmap_and_jit():
    a = np.array([1.0, 4.0, 9.0])
    np.testing.assert_allclose(ft.vmap(sqrt)(a), np.sqrt(a), rtol=1e-15)
    np.testing.assert_allclose(ft.jit(ft.vmap(ft.grad(sqrt)))(a), 0.5 / np.sqrt(a), rtol=1e-14)


def test_custom_root_ignores_the_initial_guess():
    g = ft.grad(lambda x0: lax.custom_root(lambda x: x ** 2 - 2.0, x0, newton,
                                           lambda g, y: y / g(1.0)))(1.0)
    assert g == 0.0


def test_custom_root_errors_name_the_function():
    with pytest.raises(errors.FunctransTypeError, match="custom_root: f returns structure"):
        lax.custom_root(lambda x: (x, x), 1.0, newton, lambda g, y: y)
    with pytest.raises(errors.FunctransTypeError, match="custom_root: f must be a function"):
        lax.custom_root(1.0, 1.0, newton, lambda g, y: y)


# --------------------------------------------------------------------------- custom_linear_solve


def _solve_scaled(b, s):
    def mv(x):
        return s * (A @ x)
    return lax.custom_linear_solve(mv, b, lambda mv, b: fnp.linalg.solve(s * A, b),
                                   symmetric=True)


def test_custom_linear_solve_derivatives():
    inv = np.linalg.inv(A)
    np.testing.assert_allclose(_solve_scaled(B, 2.0), inv @ B / 2.0, rtol=1e-13)
    np.testing.assert_allclose(ft.jacrev(_solve_scaled)(B, 2.0), inv / 2.0, rtol=1e-13)
    np.testing.assert_allclose(ft.jacfwd(_solve_scaled)(B, 2.0), inv / 2.0, rtol=1e-13)
    # x = A^-1 b / s: dx/ds = -x / s.
    ds = ft.jacrev(_solve_scaled, argnums=1)(B, 2.0)
    np.testing.assert_allclose(ds, -inv @ B / 4.0, rtol=1e-13)
    np.testing.assert_allclose(ft.jacfwd(_solve_scaled, argnums=1)(B, 2.0), ds, rtol=1e-13)


def test_custom_linear_solve_nonsymmetric_with_transpose_solve():
    m = A + np.triu(np.ones((3, 3)), 1)

    def x_of(b, m):
        return lax.custom_linear_solve(lambda x: m @ x, b,
                                       lambda mv, b: fnp.linalg.solve(m, b),
                                       lambda vm, b: fnp.linalg.solve(m.T, b))

    np.testing.assert_allclose(ft.jacrev(x_of)(B, m), np.linalg.inv(m), rtol=1e-13)
    fd = central_diff(lambda mm: x_of(B, mm.reshape(3, 3)), m.ravel()).reshape(3, 3, 3)
    np.testing.assert_allclose(ft.jacrev(x_of, argnums=1)(B, m), fd, rtol=1e-6, atol=1e-9)


def test_custom_linear_solve_pytree_by_iterations():
    # A Jacobi iteration as the solver: the derivative never goes through its loop.
    d = np.diag(A)

    def jacobi(mv, b):
        x = lax.fori_loop(0, 200, lambda i, x: (x[0] + (b[0] - mv(x)[0]) / d, b[1] / 2),
                          (fnp.zeros_like(b[0]), fnp.zeros_like(b[1])))
        return x

    def x_of(b):
        return lax.custom_linear_solve(lambda x: (A @ x[0], 2 * x[1]), (b, b[:1]), jacobi)

    x = x_of(B)
    np.testing.assert_allclose(x[0], np.linalg.solve(A, B), rtol=1e-12)
    g = ft.grad(lambda b: fnp.sum(x_of(b)[0]) + x_of(b)[1][0])(B)
    np.testing.assert_allclose(g, np.linalg.solve(A.T, np.ones(3)) + [0.5, 0, 0], rtol=1e-12)


# --------------------------------------------------------------------------- optimize


def deq(b, w=W):
    return fixed_point(lambda z, b, w: fnp.tanh(w @ z + b), np.zeros(3), b, w)


def test_fixed_point_jacobian_matches_closed_form_and_fd():
    z = deq(B)
    np.testing.assert_allclose(z, np.tanh(W @ z + B), atol=1e-14)
    d = np.diag(1 - np.tanh(W @ z + B) ** 2)
    closed = np.linalg.solve(np.eye(3) - d @ W, d)
    np.testing.assert_allclose(ft.jacrev(deq)(B), closed, rtol=1e-12)
    np.testing.assert_allclose(ft.jacfwd(deq)(B), closed, rtol=1e-12)
    fd = central_diff(lambda w: deq(B, w.reshape(3, 3)), W.ravel()).reshape(3, 3, 3)
    np.testing.assert_allclose(ft.jacrev(deq, argnums=1)(B, W), fd, rtol=1e-6, atol=1e-9)


def test_fixed_point_vmap_matches_a_loop():
    bs = np.stack([B, -B, 2 * B])
    np.testing.assert_allclose(ft.vmap(deq)(bs), np.stack([deq(b) for b in bs]), rtol=1e-13)
    g = ft.vmap(ft.grad(lambda b: fnp.sum(deq(b))))(bs)
    np.testing.assert_allclose(g, np.stack([ft.grad(lambda b: fnp.sum(deq(b)))(b) for b in bs]),
                               rtol=1e-12)


def _walk(jaxpr):
    for eqn in jaxpr.eqns:
        yield eqn
        for sub in ir.param_subjaxprs(eqn.params):
            yield from _walk(getattr(sub, "jaxpr", sub))


def test_derivative_program_has_one_linear_solve_and_no_iterations():
    closed = ft.make_jaxpr(ft.grad(lambda b: fnp.sum(deq(b))))(B)
    top = [e.primitive.name for e in closed.jaxpr.eqns]
    # The forward iterations run once, undifferentiated (no stacked residuals, no scan).
    assert top.count("while") == 1 and "scan" not in top, top
    (loop,) = [e for e in closed.jaxpr.eqns if e.primitive.name == "while"]
    assert loop.params["num_ys"] == 0
    # The derivative: one linear_call whose evaluated program factors once and solves once.
    (call,) = [e for e in closed.jaxpr.eqns if e.primitive.name == "linear_call"]
    names = [e.primitive.name for e in _walk(call.params["fwd_jaxpr"])]
    assert names.count("lu") == 1 and "while" not in names and "scan" not in names, names


def test_root_newton_cube_root_and_system():
    np.testing.assert_allclose(root(lambda x, a: x ** 3 - a, 1.0, 8.0), 2.0, rtol=1e-15)
    np.testing.assert_allclose(ft.grad(lambda a: root(lambda x, a: x ** 3 - a, 1.0, a))(8.0),
                               8.0 ** (-2 / 3) / 3, rtol=1e-14)

    def f(x, p):
        return fnp.stack([x[0] ** 2 + x[1] - p[0], x[0] - x[1] ** 3 - p[1]])

    def sol(p):
        return root(f, np.array([1.0, 1.0]), p)

    p = np.array([3.0, 0.5])
    x = sol(p)
    np.testing.assert_allclose(f(x, p), 0.0, atol=1e-13)
    np.testing.assert_allclose(ft.jacrev(sol)(p), central_diff(sol, p), rtol=1e-6)


def test_optimize_integer_start_and_float32():
    x = fixed_point(lambda x: 0.5 * x + 1.0, 0)
    assert x.dtype == np.float64 and abs(x - 2.0) < 1e-12
    x32 = root(lambda x, a: x * x - a, np.float32(1.0), np.float32(2.0))
    assert x32.dtype == np.float32 and abs(x32 - np.sqrt(2.0)) < 1e-6


def test_implicit_example_prints_agreement():
    out = run_example("implicit.py")
    errs = _floats(r"max error vs closed form:\s+([0-9.eE+-]+)", out)
    assert len(errs) == 3 and max(errs) < 1e-10, out
    assert "1 while" in out and "1 linear_call" in out, out
