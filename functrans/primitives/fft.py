"""The discrete Fourier transform primitive `fft`, with all of its rules.

Owns: `fft_p` and its wrapper `fft(x, kind, lengths, norm=)`: one transform over the last
`len(lengths)` axes of its operand, of one of four kinds, with NumPy's `norm` scaling:

  fft:   complex (..., *lengths) -> complex (..., *lengths)      (np.fft.fftn)
  ifft:  complex (..., *lengths) -> complex (..., *lengths)      (np.fft.ifftn)
  rfft:  real (..., *lengths) -> complex (..., *lengths[:-1], lengths[-1] // 2 + 1)
  irfft: complex (..., *lengths[:-1], lengths[-1] // 2 + 1) -> real (..., *lengths)

The leading axes are batch axes. float32/complex64 operands give complex64/float32 results
(NumPy 2's pocketfft computes in single precision too). Does not own NumPy's conveniences
(`n=`, `s=`, `axis=`, `axes=`, `hfft`, frequencies, shifts), which `functrans.numpy.fft`
builds from this primitive and the shape primitives.

The primitive is linear over the reals, so its JVP applies it to the tangent. Its transposes
are the plain (unconjugated) ones of JAX (docs/design.md "Complex derivatives"), with the
pairing `<a, b> = Re(sum(a * b))`:

- `fft` and `ifft`: the DFT matrix and its inverse are symmetric, so each is its own
  transpose (with the same `norm`).
- `rfft` is `fft` of the real operand made complex, then the first `n // 2 + 1` entries of
  the last axis kept; its transpose is the transpose of that chain: zero-pad the cotangent's
  last axis to `n`, `fft` (same `norm`), real part.
- `irfft` reads only the Hermitian half `y` (and only the real parts of `y[0]` and, for even
  `n`, `y[n // 2]`): `x_j = s * sum_k m_k Re(y_k e^{2 pi i k j / n})` with `m_k = 2` for the
  entries that stand for a conjugate pair and 1 for `k = 0` and `k = n / 2`. So its transpose
  maps a real cotangent `c` to `conj(m * rfft(c))` with rfft's scaling `s`: the `norm` of
  the dual direction (`backward` <-> `forward`, `ortho` unchanged), as JAX's rule.
"""
from __future__ import annotations

import math

import numpy as np

from functrans import backend, core, dtypes, errors, ir
from functrans.primitives import _helpers, complex_parts, elementwise, slicing
from functrans.primitives import shape as shape_prims

fft_p = core.Primitive("fft")

KINDS = ("fft", "ifft", "rfft", "irfft")
NORMS = ("backward", "ortho", "forward")
_DUAL_NORM = {"backward": "forward", "ortho": "ortho", "forward": "backward"}
_NUMPY = {"fft": np.fft.fftn, "ifft": np.fft.ifftn, "rfft": np.fft.rfftn,
          "irfft": np.fft.irfftn}


