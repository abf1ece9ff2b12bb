"""The traced value's ndarray methods and attributes (functrans.numpy._methods, issue 12).

Each method under `jit` and `vmap` against NumPy's method on the same concrete array (or
NumPy's function where the method mutates or no longer exists), derivatives through a few,
and the errors of the mutating methods and of the conversions that need a value. Also the
checks of functrans.numpy._indexmisc that the op table cannot express: errors, the exact
`einsum_path` under a trace, and JAX's clipping in `unravel_index` under a trace.
"""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import errors
from functrans.numpy import _methods
from functrans.test_util import check_grads

X = np.array([[0.3, -1.2, 2.5], [1.7, 0.9, -0.4]])
CUBE = np.arange(24.0).reshape(2, 3, 4) / 7.0 - 1.0
INTS = np.array([[3, -1, 4], [1, 5, -9]])
BOOLS = np.array([[True, False, True], [True, True, True]])


def _np_sort(a, *args, **kwargs):
    return np.sort(a, *args, **kwargs)     # ndarray.sort sorts in place and returns None


# (method, args, kwargs, the NumPy reference when not the ndarray method of the same name)
METHODS = [
    ("sort", (), {}, _np_sort), ("sort", (0,), {}, _np_sort),
    ("argsort", (), {}, None), ("argsort", (), {"axis": 0}, None),
    ("cumsum", (), {}, None), ("cumsum", (1,), {}, None),
    ("cumprod", (), {}, None), ("cumprod", (0,), {}, None),
    ("round", (), {}, None), ("round", (1,), {}, None),
    ("clip", (-0.5, 1.0), {}, None), ("clip", (), {"min": 0.0}, None),
    ("clip", (), {"max": 1.0}, None),
    ("astype", (np.float32,), {}, None), ("astype", (np.int64,), {}, None),
    ("flatten", (), {}, None), ("flatten", ("F",), {}, None), ("ravel", (), {}, None),
    ("ptp", (), {}, np.ptp), ("ptp", (1,), {}, np.ptp),
    ("conj", (), {}, None), ("conjugate", (), {}, None),
    ("diagonal", (), {}, None), ("diagonal", (1,), {}, None),
    ("trace", (), {}, None), ("trace", (-1,), {}, None),
    ("repeat", (2,), {}, None), ("repeat", ([1, 2], 0), {}, None),
    ("squeeze", (), {}, None), ("swapaxes", (0, 1), {}, None),
    ("take", ([2, 0],), {}, None), ("take", ([[1], [0]],), {"axis": 1}, None),
    ("var", (), {}, None), ("var", (1,), {"ddof": 1}, None),
    ("std", (), {}, None), ("std", (0,), {"keepdims": True}, None),
    ("prod", (), {}, None), ("prod", (1,), {}, None),
    ("any", (), {}, None), ("any", (0,), {}, None),
    ("all", (), {}, None), ("all", (1,), {"keepdims": True}, None),
    ("argmax", (), {}, None), ("argmax", (1,), {}, None),
    ("argmin", (), {}, None), ("argmin", (0,), {"keepdims": True}, None),
    ("min", (), {}, None), ("min", (1,), {}, None),
    ("max", (), {}, None), ("max", (0,), {"keepdims": True}, None),
    ("mean", (), {}, None), ("mean", ((0, 1),), {}, None),
    ("sum", (), {}, None), ("sum", (-1,), {"dtype": np.float32}, None),
    ("dot", (X.T,), {}, None), ("reshape", (3, 2), {}, None), ("reshape", ((6,),), {}, None),
    ("transpose", (), {}, None), ("transpose", (1, 0), {}, None), ("copy", (), {}, None),
    ("argpartition", (1,), {}, None), ("choose", ([[1, 2, 3], [4, 5, 6]],), {"mode": "clip"}, None),
]


def _call(x, name, args, kwargs):
    return getattr(x, name)(*args, **kwargs)


def _reference(a, name, args, kwargs, ref):
    return ref(a, *args, **kwargs) if ref is not None else _call(a, name, args, kwargs)


