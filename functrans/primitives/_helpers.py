"""Helpers shared by the primitive families that import no primitive module.

Owns: shape-rule checks and the errors they raise (`shape_error`, `check_kind`,
`check_axes`, `normalize_axes`, ...), param normalization (`ints`), the generic parts of a
reduction over `axes` (shape rule, batching, binding), and the size counts that the
primitives' FLOP rules (`Primitive.def_flops`) use.
Does not own any primitive: every module of this package may import this one, and it imports
none of them (see the layering in `functrans/primitives/__init__.py`).
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import backend, core, errors, ir

# --------------------------------------------------------------------------- shape-rule helpers


def shape_error(prim: str, msg: str, *avals) -> errors.ShapeError:
    """A ShapeError that names the primitive and its operand types."""
    types = ", ".join(a.str_short() for a in avals)
    return errors.ShapeError(f"{prim}: {msg} (operands: {types})")


def check_kind(prim: str, aval: ir.ShapedArray, kinds: str) -> None:
    if aval.dtype.kind not in kinds:
        names = {"f": "floating", "i": "signed integer", "u": "unsigned integer", "b": "bool",
                 "c": "complex"}
        want = " or ".join(names[k] for k in kinds)
        raise shape_error(prim, f"needs {want} operands, got dtype {aval.dtype.name}", aval)


def elementwise_out_shape(prim: str, *avals: ir.ShapedArray) -> tuple[int, ...]:
    """Elementwise operands have equal shapes; a rank-0 operand stands for any shape."""
    shape = None
    for a in avals:
        if a.shape == ():
            continue
        if shape is None:
            shape = a.shape
        elif a.shape != shape:
            raise shape_error(prim, "operands must have equal shapes (or be rank-0); use "
                              "functrans.numpy, which broadcasts, or broadcast_in_dim", *avals)
    return () if shape is None else shape


def normalize_axes(axes, ndim: int, prim: str = "") -> tuple[int, ...]:
    """Sorted non-negative axes; raises AxisError naming the rank when one is out of range."""
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise errors.AxisError(f"{prim}: axis {a} is out of range for an array of rank {ndim}")
        out.append(a % ndim if ndim else a)
    if len(set(out)) != len(out):
        raise errors.AxisError(f"{prim}: repeated axis in {tuple(axes)}")
    return tuple(sorted(out))


def normalize_axis(prim: str, axis, ndim: int) -> int:
    """One axis as a non-negative int; AxisError naming the primitive if out of range."""
    return normalize_axes((operator.index(axis),), ndim, prim)[0]


def ints(values, what: str, prim: str) -> tuple[int, ...]:
    """A param as a tuple of Python ints; a traced or fractional entry is rejected."""
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{prim}: {what} must be a sequence of Python ints, got {values!r} ({e}).") from e


def is_ints(value) -> bool:
    return isinstance(value, tuple) and all(type(v) is int for v in value)


def check_axes(prim: str, axes, aval: ir.ShapedArray, what: str = "axes") -> None:
    """Raise unless `axes` is a strictly increasing tuple of axes of `aval` (a param check)."""
    if not is_ints(axes):
        raise shape_error(prim, f"{what} must be a tuple of Python ints, got {axes!r}", aval)
    for a in axes:
        if not 0 <= a < aval.ndim:
            raise errors.AxisError(
                f"{prim}: axis {a} in {what}={axes} is out of range for an operand of shape "
                f"{aval.str_short()} (rank {aval.ndim}); pass axes in [0, {aval.ndim}).")
    if list(axes) != sorted(set(axes)):
        raise errors.AxisError(
            f"{prim}: {what}={axes} for an operand of shape {aval.str_short()} must be sorted "
            "and without repeats; the wrapper normalizes them.")


def as_array(x):
    """What an identity wrapper returns: tracers and arrays as they are, scalars as arrays."""
    if isinstance(x, (core.Tracer, np.ndarray)):
        return x
    return backend.asarray(x)


def zeros_like_aval(aval: ir.ShapedArray):
    """Zeros of type `aval`, a contiguous array. (A read-only broadcast of one zero would cost
    no memory and move to Dask as one value, but NumPy evaluation then copies it in every
    reshape and batched op: `ft.hessian` of a softplus sum ran ~13% slower. A run on foreign
    arrays turns such constants into broadcasts before moving them: backend.run.)"""
    return np.zeros(aval.shape, aval.dtype)


# --------------------------------------------------------------------------- reductions over axes


def reduction_axes(prim: str, x, axes) -> tuple[int, ...]:
    """`axes` (an int or a sequence, negative ones from the end) sorted and non-negative."""
    aval = core.get_aval(x)
    if isinstance(axes, int) or np.ndim(axes) == 0:
        axes = (axes,)
    axes = tuple(operator.index(a) for a in axes)
    ndim = aval.ndim
    if len(axes) == 1 and -ndim <= axes[0] < ndim:
        return (axes[0] % ndim,)    # the common case, without formatting an error label
    return normalize_axes(axes, ndim, f"{prim} of {aval.str_short()}")


def bind_reduction(prim: core.Primitive, x, axes):
    axes = reduction_axes(prim.name, x, axes)
    if not axes:
        # Nothing to reduce: no equation (the impl would return x too).
        return x if isinstance(x, (core.Tracer, np.ndarray)) else backend.asarray(x)
    return prim.bind(x, axes=axes)


def kept_dims(ndim: int, axes) -> tuple[int, ...]:
    return tuple(d for d in range(ndim) if d not in axes)


def _reduced_aval(prim: str, kinds: str):
    """The shape rule of a reduction over `axes`: the output drops them."""

    def abstract_eval(x, *, axes):
        check_kind(prim, x, kinds)
        check_axes(prim, axes, x)
        out_shape = tuple(n for d, n in enumerate(x.shape) if d not in axes)
        return ir.ShapedArray(out_shape, x.dtype, x.weak_type)

    return abstract_eval


def _reduction_batch(prim: core.Primitive):
    """Batching for a reduction over `axes`: reduce the same axes around the batch axis."""

    def batch(args, dims, *, axis_size, axes):
        (x,), (bdim,) = args, dims
        full_axes = tuple(a + (a >= bdim) for a in axes)
        out_bdim = bdim - sum(a < bdim for a in full_axes)
        return prim.bind(x, axes=full_axes), out_bdim

    return batch


def define_reduction(name: str, kinds: str, impl) -> core.Primitive:
    """A reduction over an `axes` param: impl, shape rule, batching and FLOPs (input size)."""
    prim = core.Primitive(name)
    prim.def_impl(impl)
    prim.def_abstract_eval(_reduced_aval(name, kinds))
    prim.def_batch(_reduction_batch(prim))
    prim.def_flops(input_size)
    return prim


# --------------------------------------------------------------------------- FLOP counts


def size(aval: ir.ShapedArray) -> int:
    """Number of elements; a dimension of run-time length counts as 1 (irtools notes it)."""
    n = 1
    for d in aval.shape:
        if isinstance(d, (int, np.integer)):
            n *= int(d)
    return n


def output_size(eqn) -> int:
    """The FLOP rule of elementwise primitives: one operation per output element."""
    return size(eqn.outvars[0].aval)


def input_size(eqn) -> int:
    """The FLOP rule of reductions: one operation per input element."""
    return size(eqn.invars[0].aval)
