"""Structured control flow for traced code: `cond`, `switch`, `while_loop`, `fori_loop`, `scan`.

Owns the user-facing functions: they take pytrees and Python callables, trace the callables
into programs, check that the types agree (errors name the user's function and both types),
and bind the primitives of `control_flow/`. Also re-exports `stop_gradient`.
Does not own the primitives or their rules (`control_flow/`).

Every construct is differentiable in both modes (reverse mode through `while_loop` included,
which JAX refuses) and batchable; loops are never unrolled.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from functrans import api_util, backend, control_flow, core, dtypes, errors, ir, tree_util
from functrans.api import stop_gradient as stop_gradient
from functrans.control_flow._implicit import custom_linear_solve as custom_linear_solve
from functrans.control_flow._implicit import custom_root as custom_root
from functrans.primitives import comparison, elementwise
from functrans.primitives.complex_parts import complex_ as complex
from functrans.primitives.complex_parts import conj as conj
from functrans.primitives.complex_parts import imag as imag
from functrans.primitives.complex_parts import real as real
from functrans.primitives.convolution import conv as conv
from functrans.primitives.convolution import conv_general_dilated as conv_general_dilated
from functrans.primitives.convolution import (
    conv_with_general_padding as conv_with_general_padding,
)
from functrans.primitives.fft import fft as fft

__all__ = ["cond", "fori_loop", "map", "scan", "stop_gradient", "switch", "while_loop"]
__all__ += ["conv", "conv_general_dilated", "conv_with_general_padding"]
__all__ += ["custom_linear_solve", "custom_root"]
# JAX's lax functions between complex values and their parts (issue 14).
__all__ += ["complex", "conj", "imag", "real"]
# The FFT primitive's wrapper (issue 14).
__all__ += ["fft"]


# --------------------------------------------------------------------------- helpers


def _name(fun: Any) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def _check_callable(where: str, **funs: Any) -> None:
    for what, f in funs.items():
        if not callable(f):
            raise errors.FunctransTypeError(
                f"{where}: {what} must be a function, got {type(f).__name__}.")


def _trace(fun: Callable, in_tree: tree_util.PyTreeDef, avals: Sequence[ir.ShapedArray],
           source: ir.SourceInfo | None) -> tuple[ir.Jaxpr, list, Any]:
    """`fun` traced on `avals` (leaves of `in_tree`): a const-free program, its consts, out tree."""
    jaxpr, consts, _, out_tree = api_util.trace_avals(fun, in_tree, avals, source)
    program, consts = ir.open_consts(ir.ClosedJaxpr(jaxpr, consts))
    return program, consts, out_tree


def _convert(x: Any, dtype: np.dtype) -> Any:
    if core.get_aval(x).dtype == dtype:
        return x
    if isinstance(x, core.Tracer):
        return elementwise.convert_element_type(x, dtype)
    return np.asarray(x, dtype)


def _converting(fun: Callable, targets: Sequence[np.dtype | None]) -> Callable:
    """`fun` with the leaves of its output converted to `targets` (None: unchanged)."""
    def wrapped(*args: Any) -> Any:
        leaves, tree = tree_util.tree_flatten(fun(*args))
        return tree_util.tree_unflatten(tree, [x if t is None else _convert(x, t)
                                               for x, t in zip(leaves, targets, strict=True)])
    return wrapped


def _joined_dtype(avals: Sequence[ir.ShapedArray]) -> np.dtype | None:
    """The dtype values of `avals` (equal shapes) can share: weak values take the strong
    values' dtype (NumPy 2 promotion), or None when the strong ones disagree with it."""
    target, _ = dtypes.result_type(*avals)
    if any(not a.weak_type and a.dtype != target for a in avals):
        return None
    return target


