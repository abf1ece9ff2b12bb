"""functrans.debug: debug_nans (the NaN/inf locator), nan_safe, debug.print/callback/breakpoint.

Issue 19, items 1 to 3. The NaN locator is tested on planted cases: each names the planted
primitive, whether it is the primal computation or which rule emitted it, and the line.
"""
import inspect
import threading

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import evaluate
from functrans.debug import _callback


def _line(marker: str) -> int:
    """The line of this file holding `marker` (a comment at the planted operation)."""
    src = inspect.getsource(inspect.getmodule(_line)).splitlines()
    hits = [i + 1 for i, ln in enumerate(src) if ln.rstrip().endswith(f"# {marker}")]
    assert len(hits) == 1, marker
    return hits[0]


def _caught(fn, *, infs=True):
    with ft.debug_nans(infs=infs), np.errstate(all="ignore"):
        with pytest.raises(ft.debug.NaNError) as info:
            fn()
    return info.value


# --------------------------------------------------------------------------- planted cases


def _where_sqrt(x):
    return fnp.where(x > 0, fnp.sqrt(x), 0.0)  # plant:where_sqrt


def _scan_body(c, x):
    c = c + fnp.where(x > 0, fnp.sqrt(x), 0.0)  # plant:scan_body
    return c, c


def _while_fn(x):
    def body(c):
        return c[0] + 1, c[1] * fnp.log(c[1] - 1.0)  # plant:while_body
    return ft.lax.while_loop(lambda c: c[0] < 3, body, (0, x))[1]


def _div_where(x, y):
    return fnp.where(y != 0, x / y, 0.0)  # plant:div


def _inf_minus_inf(x):
    big = fnp.exp(x)
    return big - big  # plant:sub


def _cond_fn(x):
    return ft.lax.cond(x > 0, lambda v: fnp.log(v - 5.0), lambda v: v, x)  # plant:cond


def _pow15(v):
    return fnp.sum(fnp.where(v > 0, v ** 1.5, 0.0))  # plant:pow15


def _arcsin(x):
    return fnp.arcsin(x)  # plant:arcsin


PLANTED = [
    # name, call, infs, primitive, rule chain (innermost first), marker, context primitive
    ("forward log(0) under jit", lambda: ft.jit(lambda x: fnp.log(x))(0.0),  # plant:log
     True, "log", [], "plant:log", None),
    ("backward sqrt at 0 through where", lambda: ft.grad(_where_sqrt)(0.0),
     True, "div", [("transpose", "div"), ("jvp", "sqrt")], "plant:where_sqrt", None),
    ("the same under vmap", lambda: ft.vmap(ft.grad(_where_sqrt))(np.array([0.0, 1.0])),
     True, "div", [("transpose", "div"), ("jvp", "sqrt")], "plant:where_sqrt", None),
    ("the same under jacrev", lambda: ft.jacrev(_where_sqrt)(np.array([0.0, 1.0])),
     True, "div", [("transpose", "div"), ("jvp", "sqrt")], "plant:where_sqrt", None),
    ("the same under jit(grad)", lambda: ft.jit(ft.grad(_where_sqrt))(0.0),
     True, "div", [("transpose", "div"), ("jvp", "sqrt")], "plant:where_sqrt", None),
    ("0 * inf in a transpose (x / y at y = 0)", lambda: ft.grad(_div_where, 1)(1.0, 0.0),
     False, "mul", "transpose", "plant:div", None),
    ("NaN inside a scan body's gradient",
     lambda: ft.grad(lambda xs: ft.lax.scan(_scan_body, 0.0, xs)[0])(np.array([1.0, 0.0])),
     True, "div", [("transpose", "div"), ("jvp", "sqrt")], "plant:scan_body", "scan"),
    ("log of a negative in a while_loop body", lambda: ft.jit(_while_fn)(2.0),
     True, "log", [], "plant:while_body", "while"),
    ("inf - inf in the primal computation", lambda: ft.jit(_inf_minus_inf)(1000.0),
     False, "sub", [], "plant:sub", None),
    ("inf from exp in the primal computation", lambda: ft.jit(_inf_minus_inf)(1000.0),
     True, "exp", [], "plant:sub", None),
    ("an inf made by a JVP rule (arcsin at 1, forward mode)",
     lambda: ft.jvp(_arcsin, (1.0,), (1.0,)),
     True, "div", [("jvp", "asin")], "plant:arcsin", None),
    ("0/0 made by a JVP rule (sqrt at 0, zero tangent)",
     lambda: ft.jvp(lambda x: fnp.sqrt(x), (0.0,), (0.0,)),  # plant:jvp_sqrt
     False, "div", [("jvp", "sqrt")], "plant:jvp_sqrt", None),
    ("nested rules: a JVP rule's JVP rule (hessian)",
     lambda: ft.hessian(_pow15)(np.zeros(2)),
     True, "pow", [("jvp", "pow"), ("jvp", "pow")], "plant:pow15", None),
    ("log in a taken cond branch", lambda: ft.jit(_cond_fn)(2.0),
     False, "log", [], "plant:cond", "cond"),
]


