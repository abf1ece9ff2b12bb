"""Per-example gradients with `vmap(grad(...))`: one gradient per training example.

`grad(loss)` gives the gradient of one example's loss; `vmap` maps it over the batch axis of
the data while sharing the parameters (`in_axes=(None, 0, 0)`), in one batched program
instead of a Python loop. Per-example gradients are what differentially private SGD clips,
and what gradient-noise and influence diagnostics look at.

Run:  python examples/per_example_grads.py
"""
import time

import numpy as np

import functrans as ft
import functrans.numpy as fnp


def example_loss(params, x, y):
    """Logistic loss of one example: x has shape (d,), y is 0.0 or 1.0."""
    logit = fnp.dot(params["w"], x) + params["b"]
    # log(1 + e^z) - y z, written with logaddexp to stay finite for large |z|
    return fnp.logaddexp(0.0, logit) - y * logit


def batch_loss(params, xs, ys):
    return fnp.mean(ft.vmap(example_loss, in_axes=(None, 0, 0))(params, xs, ys))


def main():
    rng = np.random.default_rng(0)
    n, d = 256, 8
    xs = rng.standard_normal((n, d))
    true_w = rng.standard_normal(d)
    ys = (xs @ true_w + 0.5 * rng.standard_normal(n) > 0).astype(np.float64)
    params = {"w": 0.1 * rng.standard_normal(d), "b": np.array(0.0)}

    per_example = ft.jit(ft.vmap(ft.grad(example_loss), in_axes=(None, 0, 0)))
    grads = per_example(params, xs, ys)   # a dict like params, each leaf with a batch axis
    print("per-example gradient shapes:", {k: v.shape for k, v in grads.items()})

    start = time.perf_counter()
    grads = per_example(params, xs, ys)
    t_vmap = time.perf_counter() - start
    start = time.perf_counter()
    looped = [ft.grad(example_loss)(params, xs[i], ys[i]) for i in range(n)]
    t_loop = time.perf_counter() - start
    diff = max(np.abs(grads["w"] - np.stack([g["w"] for g in looped])).max(),
               np.abs(grads["b"] - np.stack([g["b"] for g in looped])).max())
    print(f"max difference from a Python loop: {diff:.3e}")
    print(f"time: vmap {1e3 * t_vmap:.2f} ms, loop over {n} examples {1e3 * t_loop:.1f} ms")

    # The mean of the per-example gradients is the gradient of the mean loss.
    full = ft.grad(batch_loss)(params, xs, ys)
    mean_diff = np.abs(grads["w"].mean(axis=0) - full["w"]).max()
    print(f"mean of per-example gradients vs grad of mean loss: {mean_diff:.3e}")

    # DP-SGD style clipping: each example's gradient is scaled to norm <= 1 before averaging.
    norms = np.sqrt(np.sum(grads["w"] ** 2, axis=1) + grads["b"] ** 2)
    print(f"per-example gradient norms: min {norms.min():.3f}, median {np.median(norms):.3f}, "
          f"max {norms.max():.3f}")
    scale = np.minimum(1.0, 1.0 / norms)
    clipped = (grads["w"] * scale[:, None]).mean(axis=0)
    print("clipped mean gradient (w):", np.round(clipped, 4))


if __name__ == "__main__":
    main()
