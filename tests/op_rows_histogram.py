"""Op-table rows of `functrans.numpy._histogram` (issue 12); `op_table.ROWS` includes them.

Sorted arrays are made inside the rows (`fnp.sort` / `np.sort` of a random argument), so
that `vmap` batches the sorted array as well as the values (the searchsorted primitive's
batching rule for every combination). `_grid` rounds values to multiples of 0.5, so that
many fall exactly on bin edges (the last edge included) and some outside the range. Counts
and indices are integers (grad_order 0); weights, and edges computed from the data, are
differentiated (grad_order 2).
"""
from __future__ import annotations

import numpy as np
from op_table import COMPOSED, F32, F64, I64, NUMERIC, OpRow, V, fnp

EDGES = np.array([-1.5, -0.5, 0.0, 1.0, 1.5])
DECREASING = np.array([1.5, 0.5, 0.0, -1.0])


def _grid(x):
    """Multiples of 0.5 (bin edges): NumPy's reference side."""
    return np.floor(x * 2.0) / 2.0


def _fgrid(x):
    return fnp.floor(x * 2.0) / 2.0


def _searchsorted_rows(side: str) -> list[OpRow]:
    shapes = (V((5,), (3,)), V((5,), ()), V((4,), (2, 3)), V((0,), (3,)), V((3,), (0,)))
    return [
        OpRow(f"searchsorted_{side}", lambda a, v: fnp.searchsorted(fnp.sort(a), v, side),
              lambda a, v: np.searchsorted(np.sort(a), v, side), shapes, dtypes=NUMERIC,
              grad_order=0),
        # Small integers: duplicates in a, and values equal to entries.
        OpRow(f"searchsorted_{side}_ties", lambda a, v: fnp.searchsorted(fnp.sort(a), v, side),
              lambda a, v: np.searchsorted(np.sort(a), v, side),
              (V((8,), (6,)), V((6,), (2, 4))), dtypes=(I64, F64), domain=(0, 3),
              grad_order=0),
        OpRow(f"searchsorted_{side}_special",
              lambda a, v: fnp.searchsorted(fnp.sort(a), v, side),
              lambda a, v: np.searchsorted(np.sort(a), v, side), (V((6,), (7,)),),
              kinds="ss", grad_order=0),
    ]


SEARCH = [
    *_searchsorted_rows("left"),
    *_searchsorted_rows("right"),
    OpRow("searchsorted_sorter",
          lambda a, v: fnp.searchsorted(a, v, sorter=fnp.argsort(a)),
          lambda a, v: np.searchsorted(a, v, sorter=np.argsort(a, kind="stable")),
          (V((6,), (4,)),), dtypes=(I64,), domain=(0, 4), grad_order=0),
    # NumPy promotes a and v together (int64 with float64: compared as float64).
    OpRow("searchsorted_promote", lambda a, v: fnp.searchsorted(fnp.sort(a), v),
          lambda a, v: np.searchsorted(np.sort(a), v), (V((5,), (4,)),),
          dtypes=((I64, F64), (F32, F64)), grad_order=0),
    OpRow("digitize", lambda x: fnp.digitize(_fgrid(x), EDGES),
          lambda x: np.digitize(_grid(x), EDGES), (V(()), V((7,)), V((2, 4))),
          dtypes=(F64, F32), grad_order=0),
    OpRow("digitize_right", lambda x: fnp.digitize(_fgrid(x), EDGES, right=True),
          lambda x: np.digitize(_grid(x), EDGES, right=True), (V((7,)),), grad_order=0),
    OpRow("digitize_decreasing", lambda x: fnp.digitize(_fgrid(x), DECREASING),
          lambda x: np.digitize(_grid(x), DECREASING), (V((7,)), V((2, 3))), grad_order=0),
    OpRow("digitize_decreasing_right",
          lambda x: fnp.digitize(_fgrid(x), DECREASING, right=True),
          lambda x: np.digitize(_grid(x), DECREASING, right=True), (V((7,)),), grad_order=0),
    # Traced bins: the direction is chosen from bins[-1] >= bins[0] (as JAX).
    OpRow("digitize_traced_bins", lambda x, b: fnp.digitize(x, fnp.sort(b)),
          lambda x, b: np.digitize(x, np.sort(b)), (V((6,), (3,)), V((2, 3), (4,))),
          dtypes=(F64, I64), grad_order=0),
    OpRow("digitize_traced_bins_decreasing",
          lambda x, b: fnp.digitize(x, fnp.flip(fnp.sort(b)), right=True),
          lambda x, b: np.digitize(x, np.flip(np.sort(b)), right=True),
          (V((6,), (3,)),), dtypes=(I64,), domain=(0, 4), grad_order=0),
    OpRow("digitize_empty_bins", lambda x: fnp.digitize(x, np.zeros(0)),
          lambda x: np.digitize(x, np.zeros(0)), (V((3,)),), grad_order=0),
    OpRow("lexsort", lambda a, b: fnp.lexsort((a, b)), lambda a, b: np.lexsort((a, b)),
          (V((8,), (8,)), V((3, 5), (3, 5))), dtypes=(I64, F64), domain=(0, 2),
          grad_order=0),
    OpRow("lexsort_axis0_three", lambda a, b, c: fnp.lexsort([a, b, c], axis=0),
          lambda a, b, c: np.lexsort([a, b, c], axis=0), (V((6, 2), (6, 2), (6, 2)),),
          dtypes=(I64,), domain=(0, 2), grad_order=0),
    OpRow("lexsort_special", lambda a, b: fnp.lexsort((a, b)), lambda a, b: np.lexsort((a, b)),
          (V((7,), (7,)),), kinds="ss", grad_order=0),
]

