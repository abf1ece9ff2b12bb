"""The program cache: one bounded LRU of built programs, shared by `jit` and the un-jitted
transformations.

An un-jitted `grad(f)(x)` traces `f` on every call (its Python may do something different each
time), then builds the transformed program. The trace is usually the same program as last
time: same equations, same wiring, same literals; only the arrays it closes over may differ.
`ProgramCache.program` maps such a program, by its *structure* and the transformation (`kind`),
to the program of the whole transformation, which takes the closed-over arrays as ordinary
leading inputs; a later call with the same structure skips the rewrite and the optimizer.
`jit` keeps its traced and optimized programs here too, keyed by the function and the
arguments' signature (`get`/`put` with a per-function bound).

What the structure key holds (`structure_key`): the types of the constants and inputs, and
for each equation its primitive, its params and its operands (variables by position,
literals by dtype, weak type and bits, so `-0.0` is not `0.0`). Params are keyed by value
(ints, floats by bits, strings, dtypes, tuples), sub-programs by their structure
(recursively: control flow and `jit` calls are cached like any program), plain Python
functions by identity, and objects offering a `cache_key()` by that key, itself keyed like a
param (so the programs in it count by structure; None: the object cannot be keyed); a
program with any other param (an object made on every call, which would only fill the
cache) is not cached. The custom-derivative rule objects key themselves by their traced
programs (`custom_derivatives._common.StagedRules.cache_key`). Values of constants are not
in the key: they are inputs of the cached program.

Programs built outside any trace are optimized (`optimize.optimize`), so every call of a
structure, the first included, behaves like `jit` of the transformation. Inside a trace (a
transformation nested in another) the program is the raw rewrite, cleaned of dead code,
which the caller inlines into the enclosing trace, whose own result is optimized at the end;
its key then includes source lines (those of the equations and of the call), which inlined
equations carry into IR dumps. A program that is not kept (the cache is disabled in this
thread, or the program cannot be cached) is built the same way and only cleaned of dead code:
it runs once, and the optimizer would cost more than it saves.

Invalidation is explicit: entries built with other rules (`core.rules_version()` changed: a
primitive's rule was defined or replaced) are dropped at the next lookup, and `clear()`
forgets everything. Failures to build raise; nothing is stored for them.
"""
from __future__ import annotations

import collections
import contextlib
import struct
import threading
import types
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np

from functrans import core, ir
from functrans.interpreters import optimize

Program = Any   # a ClosedJaxpr, or a tuple holding ClosedJaxprs (and other values)


