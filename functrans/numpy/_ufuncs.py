"""Elementwise functions of `functrans.numpy`: NumPy's ufuncs built from elementwise primitives.

Owns unary math, arithmetic, comparisons, logical and bitwise functions, `power`, `where`,
`clip`, `logaddexp` and `round`. Promotion (NEP 50) and broadcasting come from `_util`; the
primitives themselves are strict. Most functions are made by two factories, one row each;
functions with their own logic are written out below them. Does not own reductions or shapes.

Differences from NumPy shared by this module: integer and bool inputs of float functions
(`sin`, `true_divide`, `arctan2`, ...) give float64 for every integer width (NumPy picks
float16/float32 for narrow integers); `out=` and `where=` are not supported.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import _nonzero, _util
from functrans.primitives import comparison, complex_parts, elementwise, transcendental

# The public names, re-exported by functrans.numpy.
__all__ = [
    "abs", "absolute", "add", "arccos", "arcsin", "arctan", "arctan2", "around", "bitwise_and",
    "bitwise_not", "bitwise_or", "bitwise_xor", "cbrt", "ceil", "clip", "cos", "cosh", "divide",
    "equal", "exp", "exp2", "expm1", "floor", "floor_divide", "greater", "greater_equal", "invert",
    "isfinite", "isinf", "isnan", "less", "less_equal", "log", "log10", "log1p", "log2",
    "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "maximum", "minimum",
    "mod", "multiply", "negative", "not_equal", "positive", "power", "reciprocal", "remainder",
    "round", "sign", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh", "true_divide",
    "where"
]

_KIND_NAMES = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "floating",
               "c": "complex"}


# --------------------------------------------------------------------------- docstrings


def _src(v) -> str:
    if isinstance(v, np.ndarray):
        return f"np.array({v.tolist()!r})"
    return repr(v)


def _doc(name: str, summary: str, args: str, example_args: tuple, note: str = "") -> str:
    """A Google-style docstring whose example output is NumPy's (the two agree)."""
    ref = getattr(np, name)(*example_args)
    call = ", ".join(_src(a) for a in example_args)
    doc = (f"{summary}, as `numpy.{name}`.\n\n"
           f"Args:\n{args}"
           "  out, where: not supported; giving them raises FunctransTypeError.\n\n"
           "Returns:\n  The result, an array of the broadcast shape (a traced value when an "
           "argument is traced).\n\n"
           f"Example:\n  >>> fnp.{name}({call})\n  {ref!r}\n")
    if note:
        doc += f"\nDifference from NumPy: {note}\n"
    return doc


_ARG1 = "  x: an array, traced value or Python scalar.\n"
_ARG2 = ("  x1, x2: arrays, traced values or Python scalars, broadcast together and promoted "
         "by NumPy 2's rules (Python scalars are weak: `f32_array * 2.0` stays float32).\n")
_FLOAT_NOTE = "integer and bool inputs give float64 whatever their width."
_EX_F = (np.array([0.5, 1.0]),)
_EX_FF = (np.array([1.0, -2.0]), np.array([3.0, 4.0]))
_EX_II = (np.array([6, 5]), np.array([3, 3]))
_EX_BB = (np.array([True, True]), np.array([True, False]))


# --------------------------------------------------------------------------- factories


def _kind_error(name: str, dtype: np.dtype, hint: str = "") -> errors.FunctransTypeError:
    kind = _KIND_NAMES.get(dtype.kind, dtype.name)
    return errors.FunctransTypeError(
        f"{name}: not supported for {kind} operands (dtype {dtype.name}){hint}.")


def _operation(prim: core.Primitive | Callable) -> Callable:
    """What a table row applies: a primitive's own `bind` (its wrapper without params is that
    bind, one call less), or a function written here."""
    return prim.bind if isinstance(prim, core.Primitive) else prim


