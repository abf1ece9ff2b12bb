"""`identity_basis`: the standard basis that `jacfwd` and `jacrev` push through a program.

Owns: `identity_basis_p`, its wrapper, and the recognition of *structural diagonals* that the
`dot_general` simplify hook uses (`diagonal`, `simplify_dot`).
Does not own: the hook itself (linalg.py calls in here), or the Jacobian transformations
(api.py binds the primitive).

The value is the identity matrix, or for one of several input leaves a block of rows of it,
reshaped: `identity_basis[shape=(n, *leaf_shape), dtype, offset]` has ones at
`[offset + i, i]` (leaf flattened) and zeros elsewhere. The primitive is *always staged*
(`Primitive.always_staged`): it has no operands, yet under a trace it is recorded rather than
evaluated, so the optimizer sees where the basis flows. Its off-diagonal zeros are structural,
like symbolic-zero tangents: they stand for "no contribution", not for data. So the rewrites
here may drop products with them (the dense `0 * inf = NaN` is not computed), keeping every
diagonal product exactly as the dense computation rounds it. A user's own `eye` constant is an
ordinary array and is never rewritten. See docs/design.md, "Structural zeros of the Jacobian
basis".
"""
from __future__ import annotations

import numpy as np

from functrans import backend, core, errors, ir
from functrans.primitives import elementwise
from functrans.primitives import shape as shape_prims

identity_basis_p = core.Primitive("identity_basis")   # shape: tuple; dtype: np.dtype; offset: int
identity_basis_p.always_staged = True
identity_basis_p.op_table_exempt = ("bound only by jacfwd/jacrev under a trace, never by a "
                                    "functrans.numpy op (tests/test_identity_basis.py covers it)")


@identity_basis_p.def_impl
def _identity_basis_impl(*, shape, dtype, offset):
    n = shape[0]
    size = int(np.prod(shape[1:], dtype=np.int64))
    return np.eye(n, size, -offset, dtype=dtype, like=backend.like()).reshape(shape)


@identity_basis_p.def_abstract_eval
def _identity_basis_abstract_eval(*, shape, dtype, offset):
    prim = "identity_basis"
    if not isinstance(dtype, np.dtype) or dtype.kind not in "fc":
        raise errors.FunctransTypeError(
            f"{prim}: dtype must be a floating or complex np.dtype, got {dtype!r}")
    if (not isinstance(shape, tuple) or not shape
            or any(type(n) is not int or n < 0 for n in shape)):
        raise errors.FunctransValueError(
            f"{prim}: shape must be a non-empty tuple of non-negative ints (basis size first), "
            f"got {shape!r}")
    size = int(np.prod(shape[1:], dtype=np.int64))
    if type(offset) is not int or offset < 0 or offset + size > shape[0]:
        raise errors.FunctransValueError(
            f"{prim}: offset {offset!r} must be an int with 0 <= offset and offset + {size} "
            f"(the size of shape[1:]) <= {shape[0]} (shape[0]) for shape {shape}")
    return ir.ShapedArray(shape, dtype)


# No operands: no tangent can flow in, and the JVP rule is never called.
identity_basis_p.def_nondifferentiable()


@identity_basis_p.def_batch
def _identity_basis_batch(args, dims, *, axis_size, shape, dtype, offset):
    raise NotImplementedError("batching identity_basis: it has no operands, so nothing is ever "
                              "batched (a bug in the caller)")


def identity_basis(shape, dtype, offset=0):
    """Rows `offset ... offset + size - 1` of the identity of size `shape[0]`, where `size` is
    the product of `shape[1:]`, as an array of `shape`: ones at `[offset + i, i]` (the leaf
    flattened). Under a trace this is always an equation (never a folded constant)."""
    shape = tuple(int(n) for n in shape)
    return identity_basis_p.bind(shape=shape, dtype=np.dtype(dtype), offset=int(offset))


