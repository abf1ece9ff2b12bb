"""Special-function primitives evaluated by SciPy, each with all of its rules.

They live here, not in `functrans.primitives` (which everything imports and which needs
NumPy only), and are registered like any other primitive: `tests/test_registry.py` checks
this module's primitives too. Each is one call of the elementwise factories (impl, shape rule,
batching, FLOPs); its JVP is written beside it with primitive wrappers and stated as math in a
comment. A derivative SciPy's function has no closed form for (the order `n` of polygamma,
the first arguments of zeta and gammainc) raises `FunctransTypeError` naming the argument.
Does not own the user-facing functions (`functrans.scipy.special`).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from functrans import backend, core, errors, ir
from functrans.primitives import _helpers, comparison, elementwise, transcendental
from functrans.primitives import shape as shape_prims

try:
    import scipy.special as _sp
except ImportError as exc:   # pragma: no cover - the test extra pins SciPy
    raise ImportError(
        "functrans.scipy needs SciPy, an optional dependency: install it with "
        "`pip install functrans[scipy]` (or `pip install scipy`).") from exc

add = elementwise.add
sub = elementwise.sub
mul = elementwise.mul
div = elementwise.div
neg = elementwise.neg
exp = transcendental.exp
log = transcendental.log
scalar_like = elementwise.scalar_like
select = elementwise.select

_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT_PI = math.sqrt(math.pi)


def _impl(fun: Any) -> Any:
    """SciPy's `fun`, its result in the (first) operand's dtype (primitives are strict: both
    operands have it)."""
    def impl(*args: Any) -> Any:
        return backend.asarray(fun(*args), backend.asarray(args[0]).dtype)
    return impl


def _unary(name: str, fun: Any, jvp: Any) -> Any:
    return elementwise.unary_elementwise(name, _impl(fun), jvp)


def _no_derivative(name: str, arg: str) -> Any:
    """A JVP contribution that refuses: SciPy's function has no closed-form derivative there."""
    def jvp(t: Any, x: Any, y: Any, out: Any) -> Any:
        raise errors.FunctransTypeError(
            f"{name}: no derivative with respect to its first argument `{arg}` (none in closed "
            f"form); differentiate with respect to the second argument only, holding `{arg}` "
            "fixed (a constant, or ft.stop_gradient).")
    return jvp


def _safe_nonzero(x: Any) -> Any:
    """x with its zeros replaced by ones (the untaken branch of a select must stay finite)."""
    return select(comparison.eq(x, scalar_like(0, x)), _ones(x), x)


# --------------------------------------------------------------------------- error functions

# d erfinv = sqrt(pi)/2 exp(erfinv(x)^2) dx
erfinv_p = _unary("erfinv", _sp.erfinv,
                  lambda t, x, out: mul(t, mul(scalar_like(_SQRT_PI / 2, x), exp(mul(out, out)))))
# d erfcx = (2 x erfcx(x) - 2/sqrt(pi)) dx
erfcx_p = _unary("erfcx", _sp.erfcx, lambda t, x, out: mul(t, sub(
    mul(scalar_like(2, x), mul(x, out)), scalar_like(2 / _SQRT_PI, x))))


def _normal_density(x: Any) -> Any:
    return div(exp(neg(mul(scalar_like(0.5, x), mul(x, x)))), scalar_like(_SQRT_2PI, x))


# d ndtr = exp(-x^2/2) / sqrt(2 pi) dx
ndtr_p = _unary("ndtr", _sp.ndtr, lambda t, x, out: mul(t, _normal_density(x)))
# d ndtri = sqrt(2 pi) exp(ndtri(p)^2 / 2) dp
ndtri_p = _unary("ndtri", _sp.ndtri, lambda t, x, out: mul(t, mul(
    scalar_like(_SQRT_2PI, x), exp(mul(scalar_like(0.5, x), mul(out, out))))))
# d log_ndtr = exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi) dx: one exp of a moderate number, finite
# in both tails (at x = -40 the density and ndtr both underflow, their ratio does not).
log_ndtr_p = _unary("log_ndtr", _sp.log_ndtr, lambda t, x, out: mul(t, div(
    exp(sub(neg(mul(scalar_like(0.5, x), mul(x, x))), out)), scalar_like(_SQRT_2PI, x))))


def erfinv(x: Any) -> Any:
    return erfinv_p.bind(x)


def erfcx(x: Any) -> Any:
    return erfcx_p.bind(x)


