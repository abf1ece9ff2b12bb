"""The dtype helpers of functrans.numpy (`_dtypes`) against NumPy over a grid of dtypes and
scalars, `result_type` against the dtypes functrans.numpy operations actually return, and the
errors and derivative conventions of `_bits` and `_dtypes` that the op table cannot express.
"""
import itertools
import math

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import errors

DTYPES = [np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                np.float64)]
SCALARS = [True, 3, -2, 2.5]
KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
         "complex floating", "numeric", ("bool", "real floating")]
ABSTRACT = [np.generic, np.number, np.integer, np.signedinteger, np.unsignedinteger,
            np.floating, np.inexact, np.bool_]


def _ids(v):
    return getattr(v, "name", None) or getattr(v, "__name__", None) or repr(v)


# --------------------------------------------------------------------------- dtype queries


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, DTYPES)), ids=_ids)
def test_promote_types_and_can_cast_match_numpy(a, b):
    assert fnp.promote_types(a, b) == np.promote_types(a, b)
    for casting in ("no", "equiv", "safe", "same_kind", "unsafe"):
        assert fnp.can_cast(a, b, casting) is bool(np.can_cast(a, b, casting))
    assert fnp.can_cast(np.zeros(2, a), b) is bool(np.can_cast(np.zeros(2, a), b))


@pytest.mark.parametrize("a", DTYPES, ids=_ids)
def test_isdtype_and_issubdtype_match_numpy(a):
    for kind in KINDS + DTYPES:
        assert fnp.isdtype(a, kind) is bool(np.isdtype(a, kind))
    for abstract in ABSTRACT + DTYPES:
        assert fnp.issubdtype(a, abstract) is bool(np.issubdtype(a, abstract))
    assert fnp.isdtype(a.type, "numeric") is bool(np.isdtype(a.type, "numeric"))


def _operands(dtype):
    """A dtype, a 0-d array and a 2-vector of `dtype`: the forms result_type accepts."""
    return [dtype, np.zeros((), dtype), np.ones(2, dtype)]


@pytest.mark.parametrize("a", DTYPES, ids=_ids)
def test_result_type_matches_numpy(a):
    for b in DTYPES + SCALARS:
        for x in _operands(a):
            assert fnp.result_type(x, b) == np.result_type(x, b), (x, b)
            assert fnp.result_type(b, x) == np.result_type(b, x), (b, x)
    for s, t in itertools.product(SCALARS, SCALARS):
        assert fnp.result_type(s, t) == np.result_type(s, t)
    assert fnp.result_type(a) == np.result_type(a)
    assert fnp.result_type(a.name, np.int8, 1.0) == np.result_type(a.name, np.int8, 1.0)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d.kind != "b" and d.itemsize > 2]
                         + [np.dtype(np.float32), np.dtype(np.uint8)], ids=_ids)
@pytest.mark.parametrize("scalar", [2, 2.0, True])
def test_result_type_of_traced_values_is_the_dtype_operations_give(dtype, scalar):
    seen = []

    def f(x):
        seen.append((fnp.result_type(x, scalar), fnp.add(x, scalar).dtype))
        seen.append((fnp.result_type(x, np.float32), fnp.add(x, np.ones(1, np.float32)).dtype))
        seen.append((fnp.result_type(x, x), fnp.multiply(x, x).dtype))
        return x

    ft.jit(f)(np.ones(3, dtype))
    ft.make_jaxpr(f)(np.ones((), dtype))
    for got, want in seen:
        assert got == want


def test_result_type_of_weak_traced_values():
    # A traced Python scalar is weak: it takes the dtype of the strong operand it meets.
    def f(w):
        assert fnp.result_type(w, np.float32) == fnp.add(w, np.float32(1)).dtype == np.float32
        assert fnp.result_type(w, 1) == np.float64
        return w

    ft.jit(f)(1.0)


def test_dtype_query_errors():
    with pytest.raises(errors.FunctransTypeError, match="can_cast: `from_` is the Python scalar"):
        fnp.can_cast(1, np.int8)
    with pytest.raises(errors.FunctransTypeError, match="promote_types: `type1`"):
        fnp.promote_types("no such dtype", np.int8)
    with pytest.raises(errors.FunctransValueError, match="at least one"):
        fnp.result_type()


def test_traced_value_queries_answer_with_python_values():
    def f(x):
        assert fnp.can_cast(x, np.float64) is True
        assert fnp.can_cast(x, np.int8, "same_kind") is False
        return x

    ft.jit(f)(np.ones(3, np.float32))


# --------------------------------------------------------------------------- object queries

OBJECTS = [1, 1.5, True, np.float32(1), np.int8(3), np.array(1.0), np.array([1.0]),
           np.ones((2, 3)), [1, 2], (), None, "abc", range(3), slice(2)]


