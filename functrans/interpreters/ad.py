"""Automatic differentiation as IR rewrites: `jvp_jaxpr`, `linearize_jaxpr`, `transpose_jaxpr`,
`vjp_split`, `vjp_jaxpr`, `grad_jaxpr`.

Forward mode replays each equation through its primitive's JVP rule, carrying symbolic
`Zero` tangents so that nothing is computed for values that do not depend on the
differentiated inputs. Reverse mode is linearize (JVP, then partial evaluation into a primal
part and a part linear in the tangents) followed by transposition of the linear part, walking
its equations backwards and accumulating cotangents. No rule here is specific to a primitive.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from functrans import core, dtypes, errors, evaluate, ir
from functrans.interpreters import optimize, partial_eval
from functrans.primitives import comparison, elementwise


def _not_implemented(prim: core.Primitive, what: str) -> NotImplementedError:
    return NotImplementedError(f"primitive '{prim.name}' has no {what} rule; functrans cannot "
                               f"{'differentiate' if what == 'JVP' else 'transpose'} through it")


def jvp_jaxpr(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool],
              want_tangents: Sequence[bool] | None = None, instantiate: bool = False
              ) -> tuple[ir.ClosedJaxpr, list[bool]]:
    """The forward-mode rewrite of `closed`.

    Args:
      nonzeros: for each input, whether it has a tangent (only float inputs may).
      want_tangents: for each output, whether its tangent is wanted (default all).
      instantiate: materialize symbolic-zero tangents of wanted outputs as zeros.

    Returns:
      The program `(primals, tangents of nonzero inputs) -> (primal outputs, tangents of the
      outputs that are nonzero)`, and for each output whether its tangent is in the result.
    """
    n_in = len(closed.jaxpr.invars)
    out_nonzeros: list[bool] = []

    def body(consts: list, args: list) -> list:
        outs, touts = _jvp_walk(closed.jaxpr, consts, args[:n_in], args[n_in:], nonzeros,
                                want_tangents, instantiate, out_nonzeros)
        return outs + touts

    in_avals = [*closed.jaxpr.in_avals, *_tangent_avals(closed.jaxpr, nonzeros)]
    return core.rewrite_closed(closed.consts, in_avals, body), out_nonzeros


def _tangent_avals(jaxpr: ir.Jaxpr, nonzeros: Sequence[bool]) -> list[ir.ShapedArray]:
    return [v.aval.strip_weak() for v, nz in zip(jaxpr.invars, nonzeros, strict=True) if nz]


def _jvp_walk(jaxpr: ir.Jaxpr, consts: Sequence, primals: Sequence, tangents: Sequence,
              nonzeros: Sequence[bool], want_tangents: Sequence[bool] | None,
              instantiate: bool, out_nonzeros: list[bool]) -> tuple[list, list]:
    """Replay `jaxpr`'s equations through their JVP rules: (primal outputs, nonzero tangents).

    `out_nonzeros` receives, for each output, whether its tangent is among those returned.
    """
    want = [True] * len(jaxpr.outvars) if want_tangents is None else want_tangents
    env = dict(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, primals, strict=True))
    it = iter(tangents)
    tenv = {v: next(it) for v, nz in zip(jaxpr.invars, nonzeros, strict=True) if nz}
    read = evaluate.env_reader(env)

    def read_t(v: ir.Atom) -> Any:
        t = tenv.get(v) if isinstance(v, ir.Var) else None
        return ir.Zero(v.aval) if t is None else t

    for eqn in jaxpr.eqns:
        _jvp_eqn(eqn, env, tenv)
    touts = []
    for v, w in zip(jaxpr.outvars, want, strict=True):
        t = read_t(v) if w else ir.Zero(v.aval)
        if w and instantiate:
            t = core.instantiate(t)
        out_nonzeros.append(not isinstance(t, ir.Zero))
        if not isinstance(t, ir.Zero):
            touts.append(t)
    return [read(v) for v in jaxpr.outvars], touts


def _jvp_eqn(eqn: ir.JaxprEqn, env: dict, tenv: dict) -> None:
    # The walk's inner loop (every equation of every linearization): operands are read
    # inline, and Zero tangents are made only for equations that reach a JVP rule.
    # One plain loop (no comprehension or generator frames, which CPython 3.11 creates per
    # call): 8% of a linearization.
    prim = eqn.primitive
    invars = eqn.invars
    Var = ir.Var
    primals = []
    tangents = []
    some = False
    for v in invars:
        if type(v) is Var:
            primals.append(env[v])
            t = tenv.get(v)
            if t is not None:
                some = True
            tangents.append(t)
        else:
            primals.append(v.val)
            tangents.append(None)
    if not some or not prim.differentiable:
        with core.source_override(eqn.source_info):
            outs, touts = prim.bind(*primals, **eqn.params), None
    else:
        if prim.jvp is None:
            raise _not_implemented(prim, "JVP")
        tangents = [ir.Zero(v.aval) if t is None else t
                    for v, t in zip(invars, tangents, strict=True)]
        # What the rule emits is stamped as its work (debug_nans names it), except the
        # equation computing the primal output, which keeps the equation's own source.
        stamp = evaluate.rule_source(eqn.source_info, "jvp", prim)
        with core.source_override(stamp):
            outs, touts = prim.jvp(primals, tangents, **eqn.params)
        _restamp_primal(outs, stamp, eqn.source_info)
    if not prim.multiple_results:
        env[eqn.outvars[0]] = outs
        if touts is not None and not isinstance(touts, ir.Zero):
            v = eqn.outvars[0]
            if dtypes.is_differentiable(v.aval.dtype):
                tenv[v] = touts
        return
    for i, v in enumerate(eqn.outvars):
        env[v] = outs[i]
        if touts is not None and dtypes.is_differentiable(v.aval.dtype):
            t = touts[i]
            if not isinstance(t, ir.Zero):
                tenv[v] = t


def _restamp_primal(outs: Any, stamp: ir.SourceInfo | None,
                    info: ir.SourceInfo | None) -> None:
    """Give the equation(s) computing a JVP rule's primal output(s) back their own source."""
    if stamp is None:
        return
    for out in outs if isinstance(outs, (list, tuple)) else (outs,):
        if type(out) is not _Tracer:
            continue
        eqns = out._trace.eqns
        # The rule bound it a few equations ago (rules are short): look back a little.
        for k in range(len(eqns) - 1, max(-1, len(eqns) - 9), -1):
            e = eqns[k]
            if out._var in e.outvars:
                if e.source_info is stamp:
                    e.source_info = info
                break


