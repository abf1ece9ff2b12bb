"""custom_jvp and custom_vjp (issue 6) through every transformation, including forward mode
through custom_vjp (which JAX refuses)."""
from __future__ import annotations

import functools

import numpy as np
import pytest

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
from functrans.custom_derivatives import custom_jvp, custom_vjp
from functrans.test_util import GradCheckError, check_grads

# --------------------------------------------------------------------------- custom_jvp


@custom_jvp
def softplus(x):
    return fnp.log1p(fnp.exp(x))


@softplus.defjvp
def softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    # d softplus = sigmoid(x) dx, written so that it stays finite for large x
    return softplus(x), t / (1.0 + fnp.exp(-x))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_softplus_custom_rule_is_finite_where_the_naive_rule_is_nan():
    naive = lambda x: fnp.log1p(fnp.exp(x))  # noqa: E731
    with np.errstate(all="ignore"):   # the primal log1p(exp(1000)) overflows to inf in both
        assert np.isnan(ft.grad(naive)(1000.0))
        assert ft.grad(softplus)(1000.0) == 1.0
        np.testing.assert_allclose(ft.vmap(ft.grad(softplus))(np.array([-2.0, 0.3, 1000.0])),
                                   sigmoid(np.array([-2.0, 0.3, 1000.0])), rtol=1e-15)
    np.testing.assert_allclose(ft.grad(softplus)(0.3), sigmoid(0.3), rtol=1e-15)


def test_softplus_through_every_transformation():
    x = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_allclose(ft.jvp(softplus, (x,), (np.ones(3),))[1], sigmoid(x))
    np.testing.assert_allclose(ft.jacfwd(softplus)(x), np.diag(sigmoid(x)), rtol=1e-15)
    np.testing.assert_allclose(ft.jacrev(softplus)(x), np.diag(sigmoid(x)), rtol=1e-15)
    d2 = sigmoid(x) * (1 - sigmoid(x))
    np.testing.assert_allclose(ft.hessian(lambda x: fnp.sum(softplus(x)))(x), np.diag(d2),
                               rtol=1e-13)
    np.testing.assert_allclose(ft.jit(ft.grad(lambda x: fnp.sum(softplus(x))))(x), sigmoid(x))
    np.testing.assert_allclose(ft.vmap(softplus)(x), np.log1p(np.exp(x)))
    check_grads(softplus, (x,), order=2, modes=("fwd", "rev"))


def test_custom_jvp_ir_is_one_equation_and_the_rule_replaces_it_under_grad():
    closed = ft.make_jaxpr(softplus)(1.0)
    assert str(closed) == """\
{ lambda ; a:f64[]. let
    b:f64[] = custom_jvp_call[
      jvp=softplus_jvp
      num_consts=0
      call_jaxpr={ lambda ; c:f64[]. let
          d:f64[] = exp c
          e:f64[] = log1p d
        in (e,) }
    ] a
  in (b,) }"""
    grad_ir = ft.make_jaxpr(ft.grad(softplus))(1.0)
    names = [e.primitive.name for e in grad_ir.eqns]
    assert "custom_jvp_call" not in names and "log1p" not in names and "exp" in names
    xs = np.array([1.0, 2.0])
    for t, x in ((ft.grad(softplus), 1.0), (ft.vmap(softplus), xs), (ft.hessian(softplus), xs),
                 (ft.vmap(ft.grad(softplus)), xs)):
        ft.check_jaxpr(ft.make_jaxpr(t)(x))


def test_custom_jvp_nondiff_argnums_and_pytrees():
    @functools.partial(custom_jvp, nondiff_argnums=(0,))
    def power(n, xs):
        return {"p": xs["a"] ** n, "q": xs["b"] * 2.0}

    @power.defjvp
    def power_jvp(n, primals, tangents):
        (xs,), (ts,) = primals, tangents
        out = power(n, xs)
        return out, {"p": n * xs["a"] ** (n - 1) * ts["a"], "q": ts["b"] * 2.0}

    xs = {"a": np.array([1.0, 2.0]), "b": 3.0}
    g = ft.grad(lambda xs: fnp.sum(power(3, xs)["p"]) + power(3, xs)["q"])(xs)
    np.testing.assert_allclose(g["a"], 3 * xs["a"] ** 2)
    assert g["b"] == 2.0


