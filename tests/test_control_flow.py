"""Control flow (issue 6): cond, switch, while_loop, fori_loop, scan through every transformation.

Derivatives are checked by `check_grads` (order 2, both modes) against finite differences,
`vmap` against a Python loop over the batch, and every transformed program by `check_jaxpr`.
"""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
from functrans import cache, control_flow, errors, ir
from functrans.interpreters import ad, batching, partial_eval
from functrans.test_util import check_grads

# --------------------------------------------------------------------------- test functions


def cond_fn(x, y):
    return lax.cond(fnp.sum(x) > y, lambda a, b: fnp.sin(a) * b, lambda a, b: a * a + b, x, y)


def while_fn(x):
    """Doubles-ish until every entry passes 10: the trip count depends on x."""
    def body(c):
        v, n = c
        return v * 1.5 + 0.1 * fnp.sin(v), n + 1
    v, _ = lax.while_loop(lambda c: fnp.min(c[0]) < 10.0, body, (x, 0))
    return v * 2.0


def while_ref(x):
    v = np.asarray(x, float)
    while np.min(v) < 10.0:
        v = v * 1.5 + 0.1 * np.sin(v)
    return v * 2.0


def scan_fn(w, h0, xs):
    def cell(h, x):
        h = fnp.tanh(w * h + x)
        return h, h * x
    h, ys = lax.scan(cell, h0, xs)
    return fnp.sum(h) + fnp.sum(ys)


def scan_ref(w, h0, xs):
    h, total = np.asarray(h0, float), 0.0
    for x in xs:
        h = np.tanh(w * h + x)
        total += np.sum(h * x)
    return np.sum(h) + total


def fori_fn(x, n):
    return lax.fori_loop(0, n, lambda i, c: c * 0.9 + fnp.sin(c) * i, x)


def fori_ref(x, n):
    c = np.asarray(x, float)
    for i in range(n):
        c = c * 0.9 + np.sin(c) * i
    return c


def inner_while(x, k):
    return lax.while_loop(lambda c: c < k, lambda c: c * 1.3 + 0.05 * fnp.sin(c), x)


def while_in_scan(x):
    c, ys = lax.scan(lambda c, k: (inner_while(c, k) * 0.2, c), x, np.array([2.0, 5.0, 1.0]))
    return c + fnp.sum(ys)


def while_in_while(x):
    def body(c):
        v, k = c
        return inner_while(v, k) * 0.5, k + 1.0
    return lax.while_loop(lambda c: c[1] < 4.0, body, (x, 1.0))[0]


def cond_in_while(x):
    def body(c):
        v, i = c
        v = lax.cond(i % 2 == 0, lambda v: fnp.sin(v) + v, lambda v: v * 1.5 + 0.1, v)
        return v, i + 1
    return lax.while_loop(lambda c: c[0] < 5.0, body, (x, 0))[0]


def while_in_cond(x):
    return lax.cond(x > 1.0, lambda x: inner_while(x, 7.0), lambda x: x * 3.0, x)


X3 = np.array([0.3, 0.8, 1.7])

# --------------------------------------------------------------------------- evaluation


def test_cond_selects_branch_eagerly_jitted_and_traced():
    y = 1.0
    np.testing.assert_allclose(cond_fn(X3, 5.0), X3 * X3 + 5.0)
    np.testing.assert_allclose(cond_fn(X3, 1.0), np.sin(X3) * 1.0)
    jitted = ft.jit(cond_fn)
    np.testing.assert_allclose(jitted(X3, 5.0), X3 * X3 + 5.0)
    np.testing.assert_allclose(jitted(X3, y), np.sin(X3) * y)
    assert [e.primitive.name for e in ft.make_jaxpr(cond_fn)(X3, 1.0).eqns][-1] == "cond"


def test_cond_with_concrete_predicate_only_calls_the_chosen_branch():
    def broken(x):
        raise AssertionError("the branch not taken was called")
    assert lax.cond(True, lambda x: x + 1.0, broken, 1.0) == 2.0
    assert lax.cond(np.int64(0), broken, lambda x: x - 1.0, 1.0) == 0.0


