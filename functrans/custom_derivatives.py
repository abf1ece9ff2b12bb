"""User-defined derivatives: `custom_jvp` and `custom_vjp`, with their primitives.

Owns three primitives and all their rules:
- `custom_jvp_call`: runs its body; its JVP is the user's rule (so reverse mode is
  linearize + transpose of the rule's tangent output, which must be linear in the tangents),
  and under `vmap` the rule is batched lazily.
Inside a trace the rules are traced at the call, so the traced values they close over become
leading operands of the equation (like the body's constants) instead of tracers of a trace
that has ended by the time a transformation needs the rule.
- `custom_vjp_call`: runs its body; its JVP runs the user's `fwd` for the outputs and
  residuals, and gives the tangents by `custom_vjp_lin`.
- `custom_vjp_lin`: the linear map `tangents -> output tangents` of a custom_vjp call. Its
  transpose calls the user's `bwd` (so reverse mode uses `bwd` exactly as written); its
  evaluation, JVP and batching use the transpose of `bwd` traced as a linear program
  (`ct -> input cts` transposed is `tangents -> output tangent`), which makes forward mode
  work through `custom_vjp` (JAX refuses it) whenever `bwd` is linear in the cotangent.
Handles the pytrees of the user's functions (like `lax.py`); does not own any transformation.
"""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Callable, Sequence

import numpy as np

from functrans import core, dtypes, errors, tree_util
from functrans.interpreters import ad, batching
from functrans.primitives import _helpers, elementwise
from functrans.primitives import shape as shape_prims

Zero = core.Zero
UndefPrimal = core.UndefPrimal


# --------------------------------------------------------------------------- shared helpers


def _name(fun) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


class _Args:
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


_DYNAMIC = object()


def _is_array(x) -> bool:
    return isinstance(x, (core.Tracer, np.ndarray, np.generic))


def _trace_call(fun: Callable, avals) -> tuple[core.Jaxpr, list, tree_util.PyTreeDef]:
    """`fun(*flat)` traced into a const-free program (consts first), its consts, out tree."""
    box = []

    def flat(*leaves):
        out_flat, out_tree = tree_util.tree_flatten(fun(*leaves))
        box.append(out_tree)
        return [_check_value(x, f"output of {_name(fun)}") for x in out_flat]

    jaxpr, consts = core.trace_flat(flat, avals)
    j = core.Jaxpr([], [*jaxpr.constvars, *jaxpr.invars], jaxpr.eqns, jaxpr.outvars)
    return j, consts, box[0]


