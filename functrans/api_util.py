"""What the public transformations share besides the route itself: pytrees and arguments.

Owns flattening and tracing a function of pytrees (`trace_pytree`, `trace_avals`, `trace`),
static and differentiated argument positions (`static_argnums`, `argnums_tuple`,
`diff_mask`), `has_aux` handling, checks of tangents, cotangents and batch axes, the
arrangement of Jacobian blocks, snapshots of kept programs, and the conversion of results for
the user. Owns no transformation and no cache (api.py, interpreters/, cache.py).
"""
from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from functrans import backend, core, errors, ir, tree_util


def index_tuple(nums: Any, nargs: int, fname: str, what: str) -> tuple[int, ...]:
    """`nums` (an int or a sequence of ints, negatives from the end) as non-negative ints."""
    items = nums if isinstance(nums, (tuple, list)) else (nums,)
    out = []
    for i in items:
        try:
            i = operator.index(i)
        except TypeError:
            raise errors.FunctransTypeError(
                f"{fname}: {what}={nums!r} must be an int or a tuple of ints, got an entry of "
                f"type {type(i).__name__}.") from None
        if not -nargs <= i < nargs:
            raise errors.FunctransValueError(
                f"{fname}: {what}={nums!r} is out of range for a function called with {nargs} "
                "positional argument(s).")
        out.append(i % nargs)
    return tuple(out)


def static_argnums(nums: Any, nargs: int, fname: str) -> tuple[int, ...]:
    return tuple(sorted(set(index_tuple(nums, nargs, fname, "static_argnums"))))


class StaticArgs:
    """A jitted function's static arguments: positions (`static_argnums`) and names
    (`static_argnames`), each mapped to the other through `fun`'s signature when it has one,
    so that a static argument is static however it is passed (JAX's rule)."""

    def __init__(self, fun: Callable, nums: Any, names: Any, fname: str):
        self.names = {names} if isinstance(names, str) else set(names)
        if not all(isinstance(n, str) for n in self.names):
            raise errors.FunctransTypeError(
                f"{fname}: static_argnames={names!r} must be a string or a sequence of strings.")
        self.fname = fname
        params: list[str] = []
        try:
            params = [p.name for p in inspect.signature(fun).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):   # no signature (a builtin): positions and names apart
            pass
        self.params = params
        index_tuple(nums, 1 << 30, fname, "static_argnums")   # types only: ranges per call
        self.raw = [operator.index(i) for i in (
            nums if isinstance(nums, (tuple, list)) else (nums,))]
        self.names |= {params[i] for i in self.raw if 0 <= i < len(params)}

    def split(self, args: Sequence, kwargs: dict) -> tuple[tuple[int, ...], dict, dict]:
        """`(static positions, static keyword arguments, the other keyword arguments)` of a
        call. A static position beyond the positional arguments that names a parameter is
        passed by keyword, or not at all (its default)."""
        if not self.raw and not self.names:   # no static argument: the common call
            return (), {}, kwargs
        positional = [i for i in self.raw if i < len(args) or i >= len(self.params)]
        pos = set(static_argnums(positional, len(args), self.fname)) if positional else set()
        pos |= {i for i, p in enumerate(self.params[:len(args)]) if p in self.names}
        static_kw = {k: v for k, v in kwargs.items() if k in self.names}
        rest = {k: v for k, v in kwargs.items() if k not in self.names}
        return tuple(sorted(pos)), static_kw, rest


def check_leaf(x: Any, what: str) -> None:
    if isinstance(x, (core.Tracer, np.ndarray, np.generic, bool, int, float, complex)):
        return
    if backend.is_foreign(x):
        return
    raise errors.FunctransTypeError(
        f"{what}: leaf of type {type(x).__name__} is not an array; pass NumPy arrays or "
        "Python scalars (int, float, complex, bool), or mark the argument static with "
        "static_argnums.")