def test_cond_numeric_predicate_and_pytrees():
    def f(x, p):
        return lax.cond(p, lambda t: {"a": t[0] * 2.0, "b": t[1]},
                        lambda t: {"a": t[0], "b": t[1] + 1}, (x, np.int64(3)))
    out = ft.jit(f)(np.ones(2), 2.5)   # nonzero float: true
    np.testing.assert_array_equal(out["a"], [2.0, 2.0])
    assert out["b"] == 3 and out["b"].dtype == np.int64
    assert ft.jit(f)(np.ones(2), 0.0)["b"] == 4


def test_switch_clamps_index():
    branches = [lambda x: x, lambda x: x * 2.0, lambda x: x * 3.0]
    f = ft.jit(lambda i, x: lax.switch(i, branches, x))
    assert [float(f(i, 1.0)) for i in (-5, 0, 1, 2, 9)] == [1.0, 1.0, 2.0, 3.0, 3.0]
    np.testing.assert_allclose(ft.vmap(f)(np.array([-1, 1, 2, 7]), np.ones(4)), [1, 2, 3, 3])


def test_while_loop_matches_python():
    np.testing.assert_allclose(while_fn(X3), while_ref(X3), rtol=1e-14)
    np.testing.assert_allclose(ft.jit(while_fn)(X3), while_ref(X3), rtol=1e-14)
    assert lax.while_loop(lambda x: x < 10, lambda x: x * 2, 1) == 16


def test_while_loop_with_zero_trips():
    np.testing.assert_allclose(while_fn(np.array([11.0, 12.0])), [22.0, 24.0])
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(while_fn(x)))(np.array([11.0])), [2.0])


def test_fori_loop_concrete_bounds_is_scan_and_traced_is_while():
    np.testing.assert_allclose(fori_fn(0.4, 5), fori_ref(0.4, 5), rtol=1e-14)
    prims = [e.primitive.name for e in ft.make_jaxpr(lambda x: fori_fn(x, 5))(0.4).eqns]
    assert "scan" in prims and "while" not in prims
    prims = [e.primitive.name for e in ft.make_jaxpr(fori_fn)(0.4, 5).eqns]
    assert "while" in prims and "scan" not in prims
    np.testing.assert_allclose(ft.jit(fori_fn)(0.4, 5), fori_ref(0.4, 5), rtol=1e-14)
    assert fori_fn(0.4, -3) == 0.4 and ft.jit(fori_fn)(0.4, -3) == 0.4


def test_scan_matches_python_and_stacks_pytrees():
    xs = np.linspace(-1.0, 1.0, 6)
    np.testing.assert_allclose(scan_fn(0.7, 0.2, xs), scan_ref(0.7, 0.2, xs), rtol=1e-14)
    carry, ys = lax.scan(lambda c, x: ((c[0] + x["a"], c[1] * 2), {"s": c[0], "t": x["a"] * 2}),
                         (0.0, 1), {"a": np.arange(4.0)})
    assert carry[0] == 6.0 and carry[1] == 16 and carry[1].dtype == np.int64
    np.testing.assert_array_equal(ys["s"], [0.0, 0.0, 1.0, 3.0])
    np.testing.assert_array_equal(ys["t"], [0.0, 2.0, 4.0, 6.0])


def test_scan_reverse_and_length_without_xs():
    c, ys = lax.scan(lambda c, x: (c * 10 + x, c), 0, np.arange(1, 4), reverse=True)
    assert c == 321
    np.testing.assert_array_equal(ys, [32, 3, 0])   # ys keep the order of xs
    c, ys = lax.scan(lambda c, _: (c + 1.0, None), 0.0, None, length=5)
    assert c == 5.0 and ys is None


def test_weak_typed_initial_carry_takes_the_body_dtype():
    out = lax.fori_loop(0, 3, lambda i, x: x + np.float32(0.5), 0.0)
    assert out.dtype == np.float32 and out == 1.5
    out = ft.jit(lambda n: lax.fori_loop(0, n, lambda i, x: x + i, 0))(4)
    assert out.dtype == np.int64 and out == 6


