"""Op-table rows of `functrans.nn` (issue 15); `op_table.ROWS` includes them.

References are NumPy formulas (SciPy's `expit`, `erf`, `logsumexp`, `softmax` where SciPy has
the function). Rows with kinks keep their inputs off them (`avoid`); the derivative at a kink
(relu'(0) = 0, ...) is checked against JAX's convention in tests/test_nn.py.
"""
from __future__ import annotations

import functools

import numpy as np
import scipy.special as sp
from op_table import COMPOSED, F32, F64, FLOATS, UNARY, OpRow, V, _quiet, fnp

from functrans import nn

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _cast(f):
    """`f` with its result cast to the first argument's float dtype (NumPy formulas with
    Python constants stay in that dtype; SciPy's do too, this makes it explicit)."""
    @functools.wraps(f)
    def ref(x, *args, **kwargs):
        x = np.asarray(x)
        return np.asarray(f(x, *args, **kwargs), x.dtype)
    return ref


def _np_gelu(x, approximate):
    if approximate:
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    return x * (1 + sp.erf(x / np.sqrt(2))) / 2


def _np_one_hot(x, num_classes, axis=-1):
    return np.moveaxis(np.asarray(x)[..., None] == np.arange(num_classes), -1, axis).astype(F64)


def _np_standardize(x, axis=-1):
    mean = np.mean(x, axis=axis, keepdims=True)
    variance = np.mean(np.square(x - mean), axis=axis, keepdims=True)
    return (x - mean) / np.sqrt(variance + 1e-5)


def _np_glu(x, axis=-1):
    a, b = np.split(x, 2, axis=axis)
    return a * sp.expit(b)


# The `where=` rows mask the middle entry of the last axis (length 3).
MASK = np.array([True, False, True])
KEPT = np.array([0, 2])


def _np_softmax_where(x):
    e = np.where(MASK, np.exp(x - np.max(x[..., KEPT], axis=-1, keepdims=True)), 0)
    return e / np.sum(e, axis=-1, keepdims=True)


def _np_standardize_where(x):
    kept = x[..., KEPT]
    mean = np.mean(kept, axis=-1, keepdims=True)
    variance = np.mean(np.square(kept - mean), axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + 1e-5)


def _row(name, f, ref, *, domain=(-3.0, 3.0), **kw) -> OpRow:
    # Compositions of a few ufuncs, against NumPy/SciPy formulas: a few ulps apart.
    kw.setdefault("tol", 10 * COMPOSED)
    return OpRow(name, f, _cast(ref), UNARY, dtypes=FLOATS, domain=domain, **kw)


AXES = ((-1, (V((3,)), V((2, 3)))), (0, (V((2, 3)),)), ((0, 2), (V((2, 3, 2)),)),
        (None, (V((2, 3)), V(()))))

