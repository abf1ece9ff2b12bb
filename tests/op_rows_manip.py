"""Op-table rows of `functrans.numpy._manip` (issue 12); `op_table.ROWS` includes them."""
from __future__ import annotations

import numpy as np
from op_table import BOOL, F32, F64, I64, NUMERIC, UNARY, OpRow, V, _getitem, fnp


def _same(name, fname, shapes, *args, **kw) -> OpRow:
    """A row calling `fnp.<fname>(x, *args)` against `np.<fname>(x, *args)`."""
    return OpRow(name, lambda *xs: getattr(fnp, fname)(*xs, *args),
                 lambda *xs: getattr(np, fname)(*xs, *args), shapes, **kw)


ROLL = [
    _same("roll_flat", "roll", (V(()), V((5,)), V((2, 3))), 2, dtypes=NUMERIC + (BOOL,)),
    _same("roll_axis0_neg", "roll", (V((4,)), V((3, 2))), -1, 0),
    _same("roll_axes", "roll", (V((2, 3, 4)),), (1, -2), (0, 2)),
    _same("roll_repeated_axis", "roll", (V((2, 3)),), (1, 1), (1, 1)),
    _same("roll_past_size", "roll", (V((2, 3)),), 7, -1),
    _same("roll_zero_size", "roll", (V((0, 3)), V((2, 0))), 1, 1),
    OpRow("roll_traced_shift", lambda x, s: fnp.roll(x, s, 0),
          lambda x, s: np.roll(x, s, 0), (V((4,), ()), V((3, 2), ())), kinds="fi",
          int_range=(-5, 5)),
    _same("rollaxis", "rollaxis", (V((2, 3, 4)),), 2),
    _same("rollaxis_start", "rollaxis", (V((2, 3, 4)),), 0, 3),
    _same("rollaxis_neg_start", "rollaxis", (V((2, 3, 4)),), -1, -2),
    _same("rot90", "rot90", (V((2, 3)), V((2, 3, 4))), dtypes=NUMERIC),
    _same("rot90_k2", "rot90", (V((2, 3)),), 2),
    _same("rot90_k3_axes", "rot90", (V((2, 3, 4)),), 3, (2, 0)),
    _same("rot90_kneg_axes", "rot90", (V((2, 3, 4)),), -1, (-1, 1)),
    _same("rot90_k4", "rot90", (V((2, 3)),), 4),
    _same("fliplr", "fliplr", (V((2, 3)), V((2, 3, 4))), dtypes=NUMERIC),
    _same("flipud", "flipud", (V((3,)), V((2, 3))), dtypes=NUMERIC),
]

