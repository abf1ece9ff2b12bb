"""IR-to-IR optimization passes. Each takes a program and returns a new, equivalent one.

Owns the pipeline run after every transformation (`optimize`) and its passes, each usable on
its own on a `Jaxpr` (or, with a `_closed` wrapper, on a `ClosedJaxpr` and its constants):

- `simplify_jaxpr`: algebraic identities through the optional per-primitive hook
  `simplify(eqn, ctx) -> list of atoms | None` (see `SimplifyContext`);
- `fold_jaxpr`: constant folding, evaluating equations whose operands are all known (except
  `always_staged` ones, such as the Jacobian basis: they stay equations, so that hooks can see
  where their structure flows; their values are known to later folds, and `optimize` makes
  constants of the small ones left at the end);
- `cse_jaxpr`: common-subexpression elimination (operands of a `commutative` primitive in
  either order: `mul a b` and `mul b a`);
- `dce_jaxpr`: dead-code elimination.

Passes never change results, bit for bit: they never reassociate or reorder floating-point
arithmetic, and identities hold for every input including inf, NaN and -0.0 (so `x * 0` and
`x + 0.0` are never folded: `-0.0 + 0.0` is `+0.0`; zeros made by differentiation are symbolic
and never added in the first place). The one freedom taken is the sign and payload of a NaN
(`x * -1` becomes `neg x`), which IEEE 754 leaves unspecified for multiplication.
Passes are iterative (no recursion growing with program length); sub-jaxprs of higher-order
equations are optimized in place, keeping their inputs and outputs.
Does not own any identity of a particular primitive: those are the primitives' hooks.
"""
from __future__ import annotations

import contextlib
import gc
import math
import threading
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from functrans import core, ir

# Folding never creates a constant larger than this (in elements) unless its inputs were as
# large: a broadcast of a scalar is cheaper to recompute than to keep.
FOLD_MAX_SIZE = 1 << 16

Var = ir.Var
Literal = ir.Literal

# Bare sub-jaxprs already at their fixed point (the jit rules optimize what they bind).
_optimized: weakref.WeakSet = weakref.WeakSet()


# --------------------------------------------------------------------------- the hook's view


