"""Load and fault tests (issue 19, item 5): threads, memory over many calls, a large program,
and KeyboardInterrupt during tracing and evaluation.

Sizes are chosen for the suite's time budget (each test a few seconds); the issue's larger
figures (10 s of threads, 1,000,000 equations) are in bench/large_program.py and the report.
"""
from __future__ import annotations

import contextlib
import gc
import importlib.util
import os
import threading
import time
import tracemalloc

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import cache, core, evaluate
from functrans.interpreters import optimize

# --------------------------------------------------------------------------- shared functions


def _f(x):
    return fnp.sum(fnp.sin(x) * x ** 2) + fnp.tanh(x[0])


def _g(x):
    return fnp.exp(-x) * fnp.cos(2.0 * x)


def _h(x, y):
    return fnp.dot(fnp.tanh(x), y) / (1.0 + fnp.sum(y ** 2))


_THREAD_SECONDS = 3.0   # the 10 s is too long for the suite's CI budget

_jit_f = ft.jit(_f)
_jit_grad_f = ft.jit(ft.grad(_f))

def _scan_h(x):
    def body(c, xi):
        return c * 0.5 + _h(xi, xi * 0.5 + 1.0), None
    return ft.lax.scan(body, 0.0, x)[0]


# name -> (function of one array, input shapes it is called on, context it runs in); the
# functions are shared by every thread (one jitted object, one program cache). Two threads
# run with a per-thread switch on (the cache off, NaN checking on), which must not leak into
# the others.
_WORK = {
    "grad": (ft.grad(_f), [(3,), (5,), (4,)], contextlib.nullcontext),
    "jit": (_jit_f, [(3,), (6,), (2,)], contextlib.nullcontext),
    "jit(grad)": (_jit_grad_f, [(3,), (7,)], contextlib.nullcontext),
    "vmap": (ft.vmap(_g), [(4, 3), (2, 5)], contextlib.nullcontext),
    "jacrev": (ft.jacrev(_g), [(3,), (4,)], contextlib.nullcontext),
    "hessian": (ft.hessian(_f), [(3,), (2,)], contextlib.nullcontext),
    "vmap(grad(scan)), debug_nans": (ft.vmap(ft.grad(_scan_h)), [(3, 2, 2), (4, 3, 3)],
                                     ft.debug_nans),
    "jvp, cache off": (lambda x: ft.jvp(_g, (x,), (fnp.ones_like(x),))[1], [(5,), (3,)],
                       cache.CACHE.disabled),
}