def linearize_jaxpr(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool],
                    want_tangents: Sequence[bool] | None = None, instantiate: bool = False
                    ) -> tuple[ir.ClosedJaxpr, ir.Jaxpr, list[bool], int]:
    """JVP, split into the primal program and a program linear in the tangents.

    Returns `(primal, linear, out_nonzeros, num_res)`: `primal` maps the primal inputs to the
    primal outputs followed by `num_res` residuals; `linear` is a Jaxpr whose invars are the
    residuals followed by the tangents of the nonzero inputs, and whose outvars are the
    tangents of the outputs flagged in `out_nonzeros`. With `instantiate`, every wanted
    output has a tangent (zeros where it does not depend on the inputs).

    The split is made while the JVP rules run (online partial evaluation, one walk): each
    equation a rule binds goes to the primal program when none of its operands is a tangent,
    to the linear one otherwise, so the primal half is never recorded twice. A program with a
    higher-order equation that splits itself (a `partial_eval` hook: jit calls, control flow)
    takes the JVP rewrite and then `partial_eval.partial_eval_jaxpr`, which calls the hook.
    Both build the same kind of programs; nothing is evaluated.
    """
    out_nonzeros: list[bool] = []
    box: list = []

    def body(consts: list, primals: list) -> list:
        outs, lin, residuals = _linearize_here(closed, consts, primals, nonzeros,
                                               want_tangents, instantiate, out_nonzeros)
        box.append(lin)
        return [*outs, *residuals]

    primal = core.rewrite_closed(closed.consts, closed.jaxpr.in_avals, body)
    lin = box[0]
    linear = optimize.dce_jaxpr(ir.constvars_to_invars(lin))
    # Residuals the linear program no longer reads are dropped from both programs.
    nres = len(lin.constvars)
    used = {v for e in linear.eqns for v in e.invars if type(v) is ir.Var}
    used.update(v for v in linear.outvars if type(v) is ir.Var)
    keep = [v in used for v in linear.invars[:nres]]
    if not all(keep):
        n_out = len(primal.jaxpr.outvars) - nres
        pj = primal.jaxpr
        outvars = pj.outvars[:n_out] + [v for v, k in zip(pj.outvars[n_out:], keep, strict=True)
                                        if k]
        primal = ir.ClosedJaxpr(ir.Jaxpr(pj.constvars, pj.invars, pj.eqns, outvars),
                                primal.consts)
        linear = ir.Jaxpr([], [v for v, k in zip(linear.invars[:nres], keep, strict=True) if k]
                          + linear.invars[nres:], linear.eqns, linear.outvars)
        nres = sum(keep)
    return optimize.dce_closed(primal), linear, out_nonzeros, nres