class SimplifyContext:
    """What a primitive's `simplify(eqn, ctx)` hook may look at and emit.

    The hook gets an equation whose operands are already rewritten, and returns None (keep
    it) or one atom per output to use instead: an operand, a `ctx.literal(...)`, or the result
    of `ctx.bind(...)`, which emits a new equation (itself simplified, folded and CSE'd).
    Replacements must have the type (shape and dtype) of the outputs they replace.
    """

    def __init__(self, known: dict, *, simplify: bool, fold: bool, cse: bool,
                 new_consts: bool, outputs: set):
        self.known = known            # Var -> NumPy value of constvars and folded constants
        self.defs: dict[Var, ir.JaxprEqn] = {}
        self.subst: dict[Any, Any] = {}
        self.eqns: list[ir.JaxprEqn] = []
        self.new_constvars: list[Var] = []
        self.new_consts: list = []
        self.changed = False
        self._cse: dict = {}
        self._uniform: dict[ir.Atom, Any] = {}   # keys are Vars
        self._do_simplify, self._do_fold, self._do_cse = simplify, fold, cse
        self._new_consts_ok = new_consts
        self._outputs = outputs        # the program's outputs keep their weak types
        self._source: ir.SourceInfo | None = None

    # -- queries
    def definition(self, atom: ir.Atom) -> ir.JaxprEqn | None:
        """The equation defining `atom` in the new program (None for inputs and literals)."""
        return self.defs.get(atom) if type(atom) is Var else None

    def value(self, atom: ir.Atom) -> Any:
        """The NumPy value of a literal or known constant, else None."""
        if type(atom) is Literal:
            return atom.val
        return self.known.get(atom)

    def scalar(self, atom: ir.Atom) -> Any:
        """The value of a literal, or of a known constant array whose elements are all equal
        bit for bit (as a NumPy scalar); else None."""
        if type(atom) is Literal:
            val = atom.val
            return val if isinstance(val, np.generic) else np.asarray(val)[()]
        if atom not in self.known:
            return None
        got = self._uniform.get(atom, self)
        if got is self:
            got = self._uniform[atom] = _uniform_scalar(np.asarray(self.known[atom]))
        return got

    # -- emitting
    def literal(self, value: Any, dtype: Any) -> Literal:
        """A rank-0 literal of `dtype`."""
        dtype = np.dtype(dtype)
        return Literal(dtype.type(value), ir.ShapedArray((), dtype))

    def bind(self, prim: core.Primitive, *invars: ir.Atom, **params: Any) -> Any:
        """Emit `prim[params] invars` (simplified like every equation); its output atom(s)."""
        avals = [v.aval for v in invars]
        # The ignore: the rule attributes are None until def_* sets them (each
        # primitive that can be bound has; tests/test_registry.py checks it).
        out = prim.abstract_eval(*avals, **params)  # type: ignore[misc]
        outvars = [Var(a) for a in out] if prim.multiple_results else [Var(out)]
        eqn = ir.JaxprEqn(prim, list(invars), outvars, params, self._source)
        outs = self._process(eqn)
        return outs if prim.multiple_results else outs[0]

    # -- the walk
    def run(self, eqns: Sequence[ir.JaxprEqn]) -> None:
        subst = self.subst
        process = self._process
        for eqn in eqns:
            if subst:
                invars = eqn.invars
                new = [subst.get(v, v) for v in invars]
                if new != invars:   # atoms compare by identity
                    eqn = ir.JaxprEqn(eqn.primitive, new, eqn.outvars, eqn.params,
                                        eqn.source_info)
            outvars = eqn.outvars
            outs = process(eqn)
            if outs is not outvars:
                self.changed = True
                for v, r in zip(outvars, outs, strict=True):
                    subst[v] = r

    def _process(self, eqn: ir.JaxprEqn) -> list:
        prim = eqn.primitive
        if getattr(prim, "effectful", False):
            # An effect (debug.print): never folded (it would run now), merged or dropped.
            self.eqns.append(eqn)
            return eqn.outvars
        if prim.simplify is not None and self._do_simplify:
            self._source = eqn.source_info   # what equations the hook emits are attributed to
            outs = prim.simplify(eqn, self)
            if outs is not None and self._accept(eqn, outs):
                return list(outs)
        higher_order = isinstance(prim, core.HigherOrderPrimitive)
        if self._do_fold and not higher_order:
            known = self.known
            for v in eqn.invars:
                if type(v) is not Literal and v not in known:
                    break
            else:
                outs = self._fold(eqn)
                if outs is not None:
                    return outs
        elif higher_order and (self._do_simplify or self._do_fold):
            new = _optimize_params(eqn)
            if new is not eqn:
                self.changed = True
                eqn = new
        if self._do_cse:
            # Same primitive, params (dict order is the wrapper's: a different order only
            # misses a match) and operands: variables by identity, literals by bits.
            params = eqn.params
            ops: Any = tuple([v if type(v) is Var else _literal_key(v) for v in eqn.invars])
            if len(ops) == 2 and getattr(prim, "commutative", False):
                ops = frozenset(ops)   # `mul a b` and `mul b a` are one value, bit for bit
            key: tuple | None = (prim, tuple(params.items()) if params else (), ops)
            try:
                prev = self._cse.get(key)
            except TypeError:   # an unhashable param: never merged
                prev, key = None, None
            if prev is not None:
                return prev
            if key is not None:
                self._cse[key] = eqn.outvars
        self.eqns.append(eqn)
        defs = self.defs
        for v in eqn.outvars:
            defs[v] = eqn
        return eqn.outvars

    def _accept(self, eqn: ir.JaxprEqn, outs: Sequence[ir.Atom]) -> bool:
        if len(outs) != len(eqn.outvars):
            raise AssertionError(f"simplify hook of '{eqn.primitive.name}' returned "
                                 f"{len(outs)} atoms for {len(eqn.outvars)} outputs")
        for v, r in zip(eqn.outvars, outs, strict=True):
            if not r.aval.same_type(v.aval):
                raise AssertionError(
                    f"simplify hook of '{eqn.primitive.name}' replaced an output of type "
                    f"{v.aval.str_short()} by one of type {r.aval.str_short()}")
            if v in self._outputs and r.aval.weak_type != v.aval.weak_type:
                return False   # the program's output types are part of its signature
        return True

    def _fold(self, eqn: ir.JaxprEqn) -> list | None:
        """Outputs of `eqn` (all operands known) as literals and new constants, or None."""
        prim = eqn.primitive
        vals = [v.val if type(v) is Literal else self.known[v] for v in eqn.invars]
        if prim.always_staged:
            self._know_structural(eqn, vals)
            return None
        largest_input = max([np.size(x) for x in vals], default=1)
        for v in eqn.outvars:
            if v.aval.shape == ():
                continue
            size = v.aval.size   # None: a run-time length, which no folded value matches
            if (not self._new_consts_ok or size is None
                    or size > max(FOLD_MAX_SIZE, largest_input)):
                return None
        if prim.impl is None:
            return None
        try:
            with np.errstate(all="ignore"):
                res = prim.impl(*vals, **eqn.params)
        except Exception:   # left for run time, where the error is reported
            return None
        res = list(res) if prim.multiple_results else [res]
        outs = []
        for v, r in zip(eqn.outvars, res, strict=True):
            r = np.asarray(r)
            if r.shape != v.aval.shape or r.dtype != v.aval.dtype:
                return None
            outs.append(r)
        return [self._constant(v, r) for v, r in zip(eqn.outvars, outs, strict=True)]

    def _know_structural(self, eqn: ir.JaxprEqn, vals: list) -> None:
        """An always-staged equation (the Jacobian basis) is never replaced by a constant: the
        hooks must keep seeing its equation. Its value is known to later folds, so whatever
        no hook rewrites folds exactly as it would have with a constant there."""
        if eqn.primitive.impl is None:
            return
        try:
            with np.errstate(all="ignore"):
                res = eqn.primitive.impl(*vals, **eqn.params)
        except Exception:   # left for run time, where the error is reported
            return
        res = list(res) if eqn.primitive.multiple_results else [res]
        for v, r in zip(eqn.outvars, res, strict=True):
            r = np.asarray(r)
            if r.shape == v.aval.shape and r.dtype == v.aval.dtype:
                self.known[v] = r

    def _constant(self, v: Var, r: np.ndarray) -> ir.Atom:
        if r.shape == ():
            return Literal(r[()], ir.ShapedArray((), r.dtype, v.aval.weak_type))
        c = Var(v.aval)
        self.known[c] = r
        self.new_constvars.append(c)
        self.new_consts.append(r)
        return c


