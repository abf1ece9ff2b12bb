"""Every registered primitive has its rules, and the op table exercises every primitive.

A primitive needs an impl and an abstract eval; a JVP rule unless marked non-differentiable;
a batching rule unless it has no operands; a transpose rule exactly when it is linear in at
least one input; and it must appear in the program of some op-table row.
"""
import importlib
import pkgutil

import pytest
from op_table import ROWS, cases, known_bug

import functrans as ft
import functrans.primitives
from functrans import core, ir

# Primitives linear in some of their inputs without being linear in all of them (those carry
# `linear = True`), or linear in all but with a JVP of their own (add, sub keep symbolic
# zeros), so they need a transpose rule:
PARTIALLY_LINEAR = {
    "add", "sub",              # linear in both operands jointly
    "mul",                     # bilinear: linear in each operand given the other
    "div",                     # linear in the numerator
    "select",                  # linear in the two cases, not in the predicate
    "convert_element_type",    # linear between float dtypes
    "dot_general",             # bilinear
    "gather",                  # linear in the operand, not in the indices
    "scatter_add",             # linear in (operand, updates) jointly
    "scatter",                 # linear in (operand, updates) jointly
    "scatter_mul",             # linear in the operand, given the updates
}
# Primitives without operands: nothing to batch over.
NULLARY = {"iota", "identity_basis"}
# Registered primitives no op-table program contains: iota has no operands, so it is always
# folded to a constant while tracing (fnp.arange, eye, ... are constants of the program);
# identity_basis is bound only by jacfwd/jacrev under a trace, never by a functrans.numpy op
# (tests/test_identity_basis.py covers it).
NOT_IN_TABLE = {"iota", "identity_basis"}


def registered_primitives() -> dict[str, core.Primitive]:
    prims = {}
    for info in pkgutil.iter_modules(functrans.primitives.__path__):
        module = importlib.import_module(f"functrans.primitives.{info.name}")
        for attr, value in vars(module).items():
            if attr.endswith("_p") and isinstance(value, core.Primitive):
                assert prims.get(value.name, value) is value, f"two primitives {value.name}"
                prims[value.name] = value
    return prims


PRIMS = registered_primitives()


def test_primitive_set_is_not_empty():
    assert {"sin", "add", "reduce_sum", "dot_general", "gather", "iota"} <= set(PRIMS)
    assert PARTIALLY_LINEAR <= set(PRIMS), sorted(PARTIALLY_LINEAR - set(PRIMS))


@pytest.mark.parametrize("name", sorted(PRIMS))
def test_primitive_has_rules(name):
    prim = PRIMS[name]
    assert prim.impl is not None, f"{name}: no impl"
    assert prim.abstract_eval is not None, f"{name}: no abstract_eval"
    assert prim.jvp is not None or prim.differentiable is False, (
        f"{name}: no JVP rule and not marked non-differentiable")
    if prim.linear:
        assert prim.differentiable, f"{name}: linear but marked non-differentiable"
    if name not in NULLARY:
        assert prim.batch is not None, f"{name}: no batching rule"
    linear_somewhere = prim.linear or name in PARTIALLY_LINEAR
    if linear_somewhere:
        assert prim.transpose is not None, f"{name}: linear in an input but no transpose rule"
    else:
        assert prim.transpose is None, f"{name}: transpose rule on a primitive not linear"


def _primitive_names(jaxpr: ir.Jaxpr, names: set) -> None:
    for eqn in jaxpr.eqns:
        names.add(eqn.primitive.name)
        if isinstance(eqn.primitive, core.HigherOrderPrimitive):
            for sub in eqn.primitive.subjaxprs(eqn.params):
                _primitive_names(sub.jaxpr if isinstance(sub, ir.ClosedJaxpr) else sub, names)


def test_every_primitive_has_a_table_row():
    seen: set[str] = set()
    for row in ROWS:
        for case in cases(row):
            if known_bug(case, "trace"):
                continue
            _primitive_names(ft.make_jaxpr(row.fun)(*case.args()).jaxpr, seen)
    missing = set(PRIMS) - seen - NOT_IN_TABLE
    assert not missing, f"primitives no op-table row uses: {sorted(missing)}"
    stale = NOT_IN_TABLE & seen
    assert not stale, f"allowlisted primitives that do appear (remove them): {sorted(stale)}"
