"""Complex numbers (issue 14): dtypes and promotion, the printer, creation, values of the
functions NumPy defines on complex arguments, and derivatives in JAX's conventions.

The conventions checked (docs/design.md, "Complex derivatives"):
- JVPs are the derivative along a complex direction: `jvp(f, (z,), (t,))` equals the central
  difference `(f(z + h t) - f(z - h t)) / 2h`, for holomorphic functions (complex-linear in
  `t`) and non-holomorphic ones (Wirtinger form `df/dz t + df/dconj(z) conj(t)`) alike.
- Transposes are plain, not conjugated: with the bilinear pairing `<a, b> = sum(a * b)`, the
  VJP satisfies the adjoint identity `Re<ct, J t> = Re<J^T ct, t>` (no conjugate anywhere).
- `grad` of a real function of complex `z` is `vjp(f, z)(1.0)`: the conjugate of
  `df/dRe(z) + i df/dIm(z)`, as JAX (`grad(|z|^2)(3+4j) == 6-8j`).
"""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
from functrans import errors

C128 = np.dtype(np.complex128)
C64 = np.dtype(np.complex64)


def _rand_complex(rng, shape, dtype=C128, lo=0.3, hi=1.5):
    re = rng.uniform(lo, hi, shape) * rng.choice([-1, 1], shape)
    im = rng.uniform(lo, hi, shape) * rng.choice([-1, 1], shape)
    return np.asarray(re + 1j * im, dtype)


# --------------------------------------------------------------------------- dtypes


def test_promotion_follows_nep50_with_weak_python_complex():
    f32 = np.ones(2, np.float32)
    assert (fnp.asarray(f32) * 1j).dtype == C64           # weak complex: f32 -> c64
    assert fnp.multiply(f32, 1j).dtype == C64
    assert fnp.add(np.ones(2, np.int32), 1j).dtype == C128
    assert fnp.add(np.ones(2, C64), 2.0).dtype == C64
    assert fnp.add(np.ones(2, C64), np.ones(2)).dtype == C128
    assert ft.jit(lambda x: x * 1j)(f32).dtype == C64
    assert fnp.result_type(np.float32, 1j) == C64


def test_printer_names_complex_dtypes():
    text = str(ft.make_jaxpr(lambda z: fnp.real(z * 2j))(np.ones(3, C128)))
    assert "c128[3]" in text and "f64[3] = real" in text
    assert "c64[2]" in str(ft.make_jaxpr(fnp.conj)(np.ones(2, C64)))


@pytest.mark.parametrize("dtype", [C64, C128, complex, "complex64"])
def test_creation_with_complex_dtypes(dtype):
    want = np.dtype(dtype)
    for got, ref in [(fnp.zeros(3, dtype), np.zeros(3, dtype)),
                     (fnp.ones((2, 2), dtype), np.ones((2, 2), dtype)),
                     (fnp.full(2, 1 + 2j, dtype), np.full(2, 1 + 2j, dtype)),
                     (fnp.eye(2, dtype=dtype), np.eye(2, dtype=dtype)),
                     (fnp.arange(3, dtype=dtype), np.arange(3, dtype=dtype)),
                     (fnp.asarray([1, 2j], dtype), np.asarray([1, 2j], dtype)),
                     (fnp.zeros_like(np.ones(2), dtype), np.zeros_like(np.ones(2), dtype))]:
        assert got.dtype == ref.dtype == want
        np.testing.assert_array_equal(got, ref)
    assert fnp.array([1j, 2]).dtype == C128
    assert fnp.linspace(0, 1j, 3).dtype == C128


def test_astype_complex_to_real_keeps_the_real_part_without_warning():
    z = np.array([1 + 2j, -3 - 4j])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(fnp.asarray(z).astype(np.float64), [1.0, -3.0])
    # Its transpose maps a real cotangent c to c + 0j.
    assert ft.grad(lambda z: fnp.sum(z.astype(np.float64)))(z).tolist() == [1, 1]


# --------------------------------------------------------------------------- values

UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin", "cos", "tan",
         "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "negative", "positive",
         "square", "reciprocal", "conj", "conjugate", "real", "imag", "abs", "absolute",
         "angle", "isnan", "isinf", "isfinite", "iscomplex", "isreal", "sum", "prod", "mean",
         "var", "std", "cumsum", "cumprod", "sort_complex", "ravel", "transpose", "flip",
         "diff", "trace"]
