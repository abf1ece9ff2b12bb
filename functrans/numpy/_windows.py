"""functrans.numpy: window functions and calculus on samples (issue 12): `bartlett`,
`blackman`, `hamming`, `hanning`, `kaiser`; `interp`, `gradient`, `unwrap`.

Windows of a Python int length are NumPy arrays (constants of a traced program); `kaiser` is
differentiable in `beta`. Compositions of the other functrans.numpy modules; owns no primitive.
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import (
    _bits,
    _indexing,
    _join,
    _manip,
    _reductions,
    _ufuncs,
    _util,
)
from functrans.primitives import searching

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "bartlett", "blackman", "gradient", "hamming", "hanning", "interp", "kaiser", "unwrap"
]


# --------------------------------------------------------------------------- windows
#
# Creation functions: the length M is a Python int (a traced M raises, since it is the
# output's shape), so called outside a transformation they return NumPy arrays.


def _window_n(fname: str, M):
    """NumPy's `arange(1 - M, M, 2)`, or the whole window for M < 2 (empty or [1.0])."""
    if isinstance(M, core.Tracer):
        raise errors.FunctransTypeError(
            f"{fname}: `M` is traced, but the output's shape would depend on its value; pass "
            "a concrete int (or mark the argument static).")
    M = operator.index(M)
    if M < 1:
        return M, np.array([], np.float64)
    if M == 1:
        return M, np.ones(1, np.float64)
    return M, np.arange(1 - M, M, 2)


def _cosine_window(fname: str, M, coeffs: tuple[float, ...]):
    M, n = _window_n(fname, M)
    if M < 2:
        return n
    out = None
    for j, c in enumerate(coeffs):
        term = c if j == 0 else _ufuncs.multiply(
            c, _ufuncs.cos(_ufuncs.true_divide(_ufuncs.multiply(j * np.pi, n), M - 1)))
        out = term if out is None else _ufuncs.add(out, term)
    return out


def bartlett(M):
    """The Bartlett (triangular) window of `M` points, as `numpy.bartlett`.

    Args:
      M: the number of points, a Python int (empty for M < 1).

    Returns:
      A float64 array of shape (M,) peaking at 1 (a NumPy array outside transformations).

    Example:
      >>> fnp.bartlett(5)
      array([0. , 0.5, 1. , 0.5, 0. ])
    """
    M, n = _window_n("bartlett", M)
    if M < 2:
        return n
    r = _ufuncs.true_divide(n, M - 1)
    return _ufuncs.where(_ufuncs.less_equal(n, 0), _ufuncs.add(1, r), _ufuncs.subtract(1, r))


def blackman(M):
    """The Blackman window of `M` points, as `numpy.blackman`.

    Args:
      M: the number of points, a Python int (empty for M < 1).

    Returns:
      A float64 array of shape (M,): `0.42 + 0.5 cos(pi n / (M-1)) + 0.08 cos(2 pi n /
      (M-1))` for `n = 1-M, 3-M, ..., M-1`.

    Example:
      >>> np.round(fnp.blackman(3), 12)
      array([-0.,  1., -0.])
    """
    return _cosine_window("blackman", M, (0.42, 0.5, 0.08))


def hamming(M):
    """The Hamming window of `M` points, as `numpy.hamming`.

    Args:
      M: the number of points, a Python int (empty for M < 1).

    Returns:
      A float64 array of shape (M,): `0.54 + 0.46 cos(pi n / (M-1))`.

    Example:
      >>> fnp.hamming(3)
      array([0.08, 1.  , 0.08])
    """
    return _cosine_window("hamming", M, (0.54, 0.46))


def hanning(M):
    """The Hann window of `M` points, as `numpy.hanning`.

    Args:
      M: the number of points, a Python int (empty for M < 1).

    Returns:
      A float64 array of shape (M,): `0.5 + 0.5 cos(pi n / (M-1))`.

    Example:
      >>> fnp.hanning(3)
      array([0., 1., 0.])
    """
    return _cosine_window("hanning", M, (0.5, 0.5))


def kaiser(M, beta):
    """The Kaiser window of `M` points and shape `beta`, as `numpy.kaiser`.

    Args:
      M: the number of points, a Python int (empty for M < 1).
      beta: the shape parameter, a float (concrete or traced; differentiable).

    Returns:
      A float64 array of shape (M,): `I0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / I0(beta)`, with I0
      from `functrans.numpy.i0` (whose derivative is I1).

    Example:
      >>> np.round(fnp.kaiser(3, 5.0), 6)
      array([0.036711, 1.      , 0.036711])
    """
    M, n = _window_n("kaiser", M)
    if M < 2:
        return n
    beta = _util.to_inexact(_util.as_operand(beta, "kaiser"))
    beta = _util.convert(beta, np.dtype(np.float64))
    alpha = (M - 1) / 2.0
    r = np.sqrt(1.0 - ((np.arange(M) - alpha) / alpha) ** 2.0)
    return _ufuncs.true_divide(_bits.i0(_ufuncs.multiply(beta, r)), _bits.i0(beta))