def _carry_targets(where: str, fun_name: str, init: Sequence[ir.ShapedArray],
                   out: Sequence[ir.ShapedArray]) -> list[np.dtype | None]:
    """For each carry leaf, the dtype both sides convert to (None: already the same type)."""
    targets: list[np.dtype | None] = []
    for i, (a, b) in enumerate(zip(init, out, strict=True)):
        if a.same_type(b):
            targets.append(None)
            continue
        target = _joined_dtype([a, b]) if a.shape == b.shape else None
        if target is None:
            raise errors.FunctransTypeError(
                f"{where}: {fun_name} changes the type of carry leaf {i} from {a.str_short()} "
                f"to {b.str_short()}; a loop carry must keep its shape and dtype. Convert it "
                f"with .astype(...) in {fun_name} or in the initial value.")
        targets.append(target)
    return targets


def _check_tree(where: str, what: str, want: tree_util.PyTreeDef,
                got: tree_util.PyTreeDef) -> None:
    if want != got:
        raise errors.FunctransTypeError(
            f"{where}: {what} must have the structure {want}, but it has the structure {got}.")


# --------------------------------------------------------------------------- cond / switch


def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """`true_fun(*operands)` if `pred` else `false_fun(*operands)`, with a traced `pred` too.

    Args:
      pred: a scalar; bool, or a number (nonzero means true).
      true_fun, false_fun: functions of `operands` returning pytrees of the same structure,
        shapes and dtypes (weakly typed Python scalars take the other branch's dtype).
      operands: pytrees of arrays passed to the chosen function.

    Returns:
      The chosen function's result. A concrete `pred` (not traced) just calls the chosen
      function, even inside a transformation (JAX does so only outside `jit`); a traced one
      records a `cond` equation holding both branches. Under `vmap` with a batched `pred`,
      both branches run and `select` picks per example.

    Example:
      >>> import functrans.lax as lax
      >>> lax.cond(True, lambda x: x + 1.0, lambda x: x - 1.0, 1.0)
      2.0
    """
    _check_callable("cond", true_fun=true_fun, false_fun=false_fun)
    aval = _scalar_aval("cond", "pred", pred, "biuf")
    if not isinstance(pred, core.Tracer):
        return (true_fun if bool(pred) else false_fun)(*operands)
    if aval.dtype.kind != "b":
        pred = comparison.ne(pred, np.zeros((), aval.dtype)[()])
    # The primitive's branches are (false, true), as in JAX; messages name true_fun first.
    return _branches("cond", pred, [false_fun, true_fun], ["false_fun", "true_fun"], operands,
                     order=[1, 0])


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    """`branches[index](*operands)`, with `index` clamped into range (JAX's `lax.switch`).

    Example:
      >>> import functrans.lax as lax
      >>> lax.switch(5, [lambda x: x, lambda x: 2 * x], 3)
      6
    """
    branches = list(branches)
    if not branches:
        raise errors.FunctransValueError("switch: branches must hold at least one function.")
    _check_callable("switch", **{f"branches[{k}]": b for k, b in enumerate(branches)})
    _scalar_aval("switch", "index", index, "iu")
    if not isinstance(index, core.Tracer):
        return branches[min(max(int(index), 0), len(branches) - 1)](*operands)
    names = [f"branches[{k}] ({_name(b)})" for k, b in enumerate(branches)]
    return _branches("switch", index, branches, names, operands)


def _scalar_aval(where: str, what: str, x: Any, kinds: str) -> ir.ShapedArray:
    aval = core.get_aval(x)
    if aval.shape != () or aval.dtype.kind not in kinds:
        kind = "a bool or a number" if "b" in kinds else "an integer"
        raise errors.FunctransTypeError(
            f"{where}: {what} must be a scalar ({kind}), got {aval.str_short()}.")
    return aval


