"""Op-table rows of `functrans.numpy._math` (issue 12); `op_table.ROWS` includes them."""
from __future__ import annotations

import functools

import numpy as np
from op_table import (
    BINARY,
    BOOL,
    COMPOSED,
    F32,
    F64,
    FLOATS,
    I64,
    NUMERIC,
    UNARY,
    OpRow,
    V,
    _binary,
    _quiet,
    _unary,
    fnp,
)

_INTEGERS = (-2.0, -1.0, 0.0, 1.0, 2.0)

ALIASES = [
    _unary("acos", fnp.acos, np.acos, domain=(-0.9, 0.9)),
    _unary("asin", fnp.asin, np.asin, domain=(-0.9, 0.9)),
    _unary("atan", fnp.atan, np.atan),
    _binary("atan2", fnp.atan2, np.atan2, kinds="nn", domain=(0.2, 2.0)),
    _binary("pow", fnp.pow, np.pow, domain=(0.3, 2.0), dtypes=(F64, F32, I64)),
]

# The inverse hyperbolics are log1p/sqrt compositions (within about one ulp of NumPy's).
INVERSE_HYPERBOLIC = [
    _unary("arcsinh", fnp.arcsinh, np.arcsinh, tol=COMPOSED),
    _unary("asinh", fnp.asinh, np.asinh, tol=COMPOSED),
    # Large arguments take the log(2x) branch.
    _unary("arcsinh_large", lambda x: fnp.arcsinh(x * 1e9), lambda x: np.arcsinh(x * 1e9),
           dtypes=FLOATS, tol=COMPOSED),
    _unary("arccosh", fnp.arccosh, np.arccosh, domain=(1.1, 3.0), tol=COMPOSED),
    _unary("acosh", fnp.acosh, np.acosh, domain=(1.1, 3.0), dtypes=FLOATS, tol=COMPOSED),
    _unary("arccosh_large", lambda x: fnp.arccosh(x * 1e9), lambda x: np.arccosh(x * 1e9),
           domain=(1.0, 2.0), dtypes=FLOATS, tol=COMPOSED),
    _unary("arctanh", fnp.arctanh, np.arctanh, domain=(-0.9, 0.9), dtypes=FLOATS,
           tol=COMPOSED),
    _unary("atanh", fnp.atanh, np.atanh, domain=(-0.9, 0.9), dtypes=FLOATS, tol=COMPOSED),
    OpRow("arcsinh_special", fnp.arcsinh, np.arcsinh, UNARY, kinds="s", dtypes=FLOATS,
          grad_order=0, tol=COMPOSED),
    OpRow("arccosh_special", fnp.arccosh, _quiet(np.arccosh), UNARY, kinds="s",
          domain=(1.0, 3.0), dtypes=FLOATS, grad_order=0, tol=COMPOSED),
    OpRow("arctanh_special", fnp.arctanh, _quiet(np.arctanh), UNARY, kinds="s",
          domain=(-1.0, 1.0), dtypes=FLOATS, grad_order=0, tol=COMPOSED),
]

UNARY_HELPERS = [
    _unary("fabs", fnp.fabs, np.fabs, kind="n", domain=(0.2, 2.0), dtypes=(F64, F32)),
    # NumPy gives float16 for fabs of bool and int8, functrans float64 (module docstring).
    _unary("fabs_int64", fnp.fabs, np.fabs, dtypes=(I64,), grad_order=0),
    # trunc and rint are piecewise constant: zero derivative away from the jumps.
    _unary("trunc", fnp.trunc, np.trunc, dtypes=NUMERIC + (BOOL,), avoid=_INTEGERS),
    _unary("rint", fnp.rint, np.rint, dtypes=(F64, F32, I64), avoid=(-1.5, -0.5, 0.5, 1.5)),
    _unary("deg2rad", fnp.deg2rad, np.deg2rad, tol=COMPOSED),
    _unary("radians", fnp.radians, np.radians, dtypes=FLOATS, tol=COMPOSED),
    _unary("rad2deg", fnp.rad2deg, np.rad2deg, tol=COMPOSED),
    _unary("degrees", fnp.degrees, np.degrees, dtypes=FLOATS, tol=COMPOSED),
    # sin(pi x) / (pi x), and a Taylor polynomial near 0 (its own row): compositions.
    _unary("sinc", fnp.sinc, np.sinc, tol=COMPOSED),
    _unary("sinc_near0", fnp.sinc, np.sinc, domain=(-0.03, 0.03), dtypes=FLOATS, tol=COMPOSED),
    _unary("signbit", fnp.signbit, np.signbit, kind="n", dtypes=NUMERIC + (BOOL,),
           grad_order=0),
    OpRow("signbit_special", fnp.signbit, np.signbit, UNARY, kinds="s", dtypes=FLOATS,
          grad_order=0),
    OpRow("signbit_zeros", lambda x: fnp.signbit(x * 0.0), lambda x: np.signbit(x * 0.0),
          UNARY, kinds="n", dtypes=FLOATS, grad_order=0),
    OpRow("isposinf", fnp.isposinf, np.isposinf, UNARY, kinds="s", dtypes=FLOATS + (I64,),
          grad_order=0),
    OpRow("isneginf", fnp.isneginf, np.isneginf, UNARY, kinds="s", dtypes=FLOATS + (I64,),
          grad_order=0),
    OpRow("nan_to_num", fnp.nan_to_num, np.nan_to_num, UNARY, kinds="s",
          dtypes=FLOATS + (I64,), grad_order=0),
    OpRow("nan_to_num_values", lambda x: fnp.nan_to_num(x, nan=1.5, posinf=7, neginf=-7.0),
          lambda x: np.nan_to_num(x, nan=1.5, posinf=7, neginf=-7.0), UNARY, kinds="s",
          dtypes=FLOATS, grad_order=0),
    # Finite inputs: nan_to_num is the identity, derivative 1.
    _unary("nan_to_num_finite", fnp.nan_to_num, np.nan_to_num, dtypes=FLOATS),
    _unary("modf", fnp.modf, np.modf, domain=(-3.0, 3.0), avoid=_INTEGERS),
    OpRow("modf_special", fnp.modf, np.modf, UNARY, kinds="s", dtypes=FLOATS, grad_order=0),
    OpRow("fabs_empty", fnp.fabs, np.fabs, (V((0,)), V((2, 0))), dtypes=(F64,)),
]

