"""functrans.numpy: `pad`, with all of NumPy's modes (issue 12).

The layout of a padded axis is NumPy's own (`np.pad` of the index range), taken with
`_manip._take_static`, so the derivative is that of the slicing primitives: linear, copies'
gradients summed. Odd reflections follow NumPy's chunked recurrence (`2 * edge - mirror`, so
the rounding is NumPy's); the statistic modes and `linear_ramp` read the edges of
each axis; a callable mode runs through `vmap`. Owns no primitive.
"""
from __future__ import annotations

import builtins

import numpy as np

from functrans import api, dtypes, errors
from functrans.numpy import _manip, _quantiles, _reductions, _shape, _ufuncs, _util
from functrans.primitives import slicing

# The public names, re-exported by functrans.numpy.
__all__ = [
    "pad"
]


# --------------------------------------------------------------------------- pad


def _pad_pairs(fname: str, value, ndim: int, argname: str) -> list[tuple]:
    """NumPy's per-axis (before, after) pairs of `pad_width` / `constant_values` (concrete)."""
    if isinstance(value, dict):
        pairs = [(0, 0)] * ndim
        for d, width in value.items():
            d = _util.canonicalize_axis(d, ndim, fname, argname)
            pairs[d] = tuple(np.broadcast_to(np.asarray(width), (2,)).tolist())
        return pairs
    arr = np.asarray(value)
    try:
        arr = np.broadcast_to(arr, (ndim, 2))
    except ValueError as e:
        raise errors.FunctransValueError(
            f"{fname}: `{argname}`={value!r} cannot be read as (before, after) pairs for "
            f"{ndim} axes.") from e
    return [tuple(p) for p in arr.tolist()]


def pad(array, pad_width, mode="constant", **kwargs):
    """`array` padded along each axis, as `numpy.pad`.

    Args:
      array: an array or traced value.
      pad_width: NumPy's forms: an int, (before, after), ((before, after),) or one pair per
        axis, or a dict {axis: width}; concrete non-negative ints.
      mode: 'constant' (default; `constant_values`, which may be traced scalars), 'empty'
        (zeros here), 'edge', 'reflect', 'symmetric' (`reflect_type` 'even' or 'odd'),
        'wrap', 'maximum', 'minimum', 'mean', 'median' (`stat_length`), 'linear_ramp'
        (`end_values`), or a function `f(vector, iaxis_pad_width, iaxis, kwargs)` applied to
        each 1-d slice of each axis after zero padding, which must RETURN the padded vector
        (as JAX: values are immutable, so NumPy's in-place form cannot work).
      **kwargs: `constant_values` for 'constant'; `reflect_type` for 'reflect'/'symmetric';
        `stat_length` (NumPy's forms, None for the whole axis) for the statistic modes;
        `end_values` (NumPy's forms, or one traced scalar) for 'linear_ramp'; anything for a
        callable mode (passed to it as `kwargs`).

    Returns:
      The padded array: one `pad` primitive per constant, and per axis a few slices, `rev`s
      and a `concatenate` for the other modes.

    Raises:
      FunctransTypeError: a traced or non-integer `pad_width`, or traced `constant_values`/
        `end_values` that are not one scalar.
      FunctransValueError: an unknown mode or keyword, a negative width, extending an empty
        axis with a mode that reads it, a non-finite constant for an integer array, or a mode
        function that does not return the padded vector.

    Example:
      >>> fnp.pad(np.array([1, 2, 3]), (1, 2), mode="reflect")
      array([2, 1, 2, 3, 2, 1])
    """
    array = _util.as_array(array, "pad")
    widths = _pad_widths(pad_width, _util.aval(array).ndim)
    if callable(mode):
        return _pad_callable(array, widths, mode, kwargs)
    _check_mode(mode, kwargs)
    if mode in ("constant", "empty"):
        return _pad_constant(array, widths, kwargs.get("constant_values", 0))
    if mode in _STATS:
        return _pad_stat(array, widths, mode, kwargs.get("stat_length"))
    if mode == "linear_ramp":
        return _pad_linear_ramp(array, widths, kwargs.get("end_values", 0))
    return _pad_rearranged(array, widths, mode, kwargs.get("reflect_type", "even"))


