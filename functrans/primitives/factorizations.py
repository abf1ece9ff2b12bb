"""Matrix factorization primitives: Cholesky, LU, QR, each with all of its rules.

Owns: `cholesky_p` (`cholesky(a)`: the lower factor of `(..., n, n)`, reading the lower
triangle only), `lu_p` (`lu(a)`: `(lu, pivots, permutation)` of `(..., m, n)`, as
`jax.lax.linalg.lu`), `qr_p` (`qr(a, full_matrices)`: `(q, r)`). All map natively over
leading dimensions (their batching rules move the batch axis to the front).
Does not own the triangular solve (triangular.py) or NumPy's conveniences
(`functrans.numpy.linalg`).

Float32/64 and complex64/128 operands. Complex conventions (JAX's): cholesky of a Hermitian
positive definite matrix (`a = L L^H`, the lower triangle read, L's diagonal real), its
tangent symmetrized to `(dA + dA^H) / 2`; lu pivots on `|Re| + |Im|` (LAPACK's izamax, so
the pivots are SciPy's) and its JVP is holomorphic; qr's R has a real diagonal (LAPACK's
Householder), `C = Q^H dA R^-1` and the skew-Hermitian Omega gets `i Im(diag C)` on its
diagonal so that `diag(dR)` stays real. Transposes are transposes and conjugates appear
only where the formula has `^H` (JAX's rules).

Conventions (JAX's):
- cholesky of a matrix that is not positive definite is all nan (per matrix of a stack);
  `functrans.numpy.linalg.cholesky` raises on concrete input instead, as NumPy does. Its JVP
  is Murray (2016), `dL = L Phi(L^-1 sym(dA) L^-T)` with `Phi` the lower triangle with a
  halved diagonal and `sym(dA) = (dA + dA^T) / 2`: the tangent is symmetrized, as JAX's
  (which symmetrizes the input), so derivatives are those of a function of symmetric
  matrices and gradients are symmetric; along a non-symmetric direction they are not the
  derivative of the impl (which reads the lower triangle only).
- lu: partial pivoting (the largest entry in the column, the first of equal ones); `lu`
  packs the unit lower L (strictly below the diagonal) and U; `pivots[i]` is the row swapped
  with row i at step i (int32), `permutation` the resulting row order (int32), so
  `a[permutation] = L @ U`. A zero pivot leaves its column as it is (LAPACK's getrf). The
  JVP is the standard one (as JAX's): with `P dA = L (L^-1 P dA U^-1) U`, `dL = L
  tril(X, -1)`, `dU = triu(X) U` for `X = L^-1 P dA U^-1` (L padded to m x m, U to n x n).
- qr: NumPy's Householder QR (`numpy.linalg.qr`), the signs LAPACK gives. The JVP (Walter &
  Lehmann; j-towns' note, as JAX's) for `m >= n` reduced; for `m < n` the square part
  `X = Q U` follows the same rule and the rest `Y = Q V` gives `dV = Q^T (dY - dQ V)`.
  `full_matrices=True` with `m > n` has no derivative (the extra columns of Q are not
  unique): NotImplementedError, as JAX's.
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, ir
from functrans.primitives import (
    _helpers,
    complex_parts,
    elementwise,
    slicing,
    sorting,
    triangular,
)
from functrans.primitives import shape as shape_prims

Zero = ir.Zero
INDEX_DTYPE = np.dtype(np.int32)
_LU_BLOCK = 32

cholesky_p = core.Primitive("cholesky")
lu_p = core.Primitive("lu", multiple_results=True)
qr_p = core.Primitive("qr", multiple_results=True)

matmul = triangular.matmul
mT = triangular.matrix_transpose


def cholesky(a):
    """The lower Cholesky factor of each matrix of `a` (nan where not positive definite)."""
    return cholesky_p.bind(a)


def lu(a):
    """`(lu, pivots, permutation)` of each matrix of `a`, as `jax.lax.linalg.lu`."""
    return tuple(lu_p.bind(a))


def qr(a, full_matrices=False):
    """`(q, r)` of each matrix of `a`: complete when `full_matrices`, else reduced."""
    return tuple(qr_p.bind(a, full_matrices=bool(full_matrices)))


def _check_matrix(prim: str, a, square: bool) -> None:
    _helpers.check_kind(prim, a, "fc")
    if a.ndim < 2:
        raise _helpers.shape_error(prim, "the operand must be a (stack of) matrices, of rank "
                                   ">= 2", a)
    if square and a.shape[-1] != a.shape[-2]:
        raise _helpers.shape_error(prim, "the operand must be a (stack of) square matrices "
                                   "(..., n, n)", a)


def _batch_front(prim: core.Primitive):
    def batch(args, dims, *, axis_size, **params):
        (x,), (bdim,) = args, dims
        out = prim.bind(shape_prims.moveaxis(x, bdim, 0), **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return batch


def _flops(per_matrix):
    def flops(eqn) -> int:
        aval = eqn.invars[0].aval
        m, n = (int(d) for d in aval.shape[-2:])
        return _helpers.size(aval) // max(m * n, 1) * per_matrix(m, n)
    return flops


def _eye_like(x, n: int):
    """The n x n identity broadcast to `x`'s leading dims (a constant)."""
    aval = core.get_aval(x)
    return np.broadcast_to(np.eye(n, dtype=aval.dtype), (*aval.shape[:-2], n, n)).copy()