# --------------------------------------------------------------------------- structural diagonals
#
# A *structural diagonal* is an (n, n) value whose off-diagonal entries are structural zeros:
#   I = identity_basis[shape=(n, n), offset=0], or
#   mul(D, f) or mul(f, D) for a structural diagonal D and a factor f: a rank-0 value, or a
#   broadcast_in_dim of a vector of shape (n,) to (n, n) (along either dim: on the diagonal
#   both give f[i]).
# Its diagonal is the chain of products with 1 at the bottom, in the operands' order:
# `(1 * f1) * f2 ...`, which is `f1 * f2 ...` bit for bit (`1 * x` is `x` for every x).
# (These are recognized where they are consumed, by `dot_general`; nothing is rewritten in the
# chain itself, whose off-diagonal entries would round differently.)

_MAX_CHAIN = 32   # factors looked through; a longer chain is left dense


def _is_identity(atom, ctx) -> bool:
    d = ctx.definition(atom)
    if d is None or d.primitive is not identity_basis_p:
        return False
    shape = d.params["shape"]
    return len(shape) == 2 and shape[0] == shape[1] and d.params["offset"] == 0


def _factor(atom, n: int, ctx):
    """The diagonal contribution of a mul operand beside a structural diagonal: a rank-0 atom
    itself, `v` if `atom` is `broadcast_in_dim` of a vector `v` of shape (n,), else None."""
    if atom.aval.shape == ():
        return atom
    d = ctx.definition(atom)
    if d is None or d.primitive is not shape_prims.broadcast_in_dim_p:
        return None
    (v,) = d.invars
    # broadcast_dimensions is (0,) or (1,): the shape rule allows nothing else for (n,).
    return v if v.aval.shape == (n,) and d.params["shape"] == (n, n) else None


def diagonal(atom, ctx):
    """The factors of `atom` if it is a structural diagonal (see above), else None: a list of
    `(factor, on_the_left)` from the identity up; empty for `I` itself."""
    shape = atom.aval.shape
    if len(shape) != 2 or shape[0] != shape[1]:
        return None
    n = shape[0]
    factors = []
    for _ in range(_MAX_CHAIN + 1):
        if type(atom) is not ir.Var:
            return None
        if _is_identity(atom, ctx):
            factors.reverse()
            return factors
        d = ctx.definition(atom)
        if d is None or d.primitive is not elementwise.mul_p:
            return None
        x, y = d.invars
        f = _factor(y, n, ctx) if x.aval.shape == shape else None
        if f is not None:
            atom = x
            factors.append((f, False))
            continue
        f = _factor(x, n, ctx) if y.aval.shape == shape else None
        if f is None:
            return None
        atom = y
        factors.append((f, True))
    return None


def simplify_dot(eqn, ctx):
    """`dot_general` contracting one dim of a structural diagonal with one dim of the other
    operand `y`, no batch dims, as `y` scaled by the diagonal along that dim (moved to the
    front if the diagonal is the lhs, to the end if it is the rhs): O(size of y) instead of
    O(n * size of y). Each entry is the dense sum's one term whose diagonal factor is not a
    structural zero, `d[i] * y[i]` (or `y[i] * d[i]`), with `d` rounded exactly as the dense
    diagonal: so wherever the dense product is not NaN the result is equal (up to the sign
    of a zero), and it is NaN only where the dense product is. Else None."""
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    if lb or rb or len(lc) != 1:
        return None
    x, y = eqn.invars
    out_shape = eqn.outvars[0].aval.shape
    for lhs, dg, other, c_other in ((True, x, y, rc[0]), (False, y, x, lc[0])):
        factors = diagonal(dg, ctx)
        if factors is None:
            continue
        scale = None
        for f, left in factors:
            scale = f if scale is None else ctx.bind(elementwise.mul_p, *((f, scale) if left
                                                                           else (scale, f)))
        ndim = other.aval.ndim
        rest = [d for d in range(ndim) if d != c_other]
        perm = (c_other, *rest) if lhs else (*rest, c_other)
        if perm != tuple(range(ndim)):
            other = ctx.bind(shape_prims.transpose_p, other, permutation=perm)
        if scale is None:
            return [other]
        if scale.aval.shape:
            scale = ctx.bind(shape_prims.broadcast_in_dim_p, scale, shape=out_shape,
                             broadcast_dimensions=(0,) if lhs else (len(out_shape) - 1,))
        # The dense product multiplies a diagonal entry by an entry of y in operand order.
        return [ctx.bind(elementwise.mul_p, *((scale, other) if lhs else (other, scale)))]
    return None

