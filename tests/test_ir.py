"""Readable IR: golden `make_jaxpr` dumps of derivatives, and a checker run over many
functions and transformations asserting that transformed programs hold no dead, duplicated or
identity equations (STYLE.md, "test_ir.py"; API.md, "The IR dump").
"""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import core, ir
from functrans.primitives import elementwise, shape, transcendental


def f(x):
    return fnp.sum(fnp.sin(x) * x ** 2)


X = np.array([0.1, 0.2, 0.3])

# --------------------------------------------------------------------------- golden dumps

# d/dx sum(sin x * x^2) = cos x * x^2 + sin x * 2x, with the cotangent 1.0 multiplied away.
GRAD = """\
{ lambda ; a:f64[3]. let
    b:f64[3] = sin a
    c:f64[3] = cos a
    d:f64[3] = integer_pow[y=2] a
    e:f64[3] = mul 2.0:f64[] a
    f:f64[3] = mul b e
    g:f64[3] = mul d c
    h:f64[3] = add f g
  in (h,) }"""

# The gradient's JVP batched over the standard basis (a = I; b = 2I, the tangent of 2x):
# each product rule term is a row-scaled identity, then the Jacobian is transposed into place.
JACFWD_GRAD = """\
{ lambda a:f64[3,3] b:f64[3,3]; c:f64[3]. let
    d:f64[3] = sin c
    e:f64[3] = cos c
    f:f64[3,3] = broadcast_in_dim[shape=(3, 3) broadcast_dimensions=(1,)] e
    g:f64[3,3] = mul a f
    h:f64[3,3] = broadcast_in_dim[shape=(3, 3) broadcast_dimensions=(1,)] d
    i:f64[3,3] = mul a h
    j:f64[3,3] = neg i
    k:f64[3] = integer_pow[y=2] c
    l:f64[3] = mul 2.0:f64[] c
    m:f64[3,3] = broadcast_in_dim[shape=(3, 3) broadcast_dimensions=(1,)] l
    n:f64[3,3] = mul a m
    o:f64[3,3] = mul g m
    p:f64[3,3] = mul h b
    q:f64[3,3] = add o p
    r:f64[3,3] = mul n f
    s:f64[3,3] = broadcast_in_dim[shape=(3, 3) broadcast_dimensions=(1,)] k
    t:f64[3,3] = mul s j
    u:f64[3,3] = add r t
    v:f64[3,3] = add q u
    w:f64[3,3] = transpose[permutation=(1, 0)] v
  in (w,) }"""

# jacrev of a scalar function is a plain VJP (one basis cotangent), so the Hessian is the
# same short program as jacfwd(grad).
HESSIAN = JACFWD_GRAD


def test_golden_grad():
    closed = ft.make_jaxpr(ft.grad(f))(X)
    assert str(closed) == GRAD
    assert len(closed.eqns) < 12
    np.testing.assert_allclose(closed(X)[0], np.cos(X) * X ** 2 + np.sin(X) * 2 * X)


def test_golden_jacfwd_grad():
    closed = ft.make_jaxpr(ft.jacfwd(ft.grad(f)))(X)
    assert str(closed) == JACFWD_GRAD
    assert len(closed.eqns) < 50
    np.testing.assert_array_equal(closed.consts[0], np.eye(3))
    np.testing.assert_array_equal(closed.consts[1], 2 * np.eye(3))
    diag = 2 * np.sin(X) + 4 * X * np.cos(X) - X ** 2 * np.sin(X)
    np.testing.assert_allclose(closed(X)[0], np.diag(diag), rtol=1e-14)


def test_golden_hessian():
    closed = ft.make_jaxpr(ft.hessian(f))(X)
    assert str(closed) == HESSIAN
    diag = 2 * np.sin(X) + 4 * X * np.cos(X) - X ** 2 * np.sin(X)
    np.testing.assert_allclose(closed(X)[0], np.diag(diag), rtol=1e-14)


# --------------------------------------------------------------------------- the checker


def _uniform(value):
    if not isinstance(value, (np.ndarray, np.generic)) or np.size(value) == 0:
        return None
    flat = np.asarray(value).reshape(-1)
    bits = flat.view(np.dtype(f"u{flat.dtype.itemsize}"))
    return flat[0] if (bits == bits[0]).all() else None


