"""The Jacobian basis as a staged primitive (`identity_basis`, primitives/basis.py) and the
`dot_general` rewrite of products with its structural diagonal.

jacfwd/jacrev bind `identity_basis` under a trace, so the optimizer sees where the basis goes:
a matmul with a row-scaled identity becomes a scaling, O(n^2) instead of O(n^3). Its
off-diagonal zeros are structural (docs/design.md): the rewritten program equals the dense one
wherever that one is not NaN (up to the sign of a zero), and is NaN only where it is. A user's
own identity matrix is data, and is never rewritten.
"""
from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import core, errors, evaluate, ir
from functrans.interpreters import optimize
from functrans.primitives import basis, elementwise, linalg, shape, transcendental

N = 7
RNG = np.random.default_rng(0)
W = RNG.standard_normal((N, N)) / np.sqrt(N)
X = RNG.standard_normal(N)


def tanh_map(x):
    return fnp.tanh(W @ x) * x


def tanh_map_jacobian(x):
    t = np.tanh(W @ x)
    return np.diag(t) + (x * (1.0 - t * t))[:, None] * W


def _names(closed) -> list[str]:
    return [e.primitive.name for e in closed.eqns]


def _dots(closed) -> list[ir.JaxprEqn]:
    return [e for e in closed.eqns if e.primitive is linalg.dot_general_p]


def _trace(fun, *args) -> ir.ClosedJaxpr:
    jaxpr, consts = core.trace_flat(lambda *xs: [fun(*xs)], [core.get_aval(a) for a in args])
    return ir.ClosedJaxpr(jaxpr, consts)


def _run(closed, *args):
    return evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *args)[0]


