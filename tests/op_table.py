"""The op table: one row per public `functrans.numpy` function, operator and index form.

Owns the rows (`ROWS`), their variants (`Case`: one shape per argument and one dtype per
argument) and the seeded input generation that `test_ops.py`, `test_ops_grad.py`,
`test_ops_vmap.py` and `test_registry.py` parametrize over. Owns no test.

A row's inputs come from its `kinds`, one letter per argument:
  f  floats uniform in `domain` (integers in it for an integer dtype, bools for bool)
  n  nonzero: |x| uniform in `domain`, random sign (for kinks at 0: abs, sign, reciprocal)
  d  distinct: all `d` arguments together take well separated values spread over `domain`
     (no ties for max/argmax/maximum, so their derivatives exist)
  b  bools
  i  integer indices (int64) uniform in `int_range` (a traced index argument)
  p  a Python float in `domain` (weakly typed; its shape must be ())
  q  a Python int in `domain` (weakly typed; its shape must be ())
  s  special floats: like f, but about half the elements are inf, -inf or nan
Floats within 0.05 of a point of `avoid` are moved off it (kinks of clip, abs, ...).

A complex dtype (complex128, complex64) for an argument of kind f, n or d draws its real part
as that kind draws a float and adds an imaginary part uniform in +-min(0.5, width / 4) of the
domain, so the values stay near the real domain a row chose (away from the branch cuts and
poles of the functions, which lie on the real or imaginary axis outside it). Rows need not list
complex dtypes: `cases` adds complex variants to every row NumPy defines on complex values (see
`complex_cases`).

Comparison with NumPy is exact (`tol == 0`) for ops that end in NumPy's own ufunc or
reduction; compositions have a small `tol`, used as rtol and atol, with a comment saying
why. For float32 results `tol` is scaled by the ratio of the dtypes' machine epsilons.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import warnings
import zlib
from collections.abc import Callable

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as _fnp_module
from functrans import core, tree_util

F64 = np.dtype(np.float64)
F32 = np.dtype(np.float32)
I64 = np.dtype(np.int64)
I32 = np.dtype(np.int32)
U8 = np.dtype(np.uint8)
BOOL = np.dtype(np.bool_)
C128 = np.dtype(np.complex128)
C64 = np.dtype(np.complex64)

# Float results compared with NumPy to this relative tolerance when a row is a composition of
# primitives that rounds differently from NumPy's single ufunc/kernel (one or two ulps).
COMPOSED = 1e-14
BATCH = 5   # vmap batch size: no row uses a dimension of 5, so a misplaced axis cannot pass


class _Late:
    """`fnp.name`, `fnp.linalg.norm`, ... looked up in functrans.numpy when called, so that a
    missing function fails its own rows instead of the import of the whole table."""

    def __init__(self, path: tuple[str, ...] = ()):
        self._path = path

    def __getattr__(self, name: str) -> _Late:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Late(self._path + (name,))

    def __call__(self, *args, **kwargs):
        obj = _fnp_module
        for name in self._path:
            obj = getattr(obj, name)
        return obj(*args, **kwargs)

    def __repr__(self):
        return "fnp." + ".".join(self._path)


fnp = _Late()


@dataclasses.dataclass(frozen=True)
class OpRow:
    """One public op: how to call it, its NumPy reference, and the inputs it is tested on."""

    name: str
    fun: Callable
    ref: Callable
    shapes: tuple                       # variants, each a tuple of one shape per argument
    dtypes: tuple = (F64,)              # variants: one dtype for all arguments (kinds b, i, p,
    #                                     q have their own), or a tuple of one per argument
    kinds: str | None = None            # one letter per argument (module docstring); None: all f
    domain: tuple[float, float] = (-2.0, 2.0)
    int_range: tuple[int, int] = (0, 3)     # for kind i, high end excluded
    avoid: tuple[float, ...] = ()
    grad_order: int = 2                 # 0: not differentiable (integer/bool valued, ...)
    diff_argnums: tuple[int, ...] | None = None   # None: every argument of kind f, n, d, p
    tol: float = 0.0
    xfail: tuple[tuple[str, str, str], ...] = ()  # (test kind, variant-id substring, bug)

    def arg_kinds(self, nargs: int) -> str:
        return self.kinds if self.kinds is not None else "f" * nargs

    def diff_args(self, nargs: int) -> tuple[int, ...]:
        if self.diff_argnums is not None:
            return self.diff_argnums
        return tuple(i for i, k in enumerate(self.arg_kinds(nargs)) if k in "fndp")


@dataclasses.dataclass(frozen=True)
class Case:
    """One variant of a row: argument shapes and dtypes, and its seeded inputs."""

    row: OpRow
    shapes: tuple
    dtypes: tuple

    @property
    def id(self) -> str:
        if not self.shapes:
            return f"{self.row.name}-nullary"
        shapes = ",".join("x".join(map(str, s)) if s else "s" for s in self.shapes)
        kinds = self.row.arg_kinds(len(self.shapes))
        dts = ",".join(_dtype_tag(d, k) for d, k in zip(self.dtypes, kinds, strict=True))
        return f"{self.row.name}-{shapes}-{dts}"

    @property
    def kinds(self) -> str:
        return self.row.arg_kinds(len(self.shapes))

    @property
    def is_complex(self) -> bool:
        """A complex variant (see `complex_cases`)."""
        return any(d.kind == "c" for d in self.dtypes)

    @property
    def is_f64(self) -> bool:
        """Every float-kind argument is float64 (the variants derivatives are checked on)."""
        return all(d == F64 for d, k in zip(self.dtypes, self.kinds, strict=True) if k in "fnd")

    def args(self, example: int = 0) -> tuple:
        """The inputs; `example` selects another seeded draw of the same shapes (for vmap)."""
        seed = zlib.crc32(f"{self.id}|{example}".encode())
        return make_args(np.random.default_rng(seed), self.row, self.shapes, self.dtypes)

    def restricted(self, args: tuple | None = None) -> tuple[Callable, tuple]:
        """The row's function of its differentiated arguments only, the others held at
        `args` (default: `self.args()`), and the differentiated arguments' values there."""
        args = self.args() if args is None else tuple(args)
        nums = self.row.diff_args(len(args))

        def fun(*diff):
            full = list(args)
            for i, x in zip(nums, diff, strict=True):
                full[i] = x
            return self.row.fun(*full)
        return fun, tuple(args[i] for i in nums)


def _dtype_tag(dtype: np.dtype, kind: str) -> str:
    special = {"i": "idx", "b": "b", "p": "pyfloat", "q": "pyint"}
    if kind in special:
        return special[kind]
    return {"float64": "f64", "float32": "f32", "int64": "i64", "int32": "i32", "int16": "i16",
            "int8": "i8", "uint64": "u64", "uint32": "u32", "uint16": "u16", "uint8": "u8",
            "bool": "b", "complex128": "c128", "complex64": "c64"}[dtype.name]


# The dtype an argument of a fixed-type kind has, whatever the variant's dtype.
_KIND_DTYPES = {"i": I64, "b": BOOL, "p": F64, "q": I64}


def cases(row: OpRow) -> list[Case]:
    out = []
    for shapes in row.shapes:
        for dt in row.dtypes:
            dts = dt if isinstance(dt, tuple) else (dt,) * len(shapes)
            kinds = row.arg_kinds(len(shapes))
            dts = tuple(np.dtype(_KIND_DTYPES.get(k, d)) for d, k in zip(dts, kinds, strict=True))
            out.append(Case(row, tuple(shapes), dts))
    return out + complex_cases(row)


# A complex variant of a row: the real rows' kinds it applies to, and each float dtype's
# complex dtype.
_COMPLEX_KINDS = set("fnd")
_COMPLEX_OF = {F64: C128, F32: C64}


@functools.cache
def complex_cases(row: OpRow) -> list[Case]:
    """The complex variants of a row (issue 14): complex128 inputs (and complex64 ones if the
    row has float32 variants) of the row's variant with the most elements, for every row whose
    arguments are all of kind f, n or d, that has float64 variants, that
    `op_rows_complex.EXCLUDED` does not name, and whose NumPy reference accepts complex input
    (without discarding the imaginary parts: a `ComplexWarning` counts as not accepting).
    `op_rows_complex.COMPLEX_TOL` gives the tolerance of rows whose complex values round
    differently from NumPy's complex kernels. Values are checked on all (tests/test_ops.py),
    vmap too (tests/test_ops_vmap.py), derivatives on the complex128 ones
    (tests/test_ops_complex.py)."""
    if not row.shapes or row.name in op_rows_complex.EXCLUDED:
        return []
    shapes = max(row.shapes, key=lambda v: (sum(math.prod(s) for s in v), -row.shapes.index(v)))
    kinds = row.arg_kinds(len(shapes))
    if not shapes or not set(kinds) <= _COMPLEX_KINDS or F64 not in row.dtypes:
        return []
    row = dataclasses.replace(row, tol=op_rows_complex.COMPLEX_TOL.get(row.name, row.tol))
    out = [Case(row, tuple(shapes), (_COMPLEX_OF[f],) * len(shapes))
           for f in (F64, F32) if f in row.dtypes]
    if not _numpy_accepts(row, out[0].args()):
        return []
    return out


