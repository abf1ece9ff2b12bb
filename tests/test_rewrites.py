"""Every transformation is a Jaxpr -> Jaxpr function with no evaluation inside.

`jvp_jaxpr`, `linearize_jaxpr`, `vjp_jaxpr`, `grad_jaxpr`, `vmap_jaxpr`, `jacfwd_jaxpr` and
`jacrev_jaxpr` take a closed program and static configuration and return a closed program
that `check_jaxpr` accepts; evaluated, it gives what the public transformation gives. The
programs cover control flow, custom derivatives and jit calls, and closed-over constants.
"""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import core, evaluate, ir, lax
from functrans.interpreters import ad, batching, jacobian, optimize

W = np.array([[0.5, -0.3, 0.1], [0.2, 0.8, -0.6], [-0.4, 0.3, 0.9]])
X = np.array([0.3, -0.7, 1.1])


@ft.custom_jvp
def softplus(x):
    return fnp.log1p(fnp.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t / (1.0 + fnp.exp(-x))


@ft.custom_vjp
def scaled(x):
    return fnp.sin(x)


# bwd is linear in the cotangent, so forward mode (which transposes it) works too.
scaled.defvjp(lambda x: (fnp.sin(x), fnp.cos(x)), lambda c, g: (c * g,))

_inner_jit = ft.jit(lambda v: fnp.sin(v) * v)


def _scan_fn(x):
    h, ys = lax.scan(lambda h, xi: (fnp.tanh(W @ h + xi), h * xi), x, np.stack([X, -X]))
    return h + fnp.sum(ys, axis=0)


PROGRAMS = {
    "elementwise and matmul": lambda x: fnp.tanh(W @ x) * x,
    "closed-over constant": lambda x: fnp.sin(x) * W[0] + fnp.sum(x),
    "cond": lambda x: lax.cond(fnp.sum(x) > 0, lambda v: v * v, lambda v: fnp.sin(v), x),
    "fori_loop (while)": lambda x: lax.fori_loop(0, 3, lambda i, c: fnp.sin(c) * 1.5, x),
    "scan": _scan_fn,
    "custom_jvp": lambda x: softplus(W @ x),
    "custom_vjp": lambda x: scaled(W @ x) * x,
    "jit inside": lambda x: _inner_jit(W @ x) + x,
}


def _closed(f) -> ir.ClosedJaxpr:
    jaxpr, consts = core.trace_flat(lambda x: [f(x)], [core.get_aval(X)])
    return ir.ClosedJaxpr(jaxpr, consts)


def _run(closed, *args):
    ir.check_jaxpr(closed)
    return evaluate.eval_jaxpr(closed.jaxpr, closed.consts, *args)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_forward_mode_rewrites_are_well_typed_and_agree(name):
    f = PROGRAMS[name]
    closed = _closed(f)
    t = np.array([1.0, 0.5, -2.0])
    jvp, _ = ad.jvp_jaxpr(closed, [True], instantiate=True)
    y, ty = _run(jvp, X, t)
    want_y, want_t = ft.jvp(f, (X,), (t,))
    np.testing.assert_allclose(y, want_y, rtol=1e-12)
    np.testing.assert_allclose(ty, want_t, rtol=1e-12)
    primal, lin, _, nres = ad.linearize_jaxpr(closed, [True])
    ir.check_jaxpr(lin)
    outs = _run(primal, X)
    np.testing.assert_allclose(_run(ir.ClosedJaxpr(lin, []), *outs[1:], t)[0], want_t,
                               rtol=1e-12)
    assert len(outs) == 1 + nres


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_reverse_mode_rewrites_are_well_typed_and_agree(name):
    f = PROGRAMS[name]
    closed = _closed(f)
    ct = np.array([0.25, -1.0, 2.0])
    y, g = _run(ad.vjp_jaxpr(closed, [True]), X, ct)
    want_y, vjp_fun = ft.vjp(f, X)
    np.testing.assert_allclose(y, want_y, rtol=1e-12)
    np.testing.assert_allclose(g, vjp_fun(ct)[0], rtol=1e-12)
    scalar = _closed(lambda x: fnp.sum(f(x) * ct))
    grad = ad.grad_jaxpr(scalar, [True])
    _, g = _run(grad, X)
    np.testing.assert_allclose(g, vjp_fun(ct)[0], rtol=1e-12)
    # Optimized, it stays well typed and computes the same.
    np.testing.assert_allclose(_run(optimize.optimize(grad), X)[1], g, rtol=1e-12)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_vmap_and_jacobian_rewrites_are_well_typed_and_agree(name):
    f = PROGRAMS[name]
    closed = _closed(f)
    xs = np.stack([X, 0.5 * X])
    (ys,) = _run(batching.vmap_jaxpr(closed, 2, [0], [0]), xs)
    np.testing.assert_allclose(ys, ft.vmap(f)(xs), rtol=1e-12)
    want = ft.jacfwd(f)(X)
    for rewrite in (jacobian.jacfwd_jaxpr, jacobian.jacrev_jaxpr):
        program = rewrite(closed, [True], 1)
        y, jac = _run(program, X)
        np.testing.assert_allclose(y, f(X), rtol=1e-12)
        np.testing.assert_allclose(jac, want, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(_run(optimize.optimize(program), X)[1], jac, rtol=1e-12,
                                   atol=1e-15)


def test_rewrites_evaluate_nothing():
    """A rewrite records equations: the primal computations of a JVP, a VJP or a Jacobian are
    in the result, not evaluated while building it (the basis is an equation too)."""
    closed = _closed(lambda x: fnp.sin(x) * x)
    for program in (ad.grad_jaxpr(_closed(lambda x: fnp.sum(fnp.sin(x) * x)), [True]),
                    ad.vjp_jaxpr(closed, [True]),
                    jacobian.jacrev_jaxpr(closed, [True], 1),
                    jacobian.jacfwd_jaxpr(closed, [True], 1)):
        names = [e.primitive.name for e in program.eqns]
        assert "sin" in names, names
    names = [e.primitive.name for e in jacobian.jacrev_jaxpr(closed, [True], 1).eqns]
    assert "identity_basis" in names


def test_vjp_split_takes_the_residuals_as_inputs():
    closed = _closed(lambda x: fnp.sin(x) * x)
    primal, transposed, nres, out_nz = ad.vjp_split(closed, [True])
    assert out_nz == [True] and nres >= 1
    assert len(transposed.jaxpr.invars) == nres + 1
    outs = _run(primal, X)
    ct = np.array([1.0, -2.0, 0.5])
    (g,) = _run(transposed, *outs[1:], ct)
    y, g_one = _run(ad.vjp_jaxpr(closed, [True]), X, ct)
    np.testing.assert_array_equal(y, outs[0])
    np.testing.assert_array_equal(g, g_one)
