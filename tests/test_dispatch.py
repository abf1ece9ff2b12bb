"""Plain NumPy calls on traced values (functrans/numpy/_dispatch.py): the op table again.

Every op-table row whose NumPy reference is a NumPy (or SciPy) function, or a
`functools.partial` of one, is run a second time with that reference called on traced values:
NumPy hands the call to the Tracer's `__array_ufunc__` / `__array_function__`, which must give
the same program as the `functrans.numpy` path, hence the same values, derivatives and
batching. Then the ufunc methods, the clear errors, and a NumPy-only program under every
transformation.
"""
from __future__ import annotations

import functools
import pathlib

import numpy as np
import pytest
import scipy.special as sp
from op_table import BATCH, ROWS, cases, leaves

import functrans as ft
from functrans import errors, test_util
from functrans.scipy import special

_TESTS = pathlib.Path(__file__).resolve().parent


def _plain_numpy(ref):
    """The NumPy/SciPy function `ref` calls (itself, or without the op table's wrappers that
    quiet warnings or cast the result), keeping a partial's arguments; None for other refs."""
    if isinstance(ref, functools.partial):
        inner = _plain_numpy(ref.func)
        return None if inner is None else functools.partial(inner, *ref.args, **ref.keywords)
    # (NumPy's own functions have a __wrapped__ too: their implementation without dispatch.)
    while hasattr(ref, "__wrapped__") and not _is_library(ref):
        ref = ref.__wrapped__
    if isinstance(ref, np.ufunc):   # NumPy's and SciPy's
        return ref
    module = getattr(ref, "__module__", None) or ""
    if module.split(".")[0] == "numpy" and callable(ref) and ref not in _NO_DISPATCH:
        return ref
    return None


def _is_library(f) -> bool:
    code = getattr(f, "__code__", None)   # the op table's wrappers copy NumPy's __module__
    if code is not None and code.co_filename.startswith(str(_TESTS)):
        return False
    return isinstance(f, np.ufunc) or (getattr(f, "__module__", None) or "").startswith(
        ("numpy", "scipy"))


# NumPy never asks the operand: it converts it with __array__ (the concretization error).
_NO_DISPATCH = (np.array, np.asarray)
# np.full_like(a, fill) asks only `a`: a traced fill with a NumPy `a` is test_full_like_error's.
# optimize.root's reference is the closed form (np.cbrt), not the NumPy spelling of a Newton
# iteration: the two programs differ by design.
_SKIP_ROWS = {"full_like_traced_fill", "optimize.root"}
# np.poly's dispatcher iterates its argument (its slices are traced first): the same equations
# in another order, so only the results are compared.
_OTHER_ORDER = {"poly"}


def _first_cases():
    out = []
    for row in ROWS:
        if _plain_numpy(row.ref) is None or row.name in _SKIP_ROWS:
            continue
        cs = cases(row)
        f64 = [c for c in cs if c.is_f64 and c.shapes and any(k in "fnds" for k in c.kinds)]
        if f64:
            out.append(pytest.param(f64[0], id=f64[0].id))
    return out


def _ir(fun, args) -> str:
    return str(ft.make_jaxpr(fun)(*args))


