"""functrans.numpy: elementwise math built from primitives (issue 12): inverse hyperbolic
functions, Array-API aliases, float helpers, comparisons of whole arrays.

Every function here is a composition of primitives and of the other functrans.numpy
modules, with NumPy's signature and semantics; owns no primitive. Derivatives come from the
compositions; the conventions at kinks and ties are stated in each docstring (`fmax`/`fmin`
split a tie as `maximum` does; `fabs` has derivative 0 at 0 as `abs`; `trunc`, `rint`,
`heaviside` in x, `signbit` and the comparisons have derivative zero).

Differences from NumPy shared by this module: integer and bool inputs of float functions
give float64 whatever their width; `out=` and `where=` are not supported; the sign bit of a
nan cannot be read by functrans's primitives, so `signbit`, `copysign` and `modf` treat every
nan as positive (NumPy reads the bit: `signbit(-nan)` is True).
"""
from __future__ import annotations

import math

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import _reductions, _ufuncs, _util
from functrans.primitives import comparison, complex_parts, transcendental

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "acos", "acosh", "allclose", "arccosh", "arcsinh", "arctanh", "array_equal",
    "array_equiv", "asin", "asinh", "atan", "atan2", "atanh", "copysign", "deg2rad",
    "degrees", "divmod", "fabs", "float_power", "fmax", "fmin", "fmod", "heaviside", "hypot",
    "isclose", "isneginf", "isposinf", "ldexp", "logaddexp2", "modf", "nan_to_num", "pow",
    "rad2deg", "radians", "rint", "signbit", "sinc", "trunc",
]

_add, _sub, _mul, _div = _ufuncs.add, _ufuncs.subtract, _ufuncs.multiply, _ufuncs.true_divide
_where, _abs, _sqrt, _log1p = _ufuncs.where, _ufuncs.abs, _ufuncs.sqrt, _ufuncs.log1p
_LN2 = math.log(2.0)
# Beyond 2**28, 1 / x**2 is below float64's epsilon: arcsinh(x) = arccosh(x) = log(2x) there
# (and x * x cannot overflow below it, in float32 either).
_BIG = 2.0 ** 28


def _float_unary(name: str, fn, summary: str, note: str = "", **kw):
    """A one-operand float ufunc made by `_ufuncs`' factory, owned by this module."""
    ufunc = _ufuncs._unary(name, fn, summary, inexact=kw.pop("inexact", True), **kw)
    ufunc.__module__ = __name__
    if note:
        ufunc.__doc__ += f"\n{note}\n"
    return ufunc


# --------------------------------------------------------------------------- Array-API aliases

# NumPy 2's Array-API names are the same ufunc objects as the old ones (np.acos is np.arccos).
acos = _ufuncs.arccos
asin = _ufuncs.arcsin
atan = _ufuncs.arctan
atan2 = _ufuncs.arctan2
pow = _ufuncs.power


# --------------------------------------------------------------------------- inverse hyperbolics


def _sign_flip(x):
    """`s = -1` where x < 0 else 1 (piecewise constant: zero derivative), and `s * x`, which
    is |x| with derivative s: 1 at 0, so odd functions of it stay smooth at 0."""
    s = _where(_ufuncs.less(x, 0), _like(-1.0, x), _like(1.0, x))
    return s, _mul(s, x)


def _like(value: float, x) -> np.ndarray:
    """`value` as a 0-d array of x's dtype (`where` of two Python floats would be float64)."""
    return np.asarray(value, _util.aval(x).dtype)


def _log_of_twice(y, big):
    """`log(2y)` where `big`, computed on 1 elsewhere (so that no branch makes nan or inf)."""
    return _add(_ufuncs.log(_where(big, y, 1.0)), _LN2)


