"""Special-function primitives with NumPy-only impls: erf and erfc, each with all its rules.

NumPy has no error function, so the impls apply Python's `math.erf` / `math.erfc` (correctly
rounded to within an ulp, C99 `libm`) elementwise in float64 and round to the operand's dtype.
They live here, below every user namespace, because `functrans.nn.gelu` needs `erf` and
`functrans.nn` must not need SciPy. The SciPy-backed special functions (gammaln, digamma,
...) are primitives of `functrans.scipy._primitives`, not of this package. Does not own any
user-facing function.
"""
from __future__ import annotations

import math

import numpy as np

from functrans import backend
from functrans.primitives import elementwise, transcendental

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_ERF = np.frompyfunc(math.erf, 1, 1)
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def _apply(fun, x: np.ndarray) -> np.ndarray:
    """`fun` elementwise in float64, rounded to `x`'s dtype (0-d in, 0-d out)."""
    x = backend.asarray(x)
    return backend.asarray(fun(x.astype(np.float64)), np.float64).astype(x.dtype)


def _gaussian_slope(t, x):
    """`t * 2/sqrt(pi) * exp(-x^2)`: the derivative of erf applied to the tangent t."""
    scale = elementwise.scalar_like(_TWO_OVER_SQRT_PI, x)
    return elementwise.mul(t, elementwise.mul(scale, transcendental.exp(
        elementwise.neg(elementwise.mul(x, x)))))


# d erf = 2/sqrt(pi) exp(-x^2) dx
erf_p = elementwise.unary_elementwise("erf", lambda x: _apply(_ERF, x),
                                      lambda t, x, out: _gaussian_slope(t, x))
# d erfc = -2/sqrt(pi) exp(-x^2) dx
erfc_p = elementwise.unary_elementwise("erfc", lambda x: _apply(_ERFC, x),
                                       lambda t, x, out: elementwise.neg(_gaussian_slope(t, x)))


def erf(x):
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt, of a float array."""
    return erf_p.bind(x)


def erfc(x):
    """The complementary error function 1 - erf(x), accurate where erf(x) is near 1."""
    return erfc_p.bind(x)
