"""The user's side of a custom-derivative call: arguments, pytrees and returned values.

Owns turning a call of a `custom_jvp`/`custom_vjp` function into flat operands (`Args`:
`nondiff_argnums` leaves first, then the differentiated leaves) and back, binding keyword
arguments and defaults (`positional`), tracing the primal function (`trace_call`), and
checking what the user's functions return (`check_value`, `conform`). Shared by `_jvp` and
`_vjp`; owns no primitive and no rule.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from functrans import backend, core, errors, ir, tree_util
from functrans.primitives import elementwise


def name_of(fun) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


_DYNAMIC = object()   # stands for an array leaf of a nondiff argument (an operand)


def _is_array(x) -> bool:
    return isinstance(x, (core.Tracer, np.ndarray, np.generic))


class Args:
    """A call's positional arguments as flat operands.

    The array leaves of the `nondiff_argnums` arguments come first (operands that are never
    differentiated, so the lazily traced rules get them as inputs, not as closed-over tracers
    of a finished trace); their other leaves (Python numbers, functions) stay static. Then the
    leaves of the other arguments.
    """

    def __init__(self, args: tuple, nondiff_argnums: tuple[int, ...], where: str):
        for i in nondiff_argnums:
            if not -len(args) <= i < len(args):
                raise errors.FunctransValueError(
                    f"{where}: nondiff_argnums entry {i} is out of range for a call with "
                    f"{len(args)} positional arguments.")
        self.n_args = len(args)
        self.nums = sorted({i % len(args) for i in nondiff_argnums})
        nd_leaves, self.nd_tree = tree_util.tree_flatten([args[i] for i in self.nums])
        self.nd_static = [_DYNAMIC if _is_array(x) else x for x in nd_leaves]
        nd_dyn = [x for x in nd_leaves if _is_array(x)]
        leaves, self.in_tree = tree_util.tree_flatten(
            tuple(a for i, a in enumerate(args) if i not in self.nums))
        self.num_nondiff = len(nd_dyn)
        self.flat = nd_dyn + leaves
        self.avals = [core.get_aval(x) for x in self.flat]

    def nondiff(self, nd_dyn: Sequence) -> list:
        """The nondiff arguments, given values for their array leaves."""
        it = iter(nd_dyn)
        leaves = [next(it) if x is _DYNAMIC else x for x in self.nd_static]
        return tree_util.tree_unflatten(self.nd_tree, leaves)

    def diff(self, leaves: Sequence) -> tuple:
        """The other arguments, given their leaves."""
        return tree_util.tree_unflatten(self.in_tree, leaves)

    def full(self, flat: Sequence) -> list:
        """All positional arguments, in order, given values for the flat operands."""
        nn = self.num_nondiff
        nd, d = iter(self.nondiff(flat[:nn])), iter(self.diff(flat[nn:]))
        return [next(nd) if i in self.nums else next(d) for i in range(self.n_args)]


def positional(fun: Callable, args: tuple, kwargs: dict, nondiff_argnums: Sequence[int],
               where: str) -> tuple:
    """The call's arguments as a positional tuple, defaults filled in (the rules get
    positional primals, as in JAX)."""
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):   # a builtin without a signature: positional only
        if kwargs:
            raise errors.FunctransTypeError(
                f"{where}: keyword arguments need a function with an inspectable signature; "
                "pass the arguments positionally.") from None
        return args
    names = list(sig.parameters)
    for i in nondiff_argnums:
        if 0 <= i < len(names) and names[i] in kwargs:
            raise errors.FunctransTypeError(
                f"{where}: argument {names[i]!r} is in nondiff_argnums ({i}) but was given by "
                "keyword; pass it positionally.")
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise errors.FunctransTypeError(f"{where}: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise errors.FunctransTypeError(
            f"{where}: keyword-only arguments ({', '.join(bound.kwargs)}) are not supported; "
            "make them positional parameters.")
    return bound.args


def trace_call(fun: Callable, avals) -> tuple[ir.Jaxpr, list, tree_util.PyTreeDef]:
    """`fun(*flat)` traced into a const-free program (consts first), its consts, out tree."""
    box = []

    def flat(*leaves):
        out_flat, out_tree = tree_util.tree_flatten(fun(*leaves))
        box.append(out_tree)
        return [check_value(x) for x in out_flat]

    jaxpr, consts = core.trace_flat(flat, avals)
    opened, consts = ir.open_consts(ir.ClosedJaxpr(jaxpr, consts))
    return opened, consts, box[0]


def check_value(x):
    core.get_aval(x)   # raises a FunctransTypeError naming the type
    return x


def conform(x, aval: ir.ShapedArray, what: str):
    """`x` checked to have `aval`'s type; a weakly typed `x` (a Python scalar) is converted."""
    got = core.get_aval(x)
    if got.shape != aval.shape or (got.dtype != aval.dtype and not got.weak_type):
        raise errors.FunctransTypeError(f"{what} has type {got.str_short()}, but "
                                        f"{aval.str_short()} is required.")
    if got.dtype == aval.dtype:
        return x
    if isinstance(x, core.Tracer):
        return elementwise.convert_element_type(x, aval.dtype)
    return backend.asarray(x, aval.dtype)
