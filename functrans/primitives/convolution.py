"""The convolution primitive `conv_general_dilated` and all of its rules.

Owns: `conv_general_dilated_p`; its wrappers `conv_general_dilated`, `conv` and
`conv_with_general_padding` (JAX's `lax` signatures, re-exported by `functrans.lax`), which
normalize `padding` ('SAME', 'SAME_LOWER', 'VALID' or pairs) and `dimension_numbers` (None,
strings such as `('NHWC', 'HWIO', 'NHWC')`, or three tuples of ints) into the params.
Does not own NumPy's and SciPy's conveniences (`functrans.numpy.convolve`/`correlate`,
`functrans.scipy.signal`), which are built on the wrapper.

The params are JAX's: `window_strides`, `padding` (a `(lo, hi)` pair of ints per spatial dim,
negative pads crop), `lhs_dilation`, `rhs_dilation`, `dimension_numbers = (lhs_spec, rhs_spec,
out_spec)` (lhs_spec: the lhs axes of batch, feature, then the spatial dims; rhs_spec: output
feature, input feature, spatial; out_spec: batch, feature, spatial) and `feature_group_count`.
The operation is a cross-correlation (the kernel is not flipped), as in JAX and XLA.

Rules: the impl dilates and pads the input once, takes the windows as a strided view, copies
them into an im2col matrix and does one (batched over groups) matmul. The primitive is linear
in each operand; the transpose in the input is a convolution of the cotangent with the
spatially flipped kernel (strides and input dilation swapped), the transpose in the kernel a
convolution of the input (batch and feature roles swapped) with the cotangent; both follow
JAX's `_conv_general_dilated_transpose_lhs/rhs`, except that feature groups in the kernel's
transpose move into the input's batch-as-feature dim instead of using `batch_group_count`
(which this primitive does not have). Batching folds the mapped axis into the batch dim (lhs
mapped), the output-feature dim (rhs mapped) or the feature groups (both mapped): no loop.
"""
from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from functrans import backend, core, errors, ir
from functrans.primitives import _helpers, elementwise, slicing
from functrans.primitives import shape as shape_prims

Zero = ir.Zero
_NAME = "conv_general_dilated"
Spec = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]

conv_general_dilated_p = core.Primitive(_NAME)
conv_general_dilated_p.def_linear_in((0,), (1,))   # bilinear: in each operand given the other


# --------------------------------------------------------------------------- wrappers