def _numpy_accepts(row: OpRow, args: tuple) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            with np.errstate(all="ignore"):
                out = row.ref(*args)
        except Exception:   # any refusal of the reference: not defined there
            return False
    return all(np.asarray(o).dtype.kind in "biufc" for o in leaves(out))


# Test kinds that run on the complex128 variants only (complex64 ones: values only).
_COMPLEX128_ONLY = {"vmap"}


def params(test_kind: str, select: Callable[[Case], bool] = lambda c: True) -> list:
    """`pytest.param`s of all cases passing `select`, with an xfail for each reported bug."""
    out = []
    for row in ROWS:
        for case in cases(row):
            if not select(case) or (test_kind in _COMPLEX128_ONLY and C64 in case.dtypes
                                    and case.is_complex):
                continue
            bug = known_bug(case, test_kind)
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def known_bug(case: Case, test_kind: str) -> str | None:
    """The reported bug that makes `test_kind` fail on this case, if any."""
    for kind, sub, reason in case.row.xfail:
        if kind == test_kind and sub in case.id:
            return reason
    return None


# --------------------------------------------------------------------------- inputs


def make_args(rng: np.random.Generator, row: OpRow, shapes, dts) -> tuple:
    kinds = row.arg_kinds(len(shapes))
    picked = [i for i, k in enumerate(kinds) if k == "d"]
    distinct = _distinct_values(rng, row, [shapes[i] for i in picked], [dts[i] for i in picked])
    args = []
    for shape, dtype, kind in zip(shapes, dts, kinds, strict=True):
        if kind == "d":
            args.append(distinct.pop(0))
        else:
            args.append(_one_arg(rng, row, kind, tuple(shape), dtype))
    return tuple(args)


