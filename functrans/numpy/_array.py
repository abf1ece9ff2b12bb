"""`functrans.numpy.Array`: the NumPy array that functrans.numpy's creation functions return.

An `Array` is a thin `numpy.ndarray` subclass (no attributes, no copy: a view of the same
memory) that adds JAX's two array idioms outside and inside a trace:

- `x.at[idx].set(v)` (and `.add`, `.multiply`, `.min`, `.max`, `.get`): a new array, the
  same functional updates as on traced values, also when nothing is traced;
- `table[i]` with a traced integer `i`: the lookup-table idiom (`fnp.asarray(table)[i]`);
  a plain ndarray's own indexing cannot see a traced index and raises.

Everything else is NumPy's: an Array is an ndarray, and NumPy's rules for subclasses apply
(arithmetic, ufuncs, methods, slicing and pickling of an Array give Arrays; `np.asarray`,
`np.array`, `np.copy`, `np.concatenate` give plain ndarrays). Its repr is an ndarray's.
Arrays entering a program become plain ndarray views (constants in
`core.JaxprTrace.to_jaxpr`, arguments in `api_util.plain_arrays`), so impls never see the
subclass, and the results of transformations (`jit`, `grad`, `vmap` ...) are plain ndarrays.

Owns the class only: `__getitem__`, `__setitem__` and `at` are installed by `_methods` (with
the traced values' operators), since they are functions of `_indexing`, which sits above
this module.
"""
from __future__ import annotations

import numpy as np

# The public names, re-exported by functrans.numpy.
__all__ = [
    "Array"
]


class Array(np.ndarray):
    """A NumPy array with JAX's `.at[idx]` updates and traced-index lookups.

    `functrans.numpy`'s creation functions (`array`, `asarray`, `zeros`, `arange`, ...)
    return it for concrete values, and `.at` updates of an Array give Arrays, so update
    chains work without a trace. It is an ndarray in every other respect (same memory, same
    repr, NumPy's subclass rules); `numpy.asarray(x)` gives the plain ndarray view.

    Example:
      >>> import functrans as ft
      >>> x = fnp.zeros(4).at[1].set(2.0).at[[1, 3]].add(1.0)
      >>> x
      array([0., 3., 0., 1.])
      >>> isinstance(x, fnp.Array) and isinstance(x, np.ndarray)
      True
      >>> table = fnp.asarray([10.0, 20.0, 30.0])
      >>> ft.grad(lambda s, i: s * table[i])(1.0, 2)   # a traced index into a constant
      array(30.)

    Differences from JAX's Array: it is mutable (an ndarray; `x[i] = v` works outside a
    trace), traced values are not instances of it, and NumPy functions that return base-class
    arrays give plain ndarrays (which have no `.at`: wrap them with `fnp.asarray`).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


def wrap(x):
    """`x` as an Array view when it is a concrete ndarray; traced values and scalars unchanged."""
    if type(x) is np.ndarray:
        return x.view(Array)
    return x
