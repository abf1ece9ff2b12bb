"""Rules of the linalg (`dot_general`) and indexing (`gather`, `scatter*`) primitives.

Each rule is checked eagerly with `rule_checks` (JVP vs central differences, transpose by the
adjoint identity, batching vs a loop over the batch) and traced (the rule run on tracers gives
a well-typed program that evaluates to the eager result). Implementations are compared with
NumPy references (`np.matmul`, `np.einsum`, `np.take`, `np.add.at`, ...).
"""
from __future__ import annotations

import string

import numpy as np
import pytest
from rule_checks import check_batch_rule, check_jvp_rule, check_transpose_rule

from functrans import core, errors, evaluate, ir
from functrans.primitives import indexing, linalg

B = 3   # batch size for the batching checks


def _rng(*key):
    return np.random.default_rng(abs(hash(key)) % 2**32 if key else 0)


def _traced_matches(fun, *args):
    """`fun` traced on tracers is a valid program whose evaluation equals `fun(*args)`."""
    args = [np.asarray(a) for a in args]
    jaxpr, consts = core.trace_flat(lambda *xs: list(fun(*xs)), [core.get_aval(a) for a in args])
    ir.check_jaxpr(jaxpr)
    assert jaxpr.eqns, "the rule was not traced"
    got = evaluate.eval_jaxpr(jaxpr, consts, *args)
    expect = list(fun(*args))
    for g, e in zip(got, expect, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
        assert np.asarray(g).dtype == np.asarray(e).dtype


def _insert_batch(rng, x, pos, dtype=np.float64, low=None, high=None):
    """`x`'s shape with a batch axis of size B inserted at `pos` (None: `x` itself)."""
    if pos is None:
        return x
    shape = (B, *np.shape(x))
    if low is None:
        stacked = rng.standard_normal(shape).astype(dtype)
    else:
        stacked = rng.integers(low, high, shape).astype(dtype)
    return np.moveaxis(stacked, 0, pos)


# =========================================================================== dot_general

DOT_CASES = {
    "matmul": ((3, 4), (4, 5), (((1,), (0,)), ((), ()))),
    "matvec": ((3, 4), (4,), (((1,), (0,)), ((), ()))),
    "vecmat": ((4,), (4, 5), (((0,), (0,)), ((), ()))),
    "vecvec_inner": ((4,), (4,), (((0,), (0,)), ((), ()))),
    "outer_vec": ((3,), (5,), (((), ()), ((), ()))),
    "outer_mat_vec": ((2, 3), (4,), (((), ()), ((), ()))),
    "scalar_times_vec": ((), (3,), (((), ()), ((), ()))),
    "lhs_transposed": ((4, 3), (4, 5), (((0,), (0,)), ((), ()))),
    "both_transposed": ((4, 3), (5, 4), (((0,), (1,)), ((), ()))),
    "batched_matmul": ((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,)))),
    "batched_matvec": ((2, 3, 4), (2, 4), (((2,), (1,)), ((0,), (0,)))),
    "two_contractions": ((3, 4, 5), (5, 4, 2), (((1, 2), (1, 0)), ((), ()))),
    "batch_not_leading": ((3, 2, 4), (4, 5, 2), (((2,), (0,)), ((1,), (2,)))),
    "two_batch_dims_swapped": ((2, 3, 4, 5), (3, 2, 5, 6), (((3,), (2,)), ((0, 1), (1, 0)))),
    "batch_only": ((2, 3), (2,), (((), ()), ((0,), (0,)))),
    "empty_contraction": ((3, 0), (0, 2), (((1,), (0,)), ((), ()))),
}
DOT_IDS = list(DOT_CASES)


def _dot_args(name, dtype=np.float64):
    xs, ys, dn = DOT_CASES[name]
    rng = _rng("dot", name)
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(xs).astype(dtype), rng.standard_normal(ys).astype(dtype), dn
    return rng.integers(-5, 5, xs).astype(dtype), rng.integers(-5, 5, ys).astype(dtype), dn


def _einsum_reference(x, y, dn):
    """dot_general written as an einsum: paired dims share a letter."""
    (lc, rc), (lb, rb) = dn
    letters = iter(string.ascii_letters)
    xl = [next(letters) for _ in range(x.ndim)]
    yl = [next(letters) for _ in range(y.ndim)]
    for dl, dr in zip(lc + lb, rc + rb, strict=True):
        yl[dr] = xl[dl]
    out = ([xl[d] for d in lb] + [xl[d] for d in range(x.ndim) if d not in lc + lb]
           + [yl[d] for d in range(y.ndim) if d not in rc + rb])
    spec = f"{''.join(xl)},{''.join(yl)}->{''.join(out)}"
    return np.einsum(spec, x.astype(np.float64), y.astype(np.float64))