BINCOUNT = [
    OpRow("bincount_length", lambda x: fnp.bincount(x, length=5),
          lambda x: np.bincount(x, minlength=5), (V((6,)), V((0,))), kinds="i",
          int_range=(0, 5), grad_order=0),
    # Values >= length are dropped (JAX's `length`).
    OpRow("bincount_length_drops", lambda x: fnp.bincount(x, length=2),
          lambda x: np.bincount(x, minlength=2)[:2], (V((7,)),), kinds="i",
          int_range=(0, 4), grad_order=0),
    OpRow("bincount_weights", lambda x, w: fnp.bincount(x, w, length=4),
          lambda x, w: np.bincount(x, w, minlength=4), (V((6,), (6,)),),
          kinds="if", dtypes=(F64, F32), int_range=(0, 4), diff_argnums=(1,)),
    # No values: NumPy's int64 zeros, weights or not.
    OpRow("bincount_weights_empty", lambda x, w: fnp.bincount(x, w, length=3),
          lambda x, w: np.bincount(x, w, minlength=3), (V((0,), (0,)),), kinds="if",
          grad_order=0),
]

HISTOGRAM = [
    # range=None: the edges are the traced data's min and max (values on both end edges).
    OpRow("histogram", lambda x: fnp.histogram(x, 5), lambda x: np.histogram(x, 5),
          (V(()), V((6,)), V((2, 3))), dtypes=NUMERIC, grad_order=0),
    OpRow("histogram_grid_range", lambda x: fnp.histogram(_fgrid(x), 4, range=(-1, 1)),
          lambda x: np.histogram(_grid(x), 4, range=(-1, 1)), (V((9,)), V((3, 4))),
          dtypes=(F64, F32), grad_order=0),
    OpRow("histogram_int_range", lambda x: fnp.histogram(x, 3, range=(0, 3)),
          lambda x: np.histogram(x, 3, range=(0, 3)), (V((8,)),), dtypes=(I64,),
          domain=(-1, 4), grad_order=0),
    OpRow("histogram_edges", lambda x: fnp.histogram(_fgrid(x), EDGES),
          lambda x: np.histogram(_grid(x), EDGES), (V((9,)),), dtypes=(F64, F32),
          grad_order=0),
    OpRow("histogram_special", lambda x: fnp.histogram(x, 3, range=(-1.0, 1.0)),
          lambda x: np.histogram(x, 3, range=(-1.0, 1.0)), (V((8,)),), kinds="s",
          grad_order=0),
    OpRow("histogram_empty", lambda x: fnp.histogram(x, 3), lambda x: np.histogram(x, 3),
          (V((0,)),), dtypes=(F64, F32), grad_order=0),
    OpRow("histogram_density", lambda x: fnp.histogram(x, 4, density=True),
          lambda x: np.histogram(x, 4, density=True), (V((7,)),), grad_order=0),
    # The edges follow the data's min and max (distinct values: unique extremes).
    OpRow("histogram_bin_edges", lambda x: fnp.histogram_bin_edges(x, 3),
          lambda x: np.histogram_bin_edges(x, 3), (V((5,)), V((2, 3))), dtypes=(F64, F32),
          kinds="d"),
    OpRow("histogram_bin_edges_range", lambda x: fnp.histogram_bin_edges(x, 4, range=(-1, 2)),
          lambda x: np.histogram_bin_edges(x, 4, range=(-1, 2)), (V((5,)),),
          dtypes=(F64, F32, I64), grad_order=0),
    # Weighted counts are linear in the weights (summed in float64, as NumPy's bincount).
    OpRow("histogram_weights", lambda x, w: fnp.histogram(x, 4, range=(-1, 1), weights=w)[0],
          lambda x, w: np.histogram(x, 4, range=(-1, 1), weights=w)[0],
          (V((8,), (8,)), V((2, 3), (2, 3))), dtypes=(F64, F32), diff_argnums=(1,)),
    # density: differentiable in the weights and, through the widths, in min and max.
    OpRow("histogram_weights_density",
          lambda x, w: fnp.histogram(x, 3, weights=w, density=True),
          lambda x, w: np.histogram(x, 3, weights=w, density=True), (V((6,), (6,)),),
          kinds="df", domain=(0.5, 2.0)),
    # Explicit edges: NumPy sums weights as differences of a cumulative sum (rounds
    # differently from the direct sums here).
    OpRow("histogram_edges_weights", lambda x, w: fnp.histogram(x, EDGES, weights=w)[0],
          lambda x, w: np.histogram(x, EDGES, weights=w)[0], (V((8,), (8,)),),
          dtypes=(F64, F32), diff_argnums=(1,), tol=COMPOSED),
    # Traced edges (sorted inside): the edges output is sort(b), differentiable.
    OpRow("histogram_traced_edges", lambda x, b: fnp.histogram(x, fnp.sort(b)),
          lambda x, b: np.histogram(x, np.sort(b)), (V((8,), (4,)),), kinds="fd",
          diff_argnums=(1,)),
]

