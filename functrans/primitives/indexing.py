"""Indexing primitives along one axis: `gather` and the scatters, with all of their rules.

Owns: `gather_p`, `scatter_add_p`, `scatter_p`, `scatter_mul_p` and their wrappers
`gather(x, indices, axis)` and `scatter_*(x, indices, updates, axis)`.
Does not own: NumPy-style indexing (`x[...]`, `x.at[...]`), which `functrans.numpy` builds
out of these and the shape primitives.

All four index one axis of `x` with an integer array `indices` of any shape (0-d included);
the indexed view, and so `gather`'s output and the scatters' `updates`, has shape
`x.shape[:axis] + indices.shape + x.shape[axis + 1:]`. Negative indices count from the end.
Differences from JAX: out-of-range indices raise NumPy's IndexError when the program is
evaluated (JAX clamps gathers and drops scatters), also under `vmap`. The gradients of
`scatter` and `scatter_mul` assume unique indices, as JAX's do: with repeated indices `scatter`
keeps the last write (NumPy's rule) but its transpose still sends a cotangent to every write,
and `scatter_mul`'s derivative in `updates` ignores the other factors at the same index.
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, ir
from functrans.primitives import _helpers, comparison, elementwise
from functrans.primitives import shape as shape_prims

Zero = ir.Zero

gather_p = core.Primitive("gather")
scatter_add_p = core.Primitive("scatter_add")
scatter_p = core.Primitive("scatter")
scatter_mul_p = core.Primitive("scatter_mul")

# Linearity (each needs a transpose rule below): gather in the operand, not the indices;
# scatter_add and scatter in (operand, updates) jointly; scatter_mul in the operand, given
# the updates.
gather_p.def_linear_in((0,))
scatter_add_p.def_linear_in((0, 2))
scatter_p.def_linear_in((0, 2))
scatter_mul_p.def_linear_in((0,))


def _updates_size(eqn) -> int:
    """FLOPs of scatter_add and scatter_mul: one add or multiply per update element (gather
    and scatter only move data)."""
    return _helpers.size(eqn.invars[2].aval)


scatter_add_p.def_flops(_updates_size)
scatter_mul_p.def_flops(_updates_size)


# --------------------------------------------------------------------------- wrappers


def gather(x, indices, axis):
    """`np.take(x, indices, axis)`: the entries of `x` at `indices` along `axis`."""
    indices = _as_indices(indices)
    return gather_p.bind(x, indices, axis=_normalize_axis(x, axis, "gather"))


def scatter_add(x, indices, updates, axis):
    """`x` with `updates` added at `indices` along `axis`; repeated indices accumulate."""
    indices = _as_indices(indices)
    return scatter_add_p.bind(x, indices, updates, axis=_normalize_axis(x, axis, "scatter_add"))


def scatter(x, indices, updates, axis):
    """`x` with `updates` written at `indices` along `axis`; the last of repeated writes wins."""
    indices = _as_indices(indices)
    return scatter_p.bind(x, indices, updates, axis=_normalize_axis(x, axis, "scatter"))


def scatter_mul(x, indices, updates, axis):
    """`x` multiplied by `updates` at `indices` along `axis` (`np.multiply.at`)."""
    indices = _as_indices(indices)
    return scatter_mul_p.bind(x, indices, updates, axis=_normalize_axis(x, axis, "scatter_mul"))


def _as_indices(indices):
    if isinstance(indices, (list, tuple)):
        return backend.asarray(indices)
    return indices


def _normalize_axis(x, axis, prim: str) -> int:
    return _helpers.normalize_axes((axis,), core.get_aval(x).ndim, prim)[0]


# --------------------------------------------------------------------------- shape rules


def _check_indexed(prim: str, x, indices, axis: int, *avals) -> tuple[int, ...]:
    """Validate `indices` and `axis`; return the shape of the indexed view of `x`."""
    if indices.dtype.kind not in "iu":
        raise _helpers.shape_error(
            prim, f"indices must have an integer dtype, got {indices.dtype.name}; convert "
            "them with convert_element_type", *avals)
    if not (isinstance(axis, int) and 0 <= axis < x.ndim):
        raise _helpers.shape_error(
            prim, f"axis {axis!r} is not a Python int in [0, {x.ndim}) for an operand of "
            f"rank {x.ndim}; pass an axis in that range", *avals)
    return x.shape[:axis] + indices.shape + x.shape[axis + 1:]


@gather_p.def_abstract_eval
def _gather_abstract_eval(x, indices, *, axis):
    shape = _check_indexed("gather", x, indices, axis, x, indices)
    return ir.ShapedArray(shape, x.dtype, x.weak_type)


def _scatter_abstract_eval(name: str, kinds: str):
    def rule(x, indices, updates, *, axis):
        _helpers.check_kind(name, x, kinds)
        shape = _check_indexed(name, x, indices, axis, x, indices, updates)
        if updates.dtype != x.dtype:
            raise _helpers.shape_error(
                name, f"updates must have x's dtype {x.dtype.name}, got "
                f"{updates.dtype.name}; use convert_element_type", x, indices, updates)
        if updates.shape != shape:
            raise _helpers.shape_error(
                name, f"updates must have shape x.shape[:axis] + indices.shape + "
                f"x.shape[axis+1:] = {shape} for axis={axis}, got {updates.shape}",
                x, indices, updates)
        return ir.ShapedArray(x.shape, x.dtype, x.weak_type and updates.weak_type)

    return rule


scatter_add_p.def_abstract_eval(_scatter_abstract_eval("scatter_add", "fiuc"))
scatter_p.def_abstract_eval(_scatter_abstract_eval("scatter", "fiubc"))
scatter_mul_p.def_abstract_eval(_scatter_abstract_eval("scatter_mul", "fiuc"))


# --------------------------------------------------------------------------- NumPy evaluation


def _index(indices, axis: int) -> tuple:
    """The NumPy index of `indices` along `axis`: `x[:, ..., :, indices]`."""
    return (slice(None),) * axis + (backend.asarray(indices),)


@gather_p.def_impl
def _gather_impl(x, indices, *, axis):
    return backend.asarray(np.take(x, indices, axis=axis))


def _whole(*avals, **params):
    """Chunked backends (functrans/backend.py) scatter with every array in one chunk: Dask
    has no `ufunc.at` and assigns only through simple indices."""
    return tuple(tuple(range(a.ndim)) for a in avals), (tuple(range(avals[0].ndim)),)


for _p in (scatter_add_p, scatter_p, scatter_mul_p):
    _p.def_core_axes(_whole)


@gather_p.def_core_axes
def _gather_core_axes(x, indices, *, axis):
    """Dask gathers along one axis with a vector of indices only: with an index array of more
    dimensions, the operands are whole (one chunk)."""
    if indices.ndim <= 1:
        return None
    return (tuple(range(x.ndim)), tuple(range(indices.ndim))), (
        tuple(range(x.ndim - 1 + indices.ndim)),)


@scatter_add_p.def_impl
def _scatter_add_impl(x, indices, updates, *, axis):
    out = backend.array(x)
    np.add.at(out, _index(indices, axis), updates)
    return out


@scatter_p.def_impl
def _scatter_impl(x, indices, updates, *, axis):
    out = backend.array(x)
    out[_index(indices, axis)] = updates
    return out


@scatter_mul_p.def_impl
def _scatter_mul_impl(x, indices, updates, *, axis):
    out = backend.array(x)
    np.multiply.at(out, _index(indices, axis), updates)
    return out


# --------------------------------------------------------------------------- differentiation


def _zeros(aval_or_value):
    aval = aval_or_value.aval if isinstance(aval_or_value, ir.UndefPrimal) else (
        core.get_aval(aval_or_value))
    return np.zeros(aval.shape, aval.dtype)


@gather_p.def_jvp
def _gather_jvp(primals, tangents, *, axis):
    # Linear in x; the indices are integers and carry no tangent.
    x, indices = primals
    tx, _ = tangents
    out = gather_p.bind(x, indices, axis=axis)
    if isinstance(tx, Zero):
        return out, Zero(core.get_aval(out))
    return out, gather_p.bind(tx, indices, axis=axis)


@gather_p.def_transpose
def _gather_transpose(ct, x, indices, *, axis):
    # Each gathered entry came from one entry of x: cotangents add up where indices repeat.
    return scatter_add_p.bind(_zeros(x), indices, ct, axis=axis), None


@scatter_add_p.def_jvp
def _scatter_add_jvp(primals, tangents, *, axis):
    # Linear in (x, updates): d out = scatter_add(dx, indices, d updates).
    x, indices, updates = primals
    tx, _, tu = tangents
    out = scatter_add_p.bind(x, indices, updates, axis=axis)
    if isinstance(tu, Zero):
        return out, tx
    return out, scatter_add_p.bind(core.instantiate(tx), indices, tu, axis=axis)


@scatter_add_p.def_transpose
def _scatter_add_transpose(ct, x, indices, updates, *, axis):
    ct_x = ct if isinstance(x, ir.UndefPrimal) else None
    ct_updates = None
    if isinstance(updates, ir.UndefPrimal):
        ct_updates = gather_p.bind(ct, indices, axis=axis)
    return ct_x, None, ct_updates


@scatter_p.def_jvp
def _scatter_jvp(primals, tangents, *, axis):
    # Linear in (x, updates) jointly: the written entries take the updates' tangents.
    x, indices, updates = primals
    tx, _, tu = tangents
    out = scatter_p.bind(x, indices, updates, axis=axis)
    t_out = scatter_p.bind(core.instantiate(tx), indices, core.instantiate(tu), axis=axis)
    return out, t_out


@scatter_p.def_transpose
def _scatter_transpose(ct, x, indices, updates, *, axis):
    # Exact for unique indices; with repeated ones every write gets a cotangent (as in JAX).
    ct_x = None
    if isinstance(x, ir.UndefPrimal):
        ct_x = scatter_p.bind(ct, indices, _zeros(updates), axis=axis)
    ct_updates = None
    if isinstance(updates, ir.UndefPrimal):
        ct_updates = gather_p.bind(ct, indices, axis=axis)
    return ct_x, None, ct_updates


@scatter_mul_p.def_jvp
def _scatter_mul_jvp(primals, tangents, *, axis):
    # With unique indices out = x * u at the indices and x elsewhere, so
    # d out = scatter_mul(dx, indices, u) + x * scatter_add(0, indices, du).
    x, indices, updates = primals
    tx, _, tu = tangents
    out = scatter_mul_p.bind(x, indices, updates, axis=axis)
    t_out = Zero(core.get_aval(out))
    if not isinstance(tx, Zero):
        t_out = scatter_mul_p.bind(tx, indices, updates, axis=axis)
    if not isinstance(tu, Zero):
        spread = scatter_add_p.bind(_zeros(x), indices, tu, axis=axis)
        t_out = elementwise.add_tangents(t_out, elementwise.mul(x, spread))
    return out, t_out


@scatter_mul_p.def_transpose
def _scatter_mul_transpose(ct, x, indices, updates, *, axis):
    # For known updates, scatter_mul scales each entry of x by a fixed factor (a diagonal map).
    if isinstance(updates, ir.UndefPrimal):
        raise NotImplementedError(
            "scatter_mul: transpose with respect to updates is not defined (scatter_mul is "
            "linear only in x, for known updates)")
    return scatter_mul_p.bind(ct, indices, updates, axis=axis), None, None


# --------------------------------------------------------------------------- batching


@gather_p.def_batch
def _gather_batch(args, dims, *, axis_size, axis):
    x, indices = args
    xd, idx_d = dims
    idx_ndim = core.get_aval(indices).ndim
    if idx_d is None:
        # Only x mapped: gather along the shifted axis; the batch axis stays put or moves
        # past the index dims.
        axis_b = axis + (axis >= xd)
        out = gather_p.bind(x, indices, axis=axis_b)
        return out, (xd if xd < axis_b else xd - 1 + idx_ndim)
    if xd is None:
        # Only the indices mapped: their batch axis is one of the output's index dims.
        return gather_p.bind(x, indices, axis=axis), axis + idx_d
    # Both mapped: merge (batch, axis) of x into one axis and offset each batch's indices.
    x_flat, n = _merge_batch_and_axis(x, xd, axis)
    flat_idx = _flat_indices(shape_prims.moveaxis(indices, idx_d, 0), n, axis_size)
    out = gather_p.bind(x_flat, flat_idx, axis=0)        # (B, *index_rest, *pre, *post)
    k = idx_ndim - 1
    out_ndim = core.get_aval(out).ndim
    perm = (0, *range(1 + k, 1 + k + axis), *range(1, 1 + k), *range(1 + k + axis, out_ndim))
    return _transpose(out, perm), 0


def _scatter_batcher(prim: core.Primitive):
    def batch(args, dims, *, axis_size, axis):
        x, indices, updates = args
        xd, idx_d, ud = dims
        if idx_d is None:
            return _scatter_batch_shared_indices(prim, args, dims, axis_size, axis)
        # Indices mapped: merge (batch, axis) of x into one axis, offset each batch's
        # indices into it, and scatter once along that merged axis.
        x = shape_prims.bdim_at_front(x, xd, axis_size)
        x_flat, n = _merge_batch_and_axis(x, 0, axis)         # (B * n, *pre, *post)
        indices = shape_prims.moveaxis(indices, idx_d, 0)      # (B, *index_rest)
        flat_idx = _flat_indices(indices, n, axis_size)
        k = core.get_aval(indices).ndim - 1
        updates = _updates_index_first(updates, ud, axis, k, axis_size)
        out = prim.bind(x_flat, flat_idx, updates, axis=0)
        x_aval = core.get_aval(x)
        out = shape_prims.reshape(out, (axis_size, n, *x_aval.shape[1:axis + 1],
                                  *x_aval.shape[axis + 2:]))
        ndim = x_aval.ndim
        return _transpose(out, (0, *range(2, 2 + axis), 1, *range(2 + axis, ndim))), 0

    return batch


def _scatter_batch_shared_indices(prim, args, dims, axis_size, axis):
    """Batching with unmapped indices: one scatter along x's shifted axis, no data movement."""
    x, indices, updates = args
    xd, _, ud = dims
    if xd is None:
        x = shape_prims.bdim_at_front(x, None, axis_size)
        xd = 0
    axis_b = axis + (axis >= xd)
    idx_ndim = core.get_aval(indices).ndim
    # Where the batch axis must sit in updates so they index like the batched x.
    u_dim = xd if xd < axis_b else xd - 1 + idx_ndim
    if ud is None:
        u_shape = list(core.get_aval(updates).shape)
        u_shape.insert(u_dim, axis_size)
        keep = tuple(i for i in range(len(u_shape)) if i != u_dim)
        updates = shape_prims.broadcast_in_dim(updates, tuple(u_shape), keep)
    else:
        updates = shape_prims.moveaxis(updates, ud, u_dim)
    return prim.bind(x, indices, updates, axis=axis_b), xd


