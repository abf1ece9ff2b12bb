"""Helpers shared by `functrans.numpy`: operands, NumPy 2 promotion, broadcasting, axes, dtypes.

Owns the conversions every public function makes before it binds primitives: turning user
values into operands, promoting them per NEP 50 (weak Python scalars), broadcasting them by
NumPy's rules, checking axes, dtypes and unsupported arguments. Owns no public function.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from functrans import core, dtypes, errors
from functrans.primitives import elementwise
from functrans.primitives import shape as shape_prims

_SUPPORTED_KINDS = "biuf"
# The Python type a weakly typed result of each kind is passed as (bind makes it a weak literal).
_PY_TYPES = {"b": bool, "i": int, "f": float}


def is_python_scalar(x) -> bool:
    # np.float64 subclasses float, but it is strongly typed: only true Python scalars are weak.
    return isinstance(x, (bool, int, float)) and not isinstance(x, np.generic)


def check_dtype(dtype, fname: str, argname: str = "dtype") -> np.dtype | None:
    """`dtype` as an np.dtype (None stays None); complex and non-numeric dtypes raise."""
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError as e:
        raise errors.FunctransTypeError(f"{fname}: `{argname}`={dtype!r} is not a dtype.") from e
    if dtype.kind not in _SUPPORTED_KINDS:
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` has dtype {dtype.name}, which functrans does not support; "
            "use a bool, integer or floating dtype (complex numbers are not supported yet).")
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
    if isinstance(x, (list, tuple)):
        from functrans.numpy import _creation
        return _creation.asarray(x)
    if isinstance(x, complex):
        raise errors.FunctransTypeError(
            f"{fname}: complex argument {x!r} is not supported (complex numbers are not "
            "supported yet).")
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


def aval(x) -> core.ShapedArray:
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
    """Integer and bool values as float64 (keeping weakness); floats unchanged."""
    a = core.get_aval(x)
    if dtypes.is_float(a.dtype):
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
    if len(xs) == 2:
        fast = _fast_binary_operands(*xs, inexact)
        if fast is not None:
            return fast
    xs = [as_operand(x, fname) for x in xs]
    xs, dtype, weak = promote(*xs)
    if inexact and not dtypes.is_float(dtype):
        dtype = dtypes.float_
        xs = [convert(x, dtype, weak) for x in xs]
    shape = broadcast_shapes(*[core.get_aval(x).shape for x in xs], fname=fname)
    out = []
    for x in xs:
        if core.get_aval(x).ndim:
            x = broadcast_to_shape(x, shape, fname)
        out.append(x)
    return out, dtype


def _fast_binary_operands(x, y, inexact: bool):
    """The common cases of tracing, without the general machinery: None if not one of them.

    Two tracers of one dtype whose shapes agree (or one is rank-0); or a floating tracer beside
    a Python float or int, which takes the tracer's dtype (NEP 50).
    """
    tx, ty = type(x) is core.Tracer, type(y) is core.Tracer
    if tx and ty:
        ax, ay = x._var.aval, y._var.aval
        if ax.dtype != ay.dtype or (ax.shape != ay.shape and ax.shape and ay.shape):
            return None
        if inexact and ax.dtype.kind != "f":
            return None
        return [x, y], ax.dtype
    if tx:
        t, s, flip = x, y, False
    elif ty:
        t, s, flip = y, x, True
    else:
        return None
    st = type(s)
    a = t._var.aval
    if (st is not float and st is not int) or a.dtype.kind != "f":
        return None
    s = float(s) if a.weak_type else a.dtype.type(s)
    return ([s, t] if flip else [t, s]), a.dtype


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
