"""The triangular solve primitive."""
from __future__ import annotations

