"""`functrans.numpy`: `nonzero` and the functions whose output size depends on values (`size=`)."""
from __future__ import annotations

__all__: list[str] = []