def trace_pytree(fun: Callable, args: Sequence, source: ir.SourceInfo | None = None
                 ) -> tuple[ir.Jaxpr, list, tree_util.PyTreeDef, tree_util.PyTreeDef]:
    """Trace `fun(*args)` (pytrees of arrays) into a Jaxpr.

    Returns `(jaxpr, consts, in_tree, out_tree)`; the jaxpr's invars are the flattened leaves
    of `args` and its outvars the flattened leaves of the output.
    """
    flat, in_tree = tree_util.tree_flatten(tuple(args))
    for x in flat:
        check_leaf(x, getattr(fun, "__name__", "function"))
    return trace_avals(fun, in_tree, [core.get_aval(x) for x in flat], source)


def trace(fun: Callable, args: Sequence, source: ir.SourceInfo | None = None
          ) -> tuple[ir.ClosedJaxpr, tree_util.PyTreeDef, tree_util.PyTreeDef]:
    """`trace_pytree` as `(closed program, in_tree, out_tree)`."""
    jaxpr, consts, in_tree, out_tree = trace_pytree(fun, args, source)
    return ir.ClosedJaxpr(jaxpr, consts), in_tree, out_tree


def keeping_concrete(trace_fn: Callable[[Callable], Any], fun: Callable, args: Sequence,
                     keep: Callable[[], Sequence[bool]]) -> Any:
    """`trace_fn(fun)`; if that needs the value of a traced argument (ConcretizationError:
    `range(n)`, `if flag:`, a static argument of an inner `jit`), `trace_fn` again of `fun`
    with the leaves of `args` that `keep()` marks (those the transformation neither
    differentiates nor maps; one flag per leaf of `tuple(args)`) passed as the values they
    are, as JAX passes them: the program has them as constants and its inputs for them go
    unused, so the signature, the pytrees and the caller's bookkeeping stay as they were.
    Leaves that are tracers of an enclosing trace cannot be kept: then the error propagates,
    so that the enclosing transformation can keep them.

    Tracing values only on that error keeps one program for all values in the common case
    (a step counter passed to `grad` does not retrace per step).
    """
    try:
        return trace_fn(fun)
    except errors.ConcretizationError:
        leaves, tree = tree_util.tree_flatten(tuple(args))
        fixed = {i for i, (k, x) in enumerate(zip(keep(), leaves, strict=True))
                 if k and not isinstance(x, core.Tracer)}
        if not fixed:
            raise

    def with_values(*traced: Any) -> Any:
        flat = tree_util.tree_leaves(traced)
        flat = [leaves[i] if i in fixed else x for i, x in enumerate(flat)]
        return fun(*tree_util.tree_unflatten(tree, flat))

    functools.update_wrapper(with_values, fun)
    return trace_fn(with_values)


def trace_avals(fun: Callable, in_tree: tree_util.PyTreeDef, in_avals: Sequence[ir.ShapedArray],
                source: ir.SourceInfo | None = None
                ) -> tuple[ir.Jaxpr, list, tree_util.PyTreeDef, tree_util.PyTreeDef]:
    """`trace_pytree` from the arguments' structure and abstract values alone."""
    out_tree_box: list[tree_util.PyTreeDef] = []

    def flat_fun(*tracers: core.Tracer) -> list:
        out = fun(*tree_util.tree_unflatten(in_tree, tracers))
        out_flat, out_tree = tree_util.tree_flatten(out)
        for x in out_flat:
            check_leaf(x, f"output of {getattr(fun, '__name__', 'function')}")
        out_tree_box.append(out_tree)
        return out_flat

    jaxpr, consts = core.trace_flat(flat_fun, in_avals, source)
    return jaxpr, consts, in_tree, out_tree_box[0]


def snapshot(closed: ir.ClosedJaxpr) -> ir.ClosedJaxpr:
    """`closed` with read-only copies of its writeable array constants.

    A program kept for later (a `jit` cache entry, a `make_jaxpr` result) holds the values its
    function closed over when it was traced; mutating those arrays afterwards changes nothing.
    """
    consts = []
    for c in closed.consts:
        if isinstance(c, np.ndarray) and c.flags.writeable:
            c = c.copy()
            c.flags.writeable = False
        consts.append(c)
    return ir.ClosedJaxpr(closed.jaxpr, consts)