def _unary(name: str, prim: core.Primitive | Callable, summary: str, *, kinds: str = "fc",
           identity: str = "", inexact: bool = False, hint: str = "",
           example: tuple = _EX_F) -> Callable:
    """A one-operand ufunc: `inexact` promotes ints/bools to float64 first; dtype kinds in
    `identity` return the operand unchanged; other kinds outside `kinds` raise."""

    # Dtype kinds of a tracer that go straight to the primitive (no conversion, no error).
    fast_kinds = "".join(k for k in kinds if k not in identity and (k in "fc" or not inexact))
    op = _operation(prim)

    def ufunc(x, /, *, out=None, where=None):
        if (type(x) is core.Tracer and out is None and where is None and _util.FAST_PATHS
                and x._var.aval.dtype.kind in fast_kinds):
            return op(x)
        _util.check_unsupported(name, out=out, where=where)
        x = _util.as_operand(x, name)
        if inexact:
            x = _util.to_inexact(x)
        kind = _util.aval(x).dtype.kind
        if kind in identity:
            return x
        if kind not in kinds:
            raise _kind_error(name, _util.aval(x).dtype, hint)
        return op(x)

    ufunc.__name__ = ufunc.__qualname__ = name
    ufunc.__doc__ = _doc(name, summary, _ARG1, example, _FLOAT_NOTE if inexact else "")
    return ufunc


def _binary(name: str, prim: core.Primitive, summary: str, *, kinds: str = "iufc",
            bool_prim: core.Primitive | None = None, inexact: bool = False, hint: str = "",
            example: tuple = _EX_FF) -> Callable:
    """A two-operand ufunc: operands promoted and broadcast, then one primitive.

    `inexact` promotes integer results to float64; `bool_prim` is used for bool operands
    (NumPy's `add` of bools is `or`); other dtype kinds outside `kinds` raise.
    """

    # Result dtype kinds of the fast path: those that bind a primitive (the others raise).
    fast_kinds = ("".join(k for k in kinds if k in "fc") if inexact
                  else kinds + ("b" if bool_prim else ""))
    op = prim.bind
    bool_op = bool_prim.bind if bool_prim is not None else None

    def ufunc(x1, x2, /, *, out=None, where=None):
        if out is None and where is None and _util.FAST_PATHS:
            fast = _util.fast_binary_operands(x1, x2, fast_kinds)
            if fast is not None:
                if fast[2].kind == "b" and bool_op is not None:
                    return bool_op(fast[0], fast[1])
                return op(fast[0], fast[1])
        _util.check_unsupported(name, out=out, where=where)
        (x, y), dtype = _util.elementwise_operands(name, x1, x2, inexact=inexact)
        if dtype.kind == "b" and bool_op is not None:
            return bool_op(x, y)
        if dtype.kind not in kinds:
            raise _kind_error(name, dtype, hint)
        return op(x, y)

    ufunc.__name__ = ufunc.__qualname__ = name
    ufunc.__doc__ = _doc(name, summary, _ARG2, example, _FLOAT_NOTE if inexact else "")
    return ufunc


def _logical(name: str, prim: core.Primitive, summary: str) -> Callable:
    """A logical ufunc: nonzero operands count as True; the result is bool."""

    def ufunc(x1, x2, /, *, out=None, where=None):
        _util.check_unsupported(name, out=out, where=where)
        x, y = _to_bool(x1, name), _to_bool(x2, name)
        (x, y), _ = _util.elementwise_operands(name, x, y)
        return prim.bind(x, y)

    ufunc.__name__ = ufunc.__qualname__ = name
    ufunc.__doc__ = _doc(name, summary, _ARG2, _EX_BB)
    return ufunc


def _to_bool(x, name: str = "bool conversion"):
    """`x != 0` (NumPy's truth value of numbers); bool values unchanged."""
    x = _util.as_operand(x, name)
    if _util.aval(x).dtype.kind == "b":
        return x
    return not_equal(x, 0)


# --------------------------------------------------------------------------- unary functions

_NO_BOOL = ("; NumPy does not define it for bool either: use logical_not / ~ or convert with "
            "astype")

