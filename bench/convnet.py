"""Reverse mode through convolutions (issue 17's measurement): a convnet against hand-written
im2col backpropagation.

The network: a batch of 32 one-channel 28x28 images, two 3x3 'SAME' convolutions of 16
channels with bias and relu, global average pooling, a 16 -> 10 dense layer and the mean
softmax cross-entropy. Its gradient with respect to all six parameters is computed
  * by hand in NumPy, channels last inside: im2col (a strided view copied into a matrix)
    and one matmul per layer forward; backward, the kernel gradient as one matmul with the
    columns and the input gradient as one matmul and a col2im scatter-add of 9 shifted
    slices (the reference);
  * by `ft.grad` of the loss written with `lax.conv_general_dilated` (NCHW / OIHW), traced
    and transformed on every call (un-jitted style: the program cache holds the rewrite);
  * by `ft.jit(ft.grad(...))`.
Results are checked against the reference before timing. Times are medians of interleaved
runs; BLAS is pinned to one thread.

Run:  python bench/convnet.py [repeats]
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
import functrans.nn as nn
import functrans.numpy as fnp

BATCH, SIZE, CHANNELS, CLASSES = 32, 28, 16, 10


def init(rng: np.random.Generator) -> dict:
    return {"w1": rng.standard_normal((CHANNELS, 1, 3, 3)) / 3.0,
            "b1": np.zeros(CHANNELS),
            "w2": rng.standard_normal((CHANNELS, CHANNELS, 3, 3)) / 12.0,
            "b2": np.zeros(CHANNELS),
            "wo": rng.standard_normal((CHANNELS, CLASSES)) / 4.0,
            "bo": np.zeros(CLASSES)}


def loss(params: dict, x, labels):
    """Mean cross-entropy; x is (N, 1, 28, 28), labels (N, 10) one-hot."""
    h = lax.conv_general_dilated(x, params["w1"], (1, 1), "SAME")
    h = nn.relu(h + params["b1"][:, None, None])
    h = lax.conv_general_dilated(h, params["w2"], (1, 1), "SAME")
    h = nn.relu(h + params["b2"][:, None, None])
    logits = fnp.mean(h, axis=(2, 3)) @ params["wo"] + params["bo"]
    return -fnp.mean(fnp.sum(labels * nn.log_softmax(logits), axis=-1))


# --------------------------------------------------------------------------- by hand


def _im2col(x: np.ndarray) -> np.ndarray:
    """(N, H, W, C) -> (N*H*W, 9*C): the 3x3 windows of the zero-padded input, one a row
    (columns ordered kernel row, kernel column, channel)."""
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    s = xp.strides
    windows = np.lib.stride_tricks.as_strided(xp, (n, h, w, 3, 3, c),
                                              (s[0], s[1], s[2], s[1], s[2], s[3]))
    return windows.reshape(n * h * w, 9 * c)


def _col2im(dcols: np.ndarray, shape: tuple) -> np.ndarray:
    """The transpose of `_im2col`: each window's entries added back where they came from."""
    n, h, w, c = shape
    d = dcols.reshape(n, h, w, 3, 3, c)
    dxp = np.zeros((n, h + 2, w + 2, c))
    for i in range(3):
        for j in range(3):
            dxp[:, i:i + h, j:j + w] += d[:, :, :, i, j]
    return dxp[:, 1:-1, 1:-1]


def _matrix(w: np.ndarray) -> np.ndarray:
    """An OIHW kernel as the (O, 9*I) matrix matching `_im2col`'s columns."""
    return w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)


def _kernel(dw: np.ndarray, shape: tuple) -> np.ndarray:
    """The inverse of `_matrix`."""
    o, i, kh, kw = shape
    return dw.reshape(o, kh, kw, i).transpose(0, 3, 1, 2)


def numpy_grad(params: dict, x: np.ndarray, labels: np.ndarray) -> dict:
    """The gradient of `loss`, by hand (channels last inside: activations as (N*H*W, C))."""
    n, hw = x.shape[0], SIZE * SIZE
    cols1 = _im2col(x.transpose(0, 2, 3, 1))
    z1 = cols1 @ _matrix(params["w1"]).T + params["b1"]
    a1 = np.maximum(z1, 0.0)
    cols2 = _im2col(a1.reshape(n, SIZE, SIZE, CHANNELS))
    w2m = _matrix(params["w2"])
    z2 = cols2 @ w2m.T + params["b2"]
    a2 = np.maximum(z2, 0.0)
    pooled = a2.reshape(n, hw, CHANNELS).mean(axis=1)
    logits = pooled @ params["wo"] + params["bo"]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dlogits = (p - labels) / n
    dpooled = dlogits @ params["wo"].T
    dz2 = np.broadcast_to(dpooled[:, None, :] / hw, (n, hw, CHANNELS)).reshape(n * hw, -1)
    dz2 = dz2 * (z2 > 0)
    da1 = _col2im(dz2 @ w2m, (n, SIZE, SIZE, CHANNELS))
    dz1 = da1.reshape(n * hw, CHANNELS) * (z1 > 0)
    return {"w1": _kernel(dz1.T @ cols1, params["w1"].shape), "b1": dz1.sum(axis=0),
            "w2": _kernel(dz2.T @ cols2, params["w2"].shape), "b2": dz2.sum(axis=0),
            "wo": pooled.T @ dlogits, "bo": dlogits.sum(axis=0)}


def data(rng: np.random.Generator, n: int = BATCH) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((n, 1, SIZE, SIZE))
    labels = np.eye(CLASSES)[rng.integers(0, CLASSES, n)]
    return x, labels


def main(repeats: int = 21) -> None:
    rng = np.random.default_rng(0)
    params = init(rng)
    x, labels = data(rng)
    grad = ft.grad(loss)
    jit_grad = ft.jit(ft.grad(loss))
    ref = numpy_grad(params, x, labels)
    for got in (grad(params, x, labels), jit_grad(params, x, labels)):
        for k in ref:
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-9, atol=1e-12, err_msg=k)
    runs = {"numpy": lambda: numpy_grad(params, x, labels),
            "grad": lambda: grad(params, x, labels),
            "jit": lambda: jit_grad(params, x, labels)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeats):
        for k, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"convnet: batch {BATCH}, {SIZE}x{SIZE}, two 3x3 SAME convolutions of {CHANNELS} "
          f"channels + relu, mean pool, dense {CHANNELS}->{CLASSES}, softmax cross-entropy; "
          f"gradient w.r.t. all parameters; medians of {repeats} interleaved runs")
    print(f"  NumPy im2col by hand   {med['numpy'] * 1e3:8.3f} ms")
    print(f"  ft.grad (traced)       {med['grad'] * 1e3:8.3f} ms   "
          f"{med['grad'] / med['numpy']:5.2f}x NumPy")
    print(f"  ft.jit(ft.grad)        {med['jit'] * 1e3:8.3f} ms   "
          f"{med['jit'] / med['numpy']:5.2f}x NumPy")
    print("  results agree with the NumPy reference (rtol 1e-9)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