# --------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name, fn, args", [
    ("cond_true", cond_fn, (X3, 1.0)),
    ("cond_false", cond_fn, (X3, 5.0)),
    ("while", lambda x: fnp.sum(while_fn(x) ** 2), (X3,)),
    ("fori_concrete", lambda x: fori_fn(x, 4), (X3,)),
    ("fori_traced", lambda x: fori_fn(x, np.int64(4)), (X3,)),
    ("scan", scan_fn, (0.7, np.array([0.2, -0.1]), np.linspace(-1.0, 1.0, 5))),
    ("scan_reverse_pytree", lambda x: lax.scan(
        lambda c, xy: ((c[0] * fnp.sin(xy[0]), c[1] + c[0] * xy[1]), c[0] ** 2),
        (x, 0.0), (np.linspace(0.1, 1.0, 4), np.arange(4.0)), reverse=True), (0.9,)),
    ("while_in_scan", while_in_scan, (0.5,)),
    ("while_in_while", while_in_while, (0.5,)),
    ("cond_in_while", cond_in_while, (0.5,)),
    ("while_in_cond_true", while_in_cond, (1.5,)),
    ("while_in_cond_false", while_in_cond, (0.5,)),
])
def test_check_grads_order_2_both_modes(name, fn, args):
    check_grads(fn, args, order=2, modes=("fwd", "rev"))


def test_grad_through_while_matches_unrolled_derivative():
    x0 = 0.3
    v, d = x0, 1.0
    while v < 10.0:   # d/dx of the same recurrence, by hand
        v, d = v * 1.5 + 0.1 * np.sin(v), d * (1.5 + 0.1 * np.cos(v))
    np.testing.assert_allclose(ft.grad(lambda x: while_fn(x)[0])(np.array([x0]))[0], 2 * d,
                               rtol=1e-12)


def test_jacobians_and_hessians_agree_across_modes():
    f = lambda x: while_fn(x) ** 2  # noqa: E731
    np.testing.assert_allclose(ft.jacfwd(f)(X3), ft.jacrev(f)(X3), rtol=1e-11)
    g = lambda x: scan_fn(0.7, x, np.linspace(-1.0, 1.0, 4))  # noqa: E731
    h = ft.hessian(g)(np.array([0.2, -0.1]))
    np.testing.assert_allclose(h, ft.jacrev(ft.jacfwd(g))(np.array([0.2, -0.1])), rtol=1e-11)
    np.testing.assert_allclose(h, h.T, rtol=1e-11)
    np.testing.assert_allclose(ft.hessian(lambda x: fnp.sum(cond_fn(x, 1.0)))(X3),
                               np.diag(-np.sin(X3)), rtol=1e-12)


def test_stop_gradient_inside_control_flow():
    assert lax.stop_gradient is ft.stop_gradient
    f = lambda x: lax.cond(x > 0, lambda x: x * lax.stop_gradient(x), lambda x: x, x)  # noqa
    assert ft.grad(f)(3.0) == 3.0
    g = lambda x: lax.fori_loop(0, 3, lambda i, c: c * lax.stop_gradient(x), x)  # noqa: E731
    assert ft.grad(g)(2.0) == 8.0
    h = lambda x: lax.while_loop(lambda c: c < 10.0, lambda c: lax.stop_gradient(c) * 3.0 + c,  # noqa
                                 x)
    np.testing.assert_allclose(ft.grad(h)(1.0), 1.0)


def test_linearize_through_while_evaluates_only_the_linear_loop():
    _, f_jvp = ft.linearize(while_fn, X3)
    np.testing.assert_allclose(f_jvp(np.ones(3)), ft.jvp(while_fn, (X3,), (np.ones(3),))[1],
                               rtol=1e-13)
    _, lin, _, _ = ad.linearize_jaxpr(ft.make_jaxpr(while_fn)(X3), [True])
    assert [e.primitive.name for e in lin.eqns if e.primitive.name in ("scan", "while")] == ["scan"]
    assert [e.params["length"] for e in lin.eqns if e.primitive.name == "scan"] == [None]


# --------------------------------------------------------------------------- reverse-mode IR


def test_grad_of_while_ir_records_trips_and_stacks_then_runs_a_dynamic_scan_backwards():
    closed = ft.make_jaxpr(ft.grad(lambda x: fnp.sum(while_fn(x))))(X3)
    names = [e.primitive.name for e in closed.eqns]
    assert names.count("while") == 1 and names.count("scan") == 1
    (loop,) = [e for e in closed.eqns if e.primitive.name == "while"]
    (back,) = [e for e in closed.eqns if e.primitive.name == "scan"]
    stacks = [v for v in loop.outvars if v.aval.shape[:1] == (ir.DYN,)]
    assert loop.params["num_ys"] == len(stacks) >= 1
    assert back.params["length"] is None and back.params["reverse"] is True
    assert back.invars[0] in loop.outvars   # the trip count the forward loop recorded
    assert set(stacks) <= set(back.invars)
    assert "f64[*,3]" in str(closed)
    ft.check_jaxpr(closed)


