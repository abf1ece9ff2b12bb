"""Issue 13's measures: the gradient of a Gaussian-process negative log marginal likelihood
(n = 500 points, 3 log-hyperparameters) against a hand-written NumPy gradient, and `jacrev`
of `solve(A, b)` with respect to b (n = 200) against `np.linalg.inv(A)`.

The hand-written gradient is the textbook one: with K = L Lᵀ, α = K⁻¹ y,
d(-log p)/dθ = ½ tr((K⁻¹ - α αᵀ) ∂K/∂θ), each ∂K/∂θ formed explicitly (it costs one inverse
and three elementwise products of n x n matrices). functrans differentiates the Cholesky and
triangular solves of the likelihood itself. Medians of interleaved runs, BLAS on one thread.

Run:  python bench/gp.py
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys

import numpy as np
from _timing import interleaved_medians

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import functrans as ft
import functrans.numpy as fnp
import functrans.scipy.linalg as fsl


def kernel_np(p, x):
    l2, s2, n2 = np.exp(2 * p)
    d2 = (x[:, None] - x[None, :]) ** 2
    k = s2 * np.exp(-0.5 * d2 / l2)
    return k, d2, l2, s2, n2


def nll_grad_numpy(p, x, y):
    """The hand-written gradient (and value) of the negative log marginal likelihood."""
    k, d2, l2, s2, n2 = kernel_np(p, x)
    kn = k + (n2 + 1e-8) * np.eye(len(x))
    chol = np.linalg.cholesky(kn)
    kinv = np.linalg.inv(kn)
    alpha = kinv @ y
    value = 0.5 * y @ alpha + np.sum(np.log(np.diag(chol))) + 0.5 * len(x) * np.log(2 * np.pi)
    w = kinv - np.outer(alpha, alpha)
    grads = np.array([0.5 * np.sum(w * (k * d2 / l2)),      # d K / d log l
                      0.5 * np.sum(w * (2.0 * k)),            # d K / d log s
                      0.5 * np.trace(w) * 2.0 * n2])          # d K / d log noise
    return value, grads


def nll(p, x, y):
    d2 = (x[:, None] - x[None, :]) ** 2
    k = fnp.exp(2.0 * p[1]) * fnp.exp(-0.5 * d2 / fnp.exp(2.0 * p[0]))
    kn = k + (fnp.exp(2.0 * p[2]) + 1e-8) * np.eye(x.shape[0])
    chol = fnp.linalg.cholesky(kn)
    alpha = fsl.solve_triangular(chol, y, lower=True)
    return (0.5 * fnp.sum(alpha ** 2) + fnp.sum(fnp.log(fnp.diagonal(chol)))
            + 0.5 * x.shape[0] * np.log(2 * np.pi))


def gp(n: int = 500, repeats: int = 9) -> dict:
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-3, 3, n))
    y = np.sin(2 * x) + 0.1 * rng.standard_normal(n)
    p = np.log(np.array([1.0, 1.0, 0.3]))
    vg = ft.value_and_grad(nll)
    vg_jit = ft.jit(vg)
    ref_v, ref_g = nll_grad_numpy(p, x, y)
    for f in (vg, vg_jit):
        v, g = f(p, x, y)
        assert np.allclose(v, ref_v, rtol=1e-9) and np.allclose(g, ref_g, rtol=1e-6), (g, ref_g)
    return interleaved_medians({"numpy": lambda: nll_grad_numpy(p, x, y),
                          "functrans": lambda: vg(p, x, y),
                          "functrans jit": lambda: vg_jit(p, x, y)}, repeats)


def solve_jacobian(n: int = 200, repeats: int = 9) -> dict:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n)) + n ** 0.5 * np.eye(n)
    b = rng.standard_normal(n)
    jac = ft.jacrev(fnp.linalg.solve, argnums=1)
    jac_jit = ft.jit(jac)
    assert np.allclose(jac(a, b), np.linalg.inv(a), atol=1e-10)
    return interleaved_medians({"numpy inv": lambda: np.linalg.inv(a),
                          "jacrev": lambda: jac(a, b),
                          "jacrev jit": lambda: jac_jit(a, b)}, repeats)


def main() -> None:
    t = gp()
    print("value_and_grad of a GP negative log marginal likelihood, n = 500, 3 parameters")
    print(f"  hand-written NumPy  {t['numpy'] * 1e3:7.1f} ms")
    for k in ("functrans", "functrans jit"):
        print(f"  {k:<18s}  {t[k] * 1e3:7.1f} ms   {t[k] / t['numpy']:.2f}x")
    t = solve_jacobian()
    print("jacrev of solve(A, b) w.r.t. b, n = 200, against np.linalg.inv(A)")
    print(f"  np.linalg.inv       {t['numpy inv'] * 1e3:7.2f} ms")
    for k in ("jacrev", "jacrev jit"):
        print(f"  {k:<18s}  {t[k] * 1e3:7.2f} ms   {t[k] / t['numpy inv']:.2f}x")


if __name__ == "__main__":
    main()
