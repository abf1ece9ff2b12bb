"""Primitives that fit no other family: `iota` (an arange broadcast along one dimension).

`iota` has no operands, so binding it never records an equation: it is always evaluated at
once with NumPy (constant folding), even while tracing.
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, errors, ir
from functrans.primitives import _helpers

iota_p = core.Primitive("iota")   # dtype: np.dtype; shape: tuple of ints; dimension: int
iota_p.op_table_exempt = ("no operands, so binding it always folds to a constant while tracing "
                          "(fnp.arange, eye, ... are constants of the program)")


@iota_p.def_impl
def _iota_impl(*, dtype, shape, dimension):
    line = np.arange(shape[dimension], dtype=dtype, like=backend.like())
    line = line.reshape([n if d == dimension else 1 for d, n in enumerate(shape)])
    return np.broadcast_to(line, shape).copy()


@iota_p.def_abstract_eval
def _iota_abstract_eval(*, dtype, shape, dimension):
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
        raise errors.FunctransTypeError(
            f"iota: dtype must be an integer or floating np.dtype, got {dtype!r}")
    if any(n < 0 for n in shape):
        raise errors.FunctransValueError(f"iota: shape {shape} has a negative size")
    if not 0 <= dimension < len(shape):
        raise errors.AxisError(
            f"iota: dimension {dimension} is out of range for shape {shape} of rank {len(shape)}")
    return ir.ShapedArray(shape, dtype)


# No operands: no tangent can flow in, and the JVP rule is never called.
iota_p.def_nondifferentiable()


@iota_p.def_batch
def _iota_batch(args, dims, *, axis_size, dtype, shape, dimension):
    raise NotImplementedError(
        "batching iota: it has no operands, so nothing is ever batched (a bug in the caller)")


def iota(dtype, shape, dimension):
    """An array of `shape` counting 0, 1, ... along `dimension` (negative counts from the end)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    (dimension,) = _helpers.normalize_axes((dimension,), len(shape), "iota")
    return iota_p.bind(dtype=dtype, shape=shape, dimension=dimension)
