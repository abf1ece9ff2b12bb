"""The user-facing transformations, and the one route every call of them takes.

A call flattens its arguments, traces the user's function to a program (`api_util`), looks up
or builds the transformed program in the program cache (`cache.CACHE.program`: a rewrite from
`interpreters/`, optimized when kept), evaluates it, and unflattens the results:

    flatten -> trace -> cache (or rewrite -> optimize) -> evaluate -> unflatten

Inside an enclosing trace (a transformation nested in another, `make_jaxpr`, `jit`) the built
program is inlined there: `evaluate.eval_jaxpr` binds its equations in the enclosing trace; it is
never evaluated as a side effect of rewriting. `linearize` and `vjp` return functions that
evaluate the linear (transposed) program built with the primal one, closed over the residuals
the primal program computed. `jit` keeps its optimized programs in the same cache.
Owns no rewrite (interpreters/), no pytree helper (api_util) and no cache policy (cache).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from functrans import api_util, backend, cache, call, core, errors, evaluate, ir, tree_util
from functrans.interpreters import ad, batching, jacobian, optimize
from functrans.primitives import elementwise

finish, finish_tree = api_util.finish, api_util.finish_tree


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = ()
               ) -> Callable[..., ir.ClosedJaxpr]:
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
    def make(*args: Any, **kwargs: Any) -> ir.ClosedJaxpr:
        source = core.user_source_info()
        static = api_util.static_argnums(static_argnums, len(args), "make_jaxpr")
        dyn_fun, dyn_args = api_util.split_static(fun, args, kwargs, static)
        closed, _, _ = api_util.trace(dyn_fun, dyn_args, source)
        return api_util.snapshot(optimize.optimize(closed))

    return make


# --------------------------------------------------------------------------- the route


def _transform(kind: Hashable, closed: ir.ClosedJaxpr, args: Sequence,
               build: Callable[[ir.ClosedJaxpr], object]) -> list:
    """The route after tracing: the program `build` (a rewrite of `interpreters/` with its
    static configuration bound) makes of `closed` (its constants as leading inputs), from the
    cache or built now, evaluated on the constants and `args`."""
    flat = [*closed.consts, *args]
    # Building and evaluating allocate many objects and no cycle: the collector waits.
    with optimize.collector_paused():
        program = cache.CACHE.program(kind, closed, build, _any_tracer(flat))
        outs = _evaluate(program[0] if isinstance(program, tuple) else program, flat)
        # Dropped before the collector resumes: its first collection then need not scan a
        # program that is about to be freed anyway (the cache keeps its own reference).
        del program
    return outs


def _any_tracer(values: Sequence) -> bool:
    return any(isinstance(x, core.Tracer) for x in values)


def _evaluate(program: ir.ClosedJaxpr, args: Sequence) -> list:
    """`program` on `args`: inlined into the enclosing trace when an argument is traced,
    otherwise run on NumPy (also inside a trace: concrete values fold to constants there)."""
    if _any_tracer(args) or _any_tracer(program.consts):
        return evaluate.eval_jaxpr(program.jaxpr, program.consts, *args)
    outs = evaluate.run_numpy(program.jaxpr, program.consts, api_util.plain_arrays(args))
    # An output that is a constant or an argument of the program would alias it: a user
    # mutating a returned gradient in place must not change a cached program or an input.
    # Views of them (reshapes, slices) too; read-only views (broadcasts) are copied so that
    # results are ordinary arrays. Outputs sharing memory with each other (CSE merges equal
    # results) are copied too. Arrays are compared by the array owning their memory.
    taken = {id(api_util.memory_owner(x)) if isinstance(x, np.ndarray) else id(x)
             for x in (*program.consts, *args)}
    for i, x in enumerate(outs):
        if isinstance(x, np.ndarray):
            owner = id(api_util.memory_owner(x))
            if not x.flags.writeable or owner in taken:
                x = outs[i] = x.copy()
                owner = id(x)
            taken.add(owner)
        elif backend.is_foreign(x):
            # The same for Dask and CuPy arrays (both assign in place), by identity: an
            # argument or constant returned as it is, and a broadcast (a moved zero).
            if id(x) in taken or (x.size > 1 and 0 in getattr(x, "strides", ())):
                x = outs[i] = x.copy()
            taken.add(id(x))
    return outs


def _lead(closed: ir.ClosedJaxpr, flags: Sequence[bool]) -> list[bool]:
    """`flags` for the program built from `closed`: its constants lead, never flagged."""
    return [False] * len(closed.consts) + list(flags)


def _floats(avals: Sequence[ir.ShapedArray]) -> list[bool]:
    """Which values carry tangents: floating and complex ones."""
    return [a.dtype.kind in "fc" for a in avals]


# --------------------------------------------------------------------------- forward mode


def jvp(fun: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
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
    closed, _, out_tree = api_util.trace(fun, primals, core.user_source_info())
    nonzeros = _floats(closed.in_avals)
    ts = api_util.checked(t_flat, closed.in_avals, nonzeros, "jvp: tangent")
    full = _lead(closed, nonzeros)
    outs = _transform(("jvp", tuple(nonzeros)), closed, [*p_flat, *ts],
                      functools.partial(ad.jvp_jaxpr, nonzeros=full, instantiate=True))
    n = len(closed.jaxpr.outvars)
    return (finish_tree(tree_util.tree_unflatten(out_tree, outs[:n])),
            finish_tree(tree_util.tree_unflatten(out_tree, outs[n:])))


def linearize(fun: Callable, *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """The value of `fun` at `primals` and its linear map `f_jvp(*tangents)`.

    `f_jvp` evaluates only the linear program (the primal part ran once, here).

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> y, f_jvp = ft.linearize(fnp.sin, 0.0)
      >>> f_jvp(3.0)
      array(3.)
    """
    closed, in_tree, out_tree = api_util.trace(fun, primals, core.user_source_info())
    p_flat = tree_util.tree_leaves(tuple(primals))
    nonzeros = _floats(closed.in_avals)
    full = _lead(closed, nonzeros)
    flat = [*closed.consts, *p_flat]
    primal, lin, _, _ = cache.CACHE.program(
        ("linearize", tuple(nonzeros)), closed,
        functools.partial(ad.linearize_closed, nonzeros=full), _any_tracer(flat))
    outs = _evaluate(primal, flat)
    n_out = len(closed.jaxpr.outvars)
    res = outs[n_out:]
    in_avals = closed.in_avals

    def f_jvp(*tangents: Any) -> Any:
        t_flat, t_tree = tree_util.tree_flatten(tuple(tangents))
        if t_tree != in_tree:
            raise errors.FunctransValueError(
                f"linearize: f_jvp expects tangents of structure {in_tree}, got {t_tree}.")
        ts = api_util.checked(t_flat, in_avals, nonzeros, "f_jvp: tangent")
        return finish_tree(tree_util.tree_unflatten(out_tree, _evaluate(lin, [*res, *ts])))

    return finish_tree(tree_util.tree_unflatten(out_tree, outs[:n_out])), f_jvp


# --------------------------------------------------------------------------- reverse mode


def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
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
    fun = api_util.aux_wrapper(fun, has_aux, "vjp")
    closed, in_tree, out_tree = api_util.trace(fun, primals, core.user_source_info())
    p_flat = tree_util.tree_leaves(tuple(primals))
    nonzeros = _floats(closed.in_avals)
    n_main, main_tree, aux_tree = api_util.split_aux(out_tree, has_aux)
    full = _lead(closed, nonzeros)
    flat = [*closed.consts, *p_flat]
    want = [i < n_main for i in range(len(closed.jaxpr.outvars))]
    primal, transposed, _, _ = cache.CACHE.program(
        ("vjp", tuple(nonzeros), n_main), closed,
        functools.partial(ad.vjp_split, nonzeros=full, want=want), _any_tracer(flat))
    all_outs = _evaluate(primal, flat)
    n_out = len(closed.jaxpr.outvars)
    outs, res = all_outs[:n_out], all_outs[n_out:]   # the function's outputs, the residuals
    main_avals = closed.out_avals[:n_main]
    ct_flags = _floats(main_avals)
    in_avals = closed.in_avals

    def vjp_fun(ct: Any) -> Any:
        ct_flat, ct_tree = tree_util.tree_flatten(ct)
        if ct_tree != main_tree:
            raise errors.FunctransValueError(
                f"vjp_fun: the cotangent has structure {ct_tree}, but the function's output "
                f"has structure {main_tree}; pass one cotangent per output leaf.")
        cts = api_util.checked(ct_flat, main_avals, ct_flags, "vjp_fun: cotangent")
        cts = api_util.with_zeros(cts, [a.strip_weak() for a in main_avals], ct_flags)
        ct_in = api_util.with_zeros(_evaluate(transposed, [*res, *cts]), in_avals, nonzeros)
        return finish_tree(tree_util.tree_unflatten(in_tree, ct_in))

    main = finish_tree(tree_util.tree_unflatten(main_tree, outs[:n_main]))
    if has_aux:
        # split_aux gives an aux tree whenever has_aux (mypy cannot tie the None to the flag).
        return main, vjp_fun, finish_tree(
            tree_util.tree_unflatten(aux_tree, outs[n_main:]))  # type: ignore[arg-type]
    return main, vjp_fun


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False) -> Callable[..., tuple[Any, Any]]:
    """Like `grad`, but the returned function gives `(value, gradient)`.

    With `has_aux`, it gives `((value, aux), gradient)`, as in JAX.

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> ft.value_and_grad(lambda x: x ** 2)(3.0)
      (array(9.), array(6.))
    """
    fun_aux = api_util.aux_wrapper(fun, has_aux, "grad")

    @functools.wraps(fun)
    def value_and_grad_fun(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums, single = api_util.argnums_tuple(argnums, len(args), "grad")
        # Keyword arguments are never differentiated (JAX's rule): closed over; so are
        # positional ones that cannot be traced (strings, functions: JAX passes them as they
        # are); the others are traced, and passed as values if the trace needs them.
        f = functools.partial(fun_aux, **kwargs) if kwargs else fun_aux
        f, args, pos = api_util.close_concrete(f, args, nums)
        if pos is not None:
            nums = tuple(pos.index(i) for i in nums)
        mask = api_util.diff_mask(args, nums, "grad", holomorphic, positions=pos)
        source = core.user_source_info()
        closed, in_tree, out_tree = api_util.keeping_concrete(
            lambda g: api_util.trace(g, args, source), f, args,
            lambda: [not m for m in mask])
        n_main, main_tree, aux_tree = api_util.split_aux(out_tree, has_aux)
        api_util.check_scalar_output(closed.out_avals[:n_main], main_tree, holomorphic)
        n_out = len(closed.jaxpr.outvars)
        full = _lead(closed, mask)
        res = _transform(("grad", tuple(mask)), closed, tree_util.tree_leaves(tuple(args)),
                         functools.partial(ad.grad_jaxpr, nonzeros=full))
        outs, g_flat = res[:n_out], iter(res[n_out:])
        per_leaf = [next(g_flat) if m else None for m in mask]
        grads = tree_util.tree_unflatten(in_tree, per_leaf)
        grads = tuple(grads[i] for i in nums)
        grads = finish_tree(grads[0] if single else grads)
        value = finish(outs[0])
        if has_aux:
            # split_aux gives an aux tree whenever has_aux (mypy cannot tie the None to the flag).
            aux = finish_tree(tree_util.tree_unflatten(
                aux_tree, outs[n_main:]))  # type: ignore[arg-type]
            return (value, aux), grads
        return value, grads

    return value_and_grad_fun


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False) -> Callable[..., Any]:
    """The gradient of a real scalar function, with respect to argument(s) `argnums`.

    Complex arguments follow JAX's convention: the result is `vjp(fun, x)[1](1.0)`, which
    for a real `fun` of a complex `z` is the CONJUGATE of the gradient
    `df/dRe(z) + i df/dIm(z)` (`grad(lambda z: abs(z)**2)(3+4j) == 6-8j`; descend with
    `z - lr * conj(g)`). See docs/design.md, "Complex derivatives".

    Args:
      fun: returns a real scalar (a float 0-d array), or `(scalar, aux)` with `has_aux`.
      argnums: an int (the gradient has that argument's structure) or a tuple of ints (a
        tuple of gradients).
      has_aux: `fun` returns `(output, aux)`; the gradient function then returns
        `(gradient, aux)`.
      holomorphic: `fun` is holomorphic, with complex arguments and a complex scalar output;
        the result is the complex derivative `f'(z)`.

    Raises:
      TypeError: the output is not a real scalar (use jacrev or vjp; for a complex output
        of a holomorphic function pass holomorphic=True), or a differentiated argument is
        not floating point (or, with holomorphic=True, not complex).

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> ft.grad(fnp.sin)(0.0)
      array(1.)
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic)

    @functools.wraps(fun)
    def grad_fun(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_fun


def stop_gradient(x: Any) -> Any:
    """`x`, but derivatives do not flow through it (its tangent is zero). Pytrees allowed.

    Example:
      >>> import functrans as ft
      >>> ft.grad(lambda x: x * ft.stop_gradient(x))(3.0)
      array(3.)
    """
    def one(v: Any) -> Any:
        if isinstance(v, core.Tracer):
            return elementwise.stop_gradient(v)
        return v

    return tree_util.tree_map(one, x)


# --------------------------------------------------------------------------- batching


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0,
         axis_size: int | None = None) -> Callable[..., Any]:
    """Vectorize `fun` over a batch axis of its arguments.

    Args:
      fun: a function of arrays (pytrees of arrays).
      in_axes: an int, None (not mapped), or a pytree prefix of the arguments tuple with ints
        and Nones; negative axes count from the end of each argument's batched shape.
      out_axes: the same for the outputs.
      axis_size: the batch size; needed only when no argument is mapped (the outputs are
        then broadcast to it), else it must agree with the mapped arguments (JAX's rule).

    Raises:
      ValueError: mapped arguments disagree on the batch size, an axis is out of range, or
        nothing is mapped.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.vmap(fnp.dot)(np.ones((4, 3)), np.ones((4, 3)))
      array([3., 3., 3., 3.])
    """

    @functools.wraps(fun)
    def vmapped(*args: Any, **kwargs: Any) -> Any:
        axes = in_axes
        if isinstance(in_axes, list):
            axes = tuple(in_axes)
        if isinstance(axes, tuple) and len(axes) != len(args):
            raise errors.FunctransValueError(
                f"vmap: in_axes has {len(axes)} entries but the function was called with "
                f"{len(args)} positional arguments; give one entry per argument.")
        f, pos = fun, None
        if isinstance(axes, tuple):
            # Unmapped arguments that cannot be traced (strings, functions) are closed over;
            # the others are traced, and passed as values if the trace needs them.
            f, args, pos = api_util.close_concrete(
                f, args, [i for i, a in enumerate(axes) if a is not None])
            if pos is not None:
                axes = tuple(axes[i] for i in pos)
        if kwargs:
            # Keyword arguments are mapped over their leading axis (JAX's rule).
            f, listed = api_util.split_static(f, args, kwargs, ())
            args = tuple(listed)
            axes = (*(axes if isinstance(axes, tuple) else (axes,) * (len(args) - 1)), 0)
        flat, in_tree = tree_util.tree_flatten(tuple(args))
        dims = api_util.flatten_axes(axes, in_tree, "in_axes")
        dims, size = api_util.check_batch_dims(
            flat, dims, api_util.leaf_names(args, kwargs_last=bool(kwargs), positions=pos),
            axis_size)
        avals = [api_util.unbatched_aval(x, d) for x, d in zip(flat, dims, strict=True)]
        source = core.user_source_info()
        jaxpr, consts, _, out_tree = api_util.keeping_concrete(
            lambda g: api_util.trace_avals(g, in_tree, avals, source), f, args,
            lambda: [d is None for d in dims])
        closed = ir.ClosedJaxpr(jaxpr, consts)
        out_dims = api_util.flatten_axes(out_axes, out_tree, "out_axes")
        out_dims = [None if d is None else api_util.norm_axis(d, a.ndim + 1, "out_axes")
                    for d, a in zip(out_dims, closed.out_avals, strict=True)]
        in_dims = [None] * len(consts) + dims
        outs = _transform(("vmap", size, tuple(dims), tuple(out_dims)), closed, flat,
                          functools.partial(batching.vmap_jaxpr, axis_size=size,
                                            in_dims=in_dims, out_dims=out_dims))
        return finish_tree(tree_util.tree_unflatten(out_tree, outs))

    return vmapped