def _uniform_scalar(x: np.ndarray) -> Any:
    """`x`'s first element if all elements are bitwise equal (so -0.0 differs from 0.0)."""
    if x.size == 0 or x.dtype.kind not in "biuf" or x.item(0) != x.item(-1):
        return None   # the last test decides most real arrays without a scan
    flat = np.ascontiguousarray(x).reshape(-1)
    bits = flat.view(np.dtype(f"u{flat.dtype.itemsize}"))
    if not bool((bits == bits[0]).all()):
        return None
    return flat[0]


def _literal_key(v: Literal) -> tuple:
    """Literals are equal when their values, signs (0.0 is not -0.0), dtypes and weak types
    are; a NaN equals no literal (a missed match, never a wrong one)."""
    x = v.val.item() if isinstance(v.val, (np.generic, np.ndarray)) else v.val
    if isinstance(x, complex):
        return (v.aval.dtype, v.aval.weak_type, x, math.copysign(1.0, x.real),
                math.copysign(1.0, x.imag))
    return (v.aval.dtype, v.aval.weak_type, x, math.copysign(1.0, x))


# --------------------------------------------------------------------------- sub-jaxprs


def _optimize_params(eqn: ir.JaxprEqn) -> ir.JaxprEqn:
    """`eqn` with every sub-jaxpr in its params optimized (same inputs and outputs)."""
    new = {}
    for k, val in eqn.params.items():
        opt = _optimize_param(val)
        if opt is not val:
            new[k] = opt
    return eqn.replace(params={**eqn.params, **new}) if new else eqn