def test_long_scan_reverse_mode_is_one_forward_and_one_backward_scan():
    def f(x):
        c, _ = lax.scan(lambda c, _: (fnp.sin(c) * 0.999 + 0.001, None), x, None, length=10_000)
        return c
    g = ft.grad(f)(0.5)
    c, d = 0.5, 1.0
    for _ in range(10_000):
        c, d = np.sin(c) * 0.999 + 0.001, d * np.cos(c) * 0.999
    np.testing.assert_allclose(g, d, rtol=1e-9)
    closed = ft.make_jaxpr(ft.grad(f))(0.5)
    scans = [e for e in closed.eqns if e.primitive.name == "scan"]
    assert [e.params["reverse"] for e in scans] == [False, True]
    assert len(closed.eqns) < 10


def test_long_while_reverse_mode_does_not_recurse():
    def f(x):
        return lax.while_loop(lambda c: c[1] < 10_000,
                              lambda c: (fnp.sin(c[0]) * 0.999 + 0.001, c[1] + 1), (x, 0))[0]
    g = ft.grad(f)(0.5)
    assert np.isfinite(g) and 0.0 < g < 1e-30


# --------------------------------------------------------------------------- vmap


def test_vmap_cond_batched_and_unbatched_predicate():
    xs = np.array([[0.1, 0.2, 0.3], [2.0, 1.0, 3.0], [0.5, 0.5, 0.5]])
    ys = np.array([1.0, 2.0, 1.4])
    np.testing.assert_allclose(ft.vmap(cond_fn)(xs, ys),
                               [cond_fn(x, y) for x, y in zip(xs, ys, strict=True)])
    np.testing.assert_allclose(ft.vmap(cond_fn, in_axes=(0, None))(xs, 1.5),
                               [cond_fn(x, 1.5) for x in xs])
    np.testing.assert_allclose(ft.vmap(cond_fn, in_axes=(None, 0))(X3, ys),
                               [cond_fn(X3, y) for y in ys])


def test_vmap_while_with_lanes_finishing_at_different_trips():
    def f(x):
        return lax.while_loop(lambda c: c[0] < 10.0, lambda c: (c[0] * 2.0 + 1.0, c[1] + 1),
                               (x, 0))
    xs = np.array([0.5, 3.0, 20.0, 9.0])
    v, n = ft.vmap(f)(xs)
    refs = [f(x) for x in xs]
    np.testing.assert_allclose(v, [r[0] for r in refs])
    np.testing.assert_array_equal(n, [r[1] for r in refs])
    assert len(set(n.tolist())) == 4   # 0, 1, 3 and 4 trips
    grads = ft.vmap(ft.grad(lambda x: f(x)[0]))(xs)
    np.testing.assert_allclose(grads, [ft.grad(lambda x: f(x)[0])(x) for x in xs])
    np.testing.assert_allclose(grads, 2.0 ** n)


def test_vmap_while_unbatched_predicate_batched_carry():
    f = lambda x, n: lax.fori_loop(0, n, lambda i, c: c * 0.5 + x, x)  # noqa: E731
    xs = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(ft.vmap(f, in_axes=(0, None))(xs, 3), [f(x, 3) for x in xs])
    ns = np.array([0, 2, 5])
    np.testing.assert_allclose(ft.vmap(f)(xs, ns), [f(x, n) for x, n in zip(xs, ns, strict=True)])
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(xs, ns),
                               [ft.grad(f)(x, n) for x, n in zip(xs, ns, strict=True)])