STACKING = [
    OpRow("atleast_3d", fnp.atleast_3d, np.atleast_3d, UNARY + (V((2, 3, 2)), V((1, 2, 1, 2))),
          dtypes=NUMERIC),
    OpRow("atleast_3d_several", fnp.atleast_3d, np.atleast_3d, (V((), (3,)),)),
    OpRow("column_stack", lambda x, y: fnp.column_stack([x, y]),
          lambda x, y: np.column_stack([x, y]),
          (V((3,), (3,)), V((3, 2), (3,)), V((), ()), V((0,), (0,))),
          dtypes=(F64, I64, (F32, F64))),
    OpRow("dstack", lambda x, y: fnp.dstack((x, y)), lambda x, y: np.dstack((x, y)),
          (V((3,), (3,)), V((2, 3), (2, 3)), V((), ()), V((2, 3, 1), (2, 3, 2))),
          dtypes=(F64, I64, (I64, F32))),
    OpRow("hsplit", lambda x: fnp.hsplit(x, 2), lambda x: np.hsplit(x, 2),
          (V((4,)), V((3, 4)), V((2, 2, 3)))),
    OpRow("hsplit_points", lambda x: fnp.hsplit(x, [1, 2]), lambda x: np.hsplit(x, [1, 2]),
          (V((2, 3)),)),
    OpRow("vsplit", lambda x: fnp.vsplit(x, 2), lambda x: np.vsplit(x, 2),
          (V((4, 3)), V((2, 2, 3)))),
    OpRow("vsplit_points", lambda x: fnp.vsplit(x, [3]), lambda x: np.vsplit(x, [3]),
          (V((4, 3)),)),
    OpRow("dsplit", lambda x: fnp.dsplit(x, 2), lambda x: np.dsplit(x, 2), (V((2, 3, 4)),)),
    OpRow("dsplit_points", lambda x: fnp.dsplit(x, [0, 2]), lambda x: np.dsplit(x, [0, 2]),
          (V((1, 2, 3)),)),
    OpRow("array_split", lambda x: fnp.array_split(x, 3), lambda x: np.array_split(x, 3),
          (V((7,)), V((6,)), V((2,)), V((0,))), dtypes=(F64, I64)),
    OpRow("array_split_axis1", lambda x: fnp.array_split(x, 4, axis=-1),
          lambda x: np.array_split(x, 4, axis=-1), (V((2, 6)),)),
    OpRow("array_split_points", lambda x: fnp.array_split(x, [2, 1, 9]),
          lambda x: np.array_split(x, [2, 1, 9]), (V((5,)),)),
    OpRow("append", fnp.append, np.append,
          (V((3,), (2,)), V((2, 3), ()), V((), (2, 2)), V((0,), (2,))),
          dtypes=(F64, I64, (I64, F32))),
    OpRow("append_axis0", lambda x, y: fnp.append(x, y, axis=0),
          lambda x, y: np.append(x, y, axis=0), (V((2, 3), (1, 3)),)),
    OpRow("append_axis-1", lambda x, y: fnp.append(x, y, axis=-1),
          lambda x, y: np.append(x, y, axis=-1), (V((2, 3), (2, 2)),)),
    OpRow("concat", lambda x, y: fnp.concat([x, y]), lambda x, y: np.concat([x, y]),
          (V((2, 3), (1, 3)), V((3,), (0,))), dtypes=(F64, (F32, I64))),
    OpRow("concat_axis1", lambda x, y: fnp.concat((x, y), axis=1),
          lambda x, y: np.concat((x, y), axis=1), (V((2, 3), (2, 1)),)),
    _same("permute_dims", "permute_dims", (V((2, 3, 4)),), (2, 0, 1), dtypes=NUMERIC),
    OpRow("permute_dims_default", fnp.permute_dims, np.permute_dims,
          (V(()), V((2, 3)), V((2, 3, 4)))),
    OpRow("matrix_transpose", fnp.matrix_transpose, np.matrix_transpose,
          (V((2, 3)), V((4, 2, 3)), V((2, 1, 3, 2))), dtypes=NUMERIC + (BOOL,)),
    OpRow("unstack", fnp.unstack, np.unstack, (V((3,)), V((2, 3)), V((1, 2))),
          dtypes=NUMERIC),
    OpRow("unstack_axis-1", lambda x: fnp.unstack(x, axis=-1),
          lambda x: np.unstack(x, axis=-1), (V((2, 3)), V((2, 3, 4)))),
    OpRow("astype_f32", lambda x: fnp.astype(x, np.float32),
          lambda x: np.astype(x, np.float32), UNARY, dtypes=(F64, I64, BOOL)),
    OpRow("astype_f64", lambda x: fnp.astype(x, np.float64),
          lambda x: np.astype(x, np.float64), UNARY, dtypes=(F32, I64)),
    OpRow("astype_int", lambda x: fnp.astype(x, np.int32),
          lambda x: np.astype(x, np.int32), UNARY, dtypes=(F64, BOOL), grad_order=0),
    OpRow("astype_bool", lambda x: fnp.astype(x, bool), lambda x: np.astype(x, bool),
          UNARY, dtypes=(F64, I64), grad_order=0),
    OpRow("copy", fnp.copy, np.copy, UNARY, dtypes=NUMERIC + (BOOL,)),
]