def _one_arg(rng, row: OpRow, kind: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    lo, hi = row.domain
    if kind == "i":
        return np.asarray(rng.integers(*row.int_range, size=shape), I64)
    if kind == "p":
        assert shape == (), f"{row.name}: a Python scalar argument has shape ()"
        return float(rng.uniform(lo, hi))
    if kind == "q":
        assert shape == (), f"{row.name}: a Python scalar argument has shape ()"
        return int(rng.integers(math.ceil(lo), math.floor(hi) + 1))
    if kind == "b" or dtype.kind == "b":
        return np.asarray(rng.random(shape) < 0.5)
    sign = np.where(rng.random(shape) < 0.5, -1, 1) if kind == "n" else 1
    if dtype.kind in "iu":
        ints = rng.integers(math.ceil(lo), math.floor(hi) + 1, size=shape)
        if kind == "n":
            ints = np.maximum(ints, 1)
        ints = sign * ints
        return np.asarray(np.abs(ints) if dtype.kind == "u" else ints, dtype)
    x = _move_off(sign * rng.uniform(lo, hi, size=shape), row.avoid)
    if kind == "s":
        specials = np.array([np.inf, -np.inf, np.nan])[rng.integers(0, 3, size=shape)]
        x = np.where(rng.random(shape) < 0.5, specials, x)
    if dtype.kind == "c":
        x = x + 1j * _imaginary_part(rng, row, shape)
    return np.asarray(x, dtype)


def _imaginary_part(rng, row: OpRow, shape: tuple) -> np.ndarray:
    """The imaginary parts of a complex draw (module docstring)."""
    lo, hi = row.domain
    width = min(0.5, (hi - lo) / 4)
    return rng.uniform(-width, width, size=shape)


def _move_off(x, avoid: tuple[float, ...]):
    x = np.array(x, np.float64)
    for p in avoid:
        near = np.abs(x - p) < 0.05
        x[near] = p + np.where(x[near] >= p, 0.05, -0.05)
    return x


def _distinct_values(rng, row: OpRow, shapes, dts) -> list:
    """Arrays whose elements, over all of them, are distinct and well separated."""
    sizes = [math.prod(s) for s in shapes]
    total = sum(sizes)
    if total == 0:
        return []
    lo, hi = row.domain
    # Spread over the domain at spacing (hi - lo) / total with a jitter of 30% of the spacing.
    order = rng.permutation(total)
    slots = order + 0.5 + 0.3 * rng.uniform(-1, 1, total)
    vals = _move_off(lo + (hi - lo) * slots / total, row.avoid)
    out = []
    start = 0
    for shape, size, dtype in zip(shapes, sizes, dts, strict=True):
        chunk = vals[start:start + size].reshape(shape)
        if dtype.kind == "b":
            chunk = rng.random(shape) < 0.5
        elif dtype.kind in "iu":
            # Integers: the distinct ranks themselves (centred on 0 when signed).
            chunk = order[start:start + size].reshape(shape)
            chunk = chunk if dtype.kind == "u" else chunk - total // 2
        elif dtype.kind == "c":
            chunk = chunk + 1j * _imaginary_part(rng, row, shape)
        out.append(np.asarray(chunk, dtype))
        start += size
    return out


# --------------------------------------------------------------------------- helpers for rows


def V(*shapes) -> tuple:
    """One variant: a shape per argument."""
    return tuple(shapes)


UNARY = (V(()), V((3,)), V((2, 3)))
BINARY = (V((3,), (3,)), V((2, 3), (3,)), V((), (2, 3)), V((2, 1), (1, 3)), V((), ()))
FLOATS = (F64, F32)
NUMERIC = (F64, F32, I64)


def _getitem(x, idx):
    """`x[idx]`: the operator on traced values, fnp's indexing on NumPy arrays (eager rows)."""
    if core.is_tracer(x):
        return x[idx]
    return fnp._indexing.getitem(x, idx)


def _at(x):
    """`x.at` (traced values have it; NumPy arrays go through the same fnp helper)."""
    if core.is_tracer(x):
        return x.at
    return fnp._indexing.IndexUpdateHelper(x)


def _np_update(op: str, idx):
    """NumPy reference of `x.at[idx].<op>(v)`: a copy of x updated (`.at` ufuncs accumulate)."""
    def ref(x, v):
        y = np.array(x)
        if op == "set":
            y[idx] = v
        elif op == "add":
            np.add.at(y, idx, v)
        else:
            np.multiply.at(y, idx, v)
        return y
    return ref


def _quiet(f: Callable) -> Callable:
    """`f` with NumPy's floating-point warnings off (references on inf / nan inputs)."""
    @functools.wraps(f)
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return f(*args, **kwargs)
    return quiet


def _unary(name, f, ref, *, domain=(-2.0, 2.0), dtypes=NUMERIC, kind="f", **kw) -> OpRow:
    return OpRow(name, f, ref, UNARY, dtypes=dtypes, kinds=kind, domain=domain, **kw)


def _binary(name, f, ref, *, dtypes=NUMERIC, kinds="ff", **kw) -> OpRow:
    return OpRow(name, f, ref, BINARY, dtypes=dtypes, kinds=kinds, **kw)


# (axis, keepdims, shape variants) of the reduction rows.
REDUCE_CONFIGS = (
    (None, False, (V(()), V((3,)), V((2, 3)))),
    (None, True, (V((2, 3)),)),
    (0, False, (V((3,)), V((2, 3)))),
    (-1, True, (V((2, 3)), V((2, 3, 2)))),
    ((0, 2), False, (V((2, 3, 2)),)),
    ((-1, 0), True, (V((2, 3)),)),
)
ARG_CONFIGS = (
    (None, False, (V((3,)), V((2, 3)))),
    (0, False, (V((3,)), V((2, 3)))),
    (-1, True, (V((2, 3)), V((2, 3, 2)))),
)


def _axis_tag(axis, keepdims) -> str:
    tag = "" if axis is None else "_axis" + "".join(str(a) for a in np.atleast_1d(axis))
    return tag + ("_keepdims" if keepdims else "")


def _reductions(name, f, ref, configs=REDUCE_CONFIGS, **kw) -> list[OpRow]:
    rows = []
    for axis, keepdims, shapes in configs:
        rows.append(OpRow(name + _axis_tag(axis, keepdims),
                          functools.partial(f, axis=axis, keepdims=keepdims),
                          functools.partial(ref, axis=axis, keepdims=keepdims), shapes, **kw))
    return rows


def _einsum(spec: str, *shapes, **kw) -> OpRow:
    tag = spec.replace("->", "_to_").replace(",", "_").replace("...", "E")
    return OpRow(f"einsum_{tag}", functools.partial(fnp.einsum, spec),
                 functools.partial(np.einsum, spec), (V(*shapes),), tol=COMPOSED, **kw)


_INDEXED = (V((4, 3)),)


def _index_row(name, idx, shapes=_INDEXED, **kw) -> OpRow:
    return OpRow(name, lambda x: _getitem(x, idx), lambda x: x[idx], shapes,
                 dtypes=NUMERIC, **kw)


def _update_row(name, op, idx, x_shape, v_shape, **kw) -> OpRow:
    def fun(x, v):
        return getattr(_at(x)[idx], op)(v)
    return OpRow(name, fun, _np_update(op, idx), (V(x_shape, v_shape),), **kw)


# --------------------------------------------------------------------------- the rows

ELEMENTWISE = [
    _unary("sin", fnp.sin, np.sin),
    _unary("cos", fnp.cos, np.cos),
    _unary("tan", fnp.tan, np.tan, domain=(-1.2, 1.2)),
    _unary("arcsin", fnp.arcsin, np.arcsin, domain=(-0.9, 0.9)),
    _unary("arccos", fnp.arccos, np.arccos, domain=(-0.9, 0.9)),
    _unary("arctan", fnp.arctan, np.arctan),
    _unary("sinh", fnp.sinh, np.sinh),
    _unary("cosh", fnp.cosh, np.cosh),
    _unary("tanh", fnp.tanh, np.tanh),
    _unary("exp", fnp.exp, np.exp),
    _unary("exp2", fnp.exp2, np.exp2),
    _unary("expm1", fnp.expm1, np.expm1),
    _unary("log", fnp.log, np.log, domain=(0.1, 2.0)),
    _unary("log2", fnp.log2, np.log2, domain=(0.1, 2.0)),
    _unary("log10", fnp.log10, np.log10, domain=(0.1, 2.0)),
    _unary("log1p", fnp.log1p, np.log1p, domain=(-0.5, 2.0)),
    _unary("sqrt", fnp.sqrt, np.sqrt, domain=(0.1, 2.0)),
    # cbrt's derivative is infinite at 0.
    _unary("cbrt", fnp.cbrt, np.cbrt, kind="n", domain=(0.2, 2.0)),
    _unary("square", fnp.square, np.square, dtypes=NUMERIC + (BOOL,)),
    _unary("abs", fnp.abs, np.abs, kind="n", domain=(0.2, 2.0)),
    _unary("absolute", fnp.absolute, np.absolute, kind="n", domain=(0.2, 2.0)),
    _unary("negative", fnp.negative, np.negative),
    _unary("positive", fnp.positive, np.positive),
    # sign, floor, ceil, round are piecewise constant: away from their jumps the derivative
    # is zero (JAX's convention), which check_grads verifies against finite differences.
    _unary("sign", fnp.sign, np.sign, kind="n", domain=(0.2, 2.0)),
    _unary("floor", fnp.floor, np.floor, avoid=(-2.0, -1.0, 0.0, 1.0, 2.0)),
    _unary("ceil", fnp.ceil, np.ceil, avoid=(-2.0, -1.0, 0.0, 1.0, 2.0)),
    _unary("round", fnp.round, np.round, avoid=(-1.5, -0.5, 0.5, 1.5)),
    # round(x, 2) is round(x * 100) / 100 in both NumPy and fnp; jumps every 0.005.
    _unary("round_decimals2", functools.partial(fnp.round, decimals=2),
           functools.partial(np.round, decimals=2), grad_order=0),
    _unary("reciprocal", fnp.reciprocal, np.reciprocal, kind="n", domain=(0.2, 2.0)),
    _unary("isfinite", fnp.isfinite, np.isfinite, grad_order=0),
    _unary("logical_not", fnp.logical_not, np.logical_not, dtypes=(F64, I64, BOOL),
           grad_order=0),
    _unary("invert", fnp.invert, np.invert, dtypes=(I64, BOOL), grad_order=0),
    _unary("op_invert", lambda x: ~x, lambda x: ~x, dtypes=(I64, BOOL), grad_order=0),
    _unary("op_neg", lambda x: -x, lambda x: -x),
    _unary("stop_gradient", ft.stop_gradient, lambda x: np.asarray(x), grad_order=0),
    # power by a Python int: one integer_pow primitive; by a Python float: pow.
    _unary("power_int3", lambda x: fnp.power(x, 3), lambda x: np.power(x, 3)),
    _unary("power_int0", lambda x: fnp.power(x, 0), lambda x: np.power(x, 0)),
    _unary("power_int_neg2", lambda x: fnp.power(x, -2), lambda x: np.power(x, -2),
           kind="n", domain=(0.3, 2.0), dtypes=FLOATS),
    _unary("power_float_half", lambda x: fnp.power(x, 0.5), lambda x: np.power(x, 0.5),
           domain=(0.1, 2.0)),
    _unary("op_pow_int2", lambda x: x ** 2, lambda x: x ** 2),
    _unary("op_rpow", lambda x: 2.0 ** x, lambda x: 2.0 ** x),
    # Python scalars are weak (NEP 50): float32 * 2.0 stays float32, int64 * 2.0 is float64.
    _unary("mul_pyfloat", lambda x: fnp.multiply(x, 2.5), lambda x: np.multiply(x, 2.5)),
    _unary("op_add_pyint", lambda x: x + 3, lambda x: x + 3),
    _unary("op_rsub_pyfloat", lambda x: 1.5 - x, lambda x: 1.5 - x),
    _unary("op_rtruediv_pyfloat", lambda x: 1.0 / x, lambda x: 1.0 / x, kind="n",
           domain=(0.2, 2.0)),
    _unary("op_gt_pyfloat", lambda x: x > 0.5, lambda x: x > 0.5, grad_order=0),
    _unary("clip", lambda x: fnp.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
           avoid=(-0.5, 0.5)),
    _unary("clip_min_only", lambda x: fnp.clip(x, 0.25, None),
           lambda x: np.clip(x, 0.25, None), avoid=(0.25,)),
    _unary("method_astype_f32", lambda x: x.astype(np.float32), lambda x: x.astype(np.float32),
           dtypes=(F64, I64)),
    _unary("asarray_dtype_f32", lambda x: fnp.asarray(x, dtype=np.float32),
           lambda x: np.asarray(x, dtype=np.float32), dtypes=(F64, I64)),
    _unary("astype_i64", lambda x: fnp.asarray(x, dtype=np.int64),
           lambda x: x.astype(np.int64), dtypes=(F64, BOOL), grad_order=0),
]

BINARY_ROWS = [
    _binary("add", fnp.add, np.add, dtypes=NUMERIC + (BOOL, (F32, F64), (I64, F32))),
    _binary("subtract", fnp.subtract, np.subtract, dtypes=NUMERIC + ((I64, F64),)),
    _binary("multiply", fnp.multiply, np.multiply, dtypes=NUMERIC + (BOOL, (F64, F32))),
    _binary("divide", fnp.divide, np.divide, kinds="fn", domain=(0.2, 2.0),
            dtypes=NUMERIC + ((I64, F32),)),
    _binary("true_divide", fnp.true_divide, np.true_divide, kinds="fn", domain=(0.2, 2.0)),
    # floor_divide and remainder jump where x / y is an integer: not differentiated in x, y
    # jointly (remainder has derivative 1 in x between jumps, checked by remainder_wrt_x).
    # Both signs on both sides: NumPy's floor semantics for negative operands.
    _binary("floor_divide", fnp.floor_divide, np.floor_divide, kinds="nn", domain=(0.3, 3.0),
            grad_order=0),
    _binary("remainder", fnp.remainder, np.remainder, kinds="nn", domain=(0.3, 3.0),
            grad_order=0),
    _binary("mod", fnp.mod, np.mod, kinds="nn", domain=(0.3, 3.0), grad_order=0),
    # x % 1.7 between jumps (x avoids the multiples of 1.7): d rem = dx.
    _unary("remainder_wrt_x", lambda x: fnp.remainder(x, 1.7), lambda x: np.remainder(x, 1.7),
           dtypes=FLOATS, avoid=(-1.7, 0.0, 1.7)),
    _binary("power", fnp.power, np.power, domain=(0.3, 2.0), dtypes=(F64, F32, I64)),
    _binary("arctan2", fnp.arctan2, np.arctan2, kinds="nn", domain=(0.2, 2.0)),
    _binary("maximum", fnp.maximum, np.maximum, kinds="dd", dtypes=NUMERIC + (BOOL,)),
    _binary("minimum", fnp.minimum, np.minimum, kinds="dd", dtypes=NUMERIC + (BOOL,)),
    # log(exp(x) + exp(y)) is a composition (max + log1p(exp(-|x - y|))): rounds differently.
    _binary("logaddexp", fnp.logaddexp, np.logaddexp, kinds="dd", dtypes=FLOATS + (I64,),
            tol=COMPOSED),
    _binary("equal", fnp.equal, np.equal, dtypes=(I64, BOOL, F64), grad_order=0),
    _binary("not_equal", fnp.not_equal, np.not_equal, dtypes=(I64, BOOL, F64), grad_order=0),
    _binary("less", fnp.less, np.less, dtypes=NUMERIC, grad_order=0),
    _binary("less_equal", fnp.less_equal, np.less_equal, dtypes=(I64, F64), grad_order=0),
    _binary("greater", fnp.greater, np.greater, dtypes=(F64, I64), grad_order=0),
    _binary("greater_equal", fnp.greater_equal, np.greater_equal, dtypes=(I64, F32),
            grad_order=0),
    _binary("logical_and", fnp.logical_and, np.logical_and, dtypes=(BOOL, I64), grad_order=0),
    _binary("logical_or", fnp.logical_or, np.logical_or, dtypes=(BOOL, F64), grad_order=0),
    _binary("logical_xor", fnp.logical_xor, np.logical_xor, dtypes=(BOOL,), grad_order=0),
    _binary("bitwise_and", fnp.bitwise_and, np.bitwise_and, dtypes=(BOOL, I64),
            grad_order=0),
    _binary("bitwise_or", fnp.bitwise_or, np.bitwise_or, dtypes=(BOOL, I64), grad_order=0),
    _binary("bitwise_xor", fnp.bitwise_xor, np.bitwise_xor, dtypes=(BOOL, I64),
            grad_order=0),
    # Python operators on traced values (on NumPy arrays they are NumPy's own).
    _binary("op_add", lambda x, y: x + y, lambda x, y: x + y),
    _binary("op_sub", lambda x, y: x - y, lambda x, y: x - y),
    _binary("op_mul", lambda x, y: x * y, lambda x, y: x * y),
    _binary("op_truediv", lambda x, y: x / y, lambda x, y: x / y, kinds="fn",
            domain=(0.2, 2.0)),
    _binary("op_floordiv", lambda x, y: x // y, lambda x, y: x // y, kinds="nn",
            domain=(0.3, 3.0), grad_order=0),
    _binary("op_mod", lambda x, y: x % y, lambda x, y: x % y, kinds="nn", domain=(0.3, 3.0),
            grad_order=0),
    _binary("op_pow", lambda x, y: x ** y, lambda x, y: x ** y, domain=(0.3, 2.0)),
    _binary("op_eq", lambda x, y: x == y, lambda x, y: x == y, dtypes=(I64,), grad_order=0),
    _binary("op_ne", lambda x, y: x != y, lambda x, y: x != y, dtypes=(I64,), grad_order=0),
    _binary("op_lt", lambda x, y: x < y, lambda x, y: x < y, grad_order=0),
    _binary("op_le", lambda x, y: x <= y, lambda x, y: x <= y, dtypes=(I64,), grad_order=0),
    _binary("op_gt", lambda x, y: x > y, lambda x, y: x > y, grad_order=0),
    _binary("op_ge", lambda x, y: x >= y, lambda x, y: x >= y, dtypes=(I64,), grad_order=0),
    _binary("op_and", lambda x, y: x & y, lambda x, y: x & y, dtypes=(BOOL, I64),
            grad_order=0),
    _binary("op_or", lambda x, y: x | y, lambda x, y: x | y, dtypes=(BOOL,), grad_order=0),
    _binary("op_xor", lambda x, y: x ^ y, lambda x, y: x ^ y, dtypes=(I64,), grad_order=0),
    OpRow("where", fnp.where, np.where,
          (V((3,), (3,), (3,)), V((2, 3), (3,), ()), V((), (2, 3), (2, 1)), V((), (), ())),
          dtypes=(F64, F32, I64, (BOOL, F32, F64)), kinds="bff"),
    OpRow("where_nonbool_cond", fnp.where, np.where, (V((2, 3), (2, 3), (3,)),),
          kinds="fff", dtypes=((I64, F64, F64),), diff_argnums=(1, 2)),
    # Array bounds near -1 and +1 (scaled from the inputs), x = 3 * input kept 0.1 away from
    # them (input avoids +-1/3) so that no element sits on a kink.
    OpRow("clip_arrays", lambda x, lo, hi: fnp.clip(3.0 * x, 0.05 * lo - 1.0, 0.05 * hi + 1.0),
          lambda x, lo, hi: np.clip(3.0 * x, 0.05 * lo - 1.0, 0.05 * hi + 1.0),
          (V((2, 3), (3,), ()), V((3,), (3,), (3,))), dtypes=(F64, I64),
          avoid=(-1 / 3, 1 / 3)),
]

REDUCTIONS = [
    *_reductions("sum", fnp.sum, np.sum, dtypes=NUMERIC + (BOOL,)),
    # mean = sum / n: NumPy divides inside its own kernel, rounding may differ by an ulp.
    *_reductions("mean", fnp.mean, np.mean, dtypes=(F64, F32, I64), tol=COMPOSED),
    *_reductions("prod", fnp.prod, np.prod, dtypes=NUMERIC, kinds="n", domain=(0.5, 1.5)),
    *_reductions("max", fnp.max, np.max, dtypes=NUMERIC + (BOOL,), kinds="d"),
    *_reductions("min", fnp.min, np.min, dtypes=NUMERIC, kinds="d"),
    *_reductions("argmax", fnp.argmax, np.argmax, ARG_CONFIGS, dtypes=NUMERIC, kinds="d",
                 grad_order=0),
    *_reductions("argmin", fnp.argmin, np.argmin, ARG_CONFIGS, dtypes=NUMERIC, kinds="d",
                 grad_order=0),
    # var and std: mean of squared deviations from the mean, composed from primitives.
    *_reductions("var", fnp.var, np.var, dtypes=(F64, F32, I64), tol=COMPOSED),
    # std of one element is sqrt(0), not differentiable: no 0-d variant.
    *_reductions("std", fnp.std, np.std, ((None, False, (V((3,)), V((2, 3)))),
                                          *REDUCE_CONFIGS[1:]), dtypes=(F64, F32), tol=COMPOSED),
    *_reductions("all", fnp.all, np.all, dtypes=(BOOL, F64, I64), grad_order=0),
    *_reductions("any", fnp.any, np.any, dtypes=(BOOL, I64), grad_order=0),
    # ddof and dtype variants of the compositions above: same tolerance, same reason.
    OpRow("var_ddof1", lambda x: fnp.var(x, axis=-1, ddof=1),
          lambda x: np.var(x, axis=-1, ddof=1), (V((2, 3)),), tol=COMPOSED),
    OpRow("std_ddof1", lambda x: fnp.std(x, ddof=1), lambda x: np.std(x, ddof=1),
          (V((3,)), V((2, 3))), tol=COMPOSED),
    OpRow("mean_dtype_f32", lambda x: fnp.mean(x, dtype=np.float32),
          lambda x: np.mean(x, dtype=np.float32), (V((2, 3)),), dtypes=(F64,), tol=COMPOSED),
    OpRow("sum_dtype_f64", lambda x: fnp.sum(x, axis=0, dtype=np.float64),
          lambda x: np.sum(x, axis=0, dtype=np.float64), (V((2, 3)),), dtypes=(F32, I64)),
    OpRow("cumsum", fnp.cumsum, np.cumsum, (V((3,)), V((2, 3)), V(())), dtypes=NUMERIC),
    OpRow("cumsum_axis0", lambda x: fnp.cumsum(x, axis=0), lambda x: np.cumsum(x, axis=0),
          (V((3,)), V((2, 3))), dtypes=NUMERIC + (BOOL,)),
    OpRow("cumsum_axis-1", lambda x: fnp.cumsum(x, axis=-1), lambda x: np.cumsum(x, axis=-1),
          (V((2, 3)), V((2, 3, 2))), dtypes=(F64,)),
    OpRow("method_sum", lambda x: x.sum(axis=0), lambda x: x.sum(axis=0), (V((2, 3)),)),
    # The method is fnp.mean (a composition, see mean).
    OpRow("method_mean", lambda x: x.mean(), lambda x: x.mean(), (V((2, 3)),),
          tol=COMPOSED),
]

# Contractions: NumPy calls BLAS or its own einsum kernels, fnp one dot_general whose
# implementation may sum in another order, so results differ in the last bits.
LINALG = [
    OpRow("dot", fnp.dot, np.dot,
          (V((3,), (3,)), V((2, 3), (3,)), V((3,), (3, 2)), V((2, 3), (3, 4)), V((), (2, 3)),
           V((2, 3), ()), V((2, 3), (2, 3, 2))), dtypes=(F64, F32, I64, (F32, F64)),
          tol=COMPOSED),
    OpRow("matmul", fnp.matmul, np.matmul,
          (V((3,), (3,)), V((2, 3), (3,)), V((3,), (3, 2)), V((2, 3), (3, 4)),
           V((2, 2, 3), (3, 4)), V((2, 2, 3), (2, 3, 4)), V((1, 2, 3), (2, 3, 2)),
           V((3,), (2, 3, 4)), V((2, 2, 3), (3,))),
          dtypes=(F64, F32, I64), tol=COMPOSED),
    OpRow("op_matmul", lambda x, y: x @ y, lambda x, y: x @ y,
          (V((2, 3), (3,)), V((2, 3), (3, 4))), tol=COMPOSED),
    OpRow("vdot", fnp.vdot, np.vdot, (V((3,), (3,)), V((2, 3), (2, 3)), V((2, 3), (3, 2))),
          dtypes=(F64, I64), tol=COMPOSED),
    OpRow("inner", fnp.inner, np.inner, (V((3,), (3,)), V((2, 3), (4, 3)), V((), (3,))),
          dtypes=(F64, I64), tol=COMPOSED),
    OpRow("outer", fnp.outer, np.outer, (V((3,), (4,)), V((2, 2), (3,)), V((), (3,))),
          dtypes=(F64, F32, I64)),
    OpRow("tensordot_axes2", lambda x, y: fnp.tensordot(x, y, 2),
          lambda x, y: np.tensordot(x, y, 2), (V((2, 3, 4), (3, 4, 2)),), tol=COMPOSED),
    OpRow("tensordot_axes1", lambda x, y: fnp.tensordot(x, y, 1),
          lambda x, y: np.tensordot(x, y, 1), (V((2, 3), (3, 4)), V((3,), (3,))),
          dtypes=(F64, I64), tol=COMPOSED),
    OpRow("tensordot_axes0", lambda x, y: fnp.tensordot(x, y, 0),
          lambda x, y: np.tensordot(x, y, 0), (V((2,), (3,)),)),
    OpRow("tensordot_pairs", lambda x, y: fnp.tensordot(x, y, axes=([1, 0], [0, -1])),
          lambda x, y: np.tensordot(x, y, axes=([1, 0], [0, -1])),
          (V((2, 3), (3, 4, 2)),), tol=COMPOSED),
    _einsum("ij,jk->ik", (2, 3), (3, 4)),
    _einsum("ij,jk", (2, 3), (3, 4)),
    _einsum("i,i->", (3,), (3,)),
    _einsum("i,j->ij", (2,), (3,)),
    _einsum("ij,ij->ij", (2, 3), (2, 3)),
    _einsum("ij->ji", (2, 3)),
    _einsum("ij->", (2, 3)),
    _einsum("ij->j", (2, 3)),
    _einsum("ii->i", (3, 3)),
    _einsum("ii", (3, 3)),
    _einsum("bij,bjk->bik", (2, 2, 3), (2, 3, 4)),
    _einsum("...ij,...jk->...ik", (2, 2, 3), (2, 3, 2)),
    _einsum("ij,jk,kl->il", (2, 3), (3, 2), (2, 2)),
    _einsum("i,i,i->", (3,), (3,), (3,)),
    _einsum("ij,j->i", (2, 3), (3,), dtypes=(F64, I64)),
    _einsum("...i,...i->...", (2, 1, 3), (4, 3)),
    _einsum(",i->i", (), (3,)),
    _einsum("iij->j", (3, 3, 2)),
    OpRow("trace", fnp.trace, np.trace, (V((3, 3)), V((2, 3))), dtypes=(F64, I64)),
    OpRow("trace_offset1", lambda x: fnp.trace(x, offset=1), lambda x: np.trace(x, offset=1),
          (V((3, 3)), V((3, 4)))),
    OpRow("trace_offset-1_axes12", lambda x: fnp.trace(x, -1, 1, 2),
          lambda x: np.trace(x, -1, 1, 2), (V((2, 3, 3)),)),
    # norms: sqrt of a sum of squares (or max/sum of |x|), composed from primitives.
    OpRow("norm", fnp.linalg.norm, np.linalg.norm, (V((3,)), V((2, 3))), kinds="n",
          domain=(0.2, 2.0), dtypes=(F64, F32), tol=COMPOSED),
    OpRow("norm_axis-1_keepdims", lambda x: fnp.linalg.norm(x, axis=-1, keepdims=True),
          lambda x: np.linalg.norm(x, axis=-1, keepdims=True), (V((2, 3)),), kinds="n",
          domain=(0.2, 2.0), tol=COMPOSED),
    OpRow("norm_ord1", lambda x: fnp.linalg.norm(x, 1), lambda x: np.linalg.norm(x, 1),
          (V((3,)),), kinds="n", domain=(0.2, 2.0), tol=COMPOSED),
    OpRow("norm_ordinf", lambda x: fnp.linalg.norm(x, np.inf),
          lambda x: np.linalg.norm(x, np.inf), (V((4,)),), kinds="d", avoid=(0.0,),
          tol=COMPOSED),
    OpRow("norm_fro", lambda x: fnp.linalg.norm(x, "fro"), lambda x: np.linalg.norm(x, "fro"),
          (V((2, 3)),), tol=COMPOSED),
    OpRow("norm_matrix_ord1", lambda x: fnp.linalg.norm(x, 1),
          lambda x: np.linalg.norm(x, 1), (V((3, 3)),), kinds="d", avoid=(0.0,),
          tol=COMPOSED),
    OpRow("norm_ord3", lambda x: fnp.linalg.norm(x, 3), lambda x: np.linalg.norm(x, 3),
          (V((3,)),), kinds="n", domain=(0.2, 2.0), tol=COMPOSED),
    OpRow("norm_ord-inf", lambda x: fnp.linalg.norm(x, -np.inf),
          lambda x: np.linalg.norm(x, -np.inf), (V((4,)),), kinds="d", avoid=(0.0,),
          tol=COMPOSED),
    OpRow("norm_matrix_axes12", lambda x: fnp.linalg.norm(x, axis=(1, 2)),
          lambda x: np.linalg.norm(x, axis=(1, 2)), (V((2, 3, 2)),), tol=COMPOSED),
    OpRow("norm_matrix_ordinf", lambda x: fnp.linalg.norm(x, np.inf),
          lambda x: np.linalg.norm(x, np.inf), (V((3, 3)),), kinds="d", avoid=(0.0,),
          tol=COMPOSED),
    OpRow("norm_int", fnp.linalg.norm, np.linalg.norm, (V((3,)),), dtypes=(I64,),
          tol=COMPOSED),
]

SHAPE = [
    OpRow("reshape", lambda x: fnp.reshape(x, (3, 2)), lambda x: np.reshape(x, (3, 2)),
          (V((2, 3)), V((6,))), dtypes=NUMERIC),
    OpRow("reshape_minus1", lambda x: fnp.reshape(x, (2, -1)),
          lambda x: np.reshape(x, (2, -1)), (V((6,)), V((2, 3, 2)))),
    OpRow("reshape_0d", lambda x: fnp.reshape(x, (1, 1)), lambda x: np.reshape(x, (1, 1)),
          (V(()),)),
    OpRow("reshape_to_0d", lambda x: fnp.reshape(x, ()), lambda x: np.reshape(x, ()),
          (V((1,)),)),
    OpRow("method_reshape", lambda x: x.reshape(3, 2), lambda x: x.reshape(3, 2),
          (V((2, 3)),)),
    OpRow("ravel", fnp.ravel, np.ravel, (V(()), V((2, 3)), V((2, 3, 2))), dtypes=NUMERIC),
    OpRow("transpose", fnp.transpose, np.transpose, (V(()), V((3,)), V((2, 3)),
                                                     V((2, 3, 4))), dtypes=NUMERIC),
    OpRow("transpose_axes", lambda x: fnp.transpose(x, (1, 0, 2)),
          lambda x: np.transpose(x, (1, 0, 2)), (V((2, 3, 4)),)),
    OpRow("transpose_neg_axes", lambda x: fnp.transpose(x, (-1, 0, 1)),
          lambda x: np.transpose(x, (-1, 0, 1)), (V((2, 3, 4)),)),
    OpRow("method_T", lambda x: x.T, lambda x: x.T, (V((2, 3)),)),
    OpRow("method_transpose", lambda x: x.transpose(1, 0), lambda x: x.transpose(1, 0),
          (V((2, 3)),)),
    OpRow("swapaxes", lambda x: fnp.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1),
          (V((2, 3)), V((2, 3, 4))), dtypes=NUMERIC),
    OpRow("moveaxis", lambda x: fnp.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1),
          (V((2, 3)), V((2, 3, 4)))),
    OpRow("moveaxis_multi", lambda x: fnp.moveaxis(x, (0, 1), (-1, 0)),
          lambda x: np.moveaxis(x, (0, 1), (-1, 0)), (V((2, 3, 4)),)),
    OpRow("expand_dims", lambda x: fnp.expand_dims(x, 0), lambda x: np.expand_dims(x, 0),
          (V(()), V((3,)), V((2, 3))), dtypes=NUMERIC),
    OpRow("expand_dims_neg", lambda x: fnp.expand_dims(x, -1),
          lambda x: np.expand_dims(x, -1), (V((3,)), V((2, 3)))),
    OpRow("expand_dims_multi", lambda x: fnp.expand_dims(x, (0, 2)),
          lambda x: np.expand_dims(x, (0, 2)), (V((3,)), V((2, 3)))),
    OpRow("squeeze", fnp.squeeze, np.squeeze, (V((1, 3, 1)), V((1,)), V(()))),
    OpRow("squeeze_axis0", lambda x: fnp.squeeze(x, 0), lambda x: np.squeeze(x, 0),
          (V((1, 3, 1)), V((1,))), dtypes=NUMERIC),
    OpRow("squeeze_axis_neg", lambda x: fnp.squeeze(x, axis=(-1, 0)),
          lambda x: np.squeeze(x, axis=(-1, 0)), (V((1, 3, 1)),)),
    OpRow("broadcast_to", lambda x: fnp.broadcast_to(x, (2, 3)),
          lambda x: np.broadcast_to(x, (2, 3)), (V(()), V((3,)), V((2, 1)), V((1, 3))),
          dtypes=NUMERIC),
    OpRow("broadcast_to_3d", lambda x: fnp.broadcast_to(x, (2, 2, 3)),
          lambda x: np.broadcast_to(x, (2, 2, 3)), (V((2, 1, 3)),)),
    OpRow("concatenate", lambda x, y: fnp.concatenate([x, y]),
          lambda x, y: np.concatenate([x, y]), (V((2, 3), (1, 3)), V((3,), (2,))),
          dtypes=(F64, F32, I64, (F32, F64), (I64, F32))),
    OpRow("concatenate_axis-1", lambda x, y: fnp.concatenate((x, y), axis=-1),
          lambda x, y: np.concatenate((x, y), axis=-1), (V((2, 3), (2, 1)),)),
    OpRow("concatenate_axisNone", lambda x, y: fnp.concatenate([x, y], axis=None),
          lambda x, y: np.concatenate([x, y], axis=None), (V((2, 2), (3,)),)),
    OpRow("concatenate_three", lambda x, y, z: fnp.concatenate([x, y, z], 1),
          lambda x, y, z: np.concatenate([x, y, z], 1), (V((2, 1), (2, 3), (2, 2)),)),
    OpRow("stack", lambda x, y: fnp.stack([x, y]), lambda x, y: np.stack([x, y]),
          (V((), ()), V((3,), (3,)), V((2, 3), (2, 3))), dtypes=(F64, I64, (F32, F64))),
    OpRow("stack_axis-1", lambda x, y: fnp.stack((x, y), axis=-1),
          lambda x, y: np.stack((x, y), axis=-1), (V((3,), (3,)), V((2, 3), (2, 3)))),
    OpRow("stack_axis1_three", lambda x, y, z: fnp.stack([x, y, z], 1),
          lambda x, y, z: np.stack([x, y, z], 1), (V((2, 3), (2, 3), (2, 3)),)),
    OpRow("split", lambda x: fnp.split(x, 3), lambda x: np.split(x, 3), (V((6,)), V((3, 2))),
          dtypes=(F64, I64)),
    OpRow("split_indices_axis-1", lambda x: fnp.split(x, [1, 3], axis=-1),
          lambda x: np.split(x, [1, 3], axis=-1), (V((2, 6)),)),
    OpRow("split_past_end", lambda x: fnp.split(x, [1, 6]), lambda x: np.split(x, [1, 6]),
          (V((4,)),)),
    OpRow("split_axis1", lambda x: fnp.split(x, 2, axis=1), lambda x: np.split(x, 2, axis=1),
          (V((2, 4)),)),
    OpRow("tile", lambda x: fnp.tile(x, 2), lambda x: np.tile(x, 2),
          (V(()), V((3,)), V((2, 3))), dtypes=(F64, I64)),
    OpRow("tile_tuple", lambda x: fnp.tile(x, (2, 1)), lambda x: np.tile(x, (2, 1)),
          (V((3,)), V((2, 3)))),
    OpRow("tile_longer", lambda x: fnp.tile(x, (2, 1, 2)), lambda x: np.tile(x, (2, 1, 2)),
          (V((2, 3)),)),
    OpRow("repeat", lambda x: fnp.repeat(x, 2), lambda x: np.repeat(x, 2),
          (V(()), V((3,)), V((2, 3))), dtypes=(F64, I64)),
    OpRow("repeat_axis0", lambda x: fnp.repeat(x, 2, axis=0),
          lambda x: np.repeat(x, 2, axis=0), (V((2, 3)),)),
    OpRow("repeat_list_axis-1", lambda x: fnp.repeat(x, [1, 0, 2], axis=-1),
          lambda x: np.repeat(x, [1, 0, 2], axis=-1), (V((2, 3)),)),
    OpRow("flip", fnp.flip, np.flip, (V((3,)), V((2, 3))), dtypes=NUMERIC),
    OpRow("flip_axis0", lambda x: fnp.flip(x, 0), lambda x: np.flip(x, 0), (V((2, 3)),)),
    OpRow("flip_axis-1", lambda x: fnp.flip(x, -1), lambda x: np.flip(x, -1), (V((2, 3)),)),
    OpRow("flip_axes", lambda x: fnp.flip(x, (0, 2)), lambda x: np.flip(x, (0, 2)),
          (V((2, 3, 2)),)),
    OpRow("diag", fnp.diag, np.diag, (V((3,)), V((3, 3)), V((2, 3))), dtypes=(F64, I64)),
    OpRow("diag_k1", lambda x: fnp.diag(x, 1), lambda x: np.diag(x, 1),
          (V((3,)), V((3, 3)), V((3, 4)))),
    OpRow("diag_k_past_end", lambda x: fnp.diag(x, 5), lambda x: np.diag(x, 5),
          (V((3, 3)),)),
    OpRow("diag_k-1", lambda x: fnp.diag(x, k=-1), lambda x: np.diag(x, k=-1),
          (V((2,)), V((3, 3)))),
    OpRow("triu", fnp.triu, np.triu, (V((3, 3)), V((2, 3)), V((2, 3, 3))), dtypes=(F64, I64)),
    OpRow("triu_k1", lambda x: fnp.triu(x, 1), lambda x: np.triu(x, 1), (V((3, 3)),)),
    OpRow("tril", fnp.tril, np.tril, (V((3, 3)), V((3, 2))), dtypes=(F64, I64, BOOL)),
    OpRow("tril_k-1", lambda x: fnp.tril(x, k=-1), lambda x: np.tril(x, k=-1),
          (V((3, 3)), V((2, 3, 3)))),
]

