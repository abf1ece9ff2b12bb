"""Forward and reverse mode (issue 3): the derivatives note's examples, composition, errors,
and hypothesis properties of the transformation identities."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import errors
from functrans.interpreters import ad, optimize
from functrans.primitives import elementwise, transcendental
from functrans.test_util import GradCheckError, check_grads

# --------------------------------------------------------------------------- the seed's examples

J_NOTE = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0]])
DX_NOTE = np.array([0.1, 0.2, 0.3])


def test_note_jacobian_vector_product():
    """The note's 2x3 Jacobian applied to (0.1, 0.2, 0.3) gives (0.4, 0.9)."""
    f = lambda x: J_NOTE @ x  # noqa: E731
    y, dy = ft.jvp(f, (np.zeros(3),), (DX_NOTE,))
    np.testing.assert_allclose(dy, [0.4, 0.9], rtol=1e-15)
    np.testing.assert_array_equal(ft.jacfwd(f)(np.ones(3)), J_NOTE)


# Row (1,1) of the note's generalized Jacobian of a map R^{4x2} -> R^{2x3}.
ROW_11 = np.array([[2.0, 3.0], [1.0, 4.0], [5.0, 2.0], [3.0, 1.0]])
DX_GEN = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]])


def _note_tensor_map():
    """A linear map R^{4x2} -> R^{2x3} whose Jacobian row (1,1) is the note's (others random)."""
    rng = np.random.default_rng(0)
    jac = rng.standard_normal((2, 3, 4, 2))
    jac[1, 1] = ROW_11
    return jac, (lambda x: fnp.tensordot(jac, x, axes=2))


def test_note_generalized_jacobian_through_jvp():
    jac, f = _note_tensor_map()
    _, dy = ft.jvp(f, (np.ones((4, 2)),), (DX_GEN,))
    assert dy.shape == (2, 3)
    np.testing.assert_allclose(dy[1, 1], 9.3, rtol=1e-14)


def test_note_generalized_jacobian_row_through_vjp():
    jac, f = _note_tensor_map()
    _, vjp_fun = ft.vjp(f, np.ones((4, 2)))
    basis = np.zeros((2, 3))
    basis[1, 1] = 1.0
    (row,) = vjp_fun(basis)
    np.testing.assert_array_equal(row, ROW_11)
    np.testing.assert_allclose(np.sum(row * DX_GEN), 9.3, rtol=1e-14)


# --------------------------------------------------------------------------- basic behaviour


def test_grad_value_and_grad_argnums_has_aux():
    def f(x, y):
        return fnp.sum(fnp.sin(x) * y), {"aux": x * 2.0}

    x, y = np.array([0.1, 0.2]), np.array([1.0, 3.0])
    g, aux = ft.grad(f, argnums=(0, 1), has_aux=True)(x, y)
    np.testing.assert_allclose(g[0], np.cos(x) * y)
    np.testing.assert_allclose(g[1], np.sin(x))
    np.testing.assert_array_equal(aux["aux"], x * 2.0)
    (v, aux2), g1 = ft.value_and_grad(f, has_aux=True)(x, y)
    np.testing.assert_allclose(v, np.sum(np.sin(x) * y))
    np.testing.assert_allclose(g1, np.cos(x) * y)
    assert isinstance(v, np.ndarray) and v.shape == ()


def test_grad_of_pytree_argument():
    params = {"w": np.array([1.0, 2.0]), "b": (np.array(0.5), None)}

    def loss(p):
        return fnp.sum(p["w"] ** 2) + p["b"][0] * 3.0

    g = ft.grad(loss)(params)
    np.testing.assert_allclose(g["w"], [2.0, 4.0])
    np.testing.assert_allclose(g["b"][0], 3.0)
    assert g["b"][1] is None


def test_stop_gradient_and_integer_inputs():
    f = lambda x, n: fnp.sum(x * ft.stop_gradient(x) * n)  # noqa: E731
    np.testing.assert_allclose(ft.grad(f)(np.array([1.0, 2.0]), 3), [3.0, 6.0])
    y, t = ft.jvp(lambda x: x * 2.0, (np.array([1, 2]),), (np.array([0, 0]),))
    np.testing.assert_array_equal(t, [0.0, 0.0])


