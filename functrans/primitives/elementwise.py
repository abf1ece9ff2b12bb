"""Elementwise primitives: arithmetic, transcendental functions, comparisons, logic, `select`,
`convert_element_type` and `stop_gradient`, each with all of its rules.

Operands of one primitive share a dtype and a shape, except that a rank-0 operand may stand
beside any shape (see docs/primitives.md). Nothing here broadcasts or promotes beyond that:
`functrans.numpy` does. Every JVP is written with the wrappers of this module (never Python
operators), so the same rule runs eagerly on NumPy values and while tracing.
Does not own: broadcasting, reductions or transposes of shapes (`shape`, `reductions`).
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import core, dtypes, errors, ir
from functrans.primitives import _factories

Zero = ir.Zero
UndefPrimal = ir.UndefPrimal
unary = _factories.unary_elementwise
binary = _factories.binary_elementwise


def _scalar(value, like):
    """The Python number `value` as a rank-0 constant of `like`'s dtype (primitives are strict)."""
    return core.get_aval(like).dtype.type(value)


# --------------------------------------------------------------------------- unary: no derivative

# Piecewise-constant or integer-valued: their tangents are symbolic zeros.
sign_p = unary("sign", np.sign, kinds="fiu", differentiable=False)
floor_p = unary("floor", np.floor, differentiable=False)
ceil_p = unary("ceil", np.ceil, differentiable=False)
round_p = unary("round", np.round, differentiable=False)   # half to even, as NumPy
is_finite_p = unary("is_finite", np.isfinite, out_dtype=dtypes.bool_, differentiable=False)
# np.invert is logical negation on bool and bitwise negation on integers.
not_p = unary("not", np.invert, kinds="biu", differentiable=False)


def sign(x):
    return sign_p.bind(x)


def floor(x):
    return floor_p.bind(x)


def ceil(x):
    return ceil_p.bind(x)


def round(x):
    return round_p.bind(x)


def is_finite(x):
    return is_finite_p.bind(x)


def not_(x):
    return not_p.bind(x)


# --------------------------------------------------------------------------- unary: neg

# Linear: def_linear makes the JVP neg applied to the tangent.
neg_p = unary("neg", np.negative, kinds="fiu")
neg_p.def_linear()
neg_p.def_transpose(lambda ct, x: (neg(ct),))


@neg_p.def_simplify
def _neg_simplify(eqn, ctx):
    # neg(neg x) = x, bit for bit.
    d = ctx.definition(eqn.invars[0])
    if d is not None and d.primitive is neg_p:
        return [d.invars[0]]
    return None


def neg(x):
    return neg_p.bind(x)


# --------------------------------------------------------------------------- unary: exp and log

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))

# d exp = exp(x) dx
exp_p = unary("exp", np.exp, lambda t, x, out: mul(t, out))
# d exp2 = ln(2) 2^x dx
exp2_p = unary("exp2", np.exp2, lambda t, x, out: mul(t, mul(out, _scalar(_LN2, out))))
# d expm1 = (expm1(x) + 1) dx
expm1_p = unary("expm1", np.expm1, lambda t, x, out: mul(t, add(out, _scalar(1, out))))
# d log = dx / x
log_p = unary("log", np.log, lambda t, x, out: div(t, x))
# d log2 = dx / (ln(2) x)
log2_p = unary("log2", np.log2, lambda t, x, out: div(t, mul(x, _scalar(_LN2, x))))
# d log10 = dx / (ln(10) x)
log10_p = unary("log10", np.log10, lambda t, x, out: div(t, mul(x, _scalar(_LN10, x))))
# d log1p = dx / (1 + x)
log1p_p = unary("log1p", np.log1p, lambda t, x, out: div(t, add(x, _scalar(1, x))))


def exp(x):
    return exp_p.bind(x)


def exp2(x):
    return exp2_p.bind(x)


def expm1(x):
    return expm1_p.bind(x)


def log(x):
    return log_p.bind(x)


def log2(x):
    return log2_p.bind(x)


def log10(x):
    return log10_p.bind(x)


