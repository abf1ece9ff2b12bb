"""vmap, jacfwd, jacrev, hessian and their compositions (issue 4)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import evaluate, ir


def _f(x):
    return fnp.sin(x) * fnp.exp(0.5 * x)


def _scalar(x):
    return fnp.sum(fnp.tanh(x) * x ** 2)


def _fd_jacobian(f, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    y = np.asarray(f(x))
    jac = np.zeros(y.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        jac[(...,) + idx] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps)
    return jac


# --------------------------------------------------------------------------- vmap


@pytest.mark.parametrize("in_axes,shapes", [
    (0, [(4, 3), (4, 3)]),
    ((1, None), [(3, 4), (3,)]),
    ((-1, 0), [(3, 4), (4, 3)]),
    ((None, 0), [(3,), (4, 3)]),
])
def test_vmap_against_stacking(in_axes, shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s) for s in shapes)
    f = lambda x, y: fnp.sum(x * y) + fnp.sin(x)  # noqa: E731
    got = ft.vmap(f, in_axes=in_axes)(a, b)
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes, in_axes)
    n = 4
    per = [f(*(v if ax is None else np.take(v, i, axis=ax)
               for v, ax in zip((a, b), axes, strict=True)))
           for i in range(n)]
    np.testing.assert_allclose(got, np.stack(per), rtol=1e-14)


def test_vmap_pytrees_out_axes_and_prefixes():
    xs = {"a": np.ones((5, 2)), "b": np.arange(5.0)}
    out = ft.vmap(lambda d: (d["a"] * d["b"], d["b"]), in_axes=({"a": 0, "b": 0},),
                  out_axes=(1, 0))(xs)
    assert out[0].shape == (2, 5) and out[1].shape == (5,)
    np.testing.assert_array_equal(out[0], (np.ones((5, 2)) * np.arange(5.0)[:, None]).T)


def test_vmap_unbatched_output_is_broadcast():
    out = ft.vmap(lambda x, c: c * 2.0, in_axes=(0, None))(np.ones(3), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(out, np.tile([2.0, 4.0], (3, 1)))


def test_vmap_errors_name_sizes_and_axes():
    with pytest.raises(ValueError, match=r"different batch sizes.*size 3.*size 4"):
        ft.vmap(lambda x, y: x + y)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="out of range"):
        ft.vmap(fnp.sin, in_axes=2)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="in_axes has 1 entries"):
        ft.vmap(lambda x, y: x, in_axes=(0,))(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="out_axes=None"):
        ft.vmap(fnp.sin, out_axes=None)(np.ones(3))


def test_nested_vmap_matches_double_loop():
    a = np.random.default_rng(1).standard_normal((3, 4, 5))
    got = ft.vmap(ft.vmap(lambda v: fnp.sum(v ** 2)))(a)
    np.testing.assert_allclose(got, np.sum(a ** 2, axis=-1), rtol=1e-14)


# --------------------------------------------------------------------------- Jacobians


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_jacfwd_jacrev_fd_agree_with_shape(shape):
    x = np.random.default_rng(2).uniform(-1, 1, shape)
    f = lambda x: fnp.outer(fnp.ravel(_f(x)), fnp.ravel(x))  # noqa: E731
    jf, jr = ft.jacfwd(f)(x), ft.jacrev(f)(x)
    expect_shape = np.shape(f(x)) + shape
    assert jf.shape == jr.shape == expect_shape
    np.testing.assert_allclose(jf, jr, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(jf, _fd_jacobian(f, x), rtol=1e-6, atol=1e-8)


def test_note_generalized_jacobian_block_and_contraction():
    rng = np.random.default_rng(0)
    jac = rng.standard_normal((2, 3, 4, 2))
    jac[1, 1] = [[2.0, 3.0], [1.0, 4.0], [5.0, 2.0], [3.0, 1.0]]
    f = lambda x: fnp.tensordot(jac, x, axes=2)  # noqa: E731
    x = np.ones((4, 2))
    j = ft.jacfwd(f)(x)
    assert j.shape == (2, 3, 4, 2)
    np.testing.assert_array_equal(j[1, 1], jac[1, 1])
    dx = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]])
    np.testing.assert_allclose(np.tensordot(j, dx, axes=2)[1, 1], 9.3, rtol=1e-14)
    np.testing.assert_array_equal(ft.jacrev(f)(x), j)


def test_jacobian_pytrees_nest_output_outside_input_inside():
    def f(p, q):
        return {"u": p["a"] * q, "v": fnp.sum(p["b"])}

    p = {"a": np.ones(2), "b": np.ones(3)}
    q = np.array([2.0, 3.0])
    for jac in (ft.jacfwd, ft.jacrev):
        j = jac(f, argnums=(0, 1))(p, q)
        assert j["u"][0]["a"].shape == (2, 2) and j["u"][0]["b"].shape == (2, 3)
        assert j["u"][1].shape == (2, 2) and j["v"][0]["b"].shape == (3,)
        np.testing.assert_array_equal(j["u"][0]["a"], np.diag(q))
        np.testing.assert_array_equal(j["u"][1], np.eye(2))
        np.testing.assert_array_equal(j["v"][0]["a"], np.zeros(2))


def test_jacobians_are_one_batched_evaluation():
    for jac in (ft.jacfwd, ft.jacrev):
        small = ft.make_jaxpr(jac(_f))(np.ones(4))
        large = ft.make_jaxpr(jac(_f))(np.ones(40))
        # The program does not grow with the number of basis vectors: no loop over them.
        assert len(small.eqns) == len(large.eqns)
        names = [e.primitive.name for e in large.eqns]
        assert names.count("sin") == names.count("exp") == 1


def test_hessian_matches_closed_form_and_is_symmetric():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((7, 5))
    x = rng.standard_normal(5)

    def f(x):
        return fnp.sum(fnp.log1p(fnp.exp(a @ x))) + 0.5 * x @ x

    s = 1 / (1 + np.exp(-(a @ x)))
    h = ft.hessian(f)(x)
    np.testing.assert_allclose(h, a.T @ np.diag(s * (1 - s)) @ a + np.eye(5), rtol=1e-12)
    np.testing.assert_allclose(h, h.T, rtol=1e-14)


# --------------------------------------------------------------------------- compositions


def test_compositions_against_independent_paths():
    x = np.array([0.3, -0.7, 1.1])
    xs = np.stack([x, 2 * x, -x])
    h = ft.hessian(_scalar)(x)
    # grad(jacfwd(f)) of a scalar-valued jacobian contraction vs hessian
    g_of_jf = ft.grad(lambda x: fnp.sum(ft.jacfwd(_scalar)(x)))(x)
    np.testing.assert_allclose(g_of_jf, h.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(ft.jacfwd(ft.jacrev(_scalar))(x), h, rtol=1e-12)
    np.testing.assert_allclose(ft.jacrev(ft.jacrev(_scalar))(x), h, rtol=1e-12)
    per_example = np.stack([ft.grad(_scalar)(r) for r in xs])
    np.testing.assert_allclose(ft.vmap(ft.grad(_scalar))(xs), per_example, rtol=1e-14)
    np.testing.assert_allclose(ft.grad(lambda xs: fnp.sum(ft.vmap(_scalar)(xs)))(xs),
                               per_example, rtol=1e-14)
    np.testing.assert_allclose(ft.vmap(ft.jacfwd(_f))(xs),
                               np.stack([ft.jacfwd(_f)(r) for r in xs]), rtol=1e-14)
    np.testing.assert_allclose(ft.jacfwd(ft.vmap(_f))(xs),
                               _fd_jacobian(lambda v: ft.vmap(_f)(v), xs), rtol=1e-6,
                               atol=1e-8)


def test_composed_programs_are_well_typed():
    x = np.array([0.3, -0.7, 1.1])
    xs = np.stack([x, 2 * x])
    for fn, arg in [(ft.hessian(_scalar), x), (ft.vmap(ft.grad(_scalar)), xs),
                    (ft.jacfwd(ft.vmap(_f)), xs), (ft.vmap(ft.jacrev(_f)), xs),
                    (ft.jit(ft.vmap(ft.jacfwd(_f))), xs), (ft.grad(ft.jit(_scalar)), x)]:
        closed = ft.make_jaxpr(fn)(arg)
        ir.check_jaxpr(closed)
        np.testing.assert_allclose(evaluate.eval_jaxpr(closed.jaxpr, closed.consts, arg)[0],
                                   fn(arg), rtol=1e-14)


@given(st.sampled_from([(), (2,), (2, 3)]), st.integers(0, 999))
def test_chain_rule_with_generalized_jacobians(x_shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, x_shape)
    f = lambda x: fnp.outer(fnp.ravel(fnp.sin(x)), np.array([1.0, 2.0]))  # noqa: E731
    g = lambda y: fnp.tanh(y) * fnp.sum(y)  # noqa: E731
    y = f(x)
    lhs = ft.jacfwd(lambda x: g(f(x)))(x)
    rhs = np.tensordot(ft.jacfwd(g)(y), ft.jacfwd(f)(x), axes=np.ndim(y))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-13)


@given(st.integers(0, 999))
def test_hessian_symmetry(seed):
    x = np.random.default_rng(seed).uniform(-1, 1, 4)
    h = ft.hessian(lambda x: fnp.sum(fnp.sin(x) * x[::-1] * fnp.exp(x[0])))(x)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-14)


def test_jacrev_and_jacfwd_with_aux():
    f = lambda x: (x * 2.0, fnp.sum(x))  # noqa: E731
    for jac in (ft.jacfwd, ft.jacrev):
        j, aux = jac(f, has_aux=True)(np.ones(2))
        np.testing.assert_array_equal(j, 2.0 * np.eye(2))
        np.testing.assert_array_equal(aux, 2.0)


def test_vmap_in_axes_must_be_ints():
    with pytest.raises(TypeError, match="must be an int"):
        ft.vmap(fnp.sin, in_axes=1.0)(np.ones((2, 2)))


def test_vmap_axis_size_when_nothing_is_mapped_and_when_it_must_agree():
    """`axis_size` (JAX's): the batch size when no argument is mapped (the outputs are
    broadcast to it), checked against the mapped arguments otherwise."""
    np.testing.assert_array_equal(ft.vmap(lambda x: x * 2.0, in_axes=None, axis_size=3)(1.5),
                                  [3.0, 3.0, 3.0])
    out = ft.vmap(lambda x: (x, fnp.sin(x)), in_axes=None, axis_size=2, out_axes=(0, 1))(
        np.ones(3))
    assert out[0].shape == (2, 3) and out[1].shape == (3, 2)
    np.testing.assert_array_equal(
        ft.vmap(lambda x, y: x + y, in_axes=(0, None), axis_size=2)(np.ones(2), 3.0), [4.0, 4.0])
    assert ft.grad(lambda x: fnp.sum(ft.vmap(lambda y: y * 2.0, in_axes=None,
                                             axis_size=3)(x)))(1.0) == 6.0
    assert ft.jit(ft.vmap(lambda x: x * 2.0, in_axes=None, axis_size=0))(1.5).shape == (0,)
    with pytest.raises(ValueError, match="size 3: axis_size"):
        ft.vmap(lambda x: x, axis_size=3)(np.ones(2))
    with pytest.raises(ValueError, match="or give axis_size"):
        ft.vmap(lambda x: x, in_axes=None)(1.0)
    with pytest.raises(TypeError, match="axis_size must be an int"):
        ft.vmap(lambda x: x, in_axes=None, axis_size=2.5)(1.0)
