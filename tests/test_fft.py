"""functrans.numpy.fft and the `fft` primitive (issue 14), beyond the op-table rows in
op_rows_fft.py (values vs NumPy, check_grads to order 2, vmap vs loop, jit): the plain
transposes by the adjoint identity for every kind and norm, grad of real losses of
rfft/irfft against central differences, NumPy's dtypes and errors, and hypothesis
properties (inverse pairs, Parseval for norm="ortho").
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
from functrans import errors

NORMS = ("backward", "ortho", "forward")


def _rand_complex(rng, shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def _rand_like(rng, x):
    x = np.asarray(x)
    return _rand_complex(rng, x.shape) if x.dtype.kind == "c" else rng.normal(size=x.shape)


# (kind, operand shape, lengths): odd and even lengths, one and two transformed axes.
CASES = [("fft", (2, 5), (5,)), ("fft", (3, 4), (3, 4)), ("ifft", (2, 6), (6,)),
         ("ifft", (3, 5), (3, 5)), ("rfft", (2, 5), (5,)), ("rfft", (2, 6), (6,)),
         ("rfft", (3, 4), (3, 4)), ("irfft", (2, 3), (5,)), ("irfft", (2, 4), (6,)),
         ("irfft", (3, 3), (3, 4)), ("rfft", (1,), (1,)), ("irfft", (1,), (1,)),
         ("irfft", (2,), (2,))]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("kind, shape, lengths", CASES)
def test_transpose_satisfies_the_adjoint_identity(kind, shape, lengths, norm):
    # Re(sum(ct * L t)) == Re(sum(L^T ct * t)) with JAX's plain (unconjugated) pairing.
    rng = np.random.default_rng(0)
    t = rng.normal(size=shape) if kind == "rfft" else _rand_complex(rng, shape)
    out, vjp_fun = ft.vjp(lambda x: lax.fft(x, kind, lengths, norm), t)
    ct = _rand_like(rng, out)
    (lt_ct,) = vjp_fun(ct)
    assert np.asarray(lt_ct).dtype == t.dtype
    lhs = np.real(np.sum(ct * np.asarray(out)))
    rhs = np.real(np.sum(np.asarray(lt_ct) * t))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_fft_is_its_own_transpose_and_jvp_is_itself():
    rng = np.random.default_rng(1)
    z, t = _rand_complex(rng, (4,)), _rand_complex(rng, (4,))
    _, vjp_fun = ft.vjp(fnp.fft.fft, z)
    np.testing.assert_allclose(vjp_fun(t)[0], np.fft.fft(t), rtol=1e-12, atol=1e-12)
    _, jt = ft.jvp(fnp.fft.fft, (z,), (t,))
    np.testing.assert_allclose(jt, np.fft.fft(t), rtol=1e-12, atol=1e-12)


def _central_difference(f, x, e, h=1e-6):
    return (f(x + h * e) - f(x - h * e)) / (2 * h)


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("n", [None, 4, 9])
def test_grad_of_real_losses_of_rfft_and_irfft_matches_differences(n, norm):
    rng = np.random.default_rng(2)
    x = rng.normal(size=6)
    w = _rand_complex(rng, 6)

    def rloss(x):
        y = fnp.fft.rfft(x, n=n, norm=norm)
        return fnp.sum(fnp.abs(y * w[:y.shape[0]]) ** 2)

    g = ft.grad(rloss)(x)
    fd = np.array([_central_difference(rloss, x, e) for e in np.eye(6)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)

    z = _rand_complex(rng, 4)
    v = rng.normal(size=16)

    def iloss(z):
        out = fnp.fft.irfft(z, n=n, norm=norm)
        return fnp.sum(fnp.sin(out * v[:out.shape[0]]))

    # JAX's convention: grad = dL/dRe(z) - i dL/dIm(z).
    g = ft.grad(iloss)(z)
    d_re = np.array([_central_difference(iloss, z, e) for e in np.eye(4)])
    d_im = np.array([_central_difference(iloss, z, 1j * e) for e in np.eye(4)])
    np.testing.assert_allclose(g, d_re - 1j * d_im, rtol=1e-6, atol=1e-6)


def test_grad_under_jit_and_vmap_of_a_2d_real_transform():
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(3, 4, 5))

    def loss(x):
        return fnp.sum(fnp.abs(fnp.fft.rfft2(x, s=(4, 6), norm="ortho")) ** 2)

    g = ft.jit(ft.vmap(ft.grad(loss)))(xs)
    # Zero padding to (4, 6) and the Hermitian half: checked by differences on one item.
    x = xs[1]
    fd = np.array([_central_difference(loss, x, e.reshape(4, 5))
                   for e in np.eye(20)]).reshape(4, 5)
    np.testing.assert_allclose(g[1], fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "ihfft", "fftn", "rfftn", "fft2"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_result_dtypes_follow_numpy(name, dtype):
    x = np.ones((2, 3), dtype)
    want = getattr(np.fft, name)(x)
    got = getattr(fnp.fft, name)(x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_errors_name_the_function_and_argument():
    with pytest.raises(errors.FunctransValueError, match=r"fft: invalid number .* \(0\)"):
        fnp.fft.fft(np.ones(3), n=0)
    with pytest.raises(errors.FunctransValueError, match="irfft: invalid number"):
        fnp.fft.irfft(np.ones(1))
    with pytest.raises(errors.FunctransValueError, match="norm"):
        fnp.fft.fft(np.ones(3), norm="unitary")
    with pytest.raises(errors.FunctransTypeError, match="rfft: needs a real input"):
        fnp.fft.rfft(np.ones(3) + 1j)
    with pytest.raises(errors.FunctransTypeError, match="out"):
        fnp.fft.fft(np.ones(3), out=np.ones(3, complex))
    with pytest.raises(errors.AxisError):
        fnp.fft.fft(np.ones(3), axis=1)
    with pytest.raises(errors.AxisError):
        fnp.fft.fft(np.float64(1.0))
    with pytest.raises(errors.FunctransValueError, match="same length"):
        fnp.fft.fftn(np.ones((2, 2)), s=(2,), axes=(0, 1))
    with pytest.raises(errors.FunctransTypeError, match="static"):
        ft.jit(lambda n: fnp.fft.fftfreq(n))(4)
    with pytest.raises(errors.ShapeError, match="fft"):
        lax.fft(np.ones(4, complex), "fft", (5,))


def test_empty_batch_and_frequencies():
    x = np.ones((0, 4))
    np.testing.assert_array_equal(fnp.fft.rfft(x), np.fft.rfft(x))
    assert fnp.fft.fft(x).shape == (0, 4)
    np.testing.assert_array_equal(fnp.fft.fftfreq(1), np.fft.fftfreq(1))
    np.testing.assert_array_equal(fnp.fft.rfftfreq(7, 0.25), np.fft.rfftfreq(7, 0.25))
    np.testing.assert_allclose(ft.grad(lambda d: fnp.sum(fnp.fft.fftfreq(4, d)))(0.5),
                               -np.sum(np.fft.fftfreq(4, 0.5)) / 0.5)


_SIGNALS = st.tuples(st.integers(1, 9), st.integers(0, 2 ** 31 - 1))


@settings(max_examples=20, deadline=None)
@given(_SIGNALS, st.sampled_from(NORMS))
def test_ifft_inverts_fft(sig, norm):
    n, seed = sig
    z = _rand_complex(np.random.default_rng(seed), (2, n))
    back = fnp.fft.ifft(fnp.fft.fft(z, norm=norm), norm=norm)
    np.testing.assert_allclose(back, z, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(_SIGNALS, st.sampled_from(NORMS))
def test_irfft_inverts_rfft(sig, norm):
    n, seed = sig
    x = np.random.default_rng(seed).normal(size=(2, n))
    back = ft.jit(lambda x: fnp.fft.irfft(fnp.fft.rfft(x, norm=norm), n, norm=norm))(x)
    np.testing.assert_allclose(back, x, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(_SIGNALS)
def test_parseval_for_ortho(sig):
    n, seed = sig
    z = _rand_complex(np.random.default_rng(seed), (n,))
    energy = fnp.sum(fnp.abs(fnp.fft.fft(z, norm="ortho")) ** 2)
    np.testing.assert_allclose(energy, np.sum(np.abs(z) ** 2), rtol=1e-12)
    # So is the gradient of the energy: that of sum |z|^2, 2 conj(z) in JAX's convention.
    np.testing.assert_allclose(
        ft.grad(lambda z: fnp.sum(fnp.abs(fnp.fft.fft(z, norm="ortho")) ** 2))(z),
        2 * np.conj(z), rtol=1e-10, atol=1e-12)
