"""Op-table rows for random."""
from __future__ import annotations

from op_table import OpRow

ROWS: list[OpRow] = []