def _arcsinh(x):
    # asinh(y) = log1p(y + y^2 / (1 + sqrt(1 + y^2))) for y >= 0: no cancellation, accurate
    # near 0; -0.0 stays -0.0 written as y * (1 + y / (1 + sqrt(1 + y^2))).
    s, y = _sign_flip(x)
    big = _ufuncs.greater(y, _BIG)
    ys = _where(big, 1.0, y)
    small = _log1p(_mul(ys, _add(1.0, _div(ys, _add(1.0, _sqrt(_add(1.0, _mul(ys, ys))))))))
    return _mul(s, _where(big, _log_of_twice(y, big), small))


def _arccosh(x):
    # acosh(1 + t) = log1p(t + sqrt(t) sqrt(t + 2)): t = x - 1 is exact near 1, where acosh
    # is steepest; two square roots so that the derivative at x = 1 is inf (sqrt(t (t + 2))
    # would give inf * 0 = nan in reverse mode). Below 1, sqrt(t) is nan, as NumPy's arccosh.
    big = _ufuncs.greater(x, _BIG)
    t = _sub(_where(big, 2.0, x), 1.0)   # 2: no branch at the singularity t = 0
    small = _log1p(_add(t, _mul(_sqrt(t), _sqrt(_add(t, 2.0)))))
    return _where(big, _log_of_twice(x, big), small)


def _arctanh(x):
    # atanh(y) = log1p(2y / (1 - y)) / 2 for y = |x|: 1 - y is exact near 1, no cancellation.
    s, y = _sign_flip(x)
    return _mul(s, _mul(0.5, _log1p(_div(_mul(2.0, y), _sub(1.0, y)))))


_ACCURACY = ("Accuracy: a composition of log1p and sqrt (log(2|x|) beyond 2**28), within 2 ulps "
             "of NumPy's over the whole range (measured: at most 1.7 ulps in float64 and float32). "
             "Derivatives of every order are right at 0.")
arcsinh = _float_unary("arcsinh", _arcsinh, "Elementwise inverse hyperbolic sine",
                       note=_ACCURACY, example=(np.array([0.0, 1.0]),))
arccosh = _float_unary("arccosh", _arccosh, "Elementwise inverse hyperbolic cosine",
                       note=_ACCURACY, example=(np.array([1.0, 2.0]),))
arctanh = _float_unary("arctanh", _arctanh, "Elementwise inverse hyperbolic tangent",
                       note=_ACCURACY, example=(np.array([0.0, 0.5]),))
asinh = arcsinh
acosh = arccosh
atanh = arctanh


# --------------------------------------------------------------------------- unary float helpers


def _trunc(x):
    return _where(_ufuncs.less(x, 0), comparison.ceil(x), comparison.floor(x))


def _sinc(x):
    # sin(y) / y with y = pi x; below |y| = 0.1 its Taylor polynomial to y^8 (error below
    # y^10 / 11! < 3e-18), which also gives the right derivatives at 0 (sinc''(0) = -pi^2/3).
    y = _mul(x, math.pi)
    small = _ufuncs.less(_abs(y), 0.1)
    safe = _where(small, 1.0, y)
    y2 = _mul(y, y)
    poly = 1.0
    for k in (9 * 8, 7 * 6, 5 * 4, 3 * 2):   # 1 - y^2/3! (1 - y^2/(4*5) (1 - ...))
        poly = _sub(1.0, _mul(_div(y2, float(k)), poly))
    return _where(small, poly, _div(_ufuncs.sin(safe), safe))


fabs = _float_unary("fabs", transcendental.abs_p, "Elementwise absolute value of floats",
                    note="Derivative: sign(x), 0 at x = 0 (as `abs`).",
                    example=(np.array([-1.5, 2.0]),))
trunc = _float_unary("trunc", _trunc, "Elementwise rounding towards zero", inexact=False,
                     identity="biu", note="Derivative: zero (piecewise constant).",
                     example=(np.array([-1.5, 2.5]),))
def _rint(x):
    """Round half to even; complex values: the real and imaginary parts each (as NumPy and
    JAX)."""
    if dtypes.is_complex(core.get_aval(x).dtype):
        return complex_parts.complex_(comparison.round(complex_parts.real(x)),
                                      comparison.round(complex_parts.imag(x)))
    return comparison.round(x)


