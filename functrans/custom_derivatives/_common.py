"""What the custom-derivative primitives share: staging the user's rules as programs.

Owns `StagedRules`, the base of the rule objects that `custom_jvp_call` and
`custom_vjp_call` carry in their params: the user's rules traced to programs over the call's
leading operands, at the call when a trace is active (the values they close over, tracers of
it or arrays, become leading operands: lambda lifting), else when first needed, and kept when
no tracer got inside; kept programs key the object in the program cache
(`StagedRules.cache_key`: a program with custom-derivative calls is cached only when every
call's rules were traced, see docs/design.md). Owns the per-thread guard that stops a rule
calling its own function from being traced forever, and the body-call impl, abstract eval
and batching helpers both primitives use. Does not own a primitive, the user-facing classes (`_jvp`,
`_vjp`) or argument handling (`_args`).
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence

from functrans import backend, core, errors, evaluate, ir
from functrans.interpreters import batching


class _Tracing(threading.local):
    def __init__(self):
        self.active: set[int] = set()   # ids of the custom functions whose rules are tracing


_tracing = _Tracing()


def _trace_rules_now(owner) -> bool:
    """Whether to trace `owner`'s rules at the call: when a trace is active (the values they
    close over may be tracers of it), unless they are being traced already (a rule calling its
    own function, like `softplus` in its JVP), which would never end."""
    return core.current_trace() is not None and id(owner) not in _tracing.active


@contextlib.contextmanager
def _rules_tracing(owner) -> Iterator[None]:
    """Marks `owner`'s rules as being traced within this block."""
    _tracing.active.add(id(owner))
    try:
        yield
    finally:
        _tracing.active.discard(id(owner))


def has_tracers(program: ir.ClosedJaxpr) -> bool:
    return any(isinstance(c, core.Tracer) for c in program.consts)


def _merge_consts(consts: list, extra: Sequence) -> list:
    """`consts` followed by the values of `extra` not already among them."""
    seen = {id(c) for c in consts}
    out = list(consts)
    for c in extra:
        if id(c) not in seen:
            seen.add(id(c))
            out.append(c)
    return out


def _lift(jaxpr: ir.Jaxpr, consts: list, operands: Sequence) -> ir.ClosedJaxpr:
    """`jaxpr` taking the call's leading `operands` as leading inputs: its constants among them
    become the inputs standing for them (lambda lifting: every transformation passes them along,
    and the rule's program has no constant of its own, so it is keyed by structure alone); its
    other constants stay closed."""
    index = {id(x): i for i, x in enumerate(operands)}
    slots: list = [None] * len(operands)
    kept_vars, kept_vals = [], []
    for v, c in zip(jaxpr.constvars, consts, strict=True):
        i = index.get(id(c))
        if i is None:
            kept_vars.append(v)
            kept_vals.append(c)
        else:
            slots[i] = v
    ins = [v if v is not None else ir.Var(core.get_aval(x))
           for v, x in zip(slots, operands, strict=True)]
    return ir.ClosedJaxpr(ir.Jaxpr(kept_vars, ins + jaxpr.invars, jaxpr.eqns,
                                   jaxpr.outvars), kept_vals)