def test_linearize_matches_jvp_and_runs_only_linear_part():
    f = lambda x: fnp.exp(fnp.sin(x)) * x  # noqa: E731
    x, t = np.array([0.3, -0.2]), np.array([1.0, 2.0])
    y, f_jvp = ft.linearize(f, x)
    y2, t2 = ft.jvp(f, (x,), (t,))
    np.testing.assert_allclose(y, y2)
    np.testing.assert_allclose(f_jvp(t), t2, rtol=1e-14)
    closed = ft.make_jaxpr(f)(x)
    _, lin, _, _ = ad.linearize_jaxpr(closed, [True])
    assert {e.primitive.name for e in lin.eqns} <= {"mul", "add"}


def test_vjp_accepts_python_scalar_cotangent():
    y, vjp_fun = ft.vjp(lambda x: fnp.sin(x) * 2.0, 0.5)
    (ct,) = vjp_fun(1.0)
    np.testing.assert_allclose(ct, 2.0 * np.cos(0.5))


# --------------------------------------------------------------------------- composition


def test_fourth_derivative_of_sin():
    d4 = ft.grad(ft.grad(ft.grad(ft.grad(fnp.sin))))
    np.testing.assert_allclose(d4(0.7), np.sin(0.7), rtol=1e-13)


def test_mixed_mode_compositions():
    f = lambda x: fnp.sum(fnp.tanh(x) ** 2)  # noqa: E731
    x = np.array([0.3, -0.5, 0.9])
    v = np.array([1.0, 0.5, -1.0])
    hvp_fwd_over_rev = ft.jvp(ft.grad(f), (x,), (v,))[1]
    hvp_rev_over_fwd = ft.grad(lambda x: ft.jvp(f, (x,), (v,))[1])(x)
    hess = ft.hessian(f)(x)
    np.testing.assert_allclose(hvp_fwd_over_rev, hess @ v, rtol=1e-12)
    np.testing.assert_allclose(hvp_rev_over_fwd, hess @ v, rtol=1e-12)
    _, vjp1 = ft.vjp(lambda x: ft.vjp(f, x)[1](1.0)[0], x)
    np.testing.assert_allclose(vjp1(v)[0], hess @ v, rtol=1e-12)


def test_grad_of_function_that_calls_grad_closing_over_outer_value():
    # No perturbation confusion: the inner derivative treats the outer x as a constant.
    def f(x):
        return ft.grad(lambda y: x * y)(1.0) * x

    np.testing.assert_allclose(ft.grad(f)(3.0), 6.0)


def test_transformed_programs_are_well_typed():
    f = lambda x: fnp.sum(fnp.sin(x) * x ** 2)  # noqa: E731
    x = np.array([0.1, 0.2, 0.3])
    closed = ft.make_jaxpr(f)(x)
    for rewritten in (ad.jvp_jaxpr(closed, [True])[0],):
        ft.check_jaxpr(rewritten)
    primal, lin, _, nres = ad.linearize_jaxpr(closed, [True])
    ft.check_jaxpr(primal)
    ft.check_jaxpr(lin)
    for t in (ft.grad(f), ft.jacfwd(f), ft.jacrev(f), ft.hessian(f),
              ft.vmap(ft.grad(ft.grad(lambda x: fnp.sin(x) * x)))):
        ft.check_jaxpr(ft.make_jaxpr(t)(x))


def test_grad_ir_has_no_dead_equations():
    f = lambda x: fnp.sum(fnp.sin(x) * x ** 2)  # noqa: E731
    closed = ft.make_jaxpr(ft.grad(f))(np.ones(3))
    assert len(optimize.dce_closed(closed).eqns) == len(closed.eqns)


# --------------------------------------------------------------------------- errors


def test_grad_of_non_scalar_names_shape_and_suggests_jacrev():
    with pytest.raises(TypeError, match=r"shape \(3,\).*jacrev.*vjp"):
        ft.grad(fnp.sin)(np.ones(3))


