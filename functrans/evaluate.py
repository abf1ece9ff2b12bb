"""Evaluating a program: with NumPy, or by inlining it into the current trace.

Owns `eval_jaxpr` (outside any trace it runs the program with NumPy, inside one it binds each
equation there, which inlines the program), the equation-walking helpers every interpreter
shares (`eval_eqns`, `bind_eqn`, `write_outputs`, `env_reader`) and NumPy execution
(`run_numpy`): the first evaluation of a program interprets it; a program evaluated again is
compiled into Python source generated once (one call of each equation's NumPy implementation
on local variables, `del` after each last use), so per-equation overhead is a local load and
a call, not dict lookups. Installs `ir.ClosedJaxpr.__call__` (evaluation), which the IR
module cannot define without importing this one.
Owns no IR type, no primitive and no transformation.
"""
from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from functrans import core, errors, ir


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


def _closed_call(self: ir.ClosedJaxpr, *args: Any) -> list:
    """Evaluate the program on `args` (see `eval_jaxpr`)."""
    return eval_jaxpr(self.jaxpr, self.consts, *args)


# The ignore: ir declares __call__ for the type checker; it is defined here, above ir.
ir.ClosedJaxpr.__call__ = _closed_call  # type: ignore[method-assign]
