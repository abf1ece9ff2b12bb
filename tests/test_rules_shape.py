"""Rules of the shape and reduction primitives (primitives/shape.py, primitives/reductions.py).

Each test is parametrized over cases: impls against NumPy (values and dtypes, and agreement
with abstract_eval), JVPs against finite differences (and against JAX's rule for tied maxima),
transposes by the adjoint identity, batching against a loop over the batch with the batch
axis first, last, in the middle and mixed, and the errors that bad params raise.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest
import rule_checks

from functrans import core, errors, evaluate, ir
from functrans.primitives import elementwise, reductions, shape, slicing

RNG_SEED = 1234


def _randn(*shape_, seed=0):
    return np.random.default_rng(RNG_SEED + seed).standard_normal(shape_)


def _randint(*shape_, seed=0, dtype=np.int32):
    return np.random.default_rng(RNG_SEED + seed).integers(-4, 5, shape_).astype(dtype)


def _randbool(*shape_, seed=0):
    return np.random.default_rng(RNG_SEED + seed).random(shape_) < 0.5


def _random_like(rng, a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return rng.standard_normal(a.shape).astype(a.dtype)
    if a.dtype.kind == "b":
        return rng.random(a.shape) < 0.5
    return rng.integers(-4, 5, a.shape).astype(a.dtype)


class Case(NamedTuple):
    id: str
    prim: core.Primitive
    args: list
    params: dict
    ref: Callable[..., Any]   # NumPy reference taking the args


def _bid_ref(x, shape_, dims):
    kept = [1] * len(shape_)
    for i, d in enumerate(dims):
        kept[d] = np.shape(x)[i]
    return np.broadcast_to(np.reshape(x, kept), shape_)


def _pad_ref(x, v, config):
    out = x
    for d, (lo, hi, interior) in enumerate(config):
        if interior and out.shape[d] > 1:
            n = out.shape[d]
            idx = np.repeat(np.arange(1, n), interior)
            out = np.insert(out, idx, v, axis=d)
        width = [(0, 0)] * out.ndim
        width[d] = (lo, hi)
        out = np.pad(out, width, constant_values=v)
    return out


X345 = _randn(3, 4, 5)
X2D = _randn(4, 6, seed=1)
PAD_CONFIG = ((1, 2, 1), (0, 3, 2))

IMPL_CASES = [
    Case("bid_new_dims", shape.broadcast_in_dim_p, [_randn(3)],
         {"shape": (2, 3, 4), "broadcast_dimensions": (1,)},
         lambda x: _bid_ref(x, (2, 3, 4), (1,))),
    Case("bid_expand_size1", shape.broadcast_in_dim_p, [_randn(3, 1)],
         {"shape": (2, 3, 4), "broadcast_dimensions": (1, 2)},
         lambda x: _bid_ref(x, (2, 3, 4), (1, 2))),
    Case("bid_scalar", shape.broadcast_in_dim_p, [np.array(1.5)],
         {"shape": (2, 3), "broadcast_dimensions": ()}, lambda x: np.full((2, 3), 1.5)),
    Case("bid_int", shape.broadcast_in_dim_p, [_randint(3)],
         {"shape": (3, 2), "broadcast_dimensions": (0,)}, lambda x: _bid_ref(x, (3, 2), (0,))),
    Case("reshape", shape.reshape_p, [X345], {"new_sizes": (6, 10)},
         lambda x: x.reshape(6, 10)),
    Case("reshape_ones", shape.reshape_p, [_randn(6)], {"new_sizes": (1, 2, 3, 1)},
         lambda x: x.reshape(1, 2, 3, 1)),
    Case("transpose", shape.transpose_p, [X345], {"permutation": (2, 0, 1)},
         lambda x: np.transpose(x, (2, 0, 1))),
    Case("rev", slicing.rev_p, [X345], {"dimensions": (0, 2)}, lambda x: np.flip(x, (0, 2))),
    Case("slice_strided", slicing.slice_p, [_randn(5, 6, 7)],
         {"start_indices": (1, 0, 2), "limit_indices": (5, 6, 7), "strides": (2, 3, 1)},
         lambda x: x[1:5:2, 0:6:3, 2:7]),
    Case("slice_unit", slicing.slice_p, [_randn(5, 6, 7)],
         {"start_indices": (1, 2, 0), "limit_indices": (4, 5, 3), "strides": None},
         lambda x: x[1:4, 2:5, 0:3]),
    Case("slice_empty", slicing.slice_p, [X2D],
         {"start_indices": (2, 1), "limit_indices": (2, 6), "strides": (1, 2)},
         lambda x: x[2:2, 1:6:2]),
    Case("pad", slicing.pad_p, [X2D, np.array(-0.5)], {"padding_config": PAD_CONFIG},
         lambda x, v: _pad_ref(x, v, PAD_CONFIG)),
    Case("pad_int_interior", slicing.pad_p, [_randint(3, 1), np.array(7, np.int32)],
         {"padding_config": ((0, 0, 3), (2, 1, 5))},
         lambda x, v: _pad_ref(x, v, ((0, 0, 3), (2, 1, 5)))),
    Case("pad_empty_dim", slicing.pad_p, [np.zeros((0, 2)), np.array(2.0)],
         {"padding_config": ((1, 1, 4), (0, 0, 1))},
         lambda x, v: _pad_ref(x, v, ((1, 1, 4), (0, 0, 1)))),
    Case("concatenate3", slicing.concatenate_p,
         [_randn(2, 3), _randn(2, 1, seed=1), _randn(2, 4, seed=2)], {"dimension": 1},
         lambda *xs: np.concatenate(xs, axis=1)),
    Case("reduce_sum", shape.reduce_sum_p, [X345], {"axes": (0, 2)},
         lambda x: np.sum(x, axis=(0, 2))),
    Case("reduce_sum_all", shape.reduce_sum_p, [X345], {"axes": (0, 1, 2)},
         lambda x: np.sum(x)),
    Case("reduce_sum_int32", shape.reduce_sum_p, [_randint(4, 5)], {"axes": (1,)},
         lambda x: np.sum(x, axis=1).astype(np.int32)),
    Case("reduce_sum_noaxes", shape.reduce_sum_p, [X2D], {"axes": ()}, lambda x: x),
    Case("reduce_prod", reductions.reduce_prod_p, [X345], {"axes": (1,)},
         lambda x: np.prod(x, axis=1)),
    Case("reduce_prod_int32", reductions.reduce_prod_p, [_randint(4, 5)], {"axes": (0, 1)},
         lambda x: np.prod(x).astype(np.int32)),
    Case("reduce_max", reductions.reduce_max_p, [X345], {"axes": (0, 2)},
         lambda x: np.max(x, axis=(0, 2))),
    Case("reduce_max_int", reductions.reduce_max_p, [_randint(4, 5)], {"axes": (1,)},
         lambda x: np.max(x, axis=1)),
    Case("reduce_max_bool", reductions.reduce_max_p, [_randbool(4, 5)], {"axes": (1,)},
         lambda x: np.any(x, axis=1)),
    Case("reduce_max_empty", reductions.reduce_max_p, [np.zeros((0, 3))], {"axes": (0,)},
         lambda x: np.full(3, -np.inf)),
    Case("reduce_min", reductions.reduce_min_p, [X345], {"axes": (1,)},
         lambda x: np.min(x, axis=1)),
    Case("reduce_min_bool", reductions.reduce_min_p, [_randbool(4, 5)], {"axes": (0, 1)},
         lambda x: np.all(x)),
    Case("argmax_ties", reductions.argmax_p, [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])],
         {"axis": 1, "index_dtype": np.dtype(np.int32)},
         lambda x: np.argmax(x, axis=1).astype(np.int32)),
    Case("argmax", reductions.argmax_p, [X345], {"axis": 0, "index_dtype": np.dtype(np.int64)},
         lambda x: np.argmax(x, axis=0)),
    Case("argmin_int", reductions.argmin_p, [_randint(4, 5)],
         {"axis": 1, "index_dtype": np.dtype(np.int32)},
         lambda x: np.argmin(x, axis=1).astype(np.int32)),
    Case("cumsum", reductions.cumsum_p, [X345], {"axis": 1, "reverse": False},
         lambda x: np.cumsum(x, axis=1)),
    Case("cumsum_reverse", reductions.cumsum_p, [X345], {"axis": 2, "reverse": True},
         lambda x: np.flip(np.cumsum(np.flip(x, 2), axis=2), 2)),
    Case("cumsum_int32", reductions.cumsum_p, [_randint(4, 5)], {"axis": 0, "reverse": False},
         lambda x: np.cumsum(x, axis=0).astype(np.int32)),
]


@pytest.mark.parametrize("case", IMPL_CASES, ids=lambda c: c.id)
def test_impl_matches_numpy_and_abstract_eval(case):
    out = case.prim.bind(*case.args, **case.params)
    expect = np.asarray(case.ref(*case.args))
    assert isinstance(out, np.ndarray)
    assert out.dtype == expect.dtype
    np.testing.assert_array_equal(out, expect)
    aval = case.prim.abstract_eval(*[core.get_aval(a) for a in case.args], **case.params)
    assert aval.shape == out.shape
    assert aval.dtype == out.dtype


def test_reduce_sum_is_numpy_pairwise_sum():
    x = np.random.default_rng(RNG_SEED).standard_normal(10_000) * 1e3
    assert shape.reduce_sum(x, (0,)) == np.sum(x)


# --------------------------------------------------------------------------- JVP

JVP_CASES = [
    (c.id, c.prim, c.args, c.params) for c in IMPL_CASES
    if c.prim.differentiable and all(np.asarray(a).dtype.kind == "f" for a in c.args)
    and "empty" not in c.id and c.prim not in (reductions.reduce_max_p, reductions.reduce_min_p)
]
_X_ONE_ZERO = _randn(3, 7, seed=5)
_X_ONE_ZERO[1, 4] = 0.0
_X_TWO_ZEROS = _randn(2, 6, seed=6)
_X_TWO_ZEROS[0, 1] = _X_TWO_ZEROS[0, 5] = 0.0
JVP_CASES += [
    ("pad_operand_only", slicing.pad_p, [X2D, np.array(0.3)], {"padding_config": PAD_CONFIG},
     [0]),
    ("concatenate3_middle_zero", slicing.concatenate_p,
     [_randn(2, 3), _randn(2, 1, seed=1), _randn(2, 4, seed=2)], {"dimension": 1}, [0, 2]),
    ("reduce_prod_odd_multi_axes", reductions.reduce_prod_p, [_randn(3, 5, 3, seed=3)],
     {"axes": (0, 2)}, None),
    ("reduce_prod_one_zero", reductions.reduce_prod_p, [_X_ONE_ZERO], {"axes": (1,)}, None),
    ("reduce_prod_two_zeros", reductions.reduce_prod_p, [_X_TWO_ZEROS], {"axes": (1,)}, None),
    ("reduce_prod_all_axes", reductions.reduce_prod_p, [_randn(2, 3, seed=4)],
     {"axes": (0, 1)}, None),
    ("reduce_max_no_ties", reductions.reduce_max_p, [X345], {"axes": (0, 2)}, None),
    ("reduce_min_no_ties", reductions.reduce_min_p, [X345], {"axes": (1,)}, None),
    ("reduce_max_all", reductions.reduce_max_p, [X2D], {"axes": (0, 1)}, None),
]
JVP_CASES = [c if len(c) == 5 else (*c, None) for c in JVP_CASES]


@pytest.mark.parametrize("name,prim,args,params,diff_argnums", JVP_CASES,
                         ids=[c[0] for c in JVP_CASES])
def test_jvp_rule(name, prim, args, params, diff_argnums):
    rule_checks.check_jvp_rule(prim, args, params, diff_argnums=diff_argnums)


TIES = [
    ("max_row_ties", reductions.reduce_max_p, np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
     (1,)),
    ("max_all_equal", reductions.reduce_max_p, np.full((2, 3), 4.0), (0, 1)),
    ("max_col_ties", reductions.reduce_max_p, np.array([[5.0, 1.0], [5.0, 2.0], [5.0, 2.0]]),
     (0,)),
    ("min_ties", reductions.reduce_min_p, np.array([[0.0, -1.0, -1.0, 2.0, -1.0]]), (1,)),
]


@pytest.mark.parametrize("name,prim,x,axes", TIES, ids=[t[0] for t in TIES])
def test_reduce_max_min_jvp_shares_tangent_among_ties(name, prim, x, axes):
    t = np.random.default_rng(RNG_SEED).standard_normal(x.shape)
    out, t_out = prim.jvp([x], [t], axes=axes)
    chosen = np.max(x, axis=axes, keepdims=True) if prim is reductions.reduce_max_p else \
        np.min(x, axis=axes, keepdims=True)
    mask = (x == chosen).astype(x.dtype)
    expect = np.sum(t * mask, axis=axes) / np.sum(mask, axis=axes)
    np.testing.assert_allclose(t_out, expect, rtol=1e-14)
    np.testing.assert_array_equal(out, prim.impl(x, axes=axes))
    assert np.any(np.sum(mask, axis=axes) > 1)   # the case has ties


def test_argmax_argmin_are_not_differentiable():
    assert not reductions.argmax_p.differentiable
    assert not reductions.argmin_p.differentiable
    assert shape.reduce_sum_p.linear and reductions.cumsum_p.linear


# --------------------------------------------------------------------------- transpose

_ZEROS_2_1 = np.zeros((2, 1))
TRANSPOSE_CASES = [
    ("bid_new_dims", shape.broadcast_in_dim_p, [_randn(3)],
     {"shape": (2, 3, 4), "broadcast_dimensions": (1,)}, [0]),
    ("bid_expand_size1", shape.broadcast_in_dim_p, [_randn(3, 1, 1)],
     {"shape": (2, 3, 4, 1, 5), "broadcast_dimensions": (1, 2, 3)}, [0]),
    ("bid_scalar", shape.broadcast_in_dim_p, [np.array(2.0)],
     {"shape": (2, 3), "broadcast_dimensions": ()}, [0]),
    ("reshape", shape.reshape_p, [X345], {"new_sizes": (6, 10)}, [0]),
    ("transpose", shape.transpose_p, [X345], {"permutation": (1, 2, 0)}, [0]),
    ("rev", slicing.rev_p, [X345], {"dimensions": (1,)}, [0]),
    ("slice_strided", slicing.slice_p, [_randn(5, 6, 7)],
     {"start_indices": (1, 0, 2), "limit_indices": (5, 6, 7), "strides": (2, 3, 1)}, [0]),
    ("slice_strided_uneven", slicing.slice_p, [_randn(8, 3)],
     {"start_indices": (2, 0), "limit_indices": (7, 3), "strides": (3, 2)}, [0]),
    ("slice_unit", slicing.slice_p, [_randn(5, 6)],
     {"start_indices": (1, 2), "limit_indices": (4, 5), "strides": None}, [0]),
    ("slice_empty", slicing.slice_p, [X2D],
     {"start_indices": (2, 1), "limit_indices": (2, 6), "strides": (1, 2)}, [0]),
    ("pad_both", slicing.pad_p, [X2D, np.array(-0.5)], {"padding_config": PAD_CONFIG}, [0, 1]),
    ("pad_interior_only", slicing.pad_p, [_randn(3, 2), np.array(1.5)],
     {"padding_config": ((0, 0, 2), (0, 0, 1))}, [0, 1]),
    ("pad_operand_only", slicing.pad_p, [X2D, np.array(0.0)], {"padding_config": PAD_CONFIG},
     [0]),
    ("pad_value_only", slicing.pad_p, [np.zeros((3, 2)), np.array(0.7)],
     {"padding_config": ((1, 0, 1), (2, 2, 0))}, [1]),
    ("concatenate3", slicing.concatenate_p,
     [_randn(2, 3), _randn(2, 1, seed=1), _randn(2, 4, seed=2)], {"dimension": 1}, [0, 1, 2]),
    ("concatenate3_middle_const", slicing.concatenate_p,
     [_randn(2, 3), _ZEROS_2_1, _randn(2, 4, seed=2)], {"dimension": 1}, [0, 2]),
    ("concatenate3_axis0", slicing.concatenate_p,
     [_randn(1, 3), _randn(4, 3, seed=1), _randn(2, 3, seed=2)], {"dimension": 0}, [0, 1, 2]),
    ("reduce_sum", shape.reduce_sum_p, [X345], {"axes": (0, 2)}, [0]),
    ("reduce_sum_all", shape.reduce_sum_p, [X345], {"axes": (0, 1, 2)}, [0]),
    ("cumsum", reductions.cumsum_p, [X345], {"axis": 1, "reverse": False}, [0]),
    ("cumsum_reverse", reductions.cumsum_p, [X345], {"axis": 0, "reverse": True}, [0]),
]


@pytest.mark.parametrize("name,prim,args,params,linear", TRANSPOSE_CASES,
                         ids=[c[0] for c in TRANSPOSE_CASES])
def test_transpose_rule(name, prim, args, params, linear):
    rule_checks.check_transpose_rule(prim, args, linear, params)


def test_transposes_cover_every_linear_primitive():
    covered = {c[1] for c in TRANSPOSE_CASES}
    linear = {p for p in _ALL_PRIMS if p.linear}
    assert linear == covered
    assert all(p.transpose is not None for p in linear)
    assert all(p.transpose is None for p in _ALL_PRIMS - linear)


# --------------------------------------------------------------------------- batching

BATCH_CASES = [
    # (id, prim, core args, params, extra patterns of which args are batched)
    ("bid_new_dims", shape.broadcast_in_dim_p, [_randn(3, 2)],
     {"shape": (4, 3, 5, 2), "broadcast_dimensions": (1, 3)}, []),
    ("bid_expand", shape.broadcast_in_dim_p, [_randn(1, 3)],
     {"shape": (2, 4, 3), "broadcast_dimensions": (1, 2)}, []),
    ("bid_scalar", shape.broadcast_in_dim_p, [np.array(1.0)],
     {"shape": (2, 3), "broadcast_dimensions": ()}, []),
    ("reshape", shape.reshape_p, [X345], {"new_sizes": (2, 30)}, []),
    ("transpose", shape.transpose_p, [X345], {"permutation": (2, 0, 1)}, []),
    ("rev", slicing.rev_p, [X345], {"dimensions": (0, 2)}, []),
    ("slice", slicing.slice_p, [_randn(5, 6, 7)],
     {"start_indices": (1, 0, 2), "limit_indices": (5, 6, 7), "strides": (2, 3, 1)}, []),
    ("slice_unit", slicing.slice_p, [_randn(5, 6)],
     {"start_indices": (1, 2), "limit_indices": (4, 5), "strides": None}, []),
    ("pad", slicing.pad_p, [X2D, np.array(-0.5)], {"padding_config": PAD_CONFIG},
     [(True, False), (False, True)]),
    ("pad_int", slicing.pad_p, [_randint(3, 2), np.array(9, np.int32)],
     {"padding_config": ((1, 0, 1), (0, 2, 0))}, [(True, False), (False, True)]),
    ("concatenate3", slicing.concatenate_p,
     [_randn(2, 3), _randn(2, 1, seed=1), _randn(2, 4, seed=2)], {"dimension": 1},
     [(True, False, True), (False, True, False)]),
    ("reduce_sum", shape.reduce_sum_p, [X345], {"axes": (0, 2)}, []),
    ("reduce_sum_all", shape.reduce_sum_p, [X345], {"axes": (0, 1, 2)}, []),
    ("reduce_prod", reductions.reduce_prod_p, [X345], {"axes": (1,)}, []),
    ("reduce_max", reductions.reduce_max_p, [X345], {"axes": (1, 2)}, []),
    ("reduce_max_bool", reductions.reduce_max_p, [_randbool(3, 4)], {"axes": (0,)}, []),
    ("reduce_min", reductions.reduce_min_p, [X345], {"axes": (0,)}, []),
    ("argmax", reductions.argmax_p, [X345], {"axis": 1, "index_dtype": np.dtype(np.int32)}, []),
    ("argmin", reductions.argmin_p, [X345], {"axis": 2, "index_dtype": np.dtype(np.int64)}, []),
    ("argmax_axis0", reductions.argmax_p, [X2D],
     {"axis": 0, "index_dtype": np.dtype(np.int32)}, []),
    ("cumsum", reductions.cumsum_p, [X345], {"axis": 1, "reverse": False}, []),
    ("cumsum_reverse", reductions.cumsum_p, [X345], {"axis": 0, "reverse": True}, []),
]
POSITIONS = ("first", "middle", "last", "mixed")


def _batch_dim(position: str, ndim: int, argnum: int) -> int:
    """Where the batch axis goes in an argument of core rank `ndim`."""
    return {"first": 0, "middle": ndim // 2 if ndim > 1 else 0, "last": ndim,
            "mixed": argnum % (ndim + 1)}[position]


def _batch_params():
    out = []
    for case in BATCH_CASES:
        name, prim, args, params, patterns = case
        for pattern in [(True,) * len(args), *patterns]:
            for pos in POSITIONS:
                tag = "".join("b" if p else "u" for p in pattern)
                out.append(pytest.param(prim, args, params, pattern, pos,
                                        id=f"{name}-{tag}-{pos}"))
    return out


@pytest.mark.parametrize("prim,args,params,pattern,position", _batch_params())
def test_batch_rule(prim, args, params, pattern, position):
    rng = np.random.default_rng(RNG_SEED)
    size = 3
    batched_args, dims = [], []
    for i, (a, is_batched) in enumerate(zip(args, pattern, strict=True)):
        a = np.asarray(a)
        if not is_batched:
            batched_args.append(a)
            dims.append(None)
            continue
        d = _batch_dim(position, a.ndim, i)
        batched_args.append(np.stack([_random_like(rng, a) for _ in range(size)], axis=d))
        dims.append(d)
    rule_checks.check_batch_rule(prim, batched_args, dims, params)


def test_batch_rules_cover_every_primitive():
    assert {c[1] for c in BATCH_CASES} == _ALL_PRIMS


def test_broadcast_in_dim_batch_keeps_operand_batch_axis():
    # No transpose is needed: the batch dim lands between the output dims around it.
    x = _randn(3, 7, 2)
    out, out_dim = shape.broadcast_in_dim_p.batch(
        [x], [1], axis_size=7, shape=(4, 3, 5, 2), broadcast_dimensions=(1, 3))
    assert out_dim == 2 and out.shape == (4, 3, 7, 5, 2)


@pytest.mark.parametrize("axes,bdim,out_dim", [((0, 2), 1, 0), ((0, 1), 3, 1), ((1, 2), 0, 0)])
def test_reduction_batch_out_dim(axes, bdim, out_dim):
    x = _randn(2, 3, 4, 5)
    _, got = shape.reduce_sum_p.batch([x], [bdim], axis_size=x.shape[bdim], axes=axes)
    assert got == out_dim


# --------------------------------------------------------------------------- traced rules


def _trace(fun, *avals):
    jaxpr, consts = core.trace_flat(fun, list(avals))
    ir.check_jaxpr(ir.ClosedJaxpr(jaxpr, consts))
    return jaxpr, consts


TRACED_RULES = [
    ("reduce_prod_jvp", lambda x, t: list(reductions.reduce_prod_p.jvp([x], [t], axes=(1,)))),
    ("reduce_max_jvp", lambda x, t: list(reductions.reduce_max_p.jvp([x], [t], axes=(0,)))),
    ("pad_batch_value", lambda x, t: [slicing.pad_p.batch(
        [x, shape.reduce_sum(t, (1,))], [None, 0], axis_size=3,
        padding_config=((1, 1, 1), (0, 2, 0)))[0]]),
    ("bid_transpose", lambda x, t: list(shape.broadcast_in_dim_p.transpose(
        x, ir.UndefPrimal(ir.ShapedArray((3, 1), np.float64)),
        shape=(3, 4), broadcast_dimensions=(0, 1)))),
    ("concatenate_batch", lambda x, t: [slicing.concatenate_p.batch(
        [x, shape.reduce_sum(t, (1,))], [1, None], axis_size=4, dimension=0)[0]]),
]


@pytest.mark.parametrize("name,fun", TRACED_RULES, ids=[r[0] for r in TRACED_RULES])
def test_rules_trace_to_valid_programs_that_match_eager(name, fun):
    x, t = _randn(3, 4), _randn(3, 4, seed=1)
    x[1, 2] = 0.0
    aval = ir.ShapedArray((3, 4), np.float64)
    jaxpr, consts = _trace(fun, aval, aval)
    assert jaxpr.eqns
    for got, expect in zip(evaluate.eval_jaxpr(jaxpr, consts, x, t), fun(x, t), strict=True):
        np.testing.assert_allclose(got, expect, rtol=1e-13)


# --------------------------------------------------------------------------- wrappers, helpers


def test_wrappers_normalize_params():
    x = X345
    np.testing.assert_array_equal(shape.reduce_sum(x, -1), np.sum(x, axis=2))
    np.testing.assert_array_equal(reductions.reduce_max(x, (2, -3)), np.max(x, axis=(0, 2)))
    np.testing.assert_array_equal(shape.transpose(x, (-1, 0, 1)), np.transpose(x, (2, 0, 1)))
    np.testing.assert_array_equal(slicing.rev(x, (-1,)), np.flip(x, 2))
    np.testing.assert_array_equal(reductions.cumsum(x, -2, reverse=True),
                                  np.flip(np.cumsum(np.flip(x, 1), axis=1), 1))
    np.testing.assert_array_equal(reductions.argmin(x, -1, np.int32), np.argmin(x, axis=2))
    np.testing.assert_array_equal(slicing.concatenate([x, x], -1), np.concatenate([x, x], 2))
    np.testing.assert_array_equal(slicing.slice(x, (0, 1, 0), (3, 4, 5), (1, 1, 1)), x[:, 1:])
    np.testing.assert_array_equal(slicing.pad(np.arange(3, dtype=np.float32), 1, [(1, 0, 1)]),
                                  np.array([1, 0, 1, 1, 1, 2], np.float32))


@pytest.mark.parametrize("fun,in_shape,expect", [
    (lambda x: shape.reshape(x, (2, 3)), (2, 3), []),
    (lambda x: shape.transpose(x, (0, 1)), (2, 3), []),
    (lambda x: shape.broadcast_in_dim(x, (2, 3), (0, 1)), (2, 3), []),
    (lambda x: slicing.slice(x, (0, 0), (2, 3), (1, 1)), (2, 3), []),
    (lambda x: slicing.concatenate([x], 0), (2, 3), []),
    (lambda x: shape.reduce_sum(x, ()), (2, 3), []),
    (lambda x: slicing.slice(x, (1, 0), (2, 3), (1, 1)), (2, 3),
     [("slice", {"start_indices": (1, 0), "limit_indices": (2, 3), "strides": None})]),
    (lambda x: shape.reduce_sum(x, [-1, 0]), (2, 3), [("reduce_sum", {"axes": (0, 1)})]),
    (lambda x: shape.expand_dims(x, (0, -1)), (2, 3),
     [("reshape", {"new_sizes": (1, 2, 3, 1)})]),
    (lambda x: shape.squeeze(x, (-1,)), (2, 1), [("reshape", {"new_sizes": (2,)})]),
])
def test_traced_wrappers_record_canonical_equations(fun, in_shape, expect):
    jaxpr, _ = _trace(lambda x: [fun(x)], ir.ShapedArray(in_shape, np.float64))
    assert [(e.primitive.name, e.params) for e in jaxpr.eqns] == expect


def test_helpers():
    x = _randn(2, 3)
    np.testing.assert_array_equal(shape.expand_dims(x, (1,)), x[:, None])
    np.testing.assert_array_equal(shape.squeeze(x[None, :, None], (0, 2)), x)
    full = elementwise.full((2, 3), 2, np.float32)
    assert full.dtype == np.float32 and full.shape == (2, 3) and np.all(full == 2)
    assert elementwise.full((4,), True).dtype == np.bool_
    jaxpr, consts = _trace(lambda v: [elementwise.full((2, 2), v, np.float32)],
                           ir.ShapedArray((), np.float64))
    out, = evaluate.eval_jaxpr(jaxpr, consts, np.float64(1.25))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.full((2, 2), 1.25, np.float32))


def test_weak_types():
    weak = ir.ShapedArray((2,), np.float64, weak_type=True)
    strong = ir.ShapedArray((2,), np.float64)
    scalar_weak = ir.ShapedArray((), np.float64, weak_type=True)
    assert shape.reshape_p.abstract_eval(weak, new_sizes=(1, 2)).weak_type
    assert shape.reduce_sum_p.abstract_eval(weak, axes=(0,)).weak_type
    assert not reductions.argmax_p.abstract_eval(weak, axis=0,
                                                 index_dtype=np.dtype(np.int32)).weak_type
    assert slicing.concatenate_p.abstract_eval(weak, weak, dimension=0).weak_type
    assert not slicing.concatenate_p.abstract_eval(weak, strong, dimension=0).weak_type
    assert slicing.pad_p.abstract_eval(weak, scalar_weak, padding_config=((1, 0, 0),)).weak_type
    assert not slicing.pad_p.abstract_eval(strong, scalar_weak,
                                         padding_config=((1, 0, 0),)).weak_type


# --------------------------------------------------------------------------- errors

X23 = np.zeros((2, 3))
F64_23 = ir.ShapedArray((2, 3), np.float64)
ERROR_CASES = [
    ("transpose_repeat", lambda: shape.transpose(X23, (0, 0)), errors.ShapeError,
     ["transpose", "f64[2,3]", "permutation"]),
    ("transpose_rank", lambda: shape.transpose(X23, (0, 1, 2)), errors.ShapeError,
     ["transpose", "f64[2,3]"]),
    ("reshape_size", lambda: shape.reshape(X23, (4, 2)), errors.ShapeError,
     ["reshape", "f64[2,3]", "(4, 2)", "multiply"]),
    ("reshape_minus_one", lambda: shape.reshape(X23, (-1, 2)), errors.ShapeError,
     ["reshape", "f64[2,3]", "functrans.numpy.reshape"]),
    ("bid_size", lambda: shape.broadcast_in_dim(np.zeros(3), (3, 4), (1,)), errors.ShapeError,
     ["broadcast_in_dim", "f64[3]", "must be 1 or equal"]),
    ("bid_order", lambda: shape.broadcast_in_dim(X23, (3, 2, 3), (2, 1)), errors.ShapeError,
     ["broadcast_in_dim", "f64[2,3]", "strictly increasing"]),
    ("bid_count", lambda: shape.broadcast_in_dim(X23, (2, 3), (0,)), errors.ShapeError,
     ["broadcast_in_dim", "f64[2,3]", "2 ints"]),
    ("slice_bounds", lambda: slicing.slice(X23, (0, 0), (2, 4)), errors.ShapeError,
     ["slice", "f64[2,3]", "limit 4", "<= 3"]),
    ("slice_start_after_limit", lambda: slicing.slice(X23, (2, 0), (1, 3)), errors.ShapeError,
     ["slice", "f64[2,3]", "dim 0"]),
    ("slice_stride", lambda: slicing.slice(X23, (0, 0), (2, 3), (1, 0)), errors.ShapeError,
     ["slice", "f64[2,3]", "stride 0"]),
    ("slice_rank", lambda: slicing.slice(X23, (0,), (2,)), errors.ShapeError,
     ["slice", "f64[2,3]", "2 ints"]),
    ("pad_negative", lambda: slicing.pad(X23, 0.0, [(0, -1, 0), (0, 0, 0)]), errors.ShapeError,
     ["pad", "f64[2,3]", ">= 0"]),
    ("pad_dtype", lambda: slicing.pad(X23, np.float32(0), [(0, 0, 0)] * 2), errors.ShapeError,
     ["pad", "f64[2,3]", "f32[]", "dtype"]),
    ("pad_config_len", lambda: slicing.pad(X23, 0.0, [(0, 0, 0)]), errors.ShapeError,
     ["pad", "f64[2,3]", "padding_config"]),
    ("concatenate_shapes", lambda: slicing.concatenate([X23, np.zeros((3, 3))], 1),
     errors.ShapeError, ["concatenate", "f64[2,3]", "f64[3,3]", "dimension 1"]),
    ("concatenate_dtypes", lambda: slicing.concatenate([X23, X23.astype(np.float32)], 0),
     errors.ShapeError, ["concatenate", "f32[2,3]", "dtype"]),
    ("concatenate_axis", lambda: slicing.concatenate([X23, X23], 2), errors.AxisError,
     ["concatenate", "f64[2,3]", "axis 2"]),
    ("reduce_sum_axis", lambda: shape.reduce_sum(X23, (2,)), errors.AxisError,
     ["reduce_sum", "f64[2,3]", "axis 2"]),
    ("reduce_sum_repeat", lambda: shape.reduce_sum(X23, (1, -1)), errors.AxisError,
     ["reduce_sum", "repeated"]),
    ("reduce_sum_unsorted_param", lambda: shape.reduce_sum_p.abstract_eval(
        F64_23, axes=(1, 0)), errors.AxisError, ["reduce_sum", "f64[2,3]", "sorted"]),
    ("reduce_sum_bool", lambda: shape.reduce_sum(np.zeros(3, bool), (0,)),
     errors.ShapeError, ["reduce_sum", "bool"]),
    ("reduce_max_axis", lambda: reductions.reduce_max(X23, (-3,)), errors.AxisError,
     ["reduce_max", "f64[2,3]", "axis -3"]),
    ("argmax_axis", lambda: reductions.argmax(X23, 3, np.int32), errors.AxisError,
     ["argmax", "f64[2,3]", "axis 3"]),
    ("argmax_index_dtype", lambda: reductions.argmax(X23, 0, np.float64), errors.ShapeError,
     ["argmax", "f64[2,3]", "index_dtype"]),
    ("argmin_empty", lambda: reductions.argmin(np.zeros((0, 3)), 0, np.int32),
     errors.ShapeError, ["argmin", "f64[0,3]", "size 0"]),
    ("cumsum_axis", lambda: reductions.cumsum(X23, 2), errors.AxisError,
     ["cumsum", "f64[2,3]", "axis 2"]),
    ("rev_axis", lambda: slicing.rev(X23, (5,)), errors.AxisError, ["rev", "f64[2,3]", "axis 5"]),
    ("squeeze_size", lambda: shape.squeeze(X23, (1,)), errors.ShapeError,
     ["squeeze", "f64[2,3]", "not 1"]),
    ("float_param", lambda: shape.reshape(X23, (3.0, 2)), errors.FunctransTypeError,
     ["reshape", "new_sizes"]),
]


@pytest.mark.parametrize("name,fun,exc,fragments", ERROR_CASES, ids=[e[0] for e in ERROR_CASES])
def test_param_errors(name, fun, exc, fragments):
    with pytest.raises(exc) as info:
        fun()
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


_ALL_PRIMS = {
    shape.broadcast_in_dim_p, shape.reshape_p, shape.transpose_p, slicing.rev_p, slicing.slice_p,
    slicing.pad_p, slicing.concatenate_p, shape.reduce_sum_p, reductions.reduce_prod_p,
    reductions.reduce_max_p, reductions.reduce_min_p, reductions.argmax_p, reductions.argmin_p,
    reductions.cumsum_p,
}


def test_every_primitive_has_all_rules():
    for p in _ALL_PRIMS:
        assert p.impl is not None and p.abstract_eval is not None and p.batch is not None
        assert (p.jvp is not None) == p.differentiable, p
    assert len(_ALL_PRIMS) == 14
