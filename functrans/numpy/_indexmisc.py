"""`functrans.numpy`: index arithmetic, `apply_along_axis`, `fill_diagonal`, `put`, `convolve`."""
from __future__ import annotations

__all__: list[str] = []