@pytest.mark.parametrize("name", DOT_IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32])
def test_dot_general_impl_matches_einsum(name, dtype):
    x, y, dn = _dot_args(name, dtype)
    out = linalg.dot_general(x, y, dn)
    aval = linalg.dot_general_p.abstract_eval(core.get_aval(x), core.get_aval(y),
                                             dimension_numbers=dn)
    assert isinstance(out, np.ndarray)
    assert out.shape == aval.shape and out.dtype == aval.dtype == np.dtype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out, _einsum_reference(x, y, dn), rtol=tol, atol=tol)


@pytest.mark.parametrize("xs, ys", [((30, 40), (40, 20)), ((30, 40), (40,)), ((40,), (40, 20)),
                                    ((40,), (40,))])
def test_dot_general_plain_matmul_is_exactly_numpy(xs, ys):
    rng = _rng("exact", xs, ys)
    x, y = rng.standard_normal(xs), rng.standard_normal(ys)
    dn = (((x.ndim - 1,), (0,)), ((), ()))
    np.testing.assert_array_equal(linalg.dot_general(x, y, dn), np.matmul(x, y))


def test_dot_general_batched_matmul_and_tensordot_match_numpy():
    rng = _rng("bmm")
    x, y = rng.standard_normal((5, 30, 40)), rng.standard_normal((5, 40, 20))
    out = linalg.dot_general(x, y, (((2,), (1,)), ((0,), (0,))))
    np.testing.assert_allclose(out, x @ y, rtol=1e-13, atol=1e-13)
    a, b = rng.standard_normal((6, 7, 8)), rng.standard_normal((8, 7, 9))
    out = linalg.dot_general(a, b, (((1, 2), (1, 0)), ((), ())))
    np.testing.assert_allclose(out, np.tensordot(a, b, ((1, 2), (1, 0))), rtol=1e-13, atol=1e-13)


def test_dot_general_wrapper_normalizes_dimension_numbers():
    x, y = np.ones((2, 3, 4)), np.ones((2, 4, 5))
    out_aval = None

    def record(*xs):
        nonlocal out_aval
        out = linalg.dot_general(xs[0], xs[1], [[[-1], [1]], [[-3], [0]]])
        out_aval = out.aval
        return [out]

    jaxpr, _ = core.trace_flat(record, [core.get_aval(x), core.get_aval(y)])
    assert jaxpr.eqns[0].params == {"dimension_numbers": (((2,), (1,)), ((0,), (0,)))}
    assert all(type(d) is int for part in jaxpr.eqns[0].params["dimension_numbers"]
               for dims in part for d in dims)
    assert out_aval.shape == (2, 3, 5)


@pytest.mark.parametrize("name", DOT_IDS)
@pytest.mark.parametrize("diff_argnums", [(0, 1), (0,), (1,)])
def test_dot_general_jvp(name, diff_argnums):
    x, y, dn = _dot_args(name)
    check_jvp_rule(linalg.dot_general_p, [x, y], {"dimension_numbers": dn},
                   diff_argnums=list(diff_argnums))


@pytest.mark.parametrize("name", DOT_IDS)
@pytest.mark.parametrize("linear", [0, 1])
def test_dot_general_transpose(name, linear):
    x, y, dn = _dot_args(name)
    check_transpose_rule(linalg.dot_general_p, [x, y], (linear,), {"dimension_numbers": dn})


def test_dot_general_transpose_both_linear_raises():
    undef = ir.UndefPrimal(ir.ShapedArray((3,), np.float64))
    with pytest.raises(NotImplementedError, match="dot_general"):
        linalg.dot_general_p.transpose(np.ones(()), undef, undef,
                                       dimension_numbers=(((0,), (0,)), ((), ())))


# Batch axis positions (lhs, rhs): None = unbatched, -1 = after the last dim.
DOT_BATCH_DIMS = [(0, None), (None, 0), (0, 0), (-1, None), (None, -1), (-1, 0), (1, -1), (-1, -1)]


def _batched_position(pos, ndim):
    if pos is None:
        return None
    return ndim if pos == -1 else min(pos, ndim)