def split_static(fun: Callable, args: Sequence, kwargs: dict, static: Sequence[int]
                 ) -> tuple[Callable, list]:
    """`fun` as a function of its traced arguments only, and those arguments.

    Static positional arguments are closed over; keyword arguments are traced (a dict as the
    last argument), as in JAX.
    """
    dyn_idx = [i for i in range(len(args)) if i not in static]

    def dyn_fun(*dyn: Any) -> Any:
        full = list(args)
        for i, x in zip(dyn_idx, dyn[:-1], strict=True):
            full[i] = x
        return fun(*full, **dyn[-1])

    return dyn_fun, [*(args[i] for i in dyn_idx), dict(kwargs)]


def _untraceable(arg: Any) -> bool:
    """Whether every leaf of `arg` is a value that cannot be traced (a string, a function,
    an enum, ...): an option or a static argument of a jitted function."""
    leaves = tree_util.tree_leaves(arg)
    return bool(leaves) and not any(
        isinstance(x, (core.Tracer, np.ndarray, np.generic, bool, int, float, complex))
        or backend.is_foreign(x) for x in leaves)


def close_concrete(fun: Callable, args: Sequence, keep: Sequence[int]
                   ) -> tuple[Callable, tuple, list[int] | None]:
    """`fun` closed over the positional arguments not in `keep` that cannot be traced
    (`_untraceable`), the other arguments, and their positions in `args` (None when none
    was closed over: `fun` and `args` as they were).

    `grad` (arguments not in argnums) and `vmap` (in_axes None) pass such arguments as they
    are, as JAX does (`grad(f)(x, "relu")`). Numbers and arrays among the arguments they do
    not touch are traced (one program for all their values) and passed as values only when
    the trace needs them (`keeping_concrete`).
    """
    fixed = [i for i, a in enumerate(args) if i not in keep and _untraceable(a)] if len(
        keep) < len(args) else None
    if not fixed:
        return fun, tuple(args), None
    pos = [i for i in range(len(args)) if i not in fixed]

    def closed_fun(*dyn: Any, **kwargs: Any) -> Any:
        full = list(args)
        for i, x in zip(pos, dyn, strict=True):
            full[i] = x
        return fun(*full, **kwargs)

    functools.update_wrapper(closed_fun, fun)
    return closed_fun, tuple(args[i] for i in pos), pos


def plain_arrays(values: Sequence) -> Sequence:
    """`values` with ndarray subclasses (`functrans.numpy.Array`) as plain ndarray views (no
    copy), so that a program's impls never see a subclass, whose wrapping costs NumPy about
    half a microsecond per operation. `values` itself when there is none."""
    for x in values:
        if type(x) is not np.ndarray and isinstance(x, np.ndarray):
            return [np.asarray(v) if isinstance(v, np.ndarray) else v for v in values]
    return values


def finish(x: Any) -> Any:
    """Outputs seen by the user: NumPy arrays (0-d for scalars) unless inside a trace or of
    a foreign array type (Dask, CuPy: left in their namespace)."""
    if isinstance(x, core.Tracer) or backend.is_foreign(x):
        return x
    return np.asarray(x)


def finish_tree(tree: Any) -> Any:
    return tree_util.tree_map(finish, tree)


def argnums_tuple(argnums: Any, nargs: int, fname: str) -> tuple[tuple[int, ...], bool]:
    single = not isinstance(argnums, (tuple, list))
    if not single and not argnums:
        raise errors.FunctransValueError(f"{fname}: argnums must name at least one argument.")
    return index_tuple(argnums, nargs, fname, "argnums"), single


