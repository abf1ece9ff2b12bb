"""Numerical checks of derivatives, for users' property tests and ours.

`check_grads` compares forward mode against central finite differences and reverse mode
against forward mode by the adjoint identity `<u, J v> == <J^T u, v>`, up to any order. When a
check fails it does not stop at a bare tolerance error: it re-checks the traced program one
equation at a time and names the first primitive whose rule disagrees with finite
differences, with its input shapes and the user's source line.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from functrans import api, core, evaluate, ir, tree_util

_DEFAULTS = {  # dtype -> (eps, atol, rtol)
    np.dtype(np.float64): (1e-6, 1e-6, 1e-5),
    np.dtype(np.float32): (1e-2, 2e-2, 2e-2),
    np.dtype(np.float16): (1e-1, 1e-1, 1e-1),
}


class GradCheckError(AssertionError):
    """A derivative disagrees with its numerical reference (message says where)."""


def _default(args: Any, which: int, given: float | None) -> float:
    if given is not None:
        return given
    leaves = [np.asarray(x) for x in tree_util.tree_leaves(args)]
    dts = [x.dtype for x in leaves if x.dtype.kind == "f"] or [np.dtype(np.float64)]
    worst = max(dts, key=lambda d: _DEFAULTS.get(d, _DEFAULTS[np.dtype(np.float32)])[which])
    return _DEFAULTS.get(worst, _DEFAULTS[np.dtype(np.float32)])[which]


def _rand_like(rng: np.random.Generator, tree: Any) -> Any:
    def one(x: Any) -> np.ndarray:
        x = np.asarray(x)
        if x.dtype.kind != "f":
            return np.zeros(x.shape, x.dtype)
        return rng.standard_normal(x.shape).astype(x.dtype)
    return tree_util.tree_map(one, tree)


def _vdot(a: Any, b: Any) -> float:
    la, lb = tree_util.tree_leaves(a), tree_util.tree_leaves(b)
    return float(sum(np.vdot(np.asarray(x, np.float64), np.asarray(y, np.float64))
                     for x, y in zip(la, lb, strict=True)))


def _axpy(a: float, x: Any, y: Any) -> Any:
    return tree_util.tree_map(
        lambda u, v: (np.asarray(v) + a * np.asarray(u)).astype(np.asarray(v).dtype)
        if np.asarray(v).dtype.kind == "f" else v, x, y)


def numerical_jvp(f: Callable, primals: Sequence, tangents: Sequence, eps: float) -> Any:
    """Central difference `(f(x + eps t) - f(x - eps t)) / (2 eps)`, leafwise over f's output."""
    plus = f(*_axpy(eps, tangents, list(primals)))
    minus = f(*_axpy(-eps, tangents, list(primals)))
    return tree_util.tree_map(
        lambda p, m: (np.asarray(p, np.float64) - np.asarray(m, np.float64)) / (2 * eps),
        plus, minus)


def _assert_close(got: Any, want: Any, atol: float, rtol: float, what: str) -> None:
    for g, w in zip(tree_util.tree_leaves(got), tree_util.tree_leaves(want), strict=True):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        if g.shape != w.shape or not np.allclose(g, w, atol=atol, rtol=rtol, equal_nan=True):
            err = np.max(np.abs(g - w)) if g.shape == w.shape else "shape mismatch"
            raise GradCheckError(f"{what}: max abs error {err} (atol={atol}, rtol={rtol})\n"
                                 f"got:\n{g}\nexpected:\n{w}")


def check_jvp(f: Callable, args: Sequence, *, eps: float | None = None,
              atol: float | None = None, rtol: float | None = None, seed: int = 0) -> None:
    """`jvp(f)` along a random direction equals central finite differences."""
    eps, atol, rtol = (_default(args, 0, eps), _default(args, 1, atol), _default(args, 2, rtol))
    rng = np.random.default_rng(seed)
    tangents = _rand_like(rng, list(args))
    _, t_out = api.jvp(f, tuple(args), tuple(tangents))
    _assert_close(t_out, numerical_jvp(f, args, tangents, eps), atol, rtol,
                  "jvp vs finite differences")


def check_vjp(f: Callable, args: Sequence, *, eps: float | None = None,
              atol: float | None = None, rtol: float | None = None, seed: int = 0) -> None:
    """`<u, J v>` (forward mode, and finite differences) equals `<J^T u, v>` (reverse mode)."""
    eps, atol, rtol = (_default(args, 0, eps), _default(args, 1, atol), _default(args, 2, rtol))
    rng = np.random.default_rng(seed + 1)
    tangents = _rand_like(rng, list(args))
    out, vjp_fun = api.vjp(f, *args)
    u = _rand_like(rng, out)
    ct_in = vjp_fun(u)
    lhs_fd = _vdot(u, numerical_jvp(f, args, tangents, eps))
    rhs = _vdot(ct_in, tangents)
    _assert_close(rhs, lhs_fd, atol, rtol, "vjp <J^T u, v> vs finite differences <u, J v>")
    _, t_out = api.jvp(f, tuple(args), tuple(tangents))
    _assert_close(rhs, _vdot(u, t_out), atol, rtol, "vjp vs jvp (adjoint identity)")


