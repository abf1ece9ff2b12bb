"""functrans.numpy: selection, polynomials, windows and other compositions (issue 12):
`select`, `choose`, `piecewise`, `take_along_axis`, polynomials, window functions, ...

Compositions of primitives and of the other functrans.numpy modules, with NumPy's signatures
and semantics.
"""
from __future__ import annotations

# The public names, re-exported by functrans.numpy.
__all__: list[str] = []
