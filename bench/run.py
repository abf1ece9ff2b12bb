"""Benchmarks: functrans derivatives, un-jitted and jitted, against hand-written NumPy.

For every workload the same derivative is computed three ways: NumPy code written by hand (the
reference), functrans un-jitted (the function is traced on every call, as in JAX; the
transformation is reused through the program cache when the traced program repeats, and the
"program cache off" rows show calls that transform every time, like a first call), and
`ft.jit` of the functrans function (traced once, then the cached optimized program). Each
result is checked against the reference (assert_allclose) before anything is timed. Times are
medians of interleaved runs (NumPy, functrans, jit, NumPy, ...), so drifts of the machine hit
all three alike; BLAS is pinned to one thread.

Run:  python bench/run.py            the full table (a few minutes)
      python bench/run.py --quick    small sizes, few repeats (a smoke run)
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"   # before NumPy is imported: one BLAS thread

import argparse
import dataclasses
import itertools
import math
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import functrans as ft
import functrans.numpy as fnp
from functrans import cache
from functrans.interpreters import optimize

# Problem sizes: "full" is the table of record, "quick" a smoke run, "tiny" the test suite's.
SIZES = {
    "full": {"mlp": [(128, (64, 256, 256, 10)), (256, (128, 512, 512, 10))], "jac_n": 200,
             "hess": (200, 100), "jac_grad_n": 30, "chain": 1001, "repeats": 15},
    "quick": {"mlp": [(32, (16, 64, 64, 10))], "jac_n": 50, "hess": (50, 25),
              "jac_grad_n": 10, "chain": 201, "repeats": 3},
    "tiny": {"mlp": [(4, (3, 5, 5, 2))], "jac_n": 6, "hess": (7, 5), "jac_grad_n": 4,
             "chain": 31, "repeats": 1},
}


@dataclasses.dataclass
class Workload:
    name: str
    numpy: Callable[[], object] | None     # the hand-written reference (None: none exists)
    functrans: Callable[[], object]        # traced and transformed on every call
    jitted: Callable[[], object] | None    # ft.jit of the same function
    per: int = 0                       # >0: report microseconds per op of a chain of this length
    rtol: float = 1e-10
    atol: float = 1e-12


@dataclasses.dataclass
class Row:
    name: str
    numpy: float
    functrans: float
    jitted: float
    per: int

    def cells(self) -> list[str]:
        if self.per:
            scale, unit = 1e6 / self.per, "us/op"
        else:
            scale, unit = 1e3, "ms"

        def t(x):
            return "-" if math.isnan(x) else f"{x * scale:.3f} {unit}"

        def r(x):
            return "-" if math.isnan(x) or math.isnan(self.numpy) else f"{x / self.numpy:.2f}x"

        return [self.name, t(self.numpy), t(self.functrans), r(self.functrans), t(self.jitted),
                r(self.jitted)]


# --------------------------------------------------------------------------- MLP


def _mlp_params(rng, sizes):
    return [(rng.standard_normal((m, n)) / np.sqrt(m), 0.1 * rng.standard_normal(n))
            for m, n in itertools.pairwise(sizes)]


def mlp_loss(params, x, y):
    """Mean squared error of a tanh MLP (linear last layer)."""
    h = x
    for w, b in params[:-1]:
        h = fnp.tanh(h @ w + b)
    w, b = params[-1]
    return fnp.mean((h @ w + b - y) ** 2)


def mlp_grad_numpy(params, x, y):
    """Backpropagation of `mlp_loss`, by hand."""
    hs = [x]
    for w, b in params[:-1]:
        hs.append(np.tanh(hs[-1] @ w + b))
    w, b = params[-1]
    diff = hs[-1] @ w + b - y
    d = 2.0 * diff / diff.size            # d mean(diff^2) / d out
    grads = []
    for i in range(len(params) - 1, -1, -1):
        w, _ = params[i]
        h = hs[i]
        grads.append((h.T @ d, d.sum(axis=0)))
        if i:
            d = (d @ w.T) * (1.0 - h * h)  # d tanh = (1 - tanh^2) dx
    return grads[::-1]


def _mlp_workload(batch, sizes, rng) -> Workload:
    params = _mlp_params(rng, sizes)
    x = rng.standard_normal((batch, sizes[0]))
    y = rng.standard_normal((batch, sizes[-1]))
    g = ft.grad(mlp_loss)
    jg = ft.jit(g)
    name = f"grad MLP {'-'.join(map(str, sizes))} b{batch}"
    return Workload(name, lambda: mlp_grad_numpy(params, x, y), lambda: g(params, x, y),
                    lambda: jg(params, x, y))


# --------------------------------------------------------------------------- Jacobians


def _tanh_map(w):
    return lambda x: fnp.tanh(w @ x) * x


def _tanh_map_jacobian(w, x):
    """d/dx tanh(W x) * x = diag(tanh(W x)) + diag(x (1 - tanh^2(W x))) W."""
    t = np.tanh(w @ x)
    return np.diag(t) + (x * (1.0 - t * t))[:, None] * w


def _jacobian_workloads(n, rng) -> list[Workload]:
    w = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n)
    out = []
    for name, jac in (("jacfwd", ft.jacfwd), ("jacrev", ft.jacrev)):
        f = jac(_tanh_map(w))
        jf = ft.jit(f)
        out.append(Workload(f"{name} tanh(Wx)*x R^{n}", lambda: _tanh_map_jacobian(w, x),
                            lambda f=f: f(x), lambda jf=jf: jf(x)))
    return out


def _hessian_workload(m, n, rng) -> Workload:
    a = rng.standard_normal((m, n)) / np.sqrt(n)
    x = rng.standard_normal(n)

    def f(x):
        return fnp.sum(fnp.log1p(fnp.exp(a @ x))) + 0.5 * x @ x

    def reference():
        s = 1.0 / (1.0 + np.exp(-(a @ x)))     # sigmoid(A x)
        return a.T @ ((s * (1.0 - s))[:, None] * a) + np.eye(n)

    h = ft.hessian(f)
    jh = ft.jit(h)
    return Workload(f"hessian softplus A{m}x{n}", reference, lambda: h(x), lambda: jh(x))


def _jacobian_norm_grad_numpy(w, x):
    """d/dx sum(J(x)^2) for J the Jacobian of tanh(W x) * x, by hand.

    J_ij = [i=j] t_i + x_i s_i W_ij with t = tanh(W x), s = 1 - t^2, so with a_i = J_ii and
    b_i = sum_j J_ij W_ij, using dt = s W dx and ds = -2 t s W dx:
    grad = 2 W^T (s (a - 2 b x t)) + 2 b s.
    """
    t = np.tanh(w @ x)
    s = 1.0 - t * t
    jac = np.diag(t) + (x * s)[:, None] * w
    a = np.diag(jac)
    b = np.sum(jac * w, axis=1)
    return 2.0 * w.T @ (s * (a - 2.0 * b * x * t)) + 2.0 * b * s


def _jacobian_norm_workload(n, rng) -> Workload:
    w = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n)
    g = ft.grad(lambda x: fnp.sum(ft.jacfwd(_tanh_map(w))(x) ** 2))
    jg = ft.jit(g)
    return Workload(f"grad sum(jacfwd(f)^2) R^{n}", lambda: _jacobian_norm_grad_numpy(w, x),
                    lambda: g(x), lambda: jg(x))


# --------------------------------------------------------------------------- long chains

_CHAIN_C = np.linspace(0.01, 0.02, 10)


def chain_ops(x, n: int, c=_CHAIN_C):
    """n tiny elementwise ops on a vector: sin, scale by 0.5, shift by `c`, repeating."""
    for i in range(n):
        k = i % 3
        if k == 0:
            x = fnp.sin(x)
        elif k == 1:
            x = x * 0.5
        else:
            x = x + c
    return x


def chain(x, n: int):
    """`chain_ops`, summed (the scalar whose gradient is benchmarked)."""
    return fnp.sum(chain_ops(x, n))


def chain_grad_numpy(x, n: int):
    """Forward and backward pass of `chain`, by hand."""
    sin_inputs = []
    for i in range(n):
        k = i % 3
        if k == 0:
            sin_inputs.append(x)
            x = np.sin(x)
        elif k == 1:
            x = x * 0.5
        else:
            x = x + _CHAIN_C
    g = np.ones_like(x)
    for i in range(n - 1, -1, -1):
        k = i % 3
        if k == 0:
            g = g * np.cos(sin_inputs.pop())   # d sin = cos(x) dx
        elif k == 1:
            g = g * 0.5
    return g


def _chain_workload(n) -> Workload:
    x = np.linspace(0.0, 1.0, 10)
    g = ft.grad(lambda x: chain(x, n))
    jg = ft.jit(g)
    return Workload(f"grad {n}-op chain f64[10]", lambda: chain_grad_numpy(x, n),
                    lambda: g(x), lambda: jg(x), per=n)


def _chain_cold_workload(n) -> Workload:
    """The chain's grad with the program cache off: every call traces, transforms (linearize,
    transpose) and evaluates, as the first call of a new program structure does."""
    x = np.linspace(0.0, 1.0, 10)
    g = ft.grad(lambda x: chain(x, n))

    def cold():
        with cache.CACHE.disabled():
            return g(x)

    return Workload("  same, program cache off", lambda: chain_grad_numpy(x, n), cold, None,
                    per=n)


def _chain_trace_workload(n) -> Workload:
    x = np.linspace(0.0, 1.0, 10)
    return Workload(f"make_jaxpr(grad) {n}-op chain", None,
                    lambda: ft.make_jaxpr(ft.grad(lambda x: chain(x, n)))(x), None, per=n)


def _chain_trace_cold_workload(n) -> Workload:
    """make_jaxpr(grad) with the program cache off: trace, linearize, transpose, optimize."""
    x = np.linspace(0.0, 1.0, 10)

    def cold():
        with cache.CACHE.disabled():
            return ft.make_jaxpr(ft.grad(lambda x: chain(x, n)))(x)

    return Workload("  same, program cache off", None, cold, None, per=n)


def optimizer_cost(n: int, repeats: int) -> tuple[float, int, int]:
    """Median microseconds per equation of `optimize` on the raw program that
    `make_jaxpr(grad(chain))` optimizes (the chain, its linearization and transpose, inlined),
    with that program's size before and after."""
    x = np.linspace(0.0, 1.0, 10)
    seen = []
    original = optimize.optimize

    def spy(closed):
        seen.append(closed)
        return original(closed)

    optimize.optimize = spy
    try:
        ft.make_jaxpr(ft.grad(lambda x: chain(x, n)))(x)
    finally:
        optimize.optimize = original
    total = sum(len(c.eqns) for c in seen)
    times = []
    for _ in range(max(repeats, 5)):
        t0 = time.perf_counter()
        outs = [original(c) for c in seen]
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / total * 1e6, total, sum(len(c.eqns) for c in outs)


