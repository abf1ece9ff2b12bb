"""Newton's method with `grad` and `hessian`: minimize the Rosenbrock function.

f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 has its minimum f = 0 at (1, 1), at the end of a long,
curved, narrow valley where gradient descent crawls. Newton's method solves
H(x) dx = -g(x) each step and converges quadratically once it is close: the number of correct
digits roughly doubles per iteration.

Run:  python examples/newton.py
"""
import numpy as np

import functrans as ft


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x ** 2) ** 2


def main():
    grad_f = ft.jit(ft.grad(rosenbrock))
    hess_f = ft.jit(ft.hessian(rosenbrock))   # jacfwd(jacrev(f)): shape (2,) + (2,)

    p = np.array([-1.2, 1.0])   # the classic starting point
    for it in range(20):
        g = grad_f(p)
        print(f"iteration {it}: x = {p[0]:+.15f}, y = {p[1]:+.15f}, "
              f"f = {float(rosenbrock(p)):.3e}, |grad| {np.linalg.norm(g):.3e}")
        if np.linalg.norm(g) < 1e-12:
            break
        p = p - np.linalg.solve(hess_f(p), g)

    print("Hessian at the minimum:\n", hess_f(p))
    print("its eigenvalues:", np.linalg.eigvalsh(hess_f(p)))
    print(f"distance to the known minimum: {np.linalg.norm(p - np.array([1.0, 1.0])):.3e}")


if __name__ == "__main__":
    main()