def _branches(where: str, index: Any, funs: list[Callable], names: list[str],
              operands: Sequence, order: Sequence[int] | None = None) -> Any:
    order = list(range(len(funs))) if order is None else order
    funs, names = [funs[i] for i in order], [names[i] for i in order]
    source = core.user_source_info()
    flat, in_tree = tree_util.tree_flatten(tuple(operands))
    avals = [core.get_aval(x) for x in flat]
    traced = [_trace(f, in_tree, avals, source) for f in funs]
    out_tree = traced[0][2]
    for (_, _, tree), name in zip(traced[1:], names[1:], strict=True):
        _check_tree(where, f"the output of {name}", out_tree, tree)
    targets = _branch_targets(where, [t[0].out_avals for t in traced], names)
    if any(t is not None for t in targets):
        traced = [_trace(_converting(f, targets), in_tree, avals, source) for f in funs]
    traced = [traced[order.index(k)] for k in range(len(funs))]   # back to the index order
    programs, consts = control_flow.join_consts([(j, c) for j, c, _ in traced])
    outs = control_flow.cond(index, *consts, *flat, branches=programs)
    return tree_util.tree_unflatten(out_tree, outs)


def _branch_targets(where: str, outs: list[list[ir.ShapedArray]],
                    names: list[str]) -> list[np.dtype | None]:
    targets: list[np.dtype | None] = []
    for j, avals in enumerate(zip(*outs, strict=True)):
        if all(a.same_type(avals[0]) for a in avals):
            targets.append(None)
            continue
        same_shape = all(a.shape == avals[0].shape for a in avals)
        target = _joined_dtype(avals) if same_shape else None
        if target is None:
            k = next(k for k, a in enumerate(avals) if not a.same_type(avals[0]))
            raise errors.FunctransTypeError(
                f"{where}: output leaf {j} has type {avals[0].str_short()} in {names[0]} but "
                f"{avals[k].str_short()} in {names[k]}; all branches must return the same "
                "shapes and dtypes.")
        targets.append(target)
    return targets


# --------------------------------------------------------------------------- loops


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any) -> Any:
    """`val = body_fun(val)` while `cond_fun(val)`, as one `while` equation when traced.

    Args:
      cond_fun: the carry -> a bool scalar.
      body_fun: the carry -> the next carry, of the same structure, shapes and dtypes (a
        weakly typed Python scalar in `init_val` takes the dtype `body_fun` gives it).
      init_val: the initial carry, a pytree of arrays.

    Returns:
      The final carry. Differentiable in both modes: reverse mode (which JAX refuses) records
      the trip count and the per-trip residuals while running forward, then runs the
      transposed body that many times backwards (see docs/control_flow.md).

    Example:
      >>> import functrans.lax as lax
      >>> lax.while_loop(lambda x: x < 10, lambda x: x * 2, 1)
      array(16)
    """
    _check_callable("while_loop", cond_fun=cond_fun, body_fun=body_fun)
    source = core.user_source_info()
    flat, tree = tree_util.tree_flatten(init_val)
    avals = [core.get_aval(x) for x in flat]
    body, body_consts, out_tree = _trace(body_fun, tree_util.tree_structure((init_val,)),
                                         avals, source)
    _check_tree("while_loop", f"the output of body_fun ({_name(body_fun)})", tree, out_tree)
    targets = _carry_targets("while_loop", "body_fun", avals, body.out_avals)
    if any(t is not None for t in targets):
        flat = [x if t is None else _convert(x, t) for x, t in zip(flat, targets, strict=True)]
        avals = [core.get_aval(x) for x in flat]
        body, body_consts, _ = _trace(_converting(body_fun, targets),
                                      tree_util.tree_structure((init_val,)), avals, source)
    cond, cond_consts, _ = _trace(cond_fun, tree_util.tree_structure((init_val,)), avals,
                                  source)
    preds = cond.out_avals
    if len(preds) != 1 or preds[0].shape != () or preds[0].dtype != dtypes.bool_:
        raise errors.FunctransTypeError(
            f"while_loop: cond_fun ({_name(cond_fun)}) must return a bool scalar, got "
            f"({', '.join(a.str_short() for a in preds)}); compare with <, ==, ... and reduce "
            "an array with fnp.all or fnp.any.")
    outs = control_flow.while_loop(cond, body, cond_consts, body_consts, flat)
    return tree_util.tree_unflatten(tree, outs)