def log1p(x):
    return log1p_p.bind(x)


# --------------------------------------------------------------------------- unary: trigonometric


def _one_minus_square(x):
    return sub(_scalar(1, x), mul(x, x))


def _one_plus_square(x):
    return add(_scalar(1, x), mul(x, x))


# d sin = cos(x) dx
sin_p = unary("sin", np.sin, lambda t, x, out: mul(t, cos(x)))
# d cos = -sin(x) dx
cos_p = unary("cos", np.cos, lambda t, x, out: neg(mul(t, sin(x))))
# d tan = (1 + tan^2) dx
tan_p = unary("tan", np.tan, lambda t, x, out: mul(t, _one_plus_square(out)))
# d asin = dx / sqrt(1 - x^2)
asin_p = unary("asin", np.arcsin, lambda t, x, out: div(t, sqrt(_one_minus_square(x))))
# d acos = -dx / sqrt(1 - x^2)
acos_p = unary("acos", np.arccos, lambda t, x, out: neg(div(t, sqrt(_one_minus_square(x)))))
# d atan = dx / (1 + x^2)
atan_p = unary("atan", np.arctan, lambda t, x, out: div(t, _one_plus_square(x)))
# d sinh = cosh(x) dx
sinh_p = unary("sinh", np.sinh, lambda t, x, out: mul(t, cosh(x)))
# d cosh = sinh(x) dx
cosh_p = unary("cosh", np.cosh, lambda t, x, out: mul(t, sinh(x)))
# d tanh = (1 - tanh^2) dx
tanh_p = unary("tanh", np.tanh, lambda t, x, out: mul(t, _one_minus_square(out)))


def sin(x):
    return sin_p.bind(x)


def cos(x):
    return cos_p.bind(x)


def tan(x):
    return tan_p.bind(x)


def asin(x):
    return asin_p.bind(x)


def acos(x):
    return acos_p.bind(x)


def atan(x):
    return atan_p.bind(x)


def sinh(x):
    return sinh_p.bind(x)


def cosh(x):
    return cosh_p.bind(x)


def tanh(x):
    return tanh_p.bind(x)


# --------------------------------------------------------------------------- unary: roots, abs

# d sqrt = dx / (2 sqrt(x))
sqrt_p = unary("sqrt", np.sqrt, lambda t, x, out: div(t, mul(out, _scalar(2, out))))
# d cbrt = dx / (3 cbrt(x)^2)
cbrt_p = unary("cbrt", np.cbrt, lambda t, x, out: div(t, mul(mul(out, out), _scalar(3, out))))
# d abs = sign(x) dx; at x == 0 this picks 0 (a subgradient), where JAX's
# select(x >= 0, dx, -dx) picks dx. Only floats carry tangents, so `sign` sees floats here.
abs_p = unary("abs", np.abs, lambda t, x, out: mul(t, sign(x)), kinds="fiu")


def sqrt(x):
    return sqrt_p.bind(x)


def cbrt(x):
    return cbrt_p.bind(x)


def abs(x):
    return abs_p.bind(x)


# --------------------------------------------------------------------------- integer_pow

integer_pow_p = core.Primitive("integer_pow")   # y: a Python int


@integer_pow_p.def_impl
def _integer_pow_impl(x, *, y):
    # A Python int exponent is weak (NEP 50), so float32 ** 2 stays float32.
    return np.power(x, y)


@integer_pow_p.def_abstract_eval
def _integer_pow_abstract_eval(x, *, y):
    _factories.check_kind("integer_pow", x, "fiu")
    if not isinstance(y, int) or isinstance(y, bool):
        raise errors.FunctransTypeError(
            f"integer_pow: exponent y must be a Python int, got {type(y).__name__}; use pow "
            "for array or float exponents.")
    if y < 0 and x.dtype.kind != "f":
        raise _factories.shape_error(
            "integer_pow", f"integer operands need a non-negative exponent, got y={y}; convert "
                           "the operand to a float dtype first", x)
    return x