def diff_mask(args: Sequence, argnums: tuple[int, ...], fname: str,
              holomorphic: bool = False, real_inputs: bool = False,
              positions: Sequence[int] | None = None) -> list[bool]:
    """One flag per flattened leaf of `args`: is it differentiated? Rejects integer leaves;
    with `holomorphic`, real ones too; with `real_inputs` (jacfwd), complex ones (JAX's
    rules). `positions`: the positions the user gave `args` at, for the errors, when some
    were closed over (`close_concrete`)."""
    mask: list[bool] = []
    for i, a in enumerate(args):
        for leaf in tree_util.tree_leaves(a):
            if i in argnums:
                check_input_dtype(fname, i if positions is None else positions[i],
                                  core.get_aval(leaf), holomorphic, real_inputs)
            mask.append(i in argnums)
    return mask


def check_input_dtype(fname: str, i: int, aval: ir.ShapedArray, holomorphic: bool,
                      real_inputs: bool) -> None:
    kind = aval.dtype.kind
    what = f"{fname}: argument {i} has dtype {aval.dtype.name} (shape {aval.shape})"
    if holomorphic and kind != "c":
        raise errors.FunctransTypeError(
            f"{what}; with holomorphic=True the differentiated arguments must be complex. "
            "Convert it with .astype(complex), or drop holomorphic=True.")
    if kind not in "fc":
        raise errors.FunctransTypeError(
            f"{what}; derivatives are taken only with respect to floating-point (or complex) "
            "arguments. Convert it with .astype(float), or leave it out of argnums.")
    if real_inputs and kind == "c" and not holomorphic:
        raise errors.FunctransTypeError(
            f"{what}; {fname} requires real-valued inputs. For a holomorphic function pass "
            "holomorphic=True; for a non-holomorphic function of complex inputs use jvp "
            "directly (or split the input into its real and imaginary parts).")


def check_output_dtypes(fname: str, avals: Sequence[ir.ShapedArray], holomorphic: bool,
                        real_outputs: bool) -> None:
    """JAX's rules on the outputs: complex with `holomorphic`; real where `real_outputs`
    (grad and jacrev without `holomorphic`)."""
    for a in avals:
        kind = a.dtype.kind
        if holomorphic and kind != "c":
            raise errors.FunctransTypeError(
                f"{fname}(holomorphic=True): the function returned dtype {a.dtype.name} (shape "
                f"{a.shape}); a holomorphic function must return complex values.")
        if real_outputs and not holomorphic and kind == "c":
            raise errors.FunctransTypeError(
                f"{fname}: the function returned a complex value (dtype {a.dtype.name}, shape "
                f"{a.shape}); {fname} requires real outputs. For a holomorphic function pass "
                f"holomorphic=True; for a non-holomorphic one use vjp directly (or return the "
                "real and imaginary parts).")


def aux_wrapper(fun: Callable, has_aux: bool, fname: str) -> Callable:
    if not has_aux:
        return fun

    @functools.wraps(fun)
    def wrapped(*args: Any) -> tuple:
        out = fun(*args)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise errors.FunctransTypeError(
                f"{fname}(has_aux=True): the function must return a pair (output, aux), but it "
                f"returned {type(out).__name__}"
                f"{' of length ' + str(len(out)) if isinstance(out, (tuple, list)) else ''}.")
        return tuple(out)

    return wrapped


def split_aux(out_tree: tree_util.PyTreeDef, has_aux: bool
              ) -> tuple[int, tree_util.PyTreeDef, tree_util.PyTreeDef | None]:
    """Number of leaves of the differentiated output, and the main/aux subtrees."""
    if not has_aux:
        return out_tree.num_leaves, out_tree, None
    main, aux = out_tree.children()
    return main.num_leaves, main, aux


def checked(values: Sequence, avals: Sequence[ir.ShapedArray], flags: Sequence[bool],
             what: str) -> list:
    """The flagged tangents or cotangents, each checked and converted like its aval."""
    return [as_like(x, a, f"{what} {i}")
            for i, (x, a, f) in enumerate(zip(values, avals, flags, strict=True)) if f]


def with_zeros(values: Sequence, avals: Sequence[ir.ShapedArray], flags: Sequence[bool]
               ) -> list:
    """`values` in the flagged slots, zeros of each aval elsewhere (symbolic zeros made real)."""
    it = iter(values)
    return [next(it) if f else np.zeros(a.shape, a.dtype)
            for a, f in zip(avals, flags, strict=True)]


