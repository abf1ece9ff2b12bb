"""The cost of a first call: grad of the 1,001-op chain when its program structure is new.

With the program cache on, the first call of a structure builds the cached program (staged
linearization, transpose, optimize) and interprets it, the second compiles its execution plan
(as every program evaluated twice), later calls run it; with it off
(`cache.CACHE.disabled()`), every call builds its program again and runs it once.
Medians of 15 interleaved runs, microseconds per forward op.

Run:  python bench/first_call.py
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import run as bench

import functrans as ft
from functrans import cache


def main(n: int = 1001, repeats: int = 15) -> None:
    x = np.linspace(0.0, 1.0, 10)
    g = ft.grad(lambda x: bench.chain(x, n))
    first, second, warm, off = [], [], [], []
    for _ in range(repeats):
        cache.CACHE.clear()
        t = time.perf_counter()
        g(x)
        first.append(time.perf_counter() - t)
        t = time.perf_counter()
        g(x)
        second.append(time.perf_counter() - t)
        t = time.perf_counter()
        g(x)
        warm.append(time.perf_counter() - t)
        with cache.CACHE.disabled():
            t = time.perf_counter()
            g(x)
            off.append(time.perf_counter() - t)
    per = 1e6 / n
    print(f"grad of the {n}-op chain, us per forward op (median of {repeats}):")
    print(f"  first call (builds the cached program)  {statistics.median(first) * per:6.1f}")
    print(f"  second call (compiles its plan)         {statistics.median(second) * per:6.1f}")
    print(f"  third call (cache hit, compiled plan)   {statistics.median(warm) * per:6.1f}")
    print(f"  program cache off (built every call)    {statistics.median(off) * per:6.1f}")


if __name__ == "__main__":
    main()
