"""`functrans.numpy`: dtype helpers and the real/complex predicates.

Owns the dtype queries `can_cast`, `promote_types`, `result_type`, `isdtype`, `issubdtype`
and the object queries `iterable`, `isscalar`, which answer with Python values (bools and
NumPy dtypes), never traced ones; and, for real values, the complex-family functions JAX has:
`real`, `conj`, `conjugate` (identities), `imag` (zeros), `angle`, `iscomplex`, `isreal`,
`iscomplexobj`, `isrealobj`. functrans has no complex numbers yet (issue 14 adds them): a
complex argument raises the error every functrans.numpy function raises for one.
`result_type` follows functrans' own promotion (`functrans.dtypes.result_type`, NEP 50 weak
Python scalars), so it names the dtype functrans.numpy operations return. Owns no primitive.
"""
from __future__ import annotations

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import _creation, _ufuncs, _util

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "angle", "can_cast", "conj", "conjugate", "imag", "iscomplex", "iscomplexobj", "isdtype",
    "isreal", "isrealobj", "isscalar", "issubdtype", "iterable", "promote_types", "real",
    "result_type",
]


# --------------------------------------------------------------------------- dtype queries


def _is_dtype_like(x) -> bool:
    """A dtype, a scalar type (`np.float32`, `float`) or a dtype name, rather than a value."""
    if isinstance(x, (np.dtype, str)):
        return True
    return isinstance(x, type) and issubclass(x, (np.generic, bool, int, float, complex))


def _as_dtype(x, fname: str, argname: str) -> np.dtype:
    try:
        return np.dtype(x)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}`={x!r} is not a dtype; pass a NumPy dtype, a scalar type such "
            "as np.float32, or a dtype name such as 'float32'.") from e


def _dtype_of(x, fname: str, argname: str) -> np.dtype:
    """The dtype of a dtype-like, an array or a traced value (Python scalars are rejected)."""
    if _is_dtype_like(x):
        return _as_dtype(x, fname, argname)
    if _util.is_python_scalar(x):
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` is the Python scalar {x!r}, whose dtype depends on what it "
            "meets (NEP 50); pass a dtype or an array (NumPy 2 refuses Python scalars too).")
    return _util.aval(_util.as_array(x, fname)).dtype


def can_cast(from_, to, casting="safe"):
    """Whether `from_` can be cast to `to` under the `casting` rule, as `numpy.can_cast`.

    Args:
      from_: a dtype, an array or a traced value (its dtype). Python scalars raise, as in
        NumPy 2.
      to: a dtype.
      casting: 'no', 'equiv', 'safe', 'same_kind' or 'unsafe'.

    Returns:
      A Python bool (also for a traced `from_`: only its dtype matters).

    Example:
      >>> fnp.can_cast(np.int8, np.float32), fnp.can_cast(np.float64, np.int64)
      (True, False)
    """
    src = _dtype_of(from_, "can_cast", "from_")
    return bool(np.can_cast(src, _as_dtype(to, "can_cast", "to"), casting))


def promote_types(type1, type2):
    """The smallest dtype both dtypes cast to safely, as `numpy.promote_types`.

    Args:
      type1, type2: dtypes (or scalar types, or dtype names).

    Returns:
      A NumPy dtype (dtypes are metadata: any NumPy dtype is answered, complex ones too).

    Example:
      >>> fnp.promote_types(np.int8, np.uint8)
      dtype('int16')
    """
    return np.promote_types(_as_dtype(type1, "promote_types", "type1"),
                            _as_dtype(type2, "promote_types", "type2"))


def _promotion_operand(x):
    """A dtype (strongly typed) or an aval (weak for Python scalars and weak traced values)."""
    if _is_dtype_like(x):
        return _as_dtype(x, "result_type", "argument")
    return _util.aval(_util.as_operand(x, "result_type"))


