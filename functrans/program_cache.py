"""Reuse of transformed programs by un-jitted calls, keyed by the traced program's structure.

An un-jitted `grad(f)(x)` traces `f` on every call (its Python may do something different each
time), then transforms the traced program. The trace is usually the same program as last time:
same equations, same wiring, same literals; only the arrays it closes over may differ. This
module maps such a program, by its *structure*, to the optimized program of the whole
transformation, taking the closed-over arrays as ordinary inputs; a later call with the same
structure skips transformation and optimization and runs that program.

What the key holds (`structure_key`): the types (shape, dtype, weak type) of the constants and
inputs, and for each equation its primitive, its params by value and its operands (variables by
position, literals by dtype, weak type and bits, so `-0.0` is not `0.0`). Values of constants
are not in the key: they are inputs of the cached program. Programs with higher-order equations
(jit, control flow, custom derivatives: their params hold sub-programs or Python callables) are
never cached.

The cached program is built the first time a structure is seen, so every call behaves like
`jit` of the transformation (same results; dead code is not evaluated), except that
closed-over arrays are read on every call. Only params whose equality is their meaning are
keyed (ints, bools, strings, dtypes, tuples of them); a program with any other param is not
cached. The cache is a bounded LRU shared by all functions and threads: `info()`, `clear()`,
`set_max_size(n)` (0 turns it off), and `with disabled():` for the ordinary path in this
thread only (to compare, or to debug a transformation rule). Cached and ordinary calls agree
bit for bit except for the optimizer's documented freedoms (NaN sign and payload, the
structural zeros of Jacobian bases) and errors or warnings of dead code.
"""
from __future__ import annotations

import collections
import contextlib
import threading
from typing import Any, Callable

import numpy as np

from functrans import core, ir
from functrans.interpreters import optimize

_DEFAULT_SIZE = 256

_lock = threading.Lock()
_entries: collections.OrderedDict = collections.OrderedDict()
_max_size = _DEFAULT_SIZE
_stats = {"hits": 0, "misses": 0, "builds": 0, "uncacheable": 0}
_FAILED = object()   # building raised: this structure always takes the ordinary path
_skeletons: collections.OrderedDict = collections.OrderedDict()   # builds per skeleton
_VOLATILE_LIMIT = 8
MAX_EQUATIONS = 1_000_000   # all cached programs together hold at most this many equations
_total_eqns = 0
_rules_seen = -1   # core.rules_version() when the entries were built
_local = threading.local()   # .off: `disabled()` is active in this thread


def info() -> dict[str, int]:
    """Counters and size: hits, misses (first sightings), builds, uncacheable, size (entries),
    maxsize, equations (in all cached programs; at most MAX_EQUATIONS)."""
    with _lock:
        return {**_stats, "size": len(_entries), "maxsize": _max_size,
                "equations": _total_eqns}


def clear() -> None:
    """Forget every cached program and reset the counters."""
    with _lock:
        _entries.clear()
        _skeletons.clear()
        global _total_eqns
        _total_eqns = 0
        for k in _stats:
            _stats[k] = 0


def set_max_size(n: int) -> None:
    """Keep at most `n` structures (0 disables the cache). Default 256."""
    global _max_size
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"set_max_size: n must be a non-negative int, got {n!r}.")
    with _lock:
        _max_size = n
        _trim()


@contextlib.contextmanager
def disabled():
    """Within this block, this thread's transformations neither use nor fill the cache."""
    saved = getattr(_local, "off", False)
    _local.off = True
    try:
        yield
    finally:
        _local.off = saved


def _size(entry) -> int:
    return len(entry.jaxpr.eqns) if isinstance(entry, ir.ClosedJaxpr) else 0


def _trim() -> None:
    """Evict least recently used entries beyond `_max_size` entries or `MAX_EQUATIONS` in all."""
    global _total_eqns
    while _entries and (len(_entries) > _max_size or _total_eqns > MAX_EQUATIONS):
        _total_eqns -= _size(_entries.popitem(last=False)[1])


def _store(key, entry) -> None:
    global _total_eqns
    old = _entries.pop(key, None)
    _total_eqns -= _size(old)
    if _size(entry) <= MAX_EQUATIONS:   # a program larger than the whole budget is not kept
        _entries[key] = entry
        _total_eqns += _size(entry)
    _trim()


# --------------------------------------------------------------------------- the key

_PLAIN = frozenset([int, bool, str, type(None), np.int64, np.int32, np.bool_])


def _param_key(x):
    """`x` itself if it is a value whose equality is its meaning: ints, bools, strings, None,
    dtypes, and tuples (named or not) of those. Anything else raises TypeError (the program is
    not cached): floats compare 0.0 == -0.0, and other objects (Python callables, rule
    objects made per call) compare by identity, which would only fill the cache."""
    t = type(x)
    if t in _PLAIN or t is _DTYPE or isinstance(x, np.dtype):
        return x
    if isinstance(x, tuple):
        for e in x:
            if type(e) is not int:
                _param_key(e)   # raises for an element not keyed by value
        return x if t is tuple else (t, x)   # a named tuple's type is part of its meaning
    raise TypeError(f"param of type {t.__name__}")


_DTYPE = type(np.dtype(np.float64))


