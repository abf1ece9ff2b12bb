"""Slicing primitives: rev, slice, pad, concatenate, each with all of its rules.

Each primitive has its impl, shape rule, JVP (all are linear), transpose and batching rule
here. They sit above `elementwise.py` because `pad`'s transpose and batching rules need
elementwise primitives. Does not own broadcasting, reshapes or transposes (`shape.py`), or
integer-array indexing (`indexing.py`).
"""
from __future__ import annotations

import builtins

import numpy as np

from functrans import backend, core, errors, ir
from functrans.primitives import _helpers, elementwise
from functrans.primitives import shape as shape_prims

shape_error = _helpers.shape_error


def _is_undef(x) -> bool:
    return isinstance(x, ir.UndefPrimal)


def _aval(x) -> ir.ShapedArray:
    return x.aval if _is_undef(x) else core.get_aval(x)


# --------------------------------------------------------------------------- rev

rev_p = core.Primitive("rev")


def rev(x, dimensions):
    """`np.flip(x, dimensions)`."""
    aval = core.get_aval(x)
    dims = _helpers.normalize_axes(_helpers.ints(dimensions, "dimensions", "rev"), aval.ndim,
                                  f"rev of {aval.str_short()}")
    if not dims:
        return _helpers.as_array(x)
    return rev_p.bind(x, dimensions=dims)


@rev_p.def_impl
def _rev_impl(x, *, dimensions):
    return np.flip(backend.asarray(x), dimensions)


@rev_p.def_abstract_eval
def _rev_abstract_eval(x, *, dimensions):
    _helpers.check_axes("rev", dimensions, x, "dimensions")
    return x


@rev_p.def_transpose
def _rev_transpose(ct, x, *, dimensions):
    return (rev(ct, dimensions),)


@rev_p.def_batch
def _rev_batch(args, dims, *, axis_size, dimensions):
    (x,), (bdim,) = args, dims
    return rev(x, tuple(d + (d >= bdim) for d in dimensions)), bdim


rev_p.def_linear()


@rev_p.def_simplify
def _rev_simplify(eqn, ctx):
    (x,) = eqn.invars
    dims = eqn.params["dimensions"]
    if not dims:
        return [x]
    d = ctx.definition(x)
    if d is not None and d.primitive is rev_p:
        # Reversing an axis twice restores it.
        both = tuple(sorted(set(dims) ^ set(d.params["dimensions"])))
        return [ctx.bind(rev_p, d.invars[0], dimensions=both)]
    return None


# --------------------------------------------------------------------------- slice

slice_p = core.Primitive("slice")


def slice(x, start_indices, limit_indices, strides=None):
    """`x[start:limit:stride, ...]` per dim; strides positive, `None` meaning all ones."""
    starts = _helpers.ints(start_indices, "start_indices", "slice")
    limits = _helpers.ints(limit_indices, "limit_indices", "slice")
    if strides is not None:
        strides = _helpers.ints(strides, "strides", "slice")
        if all(s == 1 for s in strides) and len(strides) == len(starts):
            strides = None
    if strides is None and all(s == 0 for s in starts) and limits == core.get_aval(x).shape:
        return _helpers.as_array(x)
    return slice_p.bind(x, start_indices=starts, limit_indices=limits, strides=strides)


def _slice_strides(start_indices, strides) -> tuple[int, ...]:
    return (1,) * len(start_indices) if strides is None else strides


@slice_p.def_impl
def _slice_impl(x, *, start_indices, limit_indices, strides):
    steps = _slice_strides(start_indices, strides)
    idx = tuple(builtins.slice(a, b, s)
                for a, b, s in zip(start_indices, limit_indices, steps, strict=True))
    return backend.asarray(x)[(*idx, Ellipsis)]   # Ellipsis: a 0-d array, not a scalar