def conv_general_dilated(lhs: Any, rhs: Any, window_strides: Sequence[int], padding: Any,
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers: Any = None, feature_group_count: int = 1,
                         batch_group_count: int = 1, precision: Any = None,
                         preferred_element_type: Any = None) -> Any:
    """General N-d convolution (cross-correlation), as `jax.lax.conv_general_dilated`.

    Args:
      lhs: the input, rank n + 2 (batch, feature and n spatial dims, in the order
        `dimension_numbers` gives).
      rhs: the kernel, rank n + 2 (output feature, input feature, n spatial dims); the same
        dtype as `lhs` (this is `lax`: no promotion).
      window_strides: n ints, the step of the window in each spatial dim.
      padding: 'VALID' (no padding), 'SAME' (output size ceil(in / stride), the extra pad at
        the end), 'SAME_LOWER' (extra pad at the start), or n `(lo, hi)` pairs of ints
        (negative values crop).
      lhs_dilation: n ints (default ones): `lhs_dilation - 1` zeros inserted between input
        elements (a transposed convolution).
      rhs_dilation: n ints (default ones): the kernel's elements are spaced this far apart
        (atrous convolution).
      dimension_numbers: None (`('NC...', 'OI...', 'NC...')`: NCHW, OIHW, NCHW for 2-d), a
        triple of strings such as `('NHWC', 'HWIO', 'NHWC')` (N batch, C feature, O/I output/
        input feature; the other letters name spatial dims, in the kernel's order), or a triple
        of int tuples `(lhs_spec, rhs_spec, out_spec)` as JAX's `ConvDimensionNumbers`.
      feature_group_count: G splits the input features into G groups, each convolved with
        its own `O / G` output features (`rhs` has `C / G` input features); G = C is a
        depthwise convolution.
      batch_group_count: only 1 is supported (JAX uses it internally for gradients).
      precision: accepted and ignored (NumPy computes in the operands' precision).
      preferred_element_type: if given, both operands are converted to it first.

    Returns:
      `out[n, o, y...] = sum_{c, k...} lhs_padded[n, g*C/G + c, y*s + k*d ...] * rhs[o, c, k...]`
      (g the group of o) in the `out_spec` layout. Differentiable in both operands to any
      order, batchable and jittable.

    Raises:
      ShapeError: the ranks, feature counts or dtypes do not fit.

    Example:
      >>> x = np.arange(5.0).reshape(1, 1, 5)
      >>> w = np.array([1.0, 0.0, -1.0]).reshape(1, 1, 3)
      >>> ft.lax.conv_general_dilated(x, w, (1,), 'SAME')
      array([[[-1., -2., -2., -2.,  3.]]])
    """
    if operator.index(batch_group_count) != 1:
        raise errors.FunctransValueError(
            f"{_NAME}: batch_group_count={batch_group_count} is not supported; only 1 (group "
            "the features with feature_group_count, or vmap over the groups).")
    lhs, rhs = _helpers.as_array(lhs), _helpers.as_array(rhs)
    if preferred_element_type is not None:
        lhs = _to_dtype(lhs, np.dtype(preferred_element_type))
        rhs = _to_dtype(rhs, np.dtype(preferred_element_type))
    lhs_aval, rhs_aval = core.get_aval(lhs), core.get_aval(rhs)
    specs = conv_dimension_numbers(lhs_aval.ndim, rhs_aval.ndim, dimension_numbers)
    nsp = lhs_aval.ndim - 2
    strides = _spatial_ints(window_strides, nsp, "window_strides")
    lhs_dil = _spatial_ints((1,) * nsp if lhs_dilation is None else lhs_dilation, nsp,
                            "lhs_dilation")
    rhs_dil = _spatial_ints((1,) * nsp if rhs_dilation is None else rhs_dilation, nsp,
                            "rhs_dilation")
    pads = _padding(padding, lhs_aval, rhs_aval, specs, strides, rhs_dil)
    return conv_general_dilated_p.bind(
        lhs, rhs, window_strides=strides, padding=pads, lhs_dilation=lhs_dil,
        rhs_dilation=rhs_dil, dimension_numbers=specs,
        feature_group_count=operator.index(feature_group_count))


def conv(lhs: Any, rhs: Any, window_strides: Sequence[int], padding: Any,
         precision: Any = None, preferred_element_type: Any = None) -> Any:
    """Convolution in the NCHW / OIHW layout without dilation, as `jax.lax.conv`.

    `conv_general_dilated(lhs, rhs, window_strides, padding)`; see there.

    Example:
      >>> x = np.ones((1, 1, 4, 4))
      >>> ft.lax.conv(x, np.ones((2, 1, 3, 3)), (1, 1), 'VALID').shape
      (1, 2, 2, 2)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs: Any, rhs: Any, window_strides: Sequence[int], padding: Any,
                              lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision: Any = None,
                              preferred_element_type: Any = None) -> Any:
    """Convolution in the NCHW / OIHW layout with dilations, as
    `jax.lax.conv_with_general_padding`.

    `conv_general_dilated` with the default `dimension_numbers`; see there.

    Example:
      >>> x = np.ones((1, 1, 5))
      >>> ft.lax.conv_with_general_padding(x, np.ones((1, 1, 2)), (1,), [(1, 0)], None, (2,))
      array([[[1., 2., 2., 2.]]])
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


def _to_dtype(x: Any, dtype: np.dtype) -> Any:
    if core.get_aval(x).dtype == dtype:
        return x
    return elementwise.convert_element_type(x, dtype)


def _spatial_ints(values: Any, nsp: int, what: str) -> tuple[int, ...]:
    out = _helpers.ints(values, what, _NAME)
    if len(out) != nsp:
        raise errors.FunctransValueError(
            f"{_NAME}: {what}={tuple(values)} must have one entry per spatial dim ({nsp}).")
    if any(v < 1 for v in out):
        raise errors.FunctransValueError(f"{_NAME}: {what}={out} must be positive.")
    return out


