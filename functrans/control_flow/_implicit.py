"""Implicit differentiation: `custom_linear_solve`, `custom_root` and their primitive `linear_call`.

Owns the higher-order primitive `linear_call` and the flat function that binds it. An equation
`linear_call(res..., lin...)` computes `fwd(res, lin)`, declared linear in `lin`; its transpose
is the equation with the two programs swapped (`bwd(res, ct)`), so reverse mode uses `bwd`
exactly as written (the adjoint ODE solve of `functrans.ode`, the transposed solve of
`lax.custom_linear_solve`) while evaluation, forward mode and batching use `fwd`. Both programs
are const-free, their constants passed as leading `res` operands (like `jit`'s). The JVP in the
`res` operands differentiates `fwd` (a user function with its own derivative, such as
`custom_linear_solve`, wraps the call in a `custom_jvp` so this is never needed).

`custom_linear_solve` and `custom_root` (exported by `functrans.lax`, JAX's interfaces) take
pytrees and user callables: the solution comes from the user's solver, not differentiated; a
`custom_jvp` gives its tangent as one `linear_call` whose forward program is the user's
(tangent) solve and whose transpose is the transposed solve, so every derivative costs one
linear solve and never differentiates the iterations. Does not own `ode.odeint` (built on
`linear_call` too) or `functrans.optimize`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from functrans import backend, core, errors, evaluate, ir, tree_util
from functrans.custom_derivatives import custom_jvp
from functrans.interpreters import ad, batching
from functrans.primitives import elementwise
from functrans.primitives import shape as shape_prims

linear_call_p = core.HigherOrderPrimitive("linear_call", multiple_results=True)


def linear_call(fwd: Callable, bwd: Callable, res: Sequence, lin: Sequence) -> list:
    """`fwd(res, lin)` (flat lists in, a flat list out), linear in `lin`, transposed by `bwd`.

    `bwd(res, cts)` takes one cotangent per output of `fwd` and returns one per `lin` operand,
    of its type. Neither function may close over traced values: pass them in `res`.
    """
    res, lin = list(res), list(lin)
    nr = len(res)
    res_avals = [core.get_aval(x).strip_weak() for x in res]
    lin_avals = [core.get_aval(x).strip_weak() for x in lin]
    fwd_closed = _stage(lambda *a: fwd(list(a[:nr]), list(a[nr:])), res_avals + lin_avals)
    out_avals = [v.aval.strip_weak() for v in fwd_closed.jaxpr.outvars]
    bwd_closed = _stage(lambda *a: bwd(list(a[:nr]), list(a[nr:])), res_avals + out_avals)
    got = [v.aval.strip_weak() for v in bwd_closed.jaxpr.outvars]
    if got != lin_avals:
        raise errors.FunctransTypeError(
            f"linear_call: bwd ({getattr(bwd, '__name__', 'bwd')}) returns cotangents of types "
            f"({', '.join(a.str_short() for a in got)}) for linear operands of types "
            f"({', '.join(a.str_short() for a in lin_avals)}); return one of each operand's "
            "type.")
    return bind_pair(fwd_closed, bwd_closed, res, lin)


def _stage(fun: Callable, avals: list[ir.ShapedArray]) -> ir.ClosedJaxpr:
    jaxpr, consts = core.trace_flat(lambda *a: list(fun(*a)), avals)
    return ir.ClosedJaxpr(jaxpr, consts)


def bind_pair(fwd: ir.ClosedJaxpr, bwd: ir.ClosedJaxpr, res: Sequence, lin: Sequence) -> list:
    """Bind `linear_call` on two closed programs over `(res, lin)` and `(res, cts)`: their
    constants become leading `res` operands, each program ignoring the other's."""
    fwd_jaxpr, fwd_consts = ir.open_consts(fwd)
    bwd_jaxpr, bwd_consts = ir.open_consts(bwd)
    nf, nb = len(fwd_consts), len(bwd_consts)
    fwd_jaxpr = _with_unused(fwd_jaxpr, nf, [ir.Var(v.aval) for v in bwd_jaxpr.invars[:nb]])
    bwd_jaxpr = _with_unused(bwd_jaxpr, 0, [ir.Var(v.aval) for v in fwd_jaxpr.invars[:nf]])
    return linear_call_p.bind(*fwd_consts, *bwd_consts, *res, *lin, fwd_jaxpr=fwd_jaxpr,
                              bwd_jaxpr=bwd_jaxpr, num_res=nf + nb + len(res))


