"""IR-to-IR optimization passes. Each takes a program and returns a new, equivalent one.

Owns: dead-code elimination (`dce_jaxpr`, `dce_closed`). Passes never change results: they
drop only equations whose outputs nobody reads. All passes are iterative (no recursion that
grows with program length).
"""
from __future__ import annotations

from typing import Sequence

from functrans import core


def dce_jaxpr(jaxpr: core.Jaxpr, used_outputs: Sequence[bool] | None = None) -> core.Jaxpr:
    """`jaxpr` without the equations no (used) output depends on; inputs are kept.

    Args:
      used_outputs: which outputs to keep (default: all); unused ones are removed.
    """
    outvars = jaxpr.outvars if used_outputs is None else [
        v for v, used in zip(jaxpr.outvars, used_outputs, strict=True) if used]
    live = {v for v in outvars if isinstance(v, core.Var)}
    kept: list[core.JaxprEqn] = []
    for eqn in reversed(jaxpr.eqns):
        used = [v in live for v in eqn.outvars]
        if not any(used):
            continue
        if eqn.primitive.dce is not None and not all(used):
            # Higher-order equations drop unused outputs (and what computes them) inside.
            eqn = eqn.primitive.dce(eqn, used)
        live.update(v for v in eqn.invars if isinstance(v, core.Var))
        kept.append(eqn)
    kept.reverse()
    constvars = [v for v in jaxpr.constvars if v in live]
    return core.Jaxpr(constvars, jaxpr.invars, kept, outvars)


def dce_closed(closed: core.ClosedJaxpr,
               used_outputs: Sequence[bool] | None = None) -> core.ClosedJaxpr:
    """`dce_jaxpr` on a ClosedJaxpr, dropping the constants no longer used."""
    jaxpr = dce_jaxpr(closed.jaxpr, used_outputs)
    kept = set(jaxpr.constvars)
    consts = [c for v, c in zip(closed.jaxpr.constvars, closed.consts, strict=True) if v in kept]
    return core.ClosedJaxpr(jaxpr, consts)


def optimize(closed: core.ClosedJaxpr) -> core.ClosedJaxpr:
    """The standard pipeline run after every transformation."""
    return dce_closed(closed)
