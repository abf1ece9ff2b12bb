"""`functrans.numpy.linalg`: products and views (`matmul`, `outer`, `cross`, `multi_dot`, ...)."""
from __future__ import annotations

__all__: list[str] = []
