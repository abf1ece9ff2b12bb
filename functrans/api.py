"""The user-facing transformations: the only module that handles pytrees.

Each wrapper flattens its arguments, traces the user's function to a Jaxpr, rewrites it with
the IR-to-IR functions of `interpreters/`, and evaluates the result with `core.eval_jaxpr`
(which inlines it when called inside another transformation).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from functrans import core, errors, tree_util


def _static_argnums(static_argnums, nargs: int, fname: str) -> tuple[int, ...]:
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    out = []
    for i in static_argnums:
        if not -nargs <= i < nargs:
            raise errors.FunctransValueError(
                f"{fname}: static_argnums entry {i} is out of range for {nargs} positional "
                "arguments.")
        out.append(i % nargs)
    return tuple(sorted(set(out)))


def _check_leaf(x, what: str):
    if isinstance(x, core.Tracer) or isinstance(x, (np.ndarray, np.generic, bool, int, float)):
        return
    raise errors.FunctransTypeError(
        f"{what}: leaf of type {type(x).__name__} is not an array; pass NumPy arrays or "
        "Python scalars (int, float, bool), or mark the argument static with static_argnums.")


def trace_pytree(fun: Callable, args: Sequence, source=None):
    """Trace `fun(*args)` (pytrees of arrays) into a Jaxpr.

    Returns `(jaxpr, consts, in_tree, out_tree)`; the jaxpr's invars are the flattened leaves
    of `args` and its outvars the flattened leaves of the output.
    """
    flat, in_tree = tree_util.tree_flatten(tuple(args))
    for x in flat:
        _check_leaf(x, getattr(fun, "__name__", "function"))
    in_avals = [core.get_aval(x) for x in flat]
    out_tree_box = []

    def flat_fun(*tracers):
        out = fun(*tree_util.tree_unflatten(in_tree, tracers))
        out_flat, out_tree = tree_util.tree_flatten(out)
        out_tree_box.append(out_tree)
        return out_flat

    jaxpr, consts = core.trace_flat(flat_fun, in_avals, source)
    return jaxpr, consts, in_tree, out_tree_box[0]


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = ()) -> Callable[..., core.ClosedJaxpr]:
    """Trace `fun` and return its IR as a ClosedJaxpr; `str()` of it is the IR dump.

    Args:
      fun: a function of arrays (pytrees of arrays) written with functrans.numpy.
      static_argnums: positions of arguments that are Python values, not traced.

    Returns:
      A function taking `fun`'s arguments and returning a `ClosedJaxpr`, whose
      `.out_tree` attribute is not kept; flat inputs are the leaves of the arguments.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> print(ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3)))
      { lambda ; a:f64[3]. let
          b:f64[3] = sin a
          c:f64[3] = mul b 2.0:f64[]
        in (c,) }
    """

    @functools.wraps(fun)
    def make(*args):
        source = core.user_source_info()
        static = _static_argnums(static_argnums, len(args), "make_jaxpr")
        dyn_idx = [i for i in range(len(args)) if i not in static]

        def dyn_fun(*dyn):
            full = list(args)
            for i, x in zip(dyn_idx, dyn, strict=True):
                full[i] = x
            return fun(*full)

        jaxpr, consts, _, _ = trace_pytree(dyn_fun, [args[i] for i in dyn_idx], source)
        return core.ClosedJaxpr(jaxpr, consts)

    return make