rint = _float_unary("rint", _rint, "Elementwise rounding half to even",
                    note="Derivative: zero (piecewise constant); complex values: the real and "
                    "imaginary parts are rounded each.",
                    example=(np.array([0.5, 1.5, -2.7]),))
deg2rad = _float_unary("deg2rad", lambda x: _mul(x, math.pi / 180.0),
                       "Elementwise degrees to radians (x * pi / 180)",
                       example=(np.array([90.0, 180.0]),))
radians = _float_unary("radians", lambda x: _mul(x, math.pi / 180.0),
                       "Elementwise degrees to radians (x * pi / 180)",
                       example=(np.array([90.0, 180.0]),))
rad2deg = _float_unary("rad2deg", lambda x: _mul(x, 180.0 / math.pi),
                       "Elementwise radians to degrees (x * 180 / pi)",
                       example=(np.array([np.pi, 1.0]),))
degrees = _float_unary("degrees", lambda x: _mul(x, 180.0 / math.pi),
                       "Elementwise radians to degrees (x * 180 / pi)",
                       example=(np.array([np.pi, 1.0]),))
sinc = _float_unary("sinc", _sinc, "Elementwise normalized sinc, sin(pi x) / (pi x), 1 at 0",
                    note="Near 0 (|pi x| < 0.1) a Taylor polynomial, so derivatives of every "
                         "order are right at 0.", example=(np.array([0.0, 0.5]),))


def signbit(x, /, *, out=None, where=None):
    """Elementwise test for a set sign bit (negative numbers and -0.0), as `numpy.signbit`.

    Args:
      x: an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A bool array of x's shape. For floats `arctan2(x, -1) < 0`, which is true exactly for
      x < 0 and x = -0.0.

    Example:
      >>> fnp.signbit(np.array([-1.0, -0.0, 0.0, 2.0]))
      array([ True,  True, False, False])

    Difference from NumPy: every nan counts as positive (NumPy reads the bit of a nan).
    """
    _util.check_unsupported("signbit", out=out, where=where)
    x = _util.as_operand(x, "signbit")
    a = _util.aval(x)
    if dtypes.is_float(a.dtype):
        return _ufuncs.less(transcendental.atan2(x, _util.convert(-1.0, a.dtype, a.weak_type)),
                            0)
    if a.dtype.kind == "i":
        return _ufuncs.less(x, 0)
    return _util.in_namespace(np.zeros(a.shape, bool), x)


def _inf_test(name: str, x, value: float):
    x = _util.as_operand(x, name)
    a = _util.aval(x)
    if dtypes.is_float(a.dtype):
        return _ufuncs.equal(x, value)
    return _util.in_namespace(np.zeros(a.shape, bool), x)


def isposinf(x, out=None):
    """Elementwise test for +inf, as `numpy.isposinf`.

    Args:
      x: an array, traced value or Python scalar.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      A bool array of x's shape (all False for integers and bools).

    Example:
      >>> fnp.isposinf(np.array([np.inf, -np.inf, 1.0]))
      array([ True, False, False])
    """
    _util.check_unsupported("isposinf", out=out)
    return _inf_test("isposinf", x, np.inf)