# Compositions rounding differently from NumPy's kernels (square and reciprocal are products
# and quotients here; var/std sum |z - mean|^2; the reductions sum in another order).
_CLOSE = {"square", "reciprocal", "var", "std", "sum", "prod", "mean", "cumsum", "cumprod",
          "trace"}


@pytest.mark.parametrize("dtype", [C64, C128], ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_unary_values_and_dtypes_match_numpy(name, dtype):
    z = _rand_complex(np.random.default_rng(0), (3, 3), dtype)
    got, want = getattr(fnp, name)(z), getattr(np, name)(z)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    if name in _CLOSE:
        rtol = 1e-5 if dtype == C64 else 1e-13
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(got, want)
    jitted = ft.jit(getattr(fnp, name))(z)
    np.testing.assert_allclose(jitted, want, rtol=1e-5 if dtype == C64 else 1e-13)


BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "power", "equal",
          "not_equal", "matmul", "dot", "vdot", "inner", "outer", "kron"]


@pytest.mark.parametrize("dtype", [C64, C128], ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_values_and_dtypes_match_numpy(name, dtype):
    rng = np.random.default_rng(1)
    a, b = _rand_complex(rng, (3, 3), dtype), _rand_complex(rng, (3, 3), dtype)
    got, want = getattr(fnp, name)(a, b), getattr(np, name)(a, b)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == C64 else 1e-13)
    # Mixed with real arrays and Python scalars (NEP 50).
    for other in (np.ones((3, 3)), np.ones((3, 3), np.float32), 2.0, 1 - 1j, 3):
        if name in ("matmul", "dot", "inner", "outer", "kron", "vdot") and np.ndim(other) == 0:
            continue
        got, want = getattr(fnp, name)(a, other), getattr(np, name)(a, other)
        assert np.asarray(got).dtype == np.asarray(want).dtype, other
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == C64 else 1e-13)


def test_einsum_and_reductions_over_axes():
    rng = np.random.default_rng(2)
    a, b = _rand_complex(rng, (2, 3)), _rand_complex(rng, (3, 4))
    np.testing.assert_allclose(fnp.einsum("ij,jk->ik", a, b), np.einsum("ij,jk->ik", a, b),
                               rtol=1e-14)
    for axis in (0, -1, (0, 1), None):
        np.testing.assert_allclose(fnp.sum(a, axis=axis), np.sum(a, axis=axis), rtol=1e-14)
        np.testing.assert_allclose(fnp.mean(a, axis=axis, keepdims=True),
                                   np.mean(a, axis=axis, keepdims=True), rtol=1e-14)
    assert fnp.sum(np.zeros((0, 2), C64), axis=0).dtype == C64


def test_special_values_and_empty_inputs():
    z = np.array([complex(np.inf, 1), complex(np.nan, 0), complex(1, -np.inf), 0j])
    for name in ("isnan", "isinf", "isfinite", "abs", "real", "imag", "conj"):
        np.testing.assert_array_equal(getattr(fnp, name)(z), getattr(np, name)(z))
    np.testing.assert_array_equal(lax.complex(np.array([1.0, np.inf]), np.array([np.inf, 0.0])),
                                  np.array([complex(1, np.inf), complex(np.inf, 0)]))
    empty = np.zeros((0,), C64)
    for name in ("exp", "abs", "angle", "real", "conj", "sort_complex"):
        got = getattr(fnp, name)(empty)
        assert got.shape == (0,) and got.dtype == getattr(np, name)(empty).dtype


def test_real_if_close_and_its_traced_error():
    z = np.array([2.1 + 4e-14j, 5.2 + 3e-15j])
    np.testing.assert_array_equal(fnp.real_if_close(z), np.real_if_close(z))
    far = np.array([1 + 1e-3j])
    assert fnp.real_if_close(far).dtype == C128
    with pytest.raises(errors.ConcretizationError, match="real_if_close"):
        ft.jit(fnp.real_if_close)(z)


# --------------------------------------------------------------------------- derivatives

