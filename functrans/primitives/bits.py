"""Bit primitives: shifts, population count, `nextafter`."""
from __future__ import annotations