def isneginf(x, out=None):
    """Elementwise test for -inf, as `numpy.isneginf`.

    Args:
      x: an array, traced value or Python scalar.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      A bool array of x's shape (all False for integers and bools).

    Example:
      >>> fnp.isneginf(np.array([np.inf, -np.inf, 1.0]))
      array([False,  True, False])
    """
    _util.check_unsupported("isneginf", out=out)
    return _inf_test("isneginf", x, -np.inf)


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """Replace nan, +inf and -inf by finite numbers, as `numpy.nan_to_num`.

    Args:
      x: an array, traced value or Python scalar.
      copy: accepted and ignored: functrans never modifies a value in place.
      nan: the value for nan (default 0.0).
      posinf, neginf: the values for +inf and -inf (default: the largest and the most
        negative finite number of x's dtype). All three are converted to x's dtype.

    Returns:
      An array of x's dtype (integers and bools unchanged). Derivative: 1 where x is
      finite, 0 where it was replaced.

    Example:
      >>> fnp.nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0]), posinf=9.0)
      array([ 0.00000000e+000,  9.00000000e+000, -1.79769313e+308,  1.00000000e+000])
    """
    del copy
    x = _util.as_array(x, "nan_to_num")
    dtype = _util.aval(x).dtype
    if not dtypes.is_float(dtype):
        return x
    info = np.finfo(dtype)
    for test, value in ((_ufuncs.isnan(x), nan),
                        (_ufuncs.equal(x, np.inf), info.max if posinf is None else posinf),
                        (_ufuncs.equal(x, -np.inf), info.min if neginf is None else neginf)):
        x = _where(test, _util.convert(_util.as_operand(value, "nan_to_num"), dtype), x)
    return x


def modf(x, /, *, out=None, where=None):
    """Fractional and integral parts, both with x's sign, as `numpy.modf`.

    Args:
      x: an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A pair `(x - trunc(x), trunc(x))`; for ±inf the fractional part is ±0.0. Derivatives:
      1 and 0 between the integers.

    Example:
      >>> fnp.modf(np.array([2.5, -1.25]))
      (array([ 0.5 , -0.25]), array([ 2., -1.]))

    Difference from NumPy: integer and bool inputs give float64 whatever their width.
    """
    _util.check_unsupported("modf", out=out, where=where)
    x = _util.to_inexact(_util.as_array(x, "modf"))
    whole = trunc(x)
    # inf - inf would be nan (and warn): the fractional part of ±inf is ±0.
    inf = _ufuncs.isinf(x)
    frac = _where(inf, 0.0, _sub(_where(inf, 0.0, x), _where(inf, 0.0, whole)))
    return copysign(frac, x), whole


# --------------------------------------------------------------------------- binary float helpers


def _binary_doc(fun, name: str, summary: str, example: tuple, returns: str,
                note: str = "", args: str = _ufuncs._ARG2) -> None:
    call = ", ".join(_ufuncs._src(a) for a in example)
    ref = getattr(np, name)(*example)
    fun.__doc__ = (
        f"{summary}, as `numpy.{name}`.\n\n"
        f"Args:\n{args}"
        "  out, where: not supported; giving them raises FunctransTypeError.\n\n"
        f"Returns:\n  {returns}\n\n"
        f"Example:\n  >>> fnp.{name}({call})\n  {ref!r}\n")
    if note:
        fun.__doc__ += f"\n{note}\n"


def _float_operands(name: str, x1, x2, out, where):
    _util.check_unsupported(name, out=out, where=where)
    (x, y), _ = _util.elementwise_operands(name, x1, x2, inexact=True)
    return x, y


def _nan_ignoring(name: str, choose):
    def ufunc(x1, x2, /, *, out=None, where=None):
        _util.check_unsupported(name, out=out, where=where)
        (x, y), dtype = _util.elementwise_operands(name, x1, x2)
        m = choose(x, y)
        if not dtypes.is_inexact(dtype):
            return m
        return _where(_ufuncs.isnan(y), x, _where(_ufuncs.isnan(x), y, m))

    ufunc.__name__ = ufunc.__qualname__ = name
    which = "maximum" if name == "fmax" else "minimum"
    _binary_doc(ufunc, name, f"Elementwise {which} ignoring nan", _ufuncs._EX_FF,
                f"`{which}(x1, x2)` where neither is nan, else the one that is not (nan if "
                "both are).",
                f"Derivative: as `{which}`'s; at ties each operand gets half the tangent "
                f"(JAX's `fmax`/`fmin` give it all to x2; functrans keeps `{name}` equal to "
                f"`{which}` wherever both are numbers, derivatives included).")
    return ufunc