# (name, function of one complex array, holomorphic?)
FUNS = [
    ("exp", fnp.exp, True), ("log", fnp.log, True), ("sqrt", fnp.sqrt, True),
    ("sin", fnp.sin, True), ("cos", fnp.cos, True), ("tan", fnp.tan, True),
    ("arcsin", fnp.arcsin, True), ("arccos", fnp.arccos, True), ("arctan", fnp.arctan, True),
    ("sinh", fnp.sinh, True), ("cosh", fnp.cosh, True), ("tanh", fnp.tanh, True),
    ("expm1", fnp.expm1, True), ("log1p", fnp.log1p, True), ("log10", fnp.log10, True),
    ("square", fnp.square, True), ("reciprocal", fnp.reciprocal, True),
    ("cube", lambda z: z ** 3, True), ("pow", lambda z: fnp.power(z, 0.5 + 1j), True),
    ("zpowz", lambda z: fnp.power(z, z), True),
    ("cumprod", lambda z: fnp.cumprod(z, axis=-1), True),
    ("matmul", lambda z: fnp.matmul(z, z), True),
    ("mean_prod", lambda z: fnp.mean(z, axis=0) * fnp.prod(z, axis=1), True),
    ("conj", fnp.conj, False), ("real", fnp.real, False), ("imag", fnp.imag, False),
    ("abs", fnp.abs, False), ("angle", fnp.angle, False), ("var", fnp.var, False),
    ("abs2", lambda z: fnp.real(z * fnp.conj(z)), False),
    ("mixed", lambda z: fnp.exp(fnp.conj(z)) * fnp.abs(z) + fnp.imag(z) * 1j, False),
    ("vdot", lambda z: fnp.vdot(z, fnp.sin(z)), False),
]


def _central_difference(f, z, t, h=1e-6):
    return (np.asarray(f(z + h * t)) - np.asarray(f(z - h * t))) / (2 * h)


@pytest.mark.parametrize("name, f, holo", FUNS, ids=[n for n, _, _ in FUNS])
def test_jvp_is_the_derivative_along_a_complex_direction(name, f, holo):
    rng = np.random.default_rng(3)
    z, t = _rand_complex(rng, (3, 3)), _rand_complex(rng, (3, 3))
    _, out_t = ft.jvp(f, (z,), (t,))
    np.testing.assert_allclose(out_t, _central_difference(f, z, t), rtol=1e-6, atol=1e-7)
    # Holomorphic: complex-linear in the tangent, jvp(i t) = i jvp(t). Non-holomorphic ones
    # (conj) are only real-linear.
    _, out_it = ft.jvp(f, (z,), (1j * t,))
    if holo:
        np.testing.assert_allclose(out_it, 1j * np.asarray(out_t), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, f, holo", FUNS, ids=[n for n, _, _ in FUNS])
def test_vjp_satisfies_the_adjoint_identity_without_conjugation(name, f, holo):
    # Re(sum(ct * (J t))) == Re(sum((J^T ct) * t)): JAX's plain transposes, no conjugate.
    rng = np.random.default_rng(4)
    z, t = _rand_complex(rng, (3, 3)), _rand_complex(rng, (3, 3))
    out, vjp_fun = ft.vjp(f, z)
    out = np.asarray(out)
    ct = (_rand_complex(rng, out.shape) if out.dtype.kind == "c"
          else rng.normal(size=out.shape))
    _, jt = ft.jvp(f, (z,), (t,))
    (jct,) = vjp_fun(ct)
    lhs = np.real(np.sum(ct * np.asarray(jt)))
    rhs = np.real(np.sum(np.asarray(jct) * t))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)
    # Holomorphic: the VJP is the plain transpose of the complex Jacobian (no conjugate).
    if holo:
        jac = ft.jacfwd(f, holomorphic=True)(z).reshape(out.size, z.size)
        np.testing.assert_allclose(np.asarray(jct).ravel(), jac.T @ np.ravel(ct), rtol=1e-12,
                                   atol=1e-12)