CREATION = [
    OpRow("array_copy", fnp.array, np.array, UNARY, dtypes=NUMERIC + (BOOL,)),
    OpRow("array_list", lambda x, y: fnp.array([x, y]), lambda x, y: np.array([x, y]),
          (V((), ()), V((3,), (3,))), dtypes=(F64, I64, (I64, F64))),
    OpRow("array_nested_pyfloats", lambda x: fnp.array([[x, 1.0], [2.0, x]]),
          lambda x: np.array([[x, 1.0], [2.0, x]]), (V(()),), dtypes=(F64, F32)),
    OpRow("array_list_pyint", lambda x: fnp.array([x, 1]), lambda x: np.array([x, 1]),
          (V(()),), dtypes=(F64, F32, I32)),
    OpRow("array_dtype_f32", lambda x: fnp.array(x, dtype=np.float32),
          lambda x: np.array(x, dtype=np.float32), (V((3,)),), dtypes=(F64, I64)),
    OpRow("asarray", fnp.asarray, np.asarray, UNARY, dtypes=NUMERIC + (BOOL,)),
    OpRow("asarray_dtype_f64", lambda x: fnp.asarray(x, dtype=np.float64),
          lambda x: np.asarray(x, dtype=np.float64), (V((2, 3)),), dtypes=(F32, I64, BOOL)),
    OpRow("asarray_list", lambda x: fnp.asarray([x, x]), lambda x: np.asarray([x, x]),
          (V((3,)),)),
    OpRow("zeros", lambda: fnp.zeros((2, 3)), lambda: np.zeros((2, 3)), (V(),)),
    OpRow("zeros_int_dtype", lambda: fnp.zeros(3, dtype=np.int64),
          lambda: np.zeros(3, dtype=np.int64), (V(),)),
    OpRow("ones", lambda: fnp.ones((2, 3)), lambda: np.ones((2, 3)), (V(),)),
    OpRow("ones_f32", lambda: fnp.ones(4, np.float32), lambda: np.ones(4, np.float32),
          (V(),)),
    OpRow("full_const", lambda: fnp.full((2, 3), 1.5), lambda: np.full((2, 3), 1.5),
          (V(),)),
    OpRow("full_int", lambda: fnp.full(3, 7), lambda: np.full(3, 7), (V(),)),
    OpRow("full_traced", lambda v: fnp.full((2, 3), v), lambda v: np.full((2, 3), v),
          (V(()), V((3,))), dtypes=(F64, F32, I64)),
    OpRow("full_dtype", lambda v: fnp.full((2,), v, dtype=np.float32),
          lambda v: np.full((2,), v, dtype=np.float32), (V(()),)),
    OpRow("zeros_like", fnp.zeros_like, np.zeros_like, (V(()), V((2, 3))),
          dtypes=NUMERIC + (BOOL,)),
    OpRow("ones_like", fnp.ones_like, np.ones_like, (V((2, 3)),), dtypes=NUMERIC),
    OpRow("zeros_like_dtype", lambda x: fnp.zeros_like(x, dtype=np.int64),
          lambda x: np.zeros_like(x, dtype=np.int64), (V((3,)),), grad_order=0),
    OpRow("full_like", lambda x: fnp.full_like(x, 2.5), lambda x: np.full_like(x, 2.5),
          (V((2, 3)),), dtypes=(F64, F32, I64)),
    OpRow("full_like_traced_fill", fnp.full_like, np.full_like, (V((2, 3), ()),),
          dtypes=(F64, (I64, F64)), diff_argnums=(1,)),
    OpRow("eye", lambda: fnp.eye(3), lambda: np.eye(3), (V(),)),
    OpRow("eye_rect_k", lambda: fnp.eye(2, 4, k=1), lambda: np.eye(2, 4, k=1), (V(),)),
    OpRow("eye_int", lambda: fnp.eye(3, k=-1, dtype=np.int64),
          lambda: np.eye(3, k=-1, dtype=np.int64), (V(),)),
    OpRow("arange", lambda: fnp.arange(5), lambda: np.arange(5), (V(),)),
    OpRow("arange_start_step", lambda: fnp.arange(1, 8, 2), lambda: np.arange(1, 8, 2),
          (V(),)),
    OpRow("arange_negative_step", lambda: fnp.arange(5, 0, -2), lambda: np.arange(5, 0, -2),
          (V(),)),
    OpRow("arange_float", lambda: fnp.arange(0.0, 1.0, 0.25),
          lambda: np.arange(0.0, 1.0, 0.25), (V(),)),
    OpRow("arange_dtype", lambda: fnp.arange(4, dtype=np.float32),
          lambda: np.arange(4, dtype=np.float32), (V(),)),
    OpRow("arange_times_x", lambda x: fnp.arange(3, like=x) * x, lambda x: np.arange(3) * x,
          (V(()), V((3,))), dtypes=(F64, F32, I64)),
    # linspace computes start + i * step: NumPy does the same but may round differently.
    OpRow("linspace", lambda: fnp.linspace(0.0, 1.0, 5), lambda: np.linspace(0.0, 1.0, 5),
          (V(),), tol=COMPOSED),
    OpRow("linspace_no_endpoint", lambda: fnp.linspace(-1, 2, 4, endpoint=False),
          lambda: np.linspace(-1, 2, 4, endpoint=False), (V(),), tol=COMPOSED),
    OpRow("linspace_num1", lambda: fnp.linspace(0.0, 1.0, 1), lambda: np.linspace(0.0, 1.0, 1),
          (V(),)),
    OpRow("linspace_traced", lambda a, b: fnp.linspace(a, b, 5),
          lambda a, b: np.linspace(a, b, 5), (V((), ()),), tol=COMPOSED),
]

