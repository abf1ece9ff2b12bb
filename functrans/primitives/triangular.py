"""The triangular solve primitive and the batched-matrix helpers its rules share.

Owns: `triangular_solve_p` and its wrapper `triangular_solve(a, b, *, left_side, lower,
transpose_a, unit_diagonal)`, which solves `op(a) @ x = b` (`left_side`) or `x @ op(a) = b`
with `op(a) = a` or `a.T` (`transpose_a`) for a triangular `a` of shape `(..., n, n)` and a
`b` of shape `(..., n, k)` (left) or `(..., k, n)` (right), the same leading dimensions on
both (the primitive batches natively over them). Only the triangle named by `lower` is read;
with `unit_diagonal` the diagonal is taken to be ones (and not read). Also owns the helpers
`matmul`, `matrix_transpose` and `band` (`tril`/`triu` by `select`) over batched matrices,
which the factorizations' rules use, and `conj`/`adjoint` (identities on real values).
Does not own the factorizations (factorizations.py) or NumPy's conveniences
(`functrans.numpy.linalg`).

The solve is linear in `b` (its transpose is the solve with `transpose_a` flipped) and its
JVP in `a` is `-solve(a, op(tri(da)) @ x)` (or `x @ op(tri(da))` on the right), `tri(da)`
being the read triangle of the tangent. A zero on the diagonal gives inf/nan, as LAPACK's
`trsm` does. Float and complex operands (both of one dtype): the solve is holomorphic in
both, and its transpose is the plain (unconjugated) one, as JAX's; a conjugate transpose
`a^H` is a solve with `conj(a)` and `transpose_a` (the helpers `conj` and `adjoint`).

The impl is a blocked substitution in NumPy (NumPy has no triangular solver): blocks of
`_BLOCK` rows, forward from the top for a lower triangle and backward from the bottom for an
upper one (transposes are views: nothing is copied or flipped whole), each block one matmul
with the rows already solved and one solve with its `_BLOCK x _BLOCK` diagonal block, O(n^2 k)
per matrix and vectorized over the batch. A diagonal block with at least as many
right-hand sides as rows is solved through its inverse and a matmul (`_diagonal_block_solve`
says why that is as accurate), one with fewer through `numpy.linalg.solve`. Measured by
`python bench/linalg_kernels.py` (docs/linalg.md "Speed").
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, ir
from functrans.primitives import _helpers, complex_parts, elementwise, linalg
from functrans.primitives import shape as shape_prims

Zero = ir.Zero
_BLOCK = 32

triangular_solve_p = core.Primitive("triangular_solve")
triangular_solve_p.def_linear_in((1,))   # linear in b for a fixed a


def triangular_solve(a, b, *, left_side=True, lower=True, transpose_a=False,
                     unit_diagonal=False):
    """`x` with `op(a) @ x = b` (`left_side`) or `x @ op(a) = b`; `a` triangular."""
    return triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                   transpose_a=bool(transpose_a),
                                   unit_diagonal=bool(unit_diagonal))


# --------------------------------------------------------------------------- matrix helpers


def matmul(x, y):
    """`x @ y` for `(..., m, k)` and `(..., k, n)` with equal leading dims: one dot_general."""
    nd = core.get_aval(x).ndim
    batch = tuple(range(nd - 2))
    return linalg.dot_general(x, y, (((nd - 1,), (nd - 2,)), (batch, batch)))


def matrix_transpose(x):
    """`x` with its last two axes swapped."""
    nd = core.get_aval(x).ndim
    return shape_prims.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def conj(x):
    """`conj(x)` for a complex `x`; a real `x` as it is (no equation)."""
    return complex_parts.conj(x) if core.get_aval(x).dtype.kind == "c" else x


def adjoint(x):
    """The conjugate transpose of each matrix of `x` (the transpose for real `x`)."""
    return matrix_transpose(conj(x))


def band_mask(shape, lower: bool, offset: int = 0) -> np.ndarray:
    """Bool `(m, n)` mask of `tril(., offset)` (lower) or `triu(., offset)` (upper)."""
    m, n = shape[-2:]
    rows, cols = np.arange(m)[:, None], np.arange(n)[None, :]
    return (cols - rows <= offset) if lower else (cols - rows >= offset)


def band(x, lower: bool, offset: int = 0):
    """`tril(x, offset)` or `triu(x, offset)` over the last two axes (a `select`, so inf and
    nan outside the band do not leak into it)."""
    aval = core.get_aval(x)
    mask = band_mask(aval.shape, lower, offset)
    pred = shape_prims.broadcast_in_dim(mask, aval.shape, (aval.ndim - 2, aval.ndim - 1))
    return elementwise.select(pred, x, np.zeros(aval.shape, aval.dtype))


def _read_triangle(x, lower: bool, unit_diagonal: bool):
    """The part of `x` the solve reads: its triangle, without the diagonal if unit."""
    return band(x, lower, (-1 if lower else 1) if unit_diagonal else 0)


# --------------------------------------------------------------------------- shape rule


@triangular_solve_p.def_abstract_eval
def _triangular_solve_abstract_eval(a, b, *, left_side, lower, transpose_a, unit_diagonal):
    name = "triangular_solve"
    _helpers.check_kind(name, a, "fc")
    if a.dtype != b.dtype:
        raise _helpers.shape_error(name, "a and b must have the same dtype; convert first",
                                   a, b)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise _helpers.shape_error(name, "a must be a (stack of) square matrices (..., n, n)",
                                   a, b)
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2]:
        raise _helpers.shape_error(
            name, "b must have a's rank and leading (batch) dimensions; broadcast them first",
            a, b)
    n_b = b.shape[-2] if left_side else b.shape[-1]
    if n_b != a.shape[-1]:
        side = "b.shape[-2]" if left_side else "b.shape[-1]"
        raise _helpers.shape_error(
            name, f"{side} = {n_b} must equal a's order {a.shape[-1]} "
            f"(left_side={left_side})", a, b)
    return ir.ShapedArray(b.shape, b.dtype, a.weak_type and b.weak_type)


@triangular_solve_p.def_flops
def _triangular_solve_flops(eqn) -> int:
    # About n^2 k multiply-adds per matrix: n^2 k FLOPs (with the subtractions, 2 n^2 k / 2).
    a_aval, b_aval = eqn.invars[0].aval, eqn.invars[1].aval
    n = a_aval.shape[-1]
    return _helpers.size(b_aval) * int(n)


# --------------------------------------------------------------------------- NumPy evaluation


# Chunked backends (functrans/backend.py) solve block by block, matrix axes whole.
triangular_solve_p.def_core_axes(lambda a, b, **p: (((-2, -1), (-2, -1)), ((-2, -1),)))


@triangular_solve_p.def_impl
def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, unit_diagonal):
    a, b = backend.asarray(a), backend.asarray(b)
    if a.shape[-1] == 0 or b.size == 0:
        return np.zeros(b.shape, b.dtype, like=backend.like())
    m = a                # views only: the blocks read the triangle, nothing is copied whole
    if transpose_a:
        m, lower = np.swapaxes(m, -1, -2), not lower
    if not left_side:    # x m = b  <=>  m.T x.T = b.T
        m, lower, b = np.swapaxes(m, -1, -2), not lower, np.swapaxes(b, -1, -2)
    with np.errstate(all="ignore"):
        x = _substitute(m, b, lower, unit_diagonal)
    if not left_side:
        x = np.swapaxes(x, -1, -2)
    return backend.asarray(x, b.dtype)


def _forward_substitution(lo, b):
    """Solve `lo @ x = b` for a lower triangular `lo` (read below and on its diagonal)."""
    with np.errstate(all="ignore"):
        return _substitute(lo, b, lower=True, unit_diagonal=False)


def _substitute(m, b, lower: bool, unit_diagonal: bool):
    """Solve `m @ x = b`, reading `m`'s lower (upper) triangle, `_BLOCK` rows at a time:
    forward from the top for a lower `m`, backward from the bottom for an upper one. Each
    block row is one matmul with the rows solved before it (the panel lies strictly inside
    the triangle) and one solve with its diagonal block."""
    n = m.shape[-1]
    x = np.empty(b.shape, b.dtype, like=backend.like())
    starts = range(0, n, _BLOCK)
    for s in (starts if lower else reversed(starts)):
        e = min(s + _BLOCK, n)
        rhs = b[..., s:e, :]
        if lower and s:
            rhs = rhs - m[..., s:e, :s] @ x[..., :s, :]
        elif not lower and e < n:
            rhs = rhs - m[..., s:e, e:] @ x[..., e:, :]
        x[..., s:e, :] = _diagonal_block_solve(m[..., s:e, s:e], rhs, lower, unit_diagonal)
    return x


def _diagonal_block_solve(block, rhs, lower: bool, unit_diagonal: bool):
    """Solve with one diagonal block (its triangle only, ones on the diagonal if unit).

    The block is made upper triangular (a lower one flipped), so LAPACK's partial pivoting
    never swaps a row and its LU is the block itself. With at least as many right-hand sides
    as rows: the block's inverse (a back substitution per column of the identity) times the
    right-hand sides, then one step of refinement with the residual. Three small matmuls run
    2-3x faster than `numpy.linalg.solve` with many columns (LAPACK's small triangular solves
    run at a fraction of matmul's speed), and the refinement makes the result at least as
    accurate as a substitution: against exact solutions, the inverse alone erred a median
    1.7x (at worst 15x) as much as LAPACK's trsm, refined 0.8x (at worst 2x). With fewer
    right-hand sides, a solve. A zero pivot makes LAPACK refuse: then substitute row by row
    (inf/nan, as trsm)."""
    k = block.shape[-1]
    tri = np.tril(block, -1 if unit_diagonal else 0) if lower else np.triu(
        block, 1 if unit_diagonal else 0)
    if unit_diagonal:
        idx = np.arange(k, like=backend.like())
        tri[..., idx, idx] = 1
    up = tri[..., ::-1, ::-1] if lower else tri
    try:
        if rhs.shape[-1] >= k:
            inv = np.linalg.inv(up)
            if lower:
                inv = inv[..., ::-1, ::-1].copy()   # one C-ordered copy, read twice
            x = inv @ rhs
            x = x + inv @ (rhs - tri @ x)
            # An inf in the block (an inf pivot solves to 0: inf * 0 in the residual) or
            # an inverse that overflows (tiny pivots) gives nan/inf where a substitution
            # is finite: then the solve below, as before. (Not on a device: a host read.)
            if backend.like() is not None or np.isfinite(x).all():
                return x
        x = np.linalg.solve(up, rhs[..., ::-1, :] if lower else rhs)
        return x[..., ::-1, :] if lower else x
    except np.linalg.LinAlgError:
        pass
    x = np.empty(rhs.shape, rhs.dtype, like=backend.like())
    for i in (range(k) if lower else reversed(range(k))):
        done = slice(0, i) if lower else slice(i + 1, k)
        acc = np.einsum("...j,...jk->...k", tri[..., i, done], x[..., done, :])
        x[..., i, :] = (rhs[..., i, :] - acc) / tri[..., i, i, None]
    return x


# --------------------------------------------------------------------------- differentiation


@triangular_solve_p.def_jvp
def _triangular_solve_jvp(primals, tangents, *, left_side, lower, transpose_a, unit_diagonal):
    # op(a) x = b:  op(da) x + op(a) dx = db,  so  dx = solve(a, db - op(da) x) (and mirrored
    # on the right), with da restricted to the triangle the solve reads.
    a, b = primals
    ta, tb = tangents
    params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
                  unit_diagonal=unit_diagonal)
    x = triangular_solve(a, b, **params)
    rhs = tb
    if not isinstance(ta, Zero):
        da = _read_triangle(ta, lower, unit_diagonal)
        if transpose_a:
            da = matrix_transpose(da)
        rhs = elementwise.add_tangents(
            rhs, elementwise.neg(matmul(da, x) if left_side else matmul(x, da)))
    if isinstance(rhs, Zero):
        return x, Zero(core.get_aval(x))
    return x, triangular_solve(a, rhs, **params)


@triangular_solve_p.def_transpose
def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, unit_diagonal):
    # b -> op(a)^-1 b transposes to ct -> op(a)^-T ct (and b op(a)^-1 to ct op(a)^-T).
    if isinstance(a, ir.UndefPrimal):
        raise NotImplementedError(
            "triangular_solve: transpose with respect to a is not defined (the solve is not "
            "linear in a); a must be a known value")
    ct_b = triangular_solve(a, ct, left_side=left_side, lower=lower,
                            transpose_a=not transpose_a, unit_diagonal=unit_diagonal)
    return None, ct_b


# --------------------------------------------------------------------------- batching


@triangular_solve_p.def_batch
def _triangular_solve_batch(args, dims, *, axis_size, **params):
    (a, b), (a_dim, b_dim) = args, dims
    if a_dim is None:
        return _batch_rhs_only(a, b, b_dim, axis_size, params)
    # The primitive maps over leading dimensions: put the batch axis first on both (an
    # unbatched b is broadcast, which costs no more than the batch of a's).
    a = shape_prims.moveaxis(a, a_dim, 0)
    b = shape_prims.bdim_at_front(b, b_dim, axis_size)
    return triangular_solve_p.bind(a, b, **params), 0


def _batch_rhs_only(a, b, b_dim: int, axis_size: int, params):
    """One a, a batch of b's: the batch becomes more right-hand sides (columns of b on the
    left side, rows on the right), so a is neither copied nor re-read per example."""
    nd = core.get_aval(b).ndim    # b's rank with the batch axis
    shape = core.get_aval(b).shape
    sizes = [n for d, n in enumerate(shape) if d != b_dim]
    if params["left_side"]:      # (..., n, k, B) -> (..., n, k B)
        moved = shape_prims.moveaxis(b, b_dim, nd - 1)
        flat = shape_prims.reshape(moved, (*sizes[:-1], sizes[-1] * axis_size))
        x = triangular_solve_p.bind(a, flat, **params)
        return shape_prims.reshape(x, (*sizes, axis_size)), nd - 1
    # (..., B, k, n) -> (..., B k, n)
    moved = shape_prims.moveaxis(b, b_dim, nd - 3)
    flat = shape_prims.reshape(moved, (*sizes[:-2], axis_size * sizes[-2], sizes[-1]))
    x = triangular_solve_p.bind(a, flat, **params)
    return shape_prims.reshape(x, (*sizes[:-2], axis_size, *sizes[-2:])), nd - 3