# --------------------------------------------------------------------------- cholesky


@cholesky_p.def_abstract_eval
def _cholesky_abstract_eval(a):
    _check_matrix("cholesky", a, square=True)
    return a


@cholesky_p.def_impl
def _cholesky_impl(a):
    a = backend.asarray(a)
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        pass
    # Some matrix is not positive definite: factor one by one, that one becomes nan.
    flat = a.reshape((-1, *a.shape[-2:]))
    out = np.empty_like(flat)
    for i, m in enumerate(flat):
        try:
            out[i] = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            out[i] = np.nan
    return out.reshape(a.shape)


@cholesky_p.def_jvp
def _cholesky_jvp(primals, tangents):
    # Murray 2016: dL = L Phi(L^-1 sym(dA) L^-T), Phi = lower triangle, diagonal halved.
    # Complex: sym(dA) = (dA + dA^H) / 2 and L^-1 sym(dA) L^-H (JAX's conjugate_a).
    (a,), (t,) = primals, tangents
    low = cholesky(a)
    half = np.asarray(0.5, core.get_aval(a).dtype)
    sym = elementwise.mul(elementwise.add(t, triangular.adjoint(t)), half)
    tmp = triangular.triangular_solve(triangular.conj(low), sym, left_side=False, lower=True,
                                      transpose_a=True)
    inner = triangular.triangular_solve(low, tmp, left_side=True, lower=True)
    n = core.get_aval(a).shape[-1]
    scale = np.ones((n, n), core.get_aval(a).dtype) - 0.5 * np.eye(n, dtype=core.get_aval(a).dtype)
    aval = core.get_aval(inner)
    scale = shape_prims.broadcast_in_dim(scale, aval.shape, (aval.ndim - 2, aval.ndim - 1))
    phi = elementwise.mul(triangular.band(inner, lower=True), scale)
    return low, matmul(low, phi)