def _optimize_param(val: Any) -> Any:
    if isinstance(val, ir.Jaxpr):
        return optimize_jaxpr(val)
    if isinstance(val, ir.ClosedJaxpr):
        # Its constants stay as they are: a rule may rely on how many there are.
        opt = optimize_jaxpr(val.jaxpr)
        return val if opt is val.jaxpr else ir.ClosedJaxpr(opt, val.consts)
    if isinstance(val, (tuple, list)) and any(
            isinstance(x, (ir.Jaxpr, ir.ClosedJaxpr, tuple, list)) for x in val):
        items = [_optimize_param(x) for x in val]
        if all(a is b for a, b in zip(items, val, strict=True)):
            return val
        return type(val)(items)
    return val


def optimize_jaxpr(jaxpr: ir.Jaxpr) -> ir.Jaxpr:
    """The pipeline on a Jaxpr whose constants are unknown, keeping its whole signature.

    This is how sub-jaxprs (params of higher-order equations) are optimized: constvars,
    invars and the number and types of outputs stay; folding makes scalar literals only.
    Returns `jaxpr` itself when nothing changes.
    """
    if jaxpr in _optimized:
        return jaxpr
    ctx = _walk(jaxpr, {}, new_consts=False)
    out = dce_jaxpr(_rebuilt(jaxpr, ctx))
    if ctx.changed or len(out.eqns) != len(jaxpr.eqns):
        out = ir.Jaxpr(jaxpr.constvars, out.invars, out.eqns, out.outvars)
    else:
        out = jaxpr
    _optimized.add(out)
    return out


# --------------------------------------------------------------------------- the passes


def _walk(jaxpr: ir.Jaxpr, known: dict, *, simplify: bool = True, fold: bool = True,
          cse: bool = True, new_consts: bool = True) -> SimplifyContext:
    ctx = SimplifyContext(known, simplify=simplify, fold=fold, cse=cse, new_consts=new_consts,
                          outputs={v for v in jaxpr.outvars if type(v) is Var})
    ctx.run(jaxpr.eqns)
    return ctx


def _rebuilt(jaxpr: ir.Jaxpr, ctx: SimplifyContext) -> ir.Jaxpr:
    outvars = [ctx.subst.get(v, v) for v in jaxpr.outvars]
    return ir.Jaxpr([*jaxpr.constvars, *ctx.new_constvars], jaxpr.invars, ctx.eqns, outvars)


def _known_consts(closed: ir.ClosedJaxpr) -> dict:
    # Tracers of an enclosing trace are constants whose values are not known yet.
    return {v: c for v, c in zip(closed.jaxpr.constvars, closed.consts, strict=True)
            if isinstance(c, (np.ndarray, np.generic))}


def _closed_pass(closed: ir.ClosedJaxpr, **flags: bool) -> ir.ClosedJaxpr:
    ctx = _walk(closed.jaxpr, _known_consts(closed), **flags)
    return ir.ClosedJaxpr(_rebuilt(closed.jaxpr, ctx), [*closed.consts, *ctx.new_consts])


def simplify_jaxpr(jaxpr: ir.Jaxpr) -> ir.Jaxpr:
    """`jaxpr` with the primitives' `simplify` hooks applied (dead equations are left)."""
    return _rebuilt(jaxpr, _walk(jaxpr, {}, fold=False, cse=False, new_consts=False))