def test_grad_wrt_int_argument_names_it():
    with pytest.raises(TypeError, match="argument 1 has dtype int64"):
        ft.grad(lambda x, n: x * n, argnums=1)(1.0, 3)


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums=2 is out of range"):
        ft.grad(lambda x: x, argnums=2)(1.0)


def test_jvp_shape_and_tree_mismatch_named():
    with pytest.raises(ValueError, match=r"shape \(2,\), expected \(3,\)"):
        ft.jvp(fnp.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError, match="structure"):
        ft.jvp(lambda a, b: a + b, (1.0, 2.0), (1.0,))


def test_vjp_has_aux_with_residuals():
    # The aux outputs are the function's, not the residuals the primal program also returns
    # (a regression of the one-route refactor: sin needs a residual, its cosine).
    x = np.array([0.5, 1.5])
    y, vjp_fun, aux = ft.vjp(lambda x: (fnp.sin(x), {"x": x, "c": fnp.cos(x)}), x, has_aux=True)
    np.testing.assert_allclose(y, np.sin(x))
    np.testing.assert_allclose(aux["x"], x)
    np.testing.assert_allclose(aux["c"], np.cos(x))
    (ct,) = vjp_fun(np.array([1.0, 2.0]))
    np.testing.assert_allclose(ct, np.cos(x) * [1.0, 2.0])


def test_has_aux_requires_pair():
    with pytest.raises(TypeError, match="must return a pair"):
        ft.grad(lambda x: x * 2.0, has_aux=True)(1.0)


# --------------------------------------------------------------------------- check_grads


def test_check_grads_accepts_correct_rules():
    check_grads(lambda x, y: fnp.sum(fnp.tanh(x) * y ** 3), (np.array([0.1, 0.5]),
                                                             np.array([1.0, 2.0])), order=2)


def test_check_grads_names_the_primitive_whose_rule_is_wrong():
    def bad_rule(primals, tangents):
        (x,), (t,) = primals, tangents
        return transcendental.sin(x), elementwise.mul(t, transcendental.sin(x))   # should be cos

    def f(x):
        y = fnp.exp(x)
        return fnp.sum(fnp.sin(y))

    # def_jvp both ways, so programs cached with either rule are invalidated.
    good_rule = transcendental.sin_p.jvp
    transcendental.sin_p.def_jvp(bad_rule)
    try:
        with pytest.raises(GradCheckError) as info:
            check_grads(f, (np.array([0.1, 0.2]),), order=1)
    finally:
        transcendental.sin_p.def_jvp(good_rule)
    msg = str(info.value)
    assert "primitive 'sin'" in msg and "f64[2]" in msg and "test_ad.py" in msg


# --------------------------------------------------------------------------- properties

shapes = st.sampled_from([(), (3,), (2, 3)])


def _arrays(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, shape)


def _g(x):
    return fnp.sin(x) * fnp.exp(0.3 * x) + x ** 2


def _h(y):
    return fnp.tanh(y) * y


@given(shapes, st.integers(0, 2**16))
def test_adjoint_identity(shape, seed):
    x, v, u = (_arrays(shape, seed + k) for k in range(3))
    _, jv = ft.jvp(_g, (x,), (v,))
    _, vjp_fun = ft.vjp(_g, x)
    np.testing.assert_allclose(np.vdot(u, jv), np.vdot(vjp_fun(u)[0], v), rtol=1e-12,
                               atol=1e-12)


@given(shapes, st.integers(0, 2**16), st.floats(-3, 3))
def test_jvp_is_linear_in_tangent(shape, seed, a):
    x, v, w = (_arrays(shape, seed + k) for k in range(3))
    lhs = ft.jvp(_g, (x,), (a * v + w,))[1]
    rhs = a * ft.jvp(_g, (x,), (v,))[1] + ft.jvp(_g, (x,), (w,))[1]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


