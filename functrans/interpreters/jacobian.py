"""Jacobians as IR rewrites: `jacfwd_jaxpr` and `jacrev_jaxpr`.

Each takes a program and returns the program computing its outputs followed by the blocks of
its Jacobian: one block per (differentiated output, differentiated input), of shape
`output.shape + input.shape`. Forward mode is the JVP program batched over the standard basis
of the inputs, reverse mode the transposed linear program batched over the basis of the
outputs: one batched program, never a loop over basis vectors. Under the rewrite the basis is
the `identity_basis` equation (primitives/basis.py) rather than a constant, so the optimizer
sees where it flows and treats its zeros as structural (docs/design.md). Owns no rule of a
primitive and no pytree handling (api.py arranges the blocks).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from functrans import core, evaluate, ir
from functrans.interpreters import ad, batching, optimize
from functrans.primitives import basis as basis_prims
from functrans.primitives import shape as shape_prims
from functrans.primitives import slicing


def jacfwd_jaxpr(closed: ir.ClosedJaxpr, mask: Sequence[bool],
                 num_main: int) -> ir.ClosedJaxpr:
    """The program `inputs -> (outputs, Jacobian blocks)` by forward mode.

    Args:
      mask: for each input, whether it is differentiated (float inputs only).
      num_main: the leading outputs that are differentiated (the others, aux values, pass
        through).

    Returns:
      A program with the inputs of `closed`, returning its outputs followed by one block per
      (main output, masked input), output-major.
    """
    lifted, consts, mask, n_out, main_avals, in_avals = _setup(closed, mask, num_main)
    n_lead = len(consts)
    jc, _ = ad.jvp_jaxpr(lifted, mask, [i < num_main for i in range(n_out)], instantiate=True)
    n = (sum(a.size for a in in_avals)  # type: ignore[misc]  # static: see _STATIC
         if in_avals else 0)
    if n != 1:
        in_dims = [None] * len(lifted.in_avals) + [0] * len(in_avals)
        out_dims = [None] * n_out + [a.ndim for a in main_avals]
        jc = optimize.dce_closed(batching.vmap_jaxpr(jc, n, in_dims, out_dims))

    def body(_: list, args: list) -> list:
        basis = _basis(in_avals)
        if n == 1:
            # One basis vector: a plain JVP, with the basis axis added back at the end.
            res = evaluate.eval_jaxpr(jc.jaxpr, jc.consts, *args, *[b[0] for b in basis])
            res = res[:n_out] + [_expand(t, a.ndim)
                                 for t, a in zip(res[n_out:], main_avals, strict=True)]
        else:
            res = evaluate.eval_jaxpr(jc.jaxpr, jc.consts, *args, *basis)
        blocks = []
        for t, a in zip(res[n_out:], main_avals, strict=True):
            off = 0
            for ia in in_avals:
                blocks.append(_block(t, a.ndim, off,
                                     ia.size,  # type: ignore[arg-type]  # static: see _STATIC
                                     a.shape + ia.shape))
                off += ia.size  # type: ignore[operator]  # static: see _STATIC
        return res[:n_out] + blocks

    return _closed_over(core.rewrite_closed([], lifted.in_avals, body), n_lead, consts)


def jacrev_jaxpr(closed: ir.ClosedJaxpr, mask: Sequence[bool],
                 num_main: int) -> ir.ClosedJaxpr:
    """The program `inputs -> (outputs, Jacobian blocks)` by reverse mode; the same
    signature and result as `jacfwd_jaxpr`."""
    lifted, consts, mask, n_out, main_avals, in_avals = _setup(closed, mask, num_main)
    n_lead = len(consts)
    want = [i < num_main for i in range(n_out)]
    primal, transposed, nres, out_nz = ad.vjp_split(lifted, mask, want)
    out_nz = out_nz[:num_main]
    ct_avals = [a.strip_weak() for a, nz in zip(main_avals, out_nz, strict=True) if nz]
    m = (sum(a.size for a in ct_avals)  # type: ignore[misc]  # static: see _STATIC
         if ct_avals else 0)
    if ct_avals and m != 1:
        in_dims = [None] * nres + [0 if nz else None for nz in out_nz]
        transposed = optimize.dce_closed(batching.vmap_jaxpr(
            transposed, m, in_dims, [0] * len(in_avals)))

    def body(_: list, args: list) -> list:
        got = evaluate.eval_jaxpr(primal.jaxpr, primal.consts, *args)
        outs, res = got[:n_out], got[n_out:]
        rows = []
        if ct_avals:
            basis = iter(_basis(ct_avals))
            if m == 1:
                # One basis cotangent: a plain VJP, with the basis axis added back in front.
                cts = [next(basis)[0] if nz else _zeros(a)
                       for a, nz in zip(main_avals, out_nz, strict=True)]
                rows = [_expand(r, 0) for r in
                        evaluate.eval_jaxpr(transposed.jaxpr, transposed.consts, *res, *cts)]
            else:
                cts = [next(basis) if nz else _zeros(a)
                       for a, nz in zip(main_avals, out_nz, strict=True)]
                rows = evaluate.eval_jaxpr(transposed.jaxpr, transposed.consts, *res, *cts)
        blocks, off = [], 0
        for a, nz in zip(main_avals, out_nz, strict=True):
            for k, ia in enumerate(in_avals):
                if nz:
                    blocks.append(_block(rows[k], 0, off,
                                         a.size,  # type: ignore[arg-type]  # static: see _STATIC
                                         a.shape + ia.shape))
                else:
                    # A block no cotangent reaches: zeros in the input's dtype, like every
                    # block of a reverse-mode Jacobian (JAX's; issue 19).
                    blocks.append(_zeros(ir.ShapedArray(a.shape + ia.shape, ia.dtype)))
            off += a.size if nz else 0  # type: ignore[operator]  # static: see _STATIC
        return [*outs, *blocks]

    return _closed_over(core.rewrite_closed([], lifted.in_avals, body), n_lead, consts)


# --------------------------------------------------------------------------- helpers

# _STATIC: a Jacobian is taken of a user function of concrete arrays, so its inputs and
# outputs have static types and `ShapedArray.size` is an int (None only for a `DYN`
# dimension, which appears in the stacks a while loop's rewrites build, not in a user
# function's signature). The `type: ignore`s that point here tell mypy so without adding a
# run-time check to the rewrite.


def _setup(closed: ir.ClosedJaxpr, mask: Sequence[bool], num_main: int
           ) -> tuple[ir.ClosedJaxpr, list, list[bool], int, list[ir.ShapedArray],
                      list[ir.ShapedArray]]:
    """What both Jacobians start from: `closed` with its constants as leading inputs, those
    constants, the mask over the lifted inputs, the number of outputs, the types of the main
    outputs and of the differentiated inputs."""
    lifted, consts = _lifted(closed)
    mask = [False] * len(consts) + list(mask)
    in_avals = [a.strip_weak() for a, m in zip(lifted.in_avals, mask, strict=True) if m]
    return (lifted, consts, mask, len(lifted.jaxpr.outvars), lifted.out_avals[:num_main],
            in_avals)


def _lifted(closed: ir.ClosedJaxpr) -> tuple[ir.ClosedJaxpr, list]:
    """`closed` taking its constants as leading inputs, and those constants."""
    opened, consts = ir.open_consts(closed)
    return ir.ClosedJaxpr(opened, []), consts


def _closed_over(program: ir.ClosedJaxpr, n_lead: int, consts: list) -> ir.ClosedJaxpr:
    """`program` with its `n_lead` leading inputs closed over `consts` (undoes `_lifted`)."""
    if not n_lead:
        return program
    opened, own = ir.open_consts(program)
    return ir.close_consts(opened, [*own, *consts])


def _zeros(aval: ir.ShapedArray) -> np.ndarray:
    return np.zeros(aval.shape, aval.dtype)


def _basis(avals: Sequence[ir.ShapedArray]) -> list:
    """The standard basis of the space of `avals`, one array per aval of shape (N,) + shape.

    With N > 1 each block is an `identity_basis` equation, whose zeros the optimizer may treat
    as structural (docs/design.md); a single basis vector is a constant."""
    sizes: list[int] = [a.size for a in avals]  # type: ignore[misc]  # static: see _STATIC
    n = sum(sizes)
    out, off = [], 0
    for a, size in zip(avals, sizes, strict=True):
        shape = (n, *a.shape)
        if n > 1:
            out.append(basis_prims.identity_basis(shape, a.dtype, off))
        else:
            # One basis vector in all (N == 1: every other aval is empty): a constant of ones.
            out.append(np.ones(shape, a.dtype))
        off += size
    return out


def _block(x: Any, axis: int, off: int, size: int, new_shape: tuple[int, ...]) -> Any:
    """`x[..., off:off+size, ...]` along `axis`, reshaped to `new_shape`."""
    aval = core.get_aval(x)
    start = [0] * aval.ndim
    limit = list(aval.shape)
    start[axis], limit[axis] = off, off + size
    if (off, off + size) != (0, aval.shape[axis]):
        x = slicing.slice(x, tuple(start), tuple(limit))
    return shape_prims.reshape(x, new_shape) if core.get_aval(x).shape != new_shape else x


def _expand(x: Any, axis: int) -> Any:
    """`x` with a new axis of size 1 at `axis`."""
    aval = core.get_aval(x)
    return shape_prims.reshape(x, aval.shape[:axis] + (1,) + aval.shape[axis:])