ROWS: list[OpRow] = [
    _row("nn_relu", nn.relu, lambda x: np.maximum(x, 0), avoid=(0.0,), tol=0.0),
    _row("nn_relu6", nn.relu6, lambda x: np.clip(x, 0, 6), domain=(-2.0, 8.0),
         avoid=(0.0, 6.0), tol=0.0),
    _row("nn_leaky_relu", nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x),
         avoid=(0.0,)),
    _row("nn_leaky_relu_slope", functools.partial(nn.leaky_relu, negative_slope=0.3),
         lambda x: np.where(x >= 0, x, 0.3 * x), avoid=(0.0,)),
    # elu and celu have a jump in the second derivative at 0.
    _row("nn_elu", nn.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
         avoid=(0.0,)),
    _row("nn_elu_alpha", functools.partial(nn.elu, alpha=0.5),
         lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0))), avoid=(0.0,)),
    _row("nn_celu", functools.partial(nn.celu, alpha=2.0),
         lambda x: np.maximum(x, 0) + 2.0 * np.expm1(np.minimum(x, 0) / 2.0), avoid=(0.0,)),
    _row("nn_selu", nn.selu,
         lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0))),
         avoid=(0.0,)),
    _row("nn_gelu_tanh", nn.gelu, functools.partial(_np_gelu, approximate=True)),
    _row("nn_gelu_exact", functools.partial(nn.gelu, approximate=False),
         functools.partial(_np_gelu, approximate=False)),
    _row("nn_sigmoid", nn.sigmoid, sp.expit),
    _row("nn_sigmoid_tails", nn.sigmoid, sp.expit, domain=(-700.0, 700.0)),
    _row("nn_silu", nn.silu, lambda x: x * sp.expit(x)),
    _row("nn_swish", nn.swish, lambda x: x * sp.expit(x)),
    _row("nn_softplus", nn.softplus, lambda x: np.logaddexp(x, 0), tol=0.0),
    _row("nn_softplus_tails", nn.softplus, lambda x: np.logaddexp(x, 0),
         domain=(-1000.0, 1000.0), tol=0.0),
    _row("nn_log_sigmoid", nn.log_sigmoid, lambda x: -np.logaddexp(-x, 0), tol=0.0),
    _row("nn_log_sigmoid_tails", nn.log_sigmoid, lambda x: -np.logaddexp(-x, 0),
         domain=(-1000.0, 1000.0), tol=0.0),
    _row("nn_soft_sign", nn.soft_sign, lambda x: x / (np.abs(x) + 1), avoid=(0.0,)),
    _row("nn_hard_tanh", nn.hard_tanh, lambda x: np.clip(x, -1, 1), avoid=(-1.0, 1.0),
         tol=0.0),
    _row("nn_hard_sigmoid", nn.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6,
         domain=(-4.0, 4.0), avoid=(-3.0, 3.0)),
    OpRow("nn_glu", nn.glu, _cast(_np_glu), (V((4,)), V((3, 2)), V((2, 6))), dtypes=FLOATS,
          tol=10 * COMPOSED),
    OpRow("nn_glu_axis0", functools.partial(nn.glu, axis=0),
          _cast(functools.partial(_np_glu, axis=0)), (V((2, 3)), V((4, 1))), dtypes=FLOATS,
          tol=10 * COMPOSED),
    *[OpRow(f"nn_softmax_axis{axis}", functools.partial(nn.softmax, axis=axis),
            _cast(functools.partial(sp.softmax, axis=axis)), shapes, dtypes=FLOATS,
            tol=10 * COMPOSED) for axis, shapes in AXES],
    *[OpRow(f"nn_log_softmax_axis{axis}", functools.partial(nn.log_softmax, axis=axis),
            _cast(functools.partial(sp.log_softmax, axis=axis)), shapes, dtypes=FLOATS,
            tol=10 * COMPOSED) for axis, shapes in AXES],
    *[OpRow(f"nn_logsumexp_axis{axis}", functools.partial(nn.logsumexp, axis=axis),
            _cast(functools.partial(sp.logsumexp, axis=axis)), shapes, dtypes=FLOATS,
            tol=10 * COMPOSED) for axis, shapes in AXES],
    OpRow("nn_logsumexp_keepdims", functools.partial(nn.logsumexp, axis=1, keepdims=True),
          _cast(functools.partial(sp.logsumexp, axis=1, keepdims=True)), (V((2, 3)),),
          dtypes=FLOATS, tol=10 * COMPOSED),
    OpRow("nn_logsumexp_large", functools.partial(nn.logsumexp, axis=-1),
          _cast(functools.partial(sp.logsumexp, axis=-1)), (V((2, 3)),), dtypes=FLOATS,
          domain=(500.0, 1000.0), tol=10 * COMPOSED),
    # b: scale factors, of either sign; return_sign gives the sign of the sum.
    OpRow("nn_logsumexp_b", lambda a, b: nn.logsumexp(a, axis=-1, b=b, return_sign=True),
          _quiet(lambda a, b: tuple(np.asarray(v, np.asarray(a).dtype) for v in
                                    sp.logsumexp(a, axis=-1, b=b, return_sign=True))),
          (V((2, 3), (2, 3)), V((3,), (3,)), V((2, 3), (3,))), dtypes=FLOATS,
          tol=10 * COMPOSED),
    # Infinite and nan entries: values only (the derivative conventions: tests/test_nn.py).
    OpRow("nn_logsumexp_special", functools.partial(nn.logsumexp, axis=-1),
          _quiet(_cast(functools.partial(sp.logsumexp, axis=-1))), (V((4, 3)),),
          dtypes=FLOATS, kinds="s", grad_order=0, tol=10 * COMPOSED),
    OpRow("nn_softmax_special", nn.softmax,
          _quiet(_cast(functools.partial(sp.softmax, axis=-1))), (V((4, 3)),),
          dtypes=FLOATS, kinds="s", grad_order=0, tol=10 * COMPOSED),
    OpRow("nn_softmax_where", functools.partial(nn.softmax, where=MASK),
          _cast(_np_softmax_where), (V((3,)), V((2, 3))), dtypes=FLOATS, tol=10 * COMPOSED),
    # The masked entries of log_softmax are -inf: the row keeps the others.
    OpRow("nn_log_softmax_where", lambda x: fnp.take(nn.log_softmax(x, where=MASK), KEPT, -1),
          _cast(lambda x: sp.log_softmax(x[..., KEPT], axis=-1)), (V((3,)), V((2, 3))),
          dtypes=FLOATS, tol=10 * COMPOSED),
    OpRow("nn_logsumexp_where", functools.partial(nn.logsumexp, axis=-1, where=MASK),
          _cast(lambda x: sp.logsumexp(x[..., KEPT], axis=-1)), (V((3,)), V((2, 3))),
          dtypes=FLOATS, tol=10 * COMPOSED),
    OpRow("nn_standardize_where", functools.partial(nn.standardize, where=MASK),
          _cast(_np_standardize_where), (V((3,)), V((2, 3))), dtypes=FLOATS,
          tol=10 * COMPOSED),
    OpRow("nn_standardize", nn.standardize, _cast(_np_standardize), (V((3,)), V((2, 3))),
          dtypes=FLOATS, tol=10 * COMPOSED),
    OpRow("nn_standardize_axis0", functools.partial(nn.standardize, axis=(0,)),
          _cast(functools.partial(_np_standardize, axis=(0,))), (V((3, 2)),), dtypes=FLOATS,
          tol=10 * COMPOSED),
    OpRow("nn_one_hot", functools.partial(nn.one_hot, num_classes=3),
          functools.partial(_np_one_hot, num_classes=3), (V(()), V((4,)), V((2, 3))),
          kinds="i", int_range=(-1, 4), grad_order=0),
    OpRow("nn_one_hot_axis0", functools.partial(nn.one_hot, num_classes=4, axis=0),
          functools.partial(_np_one_hot, num_classes=4, axis=0), (V((2, 3)),), kinds="i",
          int_range=(0, 4), grad_order=0),
    OpRow("nn_one_hot_f32", functools.partial(nn.one_hot, num_classes=2, dtype=np.float32),
          lambda x: _np_one_hot(x, 2).astype(F32), (V((3,)),), kinds="i", grad_order=0),
]