INDEXING = [
    _index_row("index_int", 1),
    _index_row("index_neg_int", -1),
    _index_row("index_two_ints", (1, -2)),
    _index_row("index_slice", np.s_[1:]),
    _index_row("index_slice_step", np.s_[::2]),
    _index_row("index_slice_neg_step", np.s_[::-1]),
    _index_row("index_slice_neg_bounds", np.s_[-3:-1, ::-2]),
    _index_row("index_col", np.s_[:, 1]),
    _index_row("index_ellipsis", np.s_[..., 0], shapes=(V((2, 3, 2)), V((3,)))),
    _index_row("index_none", np.s_[None], shapes=(V(()), V((4, 3)))),
    _index_row("index_mixed_none", np.s_[:, None, 1:]),
    _index_row("index_int_list", np.s_[[0, 2, 2]]),
    _index_row("index_int_array_2d", np.s_[np.array([[0, 1], [3, -1]])]),
    _index_row("index_int_array_col", np.s_[:, np.array([1, -1, 0])]),
    _index_row("index_slice_and_array", np.s_[1:, np.array([0, 2])]),
    _index_row("index_two_arrays", np.s_[np.array([0, 1, 3]), np.array([2, 0, -1])]),
    OpRow("index_traced_int_array", lambda x, i: _getitem(x, i), lambda x, i: x[i],
          (V((4, 3), (2,)), V((4,), (3, 2)), V((4,), ())), kinds="fi", int_range=(-4, 4),
          dtypes=(F64, I64)),
    _update_row("at_set_int", "set", 1, (4, 3), (3,)),
    _update_row("at_set_scalar_slice", "set", np.s_[1:3], (4, 3), ()),
    _update_row("at_set_array", "set", np.s_[np.array([0, 2])], (4, 3), (2, 3)),
    _update_row("at_set_col", "set", np.s_[:, 0], (4, 3), (4,)),
    _update_row("at_add_repeated", "add", np.s_[np.array([0, 0, 2])], (4, 3), (3, 3)),
    _update_row("at_add_slice", "add", np.s_[::2], (4,), (2,)),
    _update_row("at_add_int_broadcast", "add", -1, (4, 3), ()),
    _update_row("at_multiply_array", "multiply", np.s_[np.array([3, 1])], (4, 3), (2, 3)),
    _update_row("at_multiply_slice", "multiply", np.s_[:, 1:], (2, 3), (2, 2)),
    # Repeated indices multiply twice; the gradient assumes unique indices (documented), so
    # this variant is only evaluated and batched.
    _update_row("at_multiply_repeated", "multiply", np.s_[np.array([1, 1])], (3,), (2,),
                grad_order=0),
    OpRow("index_traced_int_then_slice", lambda x, i: _getitem(x, np.s_[i, 1:]),
          lambda x, i: x[i, 1:], (V((4, 3), ()), V((4, 3), (2,))), kinds="fi",
          int_range=(-4, 4)),
    OpRow("index_slice_then_traced", lambda x, i: _getitem(x, np.s_[1:, i]),
          lambda x, i: x[1:, i], (V((4, 3), (2,)), V((2, 4, 3), (2, 2))), kinds="fi",
          int_range=(-3, 3)),
    OpRow("index_two_traced_broadcast", lambda x, i, j: _getitem(x, (i, j)),
          lambda x, i, j: x[i, j], (V((4, 3), (2,), (3, 1)), V((4, 3), (), (2,))),
          kinds="fii", int_range=(-3, 3)),
    OpRow("index_traced_apart", lambda x, i, j: _getitem(x, np.s_[i, :, j]),
          lambda x, i, j: x[i, :, j], (V((2, 3, 4), (2,), (2,)),), kinds="fii",
          int_range=(-2, 2)),
    OpRow("index_ellipsis_traced", lambda x, i: _getitem(x, np.s_[..., i]),
          lambda x, i: x[..., i], (V((2, 3, 4), (1, 2)),), kinds="fi", int_range=(-4, 4)),
    OpRow("at_add_traced_col", lambda x, i, v: _at(x)[:, i].add(v),
          lambda x, i, v: _np_update("add", (slice(None), i))(x, v),
          (V((3, 4), (2,), (3, 2)),), kinds="fif", int_range=(-4, 4)),
    OpRow("at_set_two_traced", lambda x, i, j, v: _at(x)[i, j].set(v),
          lambda x, i, j, v: _np_update("set", (i, j))(x, v), (V((3, 4), (), (), ()),),
          kinds="fiif", int_range=(-3, 3)),
    OpRow("at_add_traced_indices", lambda x, i, v: _at(x)[i].add(v),
          lambda x, i, v: _np_update("add", i)(x, v), (V((4, 3), (3,), (3, 3)),),
          kinds="fif", int_range=(-4, 4)),
    OpRow("at_set_traced_index", lambda x, i, v: _at(x)[i].set(v),
          lambda x, i, v: _np_update("set", i)(x, v), (V((4,), (), ()),), kinds="fif",
          int_range=(-4, 4)),
]

