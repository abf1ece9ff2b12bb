"""Elementwise primitives every rule builds on, and the factories of all elementwise primitives.

Owns: `unary_elementwise` / `binary_elementwise` (a whole elementwise primitive from one
call: impl, shape rule, JVP, batching, FLOPs), the tangent and batching helpers they share,
and the primitives neg, add, sub, mul, div, integer_pow, select, convert_element_type and
stop_gradient, each with all of its rules; also the helper `full`.
Comparisons, logic and rounding are in `comparison.py`, exp/log/trigonometric functions in
`transcendental.py`; both are made by the factories here.

Operands of one primitive share a dtype and a shape, except that a rank-0 operand may stand
beside any shape (see docs/primitives.md). Nothing here broadcasts or promotes beyond that:
`functrans.numpy` does. Every JVP is written with primitive wrappers (never Python
operators), so the same rule runs eagerly on NumPy values and while tracing.
"""
from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np

from functrans import backend, core, dtypes, errors, ir
from functrans.primitives import _helpers
from functrans.primitives import shape as shape_prims

Zero = ir.Zero
UndefPrimal = ir.UndefPrimal


def scalar_like(value, like):
    """The Python number `value` as a rank-0 constant of `like`'s dtype (primitives are strict)."""
    return core.get_aval(like).dtype.type(value)


# --------------------------------------------------------------------------- tangent helpers


def add_tangents(a, b):
    """Sum of two tangents either of which may be a symbolic Zero."""
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    return add(a, b)


def broadcast_to_aval(x, aval: ir.ShapedArray):
    """A rank-0 `x` broadcast to `aval`'s shape (elementwise ops allow rank-0 operands)."""
    if core.get_aval(x).shape == aval.shape:
        return x
    return shape_prims.broadcast_in_dim(x, aval.shape, ())


def unbroadcast(ct, aval: ir.ShapedArray):
    """The cotangent of a rank-0 operand that was broadcast in an elementwise op: a sum."""
    ct_aval = core.get_aval(ct)
    if ct_aval.shape == aval.shape:
        return ct
    return shape_prims.reduce_sum(ct, tuple(range(ct_aval.ndim)))


# --------------------------------------------------------------------------- batching


def elementwise_batcher(prim: core.Primitive) -> Callable:
    """Batching for elementwise primitives: line up batch axes, broadcast what is unbatched."""

    def batch(args, dims, *, axis_size, **params):
        avals = [core.get_aval(x) for x in args]
        rank = max(a.ndim - (d is not None) for a, d in zip(avals, dims, strict=True))
        batched = [(a, d) for a, d in zip(avals, dims, strict=True) if d is not None]
        first_dim = batched[0][1]
        same = all(d == first_dim and a.ndim == rank + 1 for a, d in batched)
        if same:
            # Common case: every batched operand is full rank with the batch axis in one place.
            out_shape = batched[0][0].shape
            new = []
            for x, a, d in zip(args, avals, dims, strict=True):
                if d is None and a.ndim > 0:
                    keep = tuple(i for i in range(rank + 1) if i != first_dim)
                    x = shape_prims.broadcast_in_dim(x, out_shape, keep)
                new.append(x)
            return prim.bind(*new, **params), first_dim
        # General case: batch axes to the front, then broadcast what does not fit.
        core_shape = next(
            tuple(n for i, n in enumerate(a.shape) if i != d)
            for a, d in zip(avals, dims, strict=True) if a.ndim - (d is not None) == rank)
        out_shape = (axis_size, *core_shape)
        new = []
        for x, a, d in zip(args, avals, dims, strict=True):
            if d is not None:
                x = shape_prims.moveaxis(x, d, 0)
                if a.ndim == 1 and rank > 0:
                    x = shape_prims.broadcast_in_dim(x, out_shape, (0,))
            elif a.ndim > 0:
                x = shape_prims.broadcast_in_dim(x, out_shape, tuple(range(1, rank + 1)))
            new.append(x)
        return prim.bind(*new, **params), 0

    return batch


# --------------------------------------------------------------------------- factories