def test_check_grads_catches_a_wrong_custom_rule():
    @custom_jvp
    def f(x):
        return fnp.sin(x)

    f.defjvp(lambda p, t: (f(*p), t[0] * 2.0 * fnp.cos(p[0])))
    with pytest.raises(GradCheckError):
        check_grads(f, (0.3,), order=1, modes=("fwd",))


def test_custom_jvp_errors():
    @custom_jvp
    def f(x):
        return x * 2.0

    with pytest.raises(TypeError, match=r"no JVP rule.*@f.defjvp"):
        f(1.0)
    f.defjvp(lambda p, t: (f(*p), fnp.ones(3)))
    with pytest.raises(TypeError, match=r"tangent output leaf 0 has type f64\[3\], but f64\[\]"):
        ft.grad(f)(1.0)
    f.defjvp(lambda p, t: f(*p))
    with pytest.raises(TypeError, match="must return a pair"):
        ft.jvp(f, (1.0,), (1.0,))

    def closes_over(y):
        @custom_jvp
        def g(x):
            return x * y
        g.defjvp(lambda p, t: (g(*p), t[0] * y))
        return g(2.0)

    with pytest.raises(TypeError, match="closes over"):
        ft.grad(closes_over)(3.0)


# --------------------------------------------------------------------------- custom_vjp


@custom_vjp
def clip_gradient(x):
    return x


def _clip_fwd(x):
    return x, None


def _clip_bwd(_, g):
    return (fnp.clip(g, -1.0, 1.0),)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


def test_gradient_clipping():
    assert ft.grad(lambda x: 5.0 * clip_gradient(x))(2.0) == 1.0
    assert ft.grad(lambda x: 0.5 * clip_gradient(x))(2.0) == 0.5
    assert ft.grad(lambda x: -3.0 * clip_gradient(x) ** 2)(2.0) == -1.0
    xs = np.array([0.1, 2.0])
    f = lambda x: fnp.sin(x) * 3.0 * clip_gradient(x)  # noqa: E731
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(xs),
                               3 * np.cos(xs) * xs + np.clip(3 * np.sin(xs), -1, 1))
    np.testing.assert_allclose(ft.jacrev(lambda x: 4.0 * clip_gradient(x))(xs), np.eye(2))
    assert clip_gradient(3.0) == 3.0


def test_forward_mode_needs_a_linear_bwd():
    with pytest.raises(TypeError, match="linear in the cotangent"):
        ft.jvp(clip_gradient, (2.0,), (1.0,))


@custom_vjp
def sin_times(x, y):
    return fnp.sin(x) * y


def _sin_times_fwd(x, y):
    return sin_times(x, y), (fnp.cos(x), fnp.sin(x), y)


def _sin_times_bwd(res, g):
    cos_x, sin_x, y = res
    return cos_x * g * y, fnp.sum(sin_x * g)


sin_times.defvjp(_sin_times_fwd, _sin_times_bwd)


def test_custom_vjp_reverse_mode_calls_bwd():
    gx, gy = ft.grad(sin_times, argnums=(0, 1))(0.3, 2.0)
    np.testing.assert_allclose([gx, gy], [np.cos(0.3) * 2.0, np.sin(0.3)], rtol=1e-15)
    grad_ir = ft.make_jaxpr(ft.grad(sin_times))(0.3, 2.0)
    assert [e.primitive.name for e in grad_ir.eqns] == ["cos", "mul"]


def test_forward_mode_through_custom_vjp():
    x, y = np.array([0.3, 0.5]), 2.0
    _, t = ft.jvp(sin_times, (x, y), (np.array([1.0, -1.0]), 0.5))
    np.testing.assert_allclose(t, np.cos(x) * y * [1.0, -1.0] + np.sin(x) * 0.5, rtol=1e-15)
    np.testing.assert_allclose(ft.jacfwd(sin_times)(x, y), np.diag(np.cos(x) * y), rtol=1e-15)
    np.testing.assert_allclose(ft.jacfwd(sin_times, argnums=1)(x, y), np.sin(x), rtol=1e-15)
    np.testing.assert_allclose(ft.hessian(lambda x: fnp.sum(sin_times(x, y)))(x),
                               np.diag(-np.sin(x) * y), rtol=1e-14)
    np.testing.assert_allclose(ft.jacfwd(ft.jacfwd(lambda x: sin_times(x, y)))(0.3),
                               -np.sin(0.3) * y, rtol=1e-14)
    check_grads(sin_times, (x, y), order=2, modes=("fwd", "rev"))