def as_like(x: Any, aval: ir.ShapedArray, what: str) -> Any:
    """A tangent or cotangent `x` checked against `aval` and converted to its dtype."""
    if isinstance(x, core.Tracer):
        if x.shape != aval.shape:
            raise errors.FunctransValueError(
                f"{what} has shape {x.shape}, expected {aval.shape} to match the primal.")
        _check_float_dtype(x.aval, aval, what)
        return x
    if backend.is_foreign(x):   # checked and cast where it lives
        if tuple(x.shape) != aval.shape:
            raise errors.FunctransValueError(
                f"{what} has shape {tuple(x.shape)}, expected {aval.shape} to match the "
                "primal.")
        _check_float_dtype(backend.foreign_aval(x), aval, what)
        return x if x.dtype == aval.dtype else x.astype(aval.dtype)
    arr = np.asarray(x)
    if arr.shape != aval.shape:
        raise errors.FunctransValueError(
            f"{what} has shape {arr.shape}, expected {aval.shape} to match the primal.")
    if isinstance(x, (np.ndarray, np.generic)):   # Python scalars are weakly typed: converted
        _check_float_dtype(core.get_aval(x), aval, what)
    return arr.astype(aval.dtype, copy=False)


def _check_float_dtype(got: ir.ShapedArray, aval: ir.ShapedArray, what: str) -> None:
    """A float tangent of another float dtype than its primal is an error (as in JAX), not a
    silent cast (issue 19)."""
    if (got.dtype != aval.dtype and not got.weak_type and got.dtype.kind in "fc"
            and aval.dtype.kind in "fc"):
        raise errors.FunctransTypeError(
            f"{what} has dtype {got.dtype.name}, but its primal has dtype {aval.dtype.name}; "
            f"give it the primal's dtype (e.g. t.astype(np.{aval.dtype.name})).")


def check_scalar_output(avals: Sequence[ir.ShapedArray], tree: tree_util.PyTreeDef,
                        holomorphic: bool = False) -> None:
    check_output_dtypes("grad", avals[:1], holomorphic, True)
    if len(avals) != 1 or avals[0].shape != () or avals[0].dtype.kind not in "fc":
        desc = (f"shape {avals[0].shape} and dtype {avals[0].dtype.name}" if len(avals) == 1
                else f"a pytree of {len(avals)} arrays ({tree})")
        raise errors.FunctransTypeError(
            f"grad requires a function with a real scalar output, but it returned {desc}. "
            "For a non-scalar output use jacrev (the full Jacobian) or vjp (a vector-Jacobian "
            "product); to differentiate a sum, write fnp.sum(...) in the function.")


def flatten_axes(axes: Any, tree: tree_util.PyTreeDef, what: str) -> list:
    """One axis (int or None) per leaf of `tree`, from a pytree prefix `axes` (JAX's rule)."""
    if isinstance(axes, (int, type(None))):
        return [axes] * tree.num_leaves
    axes_leaves, axes_tree = tree_util.tree_flatten(axes, is_leaf=lambda x: x is None)
    proxy = tree_util.tree_unflatten(tree, list(range(tree.num_leaves)))
    try:
        subtrees = axes_tree.flatten_up_to(proxy)
    except ValueError as e:
        raise errors.FunctransValueError(
            f"vmap: {what}={axes!r} is not a pytree prefix of the arguments' structure "
            f"{tree}: {e}") from None
    out: list = [None] * tree.num_leaves
    for ax, sub in zip(axes_leaves, subtrees, strict=True):
        for leaf_index in tree_util.tree_leaves(sub):
            out[leaf_index] = ax
    return out


def norm_axis(d: int, ndim: int, what: str) -> int:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise errors.FunctransTypeError(
            f"vmap: {what} entry {d!r} must be an int (an axis) or None (not mapped).")
    if not -ndim <= d < ndim:
        raise errors.FunctransValueError(
            f"vmap: {what} entry {d!r} is out of range for a batched value of rank {ndim}.")
    return int(d) % ndim


