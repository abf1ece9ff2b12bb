"""The IR printer, in JAX's layout.

```
{ lambda a:f64[3]; b:f64[3]. let
    c:f64[3] = sin b
    d:f64[3] = mul c 2.0:f64[]
  in (d,) }
```
Variables are named a, b, ..., z, ba, bb, ... in order of appearance; literals carry their
type; params are printed in brackets after the primitive's name, a sub-jaxpr param indented
on its own lines. A primitive may print itself through its `pp` hook.
Owns printing only: nothing here changes or checks a program. It sits above `ir` and `core`
(it prints their types) and installs the printing methods of the IR types, which `ir` cannot
define without importing this module: `str()`/`repr()` and `.pretty(source=False)` of `Jaxpr`
and `ClosedJaxpr`.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from functrans import core, ir

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _var_name(i: int) -> str:
    s = ""
    while True:
        s = _LETTERS[i % 26] + s
        i //= 26
        if i == 0:
            return s


class Context:
    """Variable names shared by a jaxpr and its sub-jaxprs, so each name is unique."""

    def __init__(self, source: bool = False):
        self.names: dict[ir.Var, str] = {}
        self.source = source

    def name(self, v: ir.Var) -> str:
        n = self.names.get(v)
        if n is None:
            n = self.names[v] = _var_name(len(self.names))
        return n

    def atom(self, v: ir.Atom) -> str:
        if isinstance(v, ir.Literal):
            return f"{format_scalar(v.val)}:{v.aval.str_short()}"
        return self.name(v)

    def binder(self, v: ir.Var) -> str:
        return f"{self.name(v)}:{v.aval.str_short()}"


def format_scalar(val: Any) -> str:
    x = np.asarray(val).item()
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    return repr(x)


def format_param(value: Any, ctx: Context, indent: int) -> str:
    if isinstance(value, ir.ClosedJaxpr):
        value = value.jaxpr
    if isinstance(value, ir.Jaxpr):
        return pp_jaxpr_lines(value, ctx, indent + 2)
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, core.Primitive):
        return value.name
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return repr(value)


def pp_eqn(eqn: ir.JaxprEqn, ctx: Context, indent: int) -> list[str]:
    """The lines of one equation (one line unless a param holds a sub-jaxpr)."""
    if eqn.primitive.pp is not None:
        return eqn.primitive.pp(eqn, ctx, indent)
    pad = " " * indent
    lhs = " ".join(ctx.binder(v) for v in eqn.outvars) or "_"
    rhs = " ".join(ctx.atom(v) for v in eqn.invars)
    simple: list[str] = []
    nested: list[str] = []
    for k, val in eqn.params.items():
        (nested if isinstance(val, (ir.Jaxpr, ir.ClosedJaxpr)) else simple).append(k)
    src = f"  # {eqn.source_info}" if ctx.source and eqn.source_info else ""
    if not nested:
        params = " ".join(f"{k}={format_param(eqn.params[k], ctx, indent)}" for k in simple)
        head = f"{eqn.primitive.name}[{params}]" if params else eqn.primitive.name
        return [f"{pad}{lhs} = {head} {rhs}".rstrip() + src]
    lines = [f"{pad}{lhs} = {eqn.primitive.name}["]
    for k in simple:
        lines.append(f"{pad}  {k}={format_param(eqn.params[k], ctx, indent)}")
    for k in nested:
        sub = format_param(eqn.params[k], ctx, indent)
        lines.append(f"{pad}  {k}={sub.lstrip()}")
    lines.append(f"{pad}] {rhs}".rstrip() + src)
    return lines


def pp_jaxpr_lines(jaxpr: ir.Jaxpr, ctx: Context, indent: int) -> str:
    pad = " " * indent
    consts = " ".join(ctx.binder(v) for v in jaxpr.constvars)
    args = " ".join(ctx.binder(v) for v in jaxpr.invars)
    lines = [f"{pad}{{ lambda {consts}; {args}. let"]
    for eqn in jaxpr.eqns:
        lines.extend(pp_eqn(eqn, ctx, indent + 4))
    outs = ", ".join(ctx.atom(v) for v in jaxpr.outvars)
    outs = f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"
    lines.append(f"{pad}  in {outs} }}")
    return "\n".join(lines)


def pp_jaxpr(jaxpr: ir.Jaxpr, source: bool = False) -> str:
    """The IR dump of `jaxpr`; `source=True` appends `# file.py:line` to each equation."""
    return pp_jaxpr_lines(jaxpr, Context(source), 0)


# --------------------------------------------------------------------------- IR methods


def _jaxpr_str(self: ir.Jaxpr) -> str:
    return pp_jaxpr(self)


def _jaxpr_pretty(self: ir.Jaxpr, source: bool = False) -> str:
    """The IR dump; with `source=True` each equation ends with `# file.py:line`."""
    return pp_jaxpr(self, source=source)


def _closed_str(self: ir.ClosedJaxpr) -> str:
    return pp_jaxpr(self.jaxpr)


def _closed_pretty(self: ir.ClosedJaxpr, source: bool = False) -> str:
    """The IR dump; with `source=True` each equation ends with `# file.py:line`."""
    return pp_jaxpr(self.jaxpr, source=source)


# The ignores: installing methods on ir's classes from above is the layering (ir cannot import
# this module); the checker sees object's __str__ and __repr__ there.
ir.Jaxpr.__str__ = ir.Jaxpr.__repr__ = _jaxpr_str  # type: ignore[method-assign, assignment]
ir.Jaxpr.pretty = _jaxpr_pretty
ir.ClosedJaxpr.__str__ = ir.ClosedJaxpr.__repr__ = _closed_str  # type: ignore[method-assign, assignment]
ir.ClosedJaxpr.pretty = _closed_pretty
