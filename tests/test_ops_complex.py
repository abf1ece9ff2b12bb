"""Derivatives of the op table's complex variants (issue 14), in JAX's conventions.

`op_table.complex_cases` gives every row NumPy defines on complex values complex128 (and
complex64) inputs; tests/test_ops.py checks their values and dtypes against NumPy and
tests/test_ops_vmap.py their batching. Here, on the complex128 variants of the differentiable
rows, with a seeded complex tangent `t` for each differentiated argument:

- the JVP is the derivative along the complex direction `t`: `jvp(f, (z,), (t,))` equals the
  central difference `(f(z + h t) - f(z - h t)) / 2h`, for holomorphic functions (complex-linear
  in `t`) and non-holomorphic ones (`abs`, `conj`, `real`, comparisons' selections: the
  Wirtinger form `df/dz t + df/dconj(z) conj(t)`) alike;
  (`op_rows_complex.NO_COMPLEX_DERIVATIVE` names the rows whose JVP deliberately differs,
  with JAX's reason);
- the VJP is the plain (unconjugated) transpose of the JVP: with the bilinear pairing
  `<a, b> = sum(a * b)` (no conjugate), `Re<ct, J t> = Re<J^T ct, t>` for every cotangent
  `ct` (complex for complex outputs, real for real ones), which is the identity JAX's `vjp`
  satisfies (tests/test_complex.py checks it and `grad`'s conjugate on hand-picked functions).

`check_grads` (order 2) is not run on these cases: the suite's time budget; the second-order
rules are the real rows' (test_ops_grad) and, for complex values, tests/test_complex.py's.
"""
import numpy as np
import pytest
from op_table import C128, ROWS, complex_cases, leaves, op_rows_complex, params
from test_complex import _rand_complex

import functrans as ft
import functrans.numpy as fnp

# Central differences of complex128 functions of values of size ~1: step, atol and rtol as
# test_ops_grad's float64 settings.
EPS, ATOL, RTOL = 1e-6, 1e-6, 1e-5


def _differentiable(case) -> bool:
    return (case.is_complex and case.dtypes[0] == C128 and case.row.grad_order > 0
            and case.row.name not in op_rows_complex.NO_COMPLEX_DERIVATIVE
            and bool(case.row.diff_args(len(case.shapes))))


CASES = params("complex_ad", _differentiable)


def _restricted(case):
    """The row's function of its differentiated arguments, the others held fixed, and the
    differentiated arguments' values and seeded complex tangents."""
    restricted, primals = case.restricted()

    def fun(*diff):
        return leaves(restricted(*diff))

    rng = np.random.default_rng(len(case.id))
    tangents = tuple(_rand_complex(rng, np.shape(x), lo=0.5, hi=1.0) for x in primals)
    return fun, primals, tangents


def _inexact(x) -> bool:
    return np.asarray(x).dtype.kind in "fc"


@pytest.mark.parametrize("case", CASES)
def test_jvp_is_the_derivative_along_a_complex_direction(case):
    fun, primals, tangents = _restricted(case)
    outs, out_tangents = ft.jvp(fun, primals, tangents)
    plus = fun(*(x + EPS * t for x, t in zip(primals, tangents, strict=True)))
    minus = fun(*(x - EPS * t for x, t in zip(primals, tangents, strict=True)))
    checked = 0
    for out, jt, p, m in zip(outs, out_tangents, plus, minus, strict=True):
        if not _inexact(out):
            continue
        fd = (np.asarray(p) - np.asarray(m)) / (2 * EPS)
        np.testing.assert_allclose(np.asarray(jt), fd, rtol=RTOL, atol=ATOL,
                                   err_msg="jvp vs central difference along t")
        checked += 1
    assert checked, "no inexact output to differentiate"


@pytest.mark.parametrize("case", CASES)
def test_vjp_is_the_plain_transpose_of_the_jvp(case):
    fun, primals, tangents = _restricted(case)
    outs, vjp_fun = ft.vjp(fun, *primals)
    if not all(_inexact(o) for o in outs):
        pytest.skip("an integer or bool output has no cotangent")
    _, out_tangents = ft.jvp(fun, primals, tangents)
    rng = np.random.default_rng(len(case.id) + 1)
    cts = [_rand_complex(rng, np.shape(o)) if np.asarray(o).dtype.kind == "c"
           else rng.normal(size=np.shape(o)) for o in outs]
    in_cts = vjp_fun(cts)
    # Re<ct, J t> = Re<J^T ct, t> with <a, b> = sum(a * b): no conjugate on either side.
    lhs = sum(np.real(np.sum(c * np.asarray(jt))) for c, jt in zip(cts, out_tangents,
                                                                       strict=True))
    rhs = sum(np.real(np.sum(np.asarray(g) * t)) for g, t in zip(in_cts, tangents, strict=True))
    scale = sum(np.sum(np.abs(c) * np.abs(np.asarray(jt)))
                for c, jt in zip(cts, out_tangents, strict=True))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12 * (1 + scale))


