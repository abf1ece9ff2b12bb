"""Op-table rows for nn."""
from __future__ import annotations

from op_table import OpRow

ROWS: list[OpRow] = []