def test_vmap_scan_over_every_operand_kind():
    ws = np.array([0.5, 0.7, -0.3])
    h0s = np.array([[0.1, 0.2], [0.0, -0.4], [0.3, 0.3]])
    xss = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    np.testing.assert_allclose(ft.vmap(scan_fn)(ws, h0s, xss),
                               [scan_ref(w, h, x) for w, h, x in zip(ws, h0s, xss, strict=True)])
    np.testing.assert_allclose(ft.vmap(scan_fn, in_axes=(0, None, None))(ws, h0s[0], xss[0]),
                               [scan_ref(w, h0s[0], xss[0]) for w in ws])
    # xs batched along their second axis: the scanned axis stays first
    np.testing.assert_allclose(ft.vmap(scan_fn, in_axes=(None, None, 1))(0.7, h0s[0], xss.T),
                               [scan_ref(0.7, h0s[0], x) for x in xss])
    g = ft.vmap(ft.grad(scan_fn, argnums=(0, 1)))(ws, h0s, xss)
    for i, (w, h, x) in enumerate(zip(ws, h0s, xss, strict=True)):
        gw, gh = ft.grad(scan_fn, argnums=(0, 1))(w, h, x)
        np.testing.assert_allclose(g[0][i], gw, rtol=1e-12)
        np.testing.assert_allclose(g[1][i], gh, rtol=1e-12)


def test_vmap_of_nested_loops_and_their_gradients():
    xs = np.array([0.5, 1.5, 2.5])
    for f in (while_in_scan, while_in_while, cond_in_while, while_in_cond):
        np.testing.assert_allclose(ft.vmap(f)(xs), [f(x) for x in xs], rtol=1e-13)
        np.testing.assert_allclose(ft.vmap(ft.grad(f))(xs), [ft.grad(f)(x) for x in xs],
                                   rtol=1e-12)


# --------------------------------------------------------------------------- well-typed IR

TRANSFORMS = {
    "f": lambda f: f,
    "grad": lambda f: ft.grad(lambda *a: fnp.sum(f(*a))),
    "jvp": lambda f: lambda *a: ft.jvp(f, a, a)[1],
    "vmap": lambda f: ft.vmap(f),
    "jacfwd": lambda f: ft.jacfwd(f),
    "jacrev": lambda f: ft.jacrev(f),
    "hessian": lambda f: ft.hessian(lambda *a: fnp.sum(f(*a))),
    "vmap_grad": lambda f: ft.vmap(ft.grad(lambda *a: fnp.sum(f(*a)))),
    "jit_grad": lambda f: ft.jit(ft.grad(lambda *a: fnp.sum(f(*a)))),
}
FUNCS = {
    "cond": (lambda x: cond_fn(x, 1.0), X3),
    "while": (while_fn, X3),
    "scan": (lambda h: scan_fn(0.7, h, np.linspace(-1.0, 1.0, 3)), X3),
    "fori_traced": (lambda x: fori_fn(x, np.int64(3)), X3),
    "while_in_scan": (while_in_scan, 0.5),
    "while_in_while": (while_in_while, 0.5),
    "while_in_cond": (while_in_cond, 1.5),
}


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("func", sorted(FUNCS))
def test_every_transformed_program_is_well_typed(func, transform):
    f, x = FUNCS[func]
    if transform.startswith("vmap"):
        x = np.stack([x, x * 1.1, x * 0.5])
    g = TRANSFORMS[transform](f)
    closed = ft.make_jaxpr(g)(x)
    ft.check_jaxpr(closed)
    np.testing.assert_allclose(np.asarray(g(x)), np.reshape(closed(x)[0], np.shape(g(x))),
                               rtol=1e-12)


def test_unused_loop_outputs_are_removed_inside_the_loop():
    def f(x):
        (a, _), _ = lax.scan(lambda c, _: ((fnp.sin(c[0]), fnp.exp(c[1])), fnp.cos(c[0])),
                             (x, x), None, length=3)
        return a
    (eqn,) = ft.make_jaxpr(f)(1.0).eqns
    assert [e.primitive.name for e in eqn.params["jaxpr"].eqns] == ["sin"]
    assert eqn.params["num_carry"] == 1 and len(eqn.outvars) == 1


# --------------------------------------------------------------------------- printing


