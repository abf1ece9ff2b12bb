"""`functrans.nn` functions: activations, softmax and logsumexp, standardize, one_hot.

Each is a composition of `functrans.numpy` functions (so every transformation applies), with
JAX's signatures and JAX's derivative conventions at kinks (`relu'(0) = 0`). Where the naive
composition loses precision or gives a NaN derivative at extreme inputs (`sigmoid(-1000)`,
`logsumexp` of `[-inf, -inf]` or `[inf, 1]`, `softmax`), a `custom_jvp` gives the derivative
in closed form. NumPy only: the exact `gelu` uses the `erf` primitive of
`functrans.primitives.special`. Does not own any primitive.
"""
from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from functrans import api, errors
from functrans import numpy as fnp
from functrans.custom_derivatives import custom_jvp
from functrans.numpy import _util
from functrans.primitives import special

__all__ = [
    "celu", "elu", "gelu", "glu", "hard_sigmoid", "hard_tanh", "leaky_relu", "log_sigmoid",
    "log_softmax", "logsumexp", "one_hot", "relu", "relu6", "selu", "sigmoid", "silu",
    "soft_sign", "softmax", "softplus", "standardize", "swish",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float(x: Any, fname: str) -> Any:
    """`x` as an operand of a float dtype (ints and bools become float64, as NumPy's ufuncs)."""
    return _util.to_inexact(_util.as_operand(x, fname))


# --------------------------------------------------------------------------- rectifiers


@custom_jvp
def _relu(x: Any) -> Any:
    return fnp.maximum(x, 0)


@_relu.defjvp
def _relu_jvp(primals: Any, tangents: Any) -> Any:
    # d relu = [x > 0] dx: 0 at the kink, as JAX.
    (x,), (t,) = primals, tangents
    return _relu(x), fnp.where(x > 0, t, 0)


def relu(x: Any) -> Any:
    """The rectified linear unit max(x, 0), with derivative 0 at 0 (as JAX).

    Args:
      x: an array, traced value or Python scalar.

    Returns:
      max(x, 0), of x's shape and dtype.

    Example:
      >>> from functrans import nn
      >>> ft.grad(lambda x: nn.relu(x))(0.0), nn.relu(np.array([-1.0, 2.0]))
      (array(0.), array([0., 2.]))
    """
    return _relu(_util.as_operand(x, "relu"))


@custom_jvp
def _relu6(x: Any) -> Any:
    return fnp.minimum(fnp.maximum(x, 0), 6)


@_relu6.defjvp
def _relu6_jvp(primals: Any, tangents: Any) -> Any:
    # d relu6 = [0 < x < 6] dx: 0 at both kinks, as JAX.
    (x,), (t,) = primals, tangents
    return _relu6(x), fnp.where((x > 0) & (x < 6), t, 0)


def relu6(x: Any) -> Any:
    """min(max(x, 0), 6), with derivative 0 at 0 and at 6 (as JAX).

    Example:
      >>> from functrans import nn
      >>> nn.relu6(np.array([-1.0, 3.0, 7.0]))
      array([0., 3., 6.])
    """
    return _relu6(_util.as_operand(x, "relu6"))


def leaky_relu(x: Any, negative_slope: Any = 1e-2) -> Any:
    """x where x >= 0, else negative_slope * x (derivative 1 at 0, as JAX).

    Example:
      >>> from functrans import nn
      >>> nn.leaky_relu(np.array([-1.0, 2.0]), negative_slope=0.1)
      array([-0.1,  2. ])
    """
    x = _float(x, "leaky_relu")
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x: Any, alpha: Any = 1.0) -> Any:
    """The exponential linear unit: x where x > 0, else alpha * (exp(x) - 1).

    Example:
      >>> from functrans import nn
      >>> nn.elu(np.array([-1.0, 2.0]))
      array([-0.63212056,  2.        ])
    """
    x = _float(x, "elu")
    # expm1 of the clamped input: no overflow (and no inf * 0 derivative) where x is large.
    safe = fnp.where(x > 0, 0, x)
    return fnp.where(x > 0, x, alpha * fnp.expm1(safe))


