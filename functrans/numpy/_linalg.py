"""Products of `functrans.numpy`: dot, matmul, vdot, inner, outer, tensordot, einsum, trace.

Owns NumPy's product conventions lowered to the one contraction primitive, `dot_general`:
each product is at most a broadcast or transpose plus one `dot_general` per pair of operands.
Bool operands are contracted as integers and compared with 0 (NumPy's bool products are ORs
of ANDs). Does not own `functrans.numpy.linalg` (see `linalg/`) or the primitive's rules.
"""
from __future__ import annotations

import collections
import operator
import string

import numpy as np

from functrans import core, dtypes, errors
from functrans.numpy import _array, _reductions, _shape, _ufuncs, _util
from functrans.primitives import complex_parts, linalg
from functrans.primitives import shape as shape_prims

# The public names, re-exported by functrans.numpy.
__all__ = [
    "dot", "einsum", "inner", "matmul", "outer", "tensordot", "trace", "vdot"
]


def _operands(fname: str, *xs, dtype=None) -> list:
    """Array operands (Python scalars become arrays) of one dtype."""
    xs = [_util.as_array(x, fname) for x in xs]
    dtype = _util.check_dtype(dtype, fname)
    if dtype is not None:
        return [_util.convert(x, dtype) for x in xs]
    return _util.promote(*xs)[0]


def _contract(x, y, contract, batch=((), ())):
    """One `dot_general` of same-dtype operands; bools as int64 then `!= 0`."""
    if _util.aval(x).dtype.kind != "b":
        return linalg.dot_general(x, y, (contract, batch))
    x, y = _util.convert(x, dtypes.int_), _util.convert(y, dtypes.int_)
    return _ufuncs.not_equal(linalg.dot_general(x, y, (contract, batch)), 0)


def _check_sizes(fname: str, x, y, x_dims, y_dims) -> None:
    xs, ys = _util.aval(x).shape, _util.aval(y).shape
    for i, j in zip(x_dims, y_dims, strict=True):
        if xs[i] != ys[j]:
            raise errors.FunctransValueError(
                f"{fname}: shapes {xs} and {ys} not aligned: {xs[i]} (dim {i}) != {ys[j]} "
                f"(dim {j}).")


def _contract_checked(fname: str, x, y, x_dims, y_dims):
    _check_sizes(fname, x, y, x_dims, y_dims)
    return _contract(x, y, (tuple(x_dims), tuple(y_dims)))


def dot(a, b, out=None):
    """Dot product, as `numpy.dot`: for N-d `a` and M-d `b` (M >= 2), contract the last axis
    of `a` with the second-to-last of `b`; with a 1-d `b`, its only axis; scalars multiply.

    Args:
      a, b: arrays, traced values or Python scalars (promoted to one dtype).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      `a.shape[:-1] + b.shape[:-2] + b.shape[-1:]` (one `dot_general`).

    Example:
      >>> fnp.dot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
      array([3., 7.])
    """
    _util.check_unsupported("dot", out=out)
    a, b = _util.as_operand(a, "dot"), _util.as_operand(b, "dot")
    if _util.aval(a).ndim == 0 or _util.aval(b).ndim == 0:
        return _ufuncs.multiply(a, b)
    x, y = _operands("dot", a, b)
    y_ndim = _util.aval(y).ndim
    return _contract_checked("dot", x, y, [_util.aval(x).ndim - 1], [max(y_ndim - 2, 0)])


def matmul(x1, x2, /, out=None):
    """Matrix product, as `numpy.matmul` (the `@` operator).

    1-d operands are vectors (their axis removed from the result); axes before the last two
    are batch axes, broadcast by NumPy's rules.

    Args:
      x1, x2: arrays or traced values of rank >= 1 (promoted to one dtype).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      The product: one `dot_general`, after a `broadcast_in_dim` of an operand whose batch
      shape differs from the broadcast batch shape.

    Example:
      >>> fnp.matmul(np.ones((4, 2, 3)), np.ones((3, 5))).shape
      (4, 2, 5)
    """
    if out is None and _util.FAST_PATHS:
        dims = _fast_matmul_dims(x1, x2)
        if dims is not None:
            return linalg.dot_general_p.bind(x1, x2, dimension_numbers=dims)
    _util.check_unsupported("matmul", out=out)
    x, y = _operands("matmul", x1, x2)
    xs, ys = _util.aval(x).shape, _util.aval(y).shape
    for i, s in enumerate((xs, ys)):
        if not s:
            raise errors.FunctransValueError(
                f"matmul: operand {i} is a scalar (shape ()); matmul needs rank >= 1, use "
                "multiply for scalars.")
    if len(ys) <= 2:
        # x's last axis with y's first: the result is x's other axes then y's last.
        return _contract_checked("matmul", x, y, [len(xs) - 1], [0])
    if len(xs) == 1:
        return _contract_checked("matmul", x, y, [0], [len(ys) - 2])
    batch = _util.broadcast_shapes(xs[:-2], ys[:-2], fname="matmul")
    x = _util.broadcast_to_shape(x, batch + xs[-2:], "matmul")
    y = _util.broadcast_to_shape(y, batch + ys[-2:], "matmul")
    nb = len(batch)
    _check_sizes("matmul", x, y, [nb + 1], [nb])
    return _contract(x, y, ((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb))))