def _nullary(name, f, ref, **kw) -> OpRow:
    return OpRow(name, f, ref, (V(),), **kw)


DIFFERENCES = [
    _same("diff", "diff", (V((4,)), V((2, 4)), V((0,))), dtypes=NUMERIC + (BOOL,)),
    _same("diff_n2_axis0", "diff", (V((4, 3)),), 2, 0),
    _same("diff_n0", "diff", (V((2, 3)),), 0),
    _same("diff_n_past_size", "diff", (V((2,)),), 3),
    OpRow("diff_prepend_append", lambda x, p, q: fnp.diff(x, prepend=p, append=q),
          lambda x, p, q: np.diff(x, prepend=p, append=q),
          (V((2, 3), (), (2, 2)), V((3,), (2,), ())), dtypes=(F64, (F32, I64, F64))),
    OpRow("diff_prepend_pyfloat", lambda x: fnp.diff(x, axis=0, prepend=0.5),
          lambda x: np.diff(x, axis=0, prepend=0.5), (V((3, 2)),), dtypes=(F64, F32, I64)),
    OpRow("ediff1d", fnp.ediff1d, np.ediff1d, (V((4,)), V((2, 3)), V(()), V((0,))),
          dtypes=NUMERIC),
    OpRow("ediff1d_ends", lambda x, b: fnp.ediff1d(x, to_end=[1.5, 2.5], to_begin=b),
          lambda x, b: np.ediff1d(x, to_end=[1.5, 2.5], to_begin=b),
          (V((4,), ()), V((2, 2), (2,)))),
    OpRow("cumulative_sum", fnp.cumulative_sum, np.cumulative_sum, (V(()), V((4,)), V((0,))),
          dtypes=NUMERIC + (BOOL,)),
    OpRow("cumulative_sum_axis_initial",
          lambda x: fnp.cumulative_sum(x, axis=-1, include_initial=True),
          lambda x: np.cumulative_sum(x, axis=-1, include_initial=True),
          (V((2, 3)), V((2, 0))), dtypes=(F64, F32, I64)),
    OpRow("cumulative_sum_axis0_dtype",
          lambda x: fnp.cumulative_sum(x, axis=0, dtype=np.float32),
          lambda x: np.cumulative_sum(x, axis=0, dtype=np.float32), (V((3, 2)),),
          dtypes=(F64, I64)),
]