BINARY_HELPERS = [
    _binary("fmax", fnp.fmax, np.fmax, kinds="dd", dtypes=NUMERIC + (BOOL,)),
    _binary("fmin", fnp.fmin, np.fmin, kinds="dd", dtypes=NUMERIC + (BOOL,)),
    OpRow("fmax_special", fnp.fmax, np.fmax, BINARY, kinds="ss", dtypes=FLOATS, grad_order=0),
    OpRow("fmin_special", fnp.fmin, np.fmin, BINARY, kinds="ss", dtypes=FLOATS, grad_order=0),
    # The nan-free entries of fmax with nan elsewhere: derivative where the number is.
    OpRow("fmax_nan_operand", lambda x: fnp.fmax(x, np.array([np.nan, 0.5, np.nan])),
          lambda x: np.fmax(x, np.array([np.nan, 0.5, np.nan])), (V((3,)), V((2, 3))),
          avoid=(0.5,)),
    # fmod jumps where x / y is an integer: not differentiated jointly (see remainder rows).
    _binary("fmod", fnp.fmod, _quiet(np.fmod), kinds="nn", domain=(0.3, 3.0),
            dtypes=(F64, F32, I64), grad_order=0),
    # x fmod 1.7 between the jumps: derivative 1 in x.
    _unary("fmod_wrt_x", lambda x: fnp.fmod(x, 1.7), lambda x: np.fmod(x, 1.7),
           dtypes=FLOATS, avoid=(-1.7, 0.0, 1.7)),
    OpRow("fmod_special", fnp.fmod, _quiet(np.fmod), BINARY, kinds="ss", dtypes=FLOATS,
          grad_order=0),
    # copysign: derivative in x1 only (x2 only chooses a sign); x1 kept off 0.
    _binary("copysign", fnp.copysign, np.copysign, kinds="nn", domain=(0.2, 2.0),
            diff_argnums=(0,)),
    OpRow("copysign_special", fnp.copysign, np.copysign, BINARY, kinds="ss", dtypes=FLOATS,
          grad_order=0),
    # hypot: the scaled composition rounds differently from C's hypot.
    _binary("hypot", fnp.hypot, np.hypot, kinds="nn", domain=(0.2, 2.0), tol=COMPOSED),
    OpRow("hypot_special", fnp.hypot, np.hypot, BINARY, kinds="ss", dtypes=FLOATS,
          grad_order=0, tol=COMPOSED),
    # Squares of these would overflow; not differentiated (finite differences cannot resolve
    # steps at 1e300).
    OpRow("hypot_huge", lambda x, y: fnp.hypot(x * 1e300, y * 1e300),
          lambda x, y: np.hypot(x * 1e300, y * 1e300), (V((3,), (3,)),), kinds="nn",
          domain=(0.2, 2.0), grad_order=0, tol=COMPOSED),
    # log2(2^x + 2^y) through logaddexp of x ln 2, y ln 2: rounds differently.
    _binary("logaddexp2", fnp.logaddexp2, np.logaddexp2, dtypes=FLOATS + (I64,),
            tol=COMPOSED),
    OpRow("logaddexp2_special", fnp.logaddexp2, _quiet(np.logaddexp2), BINARY, kinds="ss",
          dtypes=FLOATS, grad_order=0, tol=COMPOSED),
    # heaviside: derivative only in x2, and only where x1 == 0 (zero here: x1 kept off 0).
    _binary("heaviside", fnp.heaviside, np.heaviside, kinds="nf", domain=(0.2, 2.0)),
    OpRow("heaviside_at_zero", lambda x, h: fnp.heaviside(x * 0.0, h),
          lambda x, h: np.heaviside(x * 0.0, h), BINARY, dtypes=FLOATS),
    OpRow("heaviside_special", fnp.heaviside, np.heaviside, BINARY, kinds="sf",
          dtypes=FLOATS, grad_order=0),
    # NumPy's float_power and power (the pow primitive) use different float64 kernels,
    # which may differ in the last bit.
    _binary("float_power", fnp.float_power, np.float_power, domain=(0.3, 2.0),
            dtypes=(F64, F32, I64, (F32, I64)), tol=COMPOSED),
    OpRow("ldexp", fnp.ldexp, np.ldexp, (V((3,), (3,)), V((2, 3), (3,)), V((), (2, 3))),
          kinds="fi", int_range=(-3, 4), dtypes=(F64, F32, I64), diff_argnums=(0,)),
    OpRow("ldexp_extreme", lambda x, k: fnp.ldexp(x, k * 700), lambda x, k: np.ldexp(x, k * 700),
          (V((3,), (3,)),), kinds="fi", int_range=(-2, 3), diff_argnums=(0,)),
    OpRow("ldexp_pyint", lambda x: fnp.ldexp(x, 3), lambda x: np.ldexp(x, 3), UNARY,
          dtypes=FLOATS),
    # divmod: floor_divide and remainder (NumPy's own); jumps, so not differentiated jointly.
    _binary("divmod", fnp.divmod, np.divmod, kinds="nn", domain=(0.3, 3.0),
            dtypes=(F64, F32, I64), grad_order=0),
    _unary("divmod_wrt_x", lambda x: fnp.divmod(x, 1.7)[1], lambda x: np.divmod(x, 1.7)[1],
           dtypes=FLOATS, avoid=(-1.7, 0.0, 1.7)),
]