def unary_elementwise(name: str, impl: Callable, jvp: Callable | None = None, *,
                      kinds: str = "f", out_dtype: np.dtype | None = None,
                      differentiable: bool = True) -> core.Primitive:
    """An elementwise primitive of one operand.

    Args:
      name: what the IR prints.
      impl: the NumPy function.
      jvp: `jvp(t, x, out) -> tangent of out`, written with primitive wrappers; `t` is never a
        symbolic Zero here. Omit with `differentiable=False` for piecewise-constant ops.
      kinds: dtype kinds the operand may have ("f" floats, "i" ints, "b" bool, "u" unsigned).
      out_dtype: fixed output dtype (e.g. bool for `is_finite`); default: the operand's.
    """
    prim = core.Primitive(name)
    prim.def_impl(impl)

    def abstract_eval(x):
        _helpers.check_kind(name, x, kinds)
        if out_dtype is not None:
            return ir.ShapedArray(x.shape, out_dtype)
        return x

    prim.def_abstract_eval(abstract_eval)
    if differentiable and jvp is not None:
        def jvp_rule(primals, tangents):
            (x,), (t,) = primals, tangents
            out = prim.bind(x)
            return out, jvp(t, x, out)
        prim.def_jvp(jvp_rule)
    else:
        prim.def_nondifferentiable()
    prim.def_batch(lambda args, dims, *, axis_size: (prim.bind(*args), dims[0]))
    prim.def_flops(_helpers.output_size)
    return prim


def binary_elementwise(name: str, impl: Callable, jvps: tuple | None = None, *,
                       kinds: str = "f", out_dtype: np.dtype | None = None) -> core.Primitive:
    """An elementwise primitive of two operands of one dtype (a rank-0 operand broadcasts).

    Args:
      jvps: `(jvp_x, jvp_y)`, each `jvp_i(t, x, y, out) -> contribution to the tangent of out`
        for the tangent `t` of operand i, or None when that operand's contribution is zero.
        Omit `jvps` for a non-differentiable op (comparisons, integer ops).
    """
    prim = core.Primitive(name)
    prim.def_impl(impl)

    def abstract_eval(x, y):
        if out_dtype is None and x.dtype is y.dtype and x.weak_type == y.weak_type \
                and x.dtype.kind in kinds:
            # The common case, without building a new type: equal types, or a rank-0 operand.
            if x.shape == y.shape or not y.shape:
                return x
            if not x.shape:
                return y
        _helpers.check_kind(name, x, kinds)
        if x.dtype != y.dtype:
            raise _helpers.shape_error(name, "operands must have the same dtype; use "
                                      "functrans.numpy, which promotes, or "
                                      "convert_element_type", x, y)
        shape = _helpers.elementwise_out_shape(name, x, y)
        dtype = x.dtype if out_dtype is None else out_dtype
        return ir.ShapedArray(shape, dtype, x.weak_type and y.weak_type and out_dtype is None)

    prim.def_abstract_eval(abstract_eval)
    if jvps is not None:
        def jvp_rule(primals, tangents):
            x, y = primals
            out = prim.bind(x, y)
            out_aval = core.get_aval(out)
            t_out = Zero(out_aval)
            for t, rule in zip(tangents, jvps, strict=True):
                if rule is not None and not isinstance(t, Zero):
                    t_out = add_tangents(t_out, broadcast_to_aval(rule(t, x, y, out), out_aval))
            return out, t_out
        prim.def_jvp(jvp_rule)
    else:
        prim.def_nondifferentiable()
    prim.def_batch(elementwise_batcher(prim))
    prim.def_flops(_helpers.output_size)
    return prim


# --------------------------------------------------------------------------- neg

# Linear: def_linear makes the JVP neg applied to the tangent.
neg_p = unary_elementwise("neg", np.negative, kinds="fiuc")
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


# --------------------------------------------------------------------------- integer_pow

integer_pow_p = core.Primitive("integer_pow")   # y: a Python int


