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
