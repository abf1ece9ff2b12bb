"""Special-function primitives with NumPy impls (erf, ...)."""
from __future__ import annotations

__all__: list[str] = []