def test_custom_vjp_nondiff_argnums_int_arguments_and_none_cotangents():
    @functools.partial(custom_vjp, nondiff_argnums=(0,))
    def scale(k, x, n):
        return x * k * n

    scale.defvjp(lambda k, x, n: (scale(k, x, n), n), lambda k, n, g: (g * k * n, None))
    assert ft.grad(scale, argnums=1)(2.0, 3.0, 4) == 8.0
    np.testing.assert_allclose(ft.vmap(ft.grad(scale, argnums=1), in_axes=(None, 0, None))(
        2.0, np.ones(3), 4), [8.0, 8.0, 8.0])
    np.testing.assert_allclose(ft.jvp(lambda x: scale(2.0, x, 4), (3.0,), (1.0,))[1], 8.0)


def test_custom_vjp_errors():
    @custom_vjp
    def f(x, y):
        return x * y

    with pytest.raises(TypeError, match=r"no VJP.*f.defvjp"):
        f(1.0, 2.0)
    f.defvjp(lambda x, y: (f(x, y), (x, y)), lambda res, g: (g * res[1],))
    with pytest.raises(TypeError, match=r"one cotangent per argument \(2\), got tuple of length 1"):
        ft.grad(f)(1.0, 2.0)
    f.defvjp(lambda x, y: (f(x, y), (x, y)), lambda res, g: (g * res[1], fnp.ones(2)))
    with pytest.raises(TypeError, match=r"cotangent 1 has type f64\[2\], but f64\[\]"):
        ft.grad(f)(1.0, 2.0)


# --------------------------------------------------------------------------- implicit fixed point


def _solve(a, b):
    """x = tanh(a x + b) by fixed-point iteration (a contraction for |a| < 1)."""
    def body(c):
        x, _ = c
        x_new = fnp.tanh(a * x + b)
        return x_new, fnp.max(fnp.abs(x_new - x))
    x, _ = lax.while_loop(lambda c: c[1] > 1e-13, body, (fnp.zeros_like(b), 1.0))
    return x


@custom_vjp
def fixed_point(a, b):
    return _solve(a, b)


def _fixed_point_fwd(a, b):
    x = _solve(a, b)
    return x, (a, x)


def _fixed_point_bwd(res, g):
    # Implicit function theorem on x = tanh(a x + b), elementwise: with s = 1 - x^2,
    # dx = s (x da + db) / (1 - a s); bwd is that map's transpose (linear in g).
    a, x = res
    s = 1.0 - x * x
    w = g * s / (1.0 - a * s)
    return fnp.sum(w * x), w


fixed_point.defvjp(_fixed_point_fwd, _fixed_point_bwd)


def test_fixed_point_solver_differentiated_implicitly():
    a, b = 0.5, np.array([0.2, -0.7, 1.1])
    x = fixed_point(a, b)
    np.testing.assert_allclose(x, np.tanh(a * x + b), atol=1e-13)
    loss = lambda a, b: fnp.sum(fixed_point(a, b) ** 2)  # noqa: E731
    through_loop = lambda a, b: fnp.sum(_solve(a, b) ** 2)  # noqa: E731
    ga, gb = ft.grad(loss, argnums=(0, 1))(a, b)
    ra, rb = ft.grad(through_loop, argnums=(0, 1))(a, b)   # reverse mode through the loop
    np.testing.assert_allclose(ga, ra, rtol=1e-9)
    np.testing.assert_allclose(gb, rb, rtol=1e-9)
    check_grads(loss, (a, b), order=1, modes=("fwd", "rev"))
    grad_ir = ft.make_jaxpr(ft.grad(loss, argnums=(0, 1)))(a, b)
    names = [e.primitive.name for e in grad_ir.eqns]
    assert names.count("while") == 1 and "scan" not in names   # only the forward solver
    ft.check_jaxpr(grad_ir)
    # forward mode through the same custom_vjp: the transposed bwd
    np.testing.assert_allclose(ft.jacfwd(loss, argnums=1)(a, b), gb, rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(loss), in_axes=(0, None))(np.array([a, 0.1]), b),
                               [ga, ft.grad(loss)(0.1, b)], rtol=1e-12)


def test_every_transformed_program_of_custom_functions_is_well_typed():
    x = np.array([0.3, 0.5])
    f = lambda x: fnp.sum(softplus(x) * sin_times(x, 2.0) + clip_gradient(x))  # noqa: E731
    for t, arg in ((ft.grad(f), x), (ft.hessian(f), x), (ft.vmap(ft.grad(f)), np.stack([x, x])),
                   (ft.jacfwd(ft.grad(f)), x), (ft.jit(ft.grad(f)), x)):
        closed = ft.make_jaxpr(t)(arg)
        ft.check_jaxpr(closed)
        np.testing.assert_allclose(closed(arg)[0], t(arg), rtol=1e-13)