def linearize_closed(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool]
                     ) -> tuple[ir.ClosedJaxpr, ir.ClosedJaxpr, list[bool], int]:
    """`linearize_jaxpr` with every wanted output's tangent (zeros instantiated), the linear
    program closed: `(primal, linear, out_nonzeros, num_res)` where `linear` is a ClosedJaxpr
    taking the residuals followed by the tangents of the nonzero inputs."""
    primal, linear, out_nz, nres = linearize_jaxpr(closed, nonzeros, None, True)
    return primal, ir.ClosedJaxpr(linear, []), out_nz, nres


def _linearize_here(closed: ir.ClosedJaxpr, consts: Sequence, primals: Sequence,
                    nonzeros: Sequence[bool], want_tangents: Sequence[bool] | None,
                    instantiate: bool, out_nonzeros: list[bool]) -> tuple[list, ir.Jaxpr, list]:
    """Linearize `closed` at `primals` (values of the current builder): its primal
    equations are bound in the current builder. Returns the primal outputs, the linear
    program (a Jaxpr whose constvars are the residuals and whose invars are the tangents),
    and the residuals' values."""
    t_avals = _tangent_avals(closed.jaxpr, nonzeros)
    if any(isinstance(e.primitive, core.HigherOrderPrimitive) and e.primitive.partial_eval
           for e in closed.jaxpr.eqns):
        lifted = ir.ClosedJaxpr(ir.open_consts(closed)[0], [])
        known, linear, out_nz, nres = _linearize_staged(
            lifted, [False] * len(consts) + list(nonzeros), want_tangents, instantiate)
        out_nonzeros.extend(out_nz)
        got = evaluate.eval_jaxpr(known.jaxpr, known.consts, *consts, *primals)
        n_out = len(got) - nres
        return got[:n_out], ir.invars_to_constvars(linear, nres), got[n_out:]
    # Called only inside a `core.rewrite_closed` body, so a trace is current (never None).
    with _LinearTrace(core.current_trace()) as trace:  # type: ignore[arg-type]
        tangents = [trace.new_arg(a) for a in t_avals]
        outs, touts = _jvp_walk(closed.jaxpr, consts, primals, tangents, nonzeros,
                                want_tangents, instantiate, out_nonzeros)
        lin, residuals = trace.to_jaxpr(touts)
    return outs, lin, residuals


class _LinearTrace(core.JaxprTrace):
    """The linear half of online linearization: records only equations with an operand of its
    own (a tangent); the others go to the primal program's trace (`known`). Values of the
    primal program it reads become its constvars: the residuals."""

    def __init__(self, known: core.JaxprTrace):
        super().__init__()
        self.known = known

    def process(self, prim: core.Primitive, args: Sequence, params: dict[str, Any]) -> Any:
        for x in args:
            if type(x) is _Tracer and x._trace is self:
                return core.JaxprTrace.process(self, prim, args, params)
        return self.known.process(prim, args, params)


