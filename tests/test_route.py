"""The one route of a call (issue 11): the user's function is traced once, its program rewritten
once and optimized once, the result evaluated once; a repeated call skips rewriting and
optimizing. Counted by wrapping the functions of each stage, not by timing."""
from __future__ import annotations

import collections
import contextlib
import functools
from unittest import mock

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import cache, core, evaluate
from functrans.interpreters import ad, batching, jacobian, optimize


@pytest.fixture
def stages():
    """Counts of calls of each stage of the route while the fixture is active."""
    counts: collections.Counter = collections.Counter()
    patches = [(core, "trace_flat"), (ad, "grad_jaxpr"), (ad, "jvp_jaxpr"),
               (ad, "vjp_split"), (batching, "vmap_jaxpr"), (jacobian, "jacfwd_jaxpr"),
               (jacobian, "jacrev_jaxpr"), (optimize, "optimize"), (evaluate, "run_numpy")]

    def counting(name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    with contextlib.ExitStack() as stack:
        for module, name in patches:
            stack.enter_context(mock.patch.object(module, name,
                                                  counting(name, getattr(module, name))))
        cache.CACHE.clear()
        yield counts
    cache.CACHE.clear()


def _loss(w, x):
    return fnp.sum(fnp.tanh(x @ w) ** 2)


W = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
X = np.linspace(0.0, 1.0, 12).reshape(4, 3)


@pytest.mark.parametrize("transform, rewrite", [
    (lambda f: ft.grad(f), "grad_jaxpr"),
    (lambda f: ft.jacfwd(f), "jacfwd_jaxpr"),
    (lambda f: ft.jacrev(f), "jacrev_jaxpr"),
    (lambda f: ft.vmap(f, in_axes=(None, 0)), "vmap_jaxpr"),
], ids=["grad", "jacfwd", "jacrev", "vmap"])
def test_each_stage_runs_once_and_a_repeat_skips_rewriting(stages, transform, rewrite):
    f = transform(_loss)
    first = f(W, X)
    assert stages["trace_flat"] == 1            # the user's function, traced once
    assert stages[rewrite] == 1                 # rewritten once (never traced again)
    assert stages["optimize"] == 1              # optimized once
    assert stages["run_numpy"] == 1             # evaluated once
    stages.clear()
    again = f(W, X)
    assert dict(stages) == {"trace_flat": 1, "run_numpy": 1}   # no rewrite, no optimize
    np.testing.assert_array_equal(np.asarray(first), np.asarray(again))


def test_without_the_cache_the_route_is_the_same_minus_optimization(stages):
    g = ft.grad(_loss)
    with cache.CACHE.disabled():
        g(W, X)
        g(W, X)
    assert stages["trace_flat"] == 2 and stages["grad_jaxpr"] == 2
    assert stages["run_numpy"] == 2 and stages["optimize"] == 0   # dead code removal only


def test_nested_the_inner_program_is_inlined_not_evaluated(stages):
    # grad inside jacfwd: the inner rewrite is bound into the outer trace; only the outermost
    # program is evaluated, once.
    h = ft.jacfwd(ft.grad(_loss))
    h(W, X)
    assert stages["grad_jaxpr"] == 1 and stages["jacfwd_jaxpr"] == 1
    assert stages["run_numpy"] == 1