@pytest.mark.parametrize("name", DOT_IDS)
@pytest.mark.parametrize("bdims", DOT_BATCH_DIMS, ids=str)
def test_dot_general_batch(name, bdims):
    x, y, dn = _dot_args(name)
    rng = _rng("dot-batch", name, bdims)
    dims = [_batched_position(p, a.ndim) for p, a in zip(bdims, (x, y), strict=True)]
    args = [_insert_batch(rng, a, d) for a, d in zip((x, y), dims, strict=True)]
    check_batch_rule(linalg.dot_general_p, args, dims, {"dimension_numbers": dn})


@pytest.mark.parametrize("name", ["matmul", "two_contractions", "batch_not_leading"])
def test_dot_general_rules_trace(name):
    x, y, dn = _dot_args(name)
    p = linalg.dot_general_p
    ct = _rng("ct", name).standard_normal(p.impl(x, y, dimension_numbers=dn).shape)
    _traced_matches(lambda a, b, ta, tb: p.jvp((a, b), (ta, tb), dimension_numbers=dn),
                    x, y, x + 1.0, y - 1.0)
    ux, uy = ir.UndefPrimal(core.get_aval(x)), ir.UndefPrimal(core.get_aval(y))
    _traced_matches(lambda c, b: p.transpose(c, ux, b, dimension_numbers=dn)[:1], ct, y)
    _traced_matches(lambda c, a: p.transpose(c, a, uy, dimension_numbers=dn)[1:], ct, x)
    xb, yb = np.stack([x] * B, axis=-1), np.stack([y] * B, axis=0)
    for bdims in [(x.ndim, None), (None, 0), (x.ndim, 0)]:
        _traced_matches(
            lambda a, b, bd=bdims: [p.batch([a, b], list(bd), axis_size=B,
                                            dimension_numbers=dn)[0]],
            xb if bdims[0] is not None else x, yb if bdims[1] is not None else y)


BAD_DOTS = [
    ((3, 4), (5, 2), (((1,), (0,)), ((), ())), "size"),
    ((3, 4), (4, 2), (((2,), (0,)), ((), ())), "out of range"),
    ((3, 4), (4, 2), (((1,), ()), ((), ())), "pair"),
    ((3, 4), (4, 4), (((1, 1), (0, 1)), ((), ())), "repeat"),
    ((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (1,))), "size"),
    ((4, 3, 4), (4, 4, 5), (((2,), (1,)), ((2,), (0,))), "repeat"),
]


@pytest.mark.parametrize("xs, ys, dn, words", BAD_DOTS)
def test_dot_general_rejects_bad_dimension_numbers(xs, ys, dn, words):
    x, y = np.ones(xs), np.ones(ys)
    with pytest.raises(errors.ShapeError) as info:
        linalg.dot_general(x, y, dn)
    msg = str(info.value)
    assert "dot_general" in msg and words in msg
    assert core.get_aval(x).str_short() in msg and core.get_aval(y).str_short() in msg


@pytest.mark.parametrize("x, y", [(np.ones(3), np.ones(3, np.float32)),
                                  (np.ones(3, bool), np.ones(3, bool))])
def test_dot_general_rejects_bad_dtypes(x, y):
    with pytest.raises(errors.ShapeError, match="dot_general"):
        linalg.dot_general(x, y, (((0,), (0,)), ((), ())))


def test_dot_general_weak_type_only_if_both_weak():
    weak = ir.ShapedArray((), np.float64, True)
    strong = ir.ShapedArray((), np.float64)
    dn = (((), ()), ((), ()))
    rule = linalg.dot_general_p.abstract_eval
    assert rule(weak, weak, dimension_numbers=dn).weak_type
    assert not rule(weak, strong, dimension_numbers=dn).weak_type


# =========================================================================== gather / scatter

INDEX_CASES = {
    "vec_0d": ((5,), 2, 0),
    "vec_0d_negative": ((5,), -2, 0),
    "vec_1d": ((5,), [4, 0, 2], 0),
    "vec_1d_negative": ((5,), [-1, 1, -5], 0),
    "mat_axis0_1d": ((4, 3), [3, 1], 0),
    "mat_axis1_1d": ((4, 3), [2, 0], 1),
    "mat_axis1_2d": ((4, 5), [[0, 4], [-2, 1]], 1),
    "mat_axis0_0d": ((4, 3), -1, 0),
    "rank3_axis1_2d": ((2, 7, 3), [[4, 0, 1], [2, -2, 6]], 1),
    "rank3_axis2_0d": ((2, 4, 3), 1, 2),
}
INDEX_IDS = list(INDEX_CASES)
REPEATED_CASES = {
    "vec_repeated": ((5,), [1, 3, 1, 1], 0),
    "mat_axis1_repeated_2d": ((3, 4), [[0, 2], [2, -4]], 1),
    "rank3_axis0_repeated": ((3, 2, 2), [2, -1, 0], 0),
}
ALL_INDEX_IDS = INDEX_IDS + list(REPEATED_CASES)
SCATTERS = {
    "scatter_add": (indexing.scatter_add_p, np.add.at),
    "scatter": (indexing.scatter_p, None),
    "scatter_mul": (indexing.scatter_mul_p, np.multiply.at),
}


