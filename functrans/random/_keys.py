"""`functrans.random`: keys, `split`, `fold_in`, `bits`."""
from __future__ import annotations

__all__: list[str] = []