def _fast_matmul_dims(x1, x2):
    """The `dimension_numbers` `matmul` gives a 1-d or 2-d tracer or NumPy array beside
    another of the same (non-bool) dtype with aligned sizes, else None (general path)."""
    t1, t2 = type(x1), type(x2)
    if t1 is core.Tracer:
        a1 = x1._var.aval
    elif t1 is np.ndarray or t1 is _array.Array:
        a1 = x1
    else:
        return None
    if t2 is core.Tracer:
        a2 = x2._var.aval
        if t1 is core.Tracer and not (_util.plain_aval(a1) or _util.plain_aval(a2)):
            return None   # two weak values of a non-default dtype: promotion changes it
    elif t2 is np.ndarray or t2 is _array.Array:
        a2 = x2
    else:
        return None
    s1, s2 = a1.shape, a2.shape
    n1 = len(s1)
    if (a1.dtype != a2.dtype or a1.dtype.kind not in "iuf" or not 0 < n1 <= 2
            or not 0 < len(s2) <= 2 or s1[-1] != s2[0]):
        return None
    return ((n1 - 1,), (0,)), ((), ())


def vdot(a, b, /):
    """Dot product of the flattened arrays, as `numpy.vdot`: `a` is conjugated when complex.

    Args:
      a, b: arrays or traced values with the same number of elements.

    Returns:
      A scalar, `sum(conj(a) * b)`.

    Example:
      >>> fnp.vdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2)))
      array(10.)
    """
    x, y = _operands("vdot", a, b)
    if dtypes.is_complex(_util.aval(x).dtype):
        x = complex_parts.conj(x)
    return _contract_checked("vdot", _shape.ravel(x), _shape.ravel(y), [0], [0])


def inner(a, b, /):
    """Inner product over the last axes, as `numpy.inner`.

    Args:
      a, b: arrays, traced values or Python scalars (scalars multiply).

    Returns:
      `a.shape[:-1] + b.shape[:-1]` (one `dot_general`).

    Example:
      >>> fnp.inner(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
      array(11.)
    """
    a, b = _util.as_operand(a, "inner"), _util.as_operand(b, "inner")
    if _util.aval(a).ndim == 0 or _util.aval(b).ndim == 0:
        return _ufuncs.multiply(a, b)
    x, y = _operands("inner", a, b)
    return _contract_checked("inner", x, y, [_util.aval(x).ndim - 1], [_util.aval(y).ndim - 1])


def outer(a, b, out=None):
    """Outer product of the flattened arrays, as `numpy.outer`.

    Args:
      a, b: arrays, traced values or Python scalars.
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      An `(a.size, b.size)` array (one `dot_general` with nothing contracted).

    Example:
      >>> fnp.outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
      array([[ 1., 10.],
             [ 2., 20.]])
    """
    _util.check_unsupported("outer", out=out)
    x, y = _operands("outer", a, b)
    return _contract(_shape.ravel(x), _shape.ravel(y), ((), ()))


