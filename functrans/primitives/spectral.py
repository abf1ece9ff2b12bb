"""Spectral decomposition primitives, `eigh` and `svd`, with all of their rules.

Owns: `eigh_p` (symmetric eigendecomposition) and `svd_p` (singular value decomposition),
their wrappers `eigh(a, lower=)` and `svd(a, full_matrices=, compute_uv=)`, and the
batched-matrix helpers their JVPs use.
Does not own: NumPy's conveniences (named tuples, `UPLO`, `hermitian=`, `pinv`, `lstsq`,
norms), which `functrans.numpy.linalg._spectral` builds on these.

Both take float32, float64, complex64 or complex128 stacks of matrices (`(..., m, n)`,
leading dims batched: the impl is NumPy's gufunc) and batch natively, so their batching
rule moves the batch axis to the front. Eigenvalues and singular values are real (float32
for complex64) for complex operands too, as NumPy's and JAX's.

Complex operands (JAX's rules, with `^H` where the real rules have `^T`): eigh reads a
Hermitian matrix from one triangle (the imaginary part of its diagonal is not read, as in
LAPACK), `P = V^H dA V`, `dw = Re diag(P)`, `dV = V (F * P)`, which fixes the phases by
`diag(V^H dV) = 0`. svd: `dS = U^H dA V`, `ds = Re diag(dS)`, `dU = U (F * (dS S + S
dS^H) + i Im(diag dS) S^-1)` (the last term fixes the phase of U's columns, V's absorbing
none; 0 where s = 0), `dV = V (F * (S dS + dS^H S))`, and the off-range terms with `^H`.
Eigenvectors and singular vectors are defined up to a phase per column, so only functions
independent of those phases (projectors `v v^H`, `u_k vh_k`, ...) have derivatives that
match finite differences of NumPy's vectors.

- `eigh[lower]`: `(w, v)`, eigenvalues ascending `(..., n)` and eigenvectors as columns
  `(..., n, n)` of the symmetric matrix whose lower (`lower=True`) or upper triangle is the
  operand's (the other triangle is not read, as in NumPy/LAPACK). JVP (Giles 2008): with
  `dA` the tangent of that symmetric matrix, `tril(t) + tril(t, -1)^T` (or the upper
  form), and `P = V^T dA V`: `dw = diag(P)`, `dV = V (F * P)` where `F_ij = 1/(w_j - w_i)`
  off the diagonal and 0 on it, built as JAX does (`1/(I + w_j - w_i) - I`), so a repeated
  eigenvalue gives inf/NaN eigenvector tangents while `dw` stays finite.
- `svd[full_matrices, compute_uv]`: `(u, s, vh)` as NumPy's, or `(s,)` without
  `compute_uv`; `s` descending. JVP for the reduced SVD (Townsend 2016; Seeger et al. 2017,
  as JAX's): `dS = U^T dA V`, `ds = diag(dS)`, `dU = U (F * (dS S + S dS^T)) + (I - U U^T)
  dA V S^-1` (the second term only when m > n), `dV` alike with `dA^T` (when n > m), where
  `F_ij = 1/(s_j^2 - s_i^2)` off the diagonal. Repeated singular values give inf/NaN
  singular-vector tangents and a zero singular value of a non-square matrix an inf one;
  `ds` is always finite. With `compute_uv=False` the rule computes `U`, `V` itself. With
  `full_matrices=True` the JVP needs a square matrix (then it equals the reduced SVD): the
  extra columns of a non-square matrix's U or V are not unique (JAX raises too).
"""
from __future__ import annotations

import numpy as np

from functrans import core, dtypes, errors, ir
from functrans.primitives import (
    _helpers,
    comparison,
    complex_parts,
    elementwise,
    linalg,
    triangular,
)
from functrans.primitives import shape as shape_prims

eigh_p = core.Primitive("eigh", multiple_results=True)
svd_p = core.Primitive("svd", multiple_results=True)

_LAPACK_DTYPES = tuple(np.dtype(d) for d in (np.float32, np.float64, np.complex64,
                                              np.complex128))


# --------------------------------------------------------------------------- wrappers


def eigh(a, *, lower: bool = True):
    """`(w, v)`: the eigenvalues (ascending) and eigenvectors (columns) of the symmetric
    matrices whose lower (or upper) triangle is `a`'s."""
    w, v = eigh_p.bind(a, lower=bool(lower))
    return w, v