@slice_p.def_abstract_eval
def _slice_abstract_eval(x, *, start_indices, limit_indices, strides):
    prim = "slice"
    steps = _slice_strides(start_indices, strides)
    for name, v in (("start_indices", start_indices), ("limit_indices", limit_indices),
                    ("strides", steps)):
        if not _helpers.is_ints(v) or len(v) != x.ndim:
            raise shape_error(prim, f"{name}={v!r} must be a tuple of {x.ndim} ints, one per "
                              "operand dim", x)
    shape = []
    for d, (a, b, s) in enumerate(zip(start_indices, limit_indices, steps, strict=True)):
        if not 0 <= a <= b <= x.shape[d]:
            raise shape_error(prim, f"dim {d}: start {a} and limit {b} must satisfy "
                              f"0 <= start <= limit <= {x.shape[d]} (start_indices="
                              f"{start_indices}, limit_indices={limit_indices})", x)
        if s < 1:
            raise shape_error(prim, f"dim {d}: stride {s} must be positive (strides={steps}); "
                              "use rev to reverse", x)
        shape.append((b - a + s - 1) // s)
    return ir.ShapedArray(tuple(shape), x.dtype, x.weak_type)


@slice_p.def_transpose
def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    x_shape = x.aval.shape
    ct_shape = core.get_aval(ct).shape
    steps = _slice_strides(start_indices, strides)
    config = []
    for n, m, a, s in zip(x_shape, ct_shape, start_indices, steps, strict=True):
        inner = m + builtins.max(m - 1, 0) * (s - 1)
        config.append((a, n - a - inner, s - 1))
    zero = np.zeros((), x.aval.dtype)
    return (pad(ct, zero, tuple(config)),)


@slice_p.def_batch
def _slice_batch(args, dims, *, axis_size, start_indices, limit_indices, strides):
    (x,), (bdim,) = args, dims
    starts = (*start_indices[:bdim], 0, *start_indices[bdim:])
    limits = (*limit_indices[:bdim], axis_size, *limit_indices[bdim:])
    if strides is not None:
        strides = (*strides[:bdim], 1, *strides[bdim:])
    return slice(x, starts, limits, strides), bdim


slice_p.def_linear()


@slice_p.def_simplify
def _slice_simplify(eqn, ctx):
    (x,) = eqn.invars
    p = eqn.params
    strides = _slice_strides(p["start_indices"], p["strides"])
    if (all(s == 1 for s in strides) and all(a == 0 for a in p["start_indices"])
            and p["limit_indices"] == x.aval.shape):
        return [x]
    return None


# --------------------------------------------------------------------------- pad

pad_p = core.Primitive("pad")


def pad(x, padding_value, padding_config):
    """`x` padded per dim by `(lo, hi, interior)` copies of the rank-0 `padding_value`.

    A Python scalar `padding_value` takes `x`'s dtype.
    """
    config = tuple(_helpers.ints(c, "each padding_config entry", "pad") for c in padding_config)
    if isinstance(padding_value, (bool, int, float)):
        padding_value = backend.asarray(padding_value, core.get_aval(x).dtype)
    return pad_p.bind(x, padding_value, padding_config=config)


@pad_p.def_impl
def _pad_impl(x, padding_value, *, padding_config):
    x = backend.asarray(x)
    shape = tuple(lo + hi + n + builtins.max(n - 1, 0) * interior
                  for n, (lo, hi, interior) in zip(x.shape, padding_config, strict=True))
    out = np.full(shape, padding_value, x.dtype, like=backend.like())
    idx = tuple(builtins.slice(lo, lo + n + builtins.max(n - 1, 0) * interior, interior + 1)
                for n, (lo, _, interior) in zip(x.shape, padding_config, strict=True))
    out[idx] = x
    return out


@pad_p.def_abstract_eval
def _pad_abstract_eval(x, padding_value, *, padding_config):
    prim = "pad"
    if padding_value.shape != () or padding_value.dtype != x.dtype:
        raise shape_error(prim, "padding_value must be rank-0 with the operand's dtype "
                          f"{x.dtype.name}", x, padding_value)
    config = padding_config
    if (not isinstance(config, tuple) or len(config) != x.ndim
            or not all(_helpers.is_ints(c) and len(c) == 3 for c in config)):
        raise shape_error(prim, f"padding_config={config!r} must hold one (lo, hi, interior) "
                          f"triple of ints per operand dim ({x.ndim})", x, padding_value)
    if any(v < 0 for c in config for v in c):
        raise shape_error(prim, f"padding_config={config} has a negative entry; lo, hi and "
                          "interior must be >= 0 (use slice to cut)", x, padding_value)
    shape = tuple(lo + hi + n + builtins.max(n - 1, 0) * interior
                  for n, (lo, hi, interior) in zip(x.shape, config, strict=True))
    return ir.ShapedArray(shape, x.dtype, x.weak_type and padding_value.weak_type)


@pad_p.def_transpose
def _pad_transpose(ct, x, padding_value, *, padding_config):
    ct_shape = core.get_aval(ct).shape
    starts = tuple(lo for lo, _, _ in padding_config)
    limits = tuple(n - hi for n, (_, hi, _) in zip(ct_shape, padding_config, strict=True))
    strides = tuple(interior + 1 for _, _, interior in padding_config)
    ct_x = slice(ct, starts, limits, strides)
    ct_pad = None
    if _is_undef(padding_value):
        # Every output element not copied from x is a copy of padding_value.
        every = tuple(range(len(ct_shape)))
        ct_pad = elementwise.sub(shape_prims.reduce_sum(ct, every),
                                 shape_prims.reduce_sum(ct_x, every))
    return (ct_x if _is_undef(x) else None, ct_pad)


@pad_p.def_batch
def _pad_batch(args, dims, *, axis_size, padding_config):
    x, padding_value = args
    bdim, pad_bdim = dims
    if bdim is None:
        x = shape_prims.bdim_at_front(x, None, axis_size)
        bdim = 0
    config = (*padding_config[:bdim], (0, 0, 0), *padding_config[bdim:])
    if pad_bdim is None:
        return pad(x, padding_value, config), bdim
    # One padding value per batch element: pad with zeros, then fill the padding from a mask.
    x_aval = core.get_aval(x)
    padded = pad(x, np.zeros((), x_aval.dtype), config)
    out_shape = core.get_aval(padded).shape
    core_shape = tuple(n for d, n in enumerate(x_aval.shape) if d != bdim)
    is_x = pad(np.ones(core_shape, bool), np.False_, padding_config)
    core_dims = tuple(d for d in range(len(out_shape)) if d != bdim)
    is_x = shape_prims.broadcast_in_dim(is_x, out_shape, core_dims)
    fill = shape_prims.broadcast_in_dim(padding_value, out_shape, (bdim,))
    return elementwise.select(is_x, padded, fill), bdim


pad_p.def_linear()

# --------------------------------------------------------------------------- concatenate

concatenate_p = core.Primitive("concatenate")


def concatenate(operands, dimension):
    """The operands (one dtype, equal shapes off `dimension`) joined along `dimension`."""
    operands = list(operands)
    if not operands:
        raise errors.FunctransValueError("concatenate: needs at least one operand.")
    aval = core.get_aval(operands[0])
    if aval.ndim == 0:
        raise shape_error("concatenate", "operands must have rank >= 1",
                          *[core.get_aval(x) for x in operands])
    dimension = _helpers.normalize_axis(f"concatenate of {aval.str_short()}", dimension, aval.ndim)
    if len(operands) == 1:
        return _helpers.as_array(operands[0])
    return concatenate_p.bind(*operands, dimension=dimension)


@concatenate_p.def_impl
def _concatenate_impl(*operands, dimension):
    return np.concatenate(operands, axis=dimension)


@concatenate_p.def_abstract_eval
def _concatenate_abstract_eval(*operands, dimension):
    prim = "concatenate"
    if not operands:
        raise errors.ShapeError(f"{prim}: needs at least one operand")
    first = operands[0]
    if type(dimension) is not int or not 0 <= dimension < first.ndim:
        raise errors.AxisError(f"{prim}: dimension={dimension!r} is out of range for operands "
                               f"of shape {first.str_short()} (rank {first.ndim})")
    for x in operands:
        if x.dtype != first.dtype:
            raise shape_error(prim, "operands must have one dtype; convert them first",
                              *operands)
        if x.ndim != first.ndim or any(a != b for d, (a, b) in
                                       enumerate(zip(x.shape, first.shape, strict=True))
                                       if d != dimension):
            raise shape_error(prim, f"operands must have equal shapes except along dimension "
                              f"{dimension}", *operands)
    shape = list(first.shape)
    shape[dimension] = builtins.sum(x.shape[dimension] for x in operands)
    weak = all(x.weak_type for x in operands)
    return ir.ShapedArray(tuple(shape), first.dtype, weak)


@concatenate_p.def_transpose
def _concatenate_transpose(ct, *operands, dimension):
    ct_shape = core.get_aval(ct).shape
    cts = []
    offset = 0
    for x in operands:
        size = _aval(x).shape[dimension]
        if _is_undef(x):
            starts = tuple(offset if d == dimension else 0 for d in range(len(ct_shape)))
            limits = tuple(offset + size if d == dimension else n
                           for d, n in enumerate(ct_shape))
            cts.append(slice(ct, starts, limits))
        else:
            cts.append(None)
        offset += size
    return tuple(cts)


@concatenate_p.def_batch
def _concatenate_batch(args, dims, *, axis_size, dimension):
    # All operands get the batch axis where the first batched one has it.
    bdim = next(d for d in dims if d is not None)
    moved = []
    for x, d in zip(args, dims, strict=True):
        if d is None:
            aval = core.get_aval(x)
            shape = (*aval.shape[:bdim], axis_size, *aval.shape[bdim:])
            keep = tuple(i + (i >= bdim) for i in range(aval.ndim))
            moved.append(shape_prims.broadcast_in_dim(x, shape, keep))
        else:
            moved.append(shape_prims.moveaxis(x, d, bdim))
    return concatenate(moved, dimension + (dimension >= bdim)), bdim


concatenate_p.def_linear()


def _slice_along(x, dimension: int, ctx):
    """`(source, start, limit)` if `x` is a unit-stride slice of `source` along `dimension`
    only (every other dim whole); else None."""
    d = ctx.definition(x)
    if d is None or d.primitive is not slice_p:
        return None
    src, p = d.invars[0], d.params
    if p["strides"] is not None and any(s != 1 for s in p["strides"]):
        return None
    for k, (a, b, n) in enumerate(zip(p["start_indices"], p["limit_indices"], src.aval.shape,
                                      strict=True)):
        if k != dimension and (a, b) != (0, n):
            return None
    return src, p["start_indices"][dimension], p["limit_indices"][dimension]


@concatenate_p.def_simplify
def _concatenate_simplify(eqn, ctx):
    dim = eqn.params["dimension"]
    if len(eqn.invars) == 1:
        return [eqn.invars[0]]
    # Runs of adjacent slices of one array along `dim` become one slice (the whole array
    # when they cover it): [source, start, limit, pieces] or [None, 0, 0, [operand]].
    runs: list[list] = []
    for x in eqn.invars:
        s = _slice_along(x, dim, ctx)
        last = runs[-1] if runs else None
        if s is not None and last is not None and last[0] is s[0] and last[2] == s[1]:
            last[2] = s[2]
            last[3].append(x)
        else:
            runs.append([*s, [x]] if s is not None else [None, 0, 0, [x]])
    if len(runs) == len(eqn.invars):
        return None
    operands = []
    for src, a, b, pieces in runs:
        if len(pieces) == 1:
            operands.append(pieces[0])
            continue
        shape = src.aval.shape
        starts = tuple(a if k == dim else 0 for k in range(len(shape)))
        limits = tuple(b if k == dim else n for k, n in enumerate(shape))
        operands.append(ctx.bind(slice_p, src, start_indices=starts, limit_indices=limits,
                                 strides=None))
    if len(operands) == 1:
        return operands
    return [ctx.bind(concatenate_p, *operands, dimension=dim)]

