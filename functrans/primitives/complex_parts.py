"""Primitives between complex values and their real parts: real, imag, conj and complex.

All four are linear over the reals, so each has a JVP that applies it to the tangent and a
transpose. The transposes are the plain (unconjugated) ones of JAX: with the pairing
`<a, b> = Re(sum(a * b))` (no conjugate), `Re(<ct, L t>) = Re(<L^T ct, t>)` for each map L:

  real:    L t = Re t            L^T c = c + 0j
  imag:    L t = Im t            L^T c = -i c          (Re(c Im t) = Re(-i c t))
  conj:    L t = conj t          L^T c = conj c
  complex: L (tx, ty) = tx + i ty   L^T c = (Re c, -Im c)

so that `vjp`, and `grad` of a real-valued function of complex inputs, return what JAX
returns (the conjugate of the gradient, see docs/design.md "Complex derivatives").
Does not own the elementwise arithmetic that accepts complex operands (`elementwise.py`,
`transcendental.py`) nor `abs` of a complex value (`transcendental.py`).
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, dtypes, ir
from functrans.primitives import _helpers, elementwise

UndefPrimal = ir.UndefPrimal


def _part_abstract_eval(name: str):
    def abstract_eval(x):
        _helpers.check_kind(name, x, "c")
        return ir.ShapedArray(x.shape, dtypes.real_dtype(x.dtype), x.weak_type)
    return abstract_eval


def _unary_batch(prim: core.Primitive):
    return lambda args, dims, *, axis_size: (prim.bind(*args), dims[0])


def _define_unary(name: str, impl, abstract_eval) -> core.Primitive:
    prim = core.Primitive(name)
    # np.real / np.imag return views of their operand: copies keep values immutable.
    prim.def_impl(impl)
    prim.def_abstract_eval(abstract_eval)
    prim.def_linear()
    prim.def_batch(_unary_batch(prim))
    prim.def_flops(_helpers.output_size)
    return prim


real_p = _define_unary("real", lambda x: backend.array(np.real(x)), _part_abstract_eval("real"))
imag_p = _define_unary("imag", lambda x: backend.array(np.imag(x)), _part_abstract_eval("imag"))


def _conj_abstract_eval(x):
    _helpers.check_kind("conj", x, "c")
    return x


conj_p = _define_unary("conj", np.conjugate, _conj_abstract_eval)


@real_p.def_transpose
def _real_transpose(ct, x):
    # Re(c Re t) = Re((c + 0j) t) for real c.
    return (elementwise.convert_element_type(ct, x.aval.dtype, x.aval.weak_type),)


@imag_p.def_transpose
def _imag_transpose(ct, x):
    # Re(c Im t) = Re(-i c t) for real c.
    return (complex_(elementwise.full(core.get_aval(ct).shape, 0, core.get_aval(ct).dtype),
                     elementwise.neg(ct)),)


@conj_p.def_transpose
def _conj_transpose(ct, x):
    # Re(c conj t) = Re(conj(c) t).
    return (conj(ct),)


@conj_p.def_simplify
def _conj_simplify(eqn, ctx):
    # conj(conj z) = z, bit for bit.
    d = ctx.definition(eqn.invars[0])
    if d is not None and d.primitive is conj_p:
        return [d.invars[0]]
    return None


def real(x):
    """The real part of a complex `x` (JAX's `lax.real`): one `real` primitive.

    Args:
      x: a complex64 or complex128 array or traced value.

    Returns:
      A float32 or float64 array of x's shape. Its transpose maps `c` to `c + 0j`.

    Example:
      >>> import numpy as np, functrans.lax as lax
      >>> lax.real(np.array([1 + 2j, 3 - 4j]))
      array([1., 3.])
    """
    return real_p.bind(x)


def imag(x):
    """The imaginary part of a complex `x` (JAX's `lax.imag`): one `imag` primitive.

    Args:
      x: a complex64 or complex128 array or traced value.

    Returns:
      A float32 or float64 array of x's shape. Its transpose maps `c` to `-1j * c`.

    Example:
      >>> import numpy as np, functrans.lax as lax
      >>> lax.imag(np.array([1 + 2j, 3 - 4j]))
      array([ 2., -4.])
    """
    return imag_p.bind(x)


def conj(x):
    """The complex conjugate of a complex `x` (JAX's `lax.conj`): one `conj` primitive.

    Args:
      x: a complex64 or complex128 array or traced value.

    Returns:
      `conj(x)`, of x's type. Its JVP is `conj(dz)` and its transpose `conj(c)`.

    Example:
      >>> import numpy as np, functrans.lax as lax
      >>> lax.conj(np.array([1 + 2j]))
      array([1.-2.j])
    """
    return conj_p.bind(x)


# --------------------------------------------------------------------------- complex

complex_p = core.Primitive("complex")
complex_p.def_linear()   # jointly in both parts
complex_p.def_flops(_helpers.output_size)


@complex_p.def_impl
def _complex_impl(x, y):
    # Not x + 1j * y: that turns an infinite imaginary part into nan + inf j.
    x, y = backend.asarray(x), backend.asarray(y)
    shape = np.broadcast_shapes(x.shape, y.shape)
    if backend.like() is not None:   # the same values, without assigning to .real/.imag
        return (backend.asarray(np.broadcast_to(x, shape), dtypes.complex_dtype(x.dtype))
                + backend.asarray(y, dtypes.complex_dtype(x.dtype)) * 1j)
    out = np.empty(shape, dtypes.complex_dtype(x.dtype))
    out.real = x
    out.imag = y
    return out


@complex_p.def_abstract_eval
def _complex_abstract_eval(x, y):
    _helpers.check_kind("complex", x, "f")
    if x.dtype != y.dtype:
        raise _helpers.shape_error("complex", "the real and imaginary parts must have the same "
                                   "floating dtype; convert_element_type one of them", x, y)
    shape = _helpers.elementwise_out_shape("complex", x, y)
    return ir.ShapedArray(shape, dtypes.complex_dtype(x.dtype), x.weak_type and y.weak_type)


@complex_p.def_transpose
def _complex_transpose(ct, x, y):
    # Re(c (tx + i ty)) = Re(c) tx - Im(c) ty.
    ct_x = elementwise.unbroadcast(real(ct), x.aval) if isinstance(x, UndefPrimal) else None
    ct_y = (elementwise.unbroadcast(elementwise.neg(imag(ct)), y.aval)
            if isinstance(y, UndefPrimal) else None)
    return ct_x, ct_y


complex_p.def_batch(elementwise.elementwise_batcher(complex_p))


def complex_(x, y):
    """`x + 1j * y` from its parts (JAX's `lax.complex`): one `complex` primitive.

    Args:
      x, y: floating arrays or traced values of one dtype and shape (or rank-0 beside any
        shape), as primitives are strict; float32 parts give complex64.

    Returns:
      The complex array. Unlike `x + 1j * y`, an infinite `y` gives an infinite imaginary
      part, not nan + inf j. Its transpose maps `c` to `(real(c), -imag(c))`.

    Example:
      >>> import numpy as np, functrans.lax as lax
      >>> lax.complex(np.array([1.0, 2.0]), np.array([0.5, -1.0]))
      array([1.+0.5j, 2.-1.j ])
    """
    return complex_p.bind(x, y)
