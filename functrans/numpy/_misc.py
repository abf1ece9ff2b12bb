"""functrans.numpy: selection and integer/float helpers (issue 12): `select`, `choose`,
`piecewise`, `take_along_axis`, `put_along_axis`, `gcd`, `lcm`, `frexp` (polynomials are in
`_poly`, windows and calculus in `_windows`).

Compositions of primitives and of the other functrans.numpy modules, with NumPy's signatures
and semantics.
"""
from __future__ import annotations

import numpy as np

from functrans import errors
from functrans.numpy import (
    _creation,
    _indexing,
    _join,
    _math,
    _reductions,
    _shape,
    _ufuncs,
    _util,
)
from functrans.primitives import indexing

# The public names, re-exported by functrans.numpy.
__all__: list[str] = [
    "choose", "frexp", "gcd", "lcm", "piecewise", "put_along_axis", "select", "take_along_axis"
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
    if isinstance(choices, np.ndarray) or _util.is_deferred(choices):
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
        if _util.is_deferred(a):
            raise errors.FunctransValueError(
                "choose: mode='raise' needs concrete indices, but `a` is traced (or a foreign "
                "array, which functrans does not read on the host) and its values cannot be "
                "checked; use mode='wrap' or mode='clip'.")
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
    shape = _util.aval(arr).shape
    if len(shape) == 1 and _util.aval(indices).ndim == 1:
        # One lane: the gather getitem would build, without its index analysis.
        _indexing._check_bounds(indices, shape[0], 0)
        return indexing.gather(arr, indices, 0)
    idx = _along_axis_index("take_along_axis", shape, indices, axis)
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
        if not _util.is_deferred(b) and not np.any(b):
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
