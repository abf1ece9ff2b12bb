"""`functrans.numpy`: `unique*`, the set functions and `isin`."""
from __future__ import annotations

__all__: list[str] = []