def test_ir_dump_indents_sub_jaxprs():
    f = lambda x: lax.cond(x > 0, lambda x: fnp.sin(x), lambda x: x * 2.0, x)  # noqa: E731
    assert str(ft.make_jaxpr(f)(1.0)) == """\
{ lambda ; a:f64[]. let
    b:bool[] = gt a 0.0:f64[]
    c:f64[] = cond[
      branches=(
        { lambda ; d:f64[]. let
            e:f64[] = mul d 2.0:f64[]
          in (e,) }
        { lambda ; f:f64[]. let
            g:f64[] = sin f
          in (g,) }
      )
    ] b a
  in (c,) }"""
    g = lambda x: lax.scan(lambda c, y: (c * y, c), x, np.ones(3))  # noqa: E731
    assert str(ft.make_jaxpr(g)(1.0)) == """\
{ lambda a:f64[3]; b:f64[]. let
    c:f64[] d:f64[3] = scan[
      length=3
      reverse=False
      num_consts=0
      num_carry=1
      jaxpr={ lambda ; e:f64[] f:f64[]. let
          g:f64[] = mul e f
        in (g, e) }
    ] b a
  in (c, d) }"""


# --------------------------------------------------------------------------- errors


def test_cond_branch_output_types_differ():
    with pytest.raises(TypeError, match=r"output leaf 0 has type f64\[\] in true_fun but "
                                        r"f64\[3\] in false_fun"):
        ft.jit(lambda x: lax.cond(x[0] > 0, lambda x: fnp.sum(x), lambda x: x, x))(X3)
    with pytest.raises(TypeError, match=r"f32\[\] in true_fun but f64\[\] in false_fun"):
        ft.jit(lambda x: lax.cond(x > 0, lambda x: x.astype(np.float32), lambda x: x, x))(
            np.float64(1.0))
    with pytest.raises(TypeError, match="structure"):
        ft.jit(lambda x: lax.cond(x > 0, lambda x: (x, x), lambda x: x, x))(1.0)


def test_loop_carry_type_changes():
    with pytest.raises(TypeError, match=r"carry leaf 0 from f64\[3\] to f64\[\]"):
        lax.while_loop(lambda x: fnp.sum(x) < 5.0, lambda x: fnp.sum(x), X3)
    with pytest.raises(TypeError, match=r"fori_loop: body_fun changes the type of carry leaf 0 "
                                        r"from i64\[\] to f64\[\]"):
        lax.fori_loop(0, 3, lambda i, x: x * 0.5, np.int64(1))
    with pytest.raises(TypeError, match=r"from f64\[\] to f32\[\]"):
        lax.scan(lambda c, x: (c.astype(np.float32), x), np.float64(1.0), X3)


def test_other_user_errors_name_the_problem():
    with pytest.raises(TypeError, match=r"cond_fun .* must return a bool scalar, got \(f64\[\]\)"):
        lax.while_loop(lambda x: x, lambda x: x, 1.0)
    with pytest.raises(TypeError, match=r"must return a pair \(carry, y\)"):
        lax.scan(lambda c, x: c, 0.0, X3)
    with pytest.raises(ValueError, match="different leading sizes"):
        lax.scan(lambda c, x: (c, None), 0.0, (np.ones(2), np.ones(3)))
    with pytest.raises(ValueError, match="length"):
        lax.scan(lambda c, x: (c, None), 0.0, None)
    with pytest.raises(TypeError, match=r"pred must be a scalar.*f64\[3\]"):
        lax.cond(X3, lambda: 0, lambda: 1)
    with pytest.raises(TypeError, match=r"operand 0 of jaxpr has type f32\[\]"):
        body, consts = control_flow.trace_body(lambda c: [c], [ft.ShapedArray((), np.float64)])
        control_flow.scan(body, consts, [np.float32(1.0)], [], length=2)


def test_python_control_flow_on_tracer_points_to_lax():
    with pytest.raises(errors.ConcretizationError, match="lax.cond / while_loop"):
        ft.jit(lambda x: x if x > 0 else -x)(1.0)


def test_scan_length_must_be_a_non_negative_int():
    body = lambda c, _: (c + 1.0, c)  # noqa: E731
    with pytest.raises(errors.FunctransValueError, match=r"length must be a non-negative int, "
                                                         r"got length=-1"):
        lax.scan(body, 0.0, None, length=-1)
    with pytest.raises(errors.FunctransTypeError, match=r"length must be a non-negative int, "
                                                        r"got length=2.0 of type float"):
        lax.scan(body, 0.0, None, length=2.0)
    c, ys = lax.scan(body, 0.0, None, length=np.int64(0))
    assert c == 0.0 and ys.shape == (0,)
    c, ys = lax.scan(body, 0.0, None, length=np.int32(3))
    assert c == 3.0 and ys.shape == (3,)


