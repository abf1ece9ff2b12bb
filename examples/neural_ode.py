"""A neural ODE: fit the vector field of an ODE to an observed trajectory.

The data come from a damped oscillator, dx/dt = v, dv/dt = -2 x - 0.3 v. The model is
dy/dt = MLP(y) (2 -> 16 -> 2, tanh), integrated by `functrans.ode.odeint`; the loss is the mean
squared distance to the observed states. Gradients come from the adjoint method (the augmented
system integrated backwards: memory independent of the number of steps). Before training, the
adjoint gradient is checked against the gradient through the unrolled solver
(`adjoint=False`), which stores every step.

Run:  python examples/neural_ode.py
"""
import time

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans.ode import odeint

T = np.linspace(0.0, 3.0, 16)
Y0 = np.array([1.0, 0.0])
TOL = dict(rtol=1e-6, atol=1e-6)


def oscillator(y, t):
    return fnp.stack([y[1], -2.0 * y[0] - 0.3 * y[1]])


def mlp(y, t, params):
    w1, b1, w2, b2 = params
    return fnp.tanh(y @ w1 + b1) @ w2 + b2


def loss(params, observed, adjoint=True):
    ys = odeint(mlp, Y0, T, params, adjoint=adjoint, **TOL)
    return fnp.mean((ys - observed) ** 2)


def main():
    observed = odeint(oscillator, Y0, T, rtol=1e-10, atol=1e-10)
    rng = np.random.default_rng(0)
    params = (0.5 * rng.standard_normal((2, 16)), np.zeros(16),
              0.5 * rng.standard_normal((16, 2)), np.zeros(2))

    t0 = time.perf_counter()
    g_adj = ft.grad(loss)(params, observed)
    t1 = time.perf_counter()
    g_unr = ft.grad(lambda p, o: loss(p, o, adjoint=False))(params, observed)
    t2 = time.perf_counter()
    diff = max(np.max(np.abs(a - u)) / np.max(np.abs(u)) for a, u in zip(g_adj, g_unr, strict=True))
    print(f"adjoint vs unrolled gradient, max relative difference: {diff:.2e} "
          f"(adjoint {t1 - t0:.2f} s, unrolled {t2 - t1:.2f} s)")

    # Adam on the parameters, the gradient jitted once.
    grad_fn = ft.jit(ft.value_and_grad(loss))
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for step in range(1, 61):
        value, g = grad_fn(params, observed)
        m = [0.9 * a + 0.1 * b for a, b in zip(m, g, strict=True)]
        v = [0.999 * a + 0.001 * b * b for a, b in zip(v, g, strict=True)]
        params = tuple(p - 0.02 * (a / (1 - 0.9 ** step)) / (np.sqrt(b / (1 - 0.999 ** step))
                                                             + 1e-8)
                       for p, a, b in zip(params, m, v, strict=True))
        if step == 1 or step % 10 == 0:
            print(f"step {step:3d} loss {float(value):.6f}")
    print(f"final loss {float(loss(params, observed)):.6f}")


if __name__ == "__main__":
    main()
