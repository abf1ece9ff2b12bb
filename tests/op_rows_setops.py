"""Op-table rows of `functrans.numpy._nonzero` and `._setops` (issue 12).

The table traces every row (make_jaxpr), so rows of functions with a value-dependent output
shape pass `size=` and compare with NumPy's result padded or truncated the same way (`_pad`,
below: values padded with `fill_value`, by default the first entry, or 0 for an empty result).
Rows whose condition is a constant of the function run without `size=`. Value rows use kind
`d` (distinct values) where derivatives are checked; ties come from small integers, NaN and
inf from kind `s`, and those rows check values only.
"""
from __future__ import annotations

import numpy as np
from op_table import BOOL, F32, F64, I64, OpRow, V, fnp

MASK3 = np.array([True, False, True])
TRIM = np.array([[0, 0, 0], [0, 2, 0], [0, 0, 3], [0, 0, 0]])


def _pad(x, size: int, fill=None):
    """NumPy's 1-d (or row) result truncated or padded to `size` entries along axis 0."""
    x = np.asarray(x)
    if len(x) >= size:
        return x[:size]
    if fill is None:
        fill = x[:1] if len(x) else 0
    pad = np.broadcast_to(np.asarray(fill, x.dtype), (size - len(x),) + x.shape[1:])
    return np.concatenate([x, pad])


def _np_nonzero(x, size, fill=0):
    fills = fill if isinstance(fill, tuple) else (fill,) * x.ndim
    return tuple(_pad(i, size, f) for i, f in zip(np.nonzero(x), fills, strict=True))


def _np_argwhere(x, size):
    return _pad(np.argwhere(x), size, 0)


def _np_unique(x, size, fill=None, *, index=False, inverse=False, counts=False, axis=None,
               equal_nan=True):
    res = np.unique(x, index, inverse, counts, axis, equal_nan=equal_nan)
    res = list(res) if isinstance(res, tuple) else [res]
    vals = res[0] if axis is None else np.moveaxis(res[0], axis, 0)
    out = _pad(vals, size, fill)
    out = [out if axis is None else np.moveaxis(out, 0, axis)]
    k = 1
    if index:
        first = res[k][:1] if len(res[k]) else 0
        out.append(_pad(res[k], size, first))
        k += 1
    if inverse:
        out.append(res[k])
        k += 1
    if counts:
        out.append(_pad(res[k], size, 0))
    return out[0] if len(out) == 1 else tuple(out)


def _np_unique_all(x, size):
    r = np.unique_all(x)
    idx_fill = r.indices[:1] if len(r.indices) else 0
    return (_pad(r.values, size), _pad(r.indices, size, idx_fill), r.inverse_indices,
            _pad(r.counts, size, 0))


def _np_intersect(x, y, size, fill=None):
    v, i, j = np.intersect1d(x, y, return_indices=True)
    return _pad(v, size, fill), _pad(i, size, np.size(x)), _pad(j, size, np.size(y))


def _with_first(y, x, k: int = 2):
    """`y` with the first `k` entries of `x` appended (values shared by the two)."""
    return fnp.concatenate([fnp.ravel(y), fnp.ravel(x)[:k]])


def _np_with_first(y, x, k: int = 2):
    return np.concatenate([np.ravel(y), np.ravel(x)[:k]])


TIES = dict(dtypes=(I64,), domain=(0, 3), grad_order=0)

