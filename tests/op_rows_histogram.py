"""Op-table rows for histogram."""
from __future__ import annotations

from op_table import OpRow

ROWS: list[OpRow] = []
