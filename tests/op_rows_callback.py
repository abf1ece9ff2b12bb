"""Op-table rows of `ft.pure_callback` (issue 16); `op_table.ROWS` includes them.

A callback has no derivative of its own (grad_order 0; tests/test_callback.py checks the
error and the custom_jvp route); the rows check values, jit and vmap (a loop per batch
element, or one call with `vectorized=True`) against calling the function directly.
"""
from __future__ import annotations

import numpy as np
from op_table import BINARY, FLOATS, UNARY, OpRow, V

import functrans as ft


def _spec(*args):
    """The broadcast shape and promoted dtype of the arguments (what the NumPy call gives)."""
    shape = np.broadcast_shapes(*[np.shape(a) for a in args])
    return ft.ShapedArray(shape, np.result_type(*[a.dtype for a in args]))


def _callback(fn, vectorized=False):
    def fun(*args):
        return ft.pure_callback(fn, _spec(*args), *args, vectorized=vectorized)
    return fun


EQUAL_RANKS = (V((3,), (3,)), V((2, 1), (1, 3)), V((), ()))


def _two_results(x):
    return {"sin": np.sin(x), "total": np.sum(x, keepdims=True).reshape(())}


ROWS: list[OpRow] = [
    # refs are lambdas, not NumPy functions: test_dispatch.py compares NumPy functions on
    # traced values with functrans.numpy, which a callback is not.
    OpRow("pure_callback_sin", _callback(np.sin), lambda x: np.sin(x), UNARY, dtypes=FLOATS,
          grad_order=0),
    OpRow("pure_callback_sin_vectorized", _callback(np.sin, vectorized=True),
          lambda x: np.sin(x), UNARY, dtypes=FLOATS, grad_order=0),
    OpRow("pure_callback_hypot", _callback(np.hypot), lambda x, y: np.hypot(x, y), BINARY,
          dtypes=FLOATS, grad_order=0),
    # vectorized: every argument gets a leading batch axis (of size 1 when unbatched), so a
    # NumPy ufunc broadcasts correctly only between arguments of equal rank.
    OpRow("pure_callback_hypot_vectorized", _callback(np.hypot, vectorized=True),
          lambda x, y: np.hypot(x, y), EQUAL_RANKS, dtypes=FLOATS, grad_order=0),
    OpRow("pure_callback_pytree",
          lambda x: ft.pure_callback(_two_results, {"sin": _spec(x),
                                                    "total": ft.ShapedArray((), x.dtype)}, x),
          lambda x: _two_results(x), UNARY, dtypes=FLOATS, grad_order=0),
]
