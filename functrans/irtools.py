"""Looking at a program from outside: Graphviz DOT export and statistics of a jaxpr.

Owns `to_dot` (the data-flow graph of a `Jaxpr` or `ClosedJaxpr` as DOT text, no Graphviz
needed to produce it) and `stats` / `format_stats` (equations and a FLOP estimate per
primitive). Installs `ClosedJaxpr.to_dot()` and `ClosedJaxpr.stats()`, which delegate here
(`ir` cannot define them without importing this module).
Reads programs only: nothing here changes, checks or evaluates one. See docs/ir.md.

FLOP estimate, per equation (documented in docs/ir.md): the primitive's own `flops` rule
(`Primitive.def_flops`, defined in the primitive's module: the output's size for elementwise
primitives, 2*M*N*K for `dot_general`, the input's size for reductions, the updates' size for
`scatter_add`/`scatter_mul`); a primitive without one counts 0 for itself (shape and moving
primitives, and higher-order ones: `jit`, `cond`, `while`, `scan`, custom derivatives). The
equations of sub-jaxprs are counted, each sub-jaxpr once (a loop body is counted for one trip
and every branch of a `cond` is counted: `stats` adds a note saying so). A dimension of
run-time length (printed `*`) counts as 1, with a note.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np

from functrans import core, ir, pretty

# --------------------------------------------------------------------------- walking programs


def _as_jaxpr(program: ir.Jaxpr | ir.ClosedJaxpr) -> tuple[ir.Jaxpr, list | None]:
    if isinstance(program, ir.ClosedJaxpr):
        return program.jaxpr, program.consts
    if isinstance(program, ir.Jaxpr):
        return program, None
    raise TypeError(f"expected a Jaxpr or ClosedJaxpr (from functrans.make_jaxpr), got "
                    f"{type(program).__name__}")


def _bare(sub: ir.Jaxpr | ir.ClosedJaxpr) -> ir.Jaxpr:
    return sub.jaxpr if isinstance(sub, ir.ClosedJaxpr) else sub


def subjaxprs(eqn: ir.JaxprEqn) -> list[tuple[str, ir.Jaxpr]]:
    """The sub-programs an equation carries, each with the name of the param holding it."""
    found: list[tuple[str, ir.Jaxpr]] = []
    for key, val in eqn.params.items():
        if isinstance(val, (ir.Jaxpr, ir.ClosedJaxpr)):
            found.append((key, _bare(val)))
        elif isinstance(val, (tuple, list)):
            found.extend((f"{key}[{i}]", _bare(v)) for i, v in enumerate(val)
                         if isinstance(v, (ir.Jaxpr, ir.ClosedJaxpr)))
    # A primitive may list sub-jaxprs that are not plain params (its `subjaxprs` hook).
    if isinstance(eqn.primitive, core.HigherOrderPrimitive):
        seen = {id(j) for _, j in found}
        for i, sub in enumerate(eqn.primitive.subjaxprs(eqn.params)):
            if id(_bare(sub)) not in seen:
                found.append((f"sub-jaxpr {i}", _bare(sub)))
    return found


def _walk(jaxpr: ir.Jaxpr) -> Iterator[tuple[ir.JaxprEqn, int]]:
    """Every equation of `jaxpr` and of its sub-jaxprs (depth first), with its nesting depth."""
    todo = [(eqn, 0) for eqn in reversed(jaxpr.eqns)]
    while todo:
        eqn, depth = todo.pop()
        yield eqn, depth
        for _, sub in reversed(subjaxprs(eqn)):
            todo.extend((e, depth + 1) for e in reversed(sub.eqns))


# --------------------------------------------------------------------------- FLOP estimate


def _has_dynamic_dim(eqn: ir.JaxprEqn) -> bool:
    return any(not isinstance(d, (int, np.integer))
               for v in (*eqn.invars, *eqn.outvars) for d in v.aval.shape)


def eqn_flops(eqn: ir.JaxprEqn) -> tuple[int, bool]:
    """The FLOP estimate of one equation by its primitive's `flops` rule (sub-jaxprs not
    included), and whether a run-time length was counted as 1."""
    rule = eqn.primitive.flops
    if rule is None:
        return 0, False
    return int(rule(eqn)), _has_dynamic_dim(eqn)


# --------------------------------------------------------------------------- statistics


def stats(program: ir.Jaxpr | ir.ClosedJaxpr) -> dict:
    """Equations and a FLOP estimate per primitive of a program, sub-jaxprs included.

    Args:
      program: a `ClosedJaxpr` (from `make_jaxpr`) or a `Jaxpr`.

    Returns:
      A dict: `equations` (total), `primitives` (equations per primitive name), `flops` (the
      estimate, rules in this module's docstring), `flops_by_primitive`, `inputs`, `outputs`,
      `consts` (constvars), `const_elements` (their total size), `subjaxprs` (how many
      sub-programs were counted), `max_depth` (nesting of sub-programs) and `notes`
      (sentences about what the estimate cannot know, such as loop trip counts).

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> s = ft.make_jaxpr(lambda w, x: fnp.tanh(w @ x))(np.ones((4, 3)), np.ones(3)).stats()
      >>> s["primitives"], s["flops_by_primitive"]
      ({'dot_general': 1, 'tanh': 1}, {'dot_general': 24, 'tanh': 4})
    """
    jaxpr, consts = _as_jaxpr(program)
    counts: Counter = Counter()
    flops: Counter = Counter()
    notes: list[str] = []
    carriers: Counter = Counter()   # equations holding sub-jaxprs, per primitive
    n_sub, depth_max, dynamic_any = 0, 0, False
    for eqn, depth in _walk(jaxpr):
        name = eqn.primitive.name
        counts[name] += 1
        f, dynamic = eqn_flops(eqn)
        flops[name] += f
        dynamic_any |= dynamic
        depth_max = max(depth_max, depth)
        subs = subjaxprs(eqn)
        if subs:
            n_sub += len(subs)
            carriers[name] += 1
    for name, n in sorted(carriers.items()):
        notes.append(f"{name}: the sub-jaxprs of {n} equation(s) are counted once each")
    if carriers:
        notes.append("a loop body counts one trip and every branch of a cond counts: "
                     "multiply a loop's body by its trip count")
    if dynamic_any:
        notes.append("sizes of run-time length (printed *) are counted as 1")
    const_elements = sum(int(np.size(c)) for c in consts) if consts is not None else 0
    return {
        "equations": sum(counts.values()),
        "primitives": dict(sorted(counts.items())),
        "flops": sum(flops.values()),
        "flops_by_primitive": dict(sorted(flops.items())),
        "inputs": len(jaxpr.invars),
        "outputs": len(jaxpr.outvars),
        "consts": len(jaxpr.constvars),
        "const_elements": const_elements,
        "subjaxprs": n_sub,
        "max_depth": depth_max,
        "notes": notes,
    }


def format_stats(s: dict) -> str:
    """A `stats` dict as a small table: one row per primitive, then totals and notes.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> closed = ft.make_jaxpr(lambda x: fnp.sum(fnp.sin(x) * x))(np.ones(3))
      >>> print(format_stats(closed.stats()))
      primitive      eqns   flops
      mul               1       3
      reduce_sum        1       3
      sin               1       3
      total             3       9
      inputs 1, outputs 1, consts 0 (0 elements)
    """
    width = max([len("primitive")] + [len(k) for k in s["primitives"]])
    lines = [f"{'primitive':<{width}}  {'eqns':>6}  {'flops':>6}"]
    for name, n in s["primitives"].items():
        lines.append(f"{name:<{width}}  {n:>6}  {s['flops_by_primitive'][name]:>6}")
    lines.append(f"{'total':<{width}}  {s['equations']:>6}  {s['flops']:>6}")
    lines.append(f"inputs {s['inputs']}, outputs {s['outputs']}, consts {s['consts']} "
                 f"({s['const_elements']} elements)")
    lines.extend(f"note: {n}" for n in s["notes"])
    return "\n".join(lines)


# --------------------------------------------------------------------------- DOT export


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _DotWriter:
    """Emits the nodes and edges of a program and, as clusters, of its sub-programs."""

    def __init__(self, ctx: pretty.Context):
        self.ctx = ctx
        self.lines: list[str] = []
        self.n_graphs = 0

    def node(self, node_id: str, label: str, indent: str, **attrs: str) -> None:
        extra = "".join(f", {k}={_quote(v)}" for k, v in attrs.items())
        self.lines.append(f"{indent}{node_id} [label={_quote(label)}{extra}];")

    def edge(self, src: str, dst: str, indent: str, **attrs: str) -> None:
        extra = ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items())
        self.lines.append(f"{indent}{src} -> {dst}" + (f" [{extra}]" if extra else "") + ";")

    def graph(self, jaxpr: ir.Jaxpr, indent: str) -> str:
        """Emit `jaxpr`; returns the id of its first node (edges into a cluster aim at it)."""
        g = f"g{self.n_graphs}"
        self.n_graphs += 1
        producer: dict[ir.Var, str] = {}
        for i, v in enumerate(jaxpr.constvars):
            producer[v] = f"{g}_c{i}"
            self.node(producer[v], f"{self.ctx.binder(v)}\nconst", indent, shape="box",
                      style="filled", fillcolor="#e8e8e8")
        for i, v in enumerate(jaxpr.invars):
            producer[v] = f"{g}_in{i}"
            self.node(producer[v], self.ctx.binder(v), indent, shape="invhouse",
                      style="filled", fillcolor="#d8e8f8")
        for i, eqn in enumerate(jaxpr.eqns):
            self._eqn(eqn, f"{g}_e{i}", producer, indent)
        for i, v in enumerate(jaxpr.outvars):
            out_id = f"{g}_out{i}"
            self.node(out_id, f"out {i}: {self.ctx.atom(v)}", indent, shape="house",
                      style="filled", fillcolor="#f8e8d0")
            if isinstance(v, ir.Var):
                self.edge(producer[v], out_id, indent)
        for kind, items in (("c", jaxpr.constvars), ("in", jaxpr.invars), ("e", jaxpr.eqns),
                            ("out", jaxpr.outvars)):
            if items:
                return f"{g}_{kind}0"
        self.node(f"{g}_empty", "(empty program)", indent)   # no inputs, equations or outputs
        return f"{g}_empty"

    def _eqn(self, eqn: ir.JaxprEqn, eqn_id: str, producer: dict, indent: str) -> None:
        subs = subjaxprs(eqn)
        simple = {k: v for k, v in eqn.params.items() if not _holds_jaxpr(v)}
        params = " ".join(f"{k}={pretty.format_param(v, self.ctx, 0)}" for k, v in simple.items())
        lhs = " ".join(self.ctx.binder(v) for v in eqn.outvars) or "_"
        rhs = " ".join(self.ctx.atom(v) for v in eqn.invars)
        head = f"{eqn.primitive.name}[{params}]" if params else eqn.primitive.name
        label = f"{lhs} =\n{head} {rhs}".rstrip()
        if eqn.source_info is not None:
            self.node(eqn_id, label, indent, shape="box", style="rounded",
                      tooltip=str(eqn.source_info))
        else:
            self.node(eqn_id, label, indent, shape="box", style="rounded")
        # One edge per producing node, labelled with the variables it carries.
        carried: dict[str, list[str]] = {}
        for v in eqn.invars:
            if isinstance(v, ir.Var):
                names = carried.setdefault(producer[v], [])
                if self.ctx.name(v) not in names:
                    names.append(self.ctx.name(v))
        for src, names in carried.items():
            self.edge(src, eqn_id, indent, label=", ".join(names))
        for v in eqn.outvars:
            producer[v] = eqn_id
        for k, (key, sub) in enumerate(subs):
            cluster = f"cluster_{eqn_id}_{k}"
            self.lines.append(f"{indent}subgraph {cluster} {{")
            self.lines.append(f"{indent}  label={_quote(f'{eqn.primitive.name}: {key}')};")
            self.lines.append(f'{indent}  style="dashed";')
            first = self.graph(sub, indent + "  ")
            self.lines.append(f"{indent}}}")
            self.edge(eqn_id, first, indent, style="dotted", arrowhead="none", lhead=cluster)


def _holds_jaxpr(val: Any) -> bool:
    if isinstance(val, (ir.Jaxpr, ir.ClosedJaxpr)):
        return True
    if isinstance(val, (tuple, list)):
        return any(isinstance(v, (ir.Jaxpr, ir.ClosedJaxpr)) for v in val)
    return False


def to_dot(program: ir.Jaxpr | ir.ClosedJaxpr, name: str = "jaxpr") -> str:
    """The data-flow graph of a program as Graphviz DOT text (render with `dot -Tsvg`).

    Nodes: one per input (`invhouse`), constant (grey box), equation (rounded box, labelled
    like its line of the IR dump, with the source line as tooltip) and output (`house`);
    variable names are the dump's. Edges follow data flow; literals stay in the equation's
    label. A sub-jaxpr (a `jit`, `cond`, `while`, `scan` or custom-derivative body) is a dashed
    cluster linked to its equation by a dotted edge.

    Args:
      program: a `ClosedJaxpr` (from `make_jaxpr`) or a `Jaxpr`.
      name: the graph's name.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> print(ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3)).to_dot())
      digraph "jaxpr" {
        rankdir=TB;
        compound=true;
        node [fontname="monospace", fontsize=10];
        edge [fontname="monospace", fontsize=9];
        g0_in0 [label="a:f64[3]", shape="invhouse", style="filled", fillcolor="#d8e8f8"];
        g0_e0 [label="b:f64[3] =\\nsin a", shape="box", style="rounded", tooltip=...];
        g0_in0 -> g0_e0 [label="a"];
        g0_e1 [label="c:f64[3] =\\nmul b 2.0:f64[]", shape="box", style="rounded", tooltip=...];
        g0_e0 -> g0_e1 [label="b"];
        g0_out0 [label="out 0: c", shape="house", style="filled", fillcolor="#f8e8d0"];
        g0_e1 -> g0_out0;
      }
    """
    jaxpr, _ = _as_jaxpr(program)
    writer = _DotWriter(pretty.Context())
    writer.lines += [f"digraph {_quote(name)} {{", "  rankdir=TB;", "  compound=true;",
                     '  node [fontname="monospace", fontsize=10];',
                     '  edge [fontname="monospace", fontsize=9];']
    writer.graph(jaxpr, "  ")
    writer.lines.append("}")
    return "\n".join(writer.lines)


# --------------------------------------------------------------------------- IR methods


def _closed_to_dot(self: ir.ClosedJaxpr) -> str:
    """The program's data-flow graph as Graphviz DOT text (see `irtools.to_dot`)."""
    return to_dot(self)


def _closed_stats(self: ir.ClosedJaxpr) -> dict:
    """Equations and a FLOP estimate per primitive (see `irtools.stats`)."""
    return stats(self)


ir.ClosedJaxpr.to_dot = _closed_to_dot
ir.ClosedJaxpr.stats = _closed_stats