@pytest.mark.parametrize("case", PLANTED, ids=[c[0] for c in PLANTED])
def test_planted(case):
    _, call, infs, prim, rules, marker, context = case
    err = _caught(call, infs=infs)
    assert err.primitive == prim
    if isinstance(rules, str):
        assert err.rules and err.rules[0][0] == rules
    else:
        assert err.rules == rules
    assert err.source.filename == __file__
    _big = err.source.function
    if marker == "plant:sub":   # exp and sub are on neighbouring lines
        assert err.source.lineno in (_line(marker) - 1, _line(marker))
    else:
        assert err.source.lineno == _line(marker), _big
    text = str(err)
    assert f"`{prim}` produced" in text
    assert "operands:" in text and ">>" in text and "test_debug.py:" in text
    if context is not None:
        assert f"inside `{context}`" in text
    else:
        assert "inside `" not in text.replace("inside `jit`", "")


def test_report_names_rule_and_line_in_words():
    err = _caught(lambda: ft.grad(_where_sqrt)(0.0))
    text = str(err)
    assert ("emitted by the transpose rule of `div`, itself emitted by the JVP rule of `sqrt`"
            in text)
    assert f"test_debug.py:{_line('plant:where_sqrt')}" in text
    # the operands' values and the marked equation of the program around it
    assert "float64[] = 0." in text
    marked = [ln for ln in text.splitlines() if ln.startswith(">>")]
    assert len(marked) == 1 and " div " in marked[0]


def test_nan_inputs_are_not_reported():
    with ft.debug_nans():
        out = ft.jit(lambda x: x * 2.0 + 1.0)(np.array([np.nan, np.inf, 1.0]))
        g = ft.grad(lambda x: fnp.sum(x * x))(np.array([np.nan, 1.0]))
    assert np.isnan(out[0]) and np.isinf(out[1])
    assert np.isnan(g[0])


def test_infs_false_ignores_inf():
    with ft.debug_nans(infs=False), np.errstate(all="ignore"):
        assert ft.jit(fnp.log)(0.0) == -np.inf


def test_off_by_default_and_after_the_block():
    with np.errstate(all="ignore"):
        assert np.isnan(ft.grad(_where_sqrt)(0.0))
        with ft.debug_nans():
            with ft.debug_nans(False):
                assert np.isnan(ft.grad(_where_sqrt)(0.0))
        assert np.isnan(ft.grad(_where_sqrt)(0.0))
    assert not evaluate.DEBUG.nans


def test_config_flag_process_wide():
    assert not ft.debug.config.debug_nans
    ft.debug.config.debug_nans = True
    try:
        seen = []

        def other():
            try:
                with np.errstate(all="ignore"):
                    ft.jit(fnp.log)(-1.0)
            except ft.debug.NaNError:
                seen.append(True)
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert seen == [True]
    finally:
        ft.debug.config.debug_nans = False
    assert not evaluate.DEBUG.nans


def test_context_manager_is_per_thread():
    results = []

    def other():
        with np.errstate(all="ignore"):
            results.append(float(ft.jit(fnp.log)(-1.0)))
    with ft.debug_nans():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert np.isnan(results[0])


def test_plan_untouched_when_off():
    """Zero cost when off: the compiled plan is the one built without debugging, and
    checking runs beside it without replacing or compiling it."""
    closed = ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))
    x = np.arange(3.0)
    closed(x)
    closed(x)
    plan = closed.jaxpr._plan
    assert plan is not evaluate._interpret_numpy and callable(plan)
    with ft.debug_nans():
        np.testing.assert_array_equal(closed(x)[0], np.sin(x) * 2.0)
    assert closed.jaxpr._plan is plan
    fresh = ft.make_jaxpr(lambda x: fnp.cos(x))(np.ones(2))
    with ft.debug_nans():
        fresh(np.ones(2))
    assert fresh.jaxpr._plan is None   # the checked run neither interprets nor compiles it


