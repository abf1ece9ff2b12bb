"""The `scan` primitive: `(carry, y) = body(consts, carry, x)` over the leading axis of xs.

Owns `scan_p` with all of its rules, including dynamic-length scans (`length=None`: the trip
count is the first operand, and ys have the leading size `*`), which reverse mode through
`while` produces. Does not own the shared helpers (`_common`) or the user-facing `lax.scan`
(`lax.py`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from functrans import core, dtypes, errors, evaluate, ir
from functrans.control_flow import _common
from functrans.interpreters import optimize
from functrans.primitives import _helpers, comparison, elementwise, reductions
from functrans.primitives import shape as shape_prims

Zero = ir.Zero
UndefPrimal = ir.UndefPrimal

scan_p = core.HigherOrderPrimitive("scan", multiple_results=True)


def _scan_params(jaxpr, length, num_consts, num_carry, reverse) -> dict:
    return {"length": length, "reverse": reverse, "num_consts": num_consts,
            "num_carry": num_carry, "jaxpr": jaxpr}


def scan(jaxpr: ir.Jaxpr, consts: Sequence, init: Sequence, xs: Sequence, *,
         length: int | None, reverse: bool = False, count=None) -> list:
    """Bind `scan`: `(carry, y) = body(consts, carry, x)` over the leading axis of `xs`.

    With `length=None` the scan has a dynamic length: `count` (an int scalar) is its first
    operand, its xs may be longer stacks (only the first `count` entries are read), and its
    ys have the leading size `*`.
    """
    head = [] if length is not None else [count]
    return scan_p.bind(*head, *consts, *init, *xs,
                       **_scan_params(jaxpr, length, len(consts), len(init), reverse))


def _head(args, length) -> tuple[list, list]:
    """The trip-count operand of a dynamic scan (or nothing), and the other operands."""
    off = 0 if length is not None else 1
    return list(args[:off]), list(args[off:])


@scan_p.def_impl
def _scan_impl(*args, jaxpr, length, num_consts, num_carry, reverse):
    head, rest = _head(args, length)
    n = int(head[0]) if head else length
    consts, carry, xs = _common._split3(rest, num_consts, num_carry)
    out_avals = jaxpr.out_avals
    ys: list[list] = [[] for _ in out_avals[num_carry:]]
    body = _common._numpy_runner(jaxpr)
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        outs = body(*consts, *carry, *[x[i] for x in xs])
        carry = outs[:num_carry]
        for acc, y in zip(ys, outs[num_carry:], strict=True):
            acc.append(y)
    if reverse:
        for acc in ys:
            acc.reverse()
    carry_avals = jaxpr.in_avals[num_consts:num_consts + num_carry]
    return (_common._as_arrays(carry, carry_avals)
            + [_common._stack(acc, a) for acc, a in zip(ys, out_avals[num_carry:], strict=True)])


@scan_p.def_abstract_eval
def _scan_abstract_eval(*avals, jaxpr, length, num_consts, num_carry, reverse):
    head, rest = _head(avals, length)
    if head and (head[0].shape != () or head[0].dtype.kind not in "iu"):
        raise _helpers.shape_error("scan", "the trip count of a dynamic-length scan must "
                                     "be an integer scalar", head[0])
    consts, carry, xs = _common._split3(rest, num_consts, num_carry)
    for i, a in enumerate(xs):
        if a.ndim == 0 or (length is not None and a.shape[0] != length):
            raise _helpers.shape_error(
                "scan", f"scanned operand {i} must have a leading axis of length {length}", a)
    _common._check_operands("scan", "jaxpr",
                            consts + carry + [_common.unstacked_aval(a) for a in xs],
                            jaxpr.invars)
    outs = jaxpr.out_avals
    if len(outs) < num_carry:
        raise errors.ShapeError(f"scan: jaxpr returns {len(outs)} values, fewer than its "
                                f"{num_carry} carries")
    _common._check_carry("scan", carry, outs[:num_carry])
    lead = ir.DYN if length is None else length
    return ([v.aval for v in jaxpr.invars[num_consts:num_consts + num_carry]]
            + [_common.stacked_aval(a, lead) for a in outs[num_carry:]])


@scan_p.def_jvp
def _scan_jvp(primals, tangents, *, jaxpr, length, num_consts, num_carry, reverse):
    head, rest = _head(primals, length)
    consts, init, xs = _common._split3(rest, num_consts, num_carry)
    const_t, init_t, xs_t = _common._split3(_head(tangents, length)[1], num_consts, num_carry)
    c_nz, x_nz = _common._nonzero(const_t), _common._nonzero(xs_t)
    out_nz: list[bool] = []

    def step(carry_nz):
        out_nz[:] = _common.jvp_sub(jaxpr, c_nz + carry_nz + x_nz)[1]
        return out_nz[:num_carry]

    carry_nz = _common._fixpoint(_common._nonzero(init_t), step)
    ys_nz = out_nz[num_carry:]
    prog, pconsts, _ = _common._jvp_program(jaxpr, c_nz + carry_nz + x_nz, carry_nz + ys_nz)
    k_c, k_car, k_x, k_y = sum(c_nz), sum(carry_nz), sum(x_nz), sum(ys_nz)
    P, C, CAR, X, CT, CART, XT = _common._chunks(range(len(prog.invars)), [
        len(pconsts), num_consts, num_carry, len(xs), k_c, k_car, k_x])
    CAR_OUT, Y, CART_OUT, YT = _common._chunks(range(len(prog.outvars)),
                                               [num_carry, len(ys_nz), k_car, k_y])
    body = _common._permute(prog, P + C + CT + CAR + CART + X + XT, CAR_OUT + CART_OUT + Y + YT)
    init_t = [core.instantiate(t) for t, z in zip(init_t, carry_nz, strict=True) if z]
    outs = scan(body, [*pconsts, *consts, *[t for t in const_t if not isinstance(t, Zero)]],
                [*init, *init_t], [*xs, *[t for t in xs_t if not isinstance(t, Zero)]],
                length=length, reverse=reverse, count=head[0] if head else None)
    carry, carry_t, ys, ys_t = _common._chunks(outs, [num_carry, k_car, len(ys_nz), k_y])
    return carry + ys, _common._tangents_out(carry + ys, carry_nz + ys_nz, carry_t + ys_t)


@scan_p.def_transpose
def _scan_transpose(cts, *args, jaxpr, length, num_consts, num_carry, reverse):
    """A reverse scan of the transposed body; cotangents of linear consts add up in its carry."""
    head, rest = _head(args, length)
    if any(isinstance(h, UndefPrimal) for h in head):
        raise NotImplementedError("transpose of scan: the trip count is not a linear input")
    consts, init, xs = _common._split3(rest, num_consts, num_carry)
    lin_c = [isinstance(c, UndefPrimal) for c in consts]
    lin_x = [isinstance(x, UndefPrimal) for x in xs]
    res_c = [c for c in consts if not isinstance(c, UndefPrimal)]
    res_x = [x for x in xs if not isinstance(x, UndefPrimal)]
    ct_ys = [c for c in cts[num_carry:] if not isinstance(c, Zero)]
    ys_nz = _common._nonzero(cts[num_carry:])
    # Carries are linear even when their initial value is a known zero (a value, not an
    # UndefPrimal): partial evaluation only leaves tangent carries in a linear program.
    linear = [*lin_c, *[True] * num_carry, *lin_x]
    acc_avals = [c.aval.strip_weak() for c in consts if isinstance(c, UndefPrimal)]
    carry_avals = [v.aval.strip_weak() for v in jaxpr.invars[num_consts:num_consts + num_carry]]
    sizes = [len(res_c), len(acc_avals), num_carry, len(res_x), len(ct_ys)]

    def body_fn(*a):
        rc, acc, ct_carry, rx, ct_y = _common._chunks(a, sizes)
        prog, pconsts = _common._transpose_program(jaxpr, linear, rc + rx,
                                                   [True] * num_carry + ys_nz)
        got = evaluate.eval_jaxpr(prog, [], *pconsts, *ct_carry, *ct_y)
        g_c, g_carry, g_x = _common._chunks(got, [len(acc), num_carry, sum(lin_x)])
        return [elementwise.add(s, g) for s, g in zip(acc, g_c, strict=True)] + g_carry + g_x

    in_avals = ([core.get_aval(c) for c in res_c] + acc_avals + carry_avals
                + [_common.unstacked_aval(core.get_aval(x)) for x in res_x]
                + [_common.unstacked_aval(core.get_aval(c)) for c in ct_ys])
    body, bconsts = _common.trace_body(body_fn, in_avals)
    ct_carry = [core.instantiate(c) for c in cts[:num_carry]]
    outs = scan(body, [*bconsts, *res_c], [*[_common._zeros(a) for a in acc_avals], *ct_carry],
                [*res_x, *ct_ys], length=length, reverse=not reverse,
                count=head[0] if head else None)
    ct_c, ct_init, ct_x = _common._chunks(outs, [len(acc_avals), num_carry, sum(lin_x)])
    it_c, it_x = iter(ct_c), iter(ct_x)
    return (*[None] * len(head), *[next(it_c) if lin else None for lin in lin_c],
            *[c if isinstance(x, UndefPrimal) else None
              for c, x in zip(ct_init, init, strict=True)],
            *[next(it_x) if lin else None for lin in lin_x])


@scan_p.def_batch
def _scan_batch(args, dims, *, axis_size, jaxpr, length, num_consts, num_carry, reverse):
    head, rest = _head(args, length)
    hdims, rdims = _head(dims, length)
    consts, init, xs = _common._split3(rest, num_consts, num_carry)
    cdims, idims, xdims = _common._split3(rdims, num_consts, num_carry)
    # The scanned axis stays leading: a batched xs gets its batch axis at 1 (0 per step).
    xs = [_common._move_to(x, d, 1) for x, d in zip(xs, xdims, strict=True)]
    step_dims = [None if d is None else 0 for d in xdims]
    masked = bool(hdims) and hdims[0] is not None

    def step(carry_b):
        got = _common.batch_sub(jaxpr, axis_size,
                                   cdims + _common._dims(carry_b) + step_dims)[1]
        return [d is not None for d in got[:num_carry]]

    carry_b = ([True] * num_carry if masked
               else _common._fixpoint([d is not None for d in idims], step))
    carry_dims = _common._dims(carry_b)
    got = _common.batch_sub(jaxpr, axis_size, cdims + carry_dims + step_dims)[1]
    ys_b = [d is not None for d in got[num_carry:]]
    body = _common.batch_sub(jaxpr, axis_size, cdims + carry_dims + step_dims,
                                carry_dims + _common._dims(ys_b))[0]
    init = [_common._batched(x, d, b, axis_size)
            for x, d, b in zip(init, idims, carry_b, strict=True)]
    if masked:
        outs = _scan_batched_count(head[0], hdims[0], consts, init, xs, body, reverse)
    else:
        bj, bc = ir.open_consts(body)
        outs = scan(bj, [*bc, *consts], init, xs, length=length, reverse=reverse,
                    count=head[0] if head else None)
    return outs, carry_dims + [1 if b else None for b in ys_b]


def _scan_batched_count(count, count_dim, consts, init, xs, body, reverse) -> list:
    """A dynamic scan whose trip count differs per lane: run the largest count, and let each
    lane keep its carry on the trips beyond its own count (a trip counter tells which)."""
    num_carry = len(init)
    counts = elementwise.convert_element_type(shape_prims.moveaxis(count, count_dim, 0),
                                              dtypes.int_)
    total = reductions.reduce_max(counts, (0,))
    sizes = [len(consts), 1, num_carry, 1, len(xs)]

    def body_fn(*a):
        c, (cnt,), carry, (trip,), x = _common._chunks(a, sizes)
        outs = evaluate.eval_jaxpr(body.jaxpr, body.consts, *c, *carry, *x)
        active = comparison.lt(trip, cnt)
        nxt = elementwise.add(trip, np.array(-1 if reverse else 1, dtypes.int_)[()])
        return _common._select_lanes(active, outs[:num_carry], carry) + [nxt] + outs[num_carry:]

    in_avals = ([core.get_aval(c) for c in consts] + [core.get_aval(counts)]
                + [core.get_aval(x) for x in init] + [_common._COUNT_AVAL]
                + [_common.unstacked_aval(core.get_aval(x)) for x in xs])
    bj, bc = _common.trace_body(body_fn, in_avals)
    first = (elementwise.sub(total, np.array(1, dtypes.int_)[()]) if reverse
             else np.array(0, dtypes.int_)[()])
    outs = scan(bj, [*bc, *consts, counts], [*init, first], xs, length=None, reverse=reverse,
                count=total)
    return outs[:num_carry] + outs[num_carry + 1:]


def _scan_partial_eval(eqn: ir.JaxprEqn, in_unknowns: list[bool]):
    """Known part: a scan on the known values that also stacks residuals as ys; unknown
    part: a scan that reads them as xs. Residuals that are known consts or xs are passed on."""
    p = eqn.params
    jaxpr, length, nc, ncar = p["jaxpr"], p["length"], p["num_consts"], p["num_carry"]
    head, rest = _head(eqn.invars, length)
    if head and in_unknowns[0]:
        return None, eqn, [True] * len(eqn.outvars)
    c_uk, i_uk, x_uk = _common._split3(_head(in_unknowns, length)[1], nc, ncar)
    carry_uk = _common._fixpoint(
        list(i_uk), lambda uk: _common._unknown_outs(jaxpr, c_uk + uk + x_uk)[:ncar])
    ny = len(jaxpr.outvars) - ncar
    known, unknown, out_uk, num_res = _common._split(jaxpr, c_uk + carry_uk + x_uk,
                                                     carry_uk + [False] * ny)
    res = known.outvars[len(known.outvars) - num_res:]
    c_ops, i_ops, x_ops = _common._split3(rest, nc, ncar)
    c_in, _, x_in = _common._split3(jaxpr.invars, nc, ncar)
    const_of = {v: o for v, o, u in zip(c_in, c_ops, c_uk, strict=True) if not u}
    xs_of = {v: o for v, o, u in zip(x_in, x_ops, x_uk, strict=True) if not u}
    stacked = [r for r in res if r not in const_of and r not in xs_of]
    lead = ir.DYN if length is None else length
    res_vars = [ir.Var(_common.stacked_aval(r.aval, lead)) for r in stacked]
    kouts = known.outvars[:len(known.outvars) - num_res]
    kbody = optimize.dce_jaxpr(ir.Jaxpr([], known.invars, known.eqns, kouts + stacked))
    pick = _picker(False)
    k_invars = head + pick(c_ops, c_uk) + pick(i_ops, carry_uk) + pick(x_ops, x_uk)
    k_outvars = pick(eqn.outvars, out_uk) + res_vars
    known_eqn = ir.JaxprEqn(scan_p, k_invars, k_outvars, _scan_params(
        kbody, length, c_uk.count(False), carry_uk.count(False), p["reverse"]),
        eqn.source_info) if k_outvars else None
    res_in, uk_ins = unknown.invars[:num_res], unknown.invars[num_res:]
    uc, ucar, ux = _common._chunks(uk_ins, [c_uk.count(True), carry_uk.count(True),
                                            x_uk.count(True)])
    fc_in = [v for v, r in zip(res_in, res, strict=True) if r in const_of]
    fx_in = [v for v, r in zip(res_in, res, strict=True) if r in xs_of]
    st_in = [v for v, r in zip(res_in, res, strict=True) if r not in const_of and r not in xs_of]
    ubody = optimize.dce_jaxpr(ir.Jaxpr([], fc_in + uc + ucar + fx_in + st_in + ux,
                                        unknown.eqns, unknown.outvars))
    pick = _picker(True)
    u_invars = (head + [const_of[r] for r in res if r in const_of] + pick(c_ops, c_uk)
                + pick(i_ops, carry_uk) + [xs_of[r] for r in res if r in xs_of] + res_vars
                + pick(x_ops, x_uk))
    u_outvars = pick(eqn.outvars, out_uk)
    unknown_eqn = ir.JaxprEqn(scan_p, u_invars, u_outvars, _scan_params(
        ubody, length, len(fc_in) + len(uc), len(ucar), p["reverse"]),
        eqn.source_info) if u_outvars else None
    return known_eqn, unknown_eqn, out_uk


def _picker(flag: bool) -> Callable[[Sequence, Sequence[bool]], list]:
    """`pick(values, flags)`: the values whose flag equals `flag`."""
    return lambda values, flags: [v for v, f in zip(values, flags, strict=True) if f == flag]


def _scan_dce(eqn: ir.JaxprEqn, used_outputs: list[bool]) -> ir.JaxprEqn:
    p = eqn.params
    jaxpr, nc, ncar = p["jaxpr"], p["num_consts"], p["num_carry"]
    head, rest = _head(eqn.invars, p["length"])
    used_ys = used_outputs[ncar:]
    c_in, car_in, x_in = _common._split3(jaxpr.invars, nc, ncar)

    def step(used):
        live = _common._used_vars(optimize.dce_jaxpr(jaxpr, used + used_ys))
        return [v in live for v in car_in]

    used_carry = _common._fixpoint(list(used_outputs[:ncar]), step)
    body = optimize.dce_jaxpr(jaxpr, used_carry + used_ys)
    live = _common._used_vars(body)
    keep = [v in live for v in c_in] + used_carry + [v in live for v in x_in]
    body = _common._keep_invars(body, keep)
    invars = head + [v for v, k in zip(rest, keep, strict=True) if k]
    outvars = [v for v, k in zip(eqn.outvars, used_carry + used_ys, strict=True) if k]
    params = _scan_params(body, p["length"], sum(keep[:nc]), sum(used_carry), p["reverse"])
    return eqn.replace(invars=invars, outvars=outvars, params=params)


scan_p.def_partial_eval(_scan_partial_eval)
scan_p.def_dce(_scan_dce)
scan_p.def_subjaxprs(lambda params: [params["jaxpr"]])
