"""`functrans.scipy.signal`: SciPy's `convolve`, `correlate` (N-d) and `convolve2d`,
`correlate2d` (2-d, with boundary modes), for arrays and traced values.

Each is one `lax.conv_general_dilated` of the operands viewed as a batch of one with one
feature (plus a `pad` for the 'wrap' and 'symm' boundaries), so every function
differentiates in both operands, batches and jits. The modes are SciPy's: 'full', 'same'
(the size of `in1`, centred as SciPy centres each function: `correlate2d` differs from
`correlate` for even kernel sizes, as in SciPy) and 'valid' (the operands are swapped when
`in2` is the larger in every dimension). Operands are promoted (NEP 50) and must not be
empty; bools give bools (an OR of ANDs, as NumPy's sum of products; SciPy takes them in 1-d
only); complex operands are not supported. `method` is accepted and ignored (the
computation is always direct, exact for integers). Needs SciPy, like every
`functrans.scipy` module.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from functrans import errors
from functrans import numpy as fnp
from functrans.numpy import _util
from functrans.primitives import convolution

try:
    import scipy as _scipy  # noqa: F401  (the extra's presence is this module's contract)
except ImportError as e:   # pragma: no cover - exercised in an environment without SciPy
    raise ImportError(
        "functrans.scipy.signal needs SciPy: install the extra with "
        "`pip install functrans[scipy]`.") from e

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d"]

_INT = np.dtype(np.int64)
_MODES = ("full", "same", "valid")
_BOUNDARIES = {"fill": "fill", "pad": "fill", "wrap": "wrap", "circular": "wrap",
               "symm": "symmetric", "symmetric": "symmetric"}


def _operands(fname: str, in1: Any, in2: Any, mode: str, ndim: int | None = None):
    if mode not in _MODES:
        raise errors.FunctransValueError(
            f"{fname}: mode must be one of 'full', 'same' or 'valid', got {mode!r}.")
    (in1, in2), _, _ = _util.promote(_util.as_array(in1, fname), _util.as_array(in2, fname))
    s1, s2 = _util.aval(in1).shape, _util.aval(in2).shape
    if ndim is not None and not len(s1) == len(s2) == ndim:
        raise errors.FunctransValueError(
            f"{fname}: inputs must both be {ndim}-D arrays, got shapes {s1} and {s2}.")
    if len(s1) != len(s2):
        raise errors.FunctransValueError(
            f"{fname}: in1 and in2 should have the same dimensionality, got shapes {s1} and "
            f"{s2}.")
    if 0 in s1 or 0 in s2:
        raise errors.FunctransValueError(
            f"{fname}: the operands must not be empty, got shapes {s1} and {s2}.")
    return in1, in2


def _swap_needed(fname: str, mode: str, s1: tuple, s2: tuple) -> bool:
    """SciPy's rule: 'valid' needs one operand at least as large as the other everywhere."""
    if mode != "valid" or not s1:
        return False
    ok1 = all(a >= b for a, b in zip(s1, s2, strict=True))
    ok2 = all(b >= a for a, b in zip(s1, s2, strict=True))
    if not (ok1 or ok2):
        raise errors.FunctransValueError(
            f"{fname}: for 'valid' mode one operand must be at least as large as the other in "
            f"every dimension, got shapes {s1} and {s2}.")
    return not ok1


def _flip(x):
    return fnp.flip(x) if _util.aval(x).ndim else x


def _correlate_window(x, k, offsets, lengths):
    """`full[offsets : offsets + lengths]` of the full correlation
    `full[t] = sum_j x[t + j - (m - 1)] * k[j]` (x zero outside), as one convolution."""
    n, m = _util.aval(x).shape, _util.aval(k).shape
    if _util.aval(x).dtype == np.bool_:
        # SciPy's (NumPy's) bool sum of products is an OR of ANDs: a count above zero.
        counts = _correlate_window(_util.convert(x, _INT), _util.convert(k, _INT), offsets,
                                   lengths)
        return counts > 0
    pads = [(mi - 1 - o, length - ni + o)
            for ni, mi, o, length in zip(n, m, offsets, lengths, strict=True)]
    out = convolution.conv_general_dilated(x[None, None], k[None, None], (1,) * len(n), pads)
    return out[0, 0]


def _mode_window(mode: str, n: tuple, m: tuple, same_offset) -> tuple[list, list]:
    """Offsets and lengths in full coordinates of 'full', 'same' and 'valid' (n >= m)."""
    if mode == "full":
        return [0] * len(n), [a + b - 1 for a, b in zip(n, m, strict=True)]
    if mode == "same":
        return [same_offset(b) for b in m], list(n)
    return [b - 1 for b in m], [a - b + 1 for a, b in zip(n, m, strict=True)]


def _convolve_nd(in1, in2, mode: str, same_offset, *, flip: bool, boundary: str = "fill",
                 fillvalue: Any = 0):
    """The convolution (`flip`) or correlation of in1 with in2 for n >= m or any non-valid
    mode, with in1 extended beyond its edges by `boundary`."""
    n, m = _util.aval(in1).shape, _util.aval(in2).shape
    kernel = _flip(in2) if flip else in2
    offsets, lengths = _mode_window(mode, n, m, same_offset)
    if mode != "valid" and (boundary != "fill" or _nonzero(fillvalue)):
        widths = [(b - 1, b - 1) for b in m]
        if boundary == "fill":
            in1 = fnp.pad(in1, widths, constant_values=fillvalue)
        else:
            in1 = fnp.pad(in1, widths, mode=boundary)
        offsets = [o + b - 1 for o, b in zip(offsets, m, strict=True)]
    return _correlate_window(in1, kernel, offsets, lengths)


