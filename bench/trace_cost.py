"""Tracing cost per call and per equation of functrans.numpy functions (issue 12's measure).

`make_jaxpr` of a chain of 1,000 calls of one function on a length-10 array; microseconds per
call and per recorded equation, and the ratio to `sin` (one elementwise equation per call).
A function far above `sin` per equation spends its time outside the equations it records
(argument checks, promotion, Python-level normalization): a defect to fix.
Medians of interleaved runs; tracing is pure Python, so BLAS threads do not matter.

Run:  python bench/trace_cost.py
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import functrans as ft
import functrans.numpy as fnp

_PERM = np.arange(10)[::-1].copy()

FUNCTIONS = {
    "sin": fnp.sin,
    "roll": lambda x: fnp.roll(x, 3),
    "cumsum": fnp.cumsum,
    "sort": fnp.sort,
    "cumprod": fnp.cumprod,
    "diff": lambda x: fnp.pad(fnp.diff(x), (0, 1)),
    "take_along_axis": lambda x: fnp.take_along_axis(x, _PERM, axis=0),
    "searchsorted": lambda x: x + fnp.searchsorted(x, x),
    "unique(size=10)": lambda x: fnp.unique(x, size=10),
    "quantile": lambda x: x + fnp.quantile(x, 0.3),
    "pad(reflect)": lambda x: fnp.pad(x, 2, mode="reflect")[2:-2],
}


def chain(f, n):
    def run(x):
        for _ in range(n):
            x = f(x)
        return x
    return run


def measure(names=None, n: int = 1000, repeats: int = 7) -> dict[str, tuple[float, float]]:
    x = np.linspace(0.0, 1.0, 10)
    names = names or list(FUNCTIONS)
    times: dict[str, list[float]] = {k: [] for k in names}
    eqns: dict[str, int] = {}
    for _ in range(repeats):
        for name in names:
            fun = chain(FUNCTIONS[name], n)
            t = time.perf_counter()
            closed = ft.make_jaxpr(fun)(x)
            times[name].append(time.perf_counter() - t)
            eqns[name] = len(closed.jaxpr.eqns)
    return {k: (statistics.median(v) * 1e6 / n, eqns[k] / n) for k, v in times.items()}


def main() -> None:
    res = measure()
    base = res["sin"][0]
    print("make_jaxpr of a 1,000-call chain on a length-10 array (median of 7 interleaved):")
    print(f"  {'function':<13}{'us/call':>9}{'eqns/call':>11}{'us/eqn':>9}{'x sin/eqn':>11}")
    for name, (per_call, per_eqns) in res.items():
        per_eqn = per_call / max(per_eqns, 1e-9)
        print(f"  {name:<13}{per_call:9.1f}{per_eqns:11.1f}{per_eqn:9.1f}{per_eqn / base:11.2f}")


if __name__ == "__main__":
    main()
