"""Reduction primitives: reduce_sum, reduce_prod, reduce_max, reduce_min, argmax, argmin, cumsum.

Each primitive has its impl, shape rule, JVP (or is linear / non-differentiable), transpose
for the linear ones, and batching rule here. Axes params are sorted tuples of non-negative
ints; the wrappers normalize them. NumPy conveniences (`keepdims`, `mean`, `var`, dtype
promotion of integer sums) live in `functrans.numpy`, not here.
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import core, ir
from functrans.primitives import _factories

shape_error = _factories.shape_error

# --------------------------------------------------------------------------- shared helpers


def _normalize(prim: str, x, axes) -> tuple[int, ...]:
    aval = core.get_aval(x)
    if isinstance(axes, int) or np.ndim(axes) == 0:
        axes = (axes,)
    axes = tuple(operator.index(a) for a in axes)
    return _factories.normalize_axes(axes, aval.ndim, f"{prim} of {aval.str_short()}")


def _bind_reduction(prim: core.Primitive, x, axes):
    axes = _normalize(prim.name, x, axes)
    if not axes:
        # Nothing to reduce: no equation (the impl would return x too).
        return x if isinstance(x, (core.Tracer, np.ndarray)) else np.asarray(x)
    return prim.bind(x, axes=axes)


def _reduced_aval(prim: str, kinds: str):
    """The shape rule of a reduction over `axes`: the output drops them."""

    def abstract_eval(x, *, axes):
        from functrans.primitives import shape
        _factories.check_kind(prim, x, kinds)
        shape.check_axes(prim, axes, x)
        out_shape = tuple(n for d, n in enumerate(x.shape) if d not in axes)
        return ir.ShapedArray(out_shape, x.dtype, x.weak_type)

    return abstract_eval


def _kept_dims(ndim: int, axes) -> tuple[int, ...]:
    return tuple(d for d in range(ndim) if d not in axes)


def _reduction_batch(prim: core.Primitive):
    """Batching for a reduction over `axes`: reduce the same axes around the batch axis."""

    def batch(args, dims, *, axis_size, axes):
        (x,), (bdim,) = args, dims
        full_axes = tuple(a + (a >= bdim) for a in axes)
        out_bdim = bdim - sum(a < bdim for a in full_axes)
        return prim.bind(x, axes=full_axes), out_bdim

    return batch


def _define_reduction(name: str, kinds: str, impl) -> core.Primitive:
    prim = core.Primitive(name)
    prim.def_impl(impl)
    prim.def_abstract_eval(_reduced_aval(name, kinds))
    prim.def_batch(_reduction_batch(prim))
    return prim


# --------------------------------------------------------------------------- reduce_sum


def _reduce_sum_impl(x, *, axes):
    x = np.asarray(x)
    if not axes:
        return x
    return np.asarray(np.sum(x, axis=axes, dtype=x.dtype))


reduce_sum_p = _define_reduction("reduce_sum", "fiu", _reduce_sum_impl)
reduce_sum_p.def_linear()


def reduce_sum(x, axes):
    """The sum of `x` over `axes` (an int or a sequence; negative axes count from the end)."""
    return _bind_reduction(reduce_sum_p, x, axes)


@reduce_sum_p.def_transpose
def _reduce_sum_transpose(ct, x, *, axes):
    from functrans.primitives import shape
    x_shape = x.aval.shape
    return (shape.broadcast_in_dim(ct, x_shape, _kept_dims(len(x_shape), axes)),)


@reduce_sum_p.def_simplify
def _reduce_sum_simplify(eqn, ctx):
    return [eqn.invars[0]] if not eqn.params["axes"] else None


# --------------------------------------------------------------------------- reduce_prod


def _reduce_prod_impl(x, *, axes):
    x = np.asarray(x)
    return np.asarray(np.prod(x, axis=axes, dtype=x.dtype))


reduce_prod_p = _define_reduction("reduce_prod", "fiu", _reduce_prod_impl)


def reduce_prod(x, axes):
    """The product of `x` over `axes`."""
    return _bind_reduction(reduce_prod_p, x, axes)


@reduce_prod_p.def_jvp
def _reduce_prod_jvp(primals, tangents, *, axes):
    from functrans.primitives import shape
    (x,), (t,) = primals, tangents
    out = reduce_prod(x, axes)
    out_aval = core.get_aval(out)
    aval = core.get_aval(x)
    n = int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        return out, ir.Zero(out_aval)
    # Reduced axes last and flattened: (*kept, n). Then multiply pairs level by level with
    # d (a b) = da b + a db, which needs no division, so zeros in x are exact.
    perm = (*_kept_dims(aval.ndim, axes), *axes)
    x = shape.reshape(shape.transpose(x, perm), (*out_aval.shape, n))
    t = shape.reshape(shape.transpose(core.instantiate(t), perm), (*out_aval.shape, n))
    while n > 1:
        x, t, n = _pairwise_product(x, t, n)
    return out, shape.reshape(t, out_aval.shape)


def _pairwise_product(x, t, n: int):
    """Products of neighbouring pairs along the last axis (length `n`), with their tangent."""
    from functrans.primitives import elementwise, shape
    aval = core.get_aval(x)
    if n % 2:
        # An odd element out is paired with a constant 1 (tangent 0).
        config = ((0, 0, 0),) * (aval.ndim - 1) + ((0, 1, 0),)
        x = shape.pad(x, np.ones((), aval.dtype), config)
        t = shape.pad(t, np.zeros((), aval.dtype), config)
        n += 1
    lead = aval.shape[:-1]
    starts, limits = (0,) * aval.ndim, (*lead, n)
    strides = (1,) * (aval.ndim - 1) + (2,)
    odd_starts = (0,) * (aval.ndim - 1) + (1,)
    xa, xb = shape.slice(x, starts, limits, strides), shape.slice(x, odd_starts, limits, strides)
    ta, tb = shape.slice(t, starts, limits, strides), shape.slice(t, odd_starts, limits, strides)
    t = elementwise.add(elementwise.mul(ta, xb), elementwise.mul(xa, tb))
    return elementwise.mul(xa, xb), t, n // 2


# --------------------------------------------------------------------------- reduce_max / min


def _identity(x, fn):
    """The value an empty max (fn=np.max) or min reduction gives, as in JAX: -inf, int min..."""
    dtype = x.dtype
    lowest = fn is np.max
    if dtype.kind == "f":
        return -np.inf if lowest else np.inf
    if dtype.kind == "b":
        return not lowest
    info = np.iinfo(dtype)
    return info.min if lowest else info.max


def _chooser_impl(fn):
    def impl(x, *, axes):
        x = np.asarray(x)
        return np.asarray(fn(x, axis=axes, initial=_identity(x, fn)))
    return impl


def _chooser_jvp(prim: core.Primitive):
    """d max = the mean of the tangents at the tied maxima (JAX's rule); same for min."""

    def jvp(primals, tangents, *, axes):
        from functrans.primitives import elementwise, shape
        (x,), (t,) = primals, tangents
        out = prim.bind(x, axes=axes)
        aval = core.get_aval(x)
        at_out = elementwise.eq(x, shape.broadcast_in_dim(out, aval.shape,
                                                          _kept_dims(aval.ndim, axes)))
        weights = elementwise.convert_element_type(at_out, aval.dtype)
        counts = reduce_sum(weights, axes)
        t_out = elementwise.div(reduce_sum(elementwise.mul(t, weights), axes), counts)
        return out, t_out

    return jvp


reduce_max_p = _define_reduction("reduce_max", "fiub", _chooser_impl(np.max))
reduce_max_p.def_jvp(_chooser_jvp(reduce_max_p))
reduce_min_p = _define_reduction("reduce_min", "fiub", _chooser_impl(np.min))
reduce_min_p.def_jvp(_chooser_jvp(reduce_min_p))


def reduce_max(x, axes):
    """The maximum of `x` over `axes` (NaN propagates; bool: logical any)."""
    return _bind_reduction(reduce_max_p, x, axes)


def reduce_min(x, axes):
    """The minimum of `x` over `axes` (NaN propagates; bool: logical all)."""
    return _bind_reduction(reduce_min_p, x, axes)


# --------------------------------------------------------------------------- argmax / argmin


def _arg_impl(fn):
    def impl(x, *, axis, index_dtype):
        return np.asarray(fn(x, axis=axis)).astype(index_dtype)
    return impl


def _arg_abstract_eval(prim: str):
    def abstract_eval(x, *, axis, index_dtype):
        from functrans.primitives import shape
        _factories.check_kind(prim, x, "fiub")
        shape.check_axes(prim, (axis,), x, "axis")
        if x.shape[axis] == 0:
            raise shape_error(prim, f"axis {axis} has size 0; there is no {prim[3:]}imum "
                              "to locate", x)
        if not isinstance(index_dtype, np.dtype) or index_dtype.kind not in "iu":
            raise shape_error(prim, f"index_dtype={index_dtype!r} must be an integer "
                              "np.dtype", x)
        out_shape = tuple(n for d, n in enumerate(x.shape) if d != axis)
        return ir.ShapedArray(out_shape, index_dtype)
    return abstract_eval


def _arg_batch(prim: core.Primitive):
    def batch(args, dims, *, axis_size, axis, index_dtype):
        (x,), (bdim,) = args, dims
        full_axis = axis + (axis >= bdim)
        out_bdim = bdim - (full_axis < bdim)
        return prim.bind(x, axis=full_axis, index_dtype=index_dtype), out_bdim
    return batch


def _define_arg(name: str, fn) -> core.Primitive:
    prim = core.Primitive(name)
    prim.def_impl(_arg_impl(fn))
    prim.def_abstract_eval(_arg_abstract_eval(name))
    prim.def_batch(_arg_batch(prim))
    prim.def_nondifferentiable()
    return prim


argmax_p = _define_arg("argmax", np.argmax)
argmin_p = _define_arg("argmin", np.argmin)


def argmax(x, axis, index_dtype):
    """Index of the first maximum of `x` along `axis`, of integer dtype `index_dtype`."""
    axis = _normalize("argmax", x, axis)[0]
    return argmax_p.bind(x, axis=axis, index_dtype=np.dtype(index_dtype))


def argmin(x, axis, index_dtype):
    """Index of the first minimum of `x` along `axis`, of integer dtype `index_dtype`."""
    axis = _normalize("argmin", x, axis)[0]
    return argmin_p.bind(x, axis=axis, index_dtype=np.dtype(index_dtype))


# --------------------------------------------------------------------------- cumsum

cumsum_p = core.Primitive("cumsum")


def cumsum(x, axis, reverse=False):
    """Running sums of `x` along `axis`; from the end when `reverse`."""
    axis = _normalize("cumsum", x, axis)[0]
    return cumsum_p.bind(x, axis=axis, reverse=bool(reverse))


@cumsum_p.def_impl
def _cumsum_impl(x, *, axis, reverse):
    x = np.asarray(x)
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
    return np.cumsum(x, axis=axis, dtype=x.dtype)


@cumsum_p.def_abstract_eval
def _cumsum_abstract_eval(x, *, axis, reverse):
    from functrans.primitives import shape
    _factories.check_kind("cumsum", x, "fiu")
    shape.check_axes("cumsum", (axis,), x, "axis")
    if not isinstance(reverse, bool):
        raise shape_error("cumsum", f"reverse={reverse!r} must be a bool", x)
    return x


@cumsum_p.def_transpose
def _cumsum_transpose(ct, x, *, axis, reverse):
    return (cumsum(ct, axis, not reverse),)


@cumsum_p.def_batch
def _cumsum_batch(args, dims, *, axis_size, axis, reverse):
    (x,), (bdim,) = args, dims
    return cumsum(x, axis + (axis >= bdim), reverse), bdim


cumsum_p.def_linear()
