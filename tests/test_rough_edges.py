"""Issue 19, item 4: rough edges, each fixed with its test."""
import gc
import threading
import time

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import errors
from functrans.interpreters import optimize


def test_jvp_tangent_of_another_float_dtype_raises():
    with pytest.raises(errors.FunctransTypeError, match="float64.*float32"):
        ft.jvp(fnp.sin, (np.float32(1.0),), (np.float64(1.0),))
    with pytest.raises(errors.FunctransTypeError, match="float32.*float64"):
        ft.jvp(fnp.sin, (np.ones(2),), (np.ones(2, np.float32),))
    # a Python scalar is weakly typed: converted, as before; the primal's dtype is accepted
    out, t = ft.jvp(fnp.sin, (np.float32(1.0),), (1.0,))
    assert t.dtype == np.float32
    out, t = ft.jvp(fnp.sin, (np.float32(1.0),), (np.float32(1.0),))
    assert t.dtype == np.float32


def test_vjp_cotangent_of_another_float_dtype_raises():
    _, pullback = ft.vjp(fnp.sin, np.ones(2, np.float32))
    with pytest.raises(errors.FunctransTypeError, match="float64.*float32"):
        pullback(np.ones(2))
    assert pullback(np.ones(2, np.float32))[0].dtype == np.float32


def test_reshape_error_names_both_shapes():
    with pytest.raises(errors.FunctransValueError, match=r"shape \(2, 3\).*into shape \(4,\)"):
        fnp.reshape(np.ones((2, 3)), (4,))
    with pytest.raises(errors.FunctransValueError, match=r"shape \(2, 3\).*into shape \(4, -1\)"):
        ft.jit(lambda x: fnp.reshape(x, (4, -1)))(np.ones((2, 3)))


def test_vmap_batch_size_error_names_arguments():
    with pytest.raises(errors.FunctransValueError,
                       match=r"argument 0 \(shape \(2,\).*argument 1 \(shape \(3,\)"):
        ft.vmap(lambda a, b: a + b)(np.ones(2), np.ones(3))
    with pytest.raises(errors.FunctransValueError,
                       match=r"keyword argument 'b'.*argument 0 \(leaf 1 of 2\)"):
        ft.vmap(lambda a, b=None: a[0] + b)((np.ones(3), np.ones(2)), b=np.ones(3))
    with pytest.raises(errors.FunctransValueError, match="argument 1 is a scalar"):
        ft.vmap(lambda a, b: a + b)(np.ones(2), 1.0)


def test_cse_merges_commutative_operands():
    closed = ft.make_jaxpr(lambda a, b: a * b + b * a)(1.0, 2.0)
    names = [e.primitive.name for e in closed.jaxpr.eqns]
    assert names == ["mul", "add"], closed
    closed = ft.make_jaxpr(lambda a, b: (a + b) * (b + a) - (a - b) * (b - a))(1.0, 2.0)
    assert [e.primitive.name for e in closed.jaxpr.eqns].count("add") == 1
    assert [e.primitive.name for e in closed.jaxpr.eqns].count("sub") == 3   # not commutative
    # bit for bit: the same values as NumPy's, the merged ones included
    a, b = np.float64(0.1), np.float64(0.7)
    assert ft.jit(lambda a, b: a * b + b * a)(a, b) == a * b + b * a


