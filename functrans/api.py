"""The user-facing transformations: the only module that handles pytrees.

Each wrapper flattens its arguments, traces the user's function to a Jaxpr, rewrites it with
the IR-to-IR functions of `interpreters/`, and evaluates the result with `evaluate.eval_jaxpr`
(which inlines it when called inside another transformation). Internal programs are only
cleaned of dead code: the full optimization pipeline runs on what users see or reuse
(`make_jaxpr`'s result and `jit`'s cached programs), which is also where inlined rewrites
end up, so un-jitted transformations do not pay for optimizing programs they run once.
"""
from __future__ import annotations

import collections
import functools
import operator
import threading
from typing import Callable, Sequence

import numpy as np

from functrans import call, core, errors, evaluate, ir, program_cache, tree_util
from functrans.interpreters import ad, batching, optimize
from functrans.primitives import basis, elementwise
from functrans.primitives import slicing
from functrans.primitives import shape as shape_prims


def _index_tuple(nums, nargs: int, fname: str, what: str) -> tuple[int, ...]:
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


def _static_argnums(static_argnums, nargs: int, fname: str) -> tuple[int, ...]:
    return tuple(sorted(set(_index_tuple(static_argnums, nargs, fname, "static_argnums"))))


def _check_leaf(x, what: str):
    if isinstance(x, (core.Tracer, np.ndarray, np.generic, bool, int, float)):
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
    return trace_avals(fun, in_tree, [core.get_aval(x) for x in flat], source)


def trace_avals(fun: Callable, in_tree, in_avals: Sequence[ir.ShapedArray], source=None):
    """`trace_pytree` from the arguments' structure and abstract values alone."""
    out_tree_box = []

    def flat_fun(*tracers):
        out = fun(*tree_util.tree_unflatten(in_tree, tracers))
        out_flat, out_tree = tree_util.tree_flatten(out)
        for x in out_flat:
            _check_leaf(x, f"output of {getattr(fun, '__name__', 'function')}")
        out_tree_box.append(out_tree)
        return out_flat

    jaxpr, consts = core.trace_flat(flat_fun, in_avals, source)
    return jaxpr, consts, in_tree, out_tree_box[0]


def _snapshot(closed: ir.ClosedJaxpr) -> ir.ClosedJaxpr:
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


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = ()) -> Callable[..., ir.ClosedJaxpr]:
    """Trace `fun` and return its IR as a ClosedJaxpr; `str()` of it is the IR dump.

    Args:
      fun: a function of arrays (pytrees of arrays) written with functrans.numpy.
      static_argnums: positions of arguments that are Python values, not traced.

    Returns:
      A function taking `fun`'s arguments and returning a `ClosedJaxpr` whose inputs are the
      flattened leaves of the (non-static) arguments. The program is optimized like every
      transformation's output: equations whose results are unused are dropped (JAX keeps them).

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> print(ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3)))
      { lambda ; a:f64[3]. let
          b:f64[3] = sin a
          c:f64[3] = mul b 2.0:f64[]
        in (c,) }
    """

    @functools.wraps(fun)
    def make(*args, **kwargs):
        source = core.user_source_info()
        static = _static_argnums(static_argnums, len(args), "make_jaxpr")
        dyn_fun, dyn_args = _split_static(fun, args, kwargs, static)
        jaxpr, consts, _, _ = trace_pytree(dyn_fun, dyn_args, source)
        return _snapshot(optimize.optimize(ir.ClosedJaxpr(jaxpr, consts)))

    return make


def _split_static(fun: Callable, args: Sequence, kwargs: dict, static: Sequence[int]):
    """`fun` as a function of its traced arguments only, and those arguments.

    Static positional arguments are closed over; keyword arguments are traced (a dict as the
    last argument), as in JAX.
    """
    dyn_idx = [i for i in range(len(args)) if i not in static]

    def dyn_fun(*dyn):
        full = list(args)
        for i, x in zip(dyn_idx, dyn[:-1], strict=True):
            full[i] = x
        return fun(*full, **dyn[-1])

    return dyn_fun, [*(args[i] for i in dyn_idx), dict(kwargs)]


# --------------------------------------------------------------------------- shared helpers


def _trace(fun: Callable, args: Sequence, source=None):
    jaxpr, consts, in_tree, out_tree = trace_pytree(fun, args, source)
    return ir.ClosedJaxpr(jaxpr, consts), in_tree, out_tree


def _finish(x):
    """Outputs seen by the user: NumPy arrays (0-d for scalars) unless inside a trace."""
    return x if isinstance(x, core.Tracer) else np.asarray(x)