def _with_unused(jaxpr: ir.Jaxpr, at: int, extra: list[ir.Var]) -> ir.Jaxpr:
    invars = [*jaxpr.invars[:at], *extra, *jaxpr.invars[at:]]
    return ir.Jaxpr([], invars, jaxpr.eqns, jaxpr.outvars)


@linear_call_p.def_impl
def _linear_call_impl(*args, fwd_jaxpr, bwd_jaxpr, num_res):
    return evaluate.eval_jaxpr(fwd_jaxpr, [], *args)


@linear_call_p.def_abstract_eval
def _linear_call_abstract_eval(*avals, fwd_jaxpr, bwd_jaxpr, num_res):
    return ir.call_out_avals("linear_call", avals, fwd_jaxpr)


@linear_call_p.def_jvp
def _linear_call_jvp(primals, tangents, *, fwd_jaxpr, bwd_jaxpr, num_res):
    params = dict(fwd_jaxpr=fwd_jaxpr, bwd_jaxpr=bwd_jaxpr, num_res=num_res)
    outs = linear_call_p.bind(*primals, **params)
    res, res_t, lin_t = primals[:num_res], tangents[:num_res], tangents[num_res:]
    out_t: list = [ir.Zero(v.aval.strip_weak()) for v in fwd_jaxpr.outvars]
    if any(not isinstance(t, ir.Zero) for t in lin_t):
        # Linear in `lin`: the tangent is the same map applied to the tangents.
        out_t = linear_call_p.bind(*res, *[core.instantiate(t) for t in lin_t], **params)
    nonzeros = [not isinstance(t, ir.Zero) for t in res_t]
    if any(nonzeros):
        # d fwd(res, lin) in res, at this lin: differentiate the forward program.
        jvp, out_nz = ad.jvp_jaxpr(ir.ClosedJaxpr(fwd_jaxpr, []),
                                   nonzeros + [False] * len(lin_t))
        got = evaluate.eval_jaxpr(jvp.jaxpr, jvp.consts, *primals,
                                  *[t for t in res_t if not isinstance(t, ir.Zero)])
        extra = iter(got[len(outs):])
        out_t = [_add(t, next(extra)) if nz else t
                 for t, nz in zip(out_t, out_nz, strict=True)]
    return outs, out_t


def _add(t, u):
    return u if isinstance(t, ir.Zero) else elementwise.add(t, u)


@linear_call_p.def_transpose
def _linear_call_transpose(cts, *args, fwd_jaxpr, bwd_jaxpr, num_res):
    res, lin = args[:num_res], args[num_res:]
    if any(isinstance(r, ir.UndefPrimal) for r in res):
        raise NotImplementedError("transpose of linear_call: an operand it is not linear in "
                                  "(a residual) is linear in the program being transposed")
    cts = [core.instantiate(c) for c in cts]
    got = linear_call_p.bind(*res, *cts, fwd_jaxpr=bwd_jaxpr, bwd_jaxpr=fwd_jaxpr,
                             num_res=num_res)
    return (*[None] * num_res,
            *[g if isinstance(x, ir.UndefPrimal) else None for g, x in zip(got, lin,
                                                                            strict=True)])


@linear_call_p.def_batch
def _linear_call_batch(args, dims, *, axis_size, fwd_jaxpr, bwd_jaxpr, num_res):
    # Residuals keep their batch axis (moved first); every linear operand and output is
    # batched at 0, so the batched programs stay each other's transposes.
    res = [x if d is None else shape_prims.bdim_at_front(x, d, axis_size)
           for x, d in zip(args[:num_res], dims[:num_res], strict=True)]
    res_dims = [None if d is None else 0 for d in dims[:num_res]]
    lin = [shape_prims.bdim_at_front(x, d, axis_size)
           for x, d in zip(args[num_res:], dims[num_res:], strict=True)]
    n_out = len(fwd_jaxpr.outvars)
    fwd, _ = batching.batch_jaxpr(ir.ClosedJaxpr(fwd_jaxpr, []), axis_size,
                                  res_dims + [0] * len(lin), [0] * n_out)
    bwd, _ = batching.batch_jaxpr(ir.ClosedJaxpr(bwd_jaxpr, []), axis_size,
                                  res_dims + [0] * n_out, [0] * len(lin))
    return bind_pair(fwd, bwd, res, lin), [0] * n_out