fmax = _nan_ignoring("fmax", _ufuncs.maximum)
fmin = _nan_ignoring("fmin", _ufuncs.minimum)


def fmod(x1, x2, /, *, out=None, where=None):
    _util.check_unsupported("fmod", out=out, where=where)
    (x, y), dtype = _util.elementwise_operands("fmod", x1, x2)
    if dtype.kind == "b":
        raise errors.FunctransTypeError(
            "fmod: not supported for bool operands; convert bools to integers first.")
    # The remainder of |x| by |y| is C's fmod of them (no sign adjustment), exactly.
    r = _ufuncs.remainder(_abs(x), _abs(y))
    negative = signbit(x) if dtypes.is_float(dtype) else _ufuncs.less(x, 0)
    return _where(negative, _ufuncs.negative(r), r)


_binary_doc(fmod, "fmod", "Elementwise remainder with the sign of the dividend (C's fmod)",
            (np.array([5.0, -5.0]), np.array([3.0, 3.0])),
            "`x1 - trunc(x1 / x2) * x2`, exactly (remainder of |x1| by |x2|, signed like x1). "
            "Derivatives between the jumps: 1 in x1, -trunc(x1 / x2) in x2.")


def copysign(x1, x2, /, *, out=None, where=None):
    x, y = _float_operands("copysign", x1, x2, out, where)
    ax = _abs(x)
    return _where(signbit(y), _ufuncs.negative(ax), ax)


_binary_doc(copysign, "copysign", "Elementwise |x1| with the sign of x2",
            (np.array([1.5, -2.0]), np.array([-1.0, 0.0])),
            "`where(signbit(x2), -|x1|, |x1|)` (JAX's composition): derivative sign(x1) times "
            "the sign chosen in x1 (0 at x1 = 0), zero in x2.",
            "Difference from NumPy: a nan x2 counts as positive (see `signbit`).")


def hypot(x1, x2, /, *, out=None, where=None):
    x, y = _float_operands("hypot", x1, x2, out, where)
    ax, ay = _abs(x), _abs(y)
    hi, lo = _ufuncs.maximum(ax, ay), _ufuncs.minimum(ax, ay)
    zero = _ufuncs.equal(hi, 0)
    inf = _ufuncs.logical_or(_ufuncs.isinf(x), _ufuncs.isinf(y))
    # 0 / 0 and inf / inf are not computed (nor warned about): those results are chosen below.
    skip = _ufuncs.logical_or(zero, inf)
    r = _div(_where(skip, 0.0, lo), _where(skip, 1.0, hi))
    h = _where(zero, hi, _mul(hi, _sqrt(_add(1.0, _mul(r, r)))))
    return _where(inf, np.inf, h)


_binary_doc(hypot, "hypot", "Elementwise sqrt(x1**2 + x2**2) without overflow",
            (np.array([3.0, 1e300]), np.array([4.0, 1e300])),
            "`hi * sqrt(1 + (lo / hi)**2)` with hi, lo the larger and smaller of |x1|, |x2| "
            "(no overflow or underflow in between; inf if either is infinite, even beside "
            "nan). Derivative: (x1 dx1 + x2 dx2) / hypot, 0 at the origin.")


def logaddexp2(x1, x2, /, *, out=None, where=None):
    x, y = _float_operands("logaddexp2", x1, x2, out, where)
    return _div(_ufuncs.logaddexp(_mul(x, _LN2), _mul(y, _LN2)), _LN2)


_binary_doc(logaddexp2, "logaddexp2", "Elementwise log2(2**x1 + 2**x2) without overflow",
            (np.array([1.0, 0.0]), np.array([1.0, 3.0])),
            "`logaddexp(x1 ln 2, x2 ln 2) / ln 2`, smooth where x1 == x2 (as `logaddexp`).")