# --------------------------------------------------------------------------- calculus


def _interp_periodic(x, xp, fp, period):
    """x, xp, fp reduced modulo `period`, xp sorted (with NumPy) and extended by one point
    at each end, as `numpy.interp` does for periodic data."""
    if _util.is_deferred(period) or _util.is_deferred(xp):
        raise errors.FunctransValueError(
            "interp: with `period`, xp must be concrete host values (it is sorted with "
            "NumPy), not traced or foreign arrays, and period a Python number.")
    if period == 0:
        raise errors.FunctransValueError("interp: period must be a non-zero value.")
    period = abs(float(period))
    n = _util.aval(xp).shape[0]
    x = _ufuncs.remainder(x, period)
    xp = np.asarray(xp) % period
    order = np.argsort(xp, kind="stable")
    xp = xp[order]
    fp = _indexing.getitem(fp, order)
    xp = np.concatenate((xp[-1:] - period, xp, xp[:1] + period))
    fp = _join.concatenate([_indexing.getitem(fp, slice(n - 1, n)), fp,
                            _indexing.getitem(fp, slice(0, 1))])
    return x, xp, fp


def _interp_inside(x, xp, fp, n: int):
    """The linear interpolation at x of the n points, for xp[0] <= x <= xp[-1]."""
    if n == 1:
        return _ufuncs.add(_ufuncs.multiply(x, 0.0), _indexing.getitem(fp, 0))
    count = searching.searchsorted(xp, x, "right")   # the number of xp <= x
    j = _ufuncs.clip(_ufuncs.subtract(count, 1), 0, n - 2)
    x0, x1 = _indexing.take(xp, j), _indexing.take(xp, _ufuncs.add(j, 1))
    y0, y1 = _indexing.take(fp, j), _indexing.take(fp, _ufuncs.add(j, 1))
    dx = _ufuncs.subtract(x1, x0)
    flat = _ufuncs.equal(dx, 0.0)
    slope = _ufuncs.true_divide(_ufuncs.subtract(y1, y0), _ufuncs.where(flat, 1.0, dx))
    f = _ufuncs.add(_ufuncs.multiply(slope, _ufuncs.subtract(x, x0)), y0)
    f = _ufuncs.where(flat, y0, f)
    last = _indexing.getitem(xp, n - 1)
    return _ufuncs.where(_ufuncs.equal(x, last), _indexing.getitem(fp, n - 1), f)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of the points `(xp, fp)` at `x`, as `numpy.interp`.

    Args:
      x: where to evaluate, an array, traced value or Python scalar.
      xp: 1-d increasing sample points (not checked, as NumPy).
      fp: 1-d sample values, as long as xp.
      left, right: the values for `x < xp[0]` and `x > xp[-1]` (default fp[0], fp[-1]).
      period: for periodic `xp` (left and right are then ignored); needs a concrete `xp`
        (sorted here with NumPy; a traced xp raises).

    Returns:
      A float64 array of x's shape (complex128 for complex fp). Each x is located by a
      binary search in xp (one `searchsorted` primitive: cost len(x) * log2(len(xp))).
      Derivatives (as JAX): in x, the slope of the interval `[xp[j], xp[j+1])` that holds x
      (the right one at an inner knot; zero outside [xp[0], xp[-1]] and at x == xp[-1],
      where the value is fp[-1] exactly as NumPy's); in fp and xp through the linear
      formula.

    Example:
      >>> fnp.interp(np.array([0.0, 1.5, 2.0, 9.0]), np.array([1.0, 2.0, 3.0]),
      ...            np.array([10.0, 20.0, 0.0]))
      array([10., 15., 20.,  0.])
    """
    f64 = np.dtype(np.float64)
    x = _util.convert(_util.as_array(x, "interp"), f64)
    xp = _util.convert(_util.as_array(xp, "interp"), f64)
    fp = _util.as_array(fp, "interp")
    # Complex values fp are interpolated as complex128 (NumPy's and JAX's complex interp).
    ftype = dtypes.complex_ if dtypes.is_complex(_util.aval(fp).dtype) else f64
    fp = _util.convert(fp, ftype)
    if _util.aval(xp).ndim != 1 or _util.aval(fp).ndim != 1:
        raise errors.FunctransValueError("interp: xp and fp must be 1-d sequences.")
    n = _util.aval(xp).shape[0]
    if _util.aval(fp).shape[0] != n:
        raise errors.FunctransValueError("interp: fp and xp are not of the same length.")
    if n == 0:
        raise errors.FunctransValueError("interp: array of sample points is empty.")
    if period is not None:
        x, xp, fp = _interp_periodic(x, xp, fp, period)
        left = right = None
        n += 2
    f = _interp_inside(x, xp, fp, n)
    first, last = _indexing.getitem(xp, 0), _indexing.getitem(xp, n - 1)
    lval = _indexing.getitem(fp, 0) if left is None else \
        _util.convert(_util.as_operand(left, "interp"), ftype)
    rval = _indexing.getitem(fp, n - 1) if right is None else \
        _util.convert(_util.as_operand(right, "interp"), ftype)
    f = _ufuncs.where(_ufuncs.less(x, first), lval, f)
    f = _ufuncs.where(_ufuncs.greater(x, last), rval, f)
    return _util.convert(f, ftype)


def gradient(f, *varargs, axis=None, edge_order=1):
    """The derivative of sampled values by central differences, as `numpy.gradient`.

    Args:
      f: an array or traced value.
      *varargs: the sample spacing: none (1), one scalar for every axis, or one scalar per
        axis in `axis` (coordinate arrays are not supported).
      axis: None (all axes), an int or a tuple of ints (negative counted from the end).
      edge_order: only 1 (one-sided first differences at the edges).

    Returns:
      One array for one axis, else a tuple of arrays, each of f's shape; float64 for integer
      input, else f's dtype. Linear in f (and differentiable in a traced spacing).

    Example:
      >>> fnp.gradient(np.array([1.0, 2.0, 4.0, 7.0]), 2.0)
      array([0.5 , 0.75, 1.25, 1.5 ])
    """
    if edge_order != 1:
        raise errors.FunctransValueError(
            f"gradient: edge_order={edge_order!r} is not supported; only edge_order=1.")
    f = _util.as_array(f, "gradient")
    fa = _util.aval(f)
    otype = fa.dtype if dtypes.is_inexact(fa.dtype) else np.dtype(np.float64)
    if axis is None:
        axes: tuple[int, ...] = tuple(range(fa.ndim))
    else:
        axes = tuple(_util.canonicalize_axis(a, fa.ndim, "gradient")
                     for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
        if len(set(axes)) != len(axes):
            raise errors.FunctransValueError("gradient: repeated axis.")
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1:
        spacing = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise errors.FunctransTypeError("gradient: invalid number of arguments.")
    f = _util.convert(f, otype)
    outs = []
    for ax, h in zip(axes, spacing, strict=True):
        if ((isinstance(h, np.ndarray) or _util.is_deferred(h)) and _util.aval(h).ndim != 0) or \
                isinstance(h, (list, tuple)):
            raise errors.FunctransValueError(
                "gradient: only scalar spacings are supported (coordinate arrays are not).")
        n = fa.shape[ax]
        if n < edge_order + 1:
            raise errors.FunctransValueError(
                "gradient: shape of the array too small to calculate a numerical gradient, "
                "at least (edge_order + 1) elements are required.")

        def part(start, stop, ax=ax):
            return _indexing.getitem(f, (slice(None),) * ax + (slice(start, stop),))

        pieces = [_ufuncs.true_divide(_ufuncs.subtract(part(1, 2), part(0, 1)), h)]
        if n > 2:
            pieces.append(_ufuncs.true_divide(_ufuncs.subtract(part(2, n), part(0, n - 2)),
                                              _ufuncs.multiply(2.0, h)))
        pieces.append(_ufuncs.true_divide(_ufuncs.subtract(part(n - 1, n), part(n - 2, n - 1)),
                                          h))
        outs.append(_util.convert(_join.concatenate(pieces, axis=ax), otype))
    return outs[0] if len(outs) == 1 else tuple(outs)


def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """`p` with jumps larger than `discont` replaced by their `period` complement, as
    `numpy.unwrap`.

    Args:
      p: an array or traced value.
      discont: the largest jump kept (default period / 2; smaller values act as period / 2).
      axis: the axis along which to unwrap.
      period: the period of the values (a Python number).

    Returns:
      An array of p's shape, of the dtype of `diff(p)` promoted with `period`. Derivatives:
      the identity in p (the corrections are piecewise constant).

    Example:
      >>> fnp.unwrap(np.array([0.0, 3.0, 6.0, 9.0]), period=4.0)
      array([ 0., -1., -2., -3.])
    """
    p = _util.as_array(p, "unwrap")
    pa = _util.aval(p)
    axis = _util.canonicalize_axis(axis, pa.ndim, "unwrap")
    dd = _manip.diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    dtype, _ = dtypes.result_type(_util.aval(dd), _util.aval(_util.as_operand(period, "unwrap")))
    if dtype.kind in "iu":
        high, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = period / 2, True
    low = -high
    ddmod = _ufuncs.add(_ufuncs.remainder(_ufuncs.subtract(dd, low), period), low)
    if ambiguous:
        fix = _ufuncs.logical_and(_ufuncs.equal(ddmod, low), _ufuncs.greater(dd, 0))
        ddmod = _ufuncs.where(fix, high, ddmod)
    correct = _ufuncs.subtract(ddmod, dd)
    correct = _ufuncs.where(_ufuncs.less(_ufuncs.abs(dd), discont), 0, correct)
    p = _util.convert(p, dtype)
    if pa.shape[axis] <= 1:
        return p

    def part(start, stop):
        return _indexing.getitem(p, (slice(None),) * axis + (slice(start, stop),))

    rest = _ufuncs.add(part(1, pa.shape[axis]), _reductions.cumsum(correct, axis=axis))
    return _util.convert(_join.concatenate([part(0, 1), rest], axis=axis), dtype)
