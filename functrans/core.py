"""Primitives, binding and tracing: how a program is recorded.

Owns `Primitive` (an operation and its rules) and `HigherOrderPrimitive` (one that carries
sub-programs in its params, with hooks for partial evaluation and DCE), `bind`, the
per-thread stack of traces (`JaxprTrace`), the `Tracer`, `trace_flat`, `rewrite_closed` (how
every IR-to-IR rewrite emits its output) and `rules_version` (changes whenever a rule is
defined; the program cache reads it).
Does not own the IR types or checking (`ir`), evaluation (`evaluate`), any particular
primitive (`primitives/`, `call`, `control_flow/`, `custom_derivatives`) or any
transformation (`interpreters/`). The Tracer's NumPy operators and methods (`+`, `x[i]`,
`.T`, `.sum()` ...) are installed by `functrans.numpy` from its table (`numpy/_methods.py`);
core keeps only the conversions that need a concrete value and raise.

There is one kind of trace: a builder that records equations. A transformation traces the
user's function into a fresh builder, rewrites the resulting Jaxpr, and evaluates the
rewrite with `evaluate.eval_jaxpr`; when that happens inside an enclosing trace, each
equation is bound there, so the rewrite is inlined and the transformations compose. Tracers
of an enclosing trace met while tracing become constants of the inner program (lambda
lifting), which is why no trace levels are needed.
"""
from __future__ import annotations

import functools
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, NoReturn, TypeVar

import numpy as np

from functrans import backend, dtypes, errors, ir

# A rule passed to a `def_*` decorator comes back unchanged, with its own type.
_Rule = TypeVar("_Rule", bound=Callable[..., Any])


def get_aval(x: Any) -> ir.ShapedArray:
    """The abstract value of a tracer, NumPy array, NumPy scalar or Python scalar."""
    if isinstance(x, Tracer):
        return x._var.aval
    if isinstance(x, (np.ndarray, np.generic)):
        return ir.ShapedArray(x.shape, x.dtype)
    if isinstance(x, bool):
        return ir.ShapedArray((), dtypes.bool_, True)
    if isinstance(x, int):
        return ir.ShapedArray((), dtypes.int_, True)
    if isinstance(x, float):
        return ir.ShapedArray((), dtypes.float_, True)
    if isinstance(x, complex):
        return ir.ShapedArray((), dtypes.complex_, True)
    if backend.is_foreign(x):   # a Dask or CuPy array: traced from its shape and dtype
        return backend.foreign_aval(x)
    raise errors.FunctransTypeError(
        f"{type(x).__name__} is not a valid functrans value; pass a NumPy array, NumPy scalar "
        "or Python scalar (int, float, complex, bool).")


# --------------------------------------------------------------------------- source locations

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


# Code objects of functrans functions (bounded by the package).
_INTERNAL_CODE: set[types.CodeType] = set()
# (code, line) -> SourceInfo, cleared when it grows past a bound.
_SOURCE_INFOS: dict[tuple[types.CodeType, int], ir.SourceInfo] = {}


def user_source_info() -> ir.SourceInfo | None:
    """The innermost stack frame outside functrans, i.e. the user's line."""
    f: types.FrameType | None = sys._getframe(1)
    internal = _INTERNAL_CODE
    while f is not None:
        code = f.f_code
        if code not in internal:
            if not code.co_filename.startswith(_PKG_DIR):
                key = (code, f.f_lineno)
                info = _SOURCE_INFOS.get(key)
                if info is None:
                    if len(_SOURCE_INFOS) > 4096:
                        _SOURCE_INFOS.clear()
                    info = _SOURCE_INFOS[key] = ir.SourceInfo(code.co_filename, key[1],
                                                              code.co_name)
                return info
            internal.add(code)
        f = f.f_back
    return None


# --------------------------------------------------------------------------- primitives


_rules_version = 0   # bumped by every def_* call of any Primitive


