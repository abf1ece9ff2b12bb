"""`functrans.numpy.fft`: NumPy's discrete Fourier transforms for arrays and traced values.

Every transform is one `fft` primitive (functrans/primitives/fft.py) over the transformed
axes moved last, after the input is sliced or zero-padded to the requested lengths (`n=`,
`s=`), so derivatives, vmap and jit come from the primitive's rules. `norm` is NumPy's
('backward' = None, 'ortho', 'forward') and is applied inside the primitive, so values
match NumPy's bit for bit on the same lengths. float32/complex64 inputs stay single
precision; integer and bool inputs compute in float64/complex128 (NumPy 2). `hfft` and
`ihfft` are `irfft`/`rfft` of the conjugate with the dual norm, as NumPy defines them;
`fftfreq`, `rfftfreq`, `fftshift` and `ifftshift` are compositions.
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import dtypes, errors
from functrans.numpy import _dtypes, _manip, _shape, _ufuncs
from functrans.numpy import _util as U
from functrans.primitives import fft as fft_prims
from functrans.primitives import slicing

__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
           "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq",
           "rfftn"]

_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _norm(norm, fname: str) -> str:
    if norm is None:
        return "backward"
    if norm not in fft_prims.NORMS:
        raise errors.FunctransValueError(
            f"{fname}: invalid norm {norm!r}; use None, 'backward', 'ortho' or 'forward'.")
    return norm


def _length(n, fname: str, argname: str) -> int:
    try:
        n = operator.index(n)
    except TypeError as e:
        raise errors.FunctransTypeError(
            f"{fname}: `{argname}` must be a static Python int, got {type(n).__name__}.") from e
    if n < 1:
        raise errors.FunctransValueError(
            f"{fname}: invalid number of FFT data points ({n}) in `{argname}`; it must be at "
            "least 1.")
    return n


def _resize(x, axis: int, n: int):
    """`x` sliced or zero-padded at the end of `axis` to length `n` (NumPy's `n=`)."""
    shape = U.aval(x).shape
    if shape[axis] == n:
        return x
    if shape[axis] > n:
        return slicing.slice(x, (0,) * len(shape),
                             tuple(n if i == axis else d for i, d in enumerate(shape)))
    config = [(0, n - d if i == axis else 0, 0) for i, d in enumerate(shape)]
    return slicing.pad(x, np.zeros((), U.aval(x).dtype), config)


def _operand(a, fname: str, kind: str):
    """`a` as an array of the dtype the `kind` transform reads."""
    x = U.to_inexact(U.as_array(a, fname))
    dtype = U.aval(x).dtype
    if kind == "rfft":
        if dtype.kind == "c":
            raise errors.FunctransTypeError(
                f"{fname}: needs a real input, got dtype {dtype.name}; use fft for complex "
                "inputs (or take the real part first).")
        return x
    return U.convert(x, dtypes.complex_dtype(dtype))


def _axes_and_lengths(x, s, axes, fname: str, kind: str, default_all: bool):
    """The transformed axes (in `axes`' order) and their lengths, as NumPy's fftn reads
    `s=` and `axes=` (`-1` in `s` meaning the input's length)."""
    shape = U.aval(x).shape
    ndim = len(shape)
    if axes is None:
        if s is None:
            axes = tuple(range(ndim)) if default_all else (ndim - 2, ndim - 1)
        else:
            s = tuple(s)
            axes = tuple(range(ndim - len(s), ndim))
    axes = tuple(U.canonicalize_axis(ax, ndim, fname, "axes") for ax in axes)
    if s is None:
        s = [shape[ax] for ax in axes]
        if kind == "irfft" and axes:
            s[-1] = 2 * (shape[axes[-1]] - 1)
    s = tuple(s)
    if len(s) != len(axes):
        raise errors.FunctransValueError(
            f"{fname}: `s`={s} and `axes`={axes} must have the same length.")
    s = tuple(shape[ax] if operator.index(n) == -1 else operator.index(n)
              for ax, n in zip(axes, s, strict=True))
    return axes, tuple(_length(n, fname, "s") for n in s)


def _transform(a, s, axes, norm, out, fname: str, kind: str, default_all: bool = True):
    U.check_unsupported(fname, out=out)
    norm = _norm(norm, fname)
    x = _operand(a, fname, kind)
    axes, lengths = _axes_and_lengths(x, s, axes, fname, kind, default_all)
    if not axes:
        return x
    if len(set(axes)) != len(axes):
        if kind in ("rfft", "irfft"):
            raise errors.FunctransValueError(
                f"{fname}: repeated axes {axes} are not supported for real transforms.")
        # NumPy transforms a repeated axis again: one transform per axis, last first.
        for ax, n in reversed(list(zip(axes, lengths, strict=True))):
            x = _transform(x, (n,), (ax,), norm, None, fname, kind)
        return x
    for i, (ax, n) in enumerate(zip(axes, lengths, strict=True)):
        last = i == len(axes) - 1
        x = _resize(x, ax, n // 2 + 1 if kind == "irfft" and last else n)
    k = len(axes)
    ndim = U.aval(x).ndim
    ends = tuple(range(ndim - k, ndim))
    x = _shape.moveaxis(x, axes, ends)
    y = fft_prims.fft(x, kind, lengths, norm)
    return _shape.moveaxis(y, ends, axes)


def _one_axis(axis, n):
    return (None if n is None else (n,)), (axis,)


def fft(a, n=None, axis=-1, norm=None, out=None):
    """The one-dimensional discrete Fourier transform, as `np.fft.fft`.

    Args:
      a: the input array or traced value (real inputs are made complex).
      n: the transform length: `a` is cut or zero-padded along `axis` to it (default: its
        length there).
      axis: the axis to transform.
      norm: None or 'backward' (no scaling), 'ortho' (1/sqrt(n)) or 'forward' (1/n).
      out: not supported (raises).

    Returns:
      The complex transform (complex64 for float32/complex64 inputs).

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.fft(fnp.array([1.0, 2.0, 3.0, 4.0]))
      array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    """
    s, axes = _one_axis(axis, n)
    return _transform(a, s, axes, norm, out, "fft", "fft")


def ifft(a, n=None, axis=-1, norm=None, out=None):
    """The one-dimensional inverse discrete Fourier transform, as `np.fft.ifft`.

    Args:
      a: the input array or traced value.
      n: the transform length (`a` is cut or zero-padded along `axis`).
      axis: the axis to transform.
      norm: None or 'backward' (1/n), 'ortho' (1/sqrt(n)) or 'forward' (no scaling).
      out: not supported (raises).

    Returns:
      The complex inverse transform.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.ifft(fnp.array([4.0, 0.0, 0.0, 0.0]))
      array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    s, axes = _one_axis(axis, n)
    return _transform(a, s, axes, norm, out, "ifft", "ifft")


def rfft(a, n=None, axis=-1, norm=None, out=None):
    """The discrete Fourier transform of a real input, as `np.fft.rfft`.

    Args:
      a: the real input array or traced value (complex inputs raise).
      n: the transform length (`a` is cut or zero-padded along `axis`).
      axis: the axis to transform.
      norm: None or 'backward', 'ortho' or 'forward'.
      out: not supported (raises).

    Returns:
      The first `n // 2 + 1` entries of the transform along `axis` (the rest are their
      conjugates).

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.rfft(fnp.array([1.0, 2.0, 3.0, 4.0]))
      array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    s, axes = _one_axis(axis, n)
    return _transform(a, s, axes, norm, out, "rfft", "rfft")


def irfft(a, n=None, axis=-1, norm=None, out=None):
    """The inverse of `rfft`: the real signal of a Hermitian half spectrum, as `np.fft.irfft`.

    Args:
      a: the half spectrum (made complex); the imaginary parts of its first and (for even
        `n`) last entries along `axis` are ignored.
      n: the output length (default `2 * (a.shape[axis] - 1)`); `a` is cut or zero-padded
        to `n // 2 + 1` entries along `axis`.
      axis: the axis to transform.
      norm: None or 'backward', 'ortho' or 'forward'.
      out: not supported (raises).

    Returns:
      The real signal, of length `n` along `axis`.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.irfft(fnp.array([10.0, -2.0 + 2.0j, -2.0]))
      array([1., 2., 3., 4.])
    """
    s, axes = _one_axis(axis, n)
    return _transform(a, s, axes, norm, out, "irfft", "irfft")


def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The two-dimensional discrete Fourier transform, as `np.fft.fft2` (`fftn` on `axes`).

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.fft2(fnp.ones((2, 2)))
      array([[4.+0.j, 0.+0.j],
             [0.+0.j, 0.+0.j]])
    """
    return _transform(a, s, axes, norm, out, "fft2", "fft", default_all=False)


def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The two-dimensional inverse discrete Fourier transform, as `np.fft.ifft2`.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.ifft2(fnp.array([[4.0, 0.0], [0.0, 0.0]]))
      array([[1.+0.j, 1.+0.j],
             [1.+0.j, 1.+0.j]])
    """
    return _transform(a, s, axes, norm, out, "ifft2", "ifft", default_all=False)


def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The two-dimensional transform of a real input, as `np.fft.rfft2`.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.rfft2(fnp.ones((2, 2)))
      array([[4.+0.j, 0.+0.j],
             [0.+0.j, 0.+0.j]])
    """
    return _transform(a, s, axes, norm, out, "rfft2", "rfft", default_all=False)


def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The inverse of `rfft2`, as `np.fft.irfft2`.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.irfft2(fnp.array([[4.0, 0.0], [0.0, 0.0]]))
      array([[1., 1.],
             [1., 1.]])
    """
    return _transform(a, s, axes, norm, out, "irfft2", "irfft", default_all=False)


def fftn(a, s=None, axes=None, norm=None, out=None):
    """The n-dimensional discrete Fourier transform, as `np.fft.fftn`.

    Args:
      a: the input array or traced value (real inputs are made complex).
      s: the transform lengths, one per axis of `axes` (-1: the input's); `a` is cut or
        zero-padded to them. Default: the input's lengths.
      axes: the axes to transform (default: the last `len(s)`, or all). A repeated axis is
        transformed again, as NumPy does.
      norm: None or 'backward', 'ortho' or 'forward' (scaling by the product of `s`).
      out: not supported (raises).

    Returns:
      The complex transform.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.fftn(fnp.ones((1, 2, 2)))
      array([[[4.+0.j, 0.+0.j],
              [0.+0.j, 0.+0.j]]])
    """
    return _transform(a, s, axes, norm, out, "fftn", "fft")


def ifftn(a, s=None, axes=None, norm=None, out=None):
    """The n-dimensional inverse discrete Fourier transform, as `np.fft.ifftn`.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.ifftn(fnp.array([[4.0, 0.0], [0.0, 0.0]]))
      array([[1.+0.j, 1.+0.j],
             [1.+0.j, 1.+0.j]])
    """
    return _transform(a, s, axes, norm, out, "ifftn", "ifft")


def rfftn(a, s=None, axes=None, norm=None, out=None):
    """The n-dimensional transform of a real input, as `np.fft.rfftn`: the last axis of
    `axes` is halved to `s[-1] // 2 + 1` entries.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.rfftn(fnp.ones((2, 3)))
      array([[6.+0.j, 0.+0.j],
             [0.+0.j, 0.+0.j]])
    """
    return _transform(a, s, axes, norm, out, "rfftn", "rfft")


def irfftn(a, s=None, axes=None, norm=None, out=None):
    """The inverse of `rfftn`, as `np.fft.irfftn` (default last length `2 * (m - 1)`).

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.irfftn(fnp.array([[8.0, 0.0, 0.0]]))
      array([[2., 2., 2., 2.]])
    """
    return _transform(a, s, axes, norm, out, "irfftn", "irfft")


def hfft(a, n=None, axis=-1, norm=None, out=None):
    """The transform of a Hermitian-symmetric signal given by its first half, as
    `np.fft.hfft`: `irfft(conj(a), n, axis)` with the dual norm, a real result of length `n`
    (default `2 * (a.shape[axis] - 1)`).

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.hfft(fnp.array([1.0, 2.0, 3.0]))
      array([ 8., -2.,  0., -2.])
    """
    U.check_unsupported("hfft", out=out)
    norm = _norm(norm, "hfft")
    x = _operand(a, "hfft", "irfft")
    s, axes = _one_axis(axis, n)
    return _transform(_dtypes.conjugate(x), s, axes, _DUAL[norm], None, "hfft", "irfft")


def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """The inverse of `hfft`, as `np.fft.ihfft`: `conj(rfft(a, n, axis))` with the dual norm,
    `n // 2 + 1` complex entries along `axis`.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.ihfft(fnp.array([8.0, -2.0, 0.0, -2.0]))
      array([1.-0.j, 2.-0.j, 3.-0.j])
    """
    U.check_unsupported("ihfft", out=out)
    norm = _norm(norm, "ihfft")
    s, axes = _one_axis(axis, n)
    return _dtypes.conjugate(_transform(a, s, axes, _DUAL[norm], None, "ihfft", "rfft"))


def _check_device(device, fname: str) -> None:
    if device not in (None, "cpu"):
        raise errors.FunctransValueError(
            f"{fname}: device must be None or 'cpu', got {device!r}.")


def fftfreq(n, d=1.0, device=None):
    """The sample frequencies of an `n`-point `fft` with sample spacing `d`, as
    `np.fft.fftfreq`: `[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (n * d)`.

    Args:
      n: the window length, a static int.
      d: the sample spacing (may be traced: the result is differentiable in it).
      device: None or 'cpu'.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.fftfreq(4, d=0.5)
      array([ 0. ,  0.5, -1. , -0.5])
    """
    _check_device(device, "fftfreq")
    n = _length(n, "fftfreq", "n")
    ints = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return _ufuncs.multiply(ints, _ufuncs.divide(1.0, _ufuncs.multiply(n, d)))


def rfftfreq(n, d=1.0, device=None):
    """The sample frequencies of an `n`-point `rfft` with sample spacing `d`, as
    `np.fft.rfftfreq`: `[0, 1, ..., n // 2] / (n * d)`.

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.rfftfreq(4, d=0.5)
      array([0. , 0.5, 1. ])
    """
    _check_device(device, "rfftfreq")
    n = _length(n, "rfftfreq", "n")
    return _ufuncs.multiply(np.arange(0, n // 2 + 1),
                            _ufuncs.divide(1.0, _ufuncs.multiply(n, d)))


def _shift(x, axes, fname: str, sign: int):
    x = U.as_array(x, fname)
    shape = U.aval(x).shape
    if axes is None:
        axes = tuple(range(len(shape)))
    elif not isinstance(axes, (tuple, list)):
        axes = (axes,)
    axes = tuple(U.canonicalize_axis(ax, len(shape), fname, "axes") for ax in axes)
    if not axes:
        return x
    return _manip.roll(x, tuple(sign * (shape[ax] // 2) for ax in axes), axes)


def fftshift(x, axes=None):
    """The zero-frequency entry moved to the centre, as `np.fft.fftshift` (a roll by
    `n // 2` along each of `axes`, default all).

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.fftshift(fnp.fft.fftfreq(5))
      array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    return _shift(x, axes, "fftshift", 1)


def ifftshift(x, axes=None):
    """The inverse of `fftshift`, as `np.fft.ifftshift` (a roll by `-(n // 2)`).

    Example:
      >>> import functrans.numpy as fnp
      >>> fnp.fft.ifftshift(fnp.array([-0.4, -0.2, 0.0, 0.2, 0.4]))
      array([ 0. ,  0.2,  0.4, -0.4, -0.2])
    """
    return _shift(x, axes, "ifftshift", -1)
