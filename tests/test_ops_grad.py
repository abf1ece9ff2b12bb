"""Derivatives of every differentiable op-table case, in float64 on its smooth domain.

`check_grads` (forward and reverse mode, to the row's order) against finite differences;
`jacfwd == jacrev ==` a central-difference Jacobian with respect to the first differentiated
argument (shape `out.shape + x.shape`); and the programs of `grad`, `jacfwd` and `jacrev` pass
`check_jaxpr`.
"""
import functools
import operator

import numpy as np
import pytest
from op_table import leaves, params

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads

# (eps, atol, rtol) of the finite differences by the outputs' precision: float64 inputs may
# give float32 outputs (astype, asarray(dtype=...)), whose rounding needs a bigger step.
FD = {np.dtype(np.float64): (1e-6, 1e-6, 1e-5), np.dtype(np.float32): (1e-2, 2e-2, 2e-2)}


def _differentiable(case) -> bool:
    return (case.row.grad_order > 0 and case.is_f64
            and bool(case.row.diff_args(len(case.shapes))))


CASES = params("grad", _differentiable)


def _first_arg_fun(case):
    fun, diff = case.restricted()   # of the differentiated arguments
    rest = diff[1:]
    return (lambda x: fun(x, *rest)), diff[0]


def _fd_settings(fun, args) -> tuple[float, float, float]:
    dts = [np.asarray(o).dtype for o in leaves(fun(*args))]
    return FD[np.dtype(np.float32)] if np.dtype(np.float32) in dts else FD[np.dtype(np.float64)]


def _sum_all(tree):
    return functools.reduce(operator.add, [fnp.sum(x) for x in leaves(tree)])


def _fd_jacobian(g, x, eps: float) -> list:
    """Central-difference Jacobian of every output leaf of `g`, shape out.shape + x.shape."""
    x = np.asarray(x)
    outs = [np.asarray(o) for o in leaves(g(x))]
    jacs = [np.zeros(o.shape + x.shape) for o in outs]
    for j in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[j] = eps
        plus, minus = leaves(g(x + e)), leaves(g(x - e))
        for jac, p, m in zip(jacs, plus, minus, strict=True):
            jac[(...,) + j] = (np.asarray(p) - np.asarray(m)) / (2 * eps)
    return jacs


@pytest.mark.parametrize("case", CASES)
def test_check_grads(case):
    fun, diff = case.restricted()   # of the differentiated arguments
    eps, atol, rtol = _fd_settings(fun, diff)
    check_grads(fun, diff, order=case.row.grad_order, modes=("fwd", "rev"), eps=eps, atol=atol,
                rtol=rtol)


@pytest.mark.parametrize("case", params("jac", _differentiable))
def test_jacfwd_jacrev_finite_differences(case):
    g, x = _first_arg_fun(case)
    outs = leaves(g(x))
    fwd, rev = leaves(ft.jacfwd(g)(x)), leaves(ft.jacrev(g)(x))
    eps, atol, rtol = _fd_settings(g, (x,))
    fd = _fd_jacobian(g, x, eps)
    for out, jf, jr, jd in zip(outs, fwd, rev, fd, strict=True):
        want_shape = np.shape(out) + np.shape(x)
        assert np.shape(jf) == want_shape, f"jacfwd shape {np.shape(jf)} != {want_shape}"
        assert np.shape(jr) == want_shape, f"jacrev shape {np.shape(jr)} != {want_shape}"
        np.testing.assert_allclose(jf, jr, rtol=1e-12, atol=1e-12, err_msg="jacfwd vs jacrev")
        np.testing.assert_allclose(jf, jd, rtol=rtol, atol=atol, err_msg="jacfwd vs differences")


@pytest.mark.parametrize("case", params("jaxpr", _differentiable))
def test_transformed_programs_check(case):
    fun, diff = case.restricted()   # of the differentiated arguments
    argnums = tuple(range(len(diff)))
    ft.check_jaxpr(ft.make_jaxpr(ft.grad(lambda *a: _sum_all(fun(*a)), argnums))(*diff))
    g, x = _first_arg_fun(case)
    ft.check_jaxpr(ft.make_jaxpr(ft.jacfwd(g))(x))
    ft.check_jaxpr(ft.make_jaxpr(ft.jacrev(g))(x))