def test_complex_variants_cover_the_table():
    """Most rows get complex variants; every exclusion and tolerance names a row that would
    otherwise have them (no stale entries)."""
    names = {row.name for row in ROWS}
    excluded, tols = set(op_rows_complex.EXCLUDED), set(op_rows_complex.COMPLEX_TOL)
    no_derivative = set(op_rows_complex.NO_COMPLEX_DERIVATIVE)
    for listed in (excluded, tols, no_derivative):
        assert not listed - names, sorted(listed - names)
    with_complex = [row for row in ROWS if complex_cases(row)]
    assert len(with_complex) > 650
    assert not {row.name for row in with_complex} & excluded
    assert len(CASES) > 400


# --------------------------------------------------------------------------- complex order

# Ties in the real parts (the imaginary parts decide), equal values, and nan in either part.
_TIES = np.array([1 + 2j, 1 - 1j, -0.5 + 0j, 1 + 2j, -0.5 + 3j, 2 - 5j])
_NANS = np.array([1 + 1j, complex(np.nan, 0), 1 - 1j, complex(0, np.nan), -2 + 0j])
_ORDERED = ("maximum", "minimum", "fmax", "fmin", "less", "less_equal", "greater",
            "greater_equal")


@pytest.mark.parametrize("values", [_TIES, _NANS], ids=["ties", "nans"])
def test_complex_order_is_lexicographic_as_numpy(values):
    """NumPy and JAX order complex values by real part, then imaginary part (jax.numpy's
    comparisons, lax.max/min, sort, argmax): functrans' elementwise, sorting and reduction
    functions agree with NumPy on ties in the real parts and on nan, eager and under jit."""
    other = np.roll(values, 1)
    for name in _ORDERED:
        for got in (getattr(fnp, name)(values, other),
                    ft.jit(getattr(fnp, name))(values, other)):
            np.testing.assert_array_equal(got, getattr(np, name)(values, other), strict=True,
                                          err_msg=name)
    for name in ("sort", "argsort", "max", "min", "argmax", "argmin", "sort_complex", "ptp"):
        for got in (getattr(fnp, name)(values), ft.jit(getattr(fnp, name))(values)):
            np.testing.assert_array_equal(got, getattr(np, name)(values), strict=True,
                                          err_msg=name)
    lo, hi = 0.5 - 1j, 1 + 1j
    np.testing.assert_array_equal(fnp.clip(values, lo, hi), np.clip(values, lo, hi), strict=True)
    edges = np.sort(values)
    for side in ("left", "right"):
        got = ft.jit(fnp.searchsorted, static_argnums=2)(edges, values, side)
        np.testing.assert_array_equal(got, np.searchsorted(edges, values, side), strict=True)


def test_complex_max_derivative_follows_the_lexicographic_maximum():
    """The chosen entry gets the tangent (the imaginary part breaks the real part's tie); an
    exact tie splits it as for real values (JAX's rule)."""
    z = np.array([1 + 2j, 1 - 1j, 0.5 + 3j])
    t = np.array([1 + 1j, 10.0, 100j])
    _, dz = ft.jvp(fnp.max, (z,), (t,))
    assert dz == 1 + 1j
    _, dz = ft.jvp(fnp.maximum, (z, np.roll(z, 1)), (t, np.zeros(3, complex)))
    np.testing.assert_array_equal(dz, [1 + 1j, 0, 0])
    _, dz = ft.jvp(fnp.max, (np.array([1 + 2j, 1 + 2j]),), (np.array([2.0 + 0j, 4j]),))
    assert dz == 1 + 2j
    # grad of a real function of the lexicographic maximum: JAX's conjugate convention.
    g = ft.grad(lambda z: fnp.abs(fnp.max(z)) ** 2)(z)
    np.testing.assert_allclose(g, [2 * np.conj(z[0]), 0, 0])


@pytest.mark.parametrize("fun", [
    lambda z: fnp.histogram(z, 3), lambda z: fnp.histogram_bin_edges(z, 3),
    lambda z: fnp.histogram2d(z, z.real), lambda z: fnp.histogramdd(z[:, None])],
    ids=["histogram", "histogram_bin_edges", "histogram2d", "histogramdd"])
def test_histograms_of_complex_data_say_so(fun):
    with pytest.raises(ft.errors.FunctransTypeError, match="complex data .* not supported"):
        fun(np.array([1 + 1j, 2 - 1j, 0.5j]))