# Python scalars as traced arguments (weakly typed, NEP 50), zero-size arrays, narrow integer
# dtypes, and inf / nan inputs.
EDGES = [
    OpRow("add_pyfloat_arg", fnp.add, np.add, (V((3,), ()), V((2, 3), ()), V((), ())),
          kinds="fp", dtypes=(F64, F32, I64, U8)),
    OpRow("add_pyint_arg", fnp.add, np.add, (V((3,), ()), V((), ())), kinds="fq",
          domain=(0.0, 3.0), dtypes=(F64, F32, I64, I32, U8, BOOL)),
    OpRow("multiply_pyfloat_first", fnp.multiply, np.multiply, (V((), (2, 3)),), kinds="pf",
          dtypes=(F64, F32, I32)),
    OpRow("maximum_pyfloat_arg", fnp.maximum, np.maximum, (V((2, 3), ()),), kinds="fp",
          dtypes=(F64, F32)),
    OpRow("power_pyfloat_exponent", fnp.power, np.power, (V((3,), ()),), kinds="fp",
          domain=(0.3, 2.0), dtypes=(F64, F32)),
    OpRow("where_pyfloats", fnp.where, np.where, (V((2, 3), (), ()),), kinds="bpp"),
    OpRow("where_array_pyfloat", fnp.where, np.where, (V((2, 3), (3,), ()),), kinds="bfp",
          dtypes=(F64, F32, I64)),
    _binary("add_narrow_ints", fnp.add, np.add, dtypes=(U8, I32, (U8, I32), (I32, F32),
                                                         (U8, I64), (BOOL, U8))),
    _binary("subtract_uint8_wraps", fnp.subtract, np.subtract, dtypes=(U8,)),
    _binary("floor_divide_narrow", fnp.floor_divide, np.floor_divide, kinds="nn",
            domain=(0.3, 3.0), dtypes=(U8, I32), grad_order=0),
    _binary("remainder_narrow", fnp.remainder, np.remainder, kinds="nn", domain=(0.3, 3.0),
            dtypes=(U8, I32), grad_order=0),
    *_reductions("sum_narrow", fnp.sum, np.sum, REDUCE_CONFIGS[:3], dtypes=(U8, I32)),
    # mean is a composition (sum / n), see REDUCTIONS.
    OpRow("mean_uint8", fnp.mean, np.mean, (V((2, 3)),), dtypes=(U8,), tol=COMPOSED),
    OpRow("max_uint8", lambda x: fnp.max(x, axis=0), lambda x: np.max(x, axis=0),
          (V((2, 3)),), dtypes=(U8, I32), kinds="d"),
    OpRow("argmax_uint8", fnp.argmax, np.argmax, (V((2, 3)),), dtypes=(U8,), kinds="d"),
    OpRow("cumsum_narrow", fnp.cumsum, np.cumsum, (V((2, 3)),), dtypes=(U8, I32)),
    OpRow("sum_empty", lambda x: fnp.sum(x, axis=0), lambda x: np.sum(x, axis=0),
          (V((0, 3)), V((0,)), V((3, 0)))),
    OpRow("prod_empty", fnp.prod, np.prod, (V((0,)), V((2, 0)))),
    OpRow("max_empty_rows", lambda x: fnp.max(x, axis=1), lambda x: np.max(x, axis=1),
          (V((0, 3)),)),
    OpRow("add_empty", fnp.add, np.add, (V((0, 3), (3,)), V((0,), ()), V((2, 0), (1, 0)))),
    OpRow("matmul_empty", fnp.matmul, np.matmul, (V((2, 0), (0, 3)), V((0, 3), (3, 2)))),
    OpRow("concatenate_empty", lambda x, y: fnp.concatenate([x, y]),
          lambda x, y: np.concatenate([x, y]), (V((0, 3), (2, 3)),)),
    OpRow("reshape_empty", lambda x: fnp.reshape(x, (3, 0)), lambda x: np.reshape(x, (3, 0)),
          (V((0, 3)),)),
    OpRow("cumsum_empty", fnp.cumsum, np.cumsum, (V((0,)),)),
    _index_row("index_empty_slice", np.s_[2:2]),
    OpRow("isnan", fnp.isnan, np.isnan, UNARY, kinds="s", dtypes=FLOATS + (I64,),
          grad_order=0),
    OpRow("isinf", fnp.isinf, np.isinf, UNARY, kinds="s", dtypes=FLOATS + (I64,),
          grad_order=0),
    OpRow("isfinite_special", fnp.isfinite, np.isfinite, UNARY, kinds="s", dtypes=FLOATS,
          grad_order=0),
    OpRow("sign_special", fnp.sign, np.sign, UNARY, kinds="s", dtypes=FLOATS, grad_order=0),
    OpRow("maximum_special", fnp.maximum, np.maximum, BINARY, kinds="ss", dtypes=FLOATS,
          grad_order=0),
    OpRow("minimum_special", fnp.minimum, np.minimum, BINARY, kinds="ss", grad_order=0),
    # logaddexp is a composition, see its row in BINARY_ROWS.
    OpRow("logaddexp_special", fnp.logaddexp, _quiet(np.logaddexp), BINARY, kinds="ss",
          grad_order=0, tol=COMPOSED),
    OpRow("clip_special", lambda x: fnp.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
          UNARY, kinds="s", grad_order=0),
    OpRow("max_special", lambda x: fnp.max(x, axis=-1), lambda x: np.max(x, axis=-1),
          (V((3,)), V((2, 3))), kinds="s", grad_order=0),
    OpRow("argmax_special", lambda x: fnp.argmax(x, axis=-1),
          lambda x: np.argmax(x, axis=-1), (V((3,)), V((2, 3))), kinds="s", grad_order=0),
    OpRow("argmin_special", fnp.argmin, np.argmin, (V((2, 3)),), kinds="s", grad_order=0),
]

