"""Plain NumPy calls on traced values: the Tracer's `__array_ufunc__` and `__array_function__`.

NumPy asks an argument that defines these protocols (NEP 13 for ufuncs, NEP 18 for the other
functions) to run the call itself, so `np.sin(x)`, `np.sum(x, axis=0)`, `np.linalg.norm(x)`
or `W @ x` (an ndarray `W`) on a traced `x` are the `functrans.numpy` functions of the same
name: the same IR as writing `fnp.` (dispatch adds one Python call and one dict lookup).
`install(namespace)`, called by `functrans.numpy` once its names exist, builds the tables from
the names NumPy and `functrans.numpy` share (by object: `np.round` and `np.around` are two
entries) and installs the two methods on `core.Tracer`. Other libraries' ufuncs are added with
`register_ufunc` (functrans.scipy.special registers SciPy's).

What does not dispatch (NumPy never asks the operand): `np.asarray(x)` / `np.array(x)`, a
plain ndarray's own methods and indexing (`W.dot(x)`, `W[i]` with a traced `i`), in-place
assignment `W[i] = x`: these convert `x` with `__array__`, which raises the Tracer's
concretization error. Ufunc keywords other than the defaults (`out=`, `where=`, `dtype=`,
`casting=`, ...) raise naming the keyword; of the ufunc methods, `reduce` (add, multiply,
maximum, minimum, logical_and, logical_or), `accumulate` (add, multiply, maximum, minimum)
and `outer` (every binary ufunc) are supported, `at` and `reduceat` raise saying what to use.
"""
from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from functrans import core, errors
from functrans.numpy import _join, _reductions, _shape, _stats, _ufuncs, _util

# NumPy ufunc -> the functrans function it runs; NumPy function -> its functrans function.
UFUNCS: dict[np.ufunc, Callable] = {}
FUNCTIONS: dict[Any, Callable] = {}

# Frames of these packages are not the user's line (np.full_like calling np.copyto, ...).
_LIBRARY_DIRS = (os.path.dirname(core.__file__) + os.sep, os.path.dirname(np.__file__) + os.sep,
                 os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "scipy") + os.sep)

# NumPy names functrans.numpy lacks -> what to write instead.
ALTERNATIVES = {
    "place": "use functrans.numpy.where(mask, values, x) or x.at[mask].set(values) "
             "(a new value; NumPy's place modifies x in place)",
    "putmask": "use functrans.numpy.where(mask, values, x) (a new value)",
    "copyto": "use functrans.numpy.where(where, src, dst) (a new value)",
    "fill_diagonal": "use x.at[i, i].set(value) with i = functrans.numpy.arange(n) (a new value)",
    "fix": "functrans.numpy.trunc (the same rounding toward zero)",
    "array_repr": "print the value outside the traced function, or on its result",
    "array_str": "print the value outside the traced function, or on its result",
    "save": "save the function's result, outside the traced function",
    "savez": "save the function's result, outside the traced function",
}

_CALLBACK_HINT = ("write it with functrans.numpy functions, or call the NumPy function on "
                  "concrete values through functrans.pure_callback (give it a derivative with "
                  "custom_jvp)")


def install(namespace: dict[str, Any]) -> None:
    """Fill the tables from `functrans.numpy`'s namespace and install the protocol methods."""
    _fill(np, namespace)
    linalg = namespace.get("linalg")
    if linalg is not None:
        _fill(np.linalg, vars(linalg))
    fft = namespace.get("fft")
    if fft is not None:
        _fill(np.fft, vars(fft))
    FUNCTIONS.update(_EXTRA)
    core.Tracer.__array_ufunc__ = array_ufunc   # type: ignore[assignment]
    core.Tracer.__array_function__ = array_function   # type: ignore[attr-defined]


def _no_shared_memory(a, b, max_work=None) -> bool:
    """Traced values are immutable: no NumPy array can write into one's memory."""
    return False


# NumPy functions without a functrans.numpy name that still have a meaning on traced values.
_EXTRA = {np.may_share_memory: _no_shared_memory, np.shares_memory: _no_shared_memory}


def _fill(np_module: types.ModuleType, namespace: dict[str, Any]) -> None:
    names = namespace.get("__all__") or [n for n in namespace if not n.startswith("_")]
    for name in names:
        ref = getattr(np_module, name, None)
        fn = namespace[name]
        if isinstance(ref, np.ufunc):
            UFUNCS[ref] = fn
        elif callable(ref) and not isinstance(ref, type):
            FUNCTIONS[ref] = fn


def register_ufunc(ufunc: np.ufunc, fn: Callable) -> None:
    """Make `ufunc` (a SciPy ufunc, ...) called on a traced value run `fn` instead."""
    UFUNCS[ufunc] = fn