def svd(a, *, full_matrices: bool = False, compute_uv: bool = True):
    """`(u, s, vh)` with `a = u[..., :k] * s @ vh[..., :k, :]`, or `s` without `compute_uv`."""
    outs = svd_p.bind(a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    return tuple(outs) if compute_uv else outs[0]


# --------------------------------------------------------------------------- shape rules


def _check_matrices(prim: str, a: ir.ShapedArray) -> None:
    _helpers.check_kind(prim, a, "fc")
    if a.dtype not in _LAPACK_DTYPES:
        raise _helpers.shape_error(
            prim, f"needs float32, float64, complex64 or complex128 operands (LAPACK has no "
            f"{a.dtype.name}); convert with convert_element_type", a)
    if a.ndim < 2:
        raise _helpers.shape_error(
            prim, f"needs a matrix or a stack of matrices (rank >= 2), got rank {a.ndim}", a)


def _check_bools(prim: str, a: ir.ShapedArray, **flags) -> None:
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise _helpers.shape_error(prim, f"{name}={value!r} must be a bool", a)


@eigh_p.def_abstract_eval
def _eigh_abstract_eval(a, *, lower):
    _check_matrices("eigh", a)
    _check_bools("eigh", a, lower=lower)
    if a.shape[-1] != a.shape[-2]:
        raise _helpers.shape_error(
            "eigh", f"needs square matrices, got shape {a.shape[-2:]} in the last two dims", a)
    return [ir.ShapedArray(a.shape[:-1], dtypes.real_dtype(a.dtype)),
            ir.ShapedArray(a.shape, a.dtype)]


@svd_p.def_abstract_eval
def _svd_abstract_eval(a, *, full_matrices, compute_uv):
    _check_matrices("svd", a)
    _check_bools("svd", a, full_matrices=full_matrices, compute_uv=compute_uv)
    *batch, m, n = a.shape
    k = min(m, n)
    s = ir.ShapedArray((*batch, k), dtypes.real_dtype(a.dtype))
    if not compute_uv:
        return [s]
    cols_u, rows_vh = (m, n) if full_matrices else (k, k)
    return [ir.ShapedArray((*batch, m, cols_u), a.dtype), s,
            ir.ShapedArray((*batch, rows_vh, n), a.dtype)]


# --------------------------------------------------------------------------- NumPy evaluation


# Chunked backends (functrans/backend.py) decompose block by block, matrix axes whole.
eigh_p.def_core_axes(lambda a, **p: (((-2, -1),), ((-1,), (-2, -1))))
svd_p.def_core_axes(lambda a, *, compute_uv, **p: (
    ((-2, -1),), ((-2, -1), (-1,), (-2, -1)) if compute_uv else ((-1,),)))


@eigh_p.def_impl
def _eigh_impl(a, *, lower):
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")
    return [w, v]


@svd_p.def_impl
def _svd_impl(a, *, full_matrices, compute_uv):
    if not compute_uv:
        return [np.linalg.svd(a, full_matrices=full_matrices, compute_uv=False)]
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices, compute_uv=True)
    return [u, s, vh]


# --------------------------------------------------------------------------- FLOP counts


def _batch_size(aval: ir.ShapedArray) -> int:
    return _helpers.size(ir.ShapedArray(aval.shape[:-2], aval.dtype))


@eigh_p.def_flops
def _eigh_flops(eqn) -> int:
    # The symmetric QR algorithm with eigenvectors: about 9 n^3 (Golub & Van Loan, 8.3).
    aval = eqn.invars[0].aval
    return 9 * int(aval.shape[-1]) ** 3 * _batch_size(aval)


@svd_p.def_flops
def _svd_flops(eqn) -> int:
    # Golub-Reinsch (Golub & Van Loan, Fig. 8.6.1), m >= n: s only 4mn^2 - 4n^3/3; reduced
    # U, s, V 14mn^2 + 8n^3; full 4m^2 n + 8mn^2 + 9n^3.
    aval = eqn.invars[0].aval
    m, n = sorted(int(d) for d in aval.shape[-2:])[::-1]
    if not eqn.params["compute_uv"]:
        count = 4 * m * n * n - 4 * n ** 3 // 3
    elif eqn.params["full_matrices"]:
        count = 4 * m * m * n + 8 * m * n * n + 9 * n ** 3
    else:
        count = 14 * m * n * n + 8 * n ** 3
    return count * _batch_size(aval)


