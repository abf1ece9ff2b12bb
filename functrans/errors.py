"""User-facing error classes.

Every error a user can cause is one of these: a subclass of a built-in `TypeError` or
`ValueError`, so `except TypeError` keeps working, with a message that names the argument,
shape, primitive or source line involved and says what to do instead.
"""
from __future__ import annotations


class FunctransTypeError(TypeError):
    """A value of the wrong kind: wrong dtype, a tracer where a concrete value is needed."""


class FunctransValueError(ValueError):
    """A value of the right kind but the wrong shape, axis or size."""


class ShapeError(FunctransTypeError):
    """A primitive's shape or dtype rule rejected its operands (names primitive and shapes)."""


class ConcretizationError(FunctransTypeError):
    """Python control flow or conversion (`if`, `bool()`, `float()`) on a traced value."""


class DeadTracerError(FunctransTypeError):
    """A tracer was used after the transformation that created it had finished."""


class InvalidJaxprError(FunctransTypeError):
    """`check_jaxpr` found an ill-typed or ill-formed program (an internal bug, usually)."""


class AxisError(FunctransValueError):
    """An `axis` argument out of range for the array's rank."""


class IndexingError(FunctransTypeError):
    """An index expression functrans cannot express (for example a boolean mask on a tracer)."""
