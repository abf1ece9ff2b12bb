"""First-order primitives, one family per module, each with all of its rules.

Importing this package registers every primitive. See docs/primitives.md for the set.
"""
from functrans.primitives import (  # noqa: F401
    basis,
    elementwise,
    indexing,
    linalg,
    misc,
    reductions,
    shape,
)
