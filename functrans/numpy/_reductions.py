"""Reductions of `functrans.numpy`: sum, prod, max, min, argmax, argmin, mean, var, std,
cumsum, all, any, built from the reduction primitives.

Owns NumPy's conveniences around the strict primitives: `axis` as None / int / tuple with
negative entries, `keepdims`, NumPy's accumulator dtypes (bool and narrow integer sums give
int64), `ddof`. Does not own the primitives' rules or the elementwise functions.
"""
from __future__ import annotations

import builtins

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import _shape, _ufuncs, _util
from functrans.primitives import complex_parts, reductions
from functrans.primitives import shape as shape_prims

# The public names, re-exported by functrans.numpy.
__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "cumsum", "max", "mean", "min", "prod",
    "std", "sum", "var"
]


def _accumulator_dtype(dtype: np.dtype) -> np.dtype:
    """NumPy's sum/prod/cumsum dtype: bool and narrow integers widen to 64 bits."""
    if dtype.kind == "b":
        return dtypes.int_
    if dtype.kind == "i" and dtype.itemsize < 8:
        return dtypes.int_
    if dtype.kind == "u" and dtype.itemsize < 8:
        return np.dtype(np.uint64)
    return dtype


def _keep_dims(out, in_shape: tuple[int, ...], axes: tuple[int, ...]):
    """The reduced `out` reshaped with size-1 axes where `axes` were (NumPy's keepdims)."""
    kept = tuple(1 if d in axes else n for d, n in enumerate(in_shape))
    return shape_prims.reshape(out, kept)


def _zero_d_axis(axis, ndim: int):
    """NumPy's ufunc reductions accept the int axis 0 or -1 on a 0-d array, as no axis."""
    if ndim == 0 and type(axis) in (int, np.int64) and axis in (0, -1):
        return None
    return axis


def _reduce(fname: str, prim, a, axis, keepdims: bool, dtype=None, *,
            accumulate: bool = False):
    """`prim(a, axes)` with NumPy's axis handling; `a` converted to `dtype` (or NumPy's
    accumulator dtype when `accumulate`) first."""
    a = _util.as_array(a, fname)
    aval = _util.aval(a)
    dtype = _util.check_dtype(dtype, fname)
    if dtype is None and accumulate:
        dtype = _accumulator_dtype(aval.dtype)
    if dtype is not None:
        a = _util.convert(a, dtype, aval.weak_type)
    axes = _util.canonicalize_axes(_zero_d_axis(axis, aval.ndim), aval.ndim, fname)
    out = prim(a, axes) if axes else a
    return _keep_dims(out, aval.shape, axes) if keepdims else out


