"""Every op-table case through `vmap`, for every combination of `in_axes` (a pairwise covering
set of them beyond two arguments), against a loop.

Each argument is mapped over axis 0, 1 or -1 (where the batched rank allows: a 0-d example
stacks to a 1-d argument, mappable over axis 0 only) or not mapped (None); every combination
with at least one mapped argument is checked against stacking the per-example results of the
unbatched function, and the program of `make_jaxpr(vmap(fun, in_axes))` passes `check_jaxpr`.
"""
import itertools

import numpy as np
import pytest
from op_table import BATCH, COMPOSED, assert_matches, leaves, params

import functrans as ft

# A batched reduction or contraction sums in another order than the per-example one (NumPy's
# pairwise summation follows the memory layout), so float results may differ in the last bits.
VMAP_TOL = COMPOSED


def _axis_choices(ndim: int, kind: str) -> tuple:
    if kind in "pq":
        return (None,)   # a Python scalar stacked would be an array, no longer weakly typed
    return (None, 0) if ndim == 0 else (None, 0, 1, -1)


def in_axes_combinations(case) -> list[tuple]:
    """Every combination for up to two arguments; for more, a pairwise covering set: every
    axis choice of every pair of arguments appears together at least once (a 4-argument row
    has 255 combinations and about 20 cover all pairs, so the suite stays within its budget
    while each argument's axis still meets every axis of every other argument)."""
    choices = [_axis_choices(len(s), k) for s, k in zip(case.shapes, case.kinds, strict=True)]
    every = [c for c in itertools.product(*choices) if any(a is not None for a in c)]
    if len(choices) <= 2:
        return every
    return _pairwise_cover(every, len(choices))


def _pairs(combo: tuple) -> set:
    return {(i, combo[i], j, combo[j]) for i, j in itertools.combinations(range(len(combo)), 2)}


def _pairwise_cover(every: list[tuple], n: int) -> list[tuple]:
    # Greedy: repeatedly take the combination covering the most uncovered pairs (ties: the
    # first in product order, so the set is deterministic). All-mapped first: the common case.
    uncovered = set().union(*(_pairs(c) for c in every))
    chosen = [c for c in every if None not in c][:1]
    for c in chosen:
        uncovered -= _pairs(c)
    while uncovered:
        best = max(every, key=lambda c: len(_pairs(c) & uncovered))
        chosen.append(best)
        uncovered -= _pairs(best)
    return chosen


def _batched_args(examples, in_axes) -> tuple:
    out = []
    for i, axis in enumerate(in_axes):
        if axis is None:
            out.append(examples[0][i])
        else:
            out.append(np.stack([ex[i] for ex in examples], axis=axis))
    return tuple(out)


def _expected(fun, examples, in_axes) -> list:
    per = []
    for ex in examples:
        args = [x if axis is not None else examples[0][i]
                for i, (x, axis) in enumerate(zip(ex, in_axes, strict=True))]
        per.append(leaves(fun(*args)))
    return [np.stack(outs) for outs in zip(*per, strict=True)]


@pytest.mark.parametrize("case", params("vmap", lambda c: bool(c.shapes)))
def test_vmap_matches_loop(case):
    fun = case.row.fun
    examples = [case.args(example=k) for k in range(BATCH)]
    for in_axes in in_axes_combinations(case):
        args = _batched_args(examples, in_axes)
        what = f"vmap(in_axes={in_axes})"
        got = ft.vmap(fun, in_axes=in_axes)(*args)
        assert_matches(leaves(got), _expected(fun, examples, in_axes), case.row, what,
                       tol=max(case.row.tol, VMAP_TOL))
        ft.check_jaxpr(ft.make_jaxpr(ft.vmap(fun, in_axes=in_axes))(*args))


def test_pairwise_cover_covers_every_pair():
    choices = [(None, 0, 1, -1)] * 4
    every = [c for c in itertools.product(*choices) if any(a is not None for a in c)]
    chosen = _pairwise_cover(every, 4)
    assert set().union(*(_pairs(c) for c in chosen)) == set().union(*(_pairs(c) for c in every))
    assert len(chosen) < len(every) // 5
