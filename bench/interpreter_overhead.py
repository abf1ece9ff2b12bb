"""Interpreter overhead and tracing cost per equation (issue 2's measurement).

A chain of N elementwise equations on a length-10 float64 vector (sin, then mul by a scalar
literal, then add a constant vector, repeating). We time:
  * NumPy alone: the same NumPy calls made directly in a Python loop over a prebuilt list;
  * the interpreter: `eval_jaxpr` on the traced program (compiled plan, reused);
  * tracing: `make_jaxpr` of the chain.
and report (interpreter - NumPy) / N and tracing / N in microseconds, as medians of
interleaved repeats. BLAS threads are pinned to 1 (irrelevant here, but the rule).

Run:  OPENBLAS_NUM_THREADS=1 python bench/interpreter_overhead.py [N]
"""
from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import chain_ops as chain  # the chain of bench/run.py, not summed

import functrans as ft


def numpy_chain(x, n, c):
    calls = [(np.sin, None), (np.multiply, np.float64(0.5)), (np.add, c)]
    for i in range(n):
        f, arg = calls[i % 3]
        x = f(x) if arg is None else f(x, arg)
    return x


def main(n: int = 10_000, repeats: int = 15) -> None:
    x = np.linspace(0.0, 1.0, 10)
    c = np.full(10, 0.01)
    t0 = time.perf_counter()
    closed = ft.make_jaxpr(lambda x: chain(x, n, c))(x)
    first_trace = time.perf_counter() - t0
    assert len(closed.eqns) == n, len(closed.eqns)
    run = lambda: ft.eval_jaxpr(closed.jaxpr, closed.consts, x)  # noqa: E731
    t0 = time.perf_counter()
    out = run()[0]
    first_run = time.perf_counter() - t0   # includes compiling the plan
    np.testing.assert_allclose(out, numpy_chain(x, n, c), rtol=1e-12)
    t_np, t_interp, t_trace = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        numpy_chain(x, n, c)
        t_np.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        run()
        t_interp.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ft.make_jaxpr(lambda x: chain(x, n, c))(x)
        t_trace.append(time.perf_counter() - t0)
    med = statistics.median
    us = 1e6 / n
    print(f"chain of {n} elementwise equations on f64[10], medians of {repeats} interleaved runs")
    print(f"  NumPy calls alone        {med(t_np) * us:7.3f} us/eqn")
    print(f"  interpreter (plan)       {med(t_interp) * us:7.3f} us/eqn")
    print(f"  interpreter overhead     {(med(t_interp) - med(t_np)) * us:7.3f} us/eqn"
          f"   (target < 0.5)")
    print(f"  ratio interpreter/NumPy  {med(t_interp) / med(t_np):7.3f}x")
    print(f"  tracing (make_jaxpr)     {med(t_trace) * us:7.3f} us/eqn")
    print(f"  first trace {first_trace * us:.3f} us/eqn; first run incl. plan compile "
          f"{first_run * us:.3f} us/eqn")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