def celu(x: Any, alpha: Any = 1.0) -> Any:
    """The continuously differentiable ELU: max(x, 0) + alpha * expm1(min(x, 0) / alpha).

    Example:
      >>> from functrans import nn
      >>> nn.celu(np.array([-1.0, 2.0]), alpha=2.0)
      array([-0.78693868,  2.        ])
    """
    x = _float(x, "celu")
    return fnp.maximum(x, 0) + alpha * fnp.expm1(fnp.minimum(x, 0) / alpha)


def selu(x: Any) -> Any:
    """The scaled ELU: scale * elu(x, alpha) with the self-normalizing constants.

    Example:
      >>> from functrans import nn
      >>> nn.selu(np.array([-1.0, 2.0]))
      array([-1.11133074,  2.10140197])
    """
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def gelu(x: Any, approximate: bool = True) -> Any:
    """The Gaussian error linear unit x * Phi(x).

    Args:
      x: an array, traced value or Python scalar.
      approximate: True (JAX's default): the tanh approximation
        0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); False: exact, x (1 + erf(x/sqrt(2)))/2.

    Example:
      >>> from functrans import nn
      >>> nn.gelu(np.array([-1.0, 1.0]), approximate=False)
      array([-0.15865525,  0.84134475])
    """
    x = _float(x, "gelu")
    if approximate:
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1 + fnp.tanh(inner))
    return x * (special.erf(x * (1 / math.sqrt(2))) + 1) / 2


# --------------------------------------------------------------------------- sigmoids


@custom_jvp
def _sigmoid(x: Any) -> Any:
    return 1 / (1 + fnp.exp(-x))


@_sigmoid.defjvp
def _sigmoid_jvp(primals: Any, tangents: Any) -> Any:
    # d sigmoid = s (1 - s) dx: finite where exp(-x) overflows (the quotient rule is inf/inf).
    (x,), (t,) = primals, tangents
    s = _sigmoid(x)
    return s, t * (s * (1 - s))


def sigmoid(x: Any) -> Any:
    """The logistic function 1 / (1 + exp(-x)) (derivative s (1 - s), finite everywhere).

    Example:
      >>> from functrans import nn
      >>> nn.sigmoid(np.array([0.0, 2.0]))
      array([0.5       , 0.88079708])
    """
    return _sigmoid(_float(x, "sigmoid"))


def silu(x: Any) -> Any:
    """The sigmoid linear unit x * sigmoid(x) (also called swish).

    Example:
      >>> from functrans import nn
      >>> nn.silu(np.array([0.0, 2.0]))
      array([0.        , 1.76159416])
    """
    x = _float(x, "silu")
    return x * sigmoid(x)


swish = silu


def softplus(x: Any) -> Any:
    """log(1 + exp(x)), computed as logaddexp(x, 0): no overflow, finite derivative sigmoid(x).

    Example:
      >>> from functrans import nn
      >>> nn.softplus(np.array([0.0, 1000.0]))
      array([6.93147181e-01, 1.00000000e+03])
    """
    return fnp.logaddexp(_float(x, "softplus"), 0)


def log_sigmoid(x: Any) -> Any:
    """log(sigmoid(x)) = -softplus(-x), without underflow (log_sigmoid(-1000) = -1000).

    Example:
      >>> from functrans import nn
      >>> nn.log_sigmoid(np.array([0.0, -1000.0]))
      array([-6.93147181e-01, -1.00000000e+03])
    """
    return -softplus(-_float(x, "log_sigmoid"))


def soft_sign(x: Any) -> Any:
    """x / (|x| + 1).

    Example:
      >>> from functrans import nn
      >>> nn.soft_sign(np.array([-3.0, 1.0]))
      array([-0.75,  0.5 ])
    """
    x = _float(x, "soft_sign")
    return x / (fnp.abs(x) + 1)


