"""functrans.numpy: reductions and statistics (issue 12): cumulative products, averages,
ranges, covariance, vector products (the nan-ignoring reductions are in `_nanfuncs`).

Every function here is a composition of primitives and of the other functrans.numpy
modules, with NumPy's signature and semantics; owns no primitive.

Derivative conventions: `cumprod` is an associative scan of multiplications (log2(n)
steps), so its derivative is exact with zeros in the input.
"""
from __future__ import annotations

import builtins

import numpy as np

from functrans import dtypes, errors
from functrans.numpy import _join, _linalg, _reductions, _shape, _ufuncs, _util
from functrans.primitives import complex_parts, slicing

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "average", "corrcoef", "count_nonzero", "cov", "cross", "cumprod", "cumulative_prod",
    "matvec", "ptp", "trapezoid", "vecdot", "vecmat",
]


# --------------------------------------------------------------------------- helpers


def _is_float(x) -> bool:
    return dtypes.is_float(_util.aval(x).dtype)


def _safe_divisor(n):
    """`n` where positive, else 1: the quotient is replaced afterwards, and its derivative
    must not be 0/0 (the double-`where` rule)."""
    return _ufuncs.where(_ufuncs.greater(n, 0), n, 1)


# --------------------------------------------------------------------------- cumulative


def _cumulative_product(x, axis: int):
    """Running products along `axis` by Hillis and Steele's scan: log2(n) steps of
    `x[i] *= x[i - d]` (d = 1, 2, 4, ...). Only multiplications, so every derivative is the
    product rule, exact where entries are zero (JAX's associative-scan convention)."""
    aval = _util.aval(x)
    n = aval.shape[axis]
    d = 1
    while d < n:
        config = tuple((d, 0, 0) if i == axis else (0, 0, 0) for i in range(aval.ndim))
        shifted = slicing.pad(_join._slice_axis(x, axis, 0, n - d), 1, config)
        x = _ufuncs.multiply(x, shifted)
        d *= 2
    return x


def _cumulative_operand(fname: str, a, axis, dtype):
    a = _util.as_array(a, fname)
    if axis is None:
        a, axis = _shape.ravel(a), 0
    aval = _util.aval(a)
    dtype = _util.check_dtype(dtype, fname) or _reductions._accumulator_dtype(aval.dtype)
    axis = _util.canonicalize_axis(axis, aval.ndim, fname)
    return _util.convert(a, dtype, aval.weak_type), axis


def cumprod(a, axis=None, dtype=None, out=None):
    """Running products along `axis` (of the flattened array when None), as `numpy.cumprod`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None or an int.
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      The running products: ceil(log2(n)) multiplications of shifted copies (a scan), so
      float results may differ from NumPy's sequential products in the last bits. The
      derivative is exact with zeros in the input (as JAX's).

    Example:
      >>> fnp.cumprod(np.array([[1, 2], [3, 4]]), axis=1)
      array([[ 1,  2],
             [ 3, 12]])
    """
    _util.check_unsupported("cumprod", out=out)
    x, axis = _cumulative_operand("cumprod", a, axis, dtype)
    return _cumulative_product(x, axis)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False, out=None):
    """Running products along `axis`, as the Array API's `numpy.cumulative_prod`.

    Args:
      x: an array or traced value.
      axis: an int; may be None only for arrays of rank <= 1 (a 0-d array counts as 1-d).
      dtype: accumulate in this dtype; default NumPy's (bool and narrow ints give int64).
      include_initial: start the result with the empty product 1 (one more element).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      The running products (see `cumprod`).

    Example:
      >>> fnp.cumulative_prod(np.array([2.0, 3.0]), include_initial=True)
      array([1., 2., 6.])
    """
    _util.check_unsupported("cumulative_prod", out=out)
    x = _util.as_array(x, "cumulative_prod")
    ndim = _util.aval(x).ndim
    if axis is None:
        if ndim > 1:
            raise errors.FunctransValueError(
                f"cumulative_prod: `axis` must be given for an array of rank {ndim}; pass "
                "the axis to accumulate along.")
        axis = 0
    if ndim == 0:
        x = _shape.atleast_1d(x)   # NumPy accumulates a 0-d array as a 1-d one
    x, axis = _cumulative_operand("cumulative_prod", x, axis, dtype)
    out = _cumulative_product(x, axis)
    if not include_initial:
        return out
    config = tuple((1, 0, 0) if i == axis else (0, 0, 0) for i in range(_util.aval(out).ndim))
    return slicing.pad(out, 1, config)