def assert_bitwise(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    bits = np.dtype(f"u{a.dtype.itemsize}")
    np.testing.assert_array_equal(a[~np.isnan(a)].view(bits), b[~np.isnan(b)].view(bits))


def assert_structurally_equal(got, dense):
    """`got` is the dense result with products of structural zeros dropped: equal wherever
    `dense` is not NaN (a zero's sign aside), and NaN only where `dense` is."""
    got, dense = np.asarray(got), np.asarray(dense)
    assert got.dtype == dense.dtype and got.shape == dense.shape
    assert not (np.isnan(got) & ~np.isnan(dense)).any()
    ok = ~np.isnan(dense)
    np.testing.assert_array_equal(got[ok], dense[ok])


# --------------------------------------------------------------------------- the primitive


@pytest.mark.parametrize("shape_, offset", [((4, 4), 0), ((5, 2), 3), ((6, 2, 2), 1),
                                            ((3,), 2), ((3, 0), 3)])
def test_values_are_rows_of_the_identity(shape_, offset):
    got = basis.identity_basis(shape_, np.float32, offset)   # no trace: evaluated at once
    size = int(np.prod(shape_[1:]))
    want = np.zeros((shape_[0], size), np.float32)
    want[offset:offset + size] = np.eye(size, dtype=np.float32)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_array_equal(got, want.reshape(shape_))
    aval = basis.identity_basis_p.abstract_eval(shape=shape_, dtype=np.dtype(np.float32),
                                                offset=offset)
    assert aval == ir.ShapedArray(shape_, np.float32)


def test_shape_rule_errors_name_the_problem():
    with pytest.raises(TypeError, match="identity_basis: dtype"):
        basis.identity_basis((3, 3), np.int32)
    with pytest.raises(ValueError, match="offset 1 .* <= 3"):
        basis.identity_basis((3, 3), np.float64, 1)
    with pytest.raises(ValueError, match="offset -1"):
        basis.identity_basis((3, 3), np.float64, -1)
    with pytest.raises(ValueError, match="shape must be"):
        basis.identity_basis((), np.float64)
    with pytest.raises(ValueError, match="shape must be"):
        basis.identity_basis((3, -1), np.float64)


def test_rules_and_staging():
    p = basis.identity_basis_p
    assert p.always_staged and not p.differentiable
    with pytest.raises(NotImplementedError, match="identity_basis"):
        p.batch([], [], axis_size=2, shape=(2, 2), dtype=np.dtype(np.float64), offset=0)
    # Under a trace it is an equation even though no operand is traced (iota is folded).
    closed = _trace(lambda x: elementwise.mul(basis.identity_basis((3, 3), x.dtype), x),
                    np.ones((3, 3)))
    assert _names(closed) == ["identity_basis", "mul"]
    assert str(closed).splitlines()[1].strip() == (
        "b:f64[3,3] = identity_basis[shape=(3, 3) dtype=float64 offset=0]")
    ft.check_jaxpr(closed)
    np.testing.assert_array_equal(_run(closed, np.full((3, 3), 2.0)), 2 * np.eye(3))


def test_the_optimizer_keeps_the_equation_and_folds_what_no_hook_rewrites():
    c = np.arange(9.0).reshape(3, 3)

    def f(x):
        i = basis.identity_basis((3, 3), np.float64)
        folded = elementwise.add(i, c)     # known operands only: folded as with a constant
        return elementwise.add(elementwise.mul(i, x), folded)

    raw = _trace(f, np.ones((3, 3)))
    x = RNG.standard_normal((3, 3))
    want = np.eye(3) * x + (np.eye(3) + c)
    # The walk (here the sub-jaxpr pipeline, which adds no constants: the fold of `add` is
    # left alone) keeps the equation; so does constant folding on its own.
    assert _names(ir.ClosedJaxpr(optimize.optimize_jaxpr(raw.jaxpr), raw.consts)) == [
        "identity_basis", "add", "mul", "add"]
    folded = optimize.dce_closed(optimize.fold_closed(raw))
    assert _names(folded) == ["identity_basis", "mul", "add"]
    np.testing.assert_array_equal(_run(folded, x), want)
    # The full pipeline turns what is left of it into a leading read-only constant.
    opt = optimize.optimize(raw)
    assert _names(opt) == ["mul", "add"] and len(opt.consts) == 2
    np.testing.assert_array_equal(opt.consts[0], np.eye(3))
    assert not opt.consts[0].flags.writeable
    np.testing.assert_array_equal(opt.consts[1], np.eye(3) + c)
    np.testing.assert_array_equal(_run(opt, x), want)
    ft.check_jaxpr(opt)
    assert str(optimize.optimize(opt)) == str(opt)
    # Unused, it is dead code like any equation.
    opt = optimize.optimize(_trace(lambda x: (basis.identity_basis((3, 3), np.float64), x)[1],
                                   np.ones(3)))
    assert opt.eqns == [] and opt.consts == []


def test_a_large_basis_stays_an_equation():
    n = 257   # n * n > FOLD_MAX_SIZE: the program holds no n x n constant
    assert n * n > optimize.FOLD_MAX_SIZE
    w = RNG.standard_normal((n, n)) / np.sqrt(n)

    def f(x):
        return fnp.tanh(w @ x) * x

    x = RNG.standard_normal(n)
    closed = ft.make_jaxpr(ft.jacrev(f))(x)
    assert _names(closed).count("identity_basis") == 1
    assert [e.outvars[0].aval.shape for e in _dots(closed)] == [(n,)]
    assert all(np.size(c) <= n * n for c in closed.consts) and len(closed.consts) == 1
    t = np.tanh(w @ x)
    np.testing.assert_allclose(ft.jit(ft.jacrev(f))(x),
                               np.diag(t) + (x * (1.0 - t * t))[:, None] * w,
                               rtol=1e-13, atol=1e-15)


# --------------------------------------------------------------------------- jacrev / jacfwd


@pytest.mark.parametrize("jac", [ft.jacrev, ft.jacfwd], ids=["jacrev", "jacfwd"])
def test_jitted_jacobian_has_no_cubic_matmul(jac):
    with mock.patch.object(optimize, "_materialized", lambda closed: closed):
        unmaterialized = ft.make_jaxpr(jac(tanh_map))(X)
    assert "identity_basis" in _names(unmaterialized)
    closed = ft.make_jaxpr(jac(tanh_map))(X)
    ft.check_jaxpr(closed)
    # Only W @ x is left: no (n, n) x (n, n) product with the basis.
    assert [e.outvars[0].aval.shape for e in _dots(closed)] == [(N,)], str(closed)
    assert str(optimize.optimize(closed)) == str(closed)
    # The basis left over (for the diagonal term) is a constant of the final program.
    assert any(np.array_equal(c, np.eye(N)) for c in closed.consts)


@pytest.mark.parametrize("jac", [ft.jacrev, ft.jacfwd], ids=["jacrev", "jacfwd"])
def test_jitted_jacobian_equals_unjitted_and_closed_form(jac):
    want = tanh_map_jacobian(X)
    plain = jac(tanh_map)(X)
    jitted = ft.jit(jac(tanh_map))
    np.testing.assert_allclose(plain, want, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(jitted(X), plain)
    np.testing.assert_array_equal(jitted(X), plain)   # the compiled plan, second call
    x2 = RNG.standard_normal(N)
    np.testing.assert_array_equal(jitted(x2), jac(tanh_map)(x2))


def test_float32_jacobian():
    w32 = W.astype(np.float32)
    x32 = X.astype(np.float32)

    def f(x):
        return fnp.tanh(w32 @ x) * x

    got = ft.jit(ft.jacrev(f))(x32)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, ft.jacrev(f)(x32))
    closed = ft.make_jaxpr(ft.jacrev(f))(x32)
    assert not _dots(closed)[1:] and all(c.dtype == np.float32 for c in closed.consts)


def test_structural_zeros_drop_only_nans_of_the_dense_product():
    # W with infs: the dense product of the (scaled) basis with W has 0 * inf = NaN off the
    # diagonal, where the Jacobian is not NaN. The rewritten program drops those products.
    w = W.copy()
    w[2, 4] = np.inf
    w[5, 1] = -np.inf

    def f(x):
        return fnp.tanh(w @ x) * x

    x = np.abs(X) + 0.5
    eye = np.eye(N)
    with np.errstate(invalid="ignore"):
        got = ft.jit(ft.jacrev(f))(x)
        t = np.tanh(w @ x)
        s = 1.0 - t * t
        dense = eye * t + (eye * (x * s)) @ w      # what the program computes with eye data
        want = np.diag(t) + (x * s)[:, None] * w
    # (Rows 2 and 5 are NaN where s = 0 meets the inf: that NaN is the Jacobian's own.)
    assert np.isnan(dense).sum() > np.isnan(got).sum() == np.isnan(want).sum() > 0
    assert_structurally_equal(got, dense)
    np.testing.assert_array_equal(got, want)   # NaNs where want's, equal elsewhere


@pytest.mark.parametrize("jac", [ft.jacrev, ft.jacfwd], ids=["jacrev", "jacfwd"])
def test_specials_in_the_input(jac):
    for x in (np.array([np.inf, -0.0, 0.0, np.nan, 1e300, -2.5, 1e-310]), -X):
        with np.errstate(all="ignore"):
            assert_structurally_equal(ft.jit(jac(tanh_map))(x), jac(tanh_map)(x))


# --------------------------------------------------------------------------- composition


def _norm_grad(x):
    # d/dx sum(J^2), J = diag(t) + (x s)[:, None] W, t = tanh(W x), s = 1 - t^2.
    t = np.tanh(W @ x)
    s = 1.0 - t * t
    jac = np.diag(t) + (x * s)[:, None] * W
    a = np.diag(jac)
    b = np.sum(jac * W, axis=1)
    return 2.0 * W.T @ (s * (a - 2.0 * b * x * t)) + 2.0 * b * s


@pytest.mark.parametrize("jac", [ft.jacrev, ft.jacfwd], ids=["jacrev", "jacfwd"])
def test_grad_of_jacobian_norm(jac):
    def loss(x):
        return fnp.sum(jac(tanh_map)(x) ** 2)

    want = _norm_grad(X)
    np.testing.assert_allclose(ft.grad(loss)(X), want, rtol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(X), want, rtol=1e-12)
    # The value comes back concrete too (the top-level linearization takes the staged path).
    value, g = ft.value_and_grad(loss)(X)
    assert isinstance(value, np.ndarray) and isinstance(g, np.ndarray)
    np.testing.assert_allclose(value, np.sum(tanh_map_jacobian(X) ** 2), rtol=1e-13)
    np.testing.assert_allclose(g, want, rtol=1e-12)
    out, vjp_fun = ft.vjp(loss, X)
    np.testing.assert_allclose(out, value, rtol=1e-15)
    np.testing.assert_allclose(vjp_fun(1.0)[0], want, rtol=1e-12)
    ft.check_jaxpr(ft.make_jaxpr(ft.grad(loss))(X))


@pytest.mark.parametrize("jac", [ft.jacrev, ft.jacfwd], ids=["jacrev", "jacfwd"])
def test_vmap_of_jacobian(jac):
    xs = RNG.standard_normal((3, N))
    want = np.stack([tanh_map_jacobian(x) for x in xs])
    np.testing.assert_allclose(ft.vmap(jac(tanh_map))(xs), want, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ft.jit(ft.vmap(jac(tanh_map)))(xs), want, rtol=1e-14,
                               atol=1e-15)


def test_second_derivatives():
    # d J_ij / d x_k for f = tanh(W x) * x, by hand.
    t = np.tanh(W @ X)
    s = 1.0 - t * t
    eye = np.eye(N)
    want = (s[:, None, None] * W[:, None, :] * eye[:, :, None]
            + eye[:, None, :] * s[:, None, None] * W[:, :, None]
            - 2.0 * (X * t * s)[:, None, None] * W[:, :, None] * W[:, None, :])
    for second in (ft.jacfwd(ft.jacrev(tanh_map)), ft.jacrev(ft.jacrev(tanh_map)),
                   ft.jacrev(ft.jacfwd(tanh_map)), ft.jacfwd(ft.jacfwd(tanh_map))):
        np.testing.assert_allclose(second(X), want, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ft.jit(second)(X), want, rtol=1e-12, atol=1e-14)


def test_hessian():
    a = RNG.standard_normal((5, N))

    def f(x):
        return fnp.sum(fnp.log1p(fnp.exp(a @ x))) + 0.5 * x @ x

    sig = 1.0 / (1.0 + np.exp(-(a @ X)))
    want = a.T @ ((sig * (1.0 - sig))[:, None] * a) + np.eye(N)
    np.testing.assert_allclose(ft.hessian(f)(X), want, rtol=1e-13)
    np.testing.assert_allclose(ft.jit(ft.hessian(f))(X), want, rtol=1e-13)


@pytest.mark.parametrize("jac", [ft.jacrev, ft.jacfwd], ids=["jacrev", "jacfwd"])
def test_several_leaves_and_argnums(jac):
    v = RNG.standard_normal(4)
    m = RNG.standard_normal((2, 3))

    def f(x, y):   # two outputs of two inputs: block bases with offsets
        return fnp.sin(x) * fnp.sum(y), fnp.tanh(y) * x[0]

    plain = jac(f, argnums=(0, 1))(v, m)
    jitted = ft.jit(jac(f, argnums=(0, 1)))(v, m)
    s, c = np.sum(m), np.cos(v)
    want = (
        (np.diag(c * s), np.broadcast_to(np.sin(v)[:, None, None], (4, 2, 3))),
        (np.zeros((2, 3, 4)) + np.eye(4)[0] * np.tanh(m)[:, :, None],
         (1.0 - np.tanh(m) ** 2)[:, :, None, None] * v[0]
         * np.eye(6).reshape(2, 3, 2, 3)),
    )
    for got in (plain, jitted):
        for g_row, w_row in zip(got, want, strict=True):
            for g, w in zip(g_row, w_row, strict=True):
                np.testing.assert_allclose(g, w, rtol=1e-14, atol=1e-15)
    closed = ft.make_jaxpr(jac(f, argnums=(0, 1)))(v, m)
    ft.check_jaxpr(closed)

    def g(d):
        return fnp.tanh(W @ d["a"]) * d["b"]

    d = {"a": X, "b": -X}
    got = ft.jit(jac(g))(d)
    np.testing.assert_array_equal(got["a"], jac(g)(d)["a"])
    np.testing.assert_array_equal(got["b"], jac(g)(d)["b"])


# --------------------------------------------------------------------------- the rewrite


def _diag_program(build):
    """A program of (v, y) around the basis I of size N, built by `build(I, v, y)`."""
    def f(v, y):
        return build(basis.identity_basis((N, N), np.float64), v, y)
    return f


def _bcast(v, dim):
    return shape.broadcast_in_dim(v, (N, N), (dim,))


DOTS = {
    "I @ y": (lambda i, v, y: linalg.dot_general(i, y, (((1,), (0,)), ((), ()))), (N, 3)),
    "D @ y": (lambda i, v, y: linalg.dot_general(
        elementwise.mul(i, _bcast(v, 1)), y, (((1,), (0,)), ((), ()))), (N, 3)),
    "D(dim 0) contracting dim 0": (lambda i, v, y: linalg.dot_general(
        elementwise.mul(_bcast(v, 0), i), y, (((0,), (1,)), ((), ()))), (3, N)),
    "y @ D": (lambda i, v, y: linalg.dot_general(
        y, elementwise.mul(i, _bcast(v, 0)), (((1,), (0,)), ((), ()))), (3, N)),
    "y_T @ D, rank 3": (lambda i, v, y: linalg.dot_general(
        y, elementwise.mul(i, _bcast(v, 1)), (((1,), (1,)), ((), ()))), (2, N, 3)),
    "chain with scalars": (lambda i, v, y: linalg.dot_general(
        elementwise.mul(elementwise.mul(2.5, elementwise.mul(i, _bcast(v, 1))),
                        _bcast(transcendental.exp(v), 0)),
        y, (((1,), (0,)), ((), ()))), (N, 3)),
    "D @ D": (lambda i, v, y: linalg.dot_general(
        elementwise.mul(i, _bcast(v, 1)), elementwise.mul(i, _bcast(y[:, 0], 0)),
        (((1,), (0,)), ((), ()))), (N, 3)),
}


@pytest.mark.parametrize("name", list(DOTS))
def test_products_with_a_structural_diagonal_become_scalings(name):
    build, y_shape = DOTS[name]
    v = RNG.standard_normal(N)
    y = RNG.standard_normal(y_shape)
    raw = _trace(_diag_program(build), v, y)
    opt = optimize.optimize(raw)
    ft.check_jaxpr(opt)
    assert not _dots(opt), str(opt)
    if name == "D @ D":   # off the diagonal, both are sums of zeros: only their signs differ
        assert_structurally_equal(_run(opt, v, y), _run(raw, v, y))
    else:
        assert_bitwise(_run(opt, v, y), _run(raw, v, y))
    specials = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e300, 1e-310])
    v2 = np.resize(specials, N)
    y2 = np.resize(np.roll(specials, 3), y_shape)
    with np.errstate(all="ignore"):
        assert_structurally_equal(_run(opt, v2, y2), _run(raw, v2, y2))
    assert str(optimize.optimize(opt)) == str(opt)


