"""Tracing cost of plain NumPy calls on traced values against the same calls through fnp.

`make_jaxpr` of bench/run.py's 1,000-op chain (sin, `* 0.5`, `+ c`) written with `np.sin`
against the same chain with `fnp.sin`; then the chain with every op a function call
(`np.sin`, `np.multiply`, `np.add` against `fnp.`), and with the ndarray `c` on the left
(`c + x`: NumPy's operator calls the ufunc, which dispatches). Medians of interleaved runs.
Target (issue 16): ratio <= 1.3 (dispatch is one extra Python call and a dict lookup).

Run:  python bench/dispatch_cost.py
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
from bench.run import _CHAIN_C, chain_ops


def np_chain_ops(x, n: int, c=_CHAIN_C):
    """bench/run.py's chain_ops with np.sin instead of fnp.sin."""
    for i in range(n):
        k = i % 3
        if k == 0:
            x = np.sin(x)
        elif k == 1:
            x = x * 0.5
        else:
            x = x + c
    return x


def calls_chain(mod, x, n: int, c=_CHAIN_C):
    """The chain with every op a function of `mod` (numpy or functrans.numpy)."""
    for i in range(n):
        k = i % 3
        if k == 0:
            x = mod.sin(x)
        elif k == 1:
            x = mod.multiply(x, 0.5)
        else:
            x = mod.add(x, c)
    return x


def left_chain(mod, x, n: int, c=_CHAIN_C):
    """The chain with the ndarray on the left of `+` (`c + x`) and `mod.sin`."""
    for i in range(n):
        k = i % 3
        if k == 0:
            x = mod.sin(x)
        elif k == 1:
            x = 0.5 * x
        else:
            x = c + x
    return x


PAIRS = {
    "1,000-op chain (bench/run.py), np.sin vs fnp.sin":
        (lambda x: np_chain_ops(x, 1000), lambda x: chain_ops(x, 1000)),
    "every op a call: np.sin/multiply/add vs fnp.":
        (lambda x: calls_chain(np, x, 1000), lambda x: calls_chain(fnp, x, 1000)),
    "ndarray on the left (c + x), np.sin vs fnp.sin":
        (lambda x: left_chain(np, x, 1000), lambda x: left_chain(fnp, x, 1000)),
}


def main(repeats: int = 15) -> None:
    x = np.linspace(0.0, 1.0, 10)
    print(f"{'make_jaxpr of':52s} {'np ms':>8s} {'fnp ms':>8s} {'ratio':>6s}")
    for name, (f_np, f_fnp) in PAIRS.items():
        assert str(ft.make_jaxpr(f_np)(x)) == str(ft.make_jaxpr(f_fnp)(x))
        times: dict[str, list[float]] = {"np": [], "fnp": []}
        for _ in range(repeats):
            for key, f in (("np", f_np), ("fnp", f_fnp)):
                t0 = time.perf_counter()
                ft.make_jaxpr(f)(x)
                times[key].append(time.perf_counter() - t0)
        a, b = statistics.median(times["np"]), statistics.median(times["fnp"])
        print(f"{name:52s} {a * 1e3:8.2f} {b * 1e3:8.2f} {a / b:6.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
