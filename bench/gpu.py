"""The MLP and Jacobian workloads of bench/run.py on CuPy arrays, on a GPU (issue 18).

The same functrans functions as bench/run.py's (a tanh MLP's gradient; the Jacobian of
tanh(W x) * x forward and reverse; a Hessian; the gradient of a Jacobian's squared norm), called
with CuPy arrays: every parameter and input lives on the device (passed as arguments, not
captured, so nothing is copied from the host per call), and so does every result. Each result is
checked against bench/run.py's hand-written NumPy reference on the host (max relative
difference <= 1e-12, float64; the results must be CuPy arrays) before anything is timed. Times
are medians, with the device synchronized after each call, against the NumPy reference on the
host (one BLAS thread), un-jitted (traced per call) and `jit`.

Run on a machine with an NVIDIA GPU and CUDA 12 (from a checkout):
    pip install -e '.[cupy]' && python bench/gpu.py                 the table of record
    python bench/gpu.py --size quick                                 a smoke run
Without CuPy or a device it exits with a message saying so.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"   # before NumPy is imported: one BLAS thread (the host reference)

import argparse
import dataclasses
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)   # run from a checkout without installing

import functrans as ft
import functrans.numpy as fnp
from functrans import tree_util


def _load_cpu_bench():
    name = "functrans_bench_run"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(_HERE, "run.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module   # dataclasses look their module up while being defined
        spec.loader.exec_module(module)
    return sys.modules[name]


cpu = _load_cpu_bench()
RTOL = 1e-12


@dataclasses.dataclass
class Namespace:
    """An array namespace to run on: how arrays go there and back, and how to wait for it."""
    name: str
    to_device: Callable
    to_host: Callable
    sync: Callable[[], None]
    array_type: type


def cupy_namespace() -> Namespace:
    """CuPy's, or exit saying what is missing."""
    try:
        import cupy  # noqa: PLC0415 - optional: only a GPU machine has it
        count = cupy.cuda.runtime.getDeviceCount()
    except ImportError:
        sys.exit("bench/gpu.py needs CuPy and a CUDA GPU: CuPy is not installed "
                 "(pip install '.[cupy]' on a machine with CUDA 12)")
    except Exception as e:   # CUDA reports a missing driver in several ways
        sys.exit(f"bench/gpu.py needs CuPy and a CUDA GPU: no usable device "
                 f"({type(e).__name__}: {e})")
    if count == 0:
        sys.exit("bench/gpu.py needs CuPy and a CUDA GPU: CuPy finds no device")
    return Namespace("cupy", cupy.asarray, cupy.asnumpy,
                     lambda: cupy.cuda.Device().synchronize(), cupy.ndarray)


@dataclasses.dataclass
class Workload:
    name: str
    reference: Callable[[], object]       # NumPy on the host
    functrans: Callable[[], object]       # on device arrays, traced per call
    jitted: Callable[[], object]          # ft.jit of the same, on device arrays
    ns: Namespace


def _tanh_map(w, x):
    return fnp.tanh(w @ x) * x


def _softplus_sum(a, x):
    return fnp.sum(fnp.log1p(fnp.exp(a @ x))) + 0.5 * x @ x


def _softplus_hessian_numpy(a, x):
    s = 1.0 / (1.0 + np.exp(-(a @ x)))     # sigmoid(A x)
    return a.T @ ((s * (1.0 - s))[:, None] * a) + np.eye(len(x))


def _jacobian_norm(w, x):
    return fnp.sum(ft.jacfwd(_tanh_map, argnums=1)(w, x) ** 2)


