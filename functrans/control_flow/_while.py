"""The `while` primitive: `carry = body(carry)` while `cond(carry)`, with all of its rules.

Reverse mode through `while` (which JAX refuses) works by partial evaluation: the known part
of a linearized loop becomes a `while` that also counts its trips and stacks the residuals
each trip needs (`num_ys` stacked outputs, of type `f64[*,3]`: `*` is a leading length known
only at run time), and the linear part becomes a `scan` of dynamic length (`length=None`,
trip count as first operand) over those stacks, which transposes like any scan. See
docs/control_flow.md. Does not own `scan` (`_scan`), the shared helpers (`_common`) or the
user-facing `lax.while_loop` / `lax.fori_loop` (`lax.py`).
"""
from __future__ import annotations

from collections.abc import Sequence

from functrans import backend, core, dtypes, errors, evaluate, ir
from functrans.control_flow import _common, _scan
from functrans.interpreters import optimize
from functrans.primitives import elementwise, reductions

Zero = ir.Zero

while_p = core.HigherOrderPrimitive("while", multiple_results=True)


def while_loop(cond_jaxpr: ir.Jaxpr, body_jaxpr: ir.Jaxpr, cond_consts: Sequence,
               body_consts: Sequence, init: Sequence, num_ys: int = 0) -> list:
    """Bind `while`: `carry = body(carry)` while `cond(carry)`; `num_ys` extra body outputs
    are stacked over the trips (leading size `*`)."""
    return while_p.bind(*cond_consts, *body_consts, *init, cond_jaxpr=cond_jaxpr,
                        body_jaxpr=body_jaxpr, cond_nconsts=len(cond_consts),
                        body_nconsts=len(body_consts), num_ys=num_ys)


@while_p.def_impl
def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, num_ys):
    cconsts, bconsts, carry = _common._split3(args, cond_nconsts, body_nconsts)
    n = len(carry)
    ys: list[list] = [[] for _ in range(num_ys)]
    cond, body = _common._numpy_runner(cond_jaxpr), _common._numpy_runner(body_jaxpr)
    while cond(*cconsts, *carry)[0]:
        outs = body(*bconsts, *carry)
        carry = backend.settle(outs[:n])
        for acc, y in zip(ys, outs[n:], strict=True):
            acc.append(y)
    out_avals = body_jaxpr.out_avals
    return (_common._as_arrays(carry, body_jaxpr.in_avals[body_nconsts:])
            + [_common._stack(acc, a) for acc, a in zip(ys, out_avals[n:], strict=True)])


@while_p.def_abstract_eval
def _while_abstract_eval(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, num_ys):
    cconsts, bconsts, carry = _common._split3(avals, cond_nconsts, body_nconsts)
    _common._check_operands("while", "cond_jaxpr", cconsts + carry, cond_jaxpr.invars)
    _common._check_operands("while", "body_jaxpr", bconsts + carry, body_jaxpr.invars)
    preds = cond_jaxpr.out_avals
    if len(preds) != 1 or preds[0].shape != () or preds[0].dtype != dtypes.bool_:
        raise errors.ShapeError("while: cond_jaxpr must return one bool scalar, got "
                                f"({', '.join(a.str_short() for a in preds)})")
    outs = body_jaxpr.out_avals
    if len(outs) != len(carry) + num_ys:
        raise errors.ShapeError(f"while: body_jaxpr returns {len(outs)} values, expected "
                                f"{len(carry)} carries and {num_ys} stacked outputs")
    _common._check_carry("while", carry, outs[:len(carry)])
    return ([v.aval for v in body_jaxpr.invars[body_nconsts:]]
            + [_common.stacked_aval(a, ir.DYN) for a in outs[len(carry):]])


