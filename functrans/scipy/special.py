"""`functrans.scipy.special`: special functions with derivatives."""
from __future__ import annotations

__all__: list[str] = []