@pytest.mark.parametrize("obj", OBJECTS, ids=repr)
def test_iterable_and_isscalar_match_numpy(obj):
    assert fnp.iterable(obj) is bool(np.iterable(obj))
    # JAX's isscalar: NumPy's answer, except that rank-0 arrays are scalars too.
    want = bool(np.isscalar(obj)) or (isinstance(obj, np.ndarray) and obj.ndim == 0)
    assert fnp.isscalar(obj) is want


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_isscalar_and_iterable_of_traced_values(shape):
    answers = []

    def f(x):
        answers.append((fnp.isscalar(x), fnp.iterable(x)))
        return x

    ft.jit(f)(np.ones(shape))
    ft.vmap(f)(np.ones((4, *shape)))
    assert answers == [(shape == (), shape != ())] * 2


# --------------------------------------------------------------------------- complex family

COMPLEX_FAMILY = [fnp.real, fnp.imag, fnp.conj, fnp.conjugate, fnp.angle, fnp.iscomplex,
                  fnp.isreal, fnp.iscomplexobj, fnp.isrealobj]


@pytest.mark.parametrize("f", COMPLEX_FAMILY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("z", [np.array([1 + 2j, -3.0]), np.complex64(1j), 1j,
                               np.zeros((0, 2), np.complex64)], ids=repr)
def test_complex_inputs_match_numpy(f, z):
    got, want = f(z), getattr(np, f.__name__)(z)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("x", [np.array([1.0, -2.0]), np.array([1, 2], np.int8),
                               np.array([True]), 2.5, 3])
def test_object_predicates_match_numpy(x):
    assert fnp.iscomplexobj(x) is bool(np.iscomplexobj(x)) is False
    assert fnp.isrealobj(x) is bool(np.isrealobj(x)) is True
    np.testing.assert_array_equal(fnp.iscomplex(x), np.iscomplex(x))
    np.testing.assert_array_equal(fnp.isreal(x), np.isreal(x))


def test_real_input_derivatives():
    assert ft.grad(lambda x: fnp.real(x) * 3.0)(2.0) == 3.0
    assert ft.grad(lambda x: fnp.conj(x) * 3.0)(2.0) == 3.0
    assert ft.grad(lambda x: fnp.imag(x) + x)(2.0) == 1.0
    assert ft.grad(fnp.angle)(-2.0) == 0.0
    assert np.isnan(ft.grad(fnp.angle)(0.0))     # as JAX: d atan2(0, x) = -0 / 0 at 0


# --------------------------------------------------------------------------- _bits conventions


def test_nextafter_is_not_differentiable_like_jax():
    with pytest.raises(errors.FunctransTypeError, match="nextafter: differentiation"):
        ft.grad(lambda x: fnp.nextafter(x, 2.0))(1.0)
    # Without a tangent flowing into it, it is fine.
    assert ft.grad(lambda x: x * fnp.nextafter(1.0, 2.0))(1.0) == np.nextafter(1.0, 2.0)


def test_spacing_derivative_is_zero():
    assert ft.grad(fnp.spacing)(1.5) == 0.0
    assert ft.grad(lambda x: fnp.spacing(x) + x)(-3.0) == 1.0


def _i1_series(x: float) -> float:
    return math.fsum((x / 2) ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1))
                     for k in range(80))


def _i0_series(x: float) -> float:
    return math.fsum((x / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(80))


@pytest.mark.parametrize("x", [0.3, -1.7, 5.0, 12.5, -19.5, 20.5, 31.0])
def test_i0_derivatives_are_the_bessel_functions(x):
    # d i0 = i1, d2 i0 = i0 - i1 / x, to ~1e-14 relative on both sides of the switch at 20.
    d1 = ft.grad(fnp.i0)(x)
    d2 = ft.grad(ft.grad(fnp.i0))(x)
    np.testing.assert_allclose(d1, _i1_series(x), rtol=1e-14)
    np.testing.assert_allclose(d2, _i0_series(x) - _i1_series(x) / x, rtol=1e-14)


def test_i0_derivatives_at_zero():
    assert ft.grad(fnp.i0)(0.0) == 0.0
    assert ft.grad(ft.grad(fnp.i0))(0.0) == 0.5
    np.testing.assert_allclose(ft.vmap(ft.jacfwd(ft.grad(fnp.i0)))(np.array([0.0, 1.0])),
                               [0.5, _i0_series(1.0) - _i1_series(1.0)], rtol=1e-14)


def test_bit_function_errors():
    with pytest.raises(errors.FunctransTypeError, match="left_shift: not supported for float64"):
        fnp.left_shift(np.array([1.0]), 1)
    with pytest.raises(errors.FunctransTypeError, match="bitwise_count"):
        fnp.bitwise_count(np.array([1.5]))
    with pytest.raises(errors.FunctransTypeError, match="packbits: expected an integer"):
        fnp.packbits(np.array([1.5]))
    with pytest.raises(errors.FunctransTypeError, match="unpackbits: expected a uint8"):
        fnp.unpackbits(np.array([1]))
    with pytest.raises(errors.FunctransValueError, match="-count"):
        fnp.unpackbits(np.array([1, 2], np.uint8), count=-17)
    with pytest.raises(errors.FunctransValueError, match="bitorder"):
        fnp.packbits(np.array([1]), bitorder="middle")
    with pytest.raises(errors.FunctransTypeError, match="out"):
        fnp.right_shift(np.array([1]), 1, out=np.array([0]))
