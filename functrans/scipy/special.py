"""`functrans.scipy.special`: SciPy's special functions with derivatives, as
`jax.scipy.special`.

Most functions are one primitive evaluated by SciPy itself (`functrans.scipy._primitives`:
same values as `scipy.special`, bit for bit), with its derivative by the standard identity;
`erf`/`erfc` are the NumPy-only primitives of `functrans.primitives.special`; the rest are
compositions (`betaln`, `xlogy`, `logsumexp` from `functrans.nn`, ...). Integer and bool
arguments become float64; float32 stays float32. Needs SciPy: importing this module without
it raises an ImportError naming the extra (`pip install functrans[scipy]`).

Importing this module also makes SciPy's own ufuncs of these names, called on a traced value,
run the functions here (`scipy.special.gammaln(x)` is `special.gammaln(x)`; see
functrans/numpy/_dispatch.py). SciPy's functions written in Python (`logsumexp`, `softmax`,
`scipy.stats`) do not dispatch: call the functions of this module instead.

Derivatives that SciPy's function has none of in closed form raise `FunctransTypeError`
naming the argument: the order `n` of `polygamma`, `s` of `zeta`, `a` of `gammainc` and
`gammaincc`, `a` and `b` of `betainc`.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from functrans import errors
from functrans import nn as _nn
from functrans import numpy as fnp
from functrans.custom_derivatives import custom_jvp
from functrans.numpy import _dispatch, _util
from functrans.primitives import special as _special
from functrans.scipy import _args
from functrans.scipy import _primitives as _prims

__all__ = [
    "beta", "betainc", "betaln", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "expit",
    "gamma", "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log_ndtr",
    "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "sinc",
    "softmax", "xlog1py", "xlogy", "zeta",
]

_sp = _prims._sp   # scipy.special, imported (or the ImportError raised) by _primitives


def _example(name: str, args: tuple) -> str:
    call = ", ".join(repr(a) if not isinstance(a, np.ndarray) else f"np.array({a.tolist()})"
                     for a in args)
    return (f"Example:\n  >>> from functrans.scipy import special\n"
            f"  >>> special.{name}({call})\n  {getattr(_sp, name)(*args)!r}\n")


def _unary(name: str, op: Callable, summary: str, derivative: str, example: tuple) -> Callable:
    """A one-argument special function: its argument as a float operand, then one primitive."""

    def fun(x: Any) -> Any:
        return op(_args.as_float(x, name))

    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = (f"{summary}, as `scipy.special.{name}`.\n\nDerivative: {derivative}.\n\n"
                   "Args:\n  x: an array, traced value or Python scalar.\n\n"
                   "Returns:\n  An array of x's shape (float64 for integer x).\n\n"
                   + _example(name, example))
    return fun


_X = (np.array([0.5, 2.0]),)
_P = (np.array([0.25, 0.5]),)

erf = _unary("erf", _special.erf, "The error function", "2/sqrt(pi) exp(-x^2)", _X)
erfc = _unary("erfc", _special.erfc, "The complementary error function 1 - erf(x)",
              "-2/sqrt(pi) exp(-x^2)", _X)
erfinv = _unary("erfinv", _prims.erfinv, "The inverse of erf on (-1, 1)",
                "sqrt(pi)/2 exp(erfinv(x)^2)", _P)
erfcx = _unary("erfcx", _prims.erfcx, "The scaled complementary error function exp(x^2) "
               "erfc(x), finite for large x", "2 x erfcx(x) - 2/sqrt(pi)", _X)
ndtr = _unary("ndtr", _prims.ndtr, "The standard normal CDF", "exp(-x^2/2) / sqrt(2 pi)", _X)
ndtri = _unary("ndtri", _prims.ndtri, "The inverse of ndtr on (0, 1)",
               "sqrt(2 pi) exp(ndtri(p)^2 / 2)", _P)
log_ndtr = _unary("log_ndtr", _prims.log_ndtr, "log(ndtr(x)), accurate in both tails "
                  "(log_ndtr(-40) is about -804.6)",
                  "exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi), finite in both tails", _X)
gammaln = _unary("gammaln", _prims.gammaln, "log|Gamma(x)|", "digamma(x)", _X)
digamma = _unary("digamma", _prims.digamma, "The logarithmic derivative of Gamma",
                 "polygamma(1, x)", _X)
gamma = _unary("gamma", _prims.gamma, "The gamma function", "gamma(x) digamma(x)", _X)
i0 = _unary("i0", _prims.i0, "The modified Bessel function of order 0", "i1(x)", _X)
i0e = _unary("i0e", _prims.i0e, "exp(-|x|) i0(x)", "i1e(x) - sign(x) i0e(x)", _X)
i1 = _unary("i1", _prims.i1, "The modified Bessel function of order 1",
            "i0(x) - i1(x)/x (1/2 at 0)", _X)
i1e = _unary("i1e", _prims.i1e, "exp(-|x|) i1(x)",
             "i0e(x) - i1e(x)/x - sign(x) i1e(x) (1/2 at 0)", _X)
sinc = fnp.sinc


def polygamma(n: Any, x: Any) -> Any:
    """The n-th derivative of digamma, as `scipy.special.polygamma`.

    Derivative: polygamma(n + 1, x) in x; none in the order n (FunctransTypeError).

    Args:
      n: non-negative integer orders (an array or Python int), broadcast against x.
      x: an array, traced value or Python scalar.

    Returns:
      The broadcast result, in x's float dtype (the order's dtype does not promote it).

    Example:
      >>> from functrans.scipy import special
      >>> special.polygamma(1, np.array([1.0, 2.0]))
      array([1.64493407, 0.64493407])
    """
    n_arr = _util.as_operand(n, "polygamma")
    if _util.aval(n_arr).dtype.kind not in "iub" and not _util.any_deferred(n):
        if not np.all(np.asarray(n_arr) == np.floor(np.asarray(n_arr))):
            raise errors.FunctransValueError("polygamma: the order n must be integer-valued.")
    # The order is not data: the result has x's float dtype (float32 x stays float32).
    x = _args.as_float(x, "polygamma")
    n_op, x_op = _args.floats("polygamma", fnp.asarray(n_arr, _util.aval(x).dtype), x)
    return _prims.polygamma(n_op, x_op)


def _binary_special(name: str, prim_fun: Callable, a: Any, x: Any) -> Any:
    a_op, x_op = _args.floats(name, a, x)
    return prim_fun(a_op, x_op)


def gammainc(a: Any, x: Any) -> Any:
    """The regularized lower incomplete gamma function P(a, x), as `scipy.special.gammainc`.

    Derivative: x^(a-1) exp(-x) / Gamma(a) in x; none in a (FunctransTypeError).

    Example:
      >>> from functrans.scipy import special
      >>> special.gammainc(2.0, np.array([1.0, 3.0]))
      array([0.26424112, 0.80085173])
    """
    return _binary_special("gammainc", _prims.gammainc, a, x)


def gammaincc(a: Any, x: Any) -> Any:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x).

    Derivative: -x^(a-1) exp(-x) / Gamma(a) in x; none in a (FunctransTypeError).

    Example:
      >>> from functrans.scipy import special
      >>> special.gammaincc(2.0, np.array([1.0, 3.0]))
      array([0.73575888, 0.19914827])
    """
    return _binary_special("gammaincc", _prims.gammaincc, a, x)


