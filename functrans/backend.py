"""Evaluation on array types other than NumPy's: Dask, CuPy, any array with NumPy's dispatch.

A program is traced from avals (shape and dtype), so it does not care what arrays it will run
on. Evaluation does: the primitives' implementations call NumPy functions (`np.sin`,
`np.matmul`, `np.linalg.cholesky`, ...), and NumPy hands a call whose operand is a Dask or CuPy
array to that array's own implementation (NEP 13 `__array_ufunc__`, NEP 18
`__array_function__`). So the same implementations serve every such array type, provided that
no implementation forces its operands into NumPy (`np.asarray`) and that arrays created inside
a program (an `iota`, a `zeros`) are created in the operands' namespace (NEP 35 `like=`).

This module owns:
- `find(values)`: the foreign array type among a call's values (None: NumPy, the default);
- `Backend`: moving the NumPy constants and arguments of a program into that namespace
  (`np.asarray(c, like=x)`), and the prototype array (`like()`) that implementations creating
  arrays from nothing pass as NEP 35's `like=`;
- `run(jaxpr, consts, args, backend)`: the interpreter for foreign arrays, which names the
  primitive, the array type and the user's line when an implementation fails on them, and
  refuses, before running anything, a program containing a primitive marked NumPy-only
  (`Primitive.numpy_only`, with its reason: docs/backends.md lists them).
Owns no primitive and no transformation. NumPy evaluation (`evaluate.run_numpy`) calls in here
only when `find` reports a foreign array, so the NumPy path pays one type test per argument.
"""
from __future__ import annotations

import contextlib
import functools
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from functrans import errors, ir

# Types that are NumPy's own or Python scalars: never a foreign array.
_PLAIN: frozenset[type] = frozenset({np.ndarray, bool, int, float, complex})
# Classes that speak the dispatch protocols but are not arrays to evaluate on (the Tracer,
# registered by core.py, which this module does not import).
_NOT_FOREIGN: tuple[type, ...] = (np.ndarray, np.generic)


def not_foreign(cls: type) -> None:
    """Register `cls` as never foreign, though it implements NumPy's dispatch protocols."""
    global _NOT_FOREIGN
    _NOT_FOREIGN = (*_NOT_FOREIGN, cls)


def is_foreign(x: Any) -> bool:
    """Whether `x` is an array of another library that speaks NumPy's dispatch protocols."""
    t = type(x)
    if t in _PLAIN or isinstance(x, _NOT_FOREIGN):
        return False
    return (hasattr(t, "__array_function__") and hasattr(t, "__array_ufunc__")
            and hasattr(x, "shape") and hasattr(x, "dtype"))


def foreign_aval(x: Any) -> ir.ShapedArray:
    """The aval of a foreign array; a shape that is not known yet (a Dask array with unknown
    chunk sizes) is an error that says how to make it known."""
    try:
        shape = tuple(int(d) for d in x.shape)
    except (TypeError, ValueError):
        raise errors.FunctransValueError(
            f"a {type(x).__module__}.{type(x).__name__} of shape {x.shape} has a dimension "
            "that is not known yet; functrans traces from shapes, so make them known first "
            "(for Dask: x.compute_chunk_sizes()).") from None
    return ir.ShapedArray(shape, np.dtype(x.dtype))


class Backend:
    """A foreign array type: how NumPy values move into it, and a prototype for `like=`."""

    def __init__(self, proto: Any):
        self.type = type(proto)
        self.proto = proto
        self.name = f"{self.type.__module__.split('.')[0]}.{self.type.__name__}"

    def move(self, values: Sequence) -> list:
        """`values` with every NumPy array (and 0-d or scalar NumPy value) moved into this
        namespace; values already in it, and Python scalars, are left alone."""
        out = []
        for x in values:
            if isinstance(x, np.ndarray) and x.size > 1 and 0 in x.strides:
                x = _move_broadcast(x, self.proto)
            elif isinstance(x, (np.ndarray, np.generic)):
                x = np.asarray(x, like=self.proto)
            out.append(x)
        return out

    def call(self, eqn: ir.JaxprEqn, ins: list) -> Any:
        """One equation's impl on values of this namespace."""
        return eqn.primitive.impl(*ins, **eqn.params)

    def bind_eager(self, prim: Any, args: Sequence, params: dict, out_avals: Any) -> Any:
        """`prim` applied outside any program (`fnp.sort(dask_array)` at top level): as one
        equation of a program evaluated here."""
        invars = [ir.Var(foreign_aval(x) if is_foreign(x) else _host_aval(x)) for x in args]
        outs = out_avals if prim.multiple_results else [out_avals]
        eqn = ir.JaxprEqn(prim, invars, [ir.Var(a) for a in outs], params, None)
        jaxpr = ir.Jaxpr([], invars, [eqn], list(eqn.outvars))
        res = run(jaxpr, [], list(args), self)
        return res if prim.multiple_results else res[0]

    def settle(self, values: list) -> list:
        return values


