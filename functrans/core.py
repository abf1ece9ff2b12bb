"""The IR and the machinery every transformation shares.

Owns: abstract values, `Var`/`Literal`/`JaxprEqn`/`Jaxpr`/`ClosedJaxpr`, symbolic `Zero` and
`UndefPrimal`, `Primitive` and `bind`, the per-thread stack of traces with its `Tracer`,
`eval_jaxpr` (NumPy or inlining into the current trace) and `check_jaxpr`.
Does not own: any particular primitive (see `primitives/`), any transformation
(see `interpreters/`), pytrees (`tree_util`), or printing (`pretty`).

There is one kind of trace: a builder that records equations. A transformation traces the
user's function into a fresh builder, rewrites the resulting Jaxpr, and evaluates the
rewrite with `eval_jaxpr`; when that happens inside an enclosing trace, each equation is
bound there, so the rewrite is inlined and the transformations compose. Tracers of an
enclosing trace met while tracing become constants of the inner program (lambda lifting),
which is why no trace levels are needed.
"""
from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from functrans import dtypes, errors

# --------------------------------------------------------------------------- abstract values


class ShapedArray:
    """The type of an array value: shape, dtype, and whether it is weakly typed.

    Weakly typed values (Python scalars) take the dtype of the strongly typed values they
    meet (NumPy 2's rule). The IR dump prints a type as `f64[2,3]`.

    Example:
      >>> import numpy as np, functrans as ft
      >>> aval = ft.ShapedArray((2, 3), np.float64)
      >>> aval.str_short(), aval.size
      ('f64[2,3]', 6)
    """

    __slots__ = ("dtype", "shape", "weak_type")

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype, weak_type: bool = False):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def str_short(self) -> str:
        return f"{dtypes.short_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def strip_weak(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def update(self, shape=None, dtype=None, weak_type=None) -> ShapedArray:
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def same_type(self, other: ShapedArray) -> bool:
        """Equal shape and dtype; weak typing is a promotion hint, not part of the type."""
        return self.shape == other.shape and self.dtype == other.dtype

    def __eq__(self, other):
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_short()}{weak})"


def get_aval(x) -> ShapedArray:
    """The abstract value of a tracer, NumPy array, NumPy scalar or Python scalar."""
    if isinstance(x, Tracer):
        return x._var.aval
    if isinstance(x, (np.ndarray, np.generic)):
        return ShapedArray(x.shape, x.dtype)
    if isinstance(x, bool):
        return ShapedArray((), dtypes.bool_, True)
    if isinstance(x, int):
        return ShapedArray((), dtypes.int_, True)
    if isinstance(x, float):
        return ShapedArray((), dtypes.float_, True)
    raise errors.FunctransTypeError(
        f"{type(x).__name__} is not a valid functrans value; pass a NumPy array, NumPy scalar "
        "or Python scalar (int, float, bool).")


# --------------------------------------------------------------------------- source locations


class SourceInfo(NamedTuple):
    """The user's line that created an equation or tracer."""

    filename: str
    lineno: int
    function: str

    def __str__(self):
        return f"{os.path.basename(self.filename)}:{self.lineno}"

    def long(self) -> str:
        return f"{self.filename}:{self.lineno} (in {self.function})"


_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


_INTERNAL_CODE: set = set()   # code objects of functrans functions (bounded by the package)
_SOURCE_INFOS: dict = {}      # (code, line) -> SourceInfo, cleared when it grows past a bound


def user_source_info() -> SourceInfo | None:
    """The innermost stack frame outside functrans, i.e. the user's line."""
    f = sys._getframe(1)
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
                    info = _SOURCE_INFOS[key] = SourceInfo(code.co_filename, key[1],
                                                           code.co_name)
                return info
            internal.add(code)
        f = f.f_back
    return None


# --------------------------------------------------------------------------- IR


