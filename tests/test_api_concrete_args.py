"""Arguments a transformation neither differentiates nor maps reach the function as values.

`jax.grad(f)(x, n)` (argnums=0) and `jax.vmap(f, in_axes=(0, None))(x, n)` pass `n` to `f` as
the Python value it is, so `f` may use it in Python control flow (`range(n)`, `if flag:`) or as
a static argument of a jitted function. functrans traces every argument first (one program for
every value: a step counter does not retrace) and, when the trace needs such an argument's
value (ConcretizationError), traces again with those arguments as values
(`api_util.keeping_concrete`); arguments that cannot be traced at all (strings, functions) are
closed over from the start (`api_util.close_concrete`). Found by the wave-6 bug hunt.
"""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import cache, errors


def _doubled(x, n):
    for _ in range(n):
        x = x * 2.0
    return x


def _power_sum(x, n):
    return fnp.sum(_doubled(x, n) ** 2)


def test_grad_keeps_a_non_differentiated_int_concrete():
    assert ft.grad(_doubled)(1.5, 3) == 8.0
    assert ft.grad(_doubled)(1.5, 4) == 16.0          # another value: another program
    assert ft.value_and_grad(_doubled)(1.5, 2) == (6.0, 4.0)


def test_vmap_keeps_an_unmapped_int_concrete():
    np.testing.assert_array_equal(ft.vmap(_doubled, in_axes=(0, None))(np.ones(2), 3),
                                  [8.0, 8.0])
    # Unmapped through a pytree prefix too.
    f = ft.vmap(lambda d: _doubled(d["x"], d["n"]), in_axes=({"x": 0, "n": None},))
    np.testing.assert_array_equal(f({"x": np.ones(2), "n": 2}), [4.0, 4.0])


def test_grad_and_vmap_of_jit_with_a_static_argument():
    f = ft.jit(lambda x, n: x ** n, static_argnums=1)
    assert ft.grad(f)(2.0, 3) == 12.0
    np.testing.assert_array_equal(ft.vmap(f, in_axes=(0, None))(np.array([1.0, 2.0]), 3),
                                  [1.0, 8.0])


def test_nested_transformations_keep_it_concrete():
    x = np.array([0.5, -1.0])
    want = 2 * 4.0 ** 3 * x                          # d/dx sum((8x)^2) = 2 * 64 x
    np.testing.assert_allclose(ft.grad(_power_sum)(x, 3), want)
    np.testing.assert_allclose(ft.jacrev(_power_sum)(x, 3), want)
    np.testing.assert_allclose(ft.jacfwd(_power_sum)(x, 3), want)
    np.testing.assert_allclose(ft.hessian(_power_sum)(x, 3), 2 * 64.0 * np.eye(2))
    np.testing.assert_allclose(ft.grad(lambda x, n: ft.grad(_power_sum)(x, n)[0])(x, 3),
                               [128.0, 0.0])
    np.testing.assert_allclose(ft.vmap(ft.grad(_power_sum), in_axes=(0, None))(
        np.stack([x, 2 * x]), 3), np.stack([want, 2 * want]))
    np.testing.assert_allclose(ft.jit(ft.grad(_power_sum), static_argnums=1)(x, 3), want)


def test_a_step_counter_that_is_not_needed_keeps_one_program():
    cache.CACHE.clear()
    f = ft.grad(lambda x, step: fnp.sum(x ** 2) * step)
    for step in range(1, 5):
        np.testing.assert_allclose(f(np.ones(2), float(step)), 2.0 * step * np.ones(2))
    assert cache.CACHE.info()["builds"] == 1


def test_a_differentiated_or_mapped_argument_still_raises():
    with pytest.raises(errors.ConcretizationError):
        ft.grad(lambda x: x if x > 0 else -x)(1.0)
    with pytest.raises(errors.ConcretizationError):
        ft.vmap(lambda x: x if x > 0 else -x)(np.ones(2))
    with pytest.raises(errors.ConcretizationError):       # jvp differentiates every primal
        ft.jvp(_doubled, (1.0, 3), (1.0, 0))


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
    with pytest.raises(TypeError, match="argument 2 has dtype"):   # the user's position
        ft.grad(lambda m, x, n: x * n, argnums=2)("s", 2.0, 3)


def test_arguments_that_cannot_be_traced_are_passed_as_they_are():
    def f(x, mode, scale=1.0):
        return (x * 2.0 if mode == "double" else -x) * scale
    g = ft.vmap(f, in_axes=(0, None))
    np.testing.assert_allclose(g(np.ones(2), "double", scale=np.ones(2) * 3), [6.0, 6.0])
    np.testing.assert_allclose(g(np.ones(2), "neg"), [-1.0, -1.0])
    assert ft.grad(f)(1.5, "double") == 2.0
    assert ft.grad(lambda x, act: act(x))(0.0, fnp.cos) == 0.0
    np.testing.assert_allclose(ft.jacfwd(f)(np.ones(2), "neg"), -np.eye(2))


def test_vmap_errors_name_arguments_by_the_users_positions():
    with pytest.raises(ValueError, match=r"argument 2 \(shape \(2,\).*argument 3 \(shape \(3,\)"):
        ft.vmap(lambda s, n, x, y: x + y * n if s else x,
                in_axes=(None, None, 0, 0))("on", 3, np.ones(2), np.ones(3))


def test_jit_static_argnames_and_static_arguments_passed_either_way():
    def f(x, n, *, mode="double"):
        return _doubled(x, n) if mode == "double" else -x

    by_name = ft.jit(f, static_argnames=("n", "mode"))
    assert by_name(1.5, 3) == 12.0                      # a static name passed by position
    assert by_name(1.5, n=2) == 6.0
    assert by_name(1.5, 2, mode="neg") == -1.5
    assert by_name.cache_info()["size"] == 3
    by_num = ft.jit(f, static_argnums=1)
    assert by_num(1.5, n=3) == 12.0                     # a static position passed by keyword
    assert by_num(1.5, 3) == 12.0
    assert ft.grad(by_name)(1.5, 3) == 8.0              # grad passes the int as a value
    assert ft.grad(lambda x: by_name(x, 2, mode="double"))(1.5) == 4.0
    with pytest.raises(errors.FunctransValueError, match="out of range"):
        ft.jit(lambda x: x, static_argnums=3)(1.0)
    with pytest.raises(errors.FunctransTypeError, match="static_argnames"):
        ft.jit(f, static_argnames=(1,))
    with pytest.raises(errors.FunctransValueError, match="hashable"):
        by_name(1.5, 2, mode=["neg"])