def rules_version() -> int:
    """A counter that changes whenever a primitive's rule is defined or replaced."""
    return _rules_version


def _rules_changed() -> None:
    # Programs built with the old rules are stale: the program cache compares this version.
    global _rules_version
    _rules_version += 1


class Primitive:
    """An operation of the IR together with its rules (see STYLE.md for their signatures).

    Rules are set with the `def_*` methods (each changes `rules_version()`, which invalidates
    cached programs built with the old rules), never by assigning the attributes.
    """

    def __init__(self, name: str, multiple_results: bool = False):
        self.name = name
        self.multiple_results = multiple_results
        self.impl: Callable | None = None
        self.abstract_eval: Callable | None = None
        self.jvp: Callable | None = None
        self.transpose: Callable | None = None
        self.batch: Callable | None = None
        self.simplify: Callable | None = None
        self.pp: Callable | None = None
        self.linear = False           # linear in every input: JVP applies it to the tangents
        self.differentiable = True    # False: the output tangent is always zero
        # True: recorded under a trace even when no operand is traced (a structural value the
        # optimizer must recognize, e.g. the identity basis of jacrev); False: evaluated then.
        self.always_staged = False
        # FLOPs of one equation of this primitive, sub-programs not included (irtools.stats):
        # `flops(eqn) -> int`; None means 0 (primitives that move data, higher-order ones).
        self.flops: Callable | None = None
        # Groups of operand positions it is linear in, jointly within a group, the other
        # operands held fixed (def_linear_in); `linear` above means every operand jointly.
        self.linear_in: tuple[tuple[int, ...], ...] = ()
        # Why no op-table program can contain it (tests/test_registry.py); None: one must.
        self.op_table_exempt: str | None = None
        # Why its impl needs NumPy arrays (a SciPy or host routine); None: it runs on any array
        # type with NumPy's dispatch protocols (functrans/backend.py, docs/backends.md).
        self.numpy_only: str | None = None
        # `core_axes(*in_avals, **params) -> (in_axes, out_axes)`: the axes of each operand and
        # output that one application of the impl needs whole (a matrix's two, a sort's one);
        # the other axes are loop axes it maps over independently. Chunked backends (Dask)
        # keep those axes in one chunk and apply the NumPy impl block by block. None: the impl
        # is written with functions the backend implements itself (functrans/backend.py).
        self.core_axes: Callable | None = None

    def __repr__(self) -> str:
        return self.name

    def def_impl(self, f: _Rule) -> _Rule:
        self.impl = f
        _rules_changed()
        return f

    def def_abstract_eval(self, f: _Rule) -> _Rule:
        self.abstract_eval = f
        _rules_changed()
        return f

    def def_jvp(self, f: _Rule) -> _Rule:
        self.jvp = f
        _rules_changed()
        return f

    def def_transpose(self, f: _Rule) -> _Rule:
        self.transpose = f
        _rules_changed()
        return f

    def def_batch(self, f: _Rule) -> _Rule:
        self.batch = f
        _rules_changed()
        return f

    def def_simplify(self, f: _Rule) -> _Rule:
        self.simplify = f
        _rules_changed()
        return f

    def def_pp(self, f: _Rule) -> _Rule:
        self.pp = f
        _rules_changed()
        return f

    def def_linear(self) -> None:
        """Linear in all inputs: the JVP is the primitive applied to the (instantiated) tangents."""
        self.linear = True
        self.differentiable = True
        self.jvp = functools.partial(_linear_jvp, self)
        _rules_changed()

    def def_linear_in(self, *groups: tuple[int, ...]) -> None:
        """Linear in each group of operands (jointly within it) when the others are fixed.

        `add` is linear in `(0, 1)`, `mul` in `(0,)` and in `(1,)` (bilinear), `div` in `(0,)`,
        `select` in `(1, 2)`. Such a primitive needs a transpose rule; unlike `def_linear`,
        its JVP stays its own.
        """
        self.linear_in = tuple(tuple(int(i) for i in g) for g in groups)

    def def_flops(self, f: _Rule) -> _Rule:
        self.flops = f
        return f

    def def_core_axes(self, f: _Rule) -> _Rule:
        self.core_axes = f
        return f

    def def_nondifferentiable(self) -> None:
        """Piecewise constant or integer-valued: tangents out are symbolic zeros."""
        self.differentiable = False
        _rules_changed()

    def bind(self, *args: Any, **params: Any) -> Any:
        stack = _state.stack
        if stack:
            return stack[-1].process(self, args, params)
        return _eager_bind(self, args, params)