def result_type(*arrays_and_dtypes):
    """The dtype NumPy 2's promotion gives its arguments, as `numpy.result_type`.

    Args:
      *arrays_and_dtypes: arrays, traced values, Python scalars and dtypes. Python scalars
        (and traced values made from them) are weak (NEP 50): `result_type(float32_value,
        2.0)` is float32, the dtype `float32_value + 2.0` has.

    Returns:
      A NumPy dtype: the one functrans.numpy's operations give these operands (its promotion
      is NumPy 2's).

    Example:
      >>> fnp.result_type(np.ones(2, np.float32), 2.0), fnp.result_type(np.int8, 2.0)
      (dtype('float32'), dtype('float64'))
    """
    if not arrays_and_dtypes:
        raise errors.FunctransValueError(
            "result_type: at least one array or dtype is required.")
    dtype, _ = dtypes.result_type(*[_promotion_operand(x) for x in arrays_and_dtypes])
    return dtype


def isdtype(dtype, kind):
    """Whether `dtype` is of `kind`, as `numpy.isdtype` (the Array API's dtype query).

    Args:
      dtype: a dtype (or a scalar type).
      kind: a dtype, or one of 'bool', 'signed integer', 'unsigned integer', 'integral',
        'real floating', 'complex floating', 'numeric', or a tuple of them.

    Returns:
      A Python bool.

    Example:
      >>> fnp.isdtype(np.float32, "real floating"), fnp.isdtype(np.uint8, "signed integer")
      (True, False)
    """
    return bool(np.isdtype(_as_dtype(dtype, "isdtype", "dtype"), kind))


def issubdtype(arg1, arg2):
    """Whether `arg1` is below `arg2` in NumPy's dtype hierarchy, as `numpy.issubdtype`.

    Args:
      arg1: a dtype (or a scalar type, or a name).
      arg2: a dtype or an abstract type such as `np.floating`, `np.integer`.

    Returns:
      A Python bool.

    Example:
      >>> fnp.issubdtype(np.float32, np.floating), fnp.issubdtype(np.int8, np.unsignedinteger)
      (True, False)
    """
    return bool(np.issubdtype(arg1, arg2))


def iterable(y):
    """Whether `y` can be iterated over, as `numpy.iterable`.

    Returns:
      A Python bool: True for sequences and for arrays and traced values of rank >= 1, False
      for scalars and rank-0 values.

    Example:
      >>> fnp.iterable([1, 2]), fnp.iterable(np.array(1.0))
      (True, False)
    """
    return bool(np.iterable(y))


def isscalar(element):
    """Whether `element` is a scalar, as `jax.numpy.isscalar`.

    Returns:
      A Python bool: True for Python and NumPy scalars (as `numpy.isscalar`) and, as in JAX,
      for rank-0 arrays and rank-0 traced values; False for other arrays and for objects that
      are not array-like (None, lists, ...).

    Difference from NumPy: a rank-0 array counts as a scalar (NumPy says False). This is
    JAX's rule, and keeps the answer the same under `jit`, where a Python scalar argument
    becomes a rank-0 traced value.

    Example:
      >>> fnp.isscalar(1.0), fnp.isscalar(np.array(1.0)), fnp.isscalar(np.array([1.0]))
      (True, True, False)
    """
    if np.isscalar(element):
        return True
    if isinstance(element, (np.ndarray, core.Tracer)):
        return _util.aval(element).ndim == 0
    return False


# --------------------------------------------------------------------------- complex family


def _real_operand(x, fname: str):
    """`x` as an operand; complex values raise (complex numbers are not supported yet)."""
    return _util.as_array(x, fname)


def real(val):
    """The real part of `val`, as `numpy.real`: for real values, `val` itself.

    Args:
      val: an array, traced value or Python scalar (real: bool, integer or floating).

    Returns:
      `val` (as an array), of its dtype. Derivative: the identity.

    Raises:
      FunctransTypeError: complex input (complex numbers are not supported yet; issue 14).

    Example:
      >>> fnp.real(np.array([1.5, -2.0]))
      array([ 1.5, -2. ])
    """
    return _real_operand(val, "real")