class StagedRules:
    """The user's rules as programs taking the call's leading operands first.

    A subclass says how to trace them (`_trace`: one `(jaxpr, consts)` per program, in a fixed
    order) and what else its behaviour depends on (`_static_key`); this class decides when,
    and what the call's leading operands are. Once the programs are kept they never change, so
    they key the object in the program cache (`cache_key`).
    """

    def __init__(self):
        self._programs: list[ir.ClosedJaxpr] | None = None
        self._operands: list | None = None   # the call's leading operands, until traced
        self._error: Exception | None = None

    def _trace(self) -> list[tuple[ir.Jaxpr, list]]:
        raise NotImplementedError

    def bind_consts(self, consts: list, owner) -> list:
        """The call's leading operands: the body's `consts` and the live tracers the rules
        close over. Inside a trace the rules are traced now, while the traces of the values
        they close over are alive (see `_trace_rules_now`); otherwise tracing waits until (if
        ever) the rules are needed."""
        self._operands = list(consts)
        if not _trace_rules_now(owner):
            return list(consts)
        try:
            with _rules_tracing(owner):
                traced = self._trace()
        except Exception as e:   # report it only if the rules are needed, as JAX does
            self._error = e
            return list(consts)
        operands = list(consts)
        for _, rule_consts in traced:
            operands = _merge_consts(operands, rule_consts)
        self._operands = None
        self._programs = [_lift(jaxpr, c, operands) for jaxpr, c in traced]
        return operands

    def _static_key(self) -> tuple:
        """What besides the programs the subclass's behaviour depends on (its name included:
        it is in IR dumps and error messages)."""
        raise NotImplementedError

    def cache_key(self) -> tuple | None:
        """The program cache's key (`cache._param_key`): the traced programs (keyed there by
        structure, constants by identity) and `_static_key()`; None while the programs are not
        fixed (not traced yet, their tracing failed, or they hold tracers), when the behaviour
        is the user's Python functions, which may read state that changes between calls."""
        if self._programs is None:
            return None
        return (self._static_key(), tuple(self._programs))

    def programs(self) -> list[ir.ClosedJaxpr]:
        if self._programs is not None:
            return self._programs
        if self._error is not None:
            raise self._error
        programs = [_lift(jaxpr, c, self._operands) for jaxpr, c in self._trace()]
        if not any(has_tracers(p) for p in programs):
            self._programs = programs   # no tracer of some trace inside: safe to reuse
        return programs


def with_operands(body: ir.Jaxpr, num_consts: int, operands: Sequence) -> ir.Jaxpr:
    """`body` (consts first) taking `operands[num_consts:]` as further unused leading inputs."""
    extra = [ir.Var(core.get_aval(x)) for x in operands[num_consts:]]
    invars = [*body.invars[:num_consts], *extra, *body.invars[num_consts:]]
    return ir.Jaxpr([], invars, body.eqns, body.outvars)


def prepend_inputs(closed: ir.ClosedJaxpr, avals: Sequence) -> ir.ClosedJaxpr:
    """`closed` taking further unused leading inputs of `avals`."""
    j = closed.jaxpr
    ins = [ir.Var(a) for a in avals] + j.invars
    return ir.ClosedJaxpr(ir.Jaxpr(j.constvars, ins, j.eqns, j.outvars), closed.consts)


def no_closure_tangents(tangents, name: str) -> None:
    if any(not isinstance(t, ir.Zero) for t in tangents):
        raise errors.FunctransTypeError(
            f"{name}: differentiating with respect to a traced value the function closes "
            "over; a custom derivative rule only covers the explicit arguments. Pass that value "
            "as an argument instead of closing over it.")


def batch_callable(fn: Callable, avals: list[ir.ShapedArray], dims: list,
                   axis_size: int) -> Callable:
    """`fn` (a flat function of values of `avals`) mapped over batched arguments with `dims`;
    its outputs come batched at 0."""
    def batched(*args):
        jaxpr, consts = core.trace_flat(lambda *a: list(fn(*a)), avals)
        closed = batching.batch_jaxpr(ir.ClosedJaxpr(jaxpr, consts), axis_size, dims,
                                      [0] * len(jaxpr.outvars))[0]
        return evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    return batched


def unbatched(aval: ir.ShapedArray, dim: int | None) -> ir.ShapedArray:
    if dim is None:
        return aval
    return aval.update(shape=aval.shape[:dim] + aval.shape[dim + 1:])


def batched_aval(aval: ir.ShapedArray, axis_size: int) -> ir.ShapedArray:
    return aval.update(shape=(axis_size, *aval.shape))


def call_impl(*args, call_jaxpr, num_consts, **_):
    outs = evaluate.eval_jaxpr(call_jaxpr, [], *args)
    return [backend.asarray(x, a.dtype) for x, a in zip(outs, call_jaxpr.out_avals, strict=True)]


def call_abstract_eval(prim_name: str):
    def abstract_eval(*avals, call_jaxpr, num_consts, **_):
        return ir.call_out_avals(prim_name, avals, call_jaxpr)
    return abstract_eval
