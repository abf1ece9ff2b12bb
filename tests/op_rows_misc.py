"""Op-table rows of `functrans.numpy._misc` (issue 12); `op_table.ROWS` includes them."""
from __future__ import annotations

import numpy as np
from op_table import F32, F64, I32, I64, NUMERIC, UNARY, OpRow, V, fnp

# Concrete indices/conditions used by rows whose index argument is not traced.
_CHOOSE_IDX = np.array([[0, 2, 1], [1, 0, 2]])
_PERM = np.array([[2, 0, 1], [0, 1, 2]])          # distinct per row: no repeated writes


def _conds(x):
    return [x < -0.5, x > 0.5]


SELECTION = [
    OpRow("select", lambda x, y, z: fnp.select([x < 0, y < 0], [x, y], z),
          lambda x, y, z: np.select([x < 0, y < 0], [x, y], z),
          (V((3,), (3,), (3,)), V((2, 3), (3,), ()), V((), (), ()), V((0,), (0,), ())),
          dtypes=(F64, F32, (F32, F64, F32))),
    OpRow("select_default_scalar", lambda x, y: fnp.select([x > y], [x * y]),
          lambda x, y: np.select([x > y], [x * y]), (V((4,), (4,)), V((2, 3), (2, 1))),
          kinds="dd", dtypes=(F64, I64)),
    OpRow("select_pyscalars", lambda x: fnp.select(_conds(x), [1.5, x], default=-2.0),
          lambda x: np.select(_conds(x), [1.5, x], default=-2.0), UNARY, avoid=(-0.5, 0.5)),
    OpRow("choose", lambda x, y, z: fnp.choose(_CHOOSE_IDX, [x, y, z]),
          lambda x, y, z: np.choose(_CHOOSE_IDX, [x, y, z]),
          (V((2, 3), (2, 3), (2, 3)), V((3,), (), (2, 1))), dtypes=NUMERIC),
    OpRow("choose_wrap", lambda a, x, y: fnp.choose(a, [x, y], mode="wrap"),
          lambda a, x, y: np.choose(a, [x, y], mode="wrap"),
          (V((3,), (3,), (3,)), V((2, 3), (3,), ()), V((), (), ())), kinds="iff",
          int_range=(-3, 4)),
    OpRow("choose_clip", lambda a, x, y: fnp.choose(a, [x, y, 2 * x], mode="clip"),
          lambda a, x, y: np.choose(a, [x, y, 2 * x], mode="clip"),
          (V((3,), (3,), (3,)), V((2, 3), (2, 1), (3,))), kinds="iff", int_range=(-2, 5)),
    OpRow("choose_array", lambda c: fnp.choose(_CHOOSE_IDX, c),
          lambda c: np.choose(_CHOOSE_IDX, c), (V((3, 2, 3)), V((3, 3))), dtypes=NUMERIC),
    OpRow("piecewise", lambda x: fnp.piecewise(x, _conds(x), [lambda v: v ** 2, np.float64(3.0)]),
          lambda x: np.piecewise(x, _conds(x), [lambda v: v ** 2, np.float64(3.0)]),
          UNARY + (V((0,)),), avoid=(-0.5, 0.5)),
    OpRow("piecewise_otherwise", lambda x: fnp.piecewise(
              x, _conds(x), [lambda v, k: fnp.sin(v), lambda v, k: k * v, lambda v, k: v - k], 2.0),
          lambda x: np.piecewise(x, _conds(x), [lambda v, k: np.sin(v), lambda v, k: k * v,
                                              lambda v, k: v - k], 2.0),
          (V((4,)), V((2, 3))), dtypes=(F64, F32), avoid=(-0.5, 0.5)),
    OpRow("piecewise_int", lambda x: fnp.piecewise(x, [x > 0], [lambda v: v * 3, -1]),
          lambda x: np.piecewise(x, [x > 0], [lambda v: v * 3, -1]), (V((5,)), V((2, 3))),
          dtypes=(I64, I32), grad_order=0),
    OpRow("piecewise_single_cond", lambda x: fnp.piecewise(x, x > 0, [lambda v: -v]),
          lambda x: np.piecewise(x, x > 0, [lambda v: -v]), (V(()), V((3,))), avoid=(0.0,)),
    OpRow("take_along_axis", lambda x, i: fnp.take_along_axis(x, i, axis=1),
          lambda x, i: np.take_along_axis(x, i, axis=1),
          (V((2, 3), (2, 4)), V((2, 3), (1, 2)), V((2, 3, 2), (2, 5, 2)), V((2, 3), (2, 0))),
          kinds="fi", dtypes=NUMERIC),
    OpRow("take_along_axis_neg", lambda x, i: fnp.take_along_axis(x, i, axis=-1),
          lambda x, i: np.take_along_axis(x, i, axis=-1), (V((4,), (6,)), V((2, 3), (2, 3))),
          kinds="fi", int_range=(-3, 3)),
    OpRow("take_along_axis_none", lambda x, i: fnp.take_along_axis(x, i, axis=None),
          lambda x, i: np.take_along_axis(x, i, axis=None), (V((2, 3), (4,)),), kinds="fi",
          int_range=(0, 6)),
    OpRow("take_along_axis_axis0", lambda x, i: fnp.take_along_axis(x, i, axis=0),
          lambda x, i: np.take_along_axis(x, i, axis=0), (V((3, 2), (4, 1)), V((3, 2), (1, 2))),
          kinds="fi"),
    OpRow("put_along_axis", lambda x, v: fnp.put_along_axis(x, _PERM[:, :2], v, 1,
                                                             inplace=False),
          lambda x, v: _np_put(x, _PERM[:, :2], v, 1), (V((2, 3), (2, 2)), V((2, 4), (1, 2)),
                                                        V((2, 3), ())),
          dtypes=(F64, F32, I64, (F32, F64))),
    OpRow("put_along_axis_traced_idx", lambda x, i, v: fnp.put_along_axis(
              x, i, v, 0, inplace=False),
          lambda x, i, v: _np_put(x, i, v, 0), (V((3, 2), (1, 2), (1, 2)), V((3,), (1,), ())),
          kinds="fif"),
    OpRow("put_along_axis_none", lambda x, v: fnp.put_along_axis(
              x, np.array([4, 0]), v, None, inplace=False),
          lambda x, v: _np_put(x, np.array([4, 0]), v, None), (V((2, 3), (2,)),)),
]


