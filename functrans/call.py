"""The `jit` call primitive: one equation that carries a whole sub-program.

Owns `jit_p` and its rules. Inside another transformation a jitted function appears as one
`jit[name=... jaxpr={...}]` equation, and every rule transforms the sub-program as a unit
with the IR-to-IR rewrites (JVP, transpose, batching, partial evaluation, DCE), then binds a
new `jit` equation on the result. The sub-program has no constvars: its constants are passed
as leading operands, so tracers of enclosing traces never hide inside params.
"""
from __future__ import annotations

from collections.abc import Sequence

from functrans import core, evaluate, ir
from functrans.interpreters import ad, batching, optimize, partial_eval

jit_p = core.HigherOrderPrimitive("jit", multiple_results=True)


def bind_closed(closed: ir.ClosedJaxpr, args: Sequence, name: str) -> list:
    jaxpr, consts = ir.open_consts(closed)
    return jit_p.bind(*consts, *args, jaxpr=jaxpr, name=name)


def _impl(*args, jaxpr: ir.Jaxpr, name: str):
    return evaluate.eval_jaxpr(jaxpr, [], *args)


def _abstract_eval(*avals, jaxpr: ir.Jaxpr, name: str):
    return ir.call_out_avals(f"jit[{name}]", avals, jaxpr)


def _jvp(primals, tangents, *, jaxpr: ir.Jaxpr, name: str):
    nonzeros = [not isinstance(t, ir.Zero) for t in tangents]
    jvp_closed, out_nz = ad.jvp_jaxpr(ir.ClosedJaxpr(jaxpr, []), nonzeros)
    jvp_closed = optimize.dce_closed(jvp_closed)
    nz_tangents = [t for t in tangents if not isinstance(t, ir.Zero)]
    outs = bind_closed(jvp_closed, [*primals, *nz_tangents], name)
    n = len(jaxpr.outvars)
    touts = iter(outs[n:])
    return outs[:n], [next(touts) if nz else ir.Zero(v.aval.strip_weak())
                      for nz, v in zip(out_nz, jaxpr.outvars, strict=True)]


def _transpose(cts, *args, jaxpr: ir.Jaxpr, name: str):
    linear = [isinstance(a, ir.UndefPrimal) for a in args]
    nonlin_vars = [v for v, lin in zip(jaxpr.invars, linear, strict=True) if not lin]
    lin_vars = [v for v, lin in zip(jaxpr.invars, linear, strict=True) if lin]
    nonlin_vals = [a for a in args if not isinstance(a, ir.UndefPrimal)]
    sub = ir.ClosedJaxpr(ir.Jaxpr(nonlin_vars, lin_vars, jaxpr.eqns, jaxpr.outvars),
                         nonlin_vals)
    transposed = optimize.dce_closed(ad.transpose_jaxpr(sub, len(lin_vars)))
    cts = [core.instantiate(c) for c in cts]
    got = iter(bind_closed(transposed, cts, f"transpose({name})"))
    return tuple(next(got) if lin else None for lin in linear)


def _batch(args, dims, *, axis_size: int, jaxpr: ir.Jaxpr, name: str):
    batched, out_dims = batching.batch_jaxpr(ir.ClosedJaxpr(jaxpr, []), axis_size, dims)
    return bind_closed(optimize.dce_closed(batched), args, name), out_dims


def _partial_eval(eqn: ir.JaxprEqn, in_unknowns: list[bool]):
    jaxpr, name = eqn.params["jaxpr"], eqn.params["name"]
    known, unknown, out_unknowns, num_res = partial_eval.partial_eval_jaxpr(
        ir.ClosedJaxpr(jaxpr, []), in_unknowns)
    assert not known.consts   # splitting a const-free program creates no constants
    known_jaxpr = known.jaxpr
    res_vars = [ir.Var(v.aval) for v in unknown.invars[:num_res]]
    known_ins = [v for v, u in zip(eqn.invars, in_unknowns, strict=True) if not u]
    known_outs = [v for v, u in zip(eqn.outvars, out_unknowns, strict=True) if not u]
    known_eqn = ir.JaxprEqn(jit_p, known_ins, [*known_outs, *res_vars],
                            {"jaxpr": known_jaxpr, "name": name}, eqn.source_info)
    unknown_ins = [v for v, u in zip(eqn.invars, in_unknowns, strict=True) if u]
    unknown_outs = [v for v, u in zip(eqn.outvars, out_unknowns, strict=True) if u]
    unknown_eqn = ir.JaxprEqn(jit_p, [*res_vars, *unknown_ins], unknown_outs,
                                {"jaxpr": optimize.dce_jaxpr(unknown), "name": name},
                                eqn.source_info)
    return known_eqn, unknown_eqn, out_unknowns


def _dce(eqn: ir.JaxprEqn, used_outputs: list[bool]) -> ir.JaxprEqn:
    jaxpr = optimize.dce_jaxpr(eqn.params["jaxpr"], used_outputs)
    used_in = set(v for e in jaxpr.eqns for v in e.invars if isinstance(v, ir.Var))
    used_in.update(v for v in jaxpr.outvars if isinstance(v, ir.Var))
    keep = [v in used_in for v in jaxpr.invars]
    jaxpr = ir.Jaxpr([], [v for v, k in zip(jaxpr.invars, keep, strict=True) if k],
                     jaxpr.eqns, jaxpr.outvars)
    return eqn.replace(
        invars=[v for v, k in zip(eqn.invars, keep, strict=True) if k],
        outvars=[v for v, u in zip(eqn.outvars, used_outputs, strict=True) if u],
        params={**eqn.params, "jaxpr": jaxpr})


jit_p.def_impl(_impl)
jit_p.def_abstract_eval(_abstract_eval)
jit_p.def_jvp(_jvp)
jit_p.def_transpose(_transpose)
jit_p.def_batch(_batch)
jit_p.def_partial_eval(_partial_eval)
jit_p.def_dce(_dce)
jit_p.def_subjaxprs(lambda params: [params["jaxpr"]])