def test_collector_pause_is_safe_beside_other_threads():
    """One thread leaving its paused region must not re-enable the collector under another
    still inside one; the last to leave restores it."""
    assert gc.isenabled()
    inside = threading.Barrier(2)
    seen = []

    def long_pause():
        with optimize.collector_paused():
            inside.wait()
            time.sleep(0.2)          # the other thread leaves meanwhile
            seen.append(gc.isenabled())

    def short_pause():
        with optimize.collector_paused():
            inside.wait()

    threads = [threading.Thread(target=long_pause), threading.Thread(target=short_pause)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [False]
    assert gc.isenabled()


def test_collector_pause_respects_a_disabled_collector():
    gc.disable()
    try:
        with optimize.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _dtypes(tree):
    return ft.tree_util.tree_map(lambda b: b.dtype.name, tree)


@pytest.mark.parametrize("jit", [False, True])
def test_structurally_zero_jacobian_blocks_have_jax_dtypes(jit):
    """Mixed float32/float64 inputs: a reverse-mode block has its input's dtype, a
    forward-mode block its output's (JAX's), structurally zero blocks included."""
    x, y = np.ones(2, np.float32), np.ones(3, np.float64)
    fs = [lambda x, y: fnp.ones(2, np.float32),          # depends on no input
          lambda x, y: fnp.sin(x),                      # on x only
          lambda x, y: (fnp.sin(y), fnp.sin(x))]
    for f in fs:
        rev = ft.jacrev(f, argnums=(0, 1))
        fwd = ft.jacfwd(f, argnums=(0, 1))
        rev, fwd = (ft.jit(rev), ft.jit(fwd)) if jit else (rev, fwd)
        outs = f(x, y)
        outs = outs if isinstance(outs, tuple) else (outs,)
        got_rev = rev(x, y)
        got_fwd = fwd(x, y)
        got_rev = got_rev if len(outs) > 1 else (got_rev,)
        got_fwd = got_fwd if len(outs) > 1 else (got_fwd,)
        for o, r, w in zip(outs, got_rev, got_fwd, strict=True):
            assert _dtypes(r) == ("float32", "float64")
            assert _dtypes(w) == (o.dtype.name, o.dtype.name)
    h = ft.hessian(lambda x, y: fnp.sum(fnp.ones(2, np.float32)), argnums=(0, 1))(x, y)
    assert _dtypes(h) == (("float32", "float32"), ("float64", "float64"))


@pytest.mark.parametrize("name", ["equal", "not_equal", "less", "less_equal", "greater",
                                  "greater_equal"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint32])
def test_comparison_with_python_int_beyond_the_dtype(name, dtype):
    a = np.array([0, 1, 100], dtype)
    for p in (10**12, -(10**12), 5):
        want = getattr(np, name)(a, p)
        np.testing.assert_array_equal(getattr(fnp, name)(a, p), want)
        np.testing.assert_array_equal(getattr(fnp, name)(p, a), getattr(np, name)(p, a))
        np.testing.assert_array_equal(ft.jit(lambda x, p=p: getattr(fnp, name)(x, p))(a), want)
    np.testing.assert_array_equal(ft.jit(lambda x: x < 1000)(a), np.ones(3, bool))


def test_clip_with_python_int_bounds_beyond_the_dtype():
    a = np.array([-3, 1, 2], np.int8)
    for lo, hi in [(-1000, 1000), (-1000, 1), (0, 10**9)]:
        got = fnp.clip(a, lo, hi)
        want = np.clip(a, lo, hi)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
    np.testing.assert_array_equal(fnp.clip(np.array([1, 2], np.uint8), -5, 1), [1, 1])


def test_sum_of_0d_with_axis_0():
    a = np.array(2.5)
    for f in (fnp.sum, fnp.prod, fnp.max, fnp.min, fnp.any, fnp.all):
        ref = getattr(np, f.__name__)
        for axis in (0, -1):
            np.testing.assert_array_equal(f(a, axis=axis), ref(a, axis=axis))
            np.testing.assert_array_equal(ft.jit(lambda x, f=f, axis=axis: f(x, axis=axis))(a),
                                          ref(a, axis=axis))
    assert ft.grad(lambda x: fnp.sum(x, axis=0))(2.5) == 1.0
    with pytest.raises(errors.AxisError):
        fnp.sum(a, axis=1)
    with pytest.raises(errors.AxisError):
        fnp.sum(a, axis=(0,))   # as NumPy: only the int forms are accepted


def test_reciprocal_of_bool_is_int8():
    got = fnp.reciprocal(np.array([True, False]))
    assert got.dtype == np.int8
    np.testing.assert_array_equal(got, [1, 0])


KINKS = [
    # name, function of a 2-vector, point, the documented derivative (JAX's convention:
    # ties of maximum/minimum/clip split the derivative in halves; abs has 0 at 0)
    ("maximum tie", lambda v: fnp.maximum(v[0], v[1]), [1.0, 1.0], [0.5, 0.5]),
    ("minimum tie", lambda v: fnp.minimum(v[0], v[1]), [1.0, 1.0], [0.5, 0.5]),
    ("clip at the lower bound", lambda v: fnp.clip(v[0], v[1], 2.0), [1.0, 1.0], [0.5, 0.5]),
    ("clip at the upper bound", lambda v: fnp.clip(v[0], 0.0, v[1]), [1.0, 1.0], [0.5, 0.5]),
    ("abs at 0", lambda v: fnp.abs(v[0]) + v[1] * 0.0, [0.0, 0.0], [0.0, 0.0]),
    ("max reduction tie", lambda v: fnp.max(v), [1.0, 1.0], [0.5, 0.5]),
]


@pytest.mark.parametrize("case", KINKS, ids=[c[0] for c in KINKS])
def test_kink_conventions_agree_across_modes(case):
    """One convention per kink, the same in forward and reverse mode, eager and jitted."""
    _, f, x, want = case
    x = np.array(x)
    got = {
        "grad": ft.grad(f)(x),
        "jit(grad)": ft.jit(ft.grad(f))(x),
        "jacfwd": ft.jacfwd(f)(x),
        "jacrev": ft.jacrev(f)(x),
        "jit(jacfwd)": ft.jit(ft.jacfwd(f))(x),
        "jvp": np.array([ft.jvp(f, (x,), (e,))[1] for e in np.eye(2)]),
        "vmap(grad)": ft.vmap(ft.grad(f))(x[None])[0],
    }
    for mode, g in got.items():
        np.testing.assert_array_equal(g, want, err_msg=mode)
