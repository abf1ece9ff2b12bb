"""The general (nonsymmetric) eigendecomposition primitive, `eig`, with all of its rules.

Owns `eig_p` and its wrapper `eig(a)`. Does not own NumPy's conveniences (`EigResult`,
`eigvals`, dtype handling), which `functrans.numpy.linalg._spectral` builds on it.

`eig` takes a float or complex stack of square matrices `(..., n, n)` and returns
`(w, v, v_inv)`: the eigenvalues `(..., n)` in LAPACK's order, the eigenvectors as columns
(unit 2-norm, largest-modulus component real: LAPACK's normalization, NumPy's values), and
`v^-1`, which the JVP needs (a third output rather than a complex solve). All three are
complex (complex64 for float32/complex64 operands, complex128 otherwise), also when the
eigenvalues are real (JAX's dtype rule; NumPy returns real arrays then).

JVP (the standard formula; Magnus 1985, Giles 2008): with `L = v^-1 dA v`,
`dw = diag(L)`; `dv = v (F * L)` with `F_ij = 1/(w_j - w_i)` off the diagonal and 0 on it,
then each column corrected by a multiple of itself so that it stays normalized as LAPACK
normalizes it: `Re(v_k^H dv_k) = 0` (unit norm) and the tangent of its largest component
real; and `d v^-1 = -v^-1 dv v^-1`. Repeated eigenvalues give inf/NaN eigenvector tangents
(`dw` stays finite). JAX defines the eigenvalue derivative only; the eigenvector one here is
the derivative of NumPy's (LAPACK's) normalized eigenvectors, so it matches their finite
differences wherever the largest component is unique.
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, dtypes, ir
from functrans.primitives import (
    _helpers,
    comparison,
    complex_parts,
    elementwise,
    linalg,
    reductions,
    transcendental,
)
from functrans.primitives import shape as shape_prims

eig_p = core.Primitive("eig", multiple_results=True)

_LAPACK_DTYPES = tuple(np.dtype(d) for d in (np.float32, np.float64, np.complex64,
                                              np.complex128))


def eig(a):
    """`(w, v, v_inv)`: eigenvalues, right eigenvectors (columns) and `v^-1`, complex."""
    w, v, v_inv = eig_p.bind(a)
    return w, v, v_inv


@eig_p.def_abstract_eval
def _eig_abstract_eval(a):
    _helpers.check_kind("eig", a, "fc")
    if a.dtype not in _LAPACK_DTYPES:
        raise _helpers.shape_error(
            "eig", f"needs float32, float64, complex64 or complex128 operands (LAPACK has no "
            f"{a.dtype.name}); convert with convert_element_type", a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise _helpers.shape_error("eig", "needs a square matrix or a stack of them", a)
    cdt = dtypes.complex_dtype(a.dtype)
    return [ir.ShapedArray(a.shape[:-1], cdt), ir.ShapedArray(a.shape, cdt),
            ir.ShapedArray(a.shape, cdt)]


# Chunked backends (functrans/backend.py) decompose block by block, matrix axes whole.
eig_p.def_core_axes(lambda a: (((-2, -1),), ((-1,), (-2, -1), (-2, -1))))


@eig_p.def_impl
def _eig_impl(a):
    cdt = dtypes.complex_dtype(backend.asarray(a).dtype)
    w, v = np.linalg.eig(a)
    w, v = w.astype(cdt), v.astype(cdt)
    return [w, v, np.linalg.inv(v).astype(cdt)]


@eig_p.def_flops
def _eig_flops(eqn) -> int:
    # The nonsymmetric QR algorithm with eigenvectors: about 25 n^3 (Golub & Van Loan, 7.5),
    # plus the inverse, about 2 n^3.
    aval = eqn.invars[0].aval
    batch = _helpers.size(ir.ShapedArray(aval.shape[:-2], aval.dtype))
    return 27 * int(aval.shape[-1]) ** 3 * batch


# --------------------------------------------------------------------------- differentiation


def _mm(x, y):
    nd = core.get_aval(x).ndim
    batch = tuple(range(nd - 2))
    return linalg.dot_general(x, y, (((nd - 1,), (nd - 2,)), (batch, batch)))


def _eye_like(x):
    aval = core.get_aval(x)
    return np.ascontiguousarray(np.broadcast_to(np.eye(aval.shape[-1], dtype=aval.dtype),
                                                aval.shape))


def _along(s, shape, axis: int):
    """Vectors `(..., n)` broadcast to matrices, varying along `axis` (-1: entry (i, j) is
    s_j; -2: s_i)."""
    nd = len(shape)
    return shape_prims.broadcast_in_dim(s, shape, (*range(nd - 2), nd + axis))


def _column_sums(x):
    return shape_prims.reduce_sum(x, (core.get_aval(x).ndim - 2,))


def _normalize_tangent(v, du):
    """`du + v diag(c)` with complex `c` such that each column keeps unit norm and the
    tangent of its largest component (real in v, LAPACK's normalization) stays real."""
    shape = core.get_aval(v).shape
    cdt = core.get_aval(v).dtype
    # Unit norm: Re(v_k^H dv_k) = 0.
    drift = complex_parts.real(_column_sums(elementwise.mul(complex_parts.conj(v), du)))
    du = elementwise.sub(du, elementwise.mul(v, elementwise.convert_element_type(
        _along(drift, shape, -1), cdt)))
    # The largest component's tangent real: add i c_k v_k, c_k = -Im(du[m, k]) / v[m, k].
    biggest = reductions.argmax(transcendental.abs(v), core.get_aval(v).ndim - 2, np.int64)
    rows = np.ascontiguousarray(np.broadcast_to(
        np.arange(shape[-1]).reshape(shape[-1], 1), shape))
    onehot = comparison.eq(_along(biggest, shape, -1), rows)
    zeros = _helpers.zeros_like_aval(core.get_aval(v))
    v_m = complex_parts.real(_column_sums(elementwise.select(onehot, v, zeros)))
    du_m = complex_parts.imag(_column_sums(elementwise.select(onehot, du, zeros)))
    c = elementwise.neg(elementwise.div(du_m, v_m))
    turn = complex_parts.complex_(_helpers.zeros_like_aval(core.get_aval(c)), c)
    return elementwise.add(du, elementwise.mul(v, _along(turn, shape, -1)))


@eig_p.def_jvp
def _eig_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    w, v, v_inv = eig_p.bind(a)
    cdt = core.get_aval(v).dtype
    t = elementwise.convert_element_type(t, cdt)
    lam = _mm(v_inv, _mm(t, v))                     # L = v^-1 dA v
    eye = _eye_like(lam)
    dw = shape_prims.reduce_sum(elementwise.mul(lam, eye), (core.get_aval(lam).ndim - 1,))
    shape = core.get_aval(lam).shape
    # F_ij = 1/(w_j - w_i) off the diagonal, 0 on it (JAX's construction: inf at a tie).
    gaps = elementwise.add(elementwise.sub(_along(w, shape, -1), _along(w, shape, -2)), eye)
    f = elementwise.sub(elementwise.integer_pow(gaps, -1), eye)
    dv = _normalize_tangent(v, _mm(v, elementwise.mul(f, lam)))
    dv_inv = elementwise.neg(_mm(v_inv, _mm(dv, v_inv)))
    return [w, v, v_inv], [dw, dv, dv_inv]


@eig_p.def_batch
def _eig_batch(args, dims, *, axis_size):
    # Leading dims are batch dims of NumPy's gufunc: put the batch axis first.
    (a,), (bdim,) = args, dims
    outs = eig_p.bind(shape_prims.bdim_at_front(a, bdim, axis_size))
    return outs, [0, 0, 0]