def _np_put(x, i, v, axis):
    y = np.array(x, copy=True)
    np.put_along_axis(y, i, v, axis)
    return y


ARITH = [
    OpRow("gcd", fnp.gcd, np.gcd, (V((4,), (4,)), V((2, 3), (3,)), V((), (2, 3)), V((0,), ())),
          dtypes=(I64, I32, (I32, I64)), domain=(-40, 40), grad_order=0),
    OpRow("gcd_pyint", lambda x: fnp.gcd(x, 12), lambda x: np.gcd(x, 12), UNARY,
          dtypes=(I64, np.dtype(np.uint8)), domain=(0, 60), grad_order=0),
    OpRow("lcm", fnp.lcm, np.lcm, (V((4,), (4,)), V((2, 3), (3,)), V((), ())),
          dtypes=(I64, I32), domain=(-30, 30), grad_order=0),
    OpRow("frexp", fnp.frexp, np.frexp, UNARY + (V((0,)),), kinds="s", dtypes=(F64, F32),
          domain=(-1e3, 1e3), grad_order=0),
    OpRow("frexp_int", fnp.frexp, np.frexp, UNARY, dtypes=(I64,), domain=(-100, 100),
          grad_order=0),
    # The mantissa's derivative 2**-e: away from the powers of two where it jumps.
    OpRow("frexp_mantissa", lambda x: fnp.frexp(x)[0], lambda x: np.frexp(x)[0], UNARY,
          kinds="n", domain=(0.3, 1.9), avoid=(-1.0, -0.5, 0.5, 1.0), dtypes=(F64, F32)),
]