def tensordot(a, b, axes=2):
    """Contract `a` and `b` over the given axes, as `numpy.tensordot`.

    Args:
      a, b: arrays or traced values.
      axes: an int N (the last N axes of `a` with the first N of `b`) or a pair
        `(a_axes, b_axes)` of ints or sequences of ints.

    Returns:
      The free axes of `a` then those of `b` (one `dot_general`).

    Example:
      >>> fnp.tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5))).shape
      (2, 5)
    """
    x, y = _operands("tensordot", a, b)
    x_ndim, y_ndim = _util.aval(x).ndim, _util.aval(y).ndim
    if isinstance(axes, (int, np.integer)):
        n = operator.index(axes)
        if not 0 <= n <= min(x_ndim, y_ndim):
            raise errors.AxisError(
                f"tensordot: axes={n} is out of range for operands of rank {x_ndim} and "
                f"{y_ndim}.")
        x_axes, y_axes = list(range(x_ndim - n, x_ndim)), list(range(n))
    else:
        x_axes, y_axes = (list(ax) if isinstance(ax, (tuple, list)) else [ax] for ax in axes)
        if len(x_axes) != len(y_axes):
            raise errors.FunctransValueError(
                f"tensordot: axes {axes} must name as many axes of `a` as of `b`.")
    x_axes = [_util.canonicalize_axis(d, x_ndim, "tensordot", "axes") for d in x_axes]
    y_axes = [_util.canonicalize_axis(d, y_ndim, "tensordot", "axes") for d in y_axes]
    return _contract_checked("tensordot", x, y, x_axes, y_axes)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """Sum along a diagonal, as `numpy.trace`.

    Args:
      a: an array or traced value of rank >= 2.
      offset: diagonal offset (>0 above the main diagonal, <0 below).
      axis1, axis2: the axes of the 2-d planes.
      dtype: accumulation dtype; default NumPy's (bool and narrow ints give int64).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      The traces (`diagonal`, then a sum over its last axis).

    Example:
      >>> fnp.trace(np.arange(9).reshape(3, 3))
      array(12)
    """
    _util.check_unsupported("trace", out=out)
    diag = _shape.diagonal(a, offset, axis1, axis2)
    return _reductions.sum(diag, axis=-1, dtype=dtype)


# --------------------------------------------------------------------------- einsum

# Labels standing for the axes covered by an ellipsis: never valid user labels.
_ELLIPSIS_LABELS = "αβγδεζηθικλμνξοπρστυφχψω"


def einsum(subscripts, /, *operands, out=None, dtype=None, optimize=False):
    """Einstein summation, as `numpy.einsum` (implicit and explicit `->` forms, `...`).

    Lowering: per operand, diagonals of repeated labels (reshape + strided slice) and sums
    of labels no one else uses; then the operands are contracted left to right, one
    `dot_general` per pair (shared labels still needed later are batch axes); finally one
    transpose into the output order. Size-1 axes broadcast against other operands.

    Args:
      subscripts: e.g. 'ij,jk->ik', 'ii', '...ij,...jk'.
      *operands: arrays or traced values (promoted to one dtype).
      dtype: compute in this dtype (default: promotion).
      optimize: ignored (the order is always left to right).
      out: not supported; giving it raises FunctransTypeError.

    Returns:
      The result.

    Example:
      >>> fnp.einsum('ij,jk->ik', np.ones((2, 3)), np.ones((3, 4))).shape
      (2, 4)

    Difference from NumPy: only the subscripts-string form (not the interleaved one).
    """
    _util.check_unsupported("einsum", out=out)
    if not isinstance(subscripts, str):
        raise errors.FunctransTypeError(
            "einsum: pass the subscripts as a string, e.g. einsum('ij,jk->ik', a, b); the "
            "interleaved (operand, sublist) form is not supported.")
    ops = _operands("einsum", *operands, dtype=dtype)
    is_bool = bool(ops) and _util.aval(ops[0]).dtype.kind == "b"
    if is_bool:
        ops = [_util.convert(x, dtypes.int_) for x in ops]
    specs, out_spec = _parse_einsum(subscripts, [_util.aval(x).shape for x in ops])
    ops, specs = _squeeze_broadcast(ops, specs)
    result = _einsum_contract(ops, specs, out_spec)
    return _ufuncs.not_equal(result, 0) if is_bool else result