class HigherOrderPrimitive(Primitive):
    """A primitive whose params carry sub-programs (`jit`, `cond`, `while`, `scan`, the
    custom-derivative calls), with the hooks the generic passes need for them.

    - `subjaxprs(params) -> list` of the sub-programs (`Jaxpr` or `ClosedJaxpr`), for
      printing, statistics and cache keys; by default every param holding one
      (`ir.param_subjaxprs`, which `check_jaxpr` uses).
    - `partial_eval(eqn, in_unknowns) -> (known_eqn, unknown_eqn, out_unknowns)`, or None:
      the equation is then unknown as a whole when any input is.
    - `dce(eqn, used_outputs) -> eqn` with only the used outputs, or None: kept whole.
    Its impl evaluates sub-programs on concrete values outside any trace.
    """

    def __init__(self, name: str, multiple_results: bool = False):
        super().__init__(name, multiple_results)
        self.subjaxprs: Callable[[dict], list] = ir.param_subjaxprs
        self.partial_eval: Callable | None = None
        self.dce: Callable | None = None

    def def_subjaxprs(self, f: _Rule) -> _Rule:
        self.subjaxprs = f
        _rules_changed()
        return f

    def def_partial_eval(self, f: _Rule) -> _Rule:
        self.partial_eval = f
        _rules_changed()
        return f

    def def_dce(self, f: _Rule) -> _Rule:
        self.dce = f
        _rules_changed()
        return f


def _linear_jvp(prim: Primitive, primals: Sequence, tangents: Sequence,
                **params: Any) -> tuple[Any, Any]:
    out = prim.bind(*primals, **params)
    tangents = [instantiate(t) for t in tangents]
    return out, prim.bind(*tangents, **params)


def instantiate(t: Any) -> Any:
    """A symbolic Zero turned into an array of zeros of its type; other values unchanged."""
    if isinstance(t, ir.Zero):
        return np.zeros(t.aval.shape, t.aval.dtype)
    return t


def _eager_bind(prim: Primitive, args: Sequence, params: dict[str, Any]) -> Any:
    for x in args:
        if isinstance(x, Tracer):
            raise _dead_tracer_error(x)
    if _state.source is None:
        # Validate exactly as tracing would, so eager and traced calls fail alike. (While a
        # checked program is being rewritten, `source` is set and the rules are trusted.)
        # The ignore: the rule attributes are None until def_* sets them (each
        # primitive that can be bound has; tests/test_registry.py checks it).
        prim.abstract_eval(*[get_aval(x) for x in args], **params)  # type: ignore[misc]
    if _state.stack and isinstance(prim, HigherOrderPrimitive):
        # A higher-order impl evaluates its sub-programs on these concrete values: outside any
        # trace, so that nothing in them (an always-staged equation) is recorded in ours.
        saved, _state.stack = _state.stack, []
        try:
            return _eager_apply(prim, args, params)
        finally:
            _state.stack = saved
    return _eager_apply(prim, args, params)


def _eager_apply(prim: Primitive, args: Sequence, params: dict[str, Any]) -> Any:
    # A Dask or CuPy operand outside a backend's run takes its backend's route: at top level,
    # and also when a rewrite inlined into a trace folds an equation on concrete values
    # (`source` set), where NumPy constants must be moved in first (CuPy refuses a mix).
    if backend.current() is None:
        be = backend.find(args)
        if be is not None:
            out_avals = prim.abstract_eval(  # type: ignore[misc]
                *[get_aval(x) for x in args], **params)
            return be.bind_eager(prim, args, params, out_avals)
    return prim.impl(*args, **params)  # type: ignore[misc]


