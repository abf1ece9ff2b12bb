"""Op-table rows for random: samplers as functions of their parameters under a fixed key.

The key is a constant (keys carry no tangent), so the rows check what transformations do to
the parameters: values vs a NumPy formula on the eager draws (whose bits the known-answer
test pins down), jit, vmap over the parameters, and derivatives by reparameterization.
"""
from __future__ import annotations

import numpy as np
import scipy.special
from op_table import F32, F64, OpRow, V

import functrans as ft
import functrans.numpy as fnp
from functrans import random

KEY = random.PRNGKey(7)
SHAPES = (V((3,), (3,)), V((2, 3), (2, 3)), V((), ()), V((0,), (0,)))
SHAPES1 = (V((3,)), V((2, 3)), V(()), V((0,)))


def _dtype(x):
    return np.dtype(getattr(x, "dtype", np.float64))


def _u(x):
    """The eager uniform draws the sampler of shape `x.shape` starts from."""
    return random.uniform(KEY, np.shape(x), _dtype(x))


def _uniform(a, b):
    return random.uniform(KEY, fnp.shape(a), a.dtype, minval=a, maxval=a + 2.5 + b * b)


def _uniform_ref(a, b):
    hi = a + 2.5 + b * b
    return np.maximum(a, _u(a) * (hi - a) + a)


def _normal(mu, sigma):
    # The key in mu's namespace: a foreign mu at top level (test_backend_strict_eager.py).
    return mu + sigma * random.normal(fnp.asarray(KEY, like=mu), fnp.shape(mu), mu.dtype)


def _normal_ref(mu, sigma):
    z = np.sqrt(2.0) * scipy.special.erfinv(
        random.uniform(KEY, np.shape(mu), _dtype(mu), np.nextafter(-1.0, 0.0), 1.0))
    return mu + sigma * z.astype(_dtype(mu))


def _truncated(a, b):
    return random.truncated_normal(KEY, a - 1.5, b + 1.5, fnp.shape(a))


def _truncated_ref(a, b):
    lo, hi = scipy.special.erf((a - 1.5) / np.sqrt(2)), scipy.special.erf((b + 1.5) / np.sqrt(2))
    return np.sqrt(2) * scipy.special.erfinv(lo + _u(a) * (hi - lo))


def _exponential(scale):
    return scale * random.exponential(fnp.asarray(KEY, like=scale), fnp.shape(scale),
                                      scale.dtype)


def _exponential_ref(scale):
    return scale * -np.log1p(-_u(scale))


def _bernoulli(p):
    return random.bernoulli(KEY, p)


def _bernoulli_ref(p):
    return _u(p) < p


def _gumbel_logits(logits):
    return random.categorical(KEY, logits)


def _gumbel_logits_ref(logits):
    tiny = np.finfo(_dtype(logits)).tiny
    u = random.uniform(KEY, np.shape(logits), _dtype(logits), tiny, 1.0)
    return np.argmax(-np.log(-np.log(u)) + logits, axis=-1)


def _folded_uniform(i):
    # The key depends on a traced integer: threefry2x32 is in the program (and batched by vmap).
    return random.uniform(random.fold_in(KEY, i), (3,))


def _folded_uniform_ref(i):
    return np.stack([random.uniform(random.fold_in(KEY, int(j)), (3,))
                     for j in np.ravel(i)]).reshape(np.shape(i) + (3,))


def _folded_exponential(i):
    return random.exponential(random.fold_in(KEY, i), (4,))


def _folded_exponential_ref(i):
    u = _folded_uniform_ref_n(i, 4)
    return -np.log1p(-u)


def _folded_uniform_ref_n(i, n):
    return np.stack([random.uniform(random.fold_in(KEY, int(j)), (n,))
                     for j in np.ravel(i)]).reshape(np.shape(i) + (n,))


def _gamma_tangent(a):
    return ft.jvp(lambda a: random.gamma(KEY, a), (a,), (fnp.ones_like(a),))[1]


def _gamma_tangent_ref(a, eps=1e-6):
    x = random.gamma(KEY, a)
    q = scipy.special.gammainc(a, x)
    return (scipy.special.gammaincinv(a + eps, q) - scipy.special.gammaincinv(a - eps, q)) / (
        2 * eps)


ROWS: list[OpRow] = [
    # Implicit reparameterization (random_gamma_grad) against differences of SciPy's
    # inverse CDF (the reference's own error is ~1e-9).
    OpRow("random.gamma_grad", _gamma_tangent, _gamma_tangent_ref, SHAPES1, dtypes=(F64,),
          domain=(0.5, 3.0), grad_order=0, tol=1e-6),
    # Exact: the eager draws are the reference (their bits are the known answers').
    OpRow("random.fold_in", _folded_uniform, _folded_uniform_ref, (V(()),), kinds="i",
          int_range=(0, 1000), grad_order=0),
    # XLA's log1p (Cephes' rational approximation, also used on [-0.414, -0.29] where it is
    # accurate to ~2e-14 only) against NumPy's.
    OpRow("random.exponential_key", _folded_exponential, _folded_exponential_ref, (V(()),),
          kinds="i", int_range=(0, 1000), grad_order=0, tol=5e-14),
    # fma rounds once where the reference rounds twice: 1 ulp.
    OpRow("random.uniform", _uniform, _uniform_ref, SHAPES, dtypes=(F64, F32), tol=1e-15),
    # XLA's erf_inv polynomial against SciPy's erfinv: a few ulp.
    OpRow("random.normal", _normal, _normal_ref, SHAPES, dtypes=(F64, F32), tol=1e-13),
    # XLA's erf and erf_inv against SciPy's, through the inverse CDF: a few ulp.
    OpRow("random.truncated_normal", _truncated, _truncated_ref, SHAPES, dtypes=(F64,),
          domain=(-0.5, 0.5), tol=1e-12),
    # XLA's log1p against NumPy's (as above).
    OpRow("random.exponential", _exponential, _exponential_ref, SHAPES1, dtypes=(F64,),
          domain=(0.5, 2.0), tol=5e-14),
    OpRow("random.bernoulli", _bernoulli, _bernoulli_ref, SHAPES1, dtypes=(F64, F32),
          domain=(0.0, 1.0), grad_order=0),
    OpRow("random.categorical", _gumbel_logits, _gumbel_logits_ref,
          (V((3,)), V((2, 4))), dtypes=(F64,), grad_order=0),
]
