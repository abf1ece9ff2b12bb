"""functrans.numpy: the nan-ignoring reductions (issue 12): `nansum`, `nanprod`, `nanmean`,
`nanvar`, `nanstd`, `nanmax`, `nanmin`, `nanargmax`, `nanargmin`, `nancumsum`, `nancumprod`.

Compositions of the other functrans.numpy modules, with NumPy's signatures and semantics; owns
no primitive. Derivative conventions: the nan entries are replaced by the reduction's neutral
value with a `where`, so their derivative is zero (as JAX); `nanmax`/`nanmin` share the
derivative equally among tied extrema, as `max`/`min`; on traced values `nanargmax`/`nanargmin`
of an all-nan slice give -1 (as JAX: the values are not known while tracing), on NumPy arrays
they raise as NumPy does.
"""
from __future__ import annotations

import numpy as np

from functrans import dtypes, errors
from functrans.numpy import _reductions, _stats, _ufuncs, _util
from functrans.primitives import complex_parts

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmin",
    "nanprod", "nanstd", "nansum", "nanvar",
]


# --------------------------------------------------------------------------- helpers


def _replace_nan(fname: str, a, value):
    """`a` with its nan entries replaced by `value`, and the nan mask (None for non-floats)."""
    a = _util.as_array(a, fname)
    if not dtypes.is_inexact(_util.aval(a).dtype):
        return a, None
    mask = _ufuncs.isnan(a)
    return _ufuncs.where(mask, value, a), mask



# --------------------------------------------------------------------------- nan reductions


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Sum over `axis` treating nan as 0, as `numpy.nansum`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      keepdims: keep reduced axes with size 1.
      out, initial, where: not supported; giving them raises FunctransTypeError.

    Returns:
      `sum(where(isnan(a), 0, a))` (0 for an all-nan slice); the derivative at nan entries
      is zero.

    Example:
      >>> fnp.nansum(np.array([[1.0, np.nan], [3.0, 4.0]]), axis=1)
      array([1., 7.])
    """
    _util.check_unsupported("nansum", out=out, initial=initial, where=where)
    a, _ = _replace_nan("nansum", a, 0)
    return _reductions.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product over `axis` treating nan as 1, as `numpy.nanprod`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      keepdims: keep reduced axes with size 1.
      out, initial, where: not supported; giving them raises FunctransTypeError.

    Returns:
      `prod(where(isnan(a), 1, a))` (1 for an all-nan slice); the derivative at nan entries
      is zero.

    Example:
      >>> fnp.nanprod(np.array([[2.0, np.nan], [3.0, 4.0]]), axis=1)
      array([ 2., 12.])
    """
    _util.check_unsupported("nanprod", out=out, initial=initial, where=where)
    a, _ = _replace_nan("nanprod", a, 1)
    return _reductions.prod(a, axis=axis, dtype=dtype, keepdims=keepdims)