def conv_dimension_numbers(lhs_ndim: int, rhs_ndim: int, dimension_numbers: Any) -> Spec:
    """`(lhs_spec, rhs_spec, out_spec)` int tuples from None, strings or int tuples (JAX's)."""
    if lhs_ndim != rhs_ndim or lhs_ndim < 2:
        raise errors.ShapeError(
            f"{_NAME}: lhs and rhs must have the same rank, at least 2 (batch and feature "
            f"dims, then the spatial dims), got ranks {lhs_ndim} and {rhs_ndim}.")
    if dimension_numbers is None:
        default = tuple(range(lhs_ndim))
        return default, default, default
    if len(dimension_numbers) != 3:
        raise errors.FunctransValueError(
            f"{_NAME}: dimension_numbers must be (lhs_spec, rhs_spec, out_spec), got "
            f"{dimension_numbers!r}.")
    if all(isinstance(s, str) for s in dimension_numbers):
        return _specs_from_strings(lhs_ndim, *dimension_numbers)
    specs = tuple(_helpers.ints(s, "dimension_numbers", _NAME) for s in dimension_numbers)
    for s in specs:
        if sorted(s) != list(range(lhs_ndim)):
            raise errors.FunctransValueError(
                f"{_NAME}: each spec of dimension_numbers={dimension_numbers!r} must be a "
                f"permutation of the {lhs_ndim} axes.")
    return specs[0], specs[1], specs[2]


def _specs_from_strings(ndim: int, lhs: str, rhs: str, out: str) -> Spec:
    """JAX's rule: the spatial dims are ordered as the kernel's string names them."""
    spatial = [c for c in rhs if c not in "OI"]
    for spec, pair in ((lhs, "NC"), (rhs, "OI"), (out, "NC")):
        if (len(spec) != ndim or len(set(spec)) != ndim or not set(pair) <= set(spec)
                or sorted(c for c in spec if c not in pair) != sorted(spatial)):
            raise errors.FunctransValueError(
                f"{_NAME}: dimension_numbers {(lhs, rhs, out)!r} do not fit operands of rank "
                f"{ndim}: lhs and out need N and C, rhs O and I, each the same {ndim - 2} "
                "spatial letters once.")

    def perm(spec: str, pair: str) -> tuple[int, ...]:
        return (spec.index(pair[0]), spec.index(pair[1])) + tuple(spec.index(c) for c in spatial)

    return perm(lhs, "NC"), perm(rhs, "OI"), perm(out, "NC")


