"""functrans.numpy: sorting (issue 12): `sort`, `argsort`, `partition`, `argpartition`
(the quantiles, built on the same primitive, are in `_quantiles`).

Built on the `sort` and `argsort` primitives (functrans/primitives/sorting.py) and the shape
and elementwise primitives, with NumPy's signatures and semantics. Derivatives follow the
sort permutation (JAX's convention): a quantile is a linear interpolation between two order
statistics, and each order statistic takes the tangent of the input entry the stable sort
puts there, so at ties the first of the equal entries (in input order) gets it.

`partition` and `argpartition` are full sorts: the result satisfies NumPy's contract (the
kth entry in place, no larger entry before it, no smaller after), though NumPy's own order of
the other entries is unspecified and usually differs. The quantile functions take `q` as a
concrete value (a Python number or array), not a traced one.
"""
from __future__ import annotations

import numpy as np

from functrans import core, errors
from functrans.numpy import _util
from functrans.primitives import shape as shape_prims
from functrans.primitives import sorting

# The public names, re-exported by functrans.numpy.
__all__ = ["argpartition", "argsort", "partition", "sort"]

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")

def _check_sort_args(fname: str, kind, order) -> None:
    if order is not None:
        raise errors.FunctransTypeError(
            f"{fname}: `order` (field names of a structured array) is not supported; "
            "functrans arrays have no fields.")
    if kind not in _KINDS:
        raise errors.FunctransValueError(
            f"{fname}: kind={kind!r} is not one of {_KINDS[1:]}.")


def _sort_operand(fname: str, a, axis):
    a = _util.as_array(a, fname)
    if axis is None:
        return shape_prims.reshape(a, (_util.prod(_util.aval(a).shape),)), 0
    aval = _util.aval(a)
    if aval.ndim == 0:
        raise errors.AxisError(
            f"{fname}: axis {axis} is out of bounds for a 0-d array; pass axis=None.")
    return a, _util.canonicalize_axis(axis, aval.ndim, fname)


def sort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """A sorted copy of `a` along `axis`, as `numpy.sort` (NaN last).

    Args:
      a: an array, traced value or Python scalar.
      axis: an int, or None to sort the flattened array.
      kind: None or one of NumPy's kind names (the sort is always stable).
      order: not supported (structured arrays).
      stable: accepted for NumPy's signature; the sort is always stable.
      descending: sort from largest to smallest (NaN first), as `jax.numpy.sort`.

    Returns:
      The sorted array (one `sort` primitive); its derivative follows the sort permutation.

    Example:
      >>> fnp.sort(np.array([[3.0, 1.0, 2.0], [0.0, -1.0, np.nan]]))
      array([[ 1.,  2.,  3.],
             [-1.,  0., nan]])
    """
    _check_sort_args("sort", kind, order)
    a, axis = _sort_operand("sort", a, axis)
    # The axis is already normalized: bind directly (the primitive's wrapper would redo it).
    return sorting.sort_p.bind(a, axis=axis, descending=bool(descending), stable=True)


def argsort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """The indices that sort `a` along `axis`, as `numpy.argsort` (always stable).

    Args:
      a: an array, traced value or Python scalar.
      axis: an int, or None for the flattened array.
      kind: None or one of NumPy's kind names (the sort is always stable).
      order: not supported (structured arrays).
      stable: accepted for NumPy's signature; equal entries always keep their order.
      descending: largest first (NaN first); equal entries still keep their order, as in
        `jax.numpy.argsort`.

    Returns:
      int64 indices (not differentiable).

    Example:
      >>> fnp.argsort(np.array([3.0, 1.0, 3.0, 0.0]))
      array([3, 1, 0, 2])
    """
    _check_sort_args("argsort", kind, order)
    a, axis = _sort_operand("argsort", a, axis)
    return sorting.argsort_p.bind(a, axis=axis, descending=bool(descending), stable=True)


def _check_kth(fname: str, kth, n: int) -> None:
    if isinstance(kth, core.Tracer):
        raise errors.FunctransTypeError(f"{fname}: `kth` must be static ints, got a traced value.")
    for k in np.ravel(np.asarray(kth)):
        if not np.issubdtype(np.asarray(k).dtype, np.integer):
            raise errors.FunctransTypeError(f"{fname}: `kth` must be integers, got {kth!r}.")
        if not -n <= int(k) < n:
            raise errors.FunctransValueError(
                f"{fname}: kth(={int(k)}) out of bounds ({n}).")


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """`a` partitioned around its `kth` entries along `axis`, as `numpy.partition`.

    Implemented as a full sort, which satisfies NumPy's contract (the kth entry in its
    sorted place, none larger before it, none smaller after it); NumPy leaves the order
    of the other entries unspecified, and its order usually differs from this one.

    Args:
      a: an array, traced value or Python scalar.
      kth: an int or a sequence of ints (static).
      axis: an int, or None for the flattened array.
      kind: accepted for NumPy's signature ('introselect').
      order: not supported (structured arrays).

    Returns:
      The partitioned (here: sorted) array; derivatives as `sort`'s.

    Example:
      >>> fnp.partition(np.array([3.0, 1.0, 2.0, 0.0]), 1)[1]
      np.float64(1.0)
    """
    _check_sort_args("partition", None, order)
    a, axis = _sort_operand("partition", a, axis)
    _check_kth("partition", kth, _util.aval(a).shape[axis])
    return sorting.sort(a, axis)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """Indices that partition `a` around its `kth` entries, as `numpy.argpartition`.

    Implemented as a full stable argsort, which satisfies NumPy's contract (see
    `partition`).

    Args:
      a: an array, traced value or Python scalar.
      kth: an int or a sequence of ints (static).
      axis: an int, or None for the flattened array.
      kind: accepted for NumPy's signature ('introselect').
      order: not supported (structured arrays).

    Returns:
      int64 indices (not differentiable).

    Example:
      >>> fnp.argpartition(np.array([3.0, 1.0, 2.0, 0.0]), 0)[0]
      np.int64(3)
    """
    _check_sort_args("argpartition", None, order)
    a, axis = _sort_operand("argpartition", a, axis)
    _check_kth("argpartition", kth, _util.aval(a).shape[axis])
    return sorting.argsort(a, axis)
