"""A strict array type for testing evaluation on foreign arrays without a GPU (issue 18).

`StrictArray` wraps a NumPy array and speaks NumPy's dispatch protocols (NEP 13 ufuncs, NEP 18
functions, NEP 35 `like=` creation) as CuPy does, and is as strict as CuPy about host data:
- `np.asarray(s)` / `__array__` raises (a primitive implementation that forces its operands
  into NumPy fails in CI, as it would on a GPU);
- a NumPy array mixed into a computation on StrictArrays raises ("implicit host-to-device");
  NumPy and Python scalars are allowed, as in CuPy;
- results of reductions are 0-d StrictArrays, not NumPy scalars, as on a device;
- explicit conversions are allowed and counted: `.get()` (CuPy's name), `.item()`, `float()`,
  `int()`, `bool()` (a device-to-host sync, as `bool(cupy_array)` is).
"""
from __future__ import annotations

from typing import Any

import numpy as np

# NumPy functions whose job is to move host data into the namespace: through `like=`.
_CREATION = {np.asarray, np.array, np.asanyarray, np.ascontiguousarray, np.arange, np.empty,
             np.zeros, np.ones, np.full, np.eye, np.identity, np.frombuffer, np.fromfunction,
             np.loadtxt, np.genfromtxt, np.fromiter}

HOST_SYNCS = [0]   # explicit device-to-host conversions seen (float(), bool(), .item(), ...)


class HostConversionError(TypeError):
    """A NumPy array was made of a StrictArray, or mixed into a computation on them."""


def _unwrap(x: Any, what: str) -> Any:
    if type(x) is StrictArray:
        return x._a
    if isinstance(x, np.ndarray):
        raise HostConversionError(
            f"{what}: a NumPy array of shape {x.shape} is mixed into a computation on "
            "StrictArrays (an implicit host-to-device transfer, which CuPy refuses)")
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(y, what) for y in x)
    if isinstance(x, dict):
        return {k: _unwrap(v, what) for k, v in x.items()}
    return x


def _wrap(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return StrictArray(x)
    if isinstance(x, np.generic):
        return StrictArray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(_wrap(y) for y in x)
    if isinstance(x, list):
        return [_wrap(y) for y in x]
    return x


class StrictArray(np.lib.mixins.NDArrayOperatorsMixin):
    """A NumPy array seen through CuPy's eyes (module docstring)."""

    __slots__ = ("_a",)

    def __init__(self, a: np.ndarray):
        assert isinstance(a, np.ndarray) and type(a) is np.ndarray, type(a)
        self._a = a

    # ------------------------------------------------------------------ the protocols
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise HostConversionError(
            "np.asarray() of a StrictArray: an implicit device-to-host conversion")

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        what = f"np.{ufunc.__name__}.{method}" if method != "__call__" else f"np.{ufunc.__name__}"
        ins = [_unwrap(x, what) for x in inputs]
        kw = {k: _unwrap(v, what) for k, v in kwargs.items()}
        out = getattr(ufunc, method)(*ins, **kw)
        if method == "at":
            return None
        return _wrap(out)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        name = f"{func.__module__}.{func.__name__}"
        if func in _CREATION:   # explicit transfers: host data welcome
            kwargs = {k: v for k, v in kwargs.items() if k != "like"}
            args = [x._a if type(x) is StrictArray else x for x in args]
            return _wrap(func(*args, **kwargs))
        return _wrap(func(*_unwrap(list(args), name), **_unwrap(kwargs, name)))

    # ------------------------------------------------------------------ attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: StrictArray(self._a.T))
    mT = property(lambda self: StrictArray(self._a.mT))
    real = property(lambda self: StrictArray(np.asarray(self._a.real)))
    imag = property(lambda self: StrictArray(np.asarray(self._a.imag)))

    def __repr__(self) -> str:
        return f"StrictArray({self._a!r})"

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        return (StrictArray(np.asarray(r)) for r in self._a)

    def __getitem__(self, key: Any) -> StrictArray:
        return _wrap(self._a[_unwrap(key, "indexing")])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._a[_unwrap(key, "indexing")] = _unwrap(value, "item assignment")

    # ------------------------------------------------------------------ explicit host syncs
    def get(self) -> np.ndarray:
        HOST_SYNCS[0] += 1
        return self._a.copy()

    def item(self, *args: Any) -> Any:
        HOST_SYNCS[0] += 1
        return self._a.item(*args)

    def tolist(self) -> Any:
        HOST_SYNCS[0] += 1
        return self._a.tolist()

    def __float__(self) -> float:
        HOST_SYNCS[0] += 1
        return float(self._a)

    def __int__(self) -> int:
        HOST_SYNCS[0] += 1
        return int(self._a)

    def __index__(self) -> int:
        HOST_SYNCS[0] += 1
        return self._a.__index__()

    def __complex__(self) -> complex:
        HOST_SYNCS[0] += 1
        return complex(self._a)

    def __bool__(self) -> bool:
        HOST_SYNCS[0] += 1
        return bool(self._a)

    # ------------------------------------------------------------------ methods CuPy has
    def astype(self, dtype: Any, copy: bool = True, **kw: Any) -> StrictArray:
        return StrictArray(self._a.astype(dtype, copy=copy, **kw))

    def copy(self) -> StrictArray:
        return StrictArray(self._a.copy())

    def reshape(self, *shape: Any, **kw: Any) -> StrictArray:
        return StrictArray(self._a.reshape(*shape, **kw))

    def transpose(self, *axes: Any) -> StrictArray:
        return StrictArray(self._a.transpose(*axes))

    def swapaxes(self, a: int, b: int) -> StrictArray:
        return StrictArray(self._a.swapaxes(a, b))

    def ravel(self) -> StrictArray:
        return StrictArray(self._a.ravel())

    def flatten(self) -> StrictArray:
        return StrictArray(self._a.flatten())

    def squeeze(self, axis: Any = None) -> StrictArray:
        return StrictArray(self._a.squeeze(axis))

    def conj(self) -> StrictArray:
        return StrictArray(np.asarray(self._a.conj()))

    conjugate = conj

    def view(self, dtype: Any) -> StrictArray:
        return StrictArray(self._a.view(dtype))

    def __getattr__(self, name: str) -> Any:
        # Reductions and the like as methods: through the NumPy function of that name, so
        # they are as strict as the function.
        fn = getattr(np, name, None)
        if name in {"sum", "prod", "mean", "max", "min", "argmax", "argmin", "any", "all",
                    "cumsum", "cumprod", "std", "var", "dot", "nonzero", "clip", "round",
                    "take", "repeat", "diagonal", "trace", "sort", "argsort"} and fn:
            return lambda *a, **k: fn(self, *a, **k)
        raise AttributeError(f"StrictArray has no attribute {name!r}")


def strict(x: Any) -> Any:
    """`x` (a NumPy array or scalar) as a StrictArray; other values unchanged."""
    if isinstance(x, (np.ndarray, np.generic)):
        return StrictArray(np.array(x))
    return x
