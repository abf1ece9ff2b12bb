"""`functrans.random`: the distributions, built on `bits`."""
from __future__ import annotations

__all__: list[str] = []
