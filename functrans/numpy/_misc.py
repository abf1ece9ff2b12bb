"""functrans.numpy: selection, polynomials, windows and other compositions (issue 12):
`select`, `choose`, `piecewise`, `take_along_axis`, polynomials, window functions, ...

Compositions of primitives and of the other functrans.numpy modules, with NumPy's signatures
and semantics.
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import (
    _creation,
    _indexing,
    _join,
    _manip,
    _math,
    _reductions,
    _shape,
    _ufuncs,
    _util,
)

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "bartlett", "blackman", "choose", "frexp", "gcd", "gradient", "hamming", "hanning", "interp",
    "kaiser", "lcm", "piecewise", "poly", "polyadd", "polyder", "polyint", "polymul", "polysub",
    "polyval", "put_along_axis", "select", "take_along_axis", "unwrap"
]


def _is_bool(x) -> bool:
    return _util.aval(x).dtype.kind == "b"


# --------------------------------------------------------------------------- selection


def select(condlist, choicelist, default=0):
    """Elements of `choicelist[i]` for the first true `condlist[i]`, as `numpy.select`.

    Args:
      condlist: a list of bool arrays (or traced values), broadcast together.
      choicelist: a list of the same length of arrays, traced values or Python scalars.
      default: the value where no condition holds.

    Returns:
      An array of the broadcast shape and the promoted dtype of choices and default (a chain
      of `where`s, so derivatives flow to the selected choice only).

    Example:
      >>> fnp.select([np.array([True, False, False]), np.array([True, True, False])],
      ...            [np.array([1.0, 2.0, 3.0]), 10.0], default=-1.0)
      array([ 1., 10., -1.])
    """
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise errors.FunctransValueError(
            "select: list of cases must be same length as list of conditions.")
    if not condlist:
        raise errors.FunctransValueError(
            "select: select with an empty condition list is not possible.")
    conds = [_util.as_operand(c, "select") for c in condlist]
    for i, c in enumerate(conds):
        if not _is_bool(c):
            raise errors.FunctransTypeError(
                f"select: invalid entry {i} in condlist: should be boolean ndarray, got dtype "
                f"{_util.aval(c).dtype.name}.")
    choices = [_util.as_operand(c, "select") for c in choicelist]
    default = _util.as_operand(default, "select")
    (*choices, default), _ = _util.elementwise_operands("select", *choices, default)
    shape = _util.broadcast_shapes(*[_util.aval(v).shape for v in (*conds, *choices, default)],
                                   fname="select")
    out = _util.broadcast_to_shape(default, shape, "select")
    for c, v in zip(reversed(conds), reversed(choices), strict=True):
        out = _ufuncs.where(c, v, out)
    return out


def choose(a, choices, out=None, mode="raise"):
    """`choices[a[...]][...]`: an element of the `a`-th choice at each position, as `numpy.choose`.

    Args:
      a: integer indices into `choices`, broadcast with them.
      choices: a sequence of arrays, traced values or Python scalars (or an array, whose
        first axis is the sequence).
      out: not supported; giving it raises FunctransTypeError.
      mode: 'raise' (indices outside [0, n) raise IndexError; only for a concrete `a`),
        'wrap' (modulo n) or 'clip' (clamped to [0, n - 1]).

    Returns:
      An array of the broadcast shape and the promoted dtype of the choices (a chain of
      `where`s: derivatives flow to the chosen elements; `a` is not differentiable).

    Raises:
      FunctransValueError: mode='raise' with a traced `a` (its values cannot be checked
        while tracing): use mode='wrap' or 'clip', as in JAX.

    Example:
      >>> fnp.choose(np.array([0, 1, 1]), [np.array([1.0, 2.0, 3.0]), 10.0])
      array([ 1., 10., 10.])
    """
    _util.check_unsupported("choose", out=out)
    if isinstance(choices, (np.ndarray, core.Tracer)):
        n_axis = _util.aval(choices).shape[0] if _util.aval(choices).ndim else 0
        choices = [_indexing.getitem(choices, i) for i in range(n_axis)]
    choices = [_util.as_operand(c, "choose") for c in choices]
    n = len(choices)
    if n == 0:
        raise errors.FunctransValueError("choose: choices must not be empty.")
    a = _util.as_operand(a, "choose")
    if _util.aval(a).dtype.kind not in "biu":
        raise errors.FunctransTypeError(
            f"choose: the indices `a` must be integers, got dtype {_util.aval(a).dtype.name}.")
    if mode == "raise":
        if isinstance(a, core.Tracer):
            raise errors.FunctransValueError(
                "choose: mode='raise' needs concrete indices, but `a` is traced and its "
                "values cannot be checked while tracing; use mode='wrap' or mode='clip'.")
        arr = np.asarray(a)
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise IndexError("choose: invalid entry in choice array.")
    elif mode == "wrap":
        a = _ufuncs.remainder(a, n)
    elif mode == "clip":
        a = _ufuncs.clip(a, 0, n - 1)
    else:
        raise errors.FunctransValueError(
            f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}.")
    choices, _ = _util.elementwise_operands("choose", *choices)
    shape = _util.broadcast_shapes(_util.aval(a).shape, *[_util.aval(c).shape for c in choices],
                                   fname="choose")
    out_ = _util.broadcast_to_shape(choices[-1], shape, "choose")
    for i in range(n - 2, -1, -1):
        out_ = _ufuncs.where(_ufuncs.equal(a, i), choices[i], out_)
    return out_


def piecewise(x, condlist, funclist, *args, **kw):
    """`funclist[i](x)` where `condlist[i]` holds, as `numpy.piecewise`.

    Args:
      x: an array or traced value.
      condlist: bool arrays of x's shape (a single one may be given alone); later
        conditions win where several hold.
      funclist: one callable or scalar per condition, plus optionally one more for where no
        condition holds (else 0 there).
      *args, **kw: extra arguments passed to each callable.

    Returns:
      An array of x's shape and dtype. Unlike NumPy, every callable is evaluated on all of
      `x` and the results are selected with `where` (as JAX): a callable must accept any
      element of x, and one that gives inf/nan outside its region (e.g. `sqrt` of negatives)
      makes the derivative nan there, as in JAX.

    Example:
      >>> x = np.array([-2.0, 0.5, 3.0])
      >>> fnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2])
      array([2.  , 0.25, 9.  ])
    """
    x = _util.as_array(x, "piecewise")
    xa = _util.aval(x)
    if isinstance(condlist, (list, tuple)):
        conds = list(condlist)
        if conds and xa.ndim != 0 and _util.aval(_util.as_operand(conds[0], "piecewise")).ndim \
                == 0 and not isinstance(conds[0], (list, tuple)):
            conds = [condlist]
    else:
        c = _util.as_operand(condlist, "piecewise")
        if _util.aval(c).ndim == xa.ndim + 1:
            conds = [_indexing.getitem(c, i) for i in range(_util.aval(c).shape[0])]
        else:
            conds = [c]
    conds = [_util.as_operand(c, "piecewise") for c in conds]
    conds = [c if _is_bool(c) else _ufuncs.not_equal(c, 0) for c in conds]
    funcs = list(funclist) if isinstance(funclist, (list, tuple)) else [funclist]
    if len(funcs) == len(conds) + 1:
        none = _ufuncs.logical_not(_reductions.any(_join.stack(
            [_util.broadcast_to_shape(c, xa.shape, "piecewise") for c in conds]), axis=0)) \
            if conds else np.ones(xa.shape, bool)
        conds.append(none)
    elif len(funcs) != len(conds):
        raise errors.FunctransValueError(
            f"piecewise: with {len(conds)} condition(s), funclist must have {len(conds)} or "
            f"{len(conds) + 1} functions, got {len(funcs)}.")
    out = _creation.zeros(xa.shape, xa.dtype)
    for c, f in zip(conds, funcs, strict=True):
        value = f(x, *args, **kw) if callable(f) else f
        value = _util.convert(_util.as_operand(value, "piecewise"), xa.dtype)
        out = _ufuncs.where(c, value, out)
    return out


def _along_axis_index(fname: str, shape, indices, axis: int):
    """The advanced index (one array per axis) that `take_along_axis` gathers with."""
    ishape = _util.aval(indices).shape
    if len(ishape) != len(shape):
        raise errors.FunctransValueError(
            f"{fname}: `indices` and `arr` must have the same number of dimensions, got "
            f"{len(ishape)} and {len(shape)}.")
    idx = []
    for d, n in enumerate(shape):
        if d == axis:
            idx.append(indices)
        else:
            s = [1] * len(shape)
            s[d] = n
            idx.append(np.arange(n).reshape(s))
    return tuple(idx)


def _along_axis_args(fname: str, arr, indices, axis):
    arr = _util.as_array(arr, fname)
    indices = _util.as_array(indices, fname)
    if _util.aval(indices).dtype.kind not in "iu":
        raise errors.FunctransTypeError(
            f"{fname}: `indices` must be integers, got dtype {_util.aval(indices).dtype.name}.")
    if axis is None:
        if _util.aval(indices).ndim != 1:
            raise errors.FunctransValueError(
                f"{fname}: when axis=None, `indices` must have a single dimension.")
        arr = _shape.ravel(arr)
        axis = 0
    axis = _util.canonicalize_axis(axis, _util.aval(arr).ndim, fname)
    return arr, indices, axis


def take_along_axis(arr, indices, axis=-1):
    """Elements of `arr` at `indices` along `axis`, as `numpy.take_along_axis` (one gather).

    Args:
      arr: an array or traced value.
      indices: integers (concrete or traced) of arr's rank; negative values count from the
        end; the other axes broadcast with arr's.
      axis: the axis to index; None indexes the flattened `arr` with 1-d indices.

    Returns:
      The gathered elements (differentiable in `arr`: the derivative scatters back).

    Example:
      >>> fnp.take_along_axis(np.array([[10.0, 30.0, 20.0]]), np.array([[0, 2, 1]]), axis=1)
      array([[10., 20., 30.]])
    """
    arr, indices, axis = _along_axis_args("take_along_axis", arr, indices, axis)
    idx = _along_axis_index("take_along_axis", _util.aval(arr).shape, indices, axis)
    return _indexing.getitem(arr, idx)


def put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
    """`arr` with `values` put at `indices` along `axis`: JAX's functional form of
    `numpy.put_along_axis` (it must be called with `inplace=False`).

    Args:
      arr: an array or traced value (never modified).
      indices: integers of arr's rank (concrete or traced), as for `take_along_axis`.
      values: broadcast to the shape of the indexed elements and converted to arr's dtype.
      axis: the axis to index; None indexes the flattened array.
      inplace: must be False (functrans values are immutable).
      mode: only None.

    Returns:
      A new array (one scatter; with repeated indices the last write wins). Differentiable
      in `arr` (zero at the overwritten positions) and `values`.

    Raises:
      FunctransValueError: inplace=True, NumPy's in-place form: use inplace=False, or
        `x.at[idx].set(values)`.

    Example:
      >>> fnp.put_along_axis(np.zeros((1, 3)), np.array([[2]]), 5.0, axis=1, inplace=False)
      array([[0., 0., 5.]])
    """
    if inplace:
        raise errors.FunctransValueError(
            "put_along_axis: functrans values are immutable, so the in-place form is not "
            "supported; call put_along_axis(..., inplace=False) for the updated copy (JAX's "
            "form), or use x.at[idx].set(values).")
    if mode is not None:
        raise errors.FunctransTypeError(
            f"put_along_axis: mode={mode!r} is not supported; leave it at None.")
    shape = _util.aval(_util.as_array(arr, "put_along_axis")).shape
    arr, indices, axis2 = _along_axis_args("put_along_axis", arr, indices, axis)
    idx = _along_axis_index("put_along_axis", _util.aval(arr).shape, indices, axis2)
    out = _indexing.IndexUpdateHelper(arr)[idx].set(values)
    return _shape.reshape(out, shape) if axis is None else out


# --------------------------------------------------------------------------- integer and float


def _int_operands(fname: str, x1, x2):
    (a, b), dtype = _util.elementwise_operands(fname, x1, x2)
    if dtype.kind not in "iu":
        raise errors.FunctransTypeError(
            f"{fname}: the operands must be integers, got dtype {dtype.name}.")
    return a, b, dtype


# Euclid's algorithm takes at most this many steps for operands of this many bits (the
# index of the first Fibonacci number above the largest value).
_EUCLID_STEPS = {8: 13, 16: 25, 32: 48, 64: 94}


def _gcd(a, b, dtype):
    a, b = _ufuncs.abs(a), _ufuncs.abs(b)
    steps = _EUCLID_STEPS[dtype.itemsize * 8]
    for _ in range(steps):
        if not isinstance(b, core.Tracer) and not np.any(b):
            break
        zero = _ufuncs.equal(b, 0)
        r = _ufuncs.remainder(a, _ufuncs.where(zero, 1, b))
        a, b = _ufuncs.where(zero, a, b), _ufuncs.where(zero, 0, r)
    return a


def gcd(x1, x2, /, *, out=None, where=None):
    """Elementwise greatest common divisor of |x1| and |x2|, as `numpy.gcd`.

    Args:
      x1, x2: integer arrays, traced values or Python ints, broadcast and promoted (NEP 50).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The non-negative gcd (gcd(0, 0) == 0), by Euclid's algorithm: on concrete values until
      done, under a transformation unrolled to its worst case for the dtype. Integers: not
      differentiable.

    Example:
      >>> fnp.gcd(np.array([12, -20, 0]), 8)
      array([4, 4, 8])
    """
    _util.check_unsupported("gcd", out=out, where=where)
    a, b, dtype = _int_operands("gcd", x1, x2)
    return _gcd(a, b, dtype)


def lcm(x1, x2, /, *, out=None, where=None):
    """Elementwise least common multiple of |x1| and |x2|, as `numpy.lcm`.

    Args:
      x1, x2: integer arrays, traced values or Python ints, broadcast and promoted (NEP 50).
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      The non-negative lcm, `|x1| // gcd(x1, x2) * |x2|` (0 if either is 0). Integers: not
      differentiable.

    Example:
      >>> fnp.lcm(np.array([4, 6, 0]), 6)
      array([12,  6,  0])
    """
    _util.check_unsupported("lcm", out=out, where=where)
    a, b, dtype = _int_operands("lcm", x1, x2)
    g = _gcd(a, b, dtype)
    zero = _ufuncs.equal(g, 0)
    q = _ufuncs.floor_divide(_ufuncs.abs(a), _ufuncs.where(zero, 1, g))
    return _ufuncs.where(zero, 0, _ufuncs.multiply(q, _ufuncs.abs(b)))


def frexp(x, /, *, out=None, where=None):
    """Mantissa and exponent with `x == m * 2**e`, `0.5 <= |m| < 1`, as `numpy.frexp`.

    Args:
      x: floats (integers and bools become float64), an array, traced value or Python scalar.
      out, where: not supported; giving them raises FunctransTypeError.

    Returns:
      A pair `(m, e)`: m of x's float dtype, e int32 (for 0, inf and nan: m = x, e = 0).
      Derivatives: `2**-e` for m (piecewise constant, jumping at powers of two); e is an
      integer output, not differentiable.

    Example:
      >>> fnp.frexp(np.array([8.0, -0.75, 0.0]))
      (array([ 0.5 , -0.75,  0.  ]), array([4, 0, 0], dtype=int32))
    """
    _util.check_unsupported("frexp", out=out, where=where)
    x = _util.to_inexact(_util.as_array(x, "frexp"))
    xa = _util.aval(x)
    x = _util.convert(x, xa.dtype)
    special = _ufuncs.logical_or(_ufuncs.equal(x, 0), _ufuncs.logical_not(_ufuncs.isfinite(x)))
    ax = _ufuncs.where(special, 1.0, _ufuncs.abs(x))
    e = _ufuncs.add(_ufuncs.floor(_ufuncs.log2(ax)), 1.0)
    e = _util.convert(e, np.dtype(np.int32))
    # log2 may round across a power of two: one correction step either way.
    m = _math.ldexp(ax, _ufuncs.negative(e))
    e = _ufuncs.where(_ufuncs.greater_equal(m, 1.0), _ufuncs.add(e, 1), e)
    e = _ufuncs.where(_ufuncs.less(m, 0.5), _ufuncs.subtract(e, 1), e)
    e = _ufuncs.where(special, 0, e)
    e = _util.convert(e, np.dtype(np.int32))
    m = _ufuncs.where(special, x, _math.ldexp(x, _ufuncs.negative(e)))
    return m, e



# --------------------------------------------------------------------------- polynomials
#
# Coefficients are 1-d, highest degree first (NumPy's `poly*` convention). Their length is a
# static shape, so every loop below unrolls over it.


def _coeffs(p, fname: str, argname: str = "p"):
    p = _shape.atleast_1d(_util.as_array(p, fname))
    if _util.aval(p).ndim != 1:
        raise errors.FunctransValueError(
            f"{fname}: `{argname}` must be a 1-d array of coefficients (highest degree first), "
            f"got shape {_util.aval(p).shape}.")
    return p


def polyval(p, x):
    """The polynomial with coefficients `p` at `x`, by Horner's scheme, as `numpy.polyval`.

    Args:
      p: 1-d coefficients, highest degree first (an array, traced value or list).
      x: the points, an array, traced value or Python scalar.

    Returns:
      `p[0] * x**(n-1) + ... + p[n-1]` of x's shape (dtype: x's promoted with p's, as NumPy's
      loop `y = y * x + p[i]` from `y = zeros_like(x)`). Differentiable in p and x.

    Example:
      >>> fnp.polyval(np.array([3.0, 0.0, 1.0]), np.array([1.0, 2.0]))
      array([ 4., 13.])
    """
    p = _util.as_array(p, "polyval")
    if _util.aval(p).ndim != 1:
        p = _coeffs(p, "polyval")
    x = _util.as_array(x, "polyval")
    y = _creation.zeros_like(x)
    for i in range(_util.aval(p).shape[0]):
        y = _ufuncs.add(_ufuncs.multiply(y, x), _indexing.getitem(p, i))
    return y


def _aligned(fname: str, a1, a2):
    """Both coefficient arrays, the shorter padded with leading zeros (of its own dtype)."""
    a1, a2 = _coeffs(a1, fname, "a1"), _coeffs(a2, fname, "a2")
    n1, n2 = _util.aval(a1).shape[0], _util.aval(a2).shape[0]
    if n1 < n2:
        a1 = _join.concatenate([np.zeros(n2 - n1, _util.aval(a1).dtype), a1])
    elif n2 < n1:
        a2 = _join.concatenate([np.zeros(n1 - n2, _util.aval(a2).dtype), a2])
    return a1, a2


def polyadd(a1, a2):
    """The sum of two polynomials, as `numpy.polyadd`.

    Args:
      a1, a2: 1-d coefficients, highest degree first (scalars count as degree 0).

    Returns:
      The coefficients of the sum, as long as the longer operand (no trimming).

    Example:
      >>> fnp.polyadd(np.array([1.0, 2.0]), np.array([1.0, 0.0, 5.0]))
      array([1., 1., 7.])
    """
    return _ufuncs.add(*_aligned("polyadd", a1, a2))


def polysub(a1, a2):
    """The difference `a1 - a2` of two polynomials, as `numpy.polysub`.

    Args:
      a1, a2: 1-d coefficients, highest degree first (scalars count as degree 0).

    Returns:
      The coefficients of the difference, as long as the longer operand (no trimming).

    Example:
      >>> fnp.polysub(np.array([1.0, 2.0]), np.array([1.0, 0.0, 5.0]))
      array([-1.,  1., -3.])
    """
    return _ufuncs.subtract(*_aligned("polysub", a1, a2))


def polymul(a1, a2, *, trim_leading_zeros=False):
    """The product of two polynomials (the convolution of their coefficients), as
    `numpy.polymul` with JAX's `trim_leading_zeros`.

    Args:
      a1, a2: 1-d non-empty coefficients, highest degree first.
      trim_leading_zeros: NumPy drops leading zero coefficients of the operands first (a
        data-dependent shape); as JAX, this is done only when True, on concrete operands.

    Returns:
      `len(a1) + len(a2) - 1` coefficients: the outer product summed along its
      anti-diagonals (one scatter-add at static positions). Differentiable in both.

    Example:
      >>> fnp.polymul(np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))
      array([ 3., 10., 13., 10.])
    """
    a1, a2 = _coeffs(a1, "polymul", "a1"), _coeffs(a2, "polymul", "a2")
    if trim_leading_zeros:
        if isinstance(a1, core.Tracer) or isinstance(a2, core.Tracer):
            raise errors.FunctransValueError(
                "polymul: trim_leading_zeros=True needs concrete coefficients (the result's "
                "length would depend on their values); leave it False under a transformation.")
        a1, a2 = (np.trim_zeros(a, "f") if np.any(a) else a[-1:] for a in (a1, a2))
    n1, n2 = _util.aval(a1).shape[0], _util.aval(a2).shape[0]
    if n1 == 0 or n2 == 0:
        raise errors.FunctransValueError("polymul: the coefficient arrays must not be empty.")
    (a1, a2), dtype, _ = _util.promote(a1, a2)
    prods = _ufuncs.multiply(_shape.reshape(a1, (n1, 1)), _shape.reshape(a2, (1, n2)))
    positions = (np.arange(n1)[:, None] + np.arange(n2)[None, :]).ravel()
    zeros = _creation.zeros((n1 + n2 - 1,), dtype)
    return _indexing.IndexUpdateHelper(zeros)[positions].add(_shape.ravel(prods))


def polyder(p, m=1):
    """The `m`-th derivative of a polynomial, as `numpy.polyder`.

    Args:
      p: 1-d coefficients, highest degree first.
      m: the order of the derivative, a non-negative Python int.

    Returns:
      `max(len(p) - m, 0)` coefficients (p itself for m = 0). Differentiable in p.

    Example:
      >>> fnp.polyder(np.array([1.0, 1.0, 1.0, 1.0]), 2)
      array([6., 2.])
    """
    m = operator.index(m)
    if m < 0:
        raise errors.FunctransValueError("polyder: order of derivative must be positive (see "
                                         "polyint).")
    p = _coeffs(p, "polyder")
    for _ in range(m):
        n = _util.aval(p).shape[0] - 1
        p = _ufuncs.multiply(_indexing.getitem(p, slice(0, max(n, 0))),
                             np.arange(n, 0, -1))
    return p


def polyint(p, m=1, k=None):
    """The `m`-th antiderivative of a polynomial, as `numpy.polyint`.

    Args:
      p: 1-d coefficients, highest degree first.
      m: the order of the antiderivative, a non-negative Python int.
      k: the integration constants, lowest-order integration first: None (zeros), a scalar
        (used for every step) or `m` values.

    Returns:
      `len(p) + m` coefficients (p itself for m = 0); float64 unless p is wider, as NumPy.
      Differentiable in p and k.

    Example:
      >>> fnp.polyint(np.array([3.0, 2.0, 1.0]), k=5.0)
      array([1., 1., 1., 5.])
    """
    m = operator.index(m)
    if m < 0:
        raise errors.FunctransValueError("polyint: order of integral must be positive (see "
                                         "polyder).")
    k = np.zeros(m, float) if k is None else _shape.atleast_1d(_util.as_array(k, "polyint"))
    nk = _util.aval(k).shape[0]
    if nk == 1 and m > 1:
        k = _ufuncs.multiply(_indexing.getitem(k, 0), np.ones(m, float))
    elif nk < m:
        raise errors.FunctransValueError(
            "polyint: k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _coeffs(p, "polyint")
    for i in range(m):
        n = _util.aval(p).shape[0]
        p = _join.concatenate([_ufuncs.true_divide(p, np.arange(n, 0, -1)),
                               _shape.reshape(_indexing.getitem(k, i), (1,))])
    return p


def poly(seq_of_zeros):
    """The coefficients of the monic polynomial with the given real roots, as `numpy.poly`.

    Args:
      seq_of_zeros: a 1-d array (or traced value, or list) of real roots.

    Returns:
      `len(seq_of_zeros) + 1` coefficients, highest degree first, float64 (float32 for
      float32 roots); 1.0 for no roots. Differentiable in the roots.

    Raises:
      FunctransTypeError: complex roots (complex numbers are not supported yet).
      FunctransValueError: a 2-d array (NumPy takes the characteristic polynomial of a
        matrix, which needs its complex eigenvalues: not supported yet).

    Example:
      >>> fnp.poly(np.array([1.0, 2.0]))
      array([ 1., -3.,  2.])
    """
    if isinstance(seq_of_zeros, (list, tuple)) and any(
            isinstance(r, complex) for r in seq_of_zeros):
        raise errors.FunctransTypeError(
            "poly: complex roots are not supported (functrans has no complex numbers yet).")
    if isinstance(seq_of_zeros, (complex, np.ndarray)) and np.iscomplexobj(seq_of_zeros):
        raise errors.FunctransTypeError(
            "poly: complex roots are not supported (functrans has no complex numbers yet).")
    r = _shape.atleast_1d(_util.as_array(seq_of_zeros, "poly"))
    ra = _util.aval(r)
    if ra.ndim != 1:
        raise errors.FunctransValueError(
            f"poly: only a 1-d sequence of real roots is supported, got shape {ra.shape}; the "
            "characteristic polynomial of a matrix needs complex eigenvalues (not supported "
            "yet).")
    if ra.shape[0] == 0:
        return 1.0
    dtype = ra.dtype if ra.dtype in (np.dtype(np.float32), np.dtype(np.float64)) \
        else np.dtype(np.float64)
    r = _util.convert(r, dtype)
    a = np.ones(1, dtype)
    for i in range(ra.shape[0]):
        z = _indexing.getitem(r, i)
        a = _ufuncs.subtract(_join.concatenate([a, np.zeros(1, dtype)]),
                             _ufuncs.multiply(z, _join.concatenate([np.zeros(1, dtype), a])))
    return a


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


# Terms of the power series of I0 used by `kaiser`: enough for float64 up to |x| = 30 (the
# first omitted term is below 1e-30 of the sum there); more are added for a larger concrete x.
_I0_TERMS = 60


def _i0(x, terms: int):
    """The modified Bessel function I0 by its power series `sum_k ((x/2)^k / k!)^2`."""
    q = _ufuncs.square(_ufuncs.true_divide(x, 2.0))
    term = _creation.ones_like(q)
    total = term
    for k in range(1, terms):
        term = _ufuncs.true_divide(_ufuncs.multiply(term, q), float(k * k))
        total = _ufuncs.add(total, term)
    return total


def kaiser(M, beta):
    """The Kaiser window of `M` points and shape `beta`, as `numpy.kaiser`.

    Args:
      M: the number of points, a Python int (empty for M < 1).
      beta: the shape parameter, a float (concrete or traced; differentiable).

    Returns:
      A float64 array of shape (M,): `I0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / I0(beta)`, with I0
      by its power series (to ~1e-15 relative for |beta| <= 30 when beta is traced; a
      concrete beta gets as many terms as it needs).

    Example:
      >>> np.round(fnp.kaiser(3, 5.0), 6)
      array([0.036711, 1.      , 0.036711])
    """
    M, n = _window_n("kaiser", M)
    if M < 2:
        return n
    beta = _util.to_inexact(_util.as_operand(beta, "kaiser"))
    beta = _util.convert(beta, np.dtype(np.float64))
    terms = _I0_TERMS
    if not isinstance(beta, core.Tracer):
        terms = max(terms, int(2 * abs(float(beta))) + 30)
    alpha = (M - 1) / 2.0
    r = np.sqrt(1.0 - ((np.arange(M) - alpha) / alpha) ** 2.0)
    return _ufuncs.true_divide(_i0(_ufuncs.multiply(beta, r), terms), _i0(beta, terms))


# --------------------------------------------------------------------------- calculus


def _interp_periodic(x, xp, fp, period):
    """x, xp, fp reduced modulo `period`, xp sorted (with NumPy) and extended by one point
    at each end, as `numpy.interp` does for periodic data."""
    if isinstance(period, core.Tracer) or isinstance(xp, core.Tracer):
        raise errors.FunctransValueError(
            "interp: with `period`, xp must be concrete (it is sorted with NumPy) and "
            "period a Python number.")
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
    below = _ufuncs.less_equal(_shape.expand_dims(xp, tuple(range(_util.aval(x).ndim))),
                               _shape.expand_dims(x, -1))
    count = _reductions.sum(_util.convert(below, np.dtype(np.int64)), axis=-1)
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
      A float64 array of x's shape. Each x is located by comparing it with every xp (no
      sort primitive: cost len(x) * len(xp)). Derivatives (as JAX): in x, the slope of the
      interval `[xp[j], xp[j+1])` that holds x (the right one at an inner knot; zero outside
      [xp[0], xp[-1]] and at x == xp[-1], where the value is fp[-1] exactly as NumPy's); in
      fp and xp through the linear formula.

    Example:
      >>> fnp.interp(np.array([0.0, 1.5, 2.0, 9.0]), np.array([1.0, 2.0, 3.0]),
      ...            np.array([10.0, 20.0, 0.0]))
      array([10., 15., 20.,  0.])
    """
    f64 = np.dtype(np.float64)
    x = _util.convert(_util.as_array(x, "interp"), f64)
    xp = _util.convert(_util.as_array(xp, "interp"), f64)
    fp = _util.convert(_util.as_array(fp, "interp"), f64)
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
        _util.convert(_util.as_operand(left, "interp"), f64)
    rval = _indexing.getitem(fp, n - 1) if right is None else \
        _util.convert(_util.as_operand(right, "interp"), f64)
    f = _ufuncs.where(_ufuncs.less(x, first), lval, f)
    f = _ufuncs.where(_ufuncs.greater(x, last), rval, f)
    return _util.convert(f, f64)


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
    otype = fa.dtype if dtypes.is_float(fa.dtype) else np.dtype(np.float64)
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
        if (isinstance(h, (np.ndarray, core.Tracer)) and _util.aval(h).ndim != 0) or \
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
