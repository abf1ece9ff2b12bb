"""functrans.numpy: elementwise math built from primitives (issue 12): inverse hyperbolic
functions, Array-API aliases, float helpers, comparisons of whole arrays.

Every function here is a composition of primitives and of the other functrans.numpy
modules, with NumPy's signature and semantics; owns no primitive.
"""
from __future__ import annotations

# The public names, re-exported by functrans.numpy.
__all__: list[str] = []
