"""The op table evaluated on a strict foreign array type, without a GPU (issue 18).

`StrictArray` (tests/strict_array.py) speaks NumPy's dispatch protocols as CuPy does and refuses,
as CuPy does, both `np.asarray` of itself and NumPy arrays mixed into its computations. Every
op-table row runs under `jit`, and its derivative programs (`grad`, `jvp`) and batched program
(`vmap`) too, on StrictArray inputs: the outputs must be StrictArrays equal to the NumPy run
(the same NumPy functions run underneath, so bit for bit, except where an implementation takes
another route for foreign arrays, which the row's tolerance covers), or the program must hold a
primitive marked `numpy_only`, and then the error names it and the array type. So a stray
`np.asarray` in any primitive implementation, or an array created on the host inside a
program, fails here in CI.
"""
import functools
import operator
import pathlib

import numpy as np
import pytest
from op_table import BATCH, COMPOSED, ROWS, assert_matches, cases, leaves
from strict_array import HOST_SYNCS, StrictArray, strict
from test_registry import PRIMS

import functrans as ft
import functrans.numpy as fnp
from functrans import backend, errors, ir, tree_util
from functrans.primitives import transcendental


def _first_case(row, select=lambda c: True):
    for case in cases(row):
        if case.shapes and select(case):
            return case
    return None


def _rows(select=lambda c: True) -> list:
    out = []
    for row in ROWS:
        case = _first_case(row, select)
        if case is not None:
            out.append(pytest.param(case, id=case.id))
    return out


def _numpy_only(fun, args) -> list:
    closed = ft.make_jaxpr(fun)(*args)
    return [p.name for p in backend.numpy_only_primitives(closed.jaxpr)]


# Primitives whose evaluation reads values on the host (docs/backends.md, "Host
# synchronization"): a while loop's predicate each trip, a cond's index, and the series and
# rejection loops of the gamma sampler's derivative. Any other program runs without one.
_SYNCING = {"while", "cond", "random_gamma_grad"}


def _syncing(fun, args) -> bool:
    stack, seen = [ft.make_jaxpr(fun)(*args).jaxpr], set()
    while stack:
        jaxpr = stack.pop()
        for eqn in jaxpr.eqns:
            seen.add(eqn.primitive.name)
            for p in eqn.params.values():
                for sub in (p if isinstance(p, (tuple, list)) else (p,)):
                    if isinstance(sub, ir.ClosedJaxpr):
                        stack.append(sub.jaxpr)
                    elif isinstance(sub, ir.Jaxpr):
                        stack.append(sub)
    return bool(seen & _SYNCING)


def _host(tree):
    return tree_util.tree_map(lambda x: x.get() if isinstance(x, StrictArray) else x, tree)


def _check_on_strict(fun, args, row, what):
    """`jit(fun)` on StrictArray inputs: StrictArray outputs equal to the NumPy run, or the
    clear error of a NumPy-only primitive."""
    want = ft.jit(fun)(*args)
    sargs = tree_util.tree_map(strict, args)
    only = _numpy_only(fun, args)
    if only:
        with pytest.raises(errors.FunctransTypeError, match=f"primitive ({'|'.join(only)}) "
                           "runs only on NumPy arrays.*StrictArray"):
            ft.jit(fun)(*sargs)
        return
    before = HOST_SYNCS[0]
    got = ft.jit(fun)(*sargs)
    syncs = HOST_SYNCS[0] - before
    for g in leaves(got):
        assert isinstance(g, StrictArray), f"{what}: an output came back as {type(g)}"
    assert syncs == 0 or _syncing(fun, args), (
        f"{what}: {syncs} device-to-host transfers (float(), bool(), .item(), ...) in a "
        f"program without a primitive of {sorted(_SYNCING)}: a hidden sync on a GPU, and a "
        "computation of the graph on Dask")
    assert_matches(_host(got), want, row, what, tol=max(row.tol, COMPOSED))


def _has_array(args) -> bool:
    return any(isinstance(x, np.ndarray) for x in leaves(args))


@pytest.mark.parametrize("case", _rows(lambda c: _has_array(c.args())))
def test_op_table_on_strict_arrays(case):
    _check_on_strict(case.row.fun, case.args(), case.row, "jit on StrictArray")


def _differentiable(case) -> bool:
    return (case.row.grad_order > 0 and case.is_f64 and bool(case.row.diff_args(len(case.shapes)))
            and _has_array(case.args()))


def _sum_all(tree):
    # Squares: the cotangent depends on the inputs, so even a linear row's transposed
    # program runs on StrictArrays (the gradient of a plain sum of a linear function is a
    # constant, folded at trace time, and no transpose rule would run).
    return functools.reduce(operator.add, [fnp.sum(fnp.real(x) ** 2) for x in leaves(tree)])