@while_p.def_jvp
def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
               num_ys):
    cconsts, bconsts, init = _common._split3(primals, cond_nconsts, body_nconsts)
    _, bconst_t, init_t = _common._split3(tangents, cond_nconsts, body_nconsts)
    n, bc_nz = len(init), _common._nonzero(bconst_t)
    out_nz: list[bool] = []

    def step(carry_nz):
        out_nz[:] = _common.jvp_sub(body_jaxpr, bc_nz + carry_nz)[1]
        return out_nz[:n]

    carry_nz = _common._fixpoint(_common._nonzero(init_t), step)
    ys_nz = out_nz[n:]
    prog, pconsts, _ = _common._jvp_program(body_jaxpr, bc_nz + carry_nz, carry_nz + ys_nz)
    k_b, k_c, k_y = sum(bc_nz), sum(carry_nz), sum(ys_nz)
    P, B, C, BT, CT = _common._chunks(range(len(prog.invars)),
                                      [len(pconsts), body_nconsts, n, k_b, k_c])
    C_OUT, Y, CT_OUT, YT = _common._chunks(range(len(prog.outvars)), [n, num_ys, k_c, k_y])
    body = _common._permute(prog, P + B + BT + C + CT, C_OUT + CT_OUT + Y + YT)
    # The trip count does not depend on tangents: cond ignores the tangent carries.
    unused = [ir.Var(prog.invars[i].aval) for i in CT]
    cond = ir.Jaxpr([], [*cond_jaxpr.invars, *unused], cond_jaxpr.eqns, cond_jaxpr.outvars)
    init_t = [core.instantiate(t) for t, z in zip(init_t, carry_nz, strict=True) if z]
    bconst_t = [t for t in bconst_t if not isinstance(t, Zero)]
    outs = while_loop(cond, body, cconsts, [*pconsts, *bconsts, *bconst_t], [*init, *init_t],
                      num_ys + k_y)
    carry, carry_t, ys, ys_t = _common._chunks(outs, [n, k_c, num_ys, k_y])
    return carry + ys, _common._tangents_out(carry + ys, carry_nz + ys_nz, carry_t + ys_t)


@while_p.def_batch
def _while_batch(args, dims, *, axis_size, cond_jaxpr, body_jaxpr, cond_nconsts,
                 body_nconsts, num_ys):
    cconsts, bconsts, init = _common._split3(args, cond_nconsts, body_nconsts)
    cdims, bdims, idims = _common._split3(dims, cond_nconsts, body_nconsts)
    n = len(init)

    def step(carry_b):
        return [d is not None for d in
                _common.batch_sub(body_jaxpr, axis_size,
                                     bdims + _common._dims(carry_b))[1][:n]]

    carry_b = _common._fixpoint([d is not None for d in idims], step)
    pred_dim = _common.batch_sub(cond_jaxpr, axis_size,
                                    cdims + _common._dims(carry_b))[1][0]
    if pred_dim is not None:
        carry_b = [True] * n   # lanes stop at different trips: each needs its own carry
    carry_dims = _common._dims(carry_b)
    got = _common.batch_sub(body_jaxpr, axis_size, bdims + carry_dims)[1]
    ys_b = [d is not None for d in got[n:]]
    body = _common.batch_sub(body_jaxpr, axis_size, bdims + carry_dims,
                                carry_dims + _common._dims(ys_b))[0]
    cond = _common.batch_sub(cond_jaxpr, axis_size, cdims + carry_dims,
                                _common._dims([pred_dim is not None]))[0]
    init = [_common._batched(x, d, b, axis_size)
            for x, d, b in zip(init, idims, carry_b, strict=True)]
    if pred_dim is None:
        cj, cc = ir.open_consts(cond)
        bj, bc = ir.open_consts(body)
        outs = while_loop(cj, bj, [*cc, *cconsts], [*bc, *bconsts], init, num_ys)
    else:
        outs = _while_batched_pred(cconsts, bconsts, init, cond, body, num_ys)
    return outs, carry_dims + [1 if b else None for b in ys_b]