# --------------------------------------------------------------------------- traces and tracers


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.stack: list[JaxprTrace] = []
        self.source: ir.SourceInfo | None = None


_state = _ThreadState()


def current_trace() -> JaxprTrace | None:
    stack = _state.stack
    return stack[-1] if stack else None


class source_override:
    """Within this block, equations get `info` as their source line (used by rewrites)."""

    __slots__ = ("info", "saved")

    def __init__(self, info: ir.SourceInfo | None):
        self.info = info

    def __enter__(self) -> None:
        self.saved = _state.source
        _state.source = self.info

    def __exit__(self, *exc: object) -> None:
        _state.source = self.saved


def _dead_tracer_error(x: Tracer) -> errors.DeadTracerError:
    where = x._source.long() if x._source else "an unknown line"
    return errors.DeadTracerError(
        f"A traced value of type {x.aval.str_short()} created at {where} was used after the "
        "transformation that created it had finished (a leaked tracer). Return it from the "
        "transformed function instead of storing it in a global, a closure or an attribute.")


class JaxprTrace:
    """Records the equations bound while it is the current trace, then builds a Jaxpr."""

    def __init__(self, source: ir.SourceInfo | None = None):
        self.eqns: list[ir.JaxprEqn] = []
        self.invars: list[ir.Var] = []
        self.constvars: list[ir.Var] = []
        self.const_vals: list[Any] = []
        self._const_ids: dict[int, ir.Var] = {}
        self.alive = True
        self.source = source

    def __enter__(self) -> JaxprTrace:
        _state.stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        popped = _state.stack.pop()
        assert popped is self, "trace stack corrupted"
        self.alive = False

    def new_arg(self, aval: ir.ShapedArray) -> Tracer:
        v = ir.Var(aval)
        self.invars.append(v)
        return Tracer(self, v, self.source)

    def to_atom(self, x: Any) -> ir.Atom:
        if type(x) is Tracer:
            if x._trace is self:
                return x._var
            if not x._trace.alive or x._trace not in _state.stack:
                raise _dead_tracer_error(x)
            return self._const_var(x, x._var.aval)
        if isinstance(x, (np.ndarray, np.generic)):
            if x.ndim == 0:
                # A NumPy scalar, immutable, not the user's 0-d array (which may change later).
                # The ignore: NumPy's stubs omit generic.__getitem__, which accepts ().
                return ir.Literal(x[()], _scalar_aval(x.dtype))  # type: ignore[index]
            return self._const_var(x, None)
        if isinstance(x, ir.Literal):
            return x
        aval = _WEAK_AVALS.get(type(x))
        if aval is not None:   # bool, int, float, complex
            return ir.Literal(np.array(x, aval.dtype)[()], aval)
        if isinstance(x, (bool, int, float, complex)):
            aval = get_aval(x)
            return ir.Literal(np.array(x, aval.dtype)[()], aval)
        if backend.is_foreign(x):   # a Dask or CuPy array captured by the trace
            return self._const_var(x, backend.foreign_aval(x))
        return self.to_atom(np.asarray(x))

    def _const_var(self, x: Any, aval: ir.ShapedArray | None) -> ir.Var:
        """The constvar holding `x` (an array, or an outer tracer), made on first use."""
        v = self._const_ids.get(id(x))
        if v is None:
            v = ir.Var(ir.ShapedArray(x.shape, x.dtype) if aval is None else aval)
            self._const_ids[id(x)] = v
            self.constvars.append(v)
            self.const_vals.append(x)   # keeps x alive, so id(x) stays unique
        return v

    def process(self, prim: Primitive, args: Sequence, params: dict[str, Any]) -> Any:
        for x in args:
            if type(x) is Tracer:
                break
        else:
            if not prim.always_staged:
                # Nothing depends on the traced inputs: evaluate now (constant folding).
                return _eager_bind(prim, args, params)
        invars: list[ir.Atom] = []
        avals = []
        for x in args:
            v: ir.Atom
            if type(x) is Tracer and x._trace is self:
                v = x._var
            else:
                v = self.to_atom(x)
            invars.append(v)
            avals.append(v.aval)
        # The ignore: the rule attributes are None until def_* sets them (each
        # primitive that can be bound has; tests/test_registry.py checks it).
        out_aval = prim.abstract_eval(*avals, **params)  # type: ignore[misc]
        info = _state.source or user_source_info()
        if prim.multiple_results:
            outvars = [ir.Var(a) for a in out_aval]
            self.eqns.append(ir.JaxprEqn(prim, invars, outvars, params, info))
            return [Tracer(self, v, info) for v in outvars]
        outvar = ir.Var(out_aval)
        self.eqns.append(ir.JaxprEqn(prim, invars, [outvar], params, info))
        return Tracer(self, outvar, info)

    def to_jaxpr(self, outs: Sequence) -> tuple[ir.Jaxpr, list]:
        """The recorded program with `outs` as outputs, and the values of its constvars."""
        outvars = [self.to_atom(x) for x in outs]
        jaxpr = ir.Jaxpr(self.constvars, self.invars, self.eqns, outvars)
        # An ndarray subclass (functrans.numpy.Array) enters the program as a plain view: the
        # impls never see the subclass.
        return jaxpr, [c if type(c) is np.ndarray or not isinstance(c, np.ndarray)
                       else c.view(np.ndarray) for c in self.const_vals]


