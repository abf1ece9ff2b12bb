"""functrans programs evaluated on CuPy arrays, on a GPU (issue 18).

Skipped, with the reason, where CuPy or a CUDA device is missing (CI has no GPU: there the
whole backend path is tested through tests/strict_array.py instead). On a GPU machine
(`pip install '.[cupy,test]'`, then `python -m pytest tests/test_backend_cupy.py`):
- every op-table row under `jit`, its `grad`/`jvp` programs and its `vmap` program run on CuPy
  arrays, return CuPy arrays (values stay on the device) equal to the NumPy run within 1e-12
  (float64; GPU math libraries round differently from the host's: 1e-5 for 32-bit floats), or
  the program holds a primitive marked NumPy-only and the error names it and the array type;
- the MLP of tests/test_backend_dask.py: `jit(grad)`, `grad`, `value_and_grad`, `jacrev`,
  `vmap(grad)`;
- the benchmark workloads of bench/gpu.py (MLP, Jacobians, Hessian) at their tiny size.
bench/gpu.py itself is also run here on the strict CPU double, so its code is tested in CI.
"""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest
from op_table import ROWS, leaves
from strict_array import StrictArray, strict
from test_backend_strict import (
    _batchable,
    _batched_args,
    _differentiable,
    _first_case,
    _grad_program,
    _has_array,
    _numpy_only,
)

import functrans as ft
import functrans.numpy as fnp
from functrans import errors, tree_util


def _find_gpu():
    """(cupy module, None) when a CUDA device is usable, else (None, why not)."""
    try:
        import cupy  # noqa: PLC0415 - optional: only a GPU machine has it
    except ImportError:
        return None, "CuPy is not installed (pip install '.[cupy]', which needs CUDA)"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:   # CUDA reports a missing driver in several ways
        return None, f"CuPy finds no CUDA device ({type(e).__name__}: {e})"
    if count == 0:
        return None, "CuPy finds no CUDA device"
    return cupy, None


cp, WHY = _find_gpu()
needs_gpu = pytest.mark.skipif(cp is None, reason=WHY or "")
F64_TOL = 1e-12
F32_TOL = 1e-5

BENCH_GPU = pathlib.Path(__file__).resolve().parent.parent / "bench" / "gpu.py"


def _load_bench():
    name = "functrans_bench_gpu"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH_GPU)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module   # dataclasses look their module up while being defined
        spec.loader.exec_module(module)
    return sys.modules[name]


def _device(tree):
    return tree_util.tree_map(lambda x: cp.asarray(x) if isinstance(x, np.ndarray) else x, tree)


def _host(tree):
    return tree_util.tree_map(lambda x: cp.asnumpy(x) if isinstance(x, cp.ndarray) else x, tree)


def assert_close(got, want, what):
    got_l, want_l = leaves(got), leaves(want)
    assert len(got_l) == len(want_l), what
    for g, w in zip(got_l, want_l, strict=True):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (what, g.shape, g.dtype, w.dtype)
        if w.dtype.kind in "fc":
            tol = F64_TOL if np.finfo(w.dtype).bits >= 64 else F32_TOL
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=what)
        else:
            np.testing.assert_array_equal(g, w, err_msg=what)


def _check_on_gpu(fun, args, what):
    want = ft.jit(fun)(*args)
    dargs = _device(args)
    only = _numpy_only(fun, args)
    if only:
        with pytest.raises(errors.FunctransTypeError, match=f"primitive ({'|'.join(only)}) "
                           "runs only on NumPy arrays.*cupy"):
            ft.jit(fun)(*dargs)
        return
    got = ft.jit(fun)(*dargs)
    for g in leaves(got):
        assert isinstance(g, cp.ndarray), f"{what}: an output is a {type(g).__name__}"
    assert_close(_host(got), want, what)


def _params_for(select):
    """One case per op-table row, on a GPU machine; a single skipped test elsewhere."""
    if cp is None:
        return [pytest.param(None, marks=needs_gpu, id="no-gpu")]
    out = []
    for row in ROWS:
        case = _first_case(row, select)
        if case is not None:
            out.append(pytest.param(case, id=case.id))
    return out


# --------------------------------------------------------------------------- the op table


@pytest.mark.parametrize("case", _params_for(lambda c: _has_array(c.args())))
def test_op_table_on_cupy(case):
    _check_on_gpu(case.row.fun, case.args(), "jit on CuPy")


@pytest.mark.parametrize("case", _params_for(_differentiable))
def test_derivative_programs_on_cupy(case):
    _check_on_gpu(_grad_program(case), case.args(), "grad on CuPy")


@pytest.mark.parametrize("case", _params_for(_batchable))
def test_batched_programs_on_cupy(case):
    _check_on_gpu(ft.vmap(case.row.fun), _batched_args(case), "vmap on CuPy")


# --------------------------------------------------------------------------- the MLP


def loss(params, X, y):
    h = fnp.tanh(X @ params["W1"] + params["b1"])
    return fnp.mean((h @ params["W2"] + params["b2"] - y) ** 2)


def _mlp():
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((5, 8)) / np.sqrt(5), "b1": 0.1 * rng.standard_normal(8),
              "W2": rng.standard_normal(8) / np.sqrt(8), "b2": np.array(0.3)}
    return params, rng.standard_normal((1000, 5)), rng.standard_normal(1000)


@needs_gpu
@pytest.mark.parametrize("transform", ["jit_grad", "grad", "value_and_grad", "jacrev_b1",
                                       "vmap_grad"])
def test_mlp_on_cupy(transform):
    params, X, y = _mlp()
    one = lambda p, x, y: loss(p, x[None, :], y[None])   # noqa: E731
    fun, args = {
        "jit_grad": (ft.jit(ft.grad(loss)), (params, X, y)),
        "grad": (ft.grad(loss), (params, X, y)),
        "value_and_grad": (ft.value_and_grad(loss), (params, X, y)),
        "jacrev_b1": (ft.jacrev(lambda b1, X: fnp.mean(fnp.tanh(X @ params["W1"] + b1), axis=0)),
                      (params["b1"], X)),
        "vmap_grad": (ft.vmap(ft.grad(one), in_axes=(None, 0, 0)), (params, X, y)),
    }[transform]
    got = fun(*_device(args))
    for g in leaves(got):
        assert isinstance(g, cp.ndarray), f"{transform}: an output is a {type(g).__name__}"
    assert_close(_host(got), fun(*args), transform)


# --------------------------------------------------------------------------- bench/gpu.py


@needs_gpu
def test_benchmark_workloads_on_cupy():
    bench = _load_bench()
    for w in bench.workloads("tiny", bench.cupy_namespace()):
        bench.check(w)     # raises if a result is not on the device or differs from NumPy's


def test_benchmark_workloads_on_the_strict_double():
    """bench/gpu.py's workloads on StrictArray (no GPU needed): the benchmark's own code runs,
    its results stay in the namespace and equal the NumPy references."""
    bench = _load_bench()
    ns = bench.Namespace("strict", strict, lambda x: x.get(), lambda: None, StrictArray)
    names = []
    for w in bench.workloads("tiny", ns):
        bench.check(w)
        names.append(w.name)
    assert any("MLP" in n for n in names) and any("jacrev" in n for n in names), names


def test_benchmark_without_cupy_says_what_it_needs(monkeypatch):
    bench = _load_bench()
    if cp is not None:
        pytest.skip("CuPy is installed here")
    with pytest.raises(SystemExit, match="needs CuPy"):
        bench.cupy_namespace()