@pytest.mark.parametrize("case", _first_cases())
def test_numpy_reference_on_traced_values(case):
    row, args = case.row, case.args()
    ref = _plain_numpy(row.ref)
    # Same program (so the same values, derivatives and batching follow) ...
    if row.name not in _OTHER_ORDER:
        assert _ir(ref, args) == _ir(row.fun, args)
    # ... and checked on the results: values under jit, ...
    want = leaves(row.fun(*args))
    got = leaves(ft.jit(ref)(*args))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w), strict=True)
    # ... a directional derivative, ...
    diff = [i for i in row.diff_args(len(args)) if not isinstance(args[i], (int, float))]
    if row.grad_order and diff:
        rng = np.random.default_rng(0)
        tangents = [rng.standard_normal(np.shape(args[i])) for i in diff]

        def jvp_of(fun):
            def part(*dargs):
                full = list(args)
                for i, v in zip(diff, dargs, strict=True):
                    full[i] = v
                return fun(*full)
            return ft.jvp(part, tuple(args[i] for i in diff), tuple(tangents))[1]
        for g, w in zip(leaves(jvp_of(ref)), leaves(jvp_of(row.fun)), strict=True):
            np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
    # ... and vmap over a batch of the array arguments.
    mapped = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
    batched = [np.stack([case.args(k)[i] for k in range(BATCH)]) for i in mapped]
    axes = tuple(0 if isinstance(a, np.ndarray) else None for a in args)
    full = [a for a in args]
    for i, b in zip(mapped, batched, strict=True):
        full[i] = b
    got = leaves(ft.vmap(ref, in_axes=axes)(*full))
    want = leaves(ft.vmap(row.fun, in_axes=axes)(*full))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w), strict=True)


def test_enough_rows_dispatch():
    assert len(_first_cases()) > 200


# --------------------------------------------------------------------------- ufunc methods

X23 = np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.6]])
BOOLS = np.array([[True, False, True], [True, True, False]])


def _same_as_numpy(fun, *args, grad=True):
    """`fun` traced under jit equals NumPy's; its derivatives pass check_grads (order 2)."""
    want = fun(*args)
    got = ft.jit(fun)(*args)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    if grad:
        test_util.check_grads(fun, args, order=2)


@pytest.mark.parametrize("kw", [{}, {"axis": 1}, {"axis": None}, {"axis": -1, "keepdims": True},
                                {"axis": (1, 0)}])
@pytest.mark.parametrize("ufunc", [np.add, np.multiply, np.maximum, np.minimum])
def test_reduce(ufunc, kw):
    _same_as_numpy(lambda x: ufunc.reduce(x, **kw), X23)


@pytest.mark.parametrize("kw", [{}, {"axis": 1}, {"axis": None}])
@pytest.mark.parametrize("ufunc", [np.logical_and, np.logical_or])
def test_reduce_logical(ufunc, kw):
    np.testing.assert_array_equal(ft.jit(lambda b: ufunc.reduce(b, **kw))(BOOLS),
                                  ufunc.reduce(BOOLS, **kw), strict=True)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("ufunc", [np.add, np.multiply, np.maximum, np.minimum])
def test_accumulate(ufunc, axis):
    x = np.array([[0.3, -1.2, 0.8, 2.0, -0.1], [1.5, 0.1, -0.6, 0.7, 1.1]])
    _same_as_numpy(lambda x: ufunc.accumulate(x, axis=axis), x)
    # batched: vmap equals the loop
    xs = np.stack([x + 0.37 * k for k in range(BATCH)])
    got = ft.vmap(lambda x: ufunc.accumulate(x, axis=axis))(xs)
    np.testing.assert_allclose(got, np.stack([ufunc.accumulate(v, axis=axis) for v in xs]),
                               rtol=1e-14)


def test_accumulate_integers_and_default_axis():
    i = np.array([[3, -1, 4], [1, 5, -9]])
    for ufunc in (np.add, np.multiply, np.maximum, np.minimum):
        np.testing.assert_array_equal(ft.jit(ufunc.accumulate)(i), ufunc.accumulate(i),
                                      strict=True)


@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.maximum, np.arctan2,
                                   np.power])
def test_outer(ufunc):
    a = np.array([0.5, 1.5, 1.2])
    b = np.array([[0.3, 0.9], [1.1, 0.7]])
    _same_as_numpy(ufunc.outer, a, b)
    _same_as_numpy(lambda a: ufunc.outer(a, 0.8), a)