def _scalar(atom, consts):
    if isinstance(atom, ir.Literal):
        return np.asarray(atom.val)[()]
    return _uniform(consts.get(atom))


def _identity_reason(eqn, defs, consts) -> str | None:
    """Why `eqn` computes nothing new (an identity or a foldable pair), or None."""
    name, p, ins = eqn.primitive.name, eqn.params, eqn.invars
    out = eqn.outvars[0].aval if eqn.outvars else None
    same = [a.aval.shape == out.shape for a in ins] if out is not None else []
    if name in ("add", "sub", "mul", "div"):
        sx, sy = (_scalar(a, consts) for a in ins)
        if name == "add" and (sx == 0 and same[1] or sy == 0 and same[0]):
            return "adds zero"
        if name == "sub" and sy == 0 and same[0]:
            return "subtracts zero"
        if name == "mul" and (sx in (1, -1) and same[1] or sy in (1, -1) and same[0]):
            return "multiplies by one"
        if name == "div" and sy == 1 and same[0]:
            return "divides by one"
    if name in ("add", "sub", "mul", "div", "max", "min", "pow"):
        for a, s in zip(ins, same[::-1], strict=True):
            d = defs.get(a)
            if a.aval.shape and s and (_scalar(a, consts) is not None or d is not None and
                                       d.primitive is shape.broadcast_in_dim_p
                                       and d.invars[0].aval.shape == ()):
                return "has a broadcast scalar operand"
    if name == "select" and ins[1] is ins[2]:
        return "selects between equal cases"
    if name == "integer_pow" and p["y"] == 1:
        return "raises to the power 1"
    identity = {
        "reshape": lambda: True, "broadcast_in_dim": lambda: True,
        "convert_element_type": lambda: True, "concatenate": lambda: True,
        "reduce_sum": lambda: not p["axes"], "rev": lambda: not p["dimensions"],
        "transpose": lambda: p["permutation"] == tuple(range(out.ndim)),
        "slice": lambda: p["strides"] in (None, (1,) * out.ndim)
        and not any(p["start_indices"]),
    }
    if name in identity and len(ins) == 1 and ins[0].aval.same_type(out) and identity[name]():
        return "maps its operand to itself"
    d = defs.get(ins[0]) if ins else None
    if d is not None and d.primitive is eqn.primitive and name in (
            "neg", "reshape", "transpose", "broadcast_in_dim", "rev"):
        return f"is a {name} of a {name}"
    return None


def check_readable(closed: ir.ClosedJaxpr) -> None:
    """Assert: well typed, and no dead, duplicated or identity equations (sub-jaxprs too)."""
    ft.check_jaxpr(closed)
    consts = {v: c for v, c in zip(closed.jaxpr.constvars, closed.consts, strict=True)}
    todo = [(closed.jaxpr, True)]
    while todo:
        jaxpr, top = todo.pop()
        used = {v for e in jaxpr.eqns for v in e.invars if isinstance(v, ir.Var)}
        used.update(v for v in jaxpr.outvars if isinstance(v, ir.Var))
        seen: dict = {}
        defs: dict = {}
        for eqn in jaxpr.eqns:
            where = f"{eqn.primitive.name} in\n{closed}"
            live = [v in used for v in eqn.outvars]
            assert (all(live) if top else any(live)), f"dead equation {where}"
            key = (eqn.primitive, repr(sorted(eqn.params.items(), key=lambda kv: kv[0])),
                   tuple(v if isinstance(v, ir.Var) else (v.aval, np.asarray(v.val).tobytes())
                         for v in eqn.invars))
            assert key not in seen, f"duplicated equation {where}"
            seen[key] = eqn
            reason = _identity_reason(eqn, defs, consts)
            assert reason is None, f"equation {reason}: {where}"
            defs.update((v, eqn) for v in eqn.outvars)
            if isinstance(eqn.primitive, core.HigherOrderPrimitive):
                for sub in eqn.primitive.subjaxprs(eqn.params):
                    todo.append((sub.jaxpr if isinstance(sub, ir.ClosedJaxpr) else sub, False))
        for c in closed.consts:
            assert not isinstance(c, core.Tracer)