# --------------------------------------------------------------------------- averages, ranges


def _weights_for(fname: str, a, w, axis):
    """The weights broadcastable against `a` (NumPy's rule: a's shape, or the shape of the
    `axis` dimensions in that order)."""
    a_shape, w_shape = _util.aval(a).shape, _util.aval(w).shape
    if a_shape == w_shape:
        return w
    if axis is None:
        raise errors.FunctransTypeError(
            f"{fname}: axis must be specified when shapes of a {a_shape} and weights "
            f"{w_shape} differ.")
    axes = [_util.canonicalize_axis(ax, len(a_shape), fname) for ax in
            (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if w_shape != tuple(a_shape[ax] for ax in axes):
        raise errors.FunctransValueError(
            f"{fname}: shape of weights {w_shape} must be consistent with shape of a "
            f"{a_shape} along axis {tuple(axes)}.")
    w = _shape.transpose(w, tuple(int(i) for i in np.argsort(axes)))
    return _shape.reshape(w, tuple(s if d in axes else 1 for d, s in enumerate(a_shape)))


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """Weighted average over `axis`, as `numpy.average`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      weights: None (the mean), weights of a's shape, or of the shape of the `axis`
        dimensions (in that order).
      returned: also return the sum of the weights (broadcast to the average's shape).
      keepdims: keep reduced axes with size 1.

    Returns:
      `sum(a * w) / sum(w)`, or `(average, sum(w))` when `returned`. Integer inputs give
      float64.

    Raises:
      ZeroDivisionError: the weights sum to zero (NumPy arrays only, NumPy's error; on
        traced values the quotient is inf or nan, as JAX).
      FunctransTypeError, FunctransValueError: weights of another shape without `axis`, or
        not matching the `axis` dimensions.

    Example:
      >>> fnp.average(np.array([1.0, 2.0, 4.0]), weights=np.array([1.0, 1.0, 2.0]))
      np.float64(2.75)
    """
    a = _util.as_array(a, "average")
    if weights is None:
        avg = _reductions.mean(a, axis=axis, keepdims=keepdims)
        if not returned:
            return avg
        aval, out = _util.aval(a), _util.aval(avg)
        return avg, _util.in_namespace(
            np.full(out.shape, aval.size / builtins.max(out.size, 1), out.dtype), a)
    w = _util.as_array(weights, "average")
    (a, w), dtype, _ = _util.promote(a, w)
    if not dtypes.is_inexact(dtype):
        dtype = dtypes.float_
        a, w = _util.convert(a, dtype), _util.convert(w, dtype)
    w = _weights_for("average", a, w, axis)
    scale = _reductions.sum(_util.broadcast_to_shape(w, _util.aval(a).shape), axis=axis,
                            keepdims=keepdims)
    if not _util.is_deferred(scale) and np.any(scale == 0.0):
        raise ZeroDivisionError("average: weights sum to zero, can't be normalized.")
    total = _reductions.sum(_ufuncs.multiply(a, w), axis=axis, keepdims=keepdims)
    avg = _ufuncs.true_divide(total, scale)
    if not returned:
        return avg
    return avg, _util.broadcast_to_shape(scale, _util.aval(avg).shape)


def ptp(a, axis=None, out=None, keepdims=False):
    """Range (maximum - minimum) over `axis`, as `numpy.ptp`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      keepdims: keep reduced axes with size 1.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      `max(a) - min(a)`; the derivative follows `max` and `min` (shared among ties).

    Example:
      >>> fnp.ptp(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1)
      array([4., 1.])
    """
    _util.check_unsupported("ptp", out=out)
    return _ufuncs.subtract(_reductions.max(a, axis=axis, keepdims=keepdims),
                            _reductions.min(a, axis=axis, keepdims=keepdims))


def count_nonzero(a, axis=None, *, keepdims=False):
    """Number of nonzero entries over `axis`, as `numpy.count_nonzero`.

    Args:
      a: an array, traced value or Python scalar.
      axis: None (all axes), an int or a tuple of ints; negative counts from the end.
      keepdims: keep reduced axes with size 1.

    Returns:
      int64 counts (not differentiable).

    Example:
      >>> fnp.count_nonzero(np.array([[0.0, 1.0], [2.0, 3.0]]), axis=1)
      array([1, 2])
    """
    nonzero = _ufuncs._to_bool(a, "count_nonzero")
    return _reductions.sum(nonzero, axis=axis, dtype=dtypes.int_, keepdims=keepdims)


# --------------------------------------------------------------------------- covariance


def _observations(fname: str, x, rowvar: bool, dtype, transpose_single: bool = True):
    """`x` as a 2-d (variables, observations) array of `dtype` (NumPy's layout rules: with
    `rowvar` False, `m` is transposed unless 1-d, `y` unless it has a single row)."""
    x = _util.convert(_util.as_array(x, fname), dtype)
    ndim = _util.aval(x).ndim
    if ndim > 2:
        raise errors.FunctransValueError(
            f"{fname}: the input has rank {ndim}; it must be 1-d or 2-d (variables by "
            "observations).")
    x = _shape.atleast_2d(x)
    if rowvar or ndim < 2 or (not transpose_single and _util.aval(x).shape[0] == 1):
        return x
    return _shape.transpose(x)


def _cov_weights(name: str, w, n_obs: int):
    """`fweights` / `aweights` as float64 vectors of length `n_obs`, checked as NumPy does
    (the value checks only on NumPy arrays: traced values are not known)."""
    w = _util.convert(_util.as_array(w, "cov"), dtypes.float_)
    shape = _util.aval(w).shape
    if len(shape) > 1 or (shape and shape[0] != n_obs) or not shape:
        raise errors.FunctransValueError(
            f"cov: `{name}` has shape {shape}; it must be 1-d with one weight per "
            f"observation ({n_obs}).")
    if not _util.is_deferred(w):   # foreign weights: not read on the host (as traced ones)
        if name == "fweights" and not np.all(w == np.around(w)):
            raise errors.FunctransTypeError("cov: fweights must be integer.")
        if np.any(w < 0):
            raise errors.FunctransValueError(f"cov: {name} cannot be negative.")
    return w


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """Covariance matrix of the variables in `m` (and `y`), as `numpy.cov`.

    Args:
      m: 1-d or 2-d array: each row a variable, each column an observation (`rowvar`).
      y: optional further variables, in the same layout.
      rowvar: False: each column is a variable.
      bias: normalise by N (True) instead of N - 1.
      ddof: overrides `bias`: the divisor is N - ddof (<= 0 gives inf/nan, as NumPy).
      fweights: integer frequency weights, one per observation.
      aweights: observation weights, one per observation.
      dtype: the observations' dtype; default at least float64 (as NumPy).

    Returns:
      The covariance matrix, squeezed (a 0-d array for one variable). Negative or
      non-integer weights raise on NumPy arrays (as NumPy) and are used as given on traced
      values.

    Example:
      >>> fnp.cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
      array([[ 1., -1.],
             [-1.,  1.]])
    """
    dtype = _cov_dtype(m, y, dtype)
    x = _observations("cov", m, rowvar, dtype)
    if _util.aval(x).shape[0] == 0:
        return _util.in_namespace(np.zeros((0, 0)), x)
    if y is not None:
        y = _observations("cov", y, rowvar, dtype, transpose_single=False)
        x = _join.concatenate([x, y], axis=0)
    n_obs = _util.aval(x).shape[1]
    if ddof is None:
        ddof = 0 if bias else 1
    w = None
    if fweights is not None:
        w = _cov_weights("fweights", fweights, n_obs)
    if aweights is not None:
        aw = _cov_weights("aweights", aweights, n_obs)
        w = aw if w is None else _ufuncs.multiply(w, aw)
    if w is None:
        centered = _ufuncs.subtract(x, _reductions.mean(x, axis=1, keepdims=True))
        c = _linalg.matmul(centered, _conj(_shape.transpose(centered)))
        return _shape.squeeze(_ufuncs.multiply(c, _inverse(n_obs - ddof, dtype)))
    w_sum = _reductions.sum(w)
    avg = _ufuncs.true_divide(_reductions.sum(_ufuncs.multiply(x, w), axis=1, keepdims=True),
                              w_sum)
    # NumPy centres in place: the centred observations keep x's dtype.
    centered = _util.convert(_ufuncs.subtract(x, avg), dtype)
    c = _linalg.matmul(centered, _conj(_shape.transpose(_ufuncs.multiply(centered, w))))
    if ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = _ufuncs.subtract(w_sum, ddof)
    else:
        extra = _ufuncs.true_divide(_reductions.sum(_ufuncs.multiply(w, aw)), w_sum)
        fact = _ufuncs.subtract(w_sum, _ufuncs.multiply(ddof, extra))
    # fact <= 0 gives 1 / 0 = inf (as NumPy, which also warns).
    positive = _ufuncs.greater(fact, 0)
    scale = _ufuncs.where(positive, _ufuncs.true_divide(1.0, _safe_divisor(fact)), np.inf)
    return _shape.squeeze(_ufuncs.multiply(c, scale))


def _conj(x):
    """`conj(x)` for complex `x` (NumPy's covariance and vecdot conjugate), else `x`."""
    return complex_parts.conj(x) if dtypes.is_complex(_util.aval(x).dtype) else x


def _inverse(fact: int, dtype: np.dtype):
    """NumPy's `1 / fact` scale of a covariance: inf when `fact` <= 0 (NumPy warns)."""
    with np.errstate(divide="ignore"):
        return np.true_divide(1, builtins.max(fact, 0), dtype=dtype)


def _cov_dtype(m, y, dtype) -> np.dtype:
    given = _util.check_dtype(dtype, "cov")
    if given is not None:
        return given
    avals = [_util.aval(_util.as_array(v, "cov")) for v in (m, y) if v is not None]
    return np.result_type(*[v.dtype for v in avals], np.float64)


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients, as `numpy.corrcoef`.

    Args:
      x: 1-d or 2-d array: each row a variable, each column an observation (`rowvar`).
      y: optional further variables, in the same layout.
      rowvar: False: each column is a variable.
      dtype: result dtype; default at least float64 (as NumPy).

    Returns:
      `cov / sqrt(outer(diag(cov), diag(cov)))`, clipped to [-1, 1] as NumPy does (for
      complex values: the real and the imaginary parts each).

    Example:
      >>> fnp.corrcoef(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
      array([[ 1., -1.],
             [-1.,  1.]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if _util.aval(c).ndim == 0:
        return _ufuncs.true_divide(c, c)
    d = _shape.diagonal(c)
    d = _ufuncs.sqrt(complex_parts.real(d) if dtypes.is_complex(_util.aval(d).dtype) else d)
    c = _ufuncs.true_divide(c, _shape.expand_dims(d, 1))
    c = _ufuncs.true_divide(c, _shape.expand_dims(d, 0))
    if dtypes.is_complex(_util.aval(c).dtype):
        return complex_parts.complex_(_ufuncs.clip(complex_parts.real(c), -1, 1),
                                      _ufuncs.clip(complex_parts.imag(c), -1, 1))
    return _ufuncs.clip(c, -1, 1)


# --------------------------------------------------------------------------- vector products


def _core_dim(fname: str, x, axis, argname: str):
    x = _util.as_array(x, fname)
    ndim = _util.aval(x).ndim
    if ndim == 0:
        raise errors.FunctransValueError(
            f"{fname}: `{argname}` is 0-d; it needs at least one dimension.")
    return _shape.moveaxis(x, _util.canonicalize_axis(axis, ndim, fname), -1)


def vecdot(x1, x2, /, *, axis=-1, out=None):
    """Dot products of vectors along `axis`, broadcasting the other dimensions, as
    `numpy.vecdot`.

    Args:
      x1, x2: arrays or traced values with equal sizes along `axis`.
      axis: the axis of the vectors (in each input).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      `sum(conj(x1) * x2, axis)` in the promoted dtype (bool: `any(x1 & x2, axis)`), over
      the broadcast batch dimensions.

    Example:
      >>> fnp.vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
      array([3., 7.])
    """
    _util.check_unsupported("vecdot", out=out)
    x1 = _core_dim("vecdot", x1, axis, "x1")
    x2 = _core_dim("vecdot", x2, axis, "x2")
    n1, n2 = _util.aval(x1).shape[-1], _util.aval(x2).shape[-1]
    if n1 != n2:
        raise errors.FunctransValueError(
            f"vecdot: the vectors have sizes {n1} and {n2} along axis {axis}; they must be "
            "equal.")
    product = _ufuncs.multiply(_conj(x1), x2)   # NumPy conjugates complex x1
    dtype = _util.aval(product).dtype
    if dtype.kind == "b":
        return _reductions.any(product, axis=-1)   # NumPy's bool dot: OR of ANDs
    return _reductions.sum(product, axis=-1, dtype=dtype)


def matvec(x1, x2, /, *, out=None, axes=None):
    """Matrix-vector products `x1 @ x2` over broadcast batch dimensions, as `numpy.matvec`.

    Args:
      x1: matrices, shape (..., m, n).
      x2: vectors, shape (..., n).
      out, axes: not supported; giving them raises FunctransTypeError.

    Returns:
      Vectors of shape (..., m) (one `dot_general`).

    Example:
      >>> fnp.matvec(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
      array([3., 7.])
    """
    _util.check_unsupported("matvec", out=out, axes=axes)
    x1, x2 = _util.as_array(x1, "matvec"), _util.as_array(x2, "matvec")
    if _util.aval(x1).ndim < 2 or _util.aval(x2).ndim < 1:
        raise errors.FunctransValueError(
            f"matvec: needs matrices (rank >= 2) and vectors (rank >= 1), got shapes "
            f"{_util.aval(x1).shape} and {_util.aval(x2).shape}.")
    return _shape.squeeze(_linalg.matmul(x1, _shape.expand_dims(x2, -1)), -1)


def vecmat(x1, x2, /, *, out=None, axes=None):
    """Vector-matrix products `x1 @ x2` over broadcast batch dimensions, as `numpy.vecmat`.

    Args:
      x1: vectors, shape (..., n).
      x2: matrices, shape (..., n, m).
      out, axes: not supported; giving them raises FunctransTypeError.

    Returns:
      Vectors of shape (..., m): `conj(x1) @ x2` (one `dot_general`).

    Example:
      >>> fnp.vecmat(np.array([1.0, 1.0]), np.array([[1.0, 2.0], [3.0, 4.0]]))
      array([4., 6.])
    """
    _util.check_unsupported("vecmat", out=out, axes=axes)
    x1, x2 = _util.as_array(x1, "vecmat"), _util.as_array(x2, "vecmat")
    if _util.aval(x1).ndim < 1 or _util.aval(x2).ndim < 2:
        raise errors.FunctransValueError(
            f"vecmat: needs vectors (rank >= 1) and matrices (rank >= 2), got shapes "
            f"{_util.aval(x1).shape} and {_util.aval(x2).shape}.")
    # NumPy conjugates complex x1.
    return _shape.squeeze(_linalg.matmul(_shape.expand_dims(_conj(x1), -2), x2), -2)


def _component(x, i: int):
    return _shape.squeeze(_join._slice_axis(x, _util.aval(x).ndim - 1, i, i + 1), -1)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross products of 3-vectors (or 2-vectors) along an axis, as `numpy.cross`.

    Args:
      a, b: arrays of 2- or 3-vectors along `axisa` / `axisb`; other dimensions broadcast.
      axisa, axisb: the vectors' axis in `a` and `b`.
      axisc: the vectors' axis in the result (when it has one).
      axis: if given, overrides `axisa`, `axisb` and `axisc`.

    Returns:
      The cross products; for two 2-vectors the z component alone (no vector axis), as
      NumPy (which deprecates 2-vectors).

    Example:
      >>> fnp.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
      array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _core_dim("cross", a, axisa, "a")
    b = _core_dim("cross", b, axisb, "b")
    na, nb = _util.aval(a).shape[-1], _util.aval(b).shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise errors.FunctransValueError(
            f"cross: incompatible dimensions for cross product (vector sizes {na} and {nb}; "
            "each must be 2 or 3).")
    a0, a1 = _component(a, 0), _component(a, 1)
    b0, b1 = _component(b, 0), _component(b, 1)
    z = _ufuncs.subtract(_ufuncs.multiply(a0, b1), _ufuncs.multiply(a1, b0))
    if na == 2 and nb == 2:
        return z
    if na == 3 and nb == 3:
        a2, b2 = _component(a, 2), _component(b, 2)
        x = _ufuncs.subtract(_ufuncs.multiply(a1, b2), _ufuncs.multiply(a2, b1))
        y = _ufuncs.subtract(_ufuncs.multiply(a2, b0), _ufuncs.multiply(a0, b2))
    elif na == 2:
        b2 = _component(b, 2)
        x = _ufuncs.multiply(a1, b2)
        y = _ufuncs.negative(_ufuncs.multiply(a0, b2))
    else:
        a2 = _component(a, 2)
        x = _ufuncs.negative(_ufuncs.multiply(a2, b1))
        y = _ufuncs.multiply(a2, b0)
    x, y, z = _shape.broadcast_arrays(x, y, z)
    cp = _join.stack([x, y, z], axis=-1)
    axisc = _util.canonicalize_axis(axisc, _util.aval(cp).ndim, "cross", "axisc")
    return _shape.moveaxis(cp, -1, axisc)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule, as `numpy.trapezoid`.

    Args:
      y: the sampled values.
      x: the sample points (1-d along `axis`, or of y's shape); None: spaced by `dx`.
      dx: the spacing when `x` is None.
      axis: the axis to integrate along.

    Returns:
      `sum(d * (y[1:] + y[:-1]) / 2)` along `axis`, with `d` the spacings.

    Example:
      >>> fnp.trapezoid(np.array([1.0, 2.0, 3.0]), dx=0.5)
      array(2.)
    """
    y = _util.as_array(y, "trapezoid")
    aval = _util.aval(y)
    axis = _util.canonicalize_axis(axis, aval.ndim, "trapezoid")
    n = aval.shape[axis]
    if x is None:
        d = dx
    else:
        x = _util.as_array(x, "trapezoid")
        x_aval = _util.aval(x)
        if x_aval.ndim == 1:
            d = _diff(x, 0)
            d = _shape.reshape(d, tuple(x_aval.shape[0] - 1 if i == axis else 1
                                        for i in range(aval.ndim)))
        else:
            d = _diff(x, axis)
    pair = _ufuncs.add(_join._slice_axis(y, axis, builtins.min(1, n), n),
                       _join._slice_axis(y, axis, 0, builtins.max(n - 1, 0)))
    return _reductions.sum(_ufuncs.true_divide(_ufuncs.multiply(d, pair), 2.0), axis=axis)


def _diff(x, axis: int):
    n = _util.aval(x).shape[axis]
    return _ufuncs.subtract(_join._slice_axis(x, axis, builtins.min(1, n), n),
                            _join._slice_axis(x, axis, 0, builtins.max(n - 1, 0)))