GRIDS = [
    OpRow("kron", fnp.kron, np.kron,
          (V((2,), (3,)), V((2, 3), (2, 2)), V((2,), (2, 3)), V((2, 2, 2), (3,)), V((), (2,)),
           V((0, 2), (2,))), dtypes=(F64, I64, (F32, F64), (BOOL, I64))),
    OpRow("meshgrid", lambda x, y: fnp.meshgrid(x, y), lambda x, y: np.meshgrid(x, y),
          (V((3,), (4,)), V((2, 2), ()), V((0,), (2,))), dtypes=(F64, (I64, F32))),
    OpRow("meshgrid_ij_three", lambda x, y, z: fnp.meshgrid(x, y, z, indexing="ij"),
          lambda x, y, z: np.meshgrid(x, y, z, indexing="ij"), (V((2,), (3,), (4,)),)),
    OpRow("meshgrid_sparse_xy", lambda x, y, z: fnp.meshgrid(x, y, z, sparse=True),
          lambda x, y, z: np.meshgrid(x, y, z, sparse=True), (V((2,), (3,), (4,)),)),
    OpRow("meshgrid_one", lambda x: fnp.meshgrid(x), lambda x: np.meshgrid(x), (V((3,)),)),
    _nullary("indices", lambda: fnp.indices((2, 3)), lambda: np.indices((2, 3))),
    _nullary("indices_sparse_i32", lambda: fnp.indices((2, 0, 3), np.int32, sparse=True),
             lambda: np.indices((2, 0, 3), np.int32, sparse=True)),
    _nullary("identity", lambda: fnp.identity(3), lambda: np.identity(3)),
    _nullary("identity_bool", lambda: fnp.identity(2, bool), lambda: np.identity(2, bool)),
    _nullary("tri", lambda: fnp.tri(3), lambda: np.tri(3)),
    _nullary("tri_rect_k", lambda: fnp.tri(2, 4, -1, int), lambda: np.tri(2, 4, -1, int)),
    _nullary("tril_indices", lambda: fnp.tril_indices(3), lambda: np.tril_indices(3)),
    _nullary("tril_indices_k_m", lambda: fnp.tril_indices(3, 1, 2),
             lambda: np.tril_indices(3, 1, 2)),
    _nullary("triu_indices", lambda: fnp.triu_indices(3, -1), lambda: np.triu_indices(3, -1)),
    _nullary("triu_indices_m", lambda: fnp.triu_indices(2, m=4),
             lambda: np.triu_indices(2, m=4)),
    _nullary("diag_indices", lambda: fnp.diag_indices(3), lambda: np.diag_indices(3)),
    _nullary("diag_indices_ndim3", lambda: fnp.diag_indices(2, 3),
             lambda: np.diag_indices(2, 3)),
    # Functions of the input's shape only: integer constants, nothing to differentiate.
    OpRow("tril_indices_from", fnp.tril_indices_from, np.tril_indices_from,
          (V((3, 3)), V((2, 4))), grad_order=0),
    OpRow("triu_indices_from_k", lambda x: fnp.triu_indices_from(x, 1),
          lambda x: np.triu_indices_from(x, 1), (V((3, 2)),), grad_order=0),
    OpRow("diag_indices_from", fnp.diag_indices_from, np.diag_indices_from,
          (V((3, 3)), V((2, 2, 2))), grad_order=0),
    OpRow("index_with_tril_indices", lambda x: _getitem(x, fnp.tril_indices(3)),
          lambda x: x[np.tril_indices(3)], (V((3, 3)),)),
    OpRow("diagflat", fnp.diagflat, np.diagflat, (V((3,)), V((2, 2)), V(())),
          dtypes=(F64, I64)),
    OpRow("diagflat_k", lambda x: fnp.diagflat(x, -2), lambda x: np.diagflat(x, -2),
          (V((1, 2)),)),
    OpRow("block_2x2", lambda a, b, c, d: fnp.block([[a, b], [c, d]]),
          lambda a, b, c, d: np.block([[a, b], [c, d]]),
          (V((2, 2), (2, 1), (1, 2), (1, 1)), V((2,), (2,), (2,), (2,))),
          dtypes=(F64, (F32, F64, I64, F32))),
    OpRow("block_flat", lambda a, b: fnp.block([a, b]), lambda a, b: np.block([a, b]),
          (V((2,), ()), V((2, 2), (2, 1)))),
    OpRow("block_leaf", fnp.block, np.block, (V(()), V((2, 3)))),
    OpRow("block_depth3", lambda a, b: fnp.block([[[a]], [[b]]]),
          lambda a, b: np.block([[[a]], [[b]]]), (V((2, 2), (2, 2)), V((), ()))),
    _nullary("broadcast_shapes", lambda: np.asarray(fnp.broadcast_shapes((2, 1), 3, (4, 1, 1))),
             lambda: np.asarray(np.broadcast_shapes((2, 1), 3, (4, 1, 1)))),
    OpRow("ix_", lambda x, y: fnp.ix_(x, y), lambda x, y: np.ix_(x, y),
          (V((2,), (3,)), V((0,), (2,))), kinds="ii", grad_order=0),
    _nullary("ix_bool_mask", lambda: fnp.ix_([0, 2], np.array([True, False, True])),
             lambda: np.ix_([0, 2], np.array([True, False, True]))),
    OpRow("index_with_ix_", lambda x, i: _getitem(x, fnp.ix_(i, [2, 0])),
          lambda x, i: x[np.ix_(i, [2, 0])], (V((4, 3), (2,)),), kinds="fi", int_range=(0, 4)),
]