class Var:
    """A variable of the IR; identity is the object itself, names are given when printing."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in the IR (`2.0:f64[]`)."""

    __slots__ = ("aval", "val")

    def __init__(self, val, aval: ShapedArray):
        self.val = val
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.val!r}:{self.aval.str_short()})"


Atom = Var | Literal


class JaxprEqn:
    """`outvars = primitive[params] invars`, with the user's source line."""

    __slots__ = ("invars", "outvars", "params", "primitive", "source_info")

    def __init__(self, primitive: Primitive, invars: list, outvars: list[Var], params: dict,
                 source_info: SourceInfo | None):
        self.primitive = primitive
        self.invars = invars
        self.outvars = outvars
        self.params = params
        self.source_info = source_info

    def replace(self, **kw) -> JaxprEqn:
        fields = {k: getattr(self, k) for k in self.__slots__}
        fields.update(kw)
        return JaxprEqn(**fields)

    def __repr__(self):
        return f"JaxprEqn({self.primitive.name}, {len(self.invars)} in, {len(self.outvars)} out)"


class Jaxpr:
    """A typed first-order program: `{ lambda constvars ; invars . let eqns in outvars }`.

    Fields: `constvars`, `invars` (lists of `Var`), `eqns` (list of `JaxprEqn`: primitive,
    params, invars, outvars, source line) and `outvars` (`Var`s or `Literal`s). A `Jaxpr` has
    no values for its constvars; a `ClosedJaxpr` pairs it with them. See docs/ir.md.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> jaxpr = ft.make_jaxpr(lambda x: fnp.exp(x) + 1.0)(np.ones(2)).jaxpr
      >>> [eqn.primitive.name for eqn in jaxpr.eqns], jaxpr.in_avals
      (['exp', 'add'], [ShapedArray(f64[2])])
    """

    __slots__ = ("__weakref__", "_plan", "constvars", "eqns", "invars", "outvars")

    def __init__(self, constvars: list[Var], invars: list[Var], eqns: list[JaxprEqn],
                 outvars: list):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.eqns = list(eqns)
        self.outvars = list(outvars)
        self._plan = None

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def __str__(self):
        from functrans import pretty
        return pretty.pp_jaxpr(self)

    def pretty(self, source: bool = False) -> str:
        from functrans import pretty
        return pretty.pp_jaxpr(self, source=source)

    def __repr__(self):
        return str(self)


class ClosedJaxpr:
    """A Jaxpr with values for its constvars; `str()` is the IR dump, calling it evaluates.

    What `make_jaxpr` returns. Also: `.jaxpr`, `.consts`, `.eqns`, `.in_avals`,
    `.out_avals`, `.pretty(source=True)` (the dump with source lines), `.to_dot()`
    (Graphviz) and `.stats()` (equations and FLOPs per primitive); see docs/ir.md.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> closed = ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))
      >>> closed(np.zeros(3))
      [array([0., 0., 0.])]
      >>> closed.stats()["primitives"]
      {'mul': 1, 'sin': 1}
    """

    __slots__ = ("consts", "jaxpr")

    def __init__(self, jaxpr: Jaxpr, consts: Sequence):
        assert len(jaxpr.constvars) == len(consts)
        self.jaxpr = jaxpr
        self.consts = list(consts)

    @property
    def eqns(self) -> list[JaxprEqn]:
        return self.jaxpr.eqns

    @property
    def in_avals(self) -> list[ShapedArray]:
        return self.jaxpr.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        return self.jaxpr.out_avals

    def __call__(self, *args):
        return eval_jaxpr(self.jaxpr, self.consts, *args)

    def __str__(self):
        from functrans import pretty
        return pretty.pp_jaxpr(self.jaxpr)

    def pretty(self, source: bool = False) -> str:
        """The IR dump; with `source=True` each equation ends with `# file.py:line`."""
        from functrans import pretty
        return pretty.pp_jaxpr(self.jaxpr, source=source)

    def to_dot(self) -> str:
        """The program's data-flow graph as Graphviz DOT text (see `irtools.to_dot`)."""
        from functrans import irtools
        return irtools.to_dot(self)

    def stats(self) -> dict:
        """Equations and a FLOP estimate per primitive (see `irtools.stats`)."""
        from functrans import irtools
        return irtools.stats(self)

    def __repr__(self):
        return str(self)


