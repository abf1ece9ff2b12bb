"""`functrans.numpy.linalg`: the Cholesky, LU and QR families (`solve`, `inv`, `det`, ...)."""
from __future__ import annotations

__all__: list[str] = []