# --------------------------------------------------------------------------- Jacobians


def _jacobian(fname: str, fun: Callable, argnums: int | Sequence[int], has_aux: bool,
              args: tuple, kwargs: dict[str, Any],
              rewrite: Callable[..., ir.ClosedJaxpr], holomorphic: bool) -> Any:
    """What jacfwd and jacrev share: trace `fun`, build (through the cache) and evaluate
    `rewrite` (outputs, then one block per (main output leaf, differentiated input leaf)),
    and arrange the blocks like the output (outside) and input (inside) pytrees."""
    nums, single = api_util.argnums_tuple(argnums, len(args), fname)
    if kwargs:   # never differentiated (JAX's rule): closed over
        fun = functools.partial(fun, **kwargs)
    # So are positional arguments that cannot be traced (strings, functions: JAX passes them
    # as they are); the others are traced, and passed as values if the trace needs them.
    fun, args, pos = api_util.close_concrete(fun, args, nums)
    if pos is not None:
        nums = tuple(pos.index(i) for i in nums)
    mask = api_util.diff_mask(args, nums, fname, holomorphic, real_inputs=fname == "jacfwd",
                              positions=pos)
    source = core.user_source_info()
    closed, in_tree, out_tree = api_util.keeping_concrete(
        lambda g: api_util.trace(g, args, source), api_util.aux_wrapper(fun, has_aux, fname),
        args, lambda: [not m for m in mask])
    n_main, main_tree, aux_tree = api_util.split_aux(out_tree, has_aux)
    api_util.check_output_dtypes(fname, closed.out_avals[:n_main], holomorphic,
                                 real_outputs=fname == "jacrev")
    n_out = len(closed.jaxpr.outvars)
    n_in = sum(mask)
    full = _lead(closed, mask)
    res = _transform((fname, tuple(mask), n_main), closed, tree_util.tree_leaves(tuple(args)),
                     functools.partial(rewrite, mask=full, num_main=n_main))
    it = iter(res[n_out:])
    jac_leaves = [api_util.jac_tree(in_tree, nums, single, mask,
                                    [finish(next(it)) for _ in range(n_in)])
                  for _ in range(n_main)]
    jac = tree_util.tree_unflatten(main_tree, jac_leaves)
    if has_aux:
        # split_aux gives an aux tree whenever has_aux (mypy cannot tie the None to the flag).
        return jac, finish_tree(
            tree_util.tree_unflatten(aux_tree, res[n_main:n_out]))  # type: ignore[arg-type]
    return jac


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable[..., Any]:
    """The Jacobian of `fun` by forward mode: the JVP batched over the inputs' standard basis.

    For `y = fun(x)` the result has shape `y.shape + x.shape` (the generalized Jacobian);
    pytrees nest as output structure outside, input structure inside (JAX's rule). One
    batched evaluation, never a loop over basis vectors. Inputs must be real unless
    `holomorphic=True` (complex inputs and outputs; the complex Jacobian), as in JAX.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.jacfwd(lambda x: 2.0 * x)(np.ones(2))
      array([[2., 0.],
             [0., 2.]])
    """

    @functools.wraps(fun)
    def jacfun(*args: Any, **kwargs: Any) -> Any:
        return _jacobian("jacfwd", fun, argnums, has_aux, args, kwargs, jacobian.jacfwd_jaxpr,
                         holomorphic)

    return jacfun


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable[..., Any]:
    """The Jacobian of `fun` by reverse mode: the VJP batched over the outputs' standard basis.

    Same result and conventions as `jacfwd`; cheaper when outputs are fewer than inputs.
    Outputs must be real unless `holomorphic=True` (complex inputs and outputs), as in JAX;
    complex inputs of a real function give the conjugated gradients `grad` gives.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.jacrev(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0]))
      array([2., 4.])
    """

    @functools.wraps(fun)
    def jacfun(*args: Any, **kwargs: Any) -> Any:
        return _jacobian("jacrev", fun, argnums, has_aux, args, kwargs, jacobian.jacrev_jaxpr,
                         holomorphic)

    return jacfun