def ndtr(x: Any) -> Any:
    return ndtr_p.bind(x)


def ndtri(x: Any) -> Any:
    return ndtri_p.bind(x)


def log_ndtr(x: Any) -> Any:
    return log_ndtr_p.bind(x)


# --------------------------------------------------------------------------- gamma family

def _polygamma(n: Any, x: Any) -> Any:
    """SciPy's polygamma from its ufuncs (as SciPy defines it: digamma for n = 0, else
    (-1)^(n+1) n! zeta(n+1, x)), so that Dask and other array types evaluate it blockwise;
    `scipy.special.polygamma` itself is Python code that calls np.asarray."""
    n, x = np.broadcast_arrays(n, x)
    higher = np.power(-1.0, n + 1) * _sp.gamma(n + 1.0) * _sp.zeta(n + 1, x)
    return np.where(n == 0.0, _sp.digamma(x), higher)


# d polygamma(n, x) = polygamma(n + 1, x) dx; no derivative in the order n.
polygamma_p = elementwise.binary_elementwise(
    "polygamma", _impl(lambda n, x: _polygamma(backend.asarray(n, np.float64),
                                               backend.asarray(x, np.float64))),
    (_no_derivative("polygamma", "n"),
     lambda t, n, x, out: mul(t, polygamma(add(n, scalar_like(1, n)), x))))
# d digamma = polygamma(1, x) dx
digamma_p = _unary("digamma", _sp.digamma,
                   lambda t, x, out: mul(t, polygamma(scalar_like(1, x), x)))
# d gammaln = digamma(x) dx
gammaln_p = _unary("gammaln", _sp.gammaln, lambda t, x, out: mul(t, digamma(x)))
# d gamma = gamma(x) digamma(x) dx
gamma_p = _unary("gamma", _sp.gamma, lambda t, x, out: mul(t, mul(out, digamma(x))))


def _gammainc_slope(a: Any, x: Any, out: Any) -> Any:
    """x^(a-1) exp(-x) / Gamma(a), the density of Gamma(a) at x, as one exp (no overflow)."""
    a, x = _broadcast(a, out), _broadcast(x, out)
    log_x = log(_safe_nonzero(x))
    power = mul(sub(a, scalar_like(1, a)), log_x)
    density = exp(sub(sub(power, x), gammaln(a)))
    # At x == 0 the density is 0 for a > 1, 1 for a == 1 (exp(-x)), inf for a < 1.
    at_zero = select(comparison.gt(a, scalar_like(1, a)), _zeros(a),
                     select(comparison.eq(a, scalar_like(1, a)), _ones(a), _infs(a)))
    return select(comparison.eq(x, scalar_like(0, x)), at_zero, density)


def _full_like(x: Any, value: float) -> Any:
    return elementwise.full(core.get_aval(x).shape, scalar_like(value, x))


def _zeros(x: Any) -> Any:
    return _full_like(x, 0)


def _ones(x: Any) -> Any:
    return _full_like(x, 1)


def _infs(x: Any) -> Any:
    return _full_like(x, np.inf)


def _broadcast(v: Any, like: Any) -> Any:
    """A rank-0 operand v broadcast to like's shape (select needs equal shapes)."""
    shape = core.get_aval(like).shape
    if core.get_aval(v).shape == shape:
        return v
    return shape_prims.broadcast_in_dim(v, shape, ())


# d gammainc(a, x) = x^(a-1) exp(-x) / Gamma(a) dx; none in a.
gammainc_p = elementwise.binary_elementwise(
    "gammainc", _impl(_sp.gammainc),
    (_no_derivative("gammainc", "a"), lambda t, a, x, out: mul(t, _gammainc_slope(a, x, out))))
# d gammaincc(a, x) = -x^(a-1) exp(-x) / Gamma(a) dx; none in a.
gammaincc_p = elementwise.binary_elementwise(
    "gammaincc", _impl(_sp.gammaincc),
    (_no_derivative("gammaincc", "a"),
     lambda t, a, x, out: neg(mul(t, _gammainc_slope(a, x, out)))))
# d zeta(s, q) = -s zeta(s + 1, q) dq; none in s.
zeta_p = elementwise.binary_elementwise(
    "zeta", _impl(_sp.zeta),
    (_no_derivative("zeta", "s"),
     lambda t, s, q, out: neg(mul(t, mul(s, zeta(add(s, scalar_like(1, s)), q))))))


def polygamma(n: Any, x: Any) -> Any:
    return polygamma_p.bind(n, x)


