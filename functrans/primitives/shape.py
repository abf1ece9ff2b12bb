"""Layout primitives: broadcast_in_dim, reshape, transpose, and reduce_sum, broadcast's adjoint.

Each primitive has its impl, shape rule, JVP (all are linear), transpose and batching rule
here. `reduce_sum` lives beside `broadcast_in_dim` because each is the other's transpose;
the other reductions are in `reductions.py`. Also the plain helpers built on these that
every family's rules use: `expand_dims`, `squeeze`, `moveaxis` and `bdim_at_front`.
This is the lowest family (it imports only `_helpers`); does not own slicing, padding or
concatenation (`slicing.py`), or integer-array indexing (`indexing.py`).
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, ir
from functrans.primitives import _helpers

shape_error = _helpers.shape_error

# --------------------------------------------------------------------------- shared helpers


def _nonneg_shape(prim: str, shape, what: str, aval: ir.ShapedArray) -> None:
    if not _helpers.is_ints(shape):
        raise shape_error(prim, f"{what} must be a tuple of Python ints, got {shape!r}", aval)
    if any(n < 0 for n in shape):
        raise shape_error(prim, f"{what}={shape} has a negative size; sizes must be >= 0 "
                          "(for -1 use functrans.numpy.reshape)", aval)


# --------------------------------------------------------------------------- broadcast_in_dim

broadcast_in_dim_p = core.Primitive("broadcast_in_dim")


def broadcast_in_dim(x, shape, broadcast_dimensions):
    """`x` broadcast to `shape`, its dim i becoming output dim `broadcast_dimensions[i]`."""
    shape = _helpers.ints(shape, "shape", "broadcast_in_dim")
    dims = _helpers.ints(broadcast_dimensions, "broadcast_dimensions", "broadcast_in_dim")
    if core.get_aval(x).shape == shape and dims == tuple(range(len(shape))):
        return _helpers.as_array(x)
    return broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=dims)


@broadcast_in_dim_p.def_impl
def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions):
    x = backend.asarray(x)
    kept_shape = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        kept_shape[d] = x.shape[i]
    # NumPy's read-only view, as `np.broadcast_to`: no copy. Transformation outputs that are
    # read-only views are copied where they reach the user (api._run).
    return np.broadcast_to(x.reshape(kept_shape), shape)


@broadcast_in_dim_p.def_abstract_eval
def _broadcast_in_dim_abstract_eval(x, *, shape, broadcast_dimensions):
    prim, dims = "broadcast_in_dim", broadcast_dimensions
    _nonneg_shape(prim, shape, "shape", x)
    if not _helpers.is_ints(dims) or len(dims) != x.ndim:
        raise shape_error(prim, f"broadcast_dimensions={dims!r} must be a tuple of {x.ndim} "
                          "ints, one output dim per operand dim", x)
    if any(not 0 <= d < len(shape) for d in dims) or list(dims) != sorted(set(dims)):
        raise shape_error(prim, f"broadcast_dimensions={dims} must be strictly increasing "
                          f"dims of the output shape {shape}", x)
    for i, d in enumerate(dims):
        if x.shape[i] not in (1, shape[d]):
            raise shape_error(prim, f"operand dim {i} of size {x.shape[i]} cannot go to output "
                              f"dim {d} of size {shape[d]} in shape {shape}; it must be 1 or "
                              "equal", x)
    return ir.ShapedArray(shape, x.dtype, x.weak_type)


@broadcast_in_dim_p.def_transpose
def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions):
    x_shape = x.aval.shape
    # Sum over the new dims and over the operand's size-1 dims that were expanded.
    expanded = [d for i, d in enumerate(broadcast_dimensions) if x_shape[i] != shape[d]]
    new = [d for d in range(len(shape)) if d not in broadcast_dimensions]
    ct_x = reduce_sum(ct, tuple(sorted(new + expanded)))
    return (reshape(ct_x, x_shape),)


@broadcast_in_dim_p.def_batch
def _broadcast_in_dim_batch(args, dims, *, axis_size, shape, broadcast_dimensions):
    (x,), (bdim,) = args, dims
    # Put the batch dim right after the output dim of the operand dim before it, which keeps
    # broadcast_dimensions increasing without moving the operand's batch axis.
    bd = broadcast_dimensions
    out_bdim = 0 if bdim == 0 else bd[bdim - 1] + 1
    new_shape = (*shape[:out_bdim], axis_size, *shape[out_bdim:])
    new_dims = (*bd[:bdim], out_bdim, *(d + 1 for d in bd[bdim:]))
    return broadcast_in_dim(x, new_shape, new_dims), out_bdim


broadcast_in_dim_p.def_linear()


@broadcast_in_dim_p.def_simplify
def _broadcast_in_dim_simplify(eqn, ctx):
    (x,) = eqn.invars
    shape, dims = eqn.params["shape"], eqn.params["broadcast_dimensions"]
    if x.aval.shape == shape and dims == tuple(range(len(shape))):
        return [x]
    d = ctx.definition(x)
    if d is not None and d.primitive is broadcast_in_dim_p:
        # A broadcast of a broadcast is one broadcast: operand dim i goes to dims[inner[i]].
        inner = d.params["broadcast_dimensions"]
        return [ctx.bind(broadcast_in_dim_p, d.invars[0], shape=shape,
                         broadcast_dimensions=tuple(dims[i] for i in inner))]
    return None


# --------------------------------------------------------------------------- reshape

reshape_p = core.Primitive("reshape")


def reshape(x, new_sizes):
    """`x` with shape `new_sizes` in C order (the sizes must multiply out; no -1)."""
    new_sizes = _helpers.ints(new_sizes, "new_sizes", "reshape")
    if core.get_aval(x).shape == new_sizes:
        return _helpers.as_array(x)
    return reshape_p.bind(x, new_sizes=new_sizes)


@reshape_p.def_impl
def _reshape_impl(x, *, new_sizes):
    return np.reshape(backend.asarray(x), new_sizes)


@reshape_p.def_abstract_eval
def _reshape_abstract_eval(x, *, new_sizes):
    _nonneg_shape("reshape", new_sizes, "new_sizes", x)
    size = int(np.prod(new_sizes, dtype=np.int64))
    if size != x.size:
        raise shape_error("reshape", f"cannot reshape {x.size} elements into new_sizes="
                          f"{new_sizes} ({size} elements); the sizes must multiply out", x)
    return ir.ShapedArray(new_sizes, x.dtype, x.weak_type)


@reshape_p.def_transpose
def _reshape_transpose(ct, x, *, new_sizes):
    return (reshape(ct, x.aval.shape),)


@reshape_p.def_batch
def _reshape_batch(args, dims, *, axis_size, new_sizes):
    (x,), (bdim,) = args, dims
    x = moveaxis(x, bdim, 0)
    return reshape(x, (axis_size, *new_sizes)), 0


reshape_p.def_linear()


@reshape_p.def_simplify
def _reshape_simplify(eqn, ctx):
    (x,) = eqn.invars
    new_sizes = eqn.params["new_sizes"]
    if x.aval.shape == new_sizes:
        return [x]
    d = ctx.definition(x)
    if d is not None and d.primitive is reshape_p:
        # C-order reshapes compose: only the final sizes matter.
        return [ctx.bind(reshape_p, d.invars[0], new_sizes=new_sizes)]
    return None


# --------------------------------------------------------------------------- transpose

transpose_p = core.Primitive("transpose")


def transpose(x, permutation):
    """`np.transpose(x, permutation)`; negative entries count from the end."""
    ndim = core.get_aval(x).ndim
    perm = _helpers.ints(permutation, "permutation", "transpose")
    perm = tuple(p % ndim if -ndim <= p < 0 else p for p in perm)
    if perm == tuple(range(ndim)):
        return _helpers.as_array(x)
    return transpose_p.bind(x, permutation=perm)


@transpose_p.def_impl
def _transpose_impl(x, *, permutation):
    return np.transpose(backend.asarray(x), permutation)


@transpose_p.def_abstract_eval
def _transpose_abstract_eval(x, *, permutation):
    if not _helpers.is_ints(permutation) or sorted(permutation) != list(range(x.ndim)):
        raise shape_error("transpose", f"permutation={permutation!r} is not a permutation of "
                          f"the operand's {x.ndim} axes {tuple(range(x.ndim))}", x)
    shape = tuple(x.shape[p] for p in permutation)
    return ir.ShapedArray(shape, x.dtype, x.weak_type)


@transpose_p.def_transpose
def _transpose_transpose(ct, x, *, permutation):
    return (transpose(ct, tuple(int(p) for p in np.argsort(permutation))),)


@transpose_p.def_batch
def _transpose_batch(args, dims, *, axis_size, permutation):
    (x,), (bdim,) = args, dims
    # The batch axis stays where it is; the other axes are permuted around it.
    core_axes = [d for d in range(len(permutation) + 1) if d != bdim]
    perm = [core_axes[p] for p in permutation]
    perm.insert(bdim, bdim)
    return transpose(x, tuple(perm)), bdim


transpose_p.def_linear()


@transpose_p.def_simplify
def _transpose_simplify(eqn, ctx):
    (x,) = eqn.invars
    perm = eqn.params["permutation"]
    if perm == tuple(range(len(perm))):
        return [x]
    d = ctx.definition(x)
    if d is not None and d.primitive is transpose_p:
        # Output axis i is inner axis perm[i], which is operand axis inner[perm[i]].
        inner = d.params["permutation"]
        return [ctx.bind(transpose_p, d.invars[0],
                         permutation=tuple(inner[p] for p in perm))]
    return None


# --------------------------------------------------------------------------- reduce_sum


def _reduce_sum_impl(x, *, axes):
    x = backend.asarray(x)
    if not axes:
        return x
    return backend.asarray(np.sum(x, axis=axes, dtype=x.dtype))


reduce_sum_p = _helpers.define_reduction("reduce_sum", "fiuc", _reduce_sum_impl)
reduce_sum_p.def_linear()


def reduce_sum(x, axes):
    """The sum of `x` over `axes` (an int or a sequence; negative axes count from the end)."""
    return _helpers.bind_reduction(reduce_sum_p, x, axes)


@reduce_sum_p.def_transpose
def _reduce_sum_transpose(ct, x, *, axes):
    x_shape = x.aval.shape
    return (broadcast_in_dim(ct, x_shape, _helpers.kept_dims(len(x_shape), axes)),)


@reduce_sum_p.def_simplify
def _reduce_sum_simplify(eqn, ctx):
    return [eqn.invars[0]] if not eqn.params["axes"] else None


# --------------------------------------------------------------------------- plain helpers


def expand_dims(x, dims):
    """`x` with size-1 axes inserted at `dims` (positions in the result, as np.expand_dims)."""
    aval = core.get_aval(x)
    out_ndim = aval.ndim + len(dims)
    dims = _helpers.normalize_axes(_helpers.ints(dims, "dims", "expand_dims"), out_ndim,
                                  f"expand_dims of {aval.str_short()}")
    sizes = iter(aval.shape)
    return reshape(x, tuple(1 if d in dims else next(sizes) for d in range(out_ndim)))


def squeeze(x, dims):
    """`x` without its size-1 axes `dims`."""
    aval = core.get_aval(x)
    dims = _helpers.normalize_axes(_helpers.ints(dims, "dims", "squeeze"), aval.ndim,
                                  f"squeeze of {aval.str_short()}")
    bad = [d for d in dims if aval.shape[d] != 1]
    if bad:
        raise shape_error("squeeze", f"cannot remove axes {tuple(bad)}: their sizes are not "
                          "1", aval)
    return reshape(x, tuple(n for d, n in enumerate(aval.shape) if d not in dims))



def moveaxis(x, src: int, dst: int):
    """`x` with its axis `src` moved to `dst` (a transpose, or `x` itself)."""
    ndim = core.get_aval(x).ndim
    src, dst = src % ndim, dst % ndim
    if src == dst:
        return x
    perm = [d for d in range(ndim) if d != src]
    perm.insert(dst, src)
    return transpose(x, tuple(perm))


def bdim_at_front(x, bdim: int | None, axis_size: int):
    """`x` with its batch axis first; an unbatched `x` is broadcast along a new first axis."""
    if bdim is None:
        aval = core.get_aval(x)
        return broadcast_in_dim(x, (axis_size, *aval.shape), tuple(range(1, aval.ndim + 1)))
    return moveaxis(x, bdim, 0)