def fori_loop(lower: Any, upper: Any, body_fun: Callable, init_val: Any) -> Any:
    """`val = body_fun(i, val)` for `i` in `range(lower, upper)`.

    With concrete bounds (Python or NumPy integers) this is a `scan` of `upper - lower` trips
    (so every transformation goes through scan's rules); with a traced bound it is a
    `while_loop`. `i` is an integer scalar of the bounds' dtype.

    Example:
      >>> import functrans.lax as lax
      >>> lax.fori_loop(0, 4, lambda i, x: x + i, 0)
      array(6)
    """
    _check_callable("fori_loop", body_fun=body_fun)
    lo_aval = _scalar_aval("fori_loop", "lower", lower, "iu")
    hi_aval = _scalar_aval("fori_loop", "upper", upper, "iu")
    dtype, _ = dtypes.result_type(lo_aval, hi_aval)
    one = np.array(1, dtype)[()]

    def step(i: Any, val: Any) -> tuple[Any, Any]:
        return elementwise.add(i, one), body_fun(i, val)

    init_val = _fori_carry(body_fun, ir.ShapedArray((), dtype), init_val)
    # Concrete host bounds: a scan of known length. Traced bounds, and foreign (Dask, CuPy)
    # ones, whose value would be a host read: a while loop.
    if not any(isinstance(b, core.Tracer) or backend.is_foreign(b) for b in (lower, upper)):
        lo, hi = operator.index(np.asarray(lower)[()]), operator.index(np.asarray(upper)[()])
        (_, out), _ = scan(lambda c, _: (step(*c), None), (np.array(lo, dtype), init_val), None,
                           length=max(hi - lo, 0))
        return out
    upper = _convert(upper, dtype)
    _, out = while_loop(lambda c: comparison.lt(c[0], upper), lambda c: step(*c),
                        (_convert(lower, dtype), init_val))
    return out


def _fori_carry(body_fun: Callable, index_aval: ir.ShapedArray, init_val: Any) -> Any:
    """`init_val` checked against what `body_fun` returns (errors name body_fun's carry, not
    the loop's internal one), weakly typed leaves converted to the dtype body_fun gives."""
    flat, tree = tree_util.tree_flatten(init_val)
    avals = [core.get_aval(x) for x in flat]
    body, _, out_tree = _trace(body_fun, tree_util.tree_structure((0, init_val)),
                               [index_aval, *avals], core.user_source_info())
    _check_tree("fori_loop", f"the output of body_fun ({_name(body_fun)})", tree, out_tree)
    targets = _carry_targets("fori_loop", "body_fun", avals, body.out_avals)
    return tree_util.tree_unflatten(tree, [x if t is None else _convert(x, t)
                                           for x, t in zip(flat, targets, strict=True)])


