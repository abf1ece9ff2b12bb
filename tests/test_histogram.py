"""`searchsorted`, `digitize`, `bincount`, `histogram*`, `lexsort` beyond the op table: random
sorted arrays with duplicates against NumPy (hypothesis), the `searchsorted` primitive with
batch dimensions, concrete-only behaviour (NumPy's checks, estimator names, `bincount`
without `length`) and the errors under tracing (issue 12).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import errors
from functrans.primitives import searching

# Values from a small pool: duplicates, values equal to entries, -0.0 beside 0.0, inf and NaN.
POOL = np.array([-np.inf, -1.5, -1.0, -0.0, 0.0, 0.5, 1.0, 1.0, 2.5, np.inf, np.nan])
draws = st.lists(st.integers(0, len(POOL) - 1), min_size=0, max_size=12)
finite_draws = st.lists(st.integers(1, 8), min_size=0, max_size=12)
sides = st.sampled_from(["left", "right"])


def _both(f, *args):
    """f eagerly and through jit (traced arguments)."""
    return f(*args), ft.jit(f)(*args)


def _assert_same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@given(draws, draws, sides)
def test_searchsorted_matches_numpy(a_idx, v_idx, side):
    a, v = np.sort(POOL[a_idx]), POOL[v_idx]
    for got in _both(lambda a, v: fnp.searchsorted(a, v, side), a, v):
        _assert_same(got, np.searchsorted(a, v, side))


@given(st.integers(0, 3), st.integers(0, 5), st.integers(0, 4), st.integers(0, 2**16), sides)
def test_searchsorted_primitive_batch_dims(rows, n, m, seed, side):
    # Leading batch dimensions of the sorted array: one vectorized evaluation, as a loop.
    rng = np.random.default_rng(seed)
    a = np.sort(POOL[rng.integers(0, len(POOL), (2, rows, n))], axis=-1)
    v = POOL[rng.integers(0, len(POOL), (2, rows, m, 2))]
    want = np.zeros(v.shape, np.int64)
    for idx in np.ndindex(a.shape[:-1]):
        want[idx] = np.searchsorted(a[idx], v[idx], side)
    for got in _both(lambda a, v: searching.searchsorted(a, v, side), a, v):
        _assert_same(got, want)


@given(finite_draws, draws, st.booleans(), st.booleans())
def test_digitize_matches_numpy(b_idx, x_idx, right, decreasing):
    bins = np.sort(POOL[b_idx])
    bins = bins[::-1].copy() if decreasing else bins
    x = POOL[x_idx]
    _assert_same(fnp.digitize(x, bins, right), np.digitize(x, bins, right))
    if len(bins) > 1 and bins[0] != bins[-1]:   # a traced direction is bins[-1] >= bins[0]
        _assert_same(ft.jit(lambda x, b: fnp.digitize(x, b, right))(x, bins),
                     np.digitize(x, bins, right))


@given(st.lists(st.integers(-4, 8), min_size=0, max_size=15), st.integers(1, 6),
       st.sampled_from([None, (-1.0, 2.0), (0.0, 0.0), (-0.5, 0.5)]), st.booleans())
def test_histogram_matches_numpy(values, bins, range_, weighted):
    # Multiples of 0.5: many values on bin edges, on the last edge and outside the range.
    a = np.asarray(values, np.float64) / 2.0
    w = np.linspace(0.5, 1.5, len(a)) if weighted else None
    want = np.histogram(a, bins, range=range_, weights=w)
    f = (lambda a, w: fnp.histogram(a, bins, range=range_, weights=w)) if weighted else \
        (lambda a, w: fnp.histogram(a, bins, range=range_))
    for got in _both(f, a, w if weighted else np.zeros(len(a))):
        _assert_same(got[0], want[0])
        _assert_same(got[1], want[1])


@given(st.lists(st.integers(-4, 8), min_size=1, max_size=15),
       st.lists(st.integers(-5, 9), min_size=1, max_size=5))
def test_histogram_edges_matches_numpy(values, edges):
    a = np.asarray(values, np.float32) / 2
    bins = np.sort(np.asarray(edges, np.float64)) / 2
    want = np.histogram(a, bins)
    for got in _both(lambda a: fnp.histogram(a, bins), a):
        _assert_same(got[0], want[0])
        _assert_same(got[1], want[1])


def test_histogram_concrete_only_forms():
    a = np.array([0.0, 0.5, 0.5, 2.0, 3.5, 7.0])
    for bins in ("auto", "sturges", "fd"):
        got, want = fnp.histogram(a, bins), np.histogram(a, bins)
        _assert_same(got[0], want[0])
        _assert_same(got[1], want[1])
    with pytest.raises(errors.ConcretizationError, match="histogram.*integer bins"):
        ft.jit(lambda a: fnp.histogram(a, "auto"))(a)
    with pytest.raises(errors.ConcretizationError, match="histogram.*Python int"):
        ft.jit(lambda a, n: fnp.histogram(a, n))(a, 3)
    # A traced range is a value, not a shape: fine (JAX's behaviour).
    got = ft.jit(lambda a, lo: fnp.histogram(a, 3, range=(lo, 4.0)))(a, -1.0)
    _assert_same(got[0], np.histogram(a, 3, range=(-1.0, 4.0))[0])
    # bool data is counted as uint8 (NumPy converts it, with a warning).
    with pytest.warns(RuntimeWarning):
        want = np.histogram(np.array([True, False, True]))
    got = fnp.histogram(np.array([True, False, True]))
    _assert_same(got[0], want[0])
    _assert_same(got[1], want[1])


def test_histogram_errors():
    a = np.array([1.0, 2.0])
    with pytest.raises(errors.FunctransValueError, match="histogram: max must be larger"):
        fnp.histogram(a, 3, range=(2, 0))
    with pytest.raises(errors.FunctransValueError, match="not finite"):
        fnp.histogram(np.array([1.0, np.nan]), 3)
    with pytest.raises(errors.FunctransValueError, match="increase monotonically"):
        fnp.histogram(a, [0, 2, 1])
    with pytest.raises(errors.FunctransValueError, match="positive"):
        fnp.histogram(a, 0)
    with pytest.raises(errors.FunctransTypeError, match="an integer, a string, or an array"):
        fnp.histogram(a, 2.5)
    with pytest.raises(errors.FunctransValueError, match="same shape"):
        fnp.histogram(a, 3, weights=np.ones(3))
    with pytest.raises(errors.FunctransValueError, match="bins\\[1\\]"):
        fnp.histogramdd(np.ones((2, 2)), bins=[2, [1, 0]])
    with pytest.raises(errors.FunctransValueError, match="dimension of bins"):
        fnp.histogramdd(np.ones((2, 2)), bins=[2, 2, 2])
    with pytest.raises(errors.FunctransValueError, match="histogram2d"):
        fnp.histogram2d(np.ones(2), np.ones(3))


def test_histogram_traced_range_none_edges_follow_min_max():
    # The edges are linspace(min, max): d edges / d x goes to the extremes only.
    x = np.array([0.3, -1.0, 2.0, 0.5])
    jac = ft.jacrev(lambda x: fnp.histogram(x, 3)[1])(x)
    want = np.zeros((4, 4))
    want[:, 1] = [1.0, 2 / 3, 1 / 3, 0.0]   # min is x[1]
    want[:, 2] = [0.0, 1 / 3, 2 / 3, 1.0]   # max is x[2]
    np.testing.assert_allclose(jac, want, rtol=1e-12, atol=1e-12)


def test_bincount_concrete_matches_numpy():
    x = np.array([0, 3, 3, 1])
    for kw in ({}, {"minlength": 6}, {"minlength": 2}, {"weights": np.array([0.5, 1, 2, 3])}):
        _assert_same(fnp.bincount(x, **kw), np.bincount(x, **kw))
    _assert_same(fnp.bincount(np.array([True, False, True])),
                 np.bincount(np.array([True, False, True])))
    _assert_same(fnp.bincount(np.zeros(0, np.int64), minlength=3),
                 np.bincount(np.zeros(0, np.int64), minlength=3))
    # Traced weights with a concrete x: the length comes from x.
    w = np.array([0.5, 1.0, 2.0, 3.0])
    _assert_same(ft.jit(lambda w: fnp.bincount(x, w))(w), np.bincount(x, w))


def test_bincount_errors():
    with pytest.raises(errors.ConcretizationError, match="bincount.*length=") as info:
        ft.jit(fnp.bincount)(np.array([0, 1]))
    assert "fnp.bincount(x, length=" in str(info.value)
    with pytest.raises(errors.FunctransValueError, match="negative"):
        fnp.bincount(np.array([1, -1]))
    with pytest.raises(errors.FunctransTypeError, match="integers"):
        fnp.bincount(np.array([1.0, 2.0]))
    with pytest.raises(errors.FunctransValueError, match="1-d"):
        fnp.bincount(np.array(3))
    with pytest.raises(errors.FunctransValueError, match="must not be negative"):
        fnp.bincount(np.array([1]), minlength=-1)
    with pytest.raises(errors.FunctransTypeError, match="use 0 instead of None"):
        fnp.bincount(np.array([1]), minlength=None)
    with pytest.raises(errors.FunctransValueError, match="same shape"):
        fnp.bincount(np.array([1, 2]), np.ones(3))


def test_bincount_traced_negative_is_clipped_as_jax():
    got = ft.jit(lambda x: fnp.bincount(x, length=3))(np.array([-2, 0, 1, 5]))
    _assert_same(got, np.array([2, 1, 0]))


def test_searchsorted_and_digitize_errors():
    with pytest.raises(errors.FunctransValueError, match="search side"):
        fnp.searchsorted(np.array([1.0]), 1.0, side="LEFT")
    with pytest.raises(errors.FunctransValueError, match="1-d"):
        fnp.searchsorted(np.ones((2, 2)), 1.0)
    with pytest.raises(errors.FunctransValueError, match="sorter"):
        fnp.searchsorted(np.array([1.0, 2.0]), 1.0, sorter=np.array([0, 2]))
    with pytest.raises(errors.FunctransValueError, match="monotonically"):
        fnp.digitize(np.array([1.0]), np.array([1.0, 3.0, 2.0]))
    with pytest.raises(errors.ShapeError, match="searchsorted.*dtype"):
        searching.searchsorted(np.ones(3), np.ones(2, np.float32))
    with pytest.raises(errors.ShapeError, match="searchsorted.*batch dimensions"):
        searching.searchsorted(np.ones((2, 3)), np.ones((3, 2)))


def test_searchsorted_promotes_as_numpy():
    # A Python float beside float32 entries is float64 in numpy.searchsorted (not weak).
    a = np.array([0.1], np.float32)
    for side in ("left", "right"):
        _assert_same(fnp.searchsorted(a, 0.1, side), np.searchsorted(a, 0.1, side))


def test_lexsort_forms():
    keys = np.array([[1, 2, 1, 0], [3, 1, 3, 1]])
    _assert_same(fnp.lexsort(keys), np.lexsort(keys))
    _assert_same(fnp.lexsort((np.array(1), np.array(2))), np.lexsort((np.array(1), np.array(2))))
    with pytest.raises(errors.FunctransTypeError, match="len > 0"):
        fnp.lexsort([])
    with pytest.raises(errors.FunctransValueError, match="same shape"):
        fnp.lexsort((np.ones(2), np.ones(3)))


def test_searchsorted_flops():
    closed = ft.make_jaxpr(lambda a, v: fnp.searchsorted(a, v))(np.ones(7), np.ones(10))
    assert closed.stats()["flops_by_primitive"]["searchsorted"] == 10 * 3   # log2(8) = 3