def _move_broadcast(x: np.ndarray, proto: Any) -> Any:
    """A NumPy broadcast (a stride-0 view: a constant such as the `0.0` of `where(c, x, 0.0)`,
    folded to the data's shape) moved as what it is: its distinct values moved in, broadcast
    there. Moving it whole would copy a data-sized array to the device, or embed it in a Dask
    graph as one chunk."""
    core = x[tuple(0 if st == 0 else slice(None) for st in x.strides)]
    kept = tuple(1 if st == 0 else n for n, st in zip(x.shape, x.strides, strict=True))
    return np.broadcast_to(np.asarray(np.ascontiguousarray(core).reshape(kept), like=proto),
                           x.shape)


class DaskBackend(Backend):
    """Dask arrays: a primitive with `core_axes` is applied block by block (`apply_gufunc`)
    with its core axes in one chunk and its NumPy impl on each block, so that a sort, an FFT
    or a batch of factorizations runs chunk-wise with NumPy's exact algorithm; every other
    primitive calls NumPy functions that Dask implements (NEP 13/18)."""

    def call(self, eqn: ir.JaxprEqn, ins: list) -> Any:
        prim = eqn.primitive
        axes = None if prim.core_axes is None else prim.core_axes(
            *(v.aval for v in eqn.invars), **eqn.params)
        if axes is not None:
            return _by_blocks(eqn, ins, axes)
        try:
            return prim.impl(*ins, **eqn.params)
        except NotImplementedError:
            # Dask reshapes only where chunks merge or split evenly (and indexes the same
            # way): again with every axis but the first whole, so rows stay chunked.
            ins = [x.rechunk({i: -1 for i in range(1, x.ndim)}) if _is_dask(x) else x
                   for x in ins]
            return prim.impl(*ins, **eqn.params)

    def settle(self, values: list) -> list:
        import dask  # noqa: PLC0415 - only a Dask user gets here
        return list(dask.persist(*values))


def _is_dask(x: Any) -> bool:
    return type(x).__module__.startswith("dask.")


def _by_blocks(eqn: ir.JaxprEqn, ins: list, axes: tuple) -> Any:
    import dask.array as da  # noqa: PLC0415 - only a Dask user gets here

    prim, params = eqn.primitive, eqn.params
    in_avals = [v.aval for v in eqn.invars]
    out_avals = [v.aval for v in eqn.outvars]
    in_axes, out_axes = axes
    if any(a.size == 0 for a in in_avals):
        # apply_gufunc cannot chunk an empty array: the impl on empty blocks, whose results
        # are empty or as small as the other operands' (an empty sort, a scatter of nothing).
        out = _host_impl(prim, params, [np.asarray(da.asarray(x).compute()) for x in ins])
        outs = out if prim.multiple_results else [out]
        res = [da.from_array(np.asarray(o)) for o in outs]
        return res if prim.multiple_results else res[0]
    in_axes = [tuple(a % max(av.ndim, 1) for a in ax) for ax, av in zip(in_axes, in_avals,
                                                                            strict=True)]
    out_axes = [tuple(a % max(av.ndim, 1) for a in ax) for ax, av in zip(out_axes, out_avals,
                                                                             strict=True)]
    ends = [tuple(range(-len(ax), 0)) for ax in in_axes]
    oends = [tuple(range(-len(ax), 0)) for ax in out_axes]
    ops = [da.moveaxis(da.asarray(x), ax, e) if ax else da.asarray(x)
           for x, ax, e in zip(ins, in_axes, ends, strict=True)]
    sizes: dict[str, int] = {}
    sig_in = []
    for i, ax in enumerate(in_axes):
        sig_in.append("(" + ",".join(f"i{i}_{k}" for k in range(len(ax))) + ")")
    sig_out = []
    for j, (ax, av) in enumerate(zip(out_axes, out_avals, strict=True)):
        names = [f"o{j}_{k}" for k in range(len(ax))]
        sizes.update({n: av.shape[a] for n, a in zip(names, ax, strict=True)})
        sig_out.append("(" + ",".join(names) + ")")
    signature = ",".join(sig_in) + "->" + ",".join(sig_out)

    # A module-level function (pickled by reference, so a dask.distributed worker can
    # run it: a closure would carry this module's thread-local state along).
    block = functools.partial(_apply_block, prim, params, in_axes, ends, out_axes,
                              oends)
    several = len(out_avals) > 1   # apply_gufunc's one output is an array, not a 1-tuple
    res = da.apply_gufunc(block, signature, *ops, output_dtypes=(
        tuple(a.dtype for a in out_avals) if several else out_avals[0].dtype),
        output_sizes=sizes, allow_rechunk=True, vectorize=False)
    res = list(res) if several else [res]
    res = [da.moveaxis(r, e, ax) if ax else r
           for r, ax, e in zip(res, out_axes, oends, strict=True)]
    return res if prim.multiple_results else res[0]