# Functions beyond API.md's list that functrans.numpy exports, and further methods.
EXTRAS = [
    OpRow("amax", lambda x: fnp.amax(x, axis=0), lambda x: np.amax(x, axis=0), (V((2, 3)),),
          kinds="d"),
    OpRow("amin", fnp.amin, np.amin, (V((2, 3)),), kinds="d"),
    _unary("around", lambda x: fnp.around(x, 1), lambda x: np.around(x, 1), grad_order=0),
    _unary("bitwise_not", fnp.bitwise_not, np.bitwise_not, dtypes=(I64, BOOL, U8),
           grad_order=0),
    OpRow("atleast_1d", fnp.atleast_1d, np.atleast_1d, UNARY),
    OpRow("atleast_2d", fnp.atleast_2d, np.atleast_2d, UNARY + (V((2, 3, 2)),)),
    OpRow("broadcast_arrays", fnp.broadcast_arrays, np.broadcast_arrays, BINARY,
          dtypes=(F64, (I64, F32))),
    OpRow("diagonal", fnp.diagonal, np.diagonal, (V((3, 3)), V((2, 3)), V((2, 3, 4)))),
    OpRow("diagonal_offset_axes", lambda x: fnp.diagonal(x, -1, 2, 0),
          lambda x: np.diagonal(x, -1, 2, 0), (V((3, 2, 4)),)),
    OpRow("hstack", lambda x, y: fnp.hstack([x, y]), lambda x, y: np.hstack([x, y]),
          (V((3,), (2,)), V((2, 3), (2, 1)), V((), ()))),
    OpRow("vstack", lambda x, y: fnp.vstack((x, y)), lambda x, y: np.vstack((x, y)),
          (V((3,), (3,)), V((2, 3), (1, 3)), V((), ()))),
    OpRow("method_max", lambda x: x.max(axis=0), lambda x: x.max(axis=0), (V((2, 3)),),
          kinds="d"),
    OpRow("method_min_keepdims", lambda x: x.min(axis=-1, keepdims=True),
          lambda x: x.min(axis=-1, keepdims=True), (V((2, 3)),), kinds="d"),
    OpRow("method_prod", lambda x: x.prod(), lambda x: x.prod(), (V((2, 3)),), kinds="n",
          domain=(0.5, 1.5)),
    OpRow("method_ravel", lambda x: x.ravel(), lambda x: x.ravel(), (V((2, 3)),)),
    OpRow("method_squeeze", lambda x: x.squeeze(), lambda x: x.squeeze(), (V((1, 3)),)),
    # The method is fnp.dot: a contraction (see LINALG).
    OpRow("method_dot", lambda x, y: x.dot(y), lambda x, y: x.dot(y), (V((2, 3), (3,)),),
          tol=COMPOSED),
    _index_row("index_bool_mask", np.array([True, False, True, True])),
    _index_row("index_bool_mask_2d", np.arange(12).reshape(4, 3) % 5 < 2),
    _index_row("index_neg_step_bounds", np.s_[3:0:-2, -1:-4:-1]),
    _index_row("index_np_int", np.int64(2)),
    _index_row("index_newaxis_ellipsis", np.s_[None, ..., None, -1]),
    OpRow("at_get", lambda x: _at(x)[np.s_[1:, [0, 2]]].get(), lambda x: x[1:, [0, 2]],
          (V((4, 3)),)),
    # Repeated indices: the last write wins (NumPy's rule, documented); the gradient assumes
    # unique indices, so this is only evaluated and batched.
    _update_row("at_set_repeated", "set", np.s_[np.array([1, 1, 0])], (3,), (3,),
                grad_order=0),
    _update_row("at_add_reversed", "add", np.s_[::-1], (4,), (4,)),
    _update_row("at_set_bool_mask", "set", np.array([True, False, True]), (3, 2), (2, 2)),
]

