"""Implicit differentiation: derivatives of solutions without differentiating the solver.

When x*(p) solves f(x, p) = 0, the implicit function theorem gives dx*/dp = -(df/dx)^-1 df/dp
at the solution: one linear solve, however many iterations found x*. Three examples, each
checked against its closed form:

1. sqrt(a) by Newton's method (`lax.custom_root`): d sqrt(a)/da = 1 / (2 sqrt(a)).
2. A deep-equilibrium layer z = tanh(W z + b) (`optimize.fixed_point`):
   dz/db = (I - D W)^-1 D with D = diag(1 - z^2).
3. A conjugate-gradient solve A x = b (`lax.custom_linear_solve`): dx/db = A^-1, and the
   gradient in A's scale s of x = (s A)^-1 b is -x / s.

Run:  python examples/implicit.py
"""
import numpy as np

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
from functrans.optimize import fixed_point


def newton(f, x):
    # 30 Newton steps; none of them is differentiated.
    return lax.fori_loop(0, 30, lambda i, x: x - f(x) / ft.grad(f)(x), x)


def sqrt(a):
    return lax.custom_root(lambda x: x ** 2 - a, 1.0, newton, lambda g, y: y / g(1.0))


def conjugate_gradient(matvec, b, iterations=50):
    def step(i, state):
        x, r, p, rr = state
        ap = matvec(p)
        alpha = rr / fnp.maximum(fnp.dot(p, ap), 1e-300)
        x, r = x + alpha * p, r - alpha * ap
        rr_new = fnp.dot(r, r)
        return x, r, r + rr_new / fnp.maximum(rr, 1e-300) * p, rr_new
    x0 = fnp.zeros_like(b)
    return lax.fori_loop(0, iterations, step, (x0, b, b, fnp.dot(b, b)))[0]


def main():
    a = np.array([0.5, 2.0, 9.0, 100.0])
    d_sqrt = ft.vmap(ft.grad(sqrt))(a)
    print("sqrt by Newton:", ft.vmap(sqrt)(a))
    print("d sqrt/da:     ", d_sqrt)
    print(f"max error vs closed form: {np.max(np.abs(d_sqrt - 0.5 / np.sqrt(a))):.2e}")

    rng = np.random.default_rng(0)
    w = 0.4 * rng.standard_normal((4, 4)) / 2.0
    b = rng.standard_normal(4)

    def layer(b):
        return fixed_point(lambda z, b: fnp.tanh(w @ z + b), np.zeros(4), b)

    z = layer(b)
    d = np.diag(1.0 - z ** 2)
    jac = ft.jacrev(layer)(b)
    print("equilibrium z:", z, " residual:", f"{np.max(np.abs(z - np.tanh(w @ z + b))):.1e}")
    closed = np.linalg.solve(np.eye(4) - d @ w, d)
    print(f"max error vs closed form: {np.max(np.abs(jac - closed)):.2e}")
    program = ft.make_jaxpr(ft.grad(lambda b: fnp.sum(layer(b))))(b)
    names = [e.primitive.name for e in program.eqns]
    print(f"gradient program: {names.count('while')} while (the iterations, run once, not "
          f"differentiated), {names.count('linear_call')} linear_call (one linear solve)")

    m = rng.standard_normal((5, 5))
    spd = m @ m.T + 5.0 * np.eye(5)
    rhs = rng.standard_normal(5)

    def solve(rhs, s):
        return lax.custom_linear_solve(lambda x: s * (spd @ x), rhs, conjugate_gradient,
                                       symmetric=True)

    x = solve(rhs, 2.0)
    g_b = ft.jacrev(solve)(rhs, 2.0)
    g_s = ft.jacfwd(solve, argnums=1)(rhs, 2.0)
    err = max(np.max(np.abs(g_b - np.linalg.inv(2.0 * spd))), np.max(np.abs(g_s + x / 2.0)))
    print("CG solution:", x)
    print(f"max error vs closed form: {err:.2e}")


if __name__ == "__main__":
    main()
