"""The tricky semantics of `functrans.numpy`: promotion, broadcasting, indexing, `.at[]`,
einsum and matmul lowering, the IR they produce, and their errors.

Every traced path is checked three ways: the program type-checks (`check_jaxpr`), evaluating
it gives NumPy's answer, and (where it matters) the IR has the expected equations.
The op table (`op_table.py`) covers every function's values; this file covers the rules.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import errors, evaluate

RNG = np.random.default_rng(0)
X = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)


def _traced(f, *args):
    """`f` traced on `args`: the checked ClosedJaxpr and its evaluation on `args`."""
    closed = ft.make_jaxpr(f)(*args)
    ft.check_jaxpr(closed)
    out = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    return closed, out[0] if len(out) == 1 else out


def _prims(closed) -> list[str]:
    return [eqn.primitive.name for eqn in closed.eqns]


def _assert_same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------------------- IR and promotion


def test_golden_dump_of_sin_times_two():
    closed = ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))
    assert str(closed) == ("{ lambda ; a:f64[3]. let\n"
                           "    b:f64[3] = sin a\n"
                           "    c:f64[3] = mul b 2.0:f64[]\n"
                           "  in (c,) }")


def test_python_float_keeps_float32_with_one_equation():
    closed, out = _traced(lambda x: x * 2.0, np.ones(3, np.float32))
    assert str(closed) == ("{ lambda ; a:f32[3]. let\n"
                           "    b:f32[3] = mul a 2.0:f32[]\n"
                           "  in (b,) }")
    assert out.dtype == np.float32
    assert fnp.multiply(np.ones(3, np.float32), 2.0).dtype == np.float32


def test_int_times_python_float_is_float64():
    closed, out = _traced(lambda x: x * 2.5, np.arange(3))
    assert _prims(closed) == ["convert_element_type", "mul"]
    _assert_same(out, np.arange(3) * 2.5)
    _assert_same(fnp.multiply(np.arange(3), 2.5), np.arange(3) * 2.5)


@pytest.mark.parametrize("args, dtype, weak", [
    ((2.0, np.ones(2, np.float32)), np.float32, False),   # weak tracer meets float32
    ((np.float32(1.0), 2.0), np.float32, False),          # float32 meets weak tracer
    ((2, 3.0), np.float64, True),                         # weak int meets weak float
    ((2, 3), np.int64, True),
    ((np.int8(1), 3), np.int8, False),
    ((np.arange(2, dtype=np.uint8), np.float32(1.0)), np.float32, False),
], ids=["weak*f32", "f32*weak", "weak-int*weak-float", "weak-ints", "i8*weak", "u8*f32"])
def test_weak_tracers_promote_per_nep50(args, dtype, weak):
    closed, out = _traced(lambda a, b: a * b, *args)
    (aval,) = closed.out_avals
    assert aval.dtype == dtype and aval.weak_type == weak
    assert out.dtype == dtype


def test_out_of_range_python_int_raises_like_numpy():
    with pytest.raises(OverflowError):
        fnp.add(np.arange(3, dtype=np.uint8), 300)


def test_unary_float_function_of_ints_is_float64():
    _assert_same(fnp.sin(np.arange(3)), np.sin(np.arange(3)))
    closed, out = _traced(fnp.sqrt, np.arange(4, dtype=np.int32))
    assert _prims(closed) == ["convert_element_type", "sqrt"]
    assert out.dtype == np.float64


def test_true_divide_of_ints_is_float64_and_floor_divide_stays_int():
    a, b = np.array([7, -7]), np.array([2, 2])
    _assert_same(fnp.true_divide(a, b), a / b)
    _assert_same(fnp.floor_divide(a, b), a // b)
    _assert_same(fnp.remainder(a, b), a % b)


@pytest.mark.parametrize("exponent, prim", [(2, "integer_pow"), (3.0, "integer_pow"),
                                            (-1, "integer_pow"), (0.5, "pow")])
def test_power_with_python_exponent_lowers_to_one_primitive(exponent, prim):
    x = np.array([0.5, 1.5, 2.0])
    closed, out = _traced(lambda v: v ** exponent, x)
    assert _prims(closed) == [prim]
    _assert_same(out, x ** exponent)


def test_integer_power_rules():
    _assert_same(fnp.power(np.array([2, 3]), 3), np.array([8, 27]))
    _, out = _traced(lambda a, b: a ** b, np.array([2, -3, 5]), np.array([10, 3, 0]))
    _assert_same(out, np.array([2, -3, 5]) ** np.array([10, 3, 0]))
    with pytest.raises(ValueError, match="negative integer powers"):
        fnp.power(np.arange(3), -1)


def test_logaddexp_handles_infinities_like_numpy():
    a = np.array([-np.inf, np.inf, 0.0, 1.0, -np.inf])
    b = np.array([-np.inf, np.inf, -np.inf, 1.0, 3.0])
    with np.errstate(all="raise"):   # no inf - inf is computed, so no warning either
        _, out = _traced(fnp.logaddexp, a, b)
    np.testing.assert_allclose(out, np.logaddexp(a, b), rtol=1e-15)
    assert out[0] == -np.inf and out[1] == np.inf


# --------------------------------------------------------------------------- broadcasting


@pytest.mark.parametrize("sa, sb", [((3,), ()), ((2, 3), (3,)), ((2, 1), (1, 3)),
                                    ((4, 1, 3), (2, 1)), ((), ()), ((1,), (3,))])
def test_binary_ops_broadcast_like_numpy(sa, sb):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    _assert_same(fnp.add(a, b), a + b)
    _, out = _traced(lambda x, y: x * y + fnp.maximum(x, y), a, b)
    np.testing.assert_allclose(out, a * b + np.maximum(a, b), rtol=1e-15)
    assert out.shape == np.broadcast_shapes(sa, sb)


def test_rank0_operand_is_not_broadcast():
    closed, _ = _traced(lambda x, s: x * s, np.ones((2, 3)), 2.0)
    assert _prims(closed) == ["mul"]
    closed, _ = _traced(lambda x, y: x + y, np.ones((2, 3)), np.ones(3))
    assert _prims(closed) == ["broadcast_in_dim", "add"]


def test_incompatible_shapes_name_both():
    with pytest.raises(errors.FunctransValueError, match=r"\(2, 3\), \(2,\)"):
        fnp.add(np.ones((2, 3)), np.ones(2))


def test_where_broadcasts_promotes_and_is_one_select():
    c = np.array([True, False, True])
    closed, out = _traced(lambda x: fnp.where(c, x, 0), np.arange(3.0))
    assert _prims(closed) == ["select"]
    _assert_same(out, np.where(c, np.arange(3.0), 0))
    _assert_same(fnp.where(np.array([[1], [0]]), np.ones(3), np.arange(3)),
                 np.where(np.array([[1], [0]]), np.ones(3), np.arange(3)))


# --------------------------------------------------------------------------- reductions


@pytest.mark.parametrize("fname, axis", [
    (f, a) for f in ("sum", "mean", "max", "var", "argmin", "any")
    for a in (None, 0, -1, (0, 2)) if not (f == "argmin" and isinstance(a, tuple))], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_axes_and_keepdims(fname, axis, keepdims):
    x = RNG.standard_normal((2, 3, 4))
    f = getattr(fnp, fname)
    want = getattr(np, fname)(x, axis=axis, keepdims=keepdims)
    _, out = _traced(lambda v: f(v, axis=axis, keepdims=keepdims), x)
    np.testing.assert_allclose(out, want, rtol=1e-14)
    assert out.shape == want.shape and out.dtype == want.dtype


@pytest.mark.parametrize("x", [np.array([True, False, True]), np.arange(3, dtype=np.int8),
                               np.ones(3, np.float32), np.arange(3, dtype=np.uint16)],
                         ids=lambda x: x.dtype.name)
def test_reduction_dtypes_follow_numpy(x):
    for fname in ("sum", "prod", "cumsum", "mean", "var"):
        got, want = getattr(fnp, fname)(x), getattr(np, fname)(x)
        assert np.asarray(got).dtype == want.dtype, fname
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_sum_and_mean_accept_dtype():
    _assert_same(fnp.sum(np.arange(4), dtype=np.float32), np.sum(np.arange(4), dtype=np.float32))
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_allclose(fnp.mean(x, axis=0, dtype=np.float32),
                               np.mean(x, axis=0, dtype=np.float32))
    assert fnp.mean(x, axis=0, dtype=np.float32).dtype == np.float32


def test_empty_reductions():
    with pytest.raises(ValueError, match="zero-size"):
        fnp.max(np.ones((0, 3)), axis=0)
    _assert_same(fnp.all(np.ones((0, 3)), axis=0), np.all(np.ones((0, 3)), axis=0))
    _assert_same(fnp.any(np.ones((0, 3)), axis=0), np.any(np.ones((0, 3)), axis=0))
    np.testing.assert_allclose(fnp.var(np.arange(4.0), ddof=1), np.var(np.arange(4.0), ddof=1))


# --------------------------------------------------------------------------- indexing

_INDICES = [
    0, -1, (1, 2), slice(1, None), slice(None, None, -1), slice(3, 0, -2), (Ellipsis, 1),
    (None, 0), (0, None, Ellipsis, None), (slice(1, 2), None, -2), slice(10, 20),
    [1, 0, 1], (slice(None), [2, 0]), ([1, 0], [2, 1]), ([1, 0], slice(None), [2, 1]),
    (0, slice(None), [1, 2]), ([[0], [1]], [0, 2, 1]), (slice(None), [0, 1], None, [1, 2]),
    (slice(None), [0, 1], Ellipsis, [1, 2]), (Ellipsis, [0, -1]), (1, [0, 2], [3, -1]),
    (slice(None), [[0, 1], [2, 2]], slice(None, None, -1)), np.array([True, False]),
    (slice(None), np.array([True, False, True])), (0, np.array([[True, False, True, False]] * 3)),
    [], np.int64(1), (0, 1, 2, [3, 4]),
]


@pytest.mark.parametrize("idx", _INDICES, ids=repr)
def test_getitem_matches_numpy_eager_and_traced(idx):
    _assert_same(fnp._indexing.getitem(X, idx), X[idx])
    _, out = _traced(lambda x: x[idx], X)
    _assert_same(out, X[idx])


@pytest.mark.parametrize("idx", [np.array([1, 0, 1]), np.array([-1, 0]), np.array(1),
                                 np.array([[0, 1], [1, 1]])], ids=repr)
@pytest.mark.parametrize("form", ["i", ":,i", "i,:,i", "0,i,1:,i"])
def test_traced_integer_indices(idx, form):
    pick = {"i": lambda x, i: x[i], ":,i": lambda x, i: x[:, i],
            "i,:,i": lambda x, i: x[i, :, i], "0,i,1:,i": lambda x, i: x[0, i, 1:, i]}[form]
    closed, out = _traced(pick, X, idx)
    _assert_same(out, pick(X, idx))
    assert _prims(closed).count("gather") == 1


def test_basic_index_is_rev_slice_reshape_and_advanced_is_one_gather():
    closed, _ = _traced(lambda x: x[0, 1:, ::-1], X)
    assert _prims(closed) == ["rev", "slice", "reshape"]
    closed, _ = _traced(lambda x: x[[0, 1], :, [1, 2]], X)
    assert _prims(closed) == ["transpose", "reshape", "gather"]
    closed, _ = _traced(lambda x, i: x[i], X, 1)
    assert _prims(closed) == ["gather"]


def test_numpy_array_indexed_by_tracer_is_traced():
    closed, out = _traced(lambda i: fnp._indexing.getitem(X, i), np.array([1, 0]))
    _assert_same(out, X[[1, 0]])
    assert _prims(closed) == ["gather"]


def test_traced_boolean_mask_raises_and_suggests_where():
    with pytest.raises(errors.IndexingError, match="where"):
        ft.make_jaxpr(lambda x: x[x > 0])(np.ones(3))


def test_index_errors():
    with pytest.raises(IndexError, match="out of bounds for axis 1 with size 3"):
        fnp._indexing.getitem(X, (0, 3))
    with pytest.raises(IndexError, match="out of bounds"):
        ft.make_jaxpr(lambda x: x[[0, 2]])(X)
    with pytest.raises(IndexError, match="too many indices"):
        fnp._indexing.getitem(np.ones(3), (0, 0))
    with pytest.raises(errors.IndexingError):
        fnp._indexing.getitem(np.ones(3), 1.5)
    with pytest.raises(errors.IndexingError, match="slice"):
        ft.make_jaxpr(lambda x, n: x[:n])(np.ones(3), 2)


# --------------------------------------------------------------------------- x.at[idx]


def _np_update(x, idx, v, op):
    y = x.copy()
    {"set": np.ndarray.__setitem__, "add": np.add.at, "multiply": np.multiply.at}[op](y, idx, v)
    return y


@pytest.mark.parametrize("idx, v", [
    ((0, 1), 5.0), ([0, 0, 2], 1.5), ((slice(None), [1, 1, 3]), np.array([1.0, 2.0, 3.0])),
    (slice(None, None, -1), np.arange(4.0)), ((Ellipsis, 0), 7),
    (np.array([[True, False, True, False]] * 3), 2.0),
], ids=repr)
@pytest.mark.parametrize("op", ["set", "add", "multiply"])
def test_at_updates_match_numpy(idx, v, op):
    x = np.arange(12.0).reshape(3, 4)
    before = x.copy()
    eager = getattr(fnp._indexing.IndexUpdateHelper(x)[idx], op)(v)
    _assert_same(eager, _np_update(x, idx, v, op))
    _assert_same(x, before)   # the input is never modified
    closed, out = _traced(lambda a: getattr(a.at[idx], op)(v), x)
    _assert_same(out, _np_update(x, idx, v, op))
    assert _prims(closed).count({"set": "scatter", "add": "scatter_add",
                                 "multiply": "scatter_mul"}[op]) == 1


def test_at_add_accumulates_repeated_traced_indices():
    _, out = _traced(lambda x, i: x.at[i].add(1.0), np.zeros(4), np.array([0, 2, 0, 0]))
    _assert_same(out, np.array([3.0, 0.0, 1.0, 0.0]))
    _, out = _traced(lambda x, i: x.at[:, i].multiply(2.0), np.ones((2, 3)), np.array([1, 1]))
    _assert_same(out, np.array([[1.0, 4.0, 1.0], [1.0, 4.0, 1.0]]))


def test_at_converts_values_and_get():
    _, out = _traced(lambda x: x.at[0].set(2.7), np.arange(6).reshape(2, 3))
    _assert_same(out, np.array([[2, 2, 2], [3, 4, 5]]))
    _, out = _traced(lambda x, v: x.at[1].set(v), np.zeros((2, 3)), np.arange(3, dtype=np.int32))
    _assert_same(out, np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 2.0]]))
    _, out = _traced(lambda x: x.at[1:, 2].get(), np.arange(12.0).reshape(3, 4))
    _assert_same(out, np.array([6.0, 10.0]))
    with pytest.raises(errors.FunctransValueError, match="could not be broadcast"):
        fnp._indexing.IndexUpdateHelper(np.zeros(3))[:2].set(np.ones(3))


# --------------------------------------------------------------------------- products


@pytest.mark.parametrize("sa, sb", [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)),
    ((6, 1, 2, 3), (5, 3, 4)), ((3,), (5, 3, 4)), ((5, 2, 3), (3,)),
], ids=str)
def test_matmul_ranks_use_one_dot_general(sa, sb):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    closed, out = _traced(lambda x, y: x @ y, a, b)
    np.testing.assert_allclose(out, a @ b, rtol=1e-13)
    assert out.shape == (a @ b).shape
    prims = _prims(closed)
    assert prims.count("dot_general") == 1
    # Batch axes are broadcast only when an operand's batch shape differs from the result's.
    batch_differs = len(sa) >= 2 and len(sb) >= 3 and sa[:-2] != np.broadcast_shapes(
        sa[:-2], sb[:-2])
    assert ("broadcast_in_dim" in prims) == batch_differs
    np.testing.assert_allclose(fnp.matmul(a, b), a @ b, rtol=1e-13)


def test_numpy_matrix_at_tracer_is_traced():
    w = RNG.standard_normal((4, 3))
    closed, out = _traced(lambda x: w @ x, np.ones(3))
    assert _prims(closed) == ["dot_general"]
    np.testing.assert_allclose(out, w @ np.ones(3), rtol=1e-15)


def test_dot_follows_numpy_dot():
    a, b = RNG.standard_normal((5, 2, 3)), RNG.standard_normal((6, 3, 4))
    np.testing.assert_allclose(fnp.dot(a, b), np.dot(a, b), rtol=1e-13)
    _assert_same(fnp.dot(np.array([[True, False]]), np.array([True, True])),
                 np.dot(np.array([[True, False]]), np.array([True, True])))
    _assert_same(fnp.dot(2, np.arange(3)), np.dot(2, np.arange(3)))


_EINSUMS = [
    ("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("ii->i", (3, 3)), ("ii", (3, 3)),
    ("ij->", (2, 3)), ("ij->ji", (2, 3)), ("i,j->ij", (2,), (3,)), ("bij,bjk->bik", (5, 2, 3),
                                                                   (5, 3, 4)),
    ("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)), ("ij,ij->ij", (1, 3), (2, 3)),
    ("...ij,...jk->...ik", (5, 2, 3), (3, 4)), ("...ij,...jk", (6, 1, 2, 3), (5, 3, 4)),
    ("iij->j", (3, 3, 2)), ("ij,j,ij->i", (2, 3), (3,), (2, 3)), ("bA,Ac", (2, 3), (3, 4)),
    ("ijk,ik->j", (2, 3, 4), (2, 4)), ("ab,bc,ca->", (2, 3), (3, 4), (4, 2)),
]


@pytest.mark.parametrize("spec, shapes", [(s[0], s[1:]) for s in _EINSUMS],
                         ids=[s[0] for s in _EINSUMS])
def test_einsum_forms_match_numpy_with_one_dot_general_per_pair(spec, shapes):
    ops = [RNG.standard_normal(s) for s in shapes]
    want = np.einsum(spec, *ops)
    np.testing.assert_allclose(fnp.einsum(spec, *ops), want, rtol=1e-13)
    closed, out = _traced(lambda *xs: fnp.einsum(spec, *xs), *ops)
    np.testing.assert_allclose(out, want, rtol=1e-13)
    assert out.shape == want.shape
    assert _prims(closed).count("dot_general") == len(ops) - 1


def test_einsum_errors():
    with pytest.raises(errors.FunctransValueError, match="label 'j'"):
        fnp.einsum("ij,jk", np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(errors.FunctransValueError, match="'\\.\\.\\.'"):
        fnp.einsum("...i->i", np.ones((2, 3)))
    with pytest.raises(errors.FunctransTypeError, match="string"):
        fnp.einsum(np.ones(2), [0], np.ones(2), [0])


# --------------------------------------------------------------------------- creation


def test_creation_returns_numpy_and_array_of_tracers_stacks():
    # Concrete results are functrans.numpy.Array: ndarrays with .at (tests/test_at_arrays.py).
    for out in (fnp.zeros((2, 3)), fnp.eye(3, k=1), fnp.arange(3), fnp.asarray([1.0]),
                fnp.array(np.ones(2)), fnp.full(2, 1.0), fnp.ones_like(np.ones(2)),
                fnp.linspace(0.0, 1.0, 3)):
        assert type(out) is fnp.Array and isinstance(out, np.ndarray)
    assert fnp.eye(3, k=1).dtype == np.float64
    closed, out = _traced(lambda a, b: fnp.array([[a, b], [b, 1.0]]), np.float32(1.0),
                          np.float32(2.0))
    # As numpy.array: a Python float inside a list is float64, not weak.
    _assert_same(out, np.array([[np.float32(1.0), np.float32(2.0)], [np.float32(2.0), 1.0]]))
    assert "concatenate" in _prims(closed)
    closed, out = _traced(lambda x: fnp.zeros_like(x) + x, np.ones(2, np.float32))
    assert closed.out_avals[0].dtype == np.float32


def test_asarray_converts_tracers_and_numpy_refuses_them():
    closed, out = _traced(lambda x: fnp.asarray(x, dtype=np.float32), np.arange(3))
    assert _prims(closed) == ["convert_element_type"] and out.dtype == np.float32
    with pytest.raises(TypeError):
        ft.make_jaxpr(lambda x: np.asarray(x))(np.ones(3))


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("call, exc, match", [
    (lambda: fnp.add(np.ones(2), 1.0, out=np.ones(2)), errors.FunctransTypeError, "`out`"),
    (lambda: fnp.sin(np.ones(2), where=np.ones(2) > 0), errors.FunctransTypeError, "`where`"),
    (lambda: fnp.sum(np.ones(2), initial=1.0), errors.FunctransTypeError, "`initial`"),
    (lambda: fnp.reshape(np.ones(6), (2, 3), order="F"), errors.FunctransValueError, "order"),
    # NumPy does not define floor or cbrt on complex values either (issue 14).
    (lambda: fnp.floor(np.ones(2, complex)), errors.FunctransTypeError, "complex"),
    (lambda: fnp.zeros(2, dtype="U3"), errors.FunctransTypeError, "does not support"),
    (lambda: fnp.cbrt(1j), errors.FunctransTypeError, "complex"),
    (lambda: fnp.sum(np.ones((2, 3)), axis=2), errors.AxisError, "axis 2.*rank 2"),
    (lambda: fnp.mean(np.ones((2, 3)), axis=(0, -2)), errors.AxisError, "repeated"),
    (lambda: fnp.moveaxis(np.ones((2, 3)), 0, 5), errors.AxisError, "rank 2"),
    (lambda: fnp.where(np.ones(2) > 0, 1.0), errors.FunctransTypeError, "both x and y"),
    (lambda: fnp.matmul(2.0, np.ones(2)), errors.FunctransValueError, "scalar"),
    (lambda: fnp.reshape(np.ones(6), (4, -1)), errors.FunctransValueError, "size 6"),
    (lambda: fnp.split(np.ones(5), 2), errors.FunctransValueError, "equally"),
    (lambda: fnp.linalg.norm(np.ones((2, 2)), 3), errors.FunctransValueError,
     "not a matrix norm"),
    (lambda: fnp.subtract(np.ones(2) > 0, True), errors.FunctransTypeError, "bool"),
    (lambda: ft.make_jaxpr(lambda n: fnp.arange(n))(3), errors.FunctransTypeError, "traced"),
], ids=["out", "where-kw", "initial", "order-F", "complex-array", "complex-dtype",
        "complex-scalar", "axis-range", "axis-repeat", "moveaxis", "where-1-arg", "matmul-0d",
        "reshape", "split", "norm-matrix-ord3", "bool-subtract", "arange-traced"])
def test_unsupported_arguments_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("axis, idx", [(None, np.array([5, 0, -1])), (0, np.int64(1)),
                                       (1, np.array([[0, 2], [1, 1]])), (-1, [2, 0])])
def test_take_indexes_constants_with_traced_indices(axis, idx):
    table = np.arange(12.0).reshape(2, 6)[:, :3]
    want = np.take(table, idx, axis=axis)
    _assert_same(fnp.take(table, idx, axis=axis), want)
    _, got = _traced(lambda i: fnp.take(table, i, axis=axis), np.asarray(idx))
    _assert_same(got, want)
    np.testing.assert_array_equal(ft.jit(lambda i: fnp.take(table, i, axis=axis))(idx), want)


def test_zero_length_ellipsis_separates_advanced_indices():
    x = np.arange(20.0).reshape(4, 5)
    i = np.array([0, 1])
    for f in (lambda a: a[None, i, ..., i], lambda a: a[1, ..., i], lambda a: a[i, i]):
        _, got = _traced(f, x)
        _assert_same(got, f(x))


def test_split_accepts_array_of_points():
    pieces = fnp.split(np.arange(6.0), np.array([2, 4]))
    assert [p.tolist() for p in pieces] == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]


def test_mean_of_float16_accumulates_in_float32_like_numpy():
    a = np.full(10000, 10, np.float16)
    _assert_same(fnp.mean(a), np.mean(a))
    _, got = _traced(lambda x: fnp.mean(x, axis=0), a)
    _assert_same(got, np.mean(a, axis=0))


# Public names of functrans.numpy's implementation modules that are not NumPy functions: the
# machinery of `x[idx]` and `x.at[idx]`, installed on traced values by `_methods`.
_NOT_EXPORTED = {"functrans.numpy._indexing": {"getitem", "IndexUpdateHelper", "IndexUpdateRef"}}


@pytest.mark.parametrize("name", ["_creation", "_grids", "_indexing", "_join", "_linalg", "_manip",
                                  "_misc", "_pad", "_poly", "_sorting", "_windows", "_bits",
                                  "_dtypes", "_histogram", "_indexmisc", "_nonzero", "_setops",
                                  "_quantiles", "_searching", "_math", "_nanfuncs", "_reductions",
                                  "_stats", "_shape", "_ufuncs"])
def test_each_wrapper_is_exported_from_its_own_module(name):
    # Adding a function touches only the module defining it: its `__all__` is what
    # functrans.numpy re-exports (no second list to keep in step).
    module = importlib.import_module(f"functrans.numpy.{name}")
    defined = {n for n, v in vars(module).items() if not n.startswith("_") and callable(v)
               and getattr(v, "__module__", None) == module.__name__}
    missing = defined - set(module.__all__) - _NOT_EXPORTED.get(module.__name__, set())
    assert not missing, f"add to {module.__name__}.__all__: {sorted(missing)}"
    for n in module.__all__:
        assert getattr(fnp, n) is getattr(module, n), n


def test_pad_callable_mode_must_return_the_padded_vector():
    with pytest.raises(errors.FunctransValueError, match="must return the padded vector"):
        fnp.pad(np.ones(3), 1, lambda v, width, axis, kw: v[1:])
    with pytest.raises(errors.FunctransValueError, match="reflect_type='sideways'"):
        fnp.pad(np.ones(3), 1, "reflect", reflect_type="sideways")
