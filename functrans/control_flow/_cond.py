"""The `cond` primitive (`cond` and `switch`): `branches[index]` run on the operands.

Owns `cond_p` with all of its rules (impl, shape rule, JVP, transpose, batching with a
per-lane index, partial evaluation, DCE, printing). Does not own the helpers it shares with
the loops (`_common`) or the user-facing `lax.cond` / `lax.switch` (`lax.py`).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from functrans import core, errors, evaluate, ir, pretty
from functrans.control_flow import _common
from functrans.interpreters import optimize
from functrans.primitives import _helpers, comparison
from functrans.primitives import shape as shape_prims

Zero = ir.Zero
UndefPrimal = ir.UndefPrimal

cond_p = core.HigherOrderPrimitive("cond", multiple_results=True)


def cond(index, *operands, branches: Sequence[ir.Jaxpr]):
    """Bind `cond`: run `branches[index]` on the operands (a bool index picks (false, true))."""
    return cond_p.bind(index, *operands, branches=tuple(branches))


def _clamp(index, n: int) -> int:
    return min(max(int(index), 0), n - 1)


@cond_p.def_impl
def _cond_impl(index, *ops, branches):
    branch = branches[_clamp(index, len(branches))]
    return _common._as_arrays(_common._numpy_runner(branch)(*ops), branch.out_avals)


@cond_p.def_abstract_eval
def _cond_abstract_eval(index, *ops, branches):
    if index.shape != () or index.dtype.kind not in "biu":
        raise _helpers.shape_error("cond", "the index must be a bool or integer scalar",
                                     index)
    if index.dtype.kind == "b" and len(branches) != 2:
        raise _helpers.shape_error("cond", f"a bool index needs 2 branches, got "
                                     f"{len(branches)}", index)
    for k, b in enumerate(branches):
        _common._check_operands("cond", f"branch {k}", list(ops), b.invars)
    first = branches[0].out_avals
    for k, b in enumerate(branches[1:], 1):
        if len(b.outvars) != len(first):
            raise errors.ShapeError(f"cond: branch 0 has {len(first)} outputs but branch {k} "
                                    f"has {len(b.outvars)}")
        for j, (a0, ak) in enumerate(zip(first, b.out_avals, strict=True)):
            if not _common._typematch(ak, a0):
                raise errors.ShapeError(
                    f"cond: output {j} has type {a0.str_short()} in branch 0 but "
                    f"{ak.str_short()} in branch {k}; branches must return identical types")
    return [_common._join([b.out_avals[j] for b in branches]) for j in range(len(first))]


@cond_p.def_jvp
def _cond_jvp(primals, tangents, *, branches):
    index, ops = primals[0], list(primals[1:])
    nz = [not isinstance(t, Zero) for t in tangents[1:]]
    out_nz = [False] * len(branches[0].outvars)
    for b in branches:
        out_nz = [a or c for a, c
                  in zip(out_nz, _common.jvp_sub(b, nz)[1], strict=True)]
    programs, consts = _common.join_consts(
        [_common._jvp_program(b, nz, out_nz)[:2] for b in branches])
    nz_t = [t for t in tangents[1:] if not isinstance(t, Zero)]
    outs = cond(index, *consts, *ops, *nz_t, branches=programs)
    n = len(out_nz)
    touts = iter(outs[n:])
    return outs[:n], [next(touts) if z else Zero(a.strip_weak())
                      for z, a in zip(out_nz, branches[0].out_avals, strict=True)]


@cond_p.def_transpose
def _cond_transpose(cts, index, *ops, branches):
    if isinstance(index, UndefPrimal):
        raise NotImplementedError("transpose of cond: the index is not a linear input "
                                  "(a bug in linearization)")
    linear = [isinstance(o, UndefPrimal) for o in ops]
    res = [o for o in ops if not isinstance(o, UndefPrimal)]
    ct_nz = [not isinstance(c, Zero) for c in cts]
    programs, consts = _common.join_consts(
        [_common._transpose_program(b, linear, res, ct_nz) for b in branches])
    outs = iter(cond(index, *consts, *[c for c in cts if not isinstance(c, Zero)],
                     branches=programs))
    return (None, *[next(outs) if lin else None for lin in linear])


@cond_p.def_batch
def _cond_batch(args, dims, *, axis_size, branches):
    index, ops = args[0], list(args[1:])
    index_dim, op_dims = dims[0], list(dims[1:])
    if index_dim is not None:
        return _cond_batch_index(index, index_dim, ops, op_dims, axis_size, branches)
    out_b = [False] * len(branches[0].outvars)
    for b in branches:
        got = _common.batch_sub(b, axis_size, op_dims)[1]
        out_b = [x or d is not None for x, d in zip(out_b, got, strict=True)]
    out_dims = [0 if b else None for b in out_b]
    programs, consts = _common.join_consts(
        [ir.open_consts(
            _common.batch_sub(b, axis_size, op_dims, out_dims)[0])
         for b in branches])
    return cond(index, *consts, *ops, branches=programs), out_dims


def _cond_batch_index(index, index_dim, ops, op_dims, axis_size, branches):
    """A per-lane index: every branch runs on the whole batch, and `select` picks per lane.

    A stack output (type with `*`) is a residual of the one branch whose output type has the
    `*`; the others return an empty placeholder that nothing reads on their lanes (the trip
    count they return is 0). So the owner's stack serves every lane, and it keeps its batch
    axis (a stack cannot be broadcast: its length is unknown).
    """
    n_out = len(branches[0].outvars)
    owners = [_stack_owner(branches, j) for j in range(n_out)]
    natural = [_common.batch_sub(b, axis_size, op_dims)[1] for b in branches]
    out_dims = [0 if k is None or natural[k][j] is not None else None
                for j, k in enumerate(owners)]
    outs = []
    for b in branches:
        closed = _common.batch_sub(b, axis_size, op_dims, out_dims)[0]
        outs.append(evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *ops))
    index = shape_prims.moveaxis(index, index_dim, 0)
    static = [j for j, k in enumerate(owners) if k is None]
    if core.get_aval(index).dtype.kind == "b":
        picked = _common._select_lanes(index, [outs[1][j] for j in static],
                                       [outs[0][j] for j in static])
    else:
        # An integer index is clamped into range, as `switch` does: branch k for index <= k.
        picked = [outs[-1][j] for j in static]
        for k in range(len(branches) - 2, -1, -1):
            at_most_k = comparison.le(index, np.array(k, core.get_aval(index).dtype)[()])
            picked = _common._select_lanes(at_most_k, [outs[k][j] for j in static], picked)
    it = iter(picked)
    return [next(it) if k is None else outs[k][j] for j, k in enumerate(owners)], out_dims


def _stack_owner(branches, j: int) -> int | None:
    """The branch whose output `j` is a stack of unknown length, or None for other outputs."""
    owners = [k for k, b in enumerate(branches) if ir.DYN in b.outvars[j].aval.shape]
    if len(owners) > 1:
        raise NotImplementedError(
            f"vmap of cond with a batched predicate: output {j} is a loop's stack in several "
            "branches; functrans cannot select between stacks of different lengths")
    return owners[0] if owners else None


def _cond_partial_eval(eqn: ir.JaxprEqn, in_unknowns: list[bool]):
    branches = eqn.params["branches"]
    if in_unknowns[0]:
        return None, eqn, [True] * len(eqn.outvars)
    op_uk = in_unknowns[1:]
    out_uk = [False] * len(eqn.outvars)
    for b in branches:
        out_uk = [a or c for a, c in zip(out_uk, _common._unknown_outs(b, op_uk), strict=True)]
    splits = [_common._split(b, op_uk, out_uk) for b in branches]
    known_pos = [p for p, u in enumerate(op_uk) if not u]
    # A residual that is a known operand is passed to the unknown cond directly (by operand
    # position); the others are outputs of the known cond, where every branch returns the
    # residuals of all branches, zeros for the other branches' (JAX's scheme).
    fwd_pos, computed = [], []
    for known, _, _, num_res in splits:
        pos_of = dict(zip(known.invars, known_pos, strict=True))
        res = known.outvars[len(known.outvars) - num_res:]
        fwd_pos.append([pos_of.get(r) for r in res])
        computed.append([r for r in res if r not in pos_of])
    positions = sorted({p for ps in fwd_pos for p in ps if p is not None})
    res_avals = [r.aval for rs in computed for r in rs]
    res_vars = [ir.Var(a.strip_weak()) for a in res_avals]
    offsets = [int(o) for o in np.cumsum([0] + [len(rs) for rs in computed])]
    known_eqn = _cond_known_eqn(eqn, splits, computed, offsets, res_vars, op_uk, out_uk)
    unknown_eqn = _cond_unknown_eqn(eqn, splits, fwd_pos, positions, offsets, res_vars, op_uk,
                                    out_uk)
    return known_eqn, unknown_eqn, out_uk


def _cond_known_eqn(eqn, splits, computed, offsets, res_vars, op_uk, out_uk):
    programs = []
    for k, (known, _, _, num_res) in enumerate(splits):
        eqns, outs = list(known.eqns), list(known.outvars[:len(known.outvars) - num_res])
        for i, r in enumerate(res_vars):
            if offsets[k] <= i < offsets[k + 1]:
                outs.append(computed[k][i - offsets[k]])
            else:
                # Zeros for another branch's residual (an empty placeholder for a stack).
                zero_eqns, atom = _common._zeros_eqn(r.aval)
                eqns += zero_eqns
                outs.append(atom)
        programs.append(optimize.dce_jaxpr(ir.Jaxpr([], known.invars, eqns, outs)))
    outvars = [v for v, u in zip(eqn.outvars, out_uk, strict=True) if not u] + res_vars
    if not outvars:
        return None
    known_ops = [v for v, u in zip(eqn.invars[1:], op_uk, strict=True) if not u]
    return ir.JaxprEqn(cond_p, [eqn.invars[0], *known_ops], outvars,
                       {"branches": tuple(programs)}, eqn.source_info)


def _cond_unknown_eqn(eqn, splits, fwd_pos, positions, offsets, res_vars, op_uk, out_uk):
    outvars = [v for v, u in zip(eqn.outvars, out_uk, strict=True) if u]
    if not outvars:
        return None
    ops = eqn.invars[1:]
    programs = []
    for k, (_, unknown, _, num_res) in enumerate(splits):
        slot, computed_in = {}, []
        for v, p in zip(unknown.invars[:num_res], fwd_pos[k], strict=True):
            if p is None:
                computed_in.append(v)
            else:
                slot[p] = v
        head = [slot.get(p) or ir.Var(ops[p].aval) for p in positions]
        mid = [computed_in[i - offsets[k]] if offsets[k] <= i < offsets[k + 1]
               else ir.Var(r.aval) for i, r in enumerate(res_vars)]
        programs.append(ir.Jaxpr([], head + mid + unknown.invars[num_res:], unknown.eqns,
                                 unknown.outvars))
    unknown_ops = [o for o, u in zip(ops, op_uk, strict=True) if u]
    invars = [eqn.invars[0], *[ops[p] for p in positions], *res_vars, *unknown_ops]
    return ir.JaxprEqn(cond_p, invars, outvars, {"branches": tuple(programs)},
                       eqn.source_info)


def _cond_dce(eqn: ir.JaxprEqn, used_outputs: list[bool]) -> ir.JaxprEqn:
    branches = [optimize.dce_jaxpr(b, used_outputs) for b in eqn.params["branches"]]
    used = set()
    for b in branches:
        used.update(_common._used_vars(b))
    keep = [any(b.invars[i] in used for b in branches) for i in range(len(eqn.invars) - 1)]
    branches = [ir.Jaxpr([], [v for v, k in zip(b.invars, keep, strict=True) if k], b.eqns,
                         b.outvars) for b in branches]
    return eqn.replace(
        invars=[eqn.invars[0], *[v for v, k in zip(eqn.invars[1:], keep, strict=True) if k]],
        outvars=[v for v, u in zip(eqn.outvars, used_outputs, strict=True) if u],
        params={"branches": tuple(branches)})


def _pp_branches(eqn: ir.JaxprEqn, ctx, indent: int) -> list[str]:
    """`cond` prints its branches indented, one program per line group, as JAX does."""
    pad = " " * indent
    lhs = " ".join(ctx.binder(v) for v in eqn.outvars) or "_"
    rhs = " ".join(ctx.atom(v) for v in eqn.invars)
    src = f"  # {eqn.source_info}" if ctx.source and eqn.source_info else ""
    lines = [f"{pad}{lhs} = {eqn.primitive.name}[", f"{pad}  branches=("]
    lines += [pretty.pp_jaxpr_lines(b, ctx, indent + 4) for b in eqn.params["branches"]]
    lines += [f"{pad}  )", f"{pad}] {rhs}".rstrip() + src]
    return lines


cond_p.def_partial_eval(_cond_partial_eval)
cond_p.def_dce(_cond_dce)
cond_p.def_subjaxprs(lambda params: list(params["branches"]))
cond_p.def_pp(_pp_branches)