def test_rule_provenance_leaves_programs_unchanged():
    """The stamped sources compare and print as the user's line."""
    closed = ft.make_jaxpr(ft.grad(_where_sqrt))(1.0)
    text = closed.pretty(source=True)
    assert "Rule" not in text and "jvp" not in text
    assert f"test_debug.py:{_line('plant:where_sqrt')}" in text
    infos = [e.source_info for e in closed.jaxpr.eqns]
    assert any(isinstance(i, evaluate.RuleSource) for i in infos)
    for i in infos:
        assert i == ft.ir.SourceInfo(*tuple(i))


# --------------------------------------------------------------------------- nan_safe

CLASSIC = [
    # name, function, point, the nan_safe gradient (documented: zero where the cotangent is
    # zero or the indeterminate form is of non-NaN factors)
    ("sqrt", lambda x: fnp.where(x > 0, fnp.sqrt(x), 0.0), 0.0, 0.0),
    ("log", lambda x: fnp.where(x > 0, fnp.log(x), 0.0), 0.0, 0.0),
    ("x / y", lambda y: fnp.where(y != 0, 1.0 / y, 0.0), 0.0, 0.0),
    ("0 / 0", lambda y: fnp.where(y != 0, y / y, 1.0), 0.0, 0.0),
    ("x ** 0.5", lambda x: fnp.where(x > 0, x ** 0.5, 0.0), 0.0, 0.0),
    ("arctan2", lambda v: fnp.where(fnp.all(v == 0), 0.0, fnp.arctan2(v[0], v[1])),
     np.zeros(2), np.zeros(2)),
    ("norm", lambda v: fnp.linalg.norm(v), np.zeros(3), np.zeros(3)),
    ("sqrt of maximum", lambda x: fnp.sqrt(fnp.maximum(x, 0.0)), -1.0, 0.0),
    ("sqrt of clip", lambda x: fnp.sqrt(fnp.clip(x, 0.0, 1.0)), -1.0, 0.0),
    ("xlogx", lambda x: fnp.where(x > 0, x * fnp.log(x), 0.0), 0.0, 0.0),
]


@pytest.mark.parametrize("case", CLASSIC, ids=[c[0] for c in CLASSIC])
def test_nan_safe_classic(case):
    _, f, x, want = case
    with np.errstate(all="ignore"):
        default = ft.grad(f)(x)
        assert np.isnan(default).any()   # JAX's numbers: the classic NaN
        with ft.debug.nan_safe():
            got = ft.grad(f)(x)
            jitted = ft.jit(ft.grad(f))(x)
            rev = ft.jacrev(f)(x)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(jitted, want)
        np.testing.assert_array_equal(rev, want)
        # the default is back afterwards
        assert np.isnan(ft.grad(f)(x)).any()


@pytest.mark.parametrize("case", CLASSIC, ids=[c[0] for c in CLASSIC])
def test_nan_safe_away_from_the_singularity(case):
    _, f, x, _ = case
    x = np.asarray(x) + np.linspace(1.3, 1.7, np.size(x)).reshape(np.shape(x))
    default = ft.grad(f)(x)
    with ft.debug.nan_safe():
        got = ft.grad(f)(x)
    np.testing.assert_allclose(got, default, rtol=0, atol=0)


def test_nan_safe_default_bit_for_bit():
    fs = [c[1] for c in CLASSIC]
    points = [c[2] for c in CLASSIC]
    before = [str(ft.make_jaxpr(ft.grad(f))(x)) for f, x in zip(fs, points, strict=True)]
    with ft.debug.nan_safe():
        during = [str(ft.make_jaxpr(ft.grad(f))(x)) for f, x in zip(fs, points, strict=True)]
    after = [str(ft.make_jaxpr(ft.grad(f))(x)) for f, x in zip(fs, points, strict=True)]
    assert before == after
    assert before != during
    assert not ft.debug.config.nan_safe


def test_nan_safe_keeps_genuine_nan_and_inf():
    with np.errstate(all="ignore"), ft.debug.nan_safe():
        assert np.isnan(ft.grad(fnp.sqrt)(-1.0))   # a NaN partial met by a nonzero cotangent
        assert ft.grad(fnp.sqrt)(0.0) == np.inf    # the one-sided derivative
        assert ft.grad(fnp.log)(0.0) == np.inf
        assert np.isnan(ft.grad(lambda x: x * np.nan)(1.0))


def test_nan_safe_second_order():
    f = CLASSIC[0][1]
    with np.errstate(all="ignore"), ft.debug.nan_safe():
        assert ft.grad(ft.grad(f))(0.0) == 0.0
        np.testing.assert_allclose(ft.grad(ft.grad(f))(4.0), -0.25 * 4.0 ** -1.5)