def _assert_same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def _inputs(name):
    if name == "choose":
        return [np.array([[0, 1, 0], [1, 1, 0]])]
    if name in ("argpartition",):
        return [X, INTS]
    return [X, INTS, BOOLS] if name not in ("round", "cumprod", "dot") else [X, INTS]


@pytest.mark.parametrize("name,args,kwargs,ref", METHODS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(METHODS)])
def test_method_matches_numpy_under_jit(name, args, kwargs, ref):
    for a in _inputs(name):
        if name in ("var", "std", "mean", "ptp", "cumprod", "round") and a.dtype == bool:
            continue
        want = _reference(a, name, args, kwargs, ref)
        got = ft.jit(lambda x: _call(x, name, args, kwargs))(a)
        _assert_same(got, want)


@pytest.mark.parametrize("name,args,kwargs,ref", METHODS[:40],
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(METHODS[:40])])
def test_method_under_vmap(name, args, kwargs, ref):
    batch = np.stack([X, 2.0 * X[::-1], X ** 2])
    got = ft.vmap(lambda x: _call(x, name, args, kwargs))(batch)
    want = np.stack([_reference(b, name, args, kwargs, ref) for b in batch])
    _assert_same(got, want)


def test_attributes_match_numpy():
    def attrs(x):
        return x.T, x.mT, x.real, x.imag

    for a in (X, CUBE, INTS):
        got = ft.jit(attrs)(a)
        for g, w in zip(got, (a.T, np.matrix_transpose(a), a.real, a.imag), strict=True):
            _assert_same(g, w)

    def static(x):
        assert (x.itemsize, x.nbytes, x.size, x.ndim, x.shape) == (
            CUBE.itemsize, CUBE.nbytes, CUBE.size, CUBE.ndim, CUBE.shape)
        return x

    ft.jit(static)(CUBE)


@pytest.mark.parametrize("f", [
    lambda x: x.sort(axis=0).sum(),
    lambda x: (x.cumsum(1) * x.cumprod(0)).sum(),
    lambda x: x.var() + x.std(1).sum(),
    lambda x: x.clip(-0.5, 1.0).ptp(),
    lambda x: x.dot(x.T).trace() + x.take([2, 0], 1).max(),
    lambda x: x.flatten("F")[1] * x.mT.diagonal().prod(),
    lambda x: x.repeat(2, 1).swapaxes(0, 1).mean(0).min() + x.real.sum() + x.conj()[0, 0],
])
def test_method_derivatives(f):
    # Under jit, so that the methods are the traced value's (NumPy's own on concrete arrays).
    check_grads(ft.jit(f), (X,), order=2)


@pytest.mark.parametrize("name", sorted(_methods.MUTATING_METHODS))
def test_mutating_methods_raise(name):
    def f(x):
        getattr(x, name)(0, 1.0)
        return x

    with pytest.raises(errors.FunctransTypeError, match="in place") as info:
        ft.jit(f)(X)
    assert name in str(info.value)
    assert "x.at[" in str(info.value) or "functrans.numpy" in str(info.value) \
        or "flags" in str(info.value)


def test_setitem_points_to_at():
    def f(x):
        x[0] = 1.0
        return x

    with pytest.raises(errors.FunctransTypeError, match=r"x\.at\[idx\]\.set"):
        ft.jit(f)(X)


@pytest.mark.parametrize("name", ["item", "tolist"])
def test_value_conversions_need_concrete(name):
    with pytest.raises(errors.ConcretizationError, match=name):
        ft.jit(lambda x: getattr(x, name)())(X)


# --------------------------------------------------------------------------- indexmisc checks


@pytest.mark.parametrize("spec,shapes,optimize", [
    ("ij,jk,kl->il", [(2, 30), (30, 4), (4, 50)], "greedy"),
    ("ij,jk,kl,lm->im", [(8, 2), (2, 9), (9, 3), (3, 7)], "optimal"),
    ("i,i->", [(5,), (5,)], False),
])
def test_einsum_path_traced_equals_numpy(spec, shapes, optimize):
    ops = [np.ones(s) for s in shapes]
    want = np.einsum_path(spec, *ops, optimize=optimize)
    seen = []

    def f(*xs):
        seen.append(fnp.einsum_path(spec, *xs, optimize=optimize))
        return xs[0]

    ft.jit(f)(*ops)
    assert seen[0] == want