_Tracer = core.Tracer


def _linearize_staged(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool],
                      want_tangents: Sequence[bool] | None, instantiate: bool
                      ) -> tuple[ir.ClosedJaxpr, ir.Jaxpr, list[bool], int]:
    """`linearize_jaxpr` as the JVP rewrite, then partial evaluation (its hooks split
    higher-order equations)."""
    jvp, out_nonzeros = jvp_jaxpr(closed, nonzeros, want_tangents, instantiate)
    jvp = optimize.dce_closed(jvp)
    n_in = len(closed.jaxpr.invars)
    unknowns = [False] * n_in + [True] * sum(nonzeros)
    n_out = len(closed.jaxpr.outvars)
    inst = [False] * n_out + [True] * sum(out_nonzeros)
    known, linear, out_unknowns, num_res = partial_eval.partial_eval_jaxpr(jvp, unknowns, inst)
    if any(out_unknowns[:n_out]):
        raise AssertionError("linearize: a primal output depends on a tangent (internal error)")
    return optimize.dce_closed(known), optimize.dce_jaxpr(linear), out_nonzeros, num_res


def transpose_jaxpr(linear: ir.ClosedJaxpr, num_linear_in: int) -> ir.ClosedJaxpr:
    """The transpose of a program linear in its inputs.

    Args:
      linear: a ClosedJaxpr whose constants are non-linear values (residuals) and whose
        `num_linear_in` inputs are the linear inputs.

    Returns:
      A ClosedJaxpr mapping one cotangent per output of `linear` to one cotangent per linear
      input. Cotangents are accumulated and never materialized for zero contributions; an input
      that receives none gets zeros.
    """
    jaxpr = linear.jaxpr
    if num_linear_in != len(jaxpr.invars):
        raise errors.FunctransValueError(
            f"transpose_jaxpr: num_linear_in={num_linear_in}, but the program has "
            f"{len(jaxpr.invars)} inputs; every input of `linear` is a linear input (pass "
            "non-linear values as its constants).")

    def body(consts: list, cts_out: list) -> list:
        return _backward(jaxpr, jaxpr.constvars, consts, cts_out)

    return core.rewrite_closed(linear.consts, [v.aval.strip_weak() for v in jaxpr.outvars], body)


def _backward(jaxpr: ir.Jaxpr, nonlin_vars: Sequence[ir.Var], nonlin_vals: Sequence,
              cts_out: Sequence) -> list:
    """Transpose `jaxpr` (linear in its invars; `nonlin_vars` hold `nonlin_vals`) in the
    current builder: one cotangent per invar from one per outvar (None: zero)."""
    env = dict(zip(nonlin_vars, nonlin_vals, strict=True))
    read = evaluate.env_reader(env)
    linear_vars: set[ir.Var] = set(jaxpr.invars)
    linear_eqns = []
    Var = ir.Var
    for eqn in jaxpr.eqns:
        for v in eqn.invars:
            if type(v) is Var and v in linear_vars:
                linear_vars.update(eqn.outvars)
                linear_eqns.append(eqn)
                break
        else:
            # Non-linear equations (of residuals only) are evaluated forward first.
            evaluate.write_outputs(env, eqn, evaluate.bind_eqn(eqn, [read(v) for v in eqn.invars]))
    ct_env: dict[ir.Var, object] = {}
    for v, ct in zip(jaxpr.outvars, cts_out, strict=True):
        if isinstance(v, ir.Var) and v in linear_vars:
            _accumulate(ct_env, v, ct)
    for eqn in reversed(linear_eqns):
        _transpose_eqn(eqn, ct_env, read, linear_vars)
    return [core.instantiate(ct_env.get(v, ir.Zero(v.aval))) for v in jaxpr.invars]


# --------------------------------------------------------------------------- reverse mode


