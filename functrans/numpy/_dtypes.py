"""`functrans.numpy`: dtype helpers and the real/complex predicates.

Owns the dtype queries `can_cast`, `promote_types`, `result_type`, `isdtype`, `issubdtype`
and the object queries `iterable`, `isscalar`, which answer with Python values (bools and
NumPy dtypes), never traced ones; and the complex family: `real`, `imag`, `conj`,
`conjugate`, `angle`, `iscomplex`, `isreal`, `iscomplexobj`, `isrealobj`, `real_if_close`,
`sort_complex` (built on the primitives of `functrans.primitives.complex_parts`).
`result_type` follows functrans' own promotion (`functrans.dtypes.result_type`, NEP 50 weak
Python scalars), so it names the dtype functrans.numpy operations return. Owns no primitive.
"""
from __future__ import annotations

import numpy as np

from functrans import dtypes, errors
from functrans.numpy import _creation, _ufuncs, _util
from functrans.primitives import complex_parts, sorting

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "angle", "can_cast", "conj", "conjugate", "imag", "iscomplex", "iscomplexobj", "isdtype",
    "isreal", "isrealobj", "isscalar", "issubdtype", "iterable", "promote_types", "real",
    "real_if_close", "result_type", "sort_complex",
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
    if isinstance(element, np.ndarray) or _util.is_deferred(element):
        return _util.aval(element).ndim == 0
    return False


# --------------------------------------------------------------------------- complex family


def _is_complex(x) -> bool:
    return dtypes.is_complex(_util.aval(x).dtype)


def real(val):
    """The real part of `val`, as `numpy.real`: for real values, `val` itself.

    Args:
      val: an array, traced value or Python scalar.

    Returns:
      For complex input, its real part (float64 for complex128, float32 for complex64);
      otherwise `val` (as an array) of its dtype. Derivative: the real part of the tangent;
      its transpose maps a real cotangent `c` to `c + 0j` (JAX's convention).

    Example:
      >>> fnp.real(np.array([1.5 + 2j, -2.0]))
      array([ 1.5, -2. ])
    """
    val = _util.as_array(val, "real")
    return complex_parts.real(val) if _is_complex(val) else val


def imag(val):
    """The imaginary part of `val`, as `numpy.imag`: for real values, zeros.

    Args:
      val: an array, traced value or Python scalar.

    Returns:
      For complex input, its imaginary part (a float array); otherwise zeros of val's shape
      and dtype (a constant: the derivative is zero). The transpose of the imaginary part
      maps a real cotangent `c` to `-1j * c` (JAX's convention).

    Example:
      >>> fnp.imag(np.array([1.5 + 2j, -2.0]))
      array([2., 0.])
    """
    val = _util.as_array(val, "imag")
    if _is_complex(val):
        return complex_parts.imag(val)
    return _creation.zeros_like(val)


def conjugate(x, /, *, out=None, where=None):
    """The complex conjugate, as `numpy.conjugate`: for real values, `x` itself.

    Args:
      x: an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      `conj(x)`; real input is returned as it is (bool gives int8, as in NumPy).
      Derivative: `conj(dx)` (not complex-linear: the Wirtinger derivative is in `conj(dz)`).

    Example:
      >>> fnp.conjugate(np.array([1.5 + 1j, -2.0]))
      array([ 1.5-1.j, -2. -0.j])
    """
    _util.check_unsupported("conjugate", out=out, where=where)
    x = _util.as_array(x, "conjugate")
    kind = _util.aval(x).dtype.kind
    if kind == "c":
        return complex_parts.conj(x)
    if kind == "b":
        return _util.convert(x, np.dtype(np.int8))
    return x


conj = conjugate


def angle(z, deg=False):
    """The angle of `z` in the complex plane, as `numpy.angle`.

    Args:
      z: an array, traced value or Python scalar.
      deg: return degrees instead of radians.

    Returns:
      `arctan2(imag(z), real(z))`, a float array (integers and bools give float64): for
      real values 0 for `z > 0` and `+0.0`, pi for `z < 0` and `-0.0`, nan for nan.

    Derivative: that of `arctan2(imag(z), real(z))`, as JAX's (for real input zero, except
    at `z == 0` where it is nan).

    Example:
      >>> fnp.angle(np.array([2.0, -2.0, 1j]))
      array([0.        , 3.14159265, 1.57079633])
    """
    z = _util.as_array(z, "angle")
    if _is_complex(z):
        out = _ufuncs.arctan2(complex_parts.imag(z), complex_parts.real(z))
    else:
        out = _ufuncs.arctan2(0, z)
    if deg:
        out = _ufuncs.multiply(out, 180.0 / np.pi)
    return out