NONZERO = [
    OpRow("nonzero_size", lambda x: fnp.nonzero(x, size=5), lambda x: _np_nonzero(x, 5),
          (V((4,)), V((2, 3)), V((0,)), V((2, 0))), dtypes=(I64, BOOL, F32), domain=(-1, 1),
          grad_order=0),
    OpRow("nonzero_truncate_fill", lambda x: fnp.nonzero(x, size=2, fill_value=-1),
          lambda x: _np_nonzero(x, 2, -1), (V((5,)), V((3, 2, 2))), dtypes=(I64,),
          domain=(-1, 1), grad_order=0),
    OpRow("where_condition_only", lambda x: fnp.where(x, size=5),
          lambda x: _np_nonzero(x, 5), (V((4,)), V((2, 3))), dtypes=(I64, BOOL),
          domain=(-1, 1), grad_order=0),
    OpRow("nonzero_fill_tuple", lambda x: fnp.nonzero(x, size=7, fill_value=(-1, -2)),
          lambda x: _np_nonzero(x, 7, (-1, -2)), (V((2, 3)),), dtypes=(I64,),
          domain=(-1, 1), grad_order=0),
    OpRow("argwhere_size", lambda x: fnp.argwhere(x, size=4), lambda x: _np_argwhere(x, 4),
          (V((5,)), V((2, 3)), V(()), V((0, 2))), dtypes=(I64, BOOL), domain=(-1, 1),
          grad_order=0),
    OpRow("flatnonzero_size", lambda x: fnp.flatnonzero(x, size=3, fill_value=9),
          lambda x: _pad(np.flatnonzero(x), 3, 9), (V(()), V((5,)), V((2, 3))),
          dtypes=(I64, F64), domain=(-1, 1), grad_order=0),
    OpRow("extract_size", lambda c, x: fnp.extract(c, x, size=4),
          lambda c, x: _pad(np.extract(c, x), 4, 0), (V((5,), (5,)), V((2, 3), (2, 3)),
                                                       V((0,), (0,))),
          kinds="bf", dtypes=(F64, I64)),
    OpRow("extract_fill", lambda c, x: fnp.extract(c, x, size=2, fill_value=-1.5),
          lambda c, x: _pad(np.extract(c, x), 2, -1.5), (V((4,), (4,)),), kinds="bf"),
    OpRow("extract_const_condition", lambda x: fnp.extract(MASK3, x),
          lambda x: np.extract(MASK3, x), (V((3,)), V((4,))), dtypes=(F64, F32)),
    OpRow("compress_size_axis0", lambda c, a: fnp.compress(c, a, axis=0, size=3,
                                                           fill_value=1.5),
          lambda c, a: _pad(np.compress(c, a, axis=0), 3, 1.5), (V((3,), (3, 2)),),
          kinds="bf"),
    OpRow("compress_size_axis_last", lambda c, a: fnp.compress(c, a, axis=-1, size=2),
          lambda c, a: np.moveaxis(_pad(np.moveaxis(np.compress(c, a, axis=-1), -1, 0), 2, 0),
                                   0, -1), (V((4,), (2, 4)), V((3,), (2, 2, 3))), kinds="bf",
          dtypes=(F64, I64)),
    OpRow("compress_size_flat", lambda c, a: fnp.compress(c, a, size=5),
          lambda c, a: _pad(np.compress(c, a), 5, 0), (V((4,), (2, 3)),), kinds="bf"),
    OpRow("compress_const_condition", lambda a: fnp.compress(MASK3, a, axis=1),
          lambda a: np.compress(MASK3, a, axis=1), (V((2, 3)), V((2, 3, 2)))),
    OpRow("trim_zeros", lambda: fnp.trim_zeros(TRIM), lambda: np.trim_zeros(TRIM), (V(),),
          grad_order=0),
    OpRow("trim_zeros_f_axis", lambda: fnp.trim_zeros(TRIM, "f", axis=0),
          lambda: np.trim_zeros(TRIM, "f", axis=0), (V(),), grad_order=0),
]

UNIQUE = [
    OpRow("unique_size_d", lambda x: fnp.unique(x, size=7), lambda x: _np_unique(x, 7),
          (V((4,)), V((2, 3)), V(())), kinds="d", dtypes=(F64, F32)),
    OpRow("unique_truncate_d", lambda x: fnp.unique(x, size=2, fill_value=0.5),
          lambda x: _np_unique(x, 2, 0.5), (V((4,)),), kinds="d"),
    OpRow("unique_all_outputs_ties",
          lambda x: fnp.unique(x, True, True, True, size=4),
          lambda x: _np_unique(x, 4, index=True, inverse=True, counts=True),
          (V((6,)), V((2, 3)), V(()), V((0,))), dtypes=(I64, BOOL), domain=(0, 3),
          grad_order=0),
    OpRow("unique_truncated_ties", lambda x: fnp.unique(x, True, True, True, size=2,
                                                        fill_value=-1),
          lambda x: _np_unique(x, 2, -1, index=True, inverse=True, counts=True),
          (V((7,)),), **TIES),
    OpRow("unique_nan", lambda x: fnp.unique(x, return_counts=True, size=6),
          lambda x: _np_unique(x, 6, counts=True), (V((8,)), V((2, 3))), kinds="s",
          grad_order=0),
    OpRow("unique_nan_distinct", lambda x: fnp.unique(x, return_inverse=True, size=6,
                                                      equal_nan=False),
          lambda x: _np_unique(x, 6, inverse=True, equal_nan=False), (V((8,)),), kinds="s",
          grad_order=0),
    OpRow("unique_axis0_ties", lambda x: fnp.unique(x, True, True, True, axis=0, size=4),
          lambda x: _np_unique(x, 4, index=True, inverse=True, counts=True, axis=0),
          (V((6, 2)), V((5, 2, 2)), V((3, 0))), dtypes=(I64,), domain=(0, 1), grad_order=0),
    OpRow("unique_axis1_ties", lambda x: fnp.unique(x, return_counts=True, axis=-1, size=3),
          lambda x: _np_unique(x, 3, counts=True, axis=-1), (V((2, 6)), V((2, 2, 4))),
          dtypes=(I64,), domain=(0, 1), grad_order=0),
    OpRow("unique_axis_d", lambda x: fnp.unique(x, axis=1, size=4),
          lambda x: _np_unique(x, 4, axis=1), (V((2, 3)),), kinds="d"),
    OpRow("unique_all", lambda x: fnp.unique_all(x, size=5), lambda x: _np_unique_all(x, 5),
          (V((6,)), V((2, 4))), **TIES),
    OpRow("unique_all_nan", lambda x: fnp.unique_all(x, size=5),
          lambda x: _np_unique_all(x, 5), (V((6,)),), kinds="s", grad_order=0),
    OpRow("unique_counts", lambda x: fnp.unique_counts(x, size=3),
          lambda x: (_pad(np.unique_counts(x).values, 3), _pad(np.unique_counts(x).counts, 3, 0)),
          (V((6,)),), **TIES),
    OpRow("unique_inverse", lambda x: fnp.unique_inverse(x, size=3),
          lambda x: (_pad(np.unique_inverse(x).values, 3), np.unique_inverse(x).inverse_indices),
          (V((6,)), V((2, 3))), **TIES),
    OpRow("unique_values_d", lambda x: fnp.unique_values(x, size=5),
          lambda x: _pad(np.unique_values(x), 5), (V((4,)), V((2, 2))), kinds="d"),
]

