"""Value-dependent output shapes (`nonzero`, `unique*`, the set functions, ...): `size=`.

The op table (tests/op_rows_setops.py) checks the sized forms against NumPy, eagerly, traced,
batched and differentiated. Here: the unsized forms equal NumPy exactly on concrete arrays;
a traced argument without `size=` raises ConcretizationError naming the function, the
argument and the `size=` form; `vmap` pads each batch element separately; a concrete
condition works traced without `size=`; the argument errors; and hypothesis properties for
random integer arrays.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import errors

TIES = np.array([3, 1, 3, 0, 1, 3])
FLOATS = np.array([2.0, np.nan, -1.0, 2.0, np.nan, 0.0, -0.0])
MAT = np.array([[0, 1, 0], [2, 0, 3]])
ROWS = np.array([[1, 2], [0, 5], [1, 2], [0, 4]])


def _same(got, want):
    got, want = (list(x) if isinstance(x, tuple) else [x] for x in (got, want))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w), strict=True)


# --------------------------------------------------------------------------- concrete: NumPy


@pytest.mark.parametrize("x", [TIES, FLOATS, MAT, np.array([]), np.array(2.5),
                               np.array([True, False, True])])
@pytest.mark.parametrize("flags", [(False, False, False), (True, True, True),
                                   (False, True, False), (True, False, True)])
@pytest.mark.parametrize("equal_nan", [True, False])
def test_unique_concrete_is_numpy(x, flags, equal_nan):
    _same(fnp.unique(x, *flags, equal_nan=equal_nan), np.unique(x, *flags, equal_nan=equal_nan))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unique_axis_concrete_is_numpy(axis):
    _same(fnp.unique(ROWS, True, True, True, axis=axis),
          np.unique(ROWS, True, True, True, axis=axis))


@pytest.mark.parametrize("name", ["unique_all", "unique_counts", "unique_inverse",
                                  "unique_values"])
@pytest.mark.parametrize("x", [TIES, FLOATS, MAT])
def test_unique_array_api_concrete_is_numpy(name, x):
    got, want = getattr(fnp, name)(x), getattr(np, name)(x)
    if name == "unique_values":
        # NumPy 2.4 returns integers in hash order here ("may vary"); functrans sorts always.
        want = np.sort(want)
    else:
        assert type(got).__name__ == type(want).__name__
        assert got._fields == want._fields
    _same(got, want)


@pytest.mark.parametrize("x", [TIES, MAT, FLOATS, np.zeros((2, 0))])
def test_nonzero_family_concrete_is_numpy(x):
    _same(fnp.nonzero(x), np.nonzero(x))
    _same(fnp.argwhere(x), np.argwhere(x))
    _same(fnp.flatnonzero(x), np.flatnonzero(x))


@pytest.mark.parametrize("a, b", [(TIES, np.array([3, 4, 1])), (FLOATS, np.array([np.nan, 2.0])),
                                  (MAT, np.array([[1.0, 5.0]])), (np.array([]), TIES),
                                  (TIES, np.array(1))])
def test_set_functions_concrete_are_numpy(a, b):
    _same(fnp.intersect1d(a, b), np.intersect1d(a, b))
    _same(fnp.intersect1d(a, b, return_indices=True), np.intersect1d(a, b, return_indices=True))
    _same(fnp.union1d(a, b), np.union1d(a, b))
    _same(fnp.setdiff1d(a, b), np.setdiff1d(a, b))
    _same(fnp.setxor1d(a, b), np.setxor1d(a, b))
    _same(fnp.isin(a, b), np.isin(a, b))
    _same(fnp.isin(a, b, invert=True), np.isin(a, b, invert=True))


def test_extract_compress_trim_zeros_concrete_are_numpy():
    cond = np.array([1, 0, 1])
    _same(fnp.extract(cond, MAT), np.extract(cond, MAT))
    _same(fnp.compress(cond.astype(bool), MAT, axis=1), np.compress(cond.astype(bool), MAT, 1))
    _same(fnp.compress([True, False], MAT, axis=0), np.compress([True, False], MAT, axis=0))
    _same(fnp.compress([False, True], MAT), np.compress([False, True], MAT))
    big = np.pad(MAT, 1)
    for trim in ("fb", "f", "b", "bf"):
        for axis in (None, 0, -1, (0, 1)):
            _same(fnp.trim_zeros(big, trim, axis), np.trim_zeros(big, trim, axis))
    _same(fnp.trim_zeros(np.zeros(3)), np.trim_zeros(np.zeros(3)))
    _same(fnp.trim_zeros([0, 4, 0]), np.array([4]))


# --------------------------------------------------------------------------- traced: errors


TRACED_WITHOUT_SIZE = [
    ("nonzero", lambda x: fnp.nonzero(x), "a", "nonzero(a, size=N, fill_value=0)"),
    ("argwhere", lambda x: fnp.argwhere(x), "a", "argwhere(a, size=N"),
    ("flatnonzero", lambda x: fnp.flatnonzero(x), "a", "flatnonzero(a, size=N"),
    ("extract", lambda x: fnp.extract(x > 1, x), "condition", "extract(condition, arr, size=N"),
    ("compress", lambda x: fnp.compress(fnp.ravel(x) > 1, x), "condition",
     "compress(condition, a, axis"),
    ("unique", lambda x: fnp.unique(x), "ar", "unique(ar, size=N"),
    ("unique_all", lambda x: fnp.unique_all(x), "x", "unique_all(x, size=N"),
    ("unique_values", lambda x: fnp.unique_values(x), "x", "unique_values(x, size=N"),
    ("intersect1d", lambda x: fnp.intersect1d(x, TIES), "ar1", "intersect1d(ar1, ar2, size=N"),
    ("union1d", lambda x: fnp.union1d(TIES, x), "ar2", "union1d(ar1, ar2, size=N"),
    ("setdiff1d", lambda x: fnp.setdiff1d(x, x), "ar1", "setdiff1d(ar1, ar2, size=N"),
    ("setxor1d", lambda x: fnp.setxor1d(x, TIES), "ar1", "setxor1d(ar1, ar2, size=N"),
]


@pytest.mark.parametrize("name, fun, arg, fix", TRACED_WITHOUT_SIZE,
                         ids=[t[0] for t in TRACED_WITHOUT_SIZE])
@pytest.mark.parametrize("transform", ["jit", "vmap", "grad"])
def test_traced_without_size_raises(name, fun, arg, fix, transform):
    x = np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 1.0]])
    if transform == "jit":
        call = lambda: ft.jit(fun)(x)  # noqa: E731
    elif transform == "vmap":
        call = lambda: ft.vmap(fun)(x)  # noqa: E731
    else:
        call = lambda: ft.grad(lambda x: fnp.sum(fnp.asarray(fun(x)[0], float)))(x)  # noqa: E731
    with pytest.raises(errors.ConcretizationError) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(f"{name}:")
    assert f"values of argument `{arg}`" in msg and "traced" in msg
    assert fix in msg


def test_trim_zeros_traced_raises():
    with pytest.raises(errors.ConcretizationError, match=r"trim_zeros: .*`filt`.*no size="):
        ft.jit(fnp.trim_zeros)(np.array([0.0, 1.0]))


def test_argument_errors():
    with pytest.raises(errors.FunctransValueError, match="0-d array"):
        fnp.nonzero(np.array(1.0))
    with pytest.raises(errors.FunctransValueError, match="size` must be >= 0"):
        fnp.nonzero(TIES, size=-1)
    with pytest.raises(errors.FunctransTypeError, match="size` must be an int"):
        fnp.unique(TIES, size=2.5)
    with pytest.raises(errors.FunctransTypeError, match="static Python int"):
        ft.jit(lambda n: fnp.nonzero(TIES, size=n))(3)
    with pytest.raises(errors.FunctransValueError, match="one per dimension"):
        fnp.nonzero(MAT, size=3, fill_value=(1, 2, 3))
    with pytest.raises(errors.FunctransValueError, match="must be a scalar"):
        fnp.extract(TIES > 1, TIES, size=3, fill_value=np.zeros(2))
    with pytest.raises(errors.FunctransValueError, match="1-d array"):
        fnp.compress(np.ones((2, 2), bool), MAT)
    with pytest.raises(errors.FunctransValueError, match="out of bounds"):
        fnp.compress([False, False, False, True], MAT, axis=1)
    with pytest.raises(errors.FunctransValueError, match="out of bounds"):
        fnp.extract(np.ones(8), TIES)
    with pytest.raises(errors.FunctransTypeError, match="`out` argument"):
        fnp.compress([True], MAT, out=np.zeros(3))
    with pytest.raises(errors.AxisError):
        fnp.unique(TIES, axis=1)
    with pytest.raises(errors.FunctransValueError, match="trim"):
        fnp.trim_zeros(TIES, "x")
    with pytest.raises(errors.FunctransValueError, match="kind"):
        fnp.isin(TIES, TIES, kind="hash")


# --------------------------------------------------------------------------- traced: sized


def test_vmap_pads_each_batch_element_separately():
    x = np.array([[0.0, 2.0, 0.0, 3.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    got = ft.vmap(lambda r: fnp.nonzero(r, size=3, fill_value=-1)[0])(x)
    np.testing.assert_array_equal(got, [[1, 3, -1], [0, -1, -1], [-1, -1, -1]])
    u = np.array([[2.0, 2.0, 1.0], [5.0, 4.0, 3.0]])
    values, counts = ft.vmap(lambda r: fnp.unique(r, return_counts=True, size=3))(u)
    np.testing.assert_array_equal(values, [[1.0, 2.0, 1.0], [3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(counts, [[1, 2, 0], [1, 1, 1]])
    got = ft.vmap(lambda r: fnp.unique(r, size=3, fill_value=np.nan))(u)
    np.testing.assert_array_equal(got, [[1.0, 2.0, np.nan], [3.0, 4.0, 5.0]])


def test_concrete_condition_needs_no_size():
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    keep = np.array([True, False, True])
    f = ft.jit(lambda w: fnp.sum(fnp.compress(keep, w, axis=1) ** 2))
    assert f(w) == np.sum(w[:, keep] ** 2)
    np.testing.assert_array_equal(ft.grad(f)(w), 2 * w * keep)
    g = ft.grad(lambda w: fnp.sum(fnp.extract(keep, w[0]) * 3.0))(w)
    np.testing.assert_array_equal(g, [[3.0, 0.0, 3.0], [0.0, 0.0, 0.0]])


def test_isin_traced_needs_no_size():
    x = np.array([[1, 5], [3, 0]])
    got = ft.jit(lambda x, t: fnp.isin(x, t))(x, np.array([0, 1]))
    np.testing.assert_array_equal(got, [[True, False], [False, True]])
    got = ft.vmap(fnp.isin, in_axes=(0, None))(x, np.array([3, 5]))
    np.testing.assert_array_equal(got, [[False, True], [True, False]])


def test_unique_gradient_goes_to_first_occurrence():
    x = np.array([2.0, 1.0, 2.0, 5.0])
    g = ft.grad(lambda x: fnp.sum(fnp.unique(x, size=3) * np.array([1.0, 10.0, 100.0])))(x)
    np.testing.assert_array_equal(g, [10.0, 1.0, 0.0, 100.0])
    g = ft.grad(lambda x: fnp.sum(fnp.intersect1d(x, np.array([2.0, 5.0]), size=3)))(x)
    # Two common values, and the padding repeats the smallest (2.0, first at index 0).
    np.testing.assert_array_equal(g, [2.0, 0.0, 0.0, 1.0])


def test_sized_outputs_conventions():
    values, index, inverse, counts = fnp.unique(TIES, True, True, True, size=5)
    np.testing.assert_array_equal(values, [0, 1, 3, 0, 0])
    np.testing.assert_array_equal(index, [3, 1, 0, 3, 3])
    np.testing.assert_array_equal(inverse, [2, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(counts, [1, 2, 3, 0, 0])
    # Truncated: the inverse still numbers every unique value.
    values, inverse = fnp.unique(TIES, return_inverse=True, size=2)
    np.testing.assert_array_equal(values, [0, 1])
    np.testing.assert_array_equal(inverse, [2, 1, 2, 0, 1, 2])
    v, i, j = fnp.intersect1d(TIES, np.array([1, 7]), return_indices=True, size=3)
    np.testing.assert_array_equal(v, [1, 1, 1])
    np.testing.assert_array_equal(i, [1, 6, 6])
    np.testing.assert_array_equal(j, [0, 2, 2])
    np.testing.assert_array_equal(fnp.setdiff1d(TIES, TIES, size=2), [0, 0])
    np.testing.assert_array_equal(fnp.union1d(np.array([]), np.array([]), size=2), [0.0, 0.0])


# --------------------------------------------------------------------------- hypothesis


int_arrays = st.integers(0, 12).flatmap(
    lambda n: st.lists(st.integers(-3, 3), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=np.int64)))


def _padded(x, size, fill):
    x = np.asarray(x)
    return np.concatenate([x, np.full(size - len(x), fill, x.dtype)])


@given(int_arrays)
def test_unique_with_size_len_agrees_with_numpy(x):
    n = len(x)
    values, index, inverse, counts = ft.jit(
        lambda x: fnp.unique(x, True, True, True, size=n, fill_value=-9))(x)
    v, i, inv, c = np.unique(x, True, True, True)
    np.testing.assert_array_equal(values, _padded(v, n, -9))
    np.testing.assert_array_equal(index, _padded(i, n, i[0] if n else 0))
    np.testing.assert_array_equal(inverse, inv)
    np.testing.assert_array_equal(counts, _padded(c, n, 0))


@given(int_arrays)
def test_nonzero_with_size_len_agrees_with_numpy(x):
    n = len(x)
    got = ft.jit(lambda x: fnp.nonzero(x, size=n, fill_value=-1))(x)
    np.testing.assert_array_equal(got[0], _padded(np.nonzero(x)[0], n, -1))
    grid = x[: (n // 2) * 2].reshape(2, -1) if n >= 2 else x.reshape(1, -1)
    got = ft.jit(lambda g: fnp.argwhere(g, size=grid.size))(grid)
    want = np.argwhere(grid)
    np.testing.assert_array_equal(got, np.concatenate(
        [want, np.zeros((grid.size - len(want), 2), np.int64)]))


@given(int_arrays, int_arrays, st.booleans())
def test_isin_agrees_with_numpy(x, t, invert):
    got = ft.jit(lambda x, t: fnp.isin(x, t, invert=invert))(x, t)
    np.testing.assert_array_equal(got, np.isin(x, t, invert=invert))


@given(int_arrays, int_arrays)
def test_set_functions_with_size_agree_with_numpy(a, b):
    size = len(a) + len(b)

    def sized(name):
        return ft.jit(lambda a, b: getattr(fnp, name)(a, b, size=size, fill_value=99))(a, b)
    for name in ("intersect1d", "union1d", "setdiff1d", "setxor1d"):
        want = getattr(np, name)(a, b)
        np.testing.assert_array_equal(sized(name), _padded(want, size, 99), err_msg=name)
