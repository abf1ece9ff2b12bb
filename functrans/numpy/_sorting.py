"""functrans.numpy: sorting and what is built on it (issue 12): `sort`, `argsort`,
`partition`, `median`, `percentile`, `quantile` and their nan versions.

Compositions of primitives and of the other functrans.numpy modules, with NumPy's signatures
and semantics.
"""
from __future__ import annotations

# The public names, re-exported by functrans.numpy.
__all__: list[str] = []