@integer_pow_p.def_impl
def _integer_pow_impl(x, *, y):
    # A Python int exponent is weak (NEP 50), so float32 ** 2 stays float32.
    return np.power(x, y)


@integer_pow_p.def_abstract_eval
def _integer_pow_abstract_eval(x, *, y):
    _helpers.check_kind("integer_pow", x, "fiuc")
    if not isinstance(y, int) or isinstance(y, bool):
        raise errors.FunctransTypeError(
            f"integer_pow: exponent y must be a Python int, got {type(y).__name__}; use pow "
            "for array or float exponents.")
    if y < 0 and x.dtype.kind not in "fc":
        raise _helpers.shape_error(
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
    return out, mul(t, mul(scalar_like(y, x), x_pow))


integer_pow_p.def_batch(lambda args, dims, *, axis_size, y: (integer_pow(args[0], y), dims[0]))
integer_pow_p.def_flops(_helpers.output_size)


@integer_pow_p.def_simplify
def _integer_pow_simplify(eqn, ctx):
    return [eqn.invars[0]] if eqn.params["y"] == 1 else None


def integer_pow(x, y):
    """`x ** y` for a Python int `y` (results equal NumPy's)."""
    return integer_pow_p.bind(x, y=operator.index(y))


# --------------------------------------------------------------------------- add, sub, mul, div


def _add_transpose(ct, x, y):
    return tuple(unbroadcast(ct, a.aval) if isinstance(a, UndefPrimal) else None
                 for a in (x, y))


def _sub_transpose(ct, x, y):
    ct_x = unbroadcast(ct, x.aval) if isinstance(x, UndefPrimal) else None
    ct_y = neg(unbroadcast(ct, y.aval)) if isinstance(y, UndefPrimal) else None
    return ct_x, ct_y


def _mul_transpose(ct, x, y):
    # mul is linear in one operand when the other is a known value.
    if isinstance(x, UndefPrimal) and isinstance(y, UndefPrimal):
        raise NotImplementedError("transpose of mul: both operands are linear inputs, so the "
                                  "product is not linear in them (a bug in linearization)")
    if isinstance(x, UndefPrimal):
        return unbroadcast(mul(ct, y), x.aval), None
    return None, unbroadcast(mul(x, ct), y.aval)


def _div_transpose(ct, x, y):
    if isinstance(y, UndefPrimal):
        raise NotImplementedError("transpose of div: the denominator is not a linear input "
                                  "(a bug in linearization)")
    return unbroadcast(div(ct, y), x.aval), None


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
    return d.invars[0] if d.primitive is shape_prims.broadcast_in_dim_p else None


def binary_simplifier(identities=None):
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
add_p = binary_elementwise("add", np.add, (lambda t, x, y, out: t, lambda t, x, y, out: t),
                           kinds="fiuc")
add_p.commutative = True   # CSE merges `add a b` with `add b a` (exact)
add_p.def_linear_in((0, 1))   # jointly; its own JVP keeps symbolic zeros
add_p.def_transpose(_add_transpose)
add_p.def_simplify(binary_simplifier(_add_identities))
# d (x - y) = dx - dy
sub_p = binary_elementwise("sub", np.subtract,
                           (lambda t, x, y, out: t, lambda t, x, y, out: neg(t)), kinds="fiuc")
sub_p.def_linear_in((0, 1))
sub_p.def_transpose(_sub_transpose)
sub_p.def_simplify(binary_simplifier(_sub_identities))
# d (x y) = y dx + x dy
mul_p = binary_elementwise("mul", np.multiply,
                           (lambda t, x, y, out: mul(t, y), lambda t, x, y, out: mul(x, t)),
                           kinds="fiuc")
mul_p.commutative = True   # CSE merges `mul a b` with `mul b a` (exact)
mul_p.def_linear_in((0,), (1,))   # bilinear: in each operand given the other
mul_p.def_transpose(_mul_transpose)
mul_p.def_simplify(binary_simplifier(_mul_identities))
# d (x / y) = dx / y - (x / y) dy / y
div_p = binary_elementwise("div", np.true_divide,
                           (lambda t, x, y, out: div(t, y),
                            lambda t, x, y, out: neg(mul(t, div(out, y)))), kinds="fc")
div_p.def_linear_in((0,))   # in the numerator
div_p.def_transpose(_div_transpose)
div_p.def_simplify(binary_simplifier(_div_identities))


def add(x, y):
    return add_p.bind(x, y)


def sub(x, y):
    return sub_p.bind(x, y)


def mul(x, y):
    return mul_p.bind(x, y)


def div(x, y):
    """True division (floats only)."""
    return div_p.bind(x, y)


# --------------------------------------------------------------------------- select

select_p = core.Primitive("select")
select_p.def_impl(np.where)
select_p.def_linear_in((1, 2))   # in the two cases, not in the predicate
select_p.def_flops(_helpers.output_size)


@select_p.def_abstract_eval
def _select_abstract_eval(pred, on_true, on_false):
    if pred.dtype != dtypes.bool_:
        raise _helpers.shape_error("select", f"pred must be bool, got {pred.dtype.name}; "
                                     "compare with eq/ne/lt/... first", pred, on_true, on_false)
    if not on_true.same_type(on_false):
        raise _helpers.shape_error(
            "select", "on_true and on_false must have the same shape and dtype; use "
            "functrans.numpy.where, which broadcasts and promotes", pred, on_true, on_false)
    if pred.shape not in ((), on_true.shape):
        raise _helpers.shape_error(
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
    zeros = _helpers.zeros_like_aval(core.get_aval(ct))
    ct_true = select(pred, ct, zeros) if isinstance(on_true, UndefPrimal) else None
    ct_false = select(pred, zeros, ct) if isinstance(on_false, UndefPrimal) else None
    return None, ct_true, ct_false


_select_batch_elementwise = elementwise_batcher(select_p)


@select_p.def_batch
def _select_batch(args, dims, *, axis_size):
    # A rank-0 pred stands beside any case shape, as an elementwise operand does; but the
    # cases share one type, so an unbatched rank-0 case gets the batch axis first.
    args, dims = list(args), list(dims)
    for i in (1, 2):
        if dims[i] is None and core.get_aval(args[i]).ndim == 0:
            args[i] = shape_prims.bdim_at_front(args[i], None, axis_size)
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
convert_element_type_p.def_linear_in((0,))   # between float dtypes (else a zero tangent)
convert_element_type_p.def_flops(_helpers.output_size)


@convert_element_type_p.def_impl
def _convert_element_type_impl(x, *, new_dtype, weak_type):
    x = backend.asarray(x)
    if x.dtype.kind == "c" and new_dtype.kind != "c":
        # Complex to real keeps the real part (as NumPy, without its ComplexWarning; as JAX).
        x = np.real(x)
    return x.astype(new_dtype)


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
stop_gradient_p.def_flops(_helpers.output_size)
# Bind again on the batched value so the gradient stays stopped after vmap.
stop_gradient_p.def_batch(lambda args, dims, *, axis_size: (stop_gradient(args[0]), dims[0]))


def stop_gradient(x):
    """`x` unchanged; its tangent is a symbolic zero, so no derivative flows through it."""
    return stop_gradient_p.bind(x)


# --------------------------------------------------------------------------- full


def full(shape, value, dtype=None):
    """An array of `shape` filled with the scalar `value` (which may be traced).

    `dtype=None` keeps the dtype of `value`; a traced `value` of another dtype is converted.
    """
    shape = _helpers.ints(shape, "shape", "full")
    if isinstance(value, core.Tracer):
        if value.ndim != 0:
            raise _helpers.shape_error("full", "the fill value must be rank-0", value.aval)
        if dtype is not None and np.dtype(dtype) != value.dtype:
            value = convert_element_type(value, np.dtype(dtype))
    else:
        value = backend.asarray(value, dtype)
        if value.ndim != 0:
            raise _helpers.shape_error("full", "the fill value must be rank-0",
                                       core.get_aval(value))
    return shape_prims.broadcast_in_dim(value, shape, ())
