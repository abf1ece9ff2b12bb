"""The timing loop the benchmark scripts share: interleaved calls, medians.

Each round calls every function once, in order, so that a slow spell of the shared machine
hits all of them alike; the median of each function's rounds is its time. Imported by the
scripts in bench/ (run as `python bench/<script>.py`, which puts this directory on the path).
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved_medians(funs: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """The median time in seconds of each function of `funs` over `repeats` interleaved
    rounds."""
    times: dict[str, list[float]] = {k: [] for k in funs}
    for _ in range(repeats):
        for name, f in funs.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}
