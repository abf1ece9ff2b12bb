"""`functrans.numpy`: dtype helpers and the real/complex predicates."""
from __future__ import annotations

__all__: list[str] = []