_SCALAR_AVALS: dict[np.dtype, ir.ShapedArray] = {}
_WEAK_AVALS = {bool: ir.ShapedArray((), dtypes.bool_, True),
               int: ir.ShapedArray((), dtypes.int_, True),
               float: ir.ShapedArray((), dtypes.float_, True),
               complex: ir.ShapedArray((), dtypes.complex_, True)}


def _scalar_aval(dtype: np.dtype) -> ir.ShapedArray:
    aval = _SCALAR_AVALS.get(dtype)
    if aval is None:
        aval = _SCALAR_AVALS[dtype] = ir.ShapedArray((), dtype)
    return aval


def trace_flat(fun: Callable, in_avals: Sequence[ir.ShapedArray],
               source: ir.SourceInfo | None = None) -> tuple[ir.Jaxpr, list]:
    """Trace `fun(*tracers) -> list of outputs` into a Jaxpr and its constant values."""
    with JaxprTrace(source) as trace:
        tracers = [trace.new_arg(a) for a in in_avals]
        outs = fun(*tracers)
        return trace.to_jaxpr(outs)




class Tracer:
    """A value being traced: a variable of the trace that is recording the program."""

    __slots__ = ("__weakref__", "_source", "_trace", "_var")
    __array_priority__ = 1000
    # NumPy defers to our reflected operators; functrans.numpy installs the NEP 13 / NEP 18
    # protocols (numpy/_dispatch.py), so `np.sin(x)` and `W @ x` run functrans.numpy.
    __array_ufunc__ = None

    def __init__(self, trace: JaxprTrace, var: ir.Var, source: ir.SourceInfo | None):
        self._trace = trace
        self._var = var
        self._source = source

    # -- type information
    @property
    def aval(self) -> ir.ShapedArray:
        return self._var.aval

    @property
    def shape(self) -> tuple[int, ...]:
        return self._var.aval.shape

    @property
    def dtype(self) -> np.dtype:
        return self._var.aval.dtype

    @property
    def ndim(self) -> int:
        return len(self._var.aval.shape)

    @property
    def size(self) -> int | None:
        return self._var.aval.size

    @property
    def weak_type(self) -> bool:
        return self._var.aval.weak_type

    def __len__(self) -> int:
        if not self.shape:
            raise errors.FunctransTypeError("len() of a 0-d traced value (shape ()).")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tracer]:
        if not self.shape:
            raise errors.FunctransTypeError("iteration over a 0-d traced value (shape ()).")
        # The ignore: x[i] is installed by functrans.numpy, which core does not import.
        return (self[i] for i in range(self.shape[0]))  # type: ignore[index]

    def __repr__(self) -> str:
        where = f" created at {self._source}" if self._source else ""
        state = "" if self._trace.alive else " (dead)"
        return f"Traced<{self.aval.str_short()}>{where}{state}"

    # -- conversions that need a concrete value
    def _concretization_error(self, what: str) -> errors.FunctransTypeError:
        if not self._trace.alive:
            return _dead_tracer_error(self)
        info = user_source_info()
        where = info.long() if info else "an unknown line"
        return errors.ConcretizationError(
            f"{what} was called on a traced value of type {self.aval.str_short()} at {where}. "
            "Its value is not known while the function is being traced, so Python control "
            "flow (`if`, `while`, `and`/`or`) and conversions to Python numbers cannot use it. "
            "Use functrans.numpy.where(cond, x, y) to select values, "
            "functrans.lax.cond / while_loop / fori_loop / scan for control flow, or mark "
            "the argument static with static_argnums.")

    def __bool__(self) -> NoReturn:
        raise self._concretization_error("bool()")

    def __float__(self) -> NoReturn:
        raise self._concretization_error("float()")

    def __int__(self) -> NoReturn:
        raise self._concretization_error("int()")

    def __index__(self) -> NoReturn:
        raise self._concretization_error(
            "__index__ (use as a Python int; to index a NumPy array with a traced index, "
            "make it a functrans array: functrans.numpy.asarray(array)[index])")

    def __complex__(self) -> NoReturn:
        raise self._concretization_error("complex()")

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> NoReturn:
        raise self._concretization_error(
            "numpy.asarray() / __array__ (a NumPy function or a NumPy array's own indexing "
            "got a traced value; use functrans.numpy, e.g. functrans.numpy.asarray(array)[index] "
            "to index a constant array)")

    def tolist(self) -> NoReturn:
        raise self._concretization_error("tolist()")

    def item(self) -> NoReturn:
        raise self._concretization_error("item()")

    # == is elementwise, so tracers are not hashable (as NumPy arrays). The ignore: typeshed
    # types object.__hash__ as a method, and None is how Python spells "unhashable".
    __hash__: ClassVar[None] = None  # type: ignore[assignment]


