"""`custom_vjp`: a function with a user-defined VJP, and its primitive `custom_vjp_call`.

Owns the `custom_vjp` class, the rules object the primitive carries (`_VjpRules`: the user's
`fwd` and `bwd` staged as programs, and `_BatchedVjpRules` for them under `vmap`) and all of
`custom_vjp_call`'s rules. The primitive runs its body; its JVP runs the user's `fwd` for the
outputs and residuals, and gives the tangents by `custom_vjp_lin` (`_vjp_lin`), whose
transpose calls `bwd`. The rules objects key themselves in the program cache by the traced
programs (`cache_key`). Does not own argument handling (`_args`), when rules are traced
(`_common`) or any transformation.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from functrans import core, dtypes, errors, evaluate, ir, tree_util
from functrans.custom_derivatives import _args, _common, _vjp_lin
from functrans.interpreters import batching
from functrans.primitives import _helpers
from functrans.primitives import shape as shape_prims

custom_vjp_call_p = core.HigherOrderPrimitive("custom_vjp_call", multiple_results=True)


class custom_vjp:
    """A function with a user-defined VJP (JAX's `jax.custom_vjp` protocol).

    `f.defvjp(fwd, bwd)`: `fwd(*args) -> (output, residuals)` and
    `bwd(*nondiff_args, residuals, output_cotangent) -> tuple` with one cotangent (or None
    for zero) per argument not in `nondiff_argnums`. Reverse mode runs `fwd`, then `bwd` as
    the transpose of the call's linear part. Unlike JAX, forward mode works too (`jvp`,
    `jacfwd`, `hessian`): `bwd`, traced as a function of the cotangent, is transposed, which
    requires `bwd` to be linear in the cotangent.

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> @ft.custom_vjp
      ... def clip_gradient(x):
      ...     return x
      >>> clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))
      >>> ft.grad(lambda x: 5.0 * clip_gradient(x))(2.0)
      array(1.)
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set the forward function (output and residuals) and the backward function."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args, **kwargs):
        name = _args.name_of(self.fun)
        if self.fwd is None:
            raise errors.FunctransTypeError(
                f"custom_vjp function {name} has no VJP; define one with {name}.defvjp(fwd, "
                "bwd).")
        where = f"custom_vjp {name}"
        args = _args.positional(self.fun, args, kwargs, self.nondiff_argnums, where)
        spec = _args.Args(args, self.nondiff_argnums, where)
        body, consts, out_tree = _args.trace_call(lambda *flat: self.fun(*spec.full(flat)),
                                                  spec.avals)
        rules = _VjpRules(self, spec, out_tree, body.out_avals)
        operands = rules.bind_consts(consts, self)
        outs = custom_vjp_call_p.bind(
            *operands, *spec.flat, call_jaxpr=_common.with_operands(body, len(consts), operands),
            rules=rules, num_consts=len(operands))
        return tree_util.tree_unflatten(out_tree, outs)