def test_grad_of_a_real_function_is_the_conjugate_gradient_as_jax():
    assert ft.grad(lambda z: fnp.real(z) ** 2 + fnp.imag(z) ** 2)(3 + 4j) == 6 - 8j
    np.testing.assert_allclose(ft.grad(lambda z: fnp.abs(z) ** 2)(3 + 4j), 6 - 8j)
    np.testing.assert_allclose(ft.grad(fnp.abs)(3 + 4j), 0.6 - 0.8j)
    np.testing.assert_allclose(ft.grad(fnp.angle)(1 + 1j), -0.5 - 0.5j)
    # grad = df/dRe(z) - i df/dIm(z), checked by differences on a random real loss.
    rng = np.random.default_rng(5)
    z = _rand_complex(rng, (4,))
    w = _rand_complex(rng, (4,))

    def loss(z):
        return fnp.sum(fnp.abs(fnp.sin(z) * w) ** 2) + fnp.real(fnp.sum(fnp.exp(z)))

    g = ft.grad(loss)(z)
    d_re = np.array([_central_difference(loss, z, e) for e in np.eye(4)])
    d_im = np.array([_central_difference(loss, z, 1j * e) for e in np.eye(4)])
    np.testing.assert_allclose(g, d_re - 1j * d_im, rtol=1e-6)
    # jacrev of a real function of complex inputs gives the same (JAX's rule).
    np.testing.assert_allclose(ft.jacrev(loss)(z), g, rtol=1e-12)
    # Descent uses the conjugate: z - lr * conj(g) lowers the loss.
    assert loss(z - 1e-3 * np.conj(g)) < loss(z)


def test_holomorphic_grad_and_jacobians():
    z = np.array([0.3 + 0.7j, -1.1 + 0.2j])
    np.testing.assert_allclose(ft.grad(fnp.sin, holomorphic=True)(z[0]), np.cos(z[0]))
    np.testing.assert_allclose(
        ft.grad(lambda z: fnp.sum(z ** 3), holomorphic=True)(z), 3 * z ** 2)
    fwd = ft.jacfwd(fnp.exp, holomorphic=True)(z)
    rev = ft.jacrev(fnp.exp, holomorphic=True)(z)
    np.testing.assert_allclose(fwd, np.diag(np.exp(z)), rtol=1e-15)
    np.testing.assert_allclose(rev, fwd, rtol=1e-15)
    assert fwd.dtype == rev.dtype == C128
    # Second derivative of a holomorphic function.
    d2 = ft.grad(ft.grad(fnp.sin, holomorphic=True), holomorphic=True)(z[0])
    np.testing.assert_allclose(d2, -np.sin(z[0]))
    # jacfwd of a real-input function with complex outputs needs no flag.
    np.testing.assert_allclose(ft.jacfwd(lambda x: fnp.exp(1j * x))(0.5), 1j * np.exp(0.5j))


def test_complex_outputs_and_inputs_raise_without_holomorphic():
    with pytest.raises(errors.FunctransTypeError, match="holomorphic=True"):
        ft.grad(fnp.sin)(1j)
    with pytest.raises(errors.FunctransTypeError, match="holomorphic=True"):
        ft.jacrev(fnp.sin)(np.array([1j]))
    with pytest.raises(errors.FunctransTypeError, match="holomorphic=True"):
        ft.jacfwd(fnp.abs)(np.array([1j]))
    with pytest.raises(errors.FunctransTypeError, match="must be complex"):
        ft.grad(fnp.sin, holomorphic=True)(1.0)
    with pytest.raises(errors.FunctransTypeError, match="must return complex"):
        ft.grad(fnp.abs, holomorphic=True)(1j)