def check_grads(f: Callable, args: Sequence, order: int = 2,
                modes: Sequence[str] = ("fwd", "rev"), eps: float | None = None,
                atol: float | None = None, rtol: float | None = None) -> None:
    """Check `f`'s derivatives in the given modes up to `order` against finite differences.

    Args:
      f: a function of arrays; `args` a tuple of its arguments (float ones are perturbed).
      order: derivatives of order 1..order are checked (order 2 checks the JVP of the JVP,
        the VJP of the VJP, and so on).
      modes: "fwd" checks jvp against finite differences; "rev" checks vjp against them and
        against jvp by the adjoint identity.
      eps, atol, rtol: finite-difference step and tolerances (defaults depend on the dtype:
        1e-6, 1e-6, 1e-5 for float64).

    Raises:
      GradCheckError (an AssertionError): with the failing comparison and, when a single
        primitive's rule is to blame, its name, input shapes and source line.

    Example:
      >>> import numpy as np, functrans.numpy as fnp
      >>> from functrans.test_util import check_grads
      >>> check_grads(fnp.sin, (np.array([0.1, 0.2]),), order=2)
    """
    args = tuple(args)
    try:
        _check_grads_rec(f, args, order, tuple(modes), eps, atol, rtol)
    except GradCheckError as e:
        culprit = locate_bad_rule(f, args, modes, eps, atol, rtol)
        if culprit:
            raise GradCheckError(f"{e}\n\n{culprit}") from None
        raise


def _check_grads_rec(f: Callable, args: tuple, order: int, modes: tuple[str, ...],
                     eps: float | None, atol: float | None, rtol: float | None) -> None:
    if order <= 0:
        return
    rng = np.random.default_rng(order)
    if "fwd" in modes:
        check_jvp(f, args, eps=eps, atol=atol, rtol=rtol)
        tangents = _rand_like(rng, list(args))

        def f_jvp(*primals: Any) -> Any:
            return api.jvp(f, primals, tuple(tangents))[1]
        _check_grads_rec(f_jvp, args, order - 1, modes, eps, atol, rtol)
    if "rev" in modes:
        check_vjp(f, args, eps=eps, atol=atol, rtol=rtol)
        u = _rand_like(rng, f(*args))

        def f_vjp(*primals: Any) -> Any:
            return api.vjp(f, *primals)[1](u)
        _check_grads_rec(f_vjp, args, order - 1, modes, eps, atol, rtol)


def locate_bad_rule(f: Callable, args: Sequence, modes: Sequence[str] = ("fwd", "rev"),
                    eps: float | None = None, atol: float | None = None,
                    rtol: float | None = None) -> str | None:
    """The first equation of `f`'s program whose primitive rules fail a first-order check."""
    closed = api.make_jaxpr(f)(*args)
    flat = tree_util.tree_leaves(tuple(args))
    env = dict(zip(closed.jaxpr.constvars, closed.consts, strict=True))
    env.update(zip(closed.jaxpr.invars, flat, strict=True))
    read = evaluate.env_reader(env)
    for eqn in closed.jaxpr.eqns:
        ins = [np.asarray(read(v)) for v in eqn.invars]
        evaluate.write_outputs(env, eqn, eqn.primitive.impl(*ins, **eqn.params))
        if not eqn.primitive.differentiable or not any(x.dtype.kind == "f" for x in ins):
            continue

        def one(*xs: Any, eqn: ir.JaxprEqn = eqn) -> Any:
            return eqn.primitive.bind(*xs, **eqn.params)
        try:
            if "fwd" in modes:
                check_jvp(one, ins, eps=eps, atol=atol, rtol=rtol)
            if "rev" in modes:
                check_vjp(one, ins, eps=eps, atol=atol, rtol=rtol)
        except GradCheckError as e:
            shapes = ", ".join(core.get_aval(x).str_short() for x in ins)
            where = eqn.source_info.long() if eqn.source_info else "an unknown line"
            return (f"The first equation whose derivative rule disagrees with finite "
                    f"differences is primitive '{eqn.primitive.name}' with inputs ({shapes}) "
                    f"and params {eqn.params}, created at {where}:\n{e}")
    return None