class _VjpRules(_common.StagedRules):
    """The user's fwd and bwd as programs over the call's leading operands (`consts`) and
    flat lists of arrays.

    `fwd()` is the program `(consts, nondiff, args) -> outputs + residuals` and the number of
    residuals; `bwd(consts, nondiff, res, cts)` returns one cotangent per leaf of the
    differentiated arguments (zeros for None). Both are traced when `StagedRules` says.
    """

    def __init__(self, f: custom_vjp, spec: _args.Args, out_tree, out_avals):
        super().__init__()
        self.f, self.spec = f, spec
        self.num_nondiff = spec.num_nondiff
        self.in_avals = spec.avals
        self.out_tree, self.out_avals = out_tree, list(out_avals)
        self.name = _args.name_of(f.fun)
        self.res_tree = None   # set by tracing fwd, read by tracing bwd

    def __repr__(self):
        return f"{_args.name_of(self.f.fwd)}/{_args.name_of(self.f.bwd)}"

    def _static_key(self) -> tuple:
        # The programs fix the behaviour; the names are in IR dumps and error messages.
        return (repr(self), self.name, self.num_nondiff, tuple(self.in_avals),
                tuple(self.out_avals))

    def _trace(self) -> list[tuple[ir.Jaxpr, list]]:
        fwd, fwd_consts = core.trace_flat(self._fwd_flat, self.in_avals)
        num_res = len(fwd.outvars) - len(self.out_avals)
        nn = self.num_nondiff
        avals = (self.in_avals[:nn] + fwd.out_avals[len(self.out_avals):]
                 + [a.strip_weak() for a in self.out_avals])
        bwd, bwd_consts = core.trace_flat(
            lambda *a: self._bwd_flat(a[:nn], a[nn:nn + num_res], a[nn + num_res:]), avals)
        return [(fwd, fwd_consts), (bwd, bwd_consts)]

    def fwd(self) -> tuple[ir.ClosedJaxpr, int]:
        """The fwd program and its number of residuals (its outputs after the call's)."""
        fwd = self.programs()[0]
        return fwd, len(fwd.out_avals) - len(self.out_avals)

    def _fwd_flat(self, *leaves):
        out = self.f.fwd(*self.spec.full(leaves))
        where = f"custom_vjp fwd {_args.name_of(self.f.fwd)}"
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise errors.FunctransTypeError(f"{where} must return a pair (output, residuals), "
                                            f"got {type(out).__name__}.")
        out_flat, tree = tree_util.tree_flatten(out[0])
        if tree != self.out_tree:
            raise errors.FunctransTypeError(f"{where}: its output has structure {tree}, but "
                                            f"{self.name} returns {self.out_tree}.")
        out_flat = [_args.conform(x, a, f"{where}: output leaf {i}")
                    for i, (x, a) in enumerate(zip(out_flat, self.out_avals, strict=True))]
        res_flat, self.res_tree = tree_util.tree_flatten(out[1])
        return out_flat + [_args.check_value(r) for r in res_flat]

    def bwd(self, consts: list, nondiff: list, res: list, cts: list) -> list:
        bwd = self.programs()[1]
        return evaluate.eval_jaxpr(bwd.jaxpr, bwd.consts, *consts, *nondiff, *res, *cts)

    def _bwd_flat(self, nondiff: Sequence, res: Sequence, cts: Sequence) -> list:
        got = self.f.bwd(*self.spec.nondiff(nondiff),
                         tree_util.tree_unflatten(self.res_tree, list(res)),
                         tree_util.tree_unflatten(self.out_tree, list(cts)))
        return _bwd_leaves(got, self.spec.in_tree, self.in_avals[self.num_nondiff:],
                           _args.name_of(self.f.bwd))


def _bwd_leaves(got, in_tree, in_avals, name: str) -> list:
    """The cotangent leaves `bwd` returned, checked against the arguments (None: zeros)."""
    arg_trees = in_tree.children()
    if not isinstance(got, (tuple, list)) or len(got) != len(arg_trees):
        raise errors.FunctransTypeError(
            f"custom_vjp bwd {name} must return a tuple with one cotangent per argument "
            f"({len(arg_trees)}), got {type(got).__name__}"
            f"{' of length ' + str(len(got)) if isinstance(got, (tuple, list)) else ''}.")
    leaves = []
    avals = iter(in_avals)
    for i, (ct, tree) in enumerate(zip(got, arg_trees, strict=True)):
        arg_avals = [next(avals) for _ in range(tree.num_leaves)]
        if ct is None:
            leaves += [_helpers.zeros_like_aval(a.strip_weak()) for a in arg_avals]
            continue
        flat, ct_tree = tree_util.tree_flatten(ct)
        if ct_tree != tree:
            raise errors.FunctransTypeError(
                f"custom_vjp bwd {name}: cotangent {i} has structure {ct_tree}, but argument "
                f"{i} has structure {tree}.")
        leaves += [_args.conform(x, a.strip_weak(), f"custom_vjp bwd {name}: cotangent {i}")
                   for x, a in zip(flat, arg_avals, strict=True)]
    return leaves


