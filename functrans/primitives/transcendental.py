"""Transcendental elementwise primitives: exp and log, trigonometric and hyperbolic functions,
roots, abs, pow, atan2 and logaddexp, each with all of its rules.

Each is one call of the factories of `elementwise.py`, with its JVP written beside it (a
comment states it as math) using primitive wrappers, so it runs eagerly and while tracing.
Does not own arithmetic (`elementwise.py`) or comparisons and rounding (`comparison.py`).
"""
from __future__ import annotations

import functools

import numpy as np

from functrans import core, dtypes
from functrans.primitives import _helpers, comparison, complex_parts, elementwise

# NumPy defines all of these on complex values too (those that are not say so); the
# holomorphic ones' JVPs below are complex-linear in the tangent (JAX's convention).
unary = functools.partial(elementwise.unary_elementwise, kinds="fc")
binary = functools.partial(elementwise.binary_elementwise, kinds="fc")
scalar_like = elementwise.scalar_like
binary_simplifier = elementwise.binary_simplifier
# The arithmetic the JVP rules below are written in.
add = elementwise.add
sub = elementwise.sub
mul = elementwise.mul
div = elementwise.div
neg = elementwise.neg


# --------------------------------------------------------------------------- unary: exp and log

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))

# d exp = exp(x) dx
exp_p = unary("exp", np.exp, lambda t, x, out: mul(t, out))
# d exp2 = ln(2) 2^x dx
exp2_p = unary("exp2", np.exp2, lambda t, x, out: mul(t, mul(out, scalar_like(_LN2, out))))
# d expm1 = (expm1(x) + 1) dx
expm1_p = unary("expm1", np.expm1, lambda t, x, out: mul(t, add(out, scalar_like(1, out))))
# d log = dx / x
log_p = unary("log", np.log, lambda t, x, out: div(t, x))
# d log2 = dx / (ln(2) x)
log2_p = unary("log2", np.log2, lambda t, x, out: div(t, mul(x, scalar_like(_LN2, x))))
# d log10 = dx / (ln(10) x)
log10_p = unary("log10", np.log10, lambda t, x, out: div(t, mul(x, scalar_like(_LN10, x))))
# d log1p = dx / (1 + x)
log1p_p = unary("log1p", np.log1p, lambda t, x, out: div(t, add(x, scalar_like(1, x))))


def exp(x):
    return exp_p.bind(x)


def exp2(x):
    return exp2_p.bind(x)


def expm1(x):
    return expm1_p.bind(x)


def log(x):
    return log_p.bind(x)


def log2(x):
    return log2_p.bind(x)


def log10(x):
    return log10_p.bind(x)


def log1p(x):
    return log1p_p.bind(x)


# --------------------------------------------------------------------------- unary: trigonometric


def _one_minus_square(x):
    return sub(scalar_like(1, x), mul(x, x))


def _one_plus_square(x):
    return add(scalar_like(1, x), mul(x, x))


# d sin = cos(x) dx
sin_p = unary("sin", np.sin, lambda t, x, out: mul(t, cos(x)))
# d cos = -sin(x) dx
cos_p = unary("cos", np.cos, lambda t, x, out: neg(mul(t, sin(x))))
# d tan = (1 + tan^2) dx
tan_p = unary("tan", np.tan, lambda t, x, out: mul(t, _one_plus_square(out)))
# d asin = dx / sqrt(1 - x^2)
asin_p = unary("asin", np.arcsin, lambda t, x, out: div(t, sqrt(_one_minus_square(x))))
# d acos = -dx / sqrt(1 - x^2)
acos_p = unary("acos", np.arccos, lambda t, x, out: neg(div(t, sqrt(_one_minus_square(x)))))
# d atan = dx / (1 + x^2)
atan_p = unary("atan", np.arctan, lambda t, x, out: div(t, _one_plus_square(x)))
# d sinh = cosh(x) dx
sinh_p = unary("sinh", np.sinh, lambda t, x, out: mul(t, cosh(x)))
# d cosh = sinh(x) dx
cosh_p = unary("cosh", np.cosh, lambda t, x, out: mul(t, sinh(x)))
# d tanh = (1 - tanh^2) dx
tanh_p = unary("tanh", np.tanh, lambda t, x, out: mul(t, _one_minus_square(out)))


def sin(x):
    return sin_p.bind(x)


def cos(x):
    return cos_p.bind(x)


def tan(x):
    return tan_p.bind(x)


def asin(x):
    return asin_p.bind(x)


def acos(x):
    return acos_p.bind(x)


def atan(x):
    return atan_p.bind(x)


def sinh(x):
    return sinh_p.bind(x)


def cosh(x):
    return cosh_p.bind(x)


def tanh(x):
    return tanh_p.bind(x)


# --------------------------------------------------------------------------- unary: roots, abs

