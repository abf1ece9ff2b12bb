"""`functrans.numpy`: `searchsorted`, `digitize`, `bincount`, `histogram*`, `lexsort`."""
from __future__ import annotations

__all__: list[str] = []