def _nonzero(value: Any) -> bool:
    try:
        return bool(value != 0)
    except errors.ConcretizationError:
        return True


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """N-d convolution of two arrays, as `scipy.signal.convolve`.

    Args:
      in1, in2: arrays of the same rank, not empty (0-d: their product).
      mode: 'full' (default; size n + m - 1 per dim), 'same' (the size of in1, centred on the
        full output) or 'valid' (size |n - m| + 1, where one operand covers the other; the
        operands are swapped when in2 is the larger in every dim).
      method: 'auto', 'direct' or 'fft'; accepted and ignored (always direct).

    Returns:
      `out[t] = sum_j in1[t - j] * in2[j]` over the mode's range, in the promoted dtype.

    Example:
      >>> import functrans.scipy.signal as fss
      >>> fss.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
      array([0. , 1. , 2.5, 4. , 1.5])
    """
    _check_method("convolve", method)
    in1, in2 = _operands("convolve", in1, in2, mode)
    if _util.aval(in1).ndim == 0:
        return in1 * in2
    if _swap_needed("convolve", mode, _util.aval(in1).shape, _util.aval(in2).shape):
        in1, in2 = in2, in1
    return _convolve_nd(in1, in2, mode, lambda b: (b - 1) // 2, flip=True)


def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """N-d cross-correlation of two arrays, as `scipy.signal.correlate`.

    Args:
      in1, in2: arrays of the same rank, not empty (0-d: their product).
      mode: 'full' (default), 'same' or 'valid', as for `convolve`.
      method: 'auto', 'direct' or 'fft'; accepted and ignored (always direct).

    Returns:
      `convolve(in1, in2 reversed in every dim, mode)`: for 'full',
      `out[t] = sum_j in1[t + j - (m - 1)] * in2[j]`.

    Example:
      >>> import functrans.scipy.signal as fss
      >>> fss.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
      array([0.5, 2. , 3.5, 3. , 0. ])
    """
    _check_method("correlate", method)
    in1, in2 = _operands("correlate", in1, in2, mode)
    if _util.aval(in2).dtype.kind == "c":   # SciPy's correlate conjugates in2
        in2 = fnp.conj(in2)
    if _util.aval(in1).ndim == 0:
        return in1 * in2
    return convolve(in1, _flip(in2), mode)


def convolve2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0) -> Any:
    """2-d convolution with a boundary rule, as `scipy.signal.convolve2d`.

    Args:
      in1, in2: 2-d arrays, not empty.
      mode: 'full' (default), 'same' or 'valid', as for `convolve`.
      boundary: how in1 extends beyond its edges in 'full' and 'same' modes: 'fill'
        (default; the value `fillvalue`), 'wrap' (periodic) or 'symm' (mirrored, the edge
        repeated); SciPy's aliases 'pad', 'circular', 'symmetric' are accepted.
      fillvalue: the value outside in1 for 'fill' (default 0).

    Returns:
      The convolution, in the promoted dtype.

    Example:
      >>> import functrans.scipy.signal as fss
      >>> fss.convolve2d(np.eye(2), np.ones((2, 2)), mode='same', boundary='wrap')
      array([[2., 2.],
             [2., 2.]])
    """
    in1, in2 = _operands("convolve2d", in1, in2, mode, ndim=2)
    boundary = _boundary("convolve2d", boundary)
    if _swap_needed("convolve2d", mode, _util.aval(in1).shape, _util.aval(in2).shape):
        in1, in2 = in2, in1
    return _convolve_nd(in1, in2, mode, lambda b: (b - 1) // 2, flip=True, boundary=boundary,
                        fillvalue=fillvalue)


def correlate2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0) -> Any:
    """2-d cross-correlation with a boundary rule, as `scipy.signal.correlate2d`.

    Args:
      in1, in2: 2-d arrays, not empty.
      mode: 'full' (default), 'same' or 'valid'. As in SciPy, 'same' takes the full
        correlation from offset `m // 2` (`correlate` takes it from `(m - 1) // 2`), and a
        swapped 'valid' result is reversed.
      boundary, fillvalue: as for `convolve2d`.

    Returns:
      `out[t] = sum_j in1[t + j - (m - 1)] * in2[j]` over the mode's range, in the promoted
      dtype.

    Example:
      >>> import functrans.scipy.signal as fss
      >>> fss.correlate2d(np.arange(1.0, 5.0).reshape(2, 2), np.array([[1.0, -1.0]]))
      array([[-1., -1.,  2.],
             [-3., -1.,  4.]])
    """
    in1, in2 = _operands("correlate2d", in1, in2, mode, ndim=2)
    if _util.aval(in2).dtype.kind == "c":   # SciPy's correlate2d conjugates in2
        in2 = fnp.conj(in2)
    boundary = _boundary("correlate2d", boundary)
    if _swap_needed("correlate2d", mode, _util.aval(in1).shape, _util.aval(in2).shape):
        return fnp.flip(_convolve_nd(in2, in1, mode, lambda b: b // 2, flip=False))
    return _convolve_nd(in1, in2, mode, lambda b: b // 2, flip=False, boundary=boundary,
                        fillvalue=fillvalue)


def _check_method(fname: str, method: str) -> None:
    if method not in ("auto", "direct", "fft"):
        raise errors.FunctransValueError(
            f"{fname}: method must be 'auto', 'direct' or 'fft', got {method!r}.")


def _boundary(fname: str, boundary: str) -> str:
    if boundary not in _BOUNDARIES:
        raise errors.FunctransValueError(
            f"{fname}: boundary must be 'fill', 'wrap' or 'symm', got {boundary!r}.")
    return _BOUNDARIES[boundary]
