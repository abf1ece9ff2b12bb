"""`pure_callback`: a primitive that calls any Python function on concrete NumPy values.

The function (a SciPy routine, a C extension, NumPy code with in-place updates ...) is opaque
to functrans: its results are declared (`result_shape_dtypes`), it is traced as one equation
`pure_callback[callback=name]`, evaluated by calling it, jitted like any equation, and batched
by a loop over the batch (or one call when `vectorized=True`). It has no derivative of its own:
its JVP rule raises naming the function; give it one with `custom_jvp` / `custom_vjp`.
The function must be pure (same inputs, same outputs, no side effect that matters): the
optimizer may remove an unused call or merge two identical ones.

Params: `callback`, a flat function (a `_Flat`, `_Looped` or `_Vectorized`: arrays in, list of
arrays out, each checked against `out_avals`), and `out_avals`, the declared result types.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from functrans import core, errors, ir, tree_util

pure_callback_p = core.Primitive("pure_callback", multiple_results=True)
pure_callback_p.numpy_only = ("it calls a Python function on NumPy values; call that function "
                             "on your own arrays instead, outside the program")


# --------------------------------------------------------------------------- the callbacks


@dataclasses.dataclass(frozen=True)
class _Flat:
    """The user's function on flat arguments, returning flat results."""

    fn: Callable
    in_tree: Any
    out_tree: Any

    @property
    def name(self) -> str:
        return getattr(self.fn, "__name__", type(self.fn).__name__)

    def __call__(self, *args):
        out = self.fn(*tree_util.tree_unflatten(self.in_tree, args))
        leaves, tree = tree_util.tree_flatten(out)
        if tree != self.out_tree:
            raise errors.FunctransTypeError(
                f"pure_callback({self.name}): the function returned the structure {tree}, "
                f"but result_shape_dtypes declares {self.out_tree}.")
        return leaves

    def __repr__(self) -> str:
        return self.name


@dataclasses.dataclass(frozen=True)
class _Looped:
    """`callback` once per element of the batch (the batch axis of argument i is `dims[i]`,
    None for an unbatched argument); the results stacked along a new first axis."""

    callback: Callable
    dims: tuple[int | None, ...]
    axis_size: int
    out_avals: tuple   # the unbatched results' types (an empty batch stacks nothing)

    @property
    def name(self) -> str:
        return self.callback.name   # type: ignore[attr-defined]

    def __call__(self, *args):
        rows = []
        for i in range(self.axis_size):
            rows.append(self.callback(*[a if d is None else np.take(a, i, axis=d)
                                        for a, d in zip(args, self.dims, strict=True)]))
        if not rows:
            return [np.zeros((0, *a.shape), a.dtype) for a in self.out_avals]
        return [np.stack(outs) for outs in zip(*rows, strict=True)]

    def __repr__(self) -> str:
        return f"vmap({self.callback!r})"


@dataclasses.dataclass(frozen=True)
class _Vectorized:
    """`callback` called once on the whole batch: each argument with the batch axes of all
    nested vmaps first (outermost first), a new axis of size 1 where an argument is not
    batched (so that it broadcasts, as JAX's `vectorized=True`); the results must have the
    batch axes first. `levels` holds the batch axis of each argument per vmap, outermost
    first, each counted in the argument as that vmap sees it."""

    callback: Callable
    levels: tuple[tuple[int | None, ...], ...]

    @property
    def name(self) -> str:
        return self.callback.name   # type: ignore[attr-defined]

    def __call__(self, *args):
        args = list(args)
        for lead, dims in enumerate(self.levels):
            args = [np.expand_dims(a, lead) if d is None else np.moveaxis(a, d + lead, lead)
                    for a, d in zip(args, dims, strict=True)]
        return self.callback(*args)

    def __repr__(self) -> str:
        return f"vectorized({self.callback!r})"


# --------------------------------------------------------------------------- rules


@pure_callback_p.def_abstract_eval
def _pure_callback_abstract_eval(*avals, callback, out_avals, vectorized):
    return list(out_avals)


@pure_callback_p.def_impl
def _pure_callback_impl(*args, callback, out_avals, vectorized):
    outs = callback(*args)
    if len(outs) != len(out_avals):
        raise errors.FunctransTypeError(
            f"pure_callback({callback.name}): the function returned {len(outs)} arrays, but "
            f"result_shape_dtypes declares {len(out_avals)}.")
    checked = []
    for i, (out, aval) in enumerate(zip(outs, out_avals, strict=True)):
        out = np.asarray(out)
        if out.shape != aval.shape or out.dtype != aval.dtype:
            raise errors.FunctransTypeError(
                f"pure_callback({callback.name}): result {i} has shape {out.shape} and dtype "
                f"{out.dtype}, but result_shape_dtypes declares {aval.str_short()}; declare "
                "what the function returns, or convert its result (np.asarray(r, dtype)).")
        checked.append(out)
    return checked