# --------------------------------------------------------------------------- running


def workloads(size: str) -> list[Workload]:
    s = SIZES[size]
    rng = np.random.default_rng(0)
    out = [_mlp_workload(batch, sizes, rng) for batch, sizes in s["mlp"]]
    out += _jacobian_workloads(s["jac_n"], rng)
    out.append(_hessian_workload(*s["hess"], rng))
    out.append(_jacobian_norm_workload(s["jac_grad_n"], rng))
    out.append(_chain_workload(s["chain"]))
    out.append(_chain_cold_workload(s["chain"]))
    out.append(_chain_trace_workload(s["chain"]))
    out.append(_chain_trace_cold_workload(s["chain"]))
    return out


def check(w: Workload) -> None:
    """The functrans results equal the reference (raises AssertionError otherwise)."""
    if w.numpy is None:
        return
    want = w.numpy()
    for got in [f() for f in (w.functrans, w.jitted) if f is not None]:
        flat_got = ft.tree_util.tree_leaves(got)
        flat_want = ft.tree_util.tree_leaves(want)
        assert len(flat_got) == len(flat_want), w.name
        for a, b in zip(flat_got, flat_want, strict=True):
            np.testing.assert_allclose(a, b, rtol=w.rtol, atol=w.atol, err_msg=w.name)