def hard_tanh(x: Any) -> Any:
    """x clipped to [-1, 1] (derivative 1 at -1 and 1, as JAX).

    Example:
      >>> from functrans import nn
      >>> nn.hard_tanh(np.array([-2.0, 0.5, 2.0]))
      array([-1. ,  0.5,  1. ])
    """
    x = _float(x, "hard_tanh")
    return fnp.where(x > 1, 1, fnp.where(x < -1, -1, x))


def hard_sigmoid(x: Any) -> Any:
    """relu6(x + 3) / 6.

    Example:
      >>> from functrans import nn
      >>> nn.hard_sigmoid(np.array([-4.0, 0.0, 4.0]))
      array([0. , 0.5, 1. ])
    """
    return relu6(_float(x, "hard_sigmoid") + 3) / 6


def glu(x: Any, axis: int = -1) -> Any:
    """The gated linear unit: x split in two halves a, b along `axis`, a * sigmoid(b).

    Raises:
      FunctransValueError: if x's length along `axis` is odd.

    Example:
      >>> from functrans import nn
      >>> nn.glu(np.array([1.0, 2.0, 0.0, 100.0]))
      array([0.5, 2. ])
    """
    x = _float(x, "glu")
    ax = _util.canonicalize_axis(axis, _util.aval(x).ndim, "glu")
    size = _util.aval(x).shape[ax]
    if size % 2:
        raise errors.FunctransValueError(
            f"glu: x has length {size} along axis {axis} (shape {_util.aval(x).shape}); it "
            "must be even, to split into two halves.")
    a, b = fnp.split(x, 2, axis=ax)
    return a * sigmoid(b)


# --------------------------------------------------------------------------- softmax, logsumexp


def _axes(axis: Any, ndim: int, fname: str) -> tuple[int, ...]:
    return tuple(sorted(_util.canonicalize_axes(axis, ndim, fname)))


def _masked(x: Any, where: Any, fname: str) -> tuple:
    """(x as a float operand with -inf where `where` is False, the mask broadcast to x's
    shape, or None when `where` is None)."""
    x = _float(x, fname)
    if where is None:
        return x, None
    mask = fnp.broadcast_to(fnp.asarray(where, bool), _util.aval(x).shape)
    return fnp.where(mask, x, -np.inf), mask


def _max(x: Any, axes: tuple[int, ...]) -> Any:
    """The maximum over `axes` with kept dimensions; -inf where the axes are empty."""
    aval = _util.aval(x)
    if any(aval.shape[i] == 0 for i in axes):
        shape = tuple(1 if i in axes else n for i, n in enumerate(aval.shape))
        return _util.in_namespace(fnp.full(shape, -np.inf, aval.dtype), x)
    return fnp.max(x, axis=axes, keepdims=True)


@functools.partial(custom_jvp, nondiff_argnums=(1,))
def _softmax(x: Any, axes: Any) -> Any:
    shifted = x - api.stop_gradient(_max(x, axes))
    unnormalized = fnp.exp(shifted)
    return unnormalized / fnp.sum(unnormalized, axis=axes, keepdims=True)


@_softmax.defjvp
def _softmax_jvp(axes: Any, primals: Any, tangents: Any) -> Any:
    # d softmax = y (dx - sum(y dx)): no exp of a difference of infinities in the tangent.
    (x,), (t,) = primals, tangents
    y = _softmax(x, axes)
    return y, y * (t - fnp.sum(y * t, axis=axes, keepdims=True))


def softmax(x: Any, axis: Any = -1, where: Any = None) -> Any:
    """exp(x) / sum(exp(x)) along `axis`, shifted by the maximum (no overflow).

    Args:
      x: an array or traced value.
      axis: an int, a tuple of ints or None (all axes); negative values count from the end.
      where: a bool mask broadcast against x, or None: entries where it is False take no
        part (as exp(-inf) = 0) and give 0.

    Returns:
      An array of x's shape whose entries along `axis` are positive and sum to 1.

    Example:
      >>> from functrans import nn
      >>> nn.softmax(np.array([1000.0, 1000.0, -np.inf]))
      array([0.5, 0.5, 0. ])
    """
    x, mask = _masked(x, where, "softmax")
    y = _softmax(x, _axes(axis, _util.aval(x).ndim, "softmax"))
    return y if mask is None else fnp.where(mask, y, 0)