# --------------------------------------------------------------------------- nesting depth


def _nested(kind: str, depth: int):
    """`sin` wrapped in `depth` levels of `kind` (each a single trip or an always-true cond)."""
    def f(x, d=depth):
        if d == 0:
            return fnp.sin(x)
        if kind == "cond":
            return lax.cond(x > -100.0, lambda y: f(y, d - 1), lambda y: y, x)
        if kind == "scan":
            return lax.scan(lambda c, _: (f(c, d - 1), None), x, None, length=1)[0]
        return lax.while_loop(lambda c: c[0] < 1, lambda c: (c[0] + 1, f(c[1], d - 1)),
                              (0, x))[1]
    return f


@pytest.mark.parametrize("kind", ["cond", "scan", "while"])
def test_rewrites_of_nested_control_flow_grow_linearly_with_depth(kind, monkeypatch):
    # Each rule rewrote its sub-program several times (a carry fixpoint, then the final
    # program; natural batch axes, then fixed ones), so the rewrites grew as 2**depth (jvp) or
    # 3**depth (vmap): 6 s for vmap of 10 nested scans, 60 s for 12.
    calls = {"jvp": 0, "batch": 0, "pe": 0}

    def counting(name, fun):
        def counted(*args, **kwargs):
            calls[name] += 1
            return fun(*args, **kwargs)
        return counted

    monkeypatch.setattr(ad, "jvp_jaxpr", counting("jvp", ad.jvp_jaxpr))
    monkeypatch.setattr(batching, "batch_jaxpr", counting("batch", batching.batch_jaxpr))
    monkeypatch.setattr(partial_eval, "partial_eval_jaxpr",
                        counting("pe", partial_eval.partial_eval_jaxpr))
    counts = []
    for depth in (4, 8):
        calls.update(jvp=0, batch=0, pe=0)
        f = _nested(kind, depth)
        with cache.CACHE.disabled():
            assert ft.jvp(f, (0.5,), (1.0,))[1] == pytest.approx(np.cos(0.5))
            assert ft.grad(f)(0.5) == pytest.approx(np.cos(0.5))
            np.testing.assert_allclose(ft.vmap(f)(np.array([0.5, 1.0])), np.sin([0.5, 1.0]))
            np.testing.assert_allclose(ft.vmap(ft.grad(f))(np.array([0.5, 1.0])),
                                       np.cos([0.5, 1.0]))
        counts.append(dict(calls))
    # Twice the depth, about twice the rewrites (not 2**4 or 3**4 times as many).
    for name in calls:
        assert counts[1][name] <= 2.5 * counts[0][name] + 4, counts


def test_lax_map_is_a_scan_without_carry():
    """`lax.map` (JAX's): values as a Python loop, one scan equation, derivatives against
    central differences, vmap against a loop, pytrees in and out."""
    xs = np.arange(6.0).reshape(3, 2) / 4.0

    def f(r):
        return fnp.sin(r) * r[0]

    np.testing.assert_allclose(lax.map(f, xs), np.stack([np.sin(r) * r[0] for r in xs]))
    prims = [e.primitive.name for e in ft.make_jaxpr(lambda xs: lax.map(f, xs))(xs).eqns]
    assert prims == ["scan"]
    loss = lambda xs: fnp.sum(lax.map(f, xs) ** 2)   # noqa: E731
    g = ft.grad(loss)(xs)
    eps, fd = 1e-6, np.zeros_like(xs)
    for idx in np.ndindex(xs.shape):
        d = np.zeros_like(xs)
        d[idx] = eps
        fd[idx] = (loss(xs + d) - loss(xs - d)) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)
    batch = np.stack([xs, 2 * xs])
    np.testing.assert_allclose(ft.vmap(lambda b: lax.map(f, b))(batch),
                               np.stack([lax.map(f, b) for b in batch]))
    np.testing.assert_allclose(ft.jit(lambda b: lax.map(f, b))(xs), lax.map(f, xs))
    out = lax.map(lambda d: {"s": d["x"] + d["y"]}, {"x": np.ones(4), "y": np.arange(4.0)})
    np.testing.assert_array_equal(out["s"], 1.0 + np.arange(4.0))