@given(shapes, st.integers(0, 2**16))
def test_grad_equals_vjp_of_one(shape, seed):
    x = _arrays(shape, seed)
    f = lambda x: fnp.sum(_g(x))  # noqa: E731
    np.testing.assert_allclose(ft.grad(f)(x), ft.vjp(f, x)[1](1.0)[0], rtol=1e-15)


@given(shapes, st.integers(0, 2**16))
def test_chain_rule(shape, seed):
    x, v = (_arrays(shape, seed + k) for k in range(2))
    y, jv_f = ft.jvp(_g, (x,), (v,))
    _, composed = ft.jvp(lambda x: _h(_g(x)), (x,), (v,))
    _, chained = ft.jvp(_h, (y,), (jv_f,))
    np.testing.assert_allclose(composed, chained, rtol=1e-13, atol=1e-13)


@given(shapes, st.integers(0, 2**16))
def test_linearize_equals_jvp(shape, seed):
    x, v = (_arrays(shape, seed + k) for k in range(2))
    _, f_jvp = ft.linearize(_g, x)
    np.testing.assert_allclose(f_jvp(v), ft.jvp(_g, (x,), (v,))[1], rtol=1e-14, atol=1e-15)


def test_errors_are_builtin_subclasses():
    assert issubclass(errors.ShapeError, TypeError)
    assert issubclass(errors.AxisError, ValueError)


def test_known_constant_tangent_output_linearizes_in_every_path():
    # A custom rule whose tangent is a constant zero: partial evaluation passes it as a
    # residual, so the staged (jit, linearize) and eager paths agree.
    @ft.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        return f(primals[0]), fnp.zeros_like(primals[0])

    assert ft.grad(f)(1.0) == 0.0
    assert ft.jit(ft.grad(f))(1.0) == 0.0
    assert ft.linearize(f, 1.0)[1](1.0) == 0.0


def test_numpy_integer_argnums_and_bad_types():
    np.testing.assert_allclose(ft.grad(lambda a, b: a * b, argnums=np.int64(1))(1.0, 2.0), 1.0)
    with pytest.raises(TypeError, match="argnums=1.5 must be an int"):
        ft.grad(lambda a: a, argnums=1.5)(1.0)


def test_keyword_arguments_are_traced_but_not_differentiated():
    def loss(w, x, *, scale=1.0, bias):
        return fnp.sum((w * x + bias) ** 2) * scale

    w, x = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    expect = 2 * (w * x + 0.5) * x * 2.0
    np.testing.assert_allclose(ft.grad(loss)(w, x, scale=2.0, bias=0.5), expect)
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(w, x, scale=2.0, bias=0.5), expect)
    np.testing.assert_allclose(ft.jacrev(loss)(w, x, scale=2.0, bias=0.5), expect)
    np.testing.assert_allclose(ft.jacfwd(loss)(w, x, scale=2.0, bias=0.5), expect)
    jl = ft.jit(loss)
    assert jl(w, x, bias=0.5) == loss(w, x, bias=0.5)
    assert jl(w, x, bias=1.5) == loss(w, x, bias=1.5)   # traced, not baked into the cache
    closed = ft.make_jaxpr(loss)(w, x, bias=0.5)
    assert len(closed.in_avals) == 3
    batched = ft.vmap(lambda v, *, c: v * c)(np.ones((3, 2)), c=np.arange(3.0))
    np.testing.assert_array_equal(batched, np.arange(3.0)[:, None] * np.ones((3, 2)))


def test_logaddexp_second_derivative_at_ties():
    # Regression: a max + log1p composition had zero curvature where x1 == x2.
    softplus = lambda x: fnp.logaddexp(x, 0.0)  # noqa: E731
    np.testing.assert_allclose(ft.grad(ft.grad(softplus))(0.0), 0.25, rtol=1e-14)
    h = ft.hessian(lambda v: fnp.logaddexp(v[0], v[1]))(np.array([1.0, 1.0]))
    np.testing.assert_allclose(h, [[0.25, -0.25], [-0.25, 0.25]], rtol=1e-14)
    x = np.array([0.3, 1.0, -2.0])
    check_grads(fnp.logaddexp, (x, x), order=2)