def _finish_tree(tree):
    return tree_util.tree_map(_finish, tree)


def _run(closed: ir.ClosedJaxpr, *args) -> list:
    outs = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    if core.current_trace() is None:
        # An output that is a constant or an argument of the program would alias it: a user
        # mutating a returned gradient in place must not change a cached program or an input.
        # Views of them (reshapes, slices) too; read-only views (broadcasts) are copied so
        # that results are ordinary arrays.
        # Outputs sharing memory with each other (CSE merges equal results) are copied too.
        # Arrays are compared by the array owning their memory (linear in the count).
        taken = {id(_memory_owner(x)) for x in (*closed.consts, *args)
                 if isinstance(x, np.ndarray)}
        for i, x in enumerate(outs):
            if isinstance(x, np.ndarray):
                owner = id(_memory_owner(x))
                if not x.flags.writeable or owner in taken:
                    x = outs[i] = x.copy()
                    owner = id(x)
                taken.add(owner)
    return outs


def _memory_owner(x: np.ndarray):
    """The object owning `x`'s memory (following views' bases); kept alive by `x`."""
    while isinstance(x.base, np.ndarray):
        x = x.base
    return x if x.base is None else x.base


def _transformed(kind, closed: ir.ClosedJaxpr, flat: list, compute) -> list:
    """`compute(closed, flat, 0)`, through the program cache when it knows the structure of
    `closed` (see program_cache: un-jitted calls reuse the transformed program). Inside a
    trace, a transformation of concrete values only is computed directly: its results fold
    to concrete values (a cached program would record its always-staged equations)."""
    if core.current_trace() is not None and not _any_tracer(closed.consts, flat):
        return compute(closed, flat, 0)
    program = program_cache.program_for(kind, closed, flat, compute)
    if program is None:
        return compute(closed, flat, 0)
    return _run(program, *closed.consts, *flat)


def _argnums_tuple(argnums, nargs: int, fname: str) -> tuple[tuple[int, ...], bool]:
    single = not isinstance(argnums, (tuple, list))
    if not single and not argnums:
        raise errors.FunctransValueError(f"{fname}: argnums must name at least one argument.")
    return _index_tuple(argnums, nargs, fname, "argnums"), single


def _diff_mask(args: Sequence, argnums: tuple[int, ...], fname: str) -> list[bool]:
    """One flag per flattened leaf of `args`: is it differentiated? Rejects integer leaves."""
    mask = []
    for i, a in enumerate(args):
        for leaf in tree_util.tree_leaves(a):
            aval = core.get_aval(leaf)
            if i in argnums and not np.issubdtype(aval.dtype, np.floating):
                raise errors.FunctransTypeError(
                    f"{fname}: argument {i} has dtype {aval.dtype.name} (shape {aval.shape}); "
                    "derivatives are taken only with respect to floating-point arguments. "
                    "Convert it with .astype(float), or leave it out of argnums.")
            mask.append(i in argnums)
    return mask


def _aux_wrapper(fun: Callable, has_aux: bool, fname: str):
    if not has_aux:
        return fun

    @functools.wraps(fun)
    def wrapped(*args):
        out = fun(*args)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise errors.FunctransTypeError(
                f"{fname}(has_aux=True): the function must return a pair (output, aux), but it "
                f"returned {type(out).__name__}"
                f"{' of length ' + str(len(out)) if isinstance(out, (tuple, list)) else ''}.")
        return tuple(out)

    return wrapped


def _split_aux(out_tree, has_aux: bool):
    """Number of leaves of the differentiated output, and the main/aux subtrees."""
    if not has_aux:
        return out_tree.num_leaves, out_tree, None
    main, aux = out_tree.children()
    return main.num_leaves, main, aux


def _checked(values: Sequence, avals: Sequence[ir.ShapedArray], flags: Sequence[bool],
             what: str) -> list:
    """The flagged tangents or cotangents, each checked and converted like its aval."""
    return [_as_like(x, a, f"{what} {i}")
            for i, (x, a, f) in enumerate(zip(values, avals, flags, strict=True)) if f]


def _with_zeros(values: Sequence, avals: Sequence[ir.ShapedArray], flags: Sequence[bool]):
    """`values` in the flagged slots, zeros of each aval elsewhere (symbolic zeros made real)."""
    it = iter(values)
    return [next(it) if f else np.zeros(a.shape, a.dtype)
            for a, f in zip(avals, flags, strict=True)]


