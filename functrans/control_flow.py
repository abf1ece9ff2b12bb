"""Control-flow primitives: `cond`, `while` and `scan`, each with all of its rules.

Each primitive carries its sub-programs as params: const-free `Jaxpr`s whose constants are
leading operands (as for the `jit` call primitive), so tracers of enclosing traces never hide
in params. Every rule transforms the sub-programs as a unit with the IR-to-IR rewrites of
`interpreters/` and binds a new equation; nothing is unrolled, and evaluation loops in
Python over the body's program.

Reverse mode through `while` (which JAX refuses) works by partial evaluation: the known part
of a linearized loop becomes a `while` that also counts its trips and stacks the residuals
each trip needs (`num_ys` stacked outputs, of type `f64[*,3]`: `*` is a leading length known
only at run time), and the linear part becomes a `scan` of dynamic length (`length=None`,
trip count as first operand) over those stacks, which transposes like any scan. See
docs/control_flow.md. The user-facing functions (pytrees, error messages about user
functions) are in `lax.py`; this module works on flat lists.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from functrans import core, dtypes, errors
from functrans.interpreters import ad, batching, optimize, partial_eval
from functrans.primitives import _factories, elementwise, reductions, shape

Zero = core.Zero
UndefPrimal = core.UndefPrimal

# --------------------------------------------------------------------------- dynamic lengths


class _DynamicDim:
    """The leading size of a stack built by a loop: known only at run time; prints as `*`."""

    __slots__ = ()

    def __repr__(self):
        return "*"

    __str__ = __repr__

    def __reduce__(self):
        return "DYN"


DYN = _DynamicDim()


def stacked_aval(aval: core.ShapedArray, length) -> core.ShapedArray:
    """The type of `length` values of type `aval` stacked on a new leading axis."""
    return core.ShapedArray((length, *aval.shape), aval.dtype)


def _typematch(actual: core.ShapedArray, expected: core.ShapedArray) -> bool:
    """Equal dtype and rank, and equal sizes except where either side is a dynamic size."""
    return (actual.dtype == expected.dtype and actual.ndim == expected.ndim
            and all(a == e or a is DYN or e is DYN
                    for a, e in zip(actual.shape, expected.shape, strict=True)))


def _join(avals: Sequence[core.ShapedArray]) -> core.ShapedArray:
    """The type of a value that may come from any of `avals` (sizes that differ become `*`)."""
    first = avals[0]
    sizes = tuple(s if all(a.shape[i] == s for a in avals) else DYN
                  for i, s in enumerate(first.shape))
    return core.ShapedArray(sizes, first.dtype, all(a.weak_type for a in avals))


def _concrete_shape(aval: core.ShapedArray) -> tuple[int, ...]:
    return tuple(0 if s is DYN else s for s in aval.shape)


def _zeros(aval: core.ShapedArray):
    """Zeros of type `aval`; a dynamic size becomes 0 (an empty stack)."""
    return np.zeros(_concrete_shape(aval), aval.dtype)


def _stack(values: list, aval: core.ShapedArray) -> np.ndarray:
    """Per-trip values of type `aval` stacked on a new leading axis.

    Values with dynamic sizes (stacks made by an inner loop) may differ in those sizes: they
    are padded with zeros to the largest, which is safe because every reader of a stack also
    reads its trip count and never looks past it.
    """
    if not values:
        return np.zeros((0, *_concrete_shape(aval)), aval.dtype)
    arrays = [np.asarray(v, aval.dtype) for v in values]
    sizes = {a.shape for a in arrays}
    if len(sizes) > 1:
        top = tuple(max(s) for s in zip(*sizes))
        arrays = [np.pad(a, [(0, t - n) for n, t in zip(a.shape, top)]) for a in arrays]
    return np.stack(arrays)


def _numpy_runner(jaxpr: core.Jaxpr) -> Callable[..., list]:
    """`jaxpr` evaluated with NumPy: what loop impls call on every trip.

    Impl operands are always concrete, so this skips `eval_jaxpr`'s checks and, during
    constant folding inside a trace, its inlining: the body runs as NumPy even then.
    """
    from functrans import plan
    return lambda *args: plan.run(jaxpr, (), args)


def _as_arrays(values, avals) -> list:
    """Outputs of an impl with exactly the dtypes its shape rule gives."""
    return [np.asarray(x, a.dtype) for x, a in zip(values, avals, strict=True)]


# --------------------------------------------------------------------------- program helpers


def _closed(jaxpr: core.Jaxpr) -> core.ClosedJaxpr:
    return core.ClosedJaxpr(jaxpr, [])


def open_jaxpr(closed: core.ClosedJaxpr) -> tuple[core.Jaxpr, list]:
    """The program with its constants as leading inputs, and those constants."""
    j = closed.jaxpr
    return core.Jaxpr([], [*j.constvars, *j.invars], j.eqns, j.outvars), list(closed.consts)


def trace_body(fn: Callable, in_avals: Sequence[core.ShapedArray]) -> tuple[core.Jaxpr, list]:
    """Trace `fn(*tracers) -> list` into a const-free program and the constants it needs.

    The constants (folded arrays, tracers of enclosing traces) become leading inputs, to be
    passed as leading operands of the loop or branch that runs the program.
    """
    jaxpr, consts = core.trace_flat(fn, in_avals)
    return optimize.dce_jaxpr(open_jaxpr(core.ClosedJaxpr(jaxpr, consts))[0]), consts


def _split3(seq: Sequence, a: int, b: int) -> tuple[list, list, list]:
    seq = list(seq)
    return seq[:a], seq[a:a + b], seq[a + b:]


def _unknown_outs(jaxpr: core.Jaxpr, in_unknowns: Sequence[bool]) -> list[bool]:
    return partial_eval.partial_eval_jaxpr(_closed(jaxpr), in_unknowns)[2]


def _split(jaxpr: core.Jaxpr, in_unknowns: Sequence[bool], instantiate: Sequence[bool]):
    """`partial_eval_jaxpr`, with the outputs flagged in `instantiate` made unknown.

    Returns `(known, unknown, out_unknowns, num_res)` like `partial_eval_jaxpr`, as const-free
    Jaxprs. A known output that must be unknown becomes a residual the unknown side returns.
    """
    known, unknown, out_uk, num_res = partial_eval.partial_eval_jaxpr(_closed(jaxpr),
                                                                      in_unknowns)
    kj = known.jaxpr
    n_known = out_uk.count(False)
    known_outs, res = kj.outvars[:n_known], list(kj.outvars[n_known:])
    res_in, uk_ins = list(unknown.invars[:num_res]), unknown.invars[num_res:]
    kept_known, uk_outs, new_uk = [], [], []
    uk_iter, kn_iter = iter(unknown.outvars), iter(known_outs)
    for u, inst in zip(out_uk, instantiate, strict=True):
        if u:
            uk_outs.append(next(uk_iter))
            new_uk.append(True)
            continue
        v = next(kn_iter)
        if not inst:
            kept_known.append(v)
            new_uk.append(False)
            continue
        if isinstance(v, core.Var):
            if v not in res:
                res.append(v)
                res_in.append(core.Var(v.aval))
            v = res_in[res.index(v)]
        uk_outs.append(v)
        new_uk.append(True)
    known_j = core.Jaxpr([], kj.invars, kj.eqns, kept_known + res)
    unknown_j = core.Jaxpr([], res_in + list(uk_ins), unknown.eqns, uk_outs)
    return known_j, unknown_j, new_uk, len(res)


def _zeros_eqn(aval: core.ShapedArray) -> tuple[list, core.Atom]:
    """Equations (built directly, not traced) computing zeros of type `aval`, and the atom."""
    zero = core.Literal(np.zeros((), aval.dtype)[()], core.ShapedArray((), aval.dtype))
    if aval.shape == ():
        return [], zero
    shp = _concrete_shape(aval)
    out = core.Var(core.ShapedArray(shp, aval.dtype))
    eqn = core.JaxprEqn(shape.broadcast_in_dim_p, [zero], [out],
                        {"shape": shp, "broadcast_dimensions": ()}, None)
    return [eqn], out


def join_consts(opened: Sequence[tuple[core.Jaxpr, list]]) -> tuple[list[core.Jaxpr], list]:
    """Programs that each take the constants of all of them (shared ones once) as leading inputs.

    `opened` holds `(jaxpr, consts)` pairs whose jaxpr takes its `consts` first; the result's
    programs all take the joined constants first, then their other inputs.
    """
    slots: list = []
    slot_avals: list[core.ShapedArray] = []
    where: dict[int, list[int]] = {}
    maps = []
    for jaxpr, consts in opened:
        mapping: dict[int, core.Var] = {}
        for v, c in zip(jaxpr.invars[:len(consts)], consts, strict=True):
            k = next((k for k in where.get(id(c), []) if k not in mapping), None)
            if k is None:
                k = len(slots)
                slots.append(c)
                slot_avals.append(v.aval)
                where.setdefault(id(c), []).append(k)
            mapping[k] = v
        maps.append(mapping)
    out = []
    for (jaxpr, consts), mapping in zip(opened, maps, strict=True):
        head = [mapping.get(k) or core.Var(a) for k, a in enumerate(slot_avals)]
        out.append(core.Jaxpr([], head + jaxpr.invars[len(consts):], jaxpr.eqns, jaxpr.outvars))
    return out, slots


def _jvp_program(jaxpr: core.Jaxpr, nonzeros: Sequence[bool], want_zeros: Sequence[bool]):
    """The JVP of `jaxpr` whose tangent outputs are exactly those in `want_zeros`.

    Returns `(program, consts, out_nonzeros)`: the program takes its consts, the primals and the
    nonzero tangents, and returns the primal outputs, then the tangents of the outputs flagged
    in `want_zeros` (zeros where the JVP gives a symbolic zero). `out_nonzeros` says which
    outputs had a nonzero tangent.
    """
    closed, out_nz = ad.jvp_jaxpr(_closed(jaxpr), nonzeros)
    n = len(jaxpr.outvars)

    def fn(*args):
        outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
        touts = iter(outs[n:])
        ts = [next(touts) if nz else None for nz in out_nz]
        return outs[:n] + [_zeros(v.aval.strip_weak()) if t is None else t
                           for t, v, w in zip(ts, jaxpr.outvars, want_zeros, strict=True) if w]

    program, consts = trace_body(fn, closed.in_avals)
    return program, consts, out_nz


def _transpose_program(jaxpr: core.Jaxpr, linear: Sequence[bool], res: Sequence,
                       ct_nonzero: Sequence[bool]) -> tuple[core.Jaxpr, list]:
    """The transpose of `jaxpr` in its `linear` inputs, given the values `res` of the others.

    Returns a program taking its consts then the nonzero output cotangents, and returning one
    cotangent per linear input.
    """
    j = optimize.dce_jaxpr(jaxpr, ct_nonzero)
    nonlin_vars = [v for v, lin in zip(j.invars, linear, strict=True) if not lin]
    # Linear inputs nothing reads get zeros here, built by `_zeros_eqn`: a stack's zero
    # cotangent is an empty stack (its size is unknown), which `transpose_jaxpr` cannot make.
    used = _used_vars(j)
    lin_vars = [v for v, lin in zip(j.invars, linear, strict=True) if lin and v in used]
    lin_closed = core.ClosedJaxpr(core.Jaxpr(nonlin_vars, lin_vars, j.eqns, j.outvars), res)
    program, consts = open_jaxpr(ad.transpose_jaxpr(lin_closed, len(lin_vars)))
    cts = iter(program.outvars)
    eqns, outs = list(program.eqns), []
    for v, lin in zip(j.invars, linear, strict=True):
        if lin and v in used:
            outs.append(next(cts))
        elif lin:
            zero_eqns, atom = _zeros_eqn(v.aval.strip_weak())
            eqns += zero_eqns
            outs.append(atom)
    return core.Jaxpr([], program.invars, eqns, outs), consts


def _broadcast_pred(pred, aval: core.ShapedArray):
    """A per-lane predicate `bool[B]` broadcast to a value of type `aval` batched at 0."""
    if aval.shape == core.get_aval(pred).shape:
        return pred
    return shape.broadcast_in_dim(pred, aval.shape, (0,))


def _select_lanes(pred, new: list, old: list) -> list:
    """Per lane (axis 0): `new` where `pred`, else `old`."""
    return [elementwise.select(_broadcast_pred(pred, core.get_aval(n)), n, o)
            for n, o in zip(new, old, strict=True)]


def _move_to(x, dim: int | None, dst: int):
    return x if dim is None else _factories.moveaxis(x, dim, dst)


def _batched(x, dim: int | None, want: bool, axis_size: int):
    """`x` with its batch axis at 0 if `want` (broadcasting an unbatched `x`), else as is."""
    return _factories.bdim_at_front(x, dim, axis_size) if want else x


def _check_operands(prim: str, what: str, avals, invars) -> None:
    if len(avals) != len(invars):
        raise errors.ShapeError(f"{prim}: {what} takes {len(invars)} operands, got {len(avals)}")
    for i, (a, v) in enumerate(zip(avals, invars, strict=True)):
        if not _typematch(a, v.aval):
            raise errors.ShapeError(f"{prim}: operand {i} of {what} has type {a.str_short()}, "
                                    f"but the program expects {v.aval.str_short()}")


def _pp_branches(eqn: core.JaxprEqn, ctx, indent: int) -> list[str]:
    """`cond` prints its branches indented, one program per line group, as JAX does."""
    from functrans import pretty
    pad = " " * indent
    lhs = " ".join(ctx.binder(v) for v in eqn.outvars) or "_"
    rhs = " ".join(ctx.atom(v) for v in eqn.invars)
    src = f"  # {eqn.source_info}" if ctx.source and eqn.source_info else ""
    lines = [f"{pad}{lhs} = {eqn.primitive.name}[", f"{pad}  branches=("]
    lines += [pretty.pp_jaxpr_lines(b, ctx, indent + 4) for b in eqn.params["branches"]]
    lines += [f"{pad}  )", f"{pad}] {rhs}".rstrip() + src]
    return lines


# --------------------------------------------------------------------------- cond

cond_p = core.Primitive("cond", multiple_results=True)


def cond(index, *operands, branches: Sequence[core.Jaxpr]):
    """Bind `cond`: run `branches[index]` on the operands (a bool index picks (false, true))."""
    return cond_p.bind(index, *operands, branches=tuple(branches))


def _clamp(index, n: int) -> int:
    return min(max(int(index), 0), n - 1)


@cond_p.def_impl
def _cond_impl(index, *ops, branches):
    branch = branches[_clamp(index, len(branches))]
    return _as_arrays(_numpy_runner(branch)(*ops), branch.out_avals)


@cond_p.def_abstract_eval
def _cond_abstract_eval(index, *ops, branches):
    if index.shape != () or index.dtype.kind not in "biu":
        raise _factories.shape_error("cond", "the index must be a bool or integer scalar",
                                     index)
    if index.dtype.kind == "b" and len(branches) != 2:
        raise _factories.shape_error("cond", f"a bool index needs 2 branches, got "
                                     f"{len(branches)}", index)
    for k, b in enumerate(branches):
        _check_operands("cond", f"branch {k}", list(ops), b.invars)
    first = branches[0].out_avals
    for k, b in enumerate(branches[1:], 1):
        if len(b.outvars) != len(first):
            raise errors.ShapeError(f"cond: branch 0 has {len(first)} outputs but branch {k} "
                                    f"has {len(b.outvars)}")
        for j, (a0, ak) in enumerate(zip(first, b.out_avals, strict=True)):
            if not _typematch(ak, a0):
                raise errors.ShapeError(
                    f"cond: output {j} has type {a0.str_short()} in branch 0 but "
                    f"{ak.str_short()} in branch {k}; branches must return identical types")
    return [_join([b.out_avals[j] for b in branches]) for j in range(len(first))]


@cond_p.def_jvp
def _cond_jvp(primals, tangents, *, branches):
    index, ops = primals[0], list(primals[1:])
    nz = [not isinstance(t, Zero) for t in tangents[1:]]
    out_nz = [False] * len(branches[0].outvars)
    for b in branches:
        out_nz = [a or c for a, c in zip(out_nz, ad.jvp_jaxpr(_closed(b), nz)[1], strict=True)]
    programs, consts = join_consts([_jvp_program(b, nz, out_nz)[:2] for b in branches])
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
    programs, consts = join_consts(
        [_transpose_program(b, linear, res, ct_nz) for b in branches])
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
        got = batching.batch_jaxpr(_closed(b), axis_size, op_dims)[1]
        out_b = [x or d is not None for x, d in zip(out_b, got, strict=True)]
    out_dims = [0 if b else None for b in out_b]
    programs, consts = join_consts(
        [open_jaxpr(batching.batch_jaxpr(_closed(b), axis_size, op_dims, out_dims)[0])
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
    natural = [batching.batch_jaxpr(_closed(b), axis_size, op_dims)[1] for b in branches]
    out_dims = [0 if k is None or natural[k][j] is not None else None
                for j, k in enumerate(owners)]
    outs = []
    for b in branches:
        closed = batching.batch_jaxpr(_closed(b), axis_size, op_dims, out_dims)[0]
        outs.append(core.eval_jaxpr(closed.jaxpr, closed.consts, *ops))
    index = _factories.moveaxis(index, index_dim, 0)
    static = [j for j, k in enumerate(owners) if k is None]
    if core.get_aval(index).dtype.kind == "b":
        picked = _select_lanes(index, [outs[1][j] for j in static], [outs[0][j] for j in static])
    else:
        # An integer index is clamped into range, as `switch` does: branch k for index <= k.
        picked = [outs[-1][j] for j in static]
        for k in range(len(branches) - 2, -1, -1):
            at_most_k = elementwise.le(index, np.array(k, core.get_aval(index).dtype)[()])
            picked = _select_lanes(at_most_k, [outs[k][j] for j in static], picked)
    it = iter(picked)
    return [next(it) if k is None else outs[k][j] for j, k in enumerate(owners)], out_dims


def _stack_owner(branches, j: int) -> int | None:
    """The branch whose output `j` is a stack of unknown length, or None for other outputs."""
    owners = [k for k, b in enumerate(branches) if DYN in b.outvars[j].aval.shape]
    if len(owners) > 1:
        raise NotImplementedError(
            f"vmap of cond with a batched predicate: output {j} is a loop's stack in several "
            "branches; functrans cannot select between stacks of different lengths")
    return owners[0] if owners else None


def _cond_partial_eval(eqn: core.JaxprEqn, in_unknowns: list[bool]):
    branches = eqn.params["branches"]
    if in_unknowns[0]:
        return None, eqn, [True] * len(eqn.outvars)
    op_uk = in_unknowns[1:]
    out_uk = [False] * len(eqn.outvars)
    for b in branches:
        out_uk = [a or c for a, c in zip(out_uk, _unknown_outs(b, op_uk), strict=True)]
    splits = [_split(b, op_uk, out_uk) for b in branches]
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
    res_vars = [core.Var(a.strip_weak()) for a in res_avals]
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
                zero_eqns, atom = _zeros_eqn(r.aval)
                eqns += zero_eqns
                outs.append(atom)
        programs.append(optimize.dce_jaxpr(core.Jaxpr([], known.invars, eqns, outs)))
    outvars = [v for v, u in zip(eqn.outvars, out_uk, strict=True) if not u] + res_vars
    if not outvars:
        return None
    known_ops = [v for v, u in zip(eqn.invars[1:], op_uk, strict=True) if not u]
    return core.JaxprEqn(cond_p, [eqn.invars[0], *known_ops], outvars,
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
        head = [slot.get(p) or core.Var(ops[p].aval) for p in positions]
        mid = [computed_in[i - offsets[k]] if offsets[k] <= i < offsets[k + 1]
               else core.Var(r.aval) for i, r in enumerate(res_vars)]
        programs.append(core.Jaxpr([], head + mid + unknown.invars[num_res:], unknown.eqns,
                                   unknown.outvars))
    unknown_ops = [o for o, u in zip(ops, op_uk, strict=True) if u]
    invars = [eqn.invars[0], *[ops[p] for p in positions], *res_vars, *unknown_ops]
    return core.JaxprEqn(cond_p, invars, outvars, {"branches": tuple(programs)},
                         eqn.source_info)


def _cond_dce(eqn: core.JaxprEqn, used_outputs: list[bool]) -> core.JaxprEqn:
    branches = [optimize.dce_jaxpr(b, used_outputs) for b in eqn.params["branches"]]
    used = set()
    for b in branches:
        used.update(_used_vars(b))
    keep = [any(b.invars[i] in used for b in branches) for i in range(len(eqn.invars) - 1)]
    branches = [core.Jaxpr([], [v for v, k in zip(b.invars, keep, strict=True) if k], b.eqns,
                           b.outvars) for b in branches]
    return eqn.replace(
        invars=[eqn.invars[0], *[v for v, k in zip(eqn.invars[1:], keep, strict=True) if k]],
        outvars=[v for v, u in zip(eqn.outvars, used_outputs, strict=True) if u],
        params={"branches": tuple(branches)})


def _used_vars(jaxpr: core.Jaxpr) -> set:
    used = {v for e in jaxpr.eqns for v in e.invars if isinstance(v, core.Var)}
    used.update(v for v in jaxpr.outvars if isinstance(v, core.Var))
    return used


cond_p.partial_eval = _cond_partial_eval
cond_p.dce = _cond_dce
cond_p.subjaxprs = lambda params: list(params["branches"])
cond_p.def_pp(_pp_branches)


# --------------------------------------------------------------------------- shared loop helpers


def _chunks(seq: Sequence, sizes: Sequence[int]) -> list[list]:
    """`seq` cut into consecutive pieces of the given sizes (which must add up)."""
    out, i = [], 0
    for n in sizes:
        out.append(list(seq[i:i + n]))
        i += n
    assert i == len(seq), (i, len(seq))
    return out


def _permute(jaxpr: core.Jaxpr, in_order: Sequence[int], out_order: Sequence[int]) -> core.Jaxpr:
    return core.Jaxpr([], [jaxpr.invars[i] for i in in_order], jaxpr.eqns,
                      [jaxpr.outvars[i] for i in out_order])


def _nonzero(ts) -> list[bool]:
    return [not isinstance(t, Zero) for t in ts]


def _dims(flags: Sequence[bool]) -> list[int | None]:
    return [0 if f else None for f in flags]


def _fixpoint(flags: list[bool], step: Callable[[list[bool]], list[bool]]) -> list[bool]:
    """The least `flags` (a superset of the given ones) with `step(flags)` implied by them.

    Each round can only add flags, so this ends after at most len(flags) + 1 rounds.
    """
    for _ in range(len(flags) + 1):
        new = [a or b for a, b in zip(flags, step(flags), strict=True)]
        if new == flags:
            return flags
        flags = new
    raise AssertionError("carry fixpoint did not converge")


_COUNT_AVAL = core.ShapedArray((), dtypes.int_)


def _int_literal(value: int) -> core.Literal:
    return core.Literal(np.array(value, dtypes.int_)[()], _COUNT_AVAL)


# --------------------------------------------------------------------------- while

while_p = core.Primitive("while", multiple_results=True)


def while_loop(cond_jaxpr: core.Jaxpr, body_jaxpr: core.Jaxpr, cond_consts: Sequence,
               body_consts: Sequence, init: Sequence, num_ys: int = 0) -> list:
    """Bind `while`: `carry = body(carry)` while `cond(carry)`; `num_ys` extra body outputs
    are stacked over the trips (leading size `*`)."""
    return while_p.bind(*cond_consts, *body_consts, *init, cond_jaxpr=cond_jaxpr,
                        body_jaxpr=body_jaxpr, cond_nconsts=len(cond_consts),
                        body_nconsts=len(body_consts), num_ys=num_ys)


@while_p.def_impl
def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, num_ys):
    cconsts, bconsts, carry = _split3(args, cond_nconsts, body_nconsts)
    n = len(carry)
    ys: list[list] = [[] for _ in range(num_ys)]
    cond, body = _numpy_runner(cond_jaxpr), _numpy_runner(body_jaxpr)
    while cond(*cconsts, *carry)[0]:
        outs = body(*bconsts, *carry)
        carry = outs[:n]
        for acc, y in zip(ys, outs[n:], strict=True):
            acc.append(y)
    out_avals = body_jaxpr.out_avals
    return (_as_arrays(carry, body_jaxpr.in_avals[body_nconsts:])
            + [_stack(acc, a) for acc, a in zip(ys, out_avals[n:], strict=True)])


@while_p.def_abstract_eval
def _while_abstract_eval(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, num_ys):
    cconsts, bconsts, carry = _split3(avals, cond_nconsts, body_nconsts)
    _check_operands("while", "cond_jaxpr", cconsts + carry, cond_jaxpr.invars)
    _check_operands("while", "body_jaxpr", bconsts + carry, body_jaxpr.invars)
    preds = cond_jaxpr.out_avals
    if len(preds) != 1 or preds[0].shape != () or preds[0].dtype != dtypes.bool_:
        raise errors.ShapeError("while: cond_jaxpr must return one bool scalar, got "
                                f"({', '.join(a.str_short() for a in preds)})")
    outs = body_jaxpr.out_avals
    if len(outs) != len(carry) + num_ys:
        raise errors.ShapeError(f"while: body_jaxpr returns {len(outs)} values, expected "
                                f"{len(carry)} carries and {num_ys} stacked outputs")
    _check_carry("while", carry, outs[:len(carry)])
    return ([v.aval for v in body_jaxpr.invars[body_nconsts:]]
            + [stacked_aval(a, DYN) for a in outs[len(carry):]])


def _check_carry(prim: str, carry_in, carry_out) -> None:
    for i, (a, b) in enumerate(zip(carry_in, carry_out, strict=True)):
        if not _typematch(b, a):
            raise errors.ShapeError(
                f"{prim}: the body turns carry {i} of type {a.str_short()} into "
                f"{b.str_short()}; a loop carry must keep its shape and dtype")


@while_p.def_jvp
def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
               num_ys):
    cconsts, bconsts, init = _split3(primals, cond_nconsts, body_nconsts)
    _, bconst_t, init_t = _split3(tangents, cond_nconsts, body_nconsts)
    n, bc_nz = len(init), _nonzero(bconst_t)
    out_nz: list[bool] = []

    def step(carry_nz):
        out_nz[:] = ad.jvp_jaxpr(_closed(body_jaxpr), bc_nz + carry_nz)[1]
        return out_nz[:n]

    carry_nz = _fixpoint(_nonzero(init_t), step)
    ys_nz = out_nz[n:]
    prog, pconsts, _ = _jvp_program(body_jaxpr, bc_nz + carry_nz, carry_nz + ys_nz)
    k_b, k_c, k_y = sum(bc_nz), sum(carry_nz), sum(ys_nz)
    P, B, C, BT, CT = _chunks(range(len(prog.invars)), [len(pconsts), body_nconsts, n, k_b, k_c])
    C_OUT, Y, CT_OUT, YT = _chunks(range(len(prog.outvars)), [n, num_ys, k_c, k_y])
    body = _permute(prog, P + B + BT + C + CT, C_OUT + CT_OUT + Y + YT)
    # The trip count does not depend on tangents: cond ignores the tangent carries.
    unused = [core.Var(prog.invars[i].aval) for i in CT]
    cond = core.Jaxpr([], [*cond_jaxpr.invars, *unused], cond_jaxpr.eqns, cond_jaxpr.outvars)
    init_t = [core.instantiate(t) for t, z in zip(init_t, carry_nz, strict=True) if z]
    bconst_t = [t for t in bconst_t if not isinstance(t, Zero)]
    outs = while_loop(cond, body, cconsts, [*pconsts, *bconsts, *bconst_t], [*init, *init_t],
                      num_ys + k_y)
    carry, carry_t, ys, ys_t = _chunks(outs, [n, k_c, num_ys, k_y])
    return carry + ys, _tangents_out(carry + ys, carry_nz + ys_nz, carry_t + ys_t)


def _tangents_out(primals_out: list, nonzeros: list[bool], nz_tangents: list) -> list:
    it = iter(nz_tangents)
    return [next(it) if z else Zero(core.get_aval(p).strip_weak())
            for p, z in zip(primals_out, nonzeros, strict=True)]


@while_p.def_batch
def _while_batch(args, dims, *, axis_size, cond_jaxpr, body_jaxpr, cond_nconsts,
                 body_nconsts, num_ys):
    cconsts, bconsts, init = _split3(args, cond_nconsts, body_nconsts)
    cdims, bdims, idims = _split3(dims, cond_nconsts, body_nconsts)
    n = len(init)

    def step(carry_b):
        return [d is not None for d in
                batching.batch_jaxpr(_closed(body_jaxpr), axis_size, bdims + _dims(carry_b))[1][:n]]

    carry_b = _fixpoint([d is not None for d in idims], step)
    pred_dim = batching.batch_jaxpr(_closed(cond_jaxpr), axis_size,
                                    cdims + _dims(carry_b))[1][0]
    if pred_dim is not None:
        carry_b = [True] * n   # lanes stop at different trips: each needs its own carry
    carry_dims = _dims(carry_b)
    got = batching.batch_jaxpr(_closed(body_jaxpr), axis_size, bdims + carry_dims)[1]
    ys_b = [d is not None for d in got[n:]]
    body = batching.batch_jaxpr(_closed(body_jaxpr), axis_size, bdims + carry_dims,
                                carry_dims + _dims(ys_b))[0]
    cond = batching.batch_jaxpr(_closed(cond_jaxpr), axis_size, cdims + carry_dims,
                                _dims([pred_dim is not None]))[0]
    init = [_batched(x, d, b, axis_size) for x, d, b in zip(init, idims, carry_b, strict=True)]
    if pred_dim is None:
        cj, cc = open_jaxpr(cond)
        bj, bc = open_jaxpr(body)
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
        (pred,) = core.eval_jaxpr(cond.jaxpr, cond.consts, *args)
        return [reductions.reduce_max(pred, (0,))]

    def body_fn(*args):
        c, b, carry = _split3(args, len(cconsts), len(bconsts))
        (pred,) = core.eval_jaxpr(cond.jaxpr, cond.consts, *c, *carry)
        outs = core.eval_jaxpr(body.jaxpr, body.consts, *b, *carry)
        return _select_lanes(pred, outs[:n], carry) + outs[n:]

    cj, cc = trace_body(cond_fn, c_avals + carry_avals)
    bj, bc = trace_body(body_fn, c_avals + b_avals + carry_avals)
    return while_loop(cj, bj, [*cc, *cconsts], [*bc, *cconsts, *bconsts], init, num_ys)


def _while_partial_eval(eqn: core.JaxprEqn, in_unknowns: list[bool]):
    """Known part: the loop on the known carries, counting trips and stacking the residuals.
    Unknown part: a dynamic-length scan over those stacks (see the module docstring)."""
    p = eqn.params
    cond_jaxpr, body_jaxpr = p["cond_jaxpr"], p["body_jaxpr"]
    nc, nb, num_ys = p["cond_nconsts"], p["body_nconsts"], p["num_ys"]
    cc_uk, bc_uk, init_uk = _split3(in_unknowns, nc, nb)
    n = len(init_uk)
    carry_uk = _fixpoint(list(init_uk), lambda uk: _unknown_outs(body_jaxpr, bc_uk + uk)[:n])
    kcond, _, cond_uk, _ = _split(cond_jaxpr, cc_uk + carry_uk, [False])
    if cond_uk[0]:
        return None, eqn, [True] * len(eqn.outvars)   # the trip count itself is unknown
    known, unknown, out_uk, num_res = _split(body_jaxpr, bc_uk + carry_uk,
                                             carry_uk + [False] * num_ys)
    res = known.outvars[len(known.outvars) - num_res:]
    known_consts = {v: o for v, o, u in zip(body_jaxpr.invars[:nb], eqn.invars[nc:nc + nb],
                                            bc_uk, strict=True) if not u}
    stacked = [r for r in res if r not in known_consts]
    count = core.Var(_COUNT_AVAL)
    res_vars = [core.Var(stacked_aval(r.aval, DYN)) for r in stacked]
    known_eqn = _while_known_eqn(eqn, kcond, known, num_res, stacked, count, res_vars,
                                 cc_uk, bc_uk, carry_uk, out_uk)
    # The linear part reads loop-invariant residuals as consts and the stacked ones as xs.
    res_in = unknown.invars[:num_res]
    fwd_in = [v for v, r in zip(res_in, res, strict=True) if r in known_consts]
    stk_in = [v for v, r in zip(res_in, res, strict=True) if r not in known_consts]
    nub = bc_uk.count(True)
    uk_ins = unknown.invars[num_res:]
    body = optimize.dce_jaxpr(core.Jaxpr([], fwd_in + uk_ins + stk_in, unknown.eqns,
                                         unknown.outvars))
    _, bc_ops, init_ops = _split3(eqn.invars, nc, nb)
    invars = [count, *[known_consts[r] for r in res if r in known_consts],
              *[o for o, u in zip(bc_ops, bc_uk, strict=True) if u],
              *[o for o, u in zip(init_ops, carry_uk, strict=True) if u], *res_vars]
    outvars = [v for v, u in zip(eqn.outvars, out_uk, strict=True) if u]
    unknown_eqn = core.JaxprEqn(scan_p, invars, outvars, _scan_params(
        body, None, len(fwd_in) + nub, carry_uk.count(True), False), eqn.source_info)
    return known_eqn, unknown_eqn, out_uk


def _while_known_eqn(eqn, kcond, known, num_res, stacked, count, res_vars, cc_uk, bc_uk,
                     carry_uk, out_uk):
    p = eqn.params
    nc, nb = p["cond_nconsts"], p["body_nconsts"]
    n = len(carry_uk)
    trips_in, trips_out = core.Var(_COUNT_AVAL), core.Var(_COUNT_AVAL)
    incr = core.JaxprEqn(elementwise.add_p, [trips_in, _int_literal(1)], [trips_out], {}, None)
    outs = known.outvars[:len(known.outvars) - num_res]
    nkc = carry_uk.count(False)
    body = optimize.dce_jaxpr(core.Jaxpr(
        [], [*known.invars, trips_in], [*known.eqns, incr],
        [*outs[:nkc], trips_out, *outs[nkc:], *stacked]))
    cond = optimize.dce_jaxpr(core.Jaxpr([], [*kcond.invars, core.Var(_COUNT_AVAL)],
                                         kcond.eqns, kcond.outvars[:1]))
    cc_ops, bc_ops, init_ops = _split3(eqn.invars, nc, nb)
    invars = [*[o for o, u in zip(cc_ops, cc_uk, strict=True) if not u],
              *[o for o, u in zip(bc_ops, bc_uk, strict=True) if not u],
              *[o for o, u in zip(init_ops, carry_uk, strict=True) if not u], _int_literal(0)]
    carry_out, ys_out = eqn.outvars[:n], eqn.outvars[n:]
    ys_known = [v for v, u in zip(ys_out, out_uk[n:], strict=True) if not u]
    outvars = [*[v for v, u in zip(carry_out, carry_uk, strict=True) if not u], count,
               *ys_known, *res_vars]
    params = {"cond_jaxpr": cond, "body_jaxpr": body, "cond_nconsts": cc_uk.count(False),
              "body_nconsts": bc_uk.count(False), "num_ys": len(ys_known) + len(res_vars)}
    return core.JaxprEqn(while_p, invars, outvars, params, eqn.source_info)


def _while_dce(eqn: core.JaxprEqn, used_outputs: list[bool]) -> core.JaxprEqn:
    p = eqn.params
    cond_jaxpr, body_jaxpr = p["cond_jaxpr"], p["body_jaxpr"]
    nc, nb = p["cond_nconsts"], p["body_nconsts"]
    n = len(eqn.invars) - nc - nb
    used_ys = used_outputs[n:]
    cond_used = _used_vars(cond_jaxpr)
    carry_used = [u or v in cond_used
                  for u, v in zip(used_outputs[:n], cond_jaxpr.invars[nc:], strict=True)]

    def step(used):
        live = _used_vars(optimize.dce_jaxpr(body_jaxpr, used + used_ys))
        return [v in live for v in body_jaxpr.invars[nb:]]

    carry_used = _fixpoint(carry_used, step)
    body = optimize.dce_jaxpr(body_jaxpr, carry_used + used_ys)
    body_used = _used_vars(body)
    keep_c = [v in cond_used for v in cond_jaxpr.invars[:nc]]
    keep_b = [v in body_used for v in body_jaxpr.invars[:nb]]
    cond = _keep_invars(cond_jaxpr, keep_c + carry_used)
    body = _keep_invars(body, keep_b + carry_used)
    invars = [v for v, k in zip(eqn.invars, keep_c + keep_b + carry_used, strict=True) if k]
    outvars = [v for v, k in zip(eqn.outvars, carry_used + used_ys, strict=True) if k]
    params = dict(p, cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=sum(keep_c),
                  body_nconsts=sum(keep_b), num_ys=sum(used_ys))
    return eqn.replace(invars=invars, outvars=outvars, params=params)


def _keep_invars(jaxpr: core.Jaxpr, keep: Sequence[bool]) -> core.Jaxpr:
    return core.Jaxpr([], [v for v, k in zip(jaxpr.invars, keep, strict=True) if k],
                      jaxpr.eqns, jaxpr.outvars)


while_p.partial_eval = _while_partial_eval
while_p.dce = _while_dce
while_p.subjaxprs = lambda params: [params["cond_jaxpr"], params["body_jaxpr"]]


# --------------------------------------------------------------------------- scan

scan_p = core.Primitive("scan", multiple_results=True)


def _scan_params(jaxpr, length, num_consts, num_carry, reverse) -> dict:
    return {"length": length, "reverse": reverse, "num_consts": num_consts,
            "num_carry": num_carry, "jaxpr": jaxpr}


def scan(jaxpr: core.Jaxpr, consts: Sequence, init: Sequence, xs: Sequence, *,
         length: int | None, reverse: bool = False, count=None) -> list:
    """Bind `scan`: `(carry, y) = body(consts, carry, x)` over the leading axis of `xs`.

    With `length=None` the scan has a dynamic length: `count` (an int scalar) is its first
    operand, its xs may be longer stacks (only the first `count` entries are read), and its
    ys have the leading size `*`.
    """
    head = [] if length is not None else [count]
    return scan_p.bind(*head, *consts, *init, *xs,
                       **_scan_params(jaxpr, length, len(consts), len(init), reverse))


def unstacked_aval(aval: core.ShapedArray) -> core.ShapedArray:
    return core.ShapedArray(aval.shape[1:], aval.dtype, aval.weak_type)


def _head(args, length) -> tuple[list, list]:
    """The trip-count operand of a dynamic scan (or nothing), and the other operands."""
    off = 0 if length is not None else 1
    return list(args[:off]), list(args[off:])


@scan_p.def_impl
def _scan_impl(*args, jaxpr, length, num_consts, num_carry, reverse):
    head, rest = _head(args, length)
    n = int(head[0]) if head else length
    consts, carry, xs = _split3(rest, num_consts, num_carry)
    out_avals = jaxpr.out_avals
    ys: list[list] = [[] for _ in out_avals[num_carry:]]
    body = _numpy_runner(jaxpr)
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        outs = body(*consts, *carry, *[x[i] for x in xs])
        carry = outs[:num_carry]
        for acc, y in zip(ys, outs[num_carry:], strict=True):
            acc.append(y)
    if reverse:
        for acc in ys:
            acc.reverse()
    carry_avals = jaxpr.in_avals[num_consts:num_consts + num_carry]
    return (_as_arrays(carry, carry_avals)
            + [_stack(acc, a) for acc, a in zip(ys, out_avals[num_carry:], strict=True)])


@scan_p.def_abstract_eval
def _scan_abstract_eval(*avals, jaxpr, length, num_consts, num_carry, reverse):
    head, rest = _head(avals, length)
    if head and (head[0].shape != () or head[0].dtype.kind not in "iu"):
        raise _factories.shape_error("scan", "the trip count of a dynamic-length scan must "
                                     "be an integer scalar", head[0])
    consts, carry, xs = _split3(rest, num_consts, num_carry)
    for i, a in enumerate(xs):
        if a.ndim == 0 or (length is not None and a.shape[0] != length):
            raise _factories.shape_error(
                "scan", f"scanned operand {i} must have a leading axis of length {length}", a)
    _check_operands("scan", "jaxpr", consts + carry + [unstacked_aval(a) for a in xs],
                    jaxpr.invars)
    outs = jaxpr.out_avals
    if len(outs) < num_carry:
        raise errors.ShapeError(f"scan: jaxpr returns {len(outs)} values, fewer than its "
                                f"{num_carry} carries")
    _check_carry("scan", carry, outs[:num_carry])
    lead = DYN if length is None else length
    return ([v.aval for v in jaxpr.invars[num_consts:num_consts + num_carry]]
            + [stacked_aval(a, lead) for a in outs[num_carry:]])


@scan_p.def_jvp
def _scan_jvp(primals, tangents, *, jaxpr, length, num_consts, num_carry, reverse):
    head, rest = _head(primals, length)
    consts, init, xs = _split3(rest, num_consts, num_carry)
    const_t, init_t, xs_t = _split3(_head(tangents, length)[1], num_consts, num_carry)
    c_nz, x_nz = _nonzero(const_t), _nonzero(xs_t)
    out_nz: list[bool] = []

    def step(carry_nz):
        out_nz[:] = ad.jvp_jaxpr(_closed(jaxpr), c_nz + carry_nz + x_nz)[1]
        return out_nz[:num_carry]

    carry_nz = _fixpoint(_nonzero(init_t), step)
    ys_nz = out_nz[num_carry:]
    prog, pconsts, _ = _jvp_program(jaxpr, c_nz + carry_nz + x_nz, carry_nz + ys_nz)
    k_c, k_car, k_x, k_y = sum(c_nz), sum(carry_nz), sum(x_nz), sum(ys_nz)
    P, C, CAR, X, CT, CART, XT = _chunks(range(len(prog.invars)), [
        len(pconsts), num_consts, num_carry, len(xs), k_c, k_car, k_x])
    CAR_OUT, Y, CART_OUT, YT = _chunks(range(len(prog.outvars)),
                                       [num_carry, len(ys_nz), k_car, k_y])
    body = _permute(prog, P + C + CT + CAR + CART + X + XT, CAR_OUT + CART_OUT + Y + YT)
    init_t = [core.instantiate(t) for t, z in zip(init_t, carry_nz, strict=True) if z]
    outs = scan(body, [*pconsts, *consts, *[t for t in const_t if not isinstance(t, Zero)]],
                [*init, *init_t], [*xs, *[t for t in xs_t if not isinstance(t, Zero)]],
                length=length, reverse=reverse, count=head[0] if head else None)
    carry, carry_t, ys, ys_t = _chunks(outs, [num_carry, k_car, len(ys_nz), k_y])
    return carry + ys, _tangents_out(carry + ys, carry_nz + ys_nz, carry_t + ys_t)


@scan_p.def_transpose
def _scan_transpose(cts, *args, jaxpr, length, num_consts, num_carry, reverse):
    """A reverse scan of the transposed body; cotangents of linear consts add up in its carry."""
    head, rest = _head(args, length)
    if any(isinstance(h, UndefPrimal) for h in head):
        raise NotImplementedError("transpose of scan: the trip count is not a linear input")
    consts, init, xs = _split3(rest, num_consts, num_carry)
    lin_c = [isinstance(c, UndefPrimal) for c in consts]
    lin_x = [isinstance(x, UndefPrimal) for x in xs]
    res_c = [c for c in consts if not isinstance(c, UndefPrimal)]
    res_x = [x for x in xs if not isinstance(x, UndefPrimal)]
    ct_ys = [c for c in cts[num_carry:] if not isinstance(c, Zero)]
    ys_nz = _nonzero(cts[num_carry:])
    # Carries are linear even when their initial value is a known zero (a value, not an
    # UndefPrimal): partial evaluation only leaves tangent carries in a linear program.
    linear = [*lin_c, *[True] * num_carry, *lin_x]
    acc_avals = [c.aval.strip_weak() for c in consts if isinstance(c, UndefPrimal)]
    carry_avals = [v.aval.strip_weak() for v in jaxpr.invars[num_consts:num_consts + num_carry]]
    sizes = [len(res_c), len(acc_avals), num_carry, len(res_x), len(ct_ys)]

    def body_fn(*a):
        rc, acc, ct_carry, rx, ct_y = _chunks(a, sizes)
        prog, pconsts = _transpose_program(jaxpr, linear, rc + rx, [True] * num_carry + ys_nz)
        got = core.eval_jaxpr(prog, [], *pconsts, *ct_carry, *ct_y)
        g_c, g_carry, g_x = _chunks(got, [len(acc), num_carry, sum(lin_x)])
        return [elementwise.add(s, g) for s, g in zip(acc, g_c, strict=True)] + g_carry + g_x

    in_avals = ([core.get_aval(c) for c in res_c] + acc_avals + carry_avals
                + [unstacked_aval(core.get_aval(x)) for x in res_x]
                + [unstacked_aval(core.get_aval(c)) for c in ct_ys])
    body, bconsts = trace_body(body_fn, in_avals)
    ct_carry = [core.instantiate(c) for c in cts[:num_carry]]
    outs = scan(body, [*bconsts, *res_c], [*[_zeros(a) for a in acc_avals], *ct_carry],
                [*res_x, *ct_ys], length=length, reverse=not reverse,
                count=head[0] if head else None)
    ct_c, ct_init, ct_x = _chunks(outs, [len(acc_avals), num_carry, sum(lin_x)])
    it_c, it_x = iter(ct_c), iter(ct_x)
    return (*[None] * len(head), *[next(it_c) if lin else None for lin in lin_c],
            *[c if isinstance(x, UndefPrimal) else None for c, x in zip(ct_init, init, strict=True)],
            *[next(it_x) if lin else None for lin in lin_x])


@scan_p.def_batch
def _scan_batch(args, dims, *, axis_size, jaxpr, length, num_consts, num_carry, reverse):
    head, rest = _head(args, length)
    hdims, rdims = _head(dims, length)
    consts, init, xs = _split3(rest, num_consts, num_carry)
    cdims, idims, xdims = _split3(rdims, num_consts, num_carry)
    # The scanned axis stays leading: a batched xs gets its batch axis at 1 (0 per step).
    xs = [_move_to(x, d, 1) for x, d in zip(xs, xdims, strict=True)]
    step_dims = [None if d is None else 0 for d in xdims]
    masked = bool(hdims) and hdims[0] is not None

    def step(carry_b):
        got = batching.batch_jaxpr(_closed(jaxpr), axis_size,
                                   cdims + _dims(carry_b) + step_dims)[1]
        return [d is not None for d in got[:num_carry]]

    carry_b = [True] * num_carry if masked else _fixpoint([d is not None for d in idims], step)
    carry_dims = _dims(carry_b)
    got = batching.batch_jaxpr(_closed(jaxpr), axis_size, cdims + carry_dims + step_dims)[1]
    ys_b = [d is not None for d in got[num_carry:]]
    body = batching.batch_jaxpr(_closed(jaxpr), axis_size, cdims + carry_dims + step_dims,
                                carry_dims + _dims(ys_b))[0]
    init = [_batched(x, d, b, axis_size) for x, d, b in zip(init, idims, carry_b, strict=True)]
    if masked:
        outs = _scan_batched_count(head[0], hdims[0], consts, init, xs, body, reverse)
    else:
        bj, bc = open_jaxpr(body)
        outs = scan(bj, [*bc, *consts], init, xs, length=length, reverse=reverse,
                    count=head[0] if head else None)
    return outs, carry_dims + [1 if b else None for b in ys_b]


def _scan_batched_count(count, count_dim, consts, init, xs, body, reverse) -> list:
    """A dynamic scan whose trip count differs per lane: run the largest count, and let each
    lane keep its carry on the trips beyond its own count (a trip counter tells which)."""
    num_carry = len(init)
    counts = elementwise.convert_element_type(_factories.moveaxis(count, count_dim, 0),
                                              dtypes.int_)
    total = reductions.reduce_max(counts, (0,))
    sizes = [len(consts), 1, num_carry, 1, len(xs)]

    def body_fn(*a):
        c, (cnt,), carry, (trip,), x = _chunks(a, sizes)
        outs = core.eval_jaxpr(body.jaxpr, body.consts, *c, *carry, *x)
        active = elementwise.lt(trip, cnt)
        nxt = elementwise.add(trip, np.array(-1 if reverse else 1, dtypes.int_)[()])
        return _select_lanes(active, outs[:num_carry], carry) + [nxt] + outs[num_carry:]

    in_avals = ([core.get_aval(c) for c in consts] + [core.get_aval(counts)]
                + [core.get_aval(x) for x in init] + [_COUNT_AVAL]
                + [unstacked_aval(core.get_aval(x)) for x in xs])
    bj, bc = trace_body(body_fn, in_avals)
    first = (elementwise.sub(total, np.array(1, dtypes.int_)[()]) if reverse
             else np.array(0, dtypes.int_)[()])
    outs = scan(bj, [*bc, *consts, counts], [*init, first], xs, length=None, reverse=reverse,
                count=total)
    return outs[:num_carry] + outs[num_carry + 1:]


def _scan_partial_eval(eqn: core.JaxprEqn, in_unknowns: list[bool]):
    """Known part: a scan on the known values that also stacks residuals as ys; unknown
    part: a scan that reads them as xs. Residuals that are known consts or xs are passed on."""
    p = eqn.params
    jaxpr, length, nc, ncar = p["jaxpr"], p["length"], p["num_consts"], p["num_carry"]
    head, rest = _head(eqn.invars, length)
    if head and in_unknowns[0]:
        return None, eqn, [True] * len(eqn.outvars)
    c_uk, i_uk, x_uk = _split3(_head(in_unknowns, length)[1], nc, ncar)
    carry_uk = _fixpoint(list(i_uk), lambda uk: _unknown_outs(jaxpr, c_uk + uk + x_uk)[:ncar])
    ny = len(jaxpr.outvars) - ncar
    known, unknown, out_uk, num_res = _split(jaxpr, c_uk + carry_uk + x_uk,
                                             carry_uk + [False] * ny)
    res = known.outvars[len(known.outvars) - num_res:]
    c_ops, i_ops, x_ops = _split3(rest, nc, ncar)
    c_in, _, x_in = _split3(jaxpr.invars, nc, ncar)
    const_of = {v: o for v, o, u in zip(c_in, c_ops, c_uk, strict=True) if not u}
    xs_of = {v: o for v, o, u in zip(x_in, x_ops, x_uk, strict=True) if not u}
    stacked = [r for r in res if r not in const_of and r not in xs_of]
    lead = DYN if length is None else length
    res_vars = [core.Var(stacked_aval(r.aval, lead)) for r in stacked]
    kouts = known.outvars[:len(known.outvars) - num_res]
    kbody = optimize.dce_jaxpr(core.Jaxpr([], known.invars, known.eqns, kouts + stacked))
    pick = _picker(False)
    k_invars = head + pick(c_ops, c_uk) + pick(i_ops, carry_uk) + pick(x_ops, x_uk)
    k_outvars = pick(eqn.outvars, out_uk) + res_vars
    known_eqn = core.JaxprEqn(scan_p, k_invars, k_outvars, _scan_params(
        kbody, length, c_uk.count(False), carry_uk.count(False), p["reverse"]),
        eqn.source_info) if k_outvars else None
    res_in, uk_ins = unknown.invars[:num_res], unknown.invars[num_res:]
    uc, ucar, ux = _chunks(uk_ins, [c_uk.count(True), carry_uk.count(True), x_uk.count(True)])
    fc_in = [v for v, r in zip(res_in, res, strict=True) if r in const_of]
    fx_in = [v for v, r in zip(res_in, res, strict=True) if r in xs_of]
    st_in = [v for v, r in zip(res_in, res, strict=True) if r not in const_of and r not in xs_of]
    ubody = optimize.dce_jaxpr(core.Jaxpr([], fc_in + uc + ucar + fx_in + st_in + ux,
                                          unknown.eqns, unknown.outvars))
    pick = _picker(True)
    u_invars = (head + [const_of[r] for r in res if r in const_of] + pick(c_ops, c_uk)
                + pick(i_ops, carry_uk) + [xs_of[r] for r in res if r in xs_of] + res_vars
                + pick(x_ops, x_uk))
    u_outvars = pick(eqn.outvars, out_uk)
    unknown_eqn = core.JaxprEqn(scan_p, u_invars, u_outvars, _scan_params(
        ubody, length, len(fc_in) + len(uc), len(ucar), p["reverse"]),
        eqn.source_info) if u_outvars else None
    return known_eqn, unknown_eqn, out_uk


def _picker(flag: bool) -> Callable[[Sequence, Sequence[bool]], list]:
    """`pick(values, flags)`: the values whose flag equals `flag`."""
    return lambda values, flags: [v for v, f in zip(values, flags, strict=True) if f == flag]


def _scan_dce(eqn: core.JaxprEqn, used_outputs: list[bool]) -> core.JaxprEqn:
    p = eqn.params
    jaxpr, nc, ncar = p["jaxpr"], p["num_consts"], p["num_carry"]
    head, rest = _head(eqn.invars, p["length"])
    used_ys = used_outputs[ncar:]
    c_in, car_in, x_in = _split3(jaxpr.invars, nc, ncar)

    def step(used):
        live = _used_vars(optimize.dce_jaxpr(jaxpr, used + used_ys))
        return [v in live for v in car_in]

    used_carry = _fixpoint(list(used_outputs[:ncar]), step)
    body = optimize.dce_jaxpr(jaxpr, used_carry + used_ys)
    live = _used_vars(body)
    keep = [v in live for v in c_in] + used_carry + [v in live for v in x_in]
    body = _keep_invars(body, keep)
    invars = head + [v for v, k in zip(rest, keep, strict=True) if k]
    outvars = [v for v, k in zip(eqn.outvars, used_carry + used_ys, strict=True) if k]
    params = _scan_params(body, p["length"], sum(keep[:nc]), sum(used_carry), p["reverse"])
    return eqn.replace(invars=invars, outvars=outvars, params=params)


scan_p.partial_eval = _scan_partial_eval
scan_p.dce = _scan_dce
scan_p.subjaxprs = lambda params: [params["jaxpr"]]