# Horner's scheme and the convolutions round differently from NumPy's loops.
POLY = [
    OpRow("polyval", fnp.polyval, np.polyval,
          (V((4,), (3,)), V((1,), (2, 3)), V((3,), ()), V((0,), (2,)), V((3,), (0,))),
          dtypes=(F64, F32, I64, (I64, F64), (F32, F64)), tol=1e-14),
    OpRow("polyval_pyscalar", lambda p: fnp.polyval(p, 1.5), lambda p: np.polyval(p, 1.5),
          (V((3,)), V((1,))), tol=1e-14),
    OpRow("polyadd", fnp.polyadd, np.polyadd, (V((3,), (3,)), V((2,), (4,)), V((4,), ()),
                                              V((1,), (2,))),
          dtypes=(F64, I64, (F32, F64))),
    OpRow("polysub", fnp.polysub, np.polysub, (V((3,), (3,)), V((2,), (4,)), V((), (3,))),
          dtypes=(F64, I64, (F64, F32))),
    OpRow("polymul", fnp.polymul, np.polymul, (V((3,), (3,)), V((2,), (4,)), V((1,), (3,)),
                                              V((), (2,))),
          dtypes=(F64, F32, I64, (I64, F32)), domain=(0.5, 3.0), tol=1e-14),
    OpRow("polyder", fnp.polyder, np.polyder, (V((4,)), V((1,)), V((2,))), dtypes=NUMERIC),
    OpRow("polyder_m", lambda p: fnp.polyder(p, 2), lambda p: np.polyder(p, 2),
          (V((5,)), V((2,))), dtypes=(F64, I64)),
    OpRow("polyder_m0", lambda p: fnp.polyder(p, 0), lambda p: np.polyder(p, 0), (V((3,)),)),
    OpRow("polyint", fnp.polyint, np.polyint, (V((4,)), V((1,)), V((0,))),
          dtypes=(F64, F32, I64)),
    OpRow("polyint_mk", lambda p, k: fnp.polyint(p, 3, k), lambda p, k: np.polyint(p, 3, k),
          (V((3,), (3,)), V((2,), ()), V((1,), (1,))), tol=1e-14),
    OpRow("polyint_m0", lambda p: fnp.polyint(p, 0), lambda p: np.polyint(p, 0), (V((3,)),)),
    OpRow("poly", fnp.poly, np.poly, (V((3,)), V((1,)), V((4,))), dtypes=(F64, F32, I64),
          tol=1e-14),
]



def _window(name: str, M: int, *args, tol: float = 0.0) -> OpRow:
    return OpRow(f"{name}_{M}", lambda: getattr(fnp, name)(M, *args),
                 lambda: getattr(np, name)(M, *args), (V(),), tol=tol)


WINDOWS = [_window(name, M) for name in ("bartlett", "blackman", "hamming", "hanning")
           for M in (0, 1, 2, 5, 8)] + [
    # I0 by its power series: sums differently from NumPy's Chebyshev expansion (~1 ulp).
    _window("kaiser", M, beta, tol=1e-14)
    for M, beta in ((0, 2.0), (1, 3.0), (4, 0.0), (7, 14.0))
] + [
    OpRow("kaiser_beta", lambda b: fnp.kaiser(6, b), lambda b: np.kaiser(6, b), (V(()),),
          kinds="p", domain=(0.5, 12.0), tol=1e-14),
    OpRow("kaiser_beta_array", lambda b: fnp.kaiser(5, b), lambda b: np.kaiser(5, float(b)),
          (V(()),), domain=(0.5, 12.0), tol=1e-14),
]

_XP = np.array([-1.5, -0.5, 0.2, 1.0])


def _knots(d):
    """Increasing sample points from nonzero values: -1 + cumsum(|d|)."""
    return -1.0 + np.cumsum(np.abs(d))