def _as_like(x, aval: ir.ShapedArray, what: str):
    """A tangent or cotangent `x` checked against `aval` and converted to its dtype."""
    if isinstance(x, core.Tracer):
        if x.shape != aval.shape:
            raise errors.FunctransValueError(
                f"{what} has shape {x.shape}, expected {aval.shape} to match the primal.")
        return x
    arr = np.asarray(x)
    if arr.shape != aval.shape:
        raise errors.FunctransValueError(
            f"{what} has shape {arr.shape}, expected {aval.shape} to match the primal.")
    return arr.astype(aval.dtype, copy=False)


# --------------------------------------------------------------------------- forward mode


def jvp(fun: Callable, primals: Sequence, tangents: Sequence):
    """Forward mode: the value of `fun` at `primals` and its derivative along `tangents`.

    Args:
      fun: a function of arrays (pytrees of arrays).
      primals: a tuple or list of arguments.
      tangents: a tuple or list of the same structure, shapes and dtypes as `primals`.
        Tangents of integer arguments are ignored.

    Returns:
      `(primals_out, tangents_out)`, pytrees of `fun`'s output structure.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.jvp(fnp.sin, (0.0,), (2.0,))
      (array(0.), array(2.))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise errors.FunctransTypeError(
            "jvp: primals and tangents must be tuples or lists of arguments, got "
            f"{type(primals).__name__} and {type(tangents).__name__}; write jvp(f, (x,), (t,)).")
    p_flat, p_tree = tree_util.tree_flatten(tuple(primals))
    t_flat, t_tree = tree_util.tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise errors.FunctransValueError(
            f"jvp: primals have structure {p_tree} but tangents have structure {t_tree}; "
            "give one tangent per primal leaf.")
    closed, _, out_tree = _trace(fun, primals, core.user_source_info())
    nonzeros = [np.issubdtype(a.dtype, np.floating) for a in closed.in_avals]
    ts = _checked(t_flat, closed.in_avals, nonzeros, "jvp: tangent")
    n = len(closed.jaxpr.outvars)

    def compute(closed, flat, n_lead):
        n_in = len(closed.jaxpr.invars)
        jvp_closed, out_nz = ad.jvp_jaxpr(closed, [False] * n_lead + nonzeros)
        outs = _run(optimize.dce_closed(jvp_closed), *flat[:n_in], *flat[n_in:])
        return outs[:n] + _with_zeros(outs[n:], closed.out_avals, out_nz)

    outs = _transformed(("jvp", tuple(nonzeros)), closed, [*p_flat, *ts], compute)
    t_out = outs[n:]
    return (_finish_tree(tree_util.tree_unflatten(out_tree, outs[:n])),
            _finish_tree(tree_util.tree_unflatten(out_tree, t_out)))


def linearize(fun: Callable, *primals):
    """The value of `fun` at `primals` and its linear map `f_jvp(*tangents)`.

    `f_jvp` evaluates only the linear program (the primal part ran once, here).

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> y, f_jvp = ft.linearize(fnp.sin, 0.0)
      >>> f_jvp(3.0)
      array(3.)
    """
    closed, in_tree, out_tree = _trace(fun, primals, core.user_source_info())
    p_flat = tree_util.tree_leaves(tuple(primals))
    nonzeros = [np.issubdtype(a.dtype, np.floating) for a in closed.in_avals]
    primal, lin, out_nz, nres = ad.linearize_jaxpr(closed, nonzeros)
    outs = _run(primal, *p_flat)
    n_out = len(out_nz)
    res = outs[n_out:]
    lin_closed = ir.ClosedJaxpr(
        ir.Jaxpr(lin.invars[:nres], lin.invars[nres:], lin.eqns, lin.outvars), res)
    out_avals = closed.out_avals
    in_avals = closed.in_avals

    def f_jvp(*tangents):
        t_flat, t_tree = tree_util.tree_flatten(tuple(tangents))
        if t_tree != in_tree:
            raise errors.FunctransValueError(
                f"linearize: f_jvp expects tangents of structure {in_tree}, got {t_tree}.")
        ts = _checked(t_flat, in_avals, nonzeros, "f_jvp: tangent")
        t_out = _with_zeros(_run(lin_closed, *ts), out_avals, out_nz)
        return _finish_tree(tree_util.tree_unflatten(out_tree, t_out))

    return _finish_tree(tree_util.tree_unflatten(out_tree, outs[:n_out])), f_jvp


# --------------------------------------------------------------------------- reverse mode


def _vjp_flat(closed: ir.ClosedJaxpr, p_flat: list, nonzeros: list[bool], n_main: int):
    """Primal outputs, and the transposed linear program `cts of main outputs -> cts of inputs`.

    Only the first `n_main` outputs are differentiated (the rest are aux). Returns
    `(outs, transposed, out_nz)`; `transposed` takes one cotangent per main output whose tangent
    is nonzero (`out_nz`), and returns one cotangent per nonzero input.
    """
    want = [i < n_main for i in range(len(closed.jaxpr.outvars))]
    if core.current_trace() is None and not any(
            (isinstance(e.primitive, core.HigherOrderPrimitive) and e.primitive.partial_eval)
            or e.primitive.always_staged for e in closed.jaxpr.eqns):
        # Concrete inputs: linearize and evaluate the primal part in one pass. (Higher-order
        # equations need their partial-evaluation rule, and always-staged ones never evaluate
        # when bound, so programs holding either take the staged path.)
        outs, lin_closed, out_nz = ad.linearize_values(closed, p_flat, nonzeros, want)
        n_lin = len(lin_closed.jaxpr.invars)
    else:
        primal, lin, out_nz, nres = ad.linearize_jaxpr(closed, nonzeros, want)
        outs = _run(primal, *p_flat)
        lin_closed = ir.ClosedJaxpr(ir.Jaxpr(lin.invars[:nres], lin.invars[nres:],
                                             lin.eqns, lin.outvars), outs[len(out_nz):])
        n_lin = len(lin.invars) - nres
    transposed = optimize.dce_closed(ad.transpose_jaxpr(lin_closed, n_lin))
    return outs[:len(out_nz)], transposed, out_nz


def vjp(fun: Callable, *primals, has_aux: bool = False):
    """Reverse mode: the value of `fun` and a function pulling cotangents back to the inputs.

    Returns:
      `(primals_out, vjp_fun)` or, with `has_aux`, `(primals_out, vjp_fun, aux)`.
      `vjp_fun(ct)` takes a cotangent of `primals_out`'s structure (Python scalars accepted)
      and returns a tuple with one cotangent per primal. Integer primals get zero cotangents
      of their own dtype (JAX gives float0 arrays).

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> y, vjp_fun = ft.vjp(fnp.sin, 0.0)
      >>> vjp_fun(1.0)
      (array(1.),)
    """
    fun = _aux_wrapper(fun, has_aux, "vjp")
    closed, in_tree, out_tree = _trace(fun, primals, core.user_source_info())
    p_flat = tree_util.tree_leaves(tuple(primals))
    nonzeros = [np.issubdtype(a.dtype, np.floating) for a in closed.in_avals]
    n_main, main_tree, aux_tree = _split_aux(out_tree, has_aux)
    outs, transposed, out_nz = _vjp_flat(closed, p_flat, nonzeros, n_main)
    main_avals = closed.out_avals[:n_main]
    in_avals = closed.in_avals

    def vjp_fun(ct):
        ct_flat, ct_tree = tree_util.tree_flatten(ct)
        if ct_tree != main_tree:
            raise errors.FunctransValueError(
                f"vjp_fun: the cotangent has structure {ct_tree}, but the function's output "
                f"has structure {main_tree}; pass one cotangent per output leaf.")
        cts = _checked(ct_flat, main_avals, out_nz[:n_main], "vjp_fun: cotangent")
        ct_in = _with_zeros(_run(transposed, *cts), in_avals, nonzeros)
        return _finish_tree(tree_util.tree_unflatten(in_tree, ct_in))

    main = _finish_tree(tree_util.tree_unflatten(main_tree, outs[:n_main]))
    if has_aux:
        return main, vjp_fun, _finish_tree(tree_util.tree_unflatten(aux_tree, outs[n_main:]))
    return main, vjp_fun


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False):
    """Like `grad`, but the returned function gives `(value, gradient)`.

    With `has_aux`, it gives `((value, aux), gradient)`, as in JAX.

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> ft.value_and_grad(lambda x: x ** 2)(3.0)
      (array(9.), array(6.))
    """
    fun_aux = _aux_wrapper(fun, has_aux, "grad")

    @functools.wraps(fun)
    def value_and_grad_fun(*args, **kwargs):
        nums, single = _argnums_tuple(argnums, len(args), "grad")
        mask = _diff_mask(args, nums, "grad")
        # Keyword arguments are never differentiated (JAX's rule): closed over.
        f = functools.partial(fun_aux, **kwargs) if kwargs else fun_aux
        closed, in_tree, out_tree = _trace(f, args, core.user_source_info())
        n_main, main_tree, aux_tree = _split_aux(out_tree, has_aux)
        _check_scalar_output(closed.out_avals[:n_main], main_tree)
        n_out = len(closed.jaxpr.outvars)

        def compute(closed, flat, n_lead):
            full_mask = [False] * n_lead + mask
            outs, transposed, out_nz = _vjp_flat(closed, flat, full_mask, n_main)
            if out_nz[0]:
                grads = _run(transposed, np.ones((), closed.out_avals[0].dtype))
            else:
                grads = [np.zeros(a.shape, a.dtype)
                         for a, m in zip(closed.in_avals, full_mask, strict=True) if m]
            return [*outs, *grads]

        res = _transformed(("grad", tuple(mask), n_main), closed,
                           tree_util.tree_leaves(tuple(args)), compute)
        outs, g_flat = res[:n_out], iter(res[n_out:])
        per_leaf = [next(g_flat) if m else None for m in mask]
        grads = tree_util.tree_unflatten(in_tree, per_leaf)
        grads = tuple(grads[i] for i in nums)
        grads = _finish_tree(grads[0] if single else grads)
        value = _finish(outs[0])
        if has_aux:
            aux = _finish_tree(tree_util.tree_unflatten(aux_tree, outs[n_main:]))
            return (value, aux), grads
        return value, grads

    return value_and_grad_fun


def _check_scalar_output(avals, tree) -> None:
    if len(avals) != 1 or avals[0].shape != () or not np.issubdtype(avals[0].dtype, np.floating):
        desc = (f"shape {avals[0].shape} and dtype {avals[0].dtype.name}" if len(avals) == 1
                else f"a pytree of {len(avals)} arrays ({tree})")
        raise errors.FunctransTypeError(
            f"grad requires a function with a real scalar output, but it returned {desc}. "
            "For a non-scalar output use jacrev (the full Jacobian) or vjp (a vector-Jacobian "
            "product); to differentiate a sum, write fnp.sum(...) in the function.")


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False):
    """The gradient of a real scalar function, with respect to argument(s) `argnums`.

    Args:
      fun: returns a real scalar (a float 0-d array), or `(scalar, aux)` with `has_aux`.
      argnums: an int (the gradient has that argument's structure) or a tuple of ints (a
        tuple of gradients).
      has_aux: `fun` returns `(output, aux)`; the gradient function then returns
        `(gradient, aux)`.

    Raises:
      TypeError: the output is not a real scalar (use jacrev or vjp), or a differentiated
        argument is not floating point.

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> ft.grad(fnp.sin)(0.0)
      array(1.)
    """
    vg = value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_fun


def stop_gradient(x):
    """`x`, but derivatives do not flow through it (its tangent is zero). Pytrees allowed.

    Example:
      >>> import functrans as ft
      >>> ft.grad(lambda x: x * ft.stop_gradient(x))(3.0)
      array(3.)
    """
    def one(v):
        if isinstance(v, core.Tracer):
            return elementwise.stop_gradient(v)
        return v

    return tree_util.tree_map(one, x)


# --------------------------------------------------------------------------- batching


def _flatten_axes(axes, tree, what: str) -> list:
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
    out = [None] * tree.num_leaves
    for ax, sub in zip(axes_leaves, subtrees, strict=True):
        for leaf_index in tree_util.tree_leaves(sub):
            out[leaf_index] = ax
    return out


def vmap(fun: Callable, in_axes=0, out_axes=0):
    """Vectorize `fun` over a batch axis of its arguments.

    Args:
      fun: a function of arrays (pytrees of arrays).
      in_axes: an int, None (not mapped), or a pytree prefix of the arguments tuple with ints
        and Nones; negative axes count from the end of each argument's batched shape.
      out_axes: the same for the outputs.

    Raises:
      ValueError: mapped arguments disagree on the batch size, an axis is out of range, or
        nothing is mapped.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.vmap(fnp.dot)(np.ones((4, 3)), np.ones((4, 3)))
      array([3., 3., 3., 3.])
    """

    @functools.wraps(fun)
    def vmapped(*args, **kwargs):
        axes = in_axes
        if isinstance(in_axes, list):
            axes = tuple(in_axes)
        if isinstance(axes, tuple) and len(axes) != len(args):
            raise errors.FunctransValueError(
                f"vmap: in_axes has {len(axes)} entries but the function was called with "
                f"{len(args)} positional arguments; give one entry per argument.")
        f = fun
        if kwargs:
            # Keyword arguments are mapped over their leading axis (JAX's rule).
            f, args = _split_static(fun, args, kwargs, ())
            args = tuple(args)
            axes = (*(axes if isinstance(axes, tuple) else (axes,) * (len(args) - 1)), 0)
        flat, in_tree = tree_util.tree_flatten(tuple(args))
        dims = _flatten_axes(axes, in_tree, "in_axes")
        dims, size = _check_batch_dims(flat, dims)
        avals = [_unbatched_aval(x, d) for x, d in zip(flat, dims, strict=True)]
        jaxpr, consts, _, out_tree = trace_avals(f, in_tree, avals, core.user_source_info())
        closed = ir.ClosedJaxpr(jaxpr, consts)
        out_dims = _flatten_axes(out_axes, out_tree, "out_axes")
        out_dims = [None if d is None else _norm_axis(d, a.ndim + 1, "out_axes")
                    for d, a in zip(out_dims, closed.out_avals, strict=True)]

        def compute(closed, flat, n_lead):
            batched = batching.batch_jaxpr(closed, size, [None] * n_lead + dims, out_dims)[0]
            return _run(optimize.dce_closed(batched), *flat)

        outs = _transformed(("vmap", size, tuple(dims), tuple(out_dims)), closed, flat, compute)
        return _finish_tree(tree_util.tree_unflatten(out_tree, outs))

    return vmapped


def _norm_axis(d: int, ndim: int, what: str) -> int:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise errors.FunctransTypeError(
            f"vmap: {what} entry {d!r} must be an int (an axis) or None (not mapped).")
    if not -ndim <= d < ndim:
        raise errors.FunctransValueError(
            f"vmap: {what} entry {d!r} is out of range for a batched value of rank {ndim}.")
    return int(d) % ndim


def _check_batch_dims(flat: list, dims: list):
    sizes = {}
    out = []
    for i, (x, d) in enumerate(zip(flat, dims, strict=True)):
        if d is None:
            out.append(None)
            continue
        aval = core.get_aval(x)
        if aval.ndim == 0:
            raise errors.FunctransValueError(
                f"vmap: argument leaf {i} is a scalar (shape ()), so it cannot be mapped over "
                f"axis {d}; give it in_axes None.")
        d = _norm_axis(d, aval.ndim, "in_axes")
        sizes.setdefault(aval.shape[d], []).append(f"leaf {i} (shape {aval.shape}, axis {d})")
        out.append(d)
    if not sizes:
        raise errors.FunctransValueError(
            "vmap: in_axes maps no argument (all None); at least one must have a batch axis.")
    if len(sizes) > 1:
        detail = "; ".join(f"size {n}: {', '.join(v)}" for n, v in sizes.items())
        raise errors.FunctransValueError(
            f"vmap: mapped arguments have different batch sizes ({detail}); they must agree.")
    return out, next(iter(sizes))


def _unbatched_aval(x, d) -> ir.ShapedArray:
    aval = core.get_aval(x)
    if d is None:
        return aval
    return aval.update(shape=aval.shape[:d] + aval.shape[d + 1:])


# --------------------------------------------------------------------------- Jacobians


def _basis(avals: Sequence[ir.ShapedArray], traced: bool) -> list:
    """The standard basis of the space of `avals`, one array per aval of shape (N,) + shape.

    When the Jacobian is `traced` (some input or closed-over value is a tracer; N > 1) each
    block is an `identity_basis` equation, whose zeros the optimizer may treat as structural
    (docs/design.md); otherwise NumPy arrays, so a Jacobian of concrete values is concrete."""
    sizes = [a.size for a in avals]
    n = sum(sizes)
    staged = n > 1 and traced
    out, off = [], 0
    for a, size in zip(avals, sizes, strict=True):
        shape = (n, *a.shape)
        if staged:
            out.append(basis.identity_basis(shape, a.dtype, off))
        else:
            out.append(basis.identity_basis_p.impl(shape=shape, dtype=a.dtype, offset=off))
        off += size
    return out


def _any_tracer(*seqs) -> bool:
    return any(isinstance(x, core.Tracer) for seq in seqs for x in seq)


def _block(x, axis: int, off: int, size: int, new_shape: tuple[int, ...]):
    """`x[..., off:off+size, ...]` along `axis`, reshaped to `new_shape` (works on tracers)."""
    aval = core.get_aval(x)
    start = [0] * aval.ndim
    limit = list(aval.shape)
    start[axis], limit[axis] = off, off + size
    if (off, off + size) != (0, aval.shape[axis]):
        x = slicing.slice(x, tuple(start), tuple(limit))
    return shape_prims.reshape(x, new_shape) if core.get_aval(x).shape != new_shape else x


def _expand(x, axis: int):
    """`x` with a new axis of size 1 at `axis` (works on tracers)."""
    aval = core.get_aval(x)
    return shape_prims.reshape(x, aval.shape[:axis] + (1,) + aval.shape[axis:])


def _jac_tree(in_tree, nums, single, mask, blocks):
    """Arrange the blocks of one output leaf (one per differentiated input leaf) like the input."""
    it = iter(blocks)
    per_leaf = [next(it) if m else None for m in mask]
    tree = tree_util.tree_unflatten(in_tree, per_leaf)
    picked = tuple(tree[i] for i in nums)
    return picked[0] if single else picked


def _jacobian(fname: str, fun, argnums, has_aux, args, kwargs, blocks):
    """What jacfwd and jacrev share: trace `fun`, compute (through the program cache)
    `blocks(closed, flat_args, mask, n_main, main_avals, in_avals) -> outputs + blocks`, one
    block per (main output leaf, differentiated input leaf), and arrange the blocks like the
    output (outside) and input (inside) pytrees."""
    nums, single = _argnums_tuple(argnums, len(args), fname)
    mask = _diff_mask(args, nums, fname)
    if kwargs:   # never differentiated (JAX's rule): closed over
        fun = functools.partial(fun, **kwargs)
    closed, in_tree, out_tree = _trace(_aux_wrapper(fun, has_aux, fname), args,
                                       core.user_source_info())
    n_main, main_tree, aux_tree = _split_aux(out_tree, has_aux)
    n_out = len(closed.jaxpr.outvars)
    main_avals = closed.out_avals[:n_main]
    in_avals = [a.strip_weak() for a, m in zip(closed.in_avals, mask, strict=True) if m]

    def compute(closed, flat_args, n_lead):
        return blocks(closed, flat_args, [False] * n_lead + mask, n_main, main_avals, in_avals)

    res = _transformed((fname, tuple(mask), n_main), closed, tree_util.tree_leaves(tuple(args)),
                       compute)
    it = iter(res[n_out:])
    jac_leaves = [_jac_tree(in_tree, nums, single, mask, [_finish(next(it)) for _ in in_avals])
                  for _ in main_avals]
    jac = tree_util.tree_unflatten(main_tree, jac_leaves)
    if has_aux:
        return jac, _finish_tree(tree_util.tree_unflatten(aux_tree, res[n_main:n_out]))
    return jac


def _jacfwd_blocks(closed, flat_args, mask, n_main, main_avals, in_avals) -> list:
    """The outputs, then the Jacobian blocks: the JVP batched over the inputs' basis."""
    n_out = len(closed.jaxpr.outvars)
    want = [i < n_main for i in range(n_out)]
    jc, _ = ad.jvp_jaxpr(closed, mask, want, instantiate=True)
    basis = _basis(in_avals, _any_tracer(closed.consts, flat_args))
    n = len(basis[0]) if basis else 0
    if n == 1:
        # One basis vector: a plain JVP, with the basis axis added back at the end.
        res = _run(jc, *flat_args, *[b[0] for b in basis])
        res = res[:n_out] + [_expand(t, a.ndim)
                             for t, a in zip(res[n_out:], main_avals, strict=True)]
    else:
        in_dims = [None] * len(closed.in_avals) + [0] * len(basis)
        out_dims = [None] * n_out + [a.ndim for a in main_avals]
        batched = optimize.dce_closed(batching.batch_jaxpr(jc, n, in_dims, out_dims)[0])
        res = _run(batched, *flat_args, *basis)
    blocks = []
    for t, a in zip(res[n_out:], main_avals, strict=True):
        off = 0
        for ia in in_avals:
            blocks.append(_block(t, a.ndim, off, ia.size, a.shape + ia.shape))
            off += ia.size
    return res[:n_out] + blocks