def test_custom_functions_inside_loop_bodies():
    def through_scan(x):
        c, ys = lax.scan(lambda c, xi: (softplus(c * xi) * 0.5, sin_times(c, xi)), x,
                         np.linspace(0.1, 1.0, 4))
        return c + fnp.sum(ys)

    def through_while(x):
        return lax.while_loop(lambda c: c < 2.5, lambda c: sin_times(c, 1.2) + softplus(c), x)

    for f in (through_scan, through_while):
        check_grads(f, (0.4,), order=2, modes=("fwd", "rev"))
        np.testing.assert_allclose(ft.vmap(ft.grad(f))(np.array([0.4, 0.9])),
                                   [ft.grad(f)(0.4), ft.grad(f)(0.9)], rtol=1e-13)
        np.testing.assert_allclose(ft.hessian(f)(0.4), ft.jacfwd(ft.jacfwd(f))(0.4), rtol=1e-12)
        for t in (ft.grad(f), ft.hessian(f), ft.jit(ft.grad(f))):
            ft.check_jaxpr(ft.make_jaxpr(t)(0.4))


# --------------------------------------------------------------------------- closed-over values


def _closing_jvp(x, y):
    """sin(x) * y with a custom_jvp whose rule closes over `y` (a traced value under grad)."""
    @custom_jvp
    def g(x):
        return fnp.sin(x) * y
    g.defjvp(lambda p, t: (fnp.sin(p[0]) * y, fnp.cos(p[0]) * y * t[0]))
    return g(x)


def _closing_vjp(x, y):
    """sin(x) * y with a custom_vjp whose fwd and bwd close over `y`."""
    @custom_vjp
    def g(x):
        return fnp.sin(x) * y
    g.defvjp(lambda x: (fnp.sin(x) * y, fnp.cos(x)), lambda r, ct: (ct * r * y,))
    return g(x)


@pytest.mark.parametrize("h", [_closing_jvp, _closing_vjp], ids=["jvp", "vjp"])
def test_rules_closing_over_a_traced_value_that_is_not_differentiated(h):
    # d/dx sin(x) y = cos(x) y, with y a traced argument of the transformed function.
    x, ys = 0.5, np.array([1.0, 2.0, -3.0])
    np.testing.assert_allclose(ft.grad(h)(x, 2.0), np.cos(x) * 2.0, rtol=1e-14)
    np.testing.assert_allclose(ft.jacfwd(h)(x, 2.0), np.cos(x) * 2.0, rtol=1e-14)
    np.testing.assert_allclose(ft.jit(ft.grad(h))(x, 2.0), np.cos(x) * 2.0, rtol=1e-14)
    np.testing.assert_allclose(ft.vmap(ft.grad(h), in_axes=(None, 0))(x, ys), np.cos(x) * ys,
                               rtol=1e-14)
    # y batched by vmap inside grad: d/dx sum_i sin(x) y_i = cos(x) sum(y)
    summed = lambda x, ys: fnp.sum(ft.vmap(h, in_axes=(None, 0))(x, ys))  # noqa: E731
    np.testing.assert_allclose(ft.grad(summed)(x, ys), np.cos(x) * ys.sum(), rtol=1e-14)
    # second order: d2/dx2 sin(x) y = -sin(x) y
    np.testing.assert_allclose(ft.jacrev(ft.jacfwd(h))(x, 2.0), -np.sin(x) * 2.0, rtol=1e-14)
    _, t = ft.jvp(lambda x: h(x, 2.0), (x,), (1.0,))
    np.testing.assert_allclose(t, np.cos(x) * 2.0, rtol=1e-14)


@pytest.mark.parametrize("h", [_closing_jvp, _closing_vjp], ids=["jvp", "vjp"])
def test_rules_closing_over_the_scanned_value_inside_a_scan_body(h):
    xs = np.array([0.1, 0.2, -0.4])

    def f(c0):   # the rules close over the scanned x, a tracer of the scan body's trace
        return lax.scan(lambda c, x: (h(c, x), None), c0, xs)[0]

    eps = 1e-6
    fd = (f(0.3 + eps) - f(0.3 - eps)) / (2 * eps)
    np.testing.assert_allclose(ft.grad(f)(0.3), fd, rtol=1e-8)
    np.testing.assert_allclose(ft.jacfwd(f)(0.3), fd, rtol=1e-8)
    np.testing.assert_allclose(ft.jit(ft.grad(f))(0.3), fd, rtol=1e-8)
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(np.array([0.3, 0.3])), [fd, fd], rtol=1e-8)


