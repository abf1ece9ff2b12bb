"""`functrans.numpy.Array` (issue 16 item 2): arrays that behave like JAX's where it matters.

`.at[idx]` updates outside a trace equal those inside one (and NumPy's `ufunc.at`), chains
work, a constant made with `fnp.asarray` can be indexed by a traced integer under grad, jit
and vmap, an Array interoperates with NumPy as an ndarray (pickle, copy, NumPy functions),
the results of transformations are plain ndarrays, and a plain ndarray indexed by a traced
value keeps its error pointing to `fnp.asarray(c)[i]`.
"""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import errors
from functrans.test_util import check_grads

# ---------------------------------------------------------------------------- x.at[idx]

# (index, shape of x): ints, slices, fancy (with repeats), boolean masks, mixed, Ellipsis.
INDICES = [
    (1, (4,)),
    (-1, (4,)),
    (slice(1, None, 2), (5,)),
    ([0, 2, 0, 3], (4,)),
    (np.array([[1, 1], [0, 2]]), (3,)),
    (np.array([True, False, True, True]), (4,)),
    ((slice(None), [2, 0, 2]), (2, 3)),
    ((1, Ellipsis), (3, 2)),
    ((np.array([0, 1, 0]), np.array([2, 2, 2])), (2, 3)),
    ((None, 1), (3, 2)),
]
NUMPY_AT = {"add": np.add.at, "multiply": np.multiply.at, "min": np.minimum.at,
            "max": np.maximum.at}


def _numpy_update(op, x, idx, v):
    want = np.array(x)
    if op == "set":
        want[idx] = v
    else:
        NUMPY_AT[op](want, idx, v)
    return want


def _values(x, idx, seed):
    shape = np.shape(np.asarray(x)[idx])
    return np.random.default_rng(seed).normal(size=shape).round(2)


@pytest.mark.parametrize("op", ["set", "add", "multiply", "min", "max"])
@pytest.mark.parametrize("idx,shape", INDICES, ids=[str(i) for i in range(len(INDICES))])
def test_at_eager_equals_traced_and_numpy(op, idx, shape):
    x = np.random.default_rng(0).normal(size=shape).round(2)
    v = _values(x, idx, 1)
    want = _numpy_update(op, x, idx, v)
    eager = getattr(fnp.asarray(x).at[idx], op)(v)
    assert type(eager) is fnp.Array
    np.testing.assert_array_equal(eager, want)
    jitted = ft.jit(lambda x, v: getattr(x.at[idx], op)(v))(x, v)
    assert type(jitted) is np.ndarray
    np.testing.assert_array_equal(jitted, want)
    np.testing.assert_array_equal(x, np.random.default_rng(0).normal(size=shape).round(2))


@pytest.mark.parametrize("idx,shape", INDICES, ids=[str(i) for i in range(len(INDICES))])
def test_at_get_eager_equals_traced(idx, shape):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    np.testing.assert_array_equal(fnp.asarray(x).at[idx].get(), x[idx])
    np.testing.assert_array_equal(ft.jit(lambda x: x.at[idx].get())(x), x[idx])


def test_at_scalar_values_broadcast_and_dtype_is_kept():
    x = fnp.zeros((2, 3), dtype=np.int32)
    out = x.at[:, 1].set(7.9)
    assert out.dtype == np.int32 and type(out) is fnp.Array
    np.testing.assert_array_equal(out, [[0, 7, 0], [0, 7, 0]])
    np.testing.assert_array_equal(x, 0)   # the input is never modified
    np.testing.assert_array_equal(fnp.ones(3).at[[0, 0]].min(-1), [-1.0, 1.0, 1.0])


def test_at_chains_outside_a_trace():
    x = fnp.zeros(5).at[1].set(2.0).at[[1, 3, 3]].add(1.0).at[4].max(9.0).at[1].min(0.5)
    assert type(x) is fnp.Array
    np.testing.assert_array_equal(x, [0.0, 0.5, 0.0, 2.0, 9.0])
    y = (fnp.arange(4.0) * 2).at[0].multiply(10.0)   # arithmetic on an Array stays an Array
    np.testing.assert_array_equal(y, [0.0, 2.0, 4.0, 6.0])


def test_at_min_max_with_a_traced_index_handle_repeats():
    # A traced index: repeats are unknown while tracing (compared k x k).
    x, v = np.ones(4), np.array([0.5, -2.0, 3.0, 0.25])
    for op in ("min", "max"):
        for idx in (np.array([0, 0, 3, 0]), np.array([2, 1, 1, 1]), np.array([3, 2, 1, 0])):
            got = ft.jit(lambda x, i, v, op=op: getattr(x.at[i], op)(v))(x, idx, v)
            np.testing.assert_array_equal(got, _numpy_update(op, x, idx, v))


