"""Helpers shared by the control-flow primitives; owns no primitive and no rule.

Owns the types of stacks built by loops (`stacked_aval`, `unstacked_aval`: a leading size
`ir.DYN`, printed `*`, is known only at run time) and the NumPy helpers the loop impls use on
them; the sub-program utilities every rule uses (`trace_body`, `join_consts`, partial
evaluation with instantiated outputs, the JVP and transpose of a sub-program, per-lane
`select`, operand checks); and small helpers the two loops share (carry fixpoints, chunking,
trip counters, carry checks). The primitives are in `_cond`, `_while` and `_scan`.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from functrans import backend, core, dtypes, errors, evaluate, ir
from functrans.interpreters import ad, batching, optimize, partial_eval
from functrans.primitives import elementwise, shape

Zero = ir.Zero

# --------------------------------------------------------------------------- dynamic lengths


def stacked_aval(aval: ir.ShapedArray, length) -> ir.ShapedArray:
    """The type of `length` values of type `aval` stacked on a new leading axis."""
    return ir.ShapedArray((length, *aval.shape), aval.dtype)


def unstacked_aval(aval: ir.ShapedArray) -> ir.ShapedArray:
    return ir.ShapedArray(aval.shape[1:], aval.dtype, aval.weak_type)


def _typematch(actual: ir.ShapedArray, expected: ir.ShapedArray) -> bool:
    """Equal dtype and rank, and equal sizes except where either side is a dynamic size."""
    return (actual.dtype == expected.dtype and actual.ndim == expected.ndim
            and all(a == e or a is ir.DYN or e is ir.DYN
                    for a, e in zip(actual.shape, expected.shape, strict=True)))


def _join(avals: Sequence[ir.ShapedArray]) -> ir.ShapedArray:
    """The type of a value that may come from any of `avals` (sizes that differ become `*`)."""
    first = avals[0]
    sizes = tuple(s if all(a.shape[i] == s for a in avals) else ir.DYN
                  for i, s in enumerate(first.shape))
    return ir.ShapedArray(sizes, first.dtype, all(a.weak_type for a in avals))


def _concrete_shape(aval: ir.ShapedArray) -> tuple[int, ...]:
    return tuple(0 if s is ir.DYN else s for s in aval.shape)


def _zeros(aval: ir.ShapedArray):
    """Zeros of type `aval`; a dynamic size becomes 0 (an empty stack)."""
    return np.zeros(_concrete_shape(aval), aval.dtype, like=backend.like())


def _stack(values: list, aval: ir.ShapedArray) -> np.ndarray:
    """Per-trip values of type `aval` stacked on a new leading axis.

    Values with dynamic sizes (stacks made by an inner loop) may differ in those sizes: they
    are padded with zeros to the largest, which is safe because every reader of a stack also
    reads its trip count and never looks past it.
    """
    if not values:
        return np.zeros((0, *_concrete_shape(aval)), aval.dtype, like=backend.like())
    arrays = [backend.asarray(v, aval.dtype) for v in values]
    sizes = {a.shape for a in arrays}
    if len(sizes) > 1:
        top = tuple(max(s) for s in zip(*sizes, strict=True))
        arrays = [np.pad(a, [(0, t - n) for n, t in zip(a.shape, top, strict=True)])
                  for a in arrays]
    return np.stack(arrays)


def _numpy_runner(jaxpr: ir.Jaxpr) -> Callable[..., list]:
    """`jaxpr` evaluated with NumPy: what loop impls call on every trip.

    Impl operands are always concrete, so this skips `eval_jaxpr`'s checks and, during
    constant folding inside a trace, its inlining: the body runs as NumPy even then.
    """
    # The namespace is decided on the first trip: a loop's values stay in it, so the later
    # trips of a NumPy loop skip the per-run backend test.
    runner: list[Callable[..., list]] = []

    def run(*args: Any) -> list:
        if not runner:
            plain = backend.for_run((), args) is None
            runner.append(evaluate.run_host if plain else evaluate.run_numpy)
        return runner[0](jaxpr, (), args)
    return run


def _as_arrays(values, avals) -> list:
    """Outputs of an impl with exactly the dtypes its shape rule gives."""
    return [backend.asarray(x, a.dtype) for x, a in zip(values, avals, strict=True)]


# --------------------------------------------------------------------------- program helpers


def _closed(jaxpr: ir.Jaxpr) -> ir.ClosedJaxpr:
    return ir.ClosedJaxpr(jaxpr, [])


# --------------------------------------------------------------------------- rewrite memo


class _Memo(threading.local):
    def __init__(self):
        self.table: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_memo = _Memo()
_MEMO_PER_PROGRAM = 16


def _memoized(kind: str, jaxpr: ir.Jaxpr, args: tuple, build: Callable[[], tuple]) -> tuple:
    """`build()`, the rewrite `kind` of the const-free `jaxpr` with `args`, remembered per
    program (weakly) and per thread, as JAX caches `jvp_jaxpr` and `batch_jaxpr`.

    A rule rewrites its sub-program several times (a carry fixpoint, then the final program;
    the natural batch axes, then the program with fixed ones), and every rewrite of a program
    holding loops rewrites their bodies in turn: without the memo, nesting depth d cost 2**d
    or 3**d rewrites. A result holding tracers (a custom rule closing over a value of an
    enclosing trace) is not kept; the rules' version is part of the key.
    """
    key = (kind, args, core.rules_version())
    entries = _memo.table.get(jaxpr)
    if entries is not None and key in entries:
        return entries[key]
    out = build()
    programs = [p for p in out if isinstance(p, ir.ClosedJaxpr)]
    if not any(isinstance(c, core.Tracer) for p in programs for c in p.consts):
        if entries is None:
            entries = _memo.table.setdefault(jaxpr, {})
        if len(entries) >= _MEMO_PER_PROGRAM:
            entries.pop(next(iter(entries)))
        entries[key] = out
    return out


def jvp_sub(jaxpr: ir.Jaxpr, nonzeros: Sequence[bool]) -> tuple[ir.ClosedJaxpr, list[bool]]:
    """`ad.jvp_jaxpr` of a const-free sub-program, memoized (`_memoized`)."""
    closed, out_nz = _memoized("jvp", jaxpr, tuple(nonzeros),
                               lambda: ad.jvp_jaxpr(_closed(jaxpr), nonzeros))
    return closed, list(out_nz)


def batch_sub(jaxpr: ir.Jaxpr, axis_size: int, in_dims: Sequence[int | None],
              out_dims: Sequence[int | None] | None = None
              ) -> tuple[ir.ClosedJaxpr, list[int | None]]:
    """`batching.batch_jaxpr` of a const-free sub-program, memoized (`_memoized`)."""
    args = (axis_size, tuple(in_dims), None if out_dims is None else tuple(out_dims))
    closed, dims = _memoized("batch", jaxpr, args, lambda: batching.batch_jaxpr(
        _closed(jaxpr), axis_size, in_dims, out_dims))
    return closed, list(dims)


def _partial_eval_sub(jaxpr: ir.Jaxpr, in_unknowns: Sequence[bool]) -> tuple:
    """`partial_eval.partial_eval_jaxpr` of a const-free sub-program, memoized."""
    known, unknown, out_uk, num_res = _memoized(
        "pe", jaxpr, tuple(in_unknowns),
        lambda: partial_eval.partial_eval_jaxpr(_closed(jaxpr), in_unknowns))
    return known, unknown, list(out_uk), num_res


def trace_body(fn: Callable, in_avals: Sequence[ir.ShapedArray]) -> tuple[ir.Jaxpr, list]:
    """Trace `fn(*tracers) -> list` into a const-free program and the constants it needs.

    The constants (folded arrays, tracers of enclosing traces) become leading inputs, to be
    passed as leading operands of the loop or branch that runs the program.
    """
    jaxpr, consts = core.trace_flat(fn, in_avals)
    return optimize.dce_jaxpr(ir.open_consts(ir.ClosedJaxpr(jaxpr, consts))[0]), consts


def _split3(seq: Sequence, a: int, b: int) -> tuple[list, list, list]:
    seq = list(seq)
    return seq[:a], seq[a:a + b], seq[a + b:]


def _unknown_outs(jaxpr: ir.Jaxpr, in_unknowns: Sequence[bool]) -> list[bool]:
    return _partial_eval_sub(jaxpr, in_unknowns)[2]


def _split(jaxpr: ir.Jaxpr, in_unknowns: Sequence[bool], instantiate: Sequence[bool]):
    """`partial_eval_jaxpr`, with the outputs flagged in `instantiate` made unknown.

    Returns `(known, unknown, out_unknowns, num_res)` like `partial_eval_jaxpr`, as const-free
    Jaxprs. A known output that must be unknown becomes a residual the unknown side returns.
    """
    known, unknown, out_uk, num_res = _partial_eval_sub(jaxpr, in_unknowns)
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
        if isinstance(v, ir.Var):
            if v not in res:
                res.append(v)
                res_in.append(ir.Var(v.aval))
            v = res_in[res.index(v)]
        uk_outs.append(v)
        new_uk.append(True)
    known_j = ir.Jaxpr([], kj.invars, kj.eqns, kept_known + res)
    unknown_j = ir.Jaxpr([], res_in + list(uk_ins), unknown.eqns, uk_outs)
    return known_j, unknown_j, new_uk, len(res)


def _zeros_eqn(aval: ir.ShapedArray) -> tuple[list, ir.Atom]:
    """Equations (built directly, not traced) computing zeros of type `aval`, and the atom."""
    zero = ir.Literal(np.zeros((), aval.dtype)[()], ir.ShapedArray((), aval.dtype))
    if aval.shape == ():
        return [], zero
    shp = _concrete_shape(aval)
    out = ir.Var(ir.ShapedArray(shp, aval.dtype))
    eqn = ir.JaxprEqn(shape.broadcast_in_dim_p, [zero], [out],
                        {"shape": shp, "broadcast_dimensions": ()}, None)
    return [eqn], out


def join_consts(opened: Sequence[tuple[ir.Jaxpr, list]]) -> tuple[list[ir.Jaxpr], list]:
    """Programs that each take the constants of all of them (shared ones once) as leading inputs.

    `opened` holds `(jaxpr, consts)` pairs whose jaxpr takes its `consts` first; the result's
    programs all take the joined constants first, then their other inputs.
    """
    slots: list = []
    slot_avals: list[ir.ShapedArray] = []
    where: dict[int, list[int]] = {}
    maps = []
    for jaxpr, consts in opened:
        mapping: dict[int, ir.Var] = {}
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
        head = [mapping.get(k) or ir.Var(a) for k, a in enumerate(slot_avals)]
        out.append(ir.Jaxpr([], head + jaxpr.invars[len(consts):], jaxpr.eqns, jaxpr.outvars))
    return out, slots


def _jvp_program(jaxpr: ir.Jaxpr, nonzeros: Sequence[bool], want_zeros: Sequence[bool]):
    """The JVP of `jaxpr` whose tangent outputs are exactly those in `want_zeros`.

    Returns `(program, consts, out_nonzeros)`: the program takes its consts, the primals and the
    nonzero tangents, and returns the primal outputs, then the tangents of the outputs flagged
    in `want_zeros` (zeros where the JVP gives a symbolic zero). `out_nonzeros` says which
    outputs had a nonzero tangent.
    """
    closed, out_nz = jvp_sub(jaxpr, nonzeros)
    n = len(jaxpr.outvars)

    def fn(*args):
        outs = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *args)
        touts = iter(outs[n:])
        ts = [next(touts) if nz else None for nz in out_nz]
        return outs[:n] + [_zeros(v.aval.strip_weak()) if t is None else t
                           for t, v, w in zip(ts, jaxpr.outvars, want_zeros, strict=True) if w]

    program, consts = trace_body(fn, closed.in_avals)
    return program, consts, out_nz


def _transpose_program(jaxpr: ir.Jaxpr, linear: Sequence[bool], res: Sequence,
                       ct_nonzero: Sequence[bool]) -> tuple[ir.Jaxpr, list]:
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
    lin_closed = ir.ClosedJaxpr(ir.Jaxpr(nonlin_vars, lin_vars, j.eqns, j.outvars), res)
    program, consts = ir.open_consts(ad.transpose_jaxpr(lin_closed, len(lin_vars)))
    cts = iter(program.outvars)
    eqns, outs = list(program.eqns), []
    for v, lin in zip(j.invars, linear, strict=True):
        if lin and v in used:
            outs.append(next(cts))
        elif lin:
            zero_eqns, atom = _zeros_eqn(v.aval.strip_weak())
            eqns += zero_eqns
            outs.append(atom)
    return ir.Jaxpr([], program.invars, eqns, outs), consts


def _broadcast_pred(pred, aval: ir.ShapedArray):
    """A per-lane predicate `bool[B]` broadcast to a value of type `aval` batched at 0."""
    if aval.shape == core.get_aval(pred).shape:
        return pred
    return shape.broadcast_in_dim(pred, aval.shape, (0,))


def _select_lanes(pred, new: list, old: list) -> list:
    """Per lane (axis 0): `new` where `pred`, else `old`."""
    return [elementwise.select(_broadcast_pred(pred, core.get_aval(n)), n, o)
            for n, o in zip(new, old, strict=True)]


def _move_to(x, dim: int | None, dst: int):
    return x if dim is None else shape.moveaxis(x, dim, dst)


def _batched(x, dim: int | None, want: bool, axis_size: int):
    """`x` with its batch axis at 0 if `want` (broadcasting an unbatched `x`), else as is."""
    return shape.bdim_at_front(x, dim, axis_size) if want else x


def _check_operands(prim: str, what: str, avals, invars) -> None:
    if len(avals) != len(invars):
        raise errors.ShapeError(f"{prim}: {what} takes {len(invars)} operands, got {len(avals)}")
    for i, (a, v) in enumerate(zip(avals, invars, strict=True)):
        if not _typematch(a, v.aval):
            raise errors.ShapeError(f"{prim}: operand {i} of {what} has type {a.str_short()}, "
                                    f"but the program expects {v.aval.str_short()}")


def _used_vars(jaxpr: ir.Jaxpr) -> set:
    used = {v for e in jaxpr.eqns for v in e.invars if isinstance(v, ir.Var)}
    used.update(v for v in jaxpr.outvars if isinstance(v, ir.Var))
    return used


# --------------------------------------------------------------------------- shared loop helpers


def _chunks(seq: Sequence, sizes: Sequence[int]) -> list[list]:
    """`seq` cut into consecutive pieces of the given sizes (which must add up)."""
    out, i = [], 0
    for n in sizes:
        out.append(list(seq[i:i + n]))
        i += n
    assert i == len(seq), (i, len(seq))
    return out


def _permute(jaxpr: ir.Jaxpr, in_order: Sequence[int], out_order: Sequence[int]) -> ir.Jaxpr:
    return ir.Jaxpr([], [jaxpr.invars[i] for i in in_order], jaxpr.eqns,
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


_COUNT_AVAL = ir.ShapedArray((), dtypes.int_)


def _int_literal(value: int) -> ir.Literal:
    return ir.Literal(np.array(value, dtypes.int_)[()], _COUNT_AVAL)


def _check_carry(prim: str, carry_in, carry_out) -> None:
    for i, (a, b) in enumerate(zip(carry_in, carry_out, strict=True)):
        if not _typematch(b, a):
            raise errors.ShapeError(
                f"{prim}: the body turns carry {i} of type {a.str_short()} into "
                f"{b.str_short()}; a loop carry must keep its shape and dtype")


def _tangents_out(primals_out: list, nonzeros: list[bool], nz_tangents: list) -> list:
    it = iter(nz_tangents)
    return [next(it) if z else Zero(core.get_aval(p).strip_weak())
            for p, z in zip(primals_out, nonzeros, strict=True)]


def _keep_invars(jaxpr: ir.Jaxpr, keep: Sequence[bool]) -> ir.Jaxpr:
    return ir.Jaxpr([], [v for v, k in zip(jaxpr.invars, keep, strict=True) if k],
                    jaxpr.eqns, jaxpr.outvars)