CREATION = [
    # logspace/geomspace: NumPy's own function on concrete ends; traced ends compose
    # linspace, power and log10, which round differently.
    _nullary("logspace", lambda: fnp.logspace(0, 2, 5), lambda: np.logspace(0, 2, 5)),
    _nullary("logspace_base2", lambda: fnp.logspace(1, 3, 3, base=2.0, dtype=np.float32),
             lambda: np.logspace(1, 3, 3, base=2.0, dtype=np.float32)),
    OpRow("logspace_traced", lambda a, b: fnp.logspace(a, b, 4), lambda a, b: np.logspace(a, b, 4),
          (V((), ()),), tol=1e-13),
    OpRow("logspace_traced_no_endpoint", lambda a: fnp.logspace(a, 1.5, 3, endpoint=False),
          lambda a: np.logspace(a, 1.5, 3, endpoint=False), (V(()),), tol=1e-13),
    _nullary("geomspace", lambda: fnp.geomspace(1, 1000, 4), lambda: np.geomspace(1, 1000, 4)),
    _nullary("geomspace_negative", lambda: fnp.geomspace(-1, -8, 4, endpoint=False),
             lambda: np.geomspace(-1, -8, 4, endpoint=False)),
    OpRow("geomspace_traced", lambda a, b: fnp.geomspace(a, b, 5),
          lambda a, b: np.geomspace(a, b, 5), (V((), ()),), domain=(0.5, 3.0), tol=1e-13),
    OpRow("geomspace_traced_negative", lambda a: fnp.geomspace(a, -3.0, 4, endpoint=False),
          lambda a: np.geomspace(a, -3.0, 4, endpoint=False), (V(()),), domain=(-2.0, -0.5),
          tol=1e-13),
    OpRow("vander", fnp.vander, np.vander, (V((3,)), V((0,)), V((1,))),
          dtypes=(F64, F32, I64, BOOL)),
    OpRow("vander_N_increasing", lambda x: fnp.vander(x, 4, increasing=True),
          lambda x: np.vander(x, 4, increasing=True), (V((3,)),)),
    OpRow("vander_N0_N1", lambda x: fnp.vander(x, 1), lambda x: np.vander(x, 1), (V((2,)),)),
    _nullary("fromfunction", lambda: fnp.fromfunction(lambda i, j: i * 10 + j, (2, 3)),
             lambda: np.fromfunction(lambda i, j: i * 10 + j, (2, 3))),
    OpRow("fromfunction_closure", lambda x: fnp.fromfunction(lambda i: x * i, (3,), like=x),
          lambda x: np.fromfunction(lambda i: x * i, (3,)), (V(()),)),
]

