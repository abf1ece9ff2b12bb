"""Automatic differentiation as IR rewrites: `jvp_jaxpr`, `linearize_jaxpr`, `transpose_jaxpr`.

Forward mode replays each equation through its primitive's JVP rule, carrying symbolic
`Zero` tangents so that nothing is computed for values that do not depend on the
differentiated inputs. Reverse mode is linearize (JVP, then partial evaluation into a primal
part and a part linear in the tangents) followed by transposition of the linear part, walking
its equations backwards and accumulating cotangents. No rule here is specific to a primitive.
"""
from __future__ import annotations

from typing import Sequence

from functrans import core, dtypes, evaluate, ir
from functrans.interpreters import optimize, partial_eval
from functrans.primitives import elementwise


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

    def body(consts, args):
        outs, touts = _jvp_walk(closed.jaxpr, consts, args[:n_in], args[n_in:], nonzeros,
                                want_tangents, instantiate, out_nonzeros)
        return outs + touts

    in_avals = [*closed.jaxpr.in_avals, *_tangent_avals(closed.jaxpr, nonzeros)]
    return core.rewrite_closed(closed.consts, in_avals, body), out_nonzeros


def linearize_values(closed: ir.ClosedJaxpr, primals: Sequence, nonzeros: Sequence[bool],
                     want_tangents: Sequence[bool] | None = None):
    """Linearize at concrete `primals`: the JVP rewrite with the primal half evaluated at once.

    This is `linearize_jaxpr` followed by evaluation of its primal program, fused: the JVP
    rules run on concrete primal values, so their primal computations fold to constants while
    tracing (bind with no traced operand evaluates), and only the tangent computations are
    recorded. Partial evaluation happens online, with no separate pass. Only for use outside
    any enclosing trace (concrete `primals` and constants).

    Returns:
      `(outs, linear, out_nonzeros)`: the primal outputs (NumPy values), a ClosedJaxpr mapping
      the tangents of the nonzero inputs to the tangents of the outputs flagged in
      `out_nonzeros` (its constants are the residuals), and those flags.
    """
    outs: list = []
    out_nonzeros: list[bool] = []

    def body(_, tangents):
        primal_outs, touts = _jvp_walk(closed.jaxpr, closed.consts, primals, tangents, nonzeros,
                                       want_tangents, False, out_nonzeros)
        outs.extend(primal_outs)
        return touts

    linear = core.rewrite_closed([], _tangent_avals(closed.jaxpr, nonzeros), body)
    return outs, optimize.dce_closed(linear), out_nonzeros


def _tangent_avals(jaxpr: ir.Jaxpr, nonzeros: Sequence[bool]) -> list[ir.ShapedArray]:
    return [v.aval.strip_weak() for v, nz in zip(jaxpr.invars, nonzeros, strict=True) if nz]