def imag(val):
    """The imaginary part of `val`, as `numpy.imag`: for real values, zeros.

    Args:
      val: an array, traced value or Python scalar (real: bool, integer or floating).

    Returns:
      Zeros of val's shape and dtype (a constant: the derivative is zero).

    Raises:
      FunctransTypeError: complex input (complex numbers are not supported yet; issue 14).

    Example:
      >>> fnp.imag(np.array([1.5, -2.0]))
      array([0., 0.])
    """
    return _creation.zeros_like(_real_operand(val, "imag"))


def conjugate(x, /, *, out=None, where=None):
    """The complex conjugate, as `numpy.conjugate`: for real values, `x` itself.

    Args:
      x: an array, traced value or Python scalar (real: bool, integer or floating).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      `x`, of its dtype (bool gives int8, as in NumPy). Derivative: the identity.

    Raises:
      FunctransTypeError: complex input (complex numbers are not supported yet; issue 14).

    Example:
      >>> fnp.conjugate(np.array([1.5, -2.0]))
      array([ 1.5, -2. ])
    """
    _util.check_unsupported("conjugate", out=out, where=where)
    x = _real_operand(x, "conjugate")
    if _util.aval(x).dtype.kind == "b":
        return _util.convert(x, np.dtype(np.int8))
    return x


conj = conjugate


def angle(z, deg=False):
    """The angle of `z` in the complex plane, as `numpy.angle`: for real values, 0 or pi.

    Args:
      z: an array, traced value or Python scalar (real: bool, integer or floating).
      deg: return degrees (0 or 180) instead of radians.

    Returns:
      `arctan2(0, z)`, as NumPy computes it: 0 for `z > 0` and `+0.0`, pi for `z < 0` and
      `-0.0`, nan for nan; a float array (integers and bools give float64).

    Derivative: zero, except at `z == 0` where it is nan (the derivative of `arctan2(0, z)`
    there, as in JAX for real input).

    Raises:
      FunctransTypeError: complex input (complex numbers are not supported yet; issue 14).

    Example:
      >>> fnp.angle(np.array([2.0, -2.0]))
      array([0.        , 3.14159265])
    """
    out = _ufuncs.arctan2(0, _real_operand(z, "angle"))
    if deg:
        out = _ufuncs.multiply(out, 180.0 / np.pi)
    return out


def iscomplex(x):
    """Whether each element has a nonzero imaginary part, as `numpy.iscomplex`.

    Returns:
      For real input, an all-False bool array of x's shape (a constant).

    Raises:
      FunctransTypeError: complex input (complex numbers are not supported yet; issue 14).

    Example:
      >>> fnp.iscomplex(np.array([1.0, 2.0]))
      array([False, False])
    """
    return np.zeros(_util.aval(_real_operand(x, "iscomplex")).shape, dtypes.bool_)


def isreal(x):
    """Whether each element has a zero imaginary part, as `numpy.isreal`.

    Returns:
      For real input, an all-True bool array of x's shape (a constant).

    Raises:
      FunctransTypeError: complex input (complex numbers are not supported yet; issue 14).

    Example:
      >>> fnp.isreal(np.array([1.0, 2.0]))
      array([ True,  True])
    """
    return np.ones(_util.aval(_real_operand(x, "isreal")).shape, dtypes.bool_)


def iscomplexobj(x):
    """Whether `x` has a complex dtype, as `numpy.iscomplexobj`.

    Returns:
      False for every value functrans supports (a Python bool).

    Raises:
      FunctransTypeError: complex input (complex numbers are not supported yet; issue 14).

    Example:
      >>> fnp.iscomplexobj(np.array([1.0]))
      False
    """
    _real_operand(x, "iscomplexobj")
    return False


def isrealobj(x):
    """Whether `x` has a real (not complex) dtype, as `numpy.isrealobj`.

    Returns:
      True for every value functrans supports (a Python bool).

    Raises:
      FunctransTypeError: complex input (complex numbers are not supported yet; issue 14).

    Example:
      >>> fnp.isrealobj(np.array([1.0]))
      True
    """
    _real_operand(x, "isrealobj")
    return True