def _index_args(name, dtype=np.float64, index_dtype=np.int64):
    x_shape, idx, axis = {**INDEX_CASES, **REPEATED_CASES}[name]
    rng = _rng("index", name)
    idx = np.asarray(idx, dtype=index_dtype)
    x = rng.standard_normal(x_shape).astype(dtype)
    u_shape = x_shape[:axis] + idx.shape + x_shape[axis + 1:]
    updates = rng.standard_normal(u_shape).astype(dtype)
    return x, idx, updates, axis


def _scatter_reference(kind, x, idx, updates, axis):
    out = x.copy()
    where = (slice(None),) * axis + (idx,)
    if kind == "scatter":
        # Last write wins: assign one index position at a time, in order.
        moved_u = np.moveaxis(updates.reshape(x.shape[:axis] + (-1,) + x.shape[axis + 1:]),
                              axis, 0)
        for i, u in zip(idx.reshape(-1), moved_u, strict=True):
            out[(slice(None),) * axis + (i,)] = u
        return out
    SCATTERS[kind][1](out, where, updates)
    return out


@pytest.mark.parametrize("name", ALL_INDEX_IDS)
@pytest.mark.parametrize("index_dtype", [np.int64, np.int32, np.int8])
def test_gather_impl_matches_take(name, index_dtype):
    x, idx, _, axis = _index_args(name, index_dtype=index_dtype)
    out = indexing.gather(x, idx, axis)
    expect = np.take(x, idx, axis=axis)
    assert isinstance(out, np.ndarray) and out.shape == expect.shape and out.dtype == x.dtype
    np.testing.assert_array_equal(out, expect)


def test_gather_unsigned_indices_and_lists():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(indexing.gather(x, np.array([2, 0], np.uint8), -1),
                                  x[:, [2, 0]])
    np.testing.assert_array_equal(indexing.gather(x, [1, 1], 0), x[[1, 1]])


@pytest.mark.parametrize("kind", list(SCATTERS))
@pytest.mark.parametrize("name", ALL_INDEX_IDS)
def test_scatter_impl_matches_numpy(kind, name):
    x, idx, updates, axis = _index_args(name)
    prim = SCATTERS[kind][0]
    out = prim.bind(x, idx, updates, axis=axis)
    assert out.dtype == x.dtype and out.shape == x.shape
    np.testing.assert_allclose(out, _scatter_reference(kind, x, idx, updates, axis),
                               rtol=1e-14, atol=0)


def test_scatter_add_accumulates_and_scatter_keeps_last_write():
    x = np.zeros(4)
    np.testing.assert_array_equal(indexing.scatter_add(x, [1, 1, 3, 1], np.arange(1.0, 5.0), 0),
                                  [0.0, 1.0 + 2.0 + 4.0, 0.0, 3.0])
    np.testing.assert_array_equal(indexing.scatter(x, [1, 1, 3, 1], np.arange(1.0, 5.0), 0),
                                  [0.0, 4.0, 0.0, 3.0])
    np.testing.assert_array_equal(indexing.scatter_mul(np.ones(3), [2, 2], np.array([2.0, 3.0]),
                                                       0), [1.0, 1.0, 6.0])


def test_scatter_works_on_ints_and_bools():
    out = indexing.scatter_add(np.zeros(3, np.int32), [0, 0], np.array([2, 5], np.int32), 0)
    assert out.dtype == np.int32 and out.tolist() == [7, 0, 0]
    out = indexing.scatter(np.zeros(3, bool), [2], np.array([True]), 0)
    assert out.tolist() == [False, False, True]


@pytest.mark.parametrize("name", ALL_INDEX_IDS)
def test_gather_jvp_and_transpose(name):
    x, idx, _, axis = _index_args(name)
    params = {"axis": axis}
    check_jvp_rule(indexing.gather_p, [x, idx], params)
    # Repeated indices: the transpose accumulates their cotangents.
    check_transpose_rule(indexing.gather_p, [x, idx], (0,), params)


