"""Op-table rows of `functrans.numpy._bits` and the array functions of `_dtypes` (issue 12);
`op_table.ROWS` includes them.

Integer widths the op table does not generate (int8, int16, uint16, uint32, uint64) are
reached by converting int64 inputs inside both the function and its reference (`_as`), so
the conversion is traced, batched and jitted with the function under test. Edge values
(-0.0, denormals, extremes of each dtype) are appended to the traced input as constants.
"""
from __future__ import annotations

import numpy as np
from op_table import (
    BINARY,
    BOOL,
    COMPOSED,
    F32,
    F64,
    FLOATS,
    I32,
    I64,
    U8,
    UNARY,
    OpRow,
    V,
    _quiet,
    fnp,
)

SIGNED = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64))
UNSIGNED = tuple(np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
INTS = SIGNED + UNSIGNED
_SHIFTS = (("left_shift", np.left_shift), ("right_shift", np.right_shift),
           ("bitwise_left_shift", np.left_shift), ("bitwise_right_shift", np.right_shift))


def _int_extremes(dt: np.dtype) -> np.ndarray:
    info = np.iinfo(dt)
    return np.array([info.min, info.max, 0, 1, info.max // 2 + 1], dt)


def _float_edges(dt: np.dtype) -> np.ndarray:
    fi = np.finfo(dt)
    vals = [0.0, -0.0, fi.smallest_subnormal, -fi.smallest_subnormal, 3 * fi.smallest_subnormal,
            fi.tiny, -fi.tiny, fi.max, -fi.max, 1.0, -1.0, 2.0, 0.75, -1e30 if dt == F64 else -1e3]
    return np.array(vals, dt)


def _shift_rows(name: str, ref) -> list[OpRow]:
    op = getattr(fnp, name)
    rows = [
        # Promotion: bools shift as int8, (uint8, int32) as int32; counts 0..7.
        OpRow(name, op, ref, BINARY, dtypes=(I64, I32, U8, BOOL, (U8, I32)), domain=(0.0, 7.0),
              grad_order=0),
        OpRow(f"{name}_pyint", op, ref, (V((2, 3), ()), V((), ())), kinds="fq",
              domain=(0.0, 9.0), dtypes=(I64, I32, U8), grad_order=0),
        OpRow(f"{name}_empty", op, ref, (V((0,), ()), V((2, 0), (1, 0))), dtypes=(I64,),
              grad_order=0),
    ]
    for dt in INTS:
        # Values over the whole range, counts from -2 to 69: negative and >= the bit width.
        rows.append(OpRow(
            f"{name}_{dt.name}", lambda x, s, dt=dt: op(fnp.astype(x, dt), fnp.astype(s, dt)),
            lambda x, s, dt=dt: ref(x.astype(dt), s.astype(dt)),
            (V((3,), (3,)), V((2, 3), (3,)), V((), (2, 3))), kinds="fi", dtypes=(I64,),
            domain=(-300.0, 300.0), int_range=(-2, 70), grad_order=0))
        # The extremes of the dtype shifted by 0, 1, width - 1, width and width + 1.
        counts = np.array([0, 1, 8 * dt.itemsize - 1, 8 * dt.itemsize, 8 * dt.itemsize + 1])
        rows.append(OpRow(
            f"{name}_{dt.name}_edges",
            lambda x, dt=dt, c=counts: op(fnp.concatenate([fnp.astype(x, dt), _int_extremes(dt)]),
                                          fnp.astype(fnp.concatenate([x, c]), dt)),
            lambda x, dt=dt, c=counts: ref(np.concatenate([x.astype(dt), _int_extremes(dt)]),
                                           np.concatenate([x, c]).astype(dt)),
            (V((5,)),), dtypes=(I64,), domain=(0.0, 9.0), grad_order=0))
    return rows


def _count_rows() -> list[OpRow]:
    rows = [
        OpRow("bitwise_count", fnp.bitwise_count, np.bitwise_count, UNARY + (V((0,)),),
              dtypes=(I64, I32, U8, BOOL), domain=(-300.0, 300.0), grad_order=0),
        OpRow("bitwise_invert", fnp.bitwise_invert, np.bitwise_invert, UNARY,
              dtypes=(I64, I32, U8, BOOL), domain=(-300.0, 300.0), grad_order=0),
    ]
    for dt in INTS:
        rows.append(OpRow(
            f"bitwise_count_{dt.name}",
            lambda x, dt=dt: fnp.bitwise_count(fnp.concatenate([fnp.astype(x, dt),
                                                                _int_extremes(dt)])),
            lambda x, dt=dt: np.bitwise_count(np.concatenate([x.astype(dt), _int_extremes(dt)])),
            (V((4,)), V((0,))), dtypes=(I64,), domain=(-300.0, 300.0), grad_order=0))
    return rows


def _pack_rows() -> list[OpRow]:
    rows = []
    for axis, shapes in ((None, (V(()), V((10,)), V((2, 9)), V((0,)))),
                         (0, (V((10,)), V((9, 2)), V((0, 3)))),
                         (-1, (V((2, 9)), V((3, 2, 16)), V((2, 0))))):
        for order in ("big", "little"):
            rows.append(OpRow(
                f"packbits_axis{axis}_{order}",
                lambda x, a=axis, o=order: fnp.packbits(x, axis=a, bitorder=o),
                lambda x, a=axis, o=order: np.packbits(x, axis=a, bitorder=o),
                shapes, dtypes=(BOOL, I64, U8), domain=(0.0, 2.0), grad_order=0))
    for axis, count, shapes in ((None, None, (V(()), V((3,)), V((2, 2)), V((0,)))),
                                (None, 13, (V((3,)),)), (None, 30, (V((2,)),)),
                                (None, -5, (V((3,)),)), (None, -16, (V((2,)),)),
                                (0, 0, (V((2, 3)),)), (-1, 11, (V((3, 2)), V((2, 2, 2)))),
                                (1, None, (V((2, 3)), V((2, 0)))), (0, -3, (V((2, 3)),))):
        for order in ("big", "little"):
            rows.append(OpRow(
                f"unpackbits_axis{axis}_count{count}_{order}",
                lambda x, a=axis, c=count, o=order: fnp.unpackbits(x, axis=a, count=c,
                                                                   bitorder=o),
                lambda x, a=axis, c=count, o=order: np.unpackbits(x, axis=a, count=c,
                                                                  bitorder=o),
                shapes, dtypes=(U8,), domain=(0.0, 255.0), grad_order=0))
    return rows


def _with_float_edges(op, x):
    return op(fnp.concatenate([x, _float_edges(x.dtype)]))


def _with_float_edges_ref(op, x):
    return op(np.concatenate([x, _float_edges(x.dtype)]))


def _nextafter_edges(mod, x):
    x = mod.concatenate([x, _float_edges(x.dtype)])
    toward = [mod.full_like(x, v) for v in (np.inf, -np.inf, 0.0, np.nan, 1e-30)] + [x]
    return mod.nextafter(mod.concatenate([x] * 6), mod.concatenate(toward))


def _float_rows() -> list[OpRow]:
    nextafter_q = _quiet(np.nextafter)
    return [
        # spacing is constant between powers of two: its derivative is zero (checked).
        OpRow("spacing", fnp.spacing, np.spacing, UNARY + (V((0,)),), dtypes=FLOATS + (I64,)),
        OpRow("spacing_special", fnp.spacing, _quiet(np.spacing), UNARY, kinds="s",
              dtypes=FLOATS, grad_order=0),
        OpRow("spacing_edges", lambda x: _with_float_edges(fnp.spacing, x),
              lambda x: _with_float_edges_ref(_quiet(np.spacing), x), (V((3,)),),
              dtypes=FLOATS, grad_order=0),
        OpRow("nextafter", fnp.nextafter, np.nextafter, BINARY + (V((0,), ()),),
              dtypes=FLOATS + (I64, (F32, F64)), grad_order=0),
        OpRow("nextafter_pyfloat", fnp.nextafter, np.nextafter, (V((2, 3), ()),), kinds="fp",
              dtypes=FLOATS, grad_order=0),
        OpRow("nextafter_special", fnp.nextafter, nextafter_q, BINARY, kinds="ss",
              dtypes=FLOATS, grad_order=0),
        # Edge values towards +inf, -inf, 0, nan, 1e-30 and themselves.
        OpRow("nextafter_edges", lambda x: _nextafter_edges(fnp, x),
              lambda x: _nextafter_edges(np, x), (V((2,)),), dtypes=FLOATS, grad_order=0),
        # i0 is a composition (series / asymptotic expansion; NumPy uses Chebyshev
        # expansions): a few ulps apart.
        OpRow("i0", fnp.i0, np.i0, UNARY + (V((0,)),), dtypes=(F64, F32, I64), domain=(-3.0, 3.0),
              tol=COMPOSED),
        # Both expansions (the switch is at |x| = 20); derivatives d i0 = i1, d i1 = i0 - i1/x.
        OpRow("i0_wide", fnp.i0, np.i0, (V((4,)), V((2, 3))), dtypes=FLOATS, domain=(-40.0, 40.0),
              tol=COMPOSED),
        OpRow("i0_special", fnp.i0, _quiet(np.i0), UNARY, kinds="s", dtypes=FLOATS, grad_order=0,
              tol=COMPOSED),
        OpRow("i0_edges", lambda x: fnp.i0(fnp.concatenate([x, _I0_EDGES])),
              lambda x: _quiet(np.i0)(np.concatenate([x, _I0_EDGES])), (V((2,)),),
              grad_order=0, tol=COMPOSED),
    ]


_I0_EDGES = np.array([0.0, -0.0, 19.999, 20.0, 20.001, -20.0, 700.0, -705.0, 720.0, 1e-300])


def _complex_family_rows() -> list[OpRow]:
    rows = []
    for name in ("real", "conj", "conjugate", "imag"):
        rows.append(OpRow(name, getattr(fnp, name), getattr(np, name), UNARY + (V((0,)),),
                          dtypes=(F64, F32, I64, BOOL)))
    rows += [
        # angle: 0 or pi by sign; its derivative is zero away from 0 (nan at 0, as JAX).
        OpRow("angle", fnp.angle, np.angle, UNARY + (V((0,)),), dtypes=FLOATS, avoid=(0.0,)),
        OpRow("angle_deg", lambda x: fnp.angle(x, deg=True), lambda x: np.angle(x, deg=True),
              UNARY, dtypes=FLOATS, avoid=(0.0,)),
        OpRow("angle_special", fnp.angle, np.angle, UNARY, kinds="s", dtypes=FLOATS,
              grad_order=0),
        OpRow("angle_bool", fnp.angle, np.angle, UNARY, dtypes=(BOOL,), grad_order=0),
        OpRow("angle_signed_zero", lambda x: fnp.angle(fnp.concatenate([x, _ZEROS])),
              lambda x: np.angle(np.concatenate([x, _ZEROS])), (V((2,)),), dtypes=FLOATS,
              grad_order=0),
        OpRow("iscomplex", fnp.iscomplex, np.iscomplex, UNARY + (V((0,)),),
              dtypes=(F64, F32, I64, BOOL), grad_order=0),
        OpRow("isreal", fnp.isreal, np.isreal, UNARY + (V((0,)),),
              dtypes=(F64, F32, I64, BOOL), grad_order=0),
    ]
    return rows


_ZEROS = np.array([0.0, -0.0])

ROWS: list[OpRow] = [
    *[row for name, ref in _SHIFTS for row in _shift_rows(name, ref)],
    *_count_rows(),
    *_pack_rows(),
    *_float_rows(),
    *_complex_family_rows(),
]