def workloads(size: str, ns: Namespace) -> list[Workload]:
    s = cpu.SIZES[size]
    rng = np.random.default_rng(0)
    dev = ns.to_device
    out = []
    for batch, sizes in s["mlp"]:
        params = cpu._mlp_params(rng, sizes)
        x = rng.standard_normal((batch, sizes[0]))
        y = rng.standard_normal((batch, sizes[-1]))
        dparams = tree_util.tree_map(dev, params)
        dx, dy = dev(x), dev(y)
        g, jg = ft.grad(cpu.mlp_loss), ft.jit(ft.grad(cpu.mlp_loss))
        out.append(Workload(f"grad MLP {'-'.join(map(str, sizes))} b{batch}",
                            lambda p=params, x=x, y=y: cpu.mlp_grad_numpy(p, x, y),
                            lambda g=g, p=dparams, x=dx, y=dy: g(p, x, y),
                            lambda jg=jg, p=dparams, x=dx, y=dy: jg(p, x, y), ns))
    n = s["jac_n"]
    w = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n)
    dw, dx = dev(w), dev(x)
    for name, jac in (("jacfwd", ft.jacfwd), ("jacrev", ft.jacrev)):
        f = jac(_tanh_map, argnums=1)
        jf = ft.jit(f)
        out.append(Workload(f"{name} tanh(Wx)*x R^{n}", lambda: cpu._tanh_map_jacobian(w, x),
                            lambda f=f: f(dw, dx), lambda jf=jf: jf(dw, dx), ns))
    m, k = s["hess"]
    a = rng.standard_normal((m, k)) / np.sqrt(k)
    xh = rng.standard_normal(k)
    da, dxh = dev(a), dev(xh)
    h = ft.hessian(_softplus_sum, argnums=1)
    jh = ft.jit(h)
    out.append(Workload(f"hessian softplus A{m}x{k}", lambda: _softplus_hessian_numpy(a, xh),
                        lambda: h(da, dxh), lambda: jh(da, dxh), ns))
    n = s["jac_grad_n"]
    w2 = rng.standard_normal((n, n)) / np.sqrt(n)
    x2 = rng.standard_normal(n)
    dw2, dx2 = dev(w2), dev(x2)
    gn = ft.grad(_jacobian_norm, argnums=1)
    jgn = ft.jit(gn)
    out.append(Workload(f"grad sum(jacfwd(f)^2) R^{n}",
                        lambda: cpu._jacobian_norm_grad_numpy(w2, x2), lambda: gn(dw2, dx2),
                        lambda: jgn(dw2, dx2), ns))
    return out


def check(w: Workload) -> float:
    """The largest relative difference of the device results from the reference; raises if
    one is not an array of the namespace or differs by more than RTOL."""
    want = tree_util.tree_leaves(w.reference())
    worst = 0.0
    for what, fun in (("functrans", w.functrans), ("jit", w.jitted)):
        got = tree_util.tree_leaves(fun())
        assert len(got) == len(want), f"{w.name} ({what}): {len(got)} results"
        for g, r in zip(got, want, strict=True):
            assert isinstance(g, w.ns.array_type), (
                f"{w.name} ({what}): a result is a {type(g).__name__}, not a "
                f"{w.ns.array_type.__name__} (it left the device)")
            g = w.ns.to_host(g)
            np.testing.assert_allclose(g, r, rtol=RTOL, atol=RTOL * np.max(np.abs(r)),
                                       err_msg=f"{w.name} ({what})")
            scale = np.maximum(np.abs(r), np.max(np.abs(r)))
            worst = max(worst, float(np.max(np.abs(g - r) / scale)))
    return worst


def _median_time(fun, sync, repeats) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fun()
        sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(cpu.SIZES), default="full")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    ns = cupy_namespace()
    import cupy  # noqa: PLC0415 - cupy_namespace() has checked it is there

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    print(f"device: {props['name'].decode()}, CuPy {cupy.__version__}, NumPy {np.__version__}")
    reps = cpu.SIZES[args.size]["repeats"] if args.repeats is None else args.repeats
    print(f"{'workload':34s} {'NumPy host':>12s} {'functrans':>12s} {'jit':>12s} "
          f"{'max rel err':>12s}")
    for w in workloads(args.size, ns):
        err = check(w)       # also the warm-up: traces, caches and compiles the device kernels
        t_np = _median_time(w.reference, lambda: None, reps)
        t_ft = _median_time(w.functrans, ns.sync, reps)
        t_jit = _median_time(w.jitted, ns.sync, reps)
        print(f"{w.name:34s} {t_np * 1e3:9.3f} ms {t_ft * 1e3:9.3f} ms {t_jit * 1e3:9.3f} ms "
              f"{err:12.1e}", flush=True)


if __name__ == "__main__":
    main()
