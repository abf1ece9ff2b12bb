"""Every op-table case evaluated eagerly and through its traced program, against NumPy.

For each row and variant: (a) `functrans.numpy` on NumPy arrays equals the NumPy reference
(values, shape, dtype); (b) the program from `make_jaxpr` passes `check_jaxpr` and evaluates
to the same; (c) its abstract output values agree with the evaluated outputs; (d) a second
evaluation (the compiled plan) gives identical results.
"""
import numpy as np
import pytest
from op_table import assert_matches, leaves, params

import functrans as ft
from functrans import evaluate


@pytest.mark.parametrize("case", params("eval"))
def test_eager_matches_numpy(case):
    args = case.args()
    assert_matches(case.row.fun(*args), case.row.ref(*args), case.row, "eager")


@pytest.mark.parametrize("case", params("trace"))
def test_traced_matches_numpy(case):
    args = case.args()
    want = case.row.ref(*args)
    closed = ft.make_jaxpr(case.row.fun)(*args)
    ft.check_jaxpr(closed)
    flat = leaves(args)
    first = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *flat)
    assert_matches(first, leaves(want), case.row, "make_jaxpr then eval_jaxpr")
    for aval, out in zip(closed.out_avals, first, strict=True):
        assert aval.shape == np.shape(out), f"abstract shape {aval.shape} != {np.shape(out)}"
        assert aval.dtype == np.asarray(out).dtype, f"abstract dtype {aval.dtype}"
    # The second evaluation runs the compiled plan instead of the interpreter.
    second = evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *flat)
    assert closed.jaxpr._plan is not evaluate._interpret_numpy
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), strict=True)