@integer_pow_p.def_jvp
def _integer_pow_jvp(primals, tangents, *, y):
    (x,), (t,) = primals, tangents
    out = integer_pow(x, y)
    # d x^y = y x^(y-1) dx
    if y == 0:
        return out, Zero(core.get_aval(out))
    if y == 1:
        return out, t
    x_pow = x if y == 2 else integer_pow(x, y - 1)
    return out, mul(t, mul(_scalar(y, x), x_pow))


integer_pow_p.def_batch(lambda args, dims, *, axis_size, y: (integer_pow(args[0], y), dims[0]))


@integer_pow_p.def_simplify
def _integer_pow_simplify(eqn, ctx):
    return [eqn.invars[0]] if eqn.params["y"] == 1 else None


def integer_pow(x, y):
    """`x ** y` for a Python int `y` (results equal NumPy's)."""
    return integer_pow_p.bind(x, y=operator.index(y))


# --------------------------------------------------------------------------- add, sub, mul, div


def _add_transpose(ct, x, y):
    return tuple(_factories.unbroadcast(ct, a.aval) if isinstance(a, UndefPrimal) else None
                 for a in (x, y))


def _sub_transpose(ct, x, y):
    ct_x = _factories.unbroadcast(ct, x.aval) if isinstance(x, UndefPrimal) else None
    ct_y = neg(_factories.unbroadcast(ct, y.aval)) if isinstance(y, UndefPrimal) else None
    return ct_x, ct_y


def _mul_transpose(ct, x, y):
    # mul is linear in one operand when the other is a known value.
    if isinstance(x, UndefPrimal) and isinstance(y, UndefPrimal):
        raise NotImplementedError("transpose of mul: both operands are linear inputs, so the "
                                  "product is not linear in them (a bug in linearization)")
    if isinstance(x, UndefPrimal):
        return _factories.unbroadcast(mul(ct, y), x.aval), None
    return None, _factories.unbroadcast(mul(x, ct), y.aval)


def _div_transpose(ct, x, y):
    if isinstance(y, UndefPrimal):
        raise NotImplementedError("transpose of div: the denominator is not a linear input "
                                  "(a bug in linearization)")
    return _factories.unbroadcast(div(ct, y), x.aval), None


def _equals(s, value) -> bool:
    """Whether the known scalar `s` (or None) is `value`, telling -0.0 from 0.0."""
    if s is None or s.dtype.kind not in "iuf" or s != value:
        return False
    return s.dtype.kind != "f" or bool(np.signbit(s)) == bool(np.signbit(value))


def _broadcast_scalar(x, ctx):
    """The rank-0 operand of `x = broadcast_in_dim[...] s`, else None."""
    d = ctx.definition(x)
    if d is None or len(d.invars) != 1 or d.invars[0].aval.shape:
        return None
    from functrans.primitives import shape
    return d.invars[0] if d.primitive is shape.broadcast_in_dim_p else None


def _binary_simplifier(identities=None):
    """A simplify hook for an elementwise binary primitive.

    An operand that is a broadcast scalar (a uniform constant array, or a broadcast_in_dim
    of a rank-0 value) beside a full-shaped one is replaced by that scalar: elementwise
    primitives broadcast rank-0 operands themselves, with the same results. Then
    `identities(eqn, ctx, sx, sy)`, given the known scalar values of the operands (or None),
    may return replacement atoms.
    """

    def simplify(eqn, ctx):
        x, y = eqn.invars
        sx, sy = ctx.scalar(x), ctx.scalar(y)
        shape = eqn.outvars[0].aval.shape
        x_full, y_full = x.aval.shape == shape, y.aval.shape == shape
        if sx is not None or sy is not None:
            if sx is not None and x.aval.shape and y_full:
                return [ctx.bind(eqn.primitive, ctx.literal(sx, sx.dtype), y, **eqn.params)]
            if sy is not None and y.aval.shape and x_full:
                return [ctx.bind(eqn.primitive, x, ctx.literal(sy, sy.dtype), **eqn.params)]
            if identities is not None:
                outs = identities(eqn, ctx, sx, sy)
                if outs is not None:
                    return outs
        if not shape:
            return None
        if x.aval.shape and y_full:
            s = _broadcast_scalar(x, ctx)
            if s is not None:
                return [ctx.bind(eqn.primitive, s, y, **eqn.params)]
        if y.aval.shape and x_full:
            s = _broadcast_scalar(y, ctx)
            if s is not None:
                return [ctx.bind(eqn.primitive, x, s, **eqn.params)]
        return None

    return simplify