def _grad_program(case):
    """`grad` of the squared outputs' sum (`_sum_all`) in the row's differentiated arguments."""
    def loss(*a):
        return _sum_all(case.row.fun(*a))
    return ft.grad(loss, argnums=tuple(case.row.diff_args(len(case.shapes))))


@pytest.mark.parametrize("case", _rows(_differentiable))
def test_derivative_programs_on_strict_arrays(case):
    args = case.args()
    nums = tuple(case.row.diff_args(len(args)))
    _check_on_strict(_grad_program(case), args, case.row, "grad on StrictArray")
    # The tangents are arguments too: closed-over NumPy tangents would make a linear row's
    # tangent program a constant, folded at trace time.
    tangents = tuple(np.ones_like(args[i]) for i in nums)
    n = len(args)

    def forward(*a_and_t):
        restricted, primals = case.restricted(a_and_t[:n])
        return ft.jvp(restricted, primals, tuple(a_and_t[n:]))

    _check_on_strict(forward, (*args, *tangents), case.row, "jvp on StrictArray")


def _batchable(case) -> bool:
    return _has_array(case.args()) and all(k not in "pq" for k in case.kinds)


def _batched_args(case) -> tuple:
    """`BATCH` seeded draws of the case's arguments, stacked on a leading axis."""
    examples = [case.args(e) for e in range(BATCH)]
    return tuple(np.stack([np.asarray(ex[i]) for ex in examples])
                 for i in range(len(examples[0])))


@pytest.mark.parametrize("case", _rows(_batchable))
def test_batched_programs_on_strict_arrays(case):
    _check_on_strict(ft.vmap(case.row.fun), _batched_args(case), case.row,
                     "vmap on StrictArray")


# --------------------------------------------------------------------------- the machinery


def test_numpy_only_primitives_say_why_and_are_documented():
    page = (pathlib.Path(__file__).parent.parent / "docs" / "backends.md").read_text()
    marked = [p for p in PRIMS.values() if p.numpy_only is not None]
    assert marked, "pure_callback at least is NumPy-only"
    for p in marked:
        assert len(p.numpy_only) > 20, p.name
        assert f"`{p.name}`" in page, f"docs/backends.md does not list {p.name}"


def test_strict_array_refuses_what_cupy_refuses():
    s = strict(np.ones(3))
    with pytest.raises(TypeError, match="device-to-host"):
        np.asarray(s)
    with pytest.raises(TypeError, match="host-to-device"):
        np.add(s, np.ones(3))
    assert isinstance(np.sum(s), StrictArray)


def test_results_stay_in_the_namespace_and_host_syncs_are_explicit():
    x = strict(np.linspace(0.0, 1.0, 4))
    before = HOST_SYNCS[0]
    g = ft.jit(ft.grad(lambda x: fnp.sum(fnp.sin(x) * x)))(x)
    assert isinstance(g, StrictArray)
    assert HOST_SYNCS[0] == before, "a gradient needs no device-to-host transfer"
    np.testing.assert_allclose(g.get(), np.cos(x.get()) * x.get() + np.sin(x.get()))


def test_numpy_values_mixed_with_foreign_ones_are_moved_in():
    """Parameters as NumPy arrays and data as foreign arrays: the NumPy ones are moved into
    the foreign namespace at the program's entry (as CuPy users would `cupy.asarray` them)."""
    w = np.array([0.5, -1.0])
    X = strict(np.arange(6.0).reshape(3, 2))
    g = ft.grad(lambda w, X: fnp.sum(fnp.tanh(X @ w)))(w, X)
    assert isinstance(g, StrictArray)
    want = ft.grad(lambda w, X: fnp.sum(fnp.tanh(X @ w)))(w, X.get())
    np.testing.assert_array_equal(g.get(), want)


def test_a_failing_impl_names_the_primitive_the_type_and_the_line():
    x = strict(np.ones(2))
    saved = transcendental.sin_p.impl
    try:
        transcendental.sin_p.def_impl(lambda x: np.sin(np.asarray(x)))   # a stray np.asarray
        with pytest.raises(errors.FunctransTypeError,
                           match=r"primitive sin \(traced at .*test_backend_strict.py:\d+\) "
                                 r"failed on strict_array.StrictArray arrays: HostConversionError"):
            ft.jit(lambda x: fnp.sin(x) * 2.0)(x)
    finally:
        transcendental.sin_p.def_impl(saved)


def test_vmap_and_jacobians_on_strict_arrays():
    f = lambda x: fnp.tanh(x) * fnp.sum(x ** 2)   # noqa: E731
    x = np.array([0.1, -0.3, 0.7])
    for transform in (ft.jacfwd, ft.jacrev, ft.hessian):
        got = transform(f if transform is not ft.hessian else lambda x: fnp.sum(f(x)))(strict(x))
        want = transform(f if transform is not ft.hessian else lambda x: fnp.sum(f(x)))(x)
        assert isinstance(got, StrictArray)
        np.testing.assert_allclose(got.get(), want, rtol=1e-14)


