"""functrans.numpy: array manipulation (issue 12): rolling, rotating, flipping, splitting,
stacking, padding, index grids, differences.

Every function here is a composition of primitives and of the other functrans.numpy
modules, with NumPy's signature and semantics; owns no primitive.
"""
from __future__ import annotations

# The public names, re-exported by functrans.numpy.
__all__: list[str] = []