def test_vmap_jit_and_composition_on_complex_values():
    rng = np.random.default_rng(6)
    z = _rand_complex(rng, (4, 3))
    f = lambda z: fnp.sum(fnp.abs(fnp.exp(z) - 1j) ** 2)  # noqa: E731
    per = np.stack([ft.grad(f)(zi) for zi in z])
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(z), per, rtol=1e-14)
    np.testing.assert_allclose(ft.jit(ft.grad(f))(z), ft.grad(f)(z), rtol=1e-14)
    np.testing.assert_allclose(ft.vmap(fnp.conj)(z), np.conj(z))
    np.testing.assert_allclose(ft.vmap(lax.complex)(z.real, z.imag), z)
    # Hessian-vector product of a real function of complex inputs: forward over reverse.
    t = _rand_complex(rng, (4, 3))
    _, hvp = ft.jvp(ft.grad(f), (z,), (t,))
    fd = _central_difference(ft.grad(f), z, t)
    np.testing.assert_allclose(hvp, fd, rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------------- eig, roots


def test_eigvals_derivative_of_a_nonsymmetric_matrix_is_the_standard_formula():
    # dw_k = (u_k^H dA v_k) / (u_k^H v_k) with u the left eigenvectors, i.e. diag(V^-1 dA V).
    rng = np.random.default_rng(7)
    a, t = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    w, v = np.linalg.eig(a)
    _, dw = ft.jvp(fnp.linalg.eigvals, (a,), (t,))
    np.testing.assert_allclose(dw, np.diag(np.linalg.solve(v, t @ v)), rtol=1e-10)
    np.testing.assert_allclose(dw, _central_difference(fnp.linalg.eigvals, a, t), rtol=1e-6)
    # A real loss of the (complex) eigenvalues: grad against differences.
    loss = lambda a: fnp.sum(fnp.abs(fnp.linalg.eigvals(a)) ** 2)  # noqa: E731
    g = ft.grad(loss)(a)
    fd = np.array([[_central_difference(loss, a, np.eye(4)[i][:, None] * np.eye(4)[j])
                    for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_eig_matches_numpy_and_eigh_on_symmetric_input():
    rng = np.random.default_rng(8)
    a = rng.normal(size=(2, 3, 3)) + 1j * rng.normal(size=(2, 3, 3))
    res = fnp.linalg.eig(a)
    w, v = np.linalg.eig(a)
    np.testing.assert_allclose(res.eigenvalues, w, rtol=1e-12)
    np.testing.assert_allclose(res.eigenvectors, v, rtol=1e-12)
    s = rng.normal(size=(3, 3))
    s = s + s.T
    np.testing.assert_allclose(np.sort(fnp.linalg.eigvals(s).real), fnp.linalg.eigvalsh(s),
                               rtol=1e-12)
    assert fnp.linalg.eigvals(np.eye(2)).dtype == C128          # JAX's dtype, not NumPy's
    assert fnp.linalg.eigvals(np.eye(2, dtype=np.float32)).dtype == C64
    # Eigenvector derivatives follow LAPACK's normalization: they match differences.
    t = rng.normal(size=(2, 3, 3)) + 1j * rng.normal(size=(2, 3, 3))
    vecs = lambda a: fnp.linalg.eig(a).eigenvectors  # noqa: E731
    _, dv = ft.jvp(vecs, (a,), (t,))
    np.testing.assert_allclose(dv, _central_difference(vecs, a, t), rtol=1e-6, atol=1e-7)


def test_roots_as_numpy_and_traced_with_strip_zeros_false():
    p = np.array([0.0, 1.0, -6.0, 11.0, -6.0, 0.0])
    np.testing.assert_allclose(fnp.roots(p), np.roots(p), rtol=1e-12)
    assert fnp.roots(np.zeros(3)).shape == (0,)
    q = np.array([1.0, 0.0, 4.0])                               # roots +-2j
    np.testing.assert_allclose(ft.jit(lambda q: fnp.roots(q, strip_zeros=False))(q),
                               np.roots(q), rtol=1e-12)
    with pytest.raises(errors.ConcretizationError, match="strip_zeros=False"):
        ft.jit(fnp.roots)(q)
    # d root / d coefficient: for p(r) = 0, dr = -(dp)(r) / p'(r).
    _, dr = ft.jvp(lambda q: fnp.roots(q, strip_zeros=False), (q,), (np.array([0, 0, 1.0]),))
    r = np.roots(q)
    np.testing.assert_allclose(dr, -1.0 / (2 * r), rtol=1e-10)


def test_complex_norms_and_sign():
    z = _rand_complex(np.random.default_rng(9), (3, 4))
    for ord in (None, "fro", 1, -1, np.inf):
        np.testing.assert_allclose(fnp.linalg.norm(z, ord), np.linalg.norm(z, ord), rtol=1e-14)
    # grad of the real norm: the conjugate gradient, conj(z) / |z|.
    np.testing.assert_allclose(ft.grad(fnp.linalg.norm)(z), np.conj(z) / np.linalg.norm(z),
                               rtol=1e-14)
    np.testing.assert_array_equal(fnp.sign(z), np.sign(z))


# Complex matrices in the factorizations (det, inv, cholesky, qr, svd, eigh, ...): see
# tests/test_linalg_complex.py.
