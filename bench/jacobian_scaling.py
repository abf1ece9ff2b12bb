"""How jacfwd and jacrev of f(x) = tanh(W @ x) * x grow with N (issue 4's measurement).

Each Jacobian is one batched evaluation of the rewritten program, so its cost should grow
like one N x N matmul plus O(N^2) elementwise work — the closed form's own growth — and not
like N separate passes. For N = 50 .. 800 we print the median time of functrans (un-jitted
and jitted) and of the closed-form NumPy Jacobian diag(tanh(Wx)) + diag(x (1 - tanh^2(Wx))) W,
their ratio, and the growth factor from the previous N (x2 in N: ~x4 for O(N^2), ~x8 for
O(N^3)). Results are checked against the closed form.

Run:  python bench/jacobian_scaling.py
"""
from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import functools
import sys

import numpy as np
from _timing import interleaved_medians

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import functrans as ft
import functrans.numpy as fnp


def closed_form(w, x):
    t = np.tanh(w @ x)
    return np.diag(t) + (x * (1 - t * t))[:, None] * w


def main(sizes=(50, 100, 200, 400, 800), repeats=9):
    rng = np.random.default_rng(0)
    print(f"{'N':>5} {'numpy ms':>9} | {'jacfwd':>8} {'x':>6} {'grow':>5} | {'jacrev':>8} {'x':>6}"
          f" {'grow':>5} | {'jit fwd':>8} {'x':>6} | {'jit rev':>8} {'x':>6}")
    prev = None
    for n in sizes:
        w = rng.standard_normal((n, n)) / np.sqrt(n)
        x = rng.standard_normal(n)

        def f(x, w=w):
            return fnp.tanh(w @ x) * x

        jf, jr = ft.jit(ft.jacfwd(f)), ft.jit(ft.jacrev(f))
        fns = {"numpy": functools.partial(closed_form, w, x),
               "fwd": functools.partial(ft.jacfwd(f), x),
               "rev": functools.partial(ft.jacrev(f), x),
               "jfwd": functools.partial(jf, x), "jrev": functools.partial(jr, x)}
        ref = closed_form(w, x)
        for name, fn in fns.items():
            np.testing.assert_allclose(fn(), ref, rtol=1e-10, atol=1e-12, err_msg=name)
            fn()
        med = {k: v * 1e3 for k, v in interleaved_medians(fns, repeats).items()}
        grow = ({k: med[k] / prev[k] for k in med} if prev else {k: float("nan") for k in med})
        print(f"{n:5d} {med['numpy']:9.3f} | {med['fwd']:8.3f} {med['fwd'] / med['numpy']:6.1f}"
              f" {grow['fwd']:5.1f} | {med['rev']:8.3f} {med['rev'] / med['numpy']:6.1f}"
              f" {grow['rev']:5.1f} | {med['jfwd']:8.3f} {med['jfwd'] / med['numpy']:6.1f} |"
              f" {med['jrev']:8.3f} {med['jrev'] / med['numpy']:6.1f}")
        prev = med


if __name__ == "__main__":
    main()
