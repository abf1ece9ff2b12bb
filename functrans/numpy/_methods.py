"""The Tracer's NumPy operators and array methods, installed from one table.

`x + y`, `x[i]`, `x.T`, `x.at[i].set(v)`, `x.sum()` ... on a traced value are the functions
of this package (as JAX's numpy layer attaches them to its tracers), so `core` never imports
the numpy layer. Importing `functrans.numpy` installs them on `core.Tracer`. Forward operators
are the ufuncs themselves (no extra call on the hot path); reflected ones swap the operands
so the IR keeps the user's operand order (`2.0 * x` is `mul 2.0 x`).
The ndarray methods with a functional meaning forward to their functrans.numpy function
(`x.sort()` returns a new sorted value, as JAX's); the mutating ones (`fill`, `put`,
`x[i] = v` ...) raise, naming what to use instead (`MUTATING_METHODS`).
Owns no NumPy function; `core.Tracer` keeps the conversions that need a concrete value
(`bool()`, `float()`, `__array__`, `item()`, `tolist()` ...), which raise.
"""
from __future__ import annotations

from functrans import core, errors
from functrans.numpy import (
    _dtypes,
    _indexing,
    _join,
    _linalg,
    _manip,
    _misc,
    _reductions,
    _shape,
    _sorting,
    _stats,
    _ufuncs,
)


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    method.__name__ = method.__qualname__ = f"reflected_{fn.__name__}"
    return method


def _forward(fn, name: str):
    """The method `x.name(*args, **kwargs)` as `fn(x, *args, **kwargs)` (NumPy's methods take
    their function's arguments after the array)."""
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"`functrans.numpy.{fn.__name__}(x, ...)`, as NumPy's `ndarray.{name}`."
    return method


def _pos(self):
    return self


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return _shape.reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return _shape.transpose(self, axes or None)


def _astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    if order != "K" or casting != "unsafe":
        raise errors.FunctransTypeError(
            f"astype: order={order!r} / casting={casting!r} are not supported; leave them at "
            "their defaults ('K', 'unsafe').")
    return _manip.astype(self, dtype)


def _flatten(self, order="C"):
    if order == "F":
        return _shape.ravel(_shape.transpose(self))
    return _shape.ravel(self, order=order)


def _copy(self, order="K"):
    return self


def _conj(self):
    # ndarray.conj() keeps a bool array bool; the ufunc numpy.conj makes it int8.
    return self if self.dtype.kind == "b" else _dtypes.conj(self)


def _itemsize(self):
    return self.dtype.itemsize


def _nbytes(self):
    return self.dtype.itemsize * self.size


# ndarray methods that modify the array in place -> what to use instead.
MUTATING_METHODS = {
    "__setitem__": "x.at[idx].set(value) for the updated copy",
    "fill": "functrans.numpy.full_like(x, value) for the filled copy",
    "itemset": "x.at[idx].set(value) for the updated copy",
    "put": "functrans.numpy.put(x, ind, v, inplace=False) or x.at[ind].set(v)",
    "resize": "functrans.numpy.resize(x, new_shape) (repeats x), or functrans.numpy.pad "
              "(zero fill, as ndarray.resize)",
    "partition": "functrans.numpy.partition(x, kth) for the partitioned copy",
    "setfield": "x.at[idx].set(value) for the updated copy",
    "setflags": "nothing: functrans values have no writeable flags",
}


def _mutating(name: str):
    def method(self, *args, **kwargs):
        what = "x[idx] = value" if name == "__setitem__" else f"x.{name}()"
        raise errors.FunctransTypeError(
            f"{what}: NumPy's ndarray.{name} modifies the array in place, and "
            f"functrans values are immutable (traced value {self.aval.str_short()}); use "
            f"{MUTATING_METHODS[name]}.")

    method.__name__ = method.__qualname__ = name
    return method


# NumPy's ndarray methods (and JAX's Array's) that are a functrans.numpy function of the array.
_FORWARDED = {
    "all": _reductions.all, "any": _reductions.any, "argmax": _reductions.argmax,
    "argmin": _reductions.argmin, "argpartition": _sorting.argpartition,
    "argsort": _sorting.argsort, "choose": _misc.choose, "clip": _ufuncs.clip,
    "cumprod": _stats.cumprod, "cumsum": _reductions.cumsum, "diagonal": _shape.diagonal,
    "dot": _linalg.dot, "max": _reductions.max, "mean": _reductions.mean,
    "min": _reductions.min, "prod": _reductions.prod, "ptp": _stats.ptp, "ravel": _shape.ravel,
    "repeat": _join.repeat, "round": _ufuncs.round, "sort": _sorting.sort,
    "squeeze": _shape.squeeze, "std": _reductions.std, "sum": _reductions.sum,
    "swapaxes": _shape.swapaxes, "take": _indexing.take, "trace": _linalg.trace,
    "var": _reductions.var,
}


# name on core.Tracer -> the function installed as that method
TRACER_METHODS = {
    "__neg__": _ufuncs.negative,
    "__pos__": _pos,
    "__abs__": _ufuncs.abs,
    "__invert__": _ufuncs.invert,
    "__add__": _ufuncs.add,
    "__radd__": _reflected(_ufuncs.add),
    "__sub__": _ufuncs.subtract,
    "__rsub__": _reflected(_ufuncs.subtract),
    "__mul__": _ufuncs.multiply,
    "__rmul__": _reflected(_ufuncs.multiply),
    "__truediv__": _ufuncs.true_divide,
    "__rtruediv__": _reflected(_ufuncs.true_divide),
    "__floordiv__": _ufuncs.floor_divide,
    "__rfloordiv__": _reflected(_ufuncs.floor_divide),
    "__mod__": _ufuncs.remainder,
    "__rmod__": _reflected(_ufuncs.remainder),
    "__pow__": _ufuncs.power,
    "__rpow__": _reflected(_ufuncs.power),
    "__matmul__": _linalg.matmul,
    "__rmatmul__": _reflected(_linalg.matmul),
    "__and__": _ufuncs.bitwise_and,
    "__rand__": _reflected(_ufuncs.bitwise_and),
    "__or__": _ufuncs.bitwise_or,
    "__ror__": _reflected(_ufuncs.bitwise_or),
    "__xor__": _ufuncs.bitwise_xor,
    "__rxor__": _reflected(_ufuncs.bitwise_xor),
    "__eq__": _ufuncs.equal,
    "__ne__": _ufuncs.not_equal,
    "__lt__": _ufuncs.less,
    "__le__": _ufuncs.less_equal,
    "__gt__": _ufuncs.greater,
    "__ge__": _ufuncs.greater_equal,
    "__getitem__": _indexing.getitem,
    "T": property(_shape.transpose),
    "mT": property(_manip.matrix_transpose),
    "real": property(_dtypes.real),
    "imag": property(_dtypes.imag),
    "itemsize": property(_itemsize),
    "nbytes": property(_nbytes),
    "at": property(_indexing.IndexUpdateHelper),
    "reshape": _reshape,
    "transpose": _transpose,
    "astype": _astype,
    "flatten": _flatten,
    "copy": _copy,
    "conj": _conj,
    "conjugate": _conj,
    **{name: _forward(fn, name) for name, fn in _FORWARDED.items()},
    **{name: _mutating(name) for name in MUTATING_METHODS},
}

for _name, _method in TRACER_METHODS.items():
    setattr(core.Tracer, _name, _method)