def test_what_is_not_a_structural_diagonal_stays_a_matmul():
    y = RNG.standard_normal((N, N))
    v = RNG.standard_normal(N)
    cases = {
        # a block of rows of the identity (an offset basis) is not square
        "offset block": lambda i, v, y: linalg.dot_general(
            basis.identity_basis((N + 2, N), np.float64, 2), y, (((1,), (0,)), ((), ()))),
        # the product of the basis with a full matrix is not diagonal-only data
        "times a matrix": lambda i, v, y: linalg.dot_general(
            elementwise.mul(i, y), y, (((1,), (0,)), ((), ()))),
        # contracting both dims (a trace) is left alone
        "both dims": lambda i, v, y: linalg.dot_general(
            elementwise.mul(i, _bcast(v, 1)), y, (((0, 1), (0, 1)), ((), ()))),
        # a longer chain than the hook looks through
        "long chain": lambda i, v, y: linalg.dot_general(
            _chain(i, v, basis._MAX_CHAIN + 1), y, (((1,), (0,)), ((), ()))),
    }
    for name, build in cases.items():
        raw = _trace(_diag_program(build), v, y)
        opt = optimize.optimize(raw)
        assert len(_dots(opt)) == 1, name
        assert_bitwise(_run(opt, v, y), _run(raw, v, y))
    ok = optimize.optimize(_trace(_diag_program(lambda i, v, y: linalg.dot_general(
        _chain(i, v, basis._MAX_CHAIN), y, (((1,), (0,)), ((), ())))), v, y))
    assert not _dots(ok)