def _while_batched_pred(cconsts, bconsts, init, cond, body, num_ys) -> list:
    """Run until every lane's predicate is false; lanes already done keep their carry."""
    n = len(init)
    c_avals = [core.get_aval(x) for x in cconsts]
    b_avals = [core.get_aval(x) for x in bconsts]
    carry_avals = [core.get_aval(x) for x in init]

    def cond_fn(*args):
        (pred,) = evaluate.eval_jaxpr(cond.jaxpr, cond.consts, *args)
        return [reductions.reduce_max(pred, (0,))]

    def body_fn(*args):
        c, b, carry = _common._split3(args, len(cconsts), len(bconsts))
        (pred,) = evaluate.eval_jaxpr(cond.jaxpr, cond.consts, *c, *carry)
        outs = evaluate.eval_jaxpr(body.jaxpr, body.consts, *b, *carry)
        return _common._select_lanes(pred, outs[:n], carry) + outs[n:]

    cj, cc = _common.trace_body(cond_fn, c_avals + carry_avals)
    bj, bc = _common.trace_body(body_fn, c_avals + b_avals + carry_avals)
    return while_loop(cj, bj, [*cc, *cconsts], [*bc, *cconsts, *bconsts], init, num_ys)


def _while_partial_eval(eqn: ir.JaxprEqn, in_unknowns: list[bool]):
    """Known part: the loop on the known carries, counting trips and stacking the residuals.
    Unknown part: a dynamic-length scan over those stacks (see the module docstring)."""
    p = eqn.params
    cond_jaxpr, body_jaxpr = p["cond_jaxpr"], p["body_jaxpr"]
    nc, nb, num_ys = p["cond_nconsts"], p["body_nconsts"], p["num_ys"]
    cc_uk, bc_uk, init_uk = _common._split3(in_unknowns, nc, nb)
    n = len(init_uk)
    carry_uk = _common._fixpoint(
        list(init_uk), lambda uk: _common._unknown_outs(body_jaxpr, bc_uk + uk)[:n])
    kcond, _, cond_uk, _ = _common._split(cond_jaxpr, cc_uk + carry_uk, [False])
    if cond_uk[0]:
        return None, eqn, [True] * len(eqn.outvars)   # the trip count itself is unknown
    known, unknown, out_uk, num_res = _common._split(body_jaxpr, bc_uk + carry_uk,
                                                     carry_uk + [False] * num_ys)
    res = known.outvars[len(known.outvars) - num_res:]
    known_consts = {v: o for v, o, u in zip(body_jaxpr.invars[:nb], eqn.invars[nc:nc + nb],
                                            bc_uk, strict=True) if not u}
    stacked = [r for r in res if r not in known_consts]
    count = ir.Var(_common._COUNT_AVAL)
    res_vars = [ir.Var(_common.stacked_aval(r.aval, ir.DYN)) for r in stacked]
    known_eqn = _while_known_eqn(eqn, kcond, known, num_res, stacked, count, res_vars,
                                 cc_uk, bc_uk, carry_uk, out_uk)
    # The linear part reads loop-invariant residuals as consts and the stacked ones as xs.
    res_in = unknown.invars[:num_res]
    fwd_in = [v for v, r in zip(res_in, res, strict=True) if r in known_consts]
    stk_in = [v for v, r in zip(res_in, res, strict=True) if r not in known_consts]
    nub = bc_uk.count(True)
    uk_ins = unknown.invars[num_res:]
    body = optimize.dce_jaxpr(ir.Jaxpr([], fwd_in + uk_ins + stk_in, unknown.eqns,
                                       unknown.outvars))
    _, bc_ops, init_ops = _common._split3(eqn.invars, nc, nb)
    invars = [count, *[known_consts[r] for r in res if r in known_consts],
              *[o for o, u in zip(bc_ops, bc_uk, strict=True) if u],
              *[o for o, u in zip(init_ops, carry_uk, strict=True) if u], *res_vars]
    outvars = [v for v, u in zip(eqn.outvars, out_uk, strict=True) if u]
    unknown_eqn = ir.JaxprEqn(_scan.scan_p, invars, outvars, _scan._scan_params(
        body, None, len(fwd_in) + nub, carry_uk.count(True), False), eqn.source_info)
    return known_eqn, unknown_eqn, out_uk