def leaf_names(args: Sequence, kwargs_last: bool = False,
               positions: Sequence[int] | None = None) -> list[str]:
    """A name for each leaf of the arguments, for error messages: `argument 1`,
    `argument 0 (leaf 2 of 3)`, `keyword argument 'b'` (the last argument holds the keyword
    arguments when `kwargs_last`). `positions`: the positions the user gave `args` at, when
    some were closed over (`close_concrete`)."""
    names: list[str] = []
    for i, a in enumerate(args):
        if kwargs_last and i == len(args) - 1 and isinstance(a, dict):
            for k in sorted(a):
                names += _sub_names(f"keyword argument {k!r}", a[k])
        else:
            names += _sub_names(f"argument {i if positions is None else positions[i]}", a)
    return names


def _sub_names(base: str, tree: Any) -> list[str]:
    n = len(tree_util.tree_leaves(tree))
    return [base] if n == 1 else [f"{base} (leaf {k} of {n})" for k in range(n)]


def check_batch_dims(flat: list, dims: list, names: Sequence[str] | None = None,
                     axis_size: int | None = None) -> tuple[list[int | None], int]:
    """The normalized batch axes and the batch size (`axis_size` when given: it must agree
    with the mapped arguments, and is the size when none is mapped); errors name each
    argument by `names` (one per leaf; default `leaf i`)."""
    if names is None or len(names) != len(flat):
        names = [f"leaf {i}" for i in range(len(flat))]
    sizes: dict[int, list[str]] = {}
    out: list[int | None] = []
    for i, (x, d) in enumerate(zip(flat, dims, strict=True)):
        if d is None:
            out.append(None)
            continue
        aval = core.get_aval(x)
        if aval.ndim == 0:
            raise errors.FunctransValueError(
                f"vmap: {names[i]} is a scalar (shape ()), so it cannot be mapped over "
                f"axis {d}; give it in_axes None.")
        d = norm_axis(d, aval.ndim, "in_axes")
        sizes.setdefault(aval.shape[d], []).append(
            f"{names[i]} (shape {aval.shape}, axis {d})")
        out.append(d)
    if axis_size is not None:
        try:
            axis_size = operator.index(axis_size)
        except TypeError:
            raise errors.FunctransTypeError(
                f"vmap: axis_size must be an int, got {type(axis_size).__name__}.") from None
        if axis_size < 0:
            raise errors.FunctransValueError(f"vmap: axis_size={axis_size} must be >= 0.")
        if not sizes:
            return out, axis_size
        sizes.setdefault(axis_size, []).append("axis_size")
    if not sizes:
        raise errors.FunctransValueError(
            "vmap: in_axes maps no argument (all None); at least one must have a batch axis, "
            "or give axis_size.")
    if len(sizes) > 1:
        detail = "; ".join(f"size {n}: {', '.join(v)}" for n, v in sizes.items())
        raise errors.FunctransValueError(
            f"vmap: mapped arguments have different batch sizes ({detail}); they must agree.")
    return out, next(iter(sizes))


def unbatched_aval(x: Any, d: int | None) -> ir.ShapedArray:
    aval = core.get_aval(x)
    if d is None:
        return aval
    return aval.update(shape=aval.shape[:d] + aval.shape[d + 1:])


def jac_tree(in_tree: tree_util.PyTreeDef, nums: Sequence[int], single: bool,
             mask: Sequence[bool], blocks: Sequence) -> Any:
    """Arrange the blocks of one output leaf (one per differentiated input leaf) like the input."""
    it = iter(blocks)
    per_leaf = [next(it) if m else None for m in mask]
    tree = tree_util.tree_unflatten(in_tree, per_leaf)
    picked = tuple(tree[i] for i in nums)
    return picked[0] if single else picked


def memory_owner(x: np.ndarray) -> object:
    """The object owning `x`'s memory (following views' bases); kept alive by `x`."""
    while isinstance(x.base, np.ndarray):
        x = x.base
    return x if x.base is None else x.base
