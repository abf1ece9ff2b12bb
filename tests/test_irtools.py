"""`functrans.irtools`: Graphviz DOT export and statistics of programs (docs/ir.md)."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import core, ir, irtools, lax
from functrans.primitives import transcendental

# --------------------------------------------------------------------------- stats


def stats_of(f, *args):
    return ft.make_jaxpr(f)(*args).stats()


def test_stats_counts_and_elementwise_flops():
    s = stats_of(lambda x: fnp.sum(fnp.sin(x) * x), np.ones((2, 3)))
    assert s["primitives"] == {"mul": 1, "reduce_sum": 1, "sin": 1}
    # elementwise: output size (6); a full reduction: input size (6)
    assert s["flops_by_primitive"] == {"mul": 6, "reduce_sum": 6, "sin": 6}
    assert (s["equations"], s["flops"]) == (3, 18)
    assert (s["inputs"], s["outputs"], s["consts"], s["const_elements"]) == (1, 1, 0, 0)
    assert (s["subjaxprs"], s["max_depth"], s["notes"]) == (0, 0, [])


@pytest.mark.parametrize("lhs,rhs,spec,flops", [
    ((4, 3), (3, 5), "ij,jk->ik", 2 * 4 * 5 * 3),            # matmul: 2 M N K
    ((3,), (3,), "i,i->", 2 * 3),                             # dot product
    ((2, 3, 4), (2, 4, 5), "bij,bjk->bik", 2 * 2 * 3 * 5 * 4),  # batched
    ((3,), (4,), "i,j->ij", 2 * 12),                          # outer: nothing contracted
])
def test_stats_dot_general_flops(lhs, rhs, spec, flops):
    s = stats_of(lambda a, b: fnp.einsum(spec, a, b), np.ones(lhs), np.ones(rhs))
    assert s["primitives"] == {"dot_general": 1}
    assert s["flops"] == flops


def test_stats_shape_ops_cost_nothing_and_scatter_add_costs_its_updates():
    s = stats_of(lambda x: fnp.transpose(x.reshape(3, 2))[:, 1:], np.ones(6))
    assert s["flops"] == 0 and s["equations"] >= 2
    idx = np.array([0, 2, 0, 1])
    s = stats_of(lambda x, u: x.at[idx].add(u), np.ones(3), np.ones(4))
    assert s["primitives"] == {"scatter_add": 1} and s["flops"] == 4
    s = stats_of(lambda x: x[idx], np.ones(3))
    assert s["primitives"] == {"gather": 1} and s["flops"] == 0


def test_stats_asks_each_primitive_for_its_flops():
    # A primitive outside functrans.primitives with its own rule (and params unlike
    # dot_general's) is counted by that rule; one without a rule counts 0.
    contract_p = core.Primitive("test_contract")
    contract_p.def_impl(lambda x, y, *, axis: np.tensordot(x, y, (axis, 0)))
    contract_p.def_abstract_eval(
        lambda x, y, *, axis: ir.ShapedArray(x.shape[:axis] + y.shape[1:], x.dtype))
    contract_p.def_flops(lambda eqn: 7 * eqn.invars[0].aval.size)
    moved_p = core.Primitive("test_move")
    moved_p.def_impl(lambda x: x)
    moved_p.def_abstract_eval(lambda x: x)

    def f(x, y):
        return moved_p.bind(contract_p.bind(x, y, axis=1))

    s = stats_of(f, np.ones((2, 3)), np.ones((3, 4)))
    assert s["flops_by_primitive"] == {"test_contract": 7 * 6, "test_move": 0}
    assert irtools.eqn_flops(ft.make_jaxpr(f)(np.ones((2, 3)), np.ones((3, 4))).jaxpr.eqns[0]) \
        == (42, False)


def test_stats_counts_consts():
    w = np.arange(12.0).reshape(3, 4)
    s = stats_of(lambda x: w @ x, np.ones(4))
    assert (s["consts"], s["const_elements"]) == (1, 12)
    assert s["flops"] == 2 * 3 * 4


def test_stats_count_sub_jaxprs_once_with_a_note():
    def f(x):
        c, ys = lax.scan(lambda c, x: (c * x, fnp.sin(c)), 1.0, x)
        return lax.cond(c > 0, lambda v: v * 2.0, lambda v: -v, c) + fnp.sum(ys)

    s = stats_of(f, np.ones(5))
    # scan body: mul, sin; cond branches: mul and neg; outside: gt, reduce_sum, add, scan, cond
    assert s["primitives"] == {"add": 1, "cond": 1, "gt": 1, "mul": 2, "neg": 1,
                               "reduce_sum": 1, "scan": 1, "sin": 1}
    assert s["flops_by_primitive"]["scan"] == 0 and s["flops_by_primitive"]["sin"] == 1
    assert s["subjaxprs"] == 3 and s["max_depth"] == 1
    assert any(n.startswith("scan:") for n in s["notes"])
    assert any(n.startswith("cond:") for n in s["notes"])
    assert any("trip count" in n for n in s["notes"])


def test_stats_nested_depth_through_jit():
    inner = ft.jit(lambda x: fnp.exp(x))
    outer = ft.jit(lambda x: inner(x) + 1.0)
    s = stats_of(lambda x: outer(x) * 2.0, np.ones(3))
    assert s["primitives"] == {"add": 1, "exp": 1, "jit": 2, "mul": 1}
    assert s["max_depth"] == 2 and s["subjaxprs"] == 2


def test_stats_run_time_lengths_count_as_one():
    aval = ir.ShapedArray((ir.DYN, 3), np.dtype(np.float64))
    x, y = ir.Var(aval), ir.Var(aval)
    eqn = ir.JaxprEqn(transcendental.sin_p, [x], [y], {}, None)
    s = irtools.stats(ir.Jaxpr([], [x], [eqn], [y]))
    assert s["flops"] == 3
    assert any("run-time length" in n for n in s["notes"])


def test_stats_on_a_bare_jaxpr_and_errors():
    closed = ft.make_jaxpr(lambda x: fnp.cos(x))(np.ones(2))
    assert irtools.stats(closed.jaxpr)["primitives"] == {"cos": 1}
    with pytest.raises(TypeError, match="Jaxpr or ClosedJaxpr"):
        irtools.stats(lambda x: x)


def test_format_stats_table():
    s = stats_of(lambda w, x: fnp.tanh(w @ x), np.ones((4, 3)), np.ones(3))
    lines = irtools.format_stats(s).splitlines()
    assert lines[0].split() == ["primitive", "eqns", "flops"]
    assert lines[1].split() == ["dot_general", "1", "24"]
    assert lines[2].split() == ["tanh", "1", "4"]
    assert lines[3].split() == ["total", "2", "28"]


# --------------------------------------------------------------------------- to_dot

NODE = re.compile(r'^\s*(\w+) \[label="((?:[^"\\]|\\.)*)"(?:, \w+="(?:[^"\\]|\\.)*")*\];$')
EDGE = re.compile(r'^\s*(\w+) -> (\w+)(?: \[(?:\w+="(?:[^"\\]|\\.)*"(?:, )?)+\])?;$')


def parse_dot(text: str):
    """Nodes {id: label} and edges [(src, dst)] of our DOT output; asserts every line parses."""
    lines = text.splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    nodes, edges, clusters, depth = {}, [], [], 1
    for ln in lines[1:-1]:
        if m := NODE.match(ln):
            assert m.group(1) not in nodes, f"node {m.group(1)} defined twice"
            nodes[m.group(1)] = m.group(2)
        elif m := EDGE.match(ln):
            edges.append((m.group(1), m.group(2)))
        elif ln.strip().startswith("subgraph cluster_"):
            clusters.append(ln.split()[1])
            depth += 1
        elif ln.strip() == "}":
            depth -= 1
            assert depth >= 1
        else:
            assert re.match(r'^\s*(rankdir|compound|label|style|node|edge)\b', ln), ln
    assert depth == 1
    for src, dst in edges:
        assert src in nodes and dst in nodes, (src, dst)
    return nodes, edges, clusters


def test_to_dot_nodes_edges_and_names_match_the_dump():
    w = np.ones((2, 3))
    closed = ft.make_jaxpr(lambda x: fnp.sum(fnp.sin(w @ x) * 2.0), )(np.ones(3))
    nodes, edges, clusters = parse_dot(closed.to_dot())
    jaxpr = closed.jaxpr
    n_expected = (len(jaxpr.constvars) + len(jaxpr.invars) + len(jaxpr.eqns)
                  + len(jaxpr.outvars))
    assert len(nodes) == n_expected and clusters == []
    # Each equation's label is its line of the IR dump.
    dump_lines = [ln.strip() for ln in str(closed).splitlines()[1:-1]]
    labels = [nodes[f"g0_e{i}"].replace("\\n", " ") for i in range(len(jaxpr.eqns))]
    assert [" ".join(lab.split()) for lab in labels] == [" ".join(d.split()) for d in dump_lines]
    assert nodes["g0_c0"].startswith("a:f64[2,3]") and nodes["g0_in0"] == "b:f64[3]"
    # Data flow: const and input feed dot_general; the last equation feeds the output.
    assert ("g0_c0", "g0_e0") in edges and ("g0_in0", "g0_e0") in edges
    assert (f"g0_e{len(jaxpr.eqns) - 1}", "g0_out0") in edges
    assert len(edges) == sum(len({v for v in e.invars if isinstance(v, ir.Var)})
                             for e in jaxpr.eqns) + 1


def test_to_dot_sub_jaxprs_are_clusters_and_quotes_are_escaped():
    def body(x):
        return fnp.cos(x) + 1.0

    body.__name__ = 'say "hi"'          # the jit equation's name param holds double quotes
    jitted = ft.jit(body)
    def f(x):
        return lax.cond(x[0] > 0, jitted, fnp.sin, x)
    text = ft.make_jaxpr(f)(np.ones(3)).to_dot()
    nodes, _, clusters = parse_dot(text)
    labels = " ".join(nodes.values())
    assert len(clusters) == 3
    assert "cond: branches[0]" in text and "cond: branches[1]" in text and "jit: jaxpr" in text
    assert "name='say \\\"hi\\\"'" in text          # escaped inside the DOT string
    assert "cos" in labels and "sin" in labels
    # Every sub-program's first node is linked from its equation.
    assert sum(1 for ln in text.splitlines() if "lhead=" in ln) == 3


def test_to_dot_edge_cases():
    closed = ft.make_jaxpr(lambda x, y: (x, 2.0))(np.ones(2), np.ones(2))
    nodes, edges, _ = parse_dot(closed.to_dot())
    assert nodes["g0_out1"] == "out 1: 2.0:f64[]" and ("g0_in0", "g0_out0") in edges
    empty = ir.Jaxpr([], [], [], [])
    nodes, _, _ = parse_dot(irtools.to_dot(empty, name='a "quoted" name'))
    assert list(nodes) == ["g0_empty"]
    assert irtools.to_dot(empty, name='a "quoted" name').startswith('digraph "a \\"quoted\\" name"')


def test_to_dot_is_valid_graphviz_when_graphviz_is_installed(tmp_path):
    def body(x):
        return fnp.cos(x) + 1.0

    body.__name__ = 'say "hi"'
    closed = ft.make_jaxpr(ft.grad(lambda x: fnp.sum(lax.scan(
        lambda c, x: (c * x, fnp.sin(c)), 1.0, ft.jit(body)(x))[1])))(np.ones(3))
    text = closed.to_dot()
    parse_dot(text)
    dot = shutil.which("dot")
    if dot is not None:   # functrans does not depend on Graphviz; check with it when present
        path = tmp_path / "g.dot"
        path.write_text(text)
        proc = subprocess.run([dot, "-Tsvg", str(path)], capture_output=True, text=True,
                              check=False, timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert "<svg" in proc.stdout
