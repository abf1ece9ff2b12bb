"""Hamiltonian Monte Carlo with `grad` and explicit PRNG keys: sample a correlated 2-D
Gaussian.

Each step draws a momentum with `random.normal`, runs a leapfrog integrator whose forces
are `grad` of the log density, and accepts or rejects with `random.uniform` (Metropolis).
The key is split once per step, so the chain is reproducible; the whole step (integrator,
acceptance test and key split) is one `jit` program carried through `lax.scan`.

Run:  python examples/hmc.py
"""
import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import lax, random

MEAN = np.array([1.0, -2.0])
COV = np.array([[1.0, 0.8], [0.8, 1.5]])
PRECISION = np.linalg.inv(COV)


def log_density(x):
    d = x - MEAN
    return -0.5 * d @ PRECISION @ d


grad_log_density = ft.grad(log_density)


def leapfrog(x, p, step_size, n_steps):
    """Symplectic integration of H(x, p) = -log_density(x) + |p|^2 / 2."""
    p = p + 0.5 * step_size * grad_log_density(x)

    def body(_, state):
        x, p = state
        x = x + step_size * p
        p = p + step_size * grad_log_density(x)
        return x, p

    x, p = lax.fori_loop(0, n_steps - 1, body, (x, p))
    x = x + step_size * p
    p = p + 0.5 * step_size * grad_log_density(x)
    return x, p


def hmc_step(state, _):
    key, x = state
    key, k_momentum, k_step, k_accept = random.split(key, 4)
    p0 = random.normal(k_momentum, (2,))
    # A jittered step size: a fixed trajectory length can resonate with the target's
    # periods (here about half the period of its stiff direction) and mix badly.
    step_size = random.uniform(k_step, minval=0.15, maxval=0.45)
    x1, p1 = leapfrog(x, p0, step_size, 8)
    energy0 = -log_density(x) + 0.5 * fnp.sum(p0 * p0)
    energy1 = -log_density(x1) + 0.5 * fnp.sum(p1 * p1)
    accept = fnp.log(random.uniform(k_accept)) < energy0 - energy1
    x = fnp.where(accept, x1, x)
    return (key, x), (x, accept)


def main():
    n_samples = 400
    run = ft.jit(lambda key, x0: lax.scan(hmc_step, (key, x0), None, length=n_samples))
    (_, _), (xs, accepted) = run(random.PRNGKey(0), np.zeros(2))
    xs, accepted = np.asarray(xs), np.asarray(accepted)
    burned = xs[50:]
    print(f"samples: {n_samples}, leapfrog steps per sample: 8, step size jittered in [0.15, 0.45)")
    print(f"acceptance rate: {accepted.mean():.3f}")
    print(f"sample mean: {np.round(burned.mean(axis=0), 3)}   (target {MEAN})")
    print(f"sample covariance:\n{np.round(np.cov(burned.T), 3)}\n(target\n{COV})")
    print(f"max error of the mean: {np.max(np.abs(burned.mean(axis=0) - MEAN)):.3f}")


if __name__ == "__main__":
    main()