@pytest.mark.parametrize("call, words", [
    (lambda x: np.add.at(x, 0, 1.0), ["numpy.add.at", "x.at[idx].add(v)", "in place"]),
    (lambda x: np.add.reduceat(x, [0, 1]), ["numpy.add.reduceat", "not supported"]),
    (lambda x: np.subtract.reduce(x), ["numpy.subtract.reduce", "lax.scan"]),
    (lambda x: np.logaddexp.accumulate(x), ["numpy.logaddexp.accumulate", "lax.scan"]),
    (lambda x: np.sin(x, out=np.zeros(3)), ["numpy.sin", "`out`", "immutable"]),
    (lambda x: np.sin(x, where=x > 0), ["`where`", "np.where(mask"]),
    (lambda x: np.sin(x, dtype=np.float32), ["`dtype`", "astype"]),
    (lambda x: np.add(x, 1.0, casting="unsafe"), ["`casting`"]),
    (lambda x: np.busday_count(x, x), ["numpy.busday_count", "test_dispatch.py",
                                       "pure_callback"]),
    (lambda x: np.fix(x), ["numpy.fix", "functrans.numpy.trunc"]),
    (lambda x: np.place(x, x > 0, [1.0]), ["numpy.place", "x.at[mask].set(values)"]),
    (lambda x: np.isnat(x), ["numpy.isnat", "test_dispatch.py"]),
    # np.full_like(a, fill) asks only `a`, then copies the traced fill into an ndarray.
    (lambda x: np.full_like(np.zeros(3), x[0]), ["numpy.copyto", "test_dispatch.py"]),
])
def test_clear_errors(call, words):
    with pytest.raises(TypeError) as info:
        ft.jit(call)(np.array([0.5, 1.0, 2.0]))
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_inplace_on_ndarray():
    def f(x):
        w = np.zeros(3)
        w += x
        return w

    with pytest.raises(TypeError, match="W = W \\+ x"):
        ft.grad(lambda x: f(x).sum())(np.ones(3))


def test_defaults_and_operators_of_ndarrays():
    x = np.array([0.5, 1.0, 2.0])
    w = np.arange(9.0).reshape(3, 3)
    # Keywords at their defaults are accepted.
    assert _ir(lambda x: np.add(x, 1.0, where=True, casting="same_kind"), (x,)) == _ir(
        lambda x: x + 1.0, (x,))
    # An ndarray (or NumPy scalar) on the left: NumPy's operator calls the ufunc, which runs
    # functrans.numpy's, with the user's operand order.
    assert _ir(lambda x: w @ x, (x,)) == _ir(lambda x: ft.numpy.matmul(w, x), (x,))
    assert _ir(lambda x: w[0] - x, (x,)) == _ir(lambda x: ft.numpy.subtract(w[0], x), (x,))
    assert _ir(lambda x: np.float32(2) * x, (x,)) == _ir(
        lambda x: ft.numpy.multiply(np.float32(2), x), (x,))


def test_scipy_ufuncs():
    x = np.array([0.5, 1.5, 3.0])
    assert _ir(sp.gammaln, (x,)) == _ir(special.gammaln, (x,))
    np.testing.assert_allclose(ft.grad(lambda x: sp.gammaln(x).sum())(x), sp.digamma(x))
    with pytest.raises(TypeError, match="scipy.special") as info:
        ft.jit(lambda x: sp.struve(0.0, x))(x)
    assert "struve" in str(info.value)


def test_shared_memory_is_false():
    x = np.ones(3)
    assert ft.jit(lambda x: x * np.may_share_memory(x, x))(x).tolist() == [0.0] * 3
    assert ft.jit(lambda x: x * np.shares_memory(x, np.ones(3)))(x).tolist() == [0.0] * 3


def test_not_dispatched_is_a_concretization_error():
    with pytest.raises(errors.ConcretizationError):
        ft.jit(np.asarray)(np.ones(2))


# --------------------------------------------------------------------------- a NumPy program