def scan(f: Callable, init: Any, xs: Any, length: int | None = None,
         reverse: bool = False) -> tuple[Any, Any]:
    """Loop `carry, y = f(carry, x)` over the leading axis of `xs`, stacking the `y`s.

    Args:
      f: `(carry, x) -> (carry, y)`; the carry keeps its structure, shapes and dtypes.
      init: the initial carry (a pytree of arrays).
      xs: a pytree of arrays sharing a leading length, or None (then give `length`).
      length: the number of trips, required when `xs` is None.
      reverse: run from the last element to the first (ys stay in the order of xs).

    Returns:
      `(final carry, ys)`, `ys` being the `y`s stacked on a new leading axis.

    Example:
      >>> import numpy as np, functrans.lax as lax
      >>> lax.scan(lambda c, x: (c + x, c), 0.0, np.arange(3.0))
      (array(3.), array([0., 0., 1.]))
    """
    _check_callable("scan", f=f)
    source = core.user_source_info()
    init_flat, init_tree = tree_util.tree_flatten(init)
    xs_flat, _ = tree_util.tree_flatten(xs)
    length = _scan_length(xs_flat, length)
    init_avals = [core.get_aval(x) for x in init_flat]
    x_avals = [control_flow.unstacked_aval(core.get_aval(x)) for x in xs_flat]
    in_tree = tree_util.tree_structure((init, xs))
    pair_f = _pair_checked(f)
    body, consts, out_tree = _trace(pair_f, in_tree, init_avals + x_avals, source)
    carry_tree, y_tree = out_tree.children()
    _check_tree("scan", f"the carry returned by f ({_name(f)})", init_tree, carry_tree)
    n = len(init_flat)
    targets = _carry_targets("scan", "f", init_avals, body.out_avals[:n])
    if any(t is not None for t in targets):
        init_flat = [x if t is None else _convert(x, t)
                     for x, t in zip(init_flat, targets, strict=True)]
        init_avals = [core.get_aval(x) for x in init_flat]
        conv = _converting(pair_f, targets + [None] * (len(body.outvars) - n))
        body, consts, _ = _trace(conv, in_tree, init_avals + x_avals, source)
    outs = control_flow.scan(body, consts, init_flat, xs_flat, length=length, reverse=reverse)
    return (tree_util.tree_unflatten(init_tree, outs[:n]),
            tree_util.tree_unflatten(y_tree, outs[n:]))


def map(f: Callable, xs: Any) -> Any:   # JAX's name (shadows the builtin in this module)
    """`f` applied to each slice of `xs` along its leading axis, the results stacked: a `scan`
    without a carry, so one traced body and a loop, not a Python loop (as `jax.lax.map`).

    Args:
      f: a function of one slice (a pytree of arrays shaped like `xs` without its leading
        axis).
      xs: a pytree of arrays sharing a leading length.

    Returns:
      The outputs of `f` stacked on a new leading axis (a pytree like `f`'s output).

    Example:
      >>> import numpy as np, functrans.lax as lax, functrans.numpy as fnp
      >>> lax.map(lambda row: fnp.sum(row ** 2), np.arange(6.0).reshape(3, 2))
      array([ 1., 13., 41.])
    """
    _check_callable("map", f=f)
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


def _pair_checked(f: Callable) -> Callable:
    def pair_f(carry: Any, x: Any) -> tuple[Any, Any]:
        out = f(carry, x)
        if not isinstance(out, tuple) or len(out) != 2:
            raise errors.FunctransTypeError(
                f"scan: f ({_name(f)}) must return a pair (carry, y), got "
                f"{type(out).__name__}; return (carry, None) when there is no y.")
        return out
    return pair_f


def _scan_length(xs_flat: list, length: Any) -> int:
    lengths = set()
    for i, x in enumerate(xs_flat):
        aval = core.get_aval(x)
        if aval.ndim == 0:
            raise errors.FunctransValueError(
                f"scan: xs leaf {i} is a scalar (shape ()); every xs leaf needs a leading axis "
                "to scan over.")
        lengths.add(aval.shape[0])
    if length is not None:
        length = _check_length(length)
        if lengths - {length}:
            raise errors.FunctransValueError(
                f"scan: length={length} but xs have leading axes of sizes {sorted(lengths)}.")
        return length
    if not lengths:
        raise errors.FunctransValueError("scan: with xs=None (or no arrays in xs) give the "
                                         "number of trips as length=...")
    if len(lengths) > 1:
        raise errors.FunctransValueError(
            f"scan: xs leaves have different leading sizes {sorted(lengths)}; they must agree.")
    return lengths.pop()


def _check_length(length: Any) -> int:
    """`length` as a Python int, checked to be a non-negative integer."""
    try:
        n = operator.index(length)
    except TypeError:
        raise errors.FunctransTypeError(
            f"scan: length must be a non-negative int, got length={length!r} of type "
            f"{type(length).__name__}; pass a Python int (e.g. length=int(n)).") from None
    if n < 0:
        raise errors.FunctransValueError(
            f"scan: length must be a non-negative int, got length={n}.")
    return n