linear_call_p.def_subjaxprs(lambda params: [params["fwd_jaxpr"], params["bwd_jaxpr"]])


# --------------------------------------------------------------------------- user functions


def custom_linear_solve(matvec: Callable, b: Any, solve: Callable,
                        transpose_solve: Callable | None = None, symmetric: bool = False) -> Any:
    """`x = solve(matvec, b)` for a linear `matvec`, differentiated implicitly (JAX's).

    Args:
      matvec: the linear map `x -> A x` (pytrees of `b`'s structure); it may close over
        arrays, and derivatives flow to them.
      b: the right-hand side, a pytree of arrays.
      solve: `(matvec, b) -> x` with `matvec(x) == b`; never differentiated.
      transpose_solve: `(vecmat, b) -> x` solving with the transposed map, for reverse mode.
        Default: `solve` itself when `symmetric`, else `solve` applied to the transposed map
        (right for any solver that only uses its `matvec` argument).
      symmetric: `matvec` is symmetric, so `vecmat` is `matvec`.

    Returns:
      `x`, of `b`'s structure. Its derivatives: `dx = solve(matvec, db - dA x)` (forward),
      `transpose_solve(vecmat, ct)` (reverse); one solve each, the iterations of `solve`
      never differentiated.

    Example:
      >>> import numpy as np, functrans as ft, functrans.lax as lax, functrans.numpy as fnp
      >>> a = np.array([[4.0, 1.0], [1.0, 3.0]])
      >>> def x_of(b):
      ...     mv = lambda x: a @ x
      ...     return lax.custom_linear_solve(mv, b, lambda mv, b: fnp.linalg.solve(a, b),
      ...                                    symmetric=True)
      >>> b = np.array([1.0, 2.0])
      >>> print(np.allclose(a @ x_of(b), b), np.allclose(ft.jacrev(x_of)(b), np.linalg.inv(a)))
      True True
    """
    b_flat, tree = tree_util.tree_flatten(b)
    avals = [core.get_aval(x).strip_weak() for x in b_flat]
    mv_jaxpr, mv_consts = _trace_tree(matvec, tree, avals, "custom_linear_solve", "matvec")
    if transpose_solve is None:
        transpose_solve = solve

    def mv(r: list) -> Callable:
        return _tree_fn(lambda *x: evaluate.eval_jaxpr(mv_jaxpr, [], *r, *x), tree)

    res_avals = [core.get_aval(c) for c in mv_consts]
    pair = _SolvePair(mv, res_avals, tree, avals, solve, transpose_solve, symmetric)
    nb, nc = len(b_flat), len(mv_consts)

    @custom_jvp
    def solved(*ops: Any) -> list:
        return pair.call(list(ops[nb:nb + nc]), list(ops[:nb]), ops[nb + nc:])

    @solved.defjvp
    def _solved_jvp(primals: tuple, tangents: tuple) -> tuple:
        rhs, res, lifted = list(primals[:nb]), list(primals[nb:nb + nc]), primals[nb + nc:]
        x = pair.call(res, rhs, lifted)
        # A x = b:  A dx = db - dA x  (solve's closure is not differentiated, as in JAX).
        d_ax = _program_jvp(mv_jaxpr, [*res, *x], [*tangents[nb:nb + nc], *[None] * nb])
        d_b = [elementwise.sub(t, d) for t, d in zip(tangents[:nb], d_ax, strict=True)]
        return x, pair.call(res, d_b, lifted)

    b_flat = [_as_float(x, a) for x, a in zip(b_flat, avals, strict=True)]
    return tree_util.tree_unflatten(tree, solved(*b_flat, *mv_consts, *pair.lifted))