# --------------------------------------------------------------------------- symbolic values


class Zero:
    """A tangent or cotangent known to be zero; never materialized unless asked."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"Zero({self.aval.str_short()})"


class UndefPrimal:
    """A linear input of an equation being transposed: only its type is known."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"UndefPrimal({self.aval.str_short()})"


# --------------------------------------------------------------------------- primitives


_rules_version = 0   # bumped whenever an attribute (a rule) of any Primitive is set


def rules_version() -> int:
    """A counter that changes whenever a primitive's rule is defined or replaced."""
    return _rules_version


class Primitive:
    """An operation of the IR together with its rules (see STYLE.md for their signatures)."""

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
        self.subjaxprs: Callable | None = None   # params -> sub-jaxprs, for check/pretty/DCE
        self.partial_eval: Callable | None = None  # split by known inputs (higher-order prims)
        self.dce: Callable | None = None   # (eqn, used_outputs) -> eqn with only those outputs
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

    def __setattr__(self, name, value):
        # Any change of a rule (a def_* call, or a test patching one) invalidates programs
        # built with the old rules (program_cache compares this version).
        global _rules_version
        _rules_version += 1
        object.__setattr__(self, name, value)

    def __repr__(self):
        return self.name

    def def_impl(self, f):
        self.impl = f
        return f

    def def_abstract_eval(self, f):
        self.abstract_eval = f
        return f

    def def_jvp(self, f):
        self.jvp = f
        return f

    def def_transpose(self, f):
        self.transpose = f
        return f

    def def_batch(self, f):
        self.batch = f
        return f

    def def_simplify(self, f):
        self.simplify = f
        return f

    def def_pp(self, f):
        self.pp = f
        return f

    def def_linear(self):
        """Linear in all inputs: the JVP is the primitive applied to the (instantiated) tangents."""
        self.linear = True
        self.differentiable = True
        self.jvp = functools.partial(_linear_jvp, self)

    def def_linear_in(self, *groups: tuple[int, ...]) -> None:
        """Linear in each group of operands (jointly within it) when the others are fixed.

        `add` is linear in `(0, 1)`, `mul` in `(0,)` and in `(1,)` (bilinear), `div` in `(0,)`,
        `select` in `(1, 2)`. Such a primitive needs a transpose rule; unlike `def_linear`,
        its JVP stays its own.
        """
        self.linear_in = tuple(tuple(int(i) for i in g) for g in groups)

    def def_flops(self, f):
        self.flops = f
        return f

    def def_nondifferentiable(self):
        """Piecewise constant or integer-valued: tangents out are symbolic zeros."""
        self.differentiable = False

    def bind(self, *args, **params):
        stack = _state.stack
        if stack:
            return stack[-1].process(self, args, params)
        return _eager_bind(self, args, params)


def _linear_jvp(prim, primals, tangents, **params):
    out = prim.bind(*primals, **params)
    tangents = [instantiate(t) for t in tangents]
    return out, prim.bind(*tangents, **params)


def instantiate(t):
    """A symbolic Zero turned into an array of zeros of its type; other values unchanged."""
    if isinstance(t, Zero):
        return np.zeros(t.aval.shape, t.aval.dtype)
    return t