sin = _unary("sin", transcendental.sin_p, "Elementwise sine", inexact=True)
cos = _unary("cos", transcendental.cos_p, "Elementwise cosine", inexact=True)
tan = _unary("tan", transcendental.tan_p, "Elementwise tangent", inexact=True)
arcsin = _unary("arcsin", transcendental.asin_p, "Elementwise inverse sine", inexact=True)
arccos = _unary("arccos", transcendental.acos_p, "Elementwise inverse cosine", inexact=True)
arctan = _unary("arctan", transcendental.atan_p, "Elementwise inverse tangent", inexact=True)
sinh = _unary("sinh", transcendental.sinh_p, "Elementwise hyperbolic sine", inexact=True)
cosh = _unary("cosh", transcendental.cosh_p, "Elementwise hyperbolic cosine", inexact=True)
tanh = _unary("tanh", transcendental.tanh_p, "Elementwise hyperbolic tangent", inexact=True)
exp = _unary("exp", transcendental.exp_p, "Elementwise e**x", inexact=True)
exp2 = _unary("exp2", transcendental.exp2_p, "Elementwise 2**x", inexact=True)
expm1 = _unary("expm1", transcendental.expm1_p,
               "Elementwise exp(x) - 1, accurate near 0", inexact=True)
log = _unary("log", transcendental.log_p, "Elementwise natural logarithm", inexact=True)
log2 = _unary("log2", transcendental.log2_p, "Elementwise base-2 logarithm", inexact=True)
log10 = _unary("log10", transcendental.log10_p, "Elementwise base-10 logarithm", inexact=True)
log1p = _unary("log1p", transcendental.log1p_p,
               "Elementwise log(1 + x), accurate near 0", inexact=True)
sqrt = _unary("sqrt", transcendental.sqrt_p, "Elementwise square root", inexact=True)
cbrt = _unary("cbrt", transcendental.cbrt_p, "Elementwise cube root", kinds="f", inexact=True)
negative = _unary("negative", elementwise.neg_p, "Elementwise negation", kinds="iufc",
                  hint=_NO_BOOL)
positive = _unary("positive", lambda x: x, "Elementwise identity (+x)", kinds="iufc",
                  hint=_NO_BOOL)
abs = _unary("abs", transcendental.abs_p, "Elementwise absolute value", kinds="ifc", identity="bu",
             example=(np.array([-1.5, 2.0]),))
absolute = _unary("absolute", transcendental.abs_p,
                  "Elementwise absolute value", kinds="ifc", identity="bu",
                  example=(np.array([-1.5, 2.0]),))
sign = _unary("sign", comparison.sign_p,
              "Elementwise sign (-1, 0 or 1; nan stays nan)", kinds="iufc",
              hint=_NO_BOOL, example=(np.array([-1.5, 0.0, 2.0]),))
floor = _unary("floor", comparison.floor_p, "Elementwise floor", identity="biu",
               example=(np.array([-1.5, 2.5]),))
ceil = _unary("ceil", comparison.ceil_p, "Elementwise ceiling", identity="biu",
              example=(np.array([-1.5, 2.5]),))
def _square(x):
    # NumPy squares bools in int8 (True**2 == 1).
    if _util.aval(x).dtype.kind == "b":
        x = _util.convert(x, np.dtype(np.int8))
    return elementwise.integer_pow(x, 2)


square = _unary("square", _square, "Elementwise x**2 (bool input gives int8, as NumPy)",
                kinds="biufc")
invert = _unary("invert", comparison.not_p, "Elementwise bitwise NOT (logical NOT for bool)",
                kinds="biu", example=(np.array([True, False]),))
bitwise_not = invert