def _operand_if(eqn, right: bool, left: bool):
    """`x` of `x op c` (if `right`) or of `c op x` (if `left`) when it has the output's
    shape, else None."""
    x, y = eqn.invars
    shape = eqn.outvars[0].aval.shape
    if right and x.aval.shape == shape:
        return x
    if left and y.aval.shape == shape:
        return y
    return None


def _add_identities(eqn, ctx, sx, sy):
    # x + (-0.0) = x for every x, but x + 0.0 is not x for x = -0.0 (-0.0 + 0.0 = +0.0), so
    # only -0.0 (or an integer 0: 0 == -0.0) is dropped. Zeros from differentiation are
    # symbolic Zeros, never added at all.
    x = _operand_if(eqn, _equals(sy, -0.0), _equals(sx, -0.0))
    return None if x is None else [x]


def _sub_identities(eqn, ctx, sx, sy):
    # x - 0.0 = x for every x, -0.0 included (-0.0 - 0.0 = -0.0); x - (-0.0) is not.
    x = _operand_if(eqn, _equals(sy, 0.0), False)
    return None if x is None else [x]


def _mul_identities(eqn, ctx, sx, sy):
    shape = eqn.outvars[0].aval.shape
    x, y = eqn.invars
    for s, other in ((sy, x), (sx, y)):
        if s is None or other.aval.shape != shape:
            continue
        if s == 1:
            return [other]   # x * 1 = x. Never x * 0 = 0: x may be inf or NaN.
        if s == -1:
            # x * -1 = neg x (up to the sign of a NaN, which IEEE leaves unspecified for mul).
            return [ctx.bind(neg_p, other)]
    return None


def _div_identities(eqn, ctx, sx, sy):
    x = _operand_if(eqn, _equals(sy, 1), False)
    return None if x is None else [x]


# d (x + y) = dx + dy; the factory broadcasts a rank-0 operand's tangent.
add_p = binary("add", np.add, (lambda t, x, y, out: t, lambda t, x, y, out: t), kinds="fiu")
add_p.def_transpose(_add_transpose)
add_p.def_simplify(_binary_simplifier(_add_identities))
# d (x - y) = dx - dy
sub_p = binary("sub", np.subtract, (lambda t, x, y, out: t, lambda t, x, y, out: neg(t)),
               kinds="fiu")
sub_p.def_transpose(_sub_transpose)
sub_p.def_simplify(_binary_simplifier(_sub_identities))
# d (x y) = y dx + x dy
mul_p = binary("mul", np.multiply,
               (lambda t, x, y, out: mul(t, y), lambda t, x, y, out: mul(x, t)), kinds="fiu")
mul_p.def_transpose(_mul_transpose)
mul_p.def_simplify(_binary_simplifier(_mul_identities))
# d (x / y) = dx / y - (x / y) dy / y
div_p = binary("div", np.true_divide,
               (lambda t, x, y, out: div(t, y), lambda t, x, y, out: neg(mul(t, div(out, y)))))
div_p.def_transpose(_div_transpose)
div_p.def_simplify(_binary_simplifier(_div_identities))


def add(x, y):
    return add_p.bind(x, y)


def sub(x, y):
    return sub_p.bind(x, y)


def mul(x, y):
    return mul_p.bind(x, y)


def div(x, y):
    """True division (floats only)."""
    return div_p.bind(x, y)


# --------------------------------------------------------------------------- rem, floor_divide


# rem(x, y) = x - y floor(x / y) (NumPy's sign-of-divisor remainder), so
# d rem = dx - floor_divide(x, y) dy, valid away from the jumps where x / y is an integer.
rem_p = binary("rem", np.remainder,
               (lambda t, x, y, out: t, lambda t, x, y, out: mul(neg(t), floor_divide(x, y))),
               kinds="fiu")
