"""Argument handling shared by `functrans.scipy.special` and `functrans.scipy.stats`: operands
as floats (integers and bools become float64, as NumPy's ufuncs), promoted together (NEP 50:
Python scalars are weak) and broadcast to one shape. Owns no function of the public API."""
from __future__ import annotations

from typing import Any

from functrans.numpy import _util


def as_float(x: Any, fname: str) -> Any:
    """`x` as an operand of a float dtype."""
    return _util.to_inexact(_util.as_operand(x, fname))


def floats(fname: str, *xs: Any) -> list:
    """The operands as floats, promoted to one dtype and broadcast to one shape; in the
    namespace of a foreign array among them (Dask, CuPy), as the functions' Python operators
    (`k - loc`) need outside a transformation."""
    ops, _, _ = _util.promote(*[as_float(x, fname) for x in xs])
    shape = _util.broadcast_shapes(*[_util.aval(x).shape for x in ops], fname=fname)
    return _util.in_namespace([_util.broadcast_to_shape(x, shape, fname) for x in ops], *ops)