def test_functrans_numpy_at_top_level_binds_on_the_foreign_namespace():
    """Outside any transformation, a functrans.numpy call on foreign arrays evaluates its
    primitives there too (one-equation programs), block-wise primitives included."""
    x = np.array([[3.0, 1.0, 2.0], [0.5, -1.0, 4.0]])
    for fun in (lambda x: fnp.sort(x, axis=1), lambda x: fnp.sum(fnp.exp(x) * 2.0, axis=0),
                lambda x: fnp.linalg.cholesky(fnp.add(x @ x.T, np.eye(2))),
                lambda x: x[:, 1:] ** 2):
        got = fun(strict(x))
        assert isinstance(got, StrictArray)
        np.testing.assert_allclose(got.get(), fun(x), rtol=1e-15)



def test_foreign_constants_fold_on_their_namespace_inside_a_trace():
    """A StrictArray closed over by a transformed function that jit traces: grad's program,
    inlined into jit's trace, folds its equations on concrete values (the constant and NumPy
    values such as the cotangent's ones). They go through the backend, which moves the NumPy
    values in, as CuPy needs; the impl used to get the mix and fail."""
    c_host = np.array([2.0, -1.0, 0.5])
    c = strict(c_host)
    x = np.array([0.3, 0.1, -0.2])
    got = ft.jit(ft.grad(lambda x: fnp.sum(x * c)))(strict(x))
    assert isinstance(got, StrictArray)
    np.testing.assert_array_equal(got.get(), c_host)
    got = ft.jit(ft.grad(lambda x: fnp.sum(fnp.sin(x) * c)))(strict(x))
    assert isinstance(got, StrictArray)
    np.testing.assert_allclose(got.get(), np.cos(x) * c_host, rtol=1e-15)


def test_results_never_alias_foreign_arguments_or_constants():
    """As on NumPy, a result is never an argument or a constant of the program (CuPy and Dask
    arrays assign in place): one returned as it is comes back as a copy."""
    x = strict(np.array([1.0, 2.0]))
    c = strict(np.array([3.0, -1.0]))
    outs = [ft.jit(lambda x: x)(x), ft.jit(lambda x: (x, x))(x)[1],
            ft.grad(lambda x: fnp.sum(x * c))(x), ft.jit(ft.grad(lambda x: fnp.sum(x * c)))(x)]
    for out in outs:
        assert isinstance(out, StrictArray)
        assert out is not x and out is not c
    a, b = ft.jit(lambda x: (x * 2.0, x * 2.0))(x)   # CSE makes them one value
    assert a is not b


def test_every_result_is_of_the_namespace():
    """A constant result, and a Python scalar argument returned as it is, come back as arrays
    of the namespace too (the latter came back as a NumPy array)."""
    x = strict(np.array([1.0, 2.0]))
    for out in (ft.jit(lambda x, s: s)(x, 3.0), ft.jit(lambda x: 2.0)(x),
                ft.jit(lambda x, s: (x, s))(x, 3)[1]):
        assert isinstance(out, StrictArray), type(out)


def test_large_zero_constants_move_as_one_value_signs_and_results_kept():
    """A data-sized constant of zeros (rules' zero tangents: `_helpers.zeros_like_aval`) moves
    in as a broadcast of one zero (backend.run), so a Dask graph or a device gets one value.
    Negative zeros are not replaced, small constants and constants the program returns as
    they are stay whole. (The Dask graph test is in tests/test_backend_dask.py.)"""
    n = 5000
    aval = ir.ShapedArray((n,), np.dtype(np.float64))
    used, returned = ir.Var(aval), ir.Var(aval)
    jaxpr = ir.Jaxpr([used, returned], [], [], [returned])
    zeros, negative = np.zeros(n), np.full(n, -0.0)
    out = backend._zeros_as_broadcasts(jaxpr, [zeros, zeros])
    assert out[0].strides == (0,) and out[1] is zeros
    assert backend._zeros_as_broadcasts(jaxpr, [negative, zeros])[0] is negative
    small = np.zeros(10)
    jaxpr_small = ir.Jaxpr([ir.Var(ir.ShapedArray((10,), small.dtype))], [], [], [])
    assert backend._zeros_as_broadcasts(jaxpr_small, [small])[0] is small
    ones = np.ones(n)
    assert backend._zeros_as_broadcasts(jaxpr, [ones, zeros])[0] is ones
    # A gradient program with such constants, on strict arrays, equals NumPy's.
    x = np.linspace(-2.0, 2.0, n)
    f = ft.jit(ft.grad(lambda x: fnp.sum(fnp.where(x > 0, x, 0.0) ** 2)))
    np.testing.assert_array_equal(f(strict(x))._a, f(x))
