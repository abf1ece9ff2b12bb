"""`custom_jvp`: a function with a user-defined JVP rule, and its primitive `custom_jvp_call`.

Owns the `custom_jvp` class, the rule object the primitive carries (`_JvpRule`, and
`_BatchedJvpRule` for the rule under `vmap`) and all of `custom_jvp_call`'s rules. The
primitive runs its body; its JVP is the user's rule (so reverse mode is linearize + transpose
of the rule's tangent output, which must be linear in the tangents), and under `vmap` the rule
is batched lazily. Inside a trace the rule is traced at the call, so the traced values it
closes over become leading operands of the equation (like the body's constants) instead of
tracers of a trace that has ended by the time a transformation needs the rule (`_common`);
its traced program then keys the rule object in the program cache (`cache_key`).
Does not own argument handling (`_args`) or any transformation.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from functrans import core, dtypes, errors, evaluate, ir, tree_util
from functrans.custom_derivatives import _args, _common
from functrans.interpreters import batching

custom_jvp_call_p = core.HigherOrderPrimitive("custom_jvp_call", multiple_results=True)


class custom_jvp:
    """A function with a user-defined JVP rule (JAX's `jax.custom_jvp` protocol).

    Decorate the primal function, then give its rule with `@f.defjvp`:
    `rule(primals, tangents) -> (primal_out, tangent_out)` (with `nondiff_argnums`, those
    arguments come first: `rule(*nondiff, primals, tangents)`). Every transformation uses it:
    `jvp` and `jacfwd` call it, reverse mode linearizes and transposes its tangent output
    (which must be linear in the tangents), and `vmap` batches it. Tangents of integer
    arguments are zeros of their dtype (JAX passes float0 zeros).

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> @ft.custom_jvp
      ... def softplus(x):
      ...     return fnp.log1p(fnp.exp(x))
      >>> @softplus.defjvp
      ... def _(primals, tangents):
      ...     (x,), (t,) = primals, tangents
      ...     return softplus(x), t / (1.0 + fnp.exp(-x))
      >>> ft.grad(softplus)(1000.0)
      array(1.)
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable | None = None

    def defjvp(self, jvp: Callable) -> Callable:
        """Set the JVP rule; returns it, so this works as a decorator."""
        self.jvp = jvp
        return jvp

    def __call__(self, *args, **kwargs):
        name = _args.name_of(self.fun)
        if self.jvp is None:
            raise errors.FunctransTypeError(
                f"custom_jvp function {name} has no JVP rule; define one with @{name}.defjvp.")
        where = f"custom_jvp {name}"
        args = _args.positional(self.fun, args, kwargs, self.nondiff_argnums, where)
        spec = _args.Args(args, self.nondiff_argnums, where)
        body, consts, out_tree = _args.trace_call(lambda *flat: self.fun(*spec.full(flat)),
                                                  spec.avals)
        rule = _JvpRule(self.jvp, spec, out_tree, body.out_avals)
        operands = rule.bind_consts(consts, self)
        outs = custom_jvp_call_p.bind(
            *operands, *spec.flat, call_jaxpr=_common.with_operands(body, len(consts), operands),
            jvp=rule, num_consts=len(operands))
        return tree_util.tree_unflatten(out_tree, outs)


class _JvpRule(_common.StagedRules):
    """The user's rule as a program `(consts, nondiff, primals, tangents) -> (outputs,
    tangents)`, where `consts` are the call's leading operands; tangents are those of the
    differentiated leaves only. Calling it returns that program."""

    def __init__(self, rule: Callable, spec: _args.Args, out_tree, out_avals):
        super().__init__()
        self.rule, self.spec = rule, spec
        self.out_tree, self.out_avals = out_tree, list(out_avals)
        self.num_nondiff = spec.num_nondiff
        self.__name__ = _args.name_of(rule)

    def __call__(self) -> ir.ClosedJaxpr:
        return self.programs()[0]

    def _static_key(self) -> tuple:
        return (self.__name__, self.num_nondiff)

    def _trace(self) -> list[tuple[ir.Jaxpr, list]]:
        avals = self.spec.avals
        return [core.trace_flat(self._flat, avals + [a.strip_weak() for a in
                                                     avals[self.num_nondiff:]])]

    def _flat(self, *leaves):
        n, nn = len(self.spec.avals), self.num_nondiff
        primals = self.spec.diff(leaves[nn:n])
        tangents = self.spec.diff(leaves[n:])
        out = self.rule(*self.spec.nondiff(leaves[:nn]), primals, tangents)
        where = f"custom_jvp rule {self.__name__}"
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise errors.FunctransTypeError(
                f"{where} must return a pair (primal_out, tangent_out), got "
                f"{type(out).__name__}.")
        p_flat, p_tree = tree_util.tree_flatten(out[0])
        t_flat, t_tree = tree_util.tree_flatten(out[1])
        for what, tree in (("primal output", p_tree), ("tangent output", t_tree)):
            if tree != self.out_tree:
                raise errors.FunctransTypeError(
                    f"{where}: its {what} has structure {tree}, but the function returns "
                    f"{self.out_tree}.")
        p_flat = [_args.conform(x, a, f"{where}: primal output leaf {i}")
                  for i, (x, a) in enumerate(zip(p_flat, self.out_avals, strict=True))]
        t_flat = [_args.conform(x, a.strip_weak(), f"{where}: tangent output leaf {i}")
                  for i, (x, a) in enumerate(zip(t_flat, self.out_avals, strict=True))]
        return p_flat + t_flat


class _BatchedJvpRule:
    """A rule batched like its call: operands (the base call's consts and arguments) and the
    tangents at the call's batch dims, every output at 0; it also takes the batched body's new
    constants (`new_avals`) as leading inputs, unused."""

    def __init__(self, base, dims: list, num_consts: int, axis_size: int, new_avals: list):
        self.base, self.dims, self.axis_size = base, list(dims), axis_size
        self.num_consts, self.new_avals = num_consts, list(new_avals)
        self.num_nondiff = base.num_nondiff
        self.__name__ = base.__name__
        self._program: ir.ClosedJaxpr | None = None

    def cache_key(self) -> tuple:
        # The batched program is made from the base's by a fixed rewrite of these.
        return (self.base, tuple(self.dims), self.num_consts, self.axis_size,
                tuple(self.new_avals))

    def __call__(self) -> ir.ClosedJaxpr:
        if self._program is None:
            base = self.base()
            dims = self.dims + self.dims[self.num_consts + self.num_nondiff:]
            program = batching.batch_jaxpr(base, self.axis_size, dims,
                                           [0] * len(base.jaxpr.outvars))[0]
            program = _common.prepend_inputs(program, self.new_avals)
            if _common.has_tracers(program):
                return program
            self._program = program
        return self._program


def _custom_jvp_jvp(primals, tangents, *, call_jaxpr, jvp, num_consts):
    _common.no_closure_tangents(tangents[:num_consts], f"custom_jvp {jvp.__name__}")
    rule = jvp()
    # Tangents of nondiff_argnums arguments are ignored: they are declared non-differentiable.
    ts = [core.instantiate(t) for t in tangents[num_consts + jvp.num_nondiff:]]
    outs = evaluate.eval_jaxpr(rule.jaxpr, rule.consts, *primals, *ts)
    n = len(call_jaxpr.outvars)
    t_out = [t if dtypes.is_differentiable(a.dtype) else ir.Zero(a)
             for t, a in zip(outs[n:], call_jaxpr.out_avals, strict=True)]
    return outs[:n], t_out


def _custom_jvp_batch(args, dims, *, axis_size, call_jaxpr, jvp, num_consts):
    out_dims = [0] * len(call_jaxpr.outvars)
    body = batching.batch_jaxpr(ir.ClosedJaxpr(call_jaxpr, []), axis_size, dims, out_dims)[0]
    opened, body_consts = ir.open_consts(body)
    rule = _BatchedJvpRule(jvp, list(dims), num_consts, axis_size,
                           [core.get_aval(c) for c in body_consts])
    outs = custom_jvp_call_p.bind(*body_consts, *args, call_jaxpr=opened, jvp=rule,
                                  num_consts=len(body_consts) + num_consts)
    return outs, out_dims


custom_jvp_call_p.def_impl(_common.call_impl)
custom_jvp_call_p.def_abstract_eval(_common.call_abstract_eval("custom_jvp_call"))
custom_jvp_call_p.def_jvp(_custom_jvp_jvp)
custom_jvp_call_p.def_batch(_custom_jvp_batch)
custom_jvp_call_p.def_subjaxprs(lambda params: [params["call_jaxpr"]])
