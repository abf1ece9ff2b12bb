"""Vectorization as an IR rewrite: `batch_jaxpr`, and `vmap_jaxpr` (its outputs placed).

Each equation with a batched input is replaced by its primitive's batching rule, which
receives the batch axis of every operand (or None) and chooses where the batch axis of its
output goes; axes are moved only when a rule needs it. Equations with no batched input are
replayed unchanged. No rule here is specific to a primitive.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from functrans import core, errors, evaluate, ir
from functrans.primitives import shape


def batch_jaxpr(closed: ir.ClosedJaxpr, axis_size: int, in_dims: Sequence[int | None],
                out_dims: Sequence[int | None] | None = None
                ) -> tuple[ir.ClosedJaxpr, list[int | None]]:
    """The program that maps `closed` over a batch axis of size `axis_size`.

    Args:
      in_dims: for each input, the position of its batch axis in the batched input, or None.
      out_dims: for each output, where its batch axis must be (an unbatched output is
        broadcast), or None to require an unbatched output. Without `out_dims`, each output
        keeps the batch axis its rules gave it (None if unbatched).

    Returns:
      The batched program and the batch axis of each of its outputs.

    Raises:
      FunctransValueError: an output asked to be unbatched (out_axes None) depends on a
        batched input.
    """
    jaxpr = closed.jaxpr
    in_avals = [_batched_aval(v.aval, d, axis_size)
                for v, d in zip(jaxpr.invars, in_dims, strict=True)]

    actual_dims: list[int | None] = []

    def body(consts: list, args: list) -> list:
        env = dict(zip(jaxpr.constvars, consts, strict=True))
        env.update(zip(jaxpr.invars, args, strict=True))
        denv = {v: d for v, d in zip(jaxpr.invars, in_dims, strict=True) if d is not None}
        read = evaluate.env_reader(env)
        for eqn in jaxpr.eqns:
            _batch_eqn(eqn, read, env, denv, axis_size)
        haves = [denv.get(v) if isinstance(v, ir.Var) else None for v in jaxpr.outvars]
        if out_dims is None:
            actual_dims.extend(haves)
            return [read(v) for v in jaxpr.outvars]
        actual_dims.extend(out_dims)
        return [_move_batch_axis(read(v), have, want, axis_size, i)
                for i, (v, have, want) in enumerate(zip(jaxpr.outvars, haves, out_dims,
                                                        strict=True))]

    return core.rewrite_closed(closed.consts, in_avals, body), actual_dims


def vmap_jaxpr(closed: ir.ClosedJaxpr, axis_size: int, in_dims: Sequence[int | None],
               out_dims: Sequence[int | None]) -> ir.ClosedJaxpr:
    """The program mapping `closed` over a batch axis of size `axis_size`: each input batched
    at `in_dims` (None: not batched), each output placed at `out_dims` (None: must be
    unbatched). `batch_jaxpr` with every output's batch axis fixed."""
    return batch_jaxpr(closed, axis_size, in_dims, out_dims)[0]


def _batched_aval(aval: ir.ShapedArray, dim: int | None, size: int) -> ir.ShapedArray:
    if dim is None:
        return aval
    shape = list(aval.shape)
    shape.insert(dim, size)
    return aval.update(shape=tuple(shape))


def _batch_eqn(eqn: ir.JaxprEqn, read: Callable[[ir.Atom], Any], env: dict, denv: dict,
               axis_size: int) -> None:
    prim = eqn.primitive
    args = [read(v) for v in eqn.invars]
    dims = [denv.get(v) if isinstance(v, ir.Var) else None for v in eqn.invars]
    with core.source_override(eqn.source_info):
        if all(d is None for d in dims):
            out = prim.bind(*args, **eqn.params)
            out_dim: Any = [None] * len(eqn.outvars) if prim.multiple_results else None
        else:
            if prim.batch is None:
                raise NotImplementedError(f"primitive '{prim.name}' has no batching rule; "
                                          "functrans cannot vmap through it")
            out, out_dim = prim.batch(args, dims, axis_size=axis_size, **eqn.params)
    outs = out if prim.multiple_results else [out]
    out_dims = out_dim if prim.multiple_results else [out_dim]
    for v, x, d in zip(eqn.outvars, outs, out_dims, strict=True):
        env[v] = x
        if d is not None:
            denv[v] = d


def _move_batch_axis(x: Any, have: int | None, want: int | None, axis_size: int,
                     index: int) -> Any:
    if want is None:
        if have is not None:
            raise errors.FunctransValueError(
                f"vmap: output {index} was asked to be unbatched (out_axes=None) but it depends "
                "on a batched input; give it an integer out_axes.")
        return x
    if have is None:
        aval = core.get_aval(x)
        out_shape = list(aval.shape)
        out_shape.insert(want, axis_size)
        keep = tuple(d for d in range(aval.ndim + 1) if d != want)
        return shape.broadcast_in_dim(x, tuple(out_shape), keep)
    return shape.moveaxis(x, have, want)
