"""The optimization passes (functrans/interpreters/optimize.py) and the primitives' simplify hooks.

Each pass is tested on its own on raw traced programs (`core.trace_flat`, which does not
optimize), then the pipeline: results are bitwise identical before and after on random programs
with IEEE specials, no floating-point operation is reassociated, and the pipeline is idempotent.
"""
from __future__ import annotations

import contextlib
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import call, core, evaluate, ir
from functrans.interpreters import optimize
from functrans.primitives import comparison, elementwise, shape, slicing, transcendental

F64 = np.dtype(np.float64)


def _trace(fun, *args) -> ir.ClosedJaxpr:
    jaxpr, consts = core.trace_flat(lambda *xs: _as_list(fun(*xs)),
                                    [core.get_aval(a) for a in args])
    return ir.ClosedJaxpr(jaxpr, consts)


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _names(closed) -> list[str]:
    return [e.primitive.name for e in closed.eqns]


def _run(closed, *args):
    return evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def assert_bitwise(a, b):
    """Equal dtype, shape and bits, except that a NaN may have any sign or payload."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a, b)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    np.testing.assert_array_equal(nan_a, nan_b)
    bits = np.dtype(f"u{a.dtype.itemsize}")
    np.testing.assert_array_equal(a[~nan_a].view(bits), b[~nan_b].view(bits))


@contextlib.contextmanager
def _unoptimized():
    """Transformations run with DCE only: the reference for 'before optimization'."""
    with mock.patch.object(optimize, "optimize", optimize.dce_closed):
        yield


X3 = np.array([0.5, -1.5, 2.0])

# --------------------------------------------------------------------------- DCE


def test_dce_drops_unused_equations_and_constants_but_keeps_inputs():
    c = np.arange(3.0)

    def f(x, y):
        elementwise.mul(x, c)          # dead, and so is its constant
        transcendental.cos(y)             # dead
        return transcendental.sin(x)

    closed = _trace(f, X3, X3)
    assert _names(closed) == ["mul", "cos", "sin"] and len(closed.consts) == 1
    out = optimize.dce_closed(closed)
    assert _names(out) == ["sin"] and out.consts == [] and len(out.jaxpr.invars) == 2
    ft.check_jaxpr(out)


def test_dce_uses_the_dce_hook_of_higher_order_equations():
    inner = ft.jit(lambda x: (fnp.sin(x), fnp.cos(x)))
    closed = _trace(lambda x: inner(x)[0], X3)
    (eqn,) = closed.eqns
    assert eqn.primitive is call.jit_p and len(eqn.outvars) == 2
    out = optimize.dce_closed(closed)
    (eqn,) = out.eqns
    assert len(eqn.outvars) == 1
    assert _names(ir.ClosedJaxpr(eqn.params["jaxpr"], [])) == ["sin"]
    assert_bitwise(_run(out, X3)[0], np.sin(X3))


def test_passes_are_iterative_on_long_programs():
    # Far beyond Python's recursion limit: every pass walks equations in a loop.
    def f(x):
        for i in range(6_000):
            x = transcendental.sin(x) if i % 3 == 0 else elementwise.neg(
                elementwise.mul(x, _lit(1.0)))
        transcendental.cos(x)             # dead
        return x

    closed = _trace(f, X3)
    assert len(closed.eqns) == 10_001
    out = optimize.optimize(closed)
    assert _names(out) == ["sin"] * 2_000

    def constant(x):
        f(x)
        return transcendental.cos(X3)

    assert optimize.dce_closed(_trace(constant, X3)).eqns == []


# --------------------------------------------------------------------------- CSE


def test_cse_merges_same_primitive_params_and_operands():
    def f(x):
        a = transcendental.sin(x)
        b = transcendental.sin(x)                 # same as a
        c = shape.reduce_sum(a, (0,))
        d = shape.reduce_sum(b, (0,))     # same as c once b is a
        return elementwise.add(c, d)

    out = optimize.cse_closed(_trace(f, X3))
    out = optimize.dce_closed(out)
    assert _names(out) == ["sin", "reduce_sum", "add"]
    add = out.eqns[-1]
    assert add.invars[0] is add.invars[1]


def test_cse_compares_params_by_value():
    def f(x):
        m = np.ones((2, 3))
        y = elementwise.add(x, m)
        a = shape.reduce_sum(y, (0,))
        b = shape.reduce_sum(y, (1,))        # other axes: kept
        c = shape.reduce_sum(y, [0])   # equal params from another object: merged
        return a, b, c

    out = optimize.dce_closed(optimize.cse_closed(_trace(f, np.ones((2, 3)))))
    assert _names(out) == ["add", "reduce_sum", "reduce_sum"]
    assert out.jaxpr.outvars[0] is out.jaxpr.outvars[2]


def test_cse_compares_literals_by_bits_dtype_and_weak_type():
    x32 = np.ones(3, np.float32)

    def f(x, x32):
        a = elementwise.add(x, np.float64(-0.0))
        b = elementwise.add(x, np.float64(0.0))      # +0.0 is not -0.0: kept
        c = elementwise.add(x, np.float64(0.0))      # merged with b
        d = elementwise.add(x32, np.float32(0.0))    # another dtype: kept
        e = elementwise.mul(x, 2.0)                  # weak literal
        g = elementwise.mul(x, np.float64(2.0))      # strong literal: kept
        return a, b, c, d, e, g

    out = optimize.dce_closed(optimize.cse_closed(_trace(f, X3, x32)))
    assert len(out.eqns) == 5
    outs = out.jaxpr.outvars
    assert outs[1] is outs[2] and outs[0] is not outs[1] and outs[4] is not outs[5]


def test_cse_compares_sub_jaxprs_by_identity():
    sub = ft.make_jaxpr(lambda x: fnp.sin(x))(X3).jaxpr
    twin = ft.make_jaxpr(lambda x: fnp.sin(x))(X3).jaxpr    # equal text, another object

    def f(x):
        a = call.jit_p.bind(x, jaxpr=sub, name="s")[0]
        b = call.jit_p.bind(x, jaxpr=sub, name="s")[0]
        c = call.jit_p.bind(x, jaxpr=twin, name="s")[0]
        return a, b, c

    out = optimize.cse_closed(_trace(f, X3))
    outs = out.jaxpr.outvars
    assert outs[0] is outs[1] and outs[2] is not outs[0]


# --------------------------------------------------------------------------- constant folding


def test_fold_evaluates_equations_of_constants():
    c = np.array([0.25, 0.5, 1.0])
    # A program computing on a constant: `sin c` and `reduce_sum (sin c)` fold.
    d = ir.Var(ir.ShapedArray((3,), F64))
    e = ir.Var(ir.ShapedArray((), F64))
    x = ir.Var(ir.ShapedArray((3,), F64))
    out = ir.Var(ir.ShapedArray((3,), F64))
    k = ir.Var(ir.ShapedArray((3,), F64))
    eqns = [ir.JaxprEqn(transcendental.sin_p, [k], [d], {}, None),
            ir.JaxprEqn(shape.reduce_sum_p, [d], [e], {"axes": (0,)}, None),
            ir.JaxprEqn(elementwise.mul_p, [x, e], [out], {}, None)]
    closed = ir.ClosedJaxpr(ir.Jaxpr([k], [x], eqns, [out, d]), [c])
    folded = optimize.dce_closed(optimize.fold_closed(closed))
    assert _names(folded) == ["mul"]
    lit = folded.eqns[0].invars[1]
    assert isinstance(lit, ir.Literal) and lit.val == np.sum(np.sin(c))
    assert len(folded.consts) == 1       # sin c, an output, is a new constant
    assert_bitwise(folded.consts[0], np.sin(c))
    assert_bitwise(_run(folded, X3)[0], _run(closed, X3)[0])
    ft.check_jaxpr(folded)


def test_fold_skips_unknown_constants_and_large_broadcasts():
    x = ir.Var(ir.ShapedArray((), F64))
    k = ir.Var(ir.ShapedArray((), F64))
    big = ir.Var(ir.ShapedArray((1000, 1000), F64))
    s = ir.Var(ir.ShapedArray((), F64))
    eqns = [ir.JaxprEqn(shape.broadcast_in_dim_p, [ir.Literal(np.float64(2.0),
                                                                   ir.ShapedArray((), F64))],
                        [big], {"shape": (1000, 1000), "broadcast_dimensions": ()}, None),
            ir.JaxprEqn(transcendental.sin_p, [k], [s], {}, None)]
    jaxpr = ir.Jaxpr([k], [x], eqns, [big, s])
    with core.JaxprTrace() as trace:
        tracer = trace.new_arg(ir.ShapedArray((), F64))
        out = optimize.fold_closed(ir.ClosedJaxpr(jaxpr, [tracer]))
    # A million-element broadcast of a scalar stays an equation; `sin` of a constant whose
    # value is not known yet (a tracer of an enclosing trace) stays too.
    assert _names(out) == ["broadcast_in_dim", "sin"]


def test_uniform_constant_operands_become_scalar_literals():
    def f(x):
        a = elementwise.mul(x, np.full(3, 2.5))
        b = elementwise.add(np.full(3, -0.0), a)
        return elementwise.sub(b, np.array([1.0, 2.0, 3.0]))   # not uniform: kept

    out = optimize.optimize(_trace(f, X3))
    assert str(out) == ("{ lambda a:f64[3]; b:f64[3]. let\n"
                        "    c:f64[3] = mul b 2.5:f64[]\n"
                        "    d:f64[3] = sub c a\n"
                        "  in (d,) }")


def test_uniform_means_bitwise_equal():
    zeros = np.array([0.0, -0.0, 0.0])     # equal by value, not by bits
    out = optimize.optimize(_trace(lambda x: elementwise.add(x, zeros), X3))
    assert len(out.consts) == 1
    x = np.array([-0.0, -0.0, -0.0])
    assert_bitwise(_run(out, x)[0], x + zeros)


# --------------------------------------------------------------------------- simplify hooks


def _lit(v, dtype=F64):
    return np.dtype(dtype).type(v)


IDENTITIES = {
    # name: (function of x, expected primitive names after optimization)
    "x*1": (lambda x: elementwise.mul(x, _lit(1.0)), []),
    "1*x": (lambda x: elementwise.mul(_lit(1.0), x), []),
    "x*ones": (lambda x: elementwise.mul(x, np.ones(3)), []),
    "x/1": (lambda x: elementwise.div(x, _lit(1.0)), []),
    "x-0": (lambda x: elementwise.sub(x, _lit(0.0)), []),
    "x+(-0)": (lambda x: elementwise.add(x, _lit(-0.0)), []),
    "(-0)+x": (lambda x: elementwise.add(_lit(-0.0), x), []),
    "x*(-1)": (lambda x: elementwise.mul(x, _lit(-1.0)), ["neg"]),
    "(-1)*x": (lambda x: elementwise.mul(_lit(-1.0), x), ["neg"]),
    "neg(neg x)": (lambda x: elementwise.neg(elementwise.neg(x)), []),
    "transpose(transpose x)": (
        lambda x: shape.transpose_p.bind(shape.transpose_p.bind(
            shape.reshape(x, (1, 3)), permutation=(1, 0)), permutation=(1, 0)), ["reshape"]),
    "transposes compose": (
        lambda x: shape.transpose_p.bind(shape.transpose_p.bind(
            shape.reshape(x, (1, 3, 1)), permutation=(1, 2, 0)), permutation=(1, 2, 0)),
        ["reshape", "transpose"]),
    "transpose by identity": (lambda x: shape.transpose_p.bind(x, permutation=(0,)), []),
    "reshape to same shape": (lambda x: shape.reshape_p.bind(x, new_sizes=(3,)), []),
    "reshape of reshape": (
        lambda x: shape.reshape_p.bind(shape.reshape_p.bind(x, new_sizes=(1, 3)),
                                       new_sizes=(3, 1)), ["reshape"]),
    "reshape back": (
        lambda x: shape.reshape_p.bind(shape.reshape_p.bind(x, new_sizes=(1, 3)),
                                       new_sizes=(3,)), []),
    "broadcast to same shape": (
        lambda x: shape.broadcast_in_dim_p.bind(x, shape=(3,), broadcast_dimensions=(0,)), []),
    "broadcast of broadcast": (
        lambda x: shape.broadcast_in_dim_p.bind(
            shape.broadcast_in_dim_p.bind(x, shape=(1, 3), broadcast_dimensions=(1,)),
            shape=(2, 1, 3), broadcast_dimensions=(1, 2)), ["broadcast_in_dim"]),
    "convert to same dtype": (
        lambda x: elementwise.convert_element_type_p.bind(x, new_dtype=F64, weak_type=False),
        []),
    "select(p, x, x)": (lambda x: elementwise.select(comparison.lt(x, _lit(0.0)), x, x), []),
    "select on a constant": (
        lambda x: elementwise.select(np.ones(3, bool), x, transcendental.sin(x)), []),
    "integer_pow y=1": (lambda x: elementwise.integer_pow_p.bind(x, y=1), []),
    "reduce_sum over no axes": (lambda x: shape.reduce_sum_p.bind(x, axes=()), []),
    "full slice": (
        lambda x: slicing.slice_p.bind(x, start_indices=(0,), limit_indices=(3,), strides=None),
        []),
    "full slice, unit strides": (
        lambda x: slicing.slice_p.bind(x, start_indices=(0,), limit_indices=(3,), strides=(1,)),
        []),
    "concatenate of one": (lambda x: slicing.concatenate_p.bind(x, dimension=0), []),
    "adjacent slices": (
        lambda x: slicing.concatenate([slicing.slice(x, (0,), (1,)), slicing.slice(x, (1,), (2,)),
                                     slicing.slice(x, (2,), (3,))], 0), []),
    "adjacent slices, partly": (
        lambda x: slicing.concatenate([slicing.slice(x, (0,), (1,)), slicing.slice(x, (1,), (2,)),
                                     transcendental.sin(x)], 0),
        ["sin", "slice", "concatenate"]),
    "rev(rev x)": (lambda x: slicing.rev(slicing.rev(x, (0,)), (0,)), []),
    "broadcast scalar literal": (
        lambda x: elementwise.mul(
            x, shape.broadcast_in_dim_p.bind(_lit(3.0), shape=(3,), broadcast_dimensions=())),
        ["mul"]),
    "broadcast scalar variable": (
        lambda x: elementwise.mul(x, shape.broadcast_in_dim(
            shape.reduce_sum(x, (0,)), (3,), ())),
        ["reduce_sum", "mul"]),
}


@pytest.mark.parametrize("name", list(IDENTITIES))
def test_identity_is_simplified(name):
    fun, expected = IDENTITIES[name]
    raw = _trace(fun, X3)
    out = optimize.optimize(raw)
    assert _names(out) == expected, str(out)
    ft.check_jaxpr(out)
    for x in (X3, np.array([-0.0, np.inf, np.nan]), np.array([0.0, -np.inf, 1e-310])):
        with np.errstate(all="ignore"):
            pairs = list(zip(_run(out, x), _run(raw, x), strict=True))
        for got, want in pairs:
            assert_bitwise(got, want)


def test_scalar_literal_replaces_a_broadcast_operand():
    def f(x):
        b = shape.broadcast_in_dim_p.bind(_lit(3.0), shape=(3,), broadcast_dimensions=())
        return elementwise.mul(x, b)

    out = optimize.optimize(_trace(f, X3))
    (eqn,) = out.eqns
    assert isinstance(eqn.invars[1], ir.Literal) and eqn.invars[1].val == 3.0


NOT_IDENTITIES = {
    # x + 0.0 is not x: -0.0 + 0.0 = +0.0.
    "x+0": lambda x: elementwise.add(x, _lit(0.0)),
    "0+x": lambda x: elementwise.add(_lit(0.0), x),
    "x+zeros": lambda x: elementwise.add(x, np.zeros(3)),
    # x - (-0.0) = x + 0.0.
    "x-(-0)": lambda x: elementwise.sub(x, _lit(-0.0)),
    # x * 0 is NaN for x = inf or NaN, and -0.0 for negative x.
    "x*0": lambda x: elementwise.mul(x, _lit(0.0)),
    "0*x": lambda x: elementwise.mul(_lit(0.0), x),
    "0-x": lambda x: elementwise.sub(_lit(0.0), x),
    "x/x": lambda x: elementwise.div(x, x),
    "x-x": lambda x: elementwise.sub(x, x),
    "1/x": lambda x: elementwise.div(_lit(1.0), x),
    # The rank-0 x would need broadcasting to the output's shape.
    "scalar*ones": lambda x: elementwise.mul(shape.reduce_sum(x, (0,)), np.ones(3)),
}


@pytest.mark.parametrize("name", list(NOT_IDENTITIES))
def test_non_identity_is_kept(name):
    raw = _trace(NOT_IDENTITIES[name], X3)
    out = optimize.optimize(raw)
    assert _names(out) == _names(raw)
    x = np.array([-0.0, np.inf, np.nan])
    with np.errstate(all="ignore"):
        assert_bitwise(_run(out, x)[0], _run(raw, x)[0])


def test_x_plus_zero_really_differs_at_negative_zero():
    assert np.signbit(np.float64(-0.0) + 0.0) == 0   # why `x + 0.0` is never folded
    assert np.signbit(np.float64(-0.0) - 0.0) == 1   # why `x - 0.0` is


def test_integer_zero_is_an_additive_identity():
    n = np.arange(3)
    out = optimize.optimize(_trace(lambda x: elementwise.add(x, np.int64(0)), n))
    assert out.eqns == []


def test_simplify_keeps_the_weak_type_of_program_outputs():
    # mul of a weak input by a strong 1.0 is strong; replacing the output by the weak input
    # would change the program's output type, so the equation stays.
    weak = ir.ShapedArray((), F64, weak_type=True)
    jaxpr, consts = core.trace_flat(lambda x: [elementwise.mul(x, np.float64(1.0))], [weak])
    out = optimize.optimize(ir.ClosedJaxpr(jaxpr, consts))
    assert _names(out) == ["mul"] and not out.jaxpr.outvars[0].aval.weak_type


def test_hooks_may_not_change_types():
    def bad(eqn, ctx):
        return [ctx.literal(0.0, F64)]   # a rank-0 literal for an f64[3] output

    closed = _trace(lambda x: transcendental.cosh(x), X3)
    with mock.patch.object(transcendental.cosh_p, "simplify", bad), \
            pytest.raises(AssertionError, match="cosh"):
        optimize.optimize(closed)


def test_emitted_equations_are_simplified_and_deduplicated():
    def f(x):
        a = elementwise.neg(x)
        b = elementwise.mul(x, _lit(-1.0))       # becomes neg x: the same as a
        c = elementwise.mul(b, _lit(-1.0))       # neg (neg x) = x
        return elementwise.add(a, b), c

    out = optimize.optimize(_trace(f, X3))
    assert _names(out) == ["neg", "add"]
    assert out.jaxpr.outvars[1] is out.jaxpr.invars[0]


# --------------------------------------------------------------------------- sub-jaxprs


def test_sub_jaxprs_are_optimized_with_their_signature_kept():
    def f(x):
        return call.jit_p.bind(x, jaxpr=sub, name="inner")

    sub = _trace(lambda y: (elementwise.mul(y, _lit(1.0)), transcendental.sin(y),
                            transcendental.sin(y)), X3).jaxpr
    out = optimize.optimize(_trace(f, X3))
    (eqn,) = out.eqns
    inner = eqn.params["jaxpr"]
    assert _names(ir.ClosedJaxpr(inner, [])) == ["sin"]
    assert len(inner.invars) == 1 and len(inner.outvars) == 3
    assert inner.outvars[0] is inner.invars[0] and inner.outvars[1] is inner.outvars[2]
    ft.check_jaxpr(out)
    for got, want in zip(_run(out, X3), [X3, np.sin(X3), np.sin(X3)], strict=True):
        assert_bitwise(got, want)


def test_an_optimized_sub_jaxpr_is_reused():
    sub = ft.make_jaxpr(lambda y: fnp.sin(y))(X3).jaxpr
    assert optimize.optimize_jaxpr(sub) is optimize.optimize_jaxpr(sub)
    closed = _trace(lambda x: call.jit_p.bind(x, jaxpr=sub, name="s"), X3)
    assert optimize.optimize(closed).eqns[0].params["jaxpr"] is sub


# --------------------------------------------------------------------------- the pipeline

SPECIALS = [np.inf, -np.inf, np.nan, -0.0, 0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e300, 1e-310]
N = len(SPECIALS)
_floats = st.one_of(st.sampled_from(SPECIALS),
                    st.floats(-10, 10, allow_nan=False, allow_infinity=False))
_vectors = st.lists(_floats, min_size=N, max_size=N).map(np.array)
# Every program also runs on these, so each special meets each operation.
_SPECIAL_INPUTS = [(np.array(SPECIALS), np.roll(SPECIALS, k)) for k in (0, 3, 7)]

_UNARY = ["sin", "cos", "exp", "log", "sqrt", "tanh", "negative", "abs", "square", "log1p",
          "reciprocal", "sign", "floor"]
_BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum"]
_CONSTANTS = [0.0, -0.0, 1.0, -1.0, 2.0, "ones", "zeros", "negzeros", "halves", "arange"]


def _constant(c):
    return {"ones": np.ones(N), "zeros": np.zeros(N), "negzeros": np.full(N, -0.0),
            "halves": np.full(N, 0.5), "arange": np.arange(float(N))}.get(c, c)


_steps = st.lists(st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(_UNARY), st.integers(0, 99)),
    st.tuples(st.just("binary"), st.sampled_from(_BINARY), st.integers(0, 99),
              st.integers(0, 99)),
    st.tuples(st.just("const"), st.sampled_from(_BINARY), st.integers(0, 99),
              st.sampled_from(_CONSTANTS), st.booleans()),
    st.tuples(st.just("shape"), st.sampled_from(["reshape", "transpose", "slices", "sum",
                                                 "where", "broadcast"]),
              st.integers(0, 99), st.integers(0, 99)),
), min_size=1, max_size=12)


def _program(steps):
    """A function of two f64[N] vectors built from functrans.numpy ops; values may repeat
    (so CSE has work) and constants include identities and uniform arrays."""

    def f(x, y):
        pool = [x, y]
        for step in steps:
            kind, op, i = step[0], step[1], step[2] % len(pool)
            a = pool[i]
            if kind == "unary":
                pool.append(getattr(fnp, op)(a))
            elif kind == "binary":
                pool.append(getattr(fnp, op)(a, pool[step[3] % len(pool)]))
            elif kind == "const":
                c = _constant(step[3])
                pool.append(getattr(fnp, op)(a, c) if step[4] else getattr(fnp, op)(c, a))
            else:
                pool.append(_shape_step(op, a, pool[step[3] % len(pool)]))
        return pool[-1], pool[len(pool) // 2]

    return f


def _shape_step(op, a, b):
    if op == "reshape":
        return fnp.reshape(fnp.reshape(a, (N, 1)), (N,))
    if op == "transpose":
        return fnp.transpose(fnp.transpose(fnp.reshape(a, (2, N // 2)))).T.ravel()
    if op == "slices":
        return fnp.concatenate([a[:1], a[1:5], b[5:]])
    if op == "sum":
        return fnp.sum(a) * b
    if op == "where":
        return fnp.where(a < b, a, b)
    return fnp.broadcast_to(fnp.sum(a), (N,)) + b


@pytest.mark.parametrize("op", _BINARY)
def test_every_binary_op_with_every_constant_keeps_results(op):
    # Exhaustive over the one-operation programs where identities could apply.
    for c in _CONSTANTS:
        for const_right in (True, False):
            f = _program([("const", op, 0, c, const_right)])
            raw = _trace(f, *_SPECIAL_INPUTS[0])
            opt = optimize.optimize(raw)
            for args in _SPECIAL_INPUTS:
                with np.errstate(all="ignore"):
                    pairs = list(zip(_run(opt, *args), _run(raw, *args), strict=True))
                for got, want in pairs:
                    assert_bitwise(got, want)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(_steps, _vectors, _vectors)
def test_optimization_never_changes_results(steps, x, y):
    f = _program(steps)
    with np.errstate(all="ignore"):
        raw = _trace(f, x, y)
        opt = optimize.optimize(raw)
        ft.check_jaxpr(opt)
        for args in [(x, y), *_SPECIAL_INPUTS]:
            for got, want in zip(_run(opt, *args), _run(raw, *args), strict=True):
                assert_bitwise(got, want)
        assert str(optimize.optimize(opt)) == str(opt)   # one round is the fixed point


@settings(max_examples=25, derandomize=True, deadline=None)
@given(_steps, _vectors, _vectors)
def test_optimization_of_derivatives_never_changes_results(steps, x, y):
    f = _program(steps)

    def loss(x, y):
        a, b = f(x, y)
        return fnp.sum(a * b)

    with np.errstate(all="ignore"):
        for transform in (ft.grad(loss), ft.jacfwd(lambda x, y: f(x, y)[0])):
            with _unoptimized():
                want = transform(x, y)
                raw = ft.make_jaxpr(transform)(x, y)
            opt = ft.make_jaxpr(transform)(x, y)
            assert len(opt.eqns) <= len(raw.eqns)
            assert_bitwise(_run(opt, x, y)[0], want)
            jitted = ft.jit(transform)
            for args in [(x, y), *_SPECIAL_INPUTS]:
                with _unoptimized():
                    want = transform(*args)
                assert_bitwise(jitted(*args), want)


# --------------------------------------------------------------------------- no reassociation

# Programs where a reassociating optimizer would combine constants, factor or reorder terms.
# Each result is checked bit for bit against NumPy evaluating the expression as written, on
# inputs where any other order rounds differently; the arithmetic equations must remain.
REASSOCIATION_BAIT = {
    "(x+a)+b": (lambda x: (x + 1e-16) + 1.0, ["add", "add"]),
    "(x*a)*b": (lambda x: (x * 3.0) * (1 / 3.0), ["mul", "mul"]),
    "a*(b*x)": (lambda x: 0.1 * (0.2 * x), ["mul", "mul"]),
    "(x-a)+a": (lambda x: (x - 0.1) + 0.1, ["sub", "add"]),
    "x*a+x*b": (lambda x: x * 0.1 + x * 0.2, ["mul", "mul", "add"]),
    "(x+y)+x": (lambda x: (x + x * 1e-17) + x, ["mul", "add", "add"]),
    "x/a*a": (lambda x: x / 3.0 * 3.0, ["div", "mul"]),
    "sum of three": (lambda x: (fnp.sin(x) + fnp.cos(x)) + fnp.sin(x) * 1e-3,
                     ["sin", "cos", "add", "mul", "add"]),
}


@pytest.mark.parametrize("name", list(REASSOCIATION_BAIT))
def test_no_reassociation(name):
    fun, expected = REASSOCIATION_BAIT[name]
    x = np.array([0.1, 1.0 / 3.0, 1e16, -7.3, 2.0 ** 52 + 1])
    out = ft.make_jaxpr(fun)(x)
    assert _names(out) == expected, f"{name} was reassociated:\n{out}"
    assert_bitwise(_run(out, x)[0], fun(x))


def test_no_reassociation_of_accumulated_cotangents():
    # x is used three times: its cotangents are summed in the order the backward pass met
    # them, ((c3 + c2) + c1), and the optimizer keeps that order.
    def f(x):
        return fnp.sum(fnp.sin(x) + fnp.exp(x) + fnp.tanh(x))

    x = np.linspace(-1, 1, 7)
    with _unoptimized():
        want = ft.grad(f)(x)
    assert_bitwise(ft.grad(f)(x), want)
    assert_bitwise(ft.jit(ft.grad(f))(x), want)
