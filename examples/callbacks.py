"""SciPy functions inside differentiated code: `ft.pure_callback` plus `ft.custom_jvp`.

`pure_callback` calls a Python function on concrete NumPy values from traced code (one
equation of the program, evaluated by calling the function; batched by a loop, or by one call
when `vectorized=True`). functrans cannot see inside it, so it has no derivative of its own:
here `scipy.special.gammaln` gets its derivative `digamma` through `custom_jvp`, and `digamma`
gets `polygamma(1, x)` the same way, so that second derivatives (`hessian`) work too. This is
what autograd's `primitive` / `defvjp` does. (functrans.scipy.special has a native gammaln;
the callback route is for functions functrans does not have.)

The second part puts a SciPy routine inside an ODE right-hand side: the forcing of a damped
system is a `scipy.interpolate.CubicSpline` through measured samples, called through
`pure_callback` with its derivative (the spline's own `.derivative()`) given by `custom_jvp`;
`functrans.ode.odeint` integrates it and differentiates the final state with respect to the
damping rate through its adjoint, checked against SciPy's `solve_ivp` and a finite difference.

Run:  python examples/callbacks.py
"""
import numpy as np
import scipy.integrate
import scipy.interpolate
import scipy.special

import functrans as ft
import functrans.numpy as fnp
from functrans import ode


def _spec(x):
    """The result type of an elementwise float64 function of x."""
    return ft.ShapedArray(np.shape(x), np.dtype(np.float64))


@ft.custom_jvp
def trigamma(x):
    return ft.pure_callback(lambda x: scipy.special.polygamma(1, x), _spec(x), x,
                            vectorized=True)


@trigamma.defjvp
def _trigamma_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    # d psi_1 = psi_2 dx (the last derivative this example needs: hessian of gammaln)
    psi2 = ft.pure_callback(lambda x: scipy.special.polygamma(2, x), _spec(x), x,
                            vectorized=True)
    return trigamma(x), psi2 * t


@ft.custom_jvp
def digamma(x):
    return ft.pure_callback(scipy.special.digamma, _spec(x), x, vectorized=True)


@digamma.defjvp
def _digamma_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return digamma(x), trigamma(x) * t   # d psi = psi_1 dx


@ft.custom_jvp
def gammaln(x):
    return ft.pure_callback(scipy.special.gammaln, _spec(x), x, vectorized=True)


@gammaln.defjvp
def _gammaln_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return gammaln(x), digamma(x) * t    # d log Gamma = psi dx


def log_beta_likelihood(ab, p):
    """Log-likelihood of probabilities `p` under Beta(a, b): NumPy-style code calling the
    SciPy-backed gammaln above."""
    a, b = ab[0], ab[1]
    log_norm = gammaln(a + b) - gammaln(a) - gammaln(b)
    return fnp.sum(log_norm + (a - 1) * np.log(p) + (b - 1) * np.log1p(-p))


# --------------------------------------------------------------------------- an ODE with SciPy

_T_DATA = np.linspace(0.0, 4.0, 9)
FORCING = scipy.interpolate.CubicSpline(_T_DATA, np.sin(1.3 * _T_DATA) + 0.2 * _T_DATA)
FORCING_RATE = FORCING.derivative()


@ft.custom_jvp
def forcing(t):
    """The measured forcing at time t: SciPy's spline, called on the host."""
    return ft.pure_callback(lambda t: FORCING(t), _spec(t), t, vectorized=True)


@forcing.defjvp
def _forcing_jvp(primals, tangents):
    (t,), (dt,) = primals, tangents
    rate = ft.pure_callback(lambda t: FORCING_RATE(t), _spec(t), t, vectorized=True)
    return forcing(t), rate * dt


def rhs(y, t, k):
    """A damped oscillator driven by the spline: y = (position, velocity)."""
    return fnp.stack([y[1], -k * y[0] - 0.3 * y[1] + forcing(t)])


def final_position(k, y0, ts):
    return ode.odeint(rhs, y0, ts, k)[-1, 0]


def ode_demo():
    y0, ts, k = np.array([1.0, 0.0]), np.linspace(0.0, 4.0, 5), 2.0
    ours = final_position(k, y0, ts)
    ref = scipy.integrate.solve_ivp(lambda t, y: [y[1], -k * y[0] - 0.3 * y[1] + FORCING(t)],
                                    (0.0, 4.0), y0, rtol=1e-10, atol=1e-10).y[0, -1]
    grad = ft.grad(final_position)(k, y0, ts)
    eps = 1e-5
    fd = (final_position(k + eps, y0, ts) - final_position(k - eps, y0, ts)) / (2 * eps)
    print(f"y(4) with a SciPy spline forcing: {float(ours):.8f} (scipy solve_ivp "
          f"{ref:.8f})")
    print(f"d y(4) / d k by the adjoint: {float(grad):.8f} (central difference {fd:.8f})")
    assert abs(ours - ref) < 1e-6 and abs(grad - fd) < 1e-5


def main():
    x = np.array([0.5, 1.0, 2.5, 7.0])
    print("gammaln        ", gammaln(x))
    print("grad (digamma) ", ft.grad(lambda x: fnp.sum(gammaln(x)))(x))
    print("scipy digamma  ", scipy.special.digamma(x))
    print("hessian diag   ", np.diag(ft.hessian(lambda x: fnp.sum(gammaln(x)))(x)))
    print("scipy trigamma ", scipy.special.polygamma(1, x))
    print("vmap           ", ft.vmap(gammaln)(np.stack([x, x + 1.0])).shape)
    print(ft.make_jaxpr(ft.grad(lambda x: fnp.sum(gammaln(x))))(x))

    # Fit Beta(a, b) to samples by Newton's method on the log-likelihood.
    rng = np.random.default_rng(0)
    p = rng.beta(2.0, 5.0, size=2000)
    ab = np.array([1.0, 1.0])
    step = ft.jit(lambda ab: (ft.grad(log_beta_likelihood)(ab, p),
                              ft.hessian(log_beta_likelihood)(ab, p)))
    for _ in range(8):
        g, h = step(ab)
        ab = ab - np.linalg.solve(h, g)
    print(f"Beta fit: a = {ab[0]:.3f}, b = {ab[1]:.3f} (samples drawn with a = 2, b = 5)")
    ode_demo()


if __name__ == "__main__":
    main()
