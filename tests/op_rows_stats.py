"""Op-table rows of `functrans.numpy._stats` (issue 12); `op_table.ROWS` includes them.

The nan-ignoring reductions are tested on inputs with nan placed by a fixed pattern
(`_with_nans`, applied inside both the function and the reference, so derivatives are taken
with respect to the other entries: the derivative at a nan entry is zero by construction),
and on inputs of kind `s` (inf, -inf and nan) for their values.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np
from op_table import (
    BOOL,
    COMPOSED,
    F32,
    F64,
    FLOATS,
    I32,
    I64,
    NUMERIC,
    REDUCE_CONFIGS,
    U8,
    OpRow,
    V,
    _reductions,
    fnp,
)


def _quiet(f):
    """`f` without NumPy's warnings (all-nan slices, empty means, zero degrees of freedom)."""
    @functools.wraps(f)
    def quiet(*args, **kwargs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return f(*args, **kwargs)
    return quiet


def _nan_mask(shape: tuple, pattern: str) -> np.ndarray:
    """Where to put nan: `some` leaves every slice of the rows' axes a non-nan entry; `row0`
    also makes the first row (index 0 along axis 0) all nan."""
    mask = (np.arange(int(np.prod(shape))) % 4 == 1).reshape(shape)
    if pattern == "row0" and len(shape) >= 1:
        mask[0] = True
    return mask


def _with_nans(x, pattern: str = "some"):
    mask = _nan_mask(tuple(fnp.shape(x)), pattern)
    if isinstance(x, np.ndarray) or np.isscalar(x):
        return np.where(mask, np.nan, x).astype(np.asarray(x).dtype)
    return fnp.where(mask, np.nan, x)


def _nanned(f, pattern: str = "some"):
    """`f` applied to its first argument with nan placed by `pattern`."""
    def fun(x, *args, **kwargs):
        return f(_with_nans(x, pattern), *args, **kwargs)
    return fun


def _nan_reductions(name, f, ref, configs=REDUCE_CONFIGS, **kw) -> list[OpRow]:
    """Rows of a nan-ignoring reduction: nan by the `some` pattern (differentiated), all-nan
    rows (values only), special values (values only) and integer inputs."""
    ref = _quiet(ref)
    return [
        *_reductions(name, _nanned(f), _nanned(ref), configs, dtypes=FLOATS, **kw),
        *_reductions(name + "_allnan_row", _nanned(f, "row0"), _nanned(ref, "row0"),
                     configs[2:4], dtypes=FLOATS, grad_order=0,
                     **{k: v for k, v in kw.items() if k != "kinds"}),
        OpRow(name + "_special", lambda x: f(x, axis=-1), lambda x: ref(x, axis=-1),
              (V((3,)), V((2, 4))), kinds="s", dtypes=FLOATS, grad_order=0,
              tol=kw.get("tol", 0.0)),
        OpRow(name + "_int", lambda x: f(x, axis=0), lambda x: ref(x, axis=0),
              (V((2, 3)),), dtypes=(I64, I32), grad_order=0, tol=kw.get("tol", 0.0)),
    ]


# Configurations where every reduced slice has at least two non-nan entries under `some`
# (nanstd's derivative is infinite where a slice's variance is 0).
TWO_VALID = (
    (None, False, (V((3,)), V((2, 3)))),
    (None, True, (V((2, 3)),)),
    (0, False, (V((3, 3)),)),
    (-1, True, (V((2, 3)), V((2, 4, 3)))),
    ((0, 2), False, (V((2, 3, 2)),)),
)

NAN_REDUCTIONS = [
    # nansum and nanprod are NumPy's sum/prod of the same replaced values: exact.
    *_nan_reductions("nansum", fnp.nansum, np.nansum),
    *_nan_reductions("nanprod", fnp.nanprod, np.nanprod, domain=(0.5, 1.5)),
    # nanmean, nanvar, nanstd: sums and quotients composed from primitives, as `mean`.
    *_nan_reductions("nanmean", fnp.nanmean, np.nanmean, tol=COMPOSED),
    *_nan_reductions("nanvar", fnp.nanvar, np.nanvar, tol=COMPOSED),
    *_nan_reductions("nanstd", fnp.nanstd, np.nanstd, TWO_VALID, tol=COMPOSED),
    *_nan_reductions("nanmax", fnp.nanmax, np.nanmax, kinds="d"),
    *_nan_reductions("nanmin", fnp.nanmin, np.nanmin, kinds="d"),
    OpRow("nanvar_ddof1", _nanned(lambda x: fnp.nanvar(x, axis=-1, ddof=1)),
          _nanned(lambda x: np.nanvar(x, axis=-1, ddof=1)), (V((2, 4)), V((3, 3))),
          tol=COMPOSED),
    # ddof >= the number of non-nan entries: nan (NumPy replaces the quotient).
    OpRow("nanvar_ddof_too_big", _nanned(lambda x: fnp.nanvar(x, axis=-1, ddof=3)),
          _quiet(_nanned(lambda x: np.nanvar(x, axis=-1, ddof=3))), (V((2, 4)),),
          tol=COMPOSED, grad_order=0),
    OpRow("nanstd_correction1", _nanned(lambda x: fnp.nanstd(x, correction=1)),
          _nanned(lambda x: np.nanstd(x, correction=1)), (V((2, 4)),), tol=COMPOSED),
    OpRow("nanmean_dtype_f32", _nanned(lambda x: fnp.nanmean(x, axis=0, dtype=np.float32)),
          _nanned(lambda x: np.nanmean(x, axis=0, dtype=np.float32)), (V((2, 3)),),
          tol=COMPOSED),
    OpRow("nansum_dtype_f32", _nanned(lambda x: fnp.nansum(x, axis=1, dtype=np.float32)),
          _nanned(lambda x: np.nansum(x, axis=1, dtype=np.float32)), (V((2, 3)),)),
    OpRow("nansum_empty", lambda x: fnp.nansum(x, axis=0), lambda x: np.nansum(x, axis=0),
          (V((0, 3)), V((0,)))),
    OpRow("nanmean_empty", lambda x: fnp.nanmean(x, axis=0),
          _quiet(lambda x: np.nanmean(x, axis=0)), (V((0, 3)),), grad_order=0),
    OpRow("nansum_narrow", fnp.nansum, np.nansum, (V((2, 3)),), dtypes=(U8, I32, BOOL)),
    # Ties: the derivative is shared equally among the tied maxima (as max).
    OpRow("nanmax_ties", lambda x: fnp.nanmax(fnp.round(x), axis=-1),
          lambda x: np.nanmax(np.round(x), axis=-1), (V((2, 5)),), grad_order=0),
    *_reductions("nanargmax", _nanned(fnp.nanargmax), _nanned(np.nanargmax),
                 ((None, False, (V((3,)), V((2, 3)))), (0, False, (V((2, 3)),)),
                  (-1, True, (V((2, 3)), V((2, 3, 2))))),
                 dtypes=NUMERIC[:2], kinds="d", grad_order=0),
    *_reductions("nanargmin", _nanned(fnp.nanargmin), _nanned(np.nanargmin),
                 ((None, False, (V((3,)), V((2, 3)))), (-1, False, (V((2, 3)),))),
                 dtypes=FLOATS, kinds="d", grad_order=0),
    OpRow("nanargmax_int", lambda x: fnp.nanargmax(x, axis=0),
          lambda x: np.nanargmax(x, axis=0), (V((2, 3)),), dtypes=(I64,), kinds="d",
          grad_order=0),
    OpRow("nancumsum", _nanned(fnp.nancumsum), _nanned(np.nancumsum),
          (V((3,)), V((2, 3)), V(())), dtypes=FLOATS),
    OpRow("nancumsum_axis0", _nanned(lambda x: fnp.nancumsum(x, axis=0)),
          _nanned(lambda x: np.nancumsum(x, axis=0)), (V((2, 3)), V((4, 2, 2)))),
    OpRow("nancumsum_int", lambda x: fnp.nancumsum(x, axis=-1),
          lambda x: np.nancumsum(x, axis=-1), (V((2, 3)),), dtypes=(I64, I32, BOOL)),
    # cumprod is a scan of multiplications: rounds differently from NumPy's running product.
    OpRow("nancumprod", _nanned(fnp.nancumprod), _nanned(np.nancumprod),
          (V((3,)), V((2, 3)), V(())), dtypes=FLOATS, tol=COMPOSED),
    OpRow("nancumprod_axis1", _nanned(lambda x: fnp.nancumprod(x, axis=1)),
          _nanned(lambda x: np.nancumprod(x, axis=1)), (V((2, 5)),), tol=COMPOSED),
]


def _zeros_at(x, every: int = 3):
    """`x` with exact zeros at every `every`-th entry of the last axis (constants: the
    derivative with respect to the other entries is taken through the zeros)."""
    shape = tuple(fnp.shape(x))
    keep = (np.arange(shape[-1]) % every != 1) if shape else np.array(True)
    if isinstance(x, np.ndarray):
        return x * keep.astype(x.dtype)
    return fnp.multiply(x, keep.astype(fnp.asarray(x).dtype))


CUMULATIVE = [
    # cumprod is a scan of multiplications (log2(n) steps): float results round differently.
    OpRow("cumprod", fnp.cumprod, np.cumprod, (V((3,)), V((2, 3)), V(()), V((7,))),
          dtypes=NUMERIC, tol=COMPOSED),
    OpRow("cumprod_axis0", lambda x: fnp.cumprod(x, axis=0), lambda x: np.cumprod(x, axis=0),
          (V((3,)), V((2, 3)), V((6, 2))), dtypes=NUMERIC + (BOOL,), tol=COMPOSED),
    OpRow("cumprod_axis-1", lambda x: fnp.cumprod(x, axis=-1),
          lambda x: np.cumprod(x, axis=-1), (V((2, 3, 4)), V((2, 9))), tol=COMPOSED),
    OpRow("cumprod_dtype", lambda x: fnp.cumprod(x, dtype=np.float64),
          lambda x: np.cumprod(x, dtype=np.float64), (V((2, 3)),), dtypes=(I64, F32),
          tol=COMPOSED),
    OpRow("cumprod_narrow", fnp.cumprod, np.cumprod, (V((2, 3)),), dtypes=(U8, I32)),
    OpRow("cumprod_empty", fnp.cumprod, np.cumprod, (V((0,)), V((2, 0)))),
    # Zeros inside the running products: the derivatives through them are exact.
    OpRow("cumprod_with_zeros", lambda x: fnp.cumprod(_zeros_at(x), axis=-1),
          lambda x: np.cumprod(_zeros_at(x), axis=-1), (V((5,)), V((2, 6))), tol=COMPOSED),
    OpRow("cumulative_prod", lambda x: fnp.cumulative_prod(x, axis=-1),
          lambda x: np.cumulative_prod(x, axis=-1), (V((3,)), V((2, 3))), dtypes=NUMERIC,
          tol=COMPOSED),
    OpRow("cumulative_prod_1d_initial",
          lambda x: fnp.cumulative_prod(x, include_initial=True),
          lambda x: np.cumulative_prod(x, include_initial=True), (V((4,)), V((0,)), V(())),
          dtypes=(F64, I64), tol=COMPOSED),
    OpRow("cumulative_prod_axis0_initial",
          lambda x: fnp.cumulative_prod(x, axis=0, include_initial=True),
          lambda x: np.cumulative_prod(x, axis=0, include_initial=True), (V((3, 2)),),
          tol=COMPOSED),
]


_FW = np.array([1, 2, 1, 3])   # cov's frequency weights: integers, 4 observations


def _average(f, **kw):
    return lambda a, w: f(a, weights=w, **kw)


STATS = [
    # average without weights is mean; with weights sum(a * w) / sum(w): composed.
    *_reductions("average", fnp.average, np.average, REDUCE_CONFIGS, dtypes=(F64, F32, I64),
                 tol=COMPOSED),
    OpRow("average_weights", _average(fnp.average), _average(np.average),
          (V((3,), (3,)), V((2, 3), (2, 3))), dtypes=(F64, F32, (I64, F64), (I64, I64)),
          domain=(0.5, 2.0), tol=COMPOSED),
    OpRow("average_weights_axis", _average(fnp.average, axis=1),
          _average(np.average, axis=1), (V((2, 3), (3,)), V((2, 3, 2), (3,))),
          dtypes=(F64, F32), domain=(0.5, 2.0), tol=COMPOSED),
    OpRow("average_weights_axes_reordered", _average(fnp.average, axis=(2, 0), keepdims=True),
          _average(np.average, axis=(2, 0), keepdims=True), (V((2, 3, 4), (4, 2)),),
          domain=(0.5, 2.0), tol=COMPOSED),
    OpRow("average_returned", _average(fnp.average, axis=0, returned=True),
          _average(np.average, axis=0, returned=True), (V((2, 3), (2, 3)), V((2, 3), (2,))),
          domain=(0.5, 2.0), tol=COMPOSED),
    OpRow("average_returned_unweighted", lambda a: fnp.average(a, axis=1, returned=True),
          lambda a: np.average(a, axis=1, returned=True), (V((2, 3)),), tol=COMPOSED),
    *_reductions("ptp", fnp.ptp, np.ptp, REDUCE_CONFIGS, dtypes=NUMERIC, kinds="d"),
    *_reductions("count_nonzero", fnp.count_nonzero, np.count_nonzero,
                 REDUCE_CONFIGS[1:], dtypes=(F64, I64, BOOL), grad_order=0),
    OpRow("count_nonzero_all", fnp.count_nonzero, np.count_nonzero,
          (V(()), V((2, 3)), V((0, 2))), kinds="s", dtypes=(F64,), grad_order=0),
    OpRow("count_nonzero_ints", lambda x: fnp.count_nonzero(x, axis=1),
          lambda x: np.count_nonzero(x, axis=1), (V((3, 4)),), dtypes=(I64, U8),
          domain=(-1.0, 1.0), grad_order=0),
    # cov and corrcoef: centred products summed by a matmul, then scaled.
    OpRow("cov", fnp.cov, np.cov, (V((2, 4)), V((4,)), V((3, 5))), dtypes=(F64, F32, I64),
          tol=COMPOSED),
    OpRow("cov_rowvar_false_bias", lambda m: fnp.cov(m, rowvar=False, bias=True),
          lambda m: np.cov(m, rowvar=False, bias=True), (V((5, 2)), V((4,))), tol=COMPOSED),
    OpRow("cov_ddof2", lambda m: fnp.cov(m, ddof=2), lambda m: np.cov(m, ddof=2),
          (V((2, 5)),), tol=COMPOSED),
    OpRow("cov_y", fnp.cov, np.cov, (V((4,), (4,)), V((2, 4), (1, 4))), tol=COMPOSED),
    OpRow("cov_y_rowvar_false", lambda m, y: fnp.cov(m, y, rowvar=False),
          lambda m, y: np.cov(m, y, rowvar=False), (V((4, 2), (4, 1)),), tol=COMPOSED),
    OpRow("cov_fweights", lambda m: fnp.cov(m, fweights=_FW),
          lambda m: np.cov(m, fweights=_FW), (V((2, 4)), V((4,))), tol=COMPOSED),
    OpRow("cov_aweights", lambda m, w: fnp.cov(m, aweights=w),
          lambda m, w: np.cov(m, aweights=w), (V((2, 4), (4,)), V((3, 5), (5,))),
          domain=(0.5, 2.0), tol=COMPOSED),
    OpRow("cov_both_weights_ddof2", lambda m, w: fnp.cov(m, fweights=_FW, aweights=w, ddof=2),
          lambda m, w: np.cov(m, fweights=_FW, aweights=w, ddof=2), (V((2, 4), (4,)),),
          domain=(0.5, 2.0), tol=COMPOSED),
    OpRow("cov_aweights_bias_rowvar_false",
          lambda m, w: fnp.cov(m, rowvar=False, bias=True, aweights=w),
          lambda m, w: np.cov(m, rowvar=False, bias=True, aweights=w), (V((4, 2), (4,)),),
          domain=(0.5, 2.0), tol=COMPOSED),
    # A float32 result: its forward and reverse derivatives round differently (values only).
    OpRow("cov_dtype_f32", lambda m: fnp.cov(m, dtype=np.float32),
          lambda m: np.cov(m, dtype=np.float32), (V((2, 4)),), tol=COMPOSED, grad_order=0),
    # corrcoef: more quotients and a square root.
    OpRow("corrcoef", fnp.corrcoef, np.corrcoef, (V((2, 4)), V((3, 5)), V((4,))),
          dtypes=(F64, F32), tol=10 * COMPOSED),
    OpRow("corrcoef_y", lambda x, y: fnp.corrcoef(x, y, rowvar=False),
          lambda x, y: np.corrcoef(x, y, rowvar=False), (V((5, 2), (5,)),),
          tol=10 * COMPOSED),
]

VECTORS = [
    # vecdot: a product summed by reduce_sum; NumPy's gufunc sums in its own order.
    OpRow("vecdot", fnp.vecdot, np.vecdot,
          (V((3,), (3,)), V((2, 3), (3,)), V((4, 1, 3), (2, 3)), V((0, 3), (3,))),
          dtypes=(F64, F32, I64, (I32, F32), BOOL), tol=COMPOSED),
    OpRow("vecdot_axis0", lambda x, y: fnp.vecdot(x, y, axis=0),
          lambda x, y: np.vecdot(x, y, axis=0), (V((3, 2), (3, 2)), V((3, 4), (3, 1))),
          tol=COMPOSED),
    OpRow("matvec", fnp.matvec, np.matvec,
          (V((2, 3), (3,)), V((4, 2, 3), (3,)), V((2, 3), (4, 3)), V((1, 2, 3), (4, 1, 3))),
          dtypes=(F64, F32, I64), tol=COMPOSED),
    OpRow("vecmat", fnp.vecmat, np.vecmat,
          (V((3,), (3, 2)), V((4, 3), (3, 2)), V((3,), (4, 3, 2)), V((2, 1, 3), (4, 3, 2))),
          dtypes=(F64, F32, I64), tol=COMPOSED),
    # cross: the same products and differences NumPy computes: exact.
    OpRow("cross", fnp.cross, np.cross,
          (V((3,), (3,)), V((4, 3), (3,)), V((2, 1, 3), (4, 3))), dtypes=(F64, F32, I64)),
    OpRow("cross_axis", lambda a, b: fnp.cross(a, b, axis=0),
          lambda a, b: np.cross(a, b, axis=0), (V((3, 2), (3, 2)),)),
    OpRow("cross_axisa_axisb_axisc", lambda a, b: fnp.cross(a, b, axisa=0, axisb=1, axisc=0),
          lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0), (V((3, 4), (4, 3)),)),
    # 2-vectors: NumPy 2 deprecates them (a DeprecationWarning) but still computes them.
    OpRow("cross_2d", fnp.cross, _quiet(np.cross),
          (V((2,), (2,)), V((4, 2), (2,)), V((2,), (3,)), V((3, 3), (3, 2)))),
    OpRow("trapezoid", fnp.trapezoid, np.trapezoid, (V((5,)), V((2, 4)), V((1,)), V((0,))),
          dtypes=(F64, F32, I64), tol=COMPOSED),
    OpRow("trapezoid_dx_axis0", lambda y: fnp.trapezoid(y, dx=0.5, axis=0),
          lambda y: np.trapezoid(y, dx=0.5, axis=0), (V((4, 3)),), tol=COMPOSED),
    OpRow("trapezoid_x", lambda y, x: fnp.trapezoid(y, x), lambda y, x: np.trapezoid(y, x),
          (V((5,), (5,)), V((2, 4), (4,)), V((2, 4), (2, 4))), tol=COMPOSED),
    OpRow("trapezoid_x_axis0", lambda y, x: fnp.trapezoid(y, x, axis=0),
          lambda y, x: np.trapezoid(y, x, axis=0), (V((4, 3), (4,)), V((4, 3), (4, 3))),
          tol=COMPOSED),
]

ROWS: list[OpRow] = [*NAN_REDUCTIONS, *CUMULATIVE, *STATS, *VECTORS]