# --------------------------------------------------------------------------- functions


def array_function(self, func, types, args, kwargs):
    """NEP 18: `np.f(..., x, ...)` on a traced `x` is `functrans.numpy.f(...)`."""
    fn = FUNCTIONS.get(func)
    if fn is None:
        raise _missing(func)
    return fn(*args, **kwargs)


def _qualname(func) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    if module.startswith("numpy.") and module.count(".") > 1 or module.startswith("numpy._"):
        module = "numpy"   # numpy._core.umath -> numpy
    return f"{module}.{getattr(func, '__name__', repr(func))}"


def _where() -> str:
    """The user's line: the innermost frame outside functrans, NumPy and SciPy."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_LIBRARY_DIRS):
        f = f.f_back
    if f is None:
        return "an unknown line"
    return f"{f.f_code.co_filename}:{f.f_lineno} (in {f.f_code.co_name})"


def _missing(func) -> errors.FunctransTypeError:
    name = getattr(func, "__name__", "")
    hint = ALTERNATIVES.get(name)
    if hint is None:
        hint = _CALLBACK_HINT
    return errors.FunctransTypeError(
        f"{_qualname(func)} was called on a traced value at {_where()}, and functrans.numpy "
        f"has no implementation of it; {hint}.")


# --------------------------------------------------------------------------- ufuncs

# keyword -> what to do instead; every keyword at its default value is accepted.
_UFUNC_KWARGS = {
    "out": "functrans values are immutable: use the returned value (`y = np.f(x)`, "
           "`W = W + x` instead of `W += x`)",
    "where": "without out= NumPy leaves the masked elements uninitialized: select with "
             "np.where(mask, np.f(x), fill) instead",
    "dtype": "convert the argument (x.astype(dtype)) or the result instead",
    "casting": "leave it at its default",
    "order": "leave it at its default",
    "subok": "leave it at its default",
    "signature": "leave it at its default",
    "axes": "move the axes with np.moveaxis first",
    "axis": "move the axis with np.moveaxis first",
    "keepdims": "leave it at its default",
}
_UFUNC_DEFAULTS = {"where": True, "casting": "same_kind", "order": "K", "subok": True,
                   "keepdims": False}

# ufunc.reduce / ufunc.accumulate -> the functrans.numpy function with that meaning.
_REDUCE = {"add": _reductions.sum, "multiply": _reductions.prod, "maximum": _reductions.max,
           "minimum": _reductions.min, "logical_and": _reductions.all,
           "logical_or": _reductions.any}
_AT_HINT = {"add": "x.at[idx].add(v)", "multiply": "x.at[idx].multiply(v)",
            "subtract": "x.at[idx].add(-v)"}


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """NEP 13: a ufunc (or one of its methods) with a traced operand runs functrans.numpy's."""
    fn = UFUNCS.get(ufunc)
    if method == "__call__" and fn is not None and not kwargs:
        return fn(*inputs)
    name = f"{_ufunc_name(ufunc)}" + ("" if method == "__call__" else f".{method}")
    if fn is None:
        raise _missing_ufunc(ufunc, name)
    if method == "__call__":
        _check_kwargs(name, kwargs)
        return fn(*inputs)
    if method == "outer":
        return _outer(ufunc, fn, name, inputs, kwargs)
    if method == "reduce":
        return _reduce(ufunc, name, inputs, kwargs)
    if method == "accumulate":
        return _accumulate(ufunc, name, inputs, kwargs)
    if method == "at":
        hint = _AT_HINT.get(ufunc.__name__, "x.at[idx].set(np.f(x[idx], v))")
        raise errors.FunctransTypeError(
            f"{name} at {_where()} modifies its first argument in place, and functrans values "
            f"are immutable; use {hint}, which returns the updated value.")
    raise errors.FunctransTypeError(
        f"{name} at {_where()} on a traced value is not supported; reduce the slices "
        "one by one (np.add.reduce(x[i:j]) for each pair of indices) and np.stack them.")


def _ufunc_name(ufunc) -> str:
    name = ufunc.__name__
    return f"numpy.{name}" if getattr(np, name, None) is ufunc else name


def _missing_ufunc(ufunc, name: str) -> errors.FunctransTypeError:
    if getattr(np, ufunc.__name__, None) is not ufunc:
        hint = ("if it is SciPy's (scipy.special), import functrans.scipy.special, which makes "
                "the SciPy ufuncs it implements dispatch to it; otherwise " + _CALLBACK_HINT)
    else:
        hint = ALTERNATIVES.get(ufunc.__name__, _CALLBACK_HINT)
    return errors.FunctransTypeError(
        f"the ufunc {name} was called on a traced value at {_where()}, and functrans has no "
        f"implementation of it; {hint}.")


