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
Also installs the methods of `functrans.numpy.Array` (`_array`): `x.at[idx]`, the same
updates as on traced values (plus `.min`/`.max`, which both share), `x[idx]` routing a
traced index to `functrans.numpy` indexing with the array as a constant, and `x[idx] = v`
naming `.at[idx].set` when the index or value is traced.
"""
from __future__ import annotations

import numpy as np

from functrans import core, errors
from functrans.numpy import (
    _array,
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
    _util,
)
from functrans.primitives import elementwise, indexing


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


# --------------------------------------------------------------------------- x.at[idx]


class IndexUpdateHelper(_indexing.IndexUpdateHelper):
    """`x.at` of traced values and of `functrans.numpy.Array`s: `x.at[idx]` is an
    `IndexUpdateRef`."""

    __slots__ = ()

    def __getitem__(self, idx) -> IndexUpdateRef:
        return IndexUpdateRef(self.array, idx)


class IndexUpdateRef(_indexing.IndexUpdateRef):
    """`x.at[idx]`: `_indexing`'s updates (`get`, `set`, `add`, `multiply`), plus `min` and
    `max` (NumPy's `np.minimum.at` / `np.maximum.at`, JAX's `.min` / `.max`).

    Concrete results are `functrans.numpy.Array`s, so chains such as
    `x.at[i].set(v).at[j].add(w)` work outside a trace too.

    Example:
      >>> fnp.zeros(3).at[[0, 0, 2]].max(np.array([2.0, 5.0, -1.0]))
      array([5., 0., 0.])
    """

    __slots__ = ()

    def get(self):
        """`x[idx]`."""
        return _array.wrap(super().get())

    def set(self, values):
        """`x` with `x[idx] = values`; with repeated indices the last write wins (NumPy)."""
        return _array.wrap(super().set(values))

    def add(self, values):
        """`x` with `values` added at `idx`; repeated indices accumulate (`np.add.at`)."""
        return _array.wrap(super().add(values))

    def multiply(self, values):
        """`x` with the elements at `idx` multiplied by `values` (`np.multiply.at`)."""
        return _array.wrap(super().multiply(values))

    mul = multiply

    def min(self, values):
        """`x` with `x[idx]` replaced by `minimum(x[idx], values)`; repeated indices take the
        smallest of all their values (`np.minimum.at`). NaN propagates."""
        return _array.wrap(self._extremal(_ufuncs.minimum, _reductions.min, values, "min"))

    def max(self, values):
        """`x` with `x[idx]` replaced by `maximum(x[idx], values)`; repeated indices take the
        largest of all their values (`np.maximum.at`). NaN propagates."""
        return _array.wrap(self._extremal(_ufuncs.maximum, _reductions.max, values, "max"))

    def _extremal(self, op, reduce, values, what: str):
        # A composition: gather the selected elements, combine, scatter them back (`set`).
        # Repeated positions must see all their values first: with a concrete index, in
        # rounds each holding a position at most once; with a traced one, by combining every
        # update with all updates aimed at the same position (k x k comparisons).
        x = _util.as_array(self.array, f"at[].{what}")
        aval = _util.aval(x)
        positions = _indexing.getitem(np.arange(aval.size).reshape(aval.shape), self.index)
        updates = _indexing._fit_updates(_util.as_operand(values, f"at[].{what}"), aval.dtype,
                                         _util.aval(positions).shape)
        n = _util.aval(positions).size
        flat_pos = _shape.reshape(positions, (n,))
        flat_upd = _shape.reshape(updates, (n,))
        out = _shape.reshape(x, (aval.size,))
        if isinstance(flat_pos, core.Tracer) and n > 1:
            same = _ufuncs.equal(_shape.reshape(flat_pos, (n, 1)),
                                 _shape.reshape(flat_pos, (1, n)))
            grid = _ufuncs.where(same, _shape.reshape(flat_upd, (1, n)),
                                 _shape.reshape(flat_upd, (n, 1)))
            new = op(indexing.gather(out, flat_pos, 0), reduce(grid, axis=1))
            # Repeated positions write equal values; only the last write carries the
            # derivative (scatter's transpose gives every write a cotangent).
            later = _reductions.any(_ufuncs.logical_and(same, np.triu(np.ones((n, n), bool), 1)),
                                    axis=1)
            new = _ufuncs.where(later, elementwise.stop_gradient(new), new)
            out = indexing.scatter(out, flat_pos, new, 0)
            return _shape.reshape(out, aval.shape)
        rounds = ([(flat_pos, flat_upd)] if isinstance(flat_pos, core.Tracer)
                  else _rounds(np.asarray(flat_pos), flat_upd))
        for pos, upd in rounds:
            out = indexing.scatter(out, pos, op(indexing.gather(out, pos, 0), upd), 0)
        return _shape.reshape(out, aval.shape)


def _rounds(positions: np.ndarray, updates) -> list:
    """(positions, updates) pairs that hold each position at most once: the k-th occurrence
    of every position goes to round k (one round when the positions are distinct)."""
    n = positions.size
    order = np.argsort(positions, kind="stable")
    ordered = positions[order]
    first = np.ones(n, bool)
    first[1:] = ordered[1:] != ordered[:-1]
    starts = np.maximum.accumulate(np.where(first, np.arange(n), 0)) if n else order
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - starts
    if n == 0 or rank.max() == 0:
        return [(positions, updates)]
    rounds = []
    for k in range(int(rank.max()) + 1):
        picked = np.nonzero(rank == k)[0]
        rounds.append((positions[picked], indexing.gather(updates, picked, 0)))
    return rounds


_ndarray_getitem = np.ndarray.__getitem__


def _array_getitem(self, idx):
    """`x[idx]` of an Array: NumPy's, unless the index holds a traced value (then
    functrans.numpy indexing, with the array a constant of the program: JAX's lookup idiom)."""
    if isinstance(idx, (core.Tracer, tuple, list)) and _util.contains_tracer(idx):
        return _indexing.getitem(self, idx)
    return _ndarray_getitem(self, idx)


_ndarray_setitem = np.ndarray.__setitem__


def _array_setitem(self, idx, value):
    """`x[idx] = value` of an Array: NumPy's in-place write, or, when the index or the value
    is traced, an error naming the functional update."""
    if _util.contains_tracer(value) or (isinstance(idx, (core.Tracer, tuple, list))
                                        and _util.contains_tracer(idx)):
        raise errors.FunctransTypeError(
            f"x[idx] = value: the index or the value is traced, and a NumPy array (here of "
            f"shape {self.shape}) can only be written in place with concrete values; use "
            "x = x.at[idx].set(value), which gives the updated array as a new (traced) value.")
    _ndarray_setitem(self, idx, value)


# name on functrans.numpy.Array -> the function installed as that method
ARRAY_METHODS = {
    "__getitem__": _array_getitem,
    "__setitem__": _array_setitem,
    "at": property(IndexUpdateHelper),
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
    "at": property(IndexUpdateHelper),
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
for _name, _method in ARRAY_METHODS.items():
    setattr(_array.Array, _name, _method)