def simplify_closed(closed: ir.ClosedJaxpr) -> ir.ClosedJaxpr:
    """`simplify_jaxpr` knowing the values of the constants."""
    return _closed_pass(closed, fold=False, cse=False)


def fold_jaxpr(jaxpr: ir.Jaxpr) -> ir.Jaxpr:
    """Equations of literals only evaluated to literals (constants unknown)."""
    return _rebuilt(jaxpr, _walk(jaxpr, {}, simplify=False, cse=False, new_consts=False))


def fold_closed(closed: ir.ClosedJaxpr) -> ir.ClosedJaxpr:
    """Constant folding: equations whose operands are literals or constants are evaluated;
    scalar results become literals, arrays new constants (the old ones are left for DCE)."""
    return _closed_pass(closed, simplify=False, cse=False)


def cse_jaxpr(jaxpr: ir.Jaxpr) -> ir.Jaxpr:
    """Common-subexpression elimination: an equation with the primitive, params (by value;
    sub-jaxprs by identity) and operands (variables by identity, literals by bits and dtype)
    of an earlier one reuses its outputs. Dead equations are left for DCE."""
    return _rebuilt(jaxpr, _walk(jaxpr, {}, simplify=False, fold=False, new_consts=False))


def cse_closed(closed: ir.ClosedJaxpr) -> ir.ClosedJaxpr:
    return _closed_pass(closed, simplify=False, fold=False)


def dce_jaxpr(jaxpr: ir.Jaxpr, used_outputs: Sequence[bool] | None = None) -> ir.Jaxpr:
    """`jaxpr` without the equations no (used) output depends on; inputs are kept.

    Args:
      used_outputs: which outputs to keep (default: all); unused ones are removed.
    """
    outvars = jaxpr.outvars if used_outputs is None else [
        v for v, used in zip(jaxpr.outvars, used_outputs, strict=True) if used]
    live = {v for v in outvars if isinstance(v, ir.Var)}
    add = live.add
    kept: list[ir.JaxprEqn] = []
    for eqn in reversed(jaxpr.eqns):
        eqn_outs = eqn.outvars
        if len(eqn_outs) == 1:
            if eqn_outs[0] not in live and not has_effect(eqn):
                continue
        else:
            used = [v in live for v in eqn_outs]
            if not any(used) and not has_effect(eqn):
                continue
            prim = eqn.primitive
            if (isinstance(prim, core.HigherOrderPrimitive) and prim.dce is not None
                    and not all(used) and any(used)):
                # Higher-order equations drop unused outputs (and what computes them) inside.
                eqn = prim.dce(eqn, used)
        for v in eqn.invars:
            if type(v) is Var:
                add(v)
        kept.append(eqn)
    kept.reverse()
    constvars = [v for v in jaxpr.constvars if v in live]
    return ir.Jaxpr(constvars, jaxpr.invars, kept, outvars)


def has_effect(eqn: ir.JaxprEqn) -> bool:
    """An effectful equation (`debug.print`), or a higher-order one with such an equation in
    a sub-program: dead-code elimination keeps it."""
    prim = eqn.primitive
    if getattr(prim, "effectful", False):
        return True
    if not isinstance(prim, core.HigherOrderPrimitive):
        return False
    todo = [s.jaxpr if isinstance(s, ir.ClosedJaxpr) else s for s in prim.subjaxprs(eqn.params)]
    while todo:   # iterative: sub-programs nest
        jaxpr = todo.pop()
        for e in jaxpr.eqns:
            if getattr(e.primitive, "effectful", False):
                return True
            if isinstance(e.primitive, core.HigherOrderPrimitive):
                todo.extend(s.jaxpr if isinstance(s, ir.ClosedJaxpr) else s
                            for s in e.primitive.subjaxprs(e.params))
    return False