def _check_kwargs(name: str, kwargs: dict, allowed: tuple[str, ...] = ()) -> None:
    for key, value in kwargs.items():
        if key in allowed or value is None:
            continue
        if key in _UFUNC_DEFAULTS and _same(value, _UFUNC_DEFAULTS[key]):
            continue
        hint = _UFUNC_KWARGS.get(key, "leave it out")
        raise errors.FunctransTypeError(
            f"{name}(..., {key}=...) at {_where()} on a traced value: the `{key}` argument is "
            f"not supported; {hint}.")


def _same(value, default) -> bool:
    return type(value) is type(default) and value == default


def _outer(ufunc, fn, name: str, inputs, kwargs):
    if ufunc.nin != 2 or len(inputs) != 2:
        raise errors.FunctransTypeError(f"{name}: outer needs a binary ufunc and two arguments.")
    _check_kwargs(name, kwargs)
    a, b = (_util.as_operand(v, name) for v in inputs)
    a_shape, b_ndim = np.shape(a), np.ndim(b)
    a = _shape.reshape(a, tuple(a_shape) + (1,) * b_ndim) if b_ndim else a
    return fn(a, b)


def _reduce(ufunc, name: str, inputs, kwargs):
    fn = _REDUCE.get(ufunc.__name__) if getattr(np, ufunc.__name__, None) is ufunc else None
    if fn is None or len(inputs) != 1:
        raise errors.FunctransTypeError(
            f"{name} at {_where()} on a traced value is not supported (functrans reduces with "
            f"{', '.join('numpy.' + k for k in _REDUCE)}); use functrans.lax.scan or "
            "fori_loop for another binary operation.")
    kwargs = dict(kwargs)
    axis = kwargs.pop("axis", 0)
    _check_kwargs(name, kwargs, allowed=("keepdims", "initial", "where", "dtype"))
    if kwargs.get("dtype") is not None and fn not in (_reductions.sum, _reductions.prod):
        raise errors.FunctransTypeError(f"{name}: dtype= is not supported; convert the argument "
                                        "with x.astype(dtype) first.")
    kwargs = {k: v for k, v in kwargs.items() if v is not None and not
              (k == "where" and v is True)}
    return fn(inputs[0], axis=axis, **kwargs)


def _accumulate(ufunc, name: str, inputs, kwargs):
    key = ufunc.__name__ if getattr(np, ufunc.__name__, None) is ufunc else None
    if key not in ("add", "multiply", "maximum", "minimum") or len(inputs) != 1:
        raise errors.FunctransTypeError(
            f"{name} at {_where()} on a traced value is not supported (functrans accumulates "
            "with numpy.add, multiply, maximum and minimum); use functrans.lax.scan for "
            "another binary operation.")
    kwargs = dict(kwargs)
    axis = kwargs.pop("axis", 0)
    dtype = kwargs.pop("dtype", None)
    _check_kwargs(name, kwargs)
    x = _util.as_operand(inputs[0], name)
    if key == "add":
        return _reductions.cumsum(x, axis=axis, dtype=dtype)
    if key == "multiply":
        return _stats.cumprod(x, axis=axis, dtype=dtype)
    if dtype is not None:
        x = x.astype(dtype) if core.is_tracer(x) else np.asarray(x, dtype)
    return cumulative_extremum(x, axis, key == "maximum", name)


def cumulative_extremum(x, axis: int, maximum: bool, name: str = "accumulate"):
    """The running maximum (or minimum) along `axis`: log2(n) steps of `maximum` against a copy
    shifted by 1, 2, 4, ... (Hillis-Steele), so its derivative is `maximum`'s (JAX's at ties)."""
    if np.ndim(x) == 0:
        raise errors.AxisError(f"{name}: a 0-d argument has no axis to accumulate along.")
    axis = _util.canonicalize_axis(axis, np.ndim(x), name)
    x = _shape.moveaxis(x, axis, -1)
    n = x.shape[-1]
    dtype = np.dtype(x.dtype)
    if dtype.kind == "f":
        fill = -np.inf if maximum else np.inf
    elif dtype.kind == "b":
        fill = not maximum
    else:
        info = np.iinfo(dtype)
        fill = info.min if maximum else info.max
    op = _ufuncs.maximum if maximum else _ufuncs.minimum
    k = 1
    while k < n:
        pad = np.full(x.shape[:-1] + (k,), fill, dtype)
        x = op(x, _join.concatenate([pad, x[..., :n - k]], axis=-1))
        k *= 2
    return _shape.moveaxis(x, -1, axis)
