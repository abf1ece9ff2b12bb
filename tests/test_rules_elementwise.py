"""Rules of the elementwise and misc primitives, checked eagerly one primitive at a time.

JVPs against central differences, transposes by the adjoint identity, batching against a loop
over the batch, impls against NumPy, shape rules against bad operands; and the JVP and
transpose rules once more while tracing, where they must build a well-typed program.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
import rule_checks

from functrans import core, errors, evaluate, ir
from functrans.primitives import comparison, misc, transcendental
from functrans.primitives import elementwise as ew

F64 = np.dtype(np.float64)
B = 5            # batch size
EXAMPLE = (3,)   # per-example shape of a full operand in the batching tests

# --------------------------------------------------------------------------- input domains


def _nonzero(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, shape)


def _special(rng, shape):
    x = np.asarray(rng.uniform(-2.0, 2.0, shape))
    specials = [np.inf, np.nan, -np.inf]
    x.flat[:len(specials)] = specials[:x.size]
    return x


_DOMAINS = {
    "real": lambda rng, s: rng.uniform(-2.0, 2.0, s),
    "pos": lambda rng, s: rng.uniform(0.5, 2.0, s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),
    "gt_m1": lambda rng, s: rng.uniform(-0.5, 2.0, s),
    "tan": lambda rng, s: rng.uniform(-1.2, 1.2, s),
    "nonzero": _nonzero,
    "special": _special,
    "int": lambda rng, s: rng.integers(-5, 6, s),
    "int_nonzero": lambda rng, s: rng.choice([-3, -2, -1, 1, 2, 3], size=s),
    "bool": lambda rng, s: rng.integers(0, 2, s).astype(bool),
}


def _sample(rng, domain, shape):
    return np.asarray(_DOMAINS[domain](rng, shape))


class Op(NamedTuple):
    name: str
    prim: core.Primitive
    domains: tuple            # one input domain per operand
    ref: object               # the NumPy function the impl must equal
    params: dict
    diff: bool = False        # has a JVP to check against finite differences

    def __repr__(self):
        return self.name


def _op(name, prim, domains, ref, params=None, diff=False):
    return Op(name, prim, tuple(domains), ref, params or {}, diff)


UNARY = [
    _op("neg", ew.neg_p, ["real"], np.negative, diff=True),
    _op("neg_int", ew.neg_p, ["int"], np.negative),
    _op("sign", comparison.sign_p, ["real"], np.sign),
    _op("sign_int", comparison.sign_p, ["int"], np.sign),
    _op("floor", comparison.floor_p, ["real"], np.floor),
    _op("ceil", comparison.ceil_p, ["real"], np.ceil),
    _op("round", comparison.round_p, ["real"], np.round),
    _op("is_finite", comparison.is_finite_p, ["special"], np.isfinite),
    _op("exp", transcendental.exp_p, ["real"], np.exp, diff=True),
    _op("exp2", transcendental.exp2_p, ["real"], np.exp2, diff=True),
    _op("expm1", transcendental.expm1_p, ["real"], np.expm1, diff=True),
    _op("log", transcendental.log_p, ["pos"], np.log, diff=True),
    _op("log2", transcendental.log2_p, ["pos"], np.log2, diff=True),
    _op("log10", transcendental.log10_p, ["pos"], np.log10, diff=True),
    _op("log1p", transcendental.log1p_p, ["gt_m1"], np.log1p, diff=True),
    _op("sin", transcendental.sin_p, ["real"], np.sin, diff=True),
    _op("cos", transcendental.cos_p, ["real"], np.cos, diff=True),
    _op("tan", transcendental.tan_p, ["tan"], np.tan, diff=True),
    _op("asin", transcendental.asin_p, ["unit"], np.arcsin, diff=True),
    _op("acos", transcendental.acos_p, ["unit"], np.arccos, diff=True),
    _op("atan", transcendental.atan_p, ["real"], np.arctan, diff=True),
    _op("sinh", transcendental.sinh_p, ["real"], np.sinh, diff=True),
    _op("cosh", transcendental.cosh_p, ["real"], np.cosh, diff=True),
    _op("tanh", transcendental.tanh_p, ["real"], np.tanh, diff=True),
    _op("sqrt", transcendental.sqrt_p, ["pos"], np.sqrt, diff=True),
    _op("cbrt", transcendental.cbrt_p, ["nonzero"], np.cbrt, diff=True),
    _op("abs", transcendental.abs_p, ["nonzero"], np.abs, diff=True),
    _op("abs_int", transcendental.abs_p, ["int"], np.abs),
    _op("not_bool", comparison.not_p, ["bool"], np.logical_not),
    _op("not_int", comparison.not_p, ["int"], np.invert),
    _op("stop_gradient", ew.stop_gradient_p, ["real"], lambda x: x),
] + [
    _op(f"integer_pow_{y}", ew.integer_pow_p, ["nonzero"], lambda x, y=y: np.power(x, y),
        {"y": y}, diff=True)
    for y in (0, 1, 2, 3, -2, 5)
] + [
    _op("integer_pow_int", ew.integer_pow_p, ["int"], lambda x: np.power(x, 3), {"y": 3}),
    _op("convert_f64_f32", ew.convert_element_type_p, ["real"],
        lambda x: x.astype(np.float32), {"new_dtype": np.dtype(np.float32), "weak_type": False}),
    _op("convert_f64_i32", ew.convert_element_type_p, ["real"],
        lambda x: x.astype(np.int32), {"new_dtype": np.dtype(np.int32), "weak_type": False}),
    _op("convert_i64_f64", ew.convert_element_type_p, ["int"],
        lambda x: x.astype(np.float64), {"new_dtype": F64, "weak_type": False}),
    _op("convert_bool_f64", ew.convert_element_type_p, ["bool"],
        lambda x: x.astype(np.float64), {"new_dtype": F64, "weak_type": False}),
    _op("convert_weak", ew.convert_element_type_p, ["real"],
        lambda x: x, {"new_dtype": F64, "weak_type": True}, diff=True),
]

BINARY = [
    _op("add", ew.add_p, ["real", "real"], np.add, diff=True),
    _op("add_int", ew.add_p, ["int", "int"], np.add),
    _op("sub", ew.sub_p, ["real", "real"], np.subtract, diff=True),
    _op("mul", ew.mul_p, ["real", "real"], np.multiply, diff=True),
    _op("mul_int", ew.mul_p, ["int", "int"], np.multiply),
    _op("div", ew.div_p, ["real", "nonzero"], np.true_divide, diff=True),
    _op("rem", comparison.rem_p, ["real", "nonzero"], np.remainder, diff=True),
    _op("rem_int", comparison.rem_p, ["int", "int_nonzero"], np.remainder),
    _op("floor_divide", comparison.floor_divide_p, ["real", "nonzero"], np.floor_divide),
    _op("floor_divide_int", comparison.floor_divide_p, ["int", "int_nonzero"], np.floor_divide),
    _op("pow", transcendental.pow_p, ["pos", "real"], np.power, diff=True),
    _op("max", comparison.max_p, ["real", "real"], np.maximum, diff=True),
    _op("min", comparison.min_p, ["real", "real"], np.minimum, diff=True),
    _op("max_int", comparison.max_p, ["int", "int"], np.maximum),
    _op("min_bool", comparison.min_p, ["bool", "bool"], np.minimum),
    _op("atan2", transcendental.atan2_p, ["nonzero", "nonzero"], np.arctan2, diff=True),
    _op("eq", comparison.eq_p, ["int", "int"], np.equal),
    _op("ne", comparison.ne_p, ["int", "int"], np.not_equal),
    _op("lt", comparison.lt_p, ["real", "real"], np.less),
    _op("le", comparison.le_p, ["int", "int"], np.less_equal),
    _op("gt", comparison.gt_p, ["real", "real"], np.greater),
    _op("ge", comparison.ge_p, ["int", "int"], np.greater_equal),
    _op("eq_bool", comparison.eq_p, ["bool", "bool"], np.equal),
    _op("and_bool", comparison.and_p, ["bool", "bool"], np.logical_and),
    _op("or_bool", comparison.or_p, ["bool", "bool"], np.logical_or),
    _op("xor_bool", comparison.xor_p, ["bool", "bool"], np.logical_xor),
    _op("and_int", comparison.and_p, ["int", "int"], np.bitwise_and),
    _op("or_int", comparison.or_p, ["int", "int"], np.bitwise_or),
    _op("xor_int", comparison.xor_p, ["int", "int"], np.bitwise_xor),
]

SELECT = _op("select", ew.select_p, ["bool", "real", "real"], np.where, diff=True)
ALL_OPS = UNARY + BINARY + [SELECT]
BINARY_SHAPES = [((3, 4), (3, 4)), ((), (3, 4)), ((3, 4), ()), ((), ())]
SELECT_SHAPES = [((3, 4), (3, 4)), ((), (3, 4)), ((), ())]


def _ids(ops):
    return [op.name for op in ops]


def _args(op, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [_sample(rng, d, s) for d, s in zip(op.domains, shapes, strict=True)]


# --------------------------------------------------------------------------- impl and shape rule


@pytest.mark.parametrize("op", ALL_OPS, ids=_ids(ALL_OPS))
@pytest.mark.parametrize("rank0", [False, True], ids=["full", "rank0"])
def test_impl_equals_numpy_and_abstract_eval(op, rank0):
    shapes = [()] * len(op.domains) if rank0 else [(3, 4)] * len(op.domains)
    args = _args(op, shapes)
    out = op.prim.bind(*args, **op.params)
    expect = op.ref(*args)
    np.testing.assert_array_equal(out, expect)
    aval = op.prim.abstract_eval(*[core.get_aval(a) for a in args], **op.params)
    assert np.shape(out) == aval.shape
    assert np.asarray(out).dtype == aval.dtype == np.asarray(expect).dtype


FLOAT_OPS = [op for op in ALL_OPS if op.diff and op.prim is not ew.convert_element_type_p]


@pytest.mark.parametrize("op", FLOAT_OPS, ids=_ids(FLOAT_OPS))
def test_float32_stays_float32(op):
    args = _args(op, [(4,)] * len(op.domains))
    args = [a.astype(np.float32) if a.dtype == F64 else a for a in args]
    out = op.prim.bind(*args, **op.params)
    assert np.asarray(out).dtype == np.float32
    avals = [core.get_aval(a) for a in args]
    assert op.prim.abstract_eval(*avals, **op.params).dtype == np.float32


@pytest.mark.parametrize("prim", [ew.add_p, ew.mul_p, ew.div_p, transcendental.pow_p,
                                  comparison.max_p, comparison.eq_p, transcendental.atan2_p,
                                  comparison.rem_p], ids=lambda p: p.name)
def test_binary_shape_errors_name_primitive_and_shapes(prim):
    f64_3 = ir.ShapedArray((3,), F64)
    with pytest.raises(errors.ShapeError, match=r"f64\[3\].*f64\[4\]") as info:
        prim.abstract_eval(f64_3, ir.ShapedArray((4,), F64))
    assert prim.name in str(info.value)
    with pytest.raises(errors.ShapeError, match=r"f64\[3\].*f32\[3\]") as info:
        prim.abstract_eval(f64_3, ir.ShapedArray((3,), np.float32))
    assert prim.name in str(info.value)
    # Eager binding validates exactly like tracing.
    with pytest.raises(errors.ShapeError, match=prim.name):
        prim.bind(np.ones(3), np.ones(4))


@pytest.mark.parametrize("fun, args, fragment", [
    (transcendental.sin, (np.arange(3),), r"sin.*i64\[3\]"),
    (ew.div, (np.arange(3), np.arange(3)), r"div.*i64\[3\]"),
    (comparison.not_, (np.ones(2),), r"not.*f64\[2\]"),
    (comparison.and_, (np.ones(2), np.ones(2)), r"and.*f64\[2\]"),
    (ew.integer_pow, (np.arange(3), -1), r"integer_pow.*i64\[3\]"),
    (ew.select, (np.ones(3), np.ones(3), np.ones(3)), r"select.*f64\[3\]"),
    (ew.select, (np.ones(3, bool), np.ones(3), np.ones(3, np.float32)), r"select.*f32\[3\]"),
    (ew.select, (np.ones(3, bool), np.ones(4), np.ones(4)), r"select.*bool\[3\].*f64\[4\]"),
    (ew.select, (np.ones(3, bool), 1.0, 2.0), r"select.*bool\[3\]"),
    (ew.add, (np.ones((2, 3)), np.ones(3)), r"add.*f64\[2,3\].*f64\[3\]"),
])
def test_shape_rule_errors(fun, args, fragment):
    with pytest.raises(errors.ShapeError, match=fragment):
        fun(*args)


def test_weak_type_rules():
    weak = ir.ShapedArray((3,), F64, weak_type=True)
    strong = ir.ShapedArray((3,), F64)
    assert transcendental.sin_p.abstract_eval(weak).weak_type
    assert ew.add_p.abstract_eval(weak, weak).weak_type
    assert not ew.add_p.abstract_eval(weak, strong).weak_type
    assert not comparison.lt_p.abstract_eval(weak, weak).weak_type
    pred = ir.ShapedArray((), np.dtype(bool))
    assert ew.select_p.abstract_eval(pred, weak, weak).weak_type
    assert not ew.select_p.abstract_eval(pred, weak, strong).weak_type


def test_integer_pow_wrapper_and_dtypes():
    with pytest.raises(TypeError):
        ew.integer_pow(np.ones(3), 2.5)
    assert ew.integer_pow(np.ones(3, np.float32), 2).dtype == np.float32
    assert ew.integer_pow(np.arange(3, dtype=np.int32), 2).dtype == np.int32
    np.testing.assert_array_equal(ew.integer_pow(np.arange(1.0, 5.0), -1), 1 / np.arange(1.0, 5.0))


def test_convert_element_type_wrapper():
    x = np.ones(3)
    assert ew.convert_element_type(x, np.float64) is x   # nothing to convert
    out = ew.convert_element_type(np.array([1.7, -1.7]), "int32")
    np.testing.assert_array_equal(out, np.array([1, -1], np.int32))
    aval = ew.convert_element_type_p.abstract_eval(ir.ShapedArray((2,), F64),
                                                   new_dtype=np.dtype(np.float32), weak_type=True)
    assert aval == ir.ShapedArray((2,), np.float32, True)


def test_stop_gradient_is_identity_without_derivative():
    x = np.arange(3.0)
    assert ew.stop_gradient(x) is x
    assert not ew.stop_gradient_p.differentiable


# --------------------------------------------------------------------------- JVP


UNARY_DIFF = [op for op in UNARY if op.diff]
BINARY_DIFF = [op for op in BINARY if op.diff]
NONDIFF = [comparison.sign_p, comparison.floor_p, comparison.ceil_p, comparison.round_p,
           comparison.is_finite_p, comparison.not_p, comparison.floor_divide_p, comparison.eq_p,
           comparison.ne_p, comparison.lt_p, comparison.le_p, comparison.gt_p, comparison.ge_p,
           comparison.and_p, comparison.or_p, comparison.xor_p, ew.stop_gradient_p,
           misc.iota_p]


@pytest.mark.parametrize("op", UNARY_DIFF, ids=_ids(UNARY_DIFF))
@pytest.mark.parametrize("shape", [(3, 4), ()], ids=["full", "rank0"])
def test_unary_jvp(op, shape):
    rule_checks.check_jvp_rule(op.prim, _args(op, [shape]), op.params)


def _rem_args(shapes, seed=0):
    # Away from the jumps of rem: x / y is an integer plus a fraction in (0.2, 0.8).
    rng = np.random.default_rng(seed)
    sx, sy = shapes
    if sx == ():
        x = np.asarray(2.3)
        quotient = rng.integers(1, 4, sy) + rng.uniform(0.2, 0.8, sy)
        return [x, x / (quotient * rng.choice([-1.0, 1.0], sy))]
    y = np.asarray(_nonzero(rng, sy))
    quotient = rng.integers(-3, 4, sx) + rng.uniform(0.2, 0.8, sx)
    return [y * quotient, y]


@pytest.mark.parametrize("op", BINARY_DIFF, ids=_ids(BINARY_DIFF))
@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("diff_argnums", [(0,), (1,), (0, 1)], ids=str)
def test_binary_jvp(op, shapes, diff_argnums):
    args = _rem_args(shapes) if op.prim is comparison.rem_p else _args(op, shapes)
    rule_checks.check_jvp_rule(op.prim, args, op.params, diff_argnums=diff_argnums)


@pytest.mark.parametrize("shapes", SELECT_SHAPES, ids=str)
@pytest.mark.parametrize("diff_argnums", [(1,), (2,), (1, 2)], ids=str)
def test_select_jvp(shapes, diff_argnums):
    pred_shape, case_shape = shapes
    args = _args(SELECT, [pred_shape, case_shape, case_shape])
    rule_checks.check_jvp_rule(ew.select_p, args, diff_argnums=diff_argnums)


@pytest.mark.parametrize("prim", NONDIFF, ids=lambda p: p.name)
def test_nondifferentiable(prim):
    assert not prim.differentiable and prim.jvp is None


@pytest.mark.parametrize("op", UNARY_DIFF + BINARY_DIFF + [SELECT],
                         ids=_ids(UNARY_DIFF + BINARY_DIFF + [SELECT]))
def test_differentiable_have_jvp(op):
    assert op.prim.differentiable and op.prim.jvp is not None


def test_convert_element_type_jvp():
    x, t = np.array([1.5, -2.0]), np.array([0.25, 4.0])
    params = {"new_dtype": np.dtype(np.float32), "weak_type": False}
    _, t_out = ew.convert_element_type_p.jvp([x], [t], **params)
    assert t_out.dtype == np.float32
    np.testing.assert_array_equal(t_out, t.astype(np.float32))
    params = {"new_dtype": np.dtype(np.int32), "weak_type": False}
    _, t_out = ew.convert_element_type_p.jvp([x], [t], **params)
    assert isinstance(t_out, ir.Zero) and t_out.aval.dtype == np.int32
    rule_checks.check_jvp_rule(ew.convert_element_type_p, [np.array([0.3, 1.7])],
                               {"new_dtype": np.dtype(np.float32), "weak_type": False},
                               eps=1e-2, rtol=1e-4)


def test_max_min_ties_share_the_tangent():
    x, tx, ty = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), np.array([3.0, 3.0, 3.0])
    y = np.array([1.0, 5.0, 0.0])
    _, t_max = comparison.max_p.jvp([x, y], [tx, ty])
    np.testing.assert_array_equal(t_max, [2.0, 3.0, 1.0])
    _, t_min = comparison.min_p.jvp([x, y], [tx, ty])
    np.testing.assert_array_equal(t_min, [2.0, 1.0, 3.0])
    _, t_nan = comparison.max_p.jvp([np.array([np.nan]), np.array([1.0])], [tx[:1], ty[:1]])
    np.testing.assert_array_equal(t_nan, [0.0])


def test_pow_derivatives_are_finite_at_zero():
    x, y = np.array([0.0, 0.0, 0.0]), np.array([2.0, 0.0, 3.0])
    one = np.ones(3)
    _, t_x = transcendental.pow_p.jvp([x, y], [one, ir.Zero(core.get_aval(y))])
    _, t_y = transcendental.pow_p.jvp([x, y], [ir.Zero(core.get_aval(x)), one])
    np.testing.assert_array_equal(t_x, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(t_y, [0.0, 0.0, 0.0])
    _, t_x1 = transcendental.pow_p.jvp([np.array([0.0]), np.array([1.0])], [one[:1], ir.Zero(
        ir.ShapedArray((1,), F64))])
    np.testing.assert_array_equal(t_x1, [1.0])


def test_abs_and_integer_pow_edge_derivatives():
    _, t = transcendental.abs_p.jvp([np.array([-2.0, 0.0, 3.0])], [np.array([1.0, 1.0, 1.0])])
    np.testing.assert_array_equal(t, [-1.0, 0.0, 1.0])   # d abs(0) = sign(0) = 0
    x, t = np.array([1.5, -2.0]), np.array([3.0, 4.0])
    _, t0 = ew.integer_pow_p.jvp([x], [t], y=0)
    assert isinstance(t0, ir.Zero)
    _, t1 = ew.integer_pow_p.jvp([x], [t], y=1)
    np.testing.assert_array_equal(t1, t)


def test_select_jvp_with_one_zero_case():
    pred = np.array([True, False, True])
    a, b, t = np.ones(3), np.zeros(3), np.array([1.0, 2.0, 3.0])
    _, t_out = ew.select_p.jvp([pred, a, b], [ir.Zero(core.get_aval(pred)), t,
                                              ir.Zero(core.get_aval(b))])
    np.testing.assert_array_equal(t_out, [1.0, 0.0, 3.0])


# --------------------------------------------------------------------------- transpose

# add, sub and select are linear only jointly in their float operands: an operand left out of
# `linear` is a constant zero (as a linear program holds), so the adjoint identity still holds.
TRANSPOSES = (
    [("neg", ew.neg_p, ["real"], s, (0,)) for s in [(3, 4), ()]]
    + [(p.name, p, ["real", "real"], s, lin) for p in (ew.add_p, ew.sub_p)
       for s in BINARY_SHAPES for lin in [(0,), (1,), (0, 1)]]
    + [("mul", ew.mul_p, ["real", "real"], s, lin) for s in BINARY_SHAPES for lin in [(0,), (1,)]]
    + [("div", ew.div_p, ["real", "nonzero"], s, (0,)) for s in BINARY_SHAPES]
    + [("select", ew.select_p, ["bool", "real", "real"], (sp, sc, sc), lin)
       for sp, sc in SELECT_SHAPES for lin in [(1,), (2,), (1, 2)]]
)
JOINTLY_LINEAR = (ew.add_p, ew.sub_p, ew.select_p)
TRANSPOSE_IDS = [f"{name}-{shapes}-{lin}" for name, _, _, shapes, lin in TRANSPOSES]


def _transpose_args(rng, prim, domains, shapes, linear):
    shapes = [shapes] if prim is ew.neg_p else list(shapes)
    args = [_sample(rng, d, s) for d, s in zip(domains, shapes, strict=True)]
    if prim in JOINTLY_LINEAR:
        args = [np.zeros_like(a) if i not in linear and a.dtype == F64 else a
                for i, a in enumerate(args)]
    return args


@pytest.mark.parametrize("name, prim, domains, shapes, linear", TRANSPOSES, ids=TRANSPOSE_IDS)
def test_transpose(name, prim, domains, shapes, linear):
    rng = np.random.default_rng(1)
    args = _transpose_args(rng, prim, domains, shapes, linear)
    rule_checks.check_transpose_rule(prim, args, linear)


@pytest.mark.parametrize("src, dst, rtol", [(np.float32, np.float64, 1e-5),
                                             (np.float64, np.float32, 1e-5),
                                             (np.float64, np.float64, 1e-12)])
def test_convert_element_type_transpose(src, dst, rtol):
    x = np.random.default_rng(2).standard_normal(6).astype(src)
    params = {"new_dtype": np.dtype(dst), "weak_type": src == dst}
    rule_checks.check_transpose_rule(ew.convert_element_type_p, [x], (0,), params, rtol=rtol)
    ct = np.ones(6, dst)
    (ct_x,) = ew.convert_element_type_p.transpose(ct, ir.UndefPrimal(core.get_aval(x)),
                                                  **params)
    assert ct_x.dtype == src


def test_transpose_of_nonlinear_operands_raises():
    u = ir.UndefPrimal(ir.ShapedArray((3,), F64))
    with pytest.raises(NotImplementedError, match="mul"):
        ew.mul_p.transpose(np.ones(3), u, u)
    with pytest.raises(NotImplementedError, match="div"):
        ew.div_p.transpose(np.ones(3), np.ones(3), u)


# --------------------------------------------------------------------------- batching

# (operand per-example shapes, operand batch dims): rank-2 batched arrays, batched and
# unbatched rank-0 operands beside full ones.
BINARY_BATCH = [
    ((EXAMPLE, EXAMPLE), (0, None)),
    ((EXAMPLE, EXAMPLE), (None, 1)),
    ((EXAMPLE, EXAMPLE), (1, 1)),
    ((EXAMPLE, EXAMPLE), (0, 1)),
    (((), EXAMPLE), (0, 0)),
    (((), EXAMPLE), (0, 1)),
    (((), EXAMPLE), (None, 1)),
    ((EXAMPLE, ()), (1, 0)),
    ((EXAMPLE, ()), (None, 0)),
    (((), ()), (0, 0)),
    (((), ()), (None, 0)),
]
UNARY_BATCH = [((EXAMPLE,), (0,)), ((EXAMPLE,), (1,)), (((),), (0,))]


def _batched(rng, domain, example_shape, dim):
    if dim is None:
        return _sample(rng, domain, example_shape)
    shape = list(example_shape)
    shape.insert(dim, B)
    return _sample(rng, domain, tuple(shape))


def _check_batch(op, example_shapes, dims):
    rng = np.random.default_rng(3)
    args = [_batched(rng, d, s, b)
            for d, s, b in zip(op.domains, example_shapes, dims, strict=True)]
    rule_checks.check_batch_rule(op.prim, args, dims, op.params)


@pytest.mark.parametrize("op", UNARY, ids=_ids(UNARY))
@pytest.mark.parametrize("case", UNARY_BATCH, ids=str)
def test_unary_batch(op, case):
    _check_batch(op, *case)


@pytest.mark.parametrize("op", BINARY, ids=_ids(BINARY))
@pytest.mark.parametrize("case", BINARY_BATCH, ids=str)
def test_binary_batch(op, case):
    _check_batch(op, *case)


SELECT_BATCH = [
    ((EXAMPLE,) * 3, (0, None, None)),
    ((EXAMPLE,) * 3, (None, 1, None)),
    ((EXAMPLE,) * 3, (None, 0, 1)),
    ((EXAMPLE,) * 3, (1, 1, 1)),
    ((EXAMPLE,) * 3, (0, 1, 0)),
    (((), EXAMPLE, EXAMPLE), (0, None, None)),
    (((), EXAMPLE, EXAMPLE), (0, 1, None)),
    (((), EXAMPLE, EXAMPLE), (None, 1, 0)),
    (((), EXAMPLE, EXAMPLE), (None, None, 1)),
    (((), (), ()), (0, None, 0)),
    (((), (), ()), (None, 0, None)),
]


@pytest.mark.parametrize("case", SELECT_BATCH, ids=str)
def test_select_batch(case):
    _check_batch(SELECT, *case)


# --------------------------------------------------------------------------- rules while tracing


def _trace_and_compare(fun, args):
    """`fun` on tracers must build a well-typed program that computes what it does eagerly."""
    expect = [core.instantiate(o) for o in fun(*args)]
    jaxpr, consts = core.trace_flat(lambda *xs: [core.instantiate(o) for o in fun(*xs)],
                                    [core.get_aval(a) for a in args])
    ir.check_jaxpr(ir.ClosedJaxpr(jaxpr, consts))
    got = evaluate.eval_jaxpr(jaxpr, consts, *args)
    for g, e in zip(got, expect, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-13, atol=0)
        assert np.shape(g) == np.shape(e)


TRACED_JVP = ([(op, [s]) for op in UNARY_DIFF for s in [(3, 4), ()]]
              + [(op, list(s)) for op in BINARY_DIFF for s in BINARY_SHAPES]
              + [(SELECT, [sp, sc, sc]) for sp, sc in SELECT_SHAPES])


@pytest.mark.parametrize("op, shapes", TRACED_JVP,
                         ids=[f"{op.name}-{s}" for op, s in TRACED_JVP])
def test_jvp_rule_while_tracing(op, shapes):
    args = _rem_args(shapes) if op.prim is comparison.rem_p else _args(op, shapes)
    rng = np.random.default_rng(4)
    diff = [i for i, a in enumerate(args) if a.dtype == F64]
    tangents = [rng.standard_normal(args[i].shape) for i in diff]

    def jvp(*xs):
        primals, ts = list(xs[:len(args)]), list(xs[len(args):])
        full = [ts.pop(0) if i in diff else ir.Zero(core.get_aval(a))
                for i, a in enumerate(primals)]
        return op.prim.jvp(primals, full, **op.params)

    _trace_and_compare(jvp, [*args, *tangents])


@pytest.mark.parametrize("name, prim, domains, shapes, linear", TRANSPOSES, ids=TRANSPOSE_IDS)
def test_transpose_rule_while_tracing(name, prim, domains, shapes, linear):
    rng = np.random.default_rng(5)
    args = _transpose_args(rng, prim, domains, shapes, linear)
    ct = rng.standard_normal(np.shape(prim.impl(*args)))
    avals = [core.get_aval(a) for a in args]

    def transpose(ct, *xs):
        ins = [ir.UndefPrimal(avals[i]) if i in linear else x for i, x in enumerate(xs)]
        return [c for c in prim.transpose(ct, *ins) if c is not None]

    _trace_and_compare(transpose, [ct, *args])


# --------------------------------------------------------------------------- iota


@pytest.mark.parametrize("dtype, shape, dimension", [
    (np.int32, (4,), 0), (np.float64, (2, 3), 1), (np.int64, (2, 3, 4), -2),
    (np.float32, (0, 3), 1),
])
def test_iota(dtype, shape, dimension):
    out = misc.iota(dtype, shape, dimension)
    expect = np.indices(shape, dtype=dtype)[dimension]
    np.testing.assert_array_equal(out, expect)
    assert out.dtype == np.dtype(dtype) and out.shape == shape
    out[...] = 7   # a fresh array, not a read-only broadcast view
    aval = misc.iota_p.abstract_eval(dtype=np.dtype(dtype), shape=shape,
                                     dimension=dimension % len(shape))
    assert aval == ir.ShapedArray(shape, dtype)


def test_iota_errors_and_folding():
    with pytest.raises(errors.AxisError, match="iota"):
        misc.iota(np.int32, (2, 3), 2)
    with pytest.raises(errors.AxisError, match="iota"):
        misc.iota(np.int32, (), 0)
    with pytest.raises(TypeError, match="iota"):
        misc.iota(np.bool_, (3,), 0)
    with pytest.raises(NotImplementedError, match="iota"):
        misc.iota_p.batch([], [], axis_size=2, dtype=np.dtype(np.int32), shape=(3,), dimension=0)
    assert not misc.iota_p.differentiable
    # No operands: binding inside a trace evaluates at once and records nothing.
    jaxpr, _ = core.trace_flat(lambda x: [ew.add(x, misc.iota(np.float64, (3,), 0))],
                               [ir.ShapedArray((3,), F64)])
    assert [eqn.primitive.name for eqn in jaxpr.eqns] == ["add"]
