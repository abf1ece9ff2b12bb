"""`functrans.numpy.linalg`: NumPy's linear algebra namespace for arrays and traced values.

Re-exports each implementation module's `__all__`: `_norms` (`norm`, `matrix_norm`,
`vector_norm`), `_solve` (the Cholesky, LU and QR families: `solve`, `inv`, `det`, ...),
`_spectral` (`eigh`, `svd` and what is built on them) and `_products` (`matmul`, `outer`,
`cross`, `multi_dot`, ...). The decompositions are primitives (functrans/primitives/
triangular.py, factorizations.py, spectral.py); everything else is a composition.
"""
from functrans.numpy.linalg import _norms, _products, _solve, _spectral
from functrans.numpy.linalg._norms import *  # noqa: F403
from functrans.numpy.linalg._products import *  # noqa: F403
from functrans.numpy.linalg._solve import *  # noqa: F403
from functrans.numpy.linalg._spectral import *  # noqa: F403

__all__ = sorted({*_norms.__all__, *_products.__all__, *_solve.__all__, *_spectral.__all__})