def vjp_split(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool],
              want: Sequence[bool] | None = None, cts: Sequence | None = None
              ) -> tuple[ir.ClosedJaxpr, ir.ClosedJaxpr, int, list[bool]]:
    """Reverse mode as two programs: linearize, then transpose the linear part.

    Args:
      nonzeros: for each input, whether it is differentiated (only float inputs may be).
      want: for each output, whether it is differentiated (default all).
      cts: fixed cotangents of the wanted outputs (values), instead of inputs.

    Returns:
      `(primal, transposed, num_res, out_nonzeros)`: `primal` maps the inputs to the outputs
      followed by `num_res` residuals; `transposed` maps the residuals followed by one
      cotangent per wanted output (none if `cts` is given) to one cotangent per nonzero input.
      Its residual inputs stand for the primal program's residual outputs: nothing is
      evaluated here.
      `out_nonzeros` flags the outputs whose cotangents are read (the others' are ignored).
    """
    want = [True] * len(closed.jaxpr.outvars) if want is None else list(want)
    primal, linear, out_nz, nres = linearize_jaxpr(closed, nonzeros, want)
    res_vars = linear.invars[:nres]
    ct_avals = [v.aval.strip_weak() for v, w in zip(closed.jaxpr.outvars, want, strict=True)
                if w]
    n_ct = 0 if cts is not None else len(ct_avals)
    wanted_nz = [nz for nz, w in zip(out_nz, want, strict=True) if w]
    lin = ir.Jaxpr([], linear.invars[nres:], linear.eqns, linear.outvars)

    def body(_: list, args: list) -> list:
        given = list(cts) if cts is not None else args[nres:]
        return _backward(lin, res_vars, args[:nres],
                         [c for c, nz in zip(given, wanted_nz, strict=True) if nz])

    transposed = core.rewrite_closed(
        [], [v.aval for v in res_vars] + (ct_avals if n_ct else []), body)
    return primal, optimize.dce_closed(transposed), nres, out_nz


def vjp_jaxpr(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool],
              want: Sequence[bool] | None = None) -> ir.ClosedJaxpr:
    """The program `(inputs, cotangents of the wanted outputs) -> (outputs, cotangents of the
    nonzero inputs)`: linearize and transpose in one builder, the residuals flowing from the
    primal equations to the transposed ones as variables."""
    want = [True] * len(closed.jaxpr.outvars) if want is None else list(want)
    ct_avals = [v.aval.strip_weak() for v, w in zip(closed.jaxpr.outvars, want, strict=True)
                if w]
    return _reverse(closed, nonzeros, want, ct_avals, None)


def grad_jaxpr(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool]) -> ir.ClosedJaxpr:
    """The program `inputs -> (outputs, gradients of output 0 with respect to the nonzero
    inputs)`: output 0 is a real scalar (its cotangent is one); the other outputs (a
    function's aux values) pass through undifferentiated."""
    out0 = closed.jaxpr.outvars[0].aval
    want = [i == 0 for i in range(len(closed.jaxpr.outvars))]
    return _reverse(closed, nonzeros, want, [], [np.ones((), out0.dtype)])


def _reverse(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool], want: Sequence[bool],
             ct_avals: Sequence[ir.ShapedArray], cts: Sequence | None) -> ir.ClosedJaxpr:
    n_in = len(closed.jaxpr.invars)

    def body(consts: list, args: list) -> list:
        out_nz: list[bool] = []
        outs, lin, residuals = _linearize_here(closed, consts, args[:n_in], nonzeros, want,
                                               False, out_nz)
        given = list(cts) if cts is not None else args[n_in:]
        wanted_nz = [nz for nz, w in zip(out_nz, want, strict=True) if w]
        in_cts = _backward(lin, lin.constvars, residuals,
                           [c for c, nz in zip(given, wanted_nz, strict=True) if nz])
        return [*outs, *in_cts]

    return core.rewrite_closed(closed.consts, [*closed.jaxpr.in_avals, *ct_avals], body)


