"""Least squares, and how its solution moves with the data: `lstsq`, `solve`, `qr` and their
derivatives.

A cubic is fitted to noisy samples three ways (the SVD-based `lstsq`, the normal equations
with `solve`, and a QR factorization with a triangular solve); all agree. The solution is a
linear function of the targets y, and its Jacobian `jacrev(fit)(y)` is the pseudo-inverse of
the design matrix, which `pinv` computes independently. Finally `grad` with respect to the
sample positions x (the design matrix depends on them non-linearly) is checked against
central differences.

Run:  python examples/least_squares.py
"""
import numpy as np

import functrans as ft
import functrans.numpy as fnp
import functrans.scipy.linalg as fsl


def design(x, degree=3):
    return fnp.vander(x, degree + 1)


def fit_lstsq(x, y):
    return fnp.linalg.lstsq(design(x), y)[0]


def fit_normal_equations(x, y):
    a = design(x)
    return fnp.linalg.solve(a.T @ a, a.T @ y)


def fit_qr(x, y):
    q, r = fnp.linalg.qr(design(x))
    return fsl.solve_triangular(r, q.T @ y)


def main():
    rng = np.random.default_rng(1)
    x = np.linspace(-1.0, 1.0, 40)
    y = 0.5 * x ** 3 - x + 0.25 + 0.05 * rng.standard_normal(x.shape)
    fits = {f.__name__: f(x, y) for f in (fit_lstsq, fit_normal_equations, fit_qr)}
    for name, c in fits.items():
        print(f"{name:22s} {np.array2string(c, precision=4)}")
    spread = max(np.max(np.abs(c - fits["fit_lstsq"])) for c in fits.values())
    print(f"largest difference between the three fits: {spread:.1e}")

    jac = ft.jacrev(fit_lstsq, argnums=1)(x, y)           # d coefficients / d y
    pinv = fnp.linalg.pinv(design(x))
    print(f"jacrev(fit)(y) equals pinv(A): max difference {np.max(np.abs(jac - pinv)):.1e}")

    residual = lambda x: fnp.sum((design(x) @ fit_lstsq(x, y) - y) ** 2)  # noqa: E731
    g = ft.grad(residual)(x)
    eps, i = 1e-6, 7
    e = np.zeros_like(x)
    e[i] = eps
    fd = (residual(x + e) - residual(x - e)) / (2 * eps)
    print(f"d residual / d x[{i}]: grad {g[i]:.6f}, central difference {fd:.6f}")


if __name__ == "__main__":
    main()