CALCULUS = [
    # The interpolation formula rounds like NumPy's, but not always identically (~1 ulp).
    OpRow("interp", lambda x, fp: fnp.interp(x, _XP, fp), lambda x, fp: np.interp(x, _XP, fp),
          (V((5,), (4,)), V((2, 3), (4,)), V((), (4,)), V((0,), (4,))), avoid=tuple(_XP),
          dtypes=(F64, F32, (I64, F64)), tol=1e-14),
    OpRow("interp_left_right", lambda x, fp, lr: fnp.interp(x, _XP, fp, lr, 2 * lr),
          lambda x, fp, lr: np.interp(x, _XP, fp, lr, 2 * lr), (V((6,), (4,), ()),),
          avoid=tuple(_XP), tol=1e-14),
    OpRow("interp_traced_xp", lambda x, d, fp: fnp.interp(x, -1.0 + fnp.cumsum(fnp.abs(d)), fp),
          lambda x, d, fp: np.interp(x, _knots(d), fp), (V((5,), (3,), (3,)), V((), (2,), (2,))),
          kinds="fnf", domain=(0.4, 1.0), tol=1e-14),
    OpRow("interp_one_point", lambda x, fp: fnp.interp(x, np.array([0.5]), fp),
          lambda x, fp: np.interp(x, np.array([0.5]), fp), (V((4,), (1,)),), avoid=(0.5,)),
    OpRow("interp_special", lambda x: fnp.interp(x, _XP, np.array([1.0, 3.0, -2.0, 0.5])),
          lambda x: np.interp(x, _XP, np.array([1.0, 3.0, -2.0, 0.5])), (V((6,)),), kinds="s",
          grad_order=0, tol=1e-14),
    OpRow("interp_knots", lambda fp: fnp.interp(_XP, _XP, fp), lambda fp: np.interp(_XP, _XP, fp),
          (V((4,)),)),
    OpRow("interp_period", lambda x, fp: fnp.interp(x, np.array([350.0, 10.0, 100.0, 200.0]), fp,
                                                    period=360),
          lambda x, fp: np.interp(x, np.array([350.0, 10.0, 100.0, 200.0]), fp, period=360),
          (V((5,), (4,)), V((2, 3), (4,))), domain=(-400.0, 400.0),
          avoid=(-350.0, -260.0, -160.0, -10.0, 10.0, 100.0, 200.0, 350.0), tol=1e-13),
    OpRow("gradient", fnp.gradient, np.gradient, (V((4,)), V((2,)), V((2, 3)), V((3, 2, 4))),
          dtypes=(F64, F32, I64)),
    OpRow("gradient_spacing", lambda f: fnp.gradient(f, 0.5), lambda f: np.gradient(f, 0.5),
          (V((5,)), V((2, 3))), dtypes=(F64, F32)),
    OpRow("gradient_axis", lambda f: fnp.gradient(f, 2.0, axis=-1),
          lambda f: np.gradient(f, 2.0, axis=-1), (V((3, 4)), V((2, 3, 2)))),
    OpRow("gradient_axes", lambda f: fnp.gradient(f, 2.0, 0.5, axis=(1, 0)),
          lambda f: np.gradient(f, 2.0, 0.5, axis=(1, 0)), (V((3, 4)),)),
    OpRow("gradient_traced_h", lambda f, h: fnp.gradient(f, h), lambda f, h: np.gradient(f, h),
          (V((4,), ()),), kinds="fn", domain=(0.5, 2.0)),
    OpRow("unwrap", fnp.unwrap, np.unwrap, (V((6,)), V((2, 5)), V((1,)), V((0,))),
          domain=(-10.0, 10.0), dtypes=(F64, F32)),
    OpRow("unwrap_axis0", lambda p: fnp.unwrap(p, axis=0), lambda p: np.unwrap(p, axis=0),
          (V((5, 2)),), domain=(-10.0, 10.0)),
    OpRow("unwrap_discont_period", lambda p: fnp.unwrap(p, 3.0, period=5.0),
          lambda p: np.unwrap(p, 3.0, period=5.0), (V((7,)),), domain=(-8.0, 8.0)),
    OpRow("unwrap_int", lambda p: fnp.unwrap(p, period=4), lambda p: np.unwrap(p, period=4),
          (V((6,)), V((2, 4))), dtypes=(I64,), domain=(-9, 9), grad_order=0),
]

# polyfit goes through lstsq's SVD and pseudo-inverse (LAPACK's gelsd in NumPy): the
# coefficients agree to rounding, not bit for bit.
_FIT = 1e-11
FIT = [
    OpRow("polyfit", lambda x, y: fnp.polyfit(x, y, 2), lambda x, y: np.polyfit(x, y, 2),
          (V((6,), (6,)), V((5,), (5, 2)), V((3,), (3,))), kinds="df", tol=_FIT),
    OpRow("polyfit_weighted", lambda x, y, w: fnp.polyfit(x, y, 3, w=w),
          lambda x, y, w: np.polyfit(x, y, 3, w=w), (V((7,), (7,), (7,)),), kinds="dff",
          domain=(0.5, 2.0), tol=_FIT),
    OpRow("polyfit_full", lambda x, y: fnp.polyfit(x, y, 1, full=True)[:2] + (
        fnp.polyfit(x, y, 1, full=True)[3],),
          lambda x, y: np.polyfit(x, y, 1, full=True)[:2] + (np.polyfit(x, y, 1, full=True)[3],),
          (V((5,), (5,)),), kinds="df", tol=_FIT),
    OpRow("polyfit_cov", lambda x, y: fnp.polyfit(x, y, 1, cov=True),
          lambda x, y: np.polyfit(x, y, 1, cov=True), (V((6,), (6,)), V((6,), (6, 2))),
          kinds="df", tol=_FIT),
    OpRow("polyfit_f32_int", lambda x, y: fnp.polyfit(x, y, 1),
          lambda x, y: np.polyfit(x, y, 1), (V((4,), (4,)),), kinds="df", dtypes=(F32, I64),
          domain=(-9, 9), tol=_FIT, grad_order=0),
]

ROWS: list[OpRow] = [*SELECTION, *ARITH, *POLY, *WINDOWS, *CALCULUS, *FIT]
