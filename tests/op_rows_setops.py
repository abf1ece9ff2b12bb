"""Op-table rows for setops."""
from __future__ import annotations

from op_table import OpRow

ROWS: list[OpRow] = []
