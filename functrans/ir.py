"""The IR: types of values and programs, and checking a program.

Owns abstract values (`ShapedArray`, with `DYN` for a dimension whose length is known only at
run time), `SourceInfo`, `Var`/`Literal`/`JaxprEqn`/`Jaxpr`/`ClosedJaxpr`, the symbolic
`Zero` and `UndefPrimal`, the one pair of helpers that turns a program's constants into
leading inputs and back (`open_consts`, `close_consts`), and `check_jaxpr`.
Does not own primitives, tracing or evaluation (`core`, `evaluate`), printing (`pretty`) or
program statistics (`irtools`). This module imports nothing of functrans but `dtypes` and
`errors`; the modules above it install the methods that need them: `evaluate` installs
`ClosedJaxpr.__call__`, `pretty` installs `str()`/`repr()`/`.pretty()` of `Jaxpr` and
`ClosedJaxpr`, and `irtools` installs `ClosedJaxpr.to_dot()`/`.stats()`. Importing
`functrans` imports all three.

A primitive, as far as the IR is concerned, is any object with `name`, `multiple_results`
and `abstract_eval(*avals, **params)` (`core.Primitive`). A sub-program of an equation is a
param holding a `Jaxpr` or `ClosedJaxpr`, or a tuple or list of them (`param_subjaxprs`).
"""
from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from functrans import dtypes, errors

# --------------------------------------------------------------------------- abstract values