def reciprocal(x, /, *, out=None, where=None):
    """Elementwise 1/x, as `numpy.reciprocal`.

    Args:
      x: an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      `1 / x` (one `div` primitive) for floats. Integers follow NumPy's integer division:
      1 and -1 are their own reciprocals, other values give 0; bools give int8 (as NumPy).

    Example:
      >>> fnp.reciprocal(np.array([2.0, 4.0]))
      array([0.5 , 0.25])

    Difference from NumPy: the integer reciprocal of 0 is 0 (NumPy returns an arbitrary
    value with a warning).
    """
    _util.check_unsupported("reciprocal", out=out, where=where)
    x = _util.as_operand(x, "reciprocal")
    kind = _util.aval(x).dtype.kind
    if kind in "fc":
        return true_divide(1.0, x)
    if kind == "b":
        x = _util.convert(x, np.dtype(np.int8), False)   # NumPy's loop for bool is int8's
    # C integer division 1 / x truncates to 0 unless |x| == 1, where it is x itself.
    return _where(equal(abs(x), 1), x, 0)


def isfinite(x, /, *, out=None, where=None):
    """Elementwise test for finite values (not inf, not nan), as `numpy.isfinite`.

    Args:
      x: an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A bool array of x's shape (a constant of all True for integer and bool inputs).

    Example:
      >>> fnp.isfinite(np.array([1.0, np.inf, np.nan]))
      array([ True, False, False])
    """
    _util.check_unsupported("isfinite", out=out, where=where)
    return _float_test(x, "isfinite", comparison.is_finite, True)


def isnan(x, /, *, out=None, where=None):
    """Elementwise test for nan, as `numpy.isnan`.

    Args:
      x: an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A bool array of x's shape (nan is the only value unequal to itself).

    Example:
      >>> fnp.isnan(np.array([1.0, np.nan]))
      array([False,  True])
    """
    _util.check_unsupported("isnan", out=out, where=where)
    return _float_test(x, "isnan", lambda v: comparison.ne(v, v), False)


def isinf(x, /, *, out=None, where=None):
    """Elementwise test for +inf or -inf, as `numpy.isinf`.

    Args:
      x: an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A bool array of x's shape.

    Example:
      >>> fnp.isinf(np.array([1.0, -np.inf]))
      array([False,  True])
    """
    _util.check_unsupported("isinf", out=out, where=where)
    return _float_test(x, "isinf", lambda v: equal(transcendental.abs(v), np.inf), False)


def _float_test(x, name: str, test: Callable, int_answer: bool):
    x = _util.as_operand(x, name)
    a = _util.aval(x)
    if dtypes.is_inexact(a.dtype):
        return test(x)
    # Integers and bools are always finite and never nan: the answer is a constant.
    return _util.in_namespace(np.full(a.shape, int_answer), x)


def logical_not(x, /, *, out=None, where=None):
    """Elementwise logical NOT (nonzero counts as True), as `numpy.logical_not`.

    Args:
      x: an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A bool array of x's shape.

    Example:
      >>> fnp.logical_not(np.array([0.0, 2.0]))
      array([ True, False])
    """
    _util.check_unsupported("logical_not", out=out, where=where)
    x = _util.as_operand(x, "logical_not")
    if _util.aval(x).dtype.kind == "b":
        return comparison.not_(x)
    return equal(x, 0)


def round(a, decimals=0, out=None):
    """Round half to even, to `decimals` places, as `numpy.round`.

    Args:
      a: an array, traced value or Python scalar.
      decimals: number of decimal places (negative: round to tens, hundreds, ...).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      An array of a's dtype. With `decimals != 0` it is computed as NumPy does:
      `round(a * 10**decimals) / 10**decimals`. Complex values: the real and imaginary
      parts are rounded each.

    Example:
      >>> fnp.round(np.array([0.5, 1.5, 2.675]), 2)
      array([0.5 , 1.5 , 2.68])

    Difference from NumPy: integer inputs with negative `decimals` and bool inputs raise.
    """
    _util.check_unsupported("round", out=out)
    a = _util.as_operand(a, "round")
    dtype = _util.aval(a).dtype
    if dtype.kind in "iu" and decimals >= 0:
        return a
    if dtype.kind == "c":   # the real and imaginary parts each (NumPy's and JAX's rule)
        return complex_parts.complex_(round(complex_parts.real(a), decimals),
                                      round(complex_parts.imag(a), decimals))
    if dtype.kind != "f":
        raise _kind_error("round", dtype, " with these decimals; convert to float first")
    if decimals == 0:
        return comparison.round(a)
    # A weak Python float keeps a's dtype (float32 stays float32), as in NumPy.
    scale = 10.0 ** (decimals if decimals > 0 else -decimals)
    if decimals > 0:
        return true_divide(comparison.round(multiply(a, scale)), scale)
    return multiply(comparison.round(true_divide(a, scale)), scale)