def _host_aval(x: Any) -> ir.ShapedArray:
    a = np.asarray(x)
    return ir.ShapedArray(a.shape, a.dtype)


def _host_impl(prim: Any, params: dict, args: list) -> Any:
    """`prim`'s impl on NumPy values inside a foreign run: it makes NumPy arrays."""
    saved = _STATE.like
    _STATE.like = None
    try:
        return prim.impl(*args, **params)
    finally:
        _STATE.like = saved


def _apply_block(prim: Any, params: dict, in_axes: list, ends: list, out_axes: list,
                 oends: list, *blocks: Any) -> Any:
    """One block of a `core_axes` primitive on Dask: NumPy arrays in, its NumPy impl."""
    back = [np.moveaxis(b, e, ax) if ax else b
            for b, ax, e in zip(blocks, in_axes, ends, strict=True)]
    out = _host_impl(prim, params, back)
    outs = out if prim.multiple_results else [out]
    moved = [np.moveaxis(np.asarray(o), ax, e) if ax else np.asarray(o)
             for o, ax, e in zip(outs, out_axes, oends, strict=True)]
    return tuple(moved) if len(moved) > 1 else moved[0]


def find(values: Iterable) -> Backend | None:
    """The backend of the first foreign array among `values` (flat), None if all are NumPy."""
    for x in values:
        if type(x) in _PLAIN:
            continue
        if is_foreign(x):
            return DaskBackend(x) if _is_dask(x) else Backend(x)
    return None


def for_run(consts: Sequence, args: Sequence) -> Backend | None:
    """The backend a program run on `consts` and `args` evaluates with: the enclosing run's
    (a loop's body, a call's program), else the first foreign value's, else None (NumPy).
    The NumPy path pays a thread-local read and one type test per value."""
    return _STATE.backend or find(args) or (find(consts) if consts else None)


# --------------------------------------------------------------------------- NEP 35 prototype


class _State(threading.local):
    like: Any = None
    backend: Backend | None = None


_STATE = _State()


def current() -> Backend | None:
    """The backend of the program being evaluated (None: NumPy), which a sub-program run by
    a loop or a call keeps even when its own operands are all host values (literals)."""
    return _STATE.backend


def settle(values: list) -> list:
    """`values` made concrete where they live, for a loop that computes a predicate of them
    every trip: Dask persists them (in workers' memory, chunked), so that a trip does not
    recompute every earlier trip's graph; other namespaces are eager, and NumPy returns them."""
    be = _STATE.backend
    return values if be is None else be.settle(values)


def like() -> Any:
    """The prototype array that implementations creating arrays from no operand pass as
    `like=` (`np.arange(n, like=backend.like())`): None while NumPy evaluates."""
    return _STATE.like


# Values an implementation may meet that live on the host: made arrays of the namespace.
_HOST = (np.ndarray, np.generic, bool, int, float, complex, list, tuple)


def asarray(x: Any, dtype: Any = None) -> Any:
    """`x` as an array, in the namespace being evaluated: what implementations call instead
    of `np.asarray`, which would force a Dask or CuPy operand into NumPy.

    A foreign array stays where it is (cast to `dtype` if given); host values (NumPy arrays
    and scalars, Python scalars: literals of the program) become arrays of the foreign
    namespace while one is evaluated (NEP 35 `like=`), NumPy arrays otherwise, exactly as
    `np.asarray(x, dtype)` would.
    """
    if type(x) is np.ndarray and dtype is None and _STATE.like is None:
        return x   # the common case, first: what np.asarray(x) returns
    if isinstance(x, _HOST):
        return np.asarray(x, dtype, like=_STATE.like)   # like=None: NumPy's own default
    return x if dtype is None or x.dtype == dtype else x.astype(dtype)


def array(x: Any, dtype: Any = None) -> Any:
    """A copy of `x` as an array in the namespace being evaluated (`np.array(x, dtype)`,
    which would force a Dask or CuPy operand into NumPy)."""
    if isinstance(x, _HOST):
        return np.array(x, dtype, like=_STATE.like)
    return x.astype(dtype) if dtype is not None else x.copy()


# --------------------------------------------------------------------------- the interpreter


def numpy_only_primitives(jaxpr: ir.Jaxpr) -> list:
    """The primitives of `jaxpr` (sub-programs included) marked `numpy_only`."""
    found: dict[str, Any] = {}
    stack = [jaxpr]
    while stack:
        j = stack.pop()
        for eqn in j.eqns:
            if eqn.primitive.numpy_only is not None:
                found.setdefault(eqn.primitive.name, eqn.primitive)
            stack.extend(sub.jaxpr if isinstance(sub, ir.ClosedJaxpr) else sub
                         for sub in ir.param_subjaxprs(eqn.params))
    return list(found.values())