def _accumulate(ct_env: dict, v: ir.Var, ct: Any) -> None:
    if ct is None or isinstance(ct, ir.Zero):
        return
    prev = ct_env.get(v)
    if prev is None:
        ct_env[v] = ct
    else:
        ct_env[v] = elementwise.add(prev, ct)


def _transpose_eqn(eqn: ir.JaxprEqn, ct_env: dict, read: Callable[[ir.Atom], Any],
                   linear_vars: set) -> None:
    # Plain loops, as in `_jvp_eqn` (every linear equation of every reverse-mode build).
    prim = eqn.primitive
    outvars = eqn.outvars
    if not prim.multiple_results:
        ct = ct_env.pop(outvars[0], None)
        if ct is None:
            return   # zero cotangent: nothing flows back
    else:
        cts = [ct_env.pop(v, None) for v in outvars]
        if all(c is None for c in cts):
            return
        ct = [ir.Zero(v.aval) if c is None else c for v, c in zip(outvars, cts, strict=True)]
    if prim.transpose is None:
        raise _not_implemented(prim, "transpose")
    Var = ir.Var
    args = []
    for v in eqn.invars:
        if type(v) is Var and v in linear_vars:
            args.append(ir.UndefPrimal(v.aval))
        else:
            args.append(read(v))
    with core.source_override(evaluate.rule_source(eqn.source_info, "transpose", prim)):
        cts_in = prim.transpose(ct, *args, **eqn.params)
        if _NAN_SAFE[0] and prim.linear_in and not prim.linear:
            cts_in = _strong_zeros(ct, args, cts_in)
    for v, c in zip(eqn.invars, cts_in, strict=True):
        if type(v) is Var and v in linear_vars:
            _accumulate(ct_env, v, c)


# --------------------------------------------------------------------------- nan_safe

# The `nan_safe` convention (functrans.debug.nan_safe): process-wide, read while rewriting.
_NAN_SAFE = [False]


def set_nan_safe(enabled: bool) -> None:
    """Turn the `nan_safe` convention of reverse mode on or off, process-wide. Programs built
    under the other setting are stale: changing it counts as a change of rules, so the
    program cache rebuilds them."""
    if _NAN_SAFE[0] != bool(enabled):
        _NAN_SAFE[0] = bool(enabled)
        core._rules_changed()


def nan_safe_enabled() -> bool:
    return _NAN_SAFE[0]


def _strong_zeros(ct: Any, args: Sequence, cts_in: Sequence) -> list:
    """Cotangents of an elementwise transpose with a partial derivative as an operand (`mul`,
    `div`), under `nan_safe`: a zero cotangent contributes zero whatever the partial (0 * inf
    and 0 * nan are 0), and an indeterminate form of non-NaN factors (inf * 0, inf / inf)
    is 0."""
    if isinstance(ct, (list, tuple)):
        return list(cts_in)   # multiple results: not an elementwise product
    ct_aval = core.get_aval(ct)
    if not dtypes.is_differentiable(ct_aval.dtype):
        return list(cts_in)
    residuals = [a for a in args if not isinstance(a, ir.UndefPrimal)
                 and core.get_aval(a).dtype == ct_aval.dtype
                 and core.get_aval(a).shape in (ct_aval.shape, ())]
    if not residuals:
        return list(cts_in)   # no partial derivative among the operands (select)
    out = []
    for c in cts_in:
        if c is None or isinstance(c, ir.Zero) or core.get_aval(c).shape != ct_aval.shape:
            out.append(c)
            continue
        # drop where: ct == 0, or (c is nan and neither ct nor a residual is nan)
        fresh = comparison.and_(comparison.ne(c, c), comparison.eq(ct, ct))
        for r in residuals:
            fresh = comparison.and_(fresh, elementwise.broadcast_to_aval(
                comparison.eq(r, r), ct_aval))
        drop = comparison.or_(comparison.eq(ct, elementwise.scalar_like(0, ct)), fresh)
        zeros = elementwise.broadcast_to_aval(elementwise.scalar_like(0, ct), ct_aval)
        out.append(elementwise.select(drop, zeros, c))
    return out