def _jacrev_blocks(closed, flat_args, mask, n_main, main_avals, in_avals) -> list:
    """The outputs, then the Jacobian blocks: the VJP batched over the outputs' basis."""
    outs, transposed, out_nz = _vjp_flat(closed, flat_args, mask, n_main)
    out_nz = out_nz[:n_main]
    ct_avals = [a.strip_weak() for a, nz in zip(main_avals, out_nz, strict=True) if nz]
    basis = _basis(ct_avals, _any_tracer(closed.consts, flat_args))
    m = len(basis[0]) if basis else 0
    if m == 1:
        # One basis cotangent: a plain VJP, with the basis axis added back in front.
        rows = [_expand(r, 0) for r in _run(transposed, *[b[0] for b in basis])]
    elif basis:
        batched = optimize.dce_closed(batching.batch_jaxpr(
            transposed, m, [0] * len(basis), [0] * len(in_avals))[0])
        rows = _run(batched, *basis)
    blocks, off = [], 0
    for a, nz in zip(main_avals, out_nz, strict=True):
        for k, ia in enumerate(in_avals):
            if nz:
                blocks.append(_block(rows[k], 0, off, a.size, a.shape + ia.shape))
            else:
                blocks.append(np.zeros(a.shape + ia.shape, a.dtype))
        off += a.size if nz else 0
    return [*outs, *blocks]


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False):
    """The Jacobian of `fun` by forward mode: the JVP batched over the inputs' standard basis.

    For `y = fun(x)` the result has shape `y.shape + x.shape` (the generalized Jacobian);
    pytrees nest as output structure outside, input structure inside (JAX's rule). One
    batched evaluation, never a loop over basis vectors.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.jacfwd(lambda x: 2.0 * x)(np.ones(2))
      array([[2., 0.],
             [0., 2.]])
    """

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        return _jacobian("jacfwd", fun, argnums, has_aux, args, kwargs, _jacfwd_blocks)

    return jacfun


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False):
    """The Jacobian of `fun` by reverse mode: the VJP batched over the outputs' standard basis.

    Same result and conventions as `jacfwd`; cheaper when outputs are fewer than inputs.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.jacrev(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0]))
      array([2., 4.])
    """

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        return _jacobian("jacrev", fun, argnums, has_aux, args, kwargs, _jacrev_blocks)

    return jacfun