def _eager_bind(prim, args, params):
    for x in args:
        if isinstance(x, Tracer):
            raise _dead_tracer_error(x)
    if _state.source is None:
        # Validate exactly as tracing would, so eager and traced calls fail alike. (While a
        # checked program is being rewritten, `source` is set and the rules are trusted.)
        prim.abstract_eval(*[get_aval(x) for x in args], **params)
    if prim.subjaxprs is not None and _state.stack:
        # A higher-order impl evaluates its sub-programs on these concrete values: outside any
        # trace, so that nothing in them (an always-staged equation) is recorded in ours.
        saved, _state.stack = _state.stack, []
        try:
            return prim.impl(*args, **params)
        finally:
            _state.stack = saved
    return prim.impl(*args, **params)


# --------------------------------------------------------------------------- traces and tracers


class _ThreadState(threading.local):
    def __init__(self):
        self.stack: list[JaxprTrace] = []
        self.source: SourceInfo | None = None


_state = _ThreadState()


def current_trace() -> JaxprTrace | None:
    stack = _state.stack
    return stack[-1] if stack else None


class source_override:
    """Within this block, equations get `info` as their source line (used by rewrites)."""

    __slots__ = ("info", "saved")

    def __init__(self, info: SourceInfo | None):
        self.info = info

    def __enter__(self):
        self.saved = _state.source
        _state.source = self.info

    def __exit__(self, *exc):
        _state.source = self.saved


def _dead_tracer_error(x: Tracer) -> errors.DeadTracerError:
    where = x._source.long() if x._source else "an unknown line"
    return errors.DeadTracerError(
        f"A traced value of type {x.aval.str_short()} created at {where} was used after the "
        "transformation that created it had finished (a leaked tracer). Return it from the "
        "transformed function instead of storing it in a global, a closure or an attribute.")


class JaxprTrace:
    """Records the equations bound while it is the current trace, then builds a Jaxpr."""

    def __init__(self, source: SourceInfo | None = None):
        self.eqns: list[JaxprEqn] = []
        self.invars: list[Var] = []
        self.constvars: list[Var] = []
        self.const_vals: list[Any] = []
        self._const_ids: dict[int, Var] = {}
        self.alive = True
        self.source = source

    def __enter__(self):
        _state.stack.append(self)
        return self

    def __exit__(self, *exc):
        popped = _state.stack.pop()
        assert popped is self, "trace stack corrupted"
        self.alive = False

    def new_arg(self, aval: ShapedArray) -> Tracer:
        v = Var(aval)
        self.invars.append(v)
        return Tracer(self, v, self.source)

    def to_atom(self, x) -> Atom:
        if type(x) is Tracer:
            if x._trace is self:
                return x._var
            if not x._trace.alive or x._trace not in _state.stack:
                raise _dead_tracer_error(x)
            return self._const_var(x, x._var.aval)
        if isinstance(x, (np.ndarray, np.generic)):
            if x.ndim == 0:
                # A NumPy scalar, immutable, not the user's 0-d array (which may change later).
                return Literal(x[()], _scalar_aval(x.dtype))
            return self._const_var(x, None)
        if isinstance(x, Literal):
            return x
        aval = _WEAK_AVALS.get(type(x))
        if aval is not None:   # bool, int, float
            return Literal(np.array(x, aval.dtype)[()], aval)
        if isinstance(x, (bool, int, float)):
            aval = get_aval(x)
            return Literal(np.array(x, aval.dtype)[()], aval)
        return self.to_atom(np.asarray(x))

    def _const_var(self, x, aval: ShapedArray | None) -> Var:
        """The constvar holding `x` (an array, or an outer tracer), made on first use."""
        v = self._const_ids.get(id(x))
        if v is None:
            v = Var(ShapedArray(x.shape, x.dtype) if aval is None else aval)
            self._const_ids[id(x)] = v
            self.constvars.append(v)
            self.const_vals.append(x)   # keeps x alive, so id(x) stays unique
        return v

    def process(self, prim: Primitive, args, params):
        for x in args:
            if type(x) is Tracer:
                break
        else:
            if not prim.always_staged:
                # Nothing depends on the traced inputs: evaluate now (constant folding).
                return _eager_bind(prim, args, params)
        invars = []
        avals = []
        for x in args:
            if type(x) is Tracer and x._trace is self:
                v = x._var
            else:
                v = self.to_atom(x)
            invars.append(v)
            avals.append(v.aval)
        out_aval = prim.abstract_eval(*avals, **params)
        info = _state.source or user_source_info()
        if prim.multiple_results:
            outvars = [Var(a) for a in out_aval]
            self.eqns.append(JaxprEqn(prim, invars, outvars, params, info))
            return [Tracer(self, v, info) for v in outvars]
        outvar = Var(out_aval)
        self.eqns.append(JaxprEqn(prim, invars, [outvar], params, info))
        return Tracer(self, outvar, info)

    def to_jaxpr(self, outs: Sequence) -> tuple[Jaxpr, list]:
        """The recorded program with `outs` as outputs, and the values of its constvars."""
        outvars = [self.to_atom(x) for x in outs]
        jaxpr = Jaxpr(self.constvars, self.invars, self.eqns, outvars)
        return jaxpr, list(self.const_vals)