def measure(w: Workload, repeats: int) -> Row:
    impls = [f for f in (w.numpy, w.functrans, w.jitted) if f is not None]
    for f in impls:
        f()   # warm-up (the jitted function traces and compiles here)
    times: dict = {f: [] for f in impls}
    for _ in range(repeats):
        for f in impls:
            t0 = time.perf_counter()
            f()
            times[f].append(time.perf_counter() - t0)
    med = [statistics.median(times[f]) if f is not None else float("nan")
           for f in (w.numpy, w.functrans, w.jitted)]
    return Row(w.name, *med, w.per)


def run(size: str = "full", repeats: int | None = None, out=None) -> list[Row]:
    """Check and time every workload of `size`, printing one table row each to `out`."""
    out = sys.stdout if out is None else out
    reps = SIZES[size]["repeats"] if repeats is None else repeats
    rows = []
    for w in workloads(size):
        check(w)
        rows.append(measure(w, reps))
        print(_format(rows[-1].cells()), file=out, flush=True)
    return rows


_WIDTHS = (34, 14, 14, 9, 14, 9)
_HEADER = ["workload", "NumPy", "functrans", "/NumPy", "ft.jit", "/NumPy"]


def _format(cells: list[str]) -> str:
    first = cells[0].ljust(_WIDTHS[0])
    return first + "".join(c.rjust(w) for c, w in zip(cells[1:], _WIDTHS[1:], strict=True))


def _git_commit() -> str:
    try:
        sha = subprocess.run(["git", "-C", _ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", _ROOT, "status", "--porcelain"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return sha + ("+uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--size", choices=sorted(SIZES), default="full",
                        help="problem sizes (--quick is --size quick)")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved runs per cell")
    args = parser.parse_args(argv)
    size = "quick" if args.quick else args.size
    reps = SIZES[size]["repeats"] if args.repeats is None else args.repeats
    print(f"functrans {ft.__version__} at commit {_git_commit()}; numpy {np.__version__}; "
          f"python {platform.python_version()}; OPENBLAS_NUM_THREADS="
          f"{os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"median of {reps} interleaved runs; every result checked against the NumPy "
          "reference (assert_allclose)\n")
    print(_format(_HEADER))
    print("-" * sum(_WIDTHS))
    run(size, reps)
    cost, before, after = optimizer_cost(SIZES[size]["chain"], reps)
    print(f"\noptimize(): {cost:.2f} us per equation on make_jaxpr(grad) of the "
          f"{SIZES[size]['chain']}-op chain ({before} equations -> {after})")


if __name__ == "__main__":
    main()