_MODE_KEYWORDS = {
    "constant": {"constant_values"}, "empty": set(), "edge": set(), "wrap": set(),
    "reflect": {"reflect_type"}, "symmetric": {"reflect_type"}, "maximum": {"stat_length"},
    "minimum": {"stat_length"}, "mean": {"stat_length"}, "median": {"stat_length"},
    "linear_ramp": {"end_values"},
}


def _pad_widths(pad_width, ndim: int) -> list[tuple]:
    """NumPy's (before, after) pairs of `pad_width`: concrete, non-negative ints."""
    if _util.any_deferred(pad_width):
        raise errors.FunctransTypeError(
            "pad: `pad_width` must be concrete host values (the output's shape depends on "
            "it), not traced values or foreign (Dask, CuPy) arrays.")
    widths = _pad_pairs("pad", pad_width, ndim, "pad_width")
    if builtins.any(not isinstance(w, int) or isinstance(w, bool) for p in widths for w in p):
        raise errors.FunctransTypeError(f"pad: `pad_width` must hold ints, got {pad_width!r}.")
    if builtins.any(w < 0 for p in widths for w in p):
        raise errors.FunctransValueError(f"pad: `pad_width` {pad_width!r} has a negative entry.")
    return widths


def _check_mode(mode, kwargs) -> None:
    if mode not in _MODE_KEYWORDS:
        raise errors.FunctransValueError(
            f"pad: mode={mode!r} is not supported; use one of {sorted(_MODE_KEYWORDS)} or a "
            "function.")
    extra = set(kwargs) - _MODE_KEYWORDS[mode]
    if extra:
        raise errors.FunctransValueError(
            f"pad: unsupported keyword arguments for mode {mode!r}: {sorted(extra)}.")


def _pad_rearranged(array, widths, mode: str, reflect_type):
    """edge, wrap, reflect and symmetric: per axis, NumPy's own index map (odd reflections:
    NumPy's recurrence)."""
    if reflect_type not in ("even", "odd"):
        raise errors.FunctransValueError(
            f"pad: reflect_type={reflect_type!r} must be 'even' or 'odd'.")
    odd = reflect_type == "odd" and mode in ("reflect", "symmetric")
    for d, (lo, hi) in enumerate(widths):
        n = _util.aval(array).shape[d]
        if lo == hi == 0:
            continue
        if n == 0:
            raise errors.FunctransValueError(
                f"pad: cannot extend the empty axis {d} with mode {mode!r}; use 'constant'.")
        if odd:
            array = _pad_odd(array, d, lo, hi, mode)
        else:
            # The index map of this axis is NumPy's own padding of arange(n).
            array = _manip._take_static(array, np.pad(np.arange(n), (lo, hi), mode=mode), d)
    return array


def _pad_odd(array, axis: int, lo: int, hi: int, mode: str):
    """An odd reflection along `axis` as NumPy computes it: chunks of at most one period,
    each `2 * edge - mirror` about the current edge, until the widths are filled (so the
    rounding is NumPy's)."""
    n = _util.aval(array).shape[axis]
    if n == 1:   # NumPy's legacy rule: a length-1 axis is extended with its edge value
        return _manip._take_static(array, np.zeros(n + lo + hi, np.intp), axis)
    off = 1 if mode == "symmetric" else 0
    while lo > 0 or hi > 0:
        length = _util.aval(array).shape[axis]
        period = length // n * n if off else (length - 1) // (n - 1) * (n - 1)
        pieces = []
        if lo > 0:
            c = builtins.min(period, lo)
            edge = _manip._slice_axis(array, axis, 0, 1)
            chunk = _manip._take_static(array, np.arange(c - off, -off, -1), axis)
            pieces.append(_ufuncs.subtract(_ufuncs.multiply(edge, 2), chunk))
            lo -= c
        pieces.append(array)
        if hi > 0:
            c = builtins.min(period, hi)
            edge = _manip._slice_axis(array, axis, length - 1, length)
            chunk = _manip._take_static(
                array, np.arange(length - 2 + off, length - 2 + off - c, -1), axis)
            pieces.append(_ufuncs.subtract(_ufuncs.multiply(edge, 2), chunk))
            hi -= c
        dtype = _util.aval(array).dtype
        array = slicing.concatenate([_util.convert(p, dtype) for p in pieces], axis)
    return array