@pytest.mark.parametrize("kind", list(SCATTERS))
@pytest.mark.parametrize("name", INDEX_IDS)
@pytest.mark.parametrize("diff_argnums", [(0, 2), (0,), (2,)])
def test_scatter_jvp_unique_indices(kind, name, diff_argnums):
    x, idx, updates, axis = _index_args(name)
    check_jvp_rule(SCATTERS[kind][0], [x, idx, updates], {"axis": axis},
                   diff_argnums=list(diff_argnums))


@pytest.mark.parametrize("kind", ["scatter_add", "scatter"])
@pytest.mark.parametrize("name", REPEATED_CASES)
def test_linear_scatter_jvp_repeated_indices(kind, name):
    # scatter_add accumulates and scatter keeps the last write, in primal and tangent alike.
    x, idx, updates, axis = _index_args(name)
    check_jvp_rule(SCATTERS[kind][0], [x, idx, updates], {"axis": axis})


@pytest.mark.parametrize("name", ALL_INDEX_IDS)
@pytest.mark.parametrize("linear", [(0, 2), (0,), (2,)])
def test_scatter_add_transpose(name, linear):
    x, idx, updates, axis = _index_args(name)
    # Linear in one operand alone only when the other one is zero (else it is affine).
    x = x if 0 in linear else np.zeros_like(x)
    updates = updates if 2 in linear else np.zeros_like(updates)
    check_transpose_rule(indexing.scatter_add_p, [x, idx, updates], linear, {"axis": axis})


@pytest.mark.parametrize("name", INDEX_IDS)
@pytest.mark.parametrize("linear", [(0, 2), (0,), (2,)])
def test_scatter_transpose_unique_indices(name, linear):
    x, idx, updates, axis = _index_args(name)
    # Linear in one operand alone only when the other one is zero (else it is affine).
    x = x if 0 in linear else np.zeros_like(x)
    updates = updates if 2 in linear else np.zeros_like(updates)
    check_transpose_rule(indexing.scatter_p, [x, idx, updates], linear, {"axis": axis})


@pytest.mark.parametrize("name", ALL_INDEX_IDS)
def test_scatter_mul_transpose_in_x(name):
    # For known updates scatter_mul is linear in x, repeated indices included.
    x, idx, updates, axis = _index_args(name)
    check_transpose_rule(indexing.scatter_mul_p, [x, idx, updates], (0,), {"axis": axis})


def test_scatter_mul_transpose_in_updates_raises():
    x, idx, updates, axis = _index_args("vec_1d")
    with pytest.raises(NotImplementedError, match="scatter_mul"):
        indexing.scatter_mul_p.transpose(np.ones_like(x), x, idx,
                                         ir.UndefPrimal(core.get_aval(updates)), axis=axis)


# Batch axis positions: None = unbatched, -1 = after the last dim.
GATHER_BATCH_DIMS = [(0, None), (-1, None), (None, 0), (None, -1), (0, 0), (-1, -1), (1, 0)]
SCATTER_BATCH_DIMS = [(0, None, None), (-1, None, None), (None, None, 0), (None, None, -1),
                      (0, None, -1), (-1, None, 1), (None, 0, None), (None, -1, 0),
                      (0, 0, 0), (-1, -1, -1), (1, 0, None), (None, 0, -1)]


def _batched_index_args(name, bdims, with_updates):
    x, idx, updates, axis = _index_args(name)
    rng = _rng("index-batch", name, bdims)
    n = x.shape[axis]
    args = [x, idx, updates] if with_updates else [x, idx]
    dims = [_batched_position(p, np.ndim(a)) for p, a in zip(bdims, args, strict=True)]
    out = [_insert_batch(rng, x, dims[0]),
           _insert_batch(rng, idx, dims[1], np.int64, -n, n)]
    if with_updates:
        out.append(_insert_batch(rng, updates, dims[2]))
    return out, dims, axis


@pytest.mark.parametrize("name", ALL_INDEX_IDS)
@pytest.mark.parametrize("bdims", GATHER_BATCH_DIMS, ids=str)
def test_gather_batch(name, bdims):
    args, dims, axis = _batched_index_args(name, bdims, with_updates=False)
    check_batch_rule(indexing.gather_p, args, dims, {"axis": axis})


