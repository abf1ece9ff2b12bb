"""Op-table rows of `functrans.numpy._sorting` (issue 12); `op_table.ROWS` includes them.

Sort-family rows use kind `d` (distinct, well separated values) where derivatives are
checked: the sort permutation is then locally constant, so the functions are smooth there.
Rows with NaN/inf (`s`) or ties (small integers) check values only. The `_nans` rows put NaN
where an input exceeds 1.2 (by `where` on both sides), so the nan-ignoring functions are
differentiated with NaNs present (the NaNs get zero derivative).
"""
from __future__ import annotations

import functools
import warnings

import numpy as np
from op_table import F32, F64, I64, NUMERIC, OpRow, V, fnp

SHAPES = (V((4,)), V((2, 3)), V((3, 2, 4)))
Q_CONFIGS = (  # (q, axis, keepdims, shapes)
    (0.3, None, False, (V(()), V((4,)), V((2, 3)))),
    (0.5, -1, False, (V((4,)), V((2, 3)), V((2, 3, 4)))),
    ([0.1, 0.75, 1.0], 0, True, (V((5,)), V((3, 2)))),
    (0.0, (0, 2), False, (V((2, 3, 4)),)),
    (np.array([[0.2], [0.9]]), 1, False, (V((2, 5)),)),
)


def _tag(q, axis, keepdims) -> str:
    tag = "_q" + "_".join(f"{v:g}" for v in np.ravel(q))
    tag += "" if axis is None else "_axis" + "".join(str(a) for a in np.atleast_1d(axis))
    return tag + ("_keepdims" if keepdims else "")


def _quiet(f):
    """NumPy's reference without its warnings (empty and all-NaN lanes give NaN)."""
    @functools.wraps(f)
    def quiet(*args, **kwargs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return f(*args, **kwargs)
    return quiet


def _nans(x):
    return np.where(x > 1.2, np.nan, x)


def _fnans(x):
    return fnp.where(x > 1.2, np.nan, x)


def _quantile_rows(name, f, ref, scale=1.0) -> list[OpRow]:
    rows = []
    for q, axis, keepdims, shapes in Q_CONFIGS:
        qs = np.asarray(q) * scale if not isinstance(q, float) else q * scale

        def fun(x, qs=qs, axis=axis, keepdims=keepdims):
            return f(x, qs, axis=axis, keepdims=keepdims)

        def want(x, qs=qs, axis=axis, keepdims=keepdims):
            return ref(x, qs, axis=axis, keepdims=keepdims)

        rows.append(OpRow(name + _tag(q, axis, keepdims), fun, want, shapes,
                          dtypes=NUMERIC, kinds="d"))
    return rows


SORT = [
    OpRow("sort", fnp.sort, np.sort, SHAPES, dtypes=NUMERIC, kinds="d"),
    OpRow("sort_axis0", lambda x: fnp.sort(x, axis=0), lambda x: np.sort(x, axis=0),
          (V((4,)), V((3, 2)), V((3, 2, 2))), kinds="d"),
    OpRow("sort_axis_none", lambda x: fnp.sort(x, axis=None), lambda x: np.sort(x, axis=None),
          (V(()), V((2, 3))), kinds="d"),
    OpRow("sort_descending", lambda x: fnp.sort(x, axis=1, descending=True),
          lambda x: np.flip(np.sort(x, axis=1), 1), (V((2, 3)), V((2, 4, 2))), kinds="d"),
    OpRow("sort_empty", fnp.sort, np.sort, (V((0,)), V((2, 0)), V((0, 3)))),
    OpRow("sort_special", fnp.sort, np.sort, (V((6,)), V((3, 4))), kinds="s", grad_order=0),
    OpRow("sort_ties", fnp.sort, np.sort, (V((8,)), V((3, 5))), dtypes=(I64,),
          domain=(0, 2)),
    OpRow("argsort", fnp.argsort, np.argsort, SHAPES, dtypes=NUMERIC, kinds="d",
          grad_order=0),
    # Ties: small integers and bools; the reference is NumPy's stable sort.
    OpRow("argsort_ties", lambda x: fnp.argsort(x, axis=0),
          lambda x: np.argsort(x, axis=0, kind="stable"), (V((8,)), V((6, 3))),
          dtypes=(I64, F64), domain=(0, 2), grad_order=0),
    OpRow("argsort_ties_descending", lambda x: fnp.argsort(x, descending=True),
          lambda x: (x.shape[-1] - 1 - np.flip(np.argsort(np.flip(x, -1), kind="stable"), -1)),
          (V((8,)), V((3, 6))), dtypes=(I64,), domain=(0, 2), grad_order=0),
    OpRow("argsort_special", lambda x: fnp.argsort(x, axis=None),
          lambda x: np.argsort(x, axis=None, kind="stable"), (V((7,)), V((2, 3))), kinds="s",
          grad_order=0),
    OpRow("argsort_empty", fnp.argsort, np.argsort, (V((0,)), V((2, 0))), grad_order=0),
    # partition/argpartition are full sorts (module docstring): compared with np.sort, which
    # satisfies NumPy's contract; NumPy's own partition orders the other entries differently.
    OpRow("partition", lambda x: fnp.partition(x, 1), lambda x: np.sort(x),
          (V((3,)), V((2, 4))), dtypes=NUMERIC, kinds="d"),
    OpRow("partition_kth_entry", lambda x: fnp.partition(x, (0, -1), axis=0)[-1],
          lambda x: np.partition(x, (0, -1), axis=0)[-1], (V((4,)), V((3, 2))), kinds="d"),
    OpRow("argpartition", lambda x: fnp.argpartition(x, 2, axis=None),
          lambda x: np.argsort(x, axis=None, kind="stable"), (V((5,)), V((2, 3))), kinds="d",
          grad_order=0),
]

QUANTILES = [
    *_quantile_rows("quantile", fnp.quantile, np.quantile),
    *_quantile_rows("percentile", fnp.percentile, np.percentile, scale=100.0),
    *_quantile_rows("nanquantile", fnp.nanquantile, np.nanquantile),
    OpRow("median", fnp.median, np.median, (V(()), V((4,)), V((5,)), V((2, 3))),
          dtypes=NUMERIC, kinds="d"),
    OpRow("median_axis", lambda x: fnp.median(x, axis=-1, keepdims=True),
          lambda x: np.median(x, axis=-1, keepdims=True), (V((2, 4)), V((3, 2, 3))),
          dtypes=(F64, F32), kinds="d"),
    OpRow("median_axes", lambda x: fnp.median(x, axis=(0, 2)),
          lambda x: np.median(x, axis=(0, 2)), (V((2, 3, 2)),), kinds="d"),
    OpRow("median_special", lambda x: fnp.median(x, axis=0), lambda x: np.median(x, axis=0),
          (V((3,)), V((4, 3))), kinds="s", grad_order=0),
    OpRow("median_empty", fnp.median, _quiet(np.median), (V((0,)),), grad_order=0),
    OpRow("quantile_special", lambda x: fnp.quantile(x, 0.4, axis=-1),
          lambda x: np.quantile(x, 0.4, axis=-1), (V((3, 4)),), kinds="s", grad_order=0),
    OpRow("nanmedian", lambda x: fnp.nanmedian(_fnans(x), axis=0),
          _quiet(lambda x: np.nanmedian(_nans(x), axis=0)),
          (V((4,)), V((5, 3)), V((6, 2, 2))),
          kinds="d"),
    OpRow("nanmedian_all", lambda x: fnp.nanmedian(_fnans(x)),
          _quiet(lambda x: np.nanmedian(_nans(x))),
          (V(()), V((2, 3))), kinds="d"),
    OpRow("nanquantile_nans", lambda x: fnp.nanquantile(_fnans(x), [0.25, 0.6], axis=-1),
          _quiet(lambda x: np.nanquantile(_nans(x), [0.25, 0.6], axis=-1)), (V((6,)), V((3, 5))),
          kinds="d"),
    OpRow("nanpercentile_nans", lambda x: fnp.nanpercentile(_fnans(x), 35.0, axis=0,
                                                           keepdims=True),
          _quiet(lambda x: np.nanpercentile(_nans(x), 35.0, axis=0, keepdims=True)),
          (V((5,)), V((6, 2))), dtypes=(F64, F32), kinds="d"),
]

_METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation",
            "interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased",
            "normal_unbiased", "lower", "higher", "midpoint", "nearest")