def run(jaxpr: ir.Jaxpr, consts: Sequence, args: Sequence, be: Backend) -> list:
    """Evaluate `jaxpr` on foreign arrays: NumPy constants and arguments moved in first."""
    bad = numpy_only_primitives(jaxpr)
    if bad:
        p = bad[0]
        raise errors.FunctransTypeError(
            f"primitive {p.name} runs only on NumPy arrays ({p.numpy_only}), and this program "
            f"was called with {be.name} arrays; convert them to NumPy first (for Dask: "
            f".compute(); for CuPy: .get()), or leave {p.name} out of the program. "
            "docs/backends.md lists what runs where.")
    consts = _zeros_as_broadcasts(jaxpr, consts)
    env: dict[ir.Var, Any] = dict(zip(jaxpr.constvars, be.move(consts), strict=True))
    env.update(zip(jaxpr.invars, be.move(args), strict=True))
    literal = ir.Literal
    saved, saved_be = _STATE.like, _STATE.backend
    _STATE.like, _STATE.backend = be.proto, be
    try:
        with _strict_warnings(be):
            for eqn in jaxpr.eqns:
                ins = [v.val if type(v) is literal else env[v] for v in eqn.invars]
                try:
                    out = be.call(eqn, ins)
                except (errors.FunctransTypeError, errors.FunctransValueError):
                    raise
                except Exception as e:
                    raise _impl_error(eqn, be, e) from e
                if eqn.primitive.multiple_results:
                    env.update(zip(eqn.outvars, out, strict=True))
                else:
                    env[eqn.outvars[0]] = out
    finally:
        _STATE.like, _STATE.backend = saved, saved_be
    # A literal output (a constant result), or an argument that was a Python scalar returned
    # as it is, is moved in too: every output is of the namespace.
    outs = [v.val if type(v) is literal else env[v] for v in jaxpr.outvars]
    return [x if is_foreign(x) else np.asarray(x, like=be.proto) for x in outs]


def _zeros_as_broadcasts(jaxpr: ir.Jaxpr, consts: Sequence) -> list:
    """`consts` with each large NumPy constant of zeros (the zero tangents and cotangents that
    rules make with `np.zeros(shape)`: contiguous, because NumPy evaluation is faster so) made
    a broadcast of one zero, which `Backend.move` moves as one value: no data-sized constant
    in a Dask graph or transfer to a device. A scan per constant, on foreign runs only.
    Negative zeros are kept (not replaced), and so are constants the program returns as they
    are (a broadcast result would be read-only)."""
    returned = {v for v in jaxpr.outvars if type(v) is ir.Var}
    out = list(consts)
    for i, (v, c) in enumerate(zip(jaxpr.constvars, consts, strict=True)):
        if (type(c) is np.ndarray and c.size >= _ZEROS_MIN_SIZE and v not in returned
                and c.dtype.kind in "fciub" and not c.any() and not _has_negative_zero(c)):
            out[i] = np.broadcast_to(np.zeros((), c.dtype), c.shape)
    return out


_ZEROS_MIN_SIZE = 4096   # smaller constants move whole: the scan would cost more than it saves


def _has_negative_zero(c: np.ndarray) -> bool:
    if c.dtype.kind == "c":
        return bool(np.signbit(c.real).any() or np.signbit(c.imag).any())
    return c.dtype.kind == "f" and bool(np.signbit(c).any())


# The warnings filters are process-wide in Python 3.11: runs that change them hold this lock,
# so two threads' runs cannot restore each other's filters out of order (a thread that is not
# evaluating a program may still see the filter while a Dask run builds its graph).
_WARNINGS_LOCK = threading.RLock()


@contextlib.contextmanager
def _strict_warnings(be: Backend) -> Iterator[None]:
    """On Dask: its warning that it computes a function it does not implement on NumPy,
    whole, becomes an error (the interpreter's, naming the primitive), never a silent
    materialization. Other backends: nothing."""
    if not isinstance(be, DaskBackend):
        yield
        return
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*is not implemented by Dask",
                                category=FutureWarning)
        yield


def _impl_error(eqn: ir.JaxprEqn, be: Backend, e: Exception) -> errors.FunctransTypeError:
    where = f" (traced at {eqn.source_info})" if eqn.source_info is not None else ""
    return errors.FunctransTypeError(
        f"primitive {eqn.primitive.name}{where} failed on {be.name} arrays: "
        f"{type(e).__name__}: {e}. Its NumPy implementation may need NumPy arrays; convert "
        "the inputs to NumPy first, and please report it (docs/backends.md).")