@pytest.mark.parametrize("kind", list(SCATTERS))
@pytest.mark.parametrize("name", ALL_INDEX_IDS)
@pytest.mark.parametrize("bdims", SCATTER_BATCH_DIMS, ids=str)
def test_scatter_batch(kind, name, bdims):
    # Random batched indices may repeat: scatter must keep each example's last write.
    args, dims, axis = _batched_index_args(name, bdims, with_updates=True)
    check_batch_rule(SCATTERS[kind][0], args, dims, {"axis": axis})


def test_batched_gather_keeps_index_errors():
    x = np.arange(10.0).reshape(2, 5)
    # Index 5 in example 0 must not silently read example 1 of the merged (batch, axis) dim.
    for bad in (5, -6):
        idx = np.array([[bad, 0], [1, 2]])
        with pytest.raises(IndexError):
            indexing.gather_p.batch([x, idx], [0, 0], axis_size=2, axis=0)
        with pytest.raises(IndexError):
            indexing.scatter_add_p.batch([x, idx, np.ones((2, 2))], [0, 0, 0], axis_size=2,
                                         axis=0)
    with pytest.raises(IndexError):
        indexing.gather(np.arange(5.0), 5, 0)


@pytest.mark.parametrize("name", ["mat_axis1_2d", "rank3_axis1_2d", "vec_0d_negative"])
def test_indexing_rules_trace(name):
    x, idx, updates, axis = _index_args(name)
    gather_p, scatter_p = indexing.gather_p, indexing.scatter_p
    _traced_matches(lambda a, t: gather_p.jvp((a, idx), (t, ir.Zero(core.get_aval(idx))),
                                              axis=axis), x, x * 2.0)
    ux = ir.UndefPrimal(core.get_aval(x))
    _traced_matches(lambda c: gather_p.transpose(c, ux, idx, axis=axis)[:1], updates)
    for kind in SCATTERS:
        prim = SCATTERS[kind][0]
        _traced_matches(
            lambda a, u, ta, tu, p=prim: p.jvp((a, idx, u), (ta, ir.Zero(core.get_aval(idx)),
                                                             tu), axis=axis),
            x, updates, x + 1.0, updates - 1.0)
    uu = ir.UndefPrimal(core.get_aval(updates))
    _traced_matches(lambda c: scatter_p.transpose(c, ux, idx, uu, axis=axis)[::2], x)
    # The batching rules' most involved path: x, indices and updates all batched.
    xb, ub = np.stack([x] * B, axis=-1), np.stack([updates] * B, axis=0)
    ib = np.stack([idx] * B, axis=0)
    _traced_matches(lambda a, i: [gather_p.batch([a, i], [x.ndim, 0], axis_size=B,
                                                 axis=axis)[0]], xb, ib)
    _traced_matches(lambda a, i, u: [indexing.scatter_add_p.batch(
        [a, i, u], [x.ndim, 0, 0], axis_size=B, axis=axis)[0]], xb, ib, ub)


BAD_INDEXING = [
    (lambda: indexing.gather(np.ones((2, 3)), np.array([0.0]), 1), "gather", "integer",
     "f64[2,3], f64[1]"),
    (lambda: indexing.gather_p.bind(np.ones(3), np.array([0]), axis=1), "gather", "axis 1",
     "f64[3], i64[1]"),
    (lambda: indexing.scatter_add(np.ones((2, 3)), np.array([0]), np.ones((2, 2)), 1),
     "scatter_add", "(2, 1)", "f64[2,3], i64[1], f64[2,2]"),
    (lambda: indexing.scatter(np.ones((2, 3)), np.array([0]), np.ones((2, 1), np.float32), 1),
     "scatter", "dtype", "f64[2,3], i64[1], f32[2,1]"),
    (lambda: indexing.scatter_mul(np.ones(3, bool), np.array([0]), np.ones(1, bool), 0),
     "scatter_mul", "bool", "bool[3]"),
]


@pytest.mark.parametrize("call, prim, words, shapes", BAD_INDEXING)
def test_indexing_rejects_bad_operands(call, prim, words, shapes):
    with pytest.raises(errors.ShapeError) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(prim + ":") and words in msg and shapes in msg


def test_indexing_wrapper_axis_errors():
    with pytest.raises(errors.AxisError, match="gather"):
        indexing.gather(np.ones((2, 3)), np.array([0]), 2)
    with pytest.raises(errors.AxisError, match="scatter_add"):
        indexing.scatter_add(np.ones(3), np.array([0]), np.ones(1), -2)
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(indexing.gather(x, np.array([0]), -1), x[:, [0]])