def _pad_linear_ramp(array, widths, end_values):
    """NumPy's ramps: `linspace(end, edge, width, endpoint=False)` before an axis (reversed
    after it), axis by axis, floored for integer dtypes."""
    aval = _util.aval(array)
    if _util.is_deferred(end_values) and _util.aval(end_values).ndim == 0:
        ends = [(end_values, end_values)] * aval.ndim
    elif _util.any_deferred(end_values):
        raise errors.FunctransTypeError(
            "pad: traced (or foreign) `end_values` must be one scalar; pass concrete pairs "
            "instead.")
    else:
        ends = _pad_pairs("pad", end_values, aval.ndim, "end_values")
        given = np.asarray(end_values)
        if given.size == 1 or (given.size == 2 and given.shape != (2, 1)):
            # NumPy reads one or two end values as NumPy scalars (strongly typed: an int64
            # end value makes a float32 ramp compute in float64); more as Python scalars.
            ends = [tuple(given.dtype.type(v) for v in pair) for pair in ends]
    for d, ((lo, hi), (before, after)) in enumerate(zip(widths, ends, strict=True)):
        n = _util.aval(array).shape[d]
        if lo == hi == 0:
            continue
        if n == 0:
            raise errors.FunctransValueError(
                f"pad: cannot extend the empty axis {d} with mode 'linear_ramp'; use "
                "'constant'.")
        pieces = []
        if lo:
            edge = _manip._slice_axis(array, d, 0, 1)
            pieces.append(_ramp(edge, before, lo, d, reverse=False))
        pieces.append(array)
        if hi:
            edge = _manip._slice_axis(array, d, n - 1, n)
            pieces.append(_ramp(edge, after, hi, d, reverse=True))
        array = slicing.concatenate(pieces, d)
    return array


def _ramp(edge, end, width: int, axis: int, reverse: bool):
    dtype = _util.aval(edge).dtype
    end = _util.as_operand(end, "pad")
    # linspace's working dtype: the end value's and the edge's (NEP 50), at least a float
    # (complex stays complex).
    work, _ = dtypes.result_type(dtype, _util.aval(end))
    if work.kind not in "fc":
        work = np.dtype(np.float64)
    edge_w = _util.convert(edge, work)
    end_w = _util.convert(end, work)
    delta = _ufuncs.subtract(edge_w, end_w)
    step = _ufuncs.divide(delta, float(width))
    shape = [1] * _util.aval(edge).ndim
    shape[axis] = width
    steps = np.arange(width, dtype=work).reshape(shape)
    if reverse:
        steps = steps[tuple(slice(None, None, -1) if i == axis else slice(None)
                            for i in range(len(shape)))]
    steps = np.ascontiguousarray(steps)
    ramp = _ufuncs.multiply(steps, step)
    # NumPy's linspace scales (i / width) * delta instead when any step is 0 (denormals).
    scaled = _ufuncs.multiply(steps / np.asarray(width, work), delta)
    ramp = _ufuncs.where(_reductions.any(_ufuncs.equal(step, 0)), scaled, ramp)
    ramp = _ufuncs.add(ramp, end_w)
    if dtype.kind in "iu":
        ramp = _ufuncs.floor(ramp)
    return _util.convert(ramp, dtype)


def _mode_result(result):
    if result is None:
        raise errors.FunctransValueError(
            "pad: the mode function returned None; it must return the padded vector (values "
            "are immutable: build it with vector.at[...].set(...) or where, as JAX's pad "
            "functions do).")
    return _util.as_operand(result, "pad")


def _pad_callable(array, widths, func, kwargs):
    """NumPy's callable mode, functionally: zero-pad, then per axis map `func` over every 1-d
    slice along it (`vmap` over the other axes)."""
    array = _pad_constant(array, widths, 0)
    for d, pair in enumerate(widths):
        moved = _shape.moveaxis(array, d, -1)
        lanes = _shape.reshape(moved, (-1, _util.aval(moved).shape[-1]))
        row = lambda v, d=d, pair=pair: _util.convert(  # noqa: E731
            _mode_result(func(v, pair, d, kwargs)), _util.aval(v).dtype)
        out = api.vmap(row)(lanes) if _util.aval(lanes).shape[0] else lanes
        if _util.aval(out).shape != _util.aval(lanes).shape:
            raise errors.FunctransValueError(
                f"pad: the mode function returned shape {_util.aval(out).shape[1:]} for a "
                f"vector of shape {_util.aval(lanes).shape[1:]}; it must return the padded "
                "vector (same shape).")
        array = _shape.moveaxis(_shape.reshape(out, _util.aval(moved).shape), -1, d)
    return array


