"""Op-table rows for special."""
from __future__ import annotations

from op_table import OpRow

ROWS: list[OpRow] = []
