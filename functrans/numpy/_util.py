"""Helpers shared by `functrans.numpy`: operands, NumPy 2 promotion, broadcasting, axes, dtypes.

Owns the conversions every public function makes before it binds primitives: turning user
values into operands, promoting them per NEP 50 (weak Python scalars), broadcasting them by
NumPy's rules, checking axes, dtypes and unsupported arguments; and the fast path of the
common cases of tracing, which skips them (`FAST_PATHS`). Owns no public function.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from functrans import backend, core, dtypes, errors, ir
from functrans.numpy import _array
from functrans.primitives import elementwise, slicing
from functrans.primitives import shape as shape_prims

_SUPPORTED_KINDS = "biufc"
# The Python type a weakly typed result of each kind is passed as (bind makes it a weak literal).
_PY_TYPES = {"b": bool, "i": int, "f": float, "c": complex}


def is_python_scalar(x) -> bool:
    # np.float64 subclasses float (np.complex128 complex), but it is strongly typed: only
    # true Python scalars are weak.
    return isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic)


def check_dtype(dtype, fname: str, argname: str = "dtype") -> np.dtype | None:
    """`dtype` as an np.dtype (None stays None); non-numeric dtypes raise."""
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError as e:
        raise errors.FunctransTypeError(f"{fname}: `{argname}`={dtype!r} is not a dtype.") from e
    if dtype.kind not in _SUPPORTED_KINDS:
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` has dtype {dtype.name}, which functrans does not support; "
            "use a bool, integer, floating or complex dtype.")
    return dtype


def check_unsupported(fname: str, **kwargs) -> None:
    """Raise for NumPy arguments functrans does not implement, when they are given."""
    for name, value in kwargs.items():
        if value is None or (name == "where" and value is True):
            continue
        hint = {
            "out": "functrans values are immutable; use the returned value "
                   "(or x.at[idx].set(v) for an update)",
            "where": "use functrans.numpy.where on the result instead",
        }.get(name, "leave it at its default")
        raise errors.FunctransTypeError(
            f"{fname}: the `{name}` argument is not supported; {hint}.")


def as_operand(x, fname: str = "functrans.numpy"):
    """A tracer, NumPy array/scalar, or Python scalar; sequences become arrays (tracers stack)."""
    if isinstance(x, core.Tracer):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        check_dtype(x.dtype, fname, "argument")
        return x
    if is_python_scalar(x):
        return x
    if backend.is_foreign(x):   # a Dask or CuPy array: bound as it is (functrans/backend.py)
        check_dtype(np.dtype(x.dtype), fname, "argument")
        return x
    if isinstance(x, (list, tuple)):
        # What functrans.numpy.asarray(x) gives.
        if any_deferred(x):
            return stack_nested(x)
        return check_numeric(np.asarray(x), "asarray")
    arr = np.asarray(x)
    if arr.dtype.kind not in _SUPPORTED_KINDS:
        raise errors.FunctransTypeError(
            f"{fname}: argument of type {type(x).__name__} is not an array; pass a NumPy array, "
            "a traced value, a Python scalar or a (nested) list of them.")
    return arr


def as_array(x, fname: str = "functrans.numpy"):
    """Like `as_operand`, but a Python scalar becomes a 0-d NumPy array of its default dtype."""
    x = as_operand(x, fname)
    if is_python_scalar(x):
        return np.asarray(x)
    return x


def contains_tracer(obj) -> bool:
    if isinstance(obj, core.Tracer):
        return True
    return isinstance(obj, (list, tuple)) and any(contains_tracer(x) for x in obj)


def any_traced(*xs) -> bool:
    """Whether any argument is or holds (in lists and tuples) a traced value."""
    return contains_tracer(xs)


# --------------------------------------------------------------------------- foreign arrays
# A Dask or CuPy array passed to a functrans.numpy function outside any transformation is
# concrete, but functrans does not read it on the host (that would compute a Dask graph or
# copy from the device, and CuPy refuses it implicitly): a function takes its traced route for
# it, whose primitives bind on the array's own namespace (functrans/backend.py), and a NumPy
# constant it returns or mixes in is made in that namespace (`in_namespace`).


# Types that are never deferred nor foreign (the NumPy path's common arguments): one set test.
_HOST_TYPES = frozenset({np.ndarray, _array.Array, bool, int, float, complex, type(None), str,
                         slice})
_SEQUENCES = (list, tuple)


def is_deferred(x) -> bool:
    """Whether `x` is a value that functrans.numpy must not read on the host: a traced value
    (unknown until the program runs) or a foreign array (Dask, CuPy). Functions that compute
    something from a concrete argument with NumPy take their traced route for both."""
    if type(x) in _HOST_TYPES:
        return False
    return isinstance(x, core.Tracer) or backend.is_foreign(x)


def any_deferred(*xs) -> bool:
    """Whether any argument is or holds (in lists and tuples) a deferred value (`is_deferred`)."""
    for x in xs:
        if type(x) in _HOST_TYPES:
            continue
        if isinstance(x, _SEQUENCES):
            if any_deferred(*x):
                return True
        elif isinstance(x, core.Tracer) or backend.is_foreign(x):
            return True
    return False


def foreign_backend(*xs) -> backend.Backend | None:
    """The backend of the first foreign array among `xs` (lists and tuples searched), None
    when there is none (NumPy, traced values): one type test per NumPy argument."""
    for x in xs:
        if type(x) in _HOST_TYPES:
            continue
        if isinstance(x, _SEQUENCES):
            be = foreign_backend(*x)
            if be is not None:
                return be
        elif backend.is_foreign(x):
            return backend.find((x,))
    return None


def in_namespace(value, *args):
    """`value`, a NumPy array or scalar (or a tuple or list of values) made by NumPy code
    beside the arguments (`zeros_like`, `isfinite` of integers, an index grid, a helper array
    that Python operators combine with an argument), as arrays of the namespace of the
    foreign array among `args` (`np.asarray(c, like=proto)`: `cupy.asarray`, `da.asarray`).
    Other values (traced or foreign ones, Python scalars, which stay weakly typed, None) are
    left alone, and so is everything when `args` hold no foreign array (NumPy, traced
    values): the NumPy path pays one type test per argument. Outside a transformation a
    foreign input then gives a foreign result, as under `jit`."""
    for x in args:
        if type(x) not in _HOST_TYPES:
            be = foreign_backend(*args)
            return value if be is None else _moved(value, be)
    return value


def with_like(fname: str, value, like):
    """`value` made in the namespace of `like` (NumPy's NEP 35 `like=`): a foreign array's for
    a foreign `like`, unchanged for None, a NumPy array or scalar or a traced value (a NumPy
    scalar is accepted, where NumPy refuses it, so that code written for arrays works on the
    0-d values derivative checks pass). Like NumPy, a `like` that is not an array (a Python
    scalar, a list: no `__array_function__`) is refused."""
    if like is None:
        return value
    if not (isinstance(like, (core.Tracer, np.generic))
            or hasattr(type(like), "__array_function__")):
        raise errors.FunctransTypeError(
            f"{fname}: like= must be an array (a NumPy, Dask or CuPy array, or a traced "
            f"value), got {type(like).__name__}; leave like= out for a NumPy result.")
    return in_namespace(value, like)


def _moved(value, be: backend.Backend):
    if isinstance(value, (tuple, list)):
        return type(value)(_moved(v, be) for v in value)
    if isinstance(value, (np.ndarray, np.generic)):
        return be.move([np.asarray(value)])[0]
    return value


def _flatten_nested(obj, leaves: list) -> tuple[int, ...]:
    """Append the leaves of a nested list to `leaves`; return the lengths of its levels."""
    if not isinstance(obj, (list, tuple)):
        leaves.append(as_operand(obj, "asarray"))
        return ()
    inner = [_flatten_nested(x, leaves) for x in obj]
    if not obj or any(s != inner[0] for s in inner):
        raise errors.FunctransValueError(
            "asarray: a list holding traced values must be non-empty and regular (equal "
            "lengths at each level).")
    return (len(obj), *inner[0])


def stack_nested(obj):
    """A nested list holding traced values as one traced array (stacked, as JAX does).

    All leaves are promoted together first. Python scalars inside a list are not weak here:
    `numpy.array([np.float32(1), 1.0])` is float64, so `[f32_tracer, 1.0]` is float64 too.
    The leaves are stacked as `functrans.numpy.stack` does (a new axis 0, one concatenate),
    then reshaped to the nesting.
    """
    leaves: list = []
    lengths = _flatten_nested(obj, leaves)
    leaves = [np.asarray(v) if isinstance(v, (bool, int, float, complex)) else v
              for v in leaves]
    leaves, _, _ = promote(*leaves)
    shapes = {aval(x).shape for x in leaves}
    if len(shapes) != 1:
        raise errors.FunctransValueError(
            f"stack: all input arrays must have the same shape, got {sorted(shapes)}.")
    (shape,) = shapes
    stacked = slicing.concatenate([shape_prims.reshape(x, (1, *shape)) for x in leaves], 0)
    return shape_prims.reshape(stacked, lengths + shape)


def check_numeric(arr: np.ndarray, fname: str) -> np.ndarray:
    if arr.dtype.kind not in _SUPPORTED_KINDS:
        raise errors.FunctransTypeError(
            f"{fname}: cannot make an array of dtype {arr.dtype.name} from this input; "
            "functrans supports bool, integer, floating and complex arrays.")
    return arr


def aval(x) -> ir.ShapedArray:
    return core.get_aval(x)


def convert(x, dtype: np.dtype, weak: bool = False):
    """`x` as `dtype`: a Python scalar becomes a NumPy scalar (or stays weak), arrays convert."""
    if is_python_scalar(x):
        if weak:
            return _PY_TYPES[dtype.kind](x)
        # Raises OverflowError for out-of-range Python ints, as NumPy 2 does.
        return np.array(x, dtype)[()]
    if core.get_aval(x).dtype == dtype:
        # A weak operand beside strong ones needs no convert: the primitive's result is strong.
        return x
    return elementwise.convert_element_type(x, dtype, weak_type=weak)


def promote(*xs):
    """The operands converted to their NEP 50 result dtype; the dtype and weakness too."""
    dtype, weak = dtypes.result_type(*[core.get_aval(x) for x in xs])
    return [convert(x, dtype, weak) for x in xs], dtype, weak


def to_inexact(x):
    """Integer and bool values as float64 (keeping weakness); floats and complex unchanged."""
    a = core.get_aval(x)
    if dtypes.is_inexact(a.dtype):
        return x
    return convert(x, dtypes.float_, a.weak_type)


def broadcast_shapes(*shapes, fname: str = "broadcast") -> tuple[int, ...]:
    """NumPy's broadcast of `shapes`; an incompatible pair raises naming all the shapes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, start=ndim - len(s)):
            if n == out[i] or n == 1:
                continue
            if out[i] != 1:
                listed = ", ".join(str(tuple(t)) for t in shapes)
                raise errors.FunctransValueError(
                    f"{fname}: shapes {listed} cannot be broadcast together (NumPy's rule: "
                    "trailing dimensions must be equal or 1).")
            out[i] = n
    return tuple(out)


def broadcast_to_shape(x, shape: tuple[int, ...], fname: str = "broadcast_to"):
    """`x` broadcast to `shape` by NumPy's rules (one broadcast_in_dim, or `x` itself)."""
    a = core.get_aval(x)
    shape = tuple(shape)
    if a.shape == shape:
        return x
    lead = len(shape) - a.ndim
    if lead < 0 or any(n not in (1, m) for n, m in zip(a.shape, shape[lead:], strict=True)):
        raise errors.FunctransValueError(
            f"{fname}: cannot broadcast an array of shape {a.shape} to shape {shape} (NumPy's "
            "rule: trailing dimensions must be equal or 1).")
    if is_python_scalar(x):
        x = np.asarray(x, a.dtype)
    return shape_prims.broadcast_in_dim(x, shape, tuple(range(lead, len(shape))))


def elementwise_operands(fname: str, *xs, inexact: bool = False):
    """Operands promoted and broadcast for an elementwise primitive.

    Rank-0 operands stay rank-0: elementwise primitives accept them beside any shape.
    `inexact` turns an integer or bool result dtype into float64 (before broadcasting).
    Returns the operands and their common dtype.
    """
    if len(xs) == 2 and FAST_PATHS:
        fast = fast_binary_operands(xs[0], xs[1], "fc" if inexact else "biufc")
        if fast is not None:
            return [fast[0], fast[1]], fast[2]
    xs = [as_operand(x, fname) for x in xs]
    xs, dtype, weak = promote(*xs)
    if inexact and not dtypes.is_inexact(dtype):
        dtype = dtypes.float_
        xs = [convert(x, dtype, weak) for x in xs]
    shape = broadcast_shapes(*[core.get_aval(x).shape for x in xs], fname=fname)
    out = []
    for x in xs:
        if core.get_aval(x).ndim:
            x = broadcast_to_shape(x, shape, fname)
        out.append(x)
    return out, dtype


# --------------------------------------------------------------------------- fast paths
#
# Tracing calls the functions of this package once per operation, so the common cases skip
# the general machinery above (as_operand, promote, convert, broadcast_shapes). Each fast path
# applies only where the general path would bind exactly the same primitives to exactly the
# same operands (same params, dtypes and weak types); anything else, errors included, falls
# through to the general path. tests/test_fnp_fast_paths.py compares the two.

# False: every function takes its general path (the fast-path tests compare the two).
FAST_PATHS = True

# The dtypes weak values have when NEP 50 promotes weak values among themselves. A weak value
# of another dtype (e.g. `sum(weak, dtype=float32)`) is promoted to one of these by the
# general path, so fast paths leave it alone.
_WEAK_DTYPES = frozenset([dtypes.complex_, dtypes.float_, dtypes.int_, dtypes.bool_])

# The kinds of Python scalar a tracer of each dtype kind absorbs without changing its dtype
# (NEP 50: a weak scalar of a kind no wider than the array's takes the array's dtype).
_ABSORBS = {"c": (complex, float, int, bool), "f": (float, int, bool), "i": (int, bool),
            "u": (int, bool), "b": (bool,)}


def plain_aval(aval: ir.ShapedArray) -> bool:
    """Strongly typed, or weakly typed with the dtype NEP 50 gives weak values: an operand
    whose dtype promotion leaves alone when it meets operands of its own dtype."""
    return not aval.weak_type or aval.dtype in _WEAK_DTYPES


def fast_binary_operands(x, y, kinds: str):
    """`elementwise_operands` of two operands in the common cases of tracing, else None.

    The cases: a tracer beside a tracer, NumPy array or NumPy scalar of its dtype (nothing to
    convert; broadcast unless the shapes are equal or one is rank-0); or a tracer beside a
    Python scalar of a kind its dtype absorbs (the scalar converted as
    `convert` would: a NumPy scalar of the tracer's dtype, or a Python scalar when the tracer
    is weakly typed). Returns `(x, y, dtype)`, and only for a dtype of one of `kinds` (so a
    caller that would raise for the others has bound nothing when it falls back).
    """
    if type(x) is core.Tracer:
        t, s, flip = x, y, False
    elif type(y) is core.Tracer:
        t, s, flip = y, x, True
    else:
        return None
    a = t._var.aval
    dtype = a.dtype
    kind = dtype.kind
    if kind not in kinds:
        return None
    absorbed = _ABSORBS.get(kind)
    if absorbed is None:
        return None
    st = type(s)
    if st is float or st is int or st is bool or st is complex:
        if st not in absorbed:
            return None
        if a.weak_type:
            if dtype not in _WEAK_DTYPES:
                return None
            s = _PY_TYPES[kind](s)
        else:
            # Equals np.array(s, dtype)[()] (convert's conversion), OverflowError included.
            s = dtype.type(s)
    elif st is core.Tracer:
        b = s._var.aval
        if b.dtype != dtype or (a.weak_type and b.weak_type and dtype not in _WEAK_DTYPES):
            return None
        if a.shape != b.shape and a.shape and b.shape:
            return _fast_broadcast(s, b.shape, t, a.shape, dtype) if flip else \
                _fast_broadcast(t, a.shape, s, b.shape, dtype)
    elif st is np.ndarray or st is _array.Array or isinstance(s, np.generic):
        if s.dtype != dtype:
            return None
        if a.shape != s.shape and a.shape and s.shape:
            return _fast_broadcast(s, s.shape, t, a.shape, dtype) if flip else \
                _fast_broadcast(t, a.shape, s, s.shape, dtype)
    else:
        return None
    return (s, t, dtype) if flip else (t, s, dtype)


def _fast_broadcast(x, x_shape, y, y_shape, dtype):
    """`(x, y, dtype)` with x and y (of ranks >= 1) broadcast to their common shape as
    `elementwise_operands` does it (`broadcast_to_shape`, x first); None if incompatible."""
    n = max(len(x_shape), len(y_shape))
    shape = []
    for i, j in zip((1,) * (n - len(x_shape)) + x_shape, (1,) * (n - len(y_shape)) + y_shape,
                    strict=True):
        if i == j or j == 1:
            shape.append(i)
        elif i == 1:
            shape.append(j)
        else:
            return None   # the general path raises the error
    shape = tuple(shape)
    if x_shape != shape:
        x = shape_prims.broadcast_in_dim(x, shape, tuple(range(n - len(x_shape), n)))
    if y_shape != shape:
        y = shape_prims.broadcast_in_dim(y, shape, tuple(range(n - len(y_shape), n)))
    return x, y, dtype


def canonicalize_axis(axis, ndim: int, fname: str, argname: str = "axis") -> int:
    """`axis` as a non-negative int < ndim; AxisError names the axis and the rank."""
    if isinstance(axis, core.Tracer):
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` must be a static Python int, got a traced value.")
    try:
        axis = operator.index(axis)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` must be an int, got {type(axis).__name__}.") from e
    if not -ndim <= axis < ndim:
        raise errors.AxisError(
            f"{fname}: {argname} {axis} is out of bounds for an array of rank {ndim} (valid: "
            f"{-ndim} to {ndim - 1}).")
    return axis % ndim


def canonicalize_axes(axis, ndim: int, fname: str, argname: str = "axis") -> tuple[int, ...]:
    """`axis` (None = all, an int, or a sequence) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = [canonicalize_axis(a, ndim, fname, argname) for a in axis]
    else:
        axes = [canonicalize_axis(axis, ndim, fname, argname)]
    if len(set(axes)) != len(axes):
        raise errors.AxisError(f"{fname}: repeated axis in `{argname}`={axis!r}.")
    return tuple(sorted(axes))


def normalize_shape(shape, fname: str, argname: str = "shape") -> tuple[int, ...]:
    """A shape argument (an int or a sequence of ints) as a tuple of Python ints."""
    if isinstance(shape, core.Tracer):
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` must be static Python ints, got a traced value.")
    try:
        if isinstance(shape, (tuple, list)):
            return tuple(operator.index(n) for n in shape)
        return (operator.index(shape),)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` must be an int or a sequence of ints, got {shape!r}.") from e


def prod(shape) -> int:
    return math.prod(shape)


# ------------------------------------------------------------- Python ints beyond a dtype

# Comparing with a Python int outside an integer operand's dtype: (name, int above the
# range) -> the answer for every element (NumPy 2 compares exactly); the int on the left
# flips the comparison.
_BEYOND = {("equal", True): False, ("equal", False): False,
           ("not_equal", True): True, ("not_equal", False): True,
           ("less", True): True, ("less", False): False,
           ("less_equal", True): True, ("less_equal", False): False,
           ("greater", True): False, ("greater", False): True,
           ("greater_equal", True): False, ("greater_equal", False): True}
_FLIPPED = {"less": "greater", "less_equal": "greater_equal", "greater": "less",
            "greater_equal": "less_equal", "equal": "equal", "not_equal": "not_equal"}


def _int_range(x) -> tuple[int, int] | None:
    """(min, max) of a strongly typed integer operand's dtype, else None."""
    a = aval(x)
    if a.dtype.kind not in "iu" or a.weak_type:
        return None
    info = np.iinfo(a.dtype)
    return int(info.min), int(info.max)


def beyond_int_range(name: str, x1, x2):
    """The comparison `name` of an integer array with a Python int beyond its dtype's range,
    as NumPy 2 computes it (exactly: a constant bool array), or None for other operands."""
    arr, p = (x1, x2) if type(x2) is int else (x2, x1)
    if type(arr) is int:
        return None
    if arr is x2:
        name = _FLIPPED[name]
    arr = as_operand(arr, name)
    bounds = _int_range(arr)
    if bounds is None or bounds[0] <= p <= bounds[1]:
        return None
    return in_namespace(np.full(aval(arr).shape, _BEYOND[name, p > bounds[1]]), arr)


def int_bound(bound, a):
    """A Python int bound of `clip` on an integer array, brought into the array's range
    (NumPy 2 clips exactly; outside the range the bound is the range's end)."""
    if type(bound) is not int:
        return bound
    bounds = _int_range(a)
    if bounds is None:
        return bound
    return min(max(bound, bounds[0]), bounds[1])
