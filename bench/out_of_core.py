"""Out-of-core logistic-regression gradient on Dask against NumPy in memory (issue 18).

The gradient of the mean logistic loss over ROWS x FEATURES float64 data (by default the
issue's 10 million x 20 = 1.6 GB, in Dask chunks of 1 million rows), computed four ways, each
in a fresh Python process so that its peak resident memory (getrusage's ru_maxrss) is its own:
- `numpy`: the data generated in memory as NumPy arrays, then `jit(grad(loss))` on them (the
  gradient alone is timed, after a warm-up call; the peak includes the data);
- `dask-generate`: a pass over the Dask data computing only X.sum() (the cost of generating
  the data chunk by chunk, which every Dask gradient pays since the data never exist whole);
- `dask-threads`: `jit(grad(loss))` on the Dask arrays, computed by Dask's threaded scheduler
  (2 threads): one process, chunk-wise (the time includes generating the data);
- `dask-cluster`: the same on a `LocalCluster` of 2 worker processes (1 thread each, a memory
  limit each, on the loopback interface): the peaks of the client and of each worker.
Times are the fastest of --repeats runs (the Dask graph is rebuilt for each: `jit` reuses the
traced program, Dask regenerates the data).
Every Dask gradient is checked against the NumPy one (same data: generated from the same
per-chunk seeds). BLAS has one thread.

Run:  python bench/out_of_core.py                       the issue's size (a few minutes)
      python bench/out_of_core.py --rows 1000000 --chunk 100000     a quick run
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"   # before NumPy is imported: one BLAS thread

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)   # run from a checkout without installing

import functrans as ft
import functrans.numpy as fnp
from functrans import nn

CONFIGS = ("numpy", "dask-generate", "dask-threads", "dask-cluster")


def loss(params, X, y):
    z = X @ params["w"] + params["b"]
    return fnp.mean(nn.softplus(z) - y * z)


def _params(features):
    rng = np.random.default_rng(0)
    return {"w": rng.standard_normal(features) / np.sqrt(features), "b": np.array(0.1)}


def _chunk(seed, i, rows, features):
    """Chunk i of the data: the same values in NumPy and in Dask (one generator per chunk)."""
    rng = np.random.default_rng([seed, i])
    X = rng.standard_normal((rows, features))
    y = (rng.random(rows) < 0.5).astype(np.float64)
    return X, y


def _sizes(rows, chunk):
    return [min(chunk, rows - s) for s in range(0, rows, chunk)]


def numpy_data(rows, chunk, features, seed=0):
    X = np.empty((rows, features))
    y = np.empty(rows)
    start = 0
    for i, n in enumerate(_sizes(rows, chunk)):
        X[start:start + n], y[start:start + n] = _chunk(seed, i, n, features)
        start += n
    return X, y


def dask_data(rows, chunk, features, seed=0):
    import dask  # noqa: PLC0415 - the NumPy configuration runs without Dask
    import dask.array as da  # noqa: PLC0415

    xs, ys = [], []
    for i, n in enumerate(_sizes(rows, chunk)):
        part = dask.delayed(_chunk, pure=True)(seed, i, n, features)
        xs.append(da.from_delayed(part[0], (n, features), np.float64))
        ys.append(da.from_delayed(part[1], (n,), np.float64))
    return da.concatenate(xs), da.concatenate(ys)


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: kilobytes


def _fastest(fun, repeats):
    """(result, seconds): the fastest of `repeats` calls."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        out = fun()
        best = min(best, time.perf_counter() - t)
    return out, best


def run_one(config, rows, chunk, features, memory_limit, repeats):
    """One configuration in this process: a JSON line with its figures."""
    params = _params(features)
    grad = ft.jit(ft.grad(loss))
    out = {"config": config}
    if config == "numpy":
        t = time.perf_counter()
        X, y = numpy_data(rows, chunk, features)
        out["generate_s"] = time.perf_counter() - t
        grad(params, X[:10], y[:10])     # trace and optimize once: the timed call runs the plan
        g, out["seconds"] = _fastest(lambda: grad(params, X, y), repeats)
    else:
        import dask  # noqa: PLC0415

        X, y = dask_data(rows, chunk, features)
        if config == "dask-generate":
            _, out["seconds"] = _fastest(
                lambda: X.sum().compute(scheduler="threads", num_workers=2), repeats)
            g = None
        elif config == "dask-threads":
            (g,), out["seconds"] = _fastest(lambda: dask.compute(
                grad(params, X, y), scheduler="threads", num_workers=2), repeats)
        else:
            import distributed  # noqa: PLC0415

            with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                          host="127.0.0.1", dashboard_address=None,
                                          memory_limit=memory_limit,
                                          silence_logs=40) as cluster, \
                    distributed.Client(cluster) as client:
                g, out["seconds"] = _fastest(
                    lambda: client.compute(grad(params, X, y), sync=True), repeats)
                out["worker_peak_mb"] = sorted(client.run(peak_mb).values())
    out["peak_mb"] = peak_mb()
    if g is not None:
        out["grad"] = {k: np.asarray(v).tolist() for k, v in g.items()}
    return out


def _subprocess(config, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--one", config, "--rows", str(args.rows),
           "--chunk", str(args.chunk), "--features", str(args.features),
           "--memory-limit", args.memory_limit, "--repeats", str(args.repeats)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"{config} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _check(results, args):
    ref = next((r["grad"] for r in results if r["config"] == "numpy"), None)
    if ref is None:      # the numpy configuration was not run: NumPy here (not measured)
        X, y = numpy_data(args.rows, args.chunk, args.features)
        ref = {k: np.asarray(v) for k, v in ft.grad(loss)(_params(args.features), X, y).items()}
    for r in results:
        if "grad" in r:
            for k in ref:
                np.testing.assert_allclose(r["grad"][k], ref[k], rtol=1e-12, atol=1e-15,
                                           err_msg=f"{r['config']}: {k}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--memory-limit", default="800MB", help="per worker (dask-cluster)")
    parser.add_argument("--repeats", type=int, default=2, help="the fastest of these is shown")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--one", choices=CONFIGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.rows, args.chunk, args.features,
                                 args.memory_limit, args.repeats)))
        return
    data_mb = args.rows * (args.features + 1) * 8 / 1e6
    print(f"logistic-regression gradient, {args.rows} x {args.features} float64 "
          f"(X and y: {data_mb:.0f} MB), Dask chunks of {args.chunk} rows; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, NumPy {np.__version__}")
    results = []
    for config in args.configs.split(","):
        r = _subprocess(config, args)
        results.append(r)
        extra = ""
        if "generate_s" in r:
            extra = f"  (generating the data in memory: {r['generate_s']:.1f} s)"
        if "worker_peak_mb" in r:
            extra = ("  workers' peaks: " + ", ".join(f"{m:.0f}" for m in r["worker_peak_mb"])
                     + f" MB (limit {args.memory_limit} each)")
        print(f"{config:14s} {r['seconds']:7.2f} s   peak resident {r['peak_mb']:6.0f} MB{extra}",
              flush=True)
    _check(results, args)
    print("every gradient equals NumPy's (rtol 1e-12)")


if __name__ == "__main__":
    main()