def log_softmax(x: Any, axis: Any = -1, where: Any = None) -> Any:
    """x - logsumexp(x) along `axis`, computed from the shifted values (no overflow).

    `where`: a bool mask broadcast against x, or None: entries where it is False take no part
    and give -inf.

    Example:
      >>> from functrans import nn
      >>> nn.log_softmax(np.array([0.0, np.log(3.0)]))
      array([-1.38629436, -0.28768207])
    """
    x, mask = _masked(x, where, "log_softmax")
    axes = _axes(axis, _util.aval(x).ndim, "log_softmax")
    shifted = x - api.stop_gradient(_max(x, axes))
    out = shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axes, keepdims=True))
    return out if mask is None else fnp.where(mask, out, -np.inf)


@functools.partial(custom_jvp, nondiff_argnums=(2,))
def _logsumexp(a: Any, b: Any, axes: Any) -> Any:
    """(log|sum(b exp(a))|, its sign), reduced over `axes` with kept dimensions."""
    top = _max(a, axes)
    # Shift by the largest entry, or by 0 when that is infinite (all -inf, or an inf entry).
    shift = api.stop_gradient(fnp.where(fnp.isfinite(top), top, 0))
    total = fnp.sum(b * fnp.exp(a - shift), axis=axes, keepdims=True)
    return fnp.log(fnp.abs(total)) + shift, fnp.sign(total)


@_logsumexp.defjvp
def _logsumexp_jvp(axes: Any, primals: Any, tangents: Any) -> Any:
    # d out = sign * sum(exp(a - out) (b da + db)). Where out is infinite the weights
    # exp(a - out) are NaN (inf - inf); use the limit instead: at out = -inf (every term
    # zero) the derivative is 0; at out = +inf the inf entries share it equally.
    (a, b), (ta, tb) = primals, tangents
    out, sign = _logsumexp(a, b, axes)
    finite = fnp.isfinite(out)
    safe_out = fnp.where(finite, out, 0)
    weight = fnp.where(finite, fnp.exp(a - safe_out), 0)
    tangent = sign * fnp.sum(weight * (b * ta + tb), axis=axes, keepdims=True)
    top = fnp.isposinf(a) & fnp.isposinf(out)
    count = fnp.sum(top, axis=axes, keepdims=True)
    share = fnp.where(top, 1 / fnp.maximum(count, 1), 0)
    tangent = tangent + fnp.sum(fnp.where(top, share * ta, 0), axis=axes, keepdims=True)
    return (out, sign), (tangent, fnp.zeros_like(sign))


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False, where: Any = None) -> Any:
    """log(sum(b * exp(a))) along `axis`, stable, with a finite derivative at infinite entries.

    As `jax.nn.logsumexp` / `scipy.special.logsumexp`. The largest entry is factored out,
    so no term overflows. Derivative: the softmax weights exp(a - out), which are 0 at -inf
    entries; where the result is -inf (every term zero) the derivative is 0, and where it is
    +inf the +inf entries share a derivative of 1 equally (NumPy formulas would give NaN).

    Args:
      a: an array or traced value.
      axis: an int, a tuple of ints or None (all axes).
      b: scale factors broadcast against `a` (may be negative or zero), or None.
      keepdims: keep the reduced axes with length 1.
      return_sign: return (log|sum|, sign(sum)); otherwise a negative sum gives NaN.
      where: a bool mask broadcast against a, or None: entries where it is False take no part.

    Returns:
      The reduced array, or the pair (result, sign) if `return_sign`.

    Example:
      >>> from functrans import nn
      >>> nn.logsumexp(np.array([1000.0, 1000.0]))
      array(1000.69314718)
      >>> ft.grad(nn.logsumexp)(np.array([-np.inf, -np.inf]))
      array([0., 0.])
    """
    a, _ = _masked(a, where, "logsumexp")
    if _util.aval(a).dtype.kind == "c" or (b is not None and _util.aval(b).dtype.kind == "c"):
        raise errors.FunctransTypeError(
            "logsumexp: complex values are not supported yet (its sign handling and derivative "
            "are written for real values); pass real values.")
    if b is None:
        b = fnp.ones_like(a)
    else:
        a, b = fnp.broadcast_arrays(*_util.promote(a, _float(b, "logsumexp"))[0])
    axes = _axes(axis, _util.aval(a).ndim, "logsumexp")
    out, sign = _logsumexp(a, b, axes)
    if not return_sign:
        out = fnp.where(sign < 0, np.nan, out)
    if not keepdims:
        out, sign = fnp.squeeze(out, axis=axes), fnp.squeeze(sign, axis=axes)
    return (out, sign) if return_sign else out