def _check_nonempty(fname: str, a, axis, what: str) -> None:
    aval = _util.aval(_util.as_array(a, fname))
    axes = _util.canonicalize_axes(_zero_d_axis(axis, aval.ndim), aval.ndim, fname)
    if builtins.any(aval.shape[d] == 0 for d in axes):
        raise errors.FunctransValueError(
            f"{fname}: zero-size array (shape {aval.shape}) to reduction operation {what} "
            f"which has no identity; reduce over non-empty axes.")


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Sum of elements over `axis`, as `numpy.sum`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      keepdims: keep reduced axes with size 1.
      out, initial, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The sums (one `reduce_sum`, after a `convert_element_type` if the dtype changes).

    Example:
      >>> fnp.sum(np.ones((2, 3)), axis=0)
      array([2., 2., 2.])
    """
    if (type(a) is core.Tracer and axis is None and dtype is None and out is None
            and not keepdims and initial is None and where is None and _util.FAST_PATHS):
        shape = a._var.aval.shape
        if a._var.aval.dtype.kind == "f":
            # A float sum accumulates in its own dtype: no convert, all axes.
            return shape_prims.reduce_sum_p.bind(a, axes=tuple(range(len(shape)))) if shape else a
    _util.check_unsupported("sum", out=out, initial=initial, where=where)
    return _reduce("sum", shape_prims.reduce_sum, a, axis, keepdims, dtype, accumulate=True)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product of elements over `axis`, as `numpy.prod`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      keepdims: keep reduced axes with size 1.
      out, initial, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The products.

    Example:
      >>> fnp.prod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
      array([ 2., 12.])
    """
    _util.check_unsupported("prod", out=out, initial=initial, where=where)
    return _reduce("prod", reductions.reduce_prod, a, axis, keepdims, dtype, accumulate=True)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Maximum over `axis` (nan propagates), as `numpy.max`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      keepdims: keep reduced axes with size 1.
      out, initial, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The maxima. The gradient is shared equally among tied maxima (JAX's rule).

    Raises:
      FunctransValueError: a reduced axis has size 0.

    Example:
      >>> fnp.max(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=0)
      array([3., 5.])
    """
    _util.check_unsupported("max", out=out, initial=initial, where=where)
    _check_nonempty("max", a, axis, "maximum")
    return _reduce("max", reductions.reduce_max, a, axis, keepdims)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Minimum over `axis` (nan propagates), as `numpy.min`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      keepdims: keep reduced axes with size 1.
      out, initial, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The minima. The gradient is shared equally among tied minima (JAX's rule).

    Raises:
      FunctransValueError: a reduced axis has size 0.

    Example:
      >>> fnp.min(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=0)
      array([1., 2.])
    """
    _util.check_unsupported("min", out=out, initial=initial, where=where)
    _check_nonempty("min", a, axis, "minimum")
    return _reduce("min", reductions.reduce_min, a, axis, keepdims)


amax = max
amin = min


def _arg_reduce(fname: str, prim, a, axis, keepdims: bool):
    a = _util.as_array(a, fname)
    aval = _util.aval(a)
    if aval.size == 0:
        raise errors.FunctransValueError(
            f"{fname}: attempt to get {fname} of an empty sequence (shape {aval.shape}).")
    if axis is None:
        out = prim(_shape.ravel(a), 0, dtypes.int_)
        return shape_prims.reshape(out, (1,) * aval.ndim) if keepdims else out
    axis = _util.canonicalize_axis(axis, aval.ndim, fname)
    if aval.shape[axis] == 0:
        raise errors.FunctransValueError(
            f"{fname}: axis {axis} of shape {aval.shape} has size 0; there is nothing to find.")
    out = prim(a, axis, dtypes.int_)
    return _keep_dims(out, aval.shape, (axis,)) if keepdims else out


def argmax(a, axis=None, out=None, *, keepdims=False):
    """Index of the first maximum along `axis` (flattened when None), as `numpy.argmax`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (index into the flattened array) or an int.
      keepdims: keep the reduced axis with size 1.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      int64 indices (not differentiable).

    Example:
      >>> fnp.argmax(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1)
      array([1, 0])
    """
    _util.check_unsupported("argmax", out=out)
    return _arg_reduce("argmax", reductions.argmax, a, axis, keepdims)


def argmin(a, axis=None, out=None, *, keepdims=False):
    """Index of the first minimum along `axis` (flattened when None), as `numpy.argmin`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (index into the flattened array) or an int.
      keepdims: keep the reduced axis with size 1.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      int64 indices (not differentiable).

    Example:
      >>> fnp.argmin(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1)
      array([0, 1])
    """
    _util.check_unsupported("argmin", out=out)
    return _arg_reduce("argmin", reductions.argmin, a, axis, keepdims)


def _count(aval, axis, fname: str) -> int:
    axes = _util.canonicalize_axes(axis, aval.ndim, fname)
    return _util.prod(aval.shape[d] for d in axes)


def _inexact_dtype(aval, dtype, fname: str) -> np.dtype:
    """mean/var's computation dtype: `dtype`, else the input's float dtype, else float64."""
    dtype = _util.check_dtype(dtype, fname)
    if dtype is not None:
        return dtype
    return aval.dtype if dtypes.is_inexact(aval.dtype) else dtypes.float_


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Arithmetic mean over `axis`, as `numpy.mean`: a sum divided by the count.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: computation and result dtype; default the input's float dtype (ints: float64).
      keepdims: keep reduced axes with size 1.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The means (nan for an empty reduction, as NumPy, which also warns).

    Example:
      >>> fnp.mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=0)
      array([2. , 3.5])
    """
    if (type(a) is core.Tracer and axis is None and dtype is None and out is None
            and not keepdims and where is None and _util.FAST_PATHS):
        aval = a._var.aval
        if aval.dtype.kind == "f" and aval.dtype != np.float16 and _util.plain_aval(aval):
            # The sum and the quotient are in a's dtype: no converts.
            total = sum(a)
            return _ufuncs.true_divide(total, _util.prod(aval.shape))
    _util.check_unsupported("mean", out=out, where=where)
    a = _util.as_array(a, "mean")
    aval = _util.aval(a)
    given = dtype
    dtype = _inexact_dtype(aval, dtype, "mean")
    acc = dtype if dtypes.is_inexact(dtype) else dtypes.float_
    if given is None and acc == np.float16:
        acc = np.dtype(np.float32)   # NumPy accumulates float16 means in float32
    total = sum(a, axis=axis, dtype=acc, keepdims=keepdims)
    return _util.convert(_ufuncs.true_divide(total, _count(aval, axis, "mean")), dtype)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None):
    """Variance over `axis`, as `numpy.var`: `sum((a - mean(a))**2) / (n - ddof)`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: computation dtype; default the input's float dtype (ints: float64).
      ddof: delta degrees of freedom; the divisor is `max(n - ddof, 0)` (as NumPy).
      keepdims: keep reduced axes with size 1.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The variances.

    Example:
      >>> fnp.var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1)
      np.float64(1.6666666666666667)
    """
    _util.check_unsupported("var", out=out, where=where)
    a = _util.as_array(a, "var")
    aval = _util.aval(a)
    dtype = _inexact_dtype(aval, dtype, "var")
    a = _util.convert(a, dtype, aval.weak_type)
    centered = _ufuncs.subtract(a, mean(a, axis=axis, keepdims=True))
    if dtypes.is_complex(dtype):
        # |c|^2 = Re(c conj(c)), real (as NumPy and JAX).
        squared = complex_parts.real(_ufuncs.multiply(centered, complex_parts.conj(centered)))
    else:
        squared = _ufuncs.square(centered)
    total = sum(squared, axis=axis, keepdims=keepdims)
    divisor = builtins.max(_count(aval, axis, "var") - ddof, 0)
    return _ufuncs.true_divide(total, divisor)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None):
    """Standard deviation over `axis`, as `numpy.std`: `sqrt(var(a, axis, ddof=ddof))`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: computation dtype; default the input's float dtype (ints: float64).
      ddof: delta degrees of freedom (see `var`).
      keepdims: keep reduced axes with size 1.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The standard deviations.

    Example:
      >>> fnp.std(np.array([1.0, 3.0]))
      np.float64(1.0)
    """
    _util.check_unsupported("std", out=out, where=where)
    return _ufuncs.sqrt(var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def cumsum(a, axis=None, dtype=None, out=None):
    """Running sums along `axis` (of the flattened array when None), as `numpy.cumsum`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None or an int.
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      The running sums (one `cumsum` primitive).

    Example:
      >>> fnp.cumsum(np.array([[1, 2], [3, 4]]), axis=0)
      array([[1, 2],
             [4, 6]])
    """
    _util.check_unsupported("cumsum", out=out)
    a = _util.as_array(a, "cumsum")
    if axis is None:
        a, axis = _shape.ravel(a), 0
    aval = _util.aval(a)
    dtype = _util.check_dtype(dtype, "cumsum") or _accumulator_dtype(aval.dtype)
    axis = _util.canonicalize_axis(axis, aval.ndim, "cumsum")
    return reductions.cumsum(_util.convert(a, dtype, aval.weak_type), axis)


def _logical_reduce(fname: str, prim, a, axis, keepdims: bool, empty_answer: bool):
    a = _ufuncs._to_bool(a, fname)
    aval = _util.aval(a)
    axis = _zero_d_axis(axis, aval.ndim)
    axes = _util.canonicalize_axes(axis, aval.ndim, fname)
    if builtins.any(aval.shape[d] == 0 for d in axes):
        # all() of nothing is True and any() of nothing is False: a constant.
        shape = tuple(1 if d in axes else n for d, n in enumerate(aval.shape) if keepdims
                      or d not in axes)
        return _util.in_namespace(np.full(shape, empty_answer), a)
    return _reduce(fname, prim, a, axis, keepdims)


def all(a, axis=None, out=None, keepdims=False, *, where=None):
    """Whether all elements over `axis` are true (nonzero), as `numpy.all`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints.
      keepdims: keep reduced axes with size 1.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      bool results (`reduce_min` of the bool values).

    Example:
      >>> fnp.all(np.array([[True, False], [True, True]]), axis=0)
      array([ True, False])
    """
    _util.check_unsupported("all", out=out, where=where)
    return _logical_reduce("all", reductions.reduce_min, a, axis, keepdims, True)


def any(a, axis=None, out=None, keepdims=False, *, where=None):
    """Whether any element over `axis` is true (nonzero), as `numpy.any`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints.
      keepdims: keep reduced axes with size 1.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      bool results (`reduce_max` of the bool values).

    Example:
      >>> fnp.any(np.array([[True, False], [False, False]]), axis=1)
      array([ True, False])
    """
    _util.check_unsupported("any", out=out, where=where)
    return _logical_reduce("any", reductions.reduce_max, a, axis, keepdims, False)