backend.not_foreign(Tracer)   # it speaks NumPy's dispatch protocols, but is not an array


def is_tracer(x: Any) -> bool:
    return isinstance(x, Tracer)


# --------------------------------------------------------------------------- rewriting

def rewrite_closed(consts: Sequence, in_avals: Sequence[ir.ShapedArray],
                   body: Callable[[list, list], Sequence]) -> ir.ClosedJaxpr:
    """Build a new program by running `body(const_tracers, arg_tracers) -> outs` in a builder.

    The given `consts` (values, or tracers of an enclosing trace) become constvars of the result
    without being looked at: inside `body` they are placeholders. Constants that `body` creates
    (folded values) become further constvars. This is how every IR-to-IR rewrite emits its
    output, through the same `bind` and shape rules as tracing.
    """
    with JaxprTrace() as trace:
        const_tracers = [trace.new_arg(get_aval(c)) for c in consts]
        arg_tracers = [trace.new_arg(a) for a in in_avals]
        outs = body(const_tracers, arg_tracers)
        jaxpr, new_consts = trace.to_jaxpr(outs)
    # Folded constants first, then the given ones: all become constvars.
    opened, new_consts = ir.open_consts(ir.ClosedJaxpr(jaxpr, new_consts))
    return ir.close_consts(opened, [*new_consts, *consts])