def structure_key(jaxpr: ir.Jaxpr, with_source: bool = False, literals: bool = True):
    """A hashable key equal for two programs iff they are the same up to renaming of variables
    (constants' values aside; source lines too unless `with_source`, values of literals too
    unless `literals`); None if the program is not cacheable."""
    lit = _literal_key if literals else _literal_type
    ids: dict[ir.Var, int] = {}
    n = 0
    sig = []
    for v in (*jaxpr.constvars, *jaxpr.invars):
        ids[v] = n
        n += 1
        a = v.aval
        sig.append((a.shape, a.dtype, a.weak_type))
    parts: list[Any] = [len(jaxpr.constvars), tuple(sig)]
    append = parts.append
    Var = ir.Var
    try:
        for eqn in jaxpr.eqns:
            prim = eqn.primitive
            if isinstance(prim, core.HigherOrderPrimitive):
                return None
            ins = tuple([ids[v] if type(v) is Var else lit(v) for v in eqn.invars])
            for v in eqn.outvars:
                ids[v] = n
                n += 1
            params = eqn.params
            append((prim, ins, tuple([(k, _param_key(p)) for k, p in params.items()])
                    if params else ()))
            if with_source:
                append(eqn.source_info)
        append(tuple([ids[v] if type(v) is Var else lit(v) for v in jaxpr.outvars]))
        key = tuple(parts)
        hash(key)
    except TypeError:   # a param that is not keyed by value (see _param_key), or unhashable
        return None
    return key


def _literal_type(v: ir.Literal):
    return (v.aval.dtype, v.aval.weak_type)


def _literal_key(v: ir.Literal):
    val = v.val
    bits = val.tobytes() if isinstance(val, np.generic) else np.asarray(val, v.aval.dtype).tobytes()
    return (v.aval.dtype, v.aval.weak_type, bits)


# --------------------------------------------------------------------------- lookup


def program_for(kind: Any, closed: ir.ClosedJaxpr, args: list,
                compute: Callable[[ir.ClosedJaxpr, list, int], list]):
    """The cached program computing `compute(closed, args, 0)` from `(*closed.consts, *args)`,
    built on the first sighting of the structure; None if it is not cacheable.

    Outside any trace the program is optimized, so every call of a structure, the first
    included, behaves like `jit` of the transformation (same results, no work for dead code).
    Inside a trace (a transformation nested in another) it is the raw rewrite, replayed into
    the enclosing trace, whose own result is optimized at the end; its key then includes
    source lines (those of the equations and of the call), which replayed equations carry
    into IR dumps, so the enclosing program does not depend on what ran before.

    A structure whose literals keep changing (a closed-over Python scalar that differs on
    every call, say) would be rebuilt on every call: after `_VOLATILE_LIMIT` builds that differ
    only in literal values, that skeleton takes the ordinary path instead.

    Args:
      kind: hashable; everything besides the program that `compute`'s result depends on (the
        transformation and its options). With the structure of `closed`, it must determine the
        types of `args` (e.g. tangents typed like the primals, batched inputs by axis size).
      compute: `(closed, flat_args, n_lead) -> flat results`, traceable; `n_lead` leading
        inputs of `closed` are its former constants (never differentiated, never batched).
    """
    if _max_size == 0 or getattr(_local, "off", False):
        return None
    global _rules_seen, _total_eqns
    if _rules_seen != core.rules_version():
        # A primitive's rule was defined or replaced since the programs were built.
        with _lock:
            _entries.clear()
            _skeletons.clear()
            _total_eqns = 0
            _rules_seen = core.rules_version()
    nested = core.current_trace() is not None
    skey = structure_key(closed.jaxpr, with_source=nested)
    if skey is None:
        with _lock:
            _stats["uncacheable"] += 1
        return None
    key = (kind, core.user_source_info(), skey) if nested else (kind, skey)
    with _lock:
        entry = _entries.get(key)
        if entry is not None:
            _entries.move_to_end(key)
            if entry is _FAILED:
                return None
            _stats["hits"] += 1
            return entry
        _stats["misses"] += 1
    skeleton = (kind, nested, structure_key(closed.jaxpr, with_source=nested, literals=False))
    with _lock:
        builds = _skeletons.get(skeleton, 0)
        if builds >= _VOLATILE_LIMIT:
            _skeletons.move_to_end(skeleton)
            _stats["uncacheable"] += 1
            return None
        _skeletons[skeleton] = builds + 1
        _skeletons.move_to_end(skeleton)
        while len(_skeletons) > max(_max_size, 1):
            _skeletons.popitem(last=False)
    try:
        program = _build(closed, args, compute, optimized=not nested)
    except Exception:   # noqa: BLE001
        # Staging failed where the ordinary path may work: keep the ordinary path for this
        # structure (its errors, if any, are the ones users know).
        with _lock:
            _store(key, _FAILED)
        return None
    with _lock:
        _stats["builds"] += 1
        _store(key, program)
    return program


def _build(closed: ir.ClosedJaxpr, args: list, compute, optimized: bool) -> ir.ClosedJaxpr:
    """`compute` traced on `closed` with its constants turned into leading inputs."""
    jaxpr = closed.jaxpr
    lifted = ir.ClosedJaxpr(
        ir.Jaxpr([], [*jaxpr.constvars, *jaxpr.invars], jaxpr.eqns, jaxpr.outvars), [])
    n_lead = len(jaxpr.constvars)
    avals = [*(v.aval for v in jaxpr.constvars), *(core.get_aval(x) for x in args)]
    body, consts = core.trace_flat(lambda *xs: compute(lifted, list(xs), n_lead), avals,
                                   jaxpr.eqns[0].source_info if jaxpr.eqns else None)
    program = ir.ClosedJaxpr(body, consts)
    return optimize.optimize(program) if optimized else program
