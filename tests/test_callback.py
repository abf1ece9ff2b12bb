"""`ft.pure_callback` (functrans/primitives/callback.py): jit, vmap in both settings, the
error when differentiated, and derivatives given by custom_jvp under grad and hessian.
Values and batching of plain calls are also op-table rows (tests/op_rows_callback.py)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp

import functrans as ft
import functrans.numpy as fnp
from functrans import errors, test_util

X = np.array([0.5, 1.0, 2.5, 7.0])


def _spec(x):
    return ft.ShapedArray(np.shape(x), np.dtype(np.float64))


def _counting(fn):
    calls = []

    def counted(*args):
        calls.append([np.shape(a) for a in args])
        return fn(*args)
    return counted, calls


def test_eager_jit_and_program():
    f = lambda x: ft.pure_callback(sp.gammaln, _spec(x), x) * 2.0   # noqa: E731
    np.testing.assert_array_equal(f(X), 2 * sp.gammaln(X))
    np.testing.assert_array_equal(ft.jit(f)(X), 2 * sp.gammaln(X))
    text = str(ft.make_jaxpr(f)(X))
    assert "pure_callback[callback=gammaln" in text


@pytest.mark.parametrize("vectorized", [False, True])
def test_vmap(vectorized):
    fn, calls = _counting(lambda x, c: sp.gammaln(x) * c)

    def f(x, c):
        return ft.pure_callback(fn, _spec(x), x, c, vectorized=vectorized)

    xs = np.stack([X + k for k in range(3)], axis=1)   # batch axis 1
    c = np.array(2.0)
    got = ft.vmap(f, in_axes=(1, None))(xs, c)
    np.testing.assert_allclose(got, [sp.gammaln(xs[:, k]) * 2.0 for k in range(3)])
    # one call on the whole batch (batch axis first, c with a leading axis of 1), or a loop
    assert calls == ([[(3, 4), (1,)]] if vectorized else [[(4,), ()]] * 3)
    # vmap of jit, jit of vmap, nested vmap
    np.testing.assert_allclose(ft.jit(ft.vmap(f, in_axes=(1, None)))(xs, c), got)
    np.testing.assert_allclose(ft.vmap(ft.jit(f), in_axes=(1, None))(xs, c), got)
    xss = np.stack([xs, xs + 1.0])
    np.testing.assert_allclose(ft.vmap(ft.vmap(f, in_axes=(1, None)), in_axes=(0, None))(
        xss, c), [sp.gammaln(b.T) * 2.0 for b in xss])


def test_empty_batch():
    f = lambda x: ft.pure_callback(np.sin, _spec(x), x)   # noqa: E731
    assert ft.vmap(f)(np.zeros((0, 3))).shape == (0, 3)


def test_differentiating_raises_naming_the_function():
    f = lambda x: fnp.sum(ft.pure_callback(sp.gammaln, _spec(x), x))   # noqa: E731
    for transform in (ft.grad, ft.jacfwd, ft.jacrev):
        with pytest.raises(errors.FunctransTypeError, match=r"pure_callback\(gammaln\) has "
                           r"no derivative.*custom_jvp"):
            transform(f)(X)
    # a callback on values that do not depend on the differentiated argument is fine
    g = lambda x: fnp.sum(x * ft.pure_callback(sp.gammaln, _spec(X), X))   # noqa: E731
    np.testing.assert_allclose(ft.grad(g)(X), sp.gammaln(X))


def test_wrong_results_raise():
    with pytest.raises(errors.FunctransTypeError, match="result 0 has shape"):
        ft.jit(lambda x: ft.pure_callback(np.sum, _spec(x), x))(X)
    with pytest.raises(errors.FunctransTypeError, match="dtype"):
        ft.pure_callback(lambda x: x.astype(np.float32), _spec(X), X)
    with pytest.raises(errors.FunctransTypeError, match="structure"):
        ft.pure_callback(lambda x: (x, x), _spec(X), X)
    with pytest.raises(errors.FunctransTypeError, match=".shape and .dtype"):
        ft.pure_callback(np.sin, (4,), X)


def test_pytrees():
    def fn(d):
        return {"s": np.sin(d["a"]), "t": np.sum(d["b"])}

    def f(a, b):
        return ft.pure_callback(fn, {"s": _spec(a), "t": _spec(0.0)}, {"a": a, "b": b})

    got = ft.jit(f)(X, np.ones(3))
    np.testing.assert_array_equal(got["s"], np.sin(X))
    assert got["t"] == 3.0


# --------------------------------------------------------------------------- custom_jvp


@ft.custom_jvp
def _trigamma(x):
    return ft.pure_callback(lambda x: sp.polygamma(1, x), _spec(x), x, vectorized=True)


@_trigamma.defjvp
def _trigamma_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    psi2 = ft.pure_callback(lambda x: sp.polygamma(2, x), _spec(x), x, vectorized=True)
    return _trigamma(x), psi2 * t


@ft.custom_jvp
def _digamma(x):
    return ft.pure_callback(sp.digamma, _spec(x), x)


@_digamma.defjvp
def _digamma_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _digamma(x), _trigamma(x) * t


@ft.custom_jvp
def _gammaln(x):
    return ft.pure_callback(sp.gammaln, _spec(x), x)


@_gammaln.defjvp
def _gammaln_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _gammaln(x), _digamma(x) * t


def test_custom_jvp_grad_and_hessian():
    f = lambda x: fnp.sum(_gammaln(x) * x)   # noqa: E731
    np.testing.assert_allclose(ft.grad(f)(X), sp.digamma(X) * X + sp.gammaln(X), rtol=1e-14)
    np.testing.assert_allclose(ft.jit(ft.grad(f))(X), ft.grad(f)(X), rtol=1e-14)
    h = ft.hessian(lambda x: fnp.sum(_gammaln(x)))(X)
    np.testing.assert_allclose(h, np.diag(sp.polygamma(1, X)), rtol=1e-13)
    test_util.check_grads(f, (X,), order=2, modes=("fwd", "rev"))
    # batched derivatives: vmap of grad
    xs = np.stack([X, X + 1.0])
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(xs), [ft.grad(f)(x) for x in xs],
                               rtol=1e-14)