def custom_root(f: Callable, initial_guess: Any, solve: Callable, tangent_solve: Callable) -> Any:
    """A root `x` of `f` found by `solve(f, initial_guess)`, differentiated implicitly (JAX's).

    Args:
      f: `x -> residual` of `x`'s structure; it may close over arrays (its parameters).
      initial_guess: the starting point, a pytree of arrays.
      solve: `(f, initial_guess) -> x` with `f(x) == 0`; never differentiated.
      tangent_solve: `(g, y) -> u` solving the linear `g(u) == y` (`g` is the Jacobian of `f`
        in `x` at the root), e.g. `lambda g, y: y / g(1.0)` for a scalar.

    Returns:
      The root. By the implicit function theorem, `dx = -J_x^-1 (J_p dp)`: one
      `tangent_solve` per derivative (its transpose solves with the transposed Jacobian);
      the derivative with respect to `initial_guess` is zero.

    Example:
      >>> import functrans as ft, functrans.lax as lax
      >>> def newton(f, x):
      ...     for _ in range(30):
      ...         x = x - f(x) / ft.grad(f)(x)
      ...     return x
      >>> def sqrt(a):
      ...     return lax.custom_root(lambda x: x ** 2 - a, 1.0, newton,
      ...                            lambda g, y: y / g(1.0))
      >>> print(round(float(sqrt(2.0)), 12), round(float(ft.grad(sqrt)(2.0)), 12))  # 1/(2 sqrt 2)
      1.414213562373 0.353553390593
    """
    x_flat, tree = tree_util.tree_flatten(initial_guess)
    avals = [core.get_aval(x).strip_weak() for x in x_flat]
    f_jaxpr, f_consts = _trace_tree(f, tree, avals, "custom_root", "f")
    const_avals = [core.get_aval(c) for c in f_consts]
    nc, nx = len(f_consts), len(x_flat)

    def root(*ops: Any) -> list:
        f_of = _tree_fn(lambda *x: evaluate.eval_jaxpr(f_jaxpr, [], *ops[:nc], *x), tree)
        x = solve(f_of, tree_util.tree_unflatten(tree, ops[nc:]))
        return _leaves_like(x, avals, "solve")

    def jac(r: list) -> Callable:
        # u -> J_x u at the root: the JVP of f in x.
        cs, xs = r[:nc], r[nc:]
        return _tree_fn(lambda *u: _program_jvp(f_jaxpr, [*cs, *xs], [*[None] * nc, *u]), tree)

    found = _Lifted(root, const_avals + avals)
    pair = _SolvePair(jac, const_avals + avals, tree, avals, tangent_solve, tangent_solve,
                      False)
    nr = len(found.consts)

    @custom_jvp
    def solved(*ops: Any) -> list:
        return found.call(ops[nc + nx:nc + nx + nr], *ops[:nc + nx])

    @solved.defjvp
    def _solved_jvp(primals: tuple, tangents: tuple) -> tuple:
        consts = list(primals[:nc])
        x = found.call(primals[nc + nx:nc + nx + nr], *primals[:nc + nx])
        # f(x, p) = 0:  J_x dx = -J_p dp  (solve's closure is not differentiated).
        d_f = _program_jvp(f_jaxpr, [*consts, *x], [*tangents[:nc], *[None] * nx])
        rhs = [elementwise.neg(d) for d in d_f]
        return x, pair.call([*consts, *x], rhs, primals[nc + nx + nr:])

    guess = [_as_float(x, a) for x, a in zip(x_flat, avals, strict=True)]
    out = solved(*f_consts, *guess, *found.consts, *pair.lifted)
    return tree_util.tree_unflatten(tree, out)


class _Lifted:
    """A flat function traced once on `avals`, the values it closes over lifted out (`consts`)
    so that a `custom_jvp` can take them as arguments whose tangents it ignores."""

    def __init__(self, fun: Callable, avals: list[ir.ShapedArray]):
        self.jaxpr, self.consts = ir.open_consts(_stage(fun, avals))

    def call(self, consts: Sequence, *args: Any) -> list:
        return evaluate.eval_jaxpr(self.jaxpr, [], *consts, *args)


