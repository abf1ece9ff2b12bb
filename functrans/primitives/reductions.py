"""Reduction primitives: reduce_prod, reduce_max, reduce_min, argmax, argmin, cumsum.

Each primitive has its impl, shape rule, JVP (or is linear / non-differentiable), transpose
for the linear ones, batching rule and FLOP count (the input's size) here. `reduce_sum` is
in `shape.py`, beside `broadcast_in_dim`, its transpose; the parts all reductions over
`axes` share are in `_helpers.py`. Axes params are sorted tuples of non-negative
ints; the wrappers normalize them. NumPy conveniences (`keepdims`, `mean`, `var`, dtype
promotion of integer sums) live in `functrans.numpy`, not here.
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, ir
from functrans.primitives import _helpers, comparison, elementwise, slicing
from functrans.primitives import shape as shape_prims

shape_error = _helpers.shape_error

# --------------------------------------------------------------------------- reduce_prod


def _reduce_prod_impl(x, *, axes):
    x = backend.asarray(x)
    return backend.asarray(np.prod(x, axis=axes, dtype=x.dtype))


reduce_prod_p = _helpers.define_reduction("reduce_prod", "fiuc", _reduce_prod_impl)


def reduce_prod(x, axes):
    """The product of `x` over `axes`."""
    return _helpers.bind_reduction(reduce_prod_p, x, axes)


@reduce_prod_p.def_jvp
def _reduce_prod_jvp(primals, tangents, *, axes):
    (x,), (t,) = primals, tangents
    out = reduce_prod(x, axes)
    out_aval = core.get_aval(out)
    aval = core.get_aval(x)
    n = int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        return out, ir.Zero(out_aval)
    # Reduced axes last and flattened: (*kept, n). Then multiply pairs level by level with
    # d (a b) = da b + a db, which needs no division, so zeros in x are exact.
    perm = (*_helpers.kept_dims(aval.ndim, axes), *axes)
    x = shape_prims.reshape(shape_prims.transpose(x, perm), (*out_aval.shape, n))
    t = shape_prims.reshape(shape_prims.transpose(core.instantiate(t), perm), (*out_aval.shape, n))
    while n > 1:
        x, t, n = _pairwise_product(x, t, n)
    return out, shape_prims.reshape(t, out_aval.shape)


def _pairwise_product(x, t, n: int):
    """Products of neighbouring pairs along the last axis (length `n`), with their tangent."""
    aval = core.get_aval(x)
    if n % 2:
        # An odd element out is paired with a constant 1 (tangent 0).
        config = ((0, 0, 0),) * (aval.ndim - 1) + ((0, 1, 0),)
        x = slicing.pad(x, np.ones((), aval.dtype), config)
        t = slicing.pad(t, np.zeros((), aval.dtype), config)
        n += 1
    lead = aval.shape[:-1]
    starts, limits = (0,) * aval.ndim, (*lead, n)
    strides = (1,) * (aval.ndim - 1) + (2,)
    odd_starts = (0,) * (aval.ndim - 1) + (1,)
    xa = slicing.slice(x, starts, limits, strides)
    xb = slicing.slice(x, odd_starts, limits, strides)
    ta = slicing.slice(t, starts, limits, strides)
    tb = slicing.slice(t, odd_starts, limits, strides)
    t = elementwise.add(elementwise.mul(ta, xb), elementwise.mul(xa, tb))
    return elementwise.mul(xa, xb), t, n // 2


# --------------------------------------------------------------------------- reduce_max / min


def _identity(x, fn):
    """The value an empty max (fn=np.max) or min reduction gives, as in JAX: -inf, int min..."""
    dtype = x.dtype
    lowest = fn is np.max
    if dtype.kind in "fc":   # complex: -inf + 0j and inf + 0j, as JAX's
        return np.asarray(-np.inf if lowest else np.inf, dtype)
    if dtype.kind == "b":
        return not lowest
    info = np.iinfo(dtype)
    return info.min if lowest else info.max


def _chooser_impl(fn):
    def impl(x, *, axes):
        x = backend.asarray(x)
        like = backend.like()
        if like is not None:   # Dask's max and min take no initial=
            if x.size:
                return fn(x, axis=axes)
            shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
            return np.full(shape, _identity(x, fn), x.dtype, like=like)
        return backend.asarray(fn(x, axis=axes, initial=_identity(x, fn)))
    return impl


def _chooser_jvp(prim: core.Primitive):
    """d max = the mean of the tangents at the tied maxima (JAX's rule); same for min."""

    def jvp(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        out = prim.bind(x, axes=axes)
        aval = core.get_aval(x)
        at_out = comparison.eq(x, shape_prims.broadcast_in_dim(out, aval.shape,
                                                          _helpers.kept_dims(aval.ndim, axes)))
        weights = elementwise.convert_element_type(at_out, aval.dtype)
        counts = shape_prims.reduce_sum(weights, axes)
        t_out = elementwise.div(shape_prims.reduce_sum(elementwise.mul(t, weights), axes), counts)
        return out, t_out

    return jvp


# Complex operands: the lexicographic maximum (real part, then imaginary part), as NumPy's and
# JAX's; argmax/argmin below order them the same way.
reduce_max_p = _helpers.define_reduction("reduce_max", "fiubc", _chooser_impl(np.max))
reduce_max_p.def_jvp(_chooser_jvp(reduce_max_p))
reduce_min_p = _helpers.define_reduction("reduce_min", "fiubc", _chooser_impl(np.min))
reduce_min_p.def_jvp(_chooser_jvp(reduce_min_p))


def reduce_max(x, axes):
    """The maximum of `x` over `axes` (NaN propagates; bool: logical any)."""
    return _helpers.bind_reduction(reduce_max_p, x, axes)


def reduce_min(x, axes):
    """The minimum of `x` over `axes` (NaN propagates; bool: logical all)."""
    return _helpers.bind_reduction(reduce_min_p, x, axes)


# --------------------------------------------------------------------------- argmax / argmin


def _arg_impl(fn):
    def impl(x, *, axis, index_dtype):
        return backend.asarray(fn(x, axis=axis)).astype(index_dtype)
    return impl


def _arg_abstract_eval(prim: str):
    def abstract_eval(x, *, axis, index_dtype):
        _helpers.check_kind(prim, x, "fiubc")
        _helpers.check_axes(prim, (axis,), x, "axis")
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
    prim.def_flops(_helpers.input_size)
    return prim


argmax_p = _define_arg("argmax", np.argmax)
argmin_p = _define_arg("argmin", np.argmin)


def argmax(x, axis, index_dtype):
    """Index of the first maximum of `x` along `axis`, of integer dtype `index_dtype`."""
    axis = _helpers.reduction_axes("argmax", x, axis)[0]
    return argmax_p.bind(x, axis=axis, index_dtype=np.dtype(index_dtype))


def argmin(x, axis, index_dtype):
    """Index of the first minimum of `x` along `axis`, of integer dtype `index_dtype`."""
    axis = _helpers.reduction_axes("argmin", x, axis)[0]
    return argmin_p.bind(x, axis=axis, index_dtype=np.dtype(index_dtype))


# --------------------------------------------------------------------------- cumsum

cumsum_p = core.Primitive("cumsum")


def cumsum(x, axis, reverse=False):
    """Running sums of `x` along `axis`; from the end when `reverse`."""
    axis = _helpers.reduction_axes("cumsum", x, axis)[0]
    return cumsum_p.bind(x, axis=axis, reverse=bool(reverse))


@cumsum_p.def_impl
def _cumsum_impl(x, *, axis, reverse):
    x = backend.asarray(x)
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
    return np.cumsum(x, axis=axis, dtype=x.dtype)


@cumsum_p.def_abstract_eval
def _cumsum_abstract_eval(x, *, axis, reverse):
    _helpers.check_kind("cumsum", x, "fiuc")
    _helpers.check_axes("cumsum", (axis,), x, "axis")
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
cumsum_p.def_flops(_helpers.input_size)