HISTOGRAMDD = [
    OpRow("histogram2d", lambda x, y: fnp.histogram2d(x, y, bins=3),
          lambda x, y: np.histogram2d(x, y, bins=3), (V((7,), (7,)), V((0,), (0,))),
          dtypes=(F64, F32), grad_order=0),
    OpRow("histogram2d_grid", lambda x, y: fnp.histogram2d(
        _fgrid(x), _fgrid(y), bins=[4, EDGES], range=[(-1, 1), None]),
          lambda x, y: np.histogram2d(_grid(x), _grid(y), bins=[4, EDGES],
                                      range=[(-1, 1), None]),
          (V((9,), (9,)),), grad_order=0),
    OpRow("histogram2d_weights_density",
          lambda x, y, w: fnp.histogram2d(x, y, bins=2, weights=w, density=True)[0],
          lambda x, y, w: np.histogram2d(x, y, bins=2, weights=w, density=True)[0],
          (V((6,), (6,), (6,)),), kinds="ddf", domain=(0.5, 2.0), tol=COMPOSED),
    OpRow("histogramdd", lambda s: fnp.histogramdd(s, bins=(2, 3, 2)),
          lambda s: np.histogramdd(s, bins=(2, 3, 2)), (V((8, 3)), V((0, 3))),
          dtypes=(F64, F32, I64), grad_order=0),
    OpRow("histogramdd_weights",
          lambda s, w: fnp.histogramdd(s, bins=2, range=[(-1, 1), (-2, 2)], weights=w)[0],
          lambda s, w: np.histogramdd(s, bins=2, range=[(-1, 1), (-2, 2)], weights=w)[0],
          (V((7, 2), (7,)),), diff_argnums=(1,)),
]

ROWS: list[OpRow] = [*SEARCH, *BINCOUNT, *HISTOGRAM, *HISTOGRAMDD]