def _input(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


def _check_clean_state():
    """No trace open, no source override, the collector as the suite left it (enabled), the
    cache and the debug flags back to their defaults in this thread."""
    assert core._state.stack == []
    assert core._state.source is None
    assert optimize._pause["depth"] == 0
    assert gc.isenabled()
    assert cache.CACHE.enabled()
    assert evaluate.DEBUG.nans is False


# --------------------------------------------------------------------------- threads


def test_threads_calling_different_transformations_agree_with_one_thread():
    """8 threads, each calling its own transformation of the shared functions (on a few input
    shapes, so that some calls build programs while others hit the cache) for ~3 seconds; every
    result equals the single-threaded one bit for bit, and every thread ends (joined with a
    timeout: a deadlock fails instead of hanging). The issue asks for 10 seconds; 3 keeps the
    suite in its CI budget (the same test ran clean for 10 s while this was written)."""
    cache.CACHE.clear()
    expected = {name: [np.asarray(fun(_input(s, i))) for i, s in enumerate(shapes)]
                for name, (fun, shapes, _) in _WORK.items()}
    cache.CACHE.clear()   # the threads rebuild the programs concurrently
    duration = _THREAD_SECONDS
    errors: list[BaseException] = []
    counts = dict.fromkeys(_WORK, 0)
    barrier = threading.Barrier(len(_WORK))

    def work(name):
        fun, shapes, context = _WORK[name]
        try:
            barrier.wait(timeout=10)
            stop = time.monotonic() + duration
            with context():
                while time.monotonic() < stop:
                    for i, s in enumerate(shapes):
                        got = np.asarray(fun(_input(s, i)))
                        np.testing.assert_array_equal(got, expected[name][i], err_msg=name)
                    counts[name] += 1
        except BaseException as e:   # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in _WORK]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 60)
    assert not any(t.is_alive() for t in threads), "a thread did not finish (deadlock?)"
    if errors:
        raise errors[0]
    assert all(c > 0 for c in counts.values()), counts
    assert not evaluate.DEBUG.nans and cache.CACHE.enabled()   # the switches stayed per thread
    _check_clean_state()


# --------------------------------------------------------------------------- memory


def test_memory_stays_flat_over_many_calls_with_changing_shapes():
    """10,000 calls of jitted and transformed functions on 150 different input shapes (more
    than jit's `cache_size` and more than fit without evictions): the caches stay at their
    bounds and the memory Python holds after the second half of the calls is what it was
    after the first half (within 2 MB: allocator noise, not growth per call)."""
    cache.CACHE.clear()
    f = ft.jit(lambda x: fnp.sin(x) * 2.0 + 1.0, cache_size=16)
    g = ft.grad(lambda x: fnp.sum(x * x))
    xs = [np.full(n, 0.5) for n in range(1, 151)]
    n_calls = 10_000

    def calls(lo, hi):
        for i in range(lo, hi):
            x = xs[(i * 7) % len(xs)]
            if i % 2:
                assert f(x).shape == x.shape
            else:
                assert g(x).shape == x.shape

    calls(0, 1000)   # warm up: interned objects, memo tables
    gc.collect()
    tracemalloc.start()
    try:
        calls(1000, n_calls // 2)
        gc.collect()
        half = tracemalloc.get_traced_memory()[0]
        calls(n_calls // 2, n_calls)
        gc.collect()
        end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert f.cache_info()["size"] <= 16
    info = cache.CACHE.info()
    assert info["size"] <= info["maxsize"] and info["equations"] <= cache.CACHE.max_equations
    assert len(core._SOURCE_INFOS) <= 8192 + 1 and len(evaluate._RULE_SOURCES) <= 8192 + 1
    assert end - half < 2_000_000, (half, end)
    _check_clean_state()


# --------------------------------------------------------------------------- a large program

_BIG = 10_000   # equations; see the docstring


def test_large_program_is_traced_differentiated_and_evaluated_within_a_memory_bound():
    """A program of 10,000 equations (a chain of `sin` and `mul`) traced, differentiated with
    `grad` and jitted: Python's peak allocations (tracemalloc) stay under 8 KB per equation of
    the traced program (measured: ~3 KB for `grad`, ~5 KB for `jit(grad)`), and the gradient
    is the chain rule's. The issue's 1,000,000 equations take minutes here: they are in
    bench/large_program.py (figures in its docstring); 10,000 keeps this test near 9 s under
    tracemalloc, which slows the tracing 3-5x (15,000 took 13-15 s)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench",
                        "large_program.py")
    spec = importlib.util.spec_from_file_location("functrans_bench_large", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    f = bench.chain(_BIG)
    x = np.array([0.3, -1.2, 2.0])
    bound = 8_000 * _BIG
    gc.collect()
    tracemalloc.start()
    try:
        assert len(ft.make_jaxpr(f)(x).jaxpr.eqns) == _BIG - 1
        peaks = {"trace": tracemalloc.get_traced_memory()[1]}
        tracemalloc.reset_peak()
        g = ft.grad(f)(x)
        peaks["grad"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        gj = ft.jit(ft.grad(f))(x)
        peaks["jit(grad)"] = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(p < bound for p in peaks.values()), peaks
    np.testing.assert_allclose(g, bench.reference_grad(x, _BIG), rtol=1e-12)
    np.testing.assert_allclose(gj, g, rtol=1e-12)
    _check_clean_state()


# --------------------------------------------------------------------------- KeyboardInterrupt


class _Interrupter:
    """Raises KeyboardInterrupt on its `at`-th call (counting from 1), a value before."""

    def __init__(self, at=1):
        self.at, self.n = at, 0

    def hit(self):
        self.n += 1
        if self.n == self.at:
            raise KeyboardInterrupt


def _interrupt_while_tracing(transform, at=1):
    boom = _Interrupter(at=at)

    def f(x):
        y = fnp.sin(x) * 2.0
        boom.hit()
        return fnp.sum(y)
    return transform(f)


def _in_scan(f):
    def run(x):
        def body(c, _):
            return c + f(x), None
        return ft.lax.scan(body, 0.0, None, length=3)[0]
    return run


def _in_while(f):
    def run(x):
        return ft.lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] + f(x)),
                                 (0, 0.0))[1]
    return run


@pytest.mark.parametrize("transform", [
    ft.grad, ft.jit, ft.jacrev, ft.hessian, ft.make_jaxpr,
    lambda f: ft.vmap(ft.grad(f)), lambda f: ft.jit(ft.grad(f)),
    lambda f: ft.grad(ft.jit(f)), lambda f: ft.grad(_in_scan(f)),
    lambda f: ft.jit(_in_while(f))],
    ids=["grad", "jit", "jacrev", "hessian", "make_jaxpr", "vmap(grad)", "jit(grad)",
         "grad(jit)", "grad(scan)", "jit(while_loop)"])
def test_keyboard_interrupt_while_tracing_leaves_clean_state(transform):
    x = np.array([[0.5, 1.0], [2.0, 3.0]]) if transform is not ft.grad else np.array([0.5, 1.0])
    fun = _interrupt_while_tracing(transform)
    with pytest.raises(KeyboardInterrupt):
        fun(x)
    _check_clean_state()
    out = fun(x)    # the interrupter fires only once: the same function now works
    _check_clean_state()
    ref = _interrupt_while_tracing(transform, at=0)(x)   # never interrupted
    if hasattr(ref, "jaxpr"):
        assert str(out) == str(ref)
    else:
        np.testing.assert_array_equal(out, ref)


def test_keyboard_interrupt_in_a_custom_jvp_rule_and_under_a_context_manager():
    boom = _Interrupter(at=1)

    @ft.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        boom.hit()
        return fnp.sin(x), fnp.cos(x) * t

    loss = ft.jit(ft.grad(lambda x: fnp.sum(f(x) ** 2)))
    x = np.array([0.1, 0.2])
    with pytest.raises(KeyboardInterrupt):
        with ft.debug_nans(), cache.CACHE.disabled():
            loss(x)
    _check_clean_state()
    np.testing.assert_allclose(loss(x), 2 * np.sin(x) * np.cos(x))
    _check_clean_state()


def test_keyboard_interrupt_in_a_custom_vjp_rule_does_not_poison_the_function():
    """Under a trace the rules are traced at the call, and an error in them is kept until the
    rules are needed (as JAX does); an interrupt is not an error to keep: it propagates at
    once, and the next call traces the rules again."""
    boom = _Interrupter(at=1)

    @ft.custom_vjp
    def f(x):
        return fnp.sin(x)

    def fwd(x):
        return fnp.sin(x), x

    def bwd(x, g):
        boom.hit()
        return (fnp.cos(x) * g,)

    f.defvjp(fwd, bwd)
    x = np.array([0.1, 0.2])
    with pytest.raises(KeyboardInterrupt):
        ft.vjp(lambda x: f(x) * 2.0, x)
    _check_clean_state()
    _, pull = ft.vjp(lambda x: f(x) * 2.0, x)
    np.testing.assert_allclose(pull(np.ones(2))[0], 2 * np.cos(x))
    np.testing.assert_allclose(ft.jit(ft.grad(lambda x: fnp.sum(f(x))))(x), np.cos(x))
    _check_clean_state()


@pytest.mark.parametrize("where", ["jit first call", "jit compiled plan", "grad",
                                   "vmap", "debug_nans", "scan"])
def test_keyboard_interrupt_during_evaluation_leaves_clean_state(where):
    """KeyboardInterrupt raised by a callback while a program is evaluated (not traced): by a
    `debug.callback` (effectful, kept by DCE) and by a `pure_callback`."""
    fire = {"on": False}

    def cb(v):
        if fire["on"]:
            raise KeyboardInterrupt

    def host(v):
        if fire["on"]:
            raise KeyboardInterrupt
        return np.cos(v)

    def body(x):
        ft.debug.callback(cb, x)
        spec = ft.ShapedArray(x.shape, x.dtype)
        # pure_callback has no derivative: its operand is a constant to `grad`.
        return fnp.sum(fnp.sin(x) * ft.pure_callback(host, spec, ft.lax.stop_gradient(x)))

    x = np.array([0.3, 0.7])
    if where.startswith("jit"):
        fun = ft.jit(body)
    elif where == "grad":
        fun = ft.grad(lambda x: body(x) + fnp.sum(x ** 2))
    elif where == "scan":
        fun = ft.jit(lambda x: ft.lax.scan(lambda c, _: (c + body(x), None), 0.0, None,
                                           length=3)[0])
    elif where == "vmap":
        fun = ft.vmap(body)
        x = np.array([[0.3, 0.7], [0.1, 0.2]])
    else:
        fun = ft.jit(body)
    expected = np.asarray(fun(x))
    if where == "jit compiled plan":
        fun(x)   # the second call compiles the plan; the third (below) runs it
    fire["on"] = True
    with pytest.raises(KeyboardInterrupt):
        if where == "debug_nans":
            with ft.debug_nans():
                fun(x)
        else:
            fun(x)
    fire["on"] = False
    _check_clean_state()
    np.testing.assert_array_equal(np.asarray(fun(x)), expected)
    _check_clean_state()


def test_keyboard_interrupt_while_optimizing_resumes_the_collector(monkeypatch):
    """An interrupt inside a region that pauses the cycle collector (building a program)
    leaves the collector running again."""
    real = optimize.optimize
    calls = {"n": 0}

    def interrupted(closed, *a, **k):
        calls["n"] += 1
        if calls["n"] == 1:
            with optimize.collector_paused():
                assert not gc.isenabled()
                raise KeyboardInterrupt
        return real(closed, *a, **k)

    monkeypatch.setattr(optimize, "optimize", interrupted)
    f = ft.jit(lambda x: fnp.cos(x) + 1.0)
    with pytest.raises(KeyboardInterrupt):
        f(np.ones(3))
    _check_clean_state()
    np.testing.assert_allclose(f(np.ones(3)), np.cos(1.0) + 1.0)