def iscomplex(x):
    """Whether each element has a nonzero imaginary part, as `numpy.iscomplex`.

    Returns:
      A bool array of x's shape (for real input an all-False constant).

    Example:
      >>> fnp.iscomplex(np.array([1.0 + 1j, 2.0]))
      array([ True, False])
    """
    x = _util.as_array(x, "iscomplex")
    if _is_complex(x):
        return _ufuncs.not_equal(complex_parts.imag(x), 0)
    return _util.in_namespace(np.zeros(_util.aval(x).shape, dtypes.bool_), x)


def isreal(x):
    """Whether each element has a zero imaginary part, as `numpy.isreal`.

    Returns:
      A bool array of x's shape (for real input an all-True constant).

    Example:
      >>> fnp.isreal(np.array([1.0 + 1j, 2.0]))
      array([False,  True])
    """
    x = _util.as_array(x, "isreal")
    if _is_complex(x):
        return _ufuncs.equal(complex_parts.imag(x), 0)
    return _util.in_namespace(np.ones(_util.aval(x).shape, dtypes.bool_), x)


def iscomplexobj(x):
    """Whether `x` has a complex dtype, as `numpy.iscomplexobj`.

    Returns:
      A Python bool (from the dtype alone, also for traced values).

    Example:
      >>> fnp.iscomplexobj(np.array([1.0]))
      False
    """
    return _is_complex(_util.as_array(x, "iscomplexobj"))


def isrealobj(x):
    """Whether `x` has a real (not complex) dtype, as `numpy.isrealobj`.

    Returns:
      A Python bool (from the dtype alone, also for traced values).

    Example:
      >>> fnp.isrealobj(np.array([1.0]))
      True
    """
    return not _is_complex(_util.as_array(x, "isrealobj"))


def real_if_close(a, tol=100):
    """`a`'s real part if all its imaginary parts are within `tol` machine epsilons of zero,
    as `numpy.real_if_close`; otherwise `a` unchanged.

    Args:
      a: an array (concrete when complex: the result's dtype depends on its values).
      tol: in machine epsilons of a's dtype when > 1, else an absolute tolerance (NumPy's rule).

    Returns:
      A float array or `a` itself; real input is returned as it is.

    Raises:
      ConcretizationError: `a` is a traced complex value (its dtype would depend on values).

    Example:
      >>> fnp.real_if_close(np.array([2.1 + 4e-14j, 5.2 + 3e-15j]), tol=1000)
      array([2.1, 5.2])
    """
    a = _util.as_array(a, "real_if_close")
    if not _is_complex(a):
        return a
    if _util.is_deferred(a):
        raise errors.ConcretizationError(
            "real_if_close: the result's dtype depends on the values of a traced (or foreign: "
            f"not read on the host) complex array of shape {a.shape}; use fnp.real (or keep "
            "the complex value) instead.")
    if tol > 1:
        tol = np.finfo(a.dtype).eps * tol
    if bool(np.all(np.abs(np.imag(a)) < tol)):
        return np.array(np.real(a))
    return a


def sort_complex(a):
    """`a` flattened along its last axis sorted by real part, then imaginary part, as
    `numpy.sort_complex`; the result is complex (real input is converted).

    Args:
      a: an array or traced value.

    Returns:
      The sorted complex array (real input: complex64 for 8- and 16-bit integers, else
      complex128, as NumPy), in NumPy's order (real part, then imaginary part; values with
      a nan part last). Derivative: the tangents follow the sort permutation.

    Example:
      >>> fnp.sort_complex(np.array([1 + 2j, 2 - 1j, 1 - 1j]))
      array([1.-1.j, 1.+2.j, 2.-1.j])
    """
    a = _util.as_array(a, "sort_complex")
    aval = _util.aval(a)
    if not dtypes.is_complex(aval.dtype):
        # NumPy's choice: complex64 for 8- and 16-bit integers, complex128 for the rest.
        small = aval.dtype.kind in "iu" and aval.dtype.itemsize <= 2
        a = _util.convert(a, np.dtype(np.complex64 if small else np.complex128))
    if not aval.ndim:
        return a
    axis = aval.ndim - 1
    # The sort primitive orders complex values as NumPy: lexicographically, nan parts last.
    return sorting.sort(a, axis)
