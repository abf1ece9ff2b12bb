"""Arguments a transformation does not differentiate or map stay concrete, as in JAX.

`jax.grad(f)(x, n)` (argnums=0) and `jax.vmap(f, in_axes=(0, None))(x, n)` pass `n` to `f` as
the Python value it is, so `f` may use it in Python control flow (`range(n)`, `if flag:`) or
as a static argument of a jitted function. functrans traced every argument, so these raised a
ConcretizationError (or "static arguments must be hashable, got ['Tracer']"). Such arguments
that are Python ints or bools (or not arrays at all) are now closed over; arrays and Python
floats stay traced (inputs of the cached program).
"""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft


def _doubled(x, n):
    for _ in range(n):
        x = x * 2.0
    return x


def test_grad_keeps_a_non_differentiated_int_concrete():
    assert ft.grad(_doubled)(1.5, 3) == 8.0


def test_vmap_keeps_an_unmapped_int_concrete():
    np.testing.assert_array_equal(ft.vmap(_doubled, in_axes=(0, None))(np.ones(2), 3),
                                  [8.0, 8.0])


def test_grad_of_jit_with_a_static_argument():
    f = ft.jit(lambda x, n: x ** n, static_argnums=1)
    assert ft.grad(f)(2.0, 3) == 12.0


def test_vmap_of_jit_with_a_static_argument():
    f = ft.jit(lambda x, n: x ** n, static_argnums=1)
    np.testing.assert_array_equal(ft.vmap(f, in_axes=(0, None))(np.array([1.0, 2.0]), 3),
                                  [1.0, 8.0])


def test_jacobians_keep_a_non_differentiated_flag_concrete_and_check_argnums_by_position():
    def f(x, square, k):
        return x * x * k if square else x * k
    np.testing.assert_allclose(ft.jacfwd(f, argnums=2)(np.array([1.0, 2.0]), True, 3.0),
                               [1.0, 4.0])
    np.testing.assert_allclose(ft.jacrev(f)(np.array([1.0, 2.0]), False, 3.0),
                               np.diag([3.0, 3.0]))
    assert ft.grad(f, argnums=(0, 2))(2.0, True, 3.0) == (12.0, 4.0)
    with pytest.raises(TypeError, match="argument 1 has dtype"):
        ft.grad(f, argnums=1)(2.0, 3, 3.0)


def test_vmap_with_an_unmapped_mode_string_and_a_kwarg():
    def f(x, mode, scale=1.0):
        return (x * 2.0 if mode == "double" else -x) * scale
    g = ft.vmap(f, in_axes=(0, None))
    np.testing.assert_allclose(g(np.ones(2), "double", scale=np.ones(2) * 3), [6.0, 6.0])
    np.testing.assert_allclose(g(np.ones(2), "neg"), [-1.0, -1.0])


def test_vmap_errors_name_arguments_by_the_users_positions():
    with pytest.raises(ValueError, match=r"argument 1 \(shape \(2,\).*argument 2 \(shape \(3,\)"):
        ft.vmap(lambda n, x, y: x + y * n, in_axes=(None, 0, 0))(3, np.ones(2), np.ones(3))