def _padding(padding: Any, lhs: ir.ShapedArray, rhs: ir.ShapedArray, specs: Spec,
             strides: tuple[int, ...], rhs_dil: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    nsp = lhs.ndim - 2
    if isinstance(padding, str):
        kind = padding.upper()
        if kind == "VALID":
            return ((0, 0),) * nsp
        if kind not in ("SAME", "SAME_LOWER"):
            raise errors.FunctransValueError(
                f"{_NAME}: padding={padding!r} must be 'SAME', 'SAME_LOWER', 'VALID' or a "
                "sequence of (lo, hi) pairs.")
        pads = []
        for i in range(nsp):
            size = lhs.shape[specs[0][2 + i]]
            window = _dilated(rhs.shape[specs[1][2 + i]], rhs_dil[i])
            out = -(-size // strides[i])
            total = max(0, (out - 1) * strides[i] + window - size)
            lo = total // 2 if kind == "SAME" else total - total // 2
            pads.append((lo, total - lo))
        return tuple(pads)
    try:
        pairs = tuple(tuple(operator.index(v) for v in p) for p in padding)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{_NAME}: padding={padding!r} must be a string or (lo, hi) pairs of ints.") from e
    if len(pairs) != nsp or any(len(p) != 2 for p in pairs):
        raise errors.FunctransValueError(
            f"{_NAME}: padding={padding!r} must have one (lo, hi) pair per spatial dim ({nsp}).")
    return tuple((p[0], p[1]) for p in pairs)


def _dilated(size: int, dilation: int) -> int:
    return 0 if size == 0 else 1 + dilation * (size - 1)


# --------------------------------------------------------------------------- shape rule


def _out_spatial(lhs_sp, rhs_sp, strides, padding, lhs_dil, rhs_dil) -> tuple[int, ...]:
    out = []
    for n, k, s, (lo, hi), ld, rd in zip(lhs_sp, rhs_sp, strides, padding, lhs_dil, rhs_dil,
                                         strict=True):
        span = max(0, _dilated(n, ld) + lo + hi) - _dilated(k, rd)
        out.append(span // s + 1 if span >= 0 else 0)
    return tuple(out)


@conv_general_dilated_p.def_abstract_eval
def _conv_abstract_eval(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                        dimension_numbers, feature_group_count):
    _helpers.check_kind(_NAME, lhs, "fiuc")
    if lhs.dtype != rhs.dtype:
        raise _helpers.shape_error(_NAME, "operands must have the same dtype; convert first "
                                   "(functrans.scipy.signal and fnp.convolve promote)", lhs, rhs)
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if lhs.ndim != rhs.ndim or len(lhs_spec) != lhs.ndim:
        raise _helpers.shape_error(_NAME, f"operands must have rank {len(lhs_spec)} "
                                   f"(dimension_numbers={dimension_numbers})", lhs, rhs)
    nsp = lhs.ndim - 2
    for what, value in (("window_strides", window_strides), ("lhs_dilation", lhs_dilation),
                        ("rhs_dilation", rhs_dilation), ("padding", padding)):
        if len(value) != nsp:
            raise _helpers.shape_error(_NAME, f"{what}={value} needs {nsp} entries", lhs, rhs)
    groups = feature_group_count
    c, o, i = lhs.shape[lhs_spec[1]], rhs.shape[rhs_spec[0]], rhs.shape[rhs_spec[1]]
    if groups < 1 or c != i * groups or o % groups:
        raise _helpers.shape_error(
            _NAME, f"the input has {c} features, the kernel {o} output and {i} input features "
            f"and feature_group_count={groups}: need input features = kernel input features * "
            "groups and output features divisible by groups", lhs, rhs)
    out_sp = _out_spatial([lhs.shape[d] for d in lhs_spec[2:]],
                          [rhs.shape[d] for d in rhs_spec[2:]], window_strides, padding,
                          lhs_dilation, rhs_dilation)
    shape = [0] * lhs.ndim
    for d, size in zip(out_spec, (lhs.shape[lhs_spec[0]], o, *out_sp), strict=True):
        shape[d] = size
    return ir.ShapedArray(tuple(shape), lhs.dtype, lhs.weak_type and rhs.weak_type)


@conv_general_dilated_p.def_flops
def _conv_flops(eqn) -> int:
    # A multiply and an add per output element and kernel element of its group.
    rhs = eqn.invars[1].aval
    per_output = _helpers.size(rhs) // max(1, rhs.shape[eqn.params["dimension_numbers"][1][0]])
    return 2 * _helpers.size(eqn.outvars[0].aval) * per_output


# --------------------------------------------------------------------------- NumPy evaluation


def _dilate_and_pad(lhs: np.ndarray, spec, dilation, padding) -> np.ndarray:
    """The canonical (N, C, spatial...) view of `lhs` with zeros inserted between elements
    and padded (or cropped); the copy keeps `lhs`'s memory order (channels last stays so)."""
    x = lhs.transpose(spec)
    if all(d == 1 for d in dilation) and all(p == (0, 0) for p in padding):
        return x
    sizes, src, dst = [], [], []
    for n, d, (lo, hi) in zip(x.shape[2:], dilation, padding, strict=True):
        size = max(0, _dilated(n, d) + lo + hi)
        first = max(0, -(lo // d))                    # the first element landing at >= 0
        stop = min(n, (size - 1 - lo) // d + 1)       # past the last one landing at < size
        sizes.append(size)
        src.append(slice(first, max(first, stop)))
        dst.append(slice(lo + first * d, lo + first * d + d * max(0, stop - first), d))
    canon = x.shape[:2] + tuple(sizes)
    inv = tuple(int(p) for p in np.argsort(spec))
    out = np.zeros(tuple(canon[p] for p in inv), x.dtype, like=backend.like()).transpose(spec)
    if all(s.stop > s.start for s in src):
        out[(slice(None), slice(None), *dst)] = x[(slice(None), slice(None), *src)]
    return out


@conv_general_dilated_p.def_impl
def _conv_impl(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               dimension_numbers, feature_group_count):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    x = _dilate_and_pad(backend.asarray(lhs), lhs_spec, lhs_dilation, padding)
    w = backend.asarray(rhs).transpose(rhs_spec)
    n, o, i, kernel = x.shape[0], w.shape[0], w.shape[1], w.shape[2:]
    out_sp = _out_spatial(x.shape[2:], kernel, window_strides, ((0, 0),) * len(kernel),
                          (1,) * len(kernel), rhs_dilation)
    inv = tuple(int(p) for p in np.argsort(out_spec))
    if 0 in (n, o, i, *out_sp, *kernel):
        return np.zeros((n, o, *out_sp), x.dtype, like=backend.like()).transpose(inv)
    g = feature_group_count
    if backend.like() is not None:   # Dask, CuPy, ...: no strides; the windows as a view
        windows = _windows(x, g, i, kernel, window_strides, rhs_dilation, out_sp)
        return _im2col_rows(windows, w, g, feature_last=False).transpose(inv)
    s = x.strides
    # The windows as a view (N, G, C/G, out..., kernel...); one copy makes the im2col matrix.
    windows = np.lib.stride_tricks.as_strided(
        x, (n, g, i, *out_sp, *kernel),
        (s[0], s[1] * i, s[1], *(st * ws for st, ws in zip(s[2:], window_strides, strict=True)),
         *(st * rd for st, rd in zip(s[2:], rhs_dilation, strict=True))), writeable=False)
    # The copy runs fastest along the input's unit-stride dim: the features (channels last:
    # columns ordered kernel, feature), the output's last spatial dim (rows (N, out...) last,
    # a batched `kernel @ columns`) or the kernel's (columns (feature, kernel)).
    if abs(s[1]) <= min(abs(st) for st in s[2:]):
        res = _im2col_rows(windows, w, g, feature_last=True)
    elif out_sp[-1] >= kernel[-1]:
        return _im2col_columns(windows, w, g).transpose(inv)
    else:
        res = _im2col_rows(windows, w, g, feature_last=False)
    return res.transpose(inv)


def _windows(x, g: int, i: int, kernel, strides, dilation, out_sp):
    """The windows (N, G, C/G, out..., kernel...) of `x` by `sliding_window_view`, which
    every array library with NumPy's dispatch has (the NumPy path uses `as_strided`)."""
    nsp = len(kernel)
    span = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation, strict=True))
    v = np.lib.stride_tricks.sliding_window_view(x, span, axis=tuple(range(2, 2 + nsp)))
    v = v[(slice(None), slice(None),
           *(slice(0, (o - 1) * st + 1, st) for o, st in zip(out_sp, strides, strict=True)),
           *(slice(None, None, d) for d in dilation))]
    return v.reshape(x.shape[0], g, i, *out_sp, *kernel)


def _im2col_rows(windows: np.ndarray, w: np.ndarray, g: int, *, feature_last: bool):
    """`windows` (N, G, C/G, out..., kernel...) as rows (G, N*out, C/G*kernel) times the
    kernel: the output (N, O, out...) as a view of (N, out..., O)."""
    nsp = w.ndim - 2
    n, out_sp = windows.shape[0], windows.shape[3:3 + nsp]
    out_axes, k_axes = tuple(range(3, 3 + nsp)), tuple(range(3 + nsp, 3 + 2 * nsp))
    contract = (*k_axes, 2) if feature_last else (2, *k_axes)
    cols = windows.transpose(1, 0, *out_axes, *contract).reshape(g, n * _size(out_sp), -1)
    o = w.shape[0]
    wg = w.reshape(g, o // g, *w.shape[1:])
    if feature_last:
        wg = wg.transpose(0, 1, *range(3, 3 + nsp), 2)
    wm = wg.reshape(g, o // g, -1).transpose(0, 2, 1)
    res = np.matmul(cols[0], wm[0])[None] if g == 1 else np.matmul(cols, wm)
    res = res.reshape(g, n, *out_sp, o // g).transpose(1, *range(2, 2 + nsp), 0, 2 + nsp)
    res = res.reshape(n, *out_sp, o)
    return res.transpose(0, nsp + 1, *range(1, nsp + 1))


def _im2col_columns(windows: np.ndarray, w: np.ndarray, g: int):
    """`windows` (N, G, C/G, out..., kernel...) as columns (G, N, C/G*kernel, out) and the
    kernel times them: the output (N, O, out...) in that memory order."""
    nsp = w.ndim - 2
    n, out_sp = windows.shape[0], windows.shape[3:3 + nsp]
    out_axes, k_axes = tuple(range(3, 3 + nsp)), tuple(range(3 + nsp, 3 + 2 * nsp))
    cols = windows.transpose(1, 0, 2, *k_axes, *out_axes).reshape(g, n, -1, _size(out_sp))
    o = w.shape[0]
    wm = w.reshape(g, 1, o // g, -1)
    res = np.matmul(wm[0], cols[0])[None] if g == 1 else np.matmul(wm, cols)
    return res.transpose(1, 0, 2, 3).reshape(n, o, *out_sp)


def _size(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


# --------------------------------------------------------------------------- differentiation


@conv_general_dilated_p.def_jvp
def _conv_jvp(primals, tangents, **params):
    # Bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw)
    lhs, rhs = primals
    t_lhs, t_rhs = tangents
    out = conv_general_dilated_p.bind(lhs, rhs, **params)
    t_out = Zero(core.get_aval(out))
    if not isinstance(t_lhs, Zero):
        t_out = elementwise.add_tangents(t_out, conv_general_dilated_p.bind(t_lhs, rhs, **params))
    if not isinstance(t_rhs, Zero):
        t_out = elementwise.add_tangents(t_out, conv_general_dilated_p.bind(lhs, t_rhs, **params))
    return out, t_out


def _swap_first(spec: tuple[int, ...]) -> tuple[int, ...]:
    return (spec[1], spec[0], *spec[2:])


@conv_general_dilated_p.def_transpose
def _conv_transpose(ct, lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                    dimension_numbers, feature_group_count):
    lhs_undef = isinstance(lhs, ir.UndefPrimal)
    if lhs_undef and isinstance(rhs, ir.UndefPrimal):
        raise NotImplementedError(
            f"{_NAME}: transpose with both operands linear is not defined (it is bilinear); "
            "one operand must be a known value")
    args = (window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
            feature_group_count)
    if lhs_undef:
        return _transpose_lhs(ct, lhs.aval, rhs, *args), None
    return None, _transpose_rhs(ct, lhs, rhs.aval, *args)


def _transpose_lhs(ct, lhs_aval, rhs, strides, padding, lhs_dil, rhs_dil, specs, groups):
    """A convolution of the cotangent with the flipped kernel (input and output features
    swapped, strides and input dilation swapped)."""
    lhs_spec, rhs_spec, out_spec = specs
    rhs_aval = core.get_aval(rhs)
    if groups > 1:
        # The group axis moves from the kernel's output features to its input features.
        rhs = _reshape_axis_out_of(rhs_spec[0], groups, rhs)
        rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[1], rhs)
    ct_aval = core.get_aval(ct)
    pads = []
    for k in range(len(strides)):
        in_d = _dilated(lhs_aval.shape[lhs_spec[2 + k]], lhs_dil[k])
        win_d = _dilated(rhs_aval.shape[rhs_spec[2 + k]], rhs_dil[k])
        out_d = _dilated(ct_aval.shape[out_spec[2 + k]], strides[k])
        before = win_d - padding[k][0] - 1
        pads.append((before, in_d + win_d - 1 - out_d - before))
    flipped = slicing.rev(rhs, rhs_spec[2:])
    return conv_general_dilated_p.bind(
        ct, flipped, window_strides=lhs_dil, padding=tuple(pads), lhs_dilation=strides,
        rhs_dilation=rhs_dil, dimension_numbers=(out_spec, _swap_first(rhs_spec), lhs_spec),
        feature_group_count=groups)


def _transpose_rhs(ct, lhs, rhs_aval, strides, padding, lhs_dil, rhs_dil, specs, groups):
    """A convolution of the input (batch as features) with the cotangent as the kernel."""
    lhs_spec, rhs_spec, out_spec = specs
    ct_aval = core.get_aval(ct)
    lhs_aval = core.get_aval(lhs)
    if _helpers.size(ct_aval) == 0 or _helpers.size(lhs_aval) == 0:
        return np.zeros(rhs_aval.shape, rhs_aval.dtype)
    if groups > 1:
        # Features of group g become batch-as-feature entries g*N + n (JAX: batch groups).
        lhs = _reshape_axis_out_of(lhs_spec[1], groups, lhs)
        lhs = _reshape_axis_into(lhs_spec[1], lhs_spec[0], lhs)
    pads = []
    for k in range(len(strides)):
        in_d = _dilated(lhs_aval.shape[lhs_spec[2 + k]], lhs_dil[k])
        win_d = _dilated(rhs_aval.shape[rhs_spec[2 + k]], rhs_dil[k])
        out_d = _dilated(ct_aval.shape[out_spec[2 + k]], strides[k])
        lo = padding[k][0]
        pads.append((lo, out_d - in_d + win_d - lo - 1))
    return conv_general_dilated_p.bind(
        lhs, ct, window_strides=rhs_dil, padding=tuple(pads), lhs_dilation=lhs_dil,
        rhs_dilation=strides,
        dimension_numbers=(_swap_first(lhs_spec), _swap_first(out_spec), _swap_first(rhs_spec)),
        feature_group_count=groups)


# --------------------------------------------------------------------------- batching


def _reshape_axis_out_of(src: int, size1: int, x):
    """Axis `src` of size `size1 * m` split into axes (size1, m)."""
    shape = list(core.get_aval(x).shape)
    shape[src:src + 1] = [size1, shape[src] // size1]
    return shape_prims.reshape(x, tuple(shape))


def _reshape_axis_into(src: int, dst: int, x):
    """Axis `src` merged into axis `dst` (numbered without `src`) as its major part."""
    shape = core.get_aval(x).shape
    perm = [d for d in range(len(shape)) if d != src]
    perm.insert(dst, src)
    new_shape = [shape[d] for d in range(len(shape)) if d != src]
    new_shape[dst] *= shape[src]
    return shape_prims.reshape(shape_prims.transpose(x, tuple(perm)), tuple(new_shape))


@conv_general_dilated_p.def_batch
def _conv_batch(args, dims, *, axis_size, **params):
    lhs, rhs = args
    lhs_bdim, rhs_bdim = dims
    lhs_spec, rhs_spec, out_spec = params["dimension_numbers"]
    groups = params["feature_group_count"]
    if lhs_bdim is not None and rhs_bdim is not None:
        # Each batch entry is its own set of feature groups.
        lhs = _reshape_axis_into(lhs_bdim, lhs_spec[1], lhs)
        rhs = _reshape_axis_into(rhs_bdim, rhs_spec[0], rhs)
        out = conv_general_dilated_p.bind(
            lhs, rhs, **{**params, "feature_group_count": axis_size * groups})
        return _reshape_axis_out_of(out_spec[1], axis_size, out), out_spec[1]
    if lhs_bdim is not None:
        out = conv_general_dilated_p.bind(_reshape_axis_into(lhs_bdim, lhs_spec[0], lhs), rhs,
                                          **params)
        return _reshape_axis_out_of(out_spec[0], axis_size, out), out_spec[0]
    if groups == 1:
        out = conv_general_dilated_p.bind(lhs, _reshape_axis_into(rhs_bdim, rhs_spec[0], rhs),
                                          **params)
        return _reshape_axis_out_of(out_spec[1], axis_size, out), out_spec[1]
    # Groups stay outermost in the output features: (G, B, O/G), then B moves out.
    rhs = _reshape_axis_out_of(rhs_spec[0] + int(rhs_bdim <= rhs_spec[0]), groups, rhs)
    rhs = _reshape_axis_into(rhs_bdim + int(rhs_spec[0] < rhs_bdim), rhs_spec[0] + 1, rhs)
    rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[0], rhs)
    out = conv_general_dilated_p.bind(lhs, rhs, **params)
    out = _reshape_axis_out_of(out_spec[1], groups, out)
    out = _reshape_axis_out_of(out_spec[1] + 1, axis_size, out)
    return _reshape_axis_into(out_spec[1], out_spec[1] + 1, out), out_spec[1]
