"""Op-table rows for `functrans.numpy.fft` (issue 14): every transform, on odd and even
lengths, with `n`/`s` shorter and longer than the input, every `norm`, and the default and
a non-last axis; `fftfreq`/`rfftfreq` (differentiable in `d`) and the shifts.

As in op_rows_complex.py, complex inputs are built from two real arguments with
`lax.complex` (NumPy's reference: `x + 1j * y`) and complex results are returned as their
real and imaginary parts stacked on a new leading axis, so the rows are real functions of
real inputs and test_ops_grad's check_grads (forward and reverse, order 2) checks the `fft`
primitive's JVP and its plain transposes (rfft's pad-fft-real, irfft's Hermitian mask).
The transforms run NumPy's own pocketfft on the same values in the same axis order, so the
comparison is exact; the shifts are rolls.
"""
from __future__ import annotations

import numpy as np
from op_table import F32, F64, OpRow, V, fnp

import functrans.lax as lax

_DTYPES = (F64, F32)


def _parts_fnp(w):
    return fnp.stack([fnp.real(w), fnp.imag(w)])


def _parts_np(w):
    w = np.asarray(w)
    return np.stack([w.real, w.imag]) if w.dtype.kind == "c" else w


def _parts(w):
    return _parts_fnp(w) if np.dtype(w.dtype).kind == "c" else w


# (suffix, keyword arguments): default; n shorter, ortho; n longer, forward, axis 0.
_ONE_D = [("", {}, (V((4,)), V((5,)), V((2, 5)))),
          ("_short_ortho", {"n": 3, "norm": "ortho"}, (V((4,)), V((2, 6)))),
          ("_long_forward_axis0", {"n": 7, "axis": 0, "norm": "forward"},
           (V((4,)), V((3, 2)))),
          ("_backward_even", {"n": 6, "norm": "backward"}, (V((3,)), V((2, 7))))]

_N_D = [("", {}, (V((3, 4)), V((2, 3, 4)))),
        ("_s_ortho", {"s": (2, 5), "axes": (0, 1), "norm": "ortho"}, (V((3, 4)), V((3, 4, 2)))),
        ("_axes_forward", {"axes": (1, 0), "norm": "forward"}, (V((3, 4)), V((4, 3, 2)))),
        ("_s_long", {"s": (4, 7), "axes": (-1, 0)}, (V((3, 2)),))]

_TWO_D = [("", {}, (V((3, 4)), V((2, 3, 5)))),
          ("_s_ortho", {"s": (2, 5), "norm": "ortho"}, (V((3, 4)), V((2, 3, 4)))),
          ("_axes_forward", {"axes": (0, 2), "norm": "forward"}, (V((3, 4, 5)),))]


def _complex_in_rows(name: str, configs) -> list[OpRow]:
    """`fnp.fft.<name>` of a complex input `x + iy`."""
    rows = []
    for suffix, kw, shapes in configs:
        f, ref = getattr(fnp.fft, name), getattr(np.fft, name)
        rows.append(OpRow(
            f"fft_{name}{suffix}",
            lambda x, y, f=f, kw=kw: _parts(f(lax.complex(x, y), **kw)),
            lambda x, y, ref=ref, kw=kw: _parts_np(ref(x + 1j * y, **kw)),
            tuple(s + s for s in shapes), dtypes=_DTYPES))
    return rows


def _real_in_rows(name: str, configs) -> list[OpRow]:
    """`fnp.fft.<name>` of a real input."""
    rows = []
    for suffix, kw, shapes in configs:
        f, ref = getattr(fnp.fft, name), getattr(np.fft, name)
        rows.append(OpRow(
            f"fft_{name}{suffix}", lambda x, f=f, kw=kw: _parts(f(x, **kw)),
            lambda x, ref=ref, kw=kw: _parts_np(ref(x, **kw)), shapes, dtypes=_DTYPES))
    return rows


ROWS: list[OpRow] = [
    *_complex_in_rows("fft", _ONE_D),
    *_real_in_rows("fft", [("_real_input", {}, (V((4,)), V((5,))))]),
    *_complex_in_rows("ifft", _ONE_D), *_real_in_rows("rfft", _ONE_D),
    *_complex_in_rows("irfft", _ONE_D), *_complex_in_rows("hfft", _ONE_D),
    *_real_in_rows("ihfft", _ONE_D),
    *_complex_in_rows("fftn", _N_D), *_complex_in_rows("ifftn", _N_D),
    *_real_in_rows("rfftn", _N_D), *_complex_in_rows("irfftn", _N_D),
    *_complex_in_rows("fft2", _TWO_D), *_complex_in_rows("ifft2", _TWO_D),
    *_real_in_rows("rfft2", _TWO_D), *_complex_in_rows("irfft2", _TWO_D),
    # A repeated axis is transformed twice (NumPy's fftn).
    OpRow("fft_fftn_repeated_axis",
          lambda x, y: _parts_fnp(fnp.fft.fftn(lax.complex(x, y), axes=(0, 0))),
          lambda x, y: _parts_np(np.fft.fftn(x + 1j * y, axes=(0, 0))),
          (V((3, 2), (3, 2)),), dtypes=_DTYPES),
    OpRow("fft_fftfreq", lambda d: fnp.fft.fftfreq(5, d), lambda d: np.fft.fftfreq(5, d),
          (V(()),), domain=(0.1, 2.0)),
    OpRow("fft_fftfreq_even", lambda d: fnp.fft.fftfreq(6, d=d),
          lambda d: np.fft.fftfreq(6, d=d), (V(()),), kinds="p", domain=(0.1, 2.0)),
    OpRow("fft_rfftfreq", lambda d: fnp.fft.rfftfreq(5, d), lambda d: np.fft.rfftfreq(5, d),
          (V(()),), domain=(0.1, 2.0)),
    OpRow("fft_rfftfreq_even", lambda d: fnp.fft.rfftfreq(6, d=d),
          lambda d: np.fft.rfftfreq(6, d=d), (V(()),), kinds="p", domain=(0.1, 2.0)),
    OpRow("fft_fftshift", fnp.fft.fftshift, np.fft.fftshift,
          (V((0,)), V((4,)), V((5,)), V((3, 4))), dtypes=(F64, F32)),
    OpRow("fft_fftshift_axes", lambda x: fnp.fft.fftshift(x, axes=(-1,)),
          lambda x: np.fft.fftshift(x, axes=(-1,)), (V((3, 5)), V((2, 4)))),
    OpRow("fft_ifftshift", fnp.fft.ifftshift, np.fft.ifftshift,
          (V((0,)), V((4,)), V((5,)), V((3, 4))), dtypes=(F64, F32)),
    OpRow("fft_ifftshift_axis", lambda x: fnp.fft.ifftshift(x, axes=0),
          lambda x: np.fft.ifftshift(x, axes=0), (V((3, 5)), V((2, 4)))),
]
