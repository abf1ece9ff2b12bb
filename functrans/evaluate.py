"""Evaluating a program: with NumPy, or by inlining it into the current trace.

Owns `eval_jaxpr` (outside any trace it runs the program with NumPy, inside one it binds each
equation there, which inlines the program), the equation-walking helpers every interpreter
shares (`eval_eqns`, `bind_eqn`, `write_outputs`, `env_reader`) and NumPy execution
(`run_numpy`): the first evaluation of a program interprets it; a program evaluated again is
compiled into Python source generated once (one call of each equation's NumPy implementation
on local variables, `del` after each last use), so per-equation overhead is a local load and
a call, not dict lookups. Installs `ir.ClosedJaxpr.__call__` (evaluation), which the IR
module cannot define without importing this one.
Also owns what debugging needs of evaluation: the NaN/inf-checking interpreter that
`functrans.debug_nans` turns on (`DEBUG`, `NaNError`; when off, one flag test per program
run and nothing else) and the provenance of equations emitted by derivative rules
(`RuleSource`, stamped by `interpreters/ad.py`), which its reports name.
Owns no IR type, no primitive and no transformation.
"""
from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from functrans import backend, core, errors, ir, pretty


def eval_jaxpr(jaxpr: ir.Jaxpr, consts: Sequence, *args: Any) -> list:
    """Evaluate `jaxpr`; inside a trace its equations are bound there (inlined), else NumPy.

    Args:
      jaxpr: the program (a `Jaxpr`; for a `ClosedJaxpr` pass `.jaxpr` and `.consts`).
      consts: one value per constvar.
      *args: one value per invar.

    Returns:
      A list with one value per output.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> closed = ft.make_jaxpr(lambda x: x * 2.0)(np.ones(2))
      >>> ft.eval_jaxpr(closed.jaxpr, closed.consts, np.array([1.0, 2.0]))
      [array([2., 4.])]
    """
    if len(consts) != len(jaxpr.constvars) or len(args) != len(jaxpr.invars):
        raise errors.FunctransTypeError(
            f"eval_jaxpr: the program takes {len(jaxpr.constvars)} constants and "
            f"{len(jaxpr.invars)} arguments, got {len(consts)} and {len(args)}.")
    if core.current_trace() is not None:
        return eval_eqns(jaxpr, consts, args, traced=True)
    for x in itertools.chain(consts, args):
        if isinstance(x, core.Tracer):
            raise core._dead_tracer_error(x)
    return run_numpy(jaxpr, consts, args)


def _last_uses(jaxpr: ir.Jaxpr) -> list[Sequence[ir.Var]]:
    """For each equation, the variables whose last use it is (never the outputs)."""
    # One backward walk: the first time a variable is met is its last use. Most equations
    # free nothing new and share one empty tuple (walking every program run once, this is
    # a tenth of its interpretation).
    var = ir.Var
    seen = {v for v in jaxpr.outvars if type(v) is var}
    none: Sequence[ir.Var] = ()
    frees: list[Sequence[ir.Var]] = []
    append = frees.append
    for eqn in reversed(jaxpr.eqns):
        free: Sequence[ir.Var] = none
        for v in eqn.invars:
            if type(v) is var and v not in seen:
                seen.add(v)
                free = [v] if free is none else [*free, v]
        append(free)
    frees.reverse()
    return frees


def write_outputs(env: dict, eqn: ir.JaxprEqn, out: Any) -> None:
    """Store an equation's result(s) under its outvars (multiple results come as a sequence)."""
    if eqn.primitive.multiple_results:
        env.update(zip(eqn.outvars, out, strict=True))
    else:
        env[eqn.outvars[0]] = out


def bind_eqn(eqn: ir.JaxprEqn, ins: Sequence) -> Any:
    """Bind `eqn`'s primitive on `ins`, keeping the equation's source line."""
    with core.source_override(eqn.source_info):
        return eqn.primitive.bind(*ins, **eqn.params)