def _parse_einsum(subscripts: str, shapes) -> tuple[list[str], str]:
    """The input label strings (ellipses expanded) and the output labels."""
    lhs, arrow, rhs = subscripts.replace(" ", "").partition("->")
    specs = lhs.split(",")
    if len(specs) != len(shapes):
        raise errors.FunctransValueError(
            f"einsum: subscripts '{subscripts}' name {len(specs)} operands, got {len(shapes)}.")
    n_ell = max([len(s) - len(spec) + 3 for spec, s in zip(specs, shapes, strict=True)
                 if "..." in spec], default=0)
    ell = _ELLIPSIS_LABELS[:n_ell]
    expanded = []
    for i, (spec, shape) in enumerate(zip(specs, shapes, strict=True)):
        if "..." in spec:
            k = len(shape) - len(spec) + 3
            spec = spec.replace("...", ell[n_ell - k:] if k > 0 else "", 1)
        if len(spec) != len(shape) or any(c not in string.ascii_letters + ell for c in spec):
            raise errors.FunctransValueError(
                f"einsum: operand {i} has shape {shape}, which subscripts '{specs[i]}' do not "
                "fit (one letter a-z/A-Z per axis, at most one '...').")
        expanded.append(spec)
    if not arrow:
        counts = collections.Counter("".join(expanded))
        return expanded, ell + "".join(sorted(c for c, n in counts.items()
                                                  if n == 1 and c not in ell))
    if n_ell and "..." not in rhs:
        raise errors.FunctransValueError(
            f"einsum: the output of '{subscripts}' has no '...' for the ellipsis axes of the "
            "operands; add '...' to the output or sum those axes explicitly.")
    rhs = rhs.replace("...", ell)
    used = set("".join(expanded))
    if len(set(rhs)) != len(rhs) or any(c not in used for c in rhs):
        raise errors.FunctransValueError(
            f"einsum: output subscripts of '{subscripts}' must be distinct labels that appear "
            "in the inputs.")
    return expanded, rhs


def _squeeze_broadcast(ops, specs):
    """Check label sizes; size-1 axes of labels that are larger elsewhere are dropped (a
    label absent from an operand broadcasts against it, which is NumPy's size-1 rule)."""
    sizes: dict[str, int] = {}
    for spec, x in zip(specs, ops, strict=True):
        for label, n in zip(spec, _util.aval(x).shape, strict=True):
            if sizes.get(label, 1) == 1:
                sizes[label] = n
            elif n not in (1, sizes[label]):
                raise errors.FunctransValueError(
                    f"einsum: label '{label}' has sizes {sizes[label]} and {n} in different "
                    "operands.")
    new_ops, new_specs = [], []
    for spec, x in zip(specs, ops, strict=True):
        shape = _util.aval(x).shape
        keep = [d for d, (c, n) in enumerate(zip(spec, shape, strict=True))
                if n == sizes[c]]
        if len(keep) != len(spec):
            x = _shape.reshape(x, tuple(shape[d] for d in keep))
            spec = "".join(spec[d] for d in keep)
        new_ops.append(x)
        new_specs.append(spec)
    return new_ops, new_specs


def _take_diagonals(x, spec: str):
    """Repeated labels of one operand (as in 'ii') reduced to their diagonal."""
    for label in spec:
        while spec.count(label) > 1:
            i = spec.index(label)
            j = spec.index(label, i + 1)
            x = _shape.diagonal(x, 0, i, j)
            spec = "".join(c for d, c in enumerate(spec) if d not in (i, j)) + label
    return x, spec


def _sum_labels(x, spec: str, keep):
    """Sum over the axes whose labels are not in `keep`."""
    axes = tuple(d for d, c in enumerate(spec) if c not in keep)
    if not axes:
        return x, spec
    return shape_prims.reduce_sum(x, axes), "".join(c for c in spec if c in keep)


def _einsum_contract(ops, specs, out_spec: str):
    prepared = []
    for i, (x, spec) in enumerate(zip(ops, specs, strict=True)):
        others = set(out_spec).union(*(s for j, s in enumerate(specs) if j != i))
        prepared.append(_sum_labels(*_take_diagonals(x, spec), others))
    x, spec = prepared[0]
    for i in range(1, len(prepared)):
        y, y_spec = prepared[i]
        later = set(out_spec).union(*specs[i + 1:])
        x, spec = _sum_labels(x, spec, later | set(y_spec))
        y, y_spec = _sum_labels(y, y_spec, later | set(spec))
        shared = [c for c in spec if c in y_spec]
        batch = [c for c in shared if c in later]
        contract = [c for c in shared if c not in later]
        dims = ((tuple(spec.index(c) for c in contract), tuple(y_spec.index(c) for c in contract)),
                (tuple(spec.index(c) for c in batch), tuple(y_spec.index(c) for c in batch)))
        x = linalg.dot_general(x, y, dims)
        spec = ("".join(batch) + "".join(c for c in spec if c not in shared)
                + "".join(c for c in y_spec if c not in shared))
    x, spec = _sum_labels(x, spec, set(out_spec))
    return _shape.transpose(x, [spec.index(c) for c in out_spec])