def hessian(fun: Callable, argnums: int | Sequence[int] = 0):
    """The Hessian, `jacfwd(jacrev(fun, argnums), argnums)`: shape `x.shape + x.shape` for scalar f.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
      array([[ 6.,  0.],
             [ 0., 12.]])
    """
    return jacfwd(jacrev(fun, argnums), argnums)


# --------------------------------------------------------------------------- jit


def jit(fun: Callable, static_argnums: int | Sequence[int] = (), cache_size: int = 64):
    """Trace `fun` once per input signature, optimize its IR, and reuse it.

    The signature is the arguments' pytree structure, each leaf's shape, dtype and weak type,
    and the values of the static arguments (which must be hashable). Entries live in an LRU
    cache of `cache_size` programs. Outside other transformations the optimized program runs
    on NumPy (its execution plan is compiled on the second call); inside them, the jitted
    function is one `jit` equation carrying its sub-program, transformed as a unit.

    Python values the function closes over are read when it is traced: mutating them later
    does not change a cached program (JAX's rule). Programs that close over values traced by an
    enclosing transformation are not cached.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> f = ft.jit(lambda x: fnp.sin(x) * 2.0)
      >>> f(np.zeros(2))
      array([0., 0.])
    """
    cache: collections.OrderedDict = collections.OrderedDict()
    lock = threading.Lock()   # the cache is shared by every thread calling the function
    name = getattr(fun, "__name__", "fun")

    @functools.wraps(fun)
    def jitted(*args, **kwargs):
        static = _static_argnums(static_argnums, len(args), "jit")
        dyn_fun, dyn = _split_static(fun, args, kwargs, static)
        flat, in_tree = tree_util.tree_flatten(tuple(dyn))
        for x in flat:
            _check_leaf(x, f"jit({name})")
        avals = [core.get_aval(x) for x in flat]
        try:
            key = (in_tree, tuple(avals), tuple(args[i] for i in static))
            hash(key)
        except TypeError:
            raise errors.FunctransValueError(
                f"jit({name}): static arguments must be hashable, got "
                f"{[type(args[i]).__name__ for i in static]}.") from None
        with lock:
            entry = cache.get(key)
            if entry is not None:
                cache.move_to_end(key)
        if entry is None:
            jaxpr, consts, _, out_tree = trace_avals(dyn_fun, in_tree, avals,
                                                     core.user_source_info())
            entry = (_snapshot(optimize.optimize(ir.ClosedJaxpr(jaxpr, consts))), out_tree)
            if not any(isinstance(c, core.Tracer) for c in entry[0].consts):
                with lock:
                    cache[key] = entry
                    while len(cache) > cache_size:
                        cache.popitem(last=False)
        closed, out_tree = entry
        if core.current_trace() is None:
            outs = _run(closed, *flat)
        else:
            outs = call.bind_closed(closed, flat, name)
        return _finish_tree(tree_util.tree_unflatten(out_tree, outs))

    jitted.cache_info = lambda: {"size": len(cache), "maxsize": cache_size}  # type: ignore
    return jitted