scatter_add_p.def_batch(_scatter_batcher(scatter_add_p))
scatter_p.def_batch(_scatter_batcher(scatter_p))
scatter_mul_p.def_batch(_scatter_batcher(scatter_mul_p))


def _transpose(x, perm: tuple[int, ...]):
    if perm == tuple(range(len(perm))):
        return x
    return shape_prims.transpose(x, perm)


def _merge_batch_and_axis(x, bdim: int, axis: int):
    """`x` (batch axis `bdim`) as `(B * n, *pre, *post)` for the unbatched `axis` of size n."""
    aval = core.get_aval(x)
    axis_b = axis + (axis >= bdim)
    rest = [d for d in range(aval.ndim) if d not in (bdim, axis_b)]
    x = _transpose(x, (bdim, axis_b, *rest))
    n = aval.shape[axis_b]
    merged = shape_prims.reshape(x, (aval.shape[bdim] * n, *(aval.shape[d] for d in rest)))
    return merged, n


def _updates_index_first(updates, ud, axis: int, k: int, axis_size: int):
    """Updates of one batch, `(*pre, *index_rest, *post)`, as `(B, *index_rest, *pre, *post)`.

    `axis` is the number of `pre` dims and `k` the number of `index_rest` dims.
    """
    u_aval = core.get_aval(updates)
    u_ndim = u_aval.ndim - (ud is not None)
    order = [*range(axis, axis + k), *range(axis), *range(axis + k, u_ndim)]
    if ud is None:
        updates = _transpose(updates, tuple(order))
        moved = core.get_aval(updates).shape
        return shape_prims.broadcast_in_dim(updates, (axis_size, *moved),
                                            tuple(range(1, u_ndim + 1)))
    positions = [d + (d >= ud) for d in order]
    return _transpose(updates, (ud, *positions))


def _flat_indices(indices, n: int, axis_size: int):
    """Indices `(B, ...)` into an axis of size n, as indices into the merged `(B * n)` axis.

    Batch b's in-range index i (negative ones count from the end) becomes `b * n + i mod n`.
    Out-of-range indices become `B * n`, out of range of the merged axis too, so evaluation
    raises IndexError exactly as the unbatched program does.
    """
    idx_dtype = np.dtype(np.int64)
    if core.get_aval(indices).dtype != idx_dtype:
        indices = elementwise.convert_element_type(indices, idx_dtype)
    shape = core.get_aval(indices).shape
    size = idx_dtype.type(n)
    wrapped = elementwise.select(comparison.lt(indices, idx_dtype.type(0)),
                                 elementwise.add(indices, size), indices)
    in_range = comparison.and_(comparison.ge(wrapped, idx_dtype.type(0)),
                                comparison.lt(wrapped, size))
    offsets = np.arange(axis_size, dtype=idx_dtype).reshape((axis_size,) + (1,) * (len(shape) - 1))
    flat = elementwise.add(wrapped, np.broadcast_to(offsets * n, shape).copy())
    return elementwise.select(in_range, flat, np.full(shape, axis_size * n, idx_dtype))