def betainc(a: Any, b: Any, x: Any) -> Any:
    """The regularized incomplete beta function I_x(a, b), as `scipy.special.betainc`.

    Derivative: x^(a-1) (1-x)^(b-1) / B(a, b) in x; none in a or b (FunctransTypeError).

    Example:
      >>> from functrans.scipy import special
      >>> special.betainc(2.0, 3.0, np.array([0.25, 0.5]))
      array([0.26171875, 0.6875    ])
    """
    return _prims.betainc(*_args.floats("betainc", a, b, x))


def zeta(x: Any, q: Any = None) -> Any:
    """The Hurwitz zeta function sum_k (k + q)^-x, as `scipy.special.zeta`.

    With q=None, Riemann's zeta, computed as the Hurwitz zeta at q = 1 (SciPy's separate
    Riemann kernel may differ in the last bit).

    Derivative: -x zeta(x + 1, q) in q; none in x (FunctransTypeError).

    Example:
      >>> from functrans.scipy import special
      >>> special.zeta(np.array([2.0, 4.0]), 1.0)
      array([1.64493407, 1.08232323])
    """
    return _binary_special("zeta", _prims.zeta, x, 1.0 if q is None else q)


# --------------------------------------------------------------------------- compositions


def betaln(a: Any, b: Any) -> Any:
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b), as `scipy.special.betaln`.

    A composition (SciPy's own algorithm differs for large arguments, where this one loses
    relative accuracy to cancellation).

    Example:
      >>> from functrans.scipy import special
      >>> special.betaln(np.array([1.0, 2.0]), 3.0)
      array([-1.09861229, -2.48490665])
    """
    a, b = _args.floats("betaln", a, b)
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def beta(a: Any, b: Any) -> Any:
    """The beta function Gamma(a) Gamma(b) / Gamma(a + b) = exp(betaln(a, b)), for a, b > 0.

    Example:
      >>> from functrans.scipy import special
      >>> special.beta(np.array([1.0, 2.0]), 3.0)
      array([0.33333333, 0.08333333])
    """
    return fnp.exp(betaln(a, b))


def multigammaln(a: Any, d: int) -> Any:
    """The log of the multivariate gamma function of dimension d, as
    `scipy.special.multigammaln`: d(d-1)/4 log(pi) + sum_{j<d} gammaln(a - j/2).

    Args:
      a: an array or traced value (a > (d - 1)/2).
      d: the dimension, a positive Python int.

    Example:
      >>> from functrans.scipy import special
      >>> special.multigammaln(np.array([2.0, 3.0]), 2)
      array([0.45158271, 1.55019499])
    """
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 1:
        raise errors.FunctransValueError(
            f"multigammaln: d must be a positive Python int, got {d!r}.")
    a = _args.as_float(a, "multigammaln")
    total = sum((gammaln(a - j / 2) for j in range(1, int(d))), gammaln(a))
    return total + d * (d - 1) / 4 * math.log(math.pi)


def expit(x: Any) -> Any:
    """The logistic function 1 / (1 + exp(-x)), as `scipy.special.expit` (`functrans.nn.sigmoid`).

    Example:
      >>> from functrans.scipy import special
      >>> special.expit(np.array([0.0, 2.0]))
      array([0.5       , 0.88079708])
    """
    return _nn.sigmoid(x)


def logit(x: Any) -> Any:
    """log(x / (1 - x)) = log(x) - log1p(-x), the inverse of expit, as `scipy.special.logit`.

    Example:
      >>> from functrans.scipy import special
      >>> special.logit(np.array([0.25, 0.5]))
      array([-1.09861229,  0.        ])
    """
    x = _args.as_float(x, "logit")
    return fnp.log(x) - fnp.log1p(-x)


@custom_jvp
def _xlogy(x: Any, y: Any) -> Any:
    return fnp.where(x != 0, x * fnp.log(fnp.where(x != 0, y, 1)), 0)


@_xlogy.defjvp
def _xlogy_jvp(primals: Any, tangents: Any) -> Any:
    # d xlogy = log(y) dx + x / y dy (as JAX), with x / y taken as 0 where x == 0
    (x, y), (tx, ty) = primals, tangents
    return _xlogy(x, y), tx * fnp.log(y) + ty * fnp.where(x != 0, x / y, 0)


@custom_jvp
def _xlog1py(x: Any, y: Any) -> Any:
    return fnp.where(x != 0, x * fnp.log1p(fnp.where(x != 0, y, 0)), 0)


@_xlog1py.defjvp
def _xlog1py_jvp(primals: Any, tangents: Any) -> Any:
    # d xlog1py = log1p(y) dx + x / (1 + y) dy (as JAX), x / (1 + y) taken as 0 where x == 0
    (x, y), (tx, ty) = primals, tangents
    return _xlog1py(x, y), tx * fnp.log1p(y) + ty * fnp.where(x != 0, x / (1 + y), 0)


def xlogy(x: Any, y: Any) -> Any:
    """x * log(y), 0 where x == 0 (whatever y), as `jax.scipy.special.xlogy`.

    Derivative: log(y) dx + x/y dy, with x/y taken as 0 where x == 0 (JAX's gives NaN at
    x == y == 0). Difference from SciPy: xlogy(0, nan) is 0 (as JAX), not nan.

    Example:
      >>> from functrans.scipy import special
      >>> special.xlogy(np.array([0.0, 2.0]), np.array([0.0, 3.0]))
      array([0.        , 2.19722458])
    """
    return _xlogy(*_args.floats("xlogy", x, y))


def xlog1py(x: Any, y: Any) -> Any:
    """x * log1p(y), 0 where x == 0, as `jax.scipy.special.xlog1py`.

    Example:
      >>> from functrans.scipy import special
      >>> special.xlog1py(np.array([0.0, 2.0]), np.array([-1.0, 1.0]))
      array([0.        , 1.38629436])
    """
    return _xlog1py(*_args.floats("xlog1py", x, y))


@custom_jvp
def _xlogx(x: Any) -> Any:
    return fnp.where(x > 0, x * fnp.log(fnp.where(x > 0, x, 1)), 0)


@_xlogx.defjvp
def _xlogx_jvp(primals: Any, tangents: Any) -> Any:
    # d (x log x) = (log(x) + 1) dx
    (x,), (t,) = primals, tangents
    return _xlogx(x), t * (fnp.log(x) + 1)


def entr(x: Any) -> Any:
    """The elementwise entropy -x log(x): 0 at 0, -inf for x < 0, as `scipy.special.entr`.

    Derivative: -(log(x) + 1).

    Example:
      >>> from functrans.scipy import special
      >>> special.entr(np.array([0.0, 0.5, -1.0]))
      array([0.        , 0.34657359,       -inf])
    """
    x = _args.as_float(x, "entr")
    return fnp.where(x < 0, -np.inf, 0 - _xlogx(x))   # 0 - 0 is +0, as SciPy's


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """log(sum(b * exp(a))) along `axis`, as `scipy.special.logsumexp` (`functrans.nn`'s).

    Stable (the largest entry is factored out) and with a finite derivative at infinite
    entries: 0 where the result is -inf, shared equally by the +inf entries where it is +inf.

    Example:
      >>> from functrans.scipy import special
      >>> special.logsumexp(np.array([1000.0, 1000.0]))
      array(1000.69314718)
    """
    return _nn.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)


def softmax(x: Any, axis: Any = None) -> Any:
    """exp(x) / sum(exp(x)) along `axis` (all axes by default), as `scipy.special.softmax`.

    Example:
      >>> from functrans.scipy import special
      >>> special.softmax(np.array([0.0, np.log(3.0)]))
      array([0.25, 0.75])
    """
    return _nn.softmax(x, axis=axis)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """x - logsumexp(x) along `axis` (all axes by default), as `scipy.special.log_softmax`.

    Example:
      >>> from functrans.scipy import special
      >>> special.log_softmax(np.array([0.0, np.log(3.0)]))
      array([-1.38629436, -0.28768207])
    """
    return _nn.log_softmax(x, axis=axis)


# `scipy.special.gammaln(x)` on a traced x runs the function above (functrans/numpy/_dispatch.py).
for _name in __all__:
    if isinstance(getattr(_sp, _name, None), np.ufunc):
        _dispatch.register_ufunc(getattr(_sp, _name), globals()[_name])