floor_divide_p = binary("floor_divide", np.floor_divide, kinds="fiu")
rem_p.def_simplify(_binary_simplifier())
floor_divide_p.def_simplify(_binary_simplifier())


def rem(x, y):
    """`np.remainder(x, y)`: the result has the sign of `y`."""
    return rem_p.bind(x, y)


def floor_divide(x, y):
    return floor_divide_p.bind(x, y)


# --------------------------------------------------------------------------- pow, atan2


def _replace_zero(x):
    """`x` with its zeros replaced by ones."""
    aval = core.get_aval(x)
    return select(eq(x, _scalar(0, x)), np.ones(aval.shape, aval.dtype), x)


def _pow_jvp_x(t, x, y, out):
    # d pow = y x^(y-1) dx, which is 0 where y == 0 (as JAX): computing x^(1-1) there instead
    # of x^(0-1) keeps x == 0 from giving 0 * inf.
    return mul(t, mul(y, pow(x, sub(_replace_zero(y), _scalar(1, y)))))


def _pow_jvp_y(t, x, y, out):
    # d pow = log(x) x^y dy, with log(x) replaced by log(1) = 0 where x == 0 (as JAX), so that
    # pow(0., y) has a finite derivative in y.
    return mul(t, mul(out, log(_replace_zero(x))))


pow_p = binary("pow", np.power, (_pow_jvp_x, _pow_jvp_y))


def _atan2_jvp_x(t, x, y, out):
    # d atan2(x, y) = (y dx - x dy) / (x^2 + y^2)
    return mul(t, div(y, add(mul(x, x), mul(y, y))))


def _atan2_jvp_y(t, x, y, out):
    return neg(mul(t, div(x, add(mul(x, x), mul(y, y)))))


atan2_p = binary("atan2", np.arctan2, (_atan2_jvp_x, _atan2_jvp_y))


def _logaddexp_weight(x, out):
    # d logaddexp(x1, x2) = exp(x1 - out) dx1 + exp(x2 - out) dx2: smooth at x1 == x2, so
    # every order is right there. Where x - out is not finite (equal infinities), weight 0.
    d = sub(x, out)
    return select(is_finite(d), exp(d), _factories.zeros_like_aval(core.get_aval(d)))


logaddexp_p = binary("logaddexp", np.logaddexp,
                     (lambda t, x, y, out: mul(t, _logaddexp_weight(x, out)),
                      lambda t, x, y, out: mul(t, _logaddexp_weight(y, out))))
pow_p.def_simplify(_binary_simplifier())
atan2_p.def_simplify(_binary_simplifier())
logaddexp_p.def_simplify(_binary_simplifier())


def pow(x, y):
    """`np.power(x, y)` for float operands; see integer_pow for a Python int exponent."""
    return pow_p.bind(x, y)


def atan2(x, y):
    """`np.arctan2(x, y)`: the angle of the point (y, x)."""
    return atan2_p.bind(x, y)


def logaddexp(x, y):
    """`np.logaddexp(x, y)`: log(exp(x) + exp(y)) without overflow."""
    return logaddexp_p.bind(x, y)


# --------------------------------------------------------------------------- max, min


def _balanced_share(t, x, y, out):
    # The tangent of the operand equal to the result, halved on ties (JAX's rule):
    # d max = [x == out] / (1 + [y == out]) dx + (the same with x and y swapped) dy.
    dtype = core.get_aval(out).dtype
    is_x = convert_element_type(eq(x, out), dtype)
    is_y = convert_element_type(eq(y, out), dtype)
    return mul(t, div(is_x, add(is_y, _scalar(1, out))))


def _balanced_share_y(t, x, y, out):
    return _balanced_share(t, y, x, out)


max_p = binary("max", np.maximum, (_balanced_share, _balanced_share_y), kinds="fiub")
min_p = binary("min", np.minimum, (_balanced_share, _balanced_share_y), kinds="fiub")
max_p.def_simplify(_binary_simplifier())
min_p.def_simplify(_binary_simplifier())