def hessian(fun: Callable, argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Hessian, `jacfwd(jacrev(fun, argnums), argnums)`: shape `x.shape + x.shape` for scalar f.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
      array([[ 6.,  0.],
             [ 0., 12.]])
    """
    return jacfwd(jacrev(fun, argnums), argnums)


# --------------------------------------------------------------------------- jit


def jit(fun: Callable, static_argnums: int | Sequence[int] = (), cache_size: int = 64, *,
        static_argnames: str | Sequence[str] = ()) -> Callable[..., Any]:
    """Trace `fun` once per input signature, optimize its IR, and reuse it.

    The signature is the arguments' pytree structure, each leaf's shape, dtype and weak type,
    and the values of the static arguments (which must be hashable): those at
    `static_argnums` and those named in `static_argnames`, however they are passed (a static
    position passed by keyword, or a static name passed by position, is mapped through
    `fun`'s signature, as in JAX). At most `cache_size`
    programs of the function are kept, in the shared program cache (functrans/cache.py).
    Outside other transformations the optimized program runs on NumPy (its execution plan is
    compiled on the second call); inside them, the jitted function is one `jit` equation
    carrying its sub-program, transformed as a unit.

    Python values the function closes over are read when it is traced: mutating them later
    does not change a cached program (JAX's rule). Programs that close over values traced by an
    enclosing transformation are not cached.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> f = ft.jit(lambda x: fnp.sin(x) * 2.0)
      >>> f(np.zeros(2))
      array([0., 0.])
    """
    name = getattr(fun, "__name__", "fun")
    owner = object()   # this function's entries in the shared cache
    statics = api_util.StaticArgs(fun, static_argnums, static_argnames, f"jit({name})")

    @functools.wraps(fun)
    def jitted(*args: Any, **kwargs: Any) -> Any:
        static, static_kw, kwargs = statics.split(args, kwargs)
        dyn_fun, dyn = api_util.split_static(
            functools.partial(fun, **static_kw) if static_kw else fun, args, kwargs, static)
        flat, in_tree = tree_util.tree_flatten(tuple(dyn))
        for x in flat:
            api_util.check_leaf(x, f"jit({name})")
        avals = [core.get_aval(x) for x in flat]
        try:
            key = ("jit", owner, in_tree, tuple(avals), tuple(args[i] for i in static),
                   tuple(sorted(static_kw.items())))
            hash(key)
        except TypeError:
            traced = [str(i) for i in static if isinstance(args[i], core.Tracer)] + [
                repr(k) for k, v in static_kw.items() if isinstance(v, core.Tracer)]
            if traced:   # an enclosing transformation traced it: it may pass it as a value
                raise errors.ConcretizationError(
                    f"jit({name}): static argument {traced[0]} is a traced value; pass a "
                    "Python value (an enclosing grad or vmap passes the arguments it does "
                    "not differentiate or map as values when they are needed so).") from None
            raise errors.FunctransValueError(
                f"jit({name}): static arguments must be hashable, got "
                f"{[type(args[i]).__name__ for i in static]}"
                f"{[type(v).__name__ for v in static_kw.values()] if static_kw else ''}."
                ) from None
        entry = cache.CACHE.get(key)
        if entry is None:
            jaxpr, consts, _, out_tree = api_util.trace_avals(dyn_fun, in_tree, avals,
                                                              core.user_source_info())
            entry = (api_util.snapshot(optimize.optimize(ir.ClosedJaxpr(jaxpr, consts))),
                     out_tree)
            if not _any_tracer(entry[0].consts):
                cache.CACHE.put(key, entry, group=owner, group_size=cache_size)
        closed, out_tree = entry
        if core.current_trace() is None:
            outs = _evaluate(closed, flat)
        else:
            outs = call.bind_closed(closed, flat, name)
        return finish_tree(tree_util.tree_unflatten(out_tree, outs))

    # A function attribute, as functools.lru_cache gives one; mypy knows no such attribute on
    # a wrapped function.
    jitted.cache_info = (  # type: ignore[attr-defined]
        lambda: {"size": cache.CACHE.group_size(owner), "maxsize": cache_size})
    return jitted