def test_unravel_index_clips_under_trace_as_jax():
    idx = np.array([-1, -6, -7, 5, 6, 100])
    got = ft.jit(lambda i: fnp.unravel_index(i, (2, 3)))(idx)
    want = np.unravel_index(np.clip(np.where(idx < 0, idx + 6, idx), 0, 5), (2, 3))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w, strict=True)
    with pytest.raises(errors.FunctransValueError, match="out of bounds"):
        fnp.unravel_index(np.array([1, 6]), (2, 3))
    with pytest.raises(errors.FunctransValueError, match="out of bounds"):
        fnp.unravel_index(-1, (2, 3))


def test_ravel_multi_index_raise_mode():
    with pytest.raises(errors.FunctransValueError, match="invalid entry"):
        fnp.ravel_multi_index((np.array([0, 2]), np.array([1, 1])), (2, 3))
    with pytest.raises(errors.ConcretizationError, match="mode='clip'"):
        ft.jit(lambda i: fnp.ravel_multi_index((i, i), (3, 3)))(np.array([0, 1]))
    with pytest.raises(errors.FunctransTypeError, match="integers"):
        fnp.ravel_multi_index((np.array([0.0]), np.array([1])), (2, 3))


@pytest.mark.parametrize("call", [
    lambda: fnp.put(np.zeros(3), [0], 1.0),
    lambda: fnp.fill_diagonal(np.zeros((2, 2)), 1.0),
])
def test_inplace_forms_raise(call):
    with pytest.raises(errors.FunctransValueError, match="inplace=False"):
        call()


def test_put_out_of_range():
    with pytest.raises(IndexError, match="out of bounds"):
        fnp.put(np.zeros(3), [3], 1.0, inplace=False)
    with pytest.raises(errors.FunctransValueError, match="mode"):
        fnp.put(np.zeros(3), [0], 1.0, mode="drop", inplace=False)


def test_fill_diagonal_shapes():
    with pytest.raises(errors.FunctransValueError, match="at least 2-d"):
        fnp.fill_diagonal(np.zeros(3), 1.0, inplace=False)
    with pytest.raises(errors.FunctransValueError, match="equal length"):
        fnp.fill_diagonal(np.zeros((2, 2, 3)), 1.0, inplace=False)


def test_convolve_errors():
    with pytest.raises(errors.FunctransValueError, match="cannot be empty"):
        fnp.convolve(np.zeros(0), np.ones(2))
    with pytest.raises(errors.FunctransValueError, match="1-d"):
        fnp.correlate(np.zeros((2, 2)), np.ones(2))
    with pytest.raises(errors.FunctransValueError, match="mode"):
        fnp.convolve(np.ones(3), np.ones(2), mode="circular")


def test_convolve_is_one_gather_and_one_product():
    eqns = ft.make_jaxpr(lambda a, v: fnp.convolve(a, v))(np.ones(50), np.ones(7)).jaxpr.eqns
    assert len(eqns) < 10, [e.primitive.name for e in eqns]


def test_polydiv_errors():
    with pytest.raises(errors.FunctransValueError, match="leading coefficient"):
        fnp.polydiv(np.ones(3), np.array([0.0, 1.0]))
    with pytest.raises(errors.FunctransValueError, match="concrete"):
        ft.jit(lambda u: fnp.polydiv(u, np.ones(2), trim_leading_zeros=True))(np.ones(3))


def test_apply_along_axis_empty_iteration_dims():
    with pytest.raises(errors.FunctransValueError, match="iteration dimension"):
        fnp.apply_along_axis(fnp.sum, 1, np.zeros((0, 3)))
    got = fnp.apply_along_axis(fnp.sum, 1, np.zeros((2, 0)))
    np.testing.assert_array_equal(got, np.apply_along_axis(np.sum, 1, np.zeros((2, 0))))


def test_apply_over_axes_rank_error():
    with pytest.raises(errors.FunctransValueError, match="correct shape"):
        fnp.apply_over_axes(lambda a, axis: fnp.sum(a), np.ones((2, 3, 4)), [0])
