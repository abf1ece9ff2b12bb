"""The fast paths of `functrans.numpy` trace exactly what the general paths trace.

Tracing takes a fast path for the common operand combinations (a tracer beside a tracer, an
array or scalar of its dtype, or a Python scalar; `@` of 1-d/2-d operands; `sum`/`mean` of
everything; `**` to a small integer). For a grid of operand kinds, dtypes, weak types and
shapes, each function is traced twice, with `_util.FAST_PATHS` on and off, and the two
programs must agree in every equation (primitive, params, operand and result types including
weak_type, literal values) and in their constants; an error must be the same error.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import functrans.numpy as fnp
from functrans import core, ir
from functrans.numpy import _ufuncs, _util

F32, F64, I32, I64, BOOL = (np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64,
                                                   np.bool_))
SHAPES = [(), (3,), (2, 3), (1, 3)]


class Operand:
    """One argument of a traced call: a tracer (a traced input) or a constant value."""

    def __init__(self, kind: str, dtype=None, shape=(), weak=False, value=None):
        self.kind, self.dtype, self.shape, self.weak, self.value = kind, dtype, shape, weak, value
        if kind == "array":
            self.value = _values(dtype, shape)
        elif kind == "npscalar":
            self.value = _values(dtype, ())[()]

    def __repr__(self):
        if self.kind == "tracer":
            weak = " weak" if self.weak else ""
            return f"tracer({self.dtype}{list(self.shape)}{weak})"
        if self.kind == "py":
            return f"py({self.value!r})"
        return f"{self.kind}({self.dtype}{list(self.shape)})"


def _values(dtype, shape):
    n = int(np.prod(shape))
    if dtype.kind == "b":
        v = np.arange(n) % 2 == 0
    else:
        v = np.arange(1, n + 1)
    return v.astype(dtype).reshape(shape)


def _operands() -> list[Operand]:
    out = []
    for dtype, shape in itertools.product((F32, F64, I32, BOOL), SHAPES):
        out.append(Operand("tracer", dtype, shape))
        out.append(Operand("array", dtype, shape))
    # Weak tracers: of the dtypes weak values get, and one of another dtype (promotion moves
    # it to float64 when it meets only weak values).
    for dtype, shape in itertools.product((F64, I64, BOOL, F32), [(), (3,)]):
        out.append(Operand("tracer", dtype, shape, weak=True))
    for dtype in (F32, F64, I32, BOOL):
        out.append(Operand("npscalar", dtype))
    for v in (2, -1, 2**40, 0.5, float("nan"), True):
        out.append(Operand("py", value=v))
    return out


OPERANDS = _operands()
SCALARS = [o for o in OPERANDS if o.kind == "py"]
SMALL = [o for o in OPERANDS if o.shape in ((), (3,)) or o.kind == "tracer"]
TINY = [o for o in OPERANDS if o.shape in ((), (3,))]


def _aval(a):
    return (a.shape, a.dtype.str, a.weak_type)


def _canon(jaxpr, consts):
    """The program as comparable data: equations with numbered variables, typed literals."""
    names = {}

    def atom(v):
        if isinstance(v, ir.Literal):
            val = np.asarray(v.val)
            return ("lit", type(v.val).__name__, val.dtype.str, val.tobytes(), _aval(v.aval))
        if v not in names:
            names[v] = len(names)
        return ("var", names[v], _aval(v.aval))

    const = [(type(c).__name__, np.asarray(c).dtype.str, np.shape(c), np.asarray(c).tobytes())
             for c in consts]
    head = ([atom(v) for v in jaxpr.constvars], [atom(v) for v in jaxpr.invars])
    eqns = [(e.primitive.name, repr(sorted(e.params.items())), [atom(v) for v in e.invars],
             [atom(v) for v in e.outvars]) for e in jaxpr.eqns]
    return head, const, eqns, [atom(v) for v in jaxpr.outvars]


def _trace(f, operands, fast: bool):
    """The canonical program of `f(*operands)` (tracers as inputs), or the error it raises."""
    tracer_ops = [o for o in operands if o.kind == "tracer"]
    avals = [ir.ShapedArray(o.shape, o.dtype, o.weak) for o in tracer_ops]
    # One extra input, so that calls on constants alone are traced too.
    avals.append(ir.ShapedArray((), F64))

    def fun(*tracers):
        it = iter(tracers)
        args = [next(it) if o.kind == "tracer" else o.value for o in operands]
        return [f(*args)]

    saved = _util.FAST_PATHS
    _util.FAST_PATHS = fast
    try:
        with np.errstate(all="ignore"):
            return ("ok", _canon(*core.trace_flat(fun, avals)))
    except Exception as e:   # the error is the result being compared
        return ("error", type(e), str(e))
    finally:
        _util.FAST_PATHS = saved


def _check(f, operands):
    fast = _trace(f, operands, True)
    general = _trace(f, operands, False)
    assert fast == general, f"{operands}: fast {fast!r} != general {general!r}"
    if fast[0] == "error":
        # Nothing bound before the error either: the equations of a caught error stay in the
        # program (they are dead, but a fast path must not add any).
        def catching(*args):
            try:
                return f(*args)
            except Exception:
                return 0.0

        fast_c, general_c = _trace(catching, operands, True), _trace(catching, operands, False)
        assert fast_c == general_c, f"{operands}: fast {fast_c!r} != general {general_c!r}"
    return fast


# --------------------------------------------------------------------------- elementwise

BINARY = ["add", "subtract", "multiply", "true_divide", "floor_divide", "remainder", "maximum",
          "equal", "less", "bitwise_and", "bitwise_xor", "arctan2", "power", "logaddexp",
          "logical_and", "where_true"]


def _binary_fn(name):
    if name == "where_true":
        return lambda x, y: fnp.where(True, x, y)
    return getattr(fnp, name)


@pytest.mark.parametrize("name", BINARY)
def test_binary_ufuncs_fast_equals_general(name):
    f = _binary_fn(name)
    ok = 0
    # Integer powers of integer arrays trace dozens of equations: a smaller grid for them.
    operands = TINY if name == "power" else OPERANDS
    for x, y in itertools.product(operands, repeat=2):
        if x.kind != "tracer" and y.kind != "tracer":
            continue
        ok += _check(f, [x, y])[0] == "ok"
    assert ok > 100   # the grid exercises programs, not only errors


def test_broadcasting_fast_equals_general():
    # Size-0 and size-1 axes, ranks 1 to 3, incompatible pairs (the same error).
    shapes = [(0,), (1,), (3,), (2, 1), (1, 3), (2, 3), (0, 3), (2, 0), (4, 1, 3), (4, 2, 3)]
    ops = [Operand(kind, F64, shape) for kind in ("tracer", "array") for shape in shapes]
    results = set()
    for x, y in itertools.product(ops, repeat=2):
        if x.kind == "tracer" or y.kind == "tracer":
            results.add(_check(fnp.add, [x, y])[0])
    assert results == {"ok", "error"}


OPERATORS = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": lambda x, y: x / y, "**": lambda x, y: x ** y, "==": lambda x, y: x == y,
    "&": lambda x, y: x & y, "@": lambda x, y: x @ y,
}


@pytest.mark.parametrize("op", list(OPERATORS))
def test_operators_fast_equals_general(op):
    # Python operators dispatch to the tracer's methods (also the reflected ones).
    operands = TINY if op == "**" else SMALL
    for x, y in itertools.product(operands, repeat=2):
        if x.kind == "tracer" or y.kind == "tracer":
            _check(OPERATORS[op], [x, y])


UNARY = ["sin", "tanh", "exp", "sqrt", "negative", "positive", "abs", "sign", "floor",
         "square", "invert", "reciprocal", "logical_not", "isnan"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_ufuncs_fast_equals_general(name):
    for x in OPERANDS:
        _check(getattr(fnp, name), [x])
    _check(lambda x: getattr(fnp, name)(x, where=True), [OPERANDS[0]])
    assert _check(lambda x: getattr(fnp, name)(x, out=x), [OPERANDS[0]])[0] == "error"


def _factory_ufuncs(example):
    """Every ufunc made by the same factory as `example` (they share its code object)."""
    return sorted({name for name, v in vars(_ufuncs).items()
                   if getattr(v, "__code__", None) is example.__code__})


@pytest.mark.parametrize("name", _factory_ufuncs(fnp.sin) + _factory_ufuncs(fnp.add))
def test_every_factory_ufunc_fast_equals_general(name):
    # Each resolves its primitive by name once: check all of them on every dtype.
    f = getattr(fnp, name)
    n = f.__code__.co_argcount
    for dtype, weak in [(F64, False), (F32, False), (I32, False), (BOOL, False), (F64, True)]:
        ops = [Operand("tracer", dtype, (3,), weak=weak), Operand("tracer", dtype, ())][:n]
        _check(f, ops)


def test_binary_ufunc_arguments_out_and_where():
    t = Operand("tracer", F64, (3,))
    assert _check(lambda x: fnp.add(x, 1.0, where=True), [t])[0] == "ok"
    assert _check(lambda x: fnp.add(x, 1.0, out=x), [t])[0] == "error"
    assert _check(lambda x: fnp.add(x, 1.0, where=x > 0), [t])[0] == "error"


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, -2, 2.0, -3.0, 0.5, True, 2**31 - 1,
                                      2**31, -2**31, 10**400, float("inf"), float("nan")])
def test_power_scalar_exponents_fast_equals_general(exponent):
    for x in OPERANDS:
        if x.kind != "py":   # a Python scalar ** exponent is Python's business
            _check(lambda x: x ** exponent, [x])
        _check(lambda x: fnp.power(x, exponent), [x])


def test_python_scalar_conversions_fast_equals_general():
    # Values at the edges of the conversion a Python scalar gets beside a strong array.
    values = [2**53 + 1, 2**64 + 5, -2**63 - 1, 10**400, 300, -1, 1e300, -0.0, float("inf")]
    for value, dtype in itertools.product(values, (F32, F64, I32, I64, np.dtype(np.uint8),
                                                   np.dtype(np.float16))):
        t = Operand("tracer", dtype, (3,))
        _check(lambda x, v=value: x + v, [t])
        _check(lambda x, v=value: v * x, [t])


# --------------------------------------------------------------------------- matmul


def test_matmul_fast_equals_general():
    ops = []
    for dtype, shape in itertools.product((F32, F64, I32, BOOL),
                                          [(), (3,), (2,), (3, 3), (2, 3), (3, 2), (1, 3),
                                           (2, 3, 3)]):
        ops.append(Operand("tracer", dtype, shape))
        ops.append(Operand("array", dtype, shape))
    for dtype, shape in itertools.product((F64, F32), [(3,), (3, 3)]):
        ops.append(Operand("tracer", dtype, shape, weak=True))
    ops += [Operand("py", value=2.0), Operand("npscalar", F64)]
    ok = 0
    for x, y in itertools.product(ops, repeat=2):
        if x.kind == "tracer" or y.kind == "tracer":
            ok += _check(fnp.matmul, [x, y])[0] == "ok"
    assert ok > 100
    t = Operand("tracer", F64, (3, 3))
    assert _check(lambda x: fnp.matmul(x, x, out=x), [t])[0] == "error"


# --------------------------------------------------------------------------- sum and mean


@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_and_mean_fast_equals_general(name):
    f = getattr(fnp, name)
    calls = [lambda x: f(x), lambda x: f(x, axis=0), lambda x: f(x, keepdims=True),
             lambda x: f(x, dtype=np.float32), lambda x: f(x, where=True),
             lambda x: f(x, axis=None, dtype=None, keepdims=False),
             lambda x: getattr(x, name)()]
    ops = OPERANDS + [Operand("tracer", np.dtype(np.float16), (2, 3)),
                      Operand("tracer", np.dtype(np.uint8), (3,)),
                      Operand("tracer", I64, (2, 3)), Operand("tracer", F32, (2, 0))]
    for call, x in itertools.product(calls, ops):
        if x.kind == "py" and call is calls[-1]:
            continue   # Python scalars have no .sum()
        _check(call, [x])


# --------------------------------------------------------------------------- fast paths taken


def test_the_benchmark_operations_take_the_fast_paths(monkeypatch):
    """The operations of bench/run.py's chain and MLP never reach the general machinery."""

    def general(*args, **kwargs):
        raise AssertionError("the general path was taken")

    for name in ("as_operand", "as_array", "promote", "convert", "broadcast_shapes",
                 "broadcast_to_shape", "check_unsupported", "canonicalize_axes"):
        monkeypatch.setattr(_util, name, general)
    c = np.linspace(0.01, 0.02, 10)
    w, b = np.ones((10, 4)), np.ones(4)

    def f(x, h, w2, b2):
        for _ in range(2):
            x = fnp.sin(x)
            x = x * 0.5
            x = x + c
            x = 0.5 * x
        h = fnp.tanh(h @ w + b)
        h = fnp.tanh(h @ w2 + b2)
        return [fnp.mean((h - 1.0) ** 2) + fnp.sum(h) / 2, x @ x]

    avals = [ir.ShapedArray((10,), F64), ir.ShapedArray((5, 10), F64),
             ir.ShapedArray((4, 3), F64), ir.ShapedArray((3,), F64)]
    jaxpr, _ = core.trace_flat(f, avals)
    assert "integer_pow" in str(jaxpr)
