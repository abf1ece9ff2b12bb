"""Known/unknown split of a program (partial evaluation).

Owns `partial_eval_jaxpr`: given which inputs are known, split a program into a known part
(computable now) and an unknown part that takes the known part's residuals. `linearize`
uses it on a JVP program with known primals and unknown tangents, which leaves the unknown
part linear in the tangents. Does not own any differentiation rule.
"""
from __future__ import annotations

from collections.abc import Sequence

from functrans import core, ir


def partial_eval_jaxpr(closed: ir.ClosedJaxpr, unknowns: Sequence[bool],
                       instantiate: Sequence[bool] | None = None
                       ) -> tuple[ir.ClosedJaxpr, ir.Jaxpr, list[bool], int]:
    """Split `closed` by which inputs are unknown.

    Returns:
      known: a ClosedJaxpr of the known inputs whose outputs are the known outputs of
        `closed` followed by the residuals.
      unknown: a Jaxpr whose invars are the residuals followed by the unknown inputs and whose
        outvars are the unknown outputs of `closed`.
      out_unknowns: which outputs of `closed` are unknown.
      num_res: the number of residuals.
    `instantiate` flags outputs that must come out of the unknown part even when they are
    known (JVP tangents that happen to be constants): they become residuals.
    A primitive with a `partial_eval(eqn, in_unknowns) -> (known_eqn, unknown_eqn,
    out_unknowns)` hook (control flow, jit calls) is split into two equations; the known one
    defines the eqn's known outputs plus new residual variables that the unknown one reads.
    """
    jaxpr = closed.jaxpr
    unknown_vars: set[ir.Var] = {v for v, u in zip(jaxpr.invars, unknowns, strict=True) if u}
    known_eqns, unknown_eqns = [], []
    for eqn in jaxpr.eqns:
        in_unknowns = [isinstance(v, ir.Var) and v in unknown_vars for v in eqn.invars]
        if not any(in_unknowns):
            known_eqns.append(eqn)
        elif (all(in_unknowns) or not isinstance(eqn.primitive, core.HigherOrderPrimitive)
              or eqn.primitive.partial_eval is None):
            unknown_eqns.append(eqn)
            unknown_vars.update(eqn.outvars)
        else:
            # A higher-order primitive splits itself: a known equation that also returns
            # residuals, and an unknown one that reads them.
            known_eqn, unknown_eqn, out_unknowns = eqn.primitive.partial_eval(eqn, in_unknowns)
            if known_eqn is not None:
                known_eqns.append(known_eqn)
            if unknown_eqn is not None:
                unknown_eqns.append(unknown_eqn)
            unknown_vars.update(v for v, u in zip(eqn.outvars, out_unknowns, strict=True) if u)
    out_unknowns = [isinstance(v, ir.Var) and v in unknown_vars for v in jaxpr.outvars]
    forced: list[ir.Var] = []
    for i, inst in enumerate(instantiate or ()):
        # A known output asked for on the unknown side is passed over as a residual.
        if inst and not out_unknowns[i]:
            out_unknowns[i] = True
            if isinstance(jaxpr.outvars[i], ir.Var):
                forced.append(jaxpr.outvars[i])
    # Residuals: known variables the unknown side reads, in first-use order, without repeats.
    residuals: dict[ir.Var, None] = {}
    for eqn in unknown_eqns:
        for v in eqn.invars:
            if isinstance(v, ir.Var) and v not in unknown_vars:
                residuals[v] = None
    residuals.update(dict.fromkeys(forced))
    res = list(residuals)
    known_ins = [v for v, u in zip(jaxpr.invars, unknowns, strict=True) if not u]
    known_outs = [v for v, u in zip(jaxpr.outvars, out_unknowns, strict=True) if not u]
    known = ir.ClosedJaxpr(
        ir.Jaxpr(jaxpr.constvars, known_ins, known_eqns, known_outs + res), closed.consts)
    unknown_ins = [v for v, u in zip(jaxpr.invars, unknowns, strict=True) if u]
    unknown_outs = [v for v, u in zip(jaxpr.outvars, out_unknowns, strict=True) if u]
    unknown = ir.Jaxpr([], res + unknown_ins, unknown_eqns, unknown_outs)
    return known, unknown, out_unknowns, len(res)