EDITING = [
    _same("resize", "resize", (V((3,)), V((2, 3)), V(())), (2, 4), dtypes=NUMERIC),
    _same("resize_smaller", "resize", (V((2, 3)),), 4),
    _same("resize_empty", "resize", (V((0,)), V((3,))), (2, 0)),
    # More than _MAX_RUNS runs of consecutive indices: one gather instead of slices.
    _same("resize_many_runs", "resize", (V((2,)),), (5, 5)),
    _same("delete_many_runs", "delete", (V((2, 20)),), list(range(1, 20, 2)), 1),
    _same("delete_int", "delete", (V((4,)), V((2, 3))), 1, dtypes=NUMERIC),
    _same("delete_list_axis1", "delete", (V((2, 4)),), [0, -1, 2], 1),
    _same("delete_slice_axis0", "delete", (V((5, 2)),), slice(None, None, 2), 0),
    _same("delete_mask", "delete", (V((3, 2)),), np.array([False, True, False]), 0),
    _same("delete_nothing", "delete", (V((3,)),), []),
    _same("delete_everything", "delete", (V((2, 2)),), slice(None), -1),
    OpRow("insert_int_scalar", lambda x, v: fnp.insert(x, 1, v), lambda x, v: np.insert(x, 1, v),
          (V((3,), ()), V((2, 2), (2,))), dtypes=(F64, I64, (F32, F64))),
    OpRow("insert_int_axis1", lambda x, v: fnp.insert(x, -1, v, axis=1),
          lambda x, v: np.insert(x, -1, v, axis=1), (V((2, 3), (2,)), V((2, 3), ()))),
    OpRow("insert_list_axis0", lambda x, v: fnp.insert(x, [0, 2, 2], v, axis=0),
          lambda x, v: np.insert(x, [0, 2, 2], v, axis=0), (V((3, 2), (3, 2)), V((3, 2), (2,)))),
    OpRow("insert_one_element_list", lambda x, v: fnp.insert(x, [1], v, axis=1),
          lambda x, v: np.insert(x, [1], v, axis=1), (V((2, 3), (2, 1)), V((2, 3), ()))),
    OpRow("insert_slice_end", lambda x, v: fnp.insert(x, slice(1, None), v),
          lambda x, v: np.insert(x, slice(1, None), v), (V((4,), (3,)),)),
    OpRow("insert_at_end_pyint", lambda x: fnp.insert(x, 3, 7), lambda x: np.insert(x, 3, 7),
          (V((3,)),), dtypes=(F64, I64)),
]


_PAD_SHAPES = (V((3,)), V((2, 3)))


def _pad(name, pad_width, mode="constant", shapes=_PAD_SHAPES, **kw) -> OpRow:
    opts = {k: kw.pop(k) for k in ("constant_values", "reflect_type", "stat_length",
                                   "end_values") if k in kw}
    return OpRow(name, lambda x: fnp.pad(x, pad_width, mode, **opts),
                 lambda x: np.pad(x, pad_width, mode, **opts), shapes, **kw)


def _pad_with(vector, pad_width, iaxis, kwargs):
    # JAX's functional form of NumPy's in-place example: return the padded vector.
    lo, hi = pad_width
    n = vector.shape[0]
    fill = kwargs["padder"] * (iaxis + 1)
    return fnp.where((np.arange(n) < lo) | (np.arange(n) >= n - hi), fill, vector)


def _np_pad_with(vector, pad_width, iaxis, kwargs):
    lo, hi = pad_width
    vector[:lo] = kwargs["padder"] * (iaxis + 1)
    if hi:
        vector[-hi:] = kwargs["padder"] * (iaxis + 1)