def _count_valid(mask, axis, keepdims: bool):
    """The number of non-nan entries over `axis` (int64)."""
    return _reductions.sum(_ufuncs.logical_not(mask), axis=axis, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Mean over `axis` of the non-nan entries, as `numpy.nanmean`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: computation and result dtype; default the input's float dtype (ints: float64).
      keepdims: keep reduced axes with size 1.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      `nansum(a) / count(non-nan)`: nan for an all-nan slice (NumPy also warns). The
      derivative at nan entries is zero.

    Example:
      >>> fnp.nanmean(np.array([[1.0, np.nan], [3.0, 4.0]]), axis=1)
      array([1. , 3.5])
    """
    _util.check_unsupported("nanmean", out=out, where=where)
    arr, mask = _replace_nan("nanmean", a, 0)
    if mask is None:
        return _reductions.mean(arr, axis=axis, dtype=dtype, keepdims=keepdims)
    dtype = _reductions._inexact_dtype(_util.aval(arr), dtype, "nanmean")
    total = _reductions.sum(arr, axis=axis, dtype=dtype, keepdims=keepdims)
    count = _util.convert(_count_valid(mask, axis, keepdims), dtype)
    return _ufuncs.true_divide(total, count)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Variance over `axis` of the non-nan entries, as `numpy.nanvar`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: computation dtype; default the input's float dtype (ints: float64).
      ddof: delta degrees of freedom: the divisor is `count(non-nan) - ddof`.
      keepdims: keep reduced axes with size 1.
      correction: the Array API's name for `ddof` (give one of them).
      out, where, mean: not supported; giving them raises FunctransTypeError.

    Returns:
      The variances; nan where the divisor is <= 0 (all-nan slices included, as NumPy, which
      also warns). The derivative at nan entries is zero.

    Example:
      >>> fnp.nanvar(np.array([1.0, np.nan, 3.0]))
      array(1.)
    """
    _util.check_unsupported("nanvar", out=out, where=where, mean=mean)
    ddof = _ddof("nanvar", ddof, correction)
    arr, mask = _replace_nan("nanvar", a, 0)
    if mask is None:
        return _reductions.var(arr, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    dtype = _reductions._inexact_dtype(_util.aval(arr), dtype, "nanvar")
    arr = _util.convert(arr, dtype)
    count = _util.convert(_count_valid(mask, axis, True), dtype)
    avg = _ufuncs.true_divide(_reductions.sum(arr, axis=axis, keepdims=True),
                              _stats._safe_divisor(count))
    centered = _ufuncs.where(mask, 0, _ufuncs.subtract(arr, avg))
    if dtypes.is_complex(dtype):   # |z - mean|^2, real (as NumPy's and var's)
        squared = complex_parts.real(_ufuncs.multiply(centered, complex_parts.conj(centered)))
    else:
        squared = _ufuncs.square(centered)
    total = _reductions.sum(squared, axis=axis, keepdims=keepdims)
    dof = _ufuncs.subtract(_count_valid(mask, axis, keepdims), ddof)
    dof = _util.convert(dof, dtypes.real_dtype(dtype))
    return _ufuncs.where(_ufuncs.greater(dof, 0),
                         _ufuncs.true_divide(total, _stats._safe_divisor(dof)), np.nan)


def _ddof(fname: str, ddof, correction):
    if correction is None:
        return ddof
    if ddof != 0:
        raise errors.FunctransValueError(
            f"{fname}: `ddof` and `correction` are the same argument; give only one.")
    return correction


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Standard deviation over `axis` of the non-nan entries, as `numpy.nanstd`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      dtype: computation dtype; default the input's float dtype (ints: float64).
      ddof: delta degrees of freedom (see `nanvar`).
      keepdims: keep reduced axes with size 1.
      correction: the Array API's name for `ddof` (give one of them).
      out, where, mean: not supported; giving them raises FunctransTypeError.

    Returns:
      `sqrt(nanvar(a, ...))`: nan where the divisor is <= 0.

    Example:
      >>> fnp.nanstd(np.array([1.0, np.nan, 3.0]))
      np.float64(1.0)
    """
    _util.check_unsupported("nanstd", out=out, where=where, mean=mean)
    return _ufuncs.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims,
                               correction=correction))


def _nan_extremum(fname: str, reduce, fill: float, a, axis, keepdims: bool):
    a = _util.as_array(a, fname)
    _reductions._check_nonempty(fname, a, axis, fname[3:] + "imum")
    arr, mask = _replace_nan(fname, a, fill)
    out = reduce(arr, axis=axis, keepdims=keepdims)
    if mask is None:
        return out
    all_nan = _reductions.all(mask, axis=axis, keepdims=keepdims)
    return _ufuncs.where(all_nan, np.nan, out)


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Maximum over `axis` ignoring nan, as `numpy.nanmax`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      keepdims: keep reduced axes with size 1.
      out, initial, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The maxima of the non-nan entries; nan for an all-nan slice (NumPy also warns). The
      derivative is shared equally among tied maxima (as `max`) and is zero at nan entries.

    Raises:
      FunctransValueError: a reduced axis has size 0.

    Example:
      >>> fnp.nanmax(np.array([[1.0, np.nan], [3.0, 2.0]]), axis=1)
      array([1., 3.])
    """
    _util.check_unsupported("nanmax", out=out, initial=initial, where=where)
    return _nan_extremum("nanmax", _reductions.max, -np.inf, a, axis, keepdims)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Minimum over `axis` ignoring nan, as `numpy.nanmin`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      keepdims: keep reduced axes with size 1.
      out, initial, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The minima of the non-nan entries; nan for an all-nan slice (NumPy also warns). The
      derivative is shared equally among tied minima (as `min`) and is zero at nan entries.

    Raises:
      FunctransValueError: a reduced axis has size 0.

    Example:
      >>> fnp.nanmin(np.array([[1.0, np.nan], [3.0, 2.0]]), axis=1)
      array([1., 2.])
    """
    _util.check_unsupported("nanmin", out=out, initial=initial, where=where)
    return _nan_extremum("nanmin", _reductions.min, np.inf, a, axis, keepdims)


def _nan_arg(fname: str, arg, fill: float, a, axis, keepdims: bool):
    a = _util.as_array(a, fname)
    if _util.aval(a).size == 0:
        raise errors.FunctransValueError(
            f"{fname}: attempt to get {fname[3:]} of an empty sequence (shape "
            f"{_util.aval(a).shape}).")
    arr, mask = _replace_nan(fname, a, fill)
    idx = arg(arr, axis=axis, keepdims=keepdims)
    if mask is None:
        return idx
    all_nan = _reductions.all(mask, axis=axis, keepdims=keepdims)
    if not _util.is_deferred(all_nan):   # foreign: not read on the host (as traced)
        if np.any(all_nan):
            raise errors.FunctransValueError(
                f"{fname}: All-NaN slice encountered (as NumPy); under a transformation "
                "such a slice gives -1 (as JAX).")
        return idx
    return _ufuncs.where(all_nan, -1, idx)


def nanargmax(a, axis=None, out=None, *, keepdims=False):
    """Index of the first maximum ignoring nan, as `numpy.nanargmax`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (index into the flattened array) or an int.
      keepdims: keep the reduced axis with size 1.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      int64 indices (not differentiable). An all-nan slice raises on NumPy arrays (as
      NumPy) and gives -1 on traced values (as JAX: the values are not known when tracing).

    Raises:
      FunctransValueError: an all-nan slice (NumPy arrays), or an empty array.

    Example:
      >>> fnp.nanargmax(np.array([[1.0, np.nan], [3.0, 2.0]]), axis=1)
      array([0, 0])
    """
    _util.check_unsupported("nanargmax", out=out)
    return _nan_arg("nanargmax", _reductions.argmax, -np.inf, a, axis, keepdims)


def nanargmin(a, axis=None, out=None, *, keepdims=False):
    """Index of the first minimum ignoring nan, as `numpy.nanargmin`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (index into the flattened array) or an int.
      keepdims: keep the reduced axis with size 1.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      int64 indices (not differentiable). An all-nan slice raises on NumPy arrays (as
      NumPy) and gives -1 on traced values (as JAX).

    Raises:
      FunctransValueError: an all-nan slice (NumPy arrays), or an empty array.

    Example:
      >>> fnp.nanargmin(np.array([[1.0, np.nan], [3.0, 2.0]]), axis=1)
      array([0, 1])
    """
    _util.check_unsupported("nanargmin", out=out)
    return _nan_arg("nanargmin", _reductions.argmin, np.inf, a, axis, keepdims)


# --------------------------------------------------------------------------- cumulative


def nancumprod(a, axis=None, dtype=None, out=None):
    """Running products treating nan as 1, as `numpy.nancumprod`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (the flattened array) or an int.
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      `cumprod(where(isnan(a), 1, a))`; the derivative at nan entries is zero.

    Example:
      >>> fnp.nancumprod(np.array([2.0, np.nan, 3.0]))
      array([2., 2., 6.])
    """
    _util.check_unsupported("nancumprod", out=out)
    a, _ = _replace_nan("nancumprod", a, 1)
    return _stats.cumprod(a, axis=axis, dtype=dtype)


def nancumsum(a, axis=None, dtype=None, out=None):
    """Running sums treating nan as 0, as `numpy.nancumsum`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (the flattened array) or an int.
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      `cumsum(where(isnan(a), 0, a))`; the derivative at nan entries is zero.

    Example:
      >>> fnp.nancumsum(np.array([2.0, np.nan, 3.0]))
      array([2., 2., 5.])
    """
    _util.check_unsupported("nancumsum", out=out)
    a, _ = _replace_nan("nancumsum", a, 0)
    return _reductions.cumsum(a, axis=axis, dtype=dtype)


