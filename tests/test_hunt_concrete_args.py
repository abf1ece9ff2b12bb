"""Arguments a transformation does not differentiate or map stay concrete in JAX.

`jax.grad(f)(x, n)` (argnums=0) and `jax.vmap(f, in_axes=(0, None))(x, n)` pass `n` to `f` as
the Python value it is, so `f` may use it in Python control flow (`range(n)`, `if flag:`) or
as a static argument of a jitted function. functrans traces every argument, so these raise a
ConcretizationError (or "static arguments must be hashable, got ['Tracer']"). Found by the
wave-6 bug hunt; not fixed (it changes how every transformation traces its arguments), kept
as strict xfails so that the fix shows up.
"""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft

_REASON = "functrans traces non-differentiated / unmapped arguments (JAX keeps them concrete)"


def _doubled(x, n):
    for _ in range(n):
        x = x * 2.0
    return x


@pytest.mark.xfail(strict=True, reason=_REASON)
def test_grad_keeps_a_non_differentiated_int_concrete():
    assert ft.grad(_doubled)(1.5, 3) == 8.0


@pytest.mark.xfail(strict=True, reason=_REASON)
def test_vmap_keeps_an_unmapped_int_concrete():
    np.testing.assert_array_equal(ft.vmap(_doubled, in_axes=(0, None))(np.ones(2), 3),
                                  [8.0, 8.0])


@pytest.mark.xfail(strict=True, reason=_REASON)
def test_grad_of_jit_with_a_static_argument():
    f = ft.jit(lambda x, n: x ** n, static_argnums=1)
    assert ft.grad(f)(2.0, 3) == 12.0


@pytest.mark.xfail(strict=True, reason=_REASON)
def test_vmap_of_jit_with_a_static_argument():
    f = ft.jit(lambda x, n: x ** n, static_argnums=1)
    np.testing.assert_array_equal(ft.vmap(f, in_axes=(0, None))(np.array([1.0, 2.0]), 3),
                                  [1.0, 8.0])
