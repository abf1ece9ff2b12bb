"""Matrix factorization primitives: Cholesky, LU, QR."""
from __future__ import annotations

