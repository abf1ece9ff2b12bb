"""The threefry2x32 primitive: random bits from keys."""
from __future__ import annotations

__all__: list[str] = []