# Comparisons of whole arrays (bool results, grad_order 0). y = x + small * noise puts some
# elements within the tolerances and some outside.
def _near(f):
    return lambda x, e: f(x, x + e * 1e-5)


WHOLE_ARRAYS = [
    OpRow("isclose", _near(fnp.isclose), _near(np.isclose), BINARY, dtypes=(F64, F32),
          grad_order=0),
    OpRow("isclose_ints", fnp.isclose, np.isclose, BINARY, dtypes=(I64, (I64, F64)),
          grad_order=0),
    OpRow("isclose_special", fnp.isclose, np.isclose, BINARY, kinds="ss", dtypes=FLOATS,
          grad_order=0),
    OpRow("isclose_equal_nan", functools.partial(fnp.isclose, equal_nan=True),
          functools.partial(np.isclose, equal_nan=True), BINARY, kinds="ss", grad_order=0),
    OpRow("isclose_tolerances", lambda x, y: fnp.isclose(x, y, rtol=0.5, atol=0.1),
          lambda x, y: np.isclose(x, y, rtol=0.5, atol=0.1), BINARY, grad_order=0),
    OpRow("allclose", _near(fnp.allclose), _near(np.allclose), BINARY, dtypes=(F64, F32),
          grad_order=0),
    OpRow("allclose_same", lambda x: fnp.allclose(x, x * (1 + 1e-9)),
          lambda x: np.allclose(x, x * (1 + 1e-9)), UNARY + (V((0,)),), grad_order=0),
    OpRow("array_equal", lambda x: fnp.array_equal(x, x * 1), lambda x: np.array_equal(x, x * 1),
          UNARY + (V((0, 2)),), dtypes=(F64, I64), grad_order=0),
    OpRow("array_equal_differs", fnp.array_equal, np.array_equal,
          (V((3,), (3,)), V((2, 3), (3,)), V((), ())), dtypes=(F64, I64), grad_order=0),
    OpRow("array_equal_nan", functools.partial(fnp.array_equal, equal_nan=True),
          functools.partial(np.array_equal, equal_nan=True), (V((3,), (3,)),), kinds="ss",
          grad_order=0),
    OpRow("array_equiv", lambda x, y: fnp.array_equiv(x, x + 0 * y),
          lambda x, y: np.array_equiv(x, x + 0 * y), BINARY, dtypes=(F64, I64),
          grad_order=0),
    OpRow("array_equiv_differs", fnp.array_equiv, np.array_equiv,
          (V((3,), (3,)), V((2, 3), (3,)), V((3,), (2,))), dtypes=(I64,), grad_order=0),
]

ROWS: list[OpRow] = [*ALIASES, *INVERSE_HYPERBOLIC, *UNARY_HELPERS, *BINARY_HELPERS,
                     *WHOLE_ARRAYS]
