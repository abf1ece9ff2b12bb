"""Comparison, logic and rounding primitives, and the piecewise ones built on comparing.

Owns: eq, ne, lt, le, gt, ge, and, or, xor, not; sign, floor, ceil, round, is_finite; max,
min, rem, floor_divide; each with all of its rules, made by the factories of
`elementwise.py` (which also owns the arithmetic their JVPs use).
Does not own exp/log/trigonometric functions (`transcendental.py`).
"""
from __future__ import annotations

import numpy as np

from functrans import core, dtypes
from functrans.primitives import elementwise

unary = elementwise.unary_elementwise
binary = elementwise.binary_elementwise
scalar_like = elementwise.scalar_like
binary_simplifier = elementwise.binary_simplifier


# --------------------------------------------------------------------------- unary: no derivative

# Piecewise-constant or integer-valued: their tangents are symbolic zeros.
sign_p = unary("sign", np.sign, kinds="fiuc", differentiable=False)   # complex: z / |z|
floor_p = unary("floor", np.floor, differentiable=False)
ceil_p = unary("ceil", np.ceil, differentiable=False)
round_p = unary("round", np.round, differentiable=False)   # half to even, as NumPy
is_finite_p = unary("is_finite", np.isfinite, kinds="fc", out_dtype=dtypes.bool_,
                    differentiable=False)
# np.invert is logical negation on bool and bitwise negation on integers.
not_p = unary("not", np.invert, kinds="biu", differentiable=False)


def sign(x):
    return sign_p.bind(x)


def floor(x):
    return floor_p.bind(x)


def ceil(x):
    return ceil_p.bind(x)


def round(x):
    return round_p.bind(x)


def is_finite(x):
    return is_finite_p.bind(x)


def not_(x):
    return not_p.bind(x)


# --------------------------------------------------------------------------- rem, floor_divide


# rem(x, y) = x - y floor(x / y) (NumPy's sign-of-divisor remainder), so
# d rem = dx - floor_divide(x, y) dy, valid away from the jumps where x / y is an integer.
rem_p = binary("rem", np.remainder,
               (lambda t, x, y, out: t,
                lambda t, x, y, out: elementwise.mul(elementwise.neg(t), floor_divide(x, y))),
               kinds="fiu")
floor_divide_p = binary("floor_divide", np.floor_divide, kinds="fiu")
rem_p.def_simplify(binary_simplifier())
floor_divide_p.def_simplify(binary_simplifier())


def rem(x, y):
    """`np.remainder(x, y)`: the result has the sign of `y`."""
    return rem_p.bind(x, y)


def floor_divide(x, y):
    return floor_divide_p.bind(x, y)


# --------------------------------------------------------------------------- max, min


def _balanced_share(t, x, y, out):
    # The tangent of the operand equal to the result, halved on ties (JAX's rule):
    # d max = [x == out] / (1 + [y == out]) dx + (the same with x and y swapped) dy.
    dtype = core.get_aval(out).dtype
    is_x = elementwise.convert_element_type(eq(x, out), dtype)
    is_y = elementwise.convert_element_type(eq(y, out), dtype)
    return elementwise.mul(t, elementwise.div(is_x, elementwise.add(is_y, scalar_like(1, out))))


def _balanced_share_y(t, x, y, out):
    return _balanced_share(t, y, x, out)


# Complex operands are ordered lexicographically (real part, then imaginary part), as NumPy's
# ufuncs and JAX's lax.max/lax.min; the JVP's equality tests need no change for them.
max_p = binary("max", np.maximum, (_balanced_share, _balanced_share_y), kinds="fiubc")
min_p = binary("min", np.minimum, (_balanced_share, _balanced_share_y), kinds="fiubc")
max_p.def_simplify(binary_simplifier())
min_p.def_simplify(binary_simplifier())


def max(x, y):
    """`np.maximum(x, y)`: NaN propagates; complex values compare lexicographically."""
    return max_p.bind(x, y)


def min(x, y):
    """`np.minimum(x, y)`: NaN propagates; complex values compare lexicographically."""
    return min_p.bind(x, y)


# --------------------------------------------------------------------------- comparisons, logic

eq_p = binary("eq", np.equal, kinds="fiubc", out_dtype=dtypes.bool_)
eq_p.commutative = True   # CSE merges `eq a b` with `eq b a` (exact)
ne_p = binary("ne", np.not_equal, kinds="fiubc", out_dtype=dtypes.bool_)
ne_p.commutative = True   # CSE merges `ne a b` with `ne b a` (exact)
# The order comparisons order complex operands lexicographically (real part, then imaginary
# part), as NumPy's ufuncs and jax.numpy's less/greater/... (JAX's lax.lt itself rejects them).
lt_p = binary("lt", np.less, kinds="fiubc", out_dtype=dtypes.bool_)
le_p = binary("le", np.less_equal, kinds="fiubc", out_dtype=dtypes.bool_)
gt_p = binary("gt", np.greater, kinds="fiubc", out_dtype=dtypes.bool_)
ge_p = binary("ge", np.greater_equal, kinds="fiubc", out_dtype=dtypes.bool_)
# The bitwise ufuncs are the logical operations on bool.
and_p = binary("and", np.bitwise_and, kinds="biu")
and_p.commutative = True   # CSE merges `and a b` with `and b a` (exact)
or_p = binary("or", np.bitwise_or, kinds="biu")
or_p.commutative = True   # CSE merges `or a b` with `or b a` (exact)
xor_p = binary("xor", np.bitwise_xor, kinds="biu")
xor_p.commutative = True   # CSE merges `xor a b` with `xor b a` (exact)
for _p in (eq_p, ne_p, lt_p, le_p, gt_p, ge_p, and_p, or_p, xor_p):
    _p.def_simplify(binary_simplifier())


def eq(x, y):
    return eq_p.bind(x, y)


def ne(x, y):
    return ne_p.bind(x, y)


def lt(x, y):
    return lt_p.bind(x, y)


def le(x, y):
    return le_p.bind(x, y)


def gt(x, y):
    return gt_p.bind(x, y)


def ge(x, y):
    return ge_p.bind(x, y)


def and_(x, y):
    """Logical and for bool, bitwise for integers."""
    return and_p.bind(x, y)


def or_(x, y):
    """Logical or for bool, bitwise for integers."""
    return or_p.bind(x, y)


def xor(x, y):
    """Logical xor for bool, bitwise for integers."""
    return xor_p.bind(x, y)


