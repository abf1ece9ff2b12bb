"""`functrans.numpy.linalg`: `eigh`, `svd` and the functions built on them."""
from __future__ import annotations

__all__: list[str] = []