class _DynamicDim:
    """The length of a dimension known only at run time (a stack built by a loop); prints `*`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "*"

    __str__ = __repr__

    def __reduce__(self) -> str:
        return "DYN"


DYN = _DynamicDim()


class ShapedArray:
    """The type of an array value: shape, dtype, and whether it is weakly typed.

    Weakly typed values (Python scalars) take the dtype of the strongly typed values they
    meet (NumPy 2's rule). The IR dump prints a type as `f64[2,3]`. A dimension may be `DYN`
    (printed `*`): its length is known only at run time, as for the stacks a `while` loop
    builds. Such a type has no static `size` (it is `None`); `is_static` says whether every
    dimension is known.

    Example:
      >>> import numpy as np, functrans as ft
      >>> aval = ft.ShapedArray((2, 3), np.float64)
      >>> aval.str_short(), aval.size
      ('f64[2,3]', 6)
      >>> ft.ShapedArray((ft.ir.DYN, 3), np.float64).size is None
      True
    """

    __slots__ = ("dtype", "shape", "weak_type")

    def __init__(self, shape: tuple, dtype: np.dtype, weak_type: bool = False):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int | None:
        """The number of elements; None when a dimension is `DYN` (known only at run time)."""
        if DYN in self.shape:
            return None
        return math.prod(self.shape)

    @property
    def is_static(self) -> bool:
        """Every dimension has a length known before run time (no `DYN`)."""
        return DYN not in self.shape

    def str_short(self) -> str:
        return f"{dtypes.short_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def strip_weak(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def update(self, shape: tuple | None = None, dtype: np.dtype | None = None,
               weak_type: bool | None = None) -> ShapedArray:
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def same_type(self, other: ShapedArray) -> bool:
        """Equal shape and dtype; weak typing is a promotion hint, not part of the type."""
        return self.shape == other.shape and self.dtype == other.dtype

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_short()}{weak})"



# --------------------------------------------------------------------------- source locations


class SourceInfo(NamedTuple):
    """The user's line that created an equation or tracer."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        return f"{os.path.basename(self.filename)}:{self.lineno}"

    def long(self) -> str:
        return f"{self.filename}:{self.lineno} (in {self.function})"



# --------------------------------------------------------------------------- IR


class Var:
    """A variable of the IR; identity is the object itself, names are given when printing."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in the IR (`2.0:f64[]`)."""

    __slots__ = ("aval", "val")

    def __init__(self, val: Any, aval: ShapedArray):
        self.val = val
        self.aval = aval

    def __repr__(self) -> str:
        return f"Literal({self.val!r}:{self.aval.str_short()})"


Atom = Var | Literal


class JaxprEqn:
    """`outvars = primitive[params] invars`, with the user's source line."""

    __slots__ = ("invars", "outvars", "params", "primitive", "source_info")

    def __init__(self, primitive: Any, invars: list, outvars: list[Var], params: dict,
                 source_info: SourceInfo | None):
        self.primitive = primitive
        self.invars = invars
        self.outvars = outvars
        self.params = params
        self.source_info = source_info

    def replace(self, **kw: Any) -> JaxprEqn:
        fields = {k: getattr(self, k) for k in self.__slots__}
        fields.update(kw)
        return JaxprEqn(**fields)

    def __repr__(self) -> str:
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
        # How evaluate runs it (None: not yet run); set and read only by `evaluate`.
        self._plan: Callable[..., list] | None = None

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    # `__str__`, `__repr__` and `pretty(source=False)` are installed by `pretty`.
    if TYPE_CHECKING:   # declared for the type checker; `pretty` sits above this module
        pretty: Callable[..., str]


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

    # Installed by the modules above: `__call__` (evaluate), `__str__`, `__repr__` and
    # `pretty(source=False)` (pretty), `to_dot()` and `stats()` (irtools).
    if TYPE_CHECKING:   # declared for the type checker, which cannot see the installation
        __call__: Callable[..., list]
        pretty: Callable[..., str]
        to_dot: Callable[..., str]
        stats: Callable[..., dict]


# --------------------------------------------------------------------------- symbolic values


class Zero:
    """A tangent or cotangent known to be zero; never materialized unless asked."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"Zero({self.aval.str_short()})"


class UndefPrimal:
    """A linear input of an equation being transposed: only its type is known."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"UndefPrimal({self.aval.str_short()})"


# --------------------------------------------------------------------------- calls


def call_out_avals(where: str, avals: Sequence[ShapedArray], jaxpr: Jaxpr) -> list[ShapedArray]:
    """The output types of a call of the const-free `jaxpr` on operands typed `avals` (the shape
    rule of the call-like higher-order primitives); ShapeError naming `where` otherwise."""
    if len(avals) != len(jaxpr.invars):
        raise errors.ShapeError(f"{where}: takes {len(jaxpr.invars)} operands, got {len(avals)}")
    for i, (a, v) in enumerate(zip(avals, jaxpr.invars, strict=True)):
        if not a.same_type(v.aval):
            raise errors.ShapeError(f"{where}: operand {i} has type {a.str_short()}, the "
                                    f"program expects {v.aval.str_short()}")
    return [v.aval for v in jaxpr.outvars]


# --------------------------------------------------------------------------- constants


def constvars_to_invars(jaxpr: Jaxpr) -> Jaxpr:
    """`jaxpr` with its constvars turned into leading invars (the typed half of `open_consts`,
    for a program whose constants have no values yet, e.g. residuals)."""
    return Jaxpr([], [*jaxpr.constvars, *jaxpr.invars], jaxpr.eqns, jaxpr.outvars)


def invars_to_constvars(jaxpr: Jaxpr, n: int) -> Jaxpr:
    """The const-free `jaxpr` with its first `n` invars made constvars (the reverse)."""
    if jaxpr.constvars:
        raise errors.InvalidJaxprError(
            f"closing constants: the program already has {len(jaxpr.constvars)} constvars; "
            "pass a const-free program (see open_consts).")
    if n > len(jaxpr.invars):
        raise errors.InvalidJaxprError(
            f"closing constants: {n} of them for a program with {len(jaxpr.invars)} invars.")
    return Jaxpr(jaxpr.invars[:n], jaxpr.invars[n:], jaxpr.eqns, jaxpr.outvars)


def open_consts(closed: ClosedJaxpr) -> tuple[Jaxpr, list]:
    """The program with its constvars turned into leading invars, and the constants' values.

    How a program travels as a param of a higher-order primitive: const-free, its constants
    passed as leading operands (so tracers of enclosing traces never hide in params).
    `close_consts` is the reverse.
    """
    return constvars_to_invars(closed.jaxpr), list(closed.consts)


def close_consts(jaxpr: Jaxpr, consts: Sequence) -> ClosedJaxpr:
    """The const-free `jaxpr` with its first `len(consts)` invars made constvars holding `consts`.

    The reverse of `open_consts`: `close_consts(*open_consts(closed))` is `closed`'s program.
    """
    return ClosedJaxpr(invars_to_constvars(jaxpr, len(consts)), consts)


# --------------------------------------------------------------------------- checking


def param_subjaxprs(params: dict) -> list:
    """The sub-programs among `params`: values that are a `Jaxpr` or `ClosedJaxpr`, or a tuple
    or list of them (as `cond`'s branches), in the order of the params."""
    found = []
    for val in params.values():
        if isinstance(val, (Jaxpr, ClosedJaxpr)):
            found.append(val)
        elif isinstance(val, (tuple, list)):
            found.extend(v for v in val if isinstance(v, (Jaxpr, ClosedJaxpr)))
    return found


def check_jaxpr(jaxpr: Jaxpr | ClosedJaxpr) -> None:
    """Raise InvalidJaxprError unless `jaxpr` is well formed and well typed.

    Every variable is defined once before use; each equation's output types are what its
    primitive's shape rule gives for its input types; outputs are defined. Sub-programs in
    params (`param_subjaxprs`) are checked too.

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

    def define(v: Any, where: str) -> None:
        if not isinstance(v, Var):
            raise errors.InvalidJaxprError(f"{where}: binder {v!r} is not a Var")
        if v in defined:
            raise errors.InvalidJaxprError(f"{where}: variable {v!r} defined twice")
        defined.add(v)

    def read(v: Any, where: str) -> ShapedArray:
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
        for sub in param_subjaxprs(eqn.params):
            todo.append(sub.jaxpr if isinstance(sub, ClosedJaxpr) else sub)
    for v in jaxpr.outvars:
        read(v, "outvars")

