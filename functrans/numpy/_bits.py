"""`functrans.numpy`: shifts, bit counts, `packbits`/`unpackbits`, `spacing`, `nextafter`, `i0`."""
from __future__ import annotations

__all__: list[str] = []