def eval_eqns(jaxpr: ir.Jaxpr, consts: Sequence, args: Sequence, traced: bool) -> list:
    """Evaluate `jaxpr` equation by equation, iteratively, dropping each intermediate right
    after its last use: each equation bound into the current trace with its source line
    (`traced`, inlining), or its impl run on NumPy values.

    The per-equation work is inlined (no helper call per equation): every first call, every
    call with the program cache off and every transformation nested in a trace runs here.
    """
    literal = ir.Literal   # a local: read once per operand
    override = core.source_override
    env: dict[ir.Var, Any] = dict(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    for eqn, free in zip(jaxpr.eqns, _last_uses(jaxpr), strict=True):
        prim = eqn.primitive
        ins = [v.val if type(v) is literal else env[v] for v in eqn.invars]
        if traced:
            with override(eqn.source_info):
                out = prim.bind(*ins, **eqn.params)
        else:
            out = prim.impl(*ins, **eqn.params)
        if prim.multiple_results:
            env.update(zip(eqn.outvars, out, strict=True))
        else:
            env[eqn.outvars[0]] = out
        for v in free:
            del env[v]
    return [v.val if type(v) is literal else env[v] for v in jaxpr.outvars]


def env_reader(env: dict) -> Callable[[ir.Atom], Any]:
    """`read(atom)`: a Var's value from `env`, a Literal's value."""
    def read(v: ir.Atom) -> Any:
        return v.val if isinstance(v, ir.Literal) else env[v]
    return read


# --------------------------------------------------------------------------- NumPy execution


def run_numpy(jaxpr: ir.Jaxpr, consts: Sequence, args: Sequence) -> list:
    """Evaluate `jaxpr` on NumPy values, interpreting it once and compiling it on reuse."""
    be = backend.for_run(consts, args)
    if be is not None:   # Dask, CuPy, ...: their own interpreter (functrans/backend.py)
        return backend.run(jaxpr, consts, args, be)
    return run_host(jaxpr, consts, args)


def run_host(jaxpr: ir.Jaxpr, consts: Sequence, args: Sequence) -> list:
    """`run_numpy` for values known to be NumPy's (a loop's later trips: no backend test)."""
    if DEBUG.nans:
        # The one test of the debug flags: the plans below stay as they are (debug_nans).
        return _run_checked(jaxpr, consts, args)
    plan = jaxpr._plan
    if plan is None:
        # Compiling costs ~10x one interpretation, so it is done only for programs evaluated
        # again (jit entries, make_jaxpr results, vjp functions).
        jaxpr._plan = _interpret_numpy
        return _interpret_numpy(jaxpr, consts, args)
    if plan is _interpret_numpy:
        plan = jaxpr._plan = _compile_plan(jaxpr)
    return plan(*consts, *args)


def _interpret_numpy(jaxpr: ir.Jaxpr, consts: Sequence, args: Sequence) -> list:
    return eval_eqns(jaxpr, consts, args, traced=False)


# A compiled plan is Python source generated once per Jaxpr: each equation becomes one call of
# its NumPy implementation on local variables, and each intermediate is deleted right after
# its last use. Per-equation overhead is then a local load and a call, not dict lookups.
_CHUNK = 2000   # equations per generated function, to keep CPython's compiler fast


def _impl_callable(eqn: ir.JaxprEqn) -> Callable:
    impl = eqn.primitive.impl
    if impl is None:
        raise NotImplementedError(f"primitive {eqn.primitive.name} has no NumPy implementation")
    return functools.partial(impl, **eqn.params) if eqn.params else impl


def _compile_plan(jaxpr: ir.Jaxpr) -> Callable:
    names: dict[ir.Var, str] = {}
    glob: dict[str, Any] = {}

    def name(v: ir.Atom) -> str:
        if isinstance(v, ir.Literal):
            key = f"k{len(glob)}"
            glob[key] = v.val
            return key
        n = names.get(v)
        if n is None:
            n = names[v] = f"v{len(names)}"
        return n

    params = [name(v) for v in itertools.chain(jaxpr.constvars, jaxpr.invars)]
    frees = _last_uses(jaxpr)
    body: list[str] = []
    for i, (eqn, free) in enumerate(zip(jaxpr.eqns, frees, strict=True)):
        fname = f"f{i}"
        glob[fname] = _impl_callable(eqn)
        args = ", ".join(name(v) for v in eqn.invars)
        outs = ", ".join(name(v) for v in eqn.outvars)
        if eqn.primitive.multiple_results:
            outs = outs + "," if len(eqn.outvars) == 1 else outs
            if not eqn.outvars:
                outs = "_"
        # Inputs that are also plan parameters are freed too: the caller keeps its own refs.
        dead = [names[v] for v in free if v in names]
        delete = f"; del {', '.join(dead)}" if dead else ""
        body.append(f"{outs} = {fname}({args}){delete}")
    result = "[" + ", ".join(name(v) for v in jaxpr.outvars) + "]"
    if len(body) <= _CHUNK:
        src = f"def run({', '.join(params)}):\n" + "".join(f"    {ln}\n" for ln in body)
        src += f"    return {result}\n"
        exec(compile(src, "<functrans plan>", "exec"), glob)  # our own generated IR code
        return glob["run"]
    return _compile_chunked(body, params, result, glob)


def _compile_chunked(body: list[str], params: list[str], result: str,
                     glob: dict[str, Any]) -> Callable:
    """Long programs: a chain of functions that hand their live variables to the next."""
    chunks = [body[i:i + _CHUNK] for i in range(0, len(body), _CHUNK)]
    # Which names are live between chunks: defined before and used after the boundary.
    token = re.compile(r"\b[vk]\d+\b")
    defined: list[set[str]] = []
    used: list[set[str]] = []
    for ch in chunks:
        d: set[str] = set()
        u: set[str] = set()
        for ln in ch:
            lhs, rhs = ln.split("; del ")[0].split(" = ", 1)
            u.update(t for t in token.findall(rhs) if t.startswith("v"))
            d.update(token.findall(lhs))
        defined.append(d)
        used.append(u)
    final_used = {t for t in token.findall(result) if t.startswith("v")}
    live_after: list[set[str]] = [set() for _ in chunks]
    need = set(final_used)
    for i in range(len(chunks) - 1, -1, -1):
        live_after[i] = set(need)
        need = (need | used[i]) - defined[i]   # SSA: a use in the chunk of its own def is local
    srcs = []
    prev_live = params
    for i, ch in enumerate(chunks):
        live = sorted(live_after[i]) if i < len(chunks) - 1 else None
        lines = [f"def run{i}({', '.join(prev_live)}):"]
        lines += [f"    {ln}" for ln in ch]
        if live is None:
            lines.append(f"    return {result}")
        else:
            lines.append(f"    return ({', '.join(live)}{',' if len(live) == 1 else ''})")
            prev_live = live
        srcs.append("\n".join(lines) + "\n")
    exec(compile("".join(srcs), "<functrans plan>", "exec"), glob)  # our own IR code
    stages = [glob[f"run{i}"] for i in range(len(chunks))]

    def run(*args: Any) -> list:
        vals = args
        for stage in stages[:-1]:
            vals = stage(*vals)
        return stages[-1](*vals)

    return run


# --------------------------------------------------------------------------- rule provenance


class RuleSource(ir.SourceInfo):
    """The source of an equation a derivative rule emitted: the user's line, plus which rule.

    It compares, hashes and prints as the user's line (a plain `SourceInfo`), so printing,
    cache keys and the optimizer see no difference. `kind` is `"jvp"` or `"transpose"`,
    `primitive` the name of the primitive whose rule it was, and `parent` the source of the
    equation that rule rewrote (a `RuleSource` again when that equation came from a rule).
    """

    kind: str
    primitive: str
    parent: ir.SourceInfo

    def __new__(cls, parent: ir.SourceInfo, kind: str, primitive: str) -> RuleSource:
        self = super().__new__(cls, parent.filename, parent.lineno, parent.function)
        self.kind = kind
        self.primitive = primitive
        self.parent = parent
        return self


# (id(parent), kind, primitive) -> RuleSource; the RuleSource holds `parent`, so its id
# stays unique while the entry lives. Cleared when it grows past a bound (as core's table of
# source lines).
_RULE_SOURCES: dict[tuple, RuleSource] = {}


def rule_source(parent: ir.SourceInfo | None, kind: str,
                prim: core.Primitive) -> ir.SourceInfo | None:
    """The source to stamp on equations that `prim`'s `kind` rule emits for an equation whose
    source is `parent` (memoized: one object per rule and line)."""
    if parent is None:
        return None
    key = (id(parent), kind, prim)
    got = _RULE_SOURCES.get(key)
    if got is None or got.parent is not parent:
        if len(_RULE_SOURCES) > 8192:
            _RULE_SOURCES.clear()
        got = _RULE_SOURCES[key] = RuleSource(parent, kind, prim.name)
    return got


_RULE_NAMES = {"jvp": "JVP rule", "transpose": "transpose rule"}


def describe_source(info: ir.SourceInfo | None) -> str:
    """Which computation an equation with this source is, in words, with the user's line."""
    rules = []
    while isinstance(info, RuleSource):
        rules.append(f"the {_RULE_NAMES.get(info.kind, info.kind)} of `{info.primitive}`")
        info = info.parent
    line = f"{info} (in {info.function})" if info is not None else "an unknown line"
    if not rules:
        return f"the primal computation, at {line}"
    return ("emitted by " + ", itself emitted by ".join(rules)
            + f", for the equation at {line}")


def rule_chain(info: ir.SourceInfo | None) -> list[tuple[str, str]]:
    """The (kind, primitive) of each rule that emitted an equation, innermost first."""
    chain = []
    while isinstance(info, RuleSource):
        chain.append((info.kind, info.primitive))
        info = info.parent
    return chain


# --------------------------------------------------------------------------- debug_nans


class _DebugFlags(threading.local):
    """The debug switches: class attributes are the process-wide defaults (`config`), an
    instance attribute is one thread's override (the `debug_nans()` context manager)."""

    nans = False   # check every equation's results for new NaN (and inf, below)
    infs = True    # with `nans`: an inf its operands did not have is reported too


DEBUG = _DebugFlags()


class NaNError(FloatingPointError):
    """An equation produced a NaN (or an inf) its operands did not have (`debug_nans`).

    Attributes: `primitive` (the equation's primitive's name), `kind` (`"nan"` or `"inf"`),
    `rules` (the (rule kind, primitive) chain that emitted it, innermost first, empty for the
    primal computation), `source` (the user's line, a `SourceInfo`), `equation` (the
    `JaxprEqn`) and `context` (the enclosing higher-order equations, innermost first).

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> try:
      ...     with ft.debug_nans():
      ...         ft.grad(lambda x: fnp.where(x > 0, fnp.sqrt(x), 0.0))(0.0)
      ... except ft.debug.NaNError as e:
      ...     print(e.primitive, e.rules)
      div [('transpose', 'div'), ('jvp', 'sqrt')]
    """

    def __init__(self, message: str, eqn: ir.JaxprEqn, kind: str):
        super().__init__(message)
        self.message = message
        self.equation = eqn
        self.primitive = eqn.primitive.name
        self.kind = kind
        self.rules = rule_chain(eqn.source_info)
        self.source = eqn.source_info
        self.context: list[str] = []

    def __str__(self) -> str:
        return "\n".join([self.message, *self.context])


def _run_checked(jaxpr: ir.Jaxpr, consts: Sequence, args: Sequence) -> list:
    """`jaxpr` interpreted equation by equation, each result checked for a new NaN or inf."""
    literal = ir.Literal
    infs = DEBUG.infs
    env: dict[ir.Var, Any] = dict(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    with np.errstate(all="ignore"):   # what is reported is the NaNError, not warnings
        _check_eqns(jaxpr, env, infs)
    return [v.val if type(v) is literal else env[v] for v in jaxpr.outvars]


def _check_eqns(jaxpr: ir.Jaxpr, env: dict, infs: bool) -> None:
    literal = ir.Literal
    for i, (eqn, free) in enumerate(zip(jaxpr.eqns, _last_uses(jaxpr), strict=True)):
        prim = eqn.primitive
        ins = [v.val if type(v) is literal else env[v] for v in eqn.invars]
        try:
            out = prim.impl(*ins, **eqn.params)
        except NaNError as e:   # raised in a sub-program: say where that program runs
            e.context.append(f"  inside `{prim.name}` (equation {i} of the enclosing program), "
                             f"{describe_source(eqn.source_info)}")
            raise
        outs = out if prim.multiple_results else (out,)
        bad = _new_nonfinite(ins, outs, infs)
        if bad is not None:
            raise NaNError(_nan_report(jaxpr, i, ins, outs, bad), eqn, bad)
        if prim.multiple_results:
            env.update(zip(eqn.outvars, out, strict=True))
        else:
            env[eqn.outvars[0]] = out
        for v in free:
            del env[v]


def _all_finite(values: Sequence) -> bool:
    for x in values:
        dtype = getattr(x, "dtype", None)
        if dtype is None:
            x = np.asarray(x)
            dtype = x.dtype
        if dtype.kind in "fc" and not np.isfinite(x).all():
            return False
    return True


def _flags(values: Sequence) -> tuple[bool, bool]:
    """(some NaN, some inf) among the inexact values."""
    nan = inf = False
    for x in values:
        x = np.asarray(x)
        if x.dtype.kind in "fc" and x.size:
            nan = nan or bool(np.isnan(x).any())
            inf = inf or bool(np.isinf(x).any())
    return nan, inf


def _new_nonfinite(ins: Sequence, outs: Sequence, infs: bool) -> str | None:
    """"nan" or "inf" if the results have one the operands did not, else None."""
    if _all_finite(outs):   # the common case: one isfinite per result
        return None
    out_nan, out_inf = _flags(outs)
    if not out_nan and not (infs and out_inf):
        return None
    in_nan, in_inf = _flags(ins)
    if out_nan and not in_nan:
        return "nan"
    if infs and out_inf and not in_inf and not in_nan:
        return "inf"
    return None


def summarize(x: Any) -> str:
    """A short description of a value for error reports: small arrays in full, else ranges."""
    a = np.asarray(x)
    head = f"{a.dtype.name}{list(a.shape)}"
    if a.size <= 6:
        return f"{head} = {np.array2string(a, separator=', ', max_line_width=10**6)}"
    if a.dtype.kind not in "biufc":
        return head
    nan = int(np.isnan(a).sum()) if a.dtype.kind in "fc" else 0
    inf = int(np.isinf(a).sum()) if a.dtype.kind in "fc" else 0
    finite = a[np.isfinite(a)] if a.dtype.kind in "fc" else a
    rng = f"min={finite.min()!r} max={finite.max()!r} " if finite.size else ""
    return f"{head} {rng}zeros={int((a == 0).sum())} nan={nan} inf={inf}"


def _nan_report(jaxpr: ir.Jaxpr, i: int, ins: Sequence, outs: Sequence, bad: str) -> str:
    eqn = jaxpr.eqns[i]
    ctx = pretty.Context(source=True)
    lines = [f"functrans.debug_nans: `{eqn.primitive.name}` produced {bad} "
             f"(its operands had {'no NaN' if bad == 'nan' else 'no NaN or inf'}).",
             f"  computation: {describe_source(eqn.source_info)}"]
    info = eqn.source_info
    if info is not None:
        lines.append(f"  user line:   {info.long()}")
    names = [ctx.atom(v) for v in eqn.invars]
    for k, (name, x) in enumerate(zip(names, ins, strict=True)):
        lines.append(f"  {'operands:' if k == 0 else '':12} {name}: {summarize(x)}")
    for k, (v, x) in enumerate(zip(eqn.outvars, outs, strict=True)):
        lines.append(f"  {'result:' if k == 0 else '':12} {ctx.name(v)}: {summarize(x)}")
    lines.append("  the program around it (`>>` marks the equation):")
    lo, hi = max(0, i - 5), min(len(jaxpr.eqns), i + 3)
    for j in range(lo, hi):
        for ln in pretty.pp_eqn(jaxpr.eqns[j], ctx, 4):
            lines.append((">>" + ln[2:]) if j == i else ln)
    return "\n".join(lines)


def _closed_call(self: ir.ClosedJaxpr, *args: Any) -> list:
    """Evaluate the program on `args` (see `eval_jaxpr`)."""
    return eval_jaxpr(self.jaxpr, self.consts, *args)


# The ignore: ir declares __call__ for the type checker; it is defined here, above ir.
ir.ClosedJaxpr.__call__ = _closed_call  # type: ignore[method-assign]