around = round


# --------------------------------------------------------------------------- binary functions

add = _binary("add", elementwise.add_p,
              "Elementwise sum (logical OR for bools)", bool_prim=comparison.or_p)
subtract = _binary("subtract", elementwise.sub_p, "Elementwise difference",
                   hint="; NumPy refuses it too: use logical_xor or ^ for bools")
multiply = _binary("multiply", elementwise.mul_p, "Elementwise product (logical AND for bools)",
                   bool_prim=comparison.and_p)
true_divide = _binary("true_divide", elementwise.div_p, "Elementwise true division", inexact=True)
divide = _binary("divide", elementwise.div_p, "Elementwise true division", inexact=True)
floor_divide = _binary("floor_divide", comparison.floor_divide_p, "Elementwise floor division",
                       kinds="iuf", hint="; convert bools to integers first", example=_EX_II)
remainder = _binary("remainder", comparison.rem_p,
                    "Elementwise remainder with the sign of the divisor", kinds="iuf",
                    hint="; convert bools to integers first", example=_EX_II)
mod = _binary("mod", comparison.rem_p, "Elementwise remainder with the sign of the divisor",
              kinds="iuf", hint="; convert bools to integers first", example=_EX_II)
# Complex values are ordered lexicographically (real part, then imaginary part) by maximum,
# minimum and the order comparisons, as NumPy and jax.numpy order them.
maximum = _binary("maximum", comparison.max_p, "Elementwise maximum (nan propagates)",
                  kinds="biufc")
minimum = _binary("minimum", comparison.min_p, "Elementwise minimum (nan propagates)",
                  kinds="biufc")
arctan2 = _binary("arctan2", transcendental.atan2_p,
                  "Elementwise arctan(x1 / x2) in the right quadrant", kinds="iuf",
                  inexact=True)
def _comparison(name: str, prim: core.Primitive, summary: str, kinds: str = "biuf") -> Callable:
    """A comparison ufunc; a Python int beyond an integer operand's range compares exactly
    (NumPy 2), where promotion alone would overflow."""
    base = _binary(name, prim, summary, kinds=kinds)

    def ufunc(x1, x2, /, *, out=None, where=None):
        if type(x1) is int or type(x2) is int:
            got = _util.beyond_int_range(name, x1, x2)
            if got is not None:
                _util.check_unsupported(name, out=out, where=where)
                return got
        return base(x1, x2, out=out, where=where)

    ufunc.__name__ = ufunc.__qualname__ = name
    ufunc.__doc__ = base.__doc__
    return ufunc


equal = _comparison("equal", comparison.eq_p, "Elementwise x1 == x2", kinds="biufc")
not_equal = _comparison("not_equal", comparison.ne_p, "Elementwise x1 != x2",
                        kinds="biufc")
less = _comparison("less", comparison.lt_p, "Elementwise x1 < x2", kinds="biufc")
less_equal = _comparison("less_equal", comparison.le_p, "Elementwise x1 <= x2", kinds="biufc")
greater = _comparison("greater", comparison.gt_p, "Elementwise x1 > x2", kinds="biufc")
greater_equal = _comparison("greater_equal", comparison.ge_p, "Elementwise x1 >= x2",
                            kinds="biufc")