# --------------------------------------------------------------------------- debug.print


def _printing(x):
    ft.debug.print("x = {}", x)
    ft.debug.print("hello")
    return fnp.sum(fnp.sin(x))


def test_print_eager(capsys):
    _printing(np.float64(1.0))
    assert capsys.readouterr().out == "x = 1.0\nhello\n"


def test_print_jit_runs_at_evaluation(capsys):
    f = ft.jit(_printing)
    f(np.float64(1.0))
    f(np.float64(2.0))   # no retrace: printed from the program
    assert capsys.readouterr().out == "x = 1.0\nhello\nx = 2.0\nhello\n"
    assert "debug_callback" in str(ft.make_jaxpr(_printing)(1.0))


def test_print_grad_forward_pass(capsys):
    ft.grad(_printing)(0.5)
    ft.value_and_grad(_printing)(0.25)
    assert capsys.readouterr().out == "x = 0.5\nhello\nx = 0.25\nhello\n"


def test_print_jacobians_once(capsys):
    ft.jacrev(_printing)(np.arange(2.0))
    ft.jacfwd(_printing)(np.arange(2.0))
    assert capsys.readouterr().out == "x = [0. 1.]\nhello\n" * 2


def test_print_vmap_once_with_batched_values(capsys):
    ft.vmap(_printing)(np.arange(3.0))
    ft.vmap(_printing, in_axes=1)(np.arange(4.0).reshape(2, 2))
    assert capsys.readouterr().out == ("x = [0. 1. 2.]\nhello\n"
                                       "x = [[0. 2.]\n [1. 3.]]\nhello\n")


def _body(c, x):
    ft.debug.print("c={c} x={x}", c=c, x=x)
    return c + x, c


def test_print_scan_every_iteration(capsys):
    ft.lax.scan(_body, 0.0, np.arange(3.0))
    ft.jit(lambda xs: ft.lax.scan(_body, 0.0, xs)[0])(np.arange(3.0))
    ft.grad(lambda xs: ft.lax.scan(_body, 0.0, xs)[0])(np.arange(3.0))
    lines = "c=0.0 x=0.0\nc=0.0 x=1.0\nc=1.0 x=2.0\n"
    assert capsys.readouterr().out == lines * 3


def test_print_while_every_iteration(capsys):
    def body(i):
        ft.debug.print("i={}", i)
        return i + 1
    ft.jit(lambda n: ft.lax.while_loop(lambda i: i < n, body, 0))(3)
    assert capsys.readouterr().out == "i=0\ni=1\ni=2\n"


def test_print_kept_when_results_unused(capsys):
    def f(x):
        ft.lax.scan(_body, 0.0, x)   # results unused: the loop stays for its prints
        ft.debug.print("{}", x[0] * 2.0)
        return x
    ft.jit(f)(np.arange(2.0))
    assert capsys.readouterr().out == "c=0.0 x=0.0\nc=0.0 x=1.0\n0.0\n"
    closed = ft.make_jaxpr(f)(np.arange(2.0))
    assert [e.primitive.name for e in closed.jaxpr.eqns].count("debug_callback") == 1


def test_print_not_merged_or_folded(capsys):
    def f(x):
        ft.debug.print("{}", 1.0)
        ft.debug.print("{}", 1.0)
        return x
    closed = ft.make_jaxpr(f)(1.0)   # nothing printed while tracing or optimizing
    assert capsys.readouterr().out == ""
    closed(1.0)
    assert capsys.readouterr().out == "1.0\n1.0\n"


def test_callback_values_and_pytrees():
    seen = []
    def f(x):
        ft.debug.callback(lambda d, s=None: seen.append((d["a"], s)), {"a": x}, s=x * 2.0)
        return x + 1.0
    ft.jit(f)(np.float64(1.0))
    ft.grad(f)(3.0)
    assert [(float(a), float(b)) for a, b in seen] == [(1.0, 2.0), (3.0, 6.0)]
    assert all(not isinstance(a, ft.core.Tracer) for a, _ in seen)


def test_breakpoint_gets_concrete_values(monkeypatch):
    got = []
    monkeypatch.setattr(_callback, "_debugger", lambda values: got.append(values))

    def f(x):
        ft.debug.breakpoint(x=x, y=x * 2.0)
        return x
    ft.jit(f)(np.float64(2.0))
    assert [(float(v["x"]), float(v["y"])) for v in got] == [(2.0, 4.0)]