class ProgramCache:
    """A thread-safe LRU of programs bounded by entries and by equations in all.

    `info()` gives the counters, `clear()` forgets everything, `set_max_size(n)` bounds the
    entries (0 turns the cache off), and `with disabled():` turns it off in this thread only
    (to compare, or to debug a transformation rule).
    """

    VOLATILE_LIMIT = 8   # builds of one skeleton that differ only in literal values

    def __init__(self, max_size: int = 256, max_equations: int = 1_000_000):
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._groups: dict[Hashable, Hashable] = {}   # key -> group (jit: its function)
        self._skeletons: collections.OrderedDict = collections.OrderedDict()
        self._stats = {"hits": 0, "misses": 0, "builds": 0, "uncacheable": 0}
        self._total = 0
        self._rules_seen = core.rules_version()
        self._local = threading.local()
        self.max_size = max_size
        self.max_equations = max_equations

    # -- control

    def info(self) -> dict[str, int]:
        """Counters and size: hits, misses (lookups that found nothing), builds, uncacheable, size
        (entries), maxsize, equations (in all cached programs; at most `max_equations`)."""
        with self._lock:
            return {**self._stats, "size": len(self._entries), "maxsize": self.max_size,
                    "equations": self._total}

    def clear(self) -> None:
        """Forget every program and reset the counters."""
        with self._lock:
            self._forget()
            for k in self._stats:
                self._stats[k] = 0

    def set_max_size(self, n: int) -> None:
        """Keep at most `n` entries (0 disables the cache). Default 256."""
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"set_max_size: n must be a non-negative int, got {n!r}.")
        with self._lock:
            self.max_size = n
            self._trim()

    @contextlib.contextmanager
    def disabled(self) -> Iterator[None]:
        """Within this block, this thread's transformations and jitted functions neither use
        nor fill the cache."""
        saved = getattr(self._local, "off", False)
        self._local.off = True
        try:
            yield
        finally:
            self._local.off = saved

    def enabled(self) -> bool:
        """Whether this thread may use the cache now."""
        return self.max_size > 0 and not getattr(self._local, "off", False)

    # -- entries keyed by the caller (jit)

    def get(self, key: Hashable) -> Program | None:
        """The entry stored under `key`, or None (counted as a hit or a miss)."""
        if not self.enabled():
            return None
        self._check_rules()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self._stats["misses"] += 1
                return None
            self._entries.move_to_end(key)
            self._stats["hits"] += 1
            return entry

    def put(self, key: Hashable, entry: Program, group: Hashable = None,
            group_size: int | None = None) -> None:
        """Store `entry`; with `group`, at most `group_size` entries of that group are kept
        (the least recently used of the group go first)."""
        if not self.enabled():
            return
        with self._lock:
            self._stats["builds"] += 1
            self._store(key, entry, group)
            if group is not None and group_size is not None:
                mine = [k for k in self._entries if self._groups.get(k) is group]
                for k in mine[:max(len(mine) - group_size, 0)]:
                    self._drop(k)

    def group_size(self, group: Hashable) -> int:
        with self._lock:
            return sum(1 for g in self._groups.values() if g is group)

    # -- programs keyed by structure (un-jitted transformations)

    def program(self, kind: Hashable, closed: ir.ClosedJaxpr,
                build: Callable[[ir.ClosedJaxpr], Program], nested: bool) -> Program:
        """The program `build(lifted)` for `lifted`, `closed` taking its constants as leading
        inputs: looked up by `kind` and the structure of `closed`, else built (optimized when
        kept and not `nested`; see the module docstring) and stored.

        Args:
          kind: hashable; everything besides the program that `build`'s result depends on
            (the transformation and its options).
          build: a rewrite of the lifted program (an `interpreters` function with its
            static configuration bound).
          nested: the program will be inlined into an enclosing trace.
        """
        if not self.enabled():
            return _built(build, closed, False)
        version = self._check_rules()
        skey = structure_key(closed.jaxpr, with_source=nested)
        if skey is None:
            with self._lock:
                self._stats["uncacheable"] += 1
            return _built(build, closed, False)
        key = (kind, core.user_source_info(), skey) if nested else (kind, skey)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self._stats["hits"] += 1
                return entry
            self._stats["misses"] += 1
        skeleton = (kind, nested, structure_key(closed.jaxpr, with_source=nested,
                                                literals=False))
        if not self._count_build(skeleton, key):
            return _built(build, closed, False)
        program = _built(build, closed, not nested)
        with self._lock:
            self._stats["builds"] += 1
            if core.rules_version() == version:   # else built with rules since replaced
                self._store(key, program, None)
        return program

    # -- internals (called with the lock held unless said otherwise)

    def _count_build(self, skeleton: Hashable, key: Hashable) -> bool:
        """Note a build of `key`, a variant of `skeleton` (the structure without literal
        values); False once `VOLATILE_LIMIT` distinct variants of it were built (a closed-over
        Python scalar that differs on every call, say): it is not cached any more. Building a
        known variant again (after its eviction) does not count."""
        with self._lock:
            variants = self._skeletons.get(skeleton)
            if variants is None:
                variants = self._skeletons[skeleton] = set()
            self._skeletons.move_to_end(skeleton)
            while len(self._skeletons) > max(self.max_size, 1):
                self._skeletons.popitem(last=False)
            h = hash(key)
            if h in variants:
                return True
            if len(variants) >= self.VOLATILE_LIMIT:
                self._stats["uncacheable"] += 1
                return False
            variants.add(h)
            return True

    def _check_rules(self) -> int:
        """The rules' version, the cache emptied first if a primitive's rule was defined or
        replaced since the programs were built."""
        version = core.rules_version()
        if version != self._rules_seen:
            with self._lock:
                self._forget()
                self._rules_seen = version
        return version

    def _forget(self) -> None:
        self._entries.clear()
        self._sizes.clear()
        self._groups.clear()
        self._skeletons.clear()
        self._total = 0

    def _store(self, key: Hashable, entry: Program, group: Hashable | None) -> None:
        if key in self._entries:
            self._drop(key)
        size = _equations(entry)
        if size <= self.max_equations:   # a program larger than the whole budget is not kept
            self._entries[key] = entry
            self._sizes[key] = size
            self._total += size
            if group is not None:
                self._groups[key] = group
        self._trim()

    def _drop(self, key: Hashable) -> None:
        del self._entries[key]
        self._total -= self._sizes.pop(key)
        self._groups.pop(key, None)

    def _trim(self) -> None:
        while self._entries and (len(self._entries) > self.max_size
                                 or self._total > self.max_equations):
            self._drop(next(iter(self._entries)))


CACHE = ProgramCache()   # the one instance: jit and every transformation use it


def _equations(entry: Program) -> int:
    if isinstance(entry, ir.ClosedJaxpr):
        return len(entry.jaxpr.eqns)
    if isinstance(entry, tuple):
        return sum(_equations(e) for e in entry)
    return 0


def _built(build: Callable, closed: ir.ClosedJaxpr, optimized: bool) -> Program:
    """`build` of the lifted `closed`, optimized or only cleaned of dead code. The cycle
    collector is paused meanwhile: rewrites allocate a few objects per equation and no cycle
    (see `optimize.collector_paused`)."""
    with optimize.collector_paused():
        program = build(_lifted(closed))
        return _optimized(program) if optimized else _clean(program)


def _lifted(closed: ir.ClosedJaxpr) -> ir.ClosedJaxpr:
    """`closed` taking its constants as leading inputs (what a cached program is built from)."""
    return ir.ClosedJaxpr(ir.open_consts(closed)[0], [])


