"""Logistic-regression gradients over a data set larger than memory, on a Dask cluster.

The data never exist whole: X (rows x features, float64) is generated chunk by chunk by
`dask.array.random`, and the labels y from X chunk by chunk (a Bernoulli draw with the
probability sigmoid(X @ w_true + b_true)). The loss is the usual mean negative log-likelihood,
written once with `functrans.numpy`; `jit(value_and_grad(loss))` called with the Dask arrays
returns a lazy Dask loss and gradient, whose graph computes per-chunk partial sums and adds them
up (Dask tree reductions). A `LocalCluster` of two worker processes, each with a memory limit,
computes a few gradient-descent steps, and the printed loss falls. Finally the gradient on a
sample of rows is checked against a hand-written NumPy gradient, X.T @ (sigmoid(z) - y) / n,
computed in memory.

By default the run is small (quick: the test suite runs it), and its data fit in memory. The
issue's size, 1.7 GB of data (X and y) on two workers allowed 800 MB each, is
    python examples/out_of_core.py --rows 10000000 --chunk 1000000 --memory-limit 800MB
(a chunk of a million rows is 160 MB, and a worker holds a few at a time: 600 MB each is too
little for chunks that size); bench/out_of_core.py measures it.

Run:  python examples/out_of_core.py
"""
import argparse
import resource
import time

import dask
import dask.array as da
import distributed
import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import nn

FEATURES = 20


def loss(params, X, y):
    """Mean negative log-likelihood of labels y in {0, 1}: softplus(z) - y z, z = X w + b."""
    z = X @ params["w"] + params["b"]
    return fnp.mean(nn.softplus(z) - y * z)


def make_data(rows, chunk, seed=0):
    """X and y as lazy Dask arrays, generated chunk by chunk, and the true parameters."""
    truth = np.random.default_rng(seed)
    w_true = truth.standard_normal(FEATURES) / np.sqrt(FEATURES)
    b_true = 0.5
    rs = da.random.default_rng(seed + 1)
    X = rs.standard_normal((rows, FEATURES), chunks=(chunk, FEATURES))
    p = 1.0 / (1.0 + da.exp(-(X @ w_true + b_true)))
    y = (rs.random(rows, chunks=chunk) < p).astype(np.float64)
    return X, y


def numpy_gradient(params, X, y):
    """The in-memory answer: the gradient of the mean logistic loss, by hand."""
    z = X @ params["w"] + params["b"]
    r = 1.0 / (1.0 + np.exp(-z)) - y
    return {"w": X.T @ r / len(y), "b": np.mean(r)}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: kilobytes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--chunk", type=int, default=70_000)
    parser.add_argument("--memory-limit", default="300MB", help="per worker")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--sample", type=int, default=20_000, help="rows checked in NumPy")
    args = parser.parse_args()

    X, y = make_data(args.rows, args.chunk)
    data_mb = (X.nbytes + y.nbytes) / 1e6
    limit_mb = dask.utils.parse_bytes(args.memory_limit) / 1e6
    print(f"data: {args.rows} x {FEATURES} float64 and labels = {data_mb:.0f} MB in "
          f"{len(X.chunks[0])} chunks of {args.chunk} rows; 2 workers with a memory limit of "
          f"{limit_mb:.0f} MB each (data {'larger' if data_mb > 2 * limit_mb else 'smaller'} "
          "than the cluster's memory)")

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  memory_limit=args.memory_limit, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        params = {"w": np.zeros(FEATURES), "b": np.array(0.0)}
        step = ft.jit(ft.value_and_grad(loss))
        start = time.perf_counter()
        for k in range(args.steps):
            value, grad = step(params, X, y)          # lazy: Dask arrays, nothing computed yet
            value, grad = client.compute((value, grad), sync=True)
            print(f"step {k}  loss {float(value):.6f}")
            params = {name: params[name] - 2.0 * grad[name] for name in params}
        seconds = (time.perf_counter() - start) / args.steps
        print(f"seconds per gradient step: {seconds:.2f}")
        workers = client.run(peak_rss_mb)
        print("peak resident memory of the workers (MB): "
              + ", ".join(f"{mb:.0f}" for mb in workers.values()))

        # The in-memory check, on the first `sample` rows.
        Xs, ys = X[:args.sample], y[:args.sample]
        got = client.compute(ft.jit(ft.grad(loss))(params, Xs, ys), sync=True)
        want = numpy_gradient(params, *client.compute((Xs, ys), sync=True))
        diff = max(float(np.max(np.abs(got[k] - want[k]))) for k in want)
        print(f"gradient on a {args.sample}-row sample, max |Dask - NumPy in memory|: {diff:.1e}")
    print(f"peak resident memory of this process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":   # the worker processes import this module: start the cluster once
    main()