SETS = [
    OpRow("intersect1d_ties", lambda x, y: fnp.intersect1d(x, y, return_indices=True, size=4),
          lambda x, y: _np_intersect(x, y, 4), (V((6,), (5,)), V((2, 3), (3,)), V((0,), (3,)),
                                                 V((), ())),
          kinds="ff", **TIES),
    OpRow("intersect1d_mixed_dtypes", lambda x, y: fnp.intersect1d(x, y, size=3, fill_value=7),
          lambda x, y: _pad(np.intersect1d(x, y), 3, 7), (V((5,), (4,)),),
          dtypes=((I64, F64),), domain=(0, 3), grad_order=0),
    OpRow("intersect1d_d", lambda x, y: fnp.intersect1d(x, _with_first(y, x), size=4),
          lambda x, y: _pad(np.intersect1d(x, _np_with_first(y, x)), 4), (V((4,), (3,)),),
          kinds="dd"),
    OpRow("union1d_ties", lambda x, y: fnp.union1d(x, y, size=4),
          lambda x, y: _pad(np.union1d(x, y), 4), (V((4,), (3,)), V((2, 2), ()), V((0,), (0,))),
          kinds="ff", **TIES),
    OpRow("union1d_d", lambda x, y: fnp.union1d(x, y, size=7),
          lambda x, y: _pad(np.union1d(x, y), 7), (V((3,), (2,)),), kinds="dd"),
    OpRow("setdiff1d_ties", lambda x, y: fnp.setdiff1d(x, y, size=3),
          lambda x, y: _pad(np.setdiff1d(x, y), 3), (V((6,), (2,)), V((2, 3), ()),
                                                     V((0,), (2,))),
          kinds="ff", **TIES),
    OpRow("setdiff1d_nan", lambda x, y: fnp.setdiff1d(x, y, size=4, fill_value=0.0),
          lambda x, y: _pad(np.setdiff1d(x, y), 4, 0.0), (V((6,), (3,)),), kinds="ss",
          grad_order=0),
    OpRow("setdiff1d_assume_unique_d",
          lambda x, y: fnp.setdiff1d(x, _with_first(y, x, 1), True, size=4),
          lambda x, y: _pad(np.setdiff1d(x, _np_with_first(y, x, 1), True), 4),
          (V((4,), (2,)),), kinds="dd"),
    OpRow("setxor1d_ties", lambda x, y: fnp.setxor1d(x, y, size=5),
          lambda x, y: _pad(np.setxor1d(x, y), 5), (V((5,), (4,)), V((2, 2), ()),
                                                    V((0,), (3,))),
          kinds="ff", **TIES),
    OpRow("setxor1d_nan", lambda x, y: fnp.setxor1d(x, y, size=6),
          lambda x, y: _pad(np.setxor1d(x, y), 6), (V((5,), (4,)),), kinds="ss",
          grad_order=0),
    OpRow("setxor1d_d", lambda x, y: fnp.setxor1d(x, _with_first(y, x, 1), size=6),
          lambda x, y: _pad(np.setxor1d(x, _np_with_first(y, x, 1)), 6), (V((3,), (2,)),),
          kinds="dd"),
    OpRow("setxor1d_assume_unique_d",
          lambda x, y: fnp.setxor1d(x, _with_first(y, x, 1), True, size=4),
          lambda x, y: _pad(np.setxor1d(x, _np_with_first(y, x, 1), True), 4),
          (V((3,), (2,)),), kinds="dd"),
    OpRow("isin", fnp.isin, np.isin, (V((2, 3), (4,)), V((), (3,)), V((3,), ()),
                                      V((3,), (0,)), V((2, 2), (2, 2))),
          kinds="ff", **TIES),
    OpRow("isin_invert_mixed", lambda x, y: fnp.isin(x, y, invert=True),
          lambda x, y: np.isin(x, y, invert=True), (V((4,), (3,)),), dtypes=((I64, F64),),
          domain=(0, 3), grad_order=0),
    OpRow("isin_nan", fnp.isin, np.isin, (V((5,), (4,)),), kinds="ss", grad_order=0),
]

ROWS: list[OpRow] = [*NONZERO, *UNIQUE, *SETS]
