"""Every registered primitive has the rules its declared kind requires, and the op table
exercises every primitive.

The facts come from each primitive's own declarations in its module: a primitive needs an
impl and an abstract eval; a JVP rule unless it is declared non-differentiable; a batching
rule unless it has no operands (its shape rule takes params only); a transpose rule exactly
when it is declared linear in some operand (`def_linear`, `def_linear_in`); and it must appear
in the program of some op-table row unless it declares why not (`op_table_exempt`).
"""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from op_table import ROWS, cases, known_bug

import functrans as ft
import functrans.primitives
from functrans import core, ir

# Primitive modules outside functrans/primitives: those whose impls need an optional
# dependency (SciPy), kept out of the package everything imports.
EXTRA_PRIMITIVE_MODULES = ["functrans.scipy._primitives"]


def registered_primitives() -> dict[str, core.Primitive]:
    prims = {}
    names = [f"functrans.primitives.{info.name}"
             for info in pkgutil.iter_modules(functrans.primitives.__path__)]
    for name in names + EXTRA_PRIMITIVE_MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr.endswith("_p") and isinstance(value, core.Primitive):
                assert prims.get(value.name, value) is value, f"two primitives {value.name}"
                prims[value.name] = value
    return prims


PRIMS = registered_primitives()


def is_nullary(prim: core.Primitive) -> bool:
    """No operands: its shape rule takes params only (no positional parameter)."""
    params = inspect.signature(prim.abstract_eval).parameters.values()
    return not any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
                   for p in params)


def linear_somewhere(prim: core.Primitive) -> bool:
    return prim.linear or bool(prim.linear_in)


def rule_problems(prim: core.Primitive) -> list[str]:
    """What `prim` lacks (or has in excess) for the kind it declares; empty when complete."""
    name = prim.name
    if prim.impl is None or prim.abstract_eval is None:
        return [f"{name}: no impl" if prim.impl is None else f"{name}: no abstract_eval"]
    problems = []
    if prim.jvp is None and prim.differentiable:
        problems.append(f"{name}: no JVP rule and not marked non-differentiable")
    if prim.linear and not prim.differentiable:
        problems.append(f"{name}: linear but marked non-differentiable")
    if prim.batch is None and not is_nullary(prim):
        problems.append(f"{name}: no batching rule")
    if linear_somewhere(prim) and prim.transpose is None:
        problems.append(f"{name}: linear in operands {prim.linear_in or 'all'} but no "
                        "transpose rule")
    if not linear_somewhere(prim) and prim.transpose is not None:
        problems.append(f"{name}: transpose rule on a primitive not declared linear "
                        "(def_linear / def_linear_in)")
    return problems


def test_primitive_set_is_not_empty():
    assert {"sin", "add", "reduce_sum", "dot_general", "gather", "iota"} <= set(PRIMS)
    assert {name for name, p in PRIMS.items() if is_nullary(p)} == {"iota", "identity_basis"}


def test_declared_linearity():
    # A few declarations checked by value: the registry test below trusts them all.
    assert PRIMS["add"].linear_in == ((0, 1),)
    assert PRIMS["mul"].linear_in == ((0,), (1,))
    assert PRIMS["dot_general"].linear_in == ((0,), (1,))
    assert PRIMS["div"].linear_in == ((0,),)
    assert PRIMS["select"].linear_in == ((1, 2),)
    assert PRIMS["reduce_sum"].linear and not PRIMS["reduce_sum"].linear_in
    assert not linear_somewhere(PRIMS["sin"])


@pytest.mark.parametrize("name", sorted(PRIMS))
def test_primitive_has_rules(name):
    assert not rule_problems(PRIMS[name])


def _fake(name: str, *, nullary=False, linear_in=(), differentiable=True) -> core.Primitive:
    """A complete primitive of the given kind (nothing registers it anywhere)."""
    prim = core.Primitive(name)
    prim.def_impl(lambda *args, **params: args[0] if args else 0.0)
    if nullary:
        prim.def_abstract_eval(lambda *, shape: ir.ShapedArray(shape, np.dtype("f8")))
    else:
        prim.def_abstract_eval(lambda x, y: x)
        prim.def_batch(lambda args, dims, *, axis_size: (args[0], dims[0]))
    if differentiable:
        prim.def_jvp(lambda primals, tangents: (primals[0], tangents[0]))
    else:
        prim.def_nondifferentiable()
    if linear_in:
        prim.def_linear_in(*linear_in)
        prim.def_transpose(lambda ct, x, y: (ct, None))
    return prim


def test_checker_catches_a_missing_rule():
    # Complete fakes of each kind pass; each loses the rule its kind requires, and fails.
    kinds = {"plain": {}, "nullary": {"nullary": True}, "linear": {"linear_in": ((0,),)},
             "non-differentiable": {"differentiable": False}}
    for kind in kinds.values():
        assert not rule_problems(_fake("fake", **kind)), kind
    cases = [("plain", "batch", "fake: no batching rule"),
             ("plain", "jvp", "fake: no JVP rule and not marked non-differentiable"),
             ("linear", "transpose", "fake: linear in operands ((0,),) but no transpose rule")]
    for kind, rule, message in cases:
        prim = _fake("fake", **kinds[kind])
        setattr(prim, rule, None)
        assert rule_problems(prim) == [message], (kind, rule)
    stray = _fake("fake")
    stray.def_transpose(lambda ct, x, y: (ct, None))
    assert rule_problems(stray) == [
        "fake: transpose rule on a primitive not declared linear (def_linear / def_linear_in)"]
    nullary = _fake("fake", nullary=True)
    assert nullary.batch is None and not rule_problems(nullary)


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
    exempt = {name for name, p in PRIMS.items() if p.op_table_exempt is not None}
    assert exempt == {"iota", "identity_basis"}
    missing = set(PRIMS) - seen - exempt
    assert not missing, f"primitives no op-table row uses: {sorted(missing)}"
    stale = exempt & seen
    assert not stale, (f"primitives declared op_table_exempt that do appear (drop the "
                       f"declaration): {sorted(stale)}")