bitwise_and = _binary("bitwise_and", comparison.and_p, "Elementwise bitwise AND", kinds="biu",
                      example=_EX_II)
bitwise_or = _binary("bitwise_or", comparison.or_p, "Elementwise bitwise OR", kinds="biu",
                     example=_EX_II)
bitwise_xor = _binary("bitwise_xor", comparison.xor_p, "Elementwise bitwise XOR", kinds="biu",
                      example=_EX_II)
logical_and = _logical("logical_and", comparison.and_p, "Elementwise logical AND")
logical_or = _logical("logical_or", comparison.or_p, "Elementwise logical OR")
logical_xor = _logical("logical_xor", comparison.xor_p, "Elementwise logical XOR")


def power(x1, x2, /, *, out=None, where=None):
    """Elementwise `x1 ** x2`, as `numpy.power`.

    A Python int exponent (or an integer-valued Python float) becomes one `integer_pow`
    primitive, another Python float one `pow` with a scalar operand; results equal NumPy's.

    Args:
      x1, x2: arrays, traced values or Python scalars, broadcast and promoted (NEP 50).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The powers. Integers stay integers.

    Raises:
      FunctransValueError: integers to a negative integer power (NumPy raises too).

    Example:
      >>> fnp.power(np.array([1.0, 2.0, 3.0]), 2)
      array([1., 4., 9.])

    Difference from NumPy: a traced integer exponent array is evaluated by repeated squaring
    and gives unspecified results for negative exponents (they cannot be checked).
    """
    if type(x1) is core.Tracer and out is None and where is None and _util.FAST_PATHS:
        # A float tracer to a small integral Python power: promotion changes neither.
        a = x1._var.aval
        t2 = type(x2)
        if (a.dtype.kind in "fc" and (t2 is int or (t2 is float and x2.is_integer()))
                and -2**31 < x2 < 2**31 and _util.plain_aval(a)):
            return elementwise.integer_pow_p.bind(x1, y=int(x2))
    _util.check_unsupported("power", out=out, where=where)
    x1 = _util.as_operand(x1, "power")
    x2 = _util.as_operand(x2, "power")
    if _is_integral_scalar(x2):
        (x, _), dtype, _ = _util.promote(x1, x2)
        if dtype.kind in "iu" and x2 < 0:
            raise errors.FunctransValueError(
                f"power: integers to negative integer powers are not allowed (exponent "
                f"{x2!r}); use a float base or exponent.")
        return elementwise.integer_pow(x, int(x2))
    (x, y), dtype = _util.elementwise_operands("power", x1, x2)
    if dtype.kind in "fc":
        return transcendental.pow(x, y)
    if dtype.kind in "iu":
        return _integer_power(x, y)
    raise _kind_error("power", dtype, "; convert bools to integers first")


def _is_integral_scalar(y) -> bool:
    """A Python int, or an integer-valued Python float small enough for integer_pow."""
    if not _util.is_python_scalar(y) or isinstance(y, (bool, complex)):
        return False
    return float(y).is_integer() and -2**31 < y < 2**31


