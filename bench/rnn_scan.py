"""Reverse mode through `lax.scan` (issue 6's measurement): an RNN against hand-written BPTT.

The cell is h = tanh(W h + U x_t + b) with hidden size 64, input size 32, 100 steps, and the
loss is sum(h_T ** 2). Its gradient with respect to (W, U, b) is computed
  * by hand in NumPy: a forward loop keeping the hidden states, then backpropagation through
    time (the reference);
  * by `ft.grad` of the scan, traced and transformed on every call (un-jitted style);
  * by `ft.jit(ft.grad(...))`: traced once, then the cached program (one forward scan that
    stacks the residuals, one reverse scan of the transposed cell).
Results are checked against the reference before timing. Times are medians of interleaved
runs (NumPy, grad, jit grad, NumPy, ...); BLAS is pinned to one thread.

Run:  python bench/rnn_scan.py [repeats]
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"   # before NumPy is imported: one BLAS thread

import statistics
import sys
import time

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp

HIDDEN, INPUT, STEPS = 64, 32, 100


def loss(params, xs):
    w, u, b = params

    def cell(h, x):
        return fnp.tanh(w @ h + u @ x + b), None

    h, _ = lax.scan(cell, fnp.zeros(HIDDEN), xs)
    return fnp.sum(h ** 2)


def numpy_bptt(params, xs):
    """The gradient of `loss` by hand: keep every hidden state, then walk back through time."""
    w, u, b = params
    hs = [np.zeros(HIDDEN)]
    for x in xs:
        hs.append(np.tanh(w @ hs[-1] + u @ x + b))
    dw, du, db = np.zeros_like(w), np.zeros_like(u), np.zeros_like(b)
    dh = 2.0 * hs[-1]
    for t in range(len(xs) - 1, -1, -1):
        da = dh * (1.0 - hs[t + 1] ** 2)   # d tanh = (1 - tanh^2) da
        dw += np.outer(da, hs[t])
        du += np.outer(da, xs[t])
        db += da
        dh = w.T @ da
    return dw, du, db


def main(repeats: int = 21) -> None:
    rng = np.random.default_rng(0)
    params = (rng.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN),
              rng.standard_normal((HIDDEN, INPUT)) / np.sqrt(INPUT),
              0.1 * rng.standard_normal(HIDDEN))
    xs = rng.standard_normal((STEPS, INPUT))
    grad = ft.grad(loss)
    jit_grad = ft.jit(ft.grad(loss))
    ref = numpy_bptt(params, xs)
    for got in (grad(params, xs), jit_grad(params, xs)):
        for g, r in zip(got, ref, strict=True):
            np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)
    ir = ft.make_jaxpr(grad)(params, xs)
    scans = [e.params["reverse"] for e in ir.eqns if e.primitive.name == "scan"]
    assert scans == [False, True], scans
    runs = {"numpy": lambda: numpy_bptt(params, xs), "grad": lambda: grad(params, xs),
            "jit": lambda: jit_grad(params, xs)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeats):
        for k, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"RNN h = tanh(W h + U x + b): hidden {HIDDEN}, input {INPUT}, {STEPS} steps; "
          f"gradient of sum(h_T^2) w.r.t. (W, U, b); medians of {repeats} interleaved runs")
    print(f"  NumPy BPTT by hand     {med['numpy'] * 1e3:8.3f} ms")
    print(f"  ft.grad (traced)       {med['grad'] * 1e3:8.3f} ms   "
          f"{med['grad'] / med['numpy']:5.2f}x NumPy")
    print(f"  ft.jit(ft.grad)        {med['jit'] * 1e3:8.3f} ms   "
          f"{med['jit'] / med['numpy']:5.2f}x NumPy")
    print("  results agree with the NumPy reference (rtol 1e-10); gradient IR: one forward "
          "and one reverse scan")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
