"""Bit primitives: shifts, population count, `nextafter`, each with all of its rules.

Owns shift_left, shift_right, population_count (integer operands; not differentiable: their
tangents are symbolic zeros) and nextafter (floating operands; differentiating it raises, as
in JAX, whose `nextafter` has no derivative rule). All are made by the elementwise factories
(`elementwise.py`): shape rule, batching and FLOPs (one per output element) come from there.
Does not own the bitwise and/or/xor/not primitives (`comparison.py`).

Each impl is NumPy's own ufunc, so shift counts that are negative or at least the bit width
give what NumPy gives: `shift_left` 0; `shift_right` 0 for non-negative operands and -1 for
negative ones (an arithmetic shift for signed integers, a logical one for unsigned).
"""
from __future__ import annotations

import numpy as np

from functrans import backend, errors
from functrans.primitives import elementwise

# The unsigned dtype of each integer width: population_count counts the two's-complement bits.
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


# --------------------------------------------------------------------------- shifts

shift_left_p = elementwise.binary_elementwise("shift_left", np.left_shift, kinds="iu")
shift_right_p = elementwise.binary_elementwise("shift_right", np.right_shift, kinds="iu")


def shift_left(x, y):
    """`x << y` on integers of one dtype (counts >= the bit width give 0, as NumPy)."""
    return shift_left_p.bind(x, y)


def shift_right(x, y):
    """`x >> y`: arithmetic for signed integers, logical for unsigned, as NumPy."""
    return shift_right_p.bind(x, y)


# --------------------------------------------------------------------------- population_count


def _population_count_impl(x):
    x = backend.asarray(x)
    bits = x.view(_UNSIGNED[x.dtype.itemsize]) if x.dtype.kind == "i" else x
    return np.bitwise_count(bits).astype(x.dtype)


# The number of set bits of the two's-complement pattern, in the operand's dtype (JAX's
# lax.population_count); numpy's bitwise_count (of |x|, as uint8) is built on it.
population_count_p = elementwise.unary_elementwise(
    "population_count", _population_count_impl, kinds="iu", differentiable=False)


def population_count(x):
    return population_count_p.bind(x)


# --------------------------------------------------------------------------- nextafter


def _nextafter_no_jvp(t, x, y, out):
    raise errors.FunctransTypeError(
        "nextafter: differentiation is not defined (JAX's nextafter has no derivative rule "
        "either); apply stop_gradient to its operands, or use the operand itself, which "
        "nextafter moves by one ulp, where a derivative is wanted.")


nextafter_p = elementwise.binary_elementwise(
    "nextafter", np.nextafter, (_nextafter_no_jvp, _nextafter_no_jvp), kinds="f")


def nextafter(x, y):
    """The next floating-point value after `x` towards `y` (NumPy's `nextafter`)."""
    return nextafter_p.bind(x, y)