@pure_callback_p.def_jvp
def _pure_callback_jvp(primals, tangents, *, callback, out_avals, vectorized):
    raise errors.FunctransTypeError(
        f"pure_callback({callback.name}) has no derivative: functrans cannot look inside a "
        "Python function it calls on concrete values. Give it one: wrap the call in a "
        "function decorated with functrans.custom_jvp (or custom_vjp) whose rule computes "
        "the derivative, e.g. with another pure_callback (docs/numpy_code.md).")


@pure_callback_p.def_batch
def _pure_callback_batch(args, dims, *, axis_size, callback, out_avals, vectorized):
    dims = tuple(dims)
    if not vectorized:
        batched: Callable = _Looped(callback, dims, axis_size, tuple(out_avals))
    elif isinstance(callback, _Vectorized):   # nested vmap: one call with all batch axes
        batched = _Vectorized(callback.callback, (dims, *callback.levels))
    else:
        batched = _Vectorized(callback, (dims,))
    avals = tuple(ir.ShapedArray((axis_size, *a.shape), a.dtype) for a in out_avals)
    outs = pure_callback_p.bind(*args, callback=batched, out_avals=avals,
                                vectorized=vectorized)
    return outs, [0] * len(outs)


# --------------------------------------------------------------------------- the wrapper


def pure_callback(callback: Callable, result_shape_dtypes: Any, *args: Any,
                  vectorized: bool = False) -> Any:
    """Call a Python function on concrete NumPy values from traced code, as `jax.pure_callback`.

    The call is one equation of the program: evaluated by calling `callback` (eagerly, under
    `jit`, in any evaluation of the program), batched under `vmap` by a loop over the batch, or
    by one call when `vectorized=True`. It has no derivative of its own (differentiating it
    raises, naming the function): give it one with `custom_jvp` or `custom_vjp`.

    Args:
      callback: a pure function of NumPy arrays (a SciPy routine, a C extension, ...),
        called as `callback(*args)` with the arguments' pytree structure.
      result_shape_dtypes: a pytree of objects with `.shape` and `.dtype` (NumPy arrays,
        `functrans.ShapedArray`, ...): what `callback` returns. Results are checked against it.
      *args: arrays, traced values or pytrees of them.
      vectorized: under `vmap`, call `callback` once with the batch axis first (unbatched
        arguments get a leading axis of size 1, so that they broadcast), instead of once per
        batch element; `callback` must then return results with the batch axis first.

    Returns:
      `callback`'s results, with the structure of `result_shape_dtypes` (traced values when an
      argument is traced).

    Raises:
      FunctransTypeError: when `callback` returns other shapes, dtypes or structure than
        declared, and when the call is differentiated.

    Example:
      >>> import scipy.special
      >>> x = np.array([1.0, 2.5])
      >>> spec = ft.ShapedArray(x.shape, x.dtype)
      >>> ft.jit(lambda x: ft.pure_callback(scipy.special.gammaln, spec, x) * 2)(x)
      array([0.        , 0.56936574])
    """
    leaves, in_tree = tree_util.tree_flatten(args)
    specs, out_tree = tree_util.tree_flatten(result_shape_dtypes)
    out_avals = tuple(_spec_aval(s, callback) for s in specs)
    flat = _Flat(callback, in_tree, out_tree)
    outs = pure_callback_p.bind(*leaves, callback=flat, out_avals=out_avals,
                                vectorized=bool(vectorized))
    return tree_util.tree_unflatten(out_tree, outs)


def _spec_aval(spec: Any, callback: Callable) -> ir.ShapedArray:
    shape, dtype = getattr(spec, "shape", None), getattr(spec, "dtype", None)
    if shape is None or dtype is None:
        raise errors.FunctransTypeError(
            f"pure_callback({getattr(callback, '__name__', callback)!r}): result_shape_dtypes "
            f"must be a pytree of objects with .shape and .dtype (NumPy arrays or "
            f"functrans.ShapedArray), got {spec!r}.")
    return ir.ShapedArray(tuple(int(d) for d in shape), np.dtype(dtype))