def _chain(i, v, length):
    for k in range(length):
        i = elementwise.mul(i, _bcast(elementwise.add(v, float(k)), k % 2))
    return i


def test_a_users_identity_matrix_is_data():
    # 0 * inf = NaN in the user's product must stay: np.eye, fnp.eye and a closed-over
    # identity are ordinary constants, whatever their values.
    a = RNG.standard_normal((N, N))
    a[3, 0] = np.inf
    eye = np.eye(N)

    def f(x):
        return (eye * x) @ a

    def g(x):
        return (fnp.eye(N) * x[:, None]) @ a

    x = np.abs(X) + 0.5
    with np.errstate(invalid="ignore"):
        for fun, want in ((f, (eye * x) @ a), (g, (eye * x[:, None]) @ a)):
            closed = ft.make_jaxpr(fun)(x)
            assert "identity_basis" not in _names(closed)
            assert [e.outvars[0].aval.shape for e in _dots(closed)] == [(N, N)]
            assert np.isnan(want).any()
            assert_bitwise(ft.jit(fun)(x), want)
            assert_bitwise(fun(x), want)


def test_errors_are_type_and_value_errors():
    assert issubclass(errors.FunctransTypeError, TypeError)
    with pytest.raises(errors.FunctransValueError):
        basis.identity_basis((2, 3), np.float64, 0)


def test_custom_rules_whose_body_takes_a_jacobian_work_under_grad_and_jit():
    c = np.array([0.1, 0.2, 0.3])

    @ft.custom_jvp
    def f(x):
        return fnp.sum(ft.jacrev(fnp.sin)(x))

    f.defjvp(lambda p, t: (f(p[0]), fnp.sum(fnp.cos(p[0]) * t[0])))
    np.testing.assert_allclose(ft.grad(f)(c), np.cos(c))
    np.testing.assert_allclose(ft.jit(lambda y: y * f(c))(c), c * np.sum(np.cos(c)))


def test_a_jacobian_of_constants_inside_a_trace_is_concrete():
    c = np.arange(1.0, 4.0)

    def h(x):
        jac = ft.jacfwd(lambda z: z ** 2)(c)
        assert not isinstance(jac, ft.core.Tracer)
        return fnp.sum(x @ jac) if jac[1, 1] > 0 else fnp.sum(x)

    for g in (ft.grad(h), ft.jit(ft.grad(h)), ft.jacrev(h)):
        np.testing.assert_allclose(g(np.ones(3)), 2 * c)
    np.testing.assert_allclose(ft.vmap(h)(np.ones((2, 3))), [12.0, 12.0])
