"""Spectral decomposition primitives: eigh, SVD."""
from __future__ import annotations