def heaviside(x1, x2, /, *, out=None, where=None):
    x, h = _float_operands("heaviside", x1, x2, out, where)
    below = _where(_ufuncs.less(x, 0), _like(0.0, x), _like(np.nan, x))
    sign = _where(_ufuncs.greater(x, 0), 1.0, below)
    return _where(_ufuncs.equal(x, 0), h, sign)


_binary_doc(heaviside, "heaviside", "Elementwise step function: 0, x2 at 0, 1",
            (np.array([-1.0, 0.0, 2.0]), np.array(0.5)),
            "0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0, nan where x1 is nan. "
            "Derivative: zero in x1, 1 in x2 where x1 == 0.",
            "Difference from JAX: nan x1 gives nan (NumPy's rule; JAX gives x2).")


def float_power(x1, x2, /, *, out=None, where=None):
    _util.check_unsupported("float_power", out=out, where=where)
    x, y = _util.as_operand(x1, "float_power"), _util.as_operand(x2, "float_power")
    # float64, or complex128 when an operand is complex (NumPy's loops are d and D).
    wide = (dtypes.complex_ if any(dtypes.is_complex(_util.aval(v).dtype) for v in (x, y))
            else dtypes.float_)
    return _ufuncs.power(_util.convert(x, wide), _util.convert(y, wide))


_binary_doc(float_power, "float_power", "Elementwise x1 ** x2 computed in float64",
            (np.array([2, 3]), np.array([0.5, 2.0])),
            "A float64 array whatever the operands' dtypes (one `pow`); complex128 when an "
            "operand is complex.")


def ldexp(x1, x2, /, *, out=None, where=None):
    _util.check_unsupported("ldexp", out=out, where=where)
    x = _util.to_inexact(_util.as_operand(x1, "ldexp"))
    k = _util.as_operand(x2, "ldexp")
    if _util.aval(k).dtype.kind not in "biu":
        raise errors.FunctransTypeError(
            f"ldexp: the exponent x2 must be integers, got dtype {_util.aval(k).dtype.name}; "
            "use x1 * exp2(x2) for float exponents.")
    dtype = _util.aval(x).dtype
    k = _util.convert(k, dtype)
    # 2**k in two factors, so that x1 * 2**k is exact even where 2**k alone would overflow.
    half = _ufuncs.floor(_div(k, 2.0))
    return _mul(_mul(x, _ufuncs.exp2(half)), _ufuncs.exp2(_sub(k, half)))


_binary_doc(ldexp, "ldexp", "Elementwise x1 * 2**x2 for integer x2",
            (np.array([1.5, 3.0]), np.array([2, -1])),
            "An array of x1's float dtype (float64 for integer x1), exact unless it overflows "
            "or underflows. Derivative: 2**x2 in x1; x2 is an integer argument.",
            args=("  x1: floats (integers and bools become float64), an array, traced value or "
                  "Python scalar.\n  x2: integer exponents (a float dtype raises "
                  "FunctransTypeError), broadcast with x1.\n"))


def divmod(x1, x2, /, *, out=None, where=None):
    """Elementwise `(floor_divide(x1, x2), remainder(x1, x2))`, as `numpy.divmod`.

    Args:
      x1, x2: arrays, traced values or Python scalars, broadcast and promoted (NEP 50).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The pair of quotient and remainder (NumPy's own, so `q * x2 + r == x1` as in NumPy).
      Derivatives: zero for the quotient; the remainder's as `remainder`.

    Example:
      >>> fnp.divmod(np.array([7, -7]), np.array([2, 2]))
      (array([ 3, -4]), array([1, 1]))
    """
    _util.check_unsupported("divmod", out=out, where=where)
    return _ufuncs.floor_divide(x1, x2), _ufuncs.remainder(x1, x2)


