"""Evaluation of a program with NumPy: interpretation, and compiled execution plans.

Owns how `core.eval_jaxpr` runs a program outside any trace. The first evaluation of a
program interprets it; a program evaluated again is compiled into Python source generated
once (one call of each equation's NumPy implementation on local variables, `del` after each
last use), so per-equation overhead is a local load and a call, not dict lookups. Owns no
IR type and no transformation.
"""
from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from typing import Any

from functrans import core


def run(jaxpr: core.Jaxpr, consts, args) -> list:
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


def _interpret_numpy(jaxpr: core.Jaxpr, consts, args) -> list:
    return core.eval_eqns(jaxpr, consts, args, _apply_impl)


def _apply_impl(eqn: core.JaxprEqn, ins: list):
    return eqn.primitive.impl(*ins, **eqn.params)


# A compiled plan is Python source generated once per Jaxpr: each equation becomes one call of
# its NumPy implementation on local variables, and each intermediate is deleted right after
# its last use. Per-equation overhead is then a local load and a call, not dict lookups.
_CHUNK = 2000   # equations per generated function, to keep CPython's compiler fast


def _impl_callable(eqn: core.JaxprEqn) -> Callable:
    impl = eqn.primitive.impl
    if impl is None:
        raise NotImplementedError(f"primitive {eqn.primitive.name} has no NumPy implementation")
    return functools.partial(impl, **eqn.params) if eqn.params else impl


def _compile_plan(jaxpr: core.Jaxpr) -> Callable:
    names: dict[core.Var, str] = {}
    glob: dict[str, Any] = {}

    def name(v) -> str:
        if isinstance(v, core.Literal):
            key = f"k{len(glob)}"
            glob[key] = v.val
            return key
        n = names.get(v)
        if n is None:
            n = names[v] = f"v{len(names)}"
        return n

    params = [name(v) for v in itertools.chain(jaxpr.constvars, jaxpr.invars)]
    frees = core._last_uses(jaxpr)
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
        exec(compile(src, "<functrans plan>", "exec"), glob)  # noqa: S102 (our own IR)
        return glob["run"]
    return _compile_chunked(body, params, result, glob)


def _compile_chunked(body, params, result, glob) -> Callable:
    """Long programs: a chain of functions that hand their live variables to the next."""
    chunks = [body[i:i + _CHUNK] for i in range(0, len(body), _CHUNK)]
    # Which names are live between chunks: defined before and used after the boundary.
    token = re.compile(r"\b[vk]\d+\b")
    defined: list[set[str]] = []
    used: list[set[str]] = []
    for ch in chunks:
        d, u = set(), set()
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
    exec(compile("".join(srcs), "<functrans plan>", "exec"), glob)  # noqa: S102
    stages = [glob[f"run{i}"] for i in range(len(chunks))]

    def run(*args):
        vals = args
        for stage in stages[:-1]:
            vals = stage(*vals)
        return stages[-1](*vals)

    return run
