"""`functrans.numpy`: shifts, bit counts, `packbits`/`unpackbits`, `spacing`, `nextafter`, `i0`.

The shifts and `bitwise_count` bind the primitives of `functrans.primitives.bits` after
NumPy 2's promotion (NEP 50: `int8_array << 3` stays int8; bool operands shift as int8);
`packbits`/`unpackbits` are compositions (comparisons, shifts, a weighted sum) on uint8;
`spacing` and `nextafter` are floating. Integer results carry no derivative. `i0` is the
modified Bessel function of order 0, with the derivative `d i0 = i1(x) dx` (a custom JVP,
see `i0`). Owns no primitive.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Callable

import numpy as np

from functrans import core, custom_derivatives, errors
from functrans.numpy import _join, _reductions, _shape, _ufuncs, _util
from functrans.primitives import bits, elementwise

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "bitwise_count", "bitwise_invert", "bitwise_left_shift", "bitwise_right_shift", "i0",
    "left_shift", "nextafter", "packbits", "right_shift", "spacing", "unpackbits",
]

_UINT8 = np.dtype(np.uint8)
_INT8 = np.dtype(np.int8)


# --------------------------------------------------------------------------- shifts


def _integer_operands(fname: str, x1, x2):
    """Operands promoted (NEP 50) and broadcast; bools shift as int8, as in NumPy."""
    (x, y), dtype = _util.elementwise_operands(fname, x1, x2)
    if dtype.kind == "b":
        x, y = _util.convert(x, _INT8), _util.convert(y, _INT8)
    elif dtype.kind not in "iu":
        raise errors.FunctransTypeError(
            f"{fname}: not supported for {dtype.name} operands; shifts need integer or bool "
            "operands (NumPy refuses them too), so convert with astype first.")
    return x, y


def _shift(name: str, op: Callable, summary: str, example: str) -> Callable:
    def shift(x1, x2, /, *, out=None, where=None):
        _util.check_unsupported(name, out=out, where=where)
        return op(*_integer_operands(name, x1, x2))

    shift.__name__ = shift.__qualname__ = name
    shift.__doc__ = f"""{summary}, as `numpy.{name}`.

    Args:
      x1: integer or bool values (an array, traced value or Python int).
      x2: the shift counts, broadcast with `x1`; both are promoted by NumPy 2's rules
        (`int8_array << 3` stays int8; bool operands give int8).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      An integer array of the broadcast shape. Counts that are negative or at least the bit
      width give what NumPy gives: 0 for a left shift; for a right shift 0, or -1 for
      negative signed values. Right shifts are arithmetic for signed integers and logical
      for unsigned ones. Not differentiable (integer valued).

    Example:
      >>> {example}
    """
    return shift


left_shift = _shift("left_shift", bits.shift_left, "Elementwise `x1 << x2` (bits shifted left)",
                    "fnp.left_shift(np.array([1, 3], np.int8), 2)\n"
                    "      array([ 4, 12], dtype=int8)")
right_shift = _shift("right_shift", bits.shift_right,
                     "Elementwise `x1 >> x2` (bits shifted right)",
                     "fnp.right_shift(np.array([-8, 8]), 2)\n      array([-2,  2])")
bitwise_left_shift = _shift("bitwise_left_shift", bits.shift_left,
                            "Elementwise `x1 << x2` (the Array API name of `left_shift`)",
                            "fnp.bitwise_left_shift(np.array([1, 2], np.uint8), 7)\n"
                            "      array([128,   0], dtype=uint8)")
bitwise_right_shift = _shift("bitwise_right_shift", bits.shift_right,
                             "Elementwise `x1 >> x2` (the Array API name of `right_shift`)",
                             "fnp.bitwise_right_shift(np.array([255], np.uint8), 4)\n"
                             "      array([15], dtype=uint8)")
# The Array API name of `invert` (NumPy 2 makes it the same ufunc).
bitwise_invert = _ufuncs.invert


def bitwise_count(x, /, *, out=None, where=None):
    """The number of 1 bits of `|x|`, as `numpy.bitwise_count`.

    Args:
      x: integer or bool values (an array, traced value or Python int).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A uint8 array of x's shape (a `population_count` of `abs(x)`; `-128` as int8 counts
      1 bit, as in NumPy). Not differentiable.

    Example:
      >>> fnp.bitwise_count(np.array([0, 7, -1, 255]))
      array([0, 3, 1, 8], dtype=uint8)
    """
    _util.check_unsupported("bitwise_count", out=out, where=where)
    x = _util.as_array(x, "bitwise_count")
    kind = _util.aval(x).dtype.kind
    if kind == "b":
        return _util.convert(x, _UINT8)
    if kind not in "iu":
        raise errors.FunctransTypeError(
            f"bitwise_count: not supported for {_util.aval(x).dtype.name} values; it needs "
            "integer or bool values (NumPy refuses floats too).")
    return _util.convert(bits.population_count(_ufuncs.abs(x)), _UINT8)


# --------------------------------------------------------------------------- packbits


def _check_bitorder(fname: str, bitorder) -> None:
    if bitorder not in ("big", "little"):
        raise errors.FunctransValueError(
            f"{fname}: `bitorder` must be 'big' or 'little', got {bitorder!r}.")


def _bit_axis(fname: str, a, axis):
    """`a` flattened (axis None) or at least 1-d, and the axis bits run along."""
    if axis is None:
        return _shape.ravel(a), 0
    a = _shape.atleast_1d(a)
    return a, _util.canonicalize_axis(axis, _util.aval(a).ndim, fname)


def packbits(a, /, axis=None, bitorder="big"):
    """Pack the truth values of `a` into the bits of uint8 values, as `numpy.packbits`.

    Args:
      a: integer or bool values (nonzero counts as a 1 bit).
      axis: the axis to pack along (negative counts from the end); None packs the flattened
        array.
      bitorder: 'big' (the first element is the most significant bit) or 'little'.

    Returns:
      A uint8 array whose `axis` has `ceil(n / 8)` entries (the last byte padded with zero
      bits). Not differentiable.

    Example:
      >>> fnp.packbits(np.array([[1, 0, 1], [0, 1, 1]]), axis=-1)
      array([[160],
             [ 96]], dtype=uint8)
    """
    _check_bitorder("packbits", bitorder)
    a = _util.as_array(a, "packbits")
    if _util.aval(a).dtype.kind not in "biu":
        raise errors.FunctransTypeError(
            f"packbits: expected an integer or bool array, got dtype "
            f"{_util.aval(a).dtype.name}; compare with 0 or convert with astype first.")
    a, axis = _bit_axis("packbits", a, axis)
    b = _shape.moveaxis(_util.convert(_ufuncs.not_equal(a, 0), _UINT8), axis, -1)
    shape = _util.aval(b).shape
    pad = -shape[-1] % 8
    if pad:
        b = _join.concatenate([b, np.zeros((*shape[:-1], pad), _UINT8)], axis=-1)
    b = _shape.reshape(b, (*shape[:-1], (shape[-1] + pad) // 8, 8))
    weights = 1 << np.arange(8, dtype=_UINT8)
    if bitorder == "big":
        weights = weights[::-1]
    packed = _reductions.sum(_ufuncs.multiply(b, weights), axis=-1, dtype=_UINT8)
    return _shape.moveaxis(packed, -1, axis)


def unpackbits(a, /, axis=None, count=None, bitorder="big"):
    """The bits of uint8 values as an array of 0s and 1s, as `numpy.unpackbits`.

    Args:
      a: uint8 values.
      axis: the axis to unpack along (its length is multiplied by 8); None unpacks the
        flattened array.
      count: how many bits to keep along `axis` (None: all); a larger count pads with
        zeros, a negative one drops `-count` bits from the end (at most all of them). A
        Python int.
      bitorder: 'big' (the most significant bit first) or 'little'.

    Returns:
      A uint8 array of 0s and 1s. Not differentiable.

    Example:
      >>> fnp.unpackbits(np.array([6, 1], np.uint8), count=10)
      array([0, 0, 0, 0, 0, 1, 1, 0, 0, 0], dtype=uint8)
    """
    _check_bitorder("unpackbits", bitorder)
    a = _util.as_array(a, "unpackbits")
    if _util.aval(a).dtype != _UINT8:
        raise errors.FunctransTypeError(
            f"unpackbits: expected a uint8 array, got dtype {_util.aval(a).dtype.name}; "
            "convert with astype(np.uint8) first.")
    if isinstance(count, core.Tracer):
        raise errors.FunctransTypeError(
            "unpackbits: `count` is traced, but it sets the output's shape; pass a Python int.")
    a, axis = _bit_axis("unpackbits", a, axis)
    a = _shape.moveaxis(a, axis, -1)
    shape = _util.aval(a).shape
    shifts = np.arange(8, dtype=_UINT8)
    if bitorder == "big":
        shifts = shifts[::-1]
    b = _ufuncs.bitwise_and(right_shift(_shape.expand_dims(a, -1), shifts), np.uint8(1))
    total = shape[-1] * 8
    b = _shape.reshape(b, (*shape[:-1], total))
    if count is not None:
        count = operator.index(count)
        if count < -total:
            raise errors.FunctransValueError(
                f"unpackbits: -count ({-count}) is larger than the number of bits ({total}) "
                "along the axis; pass a count in [-n, inf) for n bits.")
        keep = count if count >= 0 else total + count
        if keep <= total:
            b = b[..., :keep]
        else:
            b = _join.concatenate([b, np.zeros((*shape[:-1], keep - total), _UINT8)], axis=-1)
    return _shape.moveaxis(b, -1, axis)


# --------------------------------------------------------------------------- floating steps


def nextafter(x1, x2, /, *, out=None, where=None):
    """The next floating-point value after `x1` towards `x2`, as `numpy.nextafter`.

    Args:
      x1, x2: arrays, traced values or Python scalars, broadcast and promoted (NEP 50;
        integers and bools become float64).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A float array of the broadcast shape (one `nextafter` primitive).

    Raises:
      FunctransTypeError: when differentiated: JAX's `nextafter` has no derivative rule, and
        functrans follows it (wrap the operands in `stop_gradient` to differentiate through).

    Example:
      >>> fnp.nextafter(np.array([1.0, 1.0]), np.array([2.0, 0.0])) - 1.0
      array([ 2.22044605e-16, -1.11022302e-16])
    """
    _util.check_unsupported("nextafter", out=out, where=where)
    (x, y), _ = _util.elementwise_operands("nextafter", x1, x2, inexact=True)
    return bits.nextafter(x, y)


def spacing(x, /, *, out=None, where=None):
    """The distance from `x` to the next floating-point value away from 0, as `numpy.spacing`.

    Args:
      x: an array, traced value or Python scalar (integers and bools become float64).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      `nextafter(x, ±inf) - x`, the sign of `x` (negative for negative `x`; ±0 give the
      smallest subnormal, inf and nan give nan), in x's float dtype.

    Derivative: zero. `spacing` is constant between powers of two, so zero is its derivative
    wherever it has one (JAX, whose `spacing` calls `nextafter`, raises instead).

    Example:
      >>> fnp.spacing(np.array([1.0, -1.0]))
      array([ 2.22044605e-16, -2.22044605e-16])
    """
    _util.check_unsupported("spacing", out=out, where=where)
    x = _util.to_inexact(_util.as_operand(x, "spacing"))
    x = elementwise.stop_gradient(x)
    inf = _util.aval(x).dtype.type(np.inf)
    toward = _ufuncs.where(_ufuncs.less(x, 0), -inf, inf)
    return _ufuncs.subtract(nextafter(x, toward), x)


# --------------------------------------------------------------------------- i0
#
# I0 and I1 by two expansions, switching at |x| = 20 (each evaluated on its own side of it,
# so the branch not taken sees no inf or nan): below, the power series
#   I0(x) = sum_k q^k / (k!)^2,  I1(x) = (x/2) sum_k q^k / (k! (k+1)!),  q = x^2 / 4,
# (positive terms: no cancellation; 48 terms leave < 1e-17 relative at |x| = 20); above, the
# asymptotic series  I_n(x) ~ e^x / sqrt(2 pi x) sum_k b_k(n) / x^k  (30 terms: its terms
# decrease until k ~ 2|x| = 40, the first omitted one is < 1e-17 relative at |x| = 20).

_SWITCH = 20.0
_SERIES_I0 = [1.0 / math.factorial(k) ** 2 for k in range(48)]
_SERIES_I1 = [1.0 / (math.factorial(k) * math.factorial(k + 1)) for k in range(48)]


def _asymptotic_coeffs(n: int, terms: int) -> list[float]:
    # b_k(n) = (-1)^k prod_{j<=k} (4 n^2 - (2j - 1)^2) / (k! 8^k)
    out, c = [], 1.0
    for k in range(terms):
        if k:
            c *= -(4 * n * n - (2 * k - 1) ** 2) / (8.0 * k)
        out.append(c)
    return out


_ASYMPTOTIC_I0 = _asymptotic_coeffs(0, 30)
_ASYMPTOTIC_I1 = _asymptotic_coeffs(1, 30)


def _horner(coeffs: list[float], z):
    out = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        out = _ufuncs.add(_ufuncs.multiply(out, z), c)
    return out


def _branches(x, series: Callable, asymptotic: Callable):
    """`series(x)` where |x| <= 20, else `asymptotic(|x|)`, each fed a clamped |x|."""
    ax = _ufuncs.abs(x)
    small = _ufuncs.less_equal(ax, _SWITCH)
    xs = _ufuncs.where(small, x, 0.0)
    xl = _ufuncs.maximum(ax, _SWITCH)
    return _ufuncs.where(small, series(xs), asymptotic(xl))


def _asymptotic(coeffs: list[float], x):
    # exp(x) * S / sqrt(2 pi x): overflows to inf where NumPy's i0 does (|x| > ~713).
    s = _horner(coeffs, _ufuncs.reciprocal(x))
    return _ufuncs.true_divide(_ufuncs.multiply(_ufuncs.exp(x), s),
                               _ufuncs.sqrt(_ufuncs.multiply(2 * np.pi, x)))


def _i0_value(x):
    return _branches(x, lambda v: _horner(_SERIES_I0, _ufuncs.multiply(0.25, _ufuncs.square(v))),
                     lambda v: _asymptotic(_ASYMPTOTIC_I0, v))


def _i1_over_x(x):
    """I1(x) / x, finite at 0 (where it is 1/2)."""
    return _branches(
        x, lambda v: _ufuncs.multiply(
            0.5, _horner(_SERIES_I1, _ufuncs.multiply(0.25, _ufuncs.square(v)))),
        lambda v: _ufuncs.true_divide(_asymptotic(_ASYMPTOTIC_I1, v), v))


@custom_derivatives.custom_jvp
def _i0(x):
    return _i0_value(x)


@custom_derivatives.custom_jvp
def _i1(x):
    return _ufuncs.multiply(x, _i1_over_x(x))


@_i0.defjvp
def _i0_jvp(primals, tangents):
    # d I0 = I1(x) dx
    (x,), (t,) = primals, tangents
    return _i0(x), _ufuncs.multiply(t, _i1(x))


@_i1.defjvp
def _i1_jvp(primals, tangents):
    # d I1 = (I0(x) - I1(x) / x) dx, with I1(x) / x from its own series (no 0 / 0 at x = 0)
    (x,), (t,) = primals, tangents
    return _i1(x), _ufuncs.multiply(t, _ufuncs.subtract(_i0(x), _i1_over_x(x)))


def i0(x):
    """The modified Bessel function of the first kind of order 0, as `numpy.i0`.

    Args:
      x: an array, traced value or Python scalar (integers and bools become float64).

    Returns:
      `I0(x)` in x's float dtype, within a few ulps of NumPy's (which uses Cephes'
      Chebyshev expansions): the power series for |x| <= 20, the asymptotic expansion beyond;
      inf where NumPy overflows (|x| > ~713), nan for ±inf and nan, as NumPy.

    Derivative: `d i0 = i1(x) dx` by a custom JVP, with I1 from its own two expansions and
    `d i1 = (i0(x) - i1(x)/x) dx` (I1(x)/x from its series, exact at 0), so derivatives of
    every order are the derivatives of I0 itself, to the accuracy of the values, rather than
    derivatives of an approximation (`grad(i0)(0.0) == 0`, the second derivative there is
    0.5).

    Example:
      >>> fnp.i0(np.array([0.0, 1.0]))
      array([1.        , 1.26606588])
    """
    x = _util.to_inexact(_util.as_array(x, "i0"))
    return _i0(x)
