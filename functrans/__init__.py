"""functrans: composable function transformations (grad, jvp, vjp, vmap, jit) on a typed IR.

    import functrans as ft
    import functrans.numpy as fnp
    print(ft.make_jaxpr(ft.grad(lambda x: fnp.sum(fnp.sin(x))))(np.ones(3)))
"""
from functrans import primitives as _primitives  # noqa: F401  (registers the primitives)
from functrans.api import make_jaxpr as make_jaxpr
from functrans.core import ClosedJaxpr as ClosedJaxpr
from functrans.core import Jaxpr as Jaxpr
from functrans.core import check_jaxpr as check_jaxpr
from functrans.core import eval_jaxpr as eval_jaxpr

__version__ = "0.1.0"