def dce_closed(closed: ir.ClosedJaxpr,
               used_outputs: Sequence[bool] | None = None) -> ir.ClosedJaxpr:
    """`dce_jaxpr` on a ClosedJaxpr, dropping the constants no longer used."""
    jaxpr = dce_jaxpr(closed.jaxpr, used_outputs)
    kept = set(jaxpr.constvars)
    consts = [c for v, c in zip(closed.jaxpr.constvars, closed.consts, strict=True) if v in kept]
    return ir.ClosedJaxpr(jaxpr, consts)


def optimize(closed: ir.ClosedJaxpr) -> ir.ClosedJaxpr:
    """The standard pipeline run after every transformation: simplify, fold, CSE, then DCE.

    The first three run fused in one forward walk, so each equation is rewritten after its
    operands are final, and an equation a rewrite emits is itself rewritten before the walk
    goes on. No rewrite depends on how often a value is used, so removing dead code enables
    no further rewrite: one walk and one DCE reach the fixed point ("until no change"), and
    `optimize(optimize(p))` is `optimize(p)` (tested). Last, the always-staged equations
    left (a Jacobian basis no hook rewrote away) become constants when small. Cost:
    O(equations).
    """
    with collector_paused():
        ctx = _walk(closed.jaxpr, _known_consts(closed))
        return _materialized(dce_closed(ir.ClosedJaxpr(_rebuilt(closed.jaxpr, ctx),
                                                       [*closed.consts, *ctx.new_consts])))


def _materialized(closed: ir.ClosedJaxpr) -> ir.ClosedJaxpr:
    """`closed` with its operand-free always-staged equations (the Jacobian basis) turned into
    leading constants when they are no larger than FOLD_MAX_SIZE.

    They were kept as equations for the simplify hooks, which are done with this program; as
    constants they are not rebuilt on every run. (Inside sub-jaxprs, whose signature is fixed,
    and when large, they stay equations: `np.eye` is cheap next to O(n^2) work. Equations
    consuming only the basis may still fold into constants of its size, as any constant
    operand of that size allows.)
    """
    jaxpr = closed.jaxpr
    picked = [e for e in jaxpr.eqns if e.primitive.always_staged and not e.invars
              and e.primitive.impl is not None and not getattr(e.primitive, "effectful", False)
              and all(_foldable_size(v.aval) for v in e.outvars)]
    if not picked:
        return closed
    constvars, consts = [], []
    for eqn in picked:
        res = eqn.primitive.impl(**eqn.params)
        for v, r in zip(eqn.outvars, res if eqn.primitive.multiple_results else [res],
                        strict=True):
            r = np.asarray(r)
            r.flags.writeable = False   # kept by the program, like a snapshot
            constvars.append(v)
            consts.append(r)
    drop = {id(e) for e in picked}
    eqns = [e for e in jaxpr.eqns if id(e) not in drop]
    return ir.ClosedJaxpr(ir.Jaxpr([*constvars, *jaxpr.constvars], jaxpr.invars, eqns,
                                   jaxpr.outvars), [*consts, *closed.consts])


def _foldable_size(aval: ir.ShapedArray) -> bool:
    size = aval.size   # None: a run-time length
    return size is not None and size <= FOLD_MAX_SIZE


# The collector is one per process: pauses are counted across threads, so that one thread
# leaving its paused region never re-enables it under another still inside one (issue 19).
_pause_lock = threading.Lock()
_pause = {"depth": 0, "ours": False}


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """CPython's cycle collector paused: the walk allocates a few objects per equation, none
    in a cycle, and each collection would rescan the whole program (3x slower at 100,000
    equations). Rewrites (cache.py builds) pause it for the same reason. Reentrant and
    thread-safe: the first region to enter (in any thread) disables the collector if it was
    enabled, the last to leave enables it again, so it is left as it was found."""
    with _pause_lock:
        if _pause["depth"] == 0:
            _pause["ours"] = gc.isenabled()
            if _pause["ours"]:
                gc.disable()
        _pause["depth"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause["depth"] -= 1
            if _pause["depth"] == 0 and _pause["ours"]:
                _pause["ours"] = False
                gc.enable()
