"""The op table evaluated on Dask arrays (issue 18): every row's program under `jit`, on Dask
arrays chunked by 2 along every axis (chunks that do not divide the odd sizes), computed with
Dask's synchronous scheduler, equals NumPy's values and dtypes (within the rounding of chunked
reductions: Dask sums chunk by chunk, NumPy pairwise), and its outputs are lazy Dask arrays.

Rows run if their program has at most `MAX_EQNS` equations and no `while` loop: a while loop
computes its predicate every trip, and Dask's per-task overhead (~0.1 ms) over thousands of tiny
trips makes those rows take seconds each; `test_while_loops_on_dask` covers loops on a few rows.
"""
import numpy as np
import pytest
from op_table import ROWS, assert_matches, cases, leaves

import functrans as ft
from functrans import backend

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

MAX_EQNS = 150
TOL = 1e-13   # relative, float64: a chunked reduction rounds differently in the last bits


def _dask(x):
    if isinstance(x, np.ndarray) and x.ndim:
        return da.from_array(x, chunks=2)
    return x


def _selected() -> list:
    out = []
    for row in ROWS:
        case = next((c for c in cases(row) if c.shapes), None)
        if case is None:
            continue
        args = case.args()
        if not any(isinstance(x, np.ndarray) and x.ndim for x in leaves(args)):
            continue
        try:
            text = str(ft.make_jaxpr(row.fun)(*args))   # sub-programs included
        except Exception:   # a row that cannot trace is test_ops's business
            continue
        if text.count("\n") <= MAX_EQNS and " while[" not in text:
            out.append(pytest.param(case, id=case.id))
    return out


def _run(fun, args):
    with dask.config.set(scheduler="synchronous"):
        got = ft.jit(fun)(*[_dask(x) for x in args])
        for g in leaves(got):
            assert not isinstance(g, np.ndarray), "an output came back as a NumPy array"
        return list(dask.compute(*leaves(got)))


@pytest.mark.parametrize("case", _selected())
def test_op_table_on_dask(case):
    args = case.args()
    closed = ft.make_jaxpr(case.row.fun)(*args)
    only = [p.name for p in backend.numpy_only_primitives(closed.jaxpr)]
    if only:
        with pytest.raises(ft.errors.FunctransTypeError, match="runs only on NumPy arrays"):
            _run(case.row.fun, args)
        return
    want = case.row.ref(*args)
    assert_matches(_run(case.row.fun, args), want, case.row, "dask", tol=max(case.row.tol, TOL))


@pytest.mark.parametrize("name", ["gcd", "optimize.fixed_point"])
def test_while_loops_on_dask(name):
    """Loops persist their carry every trip on Dask (backend.settle), so a trip does not
    recompute every earlier trip."""
    row = next(r for r in ROWS if r.name == name)
    case = next(c for c in cases(row) if any(len(s) for s in c.shapes))
    args = case.args()
    assert_matches(_run(row.fun, args), row.ref(*args), row, "dask", tol=max(row.tol, TOL))
