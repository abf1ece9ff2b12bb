"""Forces and the stiffness matrix of a spring chain, from its potential energy alone.

Five masses in the plane, neighbours joined by springs of rest length 1 whose energy is
k/2 s^2 + a/4 s^4 for a stretch s (a hardening spring). The forces are F = -dU/dx (`grad`),
and the stiffness matrix is K = d^2U/dx^2 = jacfwd(grad U): for positions of shape (5, 2) it
has shape (5, 2, 5, 2), the generalized Jacobian convention out.shape + in.shape; reshaped
to (10, 10) it is the usual matrix. Physics gives checks: the net force is zero and K is
symmetric with rigid translations in its null space, whatever the configuration.

Run:  python examples/forces.py
"""
import numpy as np

import functrans as ft
import functrans.numpy as fnp

K_SPRING, A_HARDENING, REST = 1.0, 0.5, 1.0


def energy(x):
    """Potential energy of the chain; x has shape (n_masses, 2)."""
    bonds = x[1:] - x[:-1]
    stretch = fnp.sqrt(fnp.sum(bonds ** 2, axis=1)) - REST
    return fnp.sum(0.5 * K_SPRING * stretch ** 2 + 0.25 * A_HARDENING * stretch ** 4)


def forces(x):
    return -ft.grad(energy)(x)


def central_differences(f, x, eps=1e-6):
    """d f / d x by central differences, with shape f(x).shape + x.shape."""
    out = np.zeros(np.shape(f(x)) + x.shape)
    for idx in np.ndindex(x.shape):
        dx = np.zeros_like(x)
        dx[idx] = eps
        out[(...,) + idx] = (f(x + dx) - f(x - dx)) / (2 * eps)
    return out


def main():
    rng = np.random.default_rng(1)
    n = 5
    x = np.stack([np.arange(n) * 1.1, np.zeros(n)], axis=1) + 0.15 * rng.standard_normal((n, 2))

    print(f"energy: {float(energy(x)):.6f}")
    f = forces(x)
    print("forces F = -grad(U), shape", f.shape, ":\n", np.round(f, 6))
    print(f"net force: {np.abs(f.sum(axis=0)).max():.3e}")
    fd = -central_differences(lambda y: float(energy(y)), x)
    print(f"max |F - finite differences|: {np.abs(f - fd).max():.3e}")

    stiffness = ft.jacfwd(ft.grad(energy))(x)   # = ft.hessian(energy)(x)
    print("stiffness jacfwd(grad U) has shape", stiffness.shape)
    k = stiffness.reshape(2 * n, 2 * n)
    print(f"max |K - K.T|: {np.abs(k - k.T).max():.3e}")
    k_fd = central_differences(lambda y: ft.grad(energy)(y), x).reshape(2 * n, 2 * n)
    print(f"max |K - finite differences|: {np.abs(k - k_fd).max():.3e}")
    translate_x = np.tile([1.0, 0.0], n)
    print(f"|K @ (rigid translation)|: {np.abs(k @ translate_x).max():.3e}")
    print("eigenvalues of K:", np.round(np.linalg.eigvalsh(k), 4))
    print("  (two zeros: the rigid translations; a negative one: compressed springs can buckle)")

    # A small displacement changes the forces by -K dx (to first order).
    dx = 1e-4 * rng.standard_normal((n, 2))
    predicted = f - (k @ dx.ravel()).reshape(n, 2)
    print(f"forces after a small displacement, |predicted - actual|: "
          f"{np.abs(predicted - forces(x + dx)).max():.3e}")


if __name__ == "__main__":
    main()
