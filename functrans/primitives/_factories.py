"""Rule builders shared by primitive families: elementwise ops, reductions, batching helpers.

A factory call defines a whole primitive (impl, shape rule, JVP, batching) from the few facts
that differ between its members. Rules stay in the module of their primitive; only the
shapes of rules that many primitives share live here.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from functrans import core, errors, ir

Zero = ir.Zero

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


# --------------------------------------------------------------------------- tangent helpers


def add_tangents(a, b):
    """Sum of two tangents either of which may be a symbolic Zero."""
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    from functrans.primitives import elementwise
    return elementwise.add(a, b)


def broadcast_to_aval(x, aval: ir.ShapedArray):
    """A rank-0 `x` broadcast to `aval`'s shape (elementwise ops allow rank-0 operands)."""
    if core.get_aval(x).shape == aval.shape:
        return x
    from functrans.primitives import shape
    return shape.broadcast_in_dim(x, aval.shape, ())


def unbroadcast(ct, aval: ir.ShapedArray):
    """The cotangent of a rank-0 operand that was broadcast in an elementwise op: a sum."""
    ct_aval = core.get_aval(ct)
    if ct_aval.shape == aval.shape:
        return ct
    from functrans.primitives import reductions
    return reductions.reduce_sum(ct, tuple(range(ct_aval.ndim)))


def zeros_like_aval(aval: ir.ShapedArray):
    return np.zeros(aval.shape, aval.dtype)


# --------------------------------------------------------------------------- batching helpers


def moveaxis(x, src: int, dst: int):
    """`x` with its axis `src` moved to `dst` (a transpose, or `x` itself)."""
    ndim = core.get_aval(x).ndim
    src, dst = src % ndim, dst % ndim
    if src == dst:
        return x
    perm = [d for d in range(ndim) if d != src]
    perm.insert(dst, src)
    from functrans.primitives import shape
    return shape.transpose(x, tuple(perm))


def bdim_at_front(x, bdim: int | None, axis_size: int):
    """`x` with its batch axis first; an unbatched `x` is broadcast along a new first axis."""
    if bdim is None:
        from functrans.primitives import shape
        aval = core.get_aval(x)
        return shape.broadcast_in_dim(x, (axis_size, *aval.shape),
                                      tuple(range(1, aval.ndim + 1)))
    return moveaxis(x, bdim, 0)


def elementwise_batcher(prim: core.Primitive) -> Callable:
    """Batching for elementwise primitives: line up batch axes, broadcast what is unbatched."""

    def batch(args, dims, *, axis_size, **params):
        avals = [core.get_aval(x) for x in args]
        rank = max(a.ndim - (d is not None) for a, d in zip(avals, dims, strict=True))
        batched = [(a, d) for a, d in zip(avals, dims, strict=True) if d is not None]
        first_dim = batched[0][1]
        same = all(d == first_dim and a.ndim == rank + 1 for a, d in batched)
        if same:
            # Common case: every batched operand is full rank with the batch axis in one place.
            out_shape = batched[0][0].shape
            new = []
            for x, a, d in zip(args, avals, dims, strict=True):
                if d is None and a.ndim > 0:
                    from functrans.primitives import shape
                    keep = tuple(i for i in range(rank + 1) if i != first_dim)
                    x = shape.broadcast_in_dim(x, out_shape, keep)
                new.append(x)
            return prim.bind(*new, **params), first_dim
        # General case: batch axes to the front, then broadcast what does not fit.
        from functrans.primitives import shape
        core_shape = next(
            tuple(n for i, n in enumerate(a.shape) if i != d)
            for a, d in zip(avals, dims, strict=True) if a.ndim - (d is not None) == rank)
        out_shape = (axis_size, *core_shape)
        new = []
        for x, a, d in zip(args, avals, dims, strict=True):
            if d is not None:
                x = moveaxis(x, d, 0)
                if a.ndim == 1 and rank > 0:
                    x = shape.broadcast_in_dim(x, out_shape, (0,))
            elif a.ndim > 0:
                x = shape.broadcast_in_dim(x, out_shape, tuple(range(1, rank + 1)))
            new.append(x)
        return prim.bind(*new, **params), 0

    return batch


# --------------------------------------------------------------------------- elementwise


def unary_elementwise(name: str, impl: Callable, jvp: Callable | None = None, *,
                      kinds: str = "f", out_dtype: np.dtype | None = None,
                      differentiable: bool = True) -> core.Primitive:
    """An elementwise primitive of one operand.

    Args:
      name: what the IR prints.
      impl: the NumPy function.
      jvp: `jvp(t, x, out) -> tangent of out`, written with primitive wrappers; `t` is never a
        symbolic Zero here. Omit with `differentiable=False` for piecewise-constant ops.
      kinds: dtype kinds the operand may have ("f" floats, "i" ints, "b" bool, "u" unsigned).
      out_dtype: fixed output dtype (e.g. bool for `is_finite`); default: the operand's.
    """
    prim = core.Primitive(name)
    prim.def_impl(impl)

    def abstract_eval(x):
        check_kind(name, x, kinds)
        if out_dtype is not None:
            return ir.ShapedArray(x.shape, out_dtype)
        return x

    prim.def_abstract_eval(abstract_eval)
    if differentiable and jvp is not None:
        def jvp_rule(primals, tangents):
            (x,), (t,) = primals, tangents
            out = prim.bind(x)
            return out, jvp(t, x, out)
        prim.def_jvp(jvp_rule)
    else:
        prim.def_nondifferentiable()
    prim.def_batch(lambda args, dims, *, axis_size: (prim.bind(*args), dims[0]))
    return prim


def binary_elementwise(name: str, impl: Callable, jvps: tuple | None = None, *,
                       kinds: str = "f", out_dtype: np.dtype | None = None) -> core.Primitive:
    """An elementwise primitive of two operands of one dtype (a rank-0 operand broadcasts).

    Args:
      jvps: `(jvp_x, jvp_y)`, each `jvp_i(t, x, y, out) -> contribution to the tangent of out`
        for the tangent `t` of operand i, or None when that operand's contribution is zero.
        Omit `jvps` for a non-differentiable op (comparisons, integer ops).
    """
    prim = core.Primitive(name)
    prim.def_impl(impl)

    def abstract_eval(x, y):
        if out_dtype is None and x.dtype is y.dtype and x.weak_type == y.weak_type \
                and x.dtype.kind in kinds:
            # The common case, without building a new type: equal types, or a rank-0 operand.
            if x.shape == y.shape or not y.shape:
                return x
            if not x.shape:
                return y
        check_kind(name, x, kinds)
        if x.dtype != y.dtype:
            raise shape_error(name, "operands must have the same dtype; use functrans.numpy, "
                              "which promotes, or convert_element_type", x, y)
        shape = elementwise_out_shape(name, x, y)
        dtype = x.dtype if out_dtype is None else out_dtype
        return ir.ShapedArray(shape, dtype, x.weak_type and y.weak_type and out_dtype is None)

    prim.def_abstract_eval(abstract_eval)
    if jvps is not None:
        def jvp_rule(primals, tangents):
            x, y = primals
            out = prim.bind(x, y)
            out_aval = core.get_aval(out)
            t_out = Zero(out_aval)
            for t, rule in zip(tangents, jvps, strict=True):
                if rule is not None and not isinstance(t, Zero):
                    t_out = add_tangents(t_out, broadcast_to_aval(rule(t, x, y, out), out_aval))
            return out, t_out
        prim.def_jvp(jvp_rule)
    else:
        prim.def_nondifferentiable()
    prim.def_batch(elementwise_batcher(prim))
    return prim
