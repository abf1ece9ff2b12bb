"""Dtype helpers: short names for the IR dump, NumPy 2 (NEP 50) promotion with weak types.

A weakly typed value (a Python scalar, or a tracer made from one) takes the dtype of the
strongly typed values it meets, as in NumPy 2: `float32_array * 2.0` stays float32.
"""
from __future__ import annotations

import numpy as np

float_ = np.dtype(np.float64)
int_ = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
complex_ = np.dtype(np.complex128)

_SHORT = {
    "float64": "f64", "float32": "f32", "float16": "f16",
    "int64": "i64", "int32": "i32", "int16": "i16", "int8": "i8",
    "uint64": "u64", "uint32": "u32", "uint16": "u16", "uint8": "u8",
    "bool": "bool", "complex128": "c128", "complex64": "c64",
}


def short_name(dtype: np.dtype) -> str:
    """`f64` for float64, as the IR dump prints dtypes."""
    # Keyed by the dtype itself: `dtype.name` is a slow property in NumPy.
    name = _SHORT_BY_DTYPE.get(dtype)
    if name is None:
        name = _SHORT_BY_DTYPE[dtype] = _SHORT.get(dtype.name, dtype.name)
    return name


_SHORT_BY_DTYPE: dict[np.dtype, str] = {}    # bounded by the number of dtypes


def is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def is_complex(dtype: np.dtype) -> bool:
    return dtype.kind == "c"


def is_inexact(dtype: np.dtype) -> bool:
    """Floating or complex: the dtypes of values that carry tangents."""
    return dtype.kind in "fc"


def real_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype of the real and imaginary parts of `dtype` (float64 for complex128); a real
    dtype is its own."""
    if dtype.kind == "c":
        return np.dtype(np.float32) if dtype.itemsize == 8 else np.dtype(np.float64)
    return dtype


def complex_dtype(dtype: np.dtype) -> np.dtype:
    """The complex dtype whose parts have the floating `dtype` (complex64 for float32)."""
    if dtype.kind == "c":
        return dtype
    return np.dtype(np.complex64) if dtype == np.float32 else complex_


def is_bool(dtype: np.dtype) -> bool:
    return dtype.kind == "b"


def is_differentiable(dtype: np.dtype) -> bool:
    """Only floating and complex values carry tangents and cotangents."""
    return dtype.kind in "fc"


# What a weak value stands for in np.result_type: NumPy 2 treats Python scalars as weak.
_WEAK_STANDIN = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}


def result_type(*avals_or_dtypes) -> tuple[np.dtype, bool]:
    """Promote per NEP 50. Accepts avals (with `.dtype`, `.weak_type`) or dtypes.

    Returns the result dtype and whether the result is weakly typed (all inputs weak).
    """
    items = []
    all_weak = True
    for a in avals_or_dtypes:
        if isinstance(a, np.dtype):
            items.append(a)
            all_weak = False
        elif getattr(a, "weak_type", False):
            items.append(_WEAK_STANDIN[a.dtype.kind])
        else:
            items.append(a.dtype)
            all_weak = False
    if all_weak:
        # Only weak values: the widest kind wins, at the default width.
        kinds = "bifc"
        kind = max((a.dtype.kind.replace("u", "i") for a in avals_or_dtypes), key=kinds.index)
        return {"b": bool_, "i": int_, "f": float_, "c": complex_}[kind], True
    return np.result_type(*items), False
