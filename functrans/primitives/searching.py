"""Searching primitives: `searchsorted`."""
from __future__ import annotations

