"""Op-table rows of `functrans.numpy._sorting` (issue 12); `op_table.ROWS` includes them."""
from __future__ import annotations

from op_table import OpRow

ROWS: list[OpRow] = []