# --------------------------------------------------------------------------- normalization


def standardize(x: Any, axis: Any = -1, mean: Any = None, variance: Any = None,
                epsilon: float = 1e-5, where: Any = None) -> Any:
    """(x - mean) / sqrt(variance + epsilon), statistics along `axis` unless given.

    Args:
      x: an array or traced value.
      axis: an int, a tuple of ints or None: the axes the statistics are taken over.
      mean, variance: given statistics (broadcast against x), or None to compute them.
      epsilon: added to the variance.
      where: a bool mask broadcast against x, or None: the statistics are taken over the
        entries where it is True only (every entry is standardized).

    Example:
      >>> from functrans import nn
      >>> nn.standardize(np.array([1.0, 3.0]), epsilon=0.0)
      array([-1.,  1.])
    """
    x = _float(x, "standardize")
    axes = _axes(axis, _util.aval(x).ndim, "standardize")
    if where is None:
        def average(v: Any) -> Any:
            return fnp.mean(v, axis=axes, keepdims=True)
    else:
        mask = fnp.broadcast_to(fnp.asarray(where, bool), _util.aval(x).shape)
        # In x's namespace: the Python operators below need one (CuPy refuses a mix).
        count = _util.in_namespace(
            fnp.sum(mask, axis=axes, keepdims=True).astype(_util.aval(x).dtype), x)

        def average(v: Any) -> Any:
            return fnp.sum(fnp.where(mask, v, 0), axis=axes, keepdims=True) / count
    mean, variance = _util.in_namespace((mean, variance), x)
    if mean is None:
        mean = average(x)
    if variance is None:
        variance = average(fnp.square(x - mean))
    return (x - mean) / fnp.sqrt(variance + epsilon)


def one_hot(x: Any, num_classes: int, *, dtype: Any = np.float64, axis: Any = -1) -> Any:
    """One-hot encoding: a new axis of length num_classes, 1 where it equals x's entry.

    Args:
      x: an array of integer class indices (out-of-range entries give all zeros).
      num_classes: the length of the new axis (a Python int).
      dtype: the result's dtype (float64 by default, where JAX's is float32).
      axis: where the new axis goes in the result.

    Example:
      >>> from functrans import nn
      >>> nn.one_hot(np.array([0, 2]), 3)
      array([[1., 0., 0.],
             [0., 0., 1.]])
    """
    x = _util.as_operand(x, "one_hot")
    if not isinstance(num_classes, (int, np.integer)) or isinstance(num_classes, bool):
        raise errors.FunctransTypeError(
            f"one_hot: num_classes must be a Python int, got {type(num_classes).__name__}.")
    ndim = _util.aval(x).ndim
    ax = _util.canonicalize_axis(axis, ndim + 1, "one_hot")
    classes = _util.in_namespace(
        fnp.arange(num_classes).reshape((num_classes,) + (1,) * (ndim - ax)), x)
    hits = fnp.expand_dims(x, ax) == classes
    return hits.astype(_util.check_dtype(dtype, "one_hot"))
