"""odeint's reverse mode (issue 17's measurement): memory and time, adjoint against unrolled.

The system is 32 pendulums, dq/dt = p, dp/dt = -w^2 sin(q) - c p (w and c parameters,
the state of size 64; not chaotic, so the adjoint's backward reconstruction of y is stable),
integrated with rtol = atol = 1e-8 from t = 0 to T and to 10 T (about ten times as many
steps; the step counts are SciPy's RK45, the same Dormand-Prince pair, at the same
tolerances). The loss is
sum(y(T)^2) and its gradient with respect to (w, c, y0) is taken
  * by the adjoint method (`odeint`, the default): the augmented system integrated backwards;
  * through the unrolled solver (`odeint(..., adjoint=False)`): reverse mode through the
    while loop, which stores every step's residuals.
Memory is the peak of Python allocations (tracemalloc, NumPy's included) during one gradient
call after a warm-up call; time is the median of `repeats` un-jitted calls. Both gradients
are checked to agree.

Run:  python bench/odeint_adjoint.py [repeats]
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"   # before NumPy is imported: one BLAS thread

import statistics
import sys
import time
import tracemalloc

import numpy as np
from scipy.integrate import solve_ivp

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import functrans as ft
import functrans.numpy as fnp
from functrans.ode import odeint

N, T, TOL = 32, 5.0, 1e-8


def field(y, t, w, c):
    q, p = y[:N], y[N:]
    return fnp.concatenate([p, -w ** 2 * fnp.sin(q) - c * p])


def loss(w, b, y0, horizon, adjoint):
    ys = odeint(field, y0, np.array([0.0, horizon]), w, b, rtol=TOL, atol=TOL, adjoint=adjoint)
    return fnp.sum(ys[-1] ** 2)


def gradient(w, b, y0, horizon, adjoint):
    return ft.grad(lambda w, b, y0: loss(w, b, y0, horizon, adjoint), argnums=(0, 1, 2))(w, b,
                                                                                       y0)


def steps(w, b, y0, horizon) -> int:
    sol = solve_ivp(lambda t, y: np.concatenate([y[N:], -w ** 2 * np.sin(y[:N]) - b * y[N:]]),
                    (0.0, horizon), y0,
                    method="RK45", rtol=TOL, atol=TOL)
    return int(sol.nfev) // 6


def measure(fn, repeats: int) -> tuple[float, float, object]:
    fn()   # warm: programs traced and cached, so the peak is the evaluation's
    tracemalloc.start()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return peak / 2 ** 20, statistics.median(times), out


def main(repeats: int = 3) -> list[tuple]:
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, N)
    b = np.float64(0.01)
    y0 = np.concatenate([rng.uniform(-1.0, 1.0, N), np.zeros(N)])
    rows = []
    print(f"{'horizon':>8} {'~steps':>7} {'adjoint MiB':>12} {'unrolled MiB':>13} "
          f"{'adjoint s':>10} {'unrolled s':>11}")
    for horizon in (T, 10 * T):
        adj = measure(lambda h=horizon: gradient(w, b, y0, h, True), repeats)
        unr = measure(lambda h=horizon: gradient(w, b, y0, h, False), repeats)
        # Two discretizations of the same derivative: they agree to about the tolerance
        # times the sensitivity's growth.
        diff = max(np.max(np.abs(a - u)) / np.max(np.abs(u))
                   for a, u in zip(adj[2], unr[2], strict=True))
        assert diff < 1e-3, f"adjoint and unrolled gradients differ by {diff:.1e}"
        n = steps(w, b, y0, horizon)
        rows.append((horizon, n, adj[0], unr[0], adj[1], unr[1]))
        print(f"{horizon:8.1f} {n:7d} {adj[0]:12.2f} {unr[0]:13.2f} {adj[1]:10.3f} "
              f"{unr[1]:11.3f}   (max relative difference {diff:.1e})")
    (_, n1, a1, u1, _, _), (_, n2, a2, u2, _, _) = rows
    print(f"{n2 / n1:.1f}x the steps: adjoint memory x{a2 / a1:.2f}, unrolled memory "
          f"x{u2 / u1:.2f}")
    return rows


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