# --------------------------------------------------------------------------- whole arrays


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise `|a - b| <= atol + rtol * |b|`, as `numpy.isclose`.

    Args:
      a, b: arrays, traced values or Python scalars (broadcast together).
      rtol, atol: relative and absolute tolerance (Python scalars keep b's float dtype).
      equal_nan: whether nan equals nan.

    Returns:
      A bool array of the broadcast shape: close and b finite, or exactly equal (so inf
      equals inf of the same sign). Not differentiable (a comparison).

    Example:
      >>> fnp.isclose(np.array([1.0, 1.1, np.inf]), np.array([1.0 + 1e-9, 1.0, np.inf]))
      array([ True, False,  True])
    """
    x = _util.as_operand(a, "isclose")
    y = _util.to_inexact(_util.as_operand(b, "isclose"))
    finite = _ufuncs.isfinite(y)
    # Where y is not finite only x == y counts: compare 0 with 0 there (no inf - inf, so no
    # warning, as NumPy's errstate gives).
    xs, ys = _where(finite, x, 0), _where(finite, y, 0)
    close = _ufuncs.less_equal(_abs(_sub(xs, ys)), _add(atol, _mul(rtol, _abs(ys))))
    result = _ufuncs.logical_or(_ufuncs.logical_and(close, finite), _ufuncs.equal(x, y))
    if equal_nan:
        both = _ufuncs.logical_and(_ufuncs.isnan(x), _ufuncs.isnan(y))
        result = _ufuncs.logical_or(result, both)
    return result


def _truth(result):
    """A concrete answer as a Python bool (NumPy's type); a traced one, or a foreign one (read
    on the host only when the caller asks: `bool(...)`), stays a 0-d array."""
    return result if _util.is_deferred(result) else bool(result)


def _static_truth(answer: bool, x, y):
    """An answer known from the shapes alone: a Python bool (NumPy's type), or a 0-d bool
    array of a foreign argument's namespace (as `_truth` leaves a foreign answer)."""
    be = _util.foreign_backend(x, y)
    return answer if be is None else be.move([np.asarray(answer)])[0]


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements are close, `all(isclose(a, b, ...))`, as `numpy.allclose`.

    Args:
      a, b, rtol, atol, equal_nan: as `isclose`.

    Returns:
      A Python bool for concrete arguments (as NumPy); under a transformation a 0-d bool
      traced array, since its value is not known while tracing.

    Example:
      >>> fnp.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))
      True
    """
    return _truth(_reductions.all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False):
    """Whether two arrays have the same shape and elements, as `numpy.array_equal`.

    Args:
      a1, a2: arrays, traced values or Python scalars.
      equal_nan: whether nan equals nan.

    Returns:
      A Python bool for concrete arguments (False at once for different shapes, which are
      static); under a transformation a 0-d bool traced array.

    Example:
      >>> fnp.array_equal(np.array([1, 2]), np.array([1.0, 2.0]))
      True
    """
    x = _util.as_operand(a1, "array_equal")
    y = _util.as_operand(a2, "array_equal")
    if _util.aval(x).shape != _util.aval(y).shape:
        return _static_truth(False, x, y)
    same = _ufuncs.equal(x, y)
    if equal_nan:
        same = _ufuncs.logical_or(same, _ufuncs.logical_and(_ufuncs.isnan(x), _ufuncs.isnan(y)))
    return _truth(_reductions.all(same))


def array_equiv(a1, a2):
    """Whether two arrays are equal after broadcasting, as `numpy.array_equiv`.

    Args:
      a1, a2: arrays, traced values or Python scalars.

    Returns:
      A Python bool for concrete arguments (False at once for shapes that do not
      broadcast); under a transformation a 0-d bool traced array.

    Example:
      >>> fnp.array_equiv(np.array([1, 2]), np.array([[1, 2], [1, 2]]))
      True
    """
    x = _util.as_operand(a1, "array_equiv")
    y = _util.as_operand(a2, "array_equiv")
    try:
        _util.broadcast_shapes(_util.aval(x).shape, _util.aval(y).shape)
    except errors.FunctransValueError:
        return _static_truth(False, x, y)
    return _truth(_reductions.all(_ufuncs.equal(x, y)))