def _while_known_eqn(eqn, kcond, known, num_res, stacked, count, res_vars, cc_uk, bc_uk,
                     carry_uk, out_uk):
    p = eqn.params
    nc, nb = p["cond_nconsts"], p["body_nconsts"]
    n = len(carry_uk)
    trips_in, trips_out = ir.Var(_common._COUNT_AVAL), ir.Var(_common._COUNT_AVAL)
    incr = ir.JaxprEqn(elementwise.add_p, [trips_in, _common._int_literal(1)], [trips_out],
                       {}, None)
    outs = known.outvars[:len(known.outvars) - num_res]
    nkc = carry_uk.count(False)
    body = optimize.dce_jaxpr(ir.Jaxpr(
        [], [*known.invars, trips_in], [*known.eqns, incr],
        [*outs[:nkc], trips_out, *outs[nkc:], *stacked]))
    cond = optimize.dce_jaxpr(ir.Jaxpr([], [*kcond.invars, ir.Var(_common._COUNT_AVAL)],
                                       kcond.eqns, kcond.outvars[:1]))
    cc_ops, bc_ops, init_ops = _common._split3(eqn.invars, nc, nb)
    invars = [*[o for o, u in zip(cc_ops, cc_uk, strict=True) if not u],
              *[o for o, u in zip(bc_ops, bc_uk, strict=True) if not u],
              *[o for o, u in zip(init_ops, carry_uk, strict=True) if not u],
              _common._int_literal(0)]
    carry_out, ys_out = eqn.outvars[:n], eqn.outvars[n:]
    ys_known = [v for v, u in zip(ys_out, out_uk[n:], strict=True) if not u]
    outvars = [*[v for v, u in zip(carry_out, carry_uk, strict=True) if not u], count,
               *ys_known, *res_vars]
    params = {"cond_jaxpr": cond, "body_jaxpr": body, "cond_nconsts": cc_uk.count(False),
              "body_nconsts": bc_uk.count(False), "num_ys": len(ys_known) + len(res_vars)}
    return ir.JaxprEqn(while_p, invars, outvars, params, eqn.source_info)


def _while_dce(eqn: ir.JaxprEqn, used_outputs: list[bool]) -> ir.JaxprEqn:
    p = eqn.params
    cond_jaxpr, body_jaxpr = p["cond_jaxpr"], p["body_jaxpr"]
    nc, nb = p["cond_nconsts"], p["body_nconsts"]
    n = len(eqn.invars) - nc - nb
    used_ys = used_outputs[n:]
    cond_used = _common._used_vars(cond_jaxpr)
    carry_used = [u or v in cond_used
                  for u, v in zip(used_outputs[:n], cond_jaxpr.invars[nc:], strict=True)]

    def step(used):
        live = _common._used_vars(optimize.dce_jaxpr(body_jaxpr, used + used_ys))
        return [v in live for v in body_jaxpr.invars[nb:]]

    carry_used = _common._fixpoint(carry_used, step)
    body = optimize.dce_jaxpr(body_jaxpr, carry_used + used_ys)
    body_used = _common._used_vars(body)
    keep_c = [v in cond_used for v in cond_jaxpr.invars[:nc]]
    keep_b = [v in body_used for v in body_jaxpr.invars[:nb]]
    cond = _common._keep_invars(cond_jaxpr, keep_c + carry_used)
    body = _common._keep_invars(body, keep_b + carry_used)
    invars = [v for v, k in zip(eqn.invars, keep_c + keep_b + carry_used, strict=True) if k]
    outvars = [v for v, k in zip(eqn.outvars, carry_used + used_ys, strict=True) if k]
    params = dict(p, cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=sum(keep_c),
                  body_nconsts=sum(keep_b), num_ys=sum(used_ys))
    return eqn.replace(invars=invars, outvars=outvars, params=params)


while_p.def_partial_eval(_while_partial_eval)
while_p.def_dce(_while_dce)
while_p.def_subjaxprs(lambda params: [params["cond_jaxpr"], params["body_jaxpr"]])