class _SolvePair:
    """`solve(mv(res), b)` and `transpose_solve(transposed mv(res), ct)` staged as the two
    programs of a `linear_call` (the transposed map is `mv(res)` itself when `symmetric`)."""

    def __init__(self, mv: Callable, res_avals: list, tree, avals: list, solve: Callable,
                 transpose_solve: Callable, symmetric: bool):
        nr = len(res_avals)

        def fwd(*a: Any) -> list:
            x = solve(mv(list(a[:nr])), tree_util.tree_unflatten(tree, a[nr:]))
            return _leaves_like(x, avals, "solve")

        def bwd(*a: Any) -> list:
            m = mv(list(a[:nr]))
            vecmat = m if symmetric else _tree_fn(_transposed(m, tree, avals), tree)
            x = transpose_solve(vecmat, tree_util.tree_unflatten(tree, a[nr:]))
            return _leaves_like(x, avals, "transpose_solve")

        self.fwd = _Lifted(fwd, res_avals + avals)
        self.bwd = _Lifted(bwd, res_avals + avals)
        self.nf = len(self.fwd.consts)
        self.lifted = [*self.fwd.consts, *self.bwd.consts]

    def call(self, res: list, rhs: list, lifted: Sequence) -> list:
        fwd = ir.close_consts(self.fwd.jaxpr, lifted[:self.nf])
        bwd = ir.close_consts(self.bwd.jaxpr, lifted[self.nf:])
        return bind_pair(fwd, bwd, res, rhs)


def _transposed(fn: Callable, tree, avals: list) -> Callable:
    """The transpose of the linear `fn` (pytrees of `tree`) as a flat function."""
    def flat(*x: Any) -> list:
        return tree_util.tree_leaves(fn(tree_util.tree_unflatten(tree, x)))

    jaxpr, consts = core.trace_flat(flat, avals)
    transposed = ad.transpose_jaxpr(ir.ClosedJaxpr(jaxpr, consts), len(avals))
    return lambda *ct: evaluate.eval_jaxpr(transposed.jaxpr, transposed.consts, *ct)


def _tree_fn(flat_fn: Callable, tree) -> Callable:
    """A function of pytrees of `tree` from a function of flat leaves."""
    return lambda x: tree_util.tree_unflatten(tree, list(flat_fn(*tree_util.tree_leaves(x))))


def _trace_tree(fun: Callable, tree, avals: list, where: str, what: str
                ) -> tuple[ir.Jaxpr, list]:
    """`fun` (pytrees of `tree` to the same) as a const-free program over (consts, leaves)."""
    if not callable(fun):
        raise errors.FunctransTypeError(
            f"{where}: {what} must be a function, got {type(fun).__name__}.")

    def flat(*x: Any) -> list:
        out = fun(tree_util.tree_unflatten(tree, x))
        leaves, out_tree = tree_util.tree_flatten(out)
        if out_tree != tree:
            raise errors.FunctransTypeError(
                f"{where}: {what} returns structure {out_tree}; it must return its "
                f"argument's structure {tree}.")
        return _leaves_like(out, avals, what)

    jaxpr, consts = core.trace_flat(flat, avals)
    return ir.open_consts(ir.ClosedJaxpr(jaxpr, consts))


def _leaves_like(x: Any, avals: list, what: str) -> list:
    leaves = tree_util.tree_leaves(x)
    if len(leaves) != len(avals):
        raise errors.FunctransTypeError(
            f"{what} returned {len(leaves)} arrays where {len(avals)} were expected.")
    out = []
    for v, a in zip(leaves, avals, strict=True):
        if core.get_aval(v).shape != a.shape:
            raise errors.ShapeError(f"{what} returned shape {core.get_aval(v).shape} where "
                                    f"{a.shape} was expected.")
        out.append(_as_float(v, a))
    return out


def _as_float(x: Any, aval: ir.ShapedArray) -> Any:
    if core.get_aval(x).dtype == aval.dtype:
        return x
    if isinstance(x, core.Tracer):
        return elementwise.convert_element_type(x, aval.dtype)
    return backend.asarray(x, aval.dtype)


def _program_jvp(jaxpr: ir.Jaxpr, primals: list, tangents: list) -> list:
    """The output tangents of the const-free `jaxpr` (None: a zero tangent), instantiated."""
    nonzeros = [t is not None and v.aval.dtype.kind in "fc"
                for t, v in zip(tangents, jaxpr.invars, strict=True)]
    jvp, _ = ad.jvp_jaxpr(ir.ClosedJaxpr(jaxpr, []), nonzeros, instantiate=True)
    outs = evaluate.eval_jaxpr(jvp.jaxpr, jvp.consts, *primals,
                               *[t for t, nz in zip(tangents, nonzeros, strict=True) if nz])
    return list(outs[len(jaxpr.outvars):])