def _pad_constant(array, widths, constant_values):
    aval = _util.aval(array)
    if _util.is_deferred(constant_values) and _util.aval(constant_values).ndim == 0:
        values = [(constant_values, constant_values)] * aval.ndim
    elif _util.any_deferred(constant_values):
        raise errors.FunctransTypeError(
            "pad: traced (or foreign) `constant_values` must be one scalar; pass concrete "
            "pairs instead.")
    else:
        values = _pad_pairs("pad", constant_values, aval.ndim, "constant_values")
    flat = [v for pair in values for v in pair]
    if not flat or _util.is_deferred(flat[0]) or len(set(flat)) == 1:
        value = _fill_value(flat[0] if flat else 0, aval.dtype)
        return slicing.pad(array, value, tuple((lo, hi, 0) for lo, hi in widths))
    # Axis by axis, as NumPy: a later axis' values fill the corners.
    for d, ((lo, hi), (before, after)) in enumerate(zip(widths, values, strict=True)):
        for width, value, side in ((lo, before, 0), (hi, after, 1)):
            if width:
                config = tuple(((width, 0, 0) if side == 0 else (0, width, 0)) if e == d
                               else (0, 0, 0) for e in range(aval.ndim))
                array = slicing.pad(array, _fill_value(value, aval.dtype), config)
    return array


def _fill_value(value, dtype: np.dtype):
    """A padding value as a rank-0 operand of `dtype` (NumPy casts it unsafely)."""
    if _util.is_deferred(value):
        return _util.convert(value, dtype)
    value = np.asarray(value)
    if dtype.kind in "iub" and value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
        raise errors.FunctransValueError(
            f"pad: constant_values {value!r} cannot fill an array of dtype {dtype.name} (not "
            "finite); pad a float array instead.")
    return value.astype(dtype)


_STATS = {"maximum": _reductions.max, "minimum": _reductions.min, "mean": _reductions.mean,
          "median": _quantiles.median}


def _pad_stat(array, widths, mode: str, stat_length):
    """pad's statistic modes, axis by axis as NumPy (a later axis sees the earlier padding)."""
    aval = _util.aval(array)
    if stat_length is None:
        lengths = [(None, None)] * aval.ndim
    else:
        lengths = _pad_pairs("pad", np.round(np.asarray(stat_length)).astype(np.intp),
                             aval.ndim, "stat_length")
        if builtins.any(v < 0 for pair in lengths for v in pair):
            raise errors.FunctransValueError(
                f"pad: `stat_length` {stat_length!r} has a negative entry.")
    if aval.size == 0:
        for d, (lo, hi) in enumerate(widths):
            if aval.shape[d] == 0 and (lo or hi):
                raise errors.FunctransValueError(
                    f"pad: cannot extend the empty axis {d} with mode {mode!r}; use 'constant'.")
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(aval.shape, widths, strict=True))
        return _util.in_namespace(np.zeros(shape, aval.dtype), array)
    for d, ((lo, hi), pair) in enumerate(zip(widths, lengths, strict=True)):
        n = _util.aval(array).shape[d]
        left, right = (n if v is None or v > n else v for v in pair)
        if (left == 0 or right == 0) and mode not in ("mean", "median"):
            raise errors.FunctransValueError("pad: a stat_length of 0 yields no value.")
        pieces = []
        if lo:
            pieces.append(_pad_stat_piece(array, d, 0, left, lo, mode))
        pieces.append(array)
        if hi:
            pieces.append(_pad_stat_piece(array, d, n - right, n, hi, mode))
        if len(pieces) > 1:
            array = slicing.concatenate(pieces, d)
    return array


def _pad_stat_piece(array, axis: int, start: int, stop: int, width: int, mode: str):
    aval = _util.aval(array)
    stat = _STATS[mode](_manip._slice_axis(array, axis, start, stop), axis=axis, keepdims=True)
    if aval.dtype.kind in "iu" and mode in ("mean", "median"):
        stat = _ufuncs.round(stat)
    stat = _util.convert(stat, aval.dtype)
    shape = aval.shape[:axis] + (width,) + aval.shape[axis + 1:]
    return _util.broadcast_to_shape(stat, shape, "pad")
