"""The Tracer's NumPy operators and array methods, installed from one table.

`x + y`, `x[i]`, `x.T`, `x.at[i].set(v)`, `x.sum()` ... on a traced value are the functions
of this package (as JAX's numpy layer attaches them to its tracers), so `core` never imports
the numpy layer. Importing `functrans.numpy` installs them on `core.Tracer`. Forward operators
are the ufuncs themselves (no extra call on the hot path); reflected ones swap the operands
so the IR keeps the user's operand order (`2.0 * x` is `mul 2.0 x`).
Owns no NumPy function; `core.Tracer` keeps the conversions that need a concrete value
(`bool()`, `float()`, `__array__` ...), which raise.
"""
from __future__ import annotations

from functrans import core
from functrans.numpy import _creation, _indexing, _linalg, _reductions, _shape, _ufuncs


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    method.__name__ = method.__qualname__ = f"reflected_{fn.__name__}"
    return method


def _pos(self):
    return self


def _sum(self, axis=None, dtype=None, keepdims=False):
    return _reductions.sum(self, axis=axis, dtype=dtype, keepdims=keepdims)


def _mean(self, axis=None, dtype=None, keepdims=False):
    return _reductions.mean(self, axis=axis, dtype=dtype, keepdims=keepdims)


def _max(self, axis=None, keepdims=False):
    return _reductions.max(self, axis=axis, keepdims=keepdims)


def _min(self, axis=None, keepdims=False):
    return _reductions.min(self, axis=axis, keepdims=keepdims)


def _prod(self, axis=None, keepdims=False):
    return _reductions.prod(self, axis=axis, keepdims=keepdims)


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return _shape.reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return _shape.transpose(self, axes or None)


def _astype(self, dtype):
    return _creation.asarray(self, dtype=dtype)


def _squeeze(self, axis=None):
    return _shape.squeeze(self, axis=axis)


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
    "at": property(_indexing.IndexUpdateHelper),
    "sum": _sum,
    "mean": _mean,
    "max": _max,
    "min": _min,
    "prod": _prod,
    "reshape": _reshape,
    "transpose": _transpose,
    "astype": _astype,
    "ravel": _shape.ravel,
    "squeeze": _squeeze,
    "dot": _linalg.dot,
}

for _name, _method in TRACER_METHODS.items():
    setattr(core.Tracer, _name, _method)
