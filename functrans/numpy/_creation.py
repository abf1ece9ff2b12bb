"""Array creation in `functrans.numpy`: array, asarray, zeros, ones, full, *_like, eye, arange,
linspace, and the re-exported NumPy dtypes and constants.

Creation functions have no traced inputs (save `array`/`asarray` of traced values, `full`
with a traced fill value and `linspace` with traced ends), so they return NumPy arrays, as
`functrans.numpy.Array` views (`_array`: an ndarray with `.at` and traced-index lookups);
while tracing these are constants of the program (plain ndarrays once captured). Does not own
conversions of operands (`_util`).
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, errors
from functrans.numpy import _array, _join, _shape, _ufuncs, _util

# The public names, re-exported by functrans.numpy.
__all__ = [
    "Array", "arange", "array", "asarray", "bool_", "dtype", "e", "empty", "empty_like", "eye",
    "float16", "float32", "float64", "full", "full_like", "inf", "int16", "int32", "int64", "int8",
    "linspace", "nan", "newaxis", "ones", "ones_like", "pi", "uint32", "uint64", "uint8", "zeros",
    "zeros_like"
]

# The array type of concrete results (an ndarray subclass with `.at`; see `_array`).
Array = _array.Array
float16 = np.float16
float32 = np.float32
float64 = np.float64
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
uint8 = np.uint8
uint32 = np.uint32
uint64 = np.uint64
bool_ = np.bool_
dtype = np.dtype
pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
newaxis = None


def asarray(a, dtype=None, order=None, *, copy=None, like=None):
    """`a` as an array, as `numpy.asarray`; traced values stay traced.

    Args:
      a: an array, traced value, Python scalar, or a (nested) list of them; a list holding
        traced values is stacked into one traced array (as in JAX).
      dtype: convert to this dtype (a `convert_element_type` for traced values).
      order: only 'C' (or None/'K'/'A') is supported.
      copy: ignored for traced values; passed to NumPy otherwise.
      like: an array: the result is made in its namespace when it is a foreign array (a
        Dask or CuPy one: NEP 35, `cupy.asarray`), else as without it (NumPy's).

    Returns:
      A `functrans.numpy.Array` (an ndarray view of `a`'s data when NumPy's `asarray` does
      not copy; `a` itself when it is already an Array of that dtype), or a traced value if
      `a` holds one; a foreign (Dask, CuPy) array stays an array of its namespace.

    Example:
      >>> fnp.asarray([1, 2], dtype=np.float32)
      array([1., 2.], dtype=float32)
      >>> isinstance(fnp.asarray(np.ones(2)), fnp.Array)   # has .at; indexable by tracers
      True
    """
    _shape._check_order("asarray", order)
    if like is not None:
        return _util.with_like("asarray", asarray(a, dtype, copy=copy), like)
    dtype = _util.check_dtype(dtype, "asarray")
    if type(a) is _array.Array and copy is None and (dtype is None or dtype == a.dtype):
        return a
    if _util.any_deferred(a):   # traced, or foreign arrays (Dask, CuPy): kept where they are
        x = a if _util.is_deferred(a) else _util.stack_nested(a)
        x = x if dtype is None else _util.convert(x, dtype)
        return x.copy() if copy and x is a and backend.is_foreign(x) else x
    if copy is None:
        return _array.wrap(_util.check_numeric(np.asarray(a, dtype=dtype), "asarray"))
    return _array.wrap(_util.check_numeric(np.asarray(a, dtype=dtype, copy=copy), "asarray"))


def array(object, dtype=None, *, copy=True, order="K", ndmin=0, like=None):
    """A new array from `object`, as `numpy.array`; traced values stay traced.

    Args:
      object: an array, traced value, Python scalar or a (nested) list of them.
      dtype: convert to this dtype.
      copy: ignored for traced values (they are immutable).
      order: only 'C' (or 'K'/'A') is supported.
      ndmin: minimum number of axes (size-1 axes are prepended).
      like: an array: the result is made in its namespace when it is a foreign array (a
        Dask or CuPy one: NEP 35, `cupy.asarray`), else as without it (NumPy's).

    Returns:
      A `functrans.numpy.Array`, or a traced value if `object` holds one (a copy of a
      foreign array, in its namespace).

    Example:
      >>> fnp.array([[1, 2]], ndmin=3).shape
      (1, 1, 2)
    """
    _shape._check_order("array", order)
    if like is not None:
        return _util.with_like("array", array(object, dtype, copy=copy, ndmin=ndmin), like)
    if not _util.any_deferred(object):
        dtype = _util.check_dtype(dtype, "array")
        return _array.wrap(_util.check_numeric(
            np.array(object, dtype=dtype, copy=copy, ndmin=ndmin), "array"))
    x = asarray(object, dtype=dtype, copy=copy or None)
    aval = _util.aval(x)
    if aval.ndim < ndmin:
        x = _shape.reshape(x, (1,) * (ndmin - aval.ndim) + aval.shape)
    return x


def zeros(shape, dtype=float, *, like=None):
    """An array of zeros, as `numpy.zeros` (default float64).

    `like`: an array; the result is made in its namespace when it is a foreign array (a
    Dask or CuPy one: NEP 35), else it is NumPy's.

    Example:
      >>> fnp.zeros((2,), dtype=np.int32)
      array([0, 0], dtype=int32)
    """
    dtype = _util.check_dtype(dtype, "zeros")
    out = np.zeros(_util.normalize_shape(shape, "zeros"), dtype).view(_array.Array)
    return out if like is None else _util.with_like("zeros", out, like)


def ones(shape, dtype=float, *, like=None):
    """An array of ones, as `numpy.ones` (default float64).

    `like`: an array; the result is made in its namespace when it is a foreign array (a
    Dask or CuPy one: NEP 35), else it is NumPy's.

    Example:
      >>> fnp.ones(2)
      array([1., 1.])
    """
    dtype = _util.check_dtype(dtype, "ones")
    out = np.ones(_util.normalize_shape(shape, "ones"), dtype).view(_array.Array)
    return out if like is None else _util.with_like("ones", out, like)


def empty(shape, dtype=float, *, like=None):
    """An array of the given shape, as `numpy.empty` (filled with zeros here; `like` as in
    `zeros`).

    Example:
      >>> fnp.empty(2)
      array([0., 0.])
    """
    return zeros(shape, dtype, like=like)


def full(shape, fill_value, dtype=None, *, like=None):
    """An array filled with `fill_value`, as `numpy.full`.

    Args:
      shape: an int or a tuple of ints.
      fill_value: a scalar or an array broadcastable to `shape`; may be traced (then the
        result is a traced `broadcast_in_dim` of it).
      dtype: result dtype (default: that of `fill_value`).
      like: an array: the result is made in its namespace when it is a foreign array (a
        Dask or CuPy one: NEP 35, `cupy.asarray`), else as without it (NumPy's).

    Returns:
      The filled array.

    Example:
      >>> fnp.full((2,), 7)
      array([7, 7])
    """
    if like is not None:
        return _util.with_like("full", full(shape, fill_value, dtype), like)
    shape = _util.normalize_shape(shape, "full")
    dtype = _util.check_dtype(dtype, "full")
    if _util.is_deferred(fill_value):
        value = fill_value if dtype is None else _util.convert(fill_value, dtype)
        return _util.broadcast_to_shape(value, shape, "full")
    return _array.wrap(_util.check_numeric(np.full(shape, fill_value, dtype), "full"))


def _like(fname: str, a, dtype, shape):
    aval = _util.aval(_util.as_operand(a, fname))
    dtype = _util.check_dtype(dtype, fname) or aval.dtype
    shape = aval.shape if shape is None else _util.normalize_shape(shape, fname)
    return shape, dtype


def zeros_like(a, dtype=None, shape=None):
    """Zeros of `a`'s shape and dtype (a NumPy constant, also for traced `a`; an array of
    `a`'s namespace for a foreign `a`: Dask, CuPy).

    Example:
      >>> fnp.zeros_like(np.array([1, 2]))
      array([0, 0])
    """
    return _util.in_namespace(np.zeros(*_like("zeros_like", a, dtype, shape)).view(_array.Array), a)


def ones_like(a, dtype=None, shape=None):
    """Ones of `a`'s shape and dtype (a NumPy constant, also for traced `a`; an array of
    `a`'s namespace for a foreign `a`: Dask, CuPy).

    Example:
      >>> fnp.ones_like(np.array([1.0, 2.0]))
      array([1., 1.])
    """
    return _util.in_namespace(np.ones(*_like("ones_like", a, dtype, shape)).view(_array.Array), a)


def empty_like(a, dtype=None, shape=None):
    """An array of `a`'s shape and dtype (filled with zeros here).

    Example:
      >>> fnp.empty_like(np.array([1, 2]))
      array([0, 0])
    """
    return _util.in_namespace(np.zeros(*_like("empty_like", a, dtype, shape)).view(_array.Array),
                              a)


def full_like(a, fill_value, dtype=None, shape=None):
    """An array of `a`'s shape and dtype filled with `fill_value` (which may be traced).

    Example:
      >>> fnp.full_like(np.array([1, 2]), 5)
      array([5, 5])
    """
    shape, dtype = _like("full_like", a, dtype, shape)
    return _util.in_namespace(full(shape, fill_value, dtype), a)


def eye(N, M=None, k=0, dtype=float, *, like=None):
    """A 2-d array with ones on diagonal k and zeros elsewhere, as `numpy.eye` (`like` as in
    `zeros`).

    Example:
      >>> fnp.eye(2, 3, k=1)
      array([[0., 1., 0.],
             [0., 0., 1.]])
    """
    out = np.eye(N, M, k, _util.check_dtype(dtype, "eye")).view(_array.Array)
    return out if like is None else _util.with_like("eye", out, like)


def _check_static(fname: str, **kwargs) -> None:
    for name, value in kwargs.items():
        if isinstance(value, core.Tracer):
            raise errors.FunctransTypeError(
                f"{fname}: `{name}` is traced, but the output's shape would depend on its "
                "value; pass a concrete number (or mark the argument static).")


def arange(start, stop=None, step=None, dtype=None, *, like=None):
    """Evenly spaced values in `[start, stop)`, as `numpy.arange`.

    Args:
      start, stop, step: concrete numbers (the output's length depends on them, so they
        cannot be traced).
      dtype: result dtype (default: NumPy's inference).
      like: an array: the result is made in its namespace when it is a foreign array (a
        Dask or CuPy one: NEP 35, `cupy.asarray`), else as without it (NumPy's).

    Returns:
      A `functrans.numpy.Array` (a constant while tracing).

    Example:
      >>> fnp.arange(3)
      array([0, 1, 2])
    """
    _check_static("arange", start=start, stop=stop, step=step)
    dtype = _util.check_dtype(dtype, "arange")
    out = np.arange(start, stop, step, dtype=dtype).view(_array.Array)
    return out if like is None else _util.with_like("arange", out, like)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`, as `numpy.linspace`.

    Args:
      start, stop: scalars (concrete, or traced: the result is then traced too) or, when
        concrete, arrays (NumPy's behaviour, with `axis`).
      num: number of values (concrete).
      endpoint: include `stop`.
      retstep: also return the step.
      dtype: result dtype (default float64, or the float dtype of the ends).
      axis: where the new axis goes for array ends (concrete ends only).

    Returns:
      The values (and the step if `retstep`).

    Example:
      >>> fnp.linspace(0.0, 1.0, 5)
      array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    _check_static("linspace", num=num)
    if not (_util.is_deferred(start) or _util.is_deferred(stop)):
        out = np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
        return (_array.wrap(out[0]), out[1]) if retstep else _array.wrap(out)
    if np.ndim(axis) or axis != 0 or _util.aval(start).ndim or _util.aval(stop).ndim:
        raise errors.FunctransValueError(
            "linspace: traced `start`/`stop` must be scalars (axis=0).")
    # NumPy's formula: start + arange(num) * step, step = (stop - start) / div; stop last.
    div = num - 1 if endpoint else num
    delta = _util.to_inexact(_ufuncs.subtract(stop, start))
    counts = np.arange(num, dtype=_util.aval(delta).dtype)
    if div > 0:
        step = _ufuncs.true_divide(delta, div)
        values = _ufuncs.add(_ufuncs.multiply(counts, step), start)
    else:
        step = np.nan
        values = _ufuncs.add(_ufuncs.multiply(counts, delta), start)
    if endpoint and num > 1:
        head = _join.split(values, [num - 1])[0]
        last = _util.convert(_util.to_inexact(stop), _util.aval(head).dtype)
        values = _join.concatenate([head, _shape.reshape(last, (1,))])
    dtype = _util.check_dtype(dtype, "linspace")
    if dtype is not None:
        values = _util.convert(values, dtype)
    return (values, step) if retstep else values
