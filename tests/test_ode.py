"""functrans.ode: `odeint` (values against closed forms and SciPy, adjoint derivatives against
finite differences and the unrolled solver, jit, vmap, the mxstep error) and `rk4`."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from test_docs import _floats, run_example

import functrans as ft
import functrans.numpy as fnp
from functrans import errors
from functrans.ode import odeint, rk4

T = np.linspace(0.0, 2.0, 5)


def decay(y, t, k):
    return -k * y


def oscillator(state, t, w):
    x, v = state
    return (v, -w ** 2 * x)


def lotka_volterra(y, t, p):
    a, b, c, d = p[0], p[1], p[2], p[3]
    return fnp.stack([a * y[0] - b * y[0] * y[1], d * y[0] * y[1] - c * y[1]])


LV_P = np.array([1.5, 1.0, 3.0, 1.0])
LV_Y0 = np.array([1.0, 1.0])


def central_diff(f, x, eps=1e-6):
    x = np.asarray(x, float)
    out = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        out.append((f(x + e) - f(x - e)) / (2 * eps))
    return np.array(out)


# --------------------------------------------------------------------------- values


def test_exponential_decay_matches_closed_form():
    ys = odeint(decay, np.array([1.0, 2.0]), T, 0.7)
    np.testing.assert_allclose(ys, np.exp(-0.7 * T)[:, None] * [1.0, 2.0], rtol=1e-7)


def test_harmonic_oscillator_pytree_state():
    w = 2.0
    xs, vs = odeint(oscillator, (1.0, 0.0), T, w)
    np.testing.assert_allclose(xs, np.cos(w * T), atol=1e-7)
    np.testing.assert_allclose(vs, -w * np.sin(w * T), atol=1e-7)


def test_lotka_volterra_matches_scipy():
    ts = np.linspace(0.0, 5.0, 11)
    ys = odeint(lotka_volterra, LV_Y0, ts, LV_P, rtol=1e-10, atol=1e-10)
    ref = solve_ivp(lambda t, y: np.asarray(lotka_volterra(y, t, LV_P)), (0.0, 5.0), LV_Y0,
                    t_eval=ts, rtol=1e-12, atol=1e-12, method="DOP853")
    np.testing.assert_allclose(ys, ref.y.T, rtol=1e-7)


def test_dtype_float32_and_single_time():
    ys = odeint(decay, np.float32(1.0), np.array([0.0, 1.0], np.float32), np.float32(1.0),
                rtol=1e-5, atol=1e-5)
    assert ys.dtype == np.float32 and ys.shape == (2,)
    np.testing.assert_allclose(ys, np.exp(-np.array([0.0, 1.0])), rtol=1e-4)
    np.testing.assert_array_equal(odeint(decay, 3.0, np.array([0.5]), 1.0), [3.0])


def test_mxstep_error_names_the_argument():
    with pytest.raises(errors.FunctransValueError, match="mxstep=5"):
        odeint(lotka_volterra, LV_Y0, np.array([0.0, 10.0]), LV_P, mxstep=5)


def test_mxstep_under_jit_gives_nan():
    f = ft.jit(lambda y0: odeint(lotka_volterra, y0, np.array([0.0, 10.0]), LV_P, mxstep=5))
    assert np.isnan(f(LV_Y0)[-1]).all()


def test_bad_arguments():
    with pytest.raises(errors.FunctransTypeError, match="func must be a function"):
        odeint(3.0, 1.0, T)
    with pytest.raises(errors.FunctransValueError, match="1-D"):
        odeint(decay, 1.0, np.zeros((2, 2)), 1.0)
    with pytest.raises(errors.FunctransValueError, match="strictly increasing"):
        odeint(decay, 1.0, np.array([1.0, 0.0]), 1.0)
    with pytest.raises(errors.FunctransTypeError, match="structure"):
        odeint(lambda y, t: (y, y), 1.0, T)


def test_rk4_converges_at_order_4():
    errs = [abs(rk4(decay, 1.0, np.array([0.0, 1.0]), 1.0, steps=n)[-1] - np.exp(-1.0))
            for n in (10, 20)]
    assert 14 < errs[0] / errs[1] < 18
    np.testing.assert_allclose(ft.grad(lambda k: rk4(decay, 1.0, T, k, steps=20)[-1])(1.0),
                               -2.0 * np.exp(-2.0), rtol=1e-6)


# --------------------------------------------------------------------------- derivatives


def _lv_loss(y0, p, adjoint=True):
    ys = odeint(lotka_volterra, y0, np.linspace(0.0, 2.0, 5), p, rtol=1e-10, atol=1e-10,
                adjoint=adjoint)
    return fnp.sum(ys ** 2)


def test_adjoint_gradient_matches_finite_differences():
    g_y0, g_p = ft.grad(_lv_loss, argnums=(0, 1))(LV_Y0, LV_P)
    fd_p = central_diff(lambda p: float(_lv_loss(LV_Y0, p)), LV_P)
    fd_y0 = central_diff(lambda y: float(_lv_loss(y, LV_P)), LV_Y0)
    np.testing.assert_allclose(g_p, fd_p, rtol=1e-5)
    np.testing.assert_allclose(g_y0, fd_y0, rtol=1e-5)


def test_adjoint_gradient_matches_the_unrolled_solver():
    adj = ft.grad(_lv_loss, argnums=(0, 1))(LV_Y0, LV_P)
    unrolled = ft.grad(lambda y0, p: _lv_loss(y0, p, adjoint=False), argnums=(0, 1))(LV_Y0,
                                                                                     LV_P)
    for a, u in zip(adj, unrolled, strict=True):
        np.testing.assert_allclose(a, u, rtol=1e-7)


def test_forward_mode_matches_reverse_mode():
    jf = ft.jacfwd(lambda p: odeint(lotka_volterra, LV_Y0, T, p, rtol=1e-10, atol=1e-10))(LV_P)
    jr = ft.jacrev(lambda p: odeint(lotka_volterra, LV_Y0, T, p, rtol=1e-10, atol=1e-10))(LV_P)
    np.testing.assert_allclose(jf, jr, rtol=1e-6, atol=1e-9)


def test_gradient_in_times_and_closure():
    k = 0.7

    def final(ts, y0):
        return odeint(lambda y, t: -k * y * y0, 1.0, ts)[-1]

    ts = np.array([0.1, 0.6, 1.3])
    g_t, g_c = ft.grad(final, argnums=(0, 1))(ts, 1.5)
    # y = exp(-k c (t - t0)): d/dt_end = -k c y, d/dt0 = k c y, d/dc = -k (t - t0) y.
    y = np.exp(-k * 1.5 * (ts[-1] - ts[0]))
    np.testing.assert_allclose(g_t, [k * 1.5 * y, 0.0, -k * 1.5 * y], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(g_c, -k * (ts[-1] - ts[0]) * y, rtol=1e-6)


def test_hessian_and_jit():
    def f(p):
        return fnp.sum(odeint(lotka_volterra, LV_Y0, T, p, rtol=1e-10, atol=1e-10)[-1])
    h = ft.hessian(f)(LV_P)
    fd = central_diff(lambda p: ft.grad(f)(p), LV_P, eps=1e-5)
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ft.jit(f)(LV_P), f(LV_P), rtol=1e-14)


def test_second_derivative():
    d2 = ft.grad(ft.grad(lambda k: odeint(decay, 1.0, np.array([0.0, 1.0]), k)[-1]))(0.5)
    np.testing.assert_allclose(d2, np.exp(-0.5), rtol=1e-6)


# --------------------------------------------------------------------------- jit and vmap


def test_jit_and_vmap_over_initial_conditions():
    y0s = np.array([[1.0, 1.0], [2.0, 0.5], [0.5, 3.0]])

    def solve(y0):
        return odeint(lotka_volterra, y0, T, LV_P)

    batched = ft.vmap(solve)(y0s)
    loop = np.stack([solve(y) for y in y0s])
    np.testing.assert_allclose(batched, loop, rtol=1e-9)
    np.testing.assert_allclose(ft.jit(ft.vmap(solve))(y0s), loop, rtol=1e-9)
    g = ft.vmap(ft.grad(lambda y0: fnp.sum(solve(y0)[-1])))(y0s)
    g_loop = np.stack([ft.grad(lambda y0: fnp.sum(solve(y0)[-1]))(y) for y in y0s])
    np.testing.assert_allclose(g, g_loop, rtol=1e-7)


def test_jit_gradient():
    f = ft.jit(ft.grad(lambda p: _lv_loss(LV_Y0, p)))
    np.testing.assert_allclose(f(LV_P), ft.grad(lambda p: _lv_loss(LV_Y0, p))(LV_P), rtol=1e-12)


def test_neural_ode_example_loss_falls_and_gradients_agree():
    out = run_example("neural_ode.py")
    (diff,) = _floats(r"max relative difference:\s+([0-9.eE+-]+)", out)
    assert diff < 1e-5, out
    losses = _floats(r"step\s+\d+\s+loss\s+([0-9.eE+-]+)", out)
    (final,) = _floats(r"final loss\s+([0-9.eE+-]+)", out)
    assert len(losses) == 7 and final < 0.05 * losses[0], out