def max(x, y):
    """`np.maximum(x, y)`: NaN propagates."""
    return max_p.bind(x, y)


def min(x, y):
    """`np.minimum(x, y)`: NaN propagates."""
    return min_p.bind(x, y)


# --------------------------------------------------------------------------- comparisons, logic

eq_p = binary("eq", np.equal, kinds="fiub", out_dtype=dtypes.bool_)
ne_p = binary("ne", np.not_equal, kinds="fiub", out_dtype=dtypes.bool_)
lt_p = binary("lt", np.less, kinds="fiub", out_dtype=dtypes.bool_)
le_p = binary("le", np.less_equal, kinds="fiub", out_dtype=dtypes.bool_)
gt_p = binary("gt", np.greater, kinds="fiub", out_dtype=dtypes.bool_)
ge_p = binary("ge", np.greater_equal, kinds="fiub", out_dtype=dtypes.bool_)
# The bitwise ufuncs are the logical operations on bool.
and_p = binary("and", np.bitwise_and, kinds="biu")
or_p = binary("or", np.bitwise_or, kinds="biu")
xor_p = binary("xor", np.bitwise_xor, kinds="biu")
for _p in (eq_p, ne_p, lt_p, le_p, gt_p, ge_p, and_p, or_p, xor_p):
    _p.def_simplify(_binary_simplifier())


def eq(x, y):
    return eq_p.bind(x, y)


def ne(x, y):
    return ne_p.bind(x, y)


def lt(x, y):
    return lt_p.bind(x, y)


def le(x, y):
    return le_p.bind(x, y)


def gt(x, y):
    return gt_p.bind(x, y)


def ge(x, y):
    return ge_p.bind(x, y)


def and_(x, y):
    """Logical and for bool, bitwise for integers."""
    return and_p.bind(x, y)


def or_(x, y):
    """Logical or for bool, bitwise for integers."""
    return or_p.bind(x, y)


def xor(x, y):
    """Logical xor for bool, bitwise for integers."""
    return xor_p.bind(x, y)


# --------------------------------------------------------------------------- select

select_p = core.Primitive("select")
select_p.def_impl(np.where)


@select_p.def_abstract_eval
def _select_abstract_eval(pred, on_true, on_false):
    if pred.dtype != dtypes.bool_:
        raise _factories.shape_error("select", f"pred must be bool, got {pred.dtype.name}; "
                                     "compare with eq/ne/lt/... first", pred, on_true, on_false)
    if not on_true.same_type(on_false):
        raise _factories.shape_error(
            "select", "on_true and on_false must have the same shape and dtype; use "
            "functrans.numpy.where, which broadcasts and promotes", pred, on_true, on_false)
    if pred.shape not in ((), on_true.shape):
        raise _factories.shape_error(
            "select", "pred must be rank-0 or have the shape of on_true and on_false; use "
            "functrans.numpy.where, which broadcasts", pred, on_true, on_false)
    return on_true.update(weak_type=on_true.weak_type and on_false.weak_type)


@select_p.def_jvp
def _select_jvp(primals, tangents):
    pred, on_true, on_false = primals
    _, t_true, t_false = tangents
    out = select(pred, on_true, on_false)
    # Called only when one case has a tangent; the other case's zero must then be concrete.
    return out, select(pred, core.instantiate(t_true), core.instantiate(t_false))


@select_p.def_transpose
def _select_transpose(ct, pred, on_true, on_false):
    if isinstance(pred, UndefPrimal):
        raise NotImplementedError("transpose of select: pred is not a linear input "
                                  "(a bug in linearization)")
    zeros = _factories.zeros_like_aval(core.get_aval(ct))
    ct_true = select(pred, ct, zeros) if isinstance(on_true, UndefPrimal) else None
    ct_false = select(pred, zeros, ct) if isinstance(on_false, UndefPrimal) else None
    return None, ct_true, ct_false


_select_batch_elementwise = _factories.elementwise_batcher(select_p)