def _mlp_loss(params, x, y):
    """A small NumPy program, as written without functrans in mind."""
    w1, b1, w2, b2 = params[:12].reshape(3, 4), params[12:16], params[16:20], params[20]
    h = np.tanh(x @ w1 + b1)
    h = np.concatenate([h[:, :2], np.maximum(h[:, 2:], 0.05 * h[:, 2:])], axis=1)
    logits = np.dot(h, w2) + b2
    p = 1.0 / (1.0 + np.exp(-logits))
    p = np.clip(p, 1e-6, 1 - 1e-6)
    nll = -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
    # Regularization and a few more NumPy functions on the parameters.
    reg = 0.01 * np.sum(np.square(w1)) + 0.01 * np.linalg.norm(w2) ** 2
    smooth = np.sum(np.abs(np.diff(np.cumsum(w2)))) * 1e-3
    gram = np.einsum("ij,kj->ik", w1, w1)
    logdet = np.linalg.slogdet(gram + np.eye(3))[1]
    spread = np.var(np.hypot(b1, 1.0)) + np.std(np.sin(b1))
    stacked = np.stack([np.sqrt(np.square(b1) + 1.0), np.cos(b1)])
    pooled = np.max(stacked, axis=0).sum() + np.min(stacked, axis=1).sum()
    mixed = np.where(b1 > 0, b1 ** 2, -0.5 * b1).sum()
    outer = np.multiply.outer(b1, w2).trace()
    running = np.maximum.accumulate(w2).sum() + np.add.reduce(w2)
    solved = np.linalg.solve(gram + 2 * np.eye(3), np.ones(3)).sum()
    norm_x = np.linalg.norm(x, axis=1).mean()
    angle = np.arctan2(b1[0], b1[1] + 3.0)
    poly = np.polyval(w2, 0.3)
    ex = np.expm1(0.1 * b2) + np.log(np.cosh(b2))
    total = nll + reg + smooth + 0.1 * logdet + spread + pooled + 0.01 * mixed
    total = total + 0.1 * outer + 0.01 * running + 0.1 * solved + norm_x * 0.0
    return total + 0.1 * angle + 0.01 * poly + ex


def _mlp_data():
    rng = np.random.default_rng(7)
    params = rng.standard_normal(21) * 0.5
    x = rng.standard_normal((8, 3))
    y = (rng.random(8) < 0.5).astype(np.float64)
    return params, x, y


def test_numpy_program_under_every_transformation():
    params, x, y = _mlp_data()
    want = _mlp_loss(params, x, y)   # plain NumPy, no functrans involved
    np.testing.assert_allclose(ft.jit(_mlp_loss)(params, x, y), want, rtol=1e-13)
    # grad against central differences
    g = ft.grad(_mlp_loss)(params, x, y)
    eps = 1e-6
    fd = np.array([(_mlp_loss(params + eps * e, x, y) - _mlp_loss(params - eps * e, x, y))
                   / (2 * eps) for e in np.eye(params.size)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    # jacfwd of the per-example losses with respect to the inputs
    jac = ft.jacfwd(lambda x: _mlp_loss(params, x, y))(x)
    fd_x = np.array([(_mlp_loss(params, x + eps * e.reshape(x.shape), y)
                      - _mlp_loss(params, x - eps * e.reshape(x.shape), y)) / (2 * eps)
                     for e in np.eye(x.size)]).reshape(x.shape)
    np.testing.assert_allclose(jac, fd_x, rtol=1e-6, atol=1e-8)
    # vmap over a batch of parameter vectors equals the loop
    batch = np.stack([params * (1 + 0.1 * k) for k in range(BATCH)])
    got = ft.vmap(_mlp_loss, in_axes=(0, None, None))(batch, x, y)
    np.testing.assert_allclose(got, [_mlp_loss(p, x, y) for p in batch], rtol=1e-13)
    # and the whole thing under jit of grad
    np.testing.assert_allclose(ft.jit(ft.grad(_mlp_loss))(params, x, y), g, rtol=1e-13)