def _jvp_walk(jaxpr: ir.Jaxpr, consts, primals, tangents, nonzeros, want_tangents,
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

    def read_t(v):
        t = tenv.get(v) if isinstance(v, ir.Var) else None
        return ir.Zero(v.aval) if t is None else t

    for eqn in jaxpr.eqns:
        _jvp_eqn(eqn, read, read_t, env, tenv)
    touts = []
    for v, w in zip(jaxpr.outvars, want, strict=True):
        t = read_t(v) if w else ir.Zero(v.aval)
        if w and instantiate:
            t = core.instantiate(t)
        out_nonzeros.append(not isinstance(t, ir.Zero))
        if not isinstance(t, ir.Zero):
            touts.append(t)
    return [read(v) for v in jaxpr.outvars], touts


def _jvp_eqn(eqn: ir.JaxprEqn, read, read_t, env: dict, tenv: dict) -> None:
    prim = eqn.primitive
    primals = [read(v) for v in eqn.invars]
    tangents = [read_t(v) for v in eqn.invars]
    with core.source_override(eqn.source_info):
        if not prim.differentiable or all(isinstance(t, ir.Zero) for t in tangents):
            outs, touts = prim.bind(*primals, **eqn.params), None
        else:
            if prim.jvp is None:
                raise _not_implemented(prim, "JVP")
            outs, touts = prim.jvp(primals, tangents, **eqn.params)
    if not prim.multiple_results:
        outs, touts = [outs], (None if touts is None else [touts])
    for i, v in enumerate(eqn.outvars):
        env[v] = outs[i]
        if touts is not None and dtypes.is_differentiable(v.aval.dtype):
            t = touts[i]
            if not isinstance(t, ir.Zero):
                tenv[v] = t


def linearize_jaxpr(closed: ir.ClosedJaxpr, nonzeros: Sequence[bool],
                    want_tangents: Sequence[bool] | None = None):
    """JVP, then split into the primal program and a program linear in the tangents.

    Returns `(primal, linear, out_nonzeros, num_res)`: `primal` maps the primal inputs to the
    primal outputs followed by `num_res` residuals; `linear` is a Jaxpr whose invars are the
    residuals followed by the tangents of the nonzero inputs, and whose outvars are the
    tangents of the outputs flagged in `out_nonzeros`.
    """
    jvp, out_nonzeros = jvp_jaxpr(closed, nonzeros, want_tangents)
    jvp = optimize.dce_closed(jvp)
    n_in = len(closed.jaxpr.invars)
    unknowns = [False] * n_in + [True] * sum(nonzeros)
    n_out = len(closed.jaxpr.outvars)
    instantiate = [False] * n_out + [True] * sum(out_nonzeros)
    known, linear, out_unknowns, num_res = partial_eval.partial_eval_jaxpr(
        jvp, unknowns, instantiate)
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
    assert num_linear_in == len(jaxpr.invars)

    def body(consts, cts_out):
        env = dict(zip(jaxpr.constvars, consts, strict=True))
        read = evaluate.env_reader(env)
        linear_vars: set[ir.Var] = set(jaxpr.invars)
        linear_eqns = []
        for eqn in jaxpr.eqns:
            if any(isinstance(v, ir.Var) and v in linear_vars for v in eqn.invars):
                linear_vars.update(eqn.outvars)
                linear_eqns.append(eqn)
            else:
                # Non-linear equations (of residuals only) are evaluated forward first.
                outs = evaluate.bind_eqn(eqn, [read(v) for v in eqn.invars])
                evaluate.write_outputs(env, eqn, outs)
        ct_env: dict[ir.Var, object] = {}
        for v, ct in zip(jaxpr.outvars, cts_out, strict=True):
            if isinstance(v, ir.Var) and v in linear_vars:
                _accumulate(ct_env, v, ct)
        for eqn in reversed(linear_eqns):
            _transpose_eqn(eqn, ct_env, read, linear_vars)
        return [core.instantiate(ct_env.get(v, ir.Zero(v.aval))) for v in jaxpr.invars]

    return core.rewrite_closed(linear.consts, [v.aval.strip_weak() for v in jaxpr.outvars], body)


def _accumulate(ct_env: dict, v: ir.Var, ct) -> None:
    if ct is None or isinstance(ct, ir.Zero):
        return
    prev = ct_env.get(v)
    if prev is None:
        ct_env[v] = ct
    else:
        ct_env[v] = elementwise.add(prev, ct)


def _transpose_eqn(eqn: ir.JaxprEqn, ct_env: dict, read, linear_vars: set) -> None:
    prim = eqn.primitive
    cts = [ct_env.pop(v, None) for v in eqn.outvars]
    if all(c is None for c in cts):
        return   # zero cotangent: nothing flows back
    if prim.transpose is None:
        raise _not_implemented(prim, "transpose")
    if prim.multiple_results:
        ct = [ir.Zero(v.aval) if c is None else c for v, c in zip(eqn.outvars, cts, strict=True)]
    else:
        ct = cts[0]
    args = [ir.UndefPrimal(v.aval) if isinstance(v, ir.Var) and v in linear_vars
            else read(v) for v in eqn.invars]
    with core.source_override(eqn.source_info):
        cts_in = prim.transpose(ct, *args, **eqn.params)
    for v, c in zip(eqn.invars, cts_in, strict=True):
        if isinstance(v, ir.Var) and v in linear_vars:
            _accumulate(ct_env, v, c)