def _positional(fun: Callable, args: tuple, kwargs: dict, nondiff_argnums: Sequence[int],
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


class _Tracing(threading.local):
    def __init__(self):
        self.active: set[int] = set()   # ids of the custom functions whose rules are tracing


_tracing = _Tracing()


def _trace_rules_now(owner) -> bool:
    """Whether to trace `owner`'s rules at the call: when a trace is active (the values they
    close over may be tracers of it), unless they are being traced already (a rule calling its
    own function, like `softplus` in its JVP), which would never end."""
    return core.current_trace() is not None and id(owner) not in _tracing.active


class _rules_tracing:
    """Marks `owner`'s rules as being traced within this block."""

    def __init__(self, owner):
        self.key = id(owner)

    def __enter__(self):
        _tracing.active.add(self.key)

    def __exit__(self, *exc):
        _tracing.active.discard(self.key)


def _has_tracers(program: core.ClosedJaxpr) -> bool:
    return any(isinstance(c, core.Tracer) for c in program.consts)


def _merge_consts(consts: list, extra: Sequence) -> list:
    """`consts` followed by the tracers of `extra` not already among them."""
    seen = {id(c) for c in consts}
    out = list(consts)
    for c in extra:
        if isinstance(c, core.Tracer) and id(c) not in seen:
            seen.add(id(c))
            out.append(c)
    return out


def _lift(jaxpr: core.Jaxpr, consts: list, operands: Sequence) -> core.ClosedJaxpr:
    """`jaxpr` taking the call's leading `operands` as leading inputs: its constants that are
    tracers of an enclosing trace become the inputs standing for them (lambda lifting, so every
    transformation passes them along); its other constants stay closed."""
    index = {id(x): i for i, x in enumerate(operands)}
    slots: list = [None] * len(operands)
    kept_vars, kept_vals = [], []
    for v, c in zip(jaxpr.constvars, consts, strict=True):
        i = index.get(id(c)) if isinstance(c, core.Tracer) else None
        if i is None:
            kept_vars.append(v)
            kept_vals.append(c)
        else:
            slots[i] = v
    ins = [v if v is not None else core.Var(core.get_aval(x))
           for v, x in zip(slots, operands, strict=True)]
    return core.ClosedJaxpr(core.Jaxpr(kept_vars, ins + jaxpr.invars, jaxpr.eqns,
                                       jaxpr.outvars), kept_vals)


def _with_operands(body: core.Jaxpr, num_consts: int, operands: Sequence) -> core.Jaxpr:
    """`body` (consts first) taking `operands[num_consts:]` as further unused leading inputs."""
    extra = [core.Var(core.get_aval(x)) for x in operands[num_consts:]]
    invars = [*body.invars[:num_consts], *extra, *body.invars[num_consts:]]
    return core.Jaxpr([], invars, body.eqns, body.outvars)


def _prepend_inputs(closed: core.ClosedJaxpr, avals: Sequence) -> core.ClosedJaxpr:
    """`closed` taking further unused leading inputs of `avals`."""
    j = closed.jaxpr
    ins = [core.Var(a) for a in avals] + j.invars
    return core.ClosedJaxpr(core.Jaxpr(j.constvars, ins, j.eqns, j.outvars), closed.consts)


def _check_value(x, what: str):
    core.get_aval(x)   # raises a FunctransTypeError naming the type
    return x


def _no_closure_tangents(tangents, name: str) -> None:
    if any(not isinstance(t, Zero) for t in tangents):
        raise errors.FunctransTypeError(
            f"{name}: differentiating with respect to a traced value the function closes "
            "over; a custom derivative rule only covers the explicit arguments. Pass that value "
            "as an argument instead of closing over it.")


def _conform(x, aval: core.ShapedArray, what: str):
    """`x` checked to have `aval`'s type; a weakly typed `x` (a Python scalar) is converted."""
    got = core.get_aval(x)
    if got.shape != aval.shape or (got.dtype != aval.dtype and not got.weak_type):
        raise errors.FunctransTypeError(f"{what} has type {got.str_short()}, but "
                                        f"{aval.str_short()} is required.")
    if got.dtype == aval.dtype:
        return x
    if isinstance(x, core.Tracer):
        return elementwise.convert_element_type(x, aval.dtype)
    return np.asarray(x, aval.dtype)


def _batch_callable(fn: Callable, avals: list[core.ShapedArray], dims: list,
                    axis_size: int) -> Callable:
    """`fn` (a flat function of values of `avals`) mapped over batched arguments with `dims`;
    its outputs come batched at 0."""
    def batched(*args):
        jaxpr, consts = core.trace_flat(lambda *a: list(fn(*a)), avals)
        closed = batching.batch_jaxpr(core.ClosedJaxpr(jaxpr, consts), axis_size, dims,
                                      [0] * len(jaxpr.outvars))[0]
        return core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    return batched


def _unbatched(aval: core.ShapedArray, dim: int | None) -> core.ShapedArray:
    if dim is None:
        return aval
    return aval.update(shape=aval.shape[:dim] + aval.shape[dim + 1:])


def _batched_aval(aval: core.ShapedArray, axis_size: int) -> core.ShapedArray:
    return aval.update(shape=(axis_size, *aval.shape))


class _Avals(tuple):
    """A tuple of avals that prints compactly in the IR dump: `(f64[3], f64[])`."""

    def __repr__(self):
        return "(" + ", ".join(a.str_short() for a in self) + ")"


def _call_impl(*args, call_jaxpr, num_consts, **_):
    outs = core.eval_jaxpr(call_jaxpr, [], *args)
    return [np.asarray(x, a.dtype) for x, a in zip(outs, call_jaxpr.out_avals, strict=True)]


def _call_abstract_eval(prim_name: str):
    def abstract_eval(*avals, call_jaxpr, num_consts, **_):
        if len(avals) != len(call_jaxpr.invars):
            raise errors.ShapeError(f"{prim_name}: takes {len(call_jaxpr.invars)} operands, "
                                    f"got {len(avals)}")
        for i, (a, v) in enumerate(zip(avals, call_jaxpr.invars, strict=True)):
            if not a.same_type(v.aval):
                raise errors.ShapeError(f"{prim_name}: operand {i} has type {a.str_short()}, "
                                        f"the body expects {v.aval.str_short()}")
        return call_jaxpr.out_avals
    return abstract_eval


# --------------------------------------------------------------------------- custom_jvp

custom_jvp_call_p = core.Primitive("custom_jvp_call", multiple_results=True)


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
        name = _name(self.fun)
        if self.jvp is None:
            raise errors.FunctransTypeError(
                f"custom_jvp function {name} has no JVP rule; define one with @{name}.defjvp.")
        where = f"custom_jvp {name}"
        args = _positional(self.fun, args, kwargs, self.nondiff_argnums, where)
        spec = _Args(args, self.nondiff_argnums, where)
        body, consts, out_tree = _trace_call(lambda *flat: self.fun(*spec.full(flat)),
                                             spec.avals)
        rule = _JvpRule(self.jvp, spec, out_tree, body.out_avals)
        operands = rule.bind_consts(consts, self)
        outs = custom_jvp_call_p.bind(*operands, *spec.flat,
                                      call_jaxpr=_with_operands(body, len(consts), operands),
                                      jvp=rule, num_consts=len(operands))
        return tree_util.tree_unflatten(out_tree, outs)


class _JvpRule:
    """The user's rule as a program `(consts, nondiff, primals, tangents) -> (outputs,
    tangents)`, where `consts` are the call's leading operands; tangents are those of the
    differentiated leaves only."""

    def __init__(self, rule: Callable, spec: _Args, out_tree, out_avals):
        self.rule, self.spec = rule, spec
        self.out_tree, self.out_avals = out_tree, list(out_avals)
        self.num_nondiff = spec.num_nondiff
        self.__name__ = _name(rule)
        self._program: core.ClosedJaxpr | None = None
        self._operands: list | None = None
        self._error: Exception | None = None

    def bind_consts(self, consts: list, owner) -> list:
        """The call's leading operands: the body's `consts` and the live tracers the rule
        closes over. Inside a trace the rule is traced now, while the traces of the values it
        closes over are alive (see `_trace_rules_now`); otherwise tracing waits until (if
        ever) the rule is needed."""
        self._operands = list(consts)
        if not _trace_rules_now(owner):
            return list(consts)
        try:
            with _rules_tracing(owner):
                jaxpr, rule_consts = self._trace()
        except Exception as e:   # report it only if the rule is needed, as JAX does
            self._error = e
            return list(consts)
        self._operands = None
        operands = _merge_consts(consts, rule_consts)
        self._program = _lift(jaxpr, rule_consts, operands)
        return operands

    def __call__(self) -> core.ClosedJaxpr:
        if self._program is not None:
            return self._program
        if self._error is not None:
            raise self._error
        jaxpr, consts = self._trace()
        program = _lift(jaxpr, consts, self._operands)
        if not _has_tracers(program):
            self._program = program   # no tracer of some trace inside: safe to reuse
        return program

    def _trace(self) -> tuple[core.Jaxpr, list]:
        avals = self.spec.avals
        return core.trace_flat(self._flat, avals + [a.strip_weak() for a in
                                                    avals[self.num_nondiff:]])

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
        p_flat = [_conform(x, a, f"{where}: primal output leaf {i}")
                  for i, (x, a) in enumerate(zip(p_flat, self.out_avals, strict=True))]
        t_flat = [_conform(x, a.strip_weak(), f"{where}: tangent output leaf {i}")
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
        self._program: core.ClosedJaxpr | None = None

    def __call__(self) -> core.ClosedJaxpr:
        if self._program is None:
            base = self.base()
            dims = self.dims + self.dims[self.num_consts + self.num_nondiff:]
            program = batching.batch_jaxpr(base, self.axis_size, dims,
                                           [0] * len(base.jaxpr.outvars))[0]
            program = _prepend_inputs(program, self.new_avals)
            if _has_tracers(program):
                return program
            self._program = program
        return self._program


def _custom_jvp_jvp(primals, tangents, *, call_jaxpr, jvp, num_consts):
    _no_closure_tangents(tangents[:num_consts], f"custom_jvp {jvp.__name__}")
    rule = jvp()
    # Tangents of nondiff_argnums arguments are ignored: they are declared non-differentiable.
    ts = [core.instantiate(t) for t in tangents[num_consts + jvp.num_nondiff:]]
    outs = core.eval_jaxpr(rule.jaxpr, rule.consts, *primals, *ts)
    n = len(call_jaxpr.outvars)
    t_out = [t if dtypes.is_differentiable(a.dtype) else Zero(a)
             for t, a in zip(outs[n:], call_jaxpr.out_avals, strict=True)]
    return outs[:n], t_out


def _custom_jvp_batch(args, dims, *, axis_size, call_jaxpr, jvp, num_consts):
    out_dims = [0] * len(call_jaxpr.outvars)
    body = batching.batch_jaxpr(core.ClosedJaxpr(call_jaxpr, []), axis_size, dims, out_dims)[0]
    j = body.jaxpr
    opened = core.Jaxpr([], [*j.constvars, *j.invars], j.eqns, j.outvars)
    rule = _BatchedJvpRule(jvp, list(dims), num_consts, axis_size,
                           [core.get_aval(c) for c in body.consts])
    outs = custom_jvp_call_p.bind(*body.consts, *args, call_jaxpr=opened, jvp=rule,
                                  num_consts=len(body.consts) + num_consts)
    return outs, out_dims


custom_jvp_call_p.def_impl(_call_impl)
custom_jvp_call_p.def_abstract_eval(_call_abstract_eval("custom_jvp_call"))
custom_jvp_call_p.def_jvp(_custom_jvp_jvp)
custom_jvp_call_p.def_batch(_custom_jvp_batch)
custom_jvp_call_p.subjaxprs = lambda params: [params["call_jaxpr"]]


# --------------------------------------------------------------------------- custom_vjp

custom_vjp_call_p = core.Primitive("custom_vjp_call", multiple_results=True)
custom_vjp_lin_p = core.Primitive("custom_vjp_lin", multiple_results=True)


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
        name = _name(self.fun)
        if self.fwd is None:
            raise errors.FunctransTypeError(
                f"custom_vjp function {name} has no VJP; define one with {name}.defvjp(fwd, "
                "bwd).")
        where = f"custom_vjp {name}"
        args = _positional(self.fun, args, kwargs, self.nondiff_argnums, where)
        spec = _Args(args, self.nondiff_argnums, where)
        body, consts, out_tree = _trace_call(lambda *flat: self.fun(*spec.full(flat)),
                                             spec.avals)
        rules = _VjpRules(self, spec, out_tree, body.out_avals)
        operands = rules.bind_consts(consts, self)
        outs = custom_vjp_call_p.bind(*operands, *spec.flat,
                                      call_jaxpr=_with_operands(body, len(consts), operands),
                                      rules=rules, num_consts=len(operands))
        return tree_util.tree_unflatten(out_tree, outs)


class _VjpRules:
    """The user's fwd and bwd as programs over the call's leading operands (`consts`) and
    flat lists of arrays.

    `fwd()` is the program `(consts, nondiff, args) -> outputs + residuals` and the number of
    residuals; `bwd(consts, nondiff, res, cts)` returns one cotangent per leaf of the
    differentiated arguments (zeros for None). Both are traced in `bind_consts` when a trace
    is active (see `_JvpRule.bind_consts`), else when first needed.
    """

    def __init__(self, f: custom_vjp, spec: _Args, out_tree, out_avals):
        self.f, self.spec = f, spec
        self.num_nondiff = spec.num_nondiff
        self.in_avals = spec.avals
        self.out_tree, self.out_avals = out_tree, list(out_avals)
        self.name = _name(f.fun)
        self._fwd: tuple | None = None
        self._bwd: core.ClosedJaxpr | None = None
        self._operands: list | None = None
        self._error: Exception | None = None
        self.res_tree = None

    def __repr__(self):
        return f"{_name(self.f.fwd)}/{_name(self.f.bwd)}"

    def bind_consts(self, consts: list, owner) -> list:
        """The call's leading operands: the body's `consts` and the live tracers that fwd and
        bwd close over (traced now as in `_JvpRule.bind_consts`)."""
        self._operands = list(consts)
        if not _trace_rules_now(owner):
            return list(consts)
        try:
            with _rules_tracing(owner):
                fwd, bwd, operands = self._trace(consts)
        except Exception as e:   # report it only if the rules are needed, as JAX does
            self._error = e
            return list(consts)
        self._operands = None
        self._fwd, self._bwd = fwd, bwd
        return operands

    def _trace(self, consts: list) -> tuple:
        """fwd (and its number of residuals), bwd, and the operands they take first."""
        fwd, fwd_consts = core.trace_flat(self._fwd_flat, self.in_avals)
        num_res = len(fwd.outvars) - len(self.out_avals)
        nn = self.num_nondiff
        avals = (self.in_avals[:nn] + fwd.out_avals[len(self.out_avals):]
                 + [a.strip_weak() for a in self.out_avals])
        bwd, bwd_consts = core.trace_flat(
            lambda *a: self._bwd_flat(a[:nn], a[nn:nn + num_res], a[nn + num_res:]), avals)
        operands = _merge_consts(_merge_consts(consts, fwd_consts), bwd_consts)
        return ((_lift(fwd, fwd_consts, operands), num_res), _lift(bwd, bwd_consts, operands),
                operands)

    def _programs(self) -> tuple:
        if self._fwd is not None:
            return self._fwd, self._bwd
        if self._error is not None:
            raise self._error
        fwd, bwd, _ = self._trace(self._operands)
        if not _has_tracers(fwd[0]) and not _has_tracers(bwd):
            self._fwd, self._bwd = fwd, bwd   # no tracer of some trace inside: safe to reuse
        return fwd, bwd

    def fwd(self) -> tuple[core.ClosedJaxpr, int]:
        return self._programs()[0]

    def _fwd_flat(self, *leaves):
        out = self.f.fwd(*self.spec.full(leaves))
        where = f"custom_vjp fwd {_name(self.f.fwd)}"
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise errors.FunctransTypeError(f"{where} must return a pair (output, residuals), "
                                            f"got {type(out).__name__}.")
        out_flat, tree = tree_util.tree_flatten(out[0])
        if tree != self.out_tree:
            raise errors.FunctransTypeError(f"{where}: its output has structure {tree}, but "
                                            f"{self.name} returns {self.out_tree}.")
        out_flat = [_conform(x, a, f"{where}: output leaf {i}")
                    for i, (x, a) in enumerate(zip(out_flat, self.out_avals, strict=True))]
        res_flat, self.res_tree = tree_util.tree_flatten(out[1])
        return out_flat + [_check_value(r, f"{where}: residual") for r in res_flat]

    def bwd(self, consts: list, nondiff: list, res: list, cts: list) -> list:
        bwd = self._programs()[1]
        return core.eval_jaxpr(bwd.jaxpr, bwd.consts, *consts, *nondiff, *res, *cts)

    def _bwd_flat(self, nondiff: Sequence, res: Sequence, cts: Sequence) -> list:
        got = self.f.bwd(*self.spec.nondiff(nondiff),
                         tree_util.tree_unflatten(self.res_tree, list(res)),
                         tree_util.tree_unflatten(self.out_tree, list(cts)))
        return _bwd_leaves(got, self.spec.in_tree, self.in_avals[self.num_nondiff:],
                           _name(self.f.bwd))

    def batched(self, axis_size: int, const_dims: list, const_avals: list,
                new_avals: list) -> _BatchedVjpRules:
        return _BatchedVjpRules(self, axis_size, const_dims, const_avals, new_avals)


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
        leaves += [_conform(x, a.strip_weak(), f"custom_vjp bwd {name}: cotangent {i}")
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
        self.in_avals = [_batched_aval(a, axis_size) for a in base.in_avals]
        self.out_avals = [_batched_aval(a, axis_size) for a in base.out_avals]
        self._fwd: tuple | None = None

    def __repr__(self):
        return f"vmap({self.base!r})"

    def fwd(self) -> tuple[core.ClosedJaxpr, int]:
        if self._fwd is not None:
            return self._fwd
        closed, num_res = self.base.fwd()
        n = len(closed.jaxpr.outvars)
        dims = self.const_dims + [0] * len(self.in_avals)
        batched = batching.batch_jaxpr(closed, self.axis_size, dims, [0] * n)[0]
        got = (_prepend_inputs(batched, self.new_avals), num_res)
        if not _has_tracers(got[0]):
            self._fwd = got   # no tracer of some trace inside: safe to reuse
        return got

    def bwd(self, consts: list, nondiff: list, res: list, cts: list) -> list:
        closed, num_res = self.base.fwd()
        nc, nn = len(self.const_avals), self.num_nondiff
        res_avals = closed.out_avals[len(closed.out_avals) - num_res:]
        avals = self.const_avals + [a.strip_weak() for a in
                                    self.base.in_avals[:nn] + res_avals + self.base.out_avals]
        k, r = nc + nn, nc + nn + num_res
        fn = _batch_callable(lambda *a: self.base.bwd(list(a[:nc]), list(a[nc:k]),
                                                      list(a[k:r]), list(a[r:])),
                             avals, self.const_dims + [0] * (len(avals) - nc), self.axis_size)
        return fn(*consts[len(self.new_avals):], *nondiff, *res, *cts)

    def batched(self, axis_size: int, const_dims: list, const_avals: list,
                new_avals: list) -> _BatchedVjpRules:
        return _BatchedVjpRules(self, axis_size, const_dims, const_avals, new_avals)


def _custom_vjp_jvp(primals, tangents, *, call_jaxpr, rules, num_consts):
    _no_closure_tangents(tangents[:num_consts], f"custom_vjp {rules.name}")
    fwd, _ = rules.fwd()
    outs = core.eval_jaxpr(fwd.jaxpr, fwd.consts, *primals)
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
        return prim_out, [Zero(a.strip_weak()) for a in out_avals]
    lin = _LinBwd(rules, num_consts, in_mask, out_mask, out_avals)
    t_out = iter(custom_vjp_lin_p.bind(
        *primals[:num_consts], *nondiff, *res, *ts, bwd=lin, num_res=nd_end + len(res),
        out_avals=_Avals(a.strip_weak() for a, m in zip(out_avals, out_mask, strict=True) if m)))
    return prim_out, [next(t_out) if m else Zero(a)
                      for a, m in zip(out_avals, out_mask, strict=True)]


def _custom_vjp_batch(args, dims, *, axis_size, call_jaxpr, rules, num_consts):
    consts, xs = args[:num_consts], args[num_consts:]
    xs = [shape_prims.bdim_at_front(x, d, axis_size)
          for x, d in zip(xs, dims[num_consts:], strict=True)]
    in_dims = list(dims[:num_consts]) + [0] * len(xs)
    out_dims = [0] * len(call_jaxpr.outvars)
    body = batching.batch_jaxpr(core.ClosedJaxpr(call_jaxpr, []), axis_size, in_dims,
                                out_dims)[0]
    j = body.jaxpr
    opened = core.Jaxpr([], [*j.constvars, *j.invars], j.eqns, j.outvars)
    const_dims = list(dims[:num_consts])
    const_avals = [_unbatched(core.get_aval(c), d) for c, d in zip(consts, const_dims,
                                                                   strict=True)]
    batched = rules.batched(axis_size, const_dims, const_avals,
                            [core.get_aval(c) for c in body.consts])
    outs = custom_vjp_call_p.bind(*body.consts, *consts, *xs, call_jaxpr=opened,
                                  rules=batched,
                                  num_consts=len(body.consts) + num_consts)
    return outs, out_dims


custom_vjp_call_p.def_impl(_call_impl)
custom_vjp_call_p.def_abstract_eval(_call_abstract_eval("custom_vjp_call"))
custom_vjp_call_p.def_jvp(_custom_vjp_jvp)
custom_vjp_call_p.def_batch(_custom_vjp_batch)
custom_vjp_call_p.subjaxprs = lambda params: [params["call_jaxpr"]]


# --------------------------------------------------------------------------- custom_vjp_lin


class _LinBwd:
    """`bwd` restricted to the float arguments and outputs: `(consts + nondiff + res, cts) ->
    cts`, where `consts` are the call's `num_consts` leading operands."""

    def __init__(self, rules, num_consts: int, in_mask: list[bool], out_mask: list[bool],
                 out_avals):
        self.rules, self.in_mask, self.out_mask = rules, in_mask, out_mask
        self.num_consts = num_consts
        self.out_avals = list(out_avals)
        self.__name__ = f"bwd of {rules.name}"
        self._forward: dict = {}

    def __call__(self, res: list, cts: list) -> list:
        it = iter(cts)
        full = [next(it) if m else _helpers.zeros_like_aval(a)
                for a, m in zip(self.out_avals, self.out_mask, strict=True)]
        # The call's consts and the nondiff arguments lead the residual operands.
        nc, nn = self.num_consts, self.rules.num_nondiff
        got = self.rules.bwd(list(res[:nc]), list(res[nc:nc + nn]), list(res[nc + nn:]), full)
        return [g for g, m in zip(got, self.in_mask, strict=True) if m]


class _BatchedBwd:
    """A `bwd` mapped over residuals batched at `res_dims` and cotangents batched at 0."""

    def __init__(self, base, res_avals, res_dims, ct_avals, axis_size: int):
        self.base, self.res_dims, self.axis_size = base, list(res_dims), axis_size
        self.res_avals, self.ct_avals = list(res_avals), list(ct_avals)
        self.__name__ = f"vmap({base.__name__})"
        self._forward: dict = {}

    def __call__(self, res: list, cts: list) -> list:
        nr = len(res)
        fn = _batch_callable(lambda *a: self.base(list(a[:nr]), list(a[nr:])),
                             self.res_avals + self.ct_avals,
                             self.res_dims + [0] * len(cts), self.axis_size)
        return fn(*res, *cts)


def _forward_program(bwd, res_avals: list, t_avals: list, out_avals: list) -> core.ClosedJaxpr:
    """`(res, tangents) -> output tangents`: the transpose of `ct -> bwd(res, ct)`.

    Cached on `bwd` per argument types (unless tracers of some trace got inside).
    """
    key = (tuple(res_avals), tuple(t_avals))
    got = bwd._forward.get(key)
    if got is not None:
        return got
    nr = len(res_avals)

    def fn(*args):
        res, ts = list(args[:nr]), args[nr:]
        jaxpr, consts = core.trace_flat(lambda *cts: bwd(res, list(cts)), list(out_avals))
        lin = core.ClosedJaxpr(jaxpr, consts)
        try:
            transposed = ad.transpose_jaxpr(lin, len(jaxpr.invars))
        except NotImplementedError as e:
            raise errors.FunctransTypeError(
                f"forward-mode differentiation of a custom_vjp function transposes its bwd "
                f"({bwd.__name__}), which must then be linear in the cotangent: {e}") from None
        return core.eval_jaxpr(transposed.jaxpr, transposed.consts, *ts)

    jaxpr, consts = core.trace_flat(fn, list(res_avals) + list(t_avals))
    program = core.ClosedJaxpr(jaxpr, consts)
    if not any(isinstance(c, core.Tracer) for c in consts):
        bwd._forward[key] = program
    return program


def _lin_program(args, bwd, num_res, out_avals) -> core.ClosedJaxpr:
    avals = [core.get_aval(a) for a in args]
    return _forward_program(bwd, avals[:num_res], [a.strip_weak() for a in avals[num_res:]],
                            list(out_avals))


@custom_vjp_lin_p.def_impl
def _lin_impl(*args, bwd, num_res, out_avals):
    program = _lin_program(args, bwd, num_res, out_avals)
    outs = core.eval_jaxpr(program.jaxpr, program.consts, *args)
    return [np.asarray(x, a.dtype) for x, a in zip(outs, out_avals, strict=True)]


@custom_vjp_lin_p.def_abstract_eval
def _lin_abstract_eval(*avals, bwd, num_res, out_avals):
    return list(out_avals)


@custom_vjp_lin_p.def_jvp
def _lin_jvp(primals, tangents, *, bwd, num_res, out_avals):
    # Linear in the tangents but not in the residuals: differentiate the forward program.
    program = _lin_program(primals, bwd, num_res, out_avals)
    nonzeros = [not isinstance(t, Zero) for t in tangents]
    jvp, out_nz = ad.jvp_jaxpr(program, nonzeros)
    outs = core.eval_jaxpr(jvp.jaxpr, jvp.consts, *primals,
                           *[t for t in tangents if not isinstance(t, Zero)])
    n = len(out_avals)
    t_out = iter(outs[n:])
    return outs[:n], [next(t_out) if nz else Zero(a)
                      for nz, a in zip(out_nz, out_avals, strict=True)]


@custom_vjp_lin_p.def_transpose
def _lin_transpose(cts, *args, bwd, num_res, out_avals):
    res, ts = args[:num_res], args[num_res:]
    if any(isinstance(r, UndefPrimal) for r in res):
        raise NotImplementedError("transpose of custom_vjp_lin: a residual is linear (a bug "
                                  "in linearization)")
    got = bwd(list(res), [core.instantiate(c) for c in cts])
    return (*[None] * num_res,
            *[g if isinstance(t, UndefPrimal) else None for g, t in zip(got, ts, strict=True)])


@custom_vjp_lin_p.def_batch
def _lin_batch(args, dims, *, axis_size, bwd, num_res, out_avals):
    res, ts = args[:num_res], args[num_res:]
    res_dims = list(dims[:num_res])
    ts = [shape_prims.bdim_at_front(t, d, axis_size)
          for t, d in zip(ts, dims[num_res:], strict=True)]
    res_avals = [_unbatched(core.get_aval(r), d) for r, d in zip(res, res_dims, strict=True)]
    batched_bwd = _BatchedBwd(bwd, res_avals, res_dims, list(out_avals), axis_size)
    outs = custom_vjp_lin_p.bind(*res, *ts, bwd=batched_bwd, num_res=num_res,
                                 out_avals=_Avals(_batched_aval(a, axis_size) for a in out_avals))
    return outs, [0] * len(out_avals)
