"""functrans: composable function transformations (grad, jvp, vjp, vmap, jit) on a typed IR.

Example:
    >>> import numpy as np, functrans as ft, functrans.numpy as fnp
    >>> ft.grad(lambda x: fnp.sum(fnp.sin(x)))(np.zeros(2))
    array([1., 1.])
"""
from functrans import debug as debug
from functrans import irtools as _irtools  # noqa: F401  (installs ClosedJaxpr.to_dot, .stats)
from functrans import lax as lax
from functrans import numpy as _numpy  # noqa: F401  (installs the Tracer's operators)
from functrans import pretty as _pretty  # noqa: F401  (installs str() of Jaxpr, ClosedJaxpr)
from functrans import primitives as _primitives  # noqa: F401  (registers the primitives)
from functrans import tree_util as tree_util
from functrans.api import grad as grad
from functrans.api import hessian as hessian
from functrans.api import jacfwd as jacfwd
from functrans.api import jacrev as jacrev
from functrans.api import jit as jit
from functrans.api import jvp as jvp
from functrans.api import linearize as linearize
from functrans.api import make_jaxpr as make_jaxpr
from functrans.api import stop_gradient as stop_gradient
from functrans.api import value_and_grad as value_and_grad
from functrans.api import vjp as vjp
from functrans.api import vmap as vmap
from functrans.custom_derivatives import custom_jvp as custom_jvp
from functrans.custom_derivatives import custom_vjp as custom_vjp
from functrans.debug import debug_nans as debug_nans
from functrans.evaluate import eval_jaxpr as eval_jaxpr
from functrans.ir import ClosedJaxpr as ClosedJaxpr
from functrans.ir import Jaxpr as Jaxpr
from functrans.ir import ShapedArray as ShapedArray
from functrans.ir import check_jaxpr as check_jaxpr
from functrans.primitives.callback import pure_callback as pure_callback

__version__ = "0.1.0"
