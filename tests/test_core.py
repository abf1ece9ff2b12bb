"""The IR, tracing, the interpreter and their errors (issue 2)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import errors, evaluate, ir
from functrans.primitives import elementwise, transcendental
from functrans.primitives import shape as shape_prims


def _eval(closed, *args):
    ft.check_jaxpr(closed)
    return evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def test_golden_dump_of_api_example():
    closed = ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))
    assert str(closed) == (
        "{ lambda ; a:f64[3]. let\n"
        "    b:f64[3] = sin a\n"
        "    c:f64[3] = mul b 2.0:f64[]\n"
        "  in (c,) }")


def test_golden_dump_with_consts_params_and_pytrees():
    w = np.arange(6.0).reshape(2, 3)

    def f(inputs):
        return {"y": fnp.sum(w @ inputs["x"], axis=0), "n": inputs["n"] + 1}

    closed = ft.make_jaxpr(f)({"x": np.ones(3), "n": np.int32(2)})
    assert str(closed) == (
        "{ lambda a:f64[2,3]; b:i32[] c:f64[3]. let\n"
        "    d:f64[2] = dot_general[dimension_numbers=(((1,), (0,)), ((), ()))] a c\n"
        "    e:f64[] = reduce_sum[axes=(0,)] d\n"
        "    f:i32[] = add b 1:i32[]\n"
        "  in (f, e) }")
    out = _eval(closed, np.int32(2), np.ones(3))
    assert out[0] == 3 and out[0].dtype == np.int32
    np.testing.assert_allclose(out[1], np.sum(w @ np.ones(3)))


def test_pretty_source_names_the_user_line():
    closed = ft.make_jaxpr(lambda x: fnp.exp(x))(np.ones(2))
    line = test_pretty_source_names_the_user_line.__code__.co_firstlineno + 1
    text = closed.pretty(source=True)
    assert f"# test_core.py:{line}" in text
    assert "# test_core" not in str(closed)


def test_python_scalars_are_weak_and_promote_per_nep50():
    closed = ft.make_jaxpr(lambda x: x * 2 + 1.5)(np.ones(3, np.float32))
    assert [v.aval.dtype for v in closed.jaxpr.outvars] == [np.float32]
    closed = ft.make_jaxpr(lambda x: x * 2.5)(np.arange(3))
    assert closed.out_avals[0].dtype == np.float64
    closed = ft.make_jaxpr(lambda x, y: x * y)(2.0, np.ones(2, np.float32))
    assert closed.out_avals[0].dtype == np.float32
    assert closed.in_avals[0].weak_type


def test_numpy_array_on_the_left_gives_a_traced_result():
    w = np.ones((2, 3))
    closed = ft.make_jaxpr(lambda x: (w @ x, 2.0 * x, x < np.ones(3), np.ones(3) - x))(
        np.ones(3))
    assert [e.primitive.name for e in closed.eqns] == ["dot_general", "mul", "lt", "sub"]


@pytest.mark.parametrize("conv", [bool, float, int, lambda t: 1 if t > 0 else 0])
def test_concretization_error_names_line_and_alternatives(conv):
    def f(x):
        return conv(fnp.sum(x))

    with pytest.raises(TypeError) as info:
        ft.make_jaxpr(f)(np.ones(2))
    msg = str(info.value)
    assert isinstance(info.value, errors.ConcretizationError)
    assert "test_core.py" in msg
    assert "functrans.lax.cond" in msg and "where" in msg


def test_np_asarray_of_tracer_raises():
    with pytest.raises(TypeError, match="numpy.asarray"):
        ft.make_jaxpr(lambda x: np.asarray(x))(np.ones(2))


def test_leaked_tracer_is_dead_and_says_where_it_was_created():
    leaked = []

    def f(x):
        y = fnp.sin(x)
        leaked.append(y)
        return y

    ft.make_jaxpr(f)(np.ones(2))
    created = f.__code__.co_firstlineno + 1
    with pytest.raises(errors.DeadTracerError, match=f"test_core.py:{created}"):
        fnp.cos(leaked[0])
    with pytest.raises(errors.DeadTracerError):
        ft.make_jaxpr(lambda x: x + leaked[0])(np.ones(2))
    with pytest.raises(errors.DeadTracerError):
        leaked[0] + 1.0
    assert "dead" in repr(leaked[0])


def test_leaked_tracer_from_grad_is_dead():
    leaked = []

    def f(x):
        leaked.append(x * 2.0)
        return fnp.sum(x)

    ft.grad(f)(np.ones(2))
    with pytest.raises(errors.DeadTracerError):
        fnp.exp(leaked[0])


def test_check_jaxpr_rejects_ill_formed_programs():
    closed = ft.make_jaxpr(lambda x: fnp.sin(x) + x)(np.ones(3))
    jaxpr = closed.jaxpr
    sin_eqn, add_eqn = jaxpr.eqns
    swapped = ir.Jaxpr([], jaxpr.invars, [add_eqn, sin_eqn], jaxpr.outvars)
    with pytest.raises(errors.InvalidJaxprError, match="used before definition"):
        ft.check_jaxpr(swapped)
    twice = ir.Jaxpr([], jaxpr.invars, [sin_eqn, sin_eqn], jaxpr.outvars)
    with pytest.raises(errors.InvalidJaxprError, match="defined twice"):
        ft.check_jaxpr(twice)
    bad_out = sin_eqn.replace(outvars=[ir.Var(ir.ShapedArray((4,), np.float64))])
    wrong_type = ir.Jaxpr([], jaxpr.invars, [bad_out], bad_out.outvars)
    with pytest.raises(errors.InvalidJaxprError, match="rule gives"):
        ft.check_jaxpr(wrong_type)
    undefined_out = ir.Jaxpr([], jaxpr.invars, [], [add_eqn.outvars[0]])
    with pytest.raises(errors.InvalidJaxprError):
        ft.check_jaxpr(undefined_out)


def test_primitive_shape_errors_name_primitive_and_shapes():
    with pytest.raises(errors.ShapeError) as info:
        ft.make_jaxpr(lambda x, y: elementwise.add(x, y))(np.ones(3), np.ones(4))
    assert "add" in str(info.value) and "f64[3]" in str(info.value)
    assert "f64[4]" in str(info.value)


def test_eval_jaxpr_inside_a_trace_inlines():
    inner = ft.make_jaxpr(lambda x: fnp.sin(x) * 3.0)(np.ones(2))
    outer = ft.make_jaxpr(lambda x: evaluate.eval_jaxpr(inner.jaxpr, inner.consts, x)[0] + 1.0)(
        np.ones(2))
    assert [e.primitive.name for e in outer.eqns] == ["sin", "mul", "add"]
    ft.check_jaxpr(outer)


def test_static_argnums_and_closures():
    c = np.arange(3.0)

    def f(x, n):
        for _ in range(n):
            x = x * c
        return x

    closed = ft.make_jaxpr(f, static_argnums=1)(np.ones(3), 3)
    assert len(closed.eqns) == 3
    # The program keeps a read-only snapshot of the closed-over array.
    assert len(closed.consts) == 1 and np.array_equal(closed.consts[0], c)
    assert not closed.consts[0].flags.writeable
    np.testing.assert_array_equal(_eval(closed, np.ones(3))[0], c ** 3)


def test_constants_are_folded_while_tracing():
    closed = ft.make_jaxpr(lambda x: x + fnp.sum(fnp.arange(4.0)))(np.ones(2))
    assert [e.primitive.name for e in closed.eqns] == ["add"]


def test_plan_is_reused_and_matches_interpretation():
    closed = ft.make_jaxpr(lambda x: fnp.tanh(x) * x - fnp.exp(x))(np.linspace(0, 1, 5))
    x = np.linspace(-1, 1, 5)
    first = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, x)[0]     # interpreted
    second = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, x)[0]    # compiled plan
    third = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, x)[0]
    np.testing.assert_array_equal(first, np.tanh(x) * x - np.exp(x))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(second, third)


def test_chunked_plans_agree_with_small_chunks(monkeypatch):
    monkeypatch.setattr(evaluate, "_CHUNK", 3)
    for n in range(1, 12):
        closed = ft.make_jaxpr(lambda x, n=n: _chain(x, n))(np.ones(4))
        x = np.linspace(0, 1, 4)
        interp = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, x)[0]
        compiled = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, x)[0]
        np.testing.assert_array_equal(interp, compiled)
        np.testing.assert_array_equal(interp, _chain(x, n))


def _chain(x, n):
    for i in range(n):
        x = fnp.sin(x) if i % 2 == 0 else x * 0.5 + x
    return x


def test_trace_state_is_per_thread():
    results = {}
    barrier = threading.Barrier(2)

    def work(name, fn):
        def f(x):
            barrier.wait()
            return fn(x)
        results[name] = str(ft.make_jaxpr(f)(np.ones(2)))

    threads = [threading.Thread(target=work, args=("sin", fnp.sin)),
               threading.Thread(target=work, args=("cos", fnp.cos))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "sin a" in results["sin"] and "cos" not in results["sin"]
    assert "cos a" in results["cos"] and "sin" not in results["cos"]


def test_hundred_thousand_equations_trace_transform_and_run():
    n = 100_000
    c = np.full(10, 0.01)

    def chain(x):
        for i in range(n):
            x = transcendental.sin(x) if i % 2 == 0 else elementwise.add(x, c)
        return shape_prims.reduce_sum(x, (0,))

    x = np.linspace(0.0, 1.0, 10)
    closed = ft.make_jaxpr(chain)(x)
    assert len(closed.eqns) == n + 1
    ft.check_jaxpr(closed)
    assert len(str(closed).splitlines()) == n + 3
    ref = x
    for i in range(n):
        ref = np.sin(ref) if i % 2 == 0 else ref + c
    np.testing.assert_allclose(evaluate.eval_jaxpr(closed.jaxpr, closed.consts, x)[0], ref.sum())
    g = ft.grad(chain)(x)
    assert g.shape == (10,) and np.all(np.isfinite(g))


def test_transformation_outputs_are_writable_and_never_alias():
    w = np.arange(6.0).reshape(2, 3)
    g = ft.jit(ft.grad(lambda x: fnp.sum(w @ x)))
    first = g(np.ones(3))
    first += 100.0
    np.testing.assert_array_equal(g(np.ones(3)), w.sum(axis=0))
    x = np.ones(3)
    y = ft.jit(lambda x: x)(x)
    y += 1.0
    np.testing.assert_array_equal(x, np.ones(3))
    z = ft.vmap(lambda v: fnp.broadcast_to(v, (2,)))(np.arange(3.0))
    assert z.flags.writeable


def test_jit_snapshots_closed_over_values_and_never_returns_views_of_inputs():
    w, s = np.ones(3), np.array(2.0)
    f = ft.jit(lambda x: x * w + x * s)
    np.testing.assert_array_equal(f(np.ones(3)), 3.0)
    w[:] = 5.0
    s[()] = 10.0
    np.testing.assert_array_equal(f(np.ones(3)), 3.0)   # JAX's rule: baked in at trace time
    a = np.arange(6.0).reshape(2, 3)
    for fn in (ft.jit(lambda x: x.reshape(6)), ft.jit(lambda x: x.T),
               ft.vmap(lambda v: v[::-1])):
        out = fn(a)
        out[...] = -1.0
        np.testing.assert_array_equal(a, np.arange(6.0).reshape(2, 3))


def test_jit_cache_is_thread_safe():
    f = ft.jit(lambda x: x * 2.0, cache_size=2)
    errors_seen = []

    def work(k):
        try:
            for i in range(100):
                n = 1 + (i + k) % 4
                np.testing.assert_array_equal(f(np.ones(n)), np.full(n, 2.0))
        except Exception as e:  # collected and asserted below
            errors_seen.append(repr(e))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors_seen == []