def fft(x, kind: str, lengths, norm: str = "backward"):
    """The `kind` transform over the last `len(lengths)` axes of `x` (see the module).

    Args:
      x: the operand: complex for `fft`, `ifft`, `irfft`; floating for `rfft`.
      kind: one of 'fft', 'ifft', 'rfft', 'irfft'.
      lengths: the transform lengths, each at least 1: the last axes of the operand (of
        the result for `irfft`, whose operand's last axis is `lengths[-1] // 2 + 1`).
      norm: NumPy's 'backward', 'ortho' or 'forward'.

    Returns:
      NumPy's `np.fft.<kind>n(x, s=lengths, axes=<the last ones>, norm=norm)`.

    Example:
      >>> import numpy as np, functrans.lax as lax
      >>> lax.fft(np.array([1.0, 2.0, 3.0, 4.0]), "rfft", (4,))
      array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    if kind not in KINDS:
        raise errors.FunctransValueError(f"fft: kind must be one of {KINDS}, got {kind!r}.")
    if norm not in NORMS:
        raise errors.FunctransValueError(f"fft: norm must be one of {NORMS}, got {norm!r}.")
    lengths = _helpers.ints(lengths, "lengths", "fft")
    return fft_p.bind(x, kind=kind, lengths=lengths, norm=norm)


@fft_p.def_core_axes
def _fft_core_axes(x, *, kind, lengths, norm):
    """Chunked backends transform block by block, the transformed axes whole."""
    axes = tuple(range(-len(lengths), 0))
    return (axes,), (axes,)


@fft_p.def_impl
def _fft_impl(x, *, kind, lengths, norm):
    x = backend.asarray(x)
    axes = tuple(range(x.ndim - len(lengths), x.ndim))
    out = _NUMPY[kind](x, s=lengths, axes=axes, norm=norm)
    dtype = dtypes.real_dtype(x.dtype) if kind == "irfft" else dtypes.complex_dtype(x.dtype)
    return backend.asarray(out, dtype)


@fft_p.def_abstract_eval
def _fft_abstract_eval(x, *, kind, lengths, norm):
    k = len(lengths)
    _helpers.check_kind(f"fft[{kind}]", x, "f" if kind == "rfft" else "c")
    if k == 0 or k > x.ndim or any(n < 1 for n in lengths):
        raise _helpers.shape_error(
            f"fft[{kind}]", f"needs 1 to {x.ndim} transform lengths, each at least 1, "
            f"got {lengths}", x)
    want = lengths if kind != "irfft" else (*lengths[:-1], lengths[-1] // 2 + 1)
    if tuple(x.shape[x.ndim - k:]) != tuple(want):
        raise _helpers.shape_error(
            f"fft[{kind}]", f"the last {k} axes must be {want} for lengths {lengths}; pad or "
            "slice the operand first", x)
    batch = tuple(x.shape[:x.ndim - k])
    if kind == "rfft":
        return ir.ShapedArray((*batch, *lengths[:-1], lengths[-1] // 2 + 1),
                              dtypes.complex_dtype(x.dtype), x.weak_type)
    if kind == "irfft":
        return ir.ShapedArray((*batch, *lengths), dtypes.real_dtype(x.dtype), x.weak_type)
    return x


fft_p.def_linear()


@fft_p.def_transpose
def _fft_transpose(ct, x, *, kind, lengths, norm):
    if kind in ("fft", "ifft"):
        return (fft(ct, kind, lengths, norm),)
    ct_aval = core.get_aval(ct)
    ndim = ct_aval.ndim
    if kind == "rfft":
        # rfft = slice(fft(complex(x))): pad, fft, real part.
        n = lengths[-1]
        config = [(0, 0, 0)] * (ndim - 1) + [(0, n - ct_aval.shape[-1], 0)]
        full = slicing.pad(ct, np.zeros((), ct_aval.dtype), config)
        return (complex_parts.real(fft(full, "fft", lengths, norm)),)
    # irfft: conj(m * rfft(c)) with the dual norm's scaling.
    y = fft(ct, "rfft", lengths, _DUAL_NORM[norm])
    y_aval = core.get_aval(y)
    n = lengths[-1]
    odd = n % 2
    mask = np.concatenate([np.ones(1), np.full(y_aval.shape[-1] - 2 + odd, 2.0),
                           np.ones(1 - odd)])[:y_aval.shape[-1]]
    mask_b = shape_prims.broadcast_in_dim(backend.asarray(mask, y_aval.dtype), y_aval.shape,
                                          (ndim - 1,))
    return (complex_parts.conj(elementwise.mul(y, mask_b)),)


@fft_p.def_batch
def _fft_batch(args, dims, *, axis_size, kind, lengths, norm):
    # The transform reads only the last axes: any leading axes are batch axes.
    (x,), (bdim,) = args, dims
    x = shape_prims.bdim_at_front(x, bdim, axis_size)
    return fft_p.bind(x, kind=kind, lengths=lengths, norm=norm), 0


@fft_p.def_flops
def _fft_flops(eqn):
    # The usual 5 N log2 N of a complex radix-2 FFT, per transform in the batch.
    total = math.prod(eqn.params["lengths"])
    count = max(_helpers.output_size(eqn), _helpers.input_size(eqn)) // max(total, 1)
    return int(5 * count * total * max(math.log2(max(total, 2)), 1.0))
