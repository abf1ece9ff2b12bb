"""Hypothesis properties of the reductions, cumulative and sort-family functions (issue 12).

For random shapes and axes (negative, tuples, None) the functions agree with NumPy, and their
JVPs (and VJPs, by the adjoint identity) agree with central differences. Inputs have well
separated values, so the order-statistic functions (sort, median, max, ...) have derivatives.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import functrans.numpy as fnp
from functrans import test_util


@st.composite
def arrays(draw, min_rank=1, max_rank=3):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=min_rank, max_size=max_rank)))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    # Distinct values 0.3 apart in a random order: no ties, no zero (cumprod, prod).
    values = (np.arange(size) - size / 2.0 + 0.5) * 0.3
    values = np.where(np.abs(values) < 0.1, 0.15, values)
    return rng.permutation(values).reshape(shape)


@st.composite
def array_and_axis(draw, allow_tuple=True, allow_none=True):
    x = draw(arrays())
    ndim = x.ndim
    choices = [st.integers(-ndim, ndim - 1)]
    if allow_none:
        choices.append(st.none())
    if allow_tuple:
        choices.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                unique=True).map(lambda axes: tuple(a - ndim for a in axes)))
    return x, draw(st.one_of(*choices))


REDUCTIONS = [
    ("sum", {}), ("prod", {}), ("mean", {}), ("var", {}), ("std", {}), ("max", {}),
    ("min", {}), ("ptp", {}), ("median", {}), ("nansum", {}), ("nanmean", {}),
    ("nanmax", {}), ("amin", {}), ("percentile", {"q": 30.0}), ("quantile", {"q": 0.7}),
    ("nanpercentile", {"q": 55.0}), ("average", {}),
]
AXIS_FUNCTIONS = [("cumsum", {}), ("cumprod", {}), ("sort", {}), ("nancumsum", {}),
                  ("cumulative_sum", {}), ("cumulative_prod", {}), ("diff", {}),
                  ("flip", {}), ("roll", {"shift": 2}), ("argsort", {}),
                  ("argmax", {}), ("argmin", {})]
INTEGER_VALUED = {"argsort", "argmax", "argmin"}


def _call(module, name, x, axis, kw):
    fun = getattr(module, name)
    if "q" in kw:
        return fun(x, kw["q"], axis=axis)
    if name == "roll":
        return fun(x, kw["shift"], axis=axis)
    return fun(x, axis=axis, **kw)


def _check(name, kw, x, axis, keepdims=None):
    extra = {} if keepdims is None else {"keepdims": keepdims}
    want = _call(np, name, x, axis, {**kw, **extra})
    got = _call(fnp, name, x, axis, {**kw, **extra})
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13, err_msg=f"{name} {axis}")
    assert np.asarray(got).dtype == np.asarray(want).dtype, name
    assert np.shape(got) == np.shape(want), name
    if name not in INTEGER_VALUED:
        f = lambda v: _call(fnp, name, v, axis, {**kw, **extra})  # noqa: E731
        test_util.check_jvp(f, (x,))
        test_util.check_vjp(f, (x,))


@pytest.mark.parametrize("name, kw", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@settings(max_examples=20)
@given(x_axis=array_and_axis(), keepdims=st.booleans())
def test_reductions_agree_with_numpy_and_finite_differences(name, kw, x_axis, keepdims):
    x, axis = x_axis
    if name == "average":
        keepdims = None if not keepdims else keepdims
    if name == "std":
        # std of one element is sqrt at 0: no derivative (NaN, as JAX), not a property.
        axes = range(x.ndim) if axis is None else np.atleast_1d(axis)
        assume(np.prod([x.shape[a] for a in axes]) > 1)
    _check(name, kw, x, axis, keepdims)


@pytest.mark.parametrize("name, kw", AXIS_FUNCTIONS, ids=[r[0] for r in AXIS_FUNCTIONS])
@settings(max_examples=20)
@given(x_axis=array_and_axis(allow_tuple=False, allow_none=False))
def test_axis_functions_agree_with_numpy_and_finite_differences(name, kw, x_axis):
    x, axis = x_axis
    _check(name, kw, x, axis)