# Rows of the issue-12 modules live in their own files (each imports the helpers above, so
# they are imported only now that those exist).
import op_rows_bits  # noqa: E402
import op_rows_callback  # noqa: E402
import op_rows_complex  # noqa: E402
import op_rows_conv  # noqa: E402
import op_rows_fft  # noqa: E402
import op_rows_histogram  # noqa: E402
import op_rows_indexmisc  # noqa: E402
import op_rows_linalg  # noqa: E402
import op_rows_linalg_complex  # noqa: E402
import op_rows_linalg_products  # noqa: E402
import op_rows_manip  # noqa: E402
import op_rows_math  # noqa: E402
import op_rows_misc  # noqa: E402
import op_rows_nn  # noqa: E402
import op_rows_ode  # noqa: E402
import op_rows_random  # noqa: E402
import op_rows_scipy_linalg  # noqa: E402
import op_rows_setops  # noqa: E402
import op_rows_sorting  # noqa: E402
import op_rows_special  # noqa: E402
import op_rows_spectral  # noqa: E402
import op_rows_stats  # noqa: E402

ROWS: list[OpRow] = [*ELEMENTWISE, *BINARY_ROWS, *REDUCTIONS, *LINALG, *SHAPE, *CREATION,
                     *INDEXING, *EDGES, *EXTRAS, *op_rows_math.ROWS, *op_rows_manip.ROWS,
                     *op_rows_stats.ROWS, *op_rows_sorting.ROWS, *op_rows_misc.ROWS,
                     *op_rows_setops.ROWS, *op_rows_histogram.ROWS, *op_rows_bits.ROWS,
                     *op_rows_indexmisc.ROWS, *op_rows_linalg.ROWS, *op_rows_spectral.ROWS,
                     *op_rows_linalg_products.ROWS, *op_rows_special.ROWS, *op_rows_nn.ROWS,
                     *op_rows_random.ROWS, *op_rows_scipy_linalg.ROWS,
                     *op_rows_complex.ROWS, *op_rows_callback.ROWS]
ROWS += op_rows_conv.ROWS
ROWS += op_rows_ode.ROWS
ROWS += op_rows_fft.ROWS
ROWS += op_rows_linalg_complex.ROWS


def _check_unique_names():
    names = [r.name for r in ROWS]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate op-table row names: {sorted(dup)}"


_check_unique_names()


# --------------------------------------------------------------------------- comparison


def leaves(x) -> list:
    return tree_util.tree_leaves(x)


def assert_matches(got, want, row: OpRow, what: str, tol: float | None = None) -> None:
    """Same tree, shapes and dtypes; values exactly equal or within the row's tolerance."""
    got_l, want_l = leaves(got), leaves(want)
    assert len(got_l) == len(want_l), f"{what}: {len(got_l)} outputs, expected {len(want_l)}"
    tol = row.tol if tol is None else tol
    for g, w in zip(got_l, want_l, strict=True):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, f"{what}: shape {g.shape}, expected {w.shape}"
        assert g.dtype == w.dtype, f"{what}: dtype {g.dtype}, expected {w.dtype}"
        if tol == 0.0 or w.dtype.kind not in "fc":
            np.testing.assert_array_equal(g, w, err_msg=what, strict=True)
        else:
            t = tol * np.finfo(w.dtype).eps / np.finfo(np.float64).eps
            np.testing.assert_allclose(g, w, rtol=t, atol=t, err_msg=what)