_SCALAR_AVALS: dict[np.dtype, ShapedArray] = {}
_WEAK_AVALS = {bool: ShapedArray((), dtypes.bool_, True), int: ShapedArray((), dtypes.int_, True),
               float: ShapedArray((), dtypes.float_, True)}


def _scalar_aval(dtype: np.dtype) -> ShapedArray:
    aval = _SCALAR_AVALS.get(dtype)
    if aval is None:
        aval = _SCALAR_AVALS[dtype] = ShapedArray((), dtype)
    return aval


def trace_flat(fun: Callable, in_avals: Sequence[ShapedArray],
               source: SourceInfo | None = None) -> tuple[Jaxpr, list]:
    """Trace `fun(*tracers) -> list of outputs` into a Jaxpr and its constant values."""
    with JaxprTrace(source) as trace:
        tracers = [trace.new_arg(a) for a in in_avals]
        outs = fun(*tracers)
        return trace.to_jaxpr(outs)


def _np_lazy():
    global _fnp
    if _fnp is None:
        from functrans import numpy as fnp_module
        _fnp = fnp_module
    return _fnp


_fnp = None


class Tracer:
    """A value being traced: a variable of the trace that is recording the program."""

    __slots__ = ("__weakref__", "_source", "_trace", "_var")
    __array_priority__ = 1000
    __array_ufunc__ = None   # NumPy defers to our reflected operators: `W @ x` stays traced

    def __init__(self, trace: JaxprTrace, var: Var, source: SourceInfo | None):
        self._trace = trace
        self._var = var
        self._source = source

    # -- type information
    @property
    def aval(self) -> ShapedArray:
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
    def size(self) -> int:
        return self._var.aval.size

    @property
    def weak_type(self) -> bool:
        return self._var.aval.weak_type

    def __len__(self):
        if not self.shape:
            raise errors.FunctransTypeError("len() of a 0-d traced value (shape ()).")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise errors.FunctransTypeError("iteration over a 0-d traced value (shape ()).")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self):
        where = f" created at {self._source}" if self._source else ""
        state = "" if self._trace.alive else " (dead)"
        return f"Traced<{self.aval.str_short()}>{where}{state}"

    # -- conversions that need a concrete value
    def _concretization_error(self, what: str):
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

    def __bool__(self):
        raise self._concretization_error("bool()")

    def __float__(self):
        raise self._concretization_error("float()")

    def __int__(self):
        raise self._concretization_error("int()")

    def __index__(self):
        raise self._concretization_error(
            "__index__ (use as a Python int; to index a NumPy array with a traced index, "
            "use functrans.numpy.take(array, index))")

    def __complex__(self):
        raise self._concretization_error("complex()")

    def __array__(self, dtype=None, copy=None):
        raise self._concretization_error(
            "numpy.asarray() / __array__ (a NumPy function or a NumPy array's own indexing "
            "got a traced value; use functrans.numpy, e.g. functrans.numpy.take(array, index))")

    def tolist(self):
        raise self._concretization_error("tolist()")

    def item(self):
        raise self._concretization_error("item()")

    __hash__ = None   # == is elementwise, so tracers are not hashable (as NumPy arrays)

    # -- operators forward to functrans.numpy
    def __neg__(self):
        return (_fnp or _np_lazy()).negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return (_fnp or _np_lazy()).abs(self)

    def __invert__(self):
        return (_fnp or _np_lazy()).invert(self)

    def __add__(self, other):
        return (_fnp or _np_lazy()).add(self, other)

    def __radd__(self, other):
        return (_fnp or _np_lazy()).add(other, self)

    def __sub__(self, other):
        return (_fnp or _np_lazy()).subtract(self, other)

    def __rsub__(self, other):
        return (_fnp or _np_lazy()).subtract(other, self)

    def __mul__(self, other):
        return (_fnp or _np_lazy()).multiply(self, other)

    def __rmul__(self, other):
        return (_fnp or _np_lazy()).multiply(other, self)

    def __truediv__(self, other):
        return (_fnp or _np_lazy()).true_divide(self, other)

    def __rtruediv__(self, other):
        return (_fnp or _np_lazy()).true_divide(other, self)

    def __floordiv__(self, other):
        return (_fnp or _np_lazy()).floor_divide(self, other)

    def __rfloordiv__(self, other):
        return (_fnp or _np_lazy()).floor_divide(other, self)

    def __mod__(self, other):
        return (_fnp or _np_lazy()).remainder(self, other)

    def __rmod__(self, other):
        return (_fnp or _np_lazy()).remainder(other, self)

    def __pow__(self, other):
        return (_fnp or _np_lazy()).power(self, other)

    def __rpow__(self, other):
        return (_fnp or _np_lazy()).power(other, self)

    def __matmul__(self, other):
        return (_fnp or _np_lazy()).matmul(self, other)

    def __rmatmul__(self, other):
        return (_fnp or _np_lazy()).matmul(other, self)

    def __and__(self, other):
        return (_fnp or _np_lazy()).bitwise_and(self, other)

    def __rand__(self, other):
        return (_fnp or _np_lazy()).bitwise_and(other, self)

    def __or__(self, other):
        return (_fnp or _np_lazy()).bitwise_or(self, other)

    def __ror__(self, other):
        return (_fnp or _np_lazy()).bitwise_or(other, self)

    def __xor__(self, other):
        return (_fnp or _np_lazy()).bitwise_xor(self, other)

    def __rxor__(self, other):
        return (_fnp or _np_lazy()).bitwise_xor(other, self)

    def __eq__(self, other):
        return (_fnp or _np_lazy()).equal(self, other)

    def __ne__(self, other):
        return (_fnp or _np_lazy()).not_equal(self, other)

    def __lt__(self, other):
        return (_fnp or _np_lazy()).less(self, other)

    def __le__(self, other):
        return (_fnp or _np_lazy()).less_equal(self, other)

    def __gt__(self, other):
        return (_fnp or _np_lazy()).greater(self, other)

    def __ge__(self, other):
        return (_fnp or _np_lazy()).greater_equal(self, other)

    def __getitem__(self, idx):
        return (_fnp or _np_lazy())._indexing.getitem(self, idx)

    # -- attributes and methods
    @property
    def T(self):
        return (_fnp or _np_lazy()).transpose(self)

    @property
    def at(self):
        return (_fnp or _np_lazy())._indexing.IndexUpdateHelper(self)

    def sum(self, axis=None, dtype=None, keepdims=False):
        return (_fnp or _np_lazy()).sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False):
        return (_fnp or _np_lazy()).mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return (_fnp or _np_lazy()).max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return (_fnp or _np_lazy()).min(self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims=False):
        return (_fnp or _np_lazy()).prod(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = shape[0]
        return (_fnp or _np_lazy()).reshape(self, shape, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = axes[0]
        return (_fnp or _np_lazy()).transpose(self, axes or None)

    def astype(self, dtype):
        return (_fnp or _np_lazy()).asarray(self, dtype=dtype)

    def ravel(self):
        return (_fnp or _np_lazy()).ravel(self)

    def squeeze(self, axis=None):
        return (_fnp or _np_lazy()).squeeze(self, axis=axis)

    def dot(self, other):
        return (_fnp or _np_lazy()).dot(self, other)


def is_tracer(x) -> bool:
    return isinstance(x, Tracer)


# --------------------------------------------------------------------------- evaluation


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence, *args) -> list:
    """Evaluate `jaxpr`; inside a trace its equations are bound there (inlined), else NumPy.

    Args:
      jaxpr: the program (a `Jaxpr`; for a `ClosedJaxpr` pass `.jaxpr` and `.consts`).
      consts: one value per constvar.
      *args: one value per invar.

    Returns:
      A list with one value per output.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> closed = ft.make_jaxpr(lambda x: x * 2.0)(np.ones(2))
      >>> ft.eval_jaxpr(closed.jaxpr, closed.consts, np.array([1.0, 2.0]))
      [array([2., 4.])]
    """
    if len(consts) != len(jaxpr.constvars) or len(args) != len(jaxpr.invars):
        raise errors.FunctransTypeError(
            f"eval_jaxpr: the program takes {len(jaxpr.constvars)} constants and "
            f"{len(jaxpr.invars)} arguments, got {len(consts)} and {len(args)}.")
    if current_trace() is not None:
        return _eval_jaxpr_traced(jaxpr, consts, args)
    for x in itertools.chain(consts, args):
        if isinstance(x, Tracer):
            raise _dead_tracer_error(x)
    from functrans import plan
    return plan.run(jaxpr, consts, args)


def _last_uses(jaxpr: Jaxpr) -> list[list[Var]]:
    """For each equation, the variables whose last use it is (never the outputs)."""
    last: dict[Var, int] = {}
    for i, eqn in enumerate(jaxpr.eqns):
        for v in eqn.invars:
            if isinstance(v, Var):
                last[v] = i
    for v in jaxpr.outvars:
        last.pop(v, None)
    frees: list[list[Var]] = [[] for _ in jaxpr.eqns]
    for v, i in last.items():
        frees[i].append(v)
    return frees


def write_outputs(env: dict, eqn: JaxprEqn, out) -> None:
    """Store an equation's result(s) under its outvars (multiple results come as a sequence)."""
    if eqn.primitive.multiple_results:
        env.update(zip(eqn.outvars, out, strict=True))
    else:
        env[eqn.outvars[0]] = out


def bind_eqn(eqn: JaxprEqn, ins: Sequence):
    """Bind `eqn`'s primitive on `ins`, keeping the equation's source line."""
    with source_override(eqn.source_info):
        return eqn.primitive.bind(*ins, **eqn.params)


def eval_eqns(jaxpr: Jaxpr, consts, args, apply: Callable[[JaxprEqn, list], Any]) -> list:
    """Evaluate `jaxpr` with `apply(eqn, input values)` per equation, iteratively, dropping
    each intermediate right after its last use."""
    env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    for eqn, free in zip(jaxpr.eqns, _last_uses(jaxpr), strict=True):
        write_outputs(env, eqn, apply(eqn, [v.val if type(v) is Literal else env[v]
                                             for v in eqn.invars]))
        for v in free:
            del env[v]
    return [v.val if type(v) is Literal else env[v] for v in jaxpr.outvars]


def _eval_jaxpr_traced(jaxpr: Jaxpr, consts, args) -> list:
    return eval_eqns(jaxpr, consts, args, bind_eqn)


# --------------------------------------------------------------------------- checking


def check_jaxpr(jaxpr: Jaxpr | ClosedJaxpr) -> None:
    """Raise InvalidJaxprError unless `jaxpr` is well formed and well typed.

    Every variable is defined once before use; each equation's output types are what its
    primitive's shape rule gives for its input types; outputs are defined. Sub-jaxprs in
    params (listed by a primitive's `subjaxprs` hook) are checked too.

    Example:
      >>> import numpy as np, functrans as ft, functrans.numpy as fnp
      >>> ft.check_jaxpr(ft.make_jaxpr(ft.grad(lambda x: fnp.sum(x ** 3)))(np.ones(2)))
    """
    if isinstance(jaxpr, ClosedJaxpr):
        if len(jaxpr.consts) != len(jaxpr.jaxpr.constvars):
            raise errors.InvalidJaxprError("ClosedJaxpr: number of consts and constvars differ")
        jaxpr = jaxpr.jaxpr
    todo = [jaxpr]
    while todo:
        _check_one(todo.pop(), todo)


def _check_one(jaxpr: Jaxpr, todo: list) -> None:
    defined: set[Var] = set()

    def define(v, where):
        if not isinstance(v, Var):
            raise errors.InvalidJaxprError(f"{where}: binder {v!r} is not a Var")
        if v in defined:
            raise errors.InvalidJaxprError(f"{where}: variable {v!r} defined twice")
        defined.add(v)

    def read(v, where):
        if isinstance(v, Literal):
            if np.shape(v.val) != v.aval.shape or v.aval.shape != ():
                raise errors.InvalidJaxprError(f"{where}: literal {v!r} is not a scalar")
            return v.aval
        if v not in defined:
            raise errors.InvalidJaxprError(f"{where}: variable {v!r} used before definition")
        return v.aval

    for v in jaxpr.constvars:
        define(v, "constvars")
    for v in jaxpr.invars:
        define(v, "invars")
    for i, eqn in enumerate(jaxpr.eqns):
        where = f"equation {i} ({eqn.primitive.name}, from {eqn.source_info})"
        in_avals = [read(v, where) for v in eqn.invars]
        try:
            out = eqn.primitive.abstract_eval(*in_avals, **eqn.params)
        except (TypeError, ValueError) as e:
            raise errors.InvalidJaxprError(f"{where}: shape rule rejects its inputs: {e}") from e
        outs = list(out) if eqn.primitive.multiple_results else [out]
        if len(outs) != len(eqn.outvars):
            raise errors.InvalidJaxprError(
                f"{where}: rule gives {len(outs)} outputs, equation binds {len(eqn.outvars)}")
        for a, v in zip(outs, eqn.outvars, strict=True):
            if not isinstance(v, Var) or not a.same_type(v.aval):
                raise errors.InvalidJaxprError(
                    f"{where}: output typed {getattr(v, 'aval', v)!r}, rule gives {a!r}")
            define(v, where)
        if eqn.primitive.subjaxprs is not None:
            for sub in eqn.primitive.subjaxprs(eqn.params):
                todo.append(sub.jaxpr if isinstance(sub, ClosedJaxpr) else sub)
    for v in jaxpr.outvars:
        read(v, "outvars")


# --------------------------------------------------------------------------- rewriting


def rewrite_closed(consts: Sequence, in_avals: Sequence[ShapedArray],
                   body: Callable[[list, list], Sequence]) -> ClosedJaxpr:
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
    n = len(consts)
    jaxpr = Jaxpr(jaxpr.constvars + jaxpr.invars[:n], jaxpr.invars[n:], jaxpr.eqns,
                  jaxpr.outvars)
    return ClosedJaxpr(jaxpr, [*new_consts, *consts])


def env_reader(env: dict):
    """`read(atom)`: a Var's value from `env`, a Literal's value."""
    def read(v):
        return v.val if isinstance(v, Literal) else env[v]
    return read
