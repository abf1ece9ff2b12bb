"""Fitting a signal's parameters through its FFT power spectrum, with `jacfwd`.

A damped two-tone signal x(t) = e^{-γt} (a₁ sin 2π f₁ t + a₂ sin 2π f₂ t) is observed only
through its power spectrum |rfft(x)|² (the phases are lost, as from a spectrum analyser). We
recover the amplitudes a₁, a₂ and the damping γ by Levenberg-Marquardt steps on the
difference of power spectra, the residuals' Jacobian coming from `jacfwd`: `rfft` is a
primitive with JAX's derivative rules, so the derivative of these real residuals flows
through the complex spectrum with no hand-written formula. The printed loss falls to
rounding level and the parameters reach the true ones.

Run:  python examples/spectral.py
"""
import numpy as np

import functrans as ft
import functrans.numpy as fnp

N, RATE = 256, 64.0
T = np.arange(N) / RATE
F1, F2 = 5.0, 12.5                      # known frequencies (Hz)
TRUE = np.array([1.0, 0.4, 0.3])        # a1, a2, damping


def signal(params):
    a1, a2, gamma = params[0], params[1], params[2]
    tones = a1 * fnp.sin(2 * np.pi * F1 * T) + a2 * fnp.sin(2 * np.pi * F2 * T)
    return fnp.exp(-gamma * T) * tones


def power(params):
    spectrum = fnp.fft.rfft(signal(params), norm="ortho")
    return fnp.real(spectrum * fnp.conj(spectrum))


def main():
    target = power(TRUE)
    scale = np.sqrt(np.mean(target ** 2))
    residual = lambda p: (power(p) - target) / scale  # noqa: E731
    r_and_jac = ft.jit(lambda p: (residual(p), ft.jacfwd(residual)(p)))
    params = np.array([0.5, 0.8, 0.6])
    damping = 1e-2
    for i in range(13):
        r, jac = r_and_jac(params)
        loss = float(np.mean(r ** 2))
        print(f"step {i:2d}  loss {loss:.3e}")
        # Levenberg-Marquardt: the Jacobian of the residuals goes through rfft's rules.
        jtj = jac.T @ jac
        trial = params - np.linalg.solve(jtj + damping * np.diag(np.diag(jtj)), jac.T @ r)
        if np.mean(r_and_jac(trial)[0] ** 2) < loss:
            params, damping = trial, damping / 3
        else:
            damping *= 4
    print("fitted a1 {:.3f}, a2 {:.3f}, damping {:.3f} (true {:.1f}, {:.1f}, {:.1f})".format(
        *params, *TRUE))


if __name__ == "__main__":
    main()
