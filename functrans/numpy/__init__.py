"""`functrans.numpy`: a NumPy-compatible namespace for NumPy arrays and traced values alike.

    import functrans.numpy as fnp
    fnp.sum(fnp.sin(x) * 2.0, axis=0)

Every function is a composition of primitives (see docs/primitives.md): called on NumPy
values it evaluates at once and returns NumPy values; called on traced values it records
the primitives. Broadcasting and dtype promotion follow NumPy 2 (NEP 50: Python scalars are
weak, so `float32_array * 2.0` stays float32); the default float dtype is float64.
This module only re-exports each implementation module's `__all__`: `_ufuncs`, `_math`,
`_reductions`, `_nanfuncs`, `_stats`, `_sorting`, `_quantiles`, `_shape`, `_join`, `_manip`, `_pad`,
`_grids`, `_misc`, `_poly`, `_windows`, `_nonzero`, `_setops`, `_searching`, `_histogram`, `_bits`,
`_dtypes`, `_indexmisc`, `_linalg`, `_creation`, `_indexing` (`x[idx]`, `x.at[idx]`) and
`linalg`; importing it installs the traced values' operators and methods
(`_methods`).
"""
from functrans.numpy import _dispatch as _dispatch
from functrans.numpy import _methods as _methods  # installs the Tracer's operators
from functrans.numpy import fft as fft
from functrans.numpy import linalg as linalg
from functrans.numpy._bits import *  # noqa: F403
from functrans.numpy._creation import *  # noqa: F403
from functrans.numpy._dtypes import *  # noqa: F403
from functrans.numpy._grids import *  # noqa: F403
from functrans.numpy._histogram import *  # noqa: F403
from functrans.numpy._indexing import *  # noqa: F403
from functrans.numpy._indexmisc import *  # noqa: F403
from functrans.numpy._join import *  # noqa: F403
from functrans.numpy._linalg import *  # noqa: F403
from functrans.numpy._manip import *  # noqa: F403
from functrans.numpy._math import *  # noqa: F403
from functrans.numpy._misc import *  # noqa: F403
from functrans.numpy._nanfuncs import *  # noqa: F403
from functrans.numpy._nonzero import *  # noqa: F403
from functrans.numpy._pad import *  # noqa: F403
from functrans.numpy._poly import *  # noqa: F403
from functrans.numpy._quantiles import *  # noqa: F403
from functrans.numpy._reductions import *  # noqa: F403
from functrans.numpy._searching import *  # noqa: F403
from functrans.numpy._setops import *  # noqa: F403
from functrans.numpy._shape import *  # noqa: F403
from functrans.numpy._sorting import *  # noqa: F403
from functrans.numpy._stats import *  # noqa: F403
from functrans.numpy._ufuncs import *  # noqa: F403
from functrans.numpy._windows import *  # noqa: F403

_dispatch.install(globals())   # plain NumPy calls on traced values run the functions above