# --------------------------------------------------------------------------- matrix helpers


def _mT(x):
    """The stack of transposed matrices."""
    nd = core.get_aval(x).ndim
    return shape_prims.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _mH(x):
    """The stack of conjugate-transposed matrices (transposed, for real ones)."""
    return triangular.adjoint(x)


def _real_part(x):
    """Re(x) for complex x; real x as it is."""
    return complex_parts.real(x) if core.get_aval(x).dtype.kind == "c" else x


def _like(x, ref):
    """Real `x` converted to `ref`'s (complex) dtype, or as it is if the dtypes agree."""
    dtype = core.get_aval(ref).dtype
    if core.get_aval(x).dtype == dtype:
        return x
    return elementwise.convert_element_type(x, dtype)


def _mm(x, y):
    """The stack of matrix products `x @ y` (equal leading dims)."""
    nd = core.get_aval(x).ndim
    batch = tuple(range(nd - 2))
    return linalg.dot_general(x, y, (((nd - 1,), (nd - 2,)), (batch, batch)))


def _eye_like(x, shape=None):
    """The identity broadcast to the shape of the stack of square matrices `x` (a constant);
    or, given a dtype and a shape, of that dtype and shape."""
    if shape is None:
        aval = core.get_aval(x)
        dtype, shape = aval.dtype, aval.shape
    else:
        dtype = x
    eye = np.eye(shape[-1], dtype=dtype)
    return np.ascontiguousarray(np.broadcast_to(eye, shape))


def _diag_part(x):
    """The diagonals `(..., n)` of a stack of square matrices `(..., n, n)`."""
    nd = core.get_aval(x).ndim
    return shape_prims.reduce_sum(elementwise.mul(x, _eye_like(x)), (nd - 1,))


def _along(s, shape, axis: int):
    """The vectors `s` `(..., k)` broadcast to the matrices `shape`, varying along `axis`
    (-1: entry (i, j) is s_j; -2: it is s_i)."""
    nd = len(shape)
    return shape_prims.broadcast_in_dim(s, shape, (*range(nd - 2), nd + axis))


def _reciprocal_gaps(row, col, eye):
    """`1 / (row - col)` off the diagonal, 0 on it (JAX's construction: inf at a tie)."""
    gaps = elementwise.add(elementwise.sub(row, col), eye)
    return elementwise.sub(elementwise.integer_pow(gaps, -1), eye)


# --------------------------------------------------------------------------- differentiation


def _read_triangle(t, lower: bool):
    """The tangent of the symmetric (Hermitian) matrix eigh reads from `t`'s lower (upper)
    triangle: the triangle, its (conjugate) transpose, and the diagonal's real part (LAPACK
    does not read a Hermitian matrix's imaginary diagonal)."""
    aval = core.get_aval(t)
    n = aval.shape[-1]
    strict = np.tril(np.ones((n, n), aval.dtype), -1)
    if not lower:
        strict = strict.T
    strict = np.ascontiguousarray(np.broadcast_to(strict, aval.shape))
    diag = elementwise.mul(t, _eye_like(t))
    if aval.dtype.kind == "c":
        diag = _like(complex_parts.real(diag), t)
    off = elementwise.mul(t, strict)
    return elementwise.add(elementwise.add(diag, off), _mH(off))


@eigh_p.def_jvp
def _eigh_jvp(primals, tangents, *, lower):
    # dw = Re diag(V^H dA V); dV = V (F * V^H dA V), F_ij = 1/(w_j - w_i) off the diagonal
    # (JAX's: the diagonal of V^H dV is zero, a choice of the eigenvectors' phases).
    (a,), (t,) = primals, tangents
    w, v = eigh_p.bind(a, lower=lower)
    p = _mm(_mH(v), _mm(_read_triangle(t, lower), v))
    shape = core.get_aval(v).shape
    eye = _eye_like(core.get_aval(w).dtype, shape)
    f = _reciprocal_gaps(_along(w, shape, -1), _along(w, shape, -2), eye)
    return [w, v], [_real_part(_diag_part(p)), _mm(v, elementwise.mul(_like(f, p), p))]