@pytest.mark.parametrize("h", [_closing_jvp, _closing_vjp], ids=["jvp", "vjp"])
def test_rules_closing_over_a_traced_value_keep_one_equation_in_the_ir(h):
    closed = ft.make_jaxpr(h)(0.5, 2.0)
    assert [e.primitive.name for e in closed.eqns] == [f"custom_{h.__name__[-3:]}_call"]
    ft.check_jaxpr(ft.make_jaxpr(ft.grad(h))(0.5, 2.0))
    ft.check_jaxpr(ft.make_jaxpr(ft.vmap(ft.grad(h), in_axes=(None, 0)))(0.5, np.ones(2)))


def test_rules_closing_over_the_differentiated_value_still_raise():
    with pytest.raises(TypeError, match="closes over"):
        ft.grad(_closing_vjp, argnums=1)(0.5, 2.0)
    with pytest.raises(TypeError, match="closes over"):
        ft.grad(_closing_jvp, argnums=1)(0.5, 2.0)


# --------------------------------------------------------------------------- keyword arguments


def test_keyword_arguments_and_defaults_reach_the_rules_positionally():
    seen = []

    @custom_jvp
    def f(x, y=3.0):
        return x * y

    @f.defjvp
    def _(primals, tangents):
        seen.append(len(primals))
        (x, y), (tx, ty) = primals, tangents
        return f(x, y), tx * y + x * ty   # d(x y) = y dx + x dy

    np.testing.assert_allclose(ft.grad(f)(2.0), 3.0)
    np.testing.assert_allclose(ft.grad(lambda x: f(x, y=5.0))(2.0), 5.0)
    np.testing.assert_allclose(ft.grad(lambda y: f(x=2.0, y=y))(4.0), 2.0)
    assert f(2.0, y=4.0) == 8.0 and set(seen) == {2}

    @custom_vjp
    def g(x, scale=2.0):
        return x * scale

    g.defvjp(lambda x, scale: (x * scale, scale), lambda s, ct: (ct * s, None))
    np.testing.assert_allclose(ft.grad(g)(1.5), 2.0)
    np.testing.assert_allclose(ft.grad(lambda x: g(x, scale=-4.0))(1.5), -4.0)
    np.testing.assert_allclose(ft.grad(lambda x: g(scale=0.5, x=x))(1.5), 0.5)


def test_nondiff_argument_given_by_keyword_is_an_error():
    @functools.partial(custom_jvp, nondiff_argnums=(0,))
    def f(n, x):
        return x * n

    f.defjvp(lambda n, p, t: (f(n, *p), t[0] * n))
    assert ft.grad(lambda x: f(3, x=x))(1.0) == 3.0
    with pytest.raises(TypeError, match=r"'n' is in nondiff_argnums.*pass it positionally"):
        f(x=1.0, n=3)

    @functools.partial(custom_vjp, nondiff_argnums=(1,))
    def g(x, n):
        return x * n

    g.defvjp(lambda x, n: (x * n, None), lambda n, _, ct: (ct * n,))
    assert ft.grad(lambda x: g(x, 3))(1.0) == 3.0
    with pytest.raises(TypeError, match=r"'n' is in nondiff_argnums.*pass it positionally"):
        g(1.0, n=3)
    with pytest.raises(TypeError, match=r"custom_vjp g: .*unexpected keyword argument 'z'"):
        g(1.0, 3, z=2)


def test_a_broken_rule_fails_only_when_it_is_needed():
    @custom_jvp
    def f(x):
        return x * 2.0

    f.defjvp(lambda p, t: f(*p))   # not a pair

    @custom_vjp
    def g(x):
        return x * 2.0

    g.defvjp(lambda x: (x * 2.0, None), lambda _, ct: ct)   # not a tuple of cotangents
    for h in (f, g):
        np.testing.assert_allclose(ft.jit(h)(1.5), 3.0)
        np.testing.assert_allclose(ft.vmap(h)(np.array([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(TypeError, match="must return a pair"):
        ft.grad(f)(1.0)
    with pytest.raises(TypeError, match="must return a tuple with one cotangent per argument"):
        ft.grad(g)(1.0)