# d sqrt = dx / (2 sqrt(x))
sqrt_p = unary("sqrt", np.sqrt, lambda t, x, out: div(t, mul(out, scalar_like(2, out))))
# d cbrt = dx / (3 cbrt(x)^2)
cbrt_p = unary("cbrt", np.cbrt, lambda t, x, out: div(t, mul(mul(out, out), scalar_like(3, out))),
               kinds="f")
# d abs = sign(x) dx; at x == 0 this picks 0 (a subgradient), where JAX's
# select(x >= 0, dx, -dx) picks dx. Only floats carry tangents, so `sign` sees floats here.
abs_p = unary("abs", np.abs, lambda t, x, out: mul(t, comparison.sign(x)), kinds="fiuc")
_abs_real_jvp = abs_p.jvp


@abs_p.def_abstract_eval
def _abs_abstract_eval(x):
    _helpers.check_kind("abs", x, "fiuc")
    # |z| of a complex z is real, of the width of its parts.
    return x.update(dtype=dtypes.real_dtype(x.dtype)) if dtypes.is_complex(x.dtype) else x


@abs_p.def_jvp
def _abs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    if not dtypes.is_complex(core.get_aval(x).dtype):
        return _abs_real_jvp(primals, tangents)
    # Wirtinger form, as JAX: d|z| = Re(conj(z) dz) / |z|, i.e. d|z|/dz = conj(z) / (2|z|)
    # and d|z|/dconj(z) = z / (2|z|). At z == 0 both z and |z| are replaced by 1 (JAX's
    # choice), giving Re(dz).
    out = abs(x)
    xc = elementwise.convert_element_type(_replace_zero(out), core.get_aval(x).dtype)
    scale = div(complex_parts.conj(_replace_zero(x)), xc)
    return out, complex_parts.real(mul(t, scale))


def sqrt(x):
    return sqrt_p.bind(x)


def cbrt(x):
    return cbrt_p.bind(x)


def abs(x):
    return abs_p.bind(x)


# --------------------------------------------------------------------------- pow, atan2


def _replace_zero(x):
    """`x` with its zeros replaced by ones."""
    aval = core.get_aval(x)
    return elementwise.select(comparison.eq(x, scalar_like(0, x)),
                              np.ones(aval.shape, aval.dtype), x)


def _pow_jvp_x(t, x, y, out):
    # d pow = y x^(y-1) dx, which is 0 where y == 0 (as JAX): computing x^(1-1) there instead
    # of x^(0-1) keeps x == 0 from giving 0 * inf.
    return mul(t, mul(y, pow(x, sub(_replace_zero(y), scalar_like(1, y)))))


def _pow_jvp_y(t, x, y, out):
    # d pow = log(x) x^y dy, with log(x) replaced by log(1) = 0 where x == 0 (as JAX), so that
    # pow(0., y) has a finite derivative in y.
    return mul(t, mul(out, log(_replace_zero(x))))


pow_p = binary("pow", np.power, (_pow_jvp_x, _pow_jvp_y))


def _atan2_jvp_x(t, x, y, out):
    # d atan2(x, y) = (y dx - x dy) / (x^2 + y^2)
    return mul(t, div(y, add(mul(x, x), mul(y, y))))


def _atan2_jvp_y(t, x, y, out):
    return neg(mul(t, div(x, add(mul(x, x), mul(y, y)))))


atan2_p = binary("atan2", np.arctan2, (_atan2_jvp_x, _atan2_jvp_y), kinds="f")


def _logaddexp_weight(x, out):
    # d logaddexp(x1, x2) = exp(x1 - out) dx1 + exp(x2 - out) dx2: smooth at x1 == x2, so
    # every order is right there. Where x - out is not finite (equal infinities), weight 0.
    d = sub(x, out)
    return elementwise.select(comparison.is_finite(d), exp(d),
                              _helpers.zeros_like_aval(core.get_aval(d)))


logaddexp_p = binary("logaddexp", np.logaddexp,
                     (lambda t, x, y, out: mul(t, _logaddexp_weight(x, out)),
                      lambda t, x, y, out: mul(t, _logaddexp_weight(y, out))), kinds="f")
pow_p.def_simplify(binary_simplifier())
atan2_p.def_simplify(binary_simplifier())
logaddexp_p.def_simplify(binary_simplifier())


def pow(x, y):
    """`np.power(x, y)` for float operands; see integer_pow for a Python int exponent."""
    return pow_p.bind(x, y)


def atan2(x, y):
    """`np.arctan2(x, y)`: the angle of the point (y, x)."""
    return atan2_p.bind(x, y)


def logaddexp(x, y):
    """`np.logaddexp(x, y)`: log(exp(x) + exp(y)) without overflow."""
    return logaddexp_p.bind(x, y)


