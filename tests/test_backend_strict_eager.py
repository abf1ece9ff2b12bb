"""The op table called at top level on the strict foreign array type (issue 18, eager calls).

tests/test_backend_strict.py runs every op-table row under `jit` on `StrictArray` inputs (a
NumPy-backed double as strict as CuPy). Here the same rows run WITHOUT a transformation:
`row.fun(*strict_args)` executes the function's Python code on the concrete foreign arrays,
each primitive binding on their namespace (`Backend.bind_eager`), so functrans.numpy code that
mixes a NumPy helper array (an `np.eye`, an index grid, a constant result) with a foreign
argument, or reads a foreign argument on the host (`np.asarray`), fails here in CI. For each
row, its first variant with an array argument (as the jit test samples them):

- every result is a StrictArray (a foreign input gives foreign results, as under `jit`);
- the values equal `jit`'s on the NumPy inputs, within the row's tolerance;
- the call makes no more device-to-host transfers (`float()`, `bool()`, ...) than `jit` makes
  on the same StrictArrays (a while loop's predicate, docs/backends.md "Host
  synchronization"): a top-level call does not read foreign values behind the user's back;
- a row whose program holds a NumPy-only primitive (`pure_callback`) raises the documented
  error instead.

Rows whose own lambda builds NumPy constants make them in the argument's namespace with
functrans's NEP 35 `like=` (`fnp.eye(n, like=x)`), which changes nothing for NumPy or traced
arguments; `EXCLUDED` lists rows that cannot, with the reason (none today).
"""
import numpy as np
import pytest
from op_table import COMPOSED, ROWS, assert_matches, leaves
from strict_array import HOST_SYNCS, StrictArray, strict
from test_backend_strict import _has_array, _host, _numpy_only, _rows

import functrans as ft
import functrans.numpy as fnp
from functrans import errors, lax, tree_util

# Rows that cannot run at top level on a foreign array, with the reason.
EXCLUDED: dict[str, str] = {}

# Known host reads at top level that `jit` does not make, with the place to fix (reported).
HIDDEN_SYNCS: dict[str, str] = {}


def _syncs(fun, args) -> tuple:
    before = HOST_SYNCS[0]
    out = fun(*args)
    return out, HOST_SYNCS[0] - before


@pytest.mark.parametrize("case", _rows(lambda c: c.row.name not in EXCLUDED
                                       and _has_array(c.args())))
def test_op_table_at_top_level_on_strict_arrays(case):
    row, args = case.row, case.args()
    sargs = tree_util.tree_map(strict, args)
    only = _numpy_only(row.fun, args)
    if only:
        with pytest.raises(errors.FunctransTypeError, match=f"primitive ({'|'.join(only)}) "
                           "runs only on NumPy arrays.*StrictArray"):
            row.fun(*sargs)
        return
    want = ft.jit(row.fun)(*args)
    _, jit_syncs = _syncs(ft.jit(row.fun), sargs)
    got, syncs = _syncs(row.fun, sargs)
    for g in leaves(got):
        assert isinstance(g, StrictArray), (
            f"top level on StrictArray: a result came back as {type(g).__name__} (a NumPy "
            "value made beside the foreign arguments: make it in their namespace, "
            "functrans.numpy._util.in_namespace)")
    if row.name not in HIDDEN_SYNCS:
        assert syncs <= jit_syncs, (
            f"top level on StrictArray: {syncs} device-to-host transfers where jit makes "
            f"{jit_syncs}: a foreign value read on the host (take the traced route for it: "
            "functrans.numpy._util.is_deferred)")
    assert_matches(_host(got), want, row, "top level on StrictArray",
                   tol=max(row.tol, COMPOSED))


def test_excluded_rows_are_rows():
    names = {row.name for row in ROWS}
    assert set(EXCLUDED) <= names and set(HIDDEN_SYNCS) <= names


def test_like_makes_constants_in_the_namespace():
    """NEP 35 `like=` on functrans.numpy's creation functions: a foreign `like` gives a
    foreign array, NumPy and traced ones NumPy's (a constant while tracing)."""
    x = strict(np.ones((2, 2)))
    for make in (lambda like: fnp.eye(2, like=like), lambda like: fnp.zeros(3, like=like),
                 lambda like: fnp.ones(3, like=like), lambda like: fnp.full(2, 1.5, like=like),
                 lambda like: fnp.arange(3, like=like), lambda like: fnp.identity(2, like=like),
                 lambda like: fnp.asarray([1, 2], like=like),
                 lambda like: fnp.array([1.0], like=like), lambda like: fnp.empty(2, like=like)):
        assert isinstance(make(x), StrictArray)
        assert isinstance(make(np.ones(2)), np.ndarray)
        assert isinstance(make(None), np.ndarray)
        np.testing.assert_array_equal(make(x).get(), make(None))
    got = ft.jit(lambda y: y + fnp.eye(2, like=y))(x)
    assert isinstance(got, StrictArray)
    np.testing.assert_array_equal(got.get(), np.ones((2, 2)) + np.eye(2))


def test_foreign_index_arrays_and_masks_at_top_level():
    x = np.arange(12.0).reshape(3, 4)
    i = np.array([2, 0, 2])
    m = np.array([True, False, True, True])
    sx, si, sm = strict(x), strict(i), strict(m)
    for got, want in ((fnp.take(sx, si, axis=1), x[:, i]),
                      (fnp.asarray(sx)[si], x[i]),
                      (fnp._indexing.getitem(sx, (slice(None), sm)), x[:, m]),
                      (fnp._indexing.IndexUpdateHelper(sx)[si].add(1.0),
                       np.add.at(y := x.copy(), i, 1.0) or y)):
        assert isinstance(got, StrictArray)
        np.testing.assert_array_equal(got.get(), want)


def test_value_dependent_shapes_need_size_on_foreign_arrays():
    """nonzero/unique without `size=` read the values on the host to know the shape: refused
    for a foreign array, as for a traced one, with the remedy."""
    x = strict(np.array([0.0, 1.0, 0.0, 2.0]))
    with pytest.raises(errors.ConcretizationError, match="StrictArray.*size=N"):
        fnp.nonzero(x)
    with pytest.raises(errors.ConcretizationError, match="StrictArray.*size=N"):
        fnp.unique(x)
    got = fnp.nonzero(x, size=3)[0]
    assert isinstance(got, StrictArray)
    np.testing.assert_array_equal(got.get(), [1, 3, 0])


def test_fori_loop_with_a_foreign_bound_runs_in_its_namespace():
    """A foreign bound is not read on the host (it would be a device read): the loop becomes
    the while loop a traced bound gives, its trips counted where the bound lives."""
    out = lax.fori_loop(0, strict(np.array(3)), lambda i, v: v * 2.0, strict(np.array(1.5)))
    assert isinstance(out, StrictArray) and float(out._a) == 12.0