def test_checker_catches_what_it_should():
    # The checker itself: each defect, written into an unoptimized program, is reported.
    def traced(fun, *args):
        jaxpr, consts = core.trace_flat(lambda *xs: [fun(*xs)], [core.get_aval(a) for a in args])
        return ir.ClosedJaxpr(jaxpr, consts)

    defects = {
        "dead": lambda x: (transcendental.cos(x), transcendental.sin(x))[1],
        "duplicated": lambda x: elementwise.add(transcendental.sin(x), transcendental.sin(x)),
        "multiplies by one": lambda x: elementwise.mul(x, np.float64(1.0)),
        "adds zero": lambda x: elementwise.add(x, np.zeros(3)),
        "maps its operand to itself": lambda x: shape.reshape_p.bind(x, new_sizes=(3,)),
        "broadcast scalar": lambda x: elementwise.mul(x, np.full(3, 2.0)),
        "reshape of a reshape": lambda x: shape.reshape_p.bind(
            shape.reshape_p.bind(x, new_sizes=(1, 3)), new_sizes=(3, 1)),
        "reduce_sum": lambda x: shape.reduce_sum_p.bind(x, axes=()),
    }
    for what, fun in defects.items():
        with pytest.raises(AssertionError, match=what.split()[0]):
            check_readable(traced(fun, X))
    check_readable(ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(X))


# ------------------------------------------------------------------- functions × transformations

RNG = np.random.default_rng(0)
W = RNG.standard_normal((4, 4))
B = RNG.standard_normal(4)
A = RNG.standard_normal((5, 4))
C = RNG.standard_normal((2, 4))

FUNCTIONS = {
    "sin_x_squared": f,
    "tanh_layer": lambda x: fnp.sum(fnp.tanh(W @ x + B)),
    "logsumexp": lambda x: fnp.log(fnp.sum(fnp.exp(x - fnp.max(x)))) + fnp.max(x),
    "where": lambda x: fnp.sum(fnp.where(x > 0, x ** 2, -x)),
    "variance": lambda x: fnp.mean((x - fnp.mean(x)) ** 2),
    "softplus_ridge": lambda x: fnp.sum(fnp.log1p(fnp.exp(A @ x))) + 0.5 * x @ x,
    "cumsum": lambda x: fnp.sum(fnp.cumsum(x) * x),
    "neighbours": lambda x: fnp.sum(x[1:] * x[:-1]) + x[0] ** 3,
    "concat_reshape": lambda x: fnp.sum(
        fnp.reshape(fnp.concatenate([x, x ** 2]), (2, 4)) * C),
    "maximum_sqrt": lambda x: fnp.sum(fnp.maximum(x, 0.5) * fnp.sqrt(fnp.abs(x) + 1.0)),
    "division": lambda x: fnp.sum(1.0 / (1.0 + x ** 2)) - fnp.prod(x) / 3.0,
    "matrix": lambda x: fnp.sum(fnp.outer(x, x) @ W),
}


def _jvp_of_grad(fun):
    return lambda x: ft.jvp(ft.grad(fun), (x,), (fnp.ones_like(x),))[1]


TRANSFORMS = {
    "grad": ft.grad,
    "value_and_grad": ft.value_and_grad,
    "jacfwd_grad": lambda fun: ft.jacfwd(ft.grad(fun)),
    "jacrev_grad": lambda fun: ft.jacrev(ft.grad(fun)),
    "hessian": ft.hessian,
    "jvp_grad": _jvp_of_grad,
    "jit_grad": lambda fun: ft.jit(ft.grad(fun)),
    "grad_jit": lambda fun: ft.grad(ft.jit(fun)),
    "vmap_grad": lambda fun: ft.vmap(ft.grad(fun)),
}
X4 = np.array([0.3, -0.7, 1.1, 0.2])


@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_transformed_ir_is_readable(name, transform):
    fun = TRANSFORMS[transform](FUNCTIONS[name])
    x = np.stack([X4, -X4]) if transform == "vmap_grad" else X4
    closed = ft.make_jaxpr(fun)(x)
    check_readable(closed)
    for got, want in zip(closed(x), ft.tree_util.tree_leaves(fun(x)), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