def _full_matrices_error(shape) -> errors.FunctransValueError:
    return errors.FunctransValueError(
        f"svd: no derivative of U and Vh with full_matrices=True for a non-square matrix "
        f"(shape {tuple(shape)}): the extra singular vectors are not unique. Pass "
        "full_matrices=False (as JAX requires), or compute_uv=False / svdvals for the "
        "singular values only.")


@svd_p.def_jvp
def _svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    (a,), (t,) = primals, tangents
    *_, m, n = core.get_aval(a).shape
    if compute_uv and full_matrices and m != n:
        raise _full_matrices_error(core.get_aval(a).shape)
    # A square matrix's full SVD is its reduced one.
    u, s, vh = svd_p.bind(a, full_matrices=compute_uv and full_matrices, compute_uv=True)
    v = _mH(vh)
    ds_mat = _mm(_mH(u), _mm(t, v))               # dS = U^H dA V
    ds = _real_part(_diag_part(ds_mat))           # ds = Re diag(dS)
    if not compute_uv:
        return [s], [ds]
    shape = core.get_aval(ds_mat).shape
    s_j, s_i = _along(s, shape, -1), _along(s, shape, -2)
    eye = _eye_like(core.get_aval(s).dtype, shape)
    # F_ij = 1/(s_j^2 - s_i^2) off the diagonal.
    f = _like(_reciprocal_gaps(elementwise.mul(s_j, s_j), elementwise.mul(s_i, s_i), eye),
              ds_mat)
    ds_s = elementwise.mul(ds_mat, _like(s_j, ds_mat))     # dS diag(s)
    s_ds = elementwise.mul(_like(s_i, ds_mat), ds_mat)     # diag(s) dS
    inner_u = elementwise.mul(f, elementwise.add(ds_s, _mH(ds_s)))
    if core.get_aval(ds_mat).dtype.kind == "c":
        # JAX's phase term: (dS - dS^H) / 2 S^-1 on the diagonal (zero for real values; a
        # zero singular value gives 0 there, JAX's guard).
        inner_u = elementwise.add(inner_u, _phase_term(ds_mat, s, eye))
    du = _mm(u, inner_u)
    dv = _mm(v, elementwise.mul(f, elementwise.add(s_ds, _mH(s_ds))))
    if m > n:
        du = elementwise.add(du, _off_range(t, u, v, s))
    if n > m:
        dv = elementwise.add(dv, _off_range(_mH(t), v, u, s))
    return [u, s, vh], [du, ds, _mH(dv)]


def _phase_term(ds_mat, s, eye):
    """`diag(i Im(dS_kk) / s_k)` (0 where s_k = 0): `(dS - dS^H) / 2 * S^-1` as JAX."""
    s_aval = core.get_aval(s)
    zeros = elementwise.convert_element_type(comparison.eq(s, np.zeros((), s_aval.dtype)),
                                             s_aval.dtype)
    s_inv = elementwise.sub(elementwise.integer_pow(elementwise.add(s, zeros), -1), zeros)
    im = elementwise.mul(complex_parts.imag(_diag_part(ds_mat)), s_inv)
    turn = complex_parts.complex_(_helpers.zeros_like_aval(s_aval), im)
    shape = core.get_aval(ds_mat).shape
    return elementwise.mul(_along(turn, shape, -1), _like(eye, ds_mat))


def _off_range(t, u, v, s):
    """`(I - U U^H) dA V S^-1`: the part of dU outside the span of U's columns."""
    t_v = _mm(t, v)
    resid = elementwise.sub(t_v, _mm(u, _mm(_mH(u), t_v)))
    return elementwise.div(resid, _like(_along(s, core.get_aval(resid).shape, -1), resid))


# --------------------------------------------------------------------------- batching


def _batcher(prim: core.Primitive):
    def batch(args, dims, *, axis_size, **params):
        # Leading dims are batch dims of the NumPy gufunc: put the batch axis first.
        (a,), (bdim,) = args, dims
        outs = prim.bind(shape_prims.bdim_at_front(a, bdim, axis_size), **params)
        return outs, [0] * len(outs)
    return batch


eigh_p.def_batch(_batcher(eigh_p))
svd_p.def_batch(_batcher(svd_p))
