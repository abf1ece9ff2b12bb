"""The IR module's types and helpers (`functrans.ir`) and the primitive kinds of `core`:
run-time-length dimensions, opening and closing a program's constants, higher-order
primitives, rule versions, and the Tracer methods the numpy layer installs."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import call, control_flow, core, errors, evaluate, ir
from functrans.custom_derivatives import _jvp, _vjp, _vjp_lin
from functrans.numpy import _methods
from functrans.primitives import elementwise, transcendental


def test_a_run_time_length_dimension_has_no_static_size():
    aval = ir.ShapedArray((ir.DYN, 3), np.float64)
    assert aval.size is None and not aval.is_static
    assert aval.str_short() == "f64[*,3]" and aval.ndim == 2
    static = ir.ShapedArray((2, 3), np.float64)
    assert static.size == 6 and static.is_static
    assert ir.ShapedArray((), np.float64).size == 1
    assert pickle.loads(pickle.dumps(ir.DYN)) is ir.DYN


def test_open_and_close_consts_are_inverses():
    c = np.arange(3.0)
    closed = ft.make_jaxpr(lambda x: x * c + 1.0)(np.ones(3))
    assert len(closed.consts) == 1
    opened, consts = ir.open_consts(closed)
    assert opened.constvars == [] and opened.invars[:1] == closed.jaxpr.constvars
    again = ir.close_consts(opened, consts)
    ft.check_jaxpr(again)
    assert again.jaxpr.constvars == closed.jaxpr.constvars
    assert again.jaxpr.invars == closed.jaxpr.invars
    np.testing.assert_allclose(again(np.ones(3))[0], c + 1.0)
    with pytest.raises(errors.InvalidJaxprError, match="const-free"):
        ir.close_consts(closed.jaxpr, consts)


def test_higher_order_primitives_are_declared_as_such():
    higher = [call.jit_p, control_flow.cond_p, control_flow.while_p, control_flow.scan_p,
              _jvp.custom_jvp_call_p, _vjp.custom_vjp_call_p]
    for prim in higher:
        assert isinstance(prim, core.HigherOrderPrimitive), prim
    for prim in (call.jit_p, control_flow.cond_p, control_flow.while_p, control_flow.scan_p):
        assert prim.partial_eval is not None and prim.dce is not None, prim
    first_order = [transcendental.sin_p, elementwise.add_p, _vjp_lin.custom_vjp_lin_p]
    for prim in first_order:
        assert not isinstance(prim, core.HigherOrderPrimitive), prim
        assert not hasattr(prim, "subjaxprs") and not hasattr(prim, "partial_eval")


def test_every_def_method_changes_the_rules_version():
    prim = core.HigherOrderPrimitive("test_only_rules_version")
    defs = [prim.def_impl, prim.def_abstract_eval, prim.def_jvp, prim.def_transpose,
            prim.def_batch, prim.def_simplify, prim.def_pp, prim.def_subjaxprs,
            prim.def_partial_eval, prim.def_dce]
    for define in defs:
        before = core.rules_version()
        define(lambda *a, **k: None)
        assert core.rules_version() > before, define.__name__
    for define in (prim.def_linear, prim.def_nondifferentiable):
        before = core.rules_version()
        define()
        assert core.rules_version() > before, define.__name__


def test_the_tracer_operators_are_the_numpy_functions_themselves():
    # Installed from one table, with no extra call layer for the forward operators.
    assert core.Tracer.__add__ is fnp.add and core.Tracer.__mul__ is fnp.multiply
    assert core.Tracer.__getitem__ is fnp._indexing.getitem
    for name, method in _methods.TRACER_METHODS.items():
        assert core.Tracer.__dict__[name] is method, name
    closed = ft.make_jaxpr(lambda x: 2.0 * x - x.T.sum())(np.ones(3))
    assert [e.primitive.name for e in closed.eqns] == ["mul", "reduce_sum", "sub"]
    assert str(closed.eqns[0].invars[0].val) == "2.0"   # reflected: the user's operand order


def test_closed_jaxpr_methods_installed_by_the_upper_modules():
    closed = ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(2))
    assert "sin" in str(closed) and "sin" in repr(closed.jaxpr)
    assert closed.pretty(source=True).count("test_ir_types.py") == 2
    assert closed.stats()["primitives"] == {"mul": 1, "sin": 1}
    assert closed.to_dot().startswith("digraph")
    np.testing.assert_allclose(closed(np.zeros(2))[0], 0.0)
    assert evaluate.eval_jaxpr(closed.jaxpr, closed.consts, np.zeros(2))[0].shape == (2,)
