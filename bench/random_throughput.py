"""Throughput of `functrans.random.normal(key, (10**6,))` against
`numpy.random.default_rng().normal(size=10**6)`, and where the time goes.

functrans' normal is JAX's, bit for bit: threefry2x32 in NumPy uint32 arithmetic (20 rounds
over all counters at once), 52 random mantissa bits, `uniform`'s fused multiply-add, then
`sqrt(2) * erf_inv(u)` with XLA's polynomial, each Horner step an fma. NumPy has no fma, so
each one is emulated exactly (Dekker's product, two error-free sums, rounding to odd: ~30
array passes instead of 1); NumPy's generator is a ziggurat in C (one pass). The stages are
timed separately, plus the same erf_inv with plain `p * w + c` (what a native fma would cost,
not bit-exact) to show what bounds the ratio. Medians of `repeats` interleaved runs.

Run:  python bench/random_throughput.py [n] [repeats]
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import functrans as ft
from functrans import random
from functrans.primitives import random_bits
from functrans.random import _keys


def _erf_inv_plain(x):
    """XLA's float64 erf_inv with two roundings per Horner step (NumPy's log1p)."""
    w = -np.log1p(-x * x)
    lt625, lt16 = w < 6.25, w < 16.0
    w = np.where(lt625, w - 3.125, np.sqrt(w) - np.where(lt16, 3.25, 5.0))
    a, b, c = random_bits._ERFINV64_A, random_bits._ERFINV64_B, random_bits._ERFINV64_C
    p = np.full(x.shape, a[0])
    for i in range(1, 23):
        coef = np.where(lt625, a[i], b[i] if i < 19 else 0.0)
        if i < 17:
            coef = np.where(lt16, coef, c[i])
        step = p * w + coef
        p = step if i < 17 else np.where(lt16 if i < 19 else lt625, step, p)
    return p * x


def main(n: int = 10**6, repeats: int = 7) -> None:
    key = random.PRNGKey(0)
    rng = np.random.default_rng(0)
    u = random.uniform(key, (n,), minval=np.nextafter(-1.0, 0.0), maxval=1.0)
    hi, lo = _keys._counters((n,))
    jitted = ft.jit(lambda k: random.normal(k, (n,)))
    jitted(key)
    stages = {
        "numpy default_rng().normal": lambda: rng.normal(size=n),
        "functrans random.normal": lambda: random.normal(key, (n,)),
        "functrans jit(random.normal)": lambda: jitted(key),
        "  threefry2x32 (2 x 32 bits)": lambda: random_bits._threefry2x32_impl(
            np.uint32(0), np.uint32(0), hi, lo),
        "  bits -> uniform (fma)": lambda: random.uniform(key, (n,), minval=-1.0),
        "  erf_inv, exact fma": lambda: random_bits._erf_inv_impl(u),
        "  erf_inv, plain mul-add": lambda: _erf_inv_plain(u),
    }
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(repeats):
        for name, f in stages.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["numpy default_rng().normal"])
    print(f"n = {n:,}, median of {repeats} runs, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(f"{'stage':32s} {'ms':>9s} {'x numpy':>9s}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:32s} {1e3 * med:9.2f} {med / base:9.1f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
