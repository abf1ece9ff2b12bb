"""Searching primitives: `searchsorted`, with all of its rules.

Owns: `searchsorted_p` and its wrapper `searchsorted(a, v, side)`.
Does not own: NumPy's conveniences (`sorter=`, promotion of `a` and `v`, `digitize`,
`histogram*`), which live in `functrans.numpy._histogram`.

`searchsorted(a, v, side)` takes a sorted `a` of shape `B + (n,)` (its leading dimensions `B`,
possibly none, are batch dimensions) and values `v` of shape `B + M` with `a`'s dtype, and
returns, for each value of `v`, the int64 index in its row of `a` at which it would be
inserted to keep the row sorted: the number of entries `< v` (side 'left') or `<= v` (side
'right'). The order is NumPy's: NaN after every number, and NaNs equal among themselves.
The result is integer valued, so non-differentiable. For unsorted rows the result is
unspecified (NumPy's contract); with batch dimensions it may then differ from NumPy's.
"""
from __future__ import annotations

import math

import numpy as np

from functrans import backend, core, errors, ir
from functrans.primitives import _helpers
from functrans.primitives import shape as shape_prims

searchsorted_p = core.Primitive("searchsorted")   # side: "left" or "right"
searchsorted_p.def_nondifferentiable()

INDEX_DTYPE = np.dtype(np.int64)
_SIDES = ("left", "right")


def _searchsorted_flops(eqn) -> int:
    """About log2(n + 1) comparisons per value (a binary search in a row of length n)."""
    a_aval, v_aval = eqn.invars[0].aval, eqn.invars[1].aval
    n = a_aval.shape[-1]
    n = int(n) if isinstance(n, (int, np.integer)) else 1
    return _helpers.size(v_aval) * max(1, math.ceil(math.log2(n + 1)))


searchsorted_p.def_flops(_searchsorted_flops)


# --------------------------------------------------------------------------- wrapper


def searchsorted(a, v, side: str = "left"):
    """The int64 insertion indices of `v` in the sorted last axis of `a` (see module doc)."""
    if side not in _SIDES:
        raise errors.FunctransValueError(
            f"searchsorted: side={side!r} must be 'left' or 'right'.")
    return searchsorted_p.bind(a, v, side=side)


# --------------------------------------------------------------------------- shape rule


@searchsorted_p.def_abstract_eval
def _searchsorted_abstract_eval(a, v, *, side):
    _helpers.check_kind("searchsorted", a, "fiubc")   # complex: lexicographic, as sort
    if side not in _SIDES:
        raise _helpers.shape_error("searchsorted", f"side={side!r} must be 'left' or 'right'",
                                   a, v)
    if v.dtype != a.dtype:
        raise _helpers.shape_error(
            "searchsorted", f"the values must have the sorted array's dtype {a.dtype.name}, "
            f"got {v.dtype.name}; convert them with convert_element_type", a, v)
    if a.ndim == 0:
        raise _helpers.shape_error(
            "searchsorted", "the sorted array must have rank >= 1 (its last axis is searched)",
            a, v)
    batch = a.shape[:-1]
    if v.shape[:len(batch)] != batch:
        raise _helpers.shape_error(
            "searchsorted", f"the values' shape must start with the sorted array's batch "
            f"dimensions {batch} (all but its last axis); broadcast them first", a, v)
    return ir.ShapedArray(v.shape, INDEX_DTYPE)


# --------------------------------------------------------------------------- NumPy evaluation


@searchsorted_p.def_core_axes
def _searchsorted_core_axes(a, v, *, side):
    """Chunked backends search block by block: each sorted row whole, with its values."""
    values = tuple(range(a.ndim - 1, v.ndim))
    return ((-1,), values), (values,)


@searchsorted_p.def_impl
def _searchsorted_impl(a, v, *, side):
    a, v = backend.asarray(a), backend.asarray(v)
    if a.ndim == 1:
        return backend.asarray(np.searchsorted(a, v, side=side), INDEX_DTYPE)
    return _batched_searchsorted(a, v, side)


def _batched_searchsorted(a: np.ndarray, v: np.ndarray, side: str) -> np.ndarray:
    """`np.searchsorted` of each row of `a` (shape B + (n,)) for its values (B + M), without
    a loop over the rows: one vectorized binary search of all values at once.

    The answer is the count of a row's entries that come before the value (`entry < v` for
    'left', `not v < entry` for 'right', in NumPy's order with NaN last); it is built bit
    by bit from the highest power of two <= n down, one gather and comparison per bit
    (log2(n) + 1 steps over all values together).
    """
    nb = a.ndim - 1
    n = a.shape[-1]
    rows = math.prod(a.shape[:-1])
    values = v.reshape(rows, math.prod(v.shape[nb:]))
    flat = a.reshape(-1)
    like = backend.like()
    last_of_previous_rows = (np.arange(rows, dtype=INDEX_DTYPE, like=like) * n - 1)[:, None]
    count = np.zeros(values.shape, INDEX_DTYPE, like=like)
    step = 1 << (n.bit_length() - 1) if n else 0
    while step:
        candidate = count + step
        entry = flat.take(np.minimum(candidate, n) + last_of_previous_rows)
        before = _before(entry, values) if side == "left" else ~_before(values, entry)
        count = np.where(before & (candidate <= n), candidate, count)
        step >>= 1
    return count.reshape(v.shape)


def _before(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`x < y` in NumPy's sort order: NaN after every number, NaNs equal."""
    if x.dtype.kind == "f":
        return (x < y) | (np.isnan(y) & ~np.isnan(x))
    return x < y


# --------------------------------------------------------------------------- batching


@searchsorted_p.def_batch
def _searchsorted_batch(args, dims, *, axis_size, side):
    # The batch axis becomes one more leading batch dimension of `a`; `v` must carry it at
    # the same place (broadcast when only `a` is batched).
    (a, v), (a_dim, v_dim) = args, dims
    if a_dim is None:
        nb = core.get_aval(a).ndim - 1
        if nb == 0:
            return searchsorted_p.bind(a, v, side=side), v_dim
        # The values' own dims after a's batch dims are free: put the batch axis first there.
        v = shape_prims.moveaxis(v, v_dim, nb)
        return searchsorted_p.bind(a, v, side=side), nb
    a = shape_prims.moveaxis(a, a_dim, 0)
    v = shape_prims.bdim_at_front(v, v_dim, axis_size)
    return searchsorted_p.bind(a, v, side=side), 0
