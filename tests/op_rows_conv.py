"""Op-table rows of `functrans.lax.conv_general_dilated` and its spellings, and of
`functrans.scipy.signal` (issue 17); `op_table.ROWS` includes them.

The lax rows' reference is `reference_conv`, a direct loop over the output positions written
here (tests/test_conv.py uses it too); the scipy.signal rows' reference is SciPy. No shape
has a dimension of 5 (the vmap batch size).
"""
from __future__ import annotations

import functools
import itertools

import numpy as np
import scipy.signal as ss
from op_table import BOOL, F32, F64, I64, OpRow, V, fnp

import functrans.lax as lax
import functrans.scipy.signal as fss

# --------------------------------------------------------------------------- the reference


def _dilate(x: np.ndarray, dilation) -> np.ndarray:
    """Zeros inserted between the spatial elements of a (N, C, spatial...) array."""
    shape = x.shape[:2] + tuple(0 if n == 0 else (n - 1) * d + 1
                                for n, d in zip(x.shape[2:], dilation, strict=True))
    out = np.zeros(shape, x.dtype)
    out[(slice(None), slice(None), *(slice(None, None, d) for d in dilation))] = x
    return out


def _pad(x: np.ndarray, padding) -> np.ndarray:
    """Padding of the spatial dims; a negative pad crops."""
    x = np.pad(x, [(0, 0), (0, 0)] + [(max(lo, 0), max(hi, 0)) for lo, hi in padding])
    crop = tuple(slice(max(-lo, 0), x.shape[2 + i] - max(-hi, 0))
                 for i, (lo, hi) in enumerate(padding))
    return x[(slice(None), slice(None), *crop)]


