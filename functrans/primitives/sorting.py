"""Sorting primitives along one axis: `sort` and `argsort`, with all of their rules.

Owns: `sort_p`, `argsort_p` and their wrappers `sort(x, axis, descending, stable)` and
`argsort(x, axis, descending, stable)`, and `take_along_axis(x, indices, axis)` (a
composition of `gather` and the shape primitives, used by sort's JVP).
Does not own: NumPy's conveniences (`axis=None`, `kind=`, median, quantiles), which live in
`functrans.numpy._sorting`.

Both sort along `axis` (a non-negative Python int), ascending unless `descending`, NaN last
when ascending (NumPy's order) and so first when descending (the reverse order, as JAX's
`descending=True`); complex entries are ordered lexicographically (real part, then imaginary
part), as NumPy's and JAX's sorts. `argsort` is stable: equal entries keep their order, also when
descending (the first of equal entries comes first). `argsort` is integer valued (int64) and
non-differentiable. `sort`'s JVP follows the sort permutation, as JAX's: the tangent is
`take_along_axis(t, argsort(x), axis)`, so at ties each output position takes the tangent of
the input entry the stable permutation sends there, and a NaN carries its own tangent to its
place at the end.
"""
from __future__ import annotations

import math

import numpy as np

from functrans import backend, core, ir
from functrans.primitives import _helpers, elementwise, indexing
from functrans.primitives import shape as shape_prims

sort_p = core.Primitive("sort")
argsort_p = core.Primitive("argsort")
argsort_p.def_nondifferentiable()

INDEX_DTYPE = np.dtype(np.int64)


def _sort_flops(eqn) -> int:
    """About n log2 n comparisons per sorted lane of length n."""
    aval = eqn.invars[0].aval
    n = aval.shape[eqn.params["axis"]] if aval.ndim else 1
    n = int(n) if isinstance(n, (int, np.integer)) else 1
    return _helpers.size(aval) * max(1, math.ceil(math.log2(max(n, 1))))


sort_p.def_flops(_sort_flops)
argsort_p.def_flops(_sort_flops)


# --------------------------------------------------------------------------- wrappers


def sort(x, axis, descending=False, stable=True):
    """The entries of `x` sorted along `axis` (NaN last; reversed when `descending`)."""
    axis = _helpers.normalize_axis("sort", axis, core.get_aval(x).ndim)
    return sort_p.bind(x, axis=axis, descending=bool(descending), stable=bool(stable))


def argsort(x, axis, descending=False, stable=True):
    """The int64 indices that sort `x` along `axis`; stable (ties keep their order)."""
    axis = _helpers.normalize_axis("argsort", axis, core.get_aval(x).ndim)
    return argsort_p.bind(x, axis=axis, descending=bool(descending), stable=bool(stable))


def take_along_axis(x, indices, axis: int):
    """`np.take_along_axis(x, indices, axis)` for integer `indices` of `x`'s shape except
    along `axis` (any length k there); a composition.

    The axis is moved last and both arrays flattened, so that one 1-d `gather` with offset
    indices picks every lane's entries; `gather`'s rules give the derivatives and batching.
    """
    shape = core.get_aval(x).shape
    ishape = core.get_aval(indices).shape
    n, k = shape[axis], ishape[axis]
    perm = tuple(d for d in range(len(shape)) if d != axis) + (axis,)
    moved_shape = tuple(ishape[d] for d in perm)
    m = _helpers.size(core.get_aval(x)) // n if n else 0
    if m * n == 0 or k == 0:
        return elementwise.convert_element_type(
            np.zeros(ishape, core.get_aval(x).dtype), core.get_aval(x).dtype)
    if len(shape) == 1:
        return indexing.gather(x, indices, 0)   # one lane: no moving, no offsets
    identity = perm == tuple(range(len(shape)))
    flat = shape_prims.reshape(x if identity else shape_prims.transpose(x, perm), (m * n,))
    idx = shape_prims.reshape(indices if identity else shape_prims.transpose(indices, perm),
                              (m, k))
    offsets = np.broadcast_to((np.arange(m, dtype=INDEX_DTYPE) * n).reshape(m, 1), (m, k))
    idx = elementwise.add(idx, np.ascontiguousarray(offsets))
    out = shape_prims.reshape(indexing.gather(flat, idx, 0), moved_shape)
    return out if identity else shape_prims.transpose(out, tuple(int(p) for p in np.argsort(perm)))


# --------------------------------------------------------------------------- shape rules


def _check(prim: str, x, axis, descending, stable) -> None:
    _helpers.check_kind(prim, x, "fiubc")
    if x.ndim == 0:
        raise _helpers.shape_error(prim, "the operand must have rank >= 1; reshape a scalar "
                                   "to shape (1,)", x)
    _helpers.check_axes(prim, (axis,), x, "axis")
    if not isinstance(descending, bool) or not isinstance(stable, bool):
        raise _helpers.shape_error(
            prim, f"descending={descending!r} and stable={stable!r} must be bools", x)


@sort_p.def_abstract_eval
def _sort_abstract_eval(x, *, axis, descending, stable):
    _check("sort", x, axis, descending, stable)
    return x


@argsort_p.def_abstract_eval
def _argsort_abstract_eval(x, *, axis, descending, stable):
    _check("argsort", x, axis, descending, stable)
    return ir.ShapedArray(x.shape, INDEX_DTYPE)


# --------------------------------------------------------------------------- NumPy evaluation


def _argsort_numpy(x, axis: int, descending: bool) -> np.ndarray:
    x = backend.asarray(x)
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(INDEX_DTYPE)
    # Descending and stable: the ascending stable order of the reversed lanes, reversed,
    # names the first of equal entries first once indices are mapped back (n - 1 - i).
    n = x.shape[axis]
    asc = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return (n - 1 - np.flip(asc, axis)).astype(INDEX_DTYPE)


def _along_axis(x, *, axis, **params):
    """Core axes for chunked backends: the sorted axis, whole (functrans/backend.py)."""
    return ((axis,),), ((axis,),)


sort_p.def_core_axes(_along_axis)
argsort_p.def_core_axes(_along_axis)


@sort_p.def_impl
def _sort_impl(x, *, axis, descending, stable):
    out = np.sort(backend.asarray(x), axis=axis, kind="stable" if stable else None)
    return np.flip(out, axis).copy() if descending else out


@argsort_p.def_impl
def _argsort_impl(x, *, axis, descending, stable):
    return _argsort_numpy(x, axis, descending)


# --------------------------------------------------------------------------- differentiation


@sort_p.def_jvp
def _sort_jvp(primals, tangents, *, axis, descending, stable):
    # The tangent follows the (stable) sort permutation of the primal, as in JAX.
    (x,), (t,) = primals, tangents
    out = sort_p.bind(x, axis=axis, descending=descending, stable=stable)
    if isinstance(t, ir.Zero):
        return out, ir.Zero(core.get_aval(out))
    perm = argsort_p.bind(x, axis=axis, descending=descending, stable=True)
    return out, take_along_axis(t, perm, axis)


# --------------------------------------------------------------------------- batching


def _batcher(prim: core.Primitive):
    def batch(args, dims, *, axis_size, axis, descending, stable):
        # The batch axis is one more axis of the operand: shift `axis` past it.
        (x,), (bdim,) = args, dims
        full_axis = axis + (axis >= bdim)
        return prim.bind(x, axis=full_axis, descending=descending, stable=stable), bdim
    return batch


sort_p.def_batch(_batcher(sort_p))
argsort_p.def_batch(_batcher(argsort_p))