def _clean(program: Program) -> Program:
    if isinstance(program, tuple):
        return tuple(_clean(p) for p in program)
    return optimize.dce_closed(program) if isinstance(program, ir.ClosedJaxpr) else program


def _optimized(program: Program) -> Program:
    if isinstance(program, tuple):
        return tuple(_optimized(p) for p in program)
    return optimize.optimize(program) if isinstance(program, ir.ClosedJaxpr) else program


# --------------------------------------------------------------------------- the key

_PLAIN = frozenset([int, str, type(None), np.int64, np.int32])   # keyed as themselves
_DTYPE = type(np.dtype(np.float64))
_DOUBLE = struct.Struct('<d')
_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)


class _Unkeyable(Exception):
    """A param whose meaning is not its value (see `_param_key`): the program is not cached."""


def _param_key(x: Any, with_source: bool, literals: bool) -> Any:
    """A hashable stand-in for the param `x`, equal for params of the same meaning."""
    t = type(x)
    if t in _PLAIN or t is _DTYPE:
        return x
    if isinstance(x, tuple):
        # Most params are tuples of ints (or of such tuples), keyed as themselves.
        items = None
        for i, e in enumerate(x):
            k = e if type(e) in _PLAIN else _param_key(e, with_source, literals)
            if items is None:
                if k is e:
                    continue
                items = list(x[:i])
            items.append(k)
        if items is not None:
            x = tuple(items)
        return x if t is tuple else (t, x)   # a named tuple's type is part of its meaning
    if t is bool or t is np.bool_:
        return (t, x)   # not x itself: True == 1 and (True,) == (1,)
    if t is float:
        return (t, _DOUBLE.pack(x))   # by bits: 0.0 == -0.0 as floats
    if isinstance(x, np.floating):
        return (t, x.tobytes())
    if isinstance(x, np.dtype):
        return x
    if t is list:
        return (t, _param_key(tuple(x), with_source, literals))
    if t is ir.Jaxpr:
        return (t, _structure(x, with_source, literals))
    if t is ir.ClosedJaxpr:
        return (t, _structure(x.jaxpr, with_source, literals),
                tuple([_const_key(c, literals) for c in x.consts]))
    if t is ir.ShapedArray:
        return x
    if isinstance(x, _FUNCTIONS):
        return x if literals else t   # by identity (a skeleton ignores which function)
    key = getattr(x, "cache_key", None)
    if key is not None:
        # The object's own key, keyed like a param: the programs in it by structure, the
        # objects in it by their keys (the custom-derivative rules, `custom_derivatives`).
        k = key()
        if k is None:   # its behaviour is not captured yet (e.g. rules not traced)
            raise _Unkeyable(t.__name__)
        return (t, _param_key(k, with_source, literals))
    raise _Unkeyable(t.__name__)


def _const_key(c: Any, literals: bool) -> Hashable:
    """A sub-program's constant: scalars by bits, arrays by identity (kept alive by the key);
    in a skeleton (not `literals`) arrays by type only, so a sub-program closing over a new
    array on every call (one computed in a custom rule, say) counts as volatile."""
    if isinstance(c, np.ndarray) and c.ndim:
        return _Identity(c) if literals else (c.shape, c.dtype)
    if isinstance(c, (np.ndarray, np.generic)):
        return (c.dtype, c.tobytes())
    raise _Unkeyable(type(c).__name__)


class _Identity:
    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return type(other) is _Identity and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


def structure_key(jaxpr: ir.Jaxpr, with_source: bool = False, literals: bool = True
                  ) -> tuple | None:
    """A hashable key equal for two programs iff they are the same up to renaming of variables
    (constants' values aside; source lines too unless `with_source`, values of literals too
    unless `literals`); None if the program is not cacheable."""
    try:
        key = _structure(jaxpr, with_source, literals)
        hash(key)
    except (_Unkeyable, TypeError):   # TypeError: a param that is not hashable
        return None
    return key


def _structure(jaxpr: ir.Jaxpr, with_source: bool, literals: bool) -> tuple:
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
    for eqn in jaxpr.eqns:
        ins = tuple([ids[v] if type(v) is Var else lit(v) for v in eqn.invars])
        for v in eqn.outvars:
            ids[v] = n
            n += 1
        params = eqn.params
        append((eqn.primitive, ins,
                tuple([(k, _param_key(p, with_source, literals)) for k, p in params.items()])
                if params else ()))
        if with_source:
            append(eqn.source_info)
    append(tuple([ids[v] if type(v) is Var else lit(v) for v in jaxpr.outvars]))
    return tuple(parts)


def _literal_type(v: ir.Literal) -> tuple:
    return (v.aval.dtype, v.aval.weak_type)


def _literal_key(v: ir.Literal) -> tuple:
    val = v.val
    bits = val.tobytes() if isinstance(val, np.generic) else np.asarray(val, v.aval.dtype).tobytes()
    return (v.aval.dtype, v.aval.weak_type, bits)