def _integer_power(x, y):
    """Integer `x ** y` by repeated squaring (wraps around on overflow, as NumPy does)."""
    y_aval = _util.aval(y)
    shape = _util.broadcast_shapes(_util.aval(x).shape, y_aval.shape)
    if isinstance(y, np.ndarray | np.generic):
        if np.any(y < 0):
            raise errors.FunctransValueError(
                "power: integers to negative integer powers are not allowed; use a float "
                "base or exponent.")
        nbits = int(np.max(y, initial=0)).bit_length()
    else:
        nbits = 8 * y_aval.dtype.itemsize - (y_aval.dtype.kind == "i")
    acc = np.ones((), _util.aval(x).dtype)
    for _ in range(nbits):
        acc = _where(equal(remainder(y, 2), 1), multiply(acc, x), acc)
        x = multiply(x, x)
        y = floor_divide(y, 2)
    return _util.broadcast_to_shape(acc, shape, "power")


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """Choose `x` where `condition` is true, else `y`, as `numpy.where` (one `select`); with
    the condition alone, the indices of its true elements (`nonzero`).

    Args:
      condition: bool array (other dtypes: nonzero is True).
      x, y: arrays, traced values or Python scalars; all three broadcast together and x, y
        are promoted to one dtype. Give both or neither.
      size, fill_value: only for `where(condition)`: JAX's static output size and padding
        (see `nonzero`), needed when `condition` is traced.

    Returns:
      An array of the broadcast shape; for `where(condition)`, `nonzero(condition)`.

    Raises:
      FunctransTypeError: only one of x and y, or `size`/`fill_value` with x and y.
      ConcretizationError: `where(condition)` of a traced condition without `size=`.

    Example:
      >>> fnp.where(np.array([True, False]), 1.0, np.array([5.0, 6.0]))
      array([1., 6.])
      >>> fnp.where(np.array([0, 3, 0, 5]))
      (array([1, 3]),)
    """
    if x is None and y is None:
        if size is None:
            _nonzero._require_concrete("where", "condition", condition,
                                       "where(condition, size=N, fill_value=0)")
        return _nonzero.nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise errors.FunctransTypeError(
            "where: give both x and y (a choice), or neither (the indices of the true "
            "elements, as nonzero).")
    if size is not None or fill_value is not None:
        raise errors.FunctransTypeError(
            "where: size and fill_value apply to where(condition) alone (the nonzero form); "
            "drop them when giving x and y.")
    return _where(condition, x, y)


def _where(condition, x, y):
    c = _to_bool(condition, "where")
    (x, y), _ = _util.elementwise_operands("where", x, y)
    shape = _util.broadcast_shapes(*[_util.aval(v).shape for v in (c, x, y)], fname="where")
    x = _util.broadcast_to_shape(x, shape, "where")
    y = _util.broadcast_to_shape(y, shape, "where")
    if _util.aval(c).ndim:
        c = _util.broadcast_to_shape(c, shape, "where")
    return elementwise.select(c, x, y)


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    """Limit values to `[a_min, a_max]`, as `numpy.clip` (`minimum(maximum(a, lo), hi)`).

    Args:
      a: an array, traced value or Python scalar.
      a_min, a_max: bounds (arrays broadcast; None: no bound on that side). `min` and
        `max` are NumPy 2's keyword aliases.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      The clipped array; promotion as NumPy's (`clip(int_array, 0.5, 2.5)` is float64).

    Example:
      >>> fnp.clip(np.array([-1.0, 0.5, 3.0]), 0.0, 1.0)
      array([0. , 0.5, 1. ])
    """
    _util.check_unsupported("clip", out=out)
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    result = _util.as_array(a, "clip")
    lo, hi = _util.int_bound(lo, result), _util.int_bound(hi, result)
    if lo is not None:
        result = maximum(result, lo)
    if hi is not None:
        result = minimum(result, hi)
    return result


def logaddexp(x1, x2, /, *, out=None, where=None):
    """Elementwise `log(exp(x1) + exp(x2))` without overflow, as `numpy.logaddexp`.

    One `logaddexp` primitive evaluated by NumPy itself, whose derivative
    `exp(x1 - out) dx1 + exp(x2 - out) dx2` is smooth where `x1 == x2` (so second derivatives
    are right there too; a max/log1p composition would lose them at ties).

    Args:
      x1, x2: arrays, traced values or Python scalars (broadcast, promoted to float).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A float array of the broadcast shape.

    Example:
      >>> fnp.logaddexp(np.array([0.0, -np.inf]), np.array([0.0, -np.inf]))
      array([0.69314718,       -inf])
    """
    _util.check_unsupported("logaddexp", out=out, where=where)
    (x, y), _ = _util.elementwise_operands("logaddexp", x1, x2, inexact=True)
    return transcendental.logaddexp(x, y)
