"""The contraction primitive `dot_general` and all of its rules.

Owns: `dot_general_p` and its wrapper `dot_general(x, y, dimension_numbers)`.
Does not own: NumPy's conveniences (`dot`, `matmul`, `tensordot`, `einsum`), which
`functrans.numpy` builds out of `dot_general` and the shape primitives.

`dimension_numbers` is `((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))`, four tuples
of non-negative ints. Output dims are the batch dims (in `lhs_batch` order), then the free
dims of `x` in order, then the free dims of `y` in order (JAX's convention).
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, ir
from functrans.primitives import _helpers, basis, elementwise
from functrans.primitives import shape as shape_prims

Zero = ir.Zero

dot_general_p = core.Primitive("dot_general")
dot_general_p.def_linear_in((0,), (1,))   # bilinear: in each operand given the other


def dot_general(x, y, dimension_numbers):
    """Contract `x` and `y` over paired dims, batching over paired dims.

    `dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))`; lists and
    negative dims are accepted and normalized against the ranks of `x` and `y`.
    """
    (lc, rc), (lb, rb) = dimension_numbers
    x_ndim = core.get_aval(x).ndim
    y_ndim = core.get_aval(y).ndim
    dims = ((_normalize_dims(lc, x_ndim), _normalize_dims(rc, y_ndim)),
            (_normalize_dims(lb, x_ndim), _normalize_dims(rb, y_ndim)))
    return dot_general_p.bind(x, y, dimension_numbers=dims)


def _normalize_dims(dims, ndim: int) -> tuple[int, ...]:
    """In-range negative dims count from the end; others are left for the shape rule to reject."""
    return tuple(int(d) % ndim if -ndim <= int(d) < 0 else int(d) for d in dims)


def _free_dims(ndim: int, contract, batch) -> list[int]:
    return [d for d in range(ndim) if d not in contract and d not in batch]


# --------------------------------------------------------------------------- shape rule


@dot_general_p.def_abstract_eval
def _dot_general_abstract_eval(x, y, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    _helpers.check_kind("dot_general", x, "fiuc")
    if x.dtype != y.dtype:
        raise _helpers.shape_error(
            "dot_general", "operands must have the same dtype; use functrans.numpy.dot or "
            "matmul, which promote, or convert_element_type", x, y)
    _check_dim_pairs(x, y, lc, rc, "contracting", dimension_numbers)
    _check_dim_pairs(x, y, lb, rb, "batch", dimension_numbers)
    for contract, batch, side in ((lc, lb, "lhs"), (rc, rb, "rhs")):
        if len(set(contract + batch)) != len(contract) + len(batch):
            raise _helpers.shape_error(
                "dot_general", f"{side} dims {contract} (contracting) and {batch} (batch) must "
                f"not repeat a dim; dimension_numbers={dimension_numbers}", x, y)
    shape = (tuple(x.shape[d] for d in lb)
             + tuple(x.shape[d] for d in _free_dims(x.ndim, lc, lb))
             + tuple(y.shape[d] for d in _free_dims(y.ndim, rc, rb)))
    return ir.ShapedArray(shape, x.dtype, x.weak_type and y.weak_type)


def _check_dim_pairs(x, y, lhs_dims, rhs_dims, kind: str, dimension_numbers) -> None:
    """Paired dims: as many on each side, in range, and of equal sizes."""
    if len(lhs_dims) != len(rhs_dims):
        raise _helpers.shape_error(
            "dot_general", f"{kind} dims must pair up, got lhs {lhs_dims} and rhs {rhs_dims}; "
            f"dimension_numbers={dimension_numbers}", x, y)
    for side, aval, dims in (("lhs", x, lhs_dims), ("rhs", y, rhs_dims)):
        bad = [d for d in dims if not 0 <= d < aval.ndim]
        if bad:
            raise _helpers.shape_error(
                "dot_general", f"{side} {kind} dims {bad} are out of range for an operand of "
                f"rank {aval.ndim}; dimension_numbers={dimension_numbers}", x, y)
    for dl, dr in zip(lhs_dims, rhs_dims, strict=True):
        if x.shape[dl] != y.shape[dr]:
            raise _helpers.shape_error(
                "dot_general", f"{kind} dims differ in size: lhs dim {dl} has size "
                f"{x.shape[dl]} but rhs dim {dr} has size {y.shape[dr]}; "
                f"dimension_numbers={dimension_numbers}", x, y)


@dot_general_p.def_flops
def _dot_general_flops(eqn) -> int:
    # A multiply and an add per output element and contracted index: 2*M*N*K for a matmul.
    (lhs_contract, _), _ = eqn.params["dimension_numbers"]
    lhs_shape = eqn.invars[0].aval.shape
    k = int(np.prod([lhs_shape[d] for d in lhs_contract], dtype=np.int64))
    return 2 * _helpers.size(eqn.outvars[0].aval) * k


# --------------------------------------------------------------------------- NumPy evaluation


@dot_general_p.def_impl
def _dot_general_impl(x, y, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if not lb:
        xn, yn = np.ndim(x), np.ndim(y)
        if 1 <= xn <= 2 and 1 <= yn <= 2 and rc == (0,) and lc == (xn - 1,):
            # Exactly `x @ y` (matmul, matvec, vecmat, inner product): one BLAS call.
            return backend.asarray(np.matmul(x, y))
        if not lc and xn == 1 and yn == 1:
            # An outer product: each entry is one exact product, as with matmul.
            return np.multiply.outer(x, y)
    if type(x) is not np.ndarray:   # (the common case first: no call)
        x = backend.asarray(x)
    if type(y) is not np.ndarray:
        y = backend.asarray(y)
    # General case as one (batched) matmul: lhs to (batch, free, contract) and rhs to
    # (batch, contract, free). Transposes are views; BLAS takes transposed 2-D views as is.
    lf = _free_dims(x.ndim, lc, lb)
    rf = _free_dims(y.ndim, rc, rb)
    xt = x.transpose(lb + tuple(lf) + lc)
    yt = y.transpose(rb + rc + tuple(rf))
    batch_shape = tuple(x.shape[d] for d in lb)
    m = _prod(x.shape[d] for d in lf)
    k = _prod(x.shape[d] for d in lc)
    n = _prod(y.shape[d] for d in rf)
    if lb:
        b = _prod(batch_shape)
        out = np.matmul(xt.reshape(b, m, k), yt.reshape(b, k, n))
    else:
        out = np.matmul(xt.reshape(m, k), yt.reshape(k, n))
    out_shape = batch_shape + tuple(x.shape[d] for d in lf) + tuple(y.shape[d] for d in rf)
    return out.reshape(out_shape)


def _prod(sizes) -> int:
    out = 1
    for s in sizes:
        out *= s
    return out


# --------------------------------------------------------------------------- differentiation


@dot_general_p.def_jvp
def _dot_general_jvp(primals, tangents, *, dimension_numbers):
    # Bilinear: d(x . y) = dx . y + x . dy
    x, y = primals
    tx, ty = tangents
    out = dot_general_p.bind(x, y, dimension_numbers=dimension_numbers)
    t_out = Zero(core.get_aval(out))
    if not isinstance(tx, Zero):
        t_out = elementwise.add_tangents(
            t_out, dot_general_p.bind(tx, y, dimension_numbers=dimension_numbers))
    if not isinstance(ty, Zero):
        t_out = elementwise.add_tangents(
            t_out, dot_general_p.bind(x, ty, dimension_numbers=dimension_numbers))
    return out, t_out


@dot_general_p.def_transpose
def _dot_general_transpose(ct, x, y, *, dimension_numbers):
    x_undef = isinstance(x, ir.UndefPrimal)
    y_undef = isinstance(y, ir.UndefPrimal)
    if x_undef and y_undef:
        raise NotImplementedError(
            "dot_general: transpose with both operands linear is not defined (it is bilinear, "
            "not linear, in the pair); one operand must be a known value")
    (lc, rc), (lb, rb) = dimension_numbers
    if x_undef:
        return _transpose_operand(ct, y, x.aval.ndim, lc, rc, lb, rb, ct_first=True), None
    return None, _transpose_operand(ct, x, y.aval.ndim, rc, lc, rb, lb, ct_first=False)


def _transpose_operand(ct, other, ndim: int, contract, other_contract, batch, other_batch,
                       *, ct_first: bool):
    """Cotangent of the linear operand (rank `ndim`) of `dot_general`, given the other one.

    `ct` has dims (batch, lhs free, rhs free). Contracting `ct`'s dims that belong to the
    other operand's free dims with those free dims (and batching over the batch dims) gives
    dims (batch, this operand's free dims, this operand's contracting dims ordered as the
    other operand's contracting dims are in its own axis order); a transpose restores order.
    """
    other_ndim = core.get_aval(other).ndim
    other_free = _free_dims(other_ndim, other_contract, other_batch)
    n_batch = len(batch)
    n_free = ndim - len(contract) - n_batch
    if ct_first:   # `other` is the rhs: its free dims are the last ones of ct
        ct_other_free = tuple(range(n_batch + n_free, n_batch + n_free + len(other_free)))
    else:          # `other` is the lhs: its free dims come right after the batch dims
        ct_other_free = tuple(range(n_batch, n_batch + len(other_free)))
    dims = ((ct_other_free, tuple(other_free)), (tuple(range(n_batch)), tuple(other_batch)))
    res = dot_general_p.bind(ct, other, dimension_numbers=dims)
    paired = sorted(zip(other_contract, contract, strict=True))
    src = list(batch) + _free_dims(ndim, contract, batch) + [d for _, d in paired]
    perm = tuple(int(i) for i in np.argsort(src))
    if perm == tuple(range(ndim)):
        return res
    return shape_prims.transpose(res, perm)


# --------------------------------------------------------------------------- batching


@dot_general_p.def_batch
def _dot_general_batch(args, dims, *, axis_size, dimension_numbers):
    x, y = args
    xd, yd = dims
    (lc, rc), (lb, rb) = dimension_numbers
    lc, lb = _shift_dims(lc, xd), _shift_dims(lb, xd)
    rc, rb = _shift_dims(rc, yd), _shift_dims(rb, yd)
    if xd is not None and yd is not None:
        # Both mapped: the batch axes pair up as a new leading batch dim of the output.
        dn = ((lc, rc), ((xd, *lb), (yd, *rb)))
        return dot_general_p.bind(x, y, dimension_numbers=dn), 0
    dn = ((lc, rc), (lb, rb))
    out = dot_general_p.bind(x, y, dimension_numbers=dn)
    # One mapped: its batch axis is just another free dim, which lands among that
    # operand's free dims in the output (no data movement).
    if xd is not None:
        return out, len(lb) + sum(d < xd for d in _free_dims(core.get_aval(x).ndim, lc, lb))
    x_free = core.get_aval(x).ndim - len(lc) - len(lb)
    return out, len(lb) + x_free + sum(d < yd for d in _free_dims(core.get_aval(y).ndim, rc, rb))


def _shift_dims(dims, bdim: int | None) -> tuple[int, ...]:
    """Dims of an unbatched operand renumbered for the operand with batch axis `bdim`."""
    if bdim is None:
        return tuple(dims)
    return tuple(d + (d >= bdim) for d in dims)


# --------------------------------------------------------------------------- simplification


@dot_general_p.def_simplify
def _dot_general_simplify(eqn, ctx):
    (lc, _), (lb, _) = eqn.params["dimension_numbers"]
    if lb or len(lc) != 1:
        return None
    x, y = eqn.invars
    if ctx.definition(x) is None and ctx.definition(y) is None:
        return None
    # A product with the Jacobian basis scaled along its diagonal is a scaling of the other
    # operand (primitives/basis.py).
    return basis.simplify_dot(eqn, ctx)