def _method_row(name, f, ref, method, q, **kw) -> OpRow:
    return OpRow(f"{name}_{method}", lambda x: f(x, q, axis=-1, method=method),
                 _quiet(lambda x: ref(x, q, axis=-1, method=method)),
                 (V((5,)), V((3, 4)), V((1,))), kinds="d", **kw)


# Every method bit for bit (the discrete ones return the input's dtype); their derivatives
# follow the chosen order statistics and the interpolation weights.
METHODS = [
    *[_method_row("quantile", fnp.quantile, np.quantile, m, [0.1, 0.5, 0.93], dtypes=NUMERIC)
      for m in _METHODS],
    *[_method_row("percentile", fnp.percentile, np.percentile, m, 37.0) for m in _METHODS],
    *[_method_row("nanquantile", lambda x, *a, **k: fnp.nanquantile(_fnans(x), *a, **k),
                  lambda x, *a, **k: np.nanquantile(_nans(x), *a, **k), m, [0.2, 0.8])
      for m in ("lower", "nearest", "hazen", "closest_observation")],
    # A traced q (as JAX allows): differentiable in q through the interpolation weight.
    OpRow("quantile_traced_q", lambda x, q: fnp.quantile(x, q, axis=-1),
          lambda x, q: np.quantile(x, q, axis=-1), (V((5,), ()), V((3, 4), (2,))),
          kinds="dd", domain=(0.05, 0.95), dtypes=(F64, F32)),
    OpRow("percentile_traced_q_weibull",
          lambda x, q: fnp.percentile(x, q * 100, axis=0, method="weibull"),
          lambda x, q: np.percentile(x, q * 100, axis=0, method="weibull"),
          (V((6,), (3,)), V((4, 2), ())), kinds="dd", domain=(0.05, 0.95)),
    OpRow("nanquantile_traced_q", lambda x, q: fnp.nanquantile(_fnans(x), q / 2, axis=-1),
          _quiet(lambda x, q: np.nanquantile(_nans(x), q / 2, axis=-1)), (V((3, 6), ()),),
          kinds="df", domain=(0.05, 1.9)),
]

ROWS: list[OpRow] = [*SORT, *QUANTILES, *METHODS]