@select_p.def_batch
def _select_batch(args, dims, *, axis_size):
    # A rank-0 pred stands beside any case shape, as an elementwise operand does; but the
    # cases share one type, so an unbatched rank-0 case gets the batch axis first.
    args, dims = list(args), list(dims)
    for i in (1, 2):
        if dims[i] is None and core.get_aval(args[i]).ndim == 0:
            args[i] = _factories.bdim_at_front(args[i], None, axis_size)
            dims[i] = 0
    return _select_batch_elementwise(args, dims, axis_size=axis_size)


@select_p.def_simplify
def _select_simplify(eqn, ctx):
    pred, on_true, on_false = eqn.invars
    if on_true is on_false:
        return [on_true]
    p = ctx.scalar(pred)   # a constant predicate, the same everywhere
    if p is not None:
        return [on_true if p else on_false]
    return None


def select(pred, on_true, on_false):
    """`np.where(pred, on_true, on_false)`; pred is bool, rank-0 or of the cases' shape."""
    return select_p.bind(pred, on_true, on_false)


# --------------------------------------------------------------------------- convert_element_type

convert_element_type_p = core.Primitive("convert_element_type")


@convert_element_type_p.def_impl
def _convert_element_type_impl(x, *, new_dtype, weak_type):
    return np.asarray(x).astype(new_dtype)


@convert_element_type_p.def_abstract_eval
def _convert_element_type_abstract_eval(x, *, new_dtype, weak_type):
    if not isinstance(new_dtype, np.dtype):
        raise errors.FunctransTypeError(
            f"convert_element_type: new_dtype must be a np.dtype, got {new_dtype!r}; use the "
            "convert_element_type wrapper, which normalizes it")
    return ir.ShapedArray(x.shape, new_dtype, bool(weak_type))


def _float_to_float(x_aval, new_dtype) -> bool:
    return dtypes.is_differentiable(x_aval.dtype) and dtypes.is_differentiable(new_dtype)


@convert_element_type_p.def_jvp
def _convert_element_type_jvp(primals, tangents, *, new_dtype, weak_type):
    (x,), (t,) = primals, tangents
    out = convert_element_type(x, new_dtype, weak_type)
    # Linear between float dtypes; an integer or bool result carries no tangent.
    if not _float_to_float(core.get_aval(x), new_dtype):
        return out, Zero(core.get_aval(out))
    return out, convert_element_type(t, new_dtype, weak_type)


@convert_element_type_p.def_transpose
def _convert_element_type_transpose(ct, x, *, new_dtype, weak_type):
    if not _float_to_float(x.aval, new_dtype):
        return (Zero(x.aval),)
    return (convert_element_type(ct, x.aval.dtype, x.aval.weak_type),)


@convert_element_type_p.def_batch
def _convert_element_type_batch(args, dims, *, axis_size, new_dtype, weak_type):
    return convert_element_type(args[0], new_dtype, weak_type), dims[0]


@convert_element_type_p.def_simplify
def _convert_element_type_simplify(eqn, ctx):
    x = eqn.invars[0]
    return [x] if x.aval.dtype == eqn.params["new_dtype"] else None


def convert_element_type(x, new_dtype, weak_type=False):
    """`x` cast to `new_dtype` (NumPy's `astype`); returns `x` itself when nothing changes."""
    new_dtype = np.dtype(new_dtype)
    weak_type = bool(weak_type)
    aval = core.get_aval(x)
    if aval.dtype == new_dtype and aval.weak_type == weak_type:
        return x
    return convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type)


# --------------------------------------------------------------------------- stop_gradient

stop_gradient_p = core.Primitive("stop_gradient")
stop_gradient_p.def_impl(lambda x: x)
stop_gradient_p.def_abstract_eval(lambda x: x)
stop_gradient_p.def_nondifferentiable()
# Bind again on the batched value so the gradient stays stopped after vmap.
stop_gradient_p.def_batch(lambda args, dims, *, axis_size: (stop_gradient(args[0]), dims[0]))


def stop_gradient(x):
    """`x` unchanged; its tangent is a symbolic zero, so no derivative flows through it."""
    return stop_gradient_p.bind(x)