cholesky_p.def_batch(_batch_front(cholesky_p))
cholesky_p.def_flops(_flops(lambda m, n: n ** 3 // 3))


# --------------------------------------------------------------------------- lu


@lu_p.def_abstract_eval
def _lu_abstract_eval(a):
    _check_matrix("lu", a, square=False)
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    return (a, ir.ShapedArray((*batch, min(m, n)), INDEX_DTYPE),
            ir.ShapedArray((*batch, m), INDEX_DTYPE))


# Chunked backends (functrans/backend.py) factor block by block, matrix axes whole.
cholesky_p.def_core_axes(lambda a, **p: (((-2, -1),), ((-2, -1),)))
lu_p.def_core_axes(lambda a, **p: (((-2, -1),), ((-2, -1), (-1,), (-1,))))
qr_p.def_core_axes(lambda a, **p: (((-2, -1),), ((-2, -1), (-2, -1))))


@lu_p.def_impl
def _lu_impl(a):
    a = backend.asarray(a)
    shape = a.shape
    m, n = shape[-2:]
    k = min(m, n)
    work = backend.array(a.reshape((int(np.prod(shape[:-2], dtype=np.int64)), m, n)))
    like = backend.like()
    perm = np.tile(np.arange(m, dtype=INDEX_DTYPE, like=like), (work.shape[0], 1))
    pivots = np.zeros((work.shape[0], k), INDEX_DTYPE, like=like)
    with np.errstate(all="ignore"):
        for s in range(0, k, _LU_BLOCK):
            e = min(s + _LU_BLOCK, k)
            _lu_panel(work, perm, pivots, s, e)
            if e < n:
                # U12 = L11^-1 A12, then the trailing update A22 -= L21 U12.
                l11 = np.tril(work[:, s:e, s:e], -1) + np.eye(e - s, dtype=work.dtype, like=like)
                u12 = triangular._forward_substitution(l11, work[:, s:e, e:])
                work[:, s:e, e:] = u12
                work[:, e:, e:] -= work[:, e:, s:e] @ u12
    batch = shape[:-2]
    return [work.reshape(shape), pivots.reshape((*batch, k)), perm.reshape((*batch, m))]


def _lu_panel(work, perm, pivots, s: int, e: int) -> None:
    """Unblocked LU with partial pivoting of columns s:e (rows s: of them), on a contiguous
    copy of the panel; its row swaps are then applied to the other columns and to `perm`
    at once (LAPACK's dgetf2 then dlaswp)."""
    panel = work[:, s:, s:e].copy()
    on_host = backend.like() is None
    if panel.shape[0] == 1 and on_host:
        # (Not on a device: its Python-int pivots are a device-to-host sync per column.)
        order = _lu_panel_one(panel[0], pivots[0], s)[None]
    else:
        order = _lu_panel_stack(panel, pivots, s)
    work[:, s:, s:e] = panel
    if on_host:
        # A panel's swaps move at most 2 (e - s) rows: gather only those (the positions
        # where any matrix's order moved), not the whole trailing and leading blocks.
        # (Not on a device: the positions are a device-to-host sync.)
        moved = np.flatnonzero((order != np.arange(order.shape[1])).any(axis=0))
        if moved.size == 0:
            return
        rows, dst = order[:, moved], s + moved
    else:
        rows, dst = order, np.arange(s, work.shape[1], like=backend.like())
    if s:
        work[:, dst, :s] = np.take_along_axis(work[:, s:, :s], rows[:, :, None], axis=1)
    if e < work.shape[2]:
        work[:, dst, e:] = np.take_along_axis(work[:, s:, e:], rows[:, :, None], axis=1)
    perm[:, dst] = np.take_along_axis(perm[:, s:], rows, axis=1)


def _magnitude(x):
    """The pivot size LAPACK's getrf compares: |x|, and |Re x| + |Im x| for complex x (its
    izamax), so that the pivots are SciPy's."""
    if x.dtype.kind == "c":
        return np.abs(x.real) + np.abs(x.imag)
    return np.abs(x)


def _lu_panel_one(panel, pivots, s: int):
    """The panel loop for one matrix, with Python ints and lists (this loop's call overhead
    is most of the factorization's time: a third of the NumPy calls of the stacked loop)."""
    width = panel.shape[1]
    order = list(range(panel.shape[0]))
    chosen = []
    magnitude = _magnitude if panel.dtype.kind == "c" else np.abs
    for j in range(width):
        p = j + int(magnitude(panel[j:, j]).argmax())
        chosen.append(s + p)
        if p != j:
            row = panel[j].copy()
            panel[j] = panel[p]
            panel[p] = row
            order[j], order[p] = order[p], order[j]
        piv = panel[j, j]
        if piv != 0:
            panel[j + 1:, j] /= piv
        if j + 1 < width:
            panel[j + 1:, j + 1:] -= np.multiply.outer(panel[j + 1:, j], panel[j, j + 1:])
    pivots[s:s + width] = chosen
    return np.array(order)


def _lu_panel_stack(panel, pivots, s: int):
    """The panel loop over a stack of matrices (each its own pivots: fancy indexing)."""
    batch = np.arange(panel.shape[0], like=backend.like())
    order = np.tile(np.arange(panel.shape[1], like=backend.like()), (panel.shape[0], 1))
    for j in range(panel.shape[2]):
        p = j + np.argmax(_magnitude(panel[:, j:, j]), axis=1)
        pivots[:, s + j] = s + p
        panel[batch, j], panel[batch, p] = panel[batch, p], panel[batch, j].copy()
        order[batch, j], order[batch, p] = order[batch, p], order[batch, j].copy()
        piv = panel[:, j, j]
        col = panel[:, j + 1:, j]
        np.divide(col, piv[:, None], out=col, where=(piv != 0)[:, None])
        panel[:, j + 1:, j + 1:] -= col[:, :, None] * panel[:, j, None, j + 1:]
    return order


@lu_p.def_jvp
def _lu_jvp(primals, tangents):
    # P dA = dL U + L dU; with X = L^-1 P dA U^-1: dL = L tril(X, -1), dU = triu(X) U.
    (a,), (t,) = primals, tangents
    lu_, pivots, perm = lu(a)
    aval = core.get_aval(a)
    m, n = aval.shape[-2:]
    k = min(m, n)
    nd = aval.ndim
    idx = shape_prims.broadcast_in_dim(
        elementwise.convert_element_type(perm, np.dtype(np.int64)), aval.shape,
        tuple(range(nd - 1)))
    x = sorting.take_along_axis(t, idx, nd - 2)     # P dA: rows in the pivoted order
    zero = np.zeros((), aval.dtype)
    lower = triangular.band(_take_columns(lu_, k), lower=True, offset=-1)
    lower = elementwise.add(_pad_last(lower, 1, m - k, zero), _eye_like(a, m))
    upper = triangular.band(_take_rows(lu_, k), lower=False)
    upper = elementwise.add(_pad_last(upper, 2, n - k, zero), _corner_eye(a, n, k))
    la = triangular.triangular_solve(lower, x, left_side=True, lower=True, unit_diagonal=True)
    lau = triangular.triangular_solve(upper, la, left_side=False, lower=False)
    l_dot = matmul(lower, triangular.band(lau, lower=True, offset=-1))
    u_dot = matmul(triangular.band(lau, lower=False), upper)
    return [lu_, pivots, perm], [elementwise.add(l_dot, u_dot), Zero(core.get_aval(pivots)),
                                 Zero(core.get_aval(perm))]


def _take_columns(x, k: int):
    shape = core.get_aval(x).shape
    if shape[-1] == k:
        return x
    return slicing.slice(x, (0,) * len(shape), (*shape[:-1], k))


def _take_rows(x, k: int):
    shape = core.get_aval(x).shape
    if shape[-2] == k:
        return x
    return slicing.slice(x, (0,) * len(shape), (*shape[:-2], k, shape[-1]))


def _pad_last(x, which: int, extra: int, zero):
    """`x` padded with `extra` zeros at the end of axis -1 (which=1) or -2 (which=2)."""
    if extra == 0:
        return x
    nd = core.get_aval(x).ndim
    config = [(0, 0, 0)] * nd
    config[nd - which] = (0, extra, 0)
    return slicing.pad(x, zero, tuple(config))


def _corner_eye(a, n: int, k: int):
    """The n x n matrix with the identity in its trailing (n-k) x (n-k) block."""
    eye = np.zeros((n, n), core.get_aval(a).dtype)
    eye[k:, k:] = np.eye(n - k)
    return np.broadcast_to(eye, (*core.get_aval(a).shape[:-2], n, n)).copy()


lu_p.def_batch(_batch_front(lu_p))
lu_p.def_flops(_flops(lambda m, n: m * n * min(m, n) - min(m, n) ** 3 // 3))


# --------------------------------------------------------------------------- qr


@qr_p.def_abstract_eval
def _qr_abstract_eval(a, *, full_matrices):
    _check_matrix("qr", a, square=False)
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    cols = m if full_matrices else min(m, n)
    return (ir.ShapedArray((*batch, m, cols), a.dtype),
            ir.ShapedArray((*batch, cols, n), a.dtype))


@qr_p.def_impl
def _qr_impl(a, *, full_matrices):
    a = backend.asarray(a)
    m, n = a.shape[-2:]
    if a.size == 0:
        cols = m if full_matrices else min(m, n)
        like = backend.like()
        eye = np.eye(m, cols, dtype=a.dtype, like=like)
        q = np.broadcast_to(eye, (*a.shape[:-2], m, cols)).copy()
        return [q, np.zeros((*a.shape[:-2], cols, n), a.dtype, like=like)]
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return [q, r]


@qr_p.def_jvp
def _qr_jvp(primals, tangents, *, full_matrices):
    (a,), (t,) = primals, tangents
    m, n = core.get_aval(a).shape[-2:]
    if full_matrices and m > n:
        raise NotImplementedError(
            "qr: the derivative of the complete QR (full_matrices=True) of a tall matrix (m > "
            "n) is not defined (the last m - n columns of q are not unique), as in JAX; use "
            "full_matrices=False (mode='reduced')")
    q, r = qr(a, full_matrices)
    if m >= n:
        dq, dr = _qr_square_jvp(q, r, t)
        return [q, r], [dq, dr]
    # Wide: a = [X | Y] = q [U | V] with X = q U square, so dV = q^T (dY - dq V).
    nd = core.get_aval(a).ndim
    shape = core.get_aval(a).shape
    start, mid = (0,) * nd, (*shape[:-1], m)
    dx = slicing.slice(t, start, mid)
    dy = slicing.slice(t, (0,) * (nd - 1) + (m,), shape)
    u = slicing.slice(r, start, mid)
    v = slicing.slice(r, (0,) * (nd - 1) + (m,), shape)
    dq, du = _qr_square_jvp(q, u, dx)
    dv = matmul(triangular.adjoint(q), elementwise.sub(dy, matmul(dq, v)))
    return [q, r], [dq, slicing.concatenate([du, dv], nd - 1)]


def _qr_square_jvp(q, r, t):
    # With C = q^H dA R^-1 and Omega = tril(C, -1) - tril(C, -1)^H (skew-Hermitian):
    # dq = q (Omega - C) + dA R^-1,  dR = (C - Omega) R. Complex: Omega's diagonal is
    # i Im(diag C), which keeps diag(dR) real as LAPACK's R diagonal is (JAX's correction).
    dx_rinv = triangular.triangular_solve(r, t, left_side=False, lower=False)
    c = matmul(triangular.adjoint(q), dx_rinv)
    low = triangular.band(c, lower=True, offset=-1)
    omega = elementwise.sub(low, triangular.adjoint(low))
    if core.get_aval(c).dtype.kind == "c":
        diag = triangular.band(triangular.band(c, lower=True), lower=False)
        im = complex_parts.imag(diag)
        omega = elementwise.add(omega, complex_parts.complex_(
            _helpers.zeros_like_aval(core.get_aval(im)), im))
    dq = elementwise.add(matmul(q, elementwise.sub(omega, c)), dx_rinv)
    dr = matmul(elementwise.sub(c, omega), r)
    return dq, dr


qr_p.def_batch(_batch_front(qr_p))
qr_p.def_flops(_flops(lambda m, n: 2 * m * n * min(m, n) - 2 * min(m, n) ** 3 // 3))
