"""`debug.print`, `debug.callback`, `debug.breakpoint`: effects that survive transformations.

Owns the `debug_callback` primitive and its rules. It has no result and is *effectful*
(`effectful = True`, which the optimizer reads: never folded, merged or removed as dead
code), and *always staged*: under a trace it is recorded even when its operands are
constants, so it runs when the program runs, not while it is traced.
Semantics under each transformation (tested in tests/test_debug.py):

- eager (no transformation): runs at once;
- `jit`: runs on every call of the jitted function, with the call's values (not at tracing);
- `grad`, `vjp`, `jvp`, `jacrev`, `jacfwd`, `hessian`: runs on the forward pass, with the
  primal values (no tangents or cotangents are passed), once per evaluation of the primal
  program (`jacfwd`/`jacrev` evaluate it once; a derivative of a derivative may evaluate
  it once per level);
- `vmap`: runs once per call, with the batched values (batch axis first) for the
  arguments that are batched and the others as they are;
- `scan`, `while_loop`, `fori_loop` bodies: on every iteration; `cond`: when its branch is
  taken (under `vmap` with a batched predicate both branches run, as a select, so both do).
"""
from __future__ import annotations

import builtins
import pdb
from collections.abc import Callable
from typing import Any

from functrans import core, tree_util
from functrans.primitives import shape

debug_callback_p = core.Primitive("debug_callback", multiple_results=True)
debug_callback_p.always_staged = True
debug_callback_p.effectful = True  # type: ignore[attr-defined]
debug_callback_p.op_table_exempt = (
    "an effect with no result (nothing to compare with NumPy): tests/test_debug.py checks "
    "what it prints under each transformation")


class _Callback:
    """The `callback` param: the user's function and how to rebuild its arguments."""

    def __init__(self, fn: Callable, treedef: Any, key: Any):
        self.fn = fn
        self.treedef = treedef
        self._key = key

    def __call__(self, *leaves: Any) -> None:
        args, kwargs = tree_util.tree_unflatten(self.treedef, leaves)
        self.fn(*args, **kwargs)

    def cache_key(self) -> Any:
        return self._key

    def __repr__(self) -> str:
        return getattr(self.fn, "__name__", "callback")


def _impl(*leaves: Any, callback: _Callback) -> list:
    callback(*leaves)
    return []


def _abstract_eval(*avals: Any, callback: _Callback) -> list:
    return []


def _batch(args: list, dims: list, *, axis_size: int, callback: _Callback) -> tuple:
    moved = [x if d is None else shape.moveaxis(x, d, 0)
             for x, d in zip(args, dims, strict=True)]
    debug_callback_p.bind(*moved, callback=callback)
    return [], []


debug_callback_p.def_impl(_impl)
debug_callback_p.def_abstract_eval(_abstract_eval)
debug_callback_p.def_nondifferentiable()   # the JVP replays it on the primal values
debug_callback_p.def_batch(_batch)


def _bind(fn: Callable, key: Any, args: tuple, kwargs: dict) -> None:
    leaves, treedef = tree_util.tree_flatten((args, kwargs))
    # Python scalars are passed through as they are (not staged), arrays and tracers staged.
    debug_callback_p.bind(*leaves, callback=_Callback(fn, treedef, (key, str(treedef))))


def callback(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call `fn(*args, **kwargs)` when the program runs, with the concrete values.

    Inside `jit` and every other transformation the call is recorded in the program (kept
    by the optimizer) and made at evaluation, on NumPy arrays; outside any transformation it
    is made at once. Its return value is ignored. See `functrans.debug` for what each
    transformation does with it (forward pass only under `grad`; once with the batched
    values under `vmap`; on every iteration of a loop body).

    Args:
      fn: the function to call.
      *args, **kwargs: pytrees of arrays (traced or not) and Python scalars.

    Example:
      >>> import numpy as np, functrans as ft
      >>> seen = []
      >>> f = ft.jit(lambda x: (ft.debug.callback(seen.append, x), x * 2.0)[1])
      >>> _ = f(np.float64(1.0)); _ = f(np.float64(3.0))
      >>> [float(v) for v in seen]
      [1.0, 3.0]
    """
    _bind(fn, fn, args, kwargs)


class _Printer:
    """`print(fmt.format(*args, **kwargs))` (a named object: keys programs by `fmt`)."""

    def __init__(self, fmt: str):
        self.fmt = fmt
        self.__name__ = f"print[{fmt!r}]"

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        builtins.print(self.fmt.format(*args, **kwargs))


_PRINTERS: dict[str, _Printer] = {}


def print(fmt: str, *args: Any, **kwargs: Any) -> None:
    """Print `fmt.format(*args, **kwargs)` when the program runs, with the concrete values.

    `debug.callback` with Python's `print`: inside `jit`, loops, `grad` and `vmap` it prints
    at evaluation (on every call, every iteration, on the forward pass; under `vmap` once,
    with the batched values), not while tracing.

    Args:
      fmt: a `str.format` string.
      *args, **kwargs: the values to format (arrays, traced or not).

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> def f(x):
      ...     ft.debug.print("x = {}", x)
      ...     return fnp.sin(x)
      >>> _ = ft.jit(f)(np.float64(0.5))
      x = 0.5
      >>> _ = ft.grad(f)(0.25)
      x = 0.25
    """
    printer = _PRINTERS.get(fmt)
    if printer is None:
        if len(_PRINTERS) > 1024:
            _PRINTERS.clear()
        printer = _PRINTERS[fmt] = _Printer(fmt)
    _bind(printer, ("print", fmt), args, kwargs)


def _debugger(values: dict) -> None:
    """Open pdb in this frame: `values` holds the named concrete values."""
    pdb.Pdb().set_trace()


def breakpoint(**values: Any) -> None:
    """Open `pdb` when the program runs, with the given values concrete.

    In the debugger the values are in the dict `values` (`p values["x"]`); `c` continues.
    Like `debug.callback`: at evaluation under `jit`, on every iteration of a loop, on the
    forward pass of `grad`, once with batched values under `vmap`.

    Args:
      **values: the values to inspect, by name (arrays, traced or not).

    Example:
      >>> import numpy as np, functrans as ft
      >>> def f(x):
      ...     ft.debug.breakpoint(x=x, y=x * 2.0)   # (Pdb) p values["y"]
      ...     return x
      >>> # ft.jit(f)(np.float64(1.0)) stops in pdb with values == {"x": 1.0, "y": 2.0}
    """
    callback(_call_debugger, **values)


def _call_debugger(**values: Any) -> None:
    _debugger(values)