def digamma(x: Any) -> Any:
    return digamma_p.bind(x)


def gammaln(x: Any) -> Any:
    return gammaln_p.bind(x)


def gamma(x: Any) -> Any:
    return gamma_p.bind(x)


def gammainc(a: Any, x: Any) -> Any:
    return gammainc_p.bind(a, x)


def gammaincc(a: Any, x: Any) -> Any:
    return gammaincc_p.bind(a, x)


def zeta(s: Any, q: Any) -> Any:
    return zeta_p.bind(s, q)


# --------------------------------------------------------------------------- betainc

betainc_p = core.Primitive("betainc")
betainc_p.def_impl(_impl(_sp.betainc))


@betainc_p.def_abstract_eval
def _betainc_abstract_eval(a: Any, b: Any, x: Any) -> Any:
    for aval in (a, b, x):
        _helpers.check_kind("betainc", aval, "f")
    if not a.dtype == b.dtype == x.dtype:
        raise _helpers.shape_error("betainc", "operands must have one dtype; use "
                                   "functrans.scipy.special.betainc, which promotes", a, b, x)
    shape = _helpers.elementwise_out_shape("betainc", a, b, x)
    return ir.ShapedArray(shape, x.dtype, a.weak_type and b.weak_type and x.weak_type)


@betainc_p.def_jvp
def _betainc_jvp(primals: Any, tangents: Any) -> Any:
    # d betainc(a, b, x) = x^(a-1) (1-x)^(b-1) / B(a, b) dx; none in a or b.
    a, b, x = primals
    ta, tb, tx = tangents
    for t, arg in ((ta, "a"), (tb, "b")):
        if not isinstance(t, ir.Zero):
            raise errors.FunctransTypeError(
                f"betainc: no derivative with respect to `{arg}` (none in closed form); "
                f"differentiate with respect to x only, holding `{arg}` fixed (a constant, or "
                "ft.stop_gradient).")
    out = betainc(a, b, x)
    if isinstance(tx, ir.Zero):
        return out, ir.Zero(core.get_aval(out))
    a, b, x = (_broadcast(v, out) for v in (a, b, x))
    one = scalar_like(1, x)
    # One exp of logs (no overflow); x in (0, 1) on the support, where the logs are finite.
    log_density = sub(add(mul(sub(a, one), log(x)), mul(sub(b, one), transcendental.log1p(
        neg(x)))), sub(add(gammaln(a), gammaln(b)), gammaln(add(a, b))))
    return out, mul(elementwise.broadcast_to_aval(tx, core.get_aval(out)), exp(log_density))


betainc_p.def_batch(elementwise.elementwise_batcher(betainc_p))
betainc_p.def_flops(_helpers.output_size)


def betainc(a: Any, b: Any, x: Any) -> Any:
    return betainc_p.bind(a, b, x)


# --------------------------------------------------------------------------- Bessel functions


def _sign(x: Any) -> Any:
    return comparison.sign(x)


def _i1_over_x(i1x: Any, x: Any) -> Any:
    """i1(x) / x (or i1e(x) / x), with the limit 1/2 at x == 0."""
    zero = comparison.eq(x, scalar_like(0, x))
    return select(zero, _full_like(x, 0.5), div(i1x, _safe_nonzero(x)))


# d i0 = i1(x) dx
i0_p = _unary("i0", _sp.i0, lambda t, x, out: mul(t, i1(x)))
# d i0e = (i1e(x) - sign(x) i0e(x)) dx
i0e_p = _unary("i0e", _sp.i0e, lambda t, x, out: mul(t, sub(i1e(x), mul(_sign(x), out))))
# d i1 = (i0(x) - i1(x) / x) dx, 1/2 at 0
i1_p = _unary("i1", _sp.i1, lambda t, x, out: mul(t, sub(i0(x), _i1_over_x(out, x))))
# d i1e = (i0e(x) - i1e(x) / x - sign(x) i1e(x)) dx, 1/2 at 0
i1e_p = _unary("i1e", _sp.i1e, lambda t, x, out: mul(t, sub(
    sub(i0e(x), _i1_over_x(out, x)), mul(_sign(x), out))))


def i0(x: Any) -> Any:
    return i0_p.bind(x)


def i0e(x: Any) -> Any:
    return i0e_p.bind(x)


def i1(x: Any) -> Any:
    return i1_p.bind(x)


def i1e(x: Any) -> Any:
    return i1e_p.bind(x)