class _BatchedVjpRules:
    """fwd and bwd batched at axis 0 of every argument, output, residual and cotangent, and
    at `const_dims` of the base call's consts (of unbatched types `const_avals`); they also
    take the batched body's new constants (`new_avals`) as leading operands, unused."""

    def __init__(self, base, axis_size: int, const_dims: list, const_avals: list,
                 new_avals: list):
        self.base, self.axis_size = base, axis_size
        self.const_dims, self.const_avals = list(const_dims), list(const_avals)
        self.new_avals = list(new_avals)
        self.name, self.num_nondiff = base.name, base.num_nondiff
        self.in_avals = [_common.batched_aval(a, axis_size) for a in base.in_avals]
        self.out_avals = [_common.batched_aval(a, axis_size) for a in base.out_avals]
        self._fwd: tuple | None = None

    def __repr__(self):
        return f"vmap({self.base!r})"

    def cache_key(self) -> tuple:
        # fwd and bwd are made from the base's by fixed rewrites of these.
        return (self.base, self.axis_size, tuple(self.const_dims), tuple(self.const_avals),
                tuple(self.new_avals))

    def fwd(self) -> tuple[ir.ClosedJaxpr, int]:
        if self._fwd is not None:
            return self._fwd
        closed, num_res = self.base.fwd()
        n = len(closed.jaxpr.outvars)
        dims = self.const_dims + [0] * len(self.in_avals)
        batched = batching.batch_jaxpr(closed, self.axis_size, dims, [0] * n)[0]
        got = (_common.prepend_inputs(batched, self.new_avals), num_res)
        if not _common.has_tracers(got[0]):
            self._fwd = got   # no tracer of some trace inside: safe to reuse
        return got

    def bwd(self, consts: list, nondiff: list, res: list, cts: list) -> list:
        closed, num_res = self.base.fwd()
        nc, nn = len(self.const_avals), self.num_nondiff
        res_avals = closed.out_avals[len(closed.out_avals) - num_res:]
        avals = self.const_avals + [a.strip_weak() for a in
                                    self.base.in_avals[:nn] + res_avals + self.base.out_avals]
        k, r = nc + nn, nc + nn + num_res
        fn = _common.batch_callable(
            lambda *a: self.base.bwd(list(a[:nc]), list(a[nc:k]), list(a[k:r]), list(a[r:])),
            avals, self.const_dims + [0] * (len(avals) - nc), self.axis_size)
        return fn(*consts[len(self.new_avals):], *nondiff, *res, *cts)


def _custom_vjp_jvp(primals, tangents, *, call_jaxpr, rules, num_consts):
    _common.no_closure_tangents(tangents[:num_consts], f"custom_vjp {rules.name}")
    fwd, _ = rules.fwd()
    outs = evaluate.eval_jaxpr(fwd.jaxpr, fwd.consts, *primals)
    n = len(call_jaxpr.outvars)
    prim_out, res = outs[:n], outs[n:]
    # Tangents of nondiff_argnums arguments are ignored: they are declared non-differentiable.
    nd_end = num_consts + rules.num_nondiff
    nondiff, args = primals[num_consts:nd_end], primals[nd_end:]
    in_mask = [dtypes.is_differentiable(core.get_aval(a).dtype) for a in args]
    out_avals = call_jaxpr.out_avals
    out_mask = [dtypes.is_differentiable(a.dtype) for a in out_avals]
    ts = [core.instantiate(t) for t, m in zip(tangents[nd_end:], in_mask, strict=True) if m]
    if not ts or not any(out_mask):
        return prim_out, [ir.Zero(a.strip_weak()) for a in out_avals]
    lin = _vjp_lin.LinBwd(rules, num_consts, in_mask, out_mask, out_avals)
    t_out = iter(_vjp_lin.custom_vjp_lin_p.bind(
        *primals[:num_consts], *nondiff, *res, *ts, bwd=lin, num_res=nd_end + len(res),
        out_avals=_vjp_lin.Avals(a.strip_weak()
                                 for a, m in zip(out_avals, out_mask, strict=True) if m)))
    return prim_out, [next(t_out) if m else ir.Zero(a)
                      for a, m in zip(out_avals, out_mask, strict=True)]


def _custom_vjp_batch(args, dims, *, axis_size, call_jaxpr, rules, num_consts):
    consts, xs = args[:num_consts], args[num_consts:]
    xs = [shape_prims.bdim_at_front(x, d, axis_size)
          for x, d in zip(xs, dims[num_consts:], strict=True)]
    in_dims = list(dims[:num_consts]) + [0] * len(xs)
    out_dims = [0] * len(call_jaxpr.outvars)
    body = batching.batch_jaxpr(ir.ClosedJaxpr(call_jaxpr, []), axis_size, in_dims,
                                out_dims)[0]
    opened, body_consts = ir.open_consts(body)
    const_dims = list(dims[:num_consts])
    const_avals = [_common.unbatched(core.get_aval(c), d)
                   for c, d in zip(consts, const_dims, strict=True)]
    batched = _BatchedVjpRules(rules, axis_size, const_dims, const_avals,
                               [core.get_aval(c) for c in body_consts])
    outs = custom_vjp_call_p.bind(*body_consts, *consts, *xs, call_jaxpr=opened,
                                  rules=batched, num_consts=len(body_consts) + num_consts)
    return outs, out_dims


custom_vjp_call_p.def_impl(_common.call_impl)
custom_vjp_call_p.def_abstract_eval(_common.call_abstract_eval("custom_vjp_call"))
custom_vjp_call_p.def_jvp(_custom_vjp_jvp)
custom_vjp_call_p.def_batch(_custom_vjp_batch)
custom_vjp_call_p.def_subjaxprs(lambda params: [params["call_jaxpr"]])