def test_at_min_max_nan_propagates_and_empty_index():
    x = fnp.asarray([1.0, np.nan, 3.0])
    np.testing.assert_array_equal(x.at[[0, 1]].min(np.array([np.nan, 0.0])),
                                  [np.nan, np.nan, 3.0])
    out = x.at[[]].max(5.0)
    np.testing.assert_array_equal(out, x)
    assert not np.shares_memory(out, x)


def test_at_min_max_derivatives():
    idx = np.array([0, 2, 2, 4])   # a repeated position
    x = np.array([0.3, -1.2, 0.8, 2.1, -0.4])
    v = np.array([0.1, 0.5, -0.7, 1.3])
    for op in ("min", "max"):
        check_grads(lambda x, v, op=op: getattr(fnp.asarray(x).at[idx], op)(v), (x, v),
                    order=2)
        check_grads(lambda x, v, op=op: getattr(fnp.asarray(x).at[idx[1:]], op)(
            fnp.sin(fnp.asarray(v)[1:])), (x, v), order=2)
    # The derivative follows the selected value: the update where it wins, else x.
    g = ft.grad(lambda v: fnp.sum(fnp.ones(3).at[[0, 0, 1]].min(v)))(np.array([0.5, 0.2, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


def test_at_min_max_derivatives_with_a_traced_repeated_index():
    idx = np.array([0, 2, 2, 4, 2])
    x = np.array([0.3, -1.2, 0.8, 2.1, -0.4])
    v = np.array([0.1, 0.5, -0.7, 1.3, 0.2])
    for op in ("min", "max"):
        inner = ft.jit(lambda x, v, i, op=op: getattr(x.at[i], op)(v))
        check_grads(lambda x, v, inner=inner: inner(x, v, idx), (x, v), order=2)
    # Tied updates at one position share its derivative (it sums to one).
    g = ft.jit(ft.grad(lambda v, i: fnp.sum(fnp.ones(2).at[i].min(v))))(
        np.array([0.5, 0.5]), np.array([0, 0]))
    np.testing.assert_allclose(g, [0.5, 0.5])


def test_at_min_max_vmap_with_batched_index_and_values():
    x = np.linspace(-1.0, 1.0, 5)
    idx = np.array([[0, 0, 4], [1, 2, 1], [3, 3, 3]])
    v = np.random.default_rng(3).normal(size=(3, 3))
    for op in ("min", "max"):
        f = lambda i, v, op=op: getattr(fnp.asarray(x).at[i], op)(v)  # noqa: E731
        got = ft.vmap(f)(idx, v)
        np.testing.assert_array_equal(got, [_numpy_update(op, x, i, w) for i, w in zip(
            idx, v, strict=True)])


def test_at_on_traced_values_is_the_same_helper():
    out = ft.jit(lambda x: x.at[[0, 0]].max(np.array([3.0, 5.0])))(np.zeros(2))
    np.testing.assert_array_equal(out, [5.0, 0.0])


# ---------------------------------------------------------------------------- table[traced i]

TABLE = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def test_constant_indexed_by_a_traced_integer():
    table = fnp.asarray(TABLE)
    assert ft.jit(lambda i: table[i])(1).tolist() == [4.0, 5.0, 6.0]
    assert ft.jit(lambda i, j: table[i, j])(1, 2) == 6.0
    assert ft.jit(lambda j: table[:, j])(0).tolist() == [1.0, 4.0]
    np.testing.assert_array_equal(ft.jit(lambda i: table[[i, 0]])(1), TABLE[[1, 0]])
    np.testing.assert_array_equal(ft.vmap(lambda i: table[i, 2 - i])(np.array([0, 1])),
                                  [3.0, 5.0])
    g = ft.grad(lambda w, i: w * fnp.sum(table[i]) + table[1 - i, i] * w ** 2)(2.0, 1)
    np.testing.assert_allclose(g, 15.0 + 2 * TABLE[0, 1] * 2.0)
    np.testing.assert_array_equal(
        ft.vmap(ft.grad(lambda w, i: fnp.sum(table[i] * w)), in_axes=(None, 0))(
            np.ones(3), np.array([1, 0])), TABLE[[1, 0]])


def test_constant_lookup_is_one_constant_of_the_program():
    table = fnp.asarray(np.arange(10.0))
    closed = ft.make_jaxpr(lambda i: table[i] + table[i + 1] * table[2 * i])(3)
    assert len(closed.consts) == 1 and type(closed.consts[0]) is np.ndarray
    assert "gather" in str(closed)


def test_array_constants_enter_programs_as_plain_ndarrays():
    a = fnp.arange(3.0)
    closed = ft.make_jaxpr(lambda x: x * a + fnp.zeros(3).at[0].set(x[1]))(np.ones(3))
    assert all(type(c) is np.ndarray for c in closed.consts)


def test_plain_ndarray_indexed_by_a_traced_value_keeps_its_error():
    table = np.arange(3.0)
    for fun, arg in ((ft.jit(lambda i: table[i]), 1), (ft.vmap(lambda i: table[i]), [1])):
        with pytest.raises(errors.ConcretizationError, match=r"asarray\(array\)\[index\]"):
            fun(np.array(arg))
    # grad does not differentiate i: it passes it as the value it is when needed (JAX's rule,
    # tests/test_api_concrete_args.py), so the plain ndarray is indexed by an int or a 0-d
    # NumPy array.
    assert ft.grad(lambda w, i: w * table[i])(1.0, np.array(1)) == 1.0
    assert ft.grad(lambda w, i: w * table[i])(1.0, 1) == 1.0


# ---------------------------------------------------------------------------- NumPy interop


def test_array_is_an_ndarray_with_numpy_subclass_rules():
    a = fnp.asarray([1.0, 2.0, 3.0])
    assert isinstance(a, np.ndarray) and repr(a) == "array([1., 2., 3.])"
    assert str(a) == "[1. 2. 3.]"
    # NumPy's subclass rules: ufuncs, arithmetic, methods and slicing give Arrays...
    for out in (np.sin(a), a + 1, 2 * a, a[1:], a.reshape(3, 1), a.copy(), a.T, a[[0, 2]]):
        assert type(out) is fnp.Array
    # ... functions returning base-class arrays give plain ones (which share memory as usual).
    for out in (np.asarray(a), np.array(a), np.copy(a), np.concatenate([a, a])):
        assert type(out) is np.ndarray
    assert np.shares_memory(np.asarray(a), a)
    assert type(a[0]) is np.float64 and float(a.sum()) == 6.0
    a[0] = 10.0   # an ndarray: mutable outside a trace
    assert a.tolist() == [10.0, 2.0, 3.0]


def test_writing_a_traced_value_into_an_array_names_at_set():
    a = fnp.zeros(3)

    def write(v, i):
        a[i] = v
        return a

    with pytest.raises(errors.FunctransTypeError, match=r"x.at\[idx\].set\(value\)"):
        ft.grad(lambda v: fnp.sum(write(v, 1)))(1.0)
    with pytest.raises(errors.FunctransTypeError, match=r"x.at\[idx\].set\(value\)"):
        ft.jit(write)(1.0, 2)
    np.testing.assert_array_equal(a, 0.0)


def test_asarray_of_an_array_is_itself_and_of_a_numpy_array_a_view():
    a = fnp.zeros(3)
    assert fnp.asarray(a) is a and fnp.asarray(a, dtype=np.float32) is not a
    x = np.ones(3)
    v = fnp.asarray(x)
    assert np.shares_memory(v, x) and type(v) is fnp.Array
    assert not np.shares_memory(fnp.array(x), x)


def test_pickle_and_copy_keep_the_array_type():
    a = fnp.arange(6.0).reshape(2, 3)
    for b in (pickle.loads(pickle.dumps(a)), copy.copy(a), copy.deepcopy(a)):
        assert type(b) is fnp.Array
        np.testing.assert_array_equal(b, a)
        np.testing.assert_array_equal(b.at[0, 0].set(9.0)[0], [9.0, 1.0, 2.0])


def test_transformation_results_are_plain_ndarrays():
    a = fnp.linspace(0.0, 1.0, 4)
    f = lambda x: fnp.sin(x) * 2.0  # noqa: E731
    outs = [ft.jit(f)(a), ft.grad(lambda x: fnp.sum(f(x)))(a), ft.vmap(f)(a),
            ft.jacfwd(f)(a), ft.jit(lambda: fnp.zeros(2))(), *ft.jvp(f, (a,), (a,))]
    for out in outs:
        assert type(out) is np.ndarray
    np.testing.assert_allclose(outs[0], np.sin(np.asarray(a)) * 2.0)


def test_eager_functrans_numpy_on_arrays_follows_numpy():
    a = fnp.arange(4.0)
    assert type(fnp.sin(a)) is fnp.Array and type(fnp.sin(np.arange(4.0))) is np.ndarray
    np.testing.assert_array_equal(fnp.cumsum(a), np.cumsum(np.arange(4.0)))


def test_creation_functions_give_at_arrays_and_refuse_a_like_that_is_not_an_array():
    """`identity` gives an `Array` as `eye` does (it gave a plain ndarray); `like=` must be an
    array, as NumPy requires (a Python scalar or list is refused, naming the function)."""
    for made in (fnp.eye(2), fnp.identity(2), fnp.zeros(2), fnp.ones(2), fnp.arange(2.0),
                 fnp.ones(2, like=np.ones(1))):
        assert isinstance(made, fnp.Array), type(made)
    np.testing.assert_array_equal(fnp.identity(2).at[0, 1].set(5.0), [[1.0, 5.0], [0.0, 1.0]])
    for make in (lambda: fnp.ones(2, like=3), lambda: fnp.asarray([1.0], like=[1]),
                 lambda: fnp.identity(2, like="x"), lambda: fnp.full(2, 1.0, like=1.0),
                 lambda: fnp.fromfunction(lambda i: i, (2,), like=2)):
        with pytest.raises(TypeError, match="like= must be an array"):
            make()