def reference_conv(lhs, rhs, strides, padding, lhs_dil, rhs_dil, specs, groups):
    """A direct loop over the output positions, in the canonical layout."""
    lhs_spec, rhs_spec, out_spec = specs
    x = _pad(_dilate(np.transpose(lhs, lhs_spec), lhs_dil), padding)
    w = _dilate(np.transpose(rhs, rhs_spec), rhs_dil)
    n, o = x.shape[0], w.shape[0]
    cg, og = w.shape[1], o // groups
    out_sp = [max(0, (p - k) // s + 1) if p >= k else 0
              for p, k, s in zip(x.shape[2:], w.shape[2:], strides, strict=True)]
    out = np.zeros((n, o, *out_sp), np.result_type(lhs, rhs))
    for pos in itertools.product(*map(range, out_sp)):
        window = x[(slice(None), slice(None),
                    *(slice(j * s, j * s + k) for j, s, k in zip(pos, strides, w.shape[2:],
                                                                  strict=True)))]
        for g in range(groups):
            part = window[:, g * cg:(g + 1) * cg].reshape(n, -1)
            kern = w[g * og:(g + 1) * og].reshape(og, -1)
            out[(slice(None), slice(g * og, (g + 1) * og), *pos)] = part @ kern.T
    return np.transpose(out, np.argsort(out_spec))



def _canonical_params(specs=None, nsp=1, strides=None, padding=None, lhs_dilation=None,
                      rhs_dilation=None, groups=1):
    return ((1,) * nsp if strides is None else strides,
            ((0, 0),) * nsp if padding is None else padding,
            (1,) * nsp if lhs_dilation is None else lhs_dilation,
            (1,) * nsp if rhs_dilation is None else rhs_dilation,
            specs or (tuple(range(nsp + 2)),) * 3, groups)


# An im2col matmul sums the products in another order than the loop's matmul per position.
_TOL = 1e-13


def _lax_row(name, lhs, rhs, *, strides, padding, ref_padding, dims=None, ref_dims=None,
             lhs_dilation=None, rhs_dilation=None, groups=1, dtypes=(F64, F32, I64)):
    nsp = len(lhs) - 2
    fun = functools.partial(lax.conv_general_dilated, window_strides=strides, padding=padding,
                            lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
                            dimension_numbers=dims, feature_group_count=groups)
    params = _canonical_params(ref_dims, nsp, strides, ref_padding, lhs_dilation, rhs_dilation,
                               groups)
    return OpRow(name, fun, lambda a, b: reference_conv(a, b, *params), (V(lhs, rhs),),
                 dtypes=dtypes, tol=_TOL)


_NHWC = ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
LAX = [
    _lax_row("conv_general_dilated_1d_same_stride2", (2, 3, 7), (4, 3, 3), strides=(2,),
             padding="SAME", ref_padding=((1, 1),)),
    _lax_row("conv_general_dilated_2d_nhwc_pairs", (2, 6, 4, 3), (2, 3, 3, 2), strides=(1, 2),
             padding=[(1, 0), (2, -1)], ref_padding=((1, 0), (2, -1)),
             dims=("NHWC", "HWIO", "NHWC"), ref_dims=_NHWC, rhs_dilation=(2, 1)),
    _lax_row("conv_general_dilated_2d_groups_lhs_dilation", (1, 4, 3, 4), (6, 2, 2, 2),
             strides=(1, 1), padding="VALID", ref_padding=((0, 0), (0, 0)),
             lhs_dilation=(2, 1), groups=2),
    _lax_row("conv_general_dilated_3d", (1, 2, 3, 4, 3), (2, 2, 2, 1, 2), strides=(1, 2, 1),
             padding="SAME", ref_padding=((0, 1), (0, 0), (0, 1)), dtypes=(F64,)),
    OpRow("conv", lambda a, b: lax.conv(a, b, (1, 1), "VALID"),
          lambda a, b: reference_conv(a, b, *_canonical_params(nsp=2)),
          (V((2, 3, 4, 4), (2, 3, 3, 2)),), dtypes=(F64, F32, I64), tol=_TOL),
    OpRow("conv_with_general_padding",
          lambda a, b: lax.conv_with_general_padding(a, b, (2,), [(2, 1)], (2,), (1,)),
          lambda a, b: reference_conv(a, b, *_canonical_params(
              nsp=1, strides=(2,), padding=((2, 1),), lhs_dilation=(2,))),
          (V((1, 2, 4), (3, 2, 3)),), tol=_TOL),
]


# --------------------------------------------------------------------------- scipy.signal

_ND_SHAPES = (V((6,), (3,)), V((3,), (4,)), V((4, 3), (2, 2)), V((2, 3), (3, 4)),
              V((3, 2, 3), (2, 2, 1)), V((), ()))
_2D_SHAPES = (V((4, 3), (2, 2)), V((3, 4), (3, 1)), V((2, 2), (3, 4)))


def _signal_rows() -> list[OpRow]:
    rows = []
    for name, mode in itertools.product(("convolve", "correlate"), ("full", "same", "valid")):
        shapes = tuple(v for v in _ND_SHAPES
                       if mode != "valid" or v[0] == () or np.all(np.greater_equal(*v))
                       or np.all(np.less_equal(*v)))
        rows.append(OpRow(f"signal_{name}_{mode}",
                          functools.partial(getattr(fss, name), mode=mode),
                          functools.partial(getattr(ss, name), mode=mode, method="direct"),
                          shapes, dtypes=(F64, F32, I64, (I64, F32)), tol=_TOL))
    for name, mode in itertools.product(("convolve2d", "correlate2d"), ("full", "same", "valid")):
        shapes = tuple(v for v in _2D_SHAPES if mode != "valid" or v != _2D_SHAPES[1])
        rows.append(OpRow(f"signal_{name}_{mode}",
                          functools.partial(getattr(fss, name), mode=mode),
                          functools.partial(getattr(ss, name), mode=mode), shapes,
                          dtypes=(F64, F32, I64), tol=_TOL))
        if mode == "valid":
            continue
        for boundary, fill in (("wrap", 0), ("symm", 0), ("fill", 1.5)):
            kw = dict(mode=mode, boundary=boundary, fillvalue=fill)
            rows.append(OpRow(f"signal_{name}_{mode}_{boundary}",
                              functools.partial(getattr(fss, name), **kw),
                              functools.partial(getattr(ss, name), **kw), _2D_SHAPES[:2],
                              tol=_TOL))
    return rows


# Bools: NumPy's and SciPy's sum of products is an OR of ANDs (an int count above zero).
BOOLS = [
    *[OpRow(f"{name}_bool_{mode}", functools.partial(getattr(fnp, name), mode=mode),
            functools.partial(getattr(np, name), mode=mode), (V((6,), (3,)), V((2,), (4,))),
            dtypes=(BOOL,), grad_order=0)
      for name, mode in itertools.product(("convolve", "correlate"), ("full", "same", "valid"))],
    # SciPy takes bools only in 1-d (where it calls NumPy); functrans in any rank.
    *[OpRow(f"signal_{name}_bool", functools.partial(getattr(fss, name), mode="same"),
            functools.partial(getattr(ss, name), mode="same"), (V((6,), (3,)),),
            dtypes=(BOOL,), grad_order=0) for name in ("convolve", "correlate")],
]

ROWS: list[OpRow] = [*LAX, *_signal_rows(), *BOOLS]
