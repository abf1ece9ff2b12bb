"""Direct numerical checks of one primitive's rules, called eagerly on NumPy arrays.

These check a rule in isolation (no tracing, no transformation): the JVP against central
finite differences, the transpose by the adjoint identity against the primitive itself, and
the batching rule against a loop over the batch. The op-table tests check the same rules
again through the real transformations.
"""
from __future__ import annotations

import numpy as np

from functrans import core, ir


def _rand_like(rng, x):
    x = np.asarray(x)
    return rng.standard_normal(x.shape).astype(x.dtype)


def check_jvp_rule(prim: core.Primitive, args, params=None, *, diff_argnums=None,
                   eps=1e-6, rtol=1e-6, atol=1e-8, seed=0):
    """JVP rule vs central differences along a random direction in the float arguments."""
    params = params or {}
    rng = np.random.default_rng(seed)
    args = [np.asarray(a) for a in args]
    if diff_argnums is None:
        diff_argnums = [i for i, a in enumerate(args) if a.dtype.kind == "f"]
    tangents = [(_rand_like(rng, a) if i in diff_argnums else ir.Zero(core.get_aval(a)))
                for i, a in enumerate(args)]
    out, t_out = prim.jvp(args, tangents, **params)
    ref = prim.impl(*args, **params)
    for o, r in zip(_as_list(prim, out), _as_list(prim, ref), strict=True):
        np.testing.assert_allclose(o, r, rtol=1e-12, atol=0)

    def shifted(sign):
        moved = [a + sign * eps * t if i in diff_argnums else a
                 for i, (a, t) in enumerate(zip(args, tangents, strict=True))]
        return _as_list(prim, prim.impl(*moved, **params))

    fd = [(p - m) / (2 * eps) for p, m in zip(shifted(1), shifted(-1), strict=True)]
    for t, f in zip(_as_list(prim, t_out), fd, strict=True):
        t = np.zeros_like(f) if isinstance(t, ir.Zero) else t
        np.testing.assert_allclose(t, f, rtol=rtol, atol=atol)


def check_transpose_rule(prim: core.Primitive, args, linear_argnums, params=None, *,
                         seed=0, rtol=1e-10, atol=1e-10):
    """<ct, f(v)> == <transpose(ct), v> for the primitive linear in `linear_argnums`."""
    params = params or {}
    rng = np.random.default_rng(seed)
    args = [np.asarray(a) for a in args]
    out = prim.impl(*args, **params)
    ct = _rand_like(rng, out)
    undef = [ir.UndefPrimal(core.get_aval(a)) if i in linear_argnums else a
             for i, a in enumerate(args)]
    cts_in = prim.transpose(ct, *undef, **params)
    assert len(cts_in) == len(args), f"{prim}: transpose must return one entry per input"
    lhs = np.sum(ct * out)
    rhs = 0.0
    for i, (a, c) in enumerate(zip(args, cts_in, strict=True)):
        if i in linear_argnums:
            assert c is not None, f"{prim}: missing cotangent for linear input {i}"
            c = np.zeros_like(a) if isinstance(c, ir.Zero) else c
            assert np.shape(c) == a.shape, f"{prim}: cotangent shape {np.shape(c)} != {a.shape}"
            rhs += np.sum(c * a)
        else:
            assert c is None, f"{prim}: non-linear input {i} got a cotangent"
    np.testing.assert_allclose(lhs, rhs, rtol=rtol, atol=atol)


def check_batch_rule(prim: core.Primitive, args, dims, params=None, *, axis_size=None):
    """Batching rule vs applying the primitive to each slice and stacking."""
    params = params or {}
    args = [np.asarray(a) for a in args]
    if axis_size is None:
        axis_size = next(a.shape[d] for a, d in zip(args, dims, strict=True) if d is not None)
    out, out_dim = prim.batch(args, list(dims), axis_size=axis_size, **params)
    outs = _as_list(prim, out)
    out_dims = list(out_dim) if prim.multiple_results else [out_dim]
    per = []
    for b in range(axis_size):
        sl = [a if d is None else np.take(a, b, axis=d) for a, d in zip(args, dims, strict=True)]
        per.append(_as_list(prim, prim.impl(*sl, **params)))
    for k, (o, d) in enumerate(zip(outs, out_dims, strict=True)):
        expect = np.stack([p[k] for p in per], axis=0)
        got = np.asarray(o) if d is None else np.moveaxis(np.asarray(o), d, 0)
        if d is None:
            got = np.broadcast_to(got, expect.shape)
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-12)
        assert got.dtype == expect.dtype, f"{prim}: batched dtype {got.dtype} != {expect.dtype}"


def _as_list(prim, out):
    return list(out) if prim.multiple_results else [out]