PAD = [
    _pad("pad_int", 2, dtypes=NUMERIC + (BOOL,)),
    _pad("pad_pair", (1, 2), shapes=(V((3,)), V((2, 3)), V((2, 0)))),
    _pad("pad_per_axis", ((1, 0), (0, 2)), shapes=(V((2, 3)),)),
    _pad("pad_dict", {-1: (2, 1)}, shapes=(V((2, 3)),)),
    _pad("pad_0d", 1, shapes=(V(()),)),
    _pad("pad_constant_value", 1, constant_values=1.5, dtypes=(F64, F32, I64)),
    _pad("pad_constant_pairs", ((1, 2), (2, 1)), constant_values=((1, 2), (3, 4)),
         shapes=(V((2, 3)),)),
    OpRow("pad_traced_constant", lambda x, c: fnp.pad(x, 1, constant_values=c),
          lambda x, c: np.pad(x, 1, constant_values=c), (V((3,), ()), V((2, 2), ())),
          dtypes=(F64, (F32, F64), (I64, F64))),
    # NumPy leaves the padding of mode 'empty' uninitialized; functrans fills zeros.
    OpRow("pad_empty_mode", lambda x: fnp.pad(x, (1, 2), "empty"),
          lambda x: np.pad(x, (1, 2)), (V((0,)), V((2, 1)))),
    *[_pad(f"pad_{mode}", w, mode, shapes=(V((3,)), V((2, 3)), V((1, 2))))
      for mode, w in (("edge", (1, 2)), ("reflect", 1), ("symmetric", (2, 1)), ("wrap", (1, 2)))],
    *[_pad(f"pad_{mode}_wide", ((5, 4), (0, 7)), mode, shapes=(V((3, 2)),))
      for mode in ("edge", "reflect", "symmetric", "wrap")],
    # kinds "d": distinct values, so that max/min have no ties (their derivative exists).
    _pad("pad_maximum", (1, 2), "maximum", kinds="d", dtypes=NUMERIC),
    _pad("pad_minimum_stat_length", ((1, 0), (2, 1)), "minimum", stat_length=((1, 2), (2, 1)),
         shapes=(V((3, 4)),), kinds="d"),
    # mean is a composition (sum / n), see its rows in op_table.REDUCTIONS.
    _pad("pad_mean", 2, "mean", dtypes=NUMERIC, tol=1e-14),
    _pad("pad_mean_stat_length", ((2, 1), (0, 3)), "mean", stat_length=2, shapes=(V((3, 4)),),
         dtypes=(F64, I64), tol=1e-14),
    _pad("pad_reflect_3d", ((1, 1), (0, 2), (2, 0)), "reflect", shapes=(V((2, 3, 4)),),
         dtypes=NUMERIC),
    # median of an even count averages two order statistics, as NumPy.
    _pad("pad_median", (1, 2), "median", kinds="d", dtypes=NUMERIC),
    _pad("pad_median_stat_length", ((2, 1), (0, 3)), "median", stat_length=((2, 3), (1, 2)),
         shapes=(V((3, 4)),), kinds="d", dtypes=(F64, I64)),
    _pad("pad_linear_ramp", ((2, 3), (1, 4)), "linear_ramp", shapes=(V((2, 3)), V((1, 1))),
         dtypes=NUMERIC),
    _pad("pad_linear_ramp_ends", (2, 5), "linear_ramp", end_values=(1.5, -2),
         shapes=(V((3,)), V((2, 3))), dtypes=(F64, F32, I64)),
    _pad("pad_linear_ramp_pairs", ((1, 2), (3, 0)), "linear_ramp",
         end_values=((1, 2), (3, 4)), shapes=(V((2, 3)),), dtypes=(F64, F32, I64)),
    OpRow("pad_linear_ramp_traced_end", lambda x, e: fnp.pad(x, 3, "linear_ramp", end_values=e),
          lambda x, e: np.pad(x, 3, "linear_ramp", end_values=e), (V((3,), ()), V((2, 2), ())),
          dtypes=(F64, F32)),
    *[_pad(f"pad_{mode}_odd", w, mode, reflect_type="odd", dtypes=NUMERIC,
           shapes=(V((2, 3)), V((1, 2)), V((3, 2))))
      for mode, w in (("reflect", ((5, 4), (0, 7))), ("symmetric", ((2, 1), (6, 3))))],
    _pad("pad_reflect_odd_1d", (4, 1), "reflect", reflect_type="odd", shapes=(V((3,)),)),
    OpRow("pad_callable", lambda x: fnp.pad(x, (2, 1), _pad_with, padder=7.0),
          lambda x: np.pad(x, (2, 1), _np_pad_with, padder=7.0), _PAD_SHAPES + (V((2, 0)),)),
]

ROWS: list[OpRow] = [*ROLL, *STACKING, *DIFFERENCES, *GRIDS, *CREATION, *EDITING, *PAD]
